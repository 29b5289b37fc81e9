/*
 * libFuzzer target for the alt_bn128 precompiles (CSources/CPrecompiles/bn254.c, on the shared
 * field template fp_tower.h): ecAdd (0x06), ecMul (0x07), ecPairing (0x08). Never crash
 * (ASan/UBSan), always return a known code, give the same answer twice, and keep the group laws
 * on valid points.
 *
 * Input layout: byte 0 mode, then the payload.
 *   mode & 1 == 0: the payload is the input of all three precompiles as is (any length; add and
 *                  mul read their fixed-size prefix, zero-padded, as the EVM pads calldata).
 *   mode & 1 == 1: the payload gives scalars a, b (32 bytes each, zero-padded); with P = [a]G1
 *                  and Q = [b]G1 (G1 = (1, 2)) the target checks P + Q == Q + P, P + P == [2]P,
 *                  P + (-P) == O, [0]P == O, and e(P, G2) e(-P, G2) == 1 (and != 1 alone when
 *                  P != O); bit 1 of the mode flips the same bit of both G2 copies first
 *                  (payload byte 64 picks it): refused as an invalid point, or, if the result is
 *                  still a valid point, the identity holds for it too.
 *
 *   Fuzz/run.sh cprec_bn254 SECONDS
 */
#include "../CSources/CPrecompiles/include/CPrecompiles.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The EIP-197 generator of G2: x_imaginary, x_real, y_imaginary, y_real. */
static const uint8_t G2[128] = {
  0x19, 0x8e, 0x93, 0x93, 0x92, 0x0d, 0x48, 0x3a, 0x72, 0x60, 0xbf, 0xb7, 0x31, 0xfb, 0x5d, 0x25,
  0xf1, 0xaa, 0x49, 0x33, 0x35, 0xa9, 0xe7, 0x12, 0x97, 0xe4, 0x85, 0xb7, 0xae, 0xf3, 0x12, 0xc2,
  0x18, 0x00, 0xde, 0xef, 0x12, 0x1f, 0x1e, 0x76, 0x42, 0x6a, 0x00, 0x66, 0x5e, 0x5c, 0x44, 0x79,
  0x67, 0x43, 0x22, 0xd4, 0xf7, 0x5e, 0xda, 0xdd, 0x46, 0xde, 0xbd, 0x5c, 0xd9, 0x92, 0xf6, 0xed,
  0x09, 0x06, 0x89, 0xd0, 0x58, 0x5f, 0xf0, 0x75, 0xec, 0x9e, 0x99, 0xad, 0x69, 0x0c, 0x33, 0x95,
  0xbc, 0x4b, 0x31, 0x33, 0x70, 0xb3, 0x8e, 0xf3, 0x55, 0xac, 0xda, 0xdc, 0xd1, 0x22, 0x97, 0x5b,
  0x12, 0xc8, 0x5e, 0xa5, 0xdb, 0x8c, 0x6d, 0xeb, 0x4a, 0xab, 0x71, 0x80, 0x8d, 0xcb, 0x40, 0x8f,
  0xe3, 0xd1, 0xe7, 0x69, 0x0c, 0x43, 0xd3, 0x7b, 0x4c, 0xe6, 0xcc, 0x01, 0x66, 0xfa, 0x7d, 0xaa};

/* The field modulus p, big-endian. */
static const uint8_t P_BE[32] = {
  0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
  0x97, 0x81, 0x6a, 0x91, 0x68, 0x71, 0xca, 0x8d, 0x3c, 0x20, 0x8c, 0x16, 0xd8, 0x7c, 0xfd, 0x47};

static int known(int rc) {
  return rc == CPREC_OK || rc == CPREC_ERR_COORDINATE_RANGE || rc == CPREC_ERR_NOT_ON_CURVE ||
         rc == CPREC_ERR_NOT_IN_SUBGROUP || rc == CPREC_ERR_LENGTH;
}

static int is_zero(const uint8_t *p, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; i++) d |= p[i];
  return d == 0;
}

/* out = [s]G1 (must succeed: the generator is valid). */
static void g1_times(uint8_t out[64], const uint8_t s[32]) {
  uint8_t in[96] = {0};
  in[31] = 1;
  in[63] = 2;
  memcpy(in + 64, s, 32);
  if (cprec_bn254_mul(in, out) != CPREC_OK) abort();
}

