/*
 * A pairing-friendly prime field and its tower, written once for BN254 (bn254.c) and BLS12-381
 * (bls12_381.c), which include it as a template. Before including it (after fp_tower_types.h),
 * an includer defines:
 *   FP_LIMBS            64-bit limbs of Fp (4 for BN254, 6 for BLS12-381);
 *   FP_XI_C0            the tower's non-residue xi = FP_XI_C0 + u (9 for BN254, 1 for BLS12-381);
 *   P, INV, R2, ONE     the modulus, -P^-1 mod 2^64, R^2 mod P and R mod P (R = 2^(64 FP_LIMBS));
 *   PM2                 P - 2 as FP_LIMBS limbs (Fermat's inversion exponent, fp_inv_pow);
 *   FROB1, FROB2        FROB1[i-1] = xi^(i (p - 1) / 6) in Fp2, FROB2[i-1] = xi^(i (p^2 - 1) / 6)
 *                       in Fp, i = 1..5, Montgomery form.
 * Fp multiplication needs P's top limb below 2^63 - 1 (the "no-carry" Montgomery product): both
 * primes have it (0x30644e72..., 0x1a0111ea...).
 *
 * Tower: Fp2 = Fp[u]/(u^2 + 1), Fp6 = Fp2[v]/(v^3 - xi), Fp12 = Fp6[w]/(w^2 - v). Elements are
 * kept fully reduced, so equality is equality of limbs. Inside the tower formulas, products are
 * double-width (fpw, fp2w, fp6w: lazy reduction, one Montgomery reduction per output coefficient;
 * see "lazy reduction" below). The Fp2 / Fp6 / Fp12 products all need P < R / 4, which both
 * primes satisfy. Tests/CPrecompilesHarness/tower_checks.h compares them with the
 * reduce-every-product formulas for both primes.
 *
 * Pure: no globals, no allocation, no I/O. Functions are `static inline` or marked unused, so
 * that an includer that needs only some of them builds without warnings.
 */
#define FP_FN static __attribute__((unused))
#define FP_BYTES (FP_LIMBS * 8)
#if defined(__clang__)
#define FP_UNROLL _Pragma("clang loop unroll(full)") /* full unrolling of the limb loops that follow */
#else
#define FP_UNROLL
#endif

/* ---------------------------------------------------------------- Fp */

/* Add and subtract with carry. clang's builtins compile to adc / sbb chains; the u128 form of a
 * borrow, (a - b - borrow) >> 64 & 1, compiles to about three times the instructions. */
#if defined(__has_builtin)
#if __has_builtin(__builtin_addcll) && __has_builtin(__builtin_subcll)
#define FP_HAVE_ADDC 1
#endif
#endif

static inline uint64_t fp_adc(uint64_t a, uint64_t b, uint64_t cin, uint64_t *cout) {
#ifdef FP_HAVE_ADDC
  unsigned long long c;
  uint64_t r = __builtin_addcll(a, b, cin, &c);
  *cout = c;
  return r;
#else
  u128 t = (u128)a + b + cin;
  *cout = (uint64_t)(t >> 64);
  return (uint64_t)t;
#endif
}

static inline uint64_t fp_sbb(uint64_t a, uint64_t b, uint64_t bin, uint64_t *bout) {
#ifdef FP_HAVE_ADDC
  unsigned long long c;
  uint64_t r = __builtin_subcll(a, b, bin, &c);
  *bout = c;
  return r;
#else
  u128 t = (u128)a - b - bin;
  *bout = (uint64_t)(t >> 64) & 1;
  return (uint64_t)t;
#endif
}

static inline int fp_is_zero(const fp *a) {
  uint64_t d = 0;
  for (int i = 0; i < FP_LIMBS; i++) d |= a->l[i];
  return d == 0;
}

static inline int fp_eq(const fp *a, const fp *b) {
  uint64_t d = 0;
  for (int i = 0; i < FP_LIMBS; i++) d |= a->l[i] ^ b->l[i];
  return d == 0;
}

/* r = a - P if a >= P (a < 2P); r may alias a. */
static inline void limbs_reduce_once(uint64_t r[FP_LIMBS], const uint64_t a[FP_LIMBS]) {
  uint64_t t[FP_LIMBS], borrow = 0;
  for (int i = 0; i < FP_LIMBS; i++) t[i] = fp_sbb(a[i], P.l[i], borrow, &borrow);
  uint64_t keep = 0 - borrow; /* a select, not a branch: the outcome is data-dependent */
  for (int i = 0; i < FP_LIMBS; i++) r[i] = (a[i] & keep) | (t[i] & ~keep);
}

static inline void fp_reduce_once(fp *r, const uint64_t a[FP_LIMBS]) { limbs_reduce_once(r->l, a); }

static inline void fp_add(fp *r, const fp *a, const fp *b) {
  uint64_t s[FP_LIMBS], c = 0;
  for (int i = 0; i < FP_LIMBS; i++) s[i] = fp_adc(a->l[i], b->l[i], c, &c);
  fp_reduce_once(r, s); /* P < 2^(64 FP_LIMBS - 2), so a + b never carries out */
}

static inline void fp_sub(fp *r, const fp *a, const fp *b) {
  uint64_t d[FP_LIMBS], borrow = 0;
  for (int i = 0; i < FP_LIMBS; i++) d[i] = fp_sbb(a->l[i], b->l[i], borrow, &borrow);
  uint64_t mask = 0 - borrow, c = 0; /* + P if a < b, without a branch */
  for (int i = 0; i < FP_LIMBS; i++) r->l[i] = fp_adc(d[i], P.l[i] & mask, c, &c);
}

static inline void fp_neg(fp *r, const fp *a) {
  fp z;
  memset(&z, 0, sizeof z);
  fp_sub(r, &z, a);
}

static inline void fp_dbl(fp *r, const fp *a) { fp_add(r, a, a); }

/* k a for a small constant k >= 1 (double-and-add; unrolled where k is a constant). */
static inline void fp_mul_small(fp *r, const fp *a, unsigned k) {
  fp acc = *a;
  for (int i = 30 - __builtin_clz(k); i >= 0; i--) {
    fp_dbl(&acc, &acc);
    if ((k >> i) & 1) fp_add(&acc, &acc, a);
  }
  *r = acc;
}

/* Montgomery multiplication: CIOS without the two extra carry words, which P allows (its top
 * limb is below 2^63 - 1, so t stays below 2P and the running top word cannot overflow; Gautam
 * Botrel and others, the "no-carry" optimisation of gnark-crypto). */
