#!/usr/bin/env python3
"""Bootloader benchmark: EEKit (release build) next to pyrevm 0.3.7 on the same bytecode.

Usage: python3 Benchmarks/bootloader/bench.py [path/to/eekit]
Builds nothing: pass the release binary (default .build-boot/release/eekit, then
.build/release/eekit). Workloads (bytecode comes from `eekit bootbench --json`):
  - empty call: a contract CALLs an empty contract N times; per-call time = (loop - empty loop)/N
  - chain1000: a contract calls itself 1000 deep (after one untimed chain on each side)
  - token: ERC-20-like transfer with two SSTOREs and a LOG3, one transaction each
pyrevm runs the same code through message_call (its journaled in-memory state, with commit).
Both sides report process CPU time (the machine may be shared), best of 5 interleaved rounds
(one round varied up to 1.8x on this VM); the SQLite rows also give EEKit's wall-clock rate,
where waiting for the disk counts.
"""
import json
import os
import subprocess
import sys
import time

from pyrevm import EVM, AccountInfo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_eekit():
    if len(sys.argv) > 1:
        if sys.argv[1] in ("-h", "--help"):
            print(__doc__.strip())
            sys.exit(0)
        if not os.path.isfile(sys.argv[1]):
            sys.exit(f"{sys.argv[1]}: no such file (usage: bench.py [path/to/eekit])")
        return sys.argv[1]
    for p in (".build-boot/release/eekit", ".build/release/eekit"):
        full = os.path.join(ROOT, p)
        if os.path.exists(full):
            return full
    sys.exit("eekit release binary not found; build with: swift build -c release --product eekit")


def addr(low):
    return "0x" + format(low, "040x")


def word(v):
    return v.to_bytes(32, "big")


def pyrevm_bench(codes, transfers, calls):
    sender, empty, looper, chain, token = addr(0x1000), addr(0x2000), addr(0x3000), addr(0x4000), addr(0x5000)
    evm = EVM(gas_limit=1 << 40)
    evm.insert_account_info(sender, AccountInfo(balance=1 << 62))
    for a, c in ((empty, "empty"), (looper, "loop"), (chain, "chain"), (token, "token")):
        evm.insert_account_info(a, AccountInfo(nonce=1, code=bytes.fromhex(codes["code_" + c])))
    evm.insert_account_storage(token, 0x1000, 1 << 60)
    out = {}
    t0 = time.process_time()
    evm.message_call(sender, looper, calldata=word(calls), gas=1 << 36)
    t_loop = time.process_time() - t0
    t0 = time.process_time()
    for _ in range(100):
        evm.message_call(sender, looper, calldata=word(0), gas=1 << 30)
    t_base = (time.process_time() - t0) / 100
    out["empty_call_ns"] = (t_loop - t_base) / calls * 1e9
    reps = 20
    evm.message_call(sender, chain, calldata=word(1000), gas=1 << 36)  # untimed, as on EEKit's side
    t0 = time.process_time()
    for _ in range(reps):
        evm.message_call(sender, chain, calldata=word(1000), gas=1 << 36)
    t = (time.process_time() - t0) / reps
    out["chain1000_ms"] = t * 1e3
    out["chain1000_per_frame_ns"] = t / 1000 * 1e9
    t0 = time.process_time()
    for i in range(transfers):
        to = 0x100000 + i % 1000
        evm.message_call(sender, token, calldata=word(to) + word(1), gas=100_000)
    out["token_memory_tps"] = transfers / (time.process_time() - t0)
    # Sanity: the receiver balances add up.
    total = sum(int(evm.storage(token, 0x100000 + j)) for j in range(1000))
    assert total == transfers, total
    return out


ROUNDS = 5  # each side runs every workload this many times; the best round counts


def best(results):
    """Per key: the lowest time, or the highest rate (keys ending in tps)."""
    out = dict(results[0])
    for key in out:
        vals = [r[key] for r in results if isinstance(r.get(key), (int, float))]
        if vals and not isinstance(out[key], bool):
            out[key] = max(vals) if key.endswith("tps") or key.endswith("tps_wall") else min(vals)
    return out


def main():
    eekit = find_eekit()
    runs, pys = [], []
    for _ in range(ROUNDS):  # interleaved, so both sides see the same machine
        res = subprocess.run([eekit, "bootbench", "--json"], check=True, capture_output=True, text=True)
        runs.append(json.loads(res.stdout))
        pys.append(pyrevm_bench(runs[0], runs[0]["transfers"], runs[0]["calls"]))
    ee, py = best(runs), best(pys)
    print(f"best of {ROUNDS} interleaved rounds per side (process CPU time)")
    rows = [
        ("empty call overhead (ns/call)", "empty_call_ns"),
        ("1000-deep call chain (ms)", "chain1000_ms"),
        ("  per frame (ns)", "chain1000_per_frame_ns"),
        ("token transfer, in memory (tx/s)", "token_memory_tps"),
        (f"token transfer, SQLite, commit per {ee['block']} tx (tx/s CPU)", "token_sqlite_block_tps"),
        (f"token transfer, SQLite, commit per {ee['block']} tx (tx/s wall)", "token_sqlite_block_tps_wall"),
        ("token transfer, SQLite, commit per tx (tx/s CPU)", "token_sqlite_tx_tps"),
        ("token transfer, SQLite, commit per tx (tx/s wall)", "token_sqlite_tx_tps_wall"),
    ]
    print(f"| workload | EEKit | pyrevm 0.3.7 | EEKit speed-up |")
    print(f"|---|---:|---:|---:|")
    for label, key in rows:
        e = ee.get(key)
        p = py.get(key)
        fmt = lambda v: "-" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:,.2f}")
        # How many times faster EEKit is: a rate over pyrevm's rate, pyrevm's time over a time.
        ratio = "-"
        if e and p:
            ratio = f"{(e / p if 'tps' in key else p / e):.2f}x"
        print(f"| {label} | {fmt(e)} | {fmt(p)} | {ratio} |")


if __name__ == "__main__":
    main()
