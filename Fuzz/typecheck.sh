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
M=()
for t in CRISCV CEVM CPrecompiles CHostCall; do
    mkdir -p "$B/modules/$t"
    printf 'module %s {\n    header "%s"\n    export *\n}\n' "$t" "$ROOT/CSources/$t/include/$t.h" >"$B/modules/$t/module.modulemap"
    M+=(-Xcc "-fmodule-map-file=$B/modules/$t/module.modulemap")
done
M+=(-Xcc "-fmodule-map-file=$ROOT/CSources/CElf/module.modulemap")
M+=(-Xcc "-fmodule-map-file=$ROOT/$S/checkouts/GRDB.swift/Sources/GRDBSQLite/module.modulemap")
swiftc -typecheck -module-name EEKit -package-name eekit -module-cache-path "$B/modcache" \
    -I "$S/x86_64-unknown-linux-gnu/debug/Modules" "${M[@]}" $(find Sources/EEKit -name '*.swift' | sort)
echo "EEKit type-checks"