static inline void fp_mul(fp *r, const fp *a, const fp *b) {
  uint64_t t[FP_LIMBS];
  memset(t, 0, sizeof t);
FP_UNROLL /* clang -O3 leaves the outer loop rolled, with spills: 7 % slower */
  for (int i = 0; i < FP_LIMBS; i++) {
    u128 x = (u128)a->l[0] * b->l[i] + t[0];
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    uint64_t m = lo * INV;
    u128 y = (u128)m * P.l[0] + lo;
    uint64_t c = (uint64_t)(y >> 64);
FP_UNROLL
    for (int j = 1; j < FP_LIMBS; j++) {
      x = (u128)a->l[j] * b->l[i] + t[j] + hi;
      hi = (uint64_t)(x >> 64);
      y = (u128)m * P.l[j] + (uint64_t)x + c;
      c = (uint64_t)(y >> 64);
      t[j - 1] = (uint64_t)y;
    }
    t[FP_LIMBS - 1] = hi + c;
  }
  fp_reduce_once(r, t);
}

static inline void fp_sqr(fp *r, const fp *a) { fp_mul(r, a, a); }

/* ---------------------------------------------------------------- lazy reduction
 * Aranha, Karabina, Longa, Gebotys, Lopez, "Faster explicit formulas for computing pairings over
 * ordinary curves" (EUROCRYPT 2011): a tower formula keeps its products double-width (fpw,
 * unreduced) through its additions and Montgomery-reduces once per output coefficient instead
 * of once per product. An fpw value is an integer in [0, P R), R = 2^(64 FP_LIMBS), standing
 * for itself times R^-1 mod P (what fp_mont_reduce returns); fpw_add and fpw_sub keep that range
 * by subtracting or adding P R, i.e. P in the upper half, which the reduction maps to 0. A
 * product of two reduced elements is below P^2 < P R; one of two sums of reduced elements
 * (each below 2P) is below 4P^2 < P R too, since P < R / 4 for both primes (R / P is about 5.3
 * for BN254 and 9.8 for BLS12-381). */

/* The integer product a b, for any FP_LIMBS-limb a and b: schoolbook by rows, each row's low
 * and high product halves added in two separate carry chains (about 15 % faster under clang
 * than accumulating each u128 product, which materialises two carries per product). */
static inline void fp_mul_wide(fpw *r, const fp *a, const fp *b) {
  uint64_t t[2 * FP_LIMBS];
FP_UNROLL
  for (int i = 0; i < FP_LIMBS; i++) {
    uint64_t lo[FP_LIMBS], hi[FP_LIMBS], c = 0, d = 0;
FP_UNROLL
    for (int j = 0; j < FP_LIMBS; j++) {
      u128 x = (u128)a->l[j] * b->l[i];
      lo[j] = (uint64_t)x;
      hi[j] = (uint64_t)(x >> 64);
    }
    if (i == 0) {
      t[0] = lo[0];
FP_UNROLL
      for (int j = 1; j < FP_LIMBS; j++) t[j] = fp_adc(lo[j], hi[j - 1], c, &c);
      t[FP_LIMBS] = hi[FP_LIMBS - 1] + c; /* a 1 x FP_LIMBS product fits FP_LIMBS + 1 limbs */
    } else {
FP_UNROLL
      for (int j = 0; j < FP_LIMBS; j++) t[i + j] = fp_adc(t[i + j], lo[j], c, &c);
      t[i + FP_LIMBS] = c;
FP_UNROLL
      for (int j = 0; j < FP_LIMBS; j++) t[i + 1 + j] = fp_adc(t[i + 1 + j], hi[j], d, &d);
      /* no carry out: the partial product a (b mod 2^(64 (i + 1))) fits i + 1 + FP_LIMBS limbs */
    }
  }
  memcpy(r->l, t, sizeof t);
}

/* r = a R^-1 mod P for a in [0, P R), as REDC(a_lo) + a_hi with a = a_lo + a_hi R: Montgomery
 * reduction of the low half alone in an FP_LIMBS-limb window ((s + m P) / 2^64 stays below
 * 2^(64 FP_LIMBS) and ends at most P), then the high half (below P) added, and one conditional
 * subtraction (the sum is below 2P). Fewer live limbs than reducing all 2 FP_LIMBS in place. */
static inline void fp_mont_reduce(fp *r, const fpw *a) {
  uint64_t s[FP_LIMBS], c;
  memcpy(s, a->l, sizeof s);
FP_UNROLL
  for (int i = 0; i < FP_LIMBS; i++) {
    uint64_t m = s[0] * INV;
    u128 x = (u128)m * P.l[0] + s[0];
    c = (uint64_t)(x >> 64);
FP_UNROLL
    for (int j = 1; j < FP_LIMBS; j++) {
      x = (u128)m * P.l[j] + s[j] + c;
      s[j - 1] = (uint64_t)x;
      c = (uint64_t)(x >> 64);
    }
    s[FP_LIMBS - 1] = c;
  }
  c = 0;
  for (int j = 0; j < FP_LIMBS; j++) s[j] = fp_adc(s[j], a->l[FP_LIMBS + j], c, &c);
  limbs_reduce_once(r->l, s);
}

/* Plain FP_LIMBS-limb sum a + b, not reduced (below 2P for reduced inputs, and below 2^(64
 * FP_LIMBS) for inputs below 2P: a factor of fp_mul_wide, never of fp_mul). */
static inline void fp_add_nr(fp *r, const fp *a, const fp *b) {
  uint64_t c = 0;
  for (int i = 0; i < FP_LIMBS; i++) r->l[i] = fp_adc(a->l[i], b->l[i], c, &c);
}

/* a + b mod P R. */
static inline void fpw_add(fpw *r, const fpw *a, const fpw *b) {
  uint64_t s[2 * FP_LIMBS], c = 0;
  for (int i = 0; i < 2 * FP_LIMBS; i++) s[i] = fp_adc(a->l[i], b->l[i], c, &c);
  memcpy(r->l, s, FP_BYTES); /* a + b < 2 P R < 2^(128 FP_LIMBS) */
  limbs_reduce_once(r->l + FP_LIMBS, s + FP_LIMBS);
}

/* a - b mod P R. */
static inline void fpw_sub(fpw *r, const fpw *a, const fpw *b) {
  uint64_t d[2 * FP_LIMBS], borrow = 0;
  for (int i = 0; i < 2 * FP_LIMBS; i++) d[i] = fp_sbb(a->l[i], b->l[i], borrow, &borrow);
  uint64_t mask = 0 - borrow, c = 0;
  for (int i = 0; i < FP_LIMBS; i++) d[FP_LIMBS + i] = fp_adc(d[FP_LIMBS + i], P.l[i] & mask, c, &c);
  memcpy(r->l, d, sizeof d);
}

