#!/usr/bin/env python3
"""EVM benchmark: every case of ../shared/fixtures/evm-benchmarks through EEKit (the release
`eekit evm run`, i.e. the bootloader, EVMEnvironment and the CEVM core) and through revm
(pyrevm 0.3.7), in one command.

Usage: python3 Benchmarks/evm/bench.py [--eekit PATH] [--fixtures DIR] [--min-cpu S] [--only NAME] [--markdown]

Both sides are timed in process CPU time (the machine may be shared), best of N runs, each run
on a fresh state:
  - EEKit: `eekit evm run --code-file F --input HEX --gas G --repeat N --json` times each
    call in-process: the state is built first (`EVMRunner.prepare`, outside the clock), then
    `execute()` (the transaction's frame through the bootloader and the EVM core) is timed;
    nothing is subtracted from it.
  - revm: `EVM.message_call` on a fresh pyrevm EVM; the best time of the same call to a
    contract holding only STOP (pyrevm's empty-call overhead: Python, FFI, transaction set-up)
    is subtracted.
ratio = EEKit / (revm - empty call); below 1.0 means EEKit is faster.
Each case's status, output and execution gas before refund are checked against expected.json
on both sides; a mismatch is printed and makes the exit status 1.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = "0xbe7c43a580000000000000000000000000000001"
CALLER = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b"
GAS = 1_000_000_000


def find_eekit(given):
    if given:
        return given
    for p in (".build-boot/release/eekit", ".build/release/eekit"):
        full = os.path.join(ROOT, p)
        if os.path.exists(full):
            return full
    sys.exit("eekit release binary not found; build with: swift build -c release --product eekit")


def intrinsic(data):
    return 21000 + sum(4 if b == 0 else 16 for b in data)


def revm_once(code, data):
    """One message_call on a fresh EVM: (cpu seconds, output, exec gas before refund, ok)."""
    from pyrevm import EVM, AccountInfo
    evm = EVM(spec_id="Cancun")
    evm.insert_account_info(TARGET, AccountInfo(code=code, nonce=1))
    evm.insert_account_info(CALLER, AccountInfo())
    out = b""
    t = time.process_time()
    try:
        out = evm.message_call(CALLER, TARGET, data, gas=GAS)
    except RuntimeError:
        pass
    dt = time.process_time() - t
    r = evm.result
    return dt, bytes(out), r.gas_used + r.gas_refunded - intrinsic(data), r.is_success


def revm_best(code, data, min_cpu, max_reps=50):
    best, spent, reps, first = 1e9, 0.0, 0, None
    while reps < 3 or (spent < min_cpu and reps < max_reps):
        dt, out, gas, ok = revm_once(code, data)
        first = first or (out, gas, ok)
        best = min(best, dt)
        spent += dt
        reps += 1
    return best, first, reps


def eekit_run(eekit, codefile, calldata, reps):
    res = subprocess.run([eekit, "evm", "run", "--code-file", codefile, "--input", calldata, "--gas", str(GAS),
                          "--repeat", str(reps), "--json"], capture_output=True, text=True)
    if res.stdout.strip() == "":
        sys.exit(f"eekit failed on {codefile}: {res.stderr.strip()}")
    return json.loads(res.stdout)


def eekit_best(eekit, codefile, calldata, min_cpu, max_reps=50):
    first = eekit_run(eekit, codefile, calldata, 1)
    one = first["cpuSeconds"][0]
    reps = max(3, min(max_reps, int(min_cpu / max(one, 1e-6)) + 1))
    r = eekit_run(eekit, codefile, calldata, reps)
    return min(r["cpuSeconds"]), r, reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eekit")
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "evm-benchmarks"))
    ap.add_argument("--min-cpu", type=float, default=0.5, help="CPU seconds to spend per case and side")
    ap.add_argument("--only")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    eekit = find_eekit(a.eekit)
    cases = json.load(open(os.path.join(a.fixtures, "expected.json")))["cases"]
    import tempfile
    td = tempfile.mkdtemp()
    stop_file = os.path.join(td, "stop.hex")
    open(stop_file, "w").write("00")

    # Empty-call overheads (STOP), best of many.
    py_empty, _, _ = revm_best(b"\x00", b"", 1.0, max_reps=2000)
    ee_empty, _, _ = eekit_best(eekit, stop_file, "", 0.2, max_reps=2000)

    rows, bad = [], 0
    for c in cases:
        if a.only and c["bench"] != a.only:
            continue
        name = f"{c['bench']}/{c['label']}"
        codefile = os.path.join(a.fixtures, "code", c["bench"] + ".hex")
        code = bytes.fromhex(open(codefile).read().strip().removeprefix("0x"))
        data = bytes.fromhex(c["calldata"].removeprefix("0x"))
        want_out, want_gas = c["output"].lower(), c["exec_gas_before_refund"]
        ee_t, ee, ee_reps = eekit_best(eekit, codefile, c["calldata"], a.min_cpu)
        py_t, (py_out, py_gas, py_ok), py_reps = revm_best(code, data, a.min_cpu)
        ee_ok = ee["output"].lower() == want_out and ee["gasUsed"] == want_gas and ee["status"] == "success"
        py_ok = ("0x" + py_out.hex()) == want_out and py_gas == want_gas and py_ok
        bad += (not ee_ok) + (not py_ok)
        net = max(py_t - py_empty, 1e-9)
        rows.append((name, want_gas, ee_t, py_t, net, ee_t / net, ee_ok, py_ok, ee_reps, py_reps))
        if not a.markdown:
            print(f"{name:40s} gas {want_gas:>10d}  eekit {ee_t*1e3:9.3f} ms  revm {py_t*1e3:9.3f} ms"
                  f" (net {net*1e3:9.3f})  ratio {ee_t/net:5.2f}  check eekit {'ok' if ee_ok else 'BAD'}"
                  f" revm {'ok' if py_ok else 'BAD'}", flush=True)
            if not ee_ok:
                print(f"    eekit: {ee['status']} gas {ee['gasUsed']} output {ee['output'][:66]}")
    ratios = [r[5] for r in rows]
    geo = 1.0
    for r in ratios:
        geo *= r
    geo = geo ** (1 / len(ratios)) if ratios else float("nan")
    print()
    print(f"empty call (STOP): EEKit {ee_empty*1e6:.1f} us (not subtracted), pyrevm {py_empty*1e6:.1f} us (subtracted)")
    print()
    print("| case | gas | EEKit ms | revm ms (pyrevm - empty call) | EEKit / revm | output + gas |")
    print("|---|---:|---:|---:|---:|---|")
    for name, gas, ee_t, py_t, net, ratio, ee_ok, py_ok, _, _ in rows:
        check = "ok" if ee_ok and py_ok else f"EEKit {'ok' if ee_ok else 'BAD'}, revm {'ok' if py_ok else 'BAD'}"
        print(f"| {name} | {gas:,} | {ee_t*1e3:.3f} | {net*1e3:.3f} | {ratio:.2f} | {check} |")
    print()
    print(f"{len(rows)} cases, {sum(r < 1.0 for r in ratios)} with ratio < 1.0, geometric mean ratio {geo:.2f},"
          f" {bad} check failures")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
