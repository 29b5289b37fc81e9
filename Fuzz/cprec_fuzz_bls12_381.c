/*
 * libFuzzer target for the EIP-2537 precompiles (CSources/CPrecompiles/bls12_381.c): G1ADD,
 * G1MSM, G2ADD, G2MSM, PAIRING_CHECK, MAP_FP_TO_G1, MAP_FP2_TO_G2. Never crash (ASan/UBSan),
 * always return a known code, give the same answer twice, and keep the group laws on valid points.
 *
 * Input layout: byte 0 mode, then the payload.
 *   mode % 4 == 0: the payload is the input of all seven entry points as is (each checks its length).
 *   mode % 4 == 1: scalars a, b (32 bytes each, zero-padded); P = [a]G1, Q = [b]G2 by MSM. Checks
 *                  P + P == [2]P, P + (-P) == O, [a]G1 + [b]G1 == MSM((G1, a), (G1, b)) (the
 *                  same for G2), e(P, Q) e(-P, Q) == 1, and e(G1, G2) e(-G1, G2) e(P, Q) == e(P, Q)
 *                  being 1 only for P or Q = O.
 *   mode % 4 == 2: valid encodings of P and Q as in mode 1, then payload byte 64 picks a byte to
 *                  change to payload byte 65 in a copy of both: every entry point must return a
 *                  known code, and a G1ADD / G2ADD result must be a point G1ADD / G2ADD accept.
 *   mode % 4 == 3: the first 64 / 128 payload bytes (zero-padded, top 16 bytes of each element
 *                  cleared, so mostly valid) go through both maps; their outputs must pass MSM
 *                  (curve and subgroup checks) with scalar 1 unchanged.
 *
 *   Fuzz/run.sh cprec_bls12_381 SECONDS
 */
#include "../CSources/CPrecompiles/include/CPrecompiles.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t G1X[48] = {
  0x17, 0xf1, 0xd3, 0xa7, 0x31, 0x97, 0xd7, 0x94, 0x26, 0x95, 0x63, 0x8c, 0x4f, 0xa9, 0xac, 0x0f,
  0xc3, 0x68, 0x8c, 0x4f, 0x97, 0x74, 0xb9, 0x05, 0xa1, 0x4e, 0x3a, 0x3f, 0x17, 0x1b, 0xac, 0x58,
  0x6c, 0x55, 0xe8, 0x3f, 0xf9, 0x7a, 0x1a, 0xef, 0xfb, 0x3a, 0xf0, 0x0a, 0xdb, 0x22, 0xc6, 0xbb};
static const uint8_t G1Y[48] = {
  0x08, 0xb3, 0xf4, 0x81, 0xe3, 0xaa, 0xa0, 0xf1, 0xa0, 0x9e, 0x30, 0xed, 0x74, 0x1d, 0x8a, 0xe4,
  0xfc, 0xf5, 0xe0, 0x95, 0xd5, 0xd0, 0x0a, 0xf6, 0x00, 0xdb, 0x18, 0xcb, 0x2c, 0x04, 0xb3, 0xed,
  0xd0, 0x3c, 0xc7, 0x44, 0xa2, 0x88, 0x8a, 0xe4, 0x0c, 0xaa, 0x23, 0x29, 0x46, 0xc5, 0xe7, 0xe1};
