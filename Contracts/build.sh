#!/bin/sh
# Builds the native-contract examples (RV64IM; token, counter, vault and compute also as RV32IM)
# into DIR.
#   Contracts/build.sh DIR
# Uses the toolchain's clang and ld.lld (CLANG=... to override).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTPUT_DIR}
mkdir -p "$out"
CLANG=${CLANG:-clang}
common="-nostdlib -ffreestanding -static -fuse-ld=lld -O2 -I$here/include -Wl,--strip-all -Wl,-z,norelro -Wl,--no-relax"
build() { # name march mabi target source...
  name=$1 march=$2 mabi=$3 target=$4; shift 4
  $CLANG --target=$target -march=$march -mabi=$mabi $common -o "$out/$name" \
    "$here/include/crt0.S" "$here/include/eekit_rt.c" "$@"
}
for ex in token counter caller malicious compute vault; do
  build "$ex.elf" rv64im lp64 riscv64 "$here/examples/$ex.c"
done
build token32.elf rv32im ilp32 riscv32 "$here/examples/token.c"
build counter32.elf rv32im ilp32 riscv32 "$here/examples/counter.c"
build vault32.elf rv32im ilp32 riscv32 "$here/examples/vault.c"
build compute32.elf rv32im ilp32 riscv32 "$here/examples/compute.c"
