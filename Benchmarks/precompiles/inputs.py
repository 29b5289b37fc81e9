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

# EIP-2537 (BLS12-381, Prague): points from go-ethereum's EIP-2537 vectors (G, 2G, 3G, 5G in G1
# and G2), cycled for the MSMs, with fixed pseudo-random 255-bit scalars.
def _fp(h): return bytes(16) + bytes.fromhex(h)
_G1 = [_fp(x) + _fp(y) for x, y in [
    ("17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
     "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"),
    ("0572cbea904d67468808c8eb50a9450c9721db309128012543902d0ac358a62ae28f75bb8f1c7c42c39a8c5529bf0f4e",
     "166a9d8cabc673a322fda673779d8e3822ba3ecb8670e461f73bb9021d5fd76a4c56d9d4cd16bd1bba86881979749d28"),
    ("09ece308f9d1f0131765212deca99697b112d61f9be9a5f1f3780a51335b3ff981747a0b2ca2179b96d2c0c9024e5224",
     "032b80d3a6f5b09f8a84623389c5f80ca69a0cddabc3097f9d9c27310fd43be6e745256c634af45ca3473b0590ae30d1"),
    ("10e7791fb972fe014159aa33a98622da3cdc98ff707965e536d8636b5fcc5ac7a91a8c46e59a00dca575af0f18fb13dc",
     "16ba437edcc6551e30c10512367494bfb6b01cc6681e8a4c3cd2501832ab5c4abc40b4578b85cbaffbf0bcd70d67c6e2")]]
_G2 = [b"".join(_fp(c) for c in cs) for cs in [
    ("024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8",
     "13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e",
     "0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801",
     "0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be"),
    ("1638533957d540a9d2370f17cc7ed5863bc0b995b8825e0ee1ea1e1e4d00dbae81f14b0bf3611b78c952aacab827a053",
     "0a4edef9c1ed7f729f520e47730a124fd70662a904ba1074728114d1031e1572c6c886f6b57ec72a6178288c47c33577",
     "0468fb440d82b0630aeb8dca2b5256789a66da69bf91009cbfe6bd221e47aa8ae88dece9764bf3bd999d95d71e4c9899",
     "0f6d4552fa65dd2638b361543f887136a43253d9c66c411697003f7a13c308f5422e1aa0a59c8967acdefd8b6e36ccf3"),
    ("122915c824a0857e2ee414a3dccb23ae691ae54329781315a0c75df1c04d6d7a50a030fc866f09d516020ef82324afae",
     "09380275bbc8e5dcea7dc4dd7e0550ff2ac480905396eda55062650f8d251c96eb480673937cc6d9d6a44aaa56ca66dc",
     "0b21da7955969e61010c7a1abc1a6f0136961d1e3b20b1a7326ac738fef5c721479dfd948b52fdf2455e44813ecfd892",
     "08f239ba329b3967fe48d718a36cfe5f62a7e42e0bf1c1ed714150a166bfbd6bcf6b3b58b975b9edea56d53f23a0e849")]]
_G2_NEG_Y = _G2[0][:128] + _fp("0d1b3cc2c7027888be51d9ef691d77bcb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa") \
    + _fp("13fa4d4a0ad8b1ce186ed5061789213d993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed")
def _scalar(i): return ((0x9e3779b97f4a7c15 * (i + 1)) ** 4 % 2**255).to_bytes(32, "big")
def _msm(points, k): return b"".join(points[i % len(points)] + _scalar(i) for i in range(k))
BLS_CASES = [
    ("bls_g1add", 0x0b, _G1[1] + _G1[2]), ("bls_g2add", 0x0d, _G2[1] + _G2[2]),
    ("bls_g1msm_1", 0x0c, _msm(_G1, 1)), ("bls_g1msm_8", 0x0c, _msm(_G1, 8)), ("bls_g1msm_64", 0x0c, _msm(_G1, 64)),
    ("bls_g1msm_128", 0x0c, _msm(_G1, 128)),
    ("bls_g2msm_1", 0x0e, _msm(_G2, 1)), ("bls_g2msm_8", 0x0e, _msm(_G2, 8)), ("bls_g2msm_64", 0x0e, _msm(_G2, 64)),
    ("bls_g2msm_128", 0x0e, _msm(_G2, 128)),
    ("bls_pairing_2", 0x0f, _G1[0] + _G2[0] + _G1[0] + _G2_NEG_Y),  # e(G1, G2) e(G1, -G2) = 1
    ("bls_map_fp_to_g1", 0x10, _fp("14406e5bfb9209256a3820879a29ac2f62d6aca82324bf3ae2aa7d3c54792043bd8c791fccdb080c1a52dc68b8b69350")),
    ("bls_map_fp2_to_g2", 0x11, _fp("14406e5bfb9209256a3820879a29ac2f62d6aca82324bf3ae2aa7d3c54792043bd8c791fccdb080c1a52dc68b8b69350")
     + _fp("0e885bb33996e12f07da69073e2c0cc880bc8eff26d2a724299eb12d54f4bcf26f4748bb020e80a7e3794a7b0e47a641")),
]
# EIP-2537 gas of each case (for gas per second).
BLS_GAS = {"bls_g1add": 375, "bls_g2add": 600, "bls_g1msm_1": 12000, "bls_g1msm_8": 8 * 12000 * 728 // 1000,
           "bls_g1msm_64": 64 * 12000 * 576 // 1000, "bls_g1msm_128": 128 * 12000 * 519 // 1000,
           "bls_g2msm_1": 22500, "bls_g2msm_8": 8 * 22500 * 796 // 1000, "bls_g2msm_64": 64 * 22500 * 583 // 1000,
           "bls_g2msm_128": 128 * 22500 * 524 // 1000, "bls_pairing_2": 2 * 32600 + 37700,
           "bls_map_fp_to_g1": 5500, "bls_map_fp2_to_g2": 23800}

# P256VERIFY (0x100, Osaka, EIP-7951): a signature made with Python's cryptography (key d =
# 0x519b...b464, h = sha256("EEKit P256VERIFY"); the same input as Tests/PrecompileTests/P256VerifyTests).
P256VERIFY = bytes.fromhex(
    "c66c563e8a8562362bfb33e6bfdcd4affe6d34fce8f896574aa9064a389eeee9fcc709d1038d8a9e6d7a2264fa3ed987f8a8"
    "94a2093136b9094d6b7f6ffc886b47d92ccfdfc3ae71157cc05421416a17b975da5dc9912dffbd8ba0eb12872b641ccbe91c"
    "075fc7f4f033bfa248db8fccd3565de94bbfb12f3c59ff46c271bf83ce4014c68811f9a21a1fdb2c0e6113e06db7ca93b740"
    "4e78dc7ccd5ca89a4ca9")
OSAKA_CASES = [("p256verify", 0x100, P256VERIFY)]
