#!/usr/bin/env bash
# Times the EEKit RISC-V benchmarks under `eekit rv run`, qemu-user and natively, checks
# that all three print the same checksum, and prints a Markdown table on stdout (progress
# goes to stderr).
#
#   Benchmarks/rv/run.sh [PROGRAM...]        (default: every program in Benchmarks/rv)
#
# Environment:
#   EEKIT  the eekit binary (default: <repo>/.build/release/eekit)
#   OUT    build directory (default: ${TMPDIR:-/tmp}/eekit-rv-bench); built with build.sh
#   REPS   runs per measurement, the best (lowest CPU time) is reported (default: 3)
#   XLENS  which guest widths to run (default: "64 32")
#
# Columns: instructions retired (from `eekit rv run --stats`), best CPU seconds (user +
# system, whole process including start-up) of EEKit, qemu-riscv64/32 and the native x86-64
# build, EEKit/qemu CPU-time ratio, EEKit's MIPS in CPU time as its --stats line reports
# for the best run (interpreter only, without start-up),
# and host cycles per guest instruction: the calibrated clock (host/calibrate.c: the rate of a
# chain of dependent adds, one per cycle, in CPU time) divided by MIPS in CPU time. That last figure
# does not depend on how fast the (possibly shared or throttled) machine is, so it compares
# with interpreters measured elsewhere. A closing line gives the geometric mean of the
# EEKit/qemu ratios per xlen.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EEKIT=${EEKIT:-$ROOT/.build/release/eekit}
OUT=${OUT:-${TMPDIR:-/tmp}/eekit-rv-bench}
REPS=${REPS:-3}
XLENS=${XLENS:-64 32}

die() {
  echo "run.sh: error: $*" >&2
  exit 1
}

[ -x "$EEKIT" ] || die "eekit not found at $EEKIT (build it with 'swift build -c release', or set EEKIT)"
for tool in qemu-riscv64 qemu-riscv32; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: install qemu-user"
done

"$HERE/build.sh" "$OUT" >&2
${CC:-clang} -O2 -o "$OUT/calibrate" "$HERE/host/calibrate.c" || die "cannot build host/calibrate.c"

if [ $# -gt 0 ]; then
  programs=("$@")
else
  programs=()
  for src in "$HERE"/*.c; do programs+=("$(basename "$src" .c)"); done
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# measure LABEL CMD...: runs CMD REPS times; sets BEST_S (seconds, the best run's CPU time,
# user + system: unlike wall time it barely moves when other processes share the machine),
# leaves the best run's stdout in $tmp/LABEL.out and stderr in $tmp/LABEL.err, and sets
# STATUS to the exit status of the last run.
measure() {
  local label=$1
  shift
  local best="" i cpu
  STATUS=0
  for ((i = 0; i < REPS; i++)); do
    set +e
    (
      TIMEFORMAT='%3U %3S'
      time "$@" >"$tmp/run.out" 2>"$tmp/run.err" </dev/null
    ) 2>"$tmp/run.time"
    STATUS=$?
    set -e
    cpu=$(awk 'NR == 1 { printf "%.3f", $1 + $2 }' "$tmp/run.time")
    if [ -z "$best" ] || awk -v a="$cpu" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$cpu
      mv "$tmp/run.out" "$tmp/$label.out"
      mv "$tmp/run.err" "$tmp/$label.err"
    fi
    [ "$STATUS" -eq 0 ] || break
  done
  BEST_S=$best
}

calib=$("$OUT/calibrate")
echo "== host: $calib G dependent adds per CPU second" >&2
failures=0
rows=()
declare -A logsum=() count=()
for prog in "${programs[@]}"; do
  if [ ! -x "$OUT/native/$prog" ]; then
    die "no such benchmark: $prog (available: $(cd "$OUT/native" && ls | grep -v '^calibrate$' | tr '\n' ' '))"
  fi
  echo "== $prog native" >&2
  measure native "$OUT/native/$prog"
  native_s=$BEST_S
  native_status=$STATUS
  for xlen in $XLENS; do
    echo "== $prog rv$xlen qemu" >&2
    measure qemu "qemu-riscv$xlen" "$OUT/rv$xlen/$prog"
    qemu_s=$BEST_S
    qemu_status=$STATUS
    echo "== $prog rv$xlen eekit" >&2
    measure eekit "$EEKIT" rv run --stats "$OUT/rv$xlen/$prog"
    eekit_s=$BEST_S
    eekit_status=$STATUS
    stats=$(grep -E '^instructions: ' "$tmp/eekit.err" | tail -n 1 || true)
    instructions=$(awk '{ print $2 }' <<<"$stats")
    mips=$(awk '{ print $10 }' <<<"$stats")
    note=""
    if [ "$native_status" -ne 0 ] || [ "$qemu_status" -ne 0 ] || [ "$eekit_status" -ne 0 ]; then
      note="FAILED (exit native $native_status, qemu $qemu_status, eekit $eekit_status)"
      sed 's/^/  eekit stderr: /' "$tmp/eekit.err" | head -n 5 >&2
    elif ! cmp -s "$tmp/native.out" "$tmp/qemu.out" || ! cmp -s "$tmp/native.out" "$tmp/eekit.out"; then
      note="CHECKSUM MISMATCH"
      {
        echo "  native: $(head -c 200 "$tmp/native.out")"
        echo "  qemu:   $(head -c 200 "$tmp/qemu.out")"
        echo "  eekit:  $(head -c 200 "$tmp/eekit.out")"
      } >&2
    fi
    [ -z "$note" ] || failures=$((failures + 1))
    ratio=$(awk -v a="$eekit_s" -v b="$qemu_s" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    cpi=$(awk -v c="$calib" -v m="${mips:-0}" 'BEGIN { if (m > 0) printf "%.1f", c * 1000 / m; else print "-" }')
    if [ -z "$note" ] && [ "$ratio" != "-" ]; then
      logsum[$xlen]=$(awk -v s="${logsum[$xlen]:-0}" -v r="$ratio" 'BEGIN { printf "%.6f", s + log(r) }')
      count[$xlen]=$((${count[$xlen]:-0} + 1))
    fi
    row="| $prog | $xlen | ${instructions:--} | $eekit_s | $qemu_s | $native_s | $ratio | ${mips:--} | $cpi |"
    [ -z "$note" ] || row="$row $note"
    rows+=("$row")
    echo "$row" >&2
  done
done

echo "| program | xlen | instructions | EEKit cpu s | qemu cpu s | native cpu s | EEKit/qemu | MIPS (cpu) | cycles/insn |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for row in "${rows[@]}"; do echo "$row"; done
echo
for xlen in $XLENS; do
  [ -n "${count[$xlen]:-}" ] || continue
  echo "rv$xlen: geometric mean EEKit/qemu = $(awk -v s="${logsum[$xlen]}" -v n="${count[$xlen]}" 'BEGIN { printf "%.2f", exp(s / n) }') over ${count[$xlen]} programs"
done
echo "host: $calib G dependent adds per CPU second (cycles/insn = that clock / MIPS)"
echo
echo "Best of $REPS runs each, CPU seconds (user + system); native is the same C source built for the host with clang -O2."
[ "$failures" -eq 0 ] || die "$failures benchmark runs failed or disagreed on the checksum"
