#!/usr/bin/env python3
"""Generates kzg_point_evaluation_vectors.json: EIP-4844 point evaluation (0x0a) cases.

    python3 -m pip install ckzg==2.1.8
    python3 Tests/PrecompileTests/Vectors/gen_kzg.py [TRUSTED_SETUP_TXT]

Proofs come from ckzg (the Python bindings of c-kzg-4844) with the Ethereum trusted setup.
The wheel carries no setup file; without an argument the script takes src/trusted_setup.txt
from the ckzg source distribution (`pip download ckzg==VERSION --no-binary :all: --no-deps`).
Every 192-byte case whose versioned hash is right is also run through ckzg.verify_kzg_proof,
and the script stops if ckzg disagrees with the expected outcome. Output is deterministic
(fixed seed). The precompile-level rules (length, versioned hash) follow EIP-4844:

    def point_evaluation_precompile(input: Bytes) -> Bytes:
        assert len(input) == 192
        versioned_hash, z, y, commitment, proof = input[:32], input[32:64], input[64:96], input[96:144], input[144:192]
        assert kzg_to_versioned_hash(commitment) == versioned_hash
        assert verify_kzg_proof(commitment, z, y, proof)
        return Bytes(U256(FIELD_ELEMENTS_PER_BLOB).to_be_bytes32() + U256(BLS_MODULUS).to_be_bytes32())
"""
import glob
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile

import ckzg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bls12_381_constants import P, R, G1X, G1Y, g1mul, g1add  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "kzg_point_evaluation_vectors.json")
GAS = 50000
FIELD_ELEMENTS_PER_BLOB = 4096
SUCCESS_OUTPUT = (FIELD_ELEMENTS_PER_BLOB.to_bytes(32, "big") + R.to_bytes(32, "big")).hex()
INF = bytes([0xC0]) + bytes(47)


def trusted_setup_path():
    if len(sys.argv) > 1:
        return sys.argv[1]
    d = tempfile.mkdtemp(prefix="ckzg-sdist-")
    version = subprocess.run([sys.executable, "-m", "pip", "show", "ckzg"], capture_output=True, text=True,
                             check=True).stdout
    version = next(l.split(":", 1)[1].strip() for l in version.splitlines() if l.startswith("Version:"))
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
                    "-d", d, "ckzg==" + version], check=True)
    archive = glob.glob(os.path.join(d, "ckzg-*.tar.gz"))[0]
    with tarfile.open(archive) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("src/trusted_setup.txt"))
        t.extract(member, d)
        return os.path.join(d, member.name)


def versioned_hash(commitment):
    return b"\x01" + hashlib.sha256(commitment).digest()[1:]


