/*
 * C-level checks of CSources/CPrecompiles/bls12_381.c (included directly, so the static field,
 * curve and pairing functions are reachable), and the time per point evaluation call.
 *
 *   Tests/CPrecompilesHarness/run.sh            (plain -O3 build, then ASan + UBSan)
 *
 * Checks: Montgomery multiplication against GMP; the lazy-reduction tower arithmetic (double-width
 * Fp2, Fp6, Fp12 and line products, tower_checks.h) against the reduce-every-product formulas;
 * the tables' points (generators and the setup's [tau]G2 on their curves and of order r; TAU_G2
 * re-encodes to the ceremony's compressed bytes); the cyclotomic squaring and Frobenius maps;
 * the endomorphism subgroup check against [r]P == O, on points inside and outside G1; the
 * split-scalar multi-multiplication against plain double-and-add; the precomputed line tables
 * against a generic Miller loop (projective G2 arithmetic, defined here); bilinearity and
 * non-degeneracy of the pairing (e(aP, bQ) == e(P, Q)^(ab) == e(abP, Q) == e(P, abQ),
 * e(P, Q) != 1, e(P, Q)^r == 1) for a few scalars; one valid and one invalid KZG proof through
 * the public entry point. EIP-2537: the psi G2 subgroup check against [r]Q == O, fp2_sqrt, the
 * cofactor clearing landing in G2, MSM (Straus and every Pippenger window) against sums of
 * double-and-add products, the variable-G2 Miller loop against the table one. Prints one line per failed check and exits 1 if any failed;
 * "--bench N" times N calls.
 */
#define _POSIX_C_SOURCE 200809L
#include "../../CSources/CPrecompiles/bls12_381.c"

#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int failures = 0;
#define CHECK(cond, what)                                    \
  do {                                                       \
    if (!(cond)) {                                           \
      printf("FAIL %s (line %d)\n", what, __LINE__);         \
      failures++;                                            \
    }                                                        \
  } while (0)

/* ---------------------------------------------------------------- test-only G2 helpers
 * (Jacobian g2_dbl, g2_add and g2_mul come from fp_tower.h, as g1's do) */

/* g2_to_affine is bls12_381.c's (the EIP-2537 encoder's). */

static g2j g2_affine(const fp2 *x, const fp2 *y) {
  g2j p;
  p.x = *x;
  p.y = *y;
  memset(&p.z, 0, sizeof p.z);
  p.z.c0 = ONE;
  return p;
}

/* ---------------------------------------------------------------- test-only generic pairing */

static void g1_neg(g1j *r, const g1j *p) { r->x = p->x; fp_neg(&r->y, &p->y); r->z = p->z; }

static int g1_in_subgroup_slow(const g1j *p) {
  g1j t;
  g1_mul(&t, p, ORDER);
  return fp_is_zero(&t.z);
}

static int g1_eq(const g1j *p, const g1j *q) {
  if (fp_is_zero(&p->z) || fp_is_zero(&q->z)) return fp_is_zero(&p->z) && fp_is_zero(&q->z);
  fp a, b, z1, z2;
  fp_sqr(&z1, &p->z); fp_sqr(&z2, &q->z);
  fp_mul(&a, &p->x, &z2); fp_mul(&b, &q->x, &z1);
  if (!fp_eq(&a, &b)) return 0;
  fp_mul(&z1, &z1, &p->z); fp_mul(&z2, &z2, &q->z);
  fp_mul(&a, &p->y, &z2); fp_mul(&b, &q->y, &z1);
  return fp_eq(&a, &b);
}

/* The generic Miller steps are bls12_381.c's own variable-G2 ones (miller_dbl_var,
 * miller_add_var, EIP-2537's pairing): this loop checks the precomputed lines of the KZG
 * check against them, and both against the pairing identities below. */
typedef struct { fp px, py; fp2 qx, qy; } generic_pair;

