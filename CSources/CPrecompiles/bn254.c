/*
 * alt_bn128 (BN254) for the EIP-196/197 precompiles: field and curve arithmetic, the optimal
 * ate pairing and its final exponentiation.
 *
 * Field Fp: Montgomery form over 4 x 64-bit little-endian limbs (R = 2^256). The field, its tower
 * and the Jacobian point formulas are fp_tower.h's, shared with bls12_381.c.
 * Tower: Fp2 = Fp[u]/(u^2 + 1), Fp6 = Fp2[v]/(v^3 - xi) with xi = 9 + u, Fp12 = Fp6[w]/(w^2 - v).
 * G1: y^2 = x^3 + 3 over Fp. G2: the D-type sextic twist y^2 = x^3 + 3/xi over Fp2, untwisted by
 * (x, y) -> (x w^2, y w^3).
 *
 * The constants below were derived with exact integer arithmetic (Python):
 *   P, INV = -P^-1 mod 2^64, R2 = 2^512 mod P, ONE = 2^256 mod P,
 *   TWIST_B = 3 / xi, FROB1[i] = xi^(i (p-1)/6), FROB2[i] = xi^(i (p^2-1)/6),
 *   FROB3[i] = xi^(i (p^3-1)/6), all in Montgomery form;
 *   ATE_NAF = the non-adjacent form of 6x + 2 with x = 4965661367192848881.
 *
 * Pure: no globals (only constant tables), no allocation, no I/O.
 */
#include "include/CPrecompiles.h"

#define FP_LIMBS 4
#define FP_XI_C0 9 /* xi = 9 + u */
#include "fp_tower_types.h"

