/*
 * BLS12-381 and the EIP-4844 point evaluation precompile (0x0a): field and curve arithmetic,
 * ZCash-format G1 decompression, the optimal ate pairing and its final exponentiation, and the
 * KZG proof check against the Ethereum trusted setup.
 *
 * Field Fp: Montgomery form over 6 x 64-bit little-endian limbs (R = 2^384). The field, its tower
 * and the Jacobian point formulas are fp_tower.h's, shared with bn254.c.
 * Tower: Fp2 = Fp[u]/(u^2 + 1), Fp6 = Fp2[v]/(v^3 - xi) with xi = 1 + u, Fp12 = Fp6[w]/(w^2 - v).
 * G1: y^2 = x^3 + 4 over Fp. G2: the M-type sextic twist y^2 = x^3 + 4 xi over Fp2, untwisted by
 * (x, y) -> (x w^-2, y w^-3).
 * BLS parameter x = -0xd201000000010000: the Miller loop runs over |x| and conjugates at the end.
 *
 * The constants are derived and checked with exact integer arithmetic by
 * Tests/PrecompileTests/Vectors/bls12_381_constants.py:
 *   P, INV = -P^-1 mod 2^64, R2 = 2^768 mod P, ONE = 2^384 mod P (Montgomery one),
 *   FROB1[i] = xi^(i (p-1)/6), FROB2[i] = xi^(i (p^2-1)/6) (in Fp), BETA (a cube root of unity,
 *   the G1 endomorphism), all in Montgomery form; the generators of G1 and G2 and TAU_G2, the
 *   point [tau]G2 of the Ethereum KZG ceremony (consensus-specs trusted_setup_4096.json,
 *   g2_monomial[1]; the only external constant), compressed:
 *     b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72
 *     185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2
 *   and, in bls12_381_lines.h, the Miller-loop line coefficients of -G2 and [tau]G2.
 *
 * The KZG check needs no G2 arithmetic: both G2 points are fixed, so their lines are tables
 * (g2j and the generic projective Miller loop live in Tests/CPrecompilesHarness, which checks
 * the tables against them, and the pairing for bilinearity). One call costs about 0.75 ms on the
 * 2-core development machine (1.2 ms before the lazy-reduction tower, normalised lines, binary-GCD
 * inversion, affine Straus table and compressed squarings of 2026-12-06;
 * Tests/CPrecompilesHarness/run.sh prints the breakdown).
 *
 * Pure: no globals (only constant tables), no allocation, no I/O.
 */
#include "include/CPrecompiles.h"

#define FP_LIMBS 6
#define FP_XI_C0 1 /* xi = 1 + u */
#include "fp_tower_types.h"

static const fp P = {{0xb9feffffffffaaabULL, 0x1eabfffeb153ffffULL, 0x6730d2a0f6b0f624ULL, 0x64774b84f38512bfULL, 0x4b1ba7b6434bacd7ULL, 0x1a0111ea397fe69aULL}};
static const uint64_t INV = 0x89f3fffcfffcfffdULL;
static const fp R2 = {{0xf4df1f341c341746ULL, 0x0a76e6a609d104f1ULL, 0x8de5476c4c95b6d5ULL, 0x67eb88a9939d83c0ULL, 0x9a793e85b519952dULL, 0x11988fe592cae3aaULL}};
static const fp ONE = {{0x760900000002fffdULL, 0xebf4000bc40c0002ULL, 0x5f48985753c758baULL, 0x77ce585370525745ULL, 0x5c071a97a256ec6dULL, 0x15f65ec3fa80e493ULL}};
static const fp B_G1 = {{0xaa270000000cfff3ULL, 0x53cc0032fc34000aULL, 0x478fe97a6b0a807fULL, 0xb1d37ebee6ba24d7ULL, 0x8ec9733bbf78ab2fULL, 0x09d645513d83de7eULL}};
static const uint64_t PM2[6] = {0xb9feffffffffaaa9ULL, 0x1eabfffeb153ffffULL, 0x6730d2a0f6b0f624ULL, 0x64774b84f38512bfULL, 0x4b1ba7b6434bacd7ULL, 0x1a0111ea397fe69aULL};
static const uint64_t SQRT_EXP[6] = {0xee7fbfffffffeaabULL, 0x07aaffffac54ffffULL, 0xd9cc34a83dac3d89ULL, 0xd91dd2e13ce144afULL, 0x92c6e9ed90d2eb35ULL, 0x0680447a8e5ff9a6ULL};
static const uint64_t HALF_P[6] = {0xdcff7fffffffd555ULL, 0x0f55ffff58a9ffffULL, 0xb39869507b587b12ULL, 0xb23ba5c279c2895fULL, 0x258dd3db21a5d66bULL, 0x0d0088f51cbff34dULL};
static const uint64_t ORDER[4] = {0xffffffff00000001ULL, 0x53bda402fffe5bfeULL, 0x3339d80809a1d805ULL, 0x73eda753299d7d48ULL};
static const fp2 FROB1[5] = {
  {{{0x07089552b319d465ULL, 0xc6695f92b50a8313ULL, 0x97e83cccd117228fULL, 0xa35baecab2dc29eeULL, 0x1ce393ea5daace4dULL, 0x08f2220fb0fb66ebULL}}, {{0xb2f66aad4ce5d646ULL, 0x5842a06bfc497cecULL, 0xcf4895d42599d394ULL, 0xc11b9cba40a8e8d0ULL, 0x2e3813cbe5a0de89ULL, 0x110eefda88847fafULL}}},
  {{{0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL}}, {{0xcd03c9e48671f071ULL, 0x5dab22461fcda5d2ULL, 0x587042afd3851b95ULL, 0x8eb60ebe01bacb9eULL, 0x03f97d6e83d050d2ULL, 0x18f0206554638741ULL}}},
  {{{0x7bcfa7a25aa30fdaULL, 0xdc17dec12a927e7cULL, 0x2f088dd86b4ebef1ULL, 0xd1ca2087da74d4a7ULL, 0x2da2596696cebc1dULL, 0x0e2b7eedbbfd87d2ULL}}, {{0x7bcfa7a25aa30fdaULL, 0xdc17dec12a927e7cULL, 0x2f088dd86b4ebef1ULL, 0xd1ca2087da74d4a7ULL, 0x2da2596696cebc1dULL, 0x0e2b7eedbbfd87d2ULL}}},
  {{{0x890dc9e4867545c3ULL, 0x2af322533285a5d5ULL, 0x50880866309b7e2cULL, 0xa20d1b8c7e881024ULL, 0x14e4f04fe2db9068ULL, 0x14e56d3f1564853aULL}}, {{0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL}}},
  {{{0x82d83cf50dbce43fULL, 0xa2813e53df9d018fULL, 0xc6f0caa53c65e181ULL, 0x7525cf528d50fe95ULL, 0x4a85ed50f4798a6bULL, 0x171da0fd6cf8eebdULL}}, {{0x3726c30af242c66cULL, 0x7c2ac1aad1b6fe70ULL, 0xa04007fbba4b14a2ULL, 0xef517c3266341429ULL, 0x0095ba654ed2226bULL, 0x02e370eccc86f7ddULL}}}};
static const fp FROB2[5] = {
  {{0xecfb361b798dba3aULL, 0xc100ddb891865a2cULL, 0x0ec08ff1232bda8eULL, 0xd5c13cc6f1ca4721ULL, 0x47222a47bf7b5c04ULL, 0x0110f184e51c5f59ULL}},
  {{0x30f1361b798a64e8ULL, 0xf3b8ddab7ece5a2aULL, 0x16a8ca3ac61577f7ULL, 0xc26a2ff874fd029bULL, 0x3636b76660701c6eULL, 0x051ba4ab241b6160ULL}},
  {{0x43f5fffffffcaaaeULL, 0x32b7fff2ed47fffdULL, 0x07e83a49a2e99d69ULL, 0xeca8f3318332bb7aULL, 0xef148d1ea0f4c069ULL, 0x040ab3263eff0206ULL}},
  {{0xcd03c9e48671f071ULL, 0x5dab22461fcda5d2ULL, 0x587042afd3851b95ULL, 0x8eb60ebe01bacb9eULL, 0x03f97d6e83d050d2ULL, 0x18f0206554638741ULL}},
  {{0x890dc9e4867545c3ULL, 0x2af322533285a5d5ULL, 0x50880866309b7e2cULL, 0xa20d1b8c7e881024ULL, 0x14e4f04fe2db9068ULL, 0x14e56d3f1564853aULL}}};
static const fp G1_X = {{0x5cb38790fd530c16ULL, 0x7817fc679976fff5ULL, 0x154f95c7143ba1c1ULL, 0xf0ae6acdf3d0e747ULL, 0xedce6ecc21dbf440ULL, 0x120177419e0bfb75ULL}}, G1_Y = {{0xbaac93d50ce72271ULL, 0x8c22631a7918fd8eULL, 0xdd595f13570725ceULL, 0x51ac582950405194ULL, 0x0e1c8c3fad0059c0ULL, 0x0bbc3efc5008a26aULL}};
/* -G2 and [tau]G2: the Miller loop uses their line tables (bls12_381_lines.h); the points
 * themselves serve the harness (Tests/CPrecompilesHarness), which checks the tables. */
