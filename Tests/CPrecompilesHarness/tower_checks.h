/*
 * Montgomery multiplication against GMP (tc_fp_mul_against_gmp), and differential checks of
 * fp_tower.h's lazy-reduction arithmetic (double-width products, one Montgomery reduction per
 * output coefficient) against the reduce-every-product formulas it replaced, kept here as the
 * reference, and of the binary-GCD fp_inv against Fermat's a^(P - 2). Included by a harness
 * after its field (bls12_381.c or bn254.c), <gmp.h> and its rnd(); works for either prime.
 * Random reduced operands, plus operands with every coefficient P - 1 (the largest products,
 * where the range bounds of the double-width values are tightest: R / P is only about 5.3 for
 * BN254) and zero. A harness built with -U__has_builtin runs all of it on fp_tower.h's u128
 * form of the carry helpers (fp_adc, fp_sbb: compilers without __builtin_addcll), and says so.
 */

/* ---------------------------------------------------------------- reference formulas */

static void ref_fp2_mul(fp2 *r, const fp2 *a, const fp2 *b) {
  fp t0, t1, s0, s1, m;
  fp_mul(&t0, &a->c0, &b->c0);
  fp_mul(&t1, &a->c1, &b->c1);
  fp_add(&s0, &a->c0, &a->c1);
  fp_add(&s1, &b->c0, &b->c1);
  fp_mul(&m, &s0, &s1);
  fp_sub(&m, &m, &t0);
  fp_sub(&r->c1, &m, &t1);
  fp_sub(&r->c0, &t0, &t1);
}

static void ref_fp6_mul(fp6 *r, const fp6 *a, const fp6 *b) {
  fp2 t0, t1, t2, s, u, c0, c1, c2;
  ref_fp2_mul(&t0, &a->c0, &b->c0);
  ref_fp2_mul(&t1, &a->c1, &b->c1);
  ref_fp2_mul(&t2, &a->c2, &b->c2);
  fp2_add(&s, &a->c1, &a->c2); fp2_add(&u, &b->c1, &b->c2); ref_fp2_mul(&c0, &s, &u);
  fp2_sub(&c0, &c0, &t1); fp2_sub(&c0, &c0, &t2); fp2_mul_xi(&c0, &c0); fp2_add(&c0, &c0, &t0);
  fp2_add(&s, &a->c0, &a->c1); fp2_add(&u, &b->c0, &b->c1); ref_fp2_mul(&c1, &s, &u);
  fp2_sub(&c1, &c1, &t0); fp2_sub(&c1, &c1, &t1); fp2_mul_xi(&s, &t2); fp2_add(&c1, &c1, &s);
  fp2_add(&s, &a->c0, &a->c2); fp2_add(&u, &b->c0, &b->c2); ref_fp2_mul(&c2, &s, &u);
  fp2_sub(&c2, &c2, &t0); fp2_sub(&c2, &c2, &t2); fp2_add(&c2, &c2, &t1);
  r->c0 = c0; r->c1 = c1; r->c2 = c2;
}

static void ref_fp6_mul_01(fp6 *r, const fp6 *a, const fp2 *b0, const fp2 *b1) {
  fp6 b;
  b.c0 = *b0; b.c1 = *b1;
  memset(&b.c2, 0, sizeof b.c2);
  ref_fp6_mul(r, a, &b);
}

static void ref_fp12_mul(fp12 *r, const fp12 *a, const fp12 *b) {
  fp6 t0, t1, s, u, c1;
  ref_fp6_mul(&t0, &a->c0, &b->c0);
  ref_fp6_mul(&t1, &a->c1, &b->c1);
  fp6_add(&s, &a->c0, &a->c1); fp6_add(&u, &b->c0, &b->c1); ref_fp6_mul(&c1, &s, &u);
  fp6_sub(&c1, &c1, &t0); fp6_sub(&c1, &c1, &t1);
  fp6_mul_v(&t1, &t1);
  fp6_add(&r->c0, &t0, &t1);
  r->c1 = c1;
}

/* ---------------------------------------------------------------- operands */

