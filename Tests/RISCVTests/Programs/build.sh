#!/usr/bin/env bash
# Builds every EEKit RISC-V guest test program for rv64 and rv32.
#
#   Tests/RISCVTests/Programs/build.sh OUTDIR
#
# Produces OUTDIR/rv64/<prog> and OUTDIR/rv32/<prog> for each <prog>.c / <prog>.S in this
# folder, linked against the freestanding runtime in runtime/. A source line containing
# "EEKIT-LDFLAGS: <flags>" adds link flags for that program (e.g. -Wl,-N for writable .text).
#
# Environment: CLANG (default: clang), JOBS (parallel compiles, default 2).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
OUT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CLANG=${CLANG:-clang}
JOBS=${JOBS:-2}

die() {
  echo "build.sh: error: $*" >&2
  exit 1
}

command -v "$CLANG" >/dev/null 2>&1 || die "'$CLANG' not found; install clang with the RISC-V target (or set CLANG)"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int main(void) { return 0; }' >"$probe/p.c"
for t in "--target=riscv64 -march=rv64im -mabi=lp64" "--target=riscv32 -march=rv32im -mabi=ilp32"; do
  # shellcheck disable=SC2086
  "$CLANG" $t -c "$probe/p.c" -o "$probe/p.o" 2>"$probe/err" ||
    die "'$CLANG' cannot compile for $t: $(head -c 400 "$probe/err")"
  # shellcheck disable=SC2086
  "$CLANG" $t -nostdlib -static -fuse-ld=lld -Wl,-e,main "$probe/p.o" -o "$probe/p" 2>"$probe/err" ||
    die "'$CLANG' cannot link with ld.lld for $t: $(head -c 400 "$probe/err")"
done

CFLAGS=(-O2 -ffreestanding -fno-builtin -g0 -Wall -Wextra -Wno-unused-parameter
  -fno-stack-protector -I "$HERE/runtime")
LDFLAGS=(-nostdlib -static -fuse-ld=lld)

# ELF e_flags must not have EF_RISCV_RVC (bit 0) nor a float ABI (bits 1-2).
check_flags() {
  local file=$1 xlen=$2 off flags
  if [ "$xlen" = 64 ]; then off=48; else off=36; fi
  flags=$(od -An -t u4 -j "$off" -N 4 "$file" | tr -d ' ')
  if [ $((flags & 7)) -ne 0 ]; then
    die "$file has ELF e_flags $flags (compressed instructions or a float ABI)"
  fi
}

build_one() {
  local xlen=$1 src=$2 name extra out
  name=$(basename "$src")
  name=${name%.*}
  out="$OUT/rv$xlen/$name"
  extra=$(sed -n 's/.*EEKIT-LDFLAGS:[[:space:]]*\([^*]*\).*/\1/p' "$src" | head -n 1)
  local target
  if [ "$xlen" = 64 ]; then
    target=(--target=riscv64 -march=rv64im -mabi=lp64)
  else
    target=(--target=riscv32 -march=rv32im -mabi=ilp32)
  fi
  local extra_args
  read -r -a extra_args <<<"$extra"
  if ! "$CLANG" "${target[@]}" "${CFLAGS[@]}" "${LDFLAGS[@]}" "${extra_args[@]}" \
    "$OUT/obj/rv$xlen/crt0.o" "$OUT/obj/rv$xlen/rt.o" "$src" -o "$out" 2>"$out.log"; then
    cat "$out.log" >&2
    die "building $name for rv$xlen failed"
  fi
  [ -s "$out.log" ] && cat "$out.log" >&2
  rm -f "$out.log"
  check_flags "$out" "$xlen"
}

sources=()
for f in "$HERE"/*.c "$HERE"/*.S; do
  [ -e "$f" ] && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || die "no programs found in $HERE"

for xlen in 64 32; do
  mkdir -p "$OUT/rv$xlen" "$OUT/obj/rv$xlen"
  if [ "$xlen" = 64 ]; then
    target=(--target=riscv64 -march=rv64im -mabi=lp64)
  else
    target=(--target=riscv32 -march=rv32im -mabi=ilp32)
  fi
  "$CLANG" "${target[@]}" "${CFLAGS[@]}" -c "$HERE/runtime/rt.c" -o "$OUT/obj/rv$xlen/rt.o"
  "$CLANG" "${target[@]}" "${CFLAGS[@]}" -c "$HERE/runtime/crt0.S" -o "$OUT/obj/rv$xlen/crt0.o"
done

pids=()
status=0
for xlen in 64 32; do
  for src in "${sources[@]}"; do
    build_one "$xlen" "$src" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$JOBS" ]; then
      wait "${pids[0]}" || status=1
      pids=("${pids[@]:1}")
    fi
  done
done
for p in "${pids[@]}"; do
  wait "$p" || status=1
done
[ $status -eq 0 ] || die "some programs failed to build"
echo "built ${#sources[@]} programs for rv64 and rv32 into $OUT"
