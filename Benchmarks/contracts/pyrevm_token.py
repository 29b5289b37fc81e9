#!/usr/bin/env python3
"""ERC-20 transfers per second of the Vyper token (Contracts/vyper/Token.bin) in pyrevm 0.3.7.

    pyrevm_token.py [COUNT]
"""
import os
import sys
import time

from pyrevm import EVM, AccountInfo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUNDS = 5


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    code = bytes.fromhex(open(os.path.join(ROOT, "Contracts/vyper/Token.bin")).read().strip())
    sender = "0x" + format(0xE0A, "040x")
    evm = EVM(gas_limit=1 << 40)
    evm.insert_account_info(sender, AccountInfo(balance=1 << 62))
    token = evm.deploy(sender, code + (1 << 60).to_bytes(32, "big"), gas=10_000_000)
    sel = bytes.fromhex("a9059cbb")
    calls = [sel + (0x1000 + i).to_bytes(32, "big") + (1).to_bytes(32, "big") for i in range(64)]
    for c in calls:
        evm.message_call(sender, token, calldata=c, gas=100_000)
    best_cpu, best_wall = float("inf"), float("inf")
    for _ in range(ROUNDS):  # best round, as eekit contract-bench does
        t0 = time.perf_counter()
        c0 = time.process_time()
        for i in range(count):
            out = evm.message_call(sender, token, calldata=calls[i & 63], gas=100_000)
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        assert out[-1] == 1, out
    print(f"EVM token (pyrevm):  {count / best_cpu:.0f} transfers/s CPU time ({count / best_wall:.0f} wall),"
          f" best of {ROUNDS} rounds")


def xorshift_evm():
    """The EVM loop of `eekit contract-bench --compute` (ContractBenchCommand.xorshiftEVM)."""
    mask = bytes([0x67]) + b"\xff" * 8
    c = bytearray([0x60, 0x04, 0x35]) + mask + bytes([0x16, 0x60, 0x24, 0x35])
    loop = len(c)
    c += bytes([0x5B, 0x80, 0x15, 0x60, 0x00, 0x57])
    end_fix = len(c) - 2
    c += bytes([0x90, 0x80, 0x60, 13, 0x1B]) + mask + bytes([0x16, 0x18])
    c += bytes([0x80, 0x60, 7, 0x1C, 0x18, 0x80, 0x60, 17, 0x1B]) + mask + bytes([0x16, 0x18])
    c += bytes([0x90, 0x60, 0x01, 0x90, 0x03, 0x60, loop, 0x56])
    c[end_fix] = len(c)
    c += bytes([0x5B, 0x50, 0x5F, 0x52, 0x60, 0x20, 0x5F, 0xF3])
    return bytes(c)


def compute(steps=10000):
    evm = EVM()
    caller, target = "0x" + "11" * 20, "0x" + "ee" * 20
    evm.insert_account_info(caller, AccountInfo(balance=1 << 62))
    evm.insert_account_info(target, AccountInfo(code=xorshift_evm(), nonce=1))
    data = bytes.fromhex("6c4f555a") + (0x12345678).to_bytes(32, "big") + steps.to_bytes(32, "big")
    x, m = 0x12345678, (1 << 64) - 1
    for _ in range(steps):  # the reference: the bytecode must compute this
        x ^= (x << 13) & m
        x ^= x >> 7
        x ^= (x << 17) & m
    best = float("inf")
    for _ in range(ROUNDS * 4):
        c0 = time.process_time()
        out = evm.message_call(caller, target, calldata=data, gas=100_000_000)
        best = min(best, time.process_time() - c0)
        assert bytes(out) == x.to_bytes(32, "big"), out
    print(f"compute, xorshift64 x {steps} per call as EVM bytecode (pyrevm): {best * 1e6:.1f} us")


if __name__ == "__main__":
    main()
    compute()
