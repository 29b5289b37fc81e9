#!/usr/bin/env bash
# Builds the Swift libFuzzer binary $FUZZ_OUT/bin/eekit_swift_fuzz: the EEKit module's sources
# plus Fuzz/swift/FuzzEntry.swift compiled as one module with -sanitize=fuzzer,address, and the
# C targets (CRISCV, CEVM, CPrecompiles, CHostCall) with -fsanitize=fuzzer-no-link,address.
# SQLiteStore.swift is left out (it needs GRDB, and no fuzz target opens a database), so this
# build needs no SwiftPM build and no GRDB. Rebuilds only when a source is newer than the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${FUZZ_OUT:-/tmp/eekit-fuzz}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
B=$OUT/swiftbuild
BIN=$OUT/bin/eekit_swift_fuzz
mkdir -p "$B/obj" "$B/modules" "$OUT/bin"
SWIFT_SRCS=$(find Sources/EEKit -name '*.swift' ! -name SQLiteStore.swift | sort)
# The test-support encoder and ELF writer (they import nothing) build the native_frames programs.
SUPPORT_SRCS="Tests/EEKitTestSupport/RVAsm.swift Tests/EEKitTestSupport/TestELF.swift"
C_SRCS=$(ls CSources/CRISCV/*.c CSources/CEVM/*.c CSources/CPrecompiles/*.c CSources/CHostCall/*.c)
if [ -x "$BIN" ] && [ -z "$(find $SWIFT_SRCS $SUPPORT_SRCS $C_SRCS CSources Fuzz/swift -newer "$BIN" -print -quit)" ]; then
    exit 0
fi
OBJS=()
for c in $C_SRCS; do
    t=$(basename "$(dirname "$c")")
    o=$B/obj/$t-$(basename "$c" .c).o
    # the same flags as Package.swift's cCoreSettings, plus the sanitizers
    clang -c -O3 -g -fno-strict-aliasing -fsanitize=fuzzer-no-link,address \
        -I"CSources/$t/include" -I"CSources/$t" "$c" -o "$o"
    OBJS+=("$o")
done
source Fuzz/module_maps.sh
module_maps "$B/modules"
# Compile a snapshot: other people edit the working tree while this (slow) build runs, and
# swiftc refuses inputs that change under it.
rm -rf "$B/src" && mkdir -p "$B/src"
SNAP=()
for f in $SWIFT_SRCS $SUPPORT_SRCS Fuzz/swift/FuzzEntry.swift; do
    d=$B/src/$(echo "$f" | tr / _)
    cp "$f" "$d"
    SNAP+=("$d")
done
# From inside $B: with -g, swiftc leaves EEKit-1.swiftmodule/.swiftdoc/.swiftsourceinfo in the
# current directory, and they must not land in the checkout.
cd "$B"
swiftc -O -wmo -g -sanitize=fuzzer,address -parse-as-library -module-name EEKit -package-name eekit \
    -module-cache-path "$B/modcache" -use-ld=lld "${MAPARGS[@]}" "${SNAP[@]}" "${OBJS[@]}" \
    -lelf -lsecp256k1 -lhogweed -lnettle -lgmp -lffi -ldl -o "$BIN"
echo "built $BIN"
