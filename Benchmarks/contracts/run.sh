#!/bin/sh
# Native contracts benchmark, in one command:
#   Benchmarks/contracts/run.sh [COUNT]
# ERC-20 transfers per second: the native RISC-V token (Contracts/examples/token.c) and the Vyper
# token (Contracts/vyper/Token.bin) in EEKit (release build), and the Vyper token in pyrevm 0.3.7;
# then the per-call overhead of each EE, and a compute-bound call (xorshift64, compute.c) native
# vs the same loop as EVM bytecode.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
count=${1:-20000}
scratch=${SCRATCH:-$root/.build-contracts}
out=$(mktemp -d)
"$root/Contracts/build.sh" "$out" >/dev/null
(cd "$root" && swift build -c release --product eekit --scratch-path "$scratch" >/dev/null)
eekit="$scratch/release/eekit"
"$eekit" contract-bench --token "$out/token.elf" --evm-token "$root/Contracts/vyper/Token.bin" \
  --counter "$out/counter.elf" --compute "$out/compute.elf" --count "$count"
python3 "$root/Benchmarks/contracts/pyrevm_token.py" "$count"
rm -rf "$out"
