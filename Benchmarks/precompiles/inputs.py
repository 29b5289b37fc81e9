"""Benchmark inputs shared by the EEKit driver and the pyrevm side (hex strings)."""
P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
SECP_P = 2**256 - 2**32 - 977
def w(x): return x.to_bytes(32, "big")
ECRECOVER = bytes.fromhex(
    "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e000000000000000000000000000000000000000000000000000000000000001b"
    "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e789d1dd423d25f0772d2748d60f7e4b81bb14d086eba8e8e8efb6dcff8a4ae02")
# modexp: 3^(p-1) mod p with 32-byte operands (EIP-198 example), and a 2048-bit modulus with a
# 32-byte exponent (RSA-verification-like sizes, but a full exponent).
MODEXP_32 = w(32) + w(32) + w(32) + w(3) + w(SECP_P - 1) + w(SECP_P)
_m = int("c7" * 256, 16) | 1
MODEXP_256 = w(256) + w(32) + w(256) + (int("5a" * 256, 16) % _m).to_bytes(256, "big") + w(2**255 + 12345) + _m.to_bytes(256, "big")
G2 = bytes.fromhex("198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
                   "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")
PAIRING_2 = w(1) + w(2) + G2 + w(1) + w(P - 2) + G2   # e(P,Q) e(-P,Q) = 1
KECCAK_32 = bytes(range(32))
# A valid KZG proof (the first valid case of the ckzg-generated test vectors).
def _point_evaluation():
    import json, os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "PrecompileTests",
                        "Vectors", "kzg_point_evaluation_vectors.json")
    case = next(c for c in json.load(open(path)) if c["success"])
    return bytes.fromhex(case["input"].removeprefix("0x"))
POINT_EVALUATION = _point_evaluation()
CASES = [("ecrecover", 1, ECRECOVER), ("modexp_32B", 5, MODEXP_32), ("modexp_256B", 5, MODEXP_256),
         ("bn254_pairing_2", 8, PAIRING_2), ("point_evaluation", 0x0a, POINT_EVALUATION),
         ("keccak256_32B", None, KECCAK_32)]