/* a - b where a >= b as integers (no correction). */
static inline void fpw_sub_nc(fpw *r, const fpw *a, const fpw *b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 2 * FP_LIMBS; i++) r->l[i] = fp_sbb(a->l[i], b->l[i], borrow, &borrow);
}

static inline void fpw_mul_small(fpw *r, const fpw *a, unsigned k) {
  fpw acc = *a;
  for (int i = 30 - __builtin_clz(k); i >= 0; i--) {
    fpw_add(&acc, &acc, &acc);
    if ((k >> i) & 1) fpw_add(&acc, &acc, a);
  }
  *r = acc;
}

/* a^e for an exponent of FP_LIMBS little-endian limbs: fixed 4-bit windows (for the inversion
 * and square-root exponents of BLS12-381, 229 of 381 bits set: 380 squarings and about 105
 * multiplications instead of 229). */
FP_FN void fp_pow(fp *r, const fp *a, const uint64_t e[FP_LIMBS]) {
  fp table[16], acc = ONE; /* table[k] = a^k */
  table[0] = ONE;
  table[1] = *a;
  for (int k = 2; k < 16; k++) fp_mul(&table[k], &table[k - 1], a);
  int started = 0;
  for (int i = 16 * FP_LIMBS - 1; i >= 0; i--) {
    unsigned w = (unsigned)(e[i / 16] >> (4 * (i % 16))) & 15;
    if (started) {
      for (int k = 0; k < 4; k++) fp_sqr(&acc, &acc);
      if (w) fp_mul(&acc, &acc, &table[w]);
    } else if (w) {
      acc = table[w];
      started = 1;
    }
  }
  *r = acc;
}

/* a^-1 by Fermat (a^(P - 2)), 0 for 0; the reference for fp_inv. */
FP_FN void fp_inv_pow(fp *r, const fp *a) { fp_pow(r, a, PM2); }

/* x / 2 mod P for x < P (x + P when x is odd: below 2P < 2^(64 FP_LIMBS), then a shift). */
static inline void limbs_half_mod(uint64_t x[FP_LIMBS]) {
  uint64_t mask = 0 - (x[0] & 1), c = 0;
  for (int i = 0; i < FP_LIMBS; i++) x[i] = fp_adc(x[i], P.l[i] & mask, c, &c);
  for (int i = 0; i < FP_LIMBS - 1; i++) x[i] = (x[i] >> 1) | (x[i + 1] << 63);
  x[FP_LIMBS - 1] >>= 1;
}

static inline void limbs_shr1(uint64_t x[FP_LIMBS]) {
  for (int i = 0; i < FP_LIMBS - 1; i++) x[i] = (x[i] >> 1) | (x[i + 1] << 63);
  x[FP_LIMBS - 1] >>= 1;
}

static inline int limbs_is_one(const uint64_t x[FP_LIMBS]) {
  uint64_t d = x[0] ^ 1;
  for (int i = 1; i < FP_LIMBS; i++) d |= x[i];
  return d == 0;
}

/* a^-1 (0 for 0) by the binary extended Euclidean algorithm on the integer A = a R mod P: with
 * x1 A = u and x2 A = v (mod P) from (u, x1) = (A, 1) and (v, x2) = (P, 0), halve u or v while
 * even (and x1 or x2 with it, mod P), subtract the smaller from the larger, until u or v is 1.
 * That gives A^-1 = a^-1 R^-1; one Montgomery product with R^3 (R2 R2 R^-1) makes it a^-1 R.
 * Variable time (the precompiles' inputs are public): about 4 times faster than the Fermat
 * exponentiation (fp_inv_pow, which the harnesses compare it against). */
FP_FN void fp_inv(fp *r, const fp *a) {
  if (fp_is_zero(a)) { memset(r, 0, sizeof *r); return; }
  fp u = *a, v = P, x1, x2, r3;
  memset(&x1, 0, sizeof x1);
  memset(&x2, 0, sizeof x2);
  x1.l[0] = 1;
  while (!limbs_is_one(u.l) && !limbs_is_one(v.l)) {
    while (!(u.l[0] & 1)) { limbs_shr1(u.l); limbs_half_mod(x1.l); }
    while (!(v.l[0] & 1)) { limbs_shr1(v.l); limbs_half_mod(x2.l); }
    /* both odd now, and u != v unless both are 1 (gcd(A, P) = 1) */
    uint64_t d[FP_LIMBS], borrow = 0;
    for (int i = 0; i < FP_LIMBS; i++) d[i] = fp_sbb(u.l[i], v.l[i], borrow, &borrow);
    if (!borrow) { memcpy(u.l, d, FP_BYTES); fp_sub(&x1, &x1, &x2); } /* u >= v */
    else {
      borrow = 0;
      for (int i = 0; i < FP_LIMBS; i++) v.l[i] = fp_sbb(v.l[i], u.l[i], borrow, &borrow);
      fp_sub(&x2, &x2, &x1);
    }
  }
  fp_mul(&r3, &R2, &R2);
  fp_mul(r, limbs_is_one(u.l) ? &x1 : &x2, &r3);
}

/* Integer limbs a < b. */
static inline int limbs_lt(const uint64_t a[FP_LIMBS], const uint64_t b[FP_LIMBS]) {
  for (int i = FP_LIMBS - 1; i >= 0; i--) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return 0;
}

/* FP_BYTES big-endian bytes -> Montgomery form; returns 0 if the value is >= P. */
FP_FN int fp_from_bytes(fp *r, const uint8_t b[FP_BYTES]) {
  fp t;
  for (int i = 0; i < FP_LIMBS; i++) {
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) v = (v << 8) | b[(FP_LIMBS - 1 - i) * 8 + k];
    t.l[i] = v;
  }
  if (!limbs_lt(t.l, P.l)) return 0;
  fp_mul(r, &t, &R2);
  return 1;
}

/* Montgomery form -> plain integer limbs. */
FP_FN void fp_to_int(uint64_t out[FP_LIMBS], const fp *a) {
  fp one, t;
  memset(&one, 0, sizeof one);
  one.l[0] = 1;
  fp_mul(&t, a, &one);
  memcpy(out, t.l, FP_BYTES);
}

