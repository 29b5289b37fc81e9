"""blst side of the EIP-2537 benchmark, through pyblst (pip install pyblst==0.3.15; Python
bindings of supranational/blst, the library revm and go-ethereum use for these precompiles).
pyblst exposes blst's point addition, single scalar multiplication, Miller loop + final
verification and hash_to_group, not the precompiles themselves: each case below times the
closest blst operation on points already in blst's internal form, so blst does NOT pay the
precompile's decoding, curve and subgroup checks or the affine encoding of the result, which
EEKit's numbers include. Microseconds per call = CPU time of N calls minus an empty loop of N.
Cases without a blst counterpart (MSM with k > 1: pyblst has no multi-scalar multiplication;
MAP_*: hash_to_group also hashes and maps twice) print "n/a" or are marked."""
import sys, time
try:
    import pyblst
except ImportError:
    print("SKIP pyblst not installed")
    sys.exit(0)

P1, P2 = pyblst.BlstP1Element, pyblst.BlstP2Element
g1 = P1.hash_to_group(b"eekit bench", b"BLS_BENCH")
g2 = P2.hash_to_group(b"eekit bench", b"BLS_BENCH")
h1, h2 = g1.scalar_mul(3), g2.scalar_mul(3)
s = (0x9e3779b97f4a7c15 ** 4) % 2**255


def per_call(f, n):
    t0 = time.process_time()
    for _ in range(n):
        f()
    t = time.process_time() - t0
    t0 = time.process_time()
    for _ in range(n):
        pass
    return (t - (time.process_time() - t0)) / n * 1e6


cases = [
    ("bls_g1add", lambda: g1 + h1, 20000),
    ("bls_g2add", lambda: g2 + h2, 20000),
    ("bls_g1msm_1", lambda: g1.scalar_mul(s), 2000),
    ("bls_g2msm_1", lambda: g2.scalar_mul(s), 1000),
    ("bls_pairing_2", lambda: pyblst.final_verify(pyblst.miller_loop(g1, g2), pyblst.miller_loop(g1, g2)), 200),
    ("bls_hash_to_g1(~map_fp_to_g1)", lambda: P1.hash_to_group(b"abc", b"BLS_BENCH"), 2000),
    ("bls_hash_to_g2(~map_fp2_to_g2)", lambda: P2.hash_to_group(b"abc", b"BLS_BENCH"), 500),
]
for name, f, n in cases:
    f()
    print("%s %.2f" % (name, min(per_call(f, n) for _ in range(3))))
    sys.stdout.flush()
