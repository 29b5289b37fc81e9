#!/usr/bin/env python3
"""Differential fuzzing of the EIP-2537 BLS12-381 precompiles (0x0b-0x11) against
execution-specs, for a given time.

    /tmp/eesvenv/bin/python Fuzz/diff_bls12_381.py SECONDS [--seed S] [--eekit PATH]

Each case is one input for one precompile, STATICCALLed with a gas allowance from a small EVM
program that returns the call's success flag, the gas the call took (GAS before minus GAS
after), RETURNDATASIZE and the return data. The program runs through `eekit evm run --fork
Prague --json` (the bootloader's precompile table and warm addresses, the Swift hooks and
CPrecompiles). The reference is execution-specs' own precompile functions
(ethereum.forks.prague.vm.precompiled_contracts.bls12_381, over py_ecc), called directly with a
minimal Evm-like object holding the input and the gas passed; a refused input (InvalidParameter,
OutOfGasError) consumes all the gas passed, as the EVM's call does. Compared: success, the gas
the precompile took (the call's total minus the program's fixed 119: the pushes, a warm
STATICCALL, the GAS), the output.

Inputs are structured: valid points from random scalars, the point at infinity, negations,
points on the curve outside the subgroup (found by trying x), points off the curve, encodings
bent (a top padding byte set, a coordinate >= p, a byte changed), scalars 0, 1, r - 1, r, r + 1,
2^256 - 1 and random, k from 0 to about 200 pairs, wrong lengths, random bytes. Prints every
difference with enough to replay it and ends with "RESULT ... differences=N".
Needs ethereum-execution 2.20.0 (python3 -m venv /tmp/eesvenv && /tmp/eesvenv/bin/pip install
ethereum-execution==2.20.0) and a release eekit (default .build/release/eekit).
"""
import argparse
import os
import random
import subprocess
import sys
import json
import time

try:
    from ethereum_types.numeric import Uint
    from ethereum.forks.prague.vm.precompiled_contracts.bls12_381 import (
        bls12_381_g1 as m1, bls12_381_g2 as m2, bls12_381_pairing as mp)
    from py_ecc.optimized_bls12_381 import optimized_curve as oc
    from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2, optimized_bls12_381_FQ as FQ
    from py_ecc.optimized_bls12_381 import constants as pc
except ImportError:
    print("SKIP: execution-specs is not installed (pip install ethereum-execution==2.20.0)")
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTER_GAS = 20_000_000
OVERHEAD = 119  # PUSH1 x5, CALLDATASIZE, PUSH4, warm STATICCALL (100), the second GAS
P = oc.field_modulus
R = oc.curve_order
SPEC = {0x0b: m1.bls12_g1_add, 0x0c: m1.bls12_g1_msm, 0x0d: m2.bls12_g2_add, 0x0e: m2.bls12_g2_msm,
        0x0f: mp.bls12_pairing, 0x10: m1.bls12_map_fp_to_g1, 0x11: m2.bls12_map_fp2_to_g2}
PRICE = {0x0b: 375, 0x0d: 600, 0x10: 5500, 0x11: 23800}


from precompile_probe import program  # noqa: E402  (the shared STATICCALL probe)


def run_ours(eekit, address, gas, data):
    code = program(address, gas)
    r = subprocess.run([eekit, "evm", "run", "--code", code.hex(), "--input", data.hex() or "0x",
                        "--gas", str(OUTER_GAS), "--fork", "Prague", "--json"],
                       capture_output=True, text=True, timeout=300)
    try:
        doc = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return ("eekit failed", r.stderr[-300:])
    if doc.get("status") != "success":
        return ("program " + str(doc.get("status")), b"")
    out = bytes.fromhex(doc.get("output", "0x")[2:])
    ok = int.from_bytes(out[0:32], "big")
    used = int.from_bytes(out[32:64], "big") - OVERHEAD
    size = int.from_bytes(out[64:96], "big")
    return (ok, used, out[96:96 + size])


class _Message:
    def __init__(self, data):
        self.data = data


class _Evm:
    def __init__(self, data, gas):
        self.message = _Message(data)
        self.gas_left = Uint(gas)
        self.output = b""


def run_spec(address, gas, data):
    evm = _Evm(bytes(data), gas)
    try:
        SPEC[address](evm)
    except Exception:  # InvalidParameter, OutOfGasError: the call fails and takes all its gas
        return (0, gas, b"")
    return (1, gas - int(evm.gas_left), bytes(evm.output))


# ------------------------------------------------------------------ encodings
def e64(v):
    return int(v).to_bytes(64, "big")


def g1_bytes(pt):
    if oc.is_inf(pt):
        return bytes(128)
    x, y = oc.normalize(pt)
    return e64(x) + e64(y)


