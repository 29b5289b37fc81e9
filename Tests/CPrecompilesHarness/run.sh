#!/bin/sh
# Build and run the C harnesses: BLS12-381 / point evaluation (an -O3 build with timings, --bench N,
# default 200 calls), BN254's field and tower (the lazy-reduction products against the reference
# formulas) and blake2f (the unrolled compression function against a plain reference loop, and the
# EIP-152 vectors), the two fields' checks once more on fp_tower.h's u128 carry helpers, then
# ASan + UBSan builds of the same checks.
# Usage: Tests/CPrecompilesHarness/run.sh [N]
set -eu
case "${1:-200}" in
  ''|*[!0-9]*|0) echo "usage: $0 [N]  (N > 0 point-evaluation calls to time; got '${1:-}')" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
SRCS="$HERE/bls12_381_test.c $ROOT/CSources/CPrecompiles/hashes.c"
LIBS="-lnettle -lsecp256k1 -lgmp"
clang -std=c11 -O3 -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -Werror $SRCS $LIBS -o "$OUT/bls12_381_test"
"$OUT/bls12_381_test" --bench "${1:-200}"
BN="$HERE/bn254_test.c"
clang -std=c11 -O3 -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -Werror "$BN" -lgmp -o "$OUT/bn254_test"
"$OUT/bn254_test"
# Both fields again with fp_tower.h's u128 carries (fp_adc / fp_sbb without __builtin_addcll,
# selected by undefining __has_builtin), which the builds above never compile.
U128="-Wno-builtin-macro-redefined -U__has_builtin"
clang -std=c11 -O1 -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -Werror $U128 "$BN" -lgmp -o "$OUT/bn254_test_u128"
"$OUT/bn254_test_u128"
clang -std=c11 -O1 -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -Werror $U128 $SRCS $LIBS -o "$OUT/bls12_381_test_u128"
"$OUT/bls12_381_test_u128"
B2="$HERE/blake2f_test.c"
clang -std=c11 -O3 -fno-strict-aliasing -Wall -Wextra -Wno-unused-parameter -Werror "$B2" -o "$OUT/blake2f_test"
"$OUT/blake2f_test"
clang -fuse-ld=lld -std=c11 -g -O1 -fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  $SRCS $LIBS -o "$OUT/bls12_381_test_san"
"$OUT/bls12_381_test_san"
clang -fuse-ld=lld -std=c11 -g -O1 -fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  "$BN" -lgmp -o "$OUT/bn254_test_san"
"$OUT/bn254_test_san"
clang -fuse-ld=lld -std=c11 -g -O1 -fno-strict-aliasing -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  "$B2" -o "$OUT/blake2f_test_san"
"$OUT/blake2f_test_san"
