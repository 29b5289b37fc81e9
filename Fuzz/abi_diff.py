#!/usr/bin/env python3
"""Differential check of `eekit abi encode` / `eekit abi decode` against eth-abi (PyPI).

Random nested ABI types (uintN, intN, address, bool, bytesN, bytes, string, T[], T[k],
tuples) with random values: eekit's encoding of the values written as text must equal
eth_abi.encode, and eekit's decoding of eth-abi's encoding must print the values back.

    python3 -m venv /tmp/abivenv && /tmp/abivenv/bin/pip install eth-abi "eth-hash[pycryptodome]"
    /tmp/abivenv/bin/python Fuzz/abi_diff.py --eekit .build/release/eekit --cases 300 --seed 1
"""
import argparse
import random
import subprocess
import sys

from eth_abi import encode
from eth_utils import to_checksum_address

ELEMENTARY = ["uint", "int", "address", "bool", "bytesN", "bytes", "string"]


def rand_type(r, depth=0):
    k = r.random()
    if depth < 3 and k < 0.15:
        return ("tuple", [rand_type(r, depth + 1) for _ in range(r.randint(1, 3))])
    if depth < 3 and k < 0.30:
        return ("array", rand_type(r, depth + 1), None if r.random() < 0.5 else r.randint(1, 3))
    e = r.choice(ELEMENTARY)
    if e in ("uint", "int"):
        return (e, 8 * r.randint(1, 32))
    if e == "bytesN":
        return ("bytesN", r.randint(1, 32))
    return (e,)


def canon(t):
    if t[0] == "tuple":
        return "(" + ",".join(canon(x) for x in t[1]) + ")"
    if t[0] == "array":
        return canon(t[1]) + "[" + ("" if t[2] is None else str(t[2])) + "]"
    if t[0] in ("uint", "int"):
        return f"{t[0]}{t[1]}"
    if t[0] == "bytesN":
        return f"bytes{t[1]}"
    return t[0]


STRINGS = ["", "a", "hi, there", "x" * 40, "quote\"and\\slash", "[brackets](and)", "é ünïcode", " spaced ",
           "'single'", "\"double\"", "\u0301combining, mark", "tab\tnew\nline\u0085\u202e", "emoji \U0001F600"]


def rand_value(r, t):
    if t[0] == "tuple":
        return tuple(rand_value(r, x) for x in t[1])
    if t[0] == "array":
        n = r.randint(0, 3) if t[2] is None else t[2]
        return [rand_value(r, t[1]) for _ in range(n)]
    if t[0] == "uint":
        return r.choice([0, 1, 2 ** t[1] - 1, r.getrandbits(t[1])])
    if t[0] == "int":
        lo, hi = -(2 ** (t[1] - 1)), 2 ** (t[1] - 1) - 1
        return r.choice([0, -1, lo, hi, r.randint(lo, hi)])
    if t[0] == "address":
        return "0x" + r.getrandbits(160).to_bytes(20, "big").hex()
    if t[0] == "bool":
        return r.random() < 0.5
    if t[0] == "bytesN":
        return bytes(r.getrandbits(8) for _ in range(t[1]))
    if t[0] == "bytes":
        return bytes(r.getrandbits(8) for _ in range(r.choice([0, 1, 31, 32, 33, 70])))
    return r.choice(STRINGS)


ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def quote(s):
    """As eekit prints (and reads) a quoted string."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        elif (0x80 <= o <= 0x9F or o == 0x061C or 0x200B <= o <= 0x200F or 0x202A <= o <= 0x202E
              or 0x2060 <= o <= 0x2069 or o in (0x2028, 0x2029, 0xFEFF)):
            out.append("\\u{%x}" % o)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def text(t, v, nested):
    """The value as eekit takes it on the command line (and prints it, for `printed`)."""
    if t[0] == "tuple":
        return "(" + ",".join(text(x, y, True) for x, y in zip(t[1], v)) + ")"
    if t[0] == "array":
        return "[" + ",".join(text(t[1], y, True) for y in v) + "]"
    if t[0] in ("uint", "int"):
        return str(v)
    if t[0] == "bool":
        return "true" if v else "false"
    if t[0] == "address":
        return v
    if t[0] in ("bytesN", "bytes"):
        return "0x" + v.hex()
    # Top level: quoted, or as it is when that cannot be read as a quoted string.
    return quote(v) if nested or v[:1] in ("'", '"') or len(v) % 2 else v


def printed(t, v, top):
    """The value as `eekit abi decode` prints it."""
    if t[0] == "tuple":
        return "(" + ", ".join(printed(x, y, False) for x, y in zip(t[1], v)) + ")"
    if t[0] == "array":
        return "[" + ", ".join(printed(t[1], y, False) for y in v) + "]"
    if t[0] == "string":
        return quote(v)
    if t[0] == "address":
        return to_checksum_address(v)
    return text(t, v, True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eekit", required=True)
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    r = random.Random(a.seed)
    failures = 0
    for case in range(a.cases):
        types = [rand_type(r) for _ in range(r.randint(1, 4))]
        values = [rand_value(r, t) for t in types]
        sig = "f(" + ",".join(canon(t) for t in types) + ")"
        want = encode([canon(t) for t in types], values).hex()
        args = [text(t, v, False) for t, v in zip(types, values)]
        out = subprocess.run([a.eekit, "abi", "encode", "--no-selector", sig, "--"] + args,
                             capture_output=True, text=True)
        got = out.stdout.strip()
        if out.returncode != 0 or got != "0x" + want:
            failures += 1
            print(f"case {case}: encode {sig} {args!r}\n  eekit: {got or out.stderr.strip()}\n  eth-abi: 0x{want}")
            continue
        out = subprocess.run([a.eekit, "abi", "decode", sig[1:], want], capture_output=True, text=True)
        want_lines = [printed(t, v, True) for t, v in zip(types, values)]
        if out.returncode != 0 or out.stdout.rstrip("\n").split("\n") != want_lines:
            failures += 1
            print(f"case {case}: decode {sig}\n  eekit: {out.stdout or out.stderr}\n  want: {want_lines}")
    print(f"{a.cases} cases, {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