def compress_g1(pt):
    if pt is None:
        return INF
    x, y = pt
    flags = 0x80 | (0x20 if y > (P - 1) // 2 else 0)
    b = bytearray(x.to_bytes(48, "big"))
    b[0] |= flags
    return bytes(b)


def sqrt_fp(a):
    s = pow(a, (P + 1) // 4, P)
    return s if s * s % P == a % P else None


def main():
    rng = random.Random(4844)
    ts = ckzg.load_trusted_setup(trusted_setup_path(), 0)
    cases = []

    def fe(v):
        return (v % R).to_bytes(32, "big")

    def add(name, z, y, commitment, proof, success, reason=None, vh=None, raw=None):
        inp = raw if raw is not None else (vh if vh is not None else versioned_hash(commitment)) + z + y + commitment + proof
        if raw is None and vh is None and len(inp) == 192:
            try:
                ok = ckzg.verify_kzg_proof(commitment, z, y, proof, ts)
            except Exception:
                ok = False
            assert ok == success, f"ckzg disagrees on {name}: {ok}"
        cases.append({
            "name": name, "input": inp.hex(), "success": success,
            "output": SUCCESS_OUTPUT if success else "", "gas": GAS, "reason": reason or "",
        })

    def random_blob():
        return b"".join(fe(rng.randrange(R)) for _ in range(FIELD_ELEMENTS_PER_BLOB))

    # ---- valid proofs
    valid = []
    for i in range(6):
        blob = random_blob()
        c = ckzg.blob_to_kzg_commitment(blob, ts)
        z = fe(rng.randrange(R))
        proof, y = ckzg.compute_kzg_proof(blob, z, ts)
        add(f"valid random blob {i}", z, y, c, proof, True)
        valid.append((z, y, c, proof, blob))
    # z at the domain boundary values and at 0
    blob = random_blob()
    c = ckzg.blob_to_kzg_commitment(blob, ts)
    for label, zv in [("z = 0", 0), ("z = 1", 1), ("z = r - 1", R - 1)]:
        z = fe(zv)
        proof, y = ckzg.compute_kzg_proof(blob, z, ts)
        add(f"valid {label}", z, y, c, proof, True)
    # the zero polynomial: commitment and proof at infinity, y = 0
    for label, zv in [("z = 0", 0), ("z = 5", 5), ("z = r - 1", R - 1)]:
        add(f"valid zero polynomial, commitment and proof at infinity, {label}", fe(zv), fe(0), INF, INF, True)
    # a constant polynomial: proof at infinity, y = the constant
    k = rng.randrange(1, R)
    cblob = fe(k) * FIELD_ELEMENTS_PER_BLOB
    cc = ckzg.blob_to_kzg_commitment(cblob, ts)
    z = fe(rng.randrange(R))
    proof, y = ckzg.compute_kzg_proof(cblob, z, ts)
    assert proof == INF and y == fe(k)
    add("valid constant polynomial, proof at infinity", z, y, cc, proof, True)
    # a blob with a single non-zero element: z on the domain
    sblob = bytearray(FIELD_ELEMENTS_PER_BLOB * 32)
    sblob[31] = 7
    sblob = bytes(sblob)
    sc = ckzg.blob_to_kzg_commitment(sblob, ts)
    for label, zv in [("z = 1 (domain point, value 7)", 1), ("random z", rng.randrange(R))]:
        z = fe(zv)
        proof, y = ckzg.compute_kzg_proof(sblob, z, ts)
        add(f"valid sparse blob, {label}", z, y, sc, proof, True)

    # ---- invalid proofs (well-formed inputs)
    z, y, c, proof, _ = valid[0]
    z2, y2, c2, proof2, _ = valid[1]
    yi = int.from_bytes(y, "big")
    zi = int.from_bytes(z, "big")
    add("invalid: y + 1", z, fe(yi + 1), c, proof, False, "invalidProof")
    add("invalid: y - 1", z, fe(yi - 1), c, proof, False, "invalidProof")
    add("invalid: z + 1", fe(zi + 1), y, c, proof, False, "invalidProof")
    add("invalid: proof of another blob", z, y, c, proof2, False, "invalidProof")
    add("invalid: commitment of another blob", z, y, c2, proof, False, "invalidProof")
    add("invalid: proof at infinity for a non-constant polynomial", z, y, c, INF, False, "invalidProof")
    add("invalid: commitment at infinity with a real proof", z, y, INF, proof, False, "invalidProof")
    add("invalid: zero polynomial with y = 1", fe(0), fe(1), INF, INF, False, "invalidProof")
    add("invalid: constant polynomial with y = constant + 1", z, fe(k + 1), cc, INF, False, "invalidProof")
    g = compress_g1((G1X, G1Y))
    add("invalid: generator as commitment and proof", z, y, g, g, False, "invalidProof")
    add("invalid: proof and commitment swapped", z, y, proof, c, False, "invalidProof")

    # ---- versioned hash
    base = z + y + c + proof
    for label, vh in [
        ("version byte 0x00", b"\x00" + versioned_hash(c)[1:]),
        ("version byte 0x02", b"\x02" + versioned_hash(c)[1:]),
        ("last byte flipped", versioned_hash(c)[:31] + bytes([versioned_hash(c)[31] ^ 1])),
        ("hash of another commitment", versioned_hash(c2)),
        ("all zero", bytes(32)),
        ("plain sha256 (no version byte)", hashlib.sha256(c).digest()),
    ]:
        add(f"wrong versioned hash: {label}", z, y, c, proof, False, "versionedHash", vh=vh)

    # ---- z or y not below the modulus
    for label, v in [("r", R), ("r + 1", R + 1), ("2^256 - 1", 2**256 - 1), ("r + z (same residue)", R + zi)]:
        if v < 2**256:
            add(f"z = {label}", v.to_bytes(32, "big"), y, c, proof, False, "coordinateOutOfRange")
    for label, v in [("r", R), ("r + y (same residue)", R + yi), ("2^256 - 1", 2**256 - 1)]:
        if v < 2**256:
            add(f"y = {label}", z, v.to_bytes(32, "big"), c, proof, False, "coordinateOutOfRange")
    # the zero polynomial with y = r (which is 0 mod r) must still fail
    add("zero polynomial with y = r", fe(0), R.to_bytes(32, "big"), INF, INF, False, "coordinateOutOfRange")

    # ---- malformed points (as commitment, and as proof; the versioned hash matches)
    def not_on_curve_x():
        x = 1
        while sqrt_fp(x**3 + 4) is not None:
            x += 1
        return x

    def off_subgroup_point():
        x = 5
        while True:
            yy = sqrt_fp(x**3 + 4)
            if yy is not None and g1mul((x, yy), R) is not None:
                return (x, yy)
            x += 1

    cflags = bytearray(c)
    bad = []
    b = bytearray(c); b[0] &= 0x7F
    bad.append(("compression flag clear", bytes(b), "badEncoding"))
    b = bytearray(INF); b[0] = 0x40
    bad.append(("infinity without the compression flag", bytes(b), "badEncoding"))
    b = bytearray(INF); b[0] = 0xE0
    bad.append(("infinity with the sign flag", bytes(b), "badEncoding"))
    b = bytearray(INF); b[47] = 1
    bad.append(("infinity with a non-zero x", bytes(b), "badEncoding"))
    b = bytearray(INF); b[0] = 0xC1
    bad.append(("infinity with a non-zero top x bit", bytes(b), "badEncoding"))
    b = bytearray(cflags); b[0] |= 0x40
    bad.append(("infinity flag on a finite point", bytes(b), "badEncoding"))
    bad.append(("all zero bytes", bytes(48), "badEncoding"))
    b = bytearray(P.to_bytes(48, "big")); b[0] |= 0x80
    bad.append(("x = p", bytes(b), "coordinateOutOfRange"))
    b = bytearray((P + 1).to_bytes(48, "big")); b[0] |= 0xA0
    bad.append(("x = p + 1 with the sign flag", bytes(b), "coordinateOutOfRange"))
    b = bytearray((2**381 - 1).to_bytes(48, "big")); b[0] |= 0x80
    bad.append(("x = 2^381 - 1", bytes(b), "coordinateOutOfRange"))
    nx = not_on_curve_x()
    b = bytearray(nx.to_bytes(48, "big")); b[0] |= 0x80
    bad.append((f"x = {nx} (x^3 + 4 is not a square)", bytes(b), "notOnCurve"))
    q = off_subgroup_point()
    bad.append((f"on the curve but outside the r-order subgroup (x = {q[0]})", compress_g1(q), "notInSubgroup"))
    q2 = (q[0], P - q[1])
    bad.append(("outside the subgroup, other sign", compress_g1(q2), "notInSubgroup"))
    # a subgroup point plus a non-subgroup point
    q3 = g1add(g1mul((G1X, G1Y), 12345), q)
    bad.append(("generator multiple plus a non-subgroup point", compress_g1(q3), "notInSubgroup"))
    for label, pt, reason in bad:
        add(f"malformed commitment: {label}", z, y, pt, proof, False, reason)
        add(f"malformed proof: {label}", z, y, c, pt, False, reason)
    # a commitment with the wrong sign bit is a valid point (the negation), so the proof fails
    b = bytearray(c); b[0] ^= 0x20
    add("commitment with the sign flag flipped (a valid point, wrong proof)", z, y, bytes(b), proof, False, "invalidProof")

    # ---- lengths
    good = versioned_hash(c) + z + y + c + proof
    for n in [0, 1, 32, 191, 193, 256, 384]:
        raw = (good * 3)[:n]
        add(f"length {n}", None, None, None, None, False, "invalidLength", raw=raw)

    with open(OUT, "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {OUT} "
          f"({sum(c['success'] for c in cases)} valid, {sum(not c['success'] for c in cases)} invalid)")


if __name__ == "__main__":
    main()