/* Montgomery form -> FP_BYTES big-endian bytes. */
FP_FN void fp_to_bytes(uint8_t b[FP_BYTES], const fp *a) {
  uint64_t v[FP_LIMBS];
  fp_to_int(v, a);
  for (int i = 0; i < FP_LIMBS; i++)
    for (int k = 0; k < 8; k++) b[(FP_LIMBS - 1 - i) * 8 + k] = (uint8_t)(v[i] >> (56 - 8 * k));
}

/* 32 big-endian bytes -> 4 little-endian limbs (a scalar of either curve's group). */
static inline void scalar_from_bytes(uint64_t s[4], const uint8_t b[32]) {
  for (int i = 0; i < 4; i++) {
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) v = (v << 8) | b[(3 - i) * 8 + k];
    s[i] = v;
  }
}

/* ---------------------------------------------------------------- Fp2 */

static inline void fp2_add(fp2 *r, const fp2 *a, const fp2 *b) { fp_add(&r->c0, &a->c0, &b->c0); fp_add(&r->c1, &a->c1, &b->c1); }
static inline void fp2_sub(fp2 *r, const fp2 *a, const fp2 *b) { fp_sub(&r->c0, &a->c0, &b->c0); fp_sub(&r->c1, &a->c1, &b->c1); }
static inline void fp2_neg(fp2 *r, const fp2 *a) { fp_neg(&r->c0, &a->c0); fp_neg(&r->c1, &a->c1); }
static inline void fp2_dbl(fp2 *r, const fp2 *a) { fp2_add(r, a, a); }
static inline void fp2_conj(fp2 *r, const fp2 *a) { r->c0 = a->c0; fp_neg(&r->c1, &a->c1); }
static inline int fp2_is_zero(const fp2 *a) { return fp_is_zero(&a->c0) && fp_is_zero(&a->c1); }
static inline int fp2_eq(const fp2 *a, const fp2 *b) { return fp_eq(&a->c0, &b->c0) && fp_eq(&a->c1, &b->c1); }


static inline void fp2_sqr(fp2 *r, const fp2 *a) {
  /* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u */
  fp s, d, m;
  fp_add(&s, &a->c0, &a->c1);
  fp_sub(&d, &a->c0, &a->c1);
  fp_mul(&m, &a->c0, &a->c1);
  fp_mul(&r->c0, &s, &d);
  fp_dbl(&r->c1, &m);
}

static inline void fp2_mul_fp(fp2 *r, const fp2 *a, const fp *b) { fp_mul(&r->c0, &a->c0, b); fp_mul(&r->c1, &a->c1, b); }

/* a xi = a (k + u) = (k a0 - a1) + (a0 + k a1) u, k = FP_XI_C0 */
static inline void fp2_mul_xi(fp2 *r, const fp2 *a) {
  fp t0, t1, n0, n1;
  fp_mul_small(&t0, &a->c0, FP_XI_C0);
  fp_mul_small(&t1, &a->c1, FP_XI_C0);
  fp_sub(&n0, &t0, &a->c1);
  fp_add(&n1, &t1, &a->c0);
  r->c0 = n0;
  r->c1 = n1;
}

/* Double-width Fp2 (lazy reduction). a b for reduced a, b (Karatsuba): a0 b0 - a1 b1 and
 * (a0 + a1)(b0 + b1) - a0 b0 - a1 b1 = a0 b1 + a1 b0 (below 2 P^2 as an integer, so no
 * correction), the sums unreduced. */
static inline void fp2_mul_wide(fp2w *r, const fp2 *a, const fp2 *b) {
  fpw t0, t1, m;
  fp s0, s1;
  fp_mul_wide(&t0, &a->c0, &b->c0);
  fp_mul_wide(&t1, &a->c1, &b->c1);
  fp_add_nr(&s0, &a->c0, &a->c1);
  fp_add_nr(&s1, &b->c0, &b->c1);
  fp_mul_wide(&m, &s0, &s1);
  fpw_sub_nc(&m, &m, &t0);
  fpw_sub_nc(&r->c1, &m, &t1);
  fpw_sub(&r->c0, &t0, &t1);
}

/* a^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u with a0 - a1 taken as a0 + (P - a1) (below 2P): both
 * products below 4 P^2. */
static inline void fp2_sqr_wide(fp2w *r, const fp2 *a) {
  fp s, d, n;
  fp_add_nr(&s, &a->c0, &a->c1);
  fp_sub(&n, &P, &a->c1); /* P - a1, in [1, P] (fp_sub does not reduce P itself) */
  fp_add_nr(&d, &a->c0, &n);
  fp_mul_wide(&r->c0, &s, &d);
  fp_add_nr(&d, &a->c1, &a->c1);
  fp_mul_wide(&r->c1, &a->c0, &d);
}

static inline void fp2_mul_fp_wide(fp2w *r, const fp2 *a, const fp *b) { fp_mul_wide(&r->c0, &a->c0, b); fp_mul_wide(&r->c1, &a->c1, b); }
static inline void fp2w_add(fp2w *r, const fp2w *a, const fp2w *b) { fpw_add(&r->c0, &a->c0, &b->c0); fpw_add(&r->c1, &a->c1, &b->c1); }
static inline void fp2w_sub(fp2w *r, const fp2w *a, const fp2w *b) { fpw_sub(&r->c0, &a->c0, &b->c0); fpw_sub(&r->c1, &a->c1, &b->c1); }
/* a + x R mod P R for a reduced x (x R is x as a double-width value): x added to the upper half. */
static inline void fpw_add_fp(fpw *r, const fpw *a, const fp *x) {
  uint64_t s[FP_LIMBS], c = 0;
  for (int i = 0; i < FP_LIMBS; i++) s[i] = fp_adc(a->l[FP_LIMBS + i], x->l[i], c, &c);
  memcpy(r->l, a->l, FP_BYTES); /* both halves below P: the sum is below 2P */
  limbs_reduce_once(r->l + FP_LIMBS, s);
}
static inline void fp2w_add_fp2(fp2w *r, const fp2w *a, const fp2 *x) { fpw_add_fp(&r->c0, &a->c0, &x->c0); fpw_add_fp(&r->c1, &a->c1, &x->c1); }
static inline void fp2_reduce_wide(fp2 *r, const fp2w *a) { fp_mont_reduce(&r->c0, &a->c0); fp_mont_reduce(&r->c1, &a->c1); }

