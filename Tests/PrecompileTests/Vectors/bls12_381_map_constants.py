#!/usr/bin/env python3
"""Derives CSources/CPrecompiles/bls12_381_map.h, the constants of the EIP-2537 precompiles:

    /tmp/eesvenv/bin/python Tests/PrecompileTests/Vectors/bls12_381_map_constants.py \
        > CSources/CPrecompiles/bls12_381_map.h

  - B_G2 = 4 (1 + u), the twist's b;
  - PSI_X = 1 / (1 + u)^((p - 1) / 3) and PSI_Y = 1 / (1 + u)^((p - 1) / 2), the coefficients of
    psi(x, y) = (conj(x) PSI_X, conj(y) PSI_Y) (RFC 9380 appendix G.3), checked here to act on
    G2 as [x] (x the BLS parameter) and used for the G2 subgroup check and cofactor clearing;
  - the simplified SWU constants of RFC 9380 section 8.8 (E1': A, B, Z = 11; E2': A = 240 u,
    B = 1012 (1 + u), Z = -(2 + u)) with -B / A and B / (Z A) precomputed;
  - the 11-isogeny (G1) and 3-isogeny (G2) maps of RFC 9380 appendix E.2 and E.3.

The isogeny coefficients are RFC 9380's; this script reads them from py_ecc's copy (installed with
ethereum-execution) and checks them: the images of random points of E1' / E2' must lie on
E1 / E2 (a wrong coefficient fails that), and the psi cofactor clearing must equal the
multiplication by RFC 9380's h_eff. All values in Montgomery form (R = 2^384), 6 little-endian
64-bit limbs.
"""
import random
from py_ecc.optimized_bls12_381 import constants as c
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2, optimized_bls12_381_FQ as FQ

P = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
X = -0xD201000000010000
MONT = 1 << 384


def limbs(v):
    m = v * MONT % P
    return "{{" + ", ".join("0x%016xULL" % ((m >> (64 * i)) & (2**64 - 1)) for i in range(6)) + "}}"


def c_fp(v): return limbs(int(v) % P)
def c_fp2(v): return "{" + c_fp(v.coeffs[0]) + ", " + c_fp(v.coeffs[1]) + "}"


def trim(t, zero):
    t = list(t)
    while t and t[-1] == zero:
        t.pop()
    return t


