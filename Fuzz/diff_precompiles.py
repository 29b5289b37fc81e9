#!/usr/bin/env python3
"""Differential fuzzing of the precompiles (0x01-0x0a) against pyrevm (revm), for a given time.

    Fuzz/diff_precompiles.py SECONDS [--seed S] [--eekit PATH] [--fork F]

Each case is one input for one precompile, STATICCALLed with a random gas allowance from a
small EVM program that returns the call's success flag, the gas the call took (GAS before
minus GAS after), RETURNDATASIZE and the return data. The program runs through `eekit evm run
--json` (the bootloader's precompile hooks, the Swift wrappers and CPrecompiles) and through
pyrevm's message_call, under the same fork (random among Byzantium...Cancun unless --fork is
given; point evaluation from Cancun), and the returned bytes must be equal: same result, same
output, same gas. Inputs are structured per precompile (valid signatures and curve points made
here, then bent: wrong lengths, flipped bits, out-of-range coordinates, modexp's declared
lengths from 0 to 2^256-1, blake2f's flag and rounds) as well as random. Prints every
difference with enough to replay it and ends with "RESULT ... differences=N".
Needs pyrevm (pip install pyrevm==0.3.7) and a release eekit (default .build/release/eekit).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

try:
    from pyrevm import EVM, AccountInfo
except ImportError:
    print("SKIP: pyrevm is not installed (pip install pyrevm==0.3.7)")
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORKS = ["Byzantium", "Petersburg", "Istanbul", "Berlin", "London", "Shanghai", "Cancun"]
# eekit's name for each (Petersburg is ConstantinopleFix; both accept it).
OURS_FORK = {"Petersburg": "ConstantinopleFix"}
# First fork of each precompile (0x09 blake2f: Istanbul; 0x0a point evaluation: Cancun).
FIRST = {9: "Istanbul", 10: "Cancun"}
OUTER_GAS = 20_000_000
CALLER = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b"
TARGET = "0xbe7c43a580000000000000000000000000000001"  # where `eekit evm run` puts the code


from precompile_probe import program  # noqa: E402  (the shared STATICCALL probe)


def run_ours(eekit, code, data, fork):
    r = subprocess.run([eekit, "evm", "run", "--code", code.hex(), "--input", data.hex() or "0x",
                        "--gas", str(OUTER_GAS), "--fork", OURS_FORK.get(fork, fork), "--json"],
                       capture_output=True, text=True, timeout=120)
    doc = json.loads(r.stdout.strip().splitlines()[-1])
    return doc["status"], bytes.fromhex(doc.get("output", "0x")[2:])


def run_revm(code, data, fork):
    evm = EVM(spec_id=fork)
    evm.insert_account_info(TARGET, AccountInfo(code=code, nonce=1))
    evm.insert_account_info(CALLER, AccountInfo())
    evm.set_balance(CALLER, 10**30)
    try:
        out = bytes(evm.message_call(CALLER, TARGET, data, gas=OUTER_GAS))
    except RuntimeError as e:
        return "error: " + str(e)[:200], b""
    return "success", out


# ------------------------------------------------------------------ secp256k1 (ecrecover inputs)
P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def ec_add(a, b, p=P):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % p == 0:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], -1, p) % p
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, p) % p
    x = (lam * lam - a[0] - b[0]) % p
    return x, (lam * (a[0] - x) - a[1]) % p


def ec_mul(k, pt, p=P):
    r = None
    while k:
        if k & 1:
            r = ec_add(r, pt, p)
        pt = ec_add(pt, pt, p)
        k >>= 1
    return r


def sign(rnd):
    d = rnd.randrange(1, N)
    z = rnd.getrandbits(256)
    while True:
        k = rnd.randrange(1, N)
        R = ec_mul(k, G)
        r = R[0] % N
        s = pow(k, -1, N) * (z + r * d) % N
        if r and s:
            return z, 27 + (R[1] & 1), r, s


def w(v):
    return (v % 2**256).to_bytes(32, "big")


def ecrecover_input(rnd):
    z, v, r, s = sign(rnd)
    kind = rnd.randrange(8)
    if kind == 1:
        v = rnd.choice([0, 1, 26, 29, 2**255 + 27, 27 + 2**64])
    elif kind == 2:
        s = N - s  # high s (valid for the precompile: no EIP-2 check there)
    elif kind == 3:
        r, s = rnd.choice([(0, s), (r, 0), (N, s), (r, N), (N + 1, s), (P, s), (2**256 - 1, s)])
    elif kind == 4:
        z = 0
    data = w(z) + w(v) + w(r) + w(s)
    if kind == 5:
        data = data[:rnd.randrange(0, 128)]
    elif kind == 6:
        data += bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 40)))
    elif kind == 7:
        b = rnd.randrange(len(data) * 8)
        data = bytearray(data)
        data[b // 8] ^= 1 << (b % 8)
        data = bytes(data)
    return data


# ------------------------------------------------------------------ bn254 (0x06-0x08 inputs)
BP = 21888242871839275222246405745257275088696311157297823662689037894645226208583
BN = 21888242871839275222246405745257275088548364400416034343698204186575808495617
G2 = (10857046999023057135944570762232829481370756359578518086990519993285655852781,
      11559732032986387107991004021392285783925812861821192530917403151452391805634,
      8495653923123431417604973247489272438418190587263600148770280649306958101930,
      4082367875863433681332203403145435568316851327593401208105741076214120093531)


def g1(k):
    pt = ec_mul(k, (1, 2), BP)
    return (0, 0) if pt is None else pt


def bn_word_bad(rnd, v):
    return rnd.choice([v, v + BP, BP, 2**256 - 1, v ^ 1])


def bn_input(rnd, address):
    a = g1(rnd.randrange(0, BN))
    if address == 6:
        b = rnd.choice([g1(rnd.randrange(0, BN)), a, (a[0], (BP - a[1]) % BP), (0, 0)])
        data = w(a[0]) + w(a[1]) + w(b[0]) + w(b[1])
    elif address == 7:
        k = rnd.choice([0, 1, 2, BN - 1, BN, BN + 1, 2**256 - 1, rnd.getrandbits(256), rnd.getrandbits(64)])
        data = w(a[0]) + w(a[1]) + w(k)
    else:
        pairs = rnd.choice([0, 1, 2, 2, 3])
        data = b""
        for i in range(pairs):
            pt = a if i % 2 == 0 else (a[0], (BP - a[1]) % BP)
            q = G2
            if rnd.random() < 0.2:
                q = tuple(rnd.choice([c, c ^ 1, c + BP, 0]) for c in G2)
            data += w(pt[0]) + w(pt[1]) + b"".join(w(c) for c in (q[1], q[0], q[3], q[2]))
    kind = rnd.randrange(6)
    if kind == 1 and data:
        # one coordinate out of range or off the curve
        i = rnd.randrange(len(data) // 32)
        v = int.from_bytes(data[32 * i:32 * i + 32], "big")
        data = data[:32 * i] + w(bn_word_bad(rnd, v)) + data[32 * i + 32:]
    elif kind == 2:
        data = data[:rnd.randrange(0, len(data) + 1)]
    elif kind == 3:
        data += bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 70)))
    return data


# ------------------------------------------------------------------ modexp, blake2f, others
LENS = [0, 1, 2, 31, 32, 33, 64, 65, 128, 200, 1024, 2**16, 2**32, 2**32 + 1, 2**64 - 1, 2**64, 2**255, 2**256 - 1]


def modexp_input(rnd):
    bl, el, ml = (rnd.choice(LENS[:11]) if rnd.random() < 0.8 else rnd.choice(LENS) for _ in range(3))
    head = w(bl) + w(el) + w(ml)
    body = b""
    for n in (bl, el, ml):
        n = min(n, 300)
        kind = rnd.randrange(5)
        if kind == 0:
            v = bytes(n)
        elif kind == 1:  # leading zeros, then a random tail (the exponent's bit length matters)
            z = rnd.randrange(0, n + 1)
            v = bytes(z) + bytes(rnd.getrandbits(8) for _ in range(n - z))
        elif kind == 2:
            v = b"\xff" * n
        else:
            v = bytes(rnd.getrandbits(8) for _ in range(n))
        body += v
    data = head + body
    if rnd.random() < 0.3:  # shorter than declared: the rest reads as zeros
        data = data[:rnd.randrange(0, len(data) + 1)]
    return data


def blake2f_input(rnd):
    rounds = rnd.choice([0, 1, 2, 10, 12, 13, rnd.randrange(0, 300), rnd.randrange(0, 5000)])
    data = rounds.to_bytes(4, "big") + bytes(rnd.getrandbits(8) for _ in range(208))
    data += bytes([rnd.choice([0, 1, 1, 0, 2, 255])])
    kind = rnd.randrange(6)
    if kind == 1:
        data = data[:rnd.randrange(0, 213)]
    elif kind == 2:
        data += bytes(rnd.randrange(1, 4))
    return data


def point_eval_input(rnd):
    data = bytearray(rnd.getrandbits(8) for _ in range(192))
    data[0] = rnd.choice([1, 1, 0, 2])
    if rnd.random() < 0.5:  # z and y below the BLS12-381 group order
        data[32] &= 0x3f
        data[64] &= 0x3f
    if rnd.random() < 0.3:
        data = data[:rnd.randrange(0, 200)]
    return bytes(data)


def random_input(rnd):
    return bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 1, 31, 32, 33, 64, 96, 128, 192, 213, 300])))


def make_case(rnd, fork):
    address = rnd.randrange(1, 11)
    while FORKS.index(fork) < FORKS.index(FIRST.get(address, "Byzantium")):
        address = rnd.randrange(1, 9)
    if rnd.random() < 0.1:
        data = random_input(rnd)
    elif address == 1:
        data = ecrecover_input(rnd)
    elif address in (2, 3, 4):
        data = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 1, 32, 55, 56, 64, 100, rnd.randrange(0, 3000)])))
    elif address == 5:
        data = modexp_input(rnd)
    elif address in (6, 7, 8):
        data = bn_input(rnd, address)
    elif address == 9:
        data = blake2f_input(rnd)
    else:
        data = point_eval_input(rnd)
    gas = rnd.choice([0, 1, 15, 60, 100, 150, 600, 3000, 6000, 40000, 45000, 100000, 200000, 1_000_000, 10_000_000])
    return address, gas, data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seconds", type=float)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--eekit", default=os.path.join(ROOT, ".build", "release", "eekit"))
    ap.add_argument("--fork", choices=FORKS)
    args = ap.parse_args()
    if not os.path.exists(args.eekit):
        sys.exit(f"{args.eekit} not found (swift build -c release --product eekit, or --eekit PATH)")
    rnd = random.Random(args.seed)
    n = diffs = 0
    per = {}
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        fork = args.fork or rnd.choice(FORKS)
        address, gas, data = make_case(rnd, fork)
        code = program(address, gas)
        ours = run_ours(args.eekit, code, data, fork)
        theirs = run_revm(code, data, fork)
        n += 1
        per[address] = per.get(address, 0) + 1
        if ours != theirs:
            diffs += 1
            print(f"DIFF #{n} fork={fork} precompile=0x{address:02x} gas={gas} input={data.hex()}")
            print(f"  ours: {ours[0]} {ours[1].hex()}")
            print(f"  revm: {theirs[0]} {theirs[1].hex()}")
            sys.stdout.flush()
    counts = " ".join(f"0x{a:02x}:{per[a]}" for a in sorted(per))
    print(f"RESULT diff_precompiles seconds={args.seconds:g} seed={args.seed} cases={n} ({counts}) differences={diffs}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
