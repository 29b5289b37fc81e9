#!/usr/bin/env python3
"""Run every case of ../shared/fixtures/evm-benchmarks (beside the checkout) through the CEVM core (cevm_bench,
built here with clang -O3) and check status, output, execution gas before refund and refund
against expected.json. Prints best-of-N wall time per case; with --revm also times pyrevm on
the same case in the same process conditions (the machine is shared, compare ratios).

Usage: bench_fixtures.py [--fixtures DIR] [--reps N] [--only NAME] [--revm]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.abspath(os.path.join(HERE, "..", "..", "CSources", "CEVM"))


def build(outdir):
    exe = os.path.join(outdir, "cevm_bench")
    subprocess.run(["clang", "-std=gnu11", "-O3", "-I", os.path.join(CORE, "include"), "-I", CORE,
                    os.path.join(CORE, "interp.c"), os.path.join(CORE, "keccak.c"),
                    os.path.join(HERE, "test_host.c"), os.path.join(HERE, "cevm_bench.c"), "-o", exe], check=True)
    return exe


def revm_time(code, calldata, reps):
    from pyrevm import EVM, AccountInfo
    to = "0xbe7c43a580000000000000000000000000000001"
    caller = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b"
    best = 1e9
    for _ in range(reps):
        evm = EVM(spec_id="Cancun")
        evm.insert_account_info(to, AccountInfo(code=code, nonce=1))
        evm.insert_account_info(caller, AccountInfo())
        t = time.perf_counter()
        try:
            evm.message_call(caller, to, calldata, gas=1000000000)
        except RuntimeError:
            pass
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "../../../shared/fixtures/evm-benchmarks"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only")
    ap.add_argument("--revm", action="store_true")
    a = ap.parse_args()
    d = json.load(open(os.path.join(a.fixtures, "expected.json")))
    bad = 0
    with tempfile.TemporaryDirectory() as td:
        exe = build(td)
        for c in d["cases"]:
            if a.only and c["bench"] != a.only:
                continue
            codefile = os.path.join(a.fixtures, "code", c["bench"] + ".hex")
            out = subprocess.run([exe, codefile, c["calldata"], str(a.reps)], capture_output=True, text=True,
                                 check=True).stdout
            r = dict(line.split(" ", 1) for line in out.strip().split("\n"))
            ok = (r["output"] == c["output"] and int(r["gas_used"]) == c["exec_gas_before_refund"]
                  and int(r["refund"]) == c["gas_refunded"] and r["status"].lower() == c["status"].lower())
            bad += not ok
            extra = ""
            if a.revm:
                code = bytes.fromhex(open(codefile).read().strip().removeprefix("0x"))
                extra = f"  revm {revm_time(code, bytes.fromhex(c['calldata'][2:]), a.reps):9.3f} ms"
            print(f"{'ok ' if ok else 'BAD'} {c['bench'] + '/' + c['label']:40s} {r['status']:7s} gas {r['gas_used']:>10s}"
                  f"  cevm {float(r['best_ms']):9.3f} ms{extra}")
            if not ok:
                print(f"    expected {c['status']} gas {c['exec_gas_before_refund']} refund {c['gas_refunded']}"
                      f" output {c['output'][:80]}; got refund {r['refund']} output {r['output'][:80]}")
    print(f"{bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