/* a xi = (k a0 - a1) + (a0 + k a1) u, k = FP_XI_C0 */
static inline void fp2w_mul_xi(fp2w *r, const fp2w *a) {
  fpw t0, t1;
  fpw_mul_small(&t0, &a->c0, FP_XI_C0);
  fpw_mul_small(&t1, &a->c1, FP_XI_C0);
  fpw_sub(&t0, &t0, &a->c1);
  fpw_add(&r->c1, &t1, &a->c0);
  r->c0 = t0;
}

static inline void fp2_mul(fp2 *r, const fp2 *a, const fp2 *b) {
  fp2w t;
  fp2_mul_wide(&t, a, b);
  fp2_reduce_wide(r, &t);
}

FP_FN void fp2_inv(fp2 *r, const fp2 *a) {
  fp t0, t1, d;
  fp_sqr(&t0, &a->c0);
  fp_sqr(&t1, &a->c1);
  fp_add(&d, &t0, &t1);
  fp_inv(&d, &d);
  fp_mul(&r->c0, &a->c0, &d);
  fp_mul(&t1, &a->c1, &d);
  fp_neg(&r->c1, &t1);
}

/* ---------------------------------------------------------------- Fp6 */

static inline void fp6_add(fp6 *r, const fp6 *a, const fp6 *b) { fp2_add(&r->c0, &a->c0, &b->c0); fp2_add(&r->c1, &a->c1, &b->c1); fp2_add(&r->c2, &a->c2, &b->c2); }
static inline void fp6_sub(fp6 *r, const fp6 *a, const fp6 *b) { fp2_sub(&r->c0, &a->c0, &b->c0); fp2_sub(&r->c1, &a->c1, &b->c1); fp2_sub(&r->c2, &a->c2, &b->c2); }
static inline void fp6_neg(fp6 *r, const fp6 *a) { fp2_neg(&r->c0, &a->c0); fp2_neg(&r->c1, &a->c1); fp2_neg(&r->c2, &a->c2); }

/* Double-width Fp6: a formula's Fp2 products stay unreduced through its additions. */
static inline void fp6w_add(fp6w *r, const fp6w *a, const fp6w *b) { fp2w_add(&r->c0, &a->c0, &b->c0); fp2w_add(&r->c1, &a->c1, &b->c1); fp2w_add(&r->c2, &a->c2, &b->c2); }
static inline void fp6w_sub(fp6w *r, const fp6w *a, const fp6w *b) { fp2w_sub(&r->c0, &a->c0, &b->c0); fp2w_sub(&r->c1, &a->c1, &b->c1); fp2w_sub(&r->c2, &a->c2, &b->c2); }
static inline void fp6_reduce_wide(fp6 *r, const fp6w *a) { fp2_reduce_wide(&r->c0, &a->c0); fp2_reduce_wide(&r->c1, &a->c1); fp2_reduce_wide(&r->c2, &a->c2); }

/* a * v = (xi a2, a0, a1) */
static inline void fp6w_mul_v(fp6w *r, const fp6w *a) {
  fp2w t;
  fp2w_mul_xi(&t, &a->c2);
  r->c2 = a->c1;
  r->c1 = a->c0;
  r->c0 = t;
}

/* Karatsuba over Fp2 with v^3 = xi:
 * c0 = t0 + xi ((a1 + a2)(b1 + b2) - t1 - t2), c1 = (a0 + a1)(b0 + b1) - t0 - t1 + xi t2,
 * c2 = (a0 + a2)(b0 + b2) - t0 - t2 + t1, ti = ai bi. */
static inline void fp6_mul_wide(fp6w *r, const fp6 *a, const fp6 *b) {
  fp2w t0, t1, t2, c0, c1, c2, x;
  fp2 s, u;
  fp2_mul_wide(&t0, &a->c0, &b->c0);
  fp2_mul_wide(&t1, &a->c1, &b->c1);
  fp2_mul_wide(&t2, &a->c2, &b->c2);
  fp2_add(&s, &a->c1, &a->c2); fp2_add(&u, &b->c1, &b->c2); fp2_mul_wide(&c0, &s, &u);
  fp2w_sub(&c0, &c0, &t1); fp2w_sub(&c0, &c0, &t2); fp2w_mul_xi(&c0, &c0); fp2w_add(&c0, &c0, &t0);
  fp2_add(&s, &a->c0, &a->c1); fp2_add(&u, &b->c0, &b->c1); fp2_mul_wide(&c1, &s, &u);
  fp2w_sub(&c1, &c1, &t0); fp2w_sub(&c1, &c1, &t1); fp2w_mul_xi(&x, &t2); fp2w_add(&c1, &c1, &x);
  fp2_add(&s, &a->c0, &a->c2); fp2_add(&u, &b->c0, &b->c2); fp2_mul_wide(&c2, &s, &u);
  fp2w_sub(&c2, &c2, &t0); fp2w_sub(&c2, &c2, &t2); fp2w_add(&c2, &c2, &t1);
  r->c0 = c0; r->c1 = c1; r->c2 = c2;
}

FP_FN void fp6_mul(fp6 *r, const fp6 *a, const fp6 *b) {
  fp6w t;
  fp6_mul_wide(&t, a, b);
  fp6_reduce_wide(r, &t);
}

/* a * v = (xi a2, a0, a1) */
static inline void fp6_mul_v(fp6 *r, const fp6 *a) {
  fp2 t;
  fp2_mul_xi(&t, &a->c2);
  r->c2 = a->c1;
  r->c1 = a->c0;
  r->c0 = t;
}

static inline void fp6_mul_fp2_wide(fp6w *r, const fp6 *a, const fp2 *b) {
  fp2_mul_wide(&r->c0, &a->c0, b); fp2_mul_wide(&r->c1, &a->c1, b); fp2_mul_wide(&r->c2, &a->c2, b);
}

static inline void fp6_mul_fp2(fp6 *r, const fp6 *a, const fp2 *b) {
  fp2_mul(&r->c0, &a->c0, b); fp2_mul(&r->c1, &a->c1, b); fp2_mul(&r->c2, &a->c2, b);
}

static inline void fp6_mul_fp_wide(fp6w *r, const fp6 *a, const fp *b) {
  fp2_mul_fp_wide(&r->c0, &a->c0, b); fp2_mul_fp_wide(&r->c1, &a->c1, b); fp2_mul_fp_wide(&r->c2, &a->c2, b);
}

static inline void fp6_mul_fp(fp6 *r, const fp6 *a, const fp *b) {
  fp2_mul_fp(&r->c0, &a->c0, b); fp2_mul_fp(&r->c1, &a->c1, b); fp2_mul_fp(&r->c2, &a->c2, b);
}

