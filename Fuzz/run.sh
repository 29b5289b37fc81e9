#!/usr/bin/env bash
# Builds one libFuzzer target and runs it for a given time (one process, one job).
#
#   Fuzz/run.sh TARGET SECONDS [libFuzzer options...]
#   Fuzz/run.sh TARGET --build-only
#   Fuzz/run.sh TARGET --regress        # replays Fuzz/corpus/TARGET and Fuzz/regressions/TARGET only
#
# Fuzz/regressions/TARGET/ holds findings: fixed ones are seeds of every run and are replayed by
# Tests/ReliabilityTests; files named open-* are known findings not fixed yet (README,
# "Reliability"), skipped everywhere until fixed, then renamed.
#
# Targets:
#   crv_insns       C   CRISCV core: random instruction words, registers, budgets (metering oracle)
#   cevm_bytecode   C   CEVM core: random bytecode + calldata + gas through the C test host
#   cprec_point_eval C  point evaluation (0x0a): BLS12-381 decompression, subgroup check,
#                       pairing check (the versioned hash is made to match in most modes)
#   cprec_bn254     C   ecAdd / ecMul / ecPairing (0x06-0x08): raw inputs, and group laws and the
#                       pairing identity e(P, G2) e(-P, G2) = 1 on valid points
#   cprec_bls12_381 C   the EIP-2537 precompiles (0x0b-0x11): raw inputs to all seven, group laws
#                       and e(P, Q) e(-P, Q) = 1 on valid points, bent encodings, map outputs
#                       re-checked by MSM
#   elf_loader      Swift  ELFImage (libelf validation) + RISCVProcess load + a bounded run
#   evm_frames      Swift  random EVM bytecode + calldata through the Bootloader (Swift host,
#                          frame stack, journal) with the standard registry
#   statetest_json  Swift  state-test JSON decoder + transaction building + validation/run
#   abi_text        Swift  ABIEncoder's text paths: output decoding, revert reasons, signatures
#   native_frames   Swift  generated native contracts (system calls with pointers into their data)
#                          through the Bootloader; in-loop and return-to-Swift system calls, a
#                          pooled machine and a single-stepped (traced) run must give the same receipt
#   nested_frames   Swift  a fuzz EE whose program makes nested and preempting calls and creates
#                          across EEs (EEHost.nestedCall); plain, traced and small-stack runs
#                          must give the same receipt, and only deliberate breaks may throw
#
# Output goes to $FUZZ_OUT (default /tmp/eekit-fuzz): bin/TARGET, corpus-TARGET/ (the working
# corpus, seeded from Fuzz/corpus/TARGET), artifacts-TARGET/ (crash/timeout/oom inputs) and
# TARGET.log. The last lines printed are the figures: executions, execs/s, coverage (cov =
# edges, ft = features), corpus size, and whether anything was found.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${FUZZ_OUT:-/tmp/eekit-fuzz}
T=${1:?usage: Fuzz/run.sh TARGET SECONDS [libFuzzer options]}
SECS=${2:?usage: Fuzz/run.sh TARGET SECONDS [libFuzzer options]}
shift 2
mkdir -p "$OUT/bin" "$OUT/corpus-$T" "$OUT/artifacts-$T/"
BIN=$OUT/bin/$T
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
MAXLEN=4096
TIMEOUT=10
case "$T" in
crv_insns)
    [ "$BIN" -nt Fuzz/crv_fuzz_insns.c ] && [ "$BIN" -nt CSources/CRISCV/crv_run.c ] &&
        [ "$BIN" -nt CSources/CRISCV/crv_decode.c ] && [ "$BIN" -nt CSources/CRISCV/crv_internal.h ] ||
    clang -fuse-ld=lld -g -O1 $SAN -fno-strict-aliasing Fuzz/crv_fuzz_insns.c \
        CSources/CRISCV/crv_run.c CSources/CRISCV/crv_decode.c -o "$BIN"
    ;;
cevm_bytecode)
    [ "$BIN" -nt Fuzz/cevm_fuzz_bytecode.c ] && [ "$BIN" -nt CSources/CEVM/interp.c ] ||
    clang -fuse-ld=lld -std=gnu11 -g -O1 $SAN -ICSources/CEVM/include -ICSources/CEVM \
        -ITests/CEVMHarness Fuzz/cevm_fuzz_bytecode.c CSources/CEVM/interp.c \
        CSources/CEVM/keccak.c Tests/CEVMHarness/test_host.c -o "$BIN"
    ;;