def g2_bytes(pt):
    if oc.is_inf(pt):
        return bytes(256)
    x, y = oc.normalize(pt)
    return e64(x.coeffs[0]) + e64(x.coeffs[1]) + e64(y.coeffs[0]) + e64(y.coeffs[1])


def fq2_sqrt(a):
    cand = a ** ((P * P + 7) // 16)
    for root in pc.POSITIVE_EIGHTH_ROOTS_OF_UNITY:
        s = cand * root
        if s * s == a:
            return s
    return None


def outside_subgroup_g1(rnd):
    """An affine point on E1 outside G1 (the cofactor is large: nearly every x works)."""
    while True:
        x = FQ(rnd.randrange(P))
        rhs = x ** 3 + 4
        y = rhs ** ((P + 1) // 4)
        if y * y == rhs:
            return e64(x) + e64(y)


def outside_subgroup_g2(rnd):
    while True:
        x = FQ2([rnd.randrange(P), rnd.randrange(P)])
        y = fq2_sqrt(x ** 3 + oc.b2)
        if y is not None:
            return e64(x.coeffs[0]) + e64(x.coeffs[1]) + e64(y.coeffs[0]) + e64(y.coeffs[1])


class Pool:
    """Points made once per run (py_ecc is slow), mixed and negated per case."""

    def __init__(self, rnd):
        self.g1 = [g1_bytes(oc.multiply(oc.G1, rnd.randrange(1, R))) for _ in range(12)] + [g1_bytes(oc.G1)]
        self.g2 = [g2_bytes(oc.multiply(oc.G2, rnd.randrange(1, R))) for _ in range(6)] + [g2_bytes(oc.G2)]
        self.g1_out = [outside_subgroup_g1(rnd) for _ in range(3)]
        self.g2_out = [outside_subgroup_g2(rnd) for _ in range(2)]


def negate(enc, coords):
    """The negation of an encoded point (y -> p - y per coordinate); infinity stays."""
    if not any(enc):
        return enc
    half = len(enc) // 2
    out = bytearray(enc[:half])
    for i in range(coords):
        v = int.from_bytes(enc[half + 64 * i: half + 64 * (i + 1)], "big")
        out += e64((P - v) % P)
    return bytes(out)


def bend(enc, rnd):
    """A bent encoding: a padding byte set, a coordinate >= p, a byte changed, or off-curve."""
    b = bytearray(enc)
    coord = rnd.randrange(len(b) // 64)
    kind = rnd.randrange(4)
    if kind == 0:
        b[64 * coord + rnd.randrange(16)] = rnd.randrange(1, 256)
    elif kind == 1:
        v = int.from_bytes(b[64 * coord: 64 * coord + 64], "big")
        b[64 * coord: 64 * coord + 64] = e64(v + P if v + P < 2 ** 384 else P)
    elif kind == 2:
        i = 64 * coord + 16 + rnd.randrange(48)
        b[i] ^= 1 << rnd.randrange(8)
    else:
        b[64 * coord: 64 * coord + 64] = e64(rnd.randrange(P))
    return bytes(b)


def scalar(rnd):
    return rnd.choice([0, 1, 2, R - 1, R, R + 1, 2 ** 256 - 1, rnd.randrange(2 ** 256), rnd.randrange(2 ** 256),
                       rnd.randrange(2 ** 64), rnd.randrange(R)]).to_bytes(32, "big")


def point(pool, rnd, group, valid_only=False):
    """A G1 (group 1, 128 bytes) or G2 (group 2, 256 bytes) input: mostly a valid point (or its
    negation), else infinity, a point outside the subgroup, a bent encoding or random bytes."""
    valid, outside = (pool.g1, pool.g1_out) if group == 1 else (pool.g2, pool.g2_out)
    c = rnd.randrange(20)
    if c < 12 or valid_only:
        p = rnd.choice(valid)
        return negate(p, group) if rnd.random() < 0.3 else p
    if c < 14:
        return bytes(128 * group)
    if c < 16:
        return rnd.choice(outside)
    if c < 19:
        return bend(rnd.choice(valid), rnd)
    return bytes(rnd.randrange(256) for _ in range(128 * group))


def field_element(rnd):
    c = rnd.randrange(10)
    if c < 6:
        return e64(rnd.randrange(P))
    if c == 6:
        return e64(rnd.choice([0, 1, P - 1, P, P + 1, 2 ** 384 - 1]))
    if c == 7:
        b = bytearray(e64(rnd.randrange(P)))
        b[rnd.randrange(16)] = rnd.randrange(1, 256)
        return bytes(b)
    return bytes(rnd.randrange(256) for _ in range(64))


def pairs_count(rnd):
    return rnd.choice([0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 9, 12, 17, rnd.randrange(1, 40), rnd.randrange(1, 40),
                       rnd.randrange(100, 201)])


def wrong_length(data, rnd):
    if rnd.random() < 0.1:
        c = rnd.randrange(4)
        if c == 0:
            return data[:-1]
        if c == 1:
            return data + bytes([rnd.randrange(256)])
        if c == 2:
            return data[:rnd.randrange(len(data) + 1)]
        return data + bytes(32)
    return data


def make_case(rnd, pool):
    address = rnd.randrange(0x0b, 0x12)
    if rnd.random() < 0.04:
        data = bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 64, 128, 160, 256, 288, 384, 512, rnd.randrange(600)])))
    elif address == 0x0b:
        data = wrong_length(point(pool, rnd, 1) + point(pool, rnd, 1), rnd)
    elif address == 0x0d:
        data = wrong_length(point(pool, rnd, 2) + point(pool, rnd, 2), rnd)
    elif address == 0x0c:
        k = pairs_count(rnd)
        if k > 40:  # keep the reference's time bounded: bad inputs rarely, in front
            data = b"".join(point(pool, rnd, 1, valid_only=rnd.random() < 0.97) + scalar(rnd) for _ in range(k))
        else:
            data = b"".join(point(pool, rnd, 1) + scalar(rnd) for _ in range(k))
        data = wrong_length(data, rnd)
    elif address == 0x0e:
        k = min(pairs_count(rnd), rnd.choice([3, 9, 40, 200]))
        data = wrong_length(b"".join(point(pool, rnd, 2, valid_only=k > 9 and rnd.random() < 0.97) + scalar(rnd)
                                     for _ in range(k)), rnd)
    elif address == 0x0f:
        k = min(pairs_count(rnd), rnd.choice([2, 4, 8]))
        if rnd.random() < 0.4 and k >= 2:
            # a product that is 1: e(aP, Q) e(-aP, Q) ... plus pairs with infinity
            body = b""
            for _ in range(k // 2):
                p, q = rnd.choice(pool.g1), rnd.choice(pool.g2)
                body += p + q + negate(p, 1) + q
            data = body
        else:
            data = b"".join(point(pool, rnd, 1) + point(pool, rnd, 2) for _ in range(k))
        data = wrong_length(data, rnd)
    elif address == 0x10:
        data = wrong_length(field_element(rnd), rnd)
    else:
        data = wrong_length(field_element(rnd) + field_element(rnd), rnd)
    price = PRICE.get(address)
    if address == 0x0c and data and len(data) % 160 == 0:
        k = len(data) // 160
        price = k * 12000 * (m1.G1_K_DISCOUNT[k - 1] if k <= 128 else m1.G1_MAX_DISCOUNT) // 1000
    elif address == 0x0e and data and len(data) % 288 == 0:
        k = len(data) // 288
        price = k * 22500 * (m2.G2_K_DISCOUNT[k - 1] if k <= 128 else m2.G2_MAX_DISCOUNT) // 1000
    elif address == 0x0f:
        price = 32600 * (len(data) // 384) + 37700
    price = price or 50000
    gas = rnd.choice([price, price, price, price - 1, price + 1, 2 * price, 10_000_000, 0, rnd.randrange(price + 1)])
    return address, gas, data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seconds", type=float)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--eekit", default=os.path.join(ROOT, ".build", "release", "eekit"))
    args = ap.parse_args()
    if not os.path.exists(args.eekit):
        sys.exit(f"{args.eekit} not found (swift build -c release --product eekit, or --eekit PATH)")
    rnd = random.Random(args.seed)
    pool = Pool(rnd)
    n = diffs = 0
    per = {}
    outcomes = {"success": 0, "refused": 0}
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        address, gas, data = make_case(rnd, pool)
        ours = run_ours(args.eekit, address, gas, data)
        theirs = run_spec(address, gas, data)
        n += 1
        per[address] = per.get(address, 0) + 1
        outcomes["success" if theirs[0] else "refused"] += 1
        if ours != theirs:
            diffs += 1
            print(f"DIFF #{n} precompile=0x{address:02x} gas={gas} input={data.hex()}")
            print(f"  ours: {ours[0]} {ours[1]} {ours[2].hex() if isinstance(ours[2], bytes) else ours[2]}")
            print(f"  spec: {theirs[0]} {theirs[1]} {theirs[2].hex()}")
            sys.stdout.flush()
    counts = " ".join(f"0x{a:02x}:{per[a]}" for a in sorted(per))
    print(f"RESULT diff_bls12_381 seconds={args.seconds:g} seed={args.seed} cases={n} ({counts}) "
          f"success={outcomes['success']} refused={outcomes['refused']} differences={diffs}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
