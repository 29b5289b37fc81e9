#!/usr/bin/env python3
"""Differential fuzzing of P256VERIFY (0x100, EIP-7951, Osaka) against OpenSSL, for a given time.

    Fuzz/diff_p256.py SECONDS [--seed S] [--eekit PATH] [--fork Osaka|BPO1|BPO2]

Each case is one 160-byte input (h, r, s, qx, qy) STATICCALLed with 6,899, 6,900 or 100,000
gas from a small EVM program that returns the call's success flag, RETURNDATASIZE and the
return data, run by `eekit evm run --json`. The expected answer comes from OpenSSL through
Python's `cryptography` package (ECDSA over SECP256R1 with the hash taken as it is, which is
what execution-specs' `secp256r1_verify` does), after EIP-7951's own range checks (0 < r, s < n;
qx, qy < p; not (0, 0); on the curve): with less than 6,900 gas the call fails, otherwise it
succeeds with the word 1 for a valid signature and no output for anything else. Inputs: valid
signatures (random keys, hashes of all sizes up to 2^256 - 1), signatures whose two terms
u1 G and u2 Q are equal (R' = 2 u1 G: valid) or opposite (R' at infinity), h = 0 or n
(u1 = 0), high s, keys G and -G, and each of them bent (a flipped bit, r or s set to 0, n, n + 1
or random, coordinates at p or off the curve, the point (0, 0)). A review found the equal-terms
signatures refused (nettle's ecdsa_verify cannot double). Prints every difference and ends
with "RESULT ... differences=N". Needs `cryptography` (pip install cryptography) and a release
eekit (default .build/release/eekit).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
except ImportError:
    print("SKIP: cryptography is not installed (pip install cryptography)")
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
PRICE = 6_900


def program(gas):
    """CALLDATACOPY the input to memory 0, STATICCALL 0x100 with `gas`, return success ++
    RETURNDATASIZE ++ returndata."""
    code = "3660006000" + "37"  # CALLDATACOPY(0, 0, CALLDATASIZE)
    code += "6000600036600061010063%08x" % gas + "fa"  # STATICCALL(gas, 0x100, 0, size, 0, 0)
    code += "600052"  # MSTORE(0, success)
    code += "3d602052"  # MSTORE(32, RETURNDATASIZE)
    code += "3d60006040" + "3e"  # RETURNDATACOPY(64, 0, RETURNDATASIZE)
    code += "3d604001" + "6000" + "f3"  # RETURN(0, 64 + RETURNDATASIZE)
    return code


def point(k):
    pub = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers()
    return pub.x, pub.y


def on_curve(x, y):
    return (y * y - (x * x * x - 3 * x + B)) % P == 0


def expected(h, r, s, qx, qy):
    """1 (valid), 0 (anything else), as EIP-7951 and OpenSSL say."""
    if not (0 < r < N and 0 < s < N and qx < P and qy < P) or (qx, qy) == (0, 0) or not on_curve(qx, qy):
        return 0
    try:
        pub = ec.EllipticCurvePublicNumbers(qx, qy, ec.SECP256R1()).public_key()
        pub.verify(utils.encode_dss_signature(r, s), h.to_bytes(32, "big"), ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        return 1
    except InvalidSignature:
        return 0


def signature(rnd):
    """A structured (h, r, s, qx, qy) and what it is."""
    kind = rnd.choice(["valid", "valid", "equal", "opposite", "u1zero", "highs", "generator"])
    d = rnd.choice([1, 2, N - 1, N - 2, rnd.randrange(1, N), rnd.randrange(1, N)])
    if kind == "generator":
        d = rnd.choice([1, N - 1])
    qx, qy = point(d)
    k = rnd.randrange(1, N)
    r = point(k)[0] % N
    if r == 0:
        return None
    if kind == "equal":  # u1 = u2 d: R' = 2 u1 G = k G
        h = r * d % N
        s = 2 * r * d * pow(k, -1, N) % N
        if rnd.random() < 0.3 and h + N < 2**256:
            h += N
    elif kind == "opposite":  # u1 = -u2 d: R' at infinity
        r, s = rnd.randrange(1, N), rnd.randrange(1, N)
        h = -r * d % N
    elif kind == "u1zero":
        h = rnd.choice([0, N])
        s = r * d * pow(k, -1, N) % N
    else:
        h = rnd.choice([rnd.randrange(2**256), rnd.randrange(N), 2**256 - 1, rnd.randrange(2**64)])
        s = (h + r * d) * pow(k, -1, N) % N
        if kind == "highs" and s:
            s = N - s
    if s == 0:
        return None
    return kind, [h, r, s, qx, qy]


def bend(rnd, v):
    """One field of a case changed (or none)."""
    c = rnd.randrange(8)
    i = rnd.randrange(5)
    if c == 0:
        v[i] ^= 1 << rnd.randrange(256)
    elif c == 1 and i in (1, 2):
        v[i] = rnd.choice([0, N, N + 1, N - 1, 2**256 - 1, rnd.randrange(N)])
    elif c == 2 and i in (3, 4):
        v[i] = rnd.choice([P, P + 1, 0, v[i] + P if v[i] + P < 2**256 else v[i]])
    elif c == 3:
        v[3], v[4] = 0, 0
    elif c == 4:
        v[0] = (v[0] + rnd.choice([1, -1, N])) % 2**256
    return v


def run_ours(eekit, code, data, fork):
    r = subprocess.run([eekit, "evm", "run", "--code", code, "--input", data.hex(), "--gas", "1000000",
                        "--fork", fork, "--json"], capture_output=True, text=True, timeout=120)
    doc = json.loads(r.stdout.strip().splitlines()[-1])
    out = bytes.fromhex(doc.get("output", "0x")[2:])
    return doc["status"], out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seconds", type=float)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--eekit", default=os.path.join(ROOT, ".build", "release", "eekit"))
    ap.add_argument("--fork", choices=["Osaka", "BPO1", "BPO2"])
    args = ap.parse_args()
    if not os.path.exists(args.eekit):
        sys.exit(f"{args.eekit} not found (swift build -c release --product eekit, or --eekit PATH)")
    rnd = random.Random(args.seed)
    n = diffs = valid = 0
    kinds = {}
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        case = signature(rnd)
        if case is None:
            continue
        kind, v = case
        if rnd.random() < 0.4:
            v = bend(rnd, v)
            kind += "+bent"
        gas = rnd.choice([PRICE - 1, PRICE, 100_000, 100_000])
        fork = args.fork or rnd.choice(["Osaka", "BPO1", "BPO2"])
        data = b"".join(x.to_bytes(32, "big") for x in v)
        if rnd.random() < 0.05:  # a wrong length
            data = data[: rnd.choice([0, 159])] if rnd.random() < 0.5 else data + b"\x00"
        ok = expected(*v) if len(data) == 160 else 0
        want_success = 1 if gas >= PRICE else 0
        want = (want_success.to_bytes(32, "big") + (32 if want_success and ok else 0).to_bytes(32, "big")
                + ((1).to_bytes(32, "big") if want_success and ok else b""))
        status, out = run_ours(args.eekit, program(gas), data, fork)
        n += 1
        valid += 1 if want_success and ok else 0
        kinds[kind] = kinds.get(kind, 0) + 1
        if status != "success" or out != want:
            diffs += 1
            print(f"DIFF #{n} fork={fork} kind={kind} gas={gas} input={data.hex()}")
            print(f"  ours: {status} {out.hex()}")
            print(f"  want: success {want.hex()}")
            sys.stdout.flush()
    counts = " ".join(f"{k}:{kinds[k]}" for k in sorted(kinds))
    print(f"RESULT diff_p256 seconds={args.seconds:g} seed={args.seed} cases={n} valid={valid} ({counts}) differences={diffs}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
