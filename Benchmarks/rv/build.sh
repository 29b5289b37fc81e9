#!/usr/bin/env bash
# Builds the EEKit RISC-V benchmark programs three ways from the same sources:
#   OUTDIR/rv64/<prog>    rv64im, lp64, linked with the guest runtime
#   OUTDIR/rv32/<prog>    rv32im, ilp32, linked with the guest runtime
#   OUTDIR/native/<prog>  the host (x86-64), clang -O2 with libc
#
#   Benchmarks/rv/build.sh OUTDIR
#
# Environment: CLANG (default: clang).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
OUT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
RT="$HERE/../../Tests/RISCVTests/Programs/runtime"
CLANG=${CLANG:-clang}

die() {
  echo "build.sh: error: $*" >&2
  exit 1
}

command -v "$CLANG" >/dev/null 2>&1 || die "'$CLANG' not found; install clang with the RISC-V target (or set CLANG)"
[ -f "$RT/rt.c" ] && [ -f "$RT/crt0.S" ] || die "guest runtime not found in $RT"

CFLAGS=(-O2 -Wall -Wextra -Wno-unused-parameter -g0)
RV_CFLAGS=(-ffreestanding -fno-builtin -fno-stack-protector -I "$RT" -I "$HERE")
RV_LDFLAGS=(-nostdlib -static -fuse-ld=lld)

mkdir -p "$OUT/rv64" "$OUT/rv32" "$OUT/native" "$OUT/obj/rv64" "$OUT/obj/rv32"
for xlen in 64 32; do
  if [ "$xlen" = 64 ]; then
    target=(--target=riscv64 -march=rv64im -mabi=lp64)
  else
    target=(--target=riscv32 -march=rv32im -mabi=ilp32)
  fi
  "$CLANG" "${target[@]}" "${CFLAGS[@]}" "${RV_CFLAGS[@]}" -c "$RT/rt.c" -o "$OUT/obj/rv$xlen/rt.o" ||
    die "cannot compile the guest runtime for rv$xlen (does '$CLANG' have the RISC-V target?)"
  "$CLANG" "${target[@]}" "${CFLAGS[@]}" "${RV_CFLAGS[@]}" -c "$RT/crt0.S" -o "$OUT/obj/rv$xlen/crt0.o"
  for src in "$HERE"/*.c; do
    name=$(basename "$src" .c)
    "$CLANG" "${target[@]}" "${CFLAGS[@]}" "${RV_CFLAGS[@]}" "${RV_LDFLAGS[@]}" \
      "$OUT/obj/rv$xlen/crt0.o" "$OUT/obj/rv$xlen/rt.o" "$src" -o "$OUT/rv$xlen/$name" ||
      die "building $name for rv$xlen failed"
  done
done
for src in "$HERE"/*.c; do
  name=$(basename "$src" .c)
  "$CLANG" "${CFLAGS[@]}" -I "$HERE" "$src" -o "$OUT/native/$name" || die "building $name natively failed"
done
echo "built $(ls "$HERE"/*.c | wc -l) benchmarks (rv64, rv32, native) into $OUT"
