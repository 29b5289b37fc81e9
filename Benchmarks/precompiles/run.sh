#!/bin/sh
# Precompile throughput, EEKit's C cores vs revm (pyrevm 0.3.7), calls per second.
# Usage: Benchmarks/precompiles/run.sh   (from anywhere; needs clang, python3 + pyrevm,
# libsecp256k1-dev, nettle-dev, libgmp-dev)
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clang -O3 -march=native -o "$tmp/bench_eekit" "$here/bench_eekit.c" "$root"/CSources/CPrecompiles/*.c \
  "$root/CSources/CEVM/keccak.c" -I"$root/CSources/CPrecompiles/include" -I"$root/CSources/CEVM/include" \
  -lsecp256k1 -lnettle -lgmp
python3 -c "
import sys; sys.path.insert(0, '$here')
from inputs import CASES
for name, _, data in CASES: print(name, data.hex())" > "$tmp/inputs.txt"
"$tmp/bench_eekit" < "$tmp/inputs.txt" > "$tmp/eekit.txt"
python3 "$here/bench_pyrevm.py" > "$tmp/revm.txt"
printf '| case | EEKit calls/s | revm (pyrevm) calls/s | ratio |\n|---|---:|---:|---:|\n'
paste -d' ' "$tmp/eekit.txt" "$tmp/revm.txt" | awk '{ printf "| %s | %d | %d | %.2f |\n", $1, $2, $4, $2 / $4 }'
