/* P256VERIFY (0x100, EIP-7951, Osaka): ECDSA verification over secp256r1 (NIST P-256) with
   nettle's hogweed for the two scalar multiplications and GMP for the rest.

   Input: h(32) r(32) s(32) qx(32) qy(32), big-endian. The EIP's checks come first, as
   execution-specs orders them: 0 < r < n, 0 < s < n, qx < p, qy < p, (qx, qy) not (0, 0) and on
   the curve; then the signature must verify (the hash is used as it is: 256 bits, no
   truncation): R' = u1 G + u2 Q with u1 = h / s, u2 = r / s (mod n), R' not the point at
   infinity, and R'.x = r (mod n). Runs once per call, outside any interpreter loop (GMP
   allocates).

   The addition is done here, in affine coordinates, with its doubling case, instead of by
   nettle's ecdsa_verify: nettle 3.8 adds u1 G and u2 Q with a formula that cannot double (its
   own comment: "garbage in case u1 G = +/- u2 V") and rejects when u1 G = u2 Q, where the EIP's
   R' is 2 u1 G, a point like any other: a signature built for it (k = 2d) is valid, and
   execution-specs (OpenSSL) accepts it. A review built such signatures and EEKit refused them.
   (Checking nettle's rejections a second time would have doubled the price of every invalid
   signature; this path costs what ecdsa_verify did.) */
#include "include/CPrecompiles.h"

#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>

/* secp256r1's group order n and field prime p (SEC 2, section 2.4.2), big-endian. */
static const uint8_t P256_N[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                   0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
static const uint8_t P256_P[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* 1 if the big-endian a < b (both 32 bytes). */
static int below(const uint8_t a[32], const uint8_t b[32]) {
  for (int i = 0; i < 32; i++)
    if (a[i] != b[i]) return a[i] < b[i];
  return 0;
}

static int is_zero(const uint8_t a[32]) {
  uint8_t acc = 0;
  for (int i = 0; i < 32; i++) acc |= a[i];
  return acc == 0;
}

/* R' = u1 G + u2 Q for the public key `pub`; 1 if it is not the point at infinity and its x is
   r (mod n). u2 = r / s is never 0 (0 < r, s < n); u1 = h / s is 0 for h = 0 or n, and then
   R' = u2 Q. */
static int verifies(const struct ecc_point *pub, const mpz_t h, const mpz_t r, const mpz_t s) {
  const struct ecc_curve *curve = nettle_get_secp_256r1();
  mpz_t n, p, sinv, u1, u2, ax, ay, bx, by, num, den, x;
  mpz_inits(n, p, sinv, u1, u2, ax, ay, bx, by, num, den, x, NULL);
  mpz_import(n, 32, 1, 1, 1, 0, P256_N);
  mpz_import(p, 32, 1, 1, 1, 0, P256_P);
  int ok = 0;
  struct ecc_scalar k1, k2;
  struct ecc_point a, b;
  ecc_scalar_init(&k1, curve);
  ecc_scalar_init(&k2, curve);
  ecc_point_init(&a, curve);
  ecc_point_init(&b, curve);
  if (!mpz_invert(sinv, s, n)) goto done; /* n is prime and 0 < s < n: not reached */
  mpz_mod(u1, h, n);
  mpz_mul(u1, u1, sinv);
  mpz_mod(u1, u1, n);
  mpz_mul(u2, r, sinv);
  mpz_mod(u2, u2, n);
  if (!ecc_scalar_set(&k2, u2)) goto done; /* 0 < u2 < n: always set */
  ecc_point_mul(&b, &k2, pub);
  ecc_point_get(&b, bx, by);
  if (mpz_sgn(u1) == 0) {
    mpz_set(x, bx); /* R' = u2 Q: u2 in [1, n) and Q of order n, never infinity */
  } else {
    if (!ecc_scalar_set(&k1, u1)) goto done;
    ecc_point_mul_g(&a, &k1);
    ecc_point_get(&a, ax, ay);
    if (mpz_cmp(ax, bx) == 0) {
      /* u1 G = -u2 Q: the point at infinity, not a valid signature. */
      if (mpz_cmp(ay, by) != 0) goto done;
      /* Doubling (P-256 has no point with y = 0: its order n is odd):
         lambda = (3 x^2 + a) / (2 y) with a = -3. */
      mpz_mul(num, ax, ax);
      mpz_sub_ui(num, num, 1);
      mpz_mul_ui(num, num, 3);
      mpz_mul_2exp(den, ay, 1);
    } else {
      mpz_sub(num, by, ay); /* lambda = (y2 - y1) / (x2 - x1) */
      mpz_sub(den, bx, ax);
    }
    mpz_mod(den, den, p);
    if (!mpz_invert(den, den, p)) goto done; /* den != 0 (mod p) here */
    mpz_mul(num, num, den);
    mpz_mod(num, num, p); /* lambda */
    mpz_mul(x, num, num);
    mpz_sub(x, x, ax);
    mpz_sub(x, x, bx);
    mpz_mod(x, x, p); /* x' = lambda^2 - x1 - x2 */
  }
  mpz_mod(x, x, n);
  ok = mpz_cmp(x, r) == 0;
done:
  ecc_point_clear(&a);
  ecc_point_clear(&b);
  ecc_scalar_clear(&k1);
  ecc_scalar_clear(&k2);
  mpz_clears(n, p, sinv, u1, u2, ax, ay, bx, by, num, den, x, NULL);
  return ok;
}

int cprec_p256_verify(const uint8_t in[160]) {
  const uint8_t *h = in, *r = in + 32, *s = in + 64, *qx = in + 96, *qy = in + 128;
  if (is_zero(r) || !below(r, P256_N) || is_zero(s) || !below(s, P256_N)) return 0;
  if (!below(qx, P256_P) || !below(qy, P256_P) || (is_zero(qx) && is_zero(qy))) return 0;
  mpz_t x, y, hz, rz, sz;
  mpz_inits(x, y, hz, rz, sz, NULL);
  mpz_import(x, 32, 1, 1, 1, 0, qx);
  mpz_import(y, 32, 1, 1, 1, 0, qy);
  struct ecc_point pub;
  ecc_point_init(&pub, nettle_get_secp_256r1());
  int ok = ecc_point_set(&pub, x, y); /* 0 when the point is not on the curve */
  if (ok) {
    mpz_import(hz, 32, 1, 1, 1, 0, h);
    mpz_import(rz, 32, 1, 1, 1, 0, r);
    mpz_import(sz, 32, 1, 1, 1, 0, s);
    ok = verifies(&pub, hz, rz, sz);
  }
  ecc_point_clear(&pub);
  mpz_clears(x, y, hz, rz, sz, NULL);
  return ok ? 1 : 0;
}