/* -P: (x, p - y), O stays O. */
static void g1_neg(uint8_t out[64], const uint8_t p[64]) {
  memcpy(out, p, 32);
  if (is_zero(p, 64)) { memset(out + 32, 0, 32); return; }
  int borrow = 0;
  for (int i = 31; i >= 0; i--) {
    int d = P_BE[i] - p[32 + i] - borrow;
    borrow = d < 0;
    out[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
  }
}

static void add(uint8_t out[64], const uint8_t a[64], const uint8_t b[64]) {
  uint8_t in[128];
  memcpy(in, a, 64);
  memcpy(in + 64, b, 64);
  if (cprec_bn254_add(in, out) != CPREC_OK) abort(); /* valid points always add */
}

static void raw(const uint8_t *in, size_t len) {
  uint8_t buf[128] = {0}, o1[64], o2[64];
  memcpy(buf, in, len < 128 ? len : 128);
  int r1 = cprec_bn254_add(buf, o1), r2 = cprec_bn254_add(buf, o2);
  if (r1 != r2 || !known(r1) || (r1 == CPREC_OK && memcmp(o1, o2, 64) != 0)) abort();
  r1 = cprec_bn254_mul(buf, o1);
  r2 = cprec_bn254_mul(buf, o2);
  if (r1 != r2 || !known(r1) || (r1 == CPREC_OK && memcmp(o1, o2, 64) != 0)) abort();
  int e1 = -1, e2 = -1;
  r1 = cprec_bn254_pairing(in, len, &e1);
  r2 = cprec_bn254_pairing(in, len, &e2);
  if (r1 != r2 || !known(r1) || (r1 == CPREC_OK && (e1 != e2 || (e1 != 0 && e1 != 1)))) abort();
  if (r1 == CPREC_OK && len % 192 != 0) abort(); /* the length must be a multiple of 192 */
  if (len == 0 && (r1 != CPREC_OK || e1 != 1)) abort(); /* the empty product is 1 */
}

static void laws(const uint8_t *in, size_t len, uint8_t mode) {
  uint8_t s[96] = {0};
  memcpy(s, in, len < 65 ? len : 65);
  uint8_t p[64], q[64], pq[64], qp[64], pp[64], p2[64], np[64], o[64];
  g1_times(p, s);
  g1_times(q, s + 32);
  add(pq, p, q);
  add(qp, q, p);
  if (memcmp(pq, qp, 64) != 0) abort();
  add(pp, p, p);
  uint8_t two[32] = {0};
  two[31] = 2;
  uint8_t min[96];
  memcpy(min, p, 64);
  memcpy(min + 64, two, 32);
  if (cprec_bn254_mul(min, p2) != CPREC_OK || memcmp(pp, p2, 64) != 0) abort();
  g1_neg(np, p);
  add(o, p, np);
  if (!is_zero(o, 64)) abort();
  memset(min + 64, 0, 32);
  if (cprec_bn254_mul(min, o) != CPREC_OK || !is_zero(o, 64)) abort();

  uint8_t pin[384];
  memcpy(pin, p, 64);
  memcpy(pin + 64, G2, 128);
  memcpy(pin + 192, np, 64);
  memcpy(pin + 256, G2, 128);
  int flipped = (mode & 2) != 0;
  if (flipped) {
    unsigned bit = s[64];
    pin[64 + (bit >> 3) % 128] ^= (uint8_t)(1u << (bit & 7));
    pin[256 + (bit >> 3) % 128] ^= (uint8_t)(1u << (bit & 7));
  }
  int e = -1;
  int rc = cprec_bn254_pairing(pin, 384, &e);
  if (!known(rc)) abort();
  if (!flipped && rc != CPREC_OK) abort();
  if (rc == CPREC_OK && e != 1) abort();
  if (!flipped && !is_zero(p, 64)) {
    rc = cprec_bn254_pairing(pin, 192, &e);
    if (rc != CPREC_OK || e != 0) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (size > 1 + 192 * 4) return 0; /* a few pairs are enough to reach everything */
  if (data[0] & 1) laws(data + 1, size - 1, data[0]); else raw(data + 1, size - 1);
  return 0;
}