/* a * (b0 + b1 v), five Fp2 multiplications:
 * c0 = a0 b0 + xi a2 b1, c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1, c2 = a1 b1 + a2 b0. */
static inline void fp6_mul_01_wide(fp6w *r, const fp6 *a, const fp2 *b0, const fp2 *b1) {
  fp2w t0, t1, x;
  fp2 s, u;
  fp2_mul_wide(&t0, &a->c0, b0);
  fp2_mul_wide(&t1, &a->c1, b1);
  fp2_mul_wide(&x, &a->c2, b1); fp2w_mul_xi(&x, &x); fp2w_add(&r->c0, &t0, &x);
  fp2_add(&s, &a->c0, &a->c1); fp2_add(&u, b0, b1); fp2_mul_wide(&x, &s, &u);
  fp2w_sub(&x, &x, &t0); fp2w_sub(&r->c1, &x, &t1);
  fp2_mul_wide(&x, &a->c2, b0); fp2w_add(&r->c2, &x, &t1);
}

static inline void fp6_mul_01(fp6 *r, const fp6 *a, const fp2 *b0, const fp2 *b1) {
  fp6w t;
  fp6_mul_01_wide(&t, a, b0, b1);
  fp6_reduce_wide(r, &t);
}

FP_FN void fp6_inv(fp6 *r, const fp6 *a) {
  fp2 t0, t1, t2, x, d;
  fp2_sqr(&t0, &a->c0); fp2_mul(&x, &a->c1, &a->c2); fp2_mul_xi(&x, &x); fp2_sub(&t0, &t0, &x);
  fp2_sqr(&t1, &a->c2); fp2_mul_xi(&t1, &t1); fp2_mul(&x, &a->c0, &a->c1); fp2_sub(&t1, &t1, &x);
  fp2_sqr(&t2, &a->c1); fp2_mul(&x, &a->c0, &a->c2); fp2_sub(&t2, &t2, &x);
  fp2_mul(&d, &a->c2, &t1); fp2_mul(&x, &a->c1, &t2); fp2_add(&d, &d, &x); fp2_mul_xi(&d, &d);
  fp2_mul(&x, &a->c0, &t0); fp2_add(&d, &d, &x);
  fp2_inv(&d, &d);
  fp2_mul(&r->c0, &t0, &d); fp2_mul(&r->c1, &t1, &d); fp2_mul(&r->c2, &t2, &d);
}

/* ---------------------------------------------------------------- Fp12 */

FP_FN void fp12_one(fp12 *r) {
  memset(r, 0, sizeof *r);
  r->c0.c0.c0 = ONE;
}

FP_FN int fp12_is_one(const fp12 *a) {
  fp12 one;
  fp12_one(&one);
  return memcmp(a, &one, sizeof one) == 0; /* canonical representation: values are fully reduced */
}

FP_FN void fp12_mul(fp12 *r, const fp12 *a, const fp12 *b) {
  /* (a0 + a1 w)(b0 + b1 w) = t0 + v t1 + ((a0 + a1)(b0 + b1) - t0 - t1) w, ti = ai bi,
   * reduced once per coefficient */
  fp6w t0, t1, c1;
  fp6 s, u;
  fp6_mul_wide(&t0, &a->c0, &b->c0);
  fp6_mul_wide(&t1, &a->c1, &b->c1);
  fp6_add(&s, &a->c0, &a->c1); fp6_add(&u, &b->c0, &b->c1); fp6_mul_wide(&c1, &s, &u);
  fp6w_sub(&c1, &c1, &t0); fp6w_sub(&c1, &c1, &t1);
  fp6w_mul_v(&t1, &t1);
  fp6w_add(&t0, &t0, &t1);
  fp6_reduce_wide(&r->c0, &t0);
  fp6_reduce_wide(&r->c1, &c1);
}

FP_FN void fp12_sqr(fp12 *r, const fp12 *a) {
  /* (a0 + a1 w)^2 = (a0 + a1)(a0 + v a1) - t - v t + 2 t w, t = a0 a1 */
  fp6w t, vt, c0;
  fp6 s, u, tr;
  fp6_mul_wide(&t, &a->c0, &a->c1);
  fp6_add(&s, &a->c0, &a->c1);
  fp6_mul_v(&u, &a->c1); fp6_add(&u, &u, &a->c0);
  fp6_mul_wide(&c0, &s, &u);
  fp6w_sub(&c0, &c0, &t);
  fp6w_mul_v(&vt, &t);
  fp6w_sub(&c0, &c0, &vt);
  fp6_reduce_wide(&r->c0, &c0);
  fp6_reduce_wide(&tr, &t);
  fp6_add(&r->c1, &tr, &tr);
}

static inline void fp12_conj(fp12 *r, const fp12 *a) { r->c0 = a->c0; fp6_neg(&r->c1, &a->c1); }

FP_FN void fp12_inv(fp12 *r, const fp12 *a) {
  fp6 t0, t1;
  fp6_mul(&t0, &a->c0, &a->c0);
  fp6_mul(&t1, &a->c1, &a->c1);
  fp6_mul_v(&t1, &t1);
  fp6_sub(&t0, &t0, &t1);
  fp6_inv(&t0, &t0);
  fp6_mul(&r->c0, &a->c0, &t0);
  fp6_mul(&t1, &a->c1, &t0);
  fp6_neg(&r->c1, &t1);
}

/* The Frobenius a -> a^(p^k) for odd k, with coefficients c[i-1] = xi^(i (p^k - 1) / 6): every
 * Fp2 coefficient conjugated, the one of w^i multiplied by c[i-1]. Coefficient order in the
 * w-basis: w^0 = c0.c0, w^1 = c1.c0, w^2 = c0.c1, w^3 = c1.c1, w^4 = c0.c2, w^5 = c1.c2. */
FP_FN void fp12_frob_odd(fp12 *r, const fp12 *a, const fp2 c[5]) {
  fp2_conj(&r->c0.c0, &a->c0.c0);
  fp2_conj(&r->c1.c0, &a->c1.c0); fp2_mul(&r->c1.c0, &r->c1.c0, &c[0]);
  fp2_conj(&r->c0.c1, &a->c0.c1); fp2_mul(&r->c0.c1, &r->c0.c1, &c[1]);
  fp2_conj(&r->c1.c1, &a->c1.c1); fp2_mul(&r->c1.c1, &r->c1.c1, &c[2]);
  fp2_conj(&r->c0.c2, &a->c0.c2); fp2_mul(&r->c0.c2, &r->c0.c2, &c[3]);
  fp2_conj(&r->c1.c2, &a->c1.c2); fp2_mul(&r->c1.c2, &r->c1.c2, &c[4]);
}