static void tc_fp(fp *a, int kind) {
  if (kind == 1) { *a = P; a->l[0] -= 1; return; } /* P - 1 */
  if (kind == 2) { memset(a, 0, sizeof *a); return; }
  for (int i = 0; i < FP_LIMBS; i++) a->l[i] = rnd();
  a->l[FP_LIMBS - 1] %= P.l[FP_LIMBS - 1]; /* below P */
}
static void tc_fp2(fp2 *a, int kind) { tc_fp(&a->c0, kind); tc_fp(&a->c1, kind); }
static void tc_fp6(fp6 *a, int kind) { tc_fp2(&a->c0, kind); tc_fp2(&a->c1, kind); tc_fp2(&a->c2, kind); }
static void tc_fp12(fp12 *a, int kind) { tc_fp6(&a->c0, kind); tc_fp6(&a->c1, kind); }
/* a double-width value in [0, P R): a random one, P R - 1, or 0 */
static void tc_fpw(fpw *a, int kind) {
  for (int i = 0; i < FP_LIMBS; i++) a->l[i] = kind == 2 ? 0 : kind == 1 ? ~0ULL : rnd();
  fp hi;
  tc_fp(&hi, kind);
  memcpy(a->l + FP_LIMBS, hi.l, FP_BYTES);
}
/* kind for iteration i: the first few iterations use the extreme operands */
static int tc_kind(int i, int which) { return i < 3 ? (which ? (i + 1) % 3 : i) : 0; }

/* Montgomery multiplication against GMP (the includer includes <gmp.h>): fp_mul(a, b) must be
 * a b R^-1 mod P for 20,000 pairs: P - 1 ... P - 4 times a random operand, a random one times 0
 * and times P - 1, the extreme pairs of tc_kind, then random reduced operands. Returns the number
 * of wrong products. */
static int tc_fp_mul_against_gmp(void) {
  mpz_t mp, ma, mb, mr, rinv, got;
  mpz_inits(mp, ma, mb, mr, rinv, got, NULL);
  mpz_import(mp, FP_LIMBS, -1, 8, 0, 0, P.l);
  mpz_set_ui(rinv, 1);
  mpz_mul_2exp(rinv, rinv, 64 * FP_LIMBS);
  mpz_invert(rinv, rinv, mp);
  int bad = 0;
  for (int i = 0; i < 20000; i++) {
    fp a, b, r;
    int ka = i >= 6 && i < 9 ? tc_kind(i - 6, 0) : 0, kb = i >= 6 && i < 9 ? tc_kind(i - 6, 1) : 0;
    tc_fp(&a, ka);
    tc_fp(&b, kb);
    if (i < 4) { a = P; a.l[0] -= 1 + (uint64_t)i; } /* P - 1 ... P - 4 */
    if (i == 4) tc_fp(&b, 2);                        /* 0 */
    if (i == 5) tc_fp(&b, 1);                        /* P - 1 */
    fp_mul(&r, &a, &b);
    mpz_import(ma, FP_LIMBS, -1, 8, 0, 0, a.l);
    mpz_import(mb, FP_LIMBS, -1, 8, 0, 0, b.l);
    mpz_mul(mr, ma, mb); mpz_mul(mr, mr, rinv); mpz_mod(mr, mr, mp);
    mpz_import(got, FP_LIMBS, -1, 8, 0, 0, r.l);
    if (mpz_cmp(got, mr) != 0) bad++;
  }
  mpz_clears(mp, ma, mb, mr, rinv, got, NULL);
  return bad;
}

