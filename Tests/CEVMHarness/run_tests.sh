#!/bin/sh
# Build and run the CEVM C harness: unit tests and keccak tests (plain and with ASan+UBSan), the fixture
# benchmarks check, and (if pyrevm imports) the differential test against revm.
# Usage: Tests/CEVMHarness/run_tests.sh [--quick]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
CORE="$ROOT/CSources/CEVM"
SRCS="$CORE/interp.c $CORE/keccak.c $HERE/test_host.c"
INC="-I$CORE/include -I$CORE -I$HERE"
clang -std=gnu11 -O2 -Wall -Wextra -Wno-unused-parameter $INC "$HERE/cevm_tests.c" $SRCS -o "$OUT/cevm_tests"
"$OUT/cevm_tests"
clang -fuse-ld=lld -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined $INC \
  "$HERE/cevm_tests.c" $SRCS -o "$OUT/cevm_tests_san"
# keccak-f[1600]: the AVX-512VL permutation and the dispatcher against the portable one on
# random states, and Keccak-256 known answers (single and multi-block)
clang -std=gnu11 -O2 -Wall -Wextra $INC "$HERE/keccak_tests.c" "$CORE/keccak.c" -o "$OUT/keccak_tests"
"$OUT/keccak_tests" 200000
clang -fuse-ld=lld -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined $INC \
  "$HERE/keccak_tests.c" "$CORE/keccak.c" -o "$OUT/keccak_tests_san"
"$OUT/keccak_tests_san" 20000
"$OUT/cevm_tests_san"
FIXTURES="$ROOT/../shared/fixtures/evm-benchmarks"
if [ -d "$FIXTURES" ]; then
  python3 "$HERE/bench_fixtures.py" --fixtures "$FIXTURES" --reps 1
else
  echo "SKIP bench_fixtures.py: $FIXTURES not found"
fi
if [ "${1:-}" != "--quick" ]; then
  if python3 -c "import pyrevm" 2>/dev/null; then
    python3 "$HERE/diff_pyrevm.py" --random 1000
  else
    echo "SKIP diff_pyrevm.py: pyrevm cannot be imported"
  fi
fi
