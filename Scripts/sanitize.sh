#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer, UndefinedBehaviorSanitizer (UBSan: C targets
# only, see below) or ThreadSanitizer.
#
#   Scripts/sanitize.sh address|undefined|thread [swift test options, e.g. --filter ReliabilityTests]
#
# Each sanitizer builds everything (dependencies included) in its own scratch directory,
# .build-san-address / .build-san-undefined (or $SAN_SCRATCH), so the ordinary debug build is not invalidated;
# the first run is a full build. The C cores are instrumented too (SwiftPM passes
# -fsanitize to clang). ASAN_OPTIONS: leaks are not checked (the Swift runtime keeps
# process-lifetime allocations); UBSan stops at the first report so that a report fails the run.
# ThreadSanitizer builds with -DEEKIT_TSAN: the process-wide caches then lock with a pthread
# mutex, which TSan intercepts, instead of Synchronization.Mutex, whose ordering it cannot see
# on Linux (Sources/EEKit/Core/Locked.swift). ContractTests' ConcurrencyTests runs sessions on
# four threads, and Swift Testing runs the other suites in parallel too.
# Writes the log to .build-san-<sanitizer>/test.log and ends with the swift test summary.
set -euo pipefail
cd "$(dirname "$0")/.."
SAN=${1:?usage: Scripts/sanitize.sh address|undefined|thread [swift test options]}
shift
case "$SAN" in address|undefined|thread) ;; *) echo "sanitizer must be address, undefined or thread" >&2; exit 2 ;; esac
SCRATCH=${SAN_SCRATCH:-.build-san-$SAN}
mkdir -p "$SCRATCH"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
set +e
if [ "$SAN" = address ]; then
    FLAGS=(--sanitize=address)
elif [ "$SAN" = thread ]; then
    FLAGS=(--sanitize=thread -Xswiftc -DEEKIT_TSAN)
else
    # swiftc has no -sanitize=undefined on Linux ("unsupported option"): Swift code gets its own
    # checks instead (overflow, bounds, exclusivity and precondition traps are on in debug
    # builds). UBSan instruments the C targets (CRISCV, CEVM, the C precompiles and shims) and
    # its runtime is linked into the test bundle.
    RT="$(clang -print-resource-dir)/lib/linux"
    FLAGS=(-Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=all
           -Xlinker -L"$RT" -Xlinker -lclang_rt.ubsan_standalone-x86_64 -Xlinker -rpath="$RT")
fi
swift test --scratch-path "$SCRATCH" "${FLAGS[@]}" "$@" 2>&1 | tee "$SCRATCH/test.log" | grep -E "error:|ERROR|runtime error|SUMMARY|Test run|✘|passed after|failed after|issues? recorded"
rc=${PIPESTATUS[0]}
set -e
if grep -q "runtime error:\|ERROR: AddressSanitizer\|WARNING: ThreadSanitizer" "$SCRATCH/test.log"; then
    echo "sanitizer report found (see $SCRATCH/test.log)"
    rc=1
fi
echo "RESULT sanitize=$SAN exit=$rc"
exit $rc
