#!/bin/sh
# Builds one test program for both XLENs: build.sh src.c out-prefix [extra flags]
set -e
src=$1; out=$2; shift 2
LG=/usr/lib/gcc/riscv64-unknown-elf/12.2.0
clang --target=riscv64 -march=rv64im -mabi=lp64 -nostdlib -ffreestanding -static -fuse-ld=lld -O2 \
  -fno-builtin -mno-relax "$@" -o "$out.rv64" "$src" $LG/rv64im/lp64/libgcc.a
clang --target=riscv32 -march=rv32im -mabi=ilp32 -nostdlib -ffreestanding -static -fuse-ld=lld -O2 \
  -fno-builtin -mno-relax "$@" -o "$out.rv32" "$src" $LG/rv32im/ilp32/libgcc.a