static void generic_miller_loop(fp12 *f, const generic_pair *pairs, int n) {
  g2j t[4];
  for (int k = 0; k < n; k++) {
    t[k].x = pairs[k].qx;
    t[k].y = pairs[k].qy;
    memset(&t[k].z, 0, sizeof t[k].z);
    t[k].z.c0 = ONE;
  }
  fp12_one(f);
  for (int i = 62; i >= 0; i--) {
    if (i != 62) fp12_sqr(f, f);
    for (int k = 0; k < n; k++) miller_dbl_var(f, &t[k], &pairs[k].px, &pairs[k].py);
    if ((X_ABS >> i) & 1)
      for (int k = 0; k < n; k++) miller_add_var(f, &t[k], &pairs[k].qx, &pairs[k].qy, &pairs[k].px, &pairs[k].py);
  }
  fp12_conj(f, f);
}

static int generic_product_is_one(const generic_pair *pairs, int n) {
  fp12 f, e;
  generic_miller_loop(&f, pairs, n);
  final_exponentiation(&e, &f);
  return fp12_is_one(&e);
}

/* ---------------------------------------------------------------- helpers */

/* The Miller loop's form of an affine point (k0 = 1 / py, k2 = px / py). */
static void pair_from_affine(pairing_pair *r, const fp *px, const fp *py, const miller_line *lines) {
  g1j p = {*px, *py, ONE};
  fp y_inv;
  fp_inv(&y_inv, py);
  pairing_pair_set(r, &p, &y_inv, lines);
}

static void pairing(fp12 *r, const g1j *p, const g2j *q) {
  generic_pair pr;
  fp12 f;
  g1_to_affine(&pr.px, &pr.py, p);
  g2_to_affine(&pr.qx, &pr.qy, q);
  generic_miller_loop(&f, &pr, 1);
  final_exponentiation(r, &f);
}

/* splitmix64 */
static uint64_t rng_state = 0x4844;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A random scalar below r (top limb masked to 62 bits, then reduced by one subtraction). */
static void random_scalar(uint64_t s[4]) {
  for (int i = 0; i < 4; i++) s[i] = rnd();
  s[3] &= 0x7fffffffffffffffULL;
  if (!scalar_below_order(s)) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
      u128 d = (u128)s[i] - ORDER[i] - borrow;
      s[i] = (uint64_t)d;
      borrow = (uint64_t)(d >> 64) & 1;
    }
  }
}


#include "tower_checks.h"

static void fp12_pow(fp12 *r, const fp12 *a, const uint64_t e[4]) {
  fp12 acc;
  fp12_one(&acc);
  for (int i = 255; i >= 0; i--) {
    fp12_sqr(&acc, &acc);
    if ((e[i / 64] >> (i % 64)) & 1) fp12_mul(&acc, &acc, a);
  }
  *r = acc;
}

static int fp12_eq(const fp12 *a, const fp12 *b) { return memcmp(a, b, sizeof *a) == 0; }

/* a * b mod r for scalars below 2^64 (exact: the product is below 2^128 < r). */
static void scalar_mul_small(uint64_t out[4], uint64_t a, uint64_t b) {
  u128 p = (u128)a * b;
  out[0] = (uint64_t)p;
  out[1] = (uint64_t)(p >> 64);
  out[2] = out[3] = 0;
}

static void fp_to_be(uint8_t out[48], const fp *a) {
  uint64_t v[6];
  fp_to_int(v, a);
  for (int i = 0; i < 6; i++)
    for (int k = 0; k < 8; k++) out[(5 - i) * 8 + k] = (uint8_t)(v[i] >> (56 - 8 * k));
}

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }
static void from_hex(uint8_t *out, const char *hex, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
}

/* "valid random blob 0" of Tests/PrecompileTests/Vectors/kzg_point_evaluation_vectors.json (ckzg). */
static const char VALID_INPUT[] =
  "0124af2b2b4ce3c3590ecc9ad43a94ea4c4858617688829f2412fddca72debf2012a8ee126b7bb9da686dbd9c5ec6030a177699ec409ed56040a07fa3c2d2cc7"
  "381d16d6897ababe59ca732c3fbabaeb8d7c0740c1d42a5de661ec1a70753db3950eb3a828da1daedd4f0b2205f1cb62db7c811369707a57397b2e0c8409c7df"
  "8115b8a6562519055111ffe81c215d3fa2c575dc4966f4c4777e633da678ea8b4f6952d15797f7149384ef786e7f29f745bb98c1a82cf8e819444b250c5c019d";

