#!/usr/bin/env python3
"""Derives the constant tables of CSources/CPrecompiles/bls12_381.c with exact integer arithmetic.

    python3 Tests/PrecompileTests/Vectors/bls12_381_constants.py \
        --lines CSources/CPrecompiles/bls12_381_lines.h > /tmp/tables.c

Prints C initialisers (paste them into bls12_381.c; --lines FILE also writes the Miller-loop
line tables) (6 x 64-bit little-endian limbs, Montgomery form with R = 2^384 unless
noted) and checks every derived value (generators on their curves and of order r, the KZG
setup point decompresses to a point of the r-order subgroup of the twist, the final
exponentiation decomposition is exact).

The only external input is the second G2 point of the Ethereum KZG ceremony (consensus-specs
trusted_setup_4096.json, g2_monomial[1]; also line 4100 of c-kzg-4844's trusted_setup.txt),
in the ZCash compressed encoding.
"""
import sys

P = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
X_ABS = 0xD201000000010000  # the BLS parameter is x = -X_ABS
X = -X_ABS
MONT = 1 << 384

TAU_G2_COMPRESSED = (
    "b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72"
    "185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2")
# The G2 generator as the setup file encodes it (g2_monomial[0]); checked against the standard one.
G2_COMPRESSED = (
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8")

G1X = 0x17F1D3A73197D7942695638C4FA9AC0FC3688C4F9774B905A14E3A3F171BAC586C55E83FF97A1AEFFB3AF00ADB22C6BB
G1Y = 0x08B3F481E3AAA0F1A09E30ED741D8AE4FCF5E095D5D00AF600DB18CB2C04B3EDD03CC744A2888AE40CAA232946C5E7E1
G2X = (0x024AA2B2F08F0A91260805272DC51051C6E47AD4FA403B02B4510B647AE3D1770BAC0326A805BBEFD48056C8C121BDB8,
       0x13E02B6052719F607DACD3A088274F65596BD0D09920B61AB5DA61BBDC7F5049334CF11213945D57E5AC7D055D042B7E)
G2Y = (0x0CE5D527727D6E118CC9CDC6DA2E351AADFD9BAA8CBDD3A76D429A695160D12C923AC9CC3BACA289E193548608B82801,
       0x0606C4A02EA734CC32ACD2B02BC28B99CB3E287E85A763AF267492AB572E99AB3F370D275CEC1DA1AAA9075FF05F79BE)


# ---- Fp2 = Fp[u]/(u^2 + 1) as (c0, c1)
def f2add(a, b): return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)
def f2sub(a, b): return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)
def f2neg(a): return ((-a[0]) % P, (-a[1]) % P)
def f2mul(a, b): return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)
def f2inv(a):
    n = pow(a[0] * a[0] + a[1] * a[1], P - 2, P)
    return (a[0] * n % P, (-a[1]) * n % P)
def f2pow(a, e):
    r = (1, 0)
    while e:
        if e & 1: r = f2mul(r, a)
        a = f2mul(a, a)
        e >>= 1
    return r
