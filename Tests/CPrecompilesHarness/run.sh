#!/bin/sh
# Build and run the BLS12-381 / point evaluation C harness: an -O3 build with timings
# (--bench N, default 200 calls), then an ASan + UBSan build of the same checks.
# Usage: Tests/CPrecompilesHarness/run.sh [N]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
SRCS="$HERE/bls12_381_test.c $ROOT/CSources/CPrecompiles/hashes.c"
LIBS="-lnettle -lsecp256k1 -lgmp"
clang -std=c11 -O3 -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -Werror $SRCS $LIBS -o "$OUT/bls12_381_test"
"$OUT/bls12_381_test" --bench "${1:-200}"
clang -fuse-ld=lld -std=c11 -g -O1 -fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  $SRCS $LIBS -o "$OUT/bls12_381_test_san"
"$OUT/bls12_381_test_san"