__attribute__((unused)) static const fp2 G2_X = {{{0xf5f28fa202940a10ULL, 0xb3f5fb2687b4961aULL, 0xa1a893b53e2ae580ULL, 0x9894999d1a3caee9ULL, 0x6f67b7631863366bULL, 0x058191924350bcd7ULL}}, {{0xa5a9c0759e23f606ULL, 0xaaa0c59dbccd60c3ULL, 0x3bb17e18e2867806ULL, 0x1b1ab6cc8541b367ULL, 0xc2b6ed0ef2158547ULL, 0x11922a097360edf3ULL}}};
__attribute__((unused)) static const fp2 G2_NEG_Y = {{{0x6d8bf5079fb65e61ULL, 0xc52f05df531d63a5ULL, 0x7f4a4d344ca692c9ULL, 0xa887959b8577c95fULL, 0x4347fe40525c8734ULL, 0x197d145bbaff0bb5ULL}}, {{0x0c3e036d209afa4eULL, 0x0601d8f4863f9e23ULL, 0xe0832636bacc0a84ULL, 0xeb2def362a476f84ULL, 0x64044f659f0ee1e9ULL, 0x0ed54f48d5a1caa7ULL}}};
__attribute__((unused)) static const fp2 TAU_G2_X = {{{0x6120a2099b0379f9ULL, 0xa2df815cb8210e4eULL, 0xcb57be5577bd3d4fULL, 0x62da0ea89a0c93f8ULL, 0x02e0ee16968e150dULL, 0x171f09aea833acd5ULL}}, {{0x11a3670749dfd455ULL, 0x04991d7b3abffadcULL, 0x85446a8e14437f41ULL, 0x27174e7b4e76e3f2ULL, 0x7bfa6dd397f60a20ULL, 0x02fcc329ac07080fULL}}};
__attribute__((unused)) static const fp2 TAU_G2_Y = {{{0xaa130838793b2317ULL, 0xe236dd220f891637ULL, 0x6502782925760980ULL, 0xd05c25f60557ec89ULL, 0x6095767a44064474ULL, 0x185693917080d405ULL}}, {{0x549f9e175b03dc0aULL, 0x32c0c95a77106cfeULL, 0x64a74eae5705d080ULL, 0x53deeaf56659ed9eULL, 0x09a1d368508afb93ULL, 0x12cf3a4525b5e9bdULL}}};
static const fp BETA = {{0x30f1361b798a64e8ULL, 0xf3b8ddab7ece5a2aULL, 0x16a8ca3ac61577f7ULL, 0xc26a2ff874fd029bULL, 0x3636b76660701c6eULL, 0x051ba4ab241b6160ULL}};

/* |x|, the BLS parameter's absolute value (x itself is negative). */
static const uint64_t X_ABS = 0xd201000000010000ULL;

/* FIELD_ELEMENTS_PER_BLOB (4096) and BLS_MODULUS (r), the precompile's output. */
static const uint8_t POINT_EVALUATION_OUTPUT[64] = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00,
  0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
  0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};

#include "fp_tower.h"

/* ---------------------------------------------------------------- Fp (BLS12-381 only) */

/* Square root (p = 3 mod 4): returns 0 when a is not a square. */
static int fp_sqrt(fp *r, const fp *a) {
  fp s, c;
  fp_pow(&s, a, SQRT_EXP);
  fp_sqr(&c, &s);
  if (!fp_eq(&c, a)) return 0;
  *r = s;
  return 1;
}

/* Whether y (Montgomery form) is the larger of y and -y as integers: y > (p - 1) / 2. */
static int fp_is_lexicographically_largest(const fp *y) {
  uint64_t v[6];
  fp_to_int(v, y);
  return limbs_lt(HALF_P, v);
}

/* Whether a 4-limb scalar is below the group order r. */
static int scalar_below_order(const uint64_t s[4]) {
  for (int i = 3; i >= 0; i--) {
    if (s[i] != ORDER[i]) return s[i] < ORDER[i];
  }
  return 0;
}

/* ---------------------------------------------------------------- Fp12 (BLS12-381 only) */

/* f * (l0 + l2 w^2 + w^3): the line shape of the M-type twist, normalised so that the w^3
 * coefficient is 1 (the lines divided by py, an Fp factor the final exponentiation removes).
 * With L0 = l0 + l2 v and w^3 = v w: (f0 + f1 w)(L0 + v w) = f0 L0 + v^2 f1 + (f1 L0 + v f0) w,
 * two sparse Fp6 products, the v^2 f1 and v f0 terms added to their upper halves (a reduced x
 * stands for x R as a double-width value), one reduction per coefficient. */
static void fp12_mul_line(fp12 *f, const fp2 *l0, const fp2 *l2) {
  fp6w a, b;
  fp2 t;
  fp6_mul_01_wide(&a, &f->c0, l0, l2);     /* f0 L0 */
  fp6_mul_01_wide(&b, &f->c1, l0, l2);     /* f1 L0 */
  /* a += v^2 f1 = (xi f1_1, xi f1_2, f1_0) */
  fp2_mul_xi(&t, &f->c1.c1); fp2w_add_fp2(&a.c0, &a.c0, &t);
  fp2_mul_xi(&t, &f->c1.c2); fp2w_add_fp2(&a.c1, &a.c1, &t);
  fp2w_add_fp2(&a.c2, &a.c2, &f->c1.c0);
  /* b += v f0 = (xi f0_2, f0_0, f0_1) */
  fp2_mul_xi(&t, &f->c0.c2); fp2w_add_fp2(&b.c0, &b.c0, &t);
  fp2w_add_fp2(&b.c1, &b.c1, &f->c0.c0);
  fp2w_add_fp2(&b.c2, &b.c2, &f->c0.c1);
  fp6_reduce_wide(&f->c0, &a);
  fp6_reduce_wide(&f->c1, &b);
}

/* a^x for a in the cyclotomic subgroup (x = -|x|: the inverse of a^|x| is its conjugate).
 * a^|x| is the product of a^(2^k) over the six set bits k of |x| (16, 48, 57, 60, 62, 63): 63
 * compressed squarings, the six powers kept compressed and decompressed together (their
 * denominators inverted at once, Montgomery's trick), five multiplications. Falls back to
 * plain cyclotomic squarings if a denominator is 0 (a = 1, for one). */
static void fp12_cyclotomic_pow_x(fp12 *r, const fp12 *a) {
  fp2 c[4] = {a->c1.c0, a->c0.c1, a->c0.c2, a->c1.c2}; /* g1, g2, g4, g5 */
  fp2 saved[6][4], n0[6], n3[6], d[6], prefix[6], inv, di;
  fp12 acc, t;
  int n = 0, ok = 1;
  for (int k = 1; k < 64; k++) {
    fp12_cyclotomic_sqr_compressed(c);
    if ((X_ABS >> k) & 1) memcpy(saved[n++], c, sizeof c);
  }
  for (int i = 0; i < 6; i++) {
    fp12_cyclotomic_decompress_parts(&n0[i], &n3[i], &d[i], saved[i]);
    ok &= !fp2_is_zero(&d[i]);
    if (i == 0) prefix[0] = d[0]; else fp2_mul(&prefix[i], &prefix[i - 1], &d[i]);
  }
  if (!ok) {
    fp12_cyclotomic_pow(&acc, a, X_ABS);
    fp12_conj(r, &acc);
    return;
  }
  fp2_inv(&inv, &prefix[5]);
  for (int i = 5; i >= 0; i--) {
    if (i > 0) { fp2_mul(&di, &inv, &prefix[i - 1]); fp2_mul(&inv, &inv, &d[i]); } else di = inv;
    fp12 *dst = i == 5 ? &acc : &t;
    fp2_mul(&dst->c0.c0, &n0[i], &di);
    dst->c1.c0 = saved[i][0];
    dst->c0.c1 = saved[i][1];
    fp2_mul(&dst->c1.c1, &n3[i], &di);
    dst->c0.c2 = saved[i][2];
    dst->c1.c2 = saved[i][3];
    if (i < 5) fp12_mul(&acc, &acc, &t);
  }
  fp12_conj(r, &acc);
}

/* Final exponentiation: the third power of f^((p^12 - 1) / r), which is 1 exactly when
 * f^((p^12 - 1) / r) is (3 does not divide r). Easy part (p^6 - 1)(p^2 + 1); hard part
 * 3 (p^4 - p^2 + 1) / r = (x - 1)^2 (x + p) (x^2 + p^2 - 1) + 3 (Hayashida, Hayasaka, Teruya,
 * "Efficient final exponentiation via cyclotomic structure for pairings over families of
 * elliptic curves", 2020); the identity is checked by bls12_381_constants.py. */