static int tower_differential_checks(const char *field) {
  int bad = 0;
#ifndef FP_HAVE_ADDC
  /* built with -U__has_builtin (run.sh, BLS12381HarnessTests): fp_adc / fp_sbb are the u128
   * forms, which the other builds never compile; the Swift test looks for this line */
  printf("%s: carries: u128 fallback\n", field);
#endif
#define TC_CHECK(cond, what) do { if (!(cond)) { printf("FAIL %s: %s\n", field, what); bad++; } } while (0)
  for (int i = 0; i < 300; i++) {
    int ka = tc_kind(i, 0), kb = tc_kind(i, 1);
    fp a, b, r1, r2;
    tc_fp(&a, ka); tc_fp(&b, kb);
    fp_inv(&r1, &a); fp_inv_pow(&r2, &a);
    TC_CHECK(fp_eq(&r1, &r2), "fp_inv == a^(P - 2)");
    fpw w, x, y;
    fp_mul_wide(&w, &a, &b);
    fp_mont_reduce(&r1, &w);
    fp_mul(&r2, &a, &b);
    TC_CHECK(fp_eq(&r1, &r2), "fp_mont_reduce(fp_mul_wide) == fp_mul");
    tc_fpw(&x, ka); tc_fpw(&y, kb);
    fp rx, ry;
    fp_mont_reduce(&rx, &x);
    fp_mont_reduce(&ry, &y);
    fpw_add(&w, &x, &y); fp_mont_reduce(&r1, &w); fp_add(&r2, &rx, &ry);
    TC_CHECK(fp_eq(&r1, &r2), "fpw_add");
    fpw_sub(&w, &x, &y); fp_mont_reduce(&r1, &w); fp_sub(&r2, &rx, &ry);
    TC_CHECK(fp_eq(&r1, &r2), "fpw_sub");
    fpw_add_fp(&w, &x, &b); fp_mont_reduce(&r1, &w); fp_add(&r2, &rx, &b); /* x + b R */
    TC_CHECK(fp_eq(&r1, &r2), "fpw_add_fp");

    fp2 a2, b2, s1, s2;
    tc_fp2(&a2, ka); tc_fp2(&b2, kb);
    fp2_mul(&s1, &a2, &b2); ref_fp2_mul(&s2, &a2, &b2);
    TC_CHECK(fp2_eq(&s1, &s2), "fp2_mul");
    fp2w w2;
    fp2_sqr_wide(&w2, &a2); fp2_reduce_wide(&s1, &w2); ref_fp2_mul(&s2, &a2, &a2);
    TC_CHECK(fp2_eq(&s1, &s2), "fp2_sqr_wide");
    fp2 t0, t1, u0, u1;
    fp4_sqr(&t0, &t1, &a2, &b2); /* (a + b s)^2 with s^2 = xi */
    ref_fp2_mul(&u0, &a2, &a2); ref_fp2_mul(&s2, &b2, &b2); fp2_mul_xi(&s2, &s2); fp2_add(&u0, &u0, &s2);
    ref_fp2_mul(&u1, &a2, &b2); fp2_add(&u1, &u1, &u1);
    TC_CHECK(fp2_eq(&t0, &u0) && fp2_eq(&t1, &u1), "fp4_sqr");

    fp6 a6, b6, c1, c2;
    tc_fp6(&a6, ka); tc_fp6(&b6, kb);
    fp6_mul(&c1, &a6, &b6); ref_fp6_mul(&c2, &a6, &b6);
    TC_CHECK(memcmp(&c1, &c2, sizeof c1) == 0, "fp6_mul");
    fp6_mul_01(&c1, &a6, &b6.c0, &b6.c1); ref_fp6_mul_01(&c2, &a6, &b6.c0, &b6.c1);
    TC_CHECK(memcmp(&c1, &c2, sizeof c1) == 0, "fp6_mul_01");

    if (i % 3 == 0 || i < 3) {
      fp12 a12, b12, e1, e2;
      tc_fp12(&a12, ka); tc_fp12(&b12, kb);
      fp12_mul(&e1, &a12, &b12); ref_fp12_mul(&e2, &a12, &b12);
      TC_CHECK(memcmp(&e1, &e2, sizeof e1) == 0, "fp12_mul");
      fp12_sqr(&e1, &a12); ref_fp12_mul(&e2, &a12, &a12);
      TC_CHECK(memcmp(&e1, &e2, sizeof e1) == 0, "fp12_sqr");
      e1 = a12;
      fp12_mul(&e1, &e1, &b12); /* r aliasing a */
      ref_fp12_mul(&e2, &a12, &b12);
      TC_CHECK(memcmp(&e1, &e2, sizeof e1) == 0, "fp12_mul in place");
      /* the line shape: f * (l0 + l2 w^2 + w^3) (M-type) or f * (l0 + l1 w + l3 w^3) (D-type),
       * against the full product with that sparse element */
      fp12 line;
      memset(&line, 0, sizeof line);
      line.c0.c0 = b12.c0.c0;
#if FP_LIMBS == 6
      line.c0.c1 = b12.c0.c1;
      line.c1.c1.c0 = ONE; /* normalised: the w^3 coefficient is 1 */
      e1 = a12;
      fp12_mul_line(&e1, &line.c0.c0, &line.c0.c1);
#else
      line.c1.c0 = b12.c1.c0;
      line.c1.c1 = b12.c1.c1;
      e1 = a12;
      fp12_mul_line(&e1, &line.c0.c0, &line.c1.c0, &line.c1.c1);
#endif
      ref_fp12_mul(&e2, &a12, &line);
      TC_CHECK(memcmp(&e1, &e2, sizeof e1) == 0, "fp12_mul_line");
    }
  }
  {
    fp one_int, r1, r2; /* 1 and R (Montgomery one) as inputs, and a^-1 a == 1 */
    memset(&one_int, 0, sizeof one_int);
    one_int.l[0] = 1;
    fp_inv(&r1, &one_int); fp_inv_pow(&r2, &one_int);
    TC_CHECK(fp_eq(&r1, &r2), "fp_inv(1)");
    fp_inv(&r1, &ONE);
    TC_CHECK(fp_eq(&r1, &ONE), "fp_inv(ONE) == ONE");
    for (int i = 0; i < 100; i++) {
      fp a;
      tc_fp(&a, 0);
      fp_inv(&r1, &a);
      fp_mul(&r2, &r1, &a);
      TC_CHECK(fp_is_zero(&a) || fp_eq(&r2, &ONE), "a^-1 a == 1");
    }
  }
#undef TC_CHECK
  return bad;
}