FP_FN void fp12_frob1(fp12 *r, const fp12 *a) { fp12_frob_odd(r, a, FROB1); }

/* a -> a^(p^2): the coefficients of xi^(i (p^2 - 1) / 6) are in Fp, and no conjugation. */
FP_FN void fp12_frob2(fp12 *r, const fp12 *a) {
  r->c0.c0 = a->c0.c0;
  fp2_mul_fp(&r->c1.c0, &a->c1.c0, &FROB2[0]);
  fp2_mul_fp(&r->c0.c1, &a->c0.c1, &FROB2[1]);
  fp2_mul_fp(&r->c1.c1, &a->c1.c1, &FROB2[2]);
  fp2_mul_fp(&r->c0.c2, &a->c0.c2, &FROB2[3]);
  fp2_mul_fp(&r->c1.c2, &a->c1.c2, &FROB2[4]);
}

/* Squaring in the cyclotomic subgroup (elements with a^(p^6 + 1) = 1, as after the easy part of
 * the final exponentiation), Granger and Scott, "Faster squaring in the cyclotomic subgroup of
 * sixth degree extensions", 2010. View Fp12 as Fp4[w]/(w^3 - s) with Fp4 = Fp2[s]/(s^2 - xi),
 * s = w^3: a = A0 + A1 w + A2 w^2, A0 = g0 + g3 s, A1 = g1 + g4 s, A2 = g2 + g5 s (g_i the
 * w^i coefficient). Then a^2 = (3 A0^2 - 2 conj A0) + (3 s A2^2 + 2 conj A1) w
 * + (3 A1^2 - 2 conj A2) w^2, where conj(x + y s) = x - y s. */
static inline void fp4_sqr(fp2 *r0, fp2 *r1, const fp2 *x, const fp2 *y) {
  /* (x + y s)^2 = (x^2 + xi y^2) + ((x + y)^2 - x^2 - y^2) s, reduced once per coefficient */
  fp2w x2, y2, t;
  fp2 xy;
  fp2_sqr_wide(&x2, x);
  fp2_sqr_wide(&y2, y);
  fp2_add(&xy, x, y);
  fp2_sqr_wide(&t, &xy);
  fp2w_sub(&t, &t, &x2);
  fp2w_sub(&t, &t, &y2);
  fp2_reduce_wide(r1, &t);
  fp2w_mul_xi(&t, &y2);
  fp2w_add(&t, &x2, &t);
  fp2_reduce_wide(r0, &t);
}

FP_FN void fp12_cyclotomic_sqr(fp12 *r, const fp12 *a) {
  const fp2 *g0 = &a->c0.c0, *g1 = &a->c1.c0, *g2 = &a->c0.c1, *g3 = &a->c1.c1, *g4 = &a->c0.c2, *g5 = &a->c1.c2;
  fp2 t0, t1, u0, u1, v0, v1, s, h0, h1, h2, h3, h4, h5;
  fp4_sqr(&t0, &t1, g0, g3); /* A0^2 */
  fp4_sqr(&v0, &v1, g1, g4); /* A1^2 */
  fp4_sqr(&u0, &u1, g2, g5); /* A2^2 */
  /* h0 = 3 t0 - 2 g0, h3 = 3 t1 + 2 g3 */
  fp2_sub(&s, &t0, g0); fp2_dbl(&s, &s); fp2_add(&h0, &s, &t0);
  fp2_add(&s, &t1, g3); fp2_dbl(&s, &s); fp2_add(&h3, &s, &t1);
  /* s A2^2 = xi u1 + u0 s: h1 = 3 xi u1 + 2 g1, h4 = 3 u0 - 2 g4 */
  fp2_mul_xi(&t0, &u1);
  fp2_add(&s, &t0, g1); fp2_dbl(&s, &s); fp2_add(&h1, &s, &t0);
  fp2_sub(&s, &u0, g4); fp2_dbl(&s, &s); fp2_add(&h4, &s, &u0);
  /* h2 = 3 v0 - 2 g2, h5 = 3 v1 + 2 g5 */
  fp2_sub(&s, &v0, g2); fp2_dbl(&s, &s); fp2_add(&h2, &s, &v0);
  fp2_add(&s, &v1, g5); fp2_dbl(&s, &s); fp2_add(&h5, &s, &v1);
  r->c0.c0 = h0; r->c1.c0 = h1; r->c0.c1 = h2; r->c1.c1 = h3; r->c0.c2 = h4; r->c1.c2 = h5;
}

/* Compressed cyclotomic squaring (Karabina, "Squaring in cyclotomic subgroups", 2013): the
 * Granger-Scott h1, h2, h4 and h5 above depend only on g1, g2, g4 and g5, so a run of squarings
 * can carry those four coefficients (c = {g1, g2, g4, g5}) at two thirds of the cost, and
 * recover g0 and g3 at the end (fp12_cyclotomic_decompress). */
FP_FN void fp12_cyclotomic_sqr_compressed(fp2 c[4]) {
  fp2 t0, u0, u1, v0, v1, s;
  fp4_sqr(&v0, &v1, &c[0], &c[2]); /* A1^2 */
  fp4_sqr(&u0, &u1, &c[1], &c[3]); /* A2^2 */
  /* h1 = 3 xi u1 + 2 g1, h4 = 3 u0 - 2 g4, h2 = 3 v0 - 2 g2, h5 = 3 v1 + 2 g5 */
  fp2_mul_xi(&t0, &u1);
  fp2_add(&s, &t0, &c[0]); fp2_dbl(&s, &s); fp2_add(&c[0], &s, &t0);
  fp2_sub(&s, &u0, &c[2]); fp2_dbl(&s, &s); fp2_add(&c[2], &s, &u0);
  fp2_sub(&s, &v0, &c[1]); fp2_dbl(&s, &s); fp2_add(&c[1], &s, &v0);
  fp2_add(&s, &v1, &c[3]); fp2_dbl(&s, &s); fp2_add(&c[3], &s, &v1);
}