xi = FQ2([1, 1])
B_G2 = FQ2([4, 4])
PSI_X = xi ** ((P - 1) // 3)
PSI_X = PSI_X.inv()
PSI_Y = (xi ** ((P - 1) // 2)).inv()


def conj(a): return FQ2([a.coeffs[0], -a.coeffs[1]])


# affine helpers over any field, curve y^2 = x^3 + a x + b
def add(p, q, a):
    if p is None: return q
    if q is None: return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2:
        if y1 == -y2: return None
        lam = (3 * x1 * x1 + a) / (2 * y1)
    else:
        lam = (y2 - y1) / (x2 - x1)
    x3 = lam * lam - x1 - x2
    return (x3, lam * (x1 - x3) - y1)


def mul(p, k, a):
    neg = k < 0
    k = abs(k)
    r = None
    while k:
        if k & 1: r = add(r, p, a)
        p = add(p, p, a)
        k >>= 1
    if neg and r is not None: r = (r[0], -r[1])
    return r


def psi(p): return (conj(p[0]) * PSI_X, conj(p[1]) * PSI_Y)


def random_point(F, a, b, rnd, ext):
    while True:
        x = F([rnd.randrange(P), rnd.randrange(P)]) if ext else F(rnd.randrange(P))
        rhs = x ** 3 + a * x + b
        y = rhs.sqrt() if hasattr(rhs, "sqrt") else None
        if ext:
            y = fq2_sqrt(rhs)
        else:
            y = rhs ** ((P + 1) // 4)
            if y * y != rhs: y = None
        if y is not None: return (x, y)


def fq2_sqrt(a):
    # candidate a^((p^2 + 7) / 16) times an eighth root of unity (p^2 = 9 mod 16)
    cand = a ** ((P * P + 7) // 16)
    for r in c.POSITIVE_EIGHTH_ROOTS_OF_UNITY:
        s = cand * r
        if s * s == a: return s
    return None


def iso(pt, maps):
    x, y = pt
    def ev(cs):
        acc = cs[-1]
        for k in reversed(cs[:-1]): acc = acc * x + k
        return acc
    xn, xd, yn, yd = maps
    return (ev(xn) / ev(xd), y * ev(yn) / ev(yd))


rnd = random.Random(2537)
G2 = (FQ2([0x024AA2B2F08F0A91260805272DC51051C6E47AD4FA403B02B4510B647AE3D1770BAC0326A805BBEFD48056C8C121BDB8,
           0x13E02B6052719F607DACD3A088274F65596BD0D09920B61AB5DA61BBDC7F5049334CF11213945D57E5AC7D055D042B7E]),
      FQ2([0x0CE5D527727D6E118CC9CDC6DA2E351AADFD9BAA8CBDD3A76D429A695160D12C923AC9CC3BACA289E193548608B82801,
           0x0606C4A02EA734CC32ACD2B02BC28B99CB3E287E85A763AF267492AB572E99AB3F370D275CEC1DA1AAA9075FF05F79BE]))
assert G2[1] ** 2 == G2[0] ** 3 + B_G2
assert psi(G2) == mul(G2, X, FQ2.zero()), "psi acts on G2 as [x]"

zero2 = FQ2.zero()
G1_MAPS = [trim(c.ISO_11_X_NUMERATOR, FQ.zero()), trim(c.ISO_11_X_DENOMINATOR, FQ.zero()),
           trim(c.ISO_11_Y_NUMERATOR, FQ.zero()), trim(c.ISO_11_Y_DENOMINATOR, FQ.zero())]
G2_MAPS = [trim(c.ISO_3_X_NUMERATOR, zero2), trim(c.ISO_3_X_DENOMINATOR, zero2),
           trim(c.ISO_3_Y_NUMERATOR, zero2), trim(c.ISO_3_Y_DENOMINATOR, zero2)]
assert [len(m) for m in G1_MAPS] == [12, 11, 16, 16] and [len(m) for m in G2_MAPS] == [4, 3, 4, 4]
assert G1_MAPS[1][-1] == FQ.one() and G1_MAPS[3][-1] == FQ.one() and G2_MAPS[1][-1] == FQ2.one() and G2_MAPS[3][-1] == FQ2.one()

A1, B1, Z1 = c.ISO_11_A, c.ISO_11_B, FQ(11)
A2, B2, Z2 = FQ2([0, 240]), FQ2([1012, 1012]), FQ2([-2, -1])
assert c.ISO_3_A == A2 and c.ISO_3_B == B2 and c.ISO_3_Z == Z2 and c.ISO_11_Z == Z1
for _ in range(3):
    q = random_point(FQ, A1, B1, rnd, False)
    x, y = iso(q, G1_MAPS)
    assert y * y == x ** 3 + FQ(4), "11-isogeny lands on E1"
    q = random_point(FQ2, A2, B2, rnd, True)
    x, y = iso(q, G2_MAPS)
    assert y * y == x ** 3 + B_G2, "3-isogeny lands on E2"
    # cofactor clearing via psi (RFC 9380 G.3) == [h_eff]
    p = (x, y)
    t1 = mul(p, X, zero2)
    t2 = psi(p)
    t3 = psi(psi(add(p, p, zero2)))
    t3 = add(t3, (t2[0], -t2[1]), zero2)
    t2 = add(t1, t2, zero2)
    t2 = mul(t2, X, zero2)
    t3 = add(t3, t2, zero2)
    t3 = add(t3, (t1[0], -t1[1]), zero2)
    q = add(t3, (p[0], -p[1]), zero2)
    assert q == mul(p, c.H_EFF_G2, zero2), "psi cofactor clearing == [h_eff]"
    assert mul(q, R, zero2) is None

out = []
w = out.append
w("/* Generated by Tests/PrecompileTests/Vectors/bls12_381_map_constants.py: the constants of the EIP-2537")
w(" * precompiles (Montgomery form). The SWU and isogeny constants are RFC 9380's (section 8.8, appendix")
w(" * E.2 and E.3); the script checks them (isogeny images on the curve, psi acting on G2 as [x], the psi")
w(" * cofactor clearing equal to [h_eff]). DO NOT EDIT. */")
w("static const fp2 B_G2 = %s;" % c_fp2(B_G2))
w("static const fp2 PSI_X = %s;" % c_fp2(PSI_X))
w("static const fp2 PSI_Y = %s;" % c_fp2(PSI_Y))
w("/* simplified SWU on E1': y^2 = x^3 + A x + B, Z = 11 */")
w("static const fp SSWU1_A = %s;" % c_fp(A1))
w("static const fp SSWU1_B = %s;" % c_fp(B1))
w("static const fp SSWU1_Z = %s;" % c_fp(Z1))
w("static const fp SSWU1_MINUS_B_OVER_A = %s;" % c_fp(-B1 / A1))
w("static const fp SSWU1_B_OVER_ZA = %s;" % c_fp(B1 / (Z1 * A1)))
w("/* simplified SWU on E2': A = 240 u, B = 1012 (1 + u), Z = -(2 + u) */")
w("static const fp2 SSWU2_A = %s;" % c_fp2(A2))
w("static const fp2 SSWU2_B = %s;" % c_fp2(B2))
w("static const fp2 SSWU2_Z = %s;" % c_fp2(Z2))
w("static const fp2 SSWU2_MINUS_B_OVER_A = %s;" % c_fp2(-B2 / A2))
w("static const fp2 SSWU2_B_OVER_ZA = %s;" % c_fp2(B2 / (Z2 * A2)))
names = ["XNUM", "XDEN", "YNUM", "YDEN"]
w("/* 11-isogeny E1' -> E1: coefficients from the constant term up (the denominators' leading 1 included) */")
for n, m in zip(names, G1_MAPS):
    w("static const fp ISO1_%s[%d] = {\n  %s};" % (n, len(m), ",\n  ".join(c_fp(v) for v in m)))
w("/* 3-isogeny E2' -> E2 */")
for n, m in zip(names, G2_MAPS):
    w("static const fp2 ISO2_%s[%d] = {\n  %s};" % (n, len(m), ",\n  ".join(c_fp2(v) for v in m)))
print("\n".join(out))
