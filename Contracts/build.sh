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
common="-nostdlib -ffreestanding -static -fuse-ld=lld -O2 -I$here/include -Wl,--strip-all -Wl,-z,norelro"
# The stored code is the ELF and deployment costs 200 gas per byte: drop what the loader does not
# read (the section headers, .comment and most of .riscv.attributes: about 660 bytes, 130k gas
# per deployment; its 42 bytes stay, zeroed, as a program header refers to them).
# llvm-objcopy ships with the Swift toolchain next to its clang; without one the ELFs keep them.
OBJCOPY=${OBJCOPY:-$(dirname "$(command -v "$CLANG")")/llvm-objcopy}
[ -x "$OBJCOPY" ] || OBJCOPY=$(command -v llvm-objcopy || true)
build() { # name march mabi target source...
  name=$1 march=$2 mabi=$3 target=$4; shift 4
  $CLANG --target=$target -march=$march -mabi=$mabi $common -o "$out/$name" \
    "$here/include/crt0.S" "$here/include/eekit_rt.c" "$@"
  if [ -n "$OBJCOPY" ]; then "$OBJCOPY" --strip-sections -R .comment -R .riscv.attributes "$out/$name"; fi
}
for ex in token counter caller malicious compute vault; do
  build "$ex.elf" rv64im lp64 riscv64 "$here/examples/$ex.c"
done
build token32.elf rv32im ilp32 riscv32 "$here/examples/token.c"
build counter32.elf rv32im ilp32 riscv32 "$here/examples/counter.c"
build vault32.elf rv32im ilp32 riscv32 "$here/examples/vault.c"
build compute32.elf rv32im ilp32 riscv32 "$here/examples/compute.c"