/* The g0 and g3 of a cyclotomic element from c = {g1, g2, g4, g5}, as n0 / d and n3 / d. With
 * a conj(a) = 1, i.e. E^2 - v Q^2 = 1 for E = g0 + g2 v + g4 v^2 and Q = g1 + g3 v + g5 v^2, the
 * v and v^2 coefficients are linear in g0 and g3: 2 g2 g0 - 2 xi g5 g3 = -X and
 * 2 g4 g0 - 2 g1 g3 = Y with X = xi g4^2 - g1^2, Y = xi g5^2 - g2^2; by Cramer's rule
 * n0 = g1 X + xi g5 Y, n3 = g2 Y + g4 X, d = 2 (xi g4 g5 - g1 g2), when d != 0. The caller
 * divides (one inversion for several elements) and falls back when d == 0. */
FP_FN void fp12_cyclotomic_decompress_parts(fp2 *n0, fp2 *n3, fp2 *d, const fp2 c[4]) {
  fp2 x, y, t;
  fp2_sqr(&x, &c[2]); fp2_mul_xi(&x, &x); fp2_sqr(&t, &c[0]); fp2_sub(&x, &x, &t);
  fp2_sqr(&y, &c[3]); fp2_mul_xi(&y, &y); fp2_sqr(&t, &c[1]); fp2_sub(&y, &y, &t);
  fp2_mul(n0, &c[0], &x); fp2_mul(&t, &c[3], &y); fp2_mul_xi(&t, &t); fp2_add(n0, n0, &t);
  fp2_mul(n3, &c[1], &y); fp2_mul(&t, &c[2], &x); fp2_add(n3, n3, &t);
  fp2_mul(d, &c[2], &c[3]); fp2_mul_xi(d, d); fp2_mul(&t, &c[0], &c[1]); fp2_sub(d, d, &t); fp2_dbl(d, d);
}

/* a^e for a in the cyclotomic subgroup and e >= 1 (left to right from e's top bit). */
FP_FN void fp12_cyclotomic_pow(fp12 *r, const fp12 *a, uint64_t e) {
  fp12 acc = *a;
  for (int i = 62 - __builtin_clzll(e); i >= 0; i--) {
    fp12_cyclotomic_sqr(&acc, &acc);
    if ((e >> i) & 1) fp12_mul(&acc, &acc, a);
  }
  *r = acc;
}

/* ---------------------------------------------------------------- Jacobian points
 * y^2 = x^3 + b (a = 0) over Fp (G1) and Fp2 (G2): the same formulas, written once for a field
 * F with F_add, F_sub, F_dbl, F_mul, F_sqr, F_is_zero and F_eq (the doubling is "dbl-2009-l" of
 * the Explicit-Formulas Database; the addition falls back to it for p == q). */
#define FP_JACOBIAN(G, PT, F, FE)                                                                  \
  FP_FN void G##_dbl(PT *r, const PT *p) {                                                         \
    if (F##_is_zero(&p->z)) { *r = *p; return; }                                                   \
    FE a, b, c, d, e, f, t, x3, y3, z3;                                                            \
    F##_sqr(&a, &p->x);                                                                            \
    F##_sqr(&b, &p->y);                                                                            \
    F##_sqr(&c, &b);                                                                               \
    F##_add(&t, &p->x, &b); F##_sqr(&t, &t); F##_sub(&t, &t, &a); F##_sub(&t, &t, &c);             \
    F##_dbl(&d, &t);                                                                               \
    F##_dbl(&e, &a); F##_add(&e, &e, &a);                                                          \
    F##_sqr(&f, &e);                                                                               \
    F##_dbl(&t, &d); F##_sub(&x3, &f, &t);                                                         \
    F##_sub(&t, &d, &x3); F##_mul(&y3, &e, &t);                                                    \
    F##_dbl(&c, &c); F##_dbl(&c, &c); F##_dbl(&c, &c); F##_sub(&y3, &y3, &c);                      \
    F##_mul(&z3, &p->y, &p->z); F##_dbl(&z3, &z3);                                                 \
    r->x = x3; r->y = y3; r->z = z3;                                                               \
  }                                                                                                \
  FP_FN void G##_add(PT *r, const PT *p, const PT *q) {                                            \
    if (F##_is_zero(&p->z)) { *r = *q; return; }                                                   \
    if (F##_is_zero(&q->z)) { *r = *p; return; }                                                   \
    FE z1z1, z2z2, u1, u2, s1, s2, h, rr, hh, hhh, v, t, x3, y3, z3;                               \
    F##_sqr(&z1z1, &p->z);                                                                         \
    F##_sqr(&z2z2, &q->z);                                                                         \
    F##_mul(&u1, &p->x, &z2z2);                                                                    \
    F##_mul(&u2, &q->x, &z1z1);                                                                    \
    F##_mul(&s1, &p->y, &q->z); F##_mul(&s1, &s1, &z2z2);                                          \
    F##_mul(&s2, &q->y, &p->z); F##_mul(&s2, &s2, &z1z1);                                          \
    if (F##_eq(&u1, &u2)) {                                                                        \
      if (F##_eq(&s1, &s2)) { G##_dbl(r, p); return; }                                             \
      memset(r, 0, sizeof *r);                                                                     \
      return;                                                                                      \
    }                                                                                              \
    F##_sub(&h, &u2, &u1);                                                                         \
    F##_sub(&rr, &s2, &s1);                                                                        \
    F##_sqr(&hh, &h);                                                                              \
    F##_mul(&hhh, &hh, &h);                                                                        \
    F##_mul(&v, &u1, &hh);                                                                         \
    F##_sqr(&x3, &rr); F##_sub(&x3, &x3, &hhh); F##_dbl(&t, &v); F##_sub(&x3, &x3, &t);            \
    F##_sub(&t, &v, &x3); F##_mul(&y3, &rr, &t); F##_mul(&t, &s1, &hhh); F##_sub(&y3, &y3, &t);    \
    F##_mul(&z3, &p->z, &q->z); F##_mul(&z3, &z3, &h);                                             \
    r->x = x3; r->y = y3; r->z = z3;                                                               \
  }                                                                                                \
  /* [s]p for a 256-bit scalar (4 little-endian limbs), double-and-add. */                         \
  FP_FN void G##_mul(PT *r, const PT *p, const uint64_t s[4]) {                                    \
    PT acc;                                                                                        \
    memset(&acc, 0, sizeof acc);                                                                   \
    for (int i = 255; i >= 0; i--) {                                                               \
      G##_dbl(&acc, &acc);                                                                         \
      if ((s[i / 64] >> (i % 64)) & 1) G##_add(&acc, &acc, p);                                     \
    }                                                                                              \
    *r = acc;                                                                                      \
  }

FP_JACOBIAN(g1, g1j, fp, fp)
FP_JACOBIAN(g2, g2j, fp2, fp2)