static void final_exponentiation(fp12 *r, const fp12 *in) {
  fp12 f, t, t0, t1, t2;
  fp12_conj(&t, in);
  fp12_inv(&f, in);
  fp12_mul(&f, &t, &f);           /* f^(p^6 - 1) */
  fp12_frob2(&t, &f);
  fp12_mul(&f, &t, &f);           /* ^(p^2 + 1): now in the cyclotomic subgroup */

  fp12_cyclotomic_pow_x(&t0, &f);
  fp12_conj(&t, &f);
  fp12_mul(&t0, &t0, &t);         /* t0 = f^(x - 1) */
  fp12_cyclotomic_pow_x(&t1, &t0);
  fp12_conj(&t, &t0);
  fp12_mul(&t1, &t1, &t);         /* t1 = f^((x - 1)^2) */
  fp12_cyclotomic_pow_x(&t2, &t1);
  fp12_frob1(&t, &t1);
  fp12_mul(&t2, &t2, &t);         /* t2 = t1^(x + p) */
  fp12_cyclotomic_pow_x(&t0, &t2);
  fp12_cyclotomic_pow_x(&t0, &t0);
  fp12_frob2(&t, &t2);
  fp12_mul(&t0, &t0, &t);
  fp12_conj(&t, &t2);
  fp12_mul(&t0, &t0, &t);         /* t0 = t2^(x^2 + p^2 - 1) */
  fp12_cyclotomic_sqr(&t, &f);
  fp12_mul(&t, &t, &f);           /* f^3 */
  fp12_mul(r, &t0, &t);
}

/* ---------------------------------------------------------------- G1 */

/* [|x|]p (63 doublings, 5 additions). */
static void g1_mul_x_abs(g1j *r, const g1j *p) {
  g1j acc = *p;
  for (int i = 62; i >= 0; i--) {
    g1_dbl(&acc, &acc);
    if ((X_ABS >> i) & 1) g1_add(&acc, &acc, p);
  }
  *r = acc;
}

/* Membership of a finite affine point (z = 1) in the order-r subgroup G1: phi(p) == [-x^2]p
 * with phi(x, y) = (BETA x, y). phi + [x^2] is an endomorphism of degree x^4 - x^2 + 1 = r
 * whose kernel contains G1 (BETA is chosen so that phi acts on G1 as [-x^2]), so its kernel is
 * exactly G1 (Scott, "A note on group membership tests for G1, G2 and GT on BLS
 * pairing-friendly curves", 2021). [x^2]p is [|x|]([|x|]p). */
static int g1_in_subgroup(const g1j *p) {
  g1j q;
  g1_mul_x_abs(&q, p);
  g1_mul_x_abs(&q, &q);
  if (fp_is_zero(&q.z)) return 0;
  /* q == (BETA x, -y) in Jacobian coordinates: X == BETA x Z^2, Y == -y Z^3 */
  fp zz, t, u;
  fp_sqr(&zz, &q.z);
  fp_mul(&t, &BETA, &p->x);
  fp_mul(&t, &t, &zz);
  if (!fp_eq(&t, &q.x)) return 0;
  fp_mul(&zz, &zz, &q.z);
  fp_mul(&t, &p->y, &zz);
  fp_add(&u, &t, &q.y);
  return fp_is_zero(&u);
}

/* k = a + b x^2 with a < x^2 and b < 2^128, for k < 2^255 (two divisions by |x|). Then for p
 * in G1, [k]p = [a]p + [b][x^2]p = [a]p - [b]phi(p). Scalars as 2 little-endian limbs. */
static void scalar_split(uint64_t a[2], uint64_t b[2], const uint64_t k[4]) {
  uint64_t q[4], rem = 0;
  for (int pass = 0; pass < 2; pass++) {
    const uint64_t *src = pass == 0 ? k : q;
    uint64_t out[4];
    rem = 0;
    for (int i = 3; i >= 0; i--) {
      u128 cur = ((u128)rem << 64) | src[i];
      out[i] = (uint64_t)(cur / X_ABS);
      rem = (uint64_t)(cur % X_ABS);
    }
    if (pass == 0) {
      a[0] = rem; /* k0 */
    } else {
      u128 lo = (u128)rem * X_ABS + a[0]; /* k1 |x| + k0 < x^2 < 2^128 */
      a[0] = (uint64_t)lo;
      a[1] = (uint64_t)(lo >> 64);
    }
    memcpy(q, out, sizeof q);
  }
  b[0] = q[0];
  b[1] = q[1]; /* q[2] = q[3] = 0 since k < 2^255 < x^2 2^128 */
}

/* r = p + (qx, qy) for a finite affine q: "madd-2007-bl" of the Explicit-Formulas Database,
 * 7M + 4S against g1_add's 11M + 5S (falls back to doubling for p == q). */
static void g1_add_affine(g1j *r, const g1j *p, const fp *qx, const fp *qy) {
  if (fp_is_zero(&p->z)) { r->x = *qx; r->y = *qy; r->z = ONE; return; }
  fp z1z1, u2, s2, h, hh, i, j, rr, v, t, x3, y3, z3;
  fp_sqr(&z1z1, &p->z);
  fp_mul(&u2, qx, &z1z1);
  fp_mul(&s2, qy, &p->z); fp_mul(&s2, &s2, &z1z1);
  if (fp_eq(&u2, &p->x)) {
    if (fp_eq(&s2, &p->y)) { g1_dbl(r, p); return; }
    memset(r, 0, sizeof *r);
    return;
  }
  fp_sub(&h, &u2, &p->x);
  fp_sqr(&hh, &h);
  fp_dbl(&i, &hh); fp_dbl(&i, &i);                /* I = 4 HH */
  fp_mul(&j, &h, &i);                             /* J = H I */
  fp_sub(&rr, &s2, &p->y); fp_dbl(&rr, &rr);      /* r = 2 (S2 - Y1) */
  fp_mul(&v, &p->x, &i);                          /* V = X1 I */
  fp_sqr(&x3, &rr); fp_sub(&x3, &x3, &j); fp_dbl(&t, &v); fp_sub(&x3, &x3, &t);
  fp_sub(&t, &v, &x3); fp_mul(&y3, &rr, &t); fp_mul(&t, &p->y, &j); fp_dbl(&t, &t); fp_sub(&y3, &y3, &t);
  fp_add(&z3, &p->z, &h); fp_sqr(&z3, &z3); fp_sub(&z3, &z3, &z1z1); fp_sub(&z3, &z3, &hh);
  r->x = x3; r->y = y3; r->z = z3;
}

/* sum of [s_i]p_i for four points and 128-bit scalars (Straus: one 16-entry table of subset
 * sums, 128 doublings). When the four points are affine (z = 1) and no subset sum is O, the table
 * is built with mixed additions and brought to affine form with one inversion (Montgomery's
 * trick), so that the loop's additions are mixed too (about 120 of them, 5 products fewer each,
 * for about 45 products and an inversion); otherwise Jacobian throughout. */
static void g1_msm4(g1j *r, const g1j p[4], const uint64_t s[4][2]) {
  g1j table[16], acc;
  int affine = 1;
  for (int k = 0; k < 4; k++) affine &= fp_eq(&p[k].z, &ONE);
  memset(&table[0], 0, sizeof table[0]);
  for (int m = 1; m < 16; m++) {
    int low = __builtin_ctz((unsigned)m);
    if (affine) g1_add_affine(&table[m], &table[m & (m - 1)], &p[low].x, &p[low].y);
    else g1_add(&table[m], &table[m & (m - 1)], &p[low]);
    affine &= !fp_is_zero(&table[m].z);
  }
  if (affine) {
    /* prefix[m] = z_1 ... z_m; then back to front: 1 / z_m = inv prefix[m - 1], inv *= z_m */
    fp prefix[16], inv, zi, zi2;
    prefix[1] = table[1].z;
    for (int m = 2; m < 16; m++) fp_mul(&prefix[m], &prefix[m - 1], &table[m].z);
    fp_inv(&inv, &prefix[15]);
    for (int m = 15; m >= 1; m--) {
      if (m > 1) fp_mul(&zi, &inv, &prefix[m - 1]); else zi = inv;
      if (m > 1) fp_mul(&inv, &inv, &table[m].z);
      fp_sqr(&zi2, &zi);
      fp_mul(&table[m].x, &table[m].x, &zi2);
      fp_mul(&zi2, &zi2, &zi);
      fp_mul(&table[m].y, &table[m].y, &zi2);
      table[m].z = ONE;
    }
  }
  memset(&acc, 0, sizeof acc);
  for (int i = 127; i >= 0; i--) {
    g1_dbl(&acc, &acc);
    unsigned m = 0;
    for (int k = 0; k < 4; k++) m |= (unsigned)((s[k][i / 64] >> (i % 64)) & 1) << k;
    if (!m) continue;
    if (affine) g1_add_affine(&acc, &acc, &table[m].x, &table[m].y);
    else g1_add(&acc, &acc, &table[m]);
  }
  *r = acc;
}

/* Affine coordinates of a finite point (the harness's; the precompile needs only 1 / y). */
__attribute__((unused)) static void g1_to_affine(fp *x, fp *y, const g1j *p) {
  fp zi, zi2;
  fp_inv(&zi, &p->z);
  fp_sqr(&zi2, &zi);
  fp_mul(x, &p->x, &zi2);
  fp_mul(&zi2, &zi2, &zi);
  fp_mul(y, &p->y, &zi2);
}

