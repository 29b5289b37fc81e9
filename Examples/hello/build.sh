#!/usr/bin/env bash
# Builds the hello example for rv64im and rv32im into OUT (default Examples/hello/build/) with the
# toolchain's clang and the freestanding guest runtime of the test programs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/build}
RT="$HERE/../../Tests/RISCVTests/Programs/runtime"
CLANG=${CLANG:-clang}
mkdir -p "$OUT"
for t in "64 --target=riscv64 -march=rv64im -mabi=lp64" "32 --target=riscv32 -march=rv32im -mabi=ilp32"; do
    set -- $t
    xlen=$1; shift
    "$CLANG" "$@" -O2 -ffreestanding -fno-builtin -fno-stack-protector -nostdlib -static -fuse-ld=lld \
        -I "$RT" "$RT/crt0.S" "$RT/rt.c" "$HERE/hello.c" -o "$OUT/hello-rv$xlen"
done
echo "built $OUT/hello-rv64 and hello-rv32"