/* G2: x.c0, x.c1, y.c0, y.c1 */
static const uint8_t G2C[4][48] = {
  {0x02, 0x4a, 0xa2, 0xb2, 0xf0, 0x8f, 0x0a, 0x91, 0x26, 0x08, 0x05, 0x27, 0x2d, 0xc5, 0x10, 0x51,
   0xc6, 0xe4, 0x7a, 0xd4, 0xfa, 0x40, 0x3b, 0x02, 0xb4, 0x51, 0x0b, 0x64, 0x7a, 0xe3, 0xd1, 0x77,
   0x0b, 0xac, 0x03, 0x26, 0xa8, 0x05, 0xbb, 0xef, 0xd4, 0x80, 0x56, 0xc8, 0xc1, 0x21, 0xbd, 0xb8},
  {0x13, 0xe0, 0x2b, 0x60, 0x52, 0x71, 0x9f, 0x60, 0x7d, 0xac, 0xd3, 0xa0, 0x88, 0x27, 0x4f, 0x65,
   0x59, 0x6b, 0xd0, 0xd0, 0x99, 0x20, 0xb6, 0x1a, 0xb5, 0xda, 0x61, 0xbb, 0xdc, 0x7f, 0x50, 0x49,
   0x33, 0x4c, 0xf1, 0x12, 0x13, 0x94, 0x5d, 0x57, 0xe5, 0xac, 0x7d, 0x05, 0x5d, 0x04, 0x2b, 0x7e},
  {0x0c, 0xe5, 0xd5, 0x27, 0x72, 0x7d, 0x6e, 0x11, 0x8c, 0xc9, 0xcd, 0xc6, 0xda, 0x2e, 0x35, 0x1a,
   0xad, 0xfd, 0x9b, 0xaa, 0x8c, 0xbd, 0xd3, 0xa7, 0x6d, 0x42, 0x9a, 0x69, 0x51, 0x60, 0xd1, 0x2c,
   0x92, 0x3a, 0xc9, 0xcc, 0x3b, 0xac, 0xa2, 0x89, 0xe1, 0x93, 0x54, 0x86, 0x08, 0xb8, 0x28, 0x01},
  {0x06, 0x06, 0xc4, 0xa0, 0x2e, 0xa7, 0x34, 0xcc, 0x32, 0xac, 0xd2, 0xb0, 0x2b, 0xc2, 0x8b, 0x99,
   0xcb, 0x3e, 0x28, 0x7e, 0x85, 0xa7, 0x63, 0xaf, 0x26, 0x74, 0x92, 0xab, 0x57, 0x2e, 0x99, 0xab,
   0x3f, 0x37, 0x0d, 0x27, 0x5c, 0xec, 0x1d, 0xa1, 0xaa, 0xa9, 0x07, 0x5f, 0xf0, 0x5f, 0x79, 0xbe}};
/* p, big-endian (48 bytes) */
static const uint8_t P_BE[48] = {
  0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7,
  0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24,
  0x1e, 0xab, 0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab};

static int known(int rc) {
  return rc == CPREC_OK || rc == CPREC_ERR_COORDINATE_RANGE || rc == CPREC_ERR_NOT_ON_CURVE ||
         rc == CPREC_ERR_NOT_IN_SUBGROUP || rc == CPREC_ERR_LENGTH;
}

static int is_zero(const uint8_t *p, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; i++) d |= p[i];
  return d == 0;
}

static void put_fp(uint8_t out[64], const uint8_t v[48]) { memset(out, 0, 16); memcpy(out + 16, v, 48); }

/* y -> p - y for a 64-byte encoded y (0 stays 0) */
static void neg_fp(uint8_t y[64]) {
  if (is_zero(y, 64)) return;
  int borrow = 0;
  for (int i = 47; i >= 0; i--) {
    int d = (int)P_BE[i] - y[16 + i] - borrow;
    borrow = d < 0;
    y[16 + i] = (uint8_t)(d + (borrow ? 256 : 0));
  }
}

static int g1_msm(const uint8_t *in, size_t len, uint8_t out[128]) {
  size_t n = len >= 160 ? cprec_bls12_msm_scratch_size(len / 160, 0) : 0;
  void *s = n ? malloc(n) : NULL;
  int rc = cprec_bls12_g1_msm(in, len, out, s, n);
  free(s);
  if (len == 0 || len % 160) { if (rc != CPREC_ERR_LENGTH) abort(); }
  return rc;
}

static int g2_msm(const uint8_t *in, size_t len, uint8_t out[256]) {
  size_t n = len >= 288 ? cprec_bls12_msm_scratch_size(len / 288, 1) : 0;
  void *s = n ? malloc(n) : NULL;
  int rc = cprec_bls12_g2_msm(in, len, out, s, n);
  free(s);
  if (len == 0 || len % 288) { if (rc != CPREC_ERR_LENGTH) abort(); }
  return rc;
}