/* Decodes a 48-byte compressed G1 point in the ZCash encoding (the top three bits of the first
 * byte are flags: 0x80 compressed, which must be set; 0x40 infinity, only as 0xc0 followed by 47
 * zero bytes; 0x20 the sign: y is the larger of y and -y). x must be below P, on the curve, and
 * the point in the order-r subgroup. */
static int g1_decompress(g1j *r, const uint8_t in[48]) {
  uint8_t b[48];
  uint8_t flags = in[0] & 0xe0;
  if (!(flags & 0x80)) return CPREC_ERR_BAD_ENCODING;
  if (flags & 0x40) {
    if (flags & 0x20) return CPREC_ERR_BAD_ENCODING;
    uint8_t any = in[0] & 0x1f;
    for (int i = 1; i < 48; i++) any |= in[i];
    if (any) return CPREC_ERR_BAD_ENCODING;
    memset(r, 0, sizeof *r);
    return CPREC_OK;
  }
  memcpy(b, in, 48);
  b[0] &= 0x1f;
  fp x, y, rhs;
  if (!fp_from_bytes(&x, b)) return CPREC_ERR_COORDINATE_RANGE;
  fp_sqr(&rhs, &x);
  fp_mul(&rhs, &rhs, &x);
  fp_add(&rhs, &rhs, &B_G1);
  if (!fp_sqrt(&y, &rhs)) return CPREC_ERR_NOT_ON_CURVE;
  if (fp_is_lexicographically_largest(&y) != ((flags & 0x20) != 0)) fp_neg(&y, &y);
  r->x = x; r->y = y; r->z = ONE;
  if (!g1_in_subgroup(r)) return CPREC_ERR_NOT_IN_SUBGROUP;
  return CPREC_OK;
}

/* ---------------------------------------------------------------- Miller loop */

/* The Miller loop runs over |x| from its second-highest bit: a doubling step per bit and an
 * addition step per set bit. Both G2 points of the KZG check are constants (-G2 and [tau]G2),
 * so their line coefficients are precomputed (bls12_381_lines.h): for the tangent at T or the
 * line through T and Q, in affine coordinates and multiplied by w^3 (a factor the final
 * exponentiation removes), a line evaluated at P = (px, py) is
 *   py w^3 - lambda px w^2 + (lambda xT - yT),
 * stored as (-lambda, lambda xT - yT). */
#define MILLER_STEPS 68
typedef struct { fp2 neg_lambda, c; } miller_line;
#include "bls12_381_lines.h"

/* One (P, Q) pair of a pairing product: P in G1, finite, given as k0 = 1 / py and k2 = px / py
 * of its affine coordinates (the lines are divided by py: (lambda xT - yT) k0 - lambda k2 w^2
 * + w^3); Q a fixed G2 point given by its line table. */
typedef struct { fp k0, k2; const miller_line *lines; } pairing_pair;

/* k0 = Z^3 / Y and k2 = X Z / Y for P = (X / Z^2, Y / Z^3), given 1 / Y (Y != 0: G1 has odd
 * order, so no point of it but O has y = 0). */
static void pairing_pair_set(pairing_pair *r, const g1j *p, const fp *y_inv, const miller_line *lines) {
  fp z2;
  fp_sqr(&z2, &p->z);
  fp_mul(&z2, &z2, &p->z);
  fp_mul(&r->k0, &z2, y_inv);
  fp_mul(&r->k2, &p->x, &p->z);
  fp_mul(&r->k2, &r->k2, y_inv);
  r->lines = lines;
}

static void miller_step(fp12 *f, const miller_line *l, const fp *k0, const fp *k2) {
  fp2 l0, l2;
  fp2_mul_fp(&l0, &l->c, k0);
  fp2_mul_fp(&l2, &l->neg_lambda, k2);
  fp12_mul_line(f, &l0, &l2);
}

/* The product of the Miller loops f_{x,Q_i}(P_i), sharing the squarings. */
static void miller_loop(fp12 *f, const pairing_pair *pairs, int n) {
  int step = 0;
  fp12_one(f);
  for (int i = 62; i >= 0; i--) {
    if (i != 62) fp12_sqr(f, f);
    for (int k = 0; k < n; k++) miller_step(f, &pairs[k].lines[step], &pairs[k].k0, &pairs[k].k2);
    step++;
    if ((X_ABS >> i) & 1) {
      for (int k = 0; k < n; k++) miller_step(f, &pairs[k].lines[step], &pairs[k].k0, &pairs[k].k2);
      step++;
    }
  }
  fp12_conj(f, f); /* x < 0 */
}

/* Whether prod e(P_i, Q_i) == 1; pairs with P at infinity are left out by the caller. */
static int pairing_product_is_one(const pairing_pair *pairs, int n) {
  fp12 f, e;
  miller_loop(&f, pairs, n);
  final_exponentiation(&e, &f);
  return fp12_is_one(&e);
}

/* ---------------------------------------------------------------- public API */

int cprec_point_evaluation(const uint8_t *in, size_t len, uint8_t out[64]) {
  if (len != 192) return CPREC_ERR_LENGTH;
  const uint8_t *versioned_hash = in, *zb = in + 32, *yb = in + 64, *commitment = in + 96, *proof = in + 144;

  /* versioned_hash == 0x01 ++ sha256(commitment)[1:] (VERSIONED_HASH_VERSION_KZG) */
  uint8_t h[32];
  cprec_sha256(commitment, 48, h);
  h[0] = 0x01;
  if (memcmp(h, versioned_hash, 32) != 0) return CPREC_ERR_VERSIONED_HASH;

  uint64_t z[4], y[4];
  scalar_from_bytes(z, zb);
  scalar_from_bytes(y, yb);
  if (!scalar_below_order(z) || !scalar_below_order(y)) return CPREC_ERR_COORDINATE_RANGE;

  g1j c, pi;
  int e = g1_decompress(&c, commitment);
  if (e) return e;
  e = g1_decompress(&pi, proof);
  if (e) return e;

  /* verify_kzg_proof: e(C - [y]G1, G2) == e(pi, [tau]G2 - [z]G2). Since
   * e(pi, [tau - z]G2) = e(pi, [tau]G2) e([-z]pi, G2), this is
   * e(C - [y]G1 + [z]pi, -G2) * e(pi, [tau]G2) == 1, which needs no G2 arithmetic.
   * -[y]G1 + [z]pi = [ay](-G1) + [by]phi(G1) + [az]pi + [bz](-phi(pi)) with y = ay + by x^2 and
   * z = az + bz x^2 (both points are in G1, where phi = [-x^2]). */
  g1j pts[4], lhs, t;
  uint64_t sc[4][2];
  pts[0].x = G1_X; fp_neg(&pts[0].y, &G1_Y); pts[0].z = ONE;
  fp_mul(&pts[1].x, &BETA, &G1_X); pts[1].y = G1_Y; pts[1].z = ONE;
  pts[2] = pi;
  if (fp_is_zero(&pi.z)) {
    pts[3] = pi;
  } else {
    fp_mul(&pts[3].x, &BETA, &pi.x); fp_neg(&pts[3].y, &pi.y); pts[3].z = ONE;
  }
  scalar_split(sc[0], sc[1], y);
  scalar_split(sc[2], sc[3], z);
  g1_msm4(&t, pts, (const uint64_t (*)[2])sc);
  g1_add(&lhs, &c, &t);

  /* the two points' 1 / y from one inversion (Montgomery's trick); pi is affine (z = 1) */
  pairing_pair pairs[2];
  int n = 0, has_lhs = !fp_is_zero(&lhs.z), has_pi = !fp_is_zero(&pi.z);
  fp inv, y_inv;
  if (has_lhs && has_pi) fp_mul(&inv, &lhs.y, &pi.y);
  else inv = has_lhs ? lhs.y : pi.y;
  if (has_lhs || has_pi) fp_inv(&inv, &inv);
  if (has_lhs) {
    if (has_pi) fp_mul(&y_inv, &inv, &pi.y); else y_inv = inv;
    pairing_pair_set(&pairs[n++], &lhs, &y_inv, LINES_NEG_G2);
  }
  if (has_pi) {
    if (has_lhs) fp_mul(&y_inv, &inv, &lhs.y); else y_inv = inv;
    pairing_pair_set(&pairs[n++], &pi, &y_inv, LINES_TAU_G2);
  }
  if (!pairing_product_is_one(pairs, n)) return CPREC_ERR_INVALID_PROOF;
  memcpy(out, POINT_EVALUATION_OUTPUT, 64);
  return CPREC_OK;
}

/* ================================================================ EIP-2537 (Prague, 0x0b..0x11)
 * The seven BLS12-381 precompiles: G1 / G2 addition, multi-scalar multiplication, the pairing
 * check with variable G2 points, and the maps of a field element to G1 / G2 (RFC 9380's
 * simplified SWU, isogeny and cofactor clearing, without hashing). Encodings: a field element
 * is 64 big-endian bytes whose top 16 are zero, below p; Fp2 is c0 || c1 (128 bytes); a point is
 * x || y, all zeros the point at infinity; a scalar is 32 big-endian bytes, any 256-bit value. */
