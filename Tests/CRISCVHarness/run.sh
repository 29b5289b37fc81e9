#!/bin/bash
# Builds the CRISCV harness and test programs, then runs every check. Needs clang (with the
# riscv32/riscv64 targets and ld.lld) and qemu-riscv32/qemu-riscv64 for the differential tests.
# Usage: run.sh [--bench]
set -u
cd "$(dirname "$0")"
C=../../CSources/CRISCV
OUT=out
mkdir -p $OUT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }

clang -std=gnu11 -O3 -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -Werror \
  -o $OUT/crvh crvh.c $C/crv_run.c $C/crv_decode.c || { echo "harness build failed"; exit 1; }
clang -std=gnu11 -O1 -g -fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=all -fuse-ld=lld \
  -o $OUT/crvh_san crvh.c $C/crv_run.c $C/crv_decode.c || { echo "sanitizer build failed"; exit 1; }
clang -std=gnu11 -O1 -g -fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=all -fuse-ld=lld \
  -Wall -Wextra -Werror -o $OUT/unit unit.c $C/crv_run.c $C/crv_decode.c || { echo "unit build failed"; exit 1; }

# unit tests (API edge cases, disassembler, metering corner cases)
if $OUT/unit; then ok; else bad "unit tests"; fi
# lazy decoding against eager decoding on random multi-page programs (ASan/UBSan build)
clang -std=gnu11 -O1 -g -fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=all -fuse-ld=lld \
  -o $OUT/lazydiff lazydiff.c $C/crv_run.c $C/crv_decode.c || { echo "lazydiff build failed"; exit 1; }
if $OUT/lazydiff 1 3000 > $OUT/lazydiff.log 2>&1; then ok; else bad "lazydiff: $(tail -3 $OUT/lazydiff.log)"; fi

build() { ./build.sh "$@" || { bad "build $1"; return 1; }; }
build progs/t_alu.c $OUT/t_alu
build progs/t_mem.c $OUT/t_mem
build progs/t_smc.c $OUT/t_smc -Wl,-N
build progs/t_csr.c $OUT/t_csr
build progs/t_prog.c $OUT/t_prog
build progs/b_heavy.c $OUT/b_heavy