static const fp P = {{0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL}};
static const uint64_t INV = 0x87d20782e4866389ULL;
static const fp R2 = {{0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL, 0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL}};
static const fp ONE = {{0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL}};
static const uint64_t PM2[4] = {0x3c208c16d87cfd45ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
/* Group order r (plain integer, used as a scalar). */
static const uint64_t ORDER[4] = {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
/* BN parameter x. */
static const uint64_t BN_X = 4965661367192848881ULL;

static const fp2 TWIST_B = {{{0x3bf938e377b802a8ULL, 0x020b1b273633535dULL, 0x26b7edf049755260ULL, 0x2514c6324384a86dULL}},
                            {{0x38e7ecccd1dcff67ULL, 0x65f0b37d93ce0d3eULL, 0xd749d0dd22ac00aaULL, 0x0141b9ce4a688d4dULL}}};

/* FROBk[i-1] = xi^(i (p^k - 1) / 6), i = 1..5. */
static const fp2 FROB1[5] = {
  {{{0xaf9ba69633144907ULL, 0xca6b1d7387afb78aULL, 0x11bded5ef08a2087ULL, 0x02f34d751a1f3a7cULL}}, {{0xa222ae234c492d72ULL, 0xd00f02a4565de15bULL, 0xdc2ff3a253dfc926ULL, 0x10a75716b3899551ULL}}},
  {{{0xb5773b104563ab30ULL, 0x347f91c8a9aa6454ULL, 0x7a007127242e0991ULL, 0x1956bcd8118214ecULL}}, {{0x6e849f1ea0aa4757ULL, 0xaa1c7b6d89f89141ULL, 0xb6e713cdfae0ca3aULL, 0x26694fbb4e82ebc3ULL}}},
  {{{0xe4bbdd0c2936b629ULL, 0xbb30f162e133bacbULL, 0x31a9d1b6f9645366ULL, 0x253570bea500f8ddULL}}, {{0xa1d77ce45ffe77c7ULL, 0x07affd117826d1dbULL, 0x6d16bd27bb7edc6bULL, 0x2c87200285defeccULL}}},
  {{{0x7361d77f843abe92ULL, 0xa5bb2bd3273411fbULL, 0x9c941f314b3e2399ULL, 0x15df9cddbb9fd3ecULL}}, {{0x5dddfd154bd8c949ULL, 0x62cb29a5a4445b60ULL, 0x37bc870a0c7dd2b9ULL, 0x24830a9d3171f0fdULL}}},
  {{{0xc970692f41690fe7ULL, 0xe240342127694b0bULL, 0x32bee66b83c459e8ULL, 0x12aabced0ab08841ULL}}, {{0x0d485d2340aebfa9ULL, 0x05193418ab2fcc57ULL, 0xd3b0a40b8a4910f5ULL, 0x2f21ebb535d2925aULL}}},
};
static const fp FROB2[5] = {
  {{0xca8d800500fa1bf2ULL, 0xf0c5d61468b39769ULL, 0x0e201271ad0d4418ULL, 0x04290f65bad856e6ULL}},
  {{0x3350c88e13e80b9cULL, 0x7dce557cdb5e56b9ULL, 0x6001b4b8b615564aULL, 0x2682e617020217e0ULL}},
  {{0x68c3488912edefaaULL, 0x8d087f6872aabf4fULL, 0x51e1a24709081231ULL, 0x2259d6b14729c0faULL}},
  {{0x71930c11d782e155ULL, 0xa6bb947cffbe3323ULL, 0xaa303344d4741444ULL, 0x2c3b3f0d26594943ULL}},
  {{0x08cfc388c494f1abULL, 0x19b315148d1373d4ULL, 0x584e90fdcb6c0213ULL, 0x09e1685bdf2f8849ULL}},
};
static const fp2 FROB3[5] = {
  {{{0x365316184e46d97dULL, 0x0af7129ed4c96d9fULL, 0x659da72fca1009b5ULL, 0x08116d8983a20d23ULL}}, {{0xb1df4af7c39c1939ULL, 0x3d9f02878a73bf7fULL, 0x9b2220928caf0ae0ULL, 0x26684515eff054a6ULL}}},
  {{{0xc9af22f716ad6badULL, 0xb311782a4aa662b2ULL, 0x19eeaf64e248c7f4ULL, 0x20273e77e3439f82ULL}}, {{0xacc02860f7ce93acULL, 0x3933d5817ba76b4cULL, 0x69e6188b446c8467ULL, 0x0a46036d4417cc55ULL}}},
  {{{0x5764af0aaf46471eULL, 0xdc50792e873e0fc1ULL, 0x86a673ff881d04f6ULL, 0x0b2eddb43c30a74cULL}}, {{0x9a490f32787e8580ULL, 0x8fd16d7ff04af8b1ULL, 0x4b39888ec6027bf2ULL, 0x03dd2e705b52a15dULL}}},
  {{{0x448a93a57b6762dfULL, 0xbfd62df528fdeadfULL, 0xd858f5d00e9bd47aULL, 0x06b03d4d3476ec58ULL}}, {{0x2b19daf4bcc936d1ULL, 0xa1a54e7a56f4299fULL, 0xb533eee05adeaef1ULL, 0x170c812b84dda0b2ULL}}},
  {{{0xe0bc4b2275cf559fULL, 0xc238b945c154e60fULL, 0x803982a5929a7d5eULL, 0x15ce052df7e4a37eULL}}, {{0x2d28efbdbf3799a7ULL, 0x9b097e3c1ad60773ULL, 0x982d4113af4a535bULL, 0x24e18991e3056063ULL}}},
};

/* NAF of 6x + 2, most significant digit first (the leading 1 is the loop's starting T = Q). */
static const int8_t ATE_NAF[66] = {
  1, 0, -1, 0, 1, 0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, 1, 0, -1, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 1,
  0, 0, -1, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0, -1, 0, -1, 0, 0, 1, 0, 0, 0, -1, 0, 0, -1, 0, 1, 0, 1, 0, 0, 0};

#include "fp_tower.h"

/* ---------------------------------------------------------------- Fp12 (BN254 only) */

/* f * (l0 + l1 w + l3 w^3): the line shape of the D-type twist (l0 at c0.c0, l1 at c1.c0, l3 at c1.c1). */
static void fp12_mul_line(fp12 *f, const fp2 *l0, const fp2 *l1, const fp2 *l3) {
  /* (f0 + f1 w)(L0 + L1 w), L0 = l0, L1 = l1 + l3 v */
  fp6w a, b, c; /* double-width: one reduction per output coefficient */
  fp6 s;
  fp2 m;
  fp6_mul_fp2_wide(&a, &f->c0, l0);
  fp6_mul_01_wide(&b, &f->c1, l1, l3);
  fp6_add(&s, &f->c0, &f->c1);
  fp2_add(&m, l0, l1);
  fp6_mul_01_wide(&c, &s, &m, l3);
  fp6w_sub(&c, &c, &a);
  fp6w_sub(&c, &c, &b);
  fp6w_mul_v(&b, &b);
  fp6w_add(&a, &a, &b);
  fp6_reduce_wide(&f->c0, &a);
  fp6_reduce_wide(&f->c1, &c);
}

static void fp12_frob3(fp12 *r, const fp12 *a) { fp12_frob_odd(r, a, FROB3); }

/* Final exponentiation f^((p^12 - 1) / r). Easy part (p^6 - 1)(p^2 + 1), then the hard part
 * (p^4 - p^2 + 1)/r = lambda3 p^3 + lambda2 p^2 + lambda1 p + lambda0 evaluated with three
 * exponentiations by x (Devegili, Scott, Dahab, "Implementing cryptographic pairings over
 * Barreto-Naehrig curves", 2007). */
static void final_exponentiation(fp12 *r, const fp12 *in) {
  fp12 f, t, fp1, fp2_, fp3, fu, fu2, fu3, y0, y1, y2, y3, y4, y5, y6, t0, t1;
  fp12_conj(&t, in);
  fp12_inv(&f, in);
  fp12_mul(&f, &t, &f);           /* f^(p^6 - 1) */
  fp12_frob2(&t, &f);
  fp12_mul(&f, &t, &f);           /* ^(p^2 + 1) */

  fp12_frob1(&fp1, &f);
  fp12_frob2(&fp2_, &f);
  fp12_frob3(&fp3, &f);
  fp12_cyclotomic_pow(&fu, &f, BN_X);
  fp12_cyclotomic_pow(&fu2, &fu, BN_X);
  fp12_cyclotomic_pow(&fu3, &fu2, BN_X);

  fp12_frob1(&y3, &fu);
  fp12_frob2(&y2, &fu2);
  fp12_mul(&y0, &fp1, &fp2_);
  fp12_mul(&y0, &y0, &fp3);
  fp12_conj(&y1, &f);
  fp12_conj(&y5, &fu2);
  fp12_conj(&y3, &y3);
  fp12_frob1(&t, &fu2);
  fp12_mul(&y4, &fu, &t);
  fp12_conj(&y4, &y4);
  fp12_frob1(&t, &fu3);
  fp12_mul(&y6, &fu3, &t);
  fp12_conj(&y6, &y6);

  fp12_cyclotomic_sqr(&t0, &y6);
  fp12_mul(&t0, &t0, &y4);
  fp12_mul(&t0, &t0, &y5);
  fp12_mul(&t1, &y3, &y5);
  fp12_mul(&t1, &t1, &t0);
  fp12_mul(&t0, &t0, &y2);
  fp12_cyclotomic_sqr(&t1, &t1);
  fp12_mul(&t1, &t1, &t0);
  fp12_cyclotomic_sqr(&t1, &t1);
  fp12_mul(&t0, &t1, &y1);
  fp12_mul(&t1, &t1, &y0);
  fp12_cyclotomic_sqr(&t0, &t0);
  fp12_mul(r, &t1, &t0);
}

/* ---------------------------------------------------------------- G1 */

static int g1_on_curve(const fp *x, const fp *y) {
  fp l, rr, three;
  fp_sqr(&l, y);
  fp_sqr(&rr, x);
  fp_mul(&rr, &rr, x);
  fp_add(&three, &ONE, &ONE);
  fp_add(&three, &three, &ONE);
  fp_add(&rr, &rr, &three);
  return fp_eq(&l, &rr);
}

/* Decodes a 64-byte G1 point (x, y); (0, 0) is the point at infinity. */
static int g1_decode(g1j *r, const uint8_t in[64]) {
  fp x, y;
  if (!fp_from_bytes(&x, in) || !fp_from_bytes(&y, in + 32)) return CPREC_ERR_COORDINATE_RANGE;
  if (fp_is_zero(&x) && fp_is_zero(&y)) { memset(r, 0, sizeof *r); return CPREC_OK; }
  if (!g1_on_curve(&x, &y)) return CPREC_ERR_NOT_ON_CURVE;
  r->x = x; r->y = y; r->z = ONE;
  return CPREC_OK;
}

static void g1_encode(uint8_t out[64], const g1j *p) {
  if (fp_is_zero(&p->z)) { memset(out, 0, 64); return; }
  fp zi, zi2, x, y;
  fp_inv(&zi, &p->z);
  fp_sqr(&zi2, &zi);
  fp_mul(&x, &p->x, &zi2);
  fp_mul(&zi2, &zi2, &zi);
  fp_mul(&y, &p->y, &zi2);
  fp_to_bytes(out, &x);
  fp_to_bytes(out + 32, &y);
}

/* ---------------------------------------------------------------- G2 */

static int g2_in_subgroup(const g2j *p) {
  g2j acc;
  g2_mul(&acc, p, ORDER);
  return fp2_is_zero(&acc.z);
}

/* Decodes a 128-byte G2 point: x_imaginary, x_real, y_imaginary, y_real (EIP-197); all zero is
 * infinity. Checks the range of each coordinate, the twist equation and membership in the
 * order-r subgroup. */
static int g2_decode(fp2 *x, fp2 *y, int *infinity, const uint8_t in[128]) {
  if (!fp_from_bytes(&x->c1, in) || !fp_from_bytes(&x->c0, in + 32) || !fp_from_bytes(&y->c1, in + 64) ||
      !fp_from_bytes(&y->c0, in + 96))
    return CPREC_ERR_COORDINATE_RANGE;
  *infinity = fp2_is_zero(x) && fp2_is_zero(y);
  if (*infinity) return CPREC_OK;
  fp2 l, rr;
  fp2_sqr(&l, y);
  fp2_sqr(&rr, x);
  fp2_mul(&rr, &rr, x);
  fp2_add(&rr, &rr, &TWIST_B);
  if (!fp2_eq(&l, &rr)) return CPREC_ERR_NOT_ON_CURVE;
  g2j p = {*x, *y, {ONE, {{0, 0, 0, 0}}}};
  if (!g2_in_subgroup(&p)) return CPREC_ERR_NOT_IN_SUBGROUP;
  return CPREC_OK;
}

/* ---------------------------------------------------------------- Miller loop */

/* T = 2T; multiplies f by the tangent line at T evaluated at P = (px, py), scaled by 2 Y Z^3. */
static void miller_dbl(fp12 *f, g2j *t, const fp *px, const fp *py) {
  fp2 a, b, c, d, e, ff, s, x3, y3, z3, zz, l0, l1, l3;
  fp2_sqr(&a, &t->x);
  fp2_sqr(&b, &t->y);
  fp2_sqr(&c, &b);
  fp2_add(&s, &t->x, &b); fp2_sqr(&s, &s); fp2_sub(&s, &s, &a); fp2_sub(&s, &s, &c); fp2_dbl(&d, &s);
  fp2_dbl(&e, &a); fp2_add(&e, &e, &a);
  fp2_sqr(&ff, &e);
  fp2_sqr(&zz, &t->z);
  /* line: l0 = Z3 Z^2 yP, l1 = -E Z^2 xP, l3 = E X - 2B */
  fp2_mul(&l3, &e, &t->x); fp2_sub(&l3, &l3, &b); fp2_sub(&l3, &l3, &b);
  fp2_mul(&l1, &e, &zz); fp2_mul_fp(&l1, &l1, px); fp2_neg(&l1, &l1);
  fp2_dbl(&s, &d); fp2_sub(&x3, &ff, &s);
  fp2_sub(&s, &d, &x3); fp2_mul(&y3, &e, &s);
  fp2_dbl(&c, &c); fp2_dbl(&c, &c); fp2_dbl(&c, &c); fp2_sub(&y3, &y3, &c);
  fp2_mul(&z3, &t->y, &t->z); fp2_dbl(&z3, &z3);
  fp2_mul(&l0, &z3, &zz); fp2_mul_fp(&l0, &l0, py);
  t->x = x3; t->y = y3; t->z = z3;
  fp12_mul_line(f, &l0, &l1, &l3);
}

/* T = T + Q (Q affine); multiplies f by the line through T and Q at P, scaled by Z3. */
static void miller_add(fp12 *f, g2j *t, const fp2 *qx, const fp2 *qy, const fp *px, const fp *py) {
  fp2 zz, u2, s2, h, rr, hh, hhh, v, s, x3, y3, z3, l0, l1, l3;
  fp2_sqr(&zz, &t->z);
  fp2_mul(&u2, qx, &zz);
  fp2_mul(&s2, qy, &zz); fp2_mul(&s2, &s2, &t->z);
  fp2_sub(&h, &u2, &t->x);
  fp2_sub(&rr, &s2, &t->y);
  fp2_sqr(&hh, &h);
  fp2_mul(&hhh, &hh, &h);
  fp2_mul(&v, &t->x, &hh);
  fp2_sqr(&x3, &rr); fp2_sub(&x3, &x3, &hhh); fp2_dbl(&s, &v); fp2_sub(&x3, &x3, &s);
  fp2_sub(&s, &v, &x3); fp2_mul(&y3, &rr, &s); fp2_mul(&s, &t->y, &hhh); fp2_sub(&y3, &y3, &s);
  fp2_mul(&z3, &t->z, &h);
  /* line: l0 = Z3 yP, l1 = -r xP, l3 = r xQ - Z3 yQ */
  fp2_mul_fp(&l0, &z3, py);
  fp2_mul_fp(&l1, &rr, px); fp2_neg(&l1, &l1);
  fp2_mul(&l3, &rr, qx); fp2_mul(&s, &z3, qy); fp2_sub(&l3, &l3, &s);
  t->x = x3; t->y = y3; t->z = z3;
  fp12_mul_line(f, &l0, &l1, &l3);
}

static void miller_loop(fp12 *f, const fp *px, const fp *py, const fp2 *qx, const fp2 *qy) {
  g2j t = {*qx, *qy, {ONE, {{0, 0, 0, 0}}}};
  fp2 nqy, q1x, q1y, q2x, q2y;
  fp2_neg(&nqy, qy);
  fp12_one(f);
  for (unsigned i = 1; i < sizeof ATE_NAF; i++) {
    fp12_sqr(f, f);
    miller_dbl(f, &t, px, py);
    if (ATE_NAF[i] == 1) miller_add(f, &t, qx, qy, px, py);
    else if (ATE_NAF[i] == -1) miller_add(f, &t, qx, &nqy, px, py);
  }
  /* Q1 = pi(Q), Q2 = -pi^2(Q) on the twist. */
  fp2_conj(&q1x, qx); fp2_mul(&q1x, &q1x, &FROB1[1]);
  fp2_conj(&q1y, qy); fp2_mul(&q1y, &q1y, &FROB1[2]);
  fp2_mul_fp(&q2x, qx, &FROB2[1]);
  fp2_mul_fp(&q2y, qy, &FROB2[2]); fp2_neg(&q2y, &q2y);
  miller_add(f, &t, &q1x, &q1y, px, py);
  miller_add(f, &t, &q2x, &q2y, px, py);
}

/* ---------------------------------------------------------------- public API */

int cprec_bn254_add(const uint8_t in[128], uint8_t out[64]) {
  g1j a, b, r;
  int e = g1_decode(&a, in);
  if (e) return e;
  e = g1_decode(&b, in + 64);
  if (e) return e;
  g1_add(&r, &a, &b);
  g1_encode(out, &r);
  return CPREC_OK;
}

int cprec_bn254_mul(const uint8_t in[96], uint8_t out[64]) {
  g1j a, r;
  uint64_t s[4];
  int e = g1_decode(&a, in);
  if (e) return e;
  scalar_from_bytes(s, in + 64);
  g1_mul(&r, &a, s);
  g1_encode(out, &r);
  return CPREC_OK;
}

int cprec_bn254_pairing(const uint8_t *in, size_t len, int *result) {
  if (len % 192 != 0) return CPREC_ERR_LENGTH;
  fp12 acc, f;
  fp12_one(&acc);
  for (size_t off = 0; off < len; off += 192) {
    g1j p;
    fp2 qx, qy;
    int qinf;
    int e = g1_decode(&p, in + off);
    if (e) return e;
    e = g2_decode(&qx, &qy, &qinf, in + off + 64);
    if (e) return e;
    if (fp_is_zero(&p.z) || qinf) continue; /* e(O, Q) = e(P, O) = 1 */
    miller_loop(&f, &p.x, &p.y, &qx, &qy);
    fp12_mul(&acc, &acc, &f);
  }
  final_exponentiation(&f, &acc);
  *result = fp12_is_one(&f);
  return CPREC_OK;
}
