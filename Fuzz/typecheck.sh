#!/usr/bin/env bash
# Type-checks the EEKit module with swiftc alone (no code generation, no SwiftPM build): a quick
# check of a source edit while a full build would take long. Needs a SwiftPM build directory that
# already holds GRDB's module (SCRATCH, default .build-pre).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
S=${SCRATCH:-.build-pre}
B=${FUZZ_OUT:-/tmp/eekit-fuzz}/typecheck
mkdir -p "$B"
source Fuzz/module_maps.sh
module_maps "$B/modules"
M=("${MAPARGS[@]}")
M+=(-Xcc "-fmodule-map-file=$ROOT/$S/checkouts/GRDB.swift/Sources/GRDBSQLite/module.modulemap")
swiftc -typecheck -module-name EEKit -package-name eekit -module-cache-path "$B/modcache" \
    -I "$S/x86_64-unknown-linux-gnu/debug/Modules" "${M[@]}" $(find Sources/EEKit -name '*.swift' | sort)
echo "EEKit type-checks"
