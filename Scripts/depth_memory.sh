#!/usr/bin/env bash
# Peak host memory (max RSS, /usr/bin/time -v) of a 1024-deep call chain, per EE.
#
#   Scripts/depth_memory.sh [EEKIT_BINARY]      (default: swift build -c release's eekit)
#
# EVM: a contract that CALLs itself with all its gas until the call fails; every frame returns
# the depth below it plus one. RISC-V: the same in C (Scripts/recurse.c). Each is deployed
# and called with `eekit run` on an in-memory state with a gas limit large enough for the
# 63/64 rule to reach depth 1024 (10^12 gas: native frames pay for their pages, and with 10^11
# the native chain stopped at 995). Prints, per EE, the depth reached (the call's output) and
# the peak RSS, next to the RSS of a depth-0 run of the same binary.
set -euo pipefail
cd "$(dirname "$0")/.."
EEKIT=${1:-.build/release/eekit}
OUT=${FUZZ_OUT:-/tmp/eekit-fuzz}/depth
mkdir -p "$OUT"
# EVM: init code returning the runtime; runtime = call(gas, address(), 0, 0, 0, 0, 32),
# on success return mload(0) + 1, else return 0.
echo 602a600c600039602a6000f360206000600060006000305af115601f5760005160010160005260206000f35b600060005260206000f3 >"$OUT/recurse.evm"
# A contract that returns at once (the baseline).
echo 600a600c600039600a6000f360206000f3 >"$OUT/flat.evm"
H=Contracts/include
clang --target=riscv64 -march=rv64im -mabi=lp64 -nostdlib -ffreestanding -static -fuse-ld=lld -O2 -I$H \
    -Wl,--strip-all -Wl,-z,norelro -o "$OUT/recurse.elf" $H/crt0.S $H/eekit_rt.c Scripts/recurse.c
measure() { # name file ee
    /usr/bin/time -v "$EEKIT" run "$2" --ee "$3" --gas 1000000000000 --data '' >"$OUT/$1.out" 2>"$OUT/$1.time" || true
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/$1.time")
    secs=$(sed -n 's/.*User time (seconds): //p' "$OUT/$1.time")
    depth=$(grep -o '0x[0-9a-f]\{64\}' "$OUT/$1.out" | tail -1 || true)
    printf '%-14s max RSS %7s KiB  user %5ss  output %s\n' "$1" "$rss" "$secs" "${depth:-$(tail -1 "$OUT/$1.out")}"
}
measure evm-flat "$OUT/flat.evm" evm
measure evm-1024 "$OUT/recurse.evm" evm
measure riscv-1024 "$OUT/recurse.elf" riscv