cprec_point_eval)
    [ "$BIN" -nt Fuzz/cprec_fuzz_point_eval.c ] && [ "$BIN" -nt CSources/CPrecompiles/bls12_381.c ] && [ "$BIN" -nt CSources/CPrecompiles/fp_tower.h ] ||
    clang -fuse-ld=lld -std=c11 -g -O1 $SAN -fno-strict-aliasing Fuzz/cprec_fuzz_point_eval.c \
        CSources/CPrecompiles/bls12_381.c CSources/CPrecompiles/hashes.c -lnettle -lsecp256k1 -o "$BIN"
    MAXLEN=256
    ;;
cprec_bn254)
    [ "$BIN" -nt Fuzz/cprec_fuzz_bn254.c ] && [ "$BIN" -nt CSources/CPrecompiles/bn254.c ] && [ "$BIN" -nt CSources/CPrecompiles/fp_tower.h ] ||
    clang -fuse-ld=lld -std=c11 -g -O1 $SAN -fno-strict-aliasing Fuzz/cprec_fuzz_bn254.c \
        CSources/CPrecompiles/bn254.c -o "$BIN"
    MAXLEN=800
    ;;
cprec_bls12_381)
    [ "$BIN" -nt Fuzz/cprec_fuzz_bls12_381.c ] && [ "$BIN" -nt CSources/CPrecompiles/bls12_381.c ] && [ "$BIN" -nt CSources/CPrecompiles/fp_tower.h ] ||
    # -O2: nearly every input runs pairings and subgroup checks (10 execs/s at -O1 on a busy VM)
    clang -fuse-ld=lld -std=c11 -g -O2 $SAN -fno-strict-aliasing Fuzz/cprec_fuzz_bls12_381.c \
        CSources/CPrecompiles/bls12_381.c CSources/CPrecompiles/hashes.c -lnettle -lsecp256k1 -o "$BIN"
    MAXLEN=2048
    ;;
elf_loader|evm_frames|statetest_json|native_frames|nested_frames|abi_text)
    [ -n "${FUZZ_NO_REBUILD:-}" ] || bash Fuzz/build_swift.sh
    BIN=$OUT/bin/eekit_swift_fuzz
    export EEKIT_FUZZ_TARGET=$T
    MAXLEN=16384
    # ELF inputs build 1 MiB machines; the process-wide image cache (256 images) is emptied at
    # once when full, and freeing it through ASan's quarantine takes seconds on a busy machine.
    TIMEOUT=30
    ;;
*) echo "unknown target $T" >&2; exit 2 ;;
esac
[ "$SECS" = --build-only ] && { echo "built $BIN"; exit 0; }
if [ "$SECS" = --regress ]; then
    files=()
    for d in Fuzz/corpus/$T Fuzz/regressions/$T; do
        [ -d "$d" ] && for f in "$d"/*; do
            case "$(basename "$f")" in open-*) echo "skipping known open finding $f" ; continue ;; esac
            [ -f "$f" ] && files+=("$f")
        done
    done
    export SWIFT_BACKTRACE=enable=no
    [ ${#files[@]} -eq 0 ] && { echo "$T: nothing to replay"; exit 0; }
    "$BIN" -runs=1 "${files[@]}" 2>&1 | tail -3
    echo "$T: replayed ${#files[@]} inputs without a finding"
    exit 0
fi
# Seeds: the corpus and the fixed findings (regressions/T/open-* are known, unfixed findings:
# replayed only when named explicitly).
for d in Fuzz/corpus/$T Fuzz/regressions/$T; do
    [ -d "$d" ] || continue
    for f in "$d"/*; do
        case "$(basename "$f")" in open-*) continue ;; esac
        [ -f "$f" ] && cp "$f" "$OUT/corpus-$T/seed-$(basename "$f")"
    done
done
export SWIFT_BACKTRACE=enable=no  # let libFuzzer report a Swift trap at once
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=64}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
set +e
"$BIN" -max_total_time="$SECS" -max_len=$MAXLEN -timeout=$TIMEOUT -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$OUT/artifacts-$T/" "$@" "$OUT/corpus-$T" >"$OUT/$T.log" 2>&1
rc=$?
set -e
tail -n 40 "$OUT/$T.log" | grep -E '^#[0-9]+|stat::|ERROR|SUMMARY|Test unit written|DONE' | tail -n 12
last=$(grep -E '^#[0-9]+' "$OUT/$T.log" | tail -1)
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$T.log")
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$OUT/$T.log")
crashes=$(ls "$OUT/artifacts-$T" | wc -l)
echo "RESULT target=$T seconds=$SECS execs=${execs:-?} execs_per_sec=${eps:-?} cov=${cov:-?} ft=${ft:-?} corpus=$(ls "$OUT/corpus-$T" | wc -l) findings=$crashes exit=$rc"
exit $rc