#include "bls12_381_map.h"

/* 64 bytes -> Fp: the top 16 must be zero and the rest below p (else the 512-bit value is not
 * below p either: CPREC_ERR_COORDINATE_RANGE). */
static int fp_decode64(fp *r, const uint8_t in[64]) {
  uint8_t top = 0;
  for (int i = 0; i < 16; i++) top |= in[i];
  if (top) return CPREC_ERR_COORDINATE_RANGE;
  return fp_from_bytes(r, in + 16) ? CPREC_OK : CPREC_ERR_COORDINATE_RANGE;
}

static void fp_encode64(uint8_t out[64], const fp *a) {
  memset(out, 0, 16);
  fp_to_bytes(out + 16, a);
}

static int fp2_decode128(fp2 *r, const uint8_t in[128]) {
  int e = fp_decode64(&r->c0, in);
  return e ? e : fp_decode64(&r->c1, in + 64);
}

static void fp2_encode128(uint8_t out[128], const fp2 *a) {
  fp_encode64(out, &a->c0);
  fp_encode64(out + 64, &a->c1);
}

static int g1_affine_on_curve(const fp *x, const fp *y) {
  fp l, r;
  fp_sqr(&l, y);
  fp_sqr(&r, x);
  fp_mul(&r, &r, x);
  fp_add(&r, &r, &B_G1);
  return fp_eq(&l, &r);
}

static int g2_affine_on_curve(const fp2 *x, const fp2 *y) {
  fp2 l, r;
  fp2_sqr(&l, y);
  fp2_sqr(&r, x);
  fp2_mul(&r, &r, x);
  fp2_add(&r, &r, &B_G2);
  return fp2_eq(&l, &r);
}

/* 128 bytes -> a G1 point with z = 1 (or z = 0 for all zeros), on the curve; no subgroup check. */
static int g1_decode128(g1j *r, const uint8_t in[128]) {
  int e = fp_decode64(&r->x, in);
  if (!e) e = fp_decode64(&r->y, in + 64);
  if (e) return e;
  if (fp_is_zero(&r->x) && fp_is_zero(&r->y)) { memset(r, 0, sizeof *r); return CPREC_OK; }
  if (!g1_affine_on_curve(&r->x, &r->y)) return CPREC_ERR_NOT_ON_CURVE;
  r->z = ONE;
  return CPREC_OK;
}

static int g2_decode256(g2j *r, const uint8_t in[256]) {
  int e = fp2_decode128(&r->x, in);
  if (!e) e = fp2_decode128(&r->y, in + 128);
  if (e) return e;
  if (fp2_is_zero(&r->x) && fp2_is_zero(&r->y)) { memset(r, 0, sizeof *r); return CPREC_OK; }
  if (!g2_affine_on_curve(&r->x, &r->y)) return CPREC_ERR_NOT_ON_CURVE;
  memset(&r->z, 0, sizeof r->z);
  r->z.c0 = ONE;
  return CPREC_OK;
}

static void g1_encode128(uint8_t out[128], const g1j *p) {
  if (fp_is_zero(&p->z)) { memset(out, 0, 128); return; }
  fp x, y;
  g1_to_affine(&x, &y, p);
  fp_encode64(out, &x);
  fp_encode64(out + 64, &y);
}

static void g2_to_affine(fp2 *x, fp2 *y, const g2j *p) {
  fp2 zi, zi2;
  fp2_inv(&zi, &p->z);
  fp2_sqr(&zi2, &zi);
  fp2_mul(x, &p->x, &zi2);
  fp2_mul(&zi2, &zi2, &zi);
  fp2_mul(y, &p->y, &zi2);
}

static void g2_encode256(uint8_t out[256], const g2j *p) {
  if (fp2_is_zero(&p->z)) { memset(out, 0, 256); return; }
  fp2 x, y;
  g2_to_affine(&x, &y, p);
  fp2_encode128(out, &x);
  fp2_encode128(out + 128, &y);
}

/* ---------------------------------------------------------------- G2 */

/* r = p + (qx, qy) for a finite affine q ("madd-2007-bl", as g1_add_affine). */
static void g2_add_affine(g2j *r, const g2j *p, const fp2 *qx, const fp2 *qy) {
  if (fp2_is_zero(&p->z)) { r->x = *qx; r->y = *qy; memset(&r->z, 0, sizeof r->z); r->z.c0 = ONE; return; }
  fp2 z1z1, u2, s2, h, hh, i, j, rr, v, t, x3, y3, z3;
  fp2_sqr(&z1z1, &p->z);
  fp2_mul(&u2, qx, &z1z1);
  fp2_mul(&s2, qy, &p->z); fp2_mul(&s2, &s2, &z1z1);
  if (fp2_eq(&u2, &p->x)) {
    if (fp2_eq(&s2, &p->y)) { g2_dbl(r, p); return; }
    memset(r, 0, sizeof *r);
    return;
  }
  fp2_sub(&h, &u2, &p->x);
  fp2_sqr(&hh, &h);
  fp2_dbl(&i, &hh); fp2_dbl(&i, &i);
  fp2_mul(&j, &h, &i);
  fp2_sub(&rr, &s2, &p->y); fp2_dbl(&rr, &rr);
  fp2_mul(&v, &p->x, &i);
  fp2_sqr(&x3, &rr); fp2_sub(&x3, &x3, &j); fp2_dbl(&t, &v); fp2_sub(&x3, &x3, &t);
  fp2_sub(&t, &v, &x3); fp2_mul(&y3, &rr, &t); fp2_mul(&t, &p->y, &j); fp2_dbl(&t, &t); fp2_sub(&y3, &y3, &t);
  fp2_add(&z3, &p->z, &h); fp2_sqr(&z3, &z3); fp2_sub(&z3, &z3, &z1z1); fp2_sub(&z3, &z3, &hh);
  r->x = x3; r->y = y3; r->z = z3;
}

/* [|x|]p (63 doublings, 5 additions). */
static void g2_mul_x_abs(g2j *r, const g2j *p) {
  g2j acc = *p;
  for (int i = 62; i >= 0; i--) {
    g2_dbl(&acc, &acc);
    if ((X_ABS >> i) & 1) g2_add(&acc, &acc, p);
  }
  *r = acc;
}

/* psi(x, y) = (conj(x) PSI_X, conj(y) PSI_Y), the untwist-Frobenius-twist endomorphism; on
 * Jacobian coordinates too (conjugation is a field automorphism, so Z is conjugated). */
static void g2_psi(g2j *r, const g2j *p) {
  fp2_conj(&r->x, &p->x); fp2_mul(&r->x, &r->x, &PSI_X);
  fp2_conj(&r->y, &p->y); fp2_mul(&r->y, &r->y, &PSI_Y);
  fp2_conj(&r->z, &p->z);
}

static void g2_neg(g2j *r, const g2j *p) { r->x = p->x; fp2_neg(&r->y, &p->y); r->z = p->z; }

/* Membership of a finite affine point (z = 1) of the twist in G2: psi(p) == [x]p (Scott, "A note
 * on group membership tests for G1, G2 and GT on BLS pairing-friendly curves", 2021: for
 * BLS12-381 this holds exactly on G2), i.e. [|x|]p == -psi(p). */
static int g2_in_subgroup(const g2j *p) {
  g2j q, s;
  g2_mul_x_abs(&q, p);
  if (fp2_is_zero(&q.z)) return 0;
  g2_psi(&s, p); /* affine: z stays 1 */
  fp2 zz, t, u;
  fp2_sqr(&zz, &q.z);
  fp2_mul(&t, &s.x, &zz);
  if (!fp2_eq(&t, &q.x)) return 0;
  fp2_mul(&zz, &zz, &q.z);
  fp2_mul(&t, &s.y, &zz);
  fp2_add(&u, &t, &q.y);
  return fp2_is_zero(&u);
}

/* ---------------------------------------------------------------- MSM
 * The points are checked to be in the order-r subgroup, so each scalar (any 256-bit value) is
 * taken mod r and split along an endomorphism first:
 *   G1: k = a + b x^2 with a, b < 2^128 (scalar_split), and phi = [-x^2] on G1, so
 *       [k]P = [a]P + [b](BETA px, -py);
 *   G2: k = a0 + a1 X + a2 X^2 + a3 X^3 in base X = |x| (digits below 2^64; k < r < X^4), and
 *       psi = [x] = [-X] on G2, so [k]Q = [a0]Q + [a1](-psi Q) + [a2](psi^2 Q) + [a3](-psi^3 Q).
 * That makes n = 2k (G1) or 4k (G2) affine points with 128- or 64-bit scalars: a half or a
 * quarter of the doublings and windows. Then signed fixed windows of c bits: a scalar is
 * sum d_j 2^(c j), d_j in [-2^(c-1), 2^(c-1)), W = nbits / c + 1 windows (the last takes the top
 * carry). Few points: Straus (interleaved windows; per point a table of [1..2^(c-1)]p). More:
 * Pippenger (per window 2^(c-1) buckets filled with mixed additions, the running-sum trick).
 * All working memory comes from the caller's scratch (cprec_bls12_msm_scratch_size); nothing
 * is allocated. */
