/* P256VERIFY (0x100, EIP-7951, Osaka): ECDSA verification over secp256r1 (NIST P-256) through
   nettle's hogweed (ecdsa_verify on nettle_get_secp_256r1()).

   Input: h(32) r(32) s(32) qx(32) qy(32), big-endian. The EIP's checks come first, as
   execution-specs orders them: 0 < r < n, 0 < s < n, qx < p, qy < p, (qx, qy) not (0, 0) and on
   the curve; then the signature must verify (the hash is used as it is: 256 bits, no
   truncation). Runs once per call, outside any interpreter loop (GMP allocates). */
#include "include/CPrecompiles.h"

#include <gmp.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>

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

int cprec_p256_verify(const uint8_t in[160]) {
  const uint8_t *h = in, *r = in + 32, *s = in + 64, *qx = in + 96, *qy = in + 128;
  if (is_zero(r) || !below(r, P256_N) || is_zero(s) || !below(s, P256_N)) return 0;
  if (!below(qx, P256_P) || !below(qy, P256_P) || (is_zero(qx) && is_zero(qy))) return 0;
  mpz_t x, y;
  mpz_inits(x, y, NULL);
  mpz_import(x, 32, 1, 1, 1, 0, qx);
  mpz_import(y, 32, 1, 1, 1, 0, qy);
  struct ecc_point pub;
  ecc_point_init(&pub, nettle_get_secp_256r1());
  int ok = ecc_point_set(&pub, x, y); /* 0 when the point is not on the curve */
  if (ok) {
    struct dsa_signature sig;
    dsa_signature_init(&sig);
    mpz_import(sig.r, 32, 1, 1, 1, 0, r);
    mpz_import(sig.s, 32, 1, 1, 1, 0, s);
    ok = ecdsa_verify(&pub, 32, h, &sig);
    dsa_signature_clear(&sig);
  }
  ecc_point_clear(&pub);
  mpz_clears(x, y, NULL);
  return ok ? 1 : 0;
}