/* Every entry point on `in`, twice: same code and output both times, a known code. */
static void all_seven(const uint8_t *in, size_t len) {
  uint8_t o1[256], o2[256];
  int r1, r2, res1 = 0, res2 = 0;
#define TWICE(CALL, OUTLEN)                                                  \
  do {                                                                       \
    uint8_t *out = o1;                                                       \
    r1 = CALL;                                                               \
    out = o2;                                                                \
    r2 = CALL;                                                               \
    if (r1 != r2 || !known(r1)) abort();                                     \
    if (r1 == CPREC_OK && memcmp(o1, o2, OUTLEN) != 0) abort();              \
  } while (0)
  TWICE(cprec_bls12_g1_add(in, len, out), 128);
  TWICE(cprec_bls12_g2_add(in, len, out), 256);
  TWICE(g1_msm(in, len, out), 128);
  TWICE(g2_msm(in, len, out), 256);
  TWICE(cprec_bls12_map_fp_to_g1(in, len, out), 128);
  TWICE(cprec_bls12_map_fp2_to_g2(in, len, out), 256);
  r1 = cprec_bls12_pairing_check(in, len, &res1);
  r2 = cprec_bls12_pairing_check(in, len, &res2);
  if (r1 != r2 || !known(r1) || (r1 == CPREC_OK && res1 != res2)) abort();
#undef TWICE
}

/* P = [a]G1 and Q = [b]G2 (encoded), by MSM. */
static void make_points(uint8_t p[128], uint8_t q[256], const uint8_t a[32], const uint8_t b[32]) {
  uint8_t in[288];
  put_fp(in, G1X); put_fp(in + 64, G1Y); memcpy(in + 128, a, 32);
  if (g1_msm(in, 160, p) != CPREC_OK) abort();
  for (int i = 0; i < 4; i++) put_fp(in + 64 * i, G2C[i]);
  memcpy(in + 256, b, 32);
  if (g2_msm(in, 288, q) != CPREC_OK) abort();
}

static void laws(const uint8_t a[32], const uint8_t b[32]) {
  uint8_t p[128], q[256], in[768], o1[256], o2[256];
  int res;
  make_points(p, q, a, b);
  /* P + P == [2]P */
  memcpy(in, p, 128); memcpy(in + 128, p, 128);
  if (cprec_bls12_g1_add(in, 256, o1) != CPREC_OK) abort();
  memset(in + 128, 0, 32); in[128 + 31] = 2;
  if (g1_msm(in, 160, o2) != CPREC_OK || memcmp(o1, o2, 128) != 0) abort();
  /* P + (-P) == O */
  memcpy(in + 128, p, 128); neg_fp(in + 192);
  if (cprec_bls12_g1_add(in, 256, o1) != CPREC_OK || !is_zero(o1, 128)) abort();
  /* [a]G1 + [b]G1 == MSM((G1, a), (G1, b)) */
  put_fp(in, G1X); put_fp(in + 64, G1Y); memcpy(in + 128, a, 32);
  memcpy(in + 160, in, 128); memcpy(in + 288, b, 32);
  if (g1_msm(in, 320, o1) != CPREC_OK) abort();
  {
    uint8_t pb[128], qq[256], sum_in[256];
    make_points(pb, qq, b, b);
    memcpy(sum_in, p, 128); memcpy(sum_in + 128, pb, 128);
    if (cprec_bls12_g1_add(sum_in, 256, o2) != CPREC_OK || memcmp(o1, o2, 128) != 0) abort();
    /* the same in G2: Q + [b]G2 (= qq) == MSM((G2, b), (G2, b)) == [2]Q */
    uint8_t in2[576];
    memcpy(in2, q, 256); memcpy(in2 + 256, qq, 256);
    if (cprec_bls12_g2_add(in2, 512, o1) != CPREC_OK) abort();
    for (int i = 0; i < 4; i++) put_fp(in2 + 64 * i, G2C[i]);
    memcpy(in2 + 256, b, 32); memcpy(in2 + 288, in2, 288);
    if (g2_msm(in2, 576, o2) != CPREC_OK || memcmp(o1, o2, 256) != 0) abort();
  }
  /* e(P, Q) e(-P, Q) == 1 */
  memcpy(in, p, 128); memcpy(in + 128, q, 256); memcpy(in + 384, p, 128); neg_fp(in + 448); memcpy(in + 512, q, 256);
  if (cprec_bls12_pairing_check(in, 768, &res) != CPREC_OK || res != 1) abort();
  /* e(P, Q) alone is 1 only when P or Q is O (r does not divide a b otherwise... unless it does) */
  if (cprec_bls12_pairing_check(in, 384, &res) != CPREC_OK) abort();
  if (res && !is_zero(p, 128) && !is_zero(q, 256)) {
    /* possible only if [a]G1 or [b]G2 is O, i.e. r | a or r | b: then the encoding is zero */
    abort();
  }
}

