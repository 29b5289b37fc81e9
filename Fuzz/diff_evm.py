#!/usr/bin/env python3
"""Differential fuzzing of the EVM core against pyrevm (revm, CANCUN), for a given time.

    Fuzz/diff_evm.py SECONDS [--seed S]

Reuses Tests/CEVMHarness/diff_pyrevm.py: its random program generator (stack-valid programs
over the whole opcode table: arithmetic, memory, storage, transient storage, logs, calls into a
callee with code, CREATE/CREATE2, jumps, returns/reverts/halts) and its comparison of status,
output, execution gas, refund, storage of the touched contracts and logs. Runs new random
programs with fresh seeds until the time is up; prints every difference (with code, calldata
and gas, enough to replay) and ends with "RESULT ... differences=N".
"""
import argparse
import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "CEVMHarness"))
import diff_pyrevm as D  # noqa: E402  (exits 2 with SKIP when pyrevm is missing)

# pyrevm 0.3.7's message_call runs with block.gas_limit = 2**64-1 whatever BlockEnv says (GASLIMIT
# returns 0xffffffffffffffff), so give our side the same value; otherwise every program that
# reads GASLIMIT differs (in EXP's exponent-size gas, for example) for a reason outside the EVM.
D.GASLIMIT = 2**64 - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seconds", type=float)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    n = diffs = 0
    with tempfile.TemporaryDirectory() as td:
        L = D.build_library(td)
        end = time.monotonic() + args.seconds  # the clock starts after the build
        while time.monotonic() < end:
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 4, 36, 68, 100])))
            code = D.rand_program(rnd)
            gas = rnd.choice([30000, 40000, 200000, 1000000])
            ours = D.run_ours(L, code, data, gas)
            theirs = D.run_revm(code, data, gas)
            n += 1
            d = D.compare(ours, theirs, gas, data)
            if d:
                diffs += 1
                print(f"DIFF #{n} code={code.hex()} data={data.hex()} gas={gas}")
                print(f"  ours: {ours['status']}  revm: {theirs['status']}")
                for line in d:
                    print("  " + line[:600])
                sys.stdout.flush()
    print(f"RESULT diff_evm seconds={args.seconds:g} seed={args.seed} programs={n} differences={diffs}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