#define MSM_STRAUS_MAX 8   /* up to this many points (after the split): Straus with c = 5 */
#define MSM_STRAUS_C 5

static unsigned msm_window(size_t n) {
  if (n <= MSM_STRAUS_MAX) return MSM_STRAUS_C;
  if (n < 32) return 4;
  if (n < 96) return 5;
  if (n < 256) return 6;
  if (n < 768) return 7;
  if (n < 2048) return 8;
  if (n < 6144) return 9;
  return 10;
}

static size_t msm_windows(unsigned c, unsigned nbits) { return nbits / c + 1; }

/* Digits of scalar s (4 little-endian limbs) in w windows of c bits, signed. */
static void msm_digits(int16_t *d, const uint64_t s[4], unsigned c, size_t w) {
  int carry = 0;
  for (size_t j = 0; j < w; j++) {
    unsigned bit = (unsigned)(j * c), limb = bit / 64, off = bit % 64;
    uint64_t v = 0;
    if (limb < 4) {
      v = s[limb] >> off;
      if (off + c > 64 && limb + 1 < 4) v |= s[limb + 1] << (64 - off);
    }
    int b = (int)(v & ((1u << c) - 1)) + carry;
    if (b >= (1 << (c - 1))) { b -= 1 << c; carry = 1; } else carry = 0;
    d[j] = (int16_t)b;
  }
}

/* s mod r for any 256-bit s (2^256 < 3r: at most two subtractions). */
static void scalar_reduce(uint64_t s[4]) {
  while (!scalar_below_order(s)) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) s[i] = fp_sbb(s[i], ORDER[i], borrow, &borrow);
  }
}