static void bent(const uint8_t a[32], const uint8_t b[32], uint8_t at, uint8_t value) {
  uint8_t p[128], q[256], in[416], out[256], chk[512];
  make_points(p, q, a, b);
  memcpy(in, p, 128); memcpy(in + 128, q, 256); memcpy(in + 384, a, 32);
  in[(size_t)at * 416 / 256] = value;
  all_seven(in, 128);
  all_seven(in, 160);
  all_seven(in + 128, 256);
  all_seven(in + 128, 288);
  all_seven(in, 384);
  /* an accepted sum is a point the additions accept again */
  memcpy(chk, in, 128); memcpy(chk + 128, in, 128);
  if (cprec_bls12_g1_add(chk, 256, out) == CPREC_OK) {
    memcpy(chk, out, 128); memset(chk + 128, 0, 128);
    if (cprec_bls12_g1_add(chk, 256, out) != CPREC_OK) abort();
  }
  memcpy(chk, in + 128, 256); memcpy(chk + 256, in + 128, 256);
  if (cprec_bls12_g2_add(chk, 512, out) == CPREC_OK) {
    memcpy(chk, out, 256); memset(chk + 256, 0, 256);
    if (cprec_bls12_g2_add(chk, 512, out) != CPREC_OK) abort();
  }
}

static void maps(const uint8_t *d, size_t n) {
  uint8_t u[128] = {0}, out[256], in[288], o2[256];
  memcpy(u, d, n < 128 ? n : 128);
  memset(u, 0, 16); memset(u + 64, 0, 16);
  u[16] &= 0x1f; u[80] &= 0x1f; /* below 2^381: mostly below p, sometimes not */
  int rc = cprec_bls12_map_fp_to_g1(u, 64, out);
  if (!known(rc)) abort();
  if (rc == CPREC_OK) {
    memcpy(in, out, 128); memset(in + 128, 0, 32); in[159] = 1;
    if (g1_msm(in, 160, o2) != CPREC_OK || memcmp(o2, out, 128) != 0) abort();
  }
  rc = cprec_bls12_map_fp2_to_g2(u, 128, out);
  if (!known(rc)) abort();
  if (rc == CPREC_OK) {
    memcpy(in, out, 256); memset(in + 256, 0, 32); in[287] = 1;
    if (g2_msm(in, 288, o2) != CPREC_OK || memcmp(o2, out, 256) != 0) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  const uint8_t *d = data + 1;
  size_t n = size - 1;
  uint8_t a[32] = {0}, b[32] = {0};
  memcpy(a, d, n < 32 ? n : 32);
  if (n > 32) memcpy(b, d + 32, n - 32 < 32 ? n - 32 : 32);
  switch (mode % 4) {
  case 0: all_seven(d, n); break;
  case 1: laws(a, b); break;
  case 2: bent(a, b, n > 64 ? d[64] : 0, n > 65 ? d[65] : 0xff); break;
  default: maps(d, n); break;
  }
  return 0;
}