def f2sqrt(a):
    # p = 3 mod 4 (Adj, Rodriguez-Henriquez, "Square root computation over even extension fields")
    a1 = f2pow(a, (P - 3) // 4)
    alpha = f2mul(a1, f2mul(a1, a))
    x0 = f2mul(a1, a)
    if alpha == (P - 1, 0):
        x = f2mul((0, 1), x0)
    else:
        b = f2pow(f2add((1, 0), alpha), (P - 1) // 2)
        x = f2mul(b, x0)
    return x if f2mul(x, x) == a else None

XI = (1, 1)
B1 = 4
B2 = f2mul((4, 0), XI)  # the M-type twist y^2 = x^3 + 4 (1 + u)


def g1_on_curve(x, y): return (y * y - x * x * x - B1) % P == 0
def g2_on_curve(x, y): return f2sub(f2mul(y, y), f2add(f2mul(f2mul(x, x), x), B2)) == (0, 0)


# Affine arithmetic with None as infinity, generic over the field operations.
def make_group(add, sub, mul, inv, zero, three):
    def gadd(p, q):
        if p is None: return q
        if q is None: return p
        if p[0] == q[0]:
            if p[1] == q[1] and p[1] != zero:
                lam = mul(mul(three, mul(p[0], p[0])), inv(add(p[1], p[1])))
            else:
                return None
        else:
            lam = mul(sub(q[1], p[1]), inv(sub(q[0], p[0])))
        x3 = sub(sub(mul(lam, lam), p[0]), q[0])
        return (x3, sub(mul(lam, sub(p[0], x3)), p[1]))
    def gmul(p, k):
        acc = None
        for bit in bin(k)[2:]:
            acc = gadd(acc, acc)
            if bit == "1": acc = gadd(acc, p)
        return acc
    return gadd, gmul

g1add, g1mul = make_group(lambda a, b: (a + b) % P, lambda a, b: (a - b) % P, lambda a, b: a * b % P,
                          lambda a: pow(a, P - 2, P), 0, 3)
g2add, g2mul = make_group(f2add, f2sub, f2mul, f2inv, (0, 0), (3, 0))


def decompress_g2(hexstr):
    b = bytes.fromhex(hexstr)
    assert b[0] & 0x80 and not b[0] & 0x40
    sign = (b[0] >> 5) & 1
    c1 = int.from_bytes(bytes([b[0] & 0x1F]) + b[1:48], "big")
    c0 = int.from_bytes(b[48:], "big")
    x = (c0, c1)
    y = f2sqrt(f2add(f2mul(f2mul(x, x), x), B2))
    assert y is not None
    ny = f2neg(y)
    larger = (y[1] > ny[1]) if y[1] != ny[1] else (y[0] > ny[0])
    if larger != bool(sign): y = ny
    return (x, y)


def limbs(v):
    return [(v >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(6)]
def c_fp(v, mont=True):
    v = v * MONT % P if mont else v
    return "{{" + ", ".join("0x%016xULL" % l for l in limbs(v)) + "}}"
def c_fp2(a): return "{" + c_fp(a[0]) + ", " + c_fp(a[1]) + "}"


def main():
    assert P % 4 == 3 and (P - 1) % 6 == 0
    # The BLS12 family: p = (x-1)^2 (x^4 - x^2 + 1) / 3 + x, r = x^4 - x^2 + 1.
    assert P == (X - 1) ** 2 * (X ** 4 - X ** 2 + 1) // 3 + X and R == X ** 4 - X ** 2 + 1
    # Hard part of the final exponentiation (Hayashida, Hayasaka, Teruya 2020):
    # 3 (p^4 - p^2 + 1) / r = (x - 1)^2 (x + p) (x^2 + p^2 - 1) + 3, exactly.
    assert 3 * (P ** 4 - P ** 2 + 1) // R == (X - 1) ** 2 * (X + P) * (X ** 2 + P ** 2 - 1) + 3
    assert (P ** 4 - P ** 2 + 1) % R == 0 and R % 3 != 0

    g1 = (G1X, G1Y)
    g2 = (G2X, G2Y)
    assert g1_on_curve(*g1) and g1mul(g1, R) is None
    assert g2_on_curve(*g2) and g2mul(g2, R) is None
    assert decompress_g2(G2_COMPRESSED) == g2
    tau = decompress_g2(TAU_G2_COMPRESSED)
    assert g2_on_curve(*tau) and g2mul(tau, R) is None

    inv = (-pow(P, -1, 1 << 64)) % (1 << 64)
    out = []
    out.append("static const fp P = " + c_fp(P, False) + ";")
    out.append("static const uint64_t INV = 0x%016xULL;" % inv)
    out.append("static const fp R2 = " + c_fp(MONT * MONT % P, False) + ";")
    out.append("static const fp ONE = " + c_fp(1) + ";")
    out.append("static const fp B_G1 = " + c_fp(4) + ";")
    out.append("static const uint64_t PM2[6] = {" + ", ".join("0x%016xULL" % l for l in limbs(P - 2)) + "};")
    out.append("static const uint64_t SQRT_EXP[6] = {" + ", ".join("0x%016xULL" % l for l in limbs((P + 1) // 4)) + "};")
    out.append("static const uint64_t HALF_P[6] = {" + ", ".join("0x%016xULL" % l for l in limbs((P - 1) // 2)) + "};")
    out.append("static const uint64_t ORDER[4] = {" + ", ".join("0x%016xULL" % l for l in limbs(R)[:4]) + "};")
    frob1 = [f2pow(XI, i * (P - 1) // 6) for i in range(1, 6)]
    out.append("static const fp2 FROB1[5] = {\n  " + ",\n  ".join(c_fp2(a) for a in frob1) + "};")
    frob2 = [f2pow(XI, i * (P * P - 1) // 6) for i in range(1, 6)]
    assert all(a[1] == 0 for a in frob2)
    out.append("static const fp FROB2[5] = {\n  " + ",\n  ".join(c_fp(a[0]) for a in frob2) + "};")
    out.append("static const fp G1_X = " + c_fp(G1X) + ", G1_Y = " + c_fp(G1Y) + ";")
    out.append("/* -G2 and [tau]G2: the Miller loop uses their line tables (bls12_381_lines.h); the points")
    out.append(" * themselves serve the harness (Tests/CPrecompilesHarness), which checks the tables. */")
    out.append("__attribute__((unused)) static const fp2 G2_X = " + c_fp2(G2X) + ";")
    out.append("__attribute__((unused)) static const fp2 G2_NEG_Y = " + c_fp2(f2neg(G2Y)) + ";")
    out.append("__attribute__((unused)) static const fp2 TAU_G2_X = " + c_fp2(tau[0]) + ";")
    out.append("__attribute__((unused)) static const fp2 TAU_G2_Y = " + c_fp2(tau[1]) + ";")
    # The cube root of unity beta with phi(x, y) = (beta x, y) acting on G1 as [-x^2]; the
    # kernel of phi + [x^2] has r points (its degree is x^4 - x^2 + 1 = r), so it is exactly G1.
    beta = next(b for b in (pow(2, (P - 1) // 3, P), pow(2, 2 * (P - 1) // 3, P))
                if (b * G1X % P, G1Y) == g1mul((G1X, (-G1Y) % P), X * X % R))
    assert pow(beta, 3, P) == 1 and beta != 1
    out.append("static const fp BETA = " + c_fp(beta) + ";")
    print("\n".join(out))
    if "--lines" in sys.argv:
        with open(sys.argv[sys.argv.index("--lines") + 1], "w") as f:
            f.write(lines_header(g2, tau))


def miller_lines(q):
    """The normalised lines of the Miller loop over |x| for a fixed G2 point q, in loop order:
    each line is py w^3 - lambda px w^2 + (lambda xT - yT) (a tangent at T, or the line through T
    and q); stored as (-lambda, lambda xT - yT)."""
    out = []
    t = q
    for i in range(62, -1, -1):
        lam = f2mul(f2mul((3, 0), f2mul(t[0], t[0])), f2inv(f2add(t[1], t[1])))
        out.append((f2neg(lam), f2sub(f2mul(lam, t[0]), t[1])))
        t = g2add(t, t)
        if (X_ABS >> i) & 1:
            lam = f2mul(f2sub(q[1], t[1]), f2inv(f2sub(q[0], t[0])))
            out.append((f2neg(lam), f2sub(f2mul(lam, t[0]), t[1])))
            t = g2add(t, q)
    assert t == g2mul(q, X_ABS)
    return out


def lines_header(g2, tau):
    neg_g2 = (g2[0], f2neg(g2[1]))
    parts = ["/* Generated by Tests/PrecompileTests/Vectors/bls12_381_constants.py --lines: the Miller-loop",
             " * line coefficients (-lambda, lambda xT - yT) of the two fixed G2 points of the KZG check,",
             " * -G2 and [tau]G2, in loop order (63 doublings and 5 additions), Montgomery form. */"]
    for name, q in (("LINES_NEG_G2", neg_g2), ("LINES_TAU_G2", tau)):
        ls = miller_lines(q)
        assert len(ls) == MILLER_STEPS
        parts.append("static const miller_line %s[MILLER_STEPS] = {" % name)
        parts += ["  {" + c_fp2(a) + ",\n   " + c_fp2(b) + "}," for a, b in ls]
        parts.append("};")
    return "\n".join(parts) + "\n"


MILLER_STEPS = 63 + bin(X_ABS).count("1") - 1


if __name__ == "__main__":
    main()
