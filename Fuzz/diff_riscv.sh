#!/usr/bin/env bash
# Differential fuzzing of the RISC-V core against qemu-user, for a given time.
#
#   Fuzz/diff_riscv.sh SECONDS [FIRST_SEED] [N_INSNS]
#
# Each round: Tests/CRISCVHarness/gen_random.py writes a random straight-line RV64IM and an
# RV32IM program (random registers, every OP/OP-IMM/M/*W instruction, loads and stores at any
# alignment, short forward branches; it dumps all registers and its buffer with write(2));
# clang assembles it; it runs on the CRISCV harness (ASan/UBSan build) and, when EEKIT is set
# to an eekit binary, also through `eekit rv run` (the Swift ELF loader and plain runner);
# stdout and exit status must equal qemu-riscv64/qemu-riscv32's. Every difference is printed
# with its seed and the program is kept in $OUT. Ends with "N programs, M differences".
set -u
cd "$(dirname "$0")/.."
SECS=${1:?usage: diff_riscv.sh SECONDS [FIRST_SEED] [N_INSNS]}
SEED=${2:-1000}
N=${3:-2000}
OUT=${FUZZ_OUT:-/tmp/eekit-fuzz}/diff-riscv
mkdir -p "$OUT"
H=Tests/CRISCVHarness
C=CSources/CRISCV
clang -std=gnu11 -O1 -g -fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fuse-ld=lld -o "$OUT/crvh_san" $H/crvh.c $C/crv_run.c $C/crv_decode.c || { echo "harness build failed"; exit 1; }
end=$((SECONDS + SECS))
runs=0; diffs=0
while [ $SECONDS -lt $end ]; do
    for x in 64 32; do
        if [ $x = 64 ]; then F="--target=riscv64 -march=rv64im -mabi=lp64"; else F="--target=riscv32 -march=rv32im -mabi=ilp32"; fi
        p=$OUT/rnd_$SEED.rv$x
        python3 $H/gen_random.py $SEED $x $N >"$p.S" &&
            clang $F -nostdlib -static -fuse-ld=lld -mno-relax -o "$p" "$p.S" || { echo "BUILD FAILED seed $SEED rv$x"; continue; }
        qemu-riscv$x "$p" >"$p.qemu" 2>/dev/null; qrc=$?
        "$OUT/crvh_san" "$p" >"$p.crv" 2>"$p.crv.err"; crc=$?
        runs=$((runs + 1))
        bad=""
        [ $crc -ne $qrc ] && bad="exit $crc vs qemu $qrc"
        cmp -s "$p.crv" "$p.qemu" || bad="$bad stdout differs"
        if [ -n "${EEKIT:-}" ]; then
            "$EEKIT" rv run "$p" >"$p.eekit" 2>"$p.eekit.err"; erc=$?
            [ $erc -ne $qrc ] && bad="$bad eekit exit $erc vs qemu $qrc"
            cmp -s "$p.eekit" "$p.qemu" || bad="$bad eekit stdout differs"
        fi
        if [ -n "$bad" ]; then
            diffs=$((diffs + 1)); echo "DIFF seed $SEED rv$x: $bad (kept $p.S)"
        else
            rm -f "$p" "$p.S" "$p.qemu" "$p.crv" "$p.crv.err" "$p.eekit" "$p.eekit.err"
        fi
    done
    SEED=$((SEED + 1))
done
echo "RESULT diff_riscv seconds=$SECS programs=$runs insns_each=$N differences=$diffs last_seed=$((SEED - 1))"
[ $diffs -eq 0 ]