/* k = d0 + d1 X + d2 X^2 + d3 X^3, X = |x|, for k < r (so k < X^4 and every d_i < X). */
static void scalar_split4(uint64_t d[4], const uint64_t k[4]) {
  uint64_t q[4];
  memcpy(q, k, sizeof q);
  for (int j = 0; j < 4; j++) {
    uint64_t rem = 0;
    for (int i = 3; i >= 0; i--) {
      u128 cur = ((u128)rem << 64) | q[i];
      q[i] = (uint64_t)(cur / X_ABS);
      rem = (uint64_t)(cur % X_ABS);
    }
    d[j] = rem;
  }
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

size_t cprec_bls12_msm_scratch_size(size_t k, int g2) {
  if (k == 0 || k > ((size_t)1 << 24)) return 0;
  size_t pt = g2 ? sizeof(g2j) : sizeof(g1j), n = k * (g2 ? 4 : 2);
  unsigned c = msm_window(n);
  size_t w = msm_windows(c, g2 ? 64 : 128), half = (size_t)1 << (c - 1);
  size_t tables = n <= MSM_STRAUS_MAX ? n * half : half;
  return align8(n * pt) + align8(n * w * sizeof(int16_t)) + tables * pt;
}

/* The MSM over n points p (each finite and affine, or z = 0) with digits d (n x w). */
#define MSM_IMPL(G, PT, F, FE)                                                                      \
  static void G##_msm_run(PT *r, const PT *p, const int16_t *d, size_t n, unsigned c, size_t w,    \
                          PT *tab) {                                                               \
    size_t half = (size_t)1 << (c - 1);                                                            \
    PT acc, t;                                                                                     \
    memset(&acc, 0, sizeof acc);                                                                   \
    if (n <= MSM_STRAUS_MAX) {                                                                     \
      for (size_t i = 0; i < n; i++) {                                                             \
        PT *ti = tab + i * half;                                                                   \
        ti[0] = p[i];                                                                              \
        for (size_t m = 1; m < half; m++) G##_add(&ti[m], &ti[m - 1], &p[i]);                      \
      }                                                                                            \
      for (size_t j = w; j-- > 0;) {                                                               \
        for (unsigned b = 0; b < c; b++) G##_dbl(&acc, &acc);                                      \
        for (size_t i = 0; i < n; i++) {                                                           \
          int v = d[i * w + j];                                                                    \
          if (v > 0) G##_add(&acc, &acc, &tab[i * half + (size_t)(v - 1)]);                       \
          else if (v < 0) {                                                                        \
            t = tab[i * half + (size_t)(-v - 1)];                                                  \
            F##_neg(&t.y, &t.y);                                                                   \
            G##_add(&acc, &acc, &t);                                                               \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
      *r = acc;                                                                                    \
      return;                                                                                      \
    }                                                                                              \
    for (size_t j = w; j-- > 0;) {                                                                 \
      for (unsigned b = 0; b < c; b++) G##_dbl(&acc, &acc);                                        \
      memset(tab, 0, half * sizeof(PT));                                                           \
      for (size_t i = 0; i < n; i++) {                                                             \
        int v = d[i * w + j];                                                                      \
        if (v == 0 || F##_is_zero(&p[i].z)) continue;                                              \
        if (v > 0) G##_add_affine(&tab[v - 1], &tab[v - 1], &p[i].x, &p[i].y);                     \
        else {                                                                                     \
          FE ny;                                                                                   \
          F##_neg(&ny, &p[i].y);                                                                   \
          G##_add_affine(&tab[-v - 1], &tab[-v - 1], &p[i].x, &ny);                                \
        }                                                                                          \
      }                                                                                            \
      PT run, sum;                                                                                 \
      memset(&run, 0, sizeof run);                                                                 \
      memset(&sum, 0, sizeof sum);                                                                 \
      for (size_t b = half; b-- > 0;) {                                                            \
        G##_add(&run, &run, &tab[b]);                                                              \
        G##_add(&sum, &sum, &run);                                                                 \
      }                                                                                            \
      G##_add(&acc, &acc, &sum);                                                                   \
    }                                                                                              \
    *r = acc;                                                                                      \
  }

MSM_IMPL(g1, g1j, fp, fp)
MSM_IMPL(g2, g2j, fp2, fp2)

/* Shared driver: length and scratch checks, then per pair decode (curve), subgroup check,
 * endomorphism split into `split` points with digits, the run, the encoding. */
#define MSM_API(NAME, G, PT, F, PTLEN, IS_G2, SPLIT, NBITS, DECODE, SUBGROUP, EXPAND, ENCODE)       \
  int NAME(const uint8_t *in, size_t len, uint8_t *out, void *scratch, size_t scratch_len) {      \
    const size_t stride = PTLEN + 32;                                                              \
    if (len == 0 || len % stride != 0) return CPREC_ERR_LENGTH;                                    \
    size_t k = len / stride, n = k * SPLIT;                                                        \
    size_t need = cprec_bls12_msm_scratch_size(k, IS_G2);                                          \
    if (need == 0 || scratch == NULL || scratch_len < need) return CPREC_ERR_SCRATCH;              \
    unsigned c = msm_window(n);                                                                    \
    size_t w = msm_windows(c, NBITS);                                                              \
    uint8_t *base = (uint8_t *)scratch;                                                            \
    PT *pts = (PT *)base;                                                                          \
    int16_t *digits = (int16_t *)(base + align8(n * sizeof(PT)));                                  \
    PT *tab = (PT *)(base + align8(n * sizeof(PT)) + align8(n * w * sizeof(int16_t)));             \
    for (size_t i = 0; i < k; i++) {                                                               \
      const uint8_t *e = in + i * stride;                                                          \
      PT *pi = &pts[i * SPLIT];                                                                    \
      int rc = DECODE(pi, e);                                                                      \
      if (rc) return rc;                                                                           \
      if (!F##_is_zero(&pi->z) && !SUBGROUP(pi)) return CPREC_ERR_NOT_IN_SUBGROUP;                 \
      uint64_t s[4], parts[SPLIT][4];                                                              \
      scalar_from_bytes(s, e + PTLEN);                                                             \
      scalar_reduce(s);                                                                            \
      EXPAND(pi, parts, s);                                                                        \
      for (size_t j = 0; j < SPLIT; j++) msm_digits(digits + (i * SPLIT + j) * w, parts[j], c, w); \
    }                                                                                              \
    PT r;                                                                                          \
    G##_msm_run(&r, pts, digits, n, c, w, tab);                                                    \
    ENCODE(out, &r);                                                                               \
    return CPREC_OK;                                                                               \
  }

/* p[0] (decoded) -> p[0], p[1] = -phi(p[0]) = (BETA x, -y); s < r -> the two 128-bit halves. */
static void g1_msm_expand(g1j p[2], uint64_t parts[2][4], const uint64_t s[4]) {
  if (fp_is_zero(&p[0].z)) memset(&p[1], 0, sizeof p[1]);
  else { fp_mul(&p[1].x, &BETA, &p[0].x); fp_neg(&p[1].y, &p[0].y); p[1].z = ONE; }
  uint64_t a[2], b[2];
  scalar_split(a, b, s);
  parts[0][0] = a[0]; parts[0][1] = a[1]; parts[0][2] = parts[0][3] = 0;
  parts[1][0] = b[0]; parts[1][1] = b[1]; parts[1][2] = parts[1][3] = 0;
}

/* q[0] -> q[0], -psi q, psi^2 q, -psi^3 q; s < r -> its four base-|x| digits. */
static void g2_msm_expand(g2j q[4], uint64_t parts[4][4], const uint64_t s[4]) {
  if (fp2_is_zero(&q[0].z)) memset(&q[1], 0, 3 * sizeof q[1]);
  else {
    g2_psi(&q[1], &q[0]);  /* affine stays affine: z = 1 is its own conjugate */
    g2_psi(&q[2], &q[1]);
    g2_psi(&q[3], &q[2]);
    g2_neg(&q[1], &q[1]);
    g2_neg(&q[3], &q[3]);
  }
  uint64_t d[4];
  scalar_split4(d, s);
  for (int j = 0; j < 4; j++) { parts[j][0] = d[j]; parts[j][1] = parts[j][2] = parts[j][3] = 0; }
}

MSM_API(cprec_bls12_g1_msm, g1, g1j, fp, 128, 0, 2, 128, g1_decode128, g1_in_subgroup, g1_msm_expand, g1_encode128)
MSM_API(cprec_bls12_g2_msm, g2, g2j, fp2, 256, 1, 4, 64, g2_decode256, g2_in_subgroup, g2_msm_expand, g2_encode256)

int cprec_bls12_g1_add(const uint8_t *in, size_t len, uint8_t out[128]) {
  if (len != 256) return CPREC_ERR_LENGTH;
  g1j a, b, r;
  int e = g1_decode128(&a, in);
  if (!e) e = g1_decode128(&b, in + 128);
  if (e) return e;
  g1_add(&r, &a, &b);
  g1_encode128(out, &r);
  return CPREC_OK;
}

int cprec_bls12_g2_add(const uint8_t *in, size_t len, uint8_t out[256]) {
  if (len != 512) return CPREC_ERR_LENGTH;
  g2j a, b, r;
  int e = g2_decode256(&a, in);
  if (!e) e = g2_decode256(&b, in + 256);
  if (e) return e;
  g2_add(&r, &a, &b);
  g2_encode256(out, &r);
  return CPREC_OK;
}

/* ---------------------------------------------------------------- pairing with variable G2
 * The Miller loop of bls12_381.c's KZG check, with the lines computed as the loop goes: in
 * Jacobian coordinates and scaled by an Fp2 factor (which the final exponentiation removes),
 *   doubling at T = (X, Y, Z): (3 X^3 - 2 Y^2) + (-3 X^2 Z^2 px) w^2 + (2 Y Z^3 py) w^3,
 *   addition of affine Q:      (r xQ - Z3 yQ) + (-r px) w^2 + (Z3 py) w^3,
 * with r = yQ Z^3 - Y and Z3 = Z (xQ Z^2 - X); up to 8 pairs share the loop's squarings. */

/* f * (a + b w^2 + c w^3): with L0 = a + b v and L1 = c v, f L = f0 L0 + v f1 L1 +
 * ((f0 + f1)(L0 + L1) - f0 L0 - f1 L1) w, 13 Fp2 products. */
static void fp12_mul_line023(fp12 *f, const fp2 *a, const fp2 *b, const fp2 *c) {
  fp6 t0, t1, s, u;
  fp2 bc;
  fp6_mul_01(&t0, &f->c0, a, b);
  fp6_mul_fp2(&t1, &f->c1, c);
  fp6_mul_v(&t1, &t1);                /* f1 L1 */
  fp6_add(&s, &f->c0, &f->c1);
  fp2_add(&bc, b, c);
  fp6_mul_01(&u, &s, a, &bc);          /* (f0 + f1)(a + (b + c) v) */
  fp6_sub(&u, &u, &t0);
  fp6_sub(&f->c1, &u, &t1);
  fp6_mul_v(&t1, &t1);
  fp6_add(&f->c0, &t0, &t1);
}

static void miller_dbl_var(fp12 *f, g2j *t, const fp *px, const fp *py) {
  fp2 a, b, c, d, e, ff, s, x3, y3, z3, zz, l0, l2, l3;
  fp2_sqr(&a, &t->x);
  fp2_sqr(&b, &t->y);
  fp2_sqr(&c, &b);
  fp2_add(&s, &t->x, &b); fp2_sqr(&s, &s); fp2_sub(&s, &s, &a); fp2_sub(&s, &s, &c); fp2_dbl(&d, &s);
  fp2_dbl(&e, &a); fp2_add(&e, &e, &a);
  fp2_sqr(&ff, &e);
  fp2_sqr(&zz, &t->z);
  fp2_mul(&l0, &e, &t->x); fp2_sub(&l0, &l0, &b); fp2_sub(&l0, &l0, &b);
  fp2_mul(&l2, &e, &zz); fp2_mul_fp(&l2, &l2, px); fp2_neg(&l2, &l2);
  fp2_dbl(&s, &d); fp2_sub(&x3, &ff, &s);
  fp2_sub(&s, &d, &x3); fp2_mul(&y3, &e, &s);
  fp2_dbl(&c, &c); fp2_dbl(&c, &c); fp2_dbl(&c, &c); fp2_sub(&y3, &y3, &c);
  fp2_mul(&z3, &t->y, &t->z); fp2_dbl(&z3, &z3);
  fp2_mul(&l3, &z3, &zz); fp2_mul_fp(&l3, &l3, py);
  t->x = x3; t->y = y3; t->z = z3;
  fp12_mul_line023(f, &l0, &l2, &l3);
}

static void miller_add_var(fp12 *f, g2j *t, const fp2 *qx, const fp2 *qy, const fp *px, const fp *py) {
  fp2 zz, u2, s2, h, rr, hh, hhh, v, s, x3, y3, z3, l0, l2, l3;
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
  fp2_mul_fp(&l3, &z3, py);
  fp2_mul_fp(&l2, &rr, px); fp2_neg(&l2, &l2);
  fp2_mul(&l0, &rr, qx); fp2_mul(&s, &z3, qy); fp2_sub(&l0, &l0, &s);
  t->x = x3; t->y = y3; t->z = z3;
  fp12_mul_line023(f, &l0, &l2, &l3);
}

#define PAIRING_CHUNK 8

/* f = prod over the n pairs of f_{|x|, Q}(P) (P = (px, py), Q affine), sharing squarings. */
static void miller_loop_var(fp12 *f, const g1j *p, const g2j *q, int n) {
  g2j t[PAIRING_CHUNK];
  for (int k = 0; k < n; k++) t[k] = q[k];
  fp12_one(f);
  for (int i = 62; i >= 0; i--) {
    if (i != 62) fp12_sqr(f, f);
    for (int k = 0; k < n; k++) miller_dbl_var(f, &t[k], &p[k].x, &p[k].y);
    if ((X_ABS >> i) & 1)
      for (int k = 0; k < n; k++) miller_add_var(f, &t[k], &q[k].x, &q[k].y, &p[k].x, &p[k].y);
  }
}

int cprec_bls12_pairing_check(const uint8_t *in, size_t len, int *result) {
  if (len == 0 || len % 384 != 0) return CPREC_ERR_LENGTH;
  fp12 acc, f;
  g1j p[PAIRING_CHUNK];
  g2j q[PAIRING_CHUNK];
  int n = 0;
  fp12_one(&acc);
  for (size_t off = 0; off < len; off += 384) {
    int e = g1_decode128(&p[n], in + off);
    if (e) return e;
    if (!fp_is_zero(&p[n].z) && !g1_in_subgroup(&p[n])) return CPREC_ERR_NOT_IN_SUBGROUP;
    e = g2_decode256(&q[n], in + off + 128);
    if (e) return e;
    if (!fp2_is_zero(&q[n].z) && !g2_in_subgroup(&q[n])) return CPREC_ERR_NOT_IN_SUBGROUP;
    if (fp_is_zero(&p[n].z) || fp2_is_zero(&q[n].z)) continue; /* e(O, Q) = e(P, O) = 1 */
    if (++n == PAIRING_CHUNK || off + 384 == len) {
      miller_loop_var(&f, p, q, n);
      fp12_mul(&acc, &acc, &f);
      n = 0;
    }
  }
  if (n) { miller_loop_var(&f, p, q, n); fp12_mul(&acc, &acc, &f); }
  fp12_conj(&acc, &acc); /* x < 0 */
  final_exponentiation(&f, &acc);
  *result = fp12_is_one(&f);
  return CPREC_OK;
}

/* ---------------------------------------------------------------- maps to G1 / G2 (RFC 9380) */

static int fp_sgn0(const fp *a) {
  uint64_t v[6];
  fp_to_int(v, a);
  return (int)(v[0] & 1);
}

static int fp2_sgn0(const fp2 *a) {
  int s0 = fp_sgn0(&a->c0), z0 = fp_is_zero(&a->c0), s1 = fp_sgn0(&a->c1);
  return s0 | (z0 & s1);
}

/* Square root in Fp2 (0 when a is not a square), via the norm: for a = a0 + a1 u,
 * gamma = sqrt(a0^2 + a1^2), x0 = sqrt((a0 +- gamma) / 2), x1 = a1 / (2 x0). */
static int fp2_sqrt(fp2 *r, const fp2 *a) {
  fp n, t, gamma, delta, x0, x1;
  fp2 c, chk;
  if (fp_is_zero(&a->c1)) {
    if (fp_sqrt(&t, &a->c0)) { c.c0 = t; memset(&c.c1, 0, sizeof c.c1); }
    else {
      fp_neg(&n, &a->c0);
      if (!fp_sqrt(&t, &n)) return 0;
      memset(&c.c0, 0, sizeof c.c0); c.c1 = t;
    }
    *r = c;
    return 1;
  }
  fp_sqr(&n, &a->c0); fp_sqr(&t, &a->c1); fp_add(&n, &n, &t);
  if (!fp_sqrt(&gamma, &n)) return 0;
  fp_add(&delta, &a->c0, &gamma);
  uint64_t *dl = delta.l; limbs_half_mod(dl); /* Montgomery form is linear: halving commutes */
  if (!fp_sqrt(&x0, &delta)) {
    fp_sub(&delta, &a->c0, &gamma);
    limbs_half_mod(delta.l);
    if (!fp_sqrt(&x0, &delta)) return 0;
  }
  fp_dbl(&t, &x0);
  fp_inv(&t, &t);
  fp_mul(&x1, &a->c1, &t);
  c.c0 = x0; c.c1 = x1;
  fp2_sqr(&chk, &c);
  if (!fp2_eq(&chk, a)) return 0;
  *r = c;
  return 1;
}

/* Simplified SWU (RFC 9380 section 6.6.2) onto E1': y^2 = x^3 + A x + B. */
static void sswu_g1(fp *x, fp *y, const fp *u) {
  fp u2, tv, x1, gx, t;
  fp_sqr(&u2, u);
  fp_mul(&u2, &u2, &SSWU1_Z);          /* Z u^2 */
  fp_sqr(&tv, &u2); fp_add(&tv, &tv, &u2); /* Z^2 u^4 + Z u^2 */
  if (fp_is_zero(&tv)) x1 = SSWU1_B_OVER_ZA;
  else { fp_inv(&tv, &tv); fp_add(&tv, &tv, &ONE); fp_mul(&x1, &SSWU1_MINUS_B_OVER_A, &tv); }
  fp_sqr(&gx, &x1); fp_add(&gx, &gx, &SSWU1_A); fp_mul(&gx, &gx, &x1); fp_add(&gx, &gx, &SSWU1_B);
  if (fp_sqrt(&t, &gx)) { *x = x1; *y = t; }
  else {
    fp_mul(x, &u2, &x1);
    fp_sqr(&gx, x); fp_add(&gx, &gx, &SSWU1_A); fp_mul(&gx, &gx, x); fp_add(&gx, &gx, &SSWU1_B);
    fp_sqrt(y, &gx); /* gx1 gx2 = Z^3 u^6 gx1^2 is then a square (Z is not one): cannot fail */
  }
  if (fp_sgn0(u) != fp_sgn0(y)) fp_neg(y, y);
}

static void sswu_g2(fp2 *x, fp2 *y, const fp2 *u) {
  fp2 u2, tv, x1, gx, t;
  fp2_sqr(&u2, u);
  fp2_mul(&u2, &u2, &SSWU2_Z);
  fp2_sqr(&tv, &u2); fp2_add(&tv, &tv, &u2);
  if (fp2_is_zero(&tv)) x1 = SSWU2_B_OVER_ZA;
  else {
    fp2 one;
    memset(&one, 0, sizeof one); one.c0 = ONE;
    fp2_inv(&tv, &tv); fp2_add(&tv, &tv, &one); fp2_mul(&x1, &SSWU2_MINUS_B_OVER_A, &tv);
  }
  fp2_sqr(&gx, &x1); fp2_add(&gx, &gx, &SSWU2_A); fp2_mul(&gx, &gx, &x1); fp2_add(&gx, &gx, &SSWU2_B);
  if (fp2_sqrt(&t, &gx)) { *x = x1; *y = t; }
  else {
    fp2_mul(x, &u2, &x1);
    fp2_sqr(&gx, x); fp2_add(&gx, &gx, &SSWU2_A); fp2_mul(&gx, &gx, x); fp2_add(&gx, &gx, &SSWU2_B);
    fp2_sqrt(y, &gx);
  }
  if (fp2_sgn0(u) != fp2_sgn0(y)) fp2_neg(y, y);
}

/* Horner evaluation of a polynomial with n coefficients (constant term first). */
static void poly_fp(fp *r, const fp *k, int n, const fp *x) {
  fp acc = k[n - 1];
  for (int i = n - 2; i >= 0; i--) { fp_mul(&acc, &acc, x); fp_add(&acc, &acc, &k[i]); }
  *r = acc;
}

static void poly_fp2(fp2 *r, const fp2 *k, int n, const fp2 *x) {
  fp2 acc = k[n - 1];
  for (int i = n - 2; i >= 0; i--) { fp2_mul(&acc, &acc, x); fp2_add(&acc, &acc, &k[i]); }
  *r = acc;
}

/* The 11-isogeny E1' -> E1 (RFC 9380 appendix E.2); a pole maps to the point at infinity. */
static void iso_g1(g1j *r, const fp *x, const fp *y) {
  fp xn, xd, yn, yd, d, t;
  poly_fp(&xn, ISO1_XNUM, 12, x);
  poly_fp(&xd, ISO1_XDEN, 11, x);
  poly_fp(&yn, ISO1_YNUM, 16, x);
  poly_fp(&yd, ISO1_YDEN, 16, x);
  fp_mul(&d, &xd, &yd);
  if (fp_is_zero(&d)) { memset(r, 0, sizeof *r); return; }
  fp_inv(&d, &d);
  fp_mul(&t, &xn, &yd); fp_mul(&r->x, &t, &d);            /* xn / xd */
  fp_mul(&t, &yn, &xd); fp_mul(&t, &t, &d); fp_mul(&r->y, &t, y); /* y yn / yd */
  r->z = ONE;
}

static void iso_g2(g2j *r, const fp2 *x, const fp2 *y) {
  fp2 xn, xd, yn, yd, d, t;
  poly_fp2(&xn, ISO2_XNUM, 4, x);
  poly_fp2(&xd, ISO2_XDEN, 3, x);
  poly_fp2(&yn, ISO2_YNUM, 4, x);
  poly_fp2(&yd, ISO2_YDEN, 4, x);
  fp2_mul(&d, &xd, &yd);
  if (fp2_is_zero(&d)) { memset(r, 0, sizeof *r); return; }
  fp2_inv(&d, &d);
  fp2_mul(&t, &xn, &yd); fp2_mul(&r->x, &t, &d);
  fp2_mul(&t, &yn, &xd); fp2_mul(&t, &t, &d); fp2_mul(&r->y, &t, y);
  memset(&r->z, 0, sizeof r->z); r->z.c0 = ONE;
}

/* G2 cofactor clearing, RFC 9380 appendix G.3 (Budroni-Pintore): [h_eff]p as
 * [x^2 - x - 1]p + [x - 1]psi(p) + psi^2(2p), x the (negative) BLS parameter. */
static void g2_clear_cofactor(g2j *r, const g2j *p) {
  g2j t1, t2, t3, n;
  g2_mul_x_abs(&t1, p); g2_neg(&t1, &t1);   /* t1 = [x]p */
  g2_psi(&t2, p);                            /* t2 = psi(p) */
  g2_dbl(&t3, p); g2_psi(&t3, &t3); g2_psi(&t3, &t3); /* t3 = psi^2(2p) */
  g2_neg(&n, &t2); g2_add(&t3, &t3, &n);     /* t3 -= t2 */
  g2_add(&t2, &t1, &t2);                     /* t2 = t1 + t2 */
  g2_mul_x_abs(&t2, &t2); g2_neg(&t2, &t2);  /* t2 = [x]t2 */
  g2_add(&t3, &t3, &t2);
  g2_neg(&n, &t1); g2_add(&t3, &t3, &n);
  g2_neg(&n, p); g2_add(r, &t3, &n);
}

int cprec_bls12_map_fp_to_g1(const uint8_t *in, size_t len, uint8_t out[128]) {
  if (len != 64) return CPREC_ERR_LENGTH;
  fp u, x, y;
  int e = fp_decode64(&u, in);
  if (e) return e;
  sswu_g1(&x, &y, &u);
  g1j p, q;
  iso_g1(&p, &x, &y);
  /* h_eff = 1 - x = |x| + 1 */
  g1_mul_x_abs(&q, &p);
  g1_add(&q, &q, &p);
  g1_encode128(out, &q);
  return CPREC_OK;
}

int cprec_bls12_map_fp2_to_g2(const uint8_t *in, size_t len, uint8_t out[256]) {
  if (len != 128) return CPREC_ERR_LENGTH;
  fp2 u, x, y;
  int e = fp2_decode128(&u, in);
  if (e) return e;
  sswu_g2(&x, &y, &u);
  g2j p, q;
  iso_g2(&p, &x, &y);
  g2_clear_cofactor(&q, &p);
  g2_encode256(out, &q);
  return CPREC_OK;
}