static const char TAU_G2_COMPRESSED[] =
  "b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72"
  "185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2";

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  /* ---- field basics */
  {
    fp a = G1_X, ai, prod;
    fp_inv(&ai, &a);
    fp_mul(&prod, &a, &ai);
    CHECK(fp_eq(&prod, &ONE), "x * x^-1 == 1");
    uint64_t v[6];
    fp_to_int(v, &ONE);
    CHECK(v[0] == 1 && (v[1] | v[2] | v[3] | v[4] | v[5]) == 0, "ONE is the Montgomery one");
    fp s, sq;
    fp_sqr(&sq, &a);
    CHECK(fp_sqrt(&s, &sq), "a square has a root");
    fp_sqr(&s, &s);
    CHECK(fp_eq(&s, &sq), "root squares back");
  }
  /* ---- Montgomery multiplication against GMP: a b 2^-384 mod p, edge and random operands */
  CHECK(tc_fp_mul_against_gmp() == 0, "fp_mul == GMP");
  /* ---- lazy reduction (double-width products) == the reduce-every-product formulas */
  CHECK(tower_differential_checks("bls12_381") == 0, "lazy-reduction tower arithmetic == reference formulas");
  /* ---- table points */
  g1j g1 = {G1_X, G1_Y, ONE};
  fp2 g2y;
  fp2_neg(&g2y, &G2_NEG_Y);
  g2j g2 = g2_affine(&G2_X, &g2y);
  g2j tau = g2_affine(&TAU_G2_X, &TAU_G2_Y);
  {
    CHECK(g1_affine_on_curve(&G1_X, &G1_Y), "G1 generator on the curve");
    CHECK(g1_in_subgroup(&g1), "G1 generator of order r");
    CHECK(g2_affine_on_curve(&G2_X, &g2y), "G2 generator on the twist");
    CHECK(g2_affine_on_curve(&TAU_G2_X, &TAU_G2_Y), "[tau]G2 on the twist");
    g2j t;
    g2_mul(&t, &g2, ORDER);
    CHECK(fp2_is_zero(&t.z), "G2 generator of order r");
    g2_mul(&t, &tau, ORDER);
    CHECK(fp2_is_zero(&t.z), "[tau]G2 of order r");
    /* re-encode [tau]G2: x.c1 || x.c0 with the compression flag and the sign of y (ZCash) */
    uint8_t enc[96], want[96];
    fp_to_be(enc, &TAU_G2_X.c1);
    fp_to_be(enc + 48, &TAU_G2_X.c0);
    enc[0] |= 0x80;
    int larger = fp_is_zero(&TAU_G2_Y.c1) ? fp_is_lexicographically_largest(&TAU_G2_Y.c0)
                                          : fp_is_lexicographically_largest(&TAU_G2_Y.c1);
    if (larger) enc[0] |= 0x20;
    from_hex(want, TAU_G2_COMPRESSED, 96);
    CHECK(memcmp(enc, want, 96) == 0, "[tau]G2 re-encodes to the ceremony's bytes");
  }
  /* ---- subgroup check: endomorphism test == [r]P == O, inside and outside G1 */
  {
    int inside = 0, outside = 0, bad = 0;
    fp x = ONE;
    for (int i = 0; i < 40; i++) {
      fp rhs, y;
      fp_add(&x, &x, &ONE);
      fp_sqr(&rhs, &x); fp_mul(&rhs, &rhs, &x); fp_add(&rhs, &rhs, &B_G1);
      if (!fp_sqrt(&y, &rhs)) continue;
      g1j pt = {x, y, ONE};
      int slow = g1_in_subgroup_slow(&pt);
      if (g1_in_subgroup(&pt) != slow) bad++;
      outside += !slow;
      /* a point of G1: a multiple of the generator, in affine form */
      uint64_t k[4];
      random_scalar(k);
      g1j m;
      g1_mul(&m, &g1, k);
      g1j ma = {ONE, ONE, ONE};
      g1_to_affine(&ma.x, &ma.y, &m);
      int fast = g1_in_subgroup(&ma);
      if (!fast) bad++;
      inside += fast;
      /* a G1 point plus an outside point is outside */
      if (!slow) {
        g1j sum, sa = {ONE, ONE, ONE};
        g1_add(&sum, &m, &pt);
        g1_to_affine(&sa.x, &sa.y, &sum);
        if (g1_in_subgroup(&sa)) bad++;
      }
    }
    CHECK(bad == 0 && inside > 0 && outside > 0, "endomorphism subgroup check == [r]P == O");
  }
  /* ---- split scalars and the four-point multiplication against double-and-add */
  {
    int bad = 0;
    g1j p2;
    g1_dbl(&p2, &g1);
    g1j p2a = {ONE, ONE, ONE};
    g1_to_affine(&p2a.x, &p2a.y, &p2);
    for (int i = 0; i < 20; i++) {
      uint64_t y[4], z[4], sc[4][2];
      random_scalar(y);
      random_scalar(z);
      if (i == 0) { memcpy(y, ORDER, 32); y[0] -= 1; } /* r - 1 */
      if (i == 1) memset(z, 0, 32);
      g1j pts[4], got, want, t, pt = p2a;
      /* P = [2]G1 affine (the mixed-addition path), Jacobian (the Jacobian path), G1 (a subset
       * sum of the table is O: Jacobian path) or -G1 (a table addition doubles) */
      if (i % 4 == 1) pt = p2;
      if (i == 2) pt = g1;
      if (i == 3) g1_neg(&pt, &g1);
      pts[0].x = G1_X; fp_neg(&pts[0].y, &G1_Y); pts[0].z = ONE;
      fp_mul(&pts[1].x, &BETA, &G1_X); pts[1].y = G1_Y; pts[1].z = ONE;
      pts[2] = pt;
      fp_mul(&pts[3].x, &BETA, &pt.x); fp_neg(&pts[3].y, &pt.y); pts[3].z = pt.z; /* -phi(P) */
      scalar_split(sc[0], sc[1], y);
      scalar_split(sc[2], sc[3], z);
      g1_msm4(&got, pts, (const uint64_t (*)[2])sc);
      g1_mul(&want, &g1, y);
      g1_neg(&want, &want);
      g1_mul(&t, &pt, z);
      g1_add(&want, &want, &t);
      if (!g1_eq(&got, &want)) bad++;
    }
    CHECK(bad == 0, "-[y]G1 + [z]P by split scalars == double-and-add");
  }
  /* ---- the precomputed line tables == the generic Miller loop on -G2 and [tau]G2 */
  {
    int bad = 0;
    for (int i = 0; i < 4; i++) {
      uint64_t k[4];
      random_scalar(k);
      g1j m;
      g1_mul(&m, &g1, k);
      pairing_pair pp[2];
      generic_pair gp[2];
      g1_to_affine(&gp[0].px, &gp[0].py, &m);
      pair_from_affine(&pp[0], &gp[0].px, &gp[0].py, LINES_NEG_G2);
      pair_from_affine(&pp[1], &G1_X, &G1_Y, LINES_TAU_G2);
      gp[0].qx = G2_X; gp[0].qy = G2_NEG_Y;
      gp[1].px = G1_X; gp[1].py = G1_Y; gp[1].qx = TAU_G2_X; gp[1].qy = TAU_G2_Y;
      for (int n = 1; n <= 2; n++) {
        fp12 f1, f2, e1, e2;
        miller_loop(&f1, n == 1 ? &pp[i & 1] : pp, n);
        generic_miller_loop(&f2, n == 1 ? &gp[i & 1] : gp, n);
        final_exponentiation(&e1, &f1);
        final_exponentiation(&e2, &f2);
        if (!fp12_eq(&e1, &e2)) bad++;
      }
    }
    CHECK(bad == 0, "line tables == generic Miller loop");
  }
  /* ---- cyclotomic squaring equals generic squaring after the easy part */
  {
    generic_pair pr = {G1_X, G1_Y, G2_X, G2_NEG_Y};
    fp12 f, t, c1, c2;
    generic_miller_loop(&f, &pr, 1);
    fp12_conj(&t, &f);
    fp12_inv(&f, &f);
    fp12_mul(&f, &t, &f);
    fp12_frob2(&t, &f);
    fp12_mul(&f, &t, &f);
    fp12_sqr(&c1, &f);
    fp12_cyclotomic_sqr(&c2, &f);
    CHECK(fp12_eq(&c1, &c2), "cyclotomic square == square");
    /* a^x through compressed squarings == through plain cyclotomic squarings, for f, for
     * random elements of the cyclotomic subgroup, and for 1 (the fallback: a zero denominator) */
    int bad = 0;
    for (int i = 0; i < 9; i++) {
      fp12 a = f, want, got;
      if (i > 0 && i < 8) {
        fp12 rnd12, rc, ri;
        tc_fp12(&rnd12, 0);
        fp12_conj(&rc, &rnd12);
        fp12_inv(&ri, &rnd12);
        fp12_mul(&a, &rc, &ri);
        fp12_frob2(&rc, &a);
        fp12_mul(&a, &rc, &a);
      }
      if (i == 8) fp12_one(&a);
      fp12_cyclotomic_pow(&want, &a, X_ABS);
      fp12_conj(&want, &want);
      fp12_cyclotomic_pow_x(&got, &a);
      if (!fp12_eq(&want, &got)) bad++;
    }
    CHECK(bad == 0, "compressed-squaring a^x == cyclotomic a^x");
    fp12_frob1(&t, &f);
    for (int i = 0; i < 11; i++) fp12_frob1(&t, &t);
    CHECK(fp12_eq(&t, &f), "frobenius^12 == identity");
    fp12_frob2(&c1, &f);
    fp12_frob1(&c2, &f);
    fp12_frob1(&c2, &c2);
    CHECK(fp12_eq(&c1, &c2), "frob2 == frob1 o frob1");
  }
  /* ---- bilinearity */
  {
    fp12 base, er, one;
    fp12_one(&one);
    pairing(&base, &g1, &g2);
    CHECK(!fp12_is_one(&base), "e(G1, G2) != 1");
    fp12_pow(&er, &base, ORDER);
    CHECK(fp12_is_one(&er), "e(G1, G2)^r == 1");
    static const uint64_t scalars[][2] = {{2, 3}, {5, 7}, {0x1234567890abcdefULL, 0xfedcba0987654321ULL}, {1, 0xd201000000010000ULL}};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
      uint64_t a[4] = {scalars[i][0], 0, 0, 0}, b[4] = {scalars[i][1], 0, 0, 0}, ab[4];
      scalar_mul_small(ab, scalars[i][0], scalars[i][1]);
      g1j ap, abp;
      g2j bq, abq;
      g1_mul(&ap, &g1, a);
      g1_mul(&abp, &g1, ab);
      g2_mul(&bq, &g2, b);
      g2_mul(&abq, &g2, ab);
      fp12 e1, e2, e3, e4;
      pairing(&e1, &ap, &bq);
      fp12_pow(&e2, &base, ab);
      pairing(&e3, &abp, &g2);
      pairing(&e4, &g1, &abq);
      CHECK(fp12_eq(&e1, &e2), "e(aP, bQ) == e(P, Q)^(ab)");
      CHECK(fp12_eq(&e1, &e3), "e(aP, bQ) == e(abP, Q)");
      CHECK(fp12_eq(&e1, &e4), "e(aP, bQ) == e(P, abQ)");
      /* the product form the precompile uses: e(aP, bQ) e(-abP, Q) == 1 */
      generic_pair pr[2];
      g1_to_affine(&pr[0].px, &pr[0].py, &ap);
      g2_to_affine(&pr[0].qx, &pr[0].qy, &bq);
      g1j nabp;
      g1_neg(&nabp, &abp);
      g1_to_affine(&pr[1].px, &pr[1].py, &nabp);
      pr[1].qx = G2_X;
      pr[1].qy = g2y;
      CHECK(generic_product_is_one(pr, 2), "e(aP, bQ) e(-abP, Q) == 1");
      pr[1].qy = G2_NEG_Y;
      CHECK(!generic_product_is_one(pr, 2), "e(aP, bQ) e(-abP, -Q) != 1");
      /* the same with the library's table for -G2: e(abP, -Q) e(aP, bQ) == 1 */
      pairing_pair pt;
      fp ax, ay;
      g1_to_affine(&ax, &ay, &abp);
      pair_from_affine(&pt, &ax, &ay, LINES_NEG_G2);
      fp12 f1, f2, prod, e;
      miller_loop(&f1, &pt, 1);
      generic_miller_loop(&f2, &pr[0], 1);
      fp12_mul(&prod, &f1, &f2);
      final_exponentiation(&e, &prod);
      CHECK(fp12_is_one(&e), "e(abP, -Q) (table) e(aP, bQ) == 1");
    }
    /* e(P, [tau]G2) relation: e(P, tau Q) == e(P, Q)^tau cannot be checked without tau; instead
     * e(P + P, tau) == e(P, tau)^2 */
    fp12 et, et2, e2p;
    g1j p2;
    g1_dbl(&p2, &g1);
    pairing(&et, &g1, &tau);
    pairing(&e2p, &p2, &tau);
    fp12_sqr(&et2, &et);
    CHECK(fp12_eq(&et2, &e2p), "e(2P, tauQ) == e(P, tauQ)^2");
  }
  /* ---- EIP-2537: psi subgroup check == [r]Q == O on the twist, inside and outside G2 */
  {
    int inside = 0, outside = 0, bad = 0;
    fp2 x;
    memset(&x, 0, sizeof x);
    x.c0 = ONE;
    for (int i = 0; i < 30; i++) {
      fp2 rhs, y;
      fp_add(&x.c0, &x.c0, &ONE);
      fp2_sqr(&rhs, &x); fp2_mul(&rhs, &rhs, &x); fp2_add(&rhs, &rhs, &B_G2);
      if (!fp2_sqrt(&y, &rhs)) continue;
      fp2 chk;
      fp2_sqr(&chk, &y);
      if (!fp2_eq(&chk, &rhs)) bad++;
      g2j pt = g2_affine(&x, &y), t;
      g2_mul(&t, &pt, ORDER);
      int slow = fp2_is_zero(&t.z);
      if (g2_in_subgroup(&pt) != slow) bad++;
      outside += !slow;
      uint64_t k[4];
      random_scalar(k);
      g2j m, ma;
      g2_mul(&m, &g2, k);
      g2_to_affine(&ma.x, &ma.y, &m);
      ma = g2_affine(&ma.x, &ma.y);
      int fast = g2_in_subgroup(&ma);
      if (!fast) bad++;
      inside += fast;
      /* cofactor clearing lands in G2 */
      g2j cc, cca;
      g2_clear_cofactor(&cc, &pt);
      g2_to_affine(&cca.x, &cca.y, &cc);
      cca = g2_affine(&cca.x, &cca.y);
      if (!g2_in_subgroup(&cca)) bad++;
    }
    CHECK(bad == 0 && inside > 0 && outside > 0, "G2: psi subgroup check == [r]Q == O; fp2_sqrt; cofactor clearing into G2");
  }
  /* ---- EIP-2537: MSM (Straus k <= 4, Pippenger with every window size) == sum of g1_mul / g2_mul
   * for k <= 128; beyond (windows of 7 to 10 bits) == the sum of the MSMs of its 128-pair chunks */
  {
    static uint8_t msm_in[3072 * 160];
    static uint8_t scratch[1 << 22];
    int bad = 0;
    g1j base, acc[3072 + 1];
    uint64_t s0[4];
    random_scalar(s0);
    g1_mul(&base, &g1, s0);
    for (size_t i = 0; i < 3072; i++) {
      uint64_t s[4];
      random_scalar(s);
      if (i % 7 == 3) { s[0] = s[1] = s[2] = s[3] = ~0ULL; } /* 2^256 - 1: top carry window */
      if (i % 11 == 5) memset(s, 0, sizeof s);
      g1j a;
      g1_to_affine(&a.x, &a.y, &base);
      a.z = ONE;
      g1_encode128(msm_in + i * 160, &a);
      for (int j = 0; j < 32; j++) msm_in[i * 160 + 128 + j] = (uint8_t)(s[3 - j / 8] >> (56 - 8 * (j % 8)));
      if (i < 128) { /* running naive sums of the first 128 pairs */
        g1j m;
        g1_mul(&m, &base, s);
        if (i == 0) memset(&acc[0], 0, sizeof acc[0]);
        g1_add(&acc[i + 1], &acc[i], &m);
      }
      if (i % 5 != 4) g1_add(&base, &base, &g1); /* repeated points now and then */
    }
    const size_t ks[] = {1, 2, 4, 5, 15, 16, 47, 48, 127, 128, 383, 384, 1023, 1024, 3072};
    for (size_t t = 0; t < sizeof ks / sizeof ks[0]; t++) {
      size_t k = ks[t];
      uint8_t got[128], want[128], sum_in[256];
      if (k <= 128) g1_encode128(want, &acc[k]);
      else {
        memset(want, 0, 128);
        for (size_t off = 0; off < k; off += 128) {
          size_t c = k - off < 128 ? k - off : 128;
          memcpy(sum_in, want, 128);
          if (cprec_bls12_g1_msm(msm_in + off * 160, c * 160, sum_in + 128, scratch, sizeof scratch) != CPREC_OK) bad++;
          if (cprec_bls12_g1_add(sum_in, 256, want) != CPREC_OK) bad++;
        }
      }
      if (cprec_bls12_msm_scratch_size(k, 0) > sizeof scratch) { bad++; continue; }
      if (cprec_bls12_g1_msm(msm_in, k * 160, got, scratch, sizeof scratch) != CPREC_OK || memcmp(got, want, 128) != 0) bad++;
      if (cprec_bls12_g1_msm(msm_in, k * 160, got, scratch, cprec_bls12_msm_scratch_size(k, 0) - 1) != CPREC_ERR_SCRATCH) bad++;
    }
    CHECK(bad == 0, "G1 MSM == sum of [s_i]P_i (k = 1 ... 3072)");
    bad = 0;
    static uint8_t in2[48 * 288];
    const size_t ks2[] = {1, 3, 4, 5, 16, 48};
    for (size_t t = 0; t < sizeof ks2 / sizeof ks2[0]; t++) {
      size_t k = ks2[t];
      g2j acc, pt = g2, m;
      memset(&acc, 0, sizeof acc);
      for (size_t i = 0; i < k; i++) {
        uint64_t s[4];
        random_scalar(s);
        g2_mul(&m, &pt, s);
        g2_add(&acc, &acc, &m);
        g2j a;
        g2_to_affine(&a.x, &a.y, &pt);
        g2_encode256(in2 + i * 288, &pt);
        (void)a;
        for (int j = 0; j < 32; j++) in2[i * 288 + 256 + j] = (uint8_t)(s[3 - j / 8] >> (56 - 8 * (j % 8)));
        g2_add(&pt, &pt, &g2);
      }
      uint8_t got[256], want[256];
      g2_encode256(want, &acc);
      if (cprec_bls12_g2_msm(in2, k * 288, got, scratch, sizeof scratch) != CPREC_OK || memcmp(got, want, 256) != 0) bad++;
    }
    CHECK(bad == 0, "G2 MSM == sum of [s_i]Q_i");
  }
  /* ---- EIP-2537: the variable-G2 Miller loop == the table loop for -G2 and [tau]G2 */
  {
    uint64_t k[4];
    random_scalar(k);
    g1j p, pa;
    g1_mul(&p, &g1, k);
    g1_to_affine(&pa.x, &pa.y, &p);
    pa.z = ONE;
    fp yi;
    fp_inv(&yi, &pa.y);
    pairing_pair pr[2];
    pairing_pair_set(&pr[0], &pa, &yi, LINES_NEG_G2);
    pairing_pair_set(&pr[1], &pa, &yi, LINES_TAU_G2);
    g1j ps[2] = {pa, pa};
    fp2 ny;
    fp2_neg(&ny, &G2_NEG_Y);
    g2j qs[2] = {g2_affine(&G2_X, &G2_NEG_Y), g2_affine(&TAU_G2_X, &TAU_G2_Y)};
    (void)ny;
    fp12 f1, f2, e1, e2;
    miller_loop(&f1, pr, 2);
    miller_loop_var(&f2, ps, qs, 2);
    fp12_conj(&f2, &f2);
    final_exponentiation(&e1, &f1);
    final_exponentiation(&e2, &f2);
    CHECK(fp12_eq(&e1, &e2), "variable-G2 Miller loop == table Miller loop (after the final exponentiation)");
  }
  /* ---- the public entry point */
  uint8_t in[192], out[64];
  from_hex(in, VALID_INPUT, 192);
  {
    CHECK(cprec_point_evaluation(in, 192, out) == CPREC_OK, "valid proof accepted");
    CHECK(memcmp(out, POINT_EVALUATION_OUTPUT, 64) == 0, "output");
    in[95] ^= 1; /* y */
    CHECK(cprec_point_evaluation(in, 192, out) == CPREC_ERR_INVALID_PROOF, "y changed: proof rejected");
    in[95] ^= 1;
    CHECK(cprec_point_evaluation(in, 191, out) == CPREC_ERR_LENGTH, "length 191");
  }
  if (argc == 3 && strcmp(argv[1], "--bench") == 0) {
    int n = atoi(argv[2]);
    double t0 = now();
    int ok = 0;
    for (int i = 0; i < n; i++) ok += cprec_point_evaluation(in, 192, out) == CPREC_OK;
    double t = now() - t0;
    printf("point evaluation: %d calls, %.3f ms per call (%d ok)\n", n, t / n * 1e3, ok);
    t0 = now();
    for (int i = 0; i < n; i++) g1_in_subgroup(&g1);
    printf("  G1 subgroup check: %.3f ms\n", (now() - t0) / n * 1e3);
    {
      g1j pts[4] = {g1, g1, g1, g1}, r;
      uint64_t sc[4][2];
      for (int k = 0; k < 4; k++) { sc[k][0] = rnd(); sc[k][1] = rnd(); }
      t0 = now();
      for (int i = 0; i < n; i++) g1_msm4(&r, pts, (const uint64_t (*)[2])sc);
      printf("  four-point multiplication ([y]G1, [z]pi): %.3f ms\n", (now() - t0) / n * 1e3);
    }
    pairing_pair pr[2];
    pair_from_affine(&pr[0], &G1_X, &G1_Y, LINES_NEG_G2);
    pair_from_affine(&pr[1], &G1_X, &G1_Y, LINES_TAU_G2);
    fp12 f, e;
    t0 = now();
    for (int i = 0; i < n; i++) miller_loop(&f, pr, 2);
    printf("  Miller loop (2 pairs): %.3f ms\n", (now() - t0) / n * 1e3);
    t0 = now();
    for (int i = 0; i < n; i++) final_exponentiation(&e, &f);
    printf("  final exponentiation: %.3f ms\n", (now() - t0) / n * 1e3);
    {
      /* EIP-2537 parts */
      g2j q = g2, r2;
      t0 = now();
      for (int i = 0; i < n; i++) g2_in_subgroup(&q);
      printf("  G2 subgroup check (psi): %.3f ms\n", (now() - t0) / n * 1e3);
      t0 = now();
      for (int i = 0; i < n; i++) g2_clear_cofactor(&r2, &q);
      printf("  G2 cofactor clearing: %.3f ms\n", (now() - t0) / n * 1e3);
      g1j ps[2] = {g1, g1};
      g2j qs[2] = {g2, g2};
      t0 = now();
      for (int i = 0; i < n; i++) miller_loop_var(&f, ps, qs, 2);
      printf("  Miller loop, variable G2 (2 pairs): %.3f ms\n", (now() - t0) / n * 1e3);
    }
    fp sq;
    t0 = now();
    for (int i = 0; i < n; i++) fp_sqrt(&sq, &G1_X);
    printf("  square root (decompression): %.3f ms\n", (now() - t0) / n * 1e3);
    fp a = G1_X;
    t0 = now();
    for (int i = 0; i < n * 1000; i++) fp_mul(&a, &a, &G1_Y);
    printf("  Fp multiplication: %.1f ns (%d)\n", (now() - t0) / n / 1000 * 1e9, (int)(a.l[0] & 1));
  }
  if (failures) {
    printf("%d checks failed\n", failures);
    return 1;
  }
  printf("bls12_381: all checks passed\n");
  return 0;
}