# differential against qemu (same binary, same stdout)
for t in t_alu t_mem t_smc t_prog; do
  for x in rv64 rv32; do
    $OUT/crvh_san $OUT/$t.$x > $OUT/$t.$x.crv 2>$OUT/$t.$x.err; rc=$?
    qemu-riscv${x#rv} $OUT/$t.$x > $OUT/$t.$x.qemu; qrc=$?
    if [ $rc -ne $qrc ]; then bad "$t.$x exit $rc, qemu $qrc"; continue; fi
    if ! diff <(grep -v '^nofence' $OUT/$t.$x.crv) <(grep -v '^nofence' $OUT/$t.$x.qemu) >/dev/null; then
      bad "$t.$x output differs from qemu"; else ok; fi
  done
done
# random instruction streams (all registers, x0 operands, any alignment), diffed against qemu
for seed in 1 2 3 4 5 6; do
  for x in 64 32; do
    if [ $x = 64 ]; then F="--target=riscv64 -march=rv64im -mabi=lp64"; else F="--target=riscv32 -march=rv32im -mabi=ilp32"; fi
    python3 gen_random.py $seed $x 3000 > $OUT/rnd_$seed.$x.S &&
      clang $F -nostdlib -static -fuse-ld=lld -mno-relax -o $OUT/rnd_$seed.rv$x $OUT/rnd_$seed.$x.S || { bad "build rnd $seed $x"; continue; }
    if cmp -s <($OUT/crvh_san $OUT/rnd_$seed.rv$x) <(qemu-riscv$x $OUT/rnd_$seed.rv$x); then ok; else bad "rnd $seed rv$x differs from qemu"; fi
    if [ $seed -le 2 ]; then
      if $OUT/crvh --check $OUT/rnd_$seed.rv$x > $OUT/check.log 2>&1; then ok; else bad "check rnd $seed rv$x: $(cat $OUT/check.log)"; fi
    fi
  done
done
# without fence.i, a store into the next instruction is already visible here
for x in rv64 rv32; do
  if grep -q '^nofence 0x0000000000000007' $OUT/t_smc.$x.crv; then ok; else bad "t_smc.$x nofence"; fi
done
# counters
for x in rv64 rv32; do
  exp="0x0000000000000004 0x0000000000000001 0x0000000000000001 0x0000000000000001 
0x0000000000000003 "
  [ $x = rv32 ] && exp="$exp
0x0000000000000000 0x0000000000000000 
0x0000000000000000 0x0000000000000000 "
  got=$($OUT/crvh_san $OUT/t_csr.$x)
  if [ "$got" = "$exp" ]; then ok; else bad "t_csr.$x: $got"; fi
done

# metering: one run vs random chunks vs single steps vs fresh runs with exact budgets
for t in t_alu t_mem t_smc t_csr t_prog; do
  for x in rv64 rv32; do
    tables="1,2,3,5,7,11,13,17 3,1,4,1,5,9,2,6 1,1,1,1,1,1,1,1 2147483647,1,1,5,2147483647,1,1,3"
    [ $t = t_alu ] && tables="1,2,3,5,7,11,13,17 2147483647,1,1,5,2147483647,1,1,3" # the longest one
    for costs in $tables; do
      if $OUT/crvh --check --costs $costs $OUT/$t.$x > $OUT/check.log 2>&1; then ok; else bad "check $t.$x costs $costs: $(cat $OUT/check.log)"; fi
    done
  done
done
# zero costs still run to the end
for x in rv64 rv32; do
  $OUT/crvh --costs 0,0,0,0,0,0,0,0 --budget 0 $OUT/t_prog.$x > /dev/null
  if [ $? -eq 42 ]; then ok; else bad "zero costs $x"; fi
done

# traps: cause, pc and trap value
sym() { /opt/swift/usr/bin/llvm-nm "$1" 2>/dev/null | awk -v s="$2" '$3 == s { print $1 }'; }
trap_case() { # case xlen cause pc-expr value-expr
  local n=$1 x=$2 cause=$3 pce=$4 vale=$5 elf=$OUT/trap$1.$2 tgt flags
  if [ $x = rv64 ]; then flags="--target=riscv64 -march=rv64im -mabi=lp64"; else flags="--target=riscv32 -march=rv32im -mabi=ilp32"; fi
  clang $flags -nostdlib -static -fuse-ld=lld -mno-relax -DCASE=$n -o $elf progs/t_trap.S || { bad "build trap $n"; return; }
  local th=$((16#$(sym $elf trap_here))) sd=$((16#$(sym $elf some_data)))
  local pc=$(( $(echo "$pce" | sed "s/TH/$th/g; s/SD/$sd/g") )) val=$(( $(echo "$vale" | sed "s/TH/$th/g; s/SD/$sd/g") ))
  [ $x = rv32 ] && val=$((val & 0xffffffff))
  local exp=$(printf 'trap: %s at pc 0x%x (value 0x%x)' "$cause" $pc $val)
  local got=$($OUT/crvh_san $elf 2>&1 >/dev/null | sed 's/ \[.*//')
  if [ "$got" = "$exp" ]; then ok; else bad "trap $n $x: got '$got' want '$exp'"; fi
  # and the same trap under metering checks
  if ! $OUT/crvh --check $elf > $OUT/check.log 2>&1; then bad "check trap $n $x: $(cat $OUT/check.log)"; else ok; fi
}
for x in rv64 rv32; do
  trap_case 1 $x "illegal instruction" TH 0
  trap_case 2 $x "illegal instruction" TH 1
  trap_case 3 $x "illegal instruction" TH 0xc0001073
  trap_case 4 $x "illegal instruction" TH 0x30002573
  trap_case 5 $x "illegal instruction" TH+4-4 0xc005a573
  trap_case 8 $x "load fault" TH 0
  trap_case 9 $x "store fault" TH TH
  trap_case 10 $x "store fault" TH -8
  trap_case 11 $x "fetch fault" SD SD
  trap_case 12 $x "fetch misaligned" TH TH+6
  trap_case 13 $x "fetch misaligned" TH TH+2
  trap_case 14 $x "fetch misaligned" TH TH+2
  trap_case 15 $x "load fault" TH 0x3fffffe
  trap_case 16 $x "store fault" TH 0x3effffe
  trap_case 17 $x "fetch fault" 0x3ff0000 0x3ff0000
  trap_case 18 $x "load fault" TH 0x3effffe
  trap_case 19 $x "fetch fault" TH+0x40000 TH+0x40000
done
trap_case 6 rv32 "illegal instruction" TH 0x02051513
trap_case 7 rv32 "illegal instruction" TH 0x00053503

if [ "${1:-}" = "--bench" ]; then
  ./build.sh progs/b_loop.c $OUT/b_loop
  for x in rv64 rv32; do
    $OUT/crvh --stats $OUT/b_loop.$x
    $OUT/crvh --stats $OUT/b_heavy.$x
  done
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
