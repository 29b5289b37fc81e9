/* The BLAKE2b compression function F (RFC 7693 section 3.2) with a caller-chosen round count,
 * as exposed by the EIP-152 precompile. */
#include "include/CPrecompiles.h"

static const uint64_t IV[8] = {
  0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
  0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

static const uint8_t SIGMA[10][16] = {
  {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
  {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
  {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
  {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
  {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
  {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
  {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
  {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
  {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
  {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0}};

static inline uint64_t rotr64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

/* The state lives in sixteen locals v0..v15 rather than an array, so the compiler keeps it in
 * registers; a round is written out with its SIGMA row as literal indices (ROUND_0..ROUND_9), so
 * the message words are loads at fixed offsets from m and the ten-round loop needs no table.
 * The rounds % 10 rounds after the last full group of ten go through the SIGMA table.
 * EIP-152 allows up to 2^32-1 rounds, which is what this is for: the plain per-round loop over
 * SIGMA[r % 10] with a v[16] array took about 1.5 times as long per round. */
#define G(a, b, c, d, x, y)           \
  do {                                \
    a = a + b + (x);                  \
    d = rotr64(d ^ a, 32);            \
    c = c + d;                        \
    b = rotr64(b ^ c, 24);            \
    a = a + b + (y);                  \
    d = rotr64(d ^ a, 16);            \
    c = c + d;                        \
    b = rotr64(b ^ c, 63);            \
  } while (0)

#define ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
  do {                                                                              \
    G(v0, v4, v8, v12, m[s0], m[s1]);                                               \
    G(v1, v5, v9, v13, m[s2], m[s3]);                                               \
    G(v2, v6, v10, v14, m[s4], m[s5]);                                              \
    G(v3, v7, v11, v15, m[s6], m[s7]);                                              \
    G(v0, v5, v10, v15, m[s8], m[s9]);                                              \
    G(v1, v6, v11, v12, m[s10], m[s11]);                                            \
    G(v2, v7, v8, v13, m[s12], m[s13]);                                             \
    G(v3, v4, v9, v14, m[s14], m[s15]);                                             \
  } while (0)

/* These rows must stay equal to SIGMA[0..9] above: Tests/CPrecompilesHarness/blake2f_test.c
 * checks round counts that end in every row against a plain loop over SIGMA. */
#define ROUND_0 ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define ROUND_1 ROUND(14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3)
#define ROUND_2 ROUND(11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4)
#define ROUND_3 ROUND(7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8)
#define ROUND_4 ROUND(9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13)
#define ROUND_5 ROUND(2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9)
#define ROUND_6 ROUND(12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11)
#define ROUND_7 ROUND(13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10)
#define ROUND_8 ROUND(6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5)
#define ROUND_9 ROUND(10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0)

void cprec_blake2b_compress(uint64_t h[8], const uint64_t m[16], const uint64_t t[2], int final, uint32_t rounds) {
  uint64_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
  uint64_t v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
  uint64_t v12 = IV[4] ^ t[0], v13 = IV[5] ^ t[1], v14 = final ? ~IV[6] : IV[6], v15 = IV[7];
  for (uint32_t tens = rounds / 10; tens > 0; tens--) {
    ROUND_0; ROUND_1; ROUND_2; ROUND_3; ROUND_4;
    ROUND_5; ROUND_6; ROUND_7; ROUND_8; ROUND_9;
  }
  for (uint32_t r = 0, rest = rounds % 10; r < rest; r++) {
    const uint8_t *s = SIGMA[r];
    ROUND(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15]);
  }
  h[0] ^= v0 ^ v8;
  h[1] ^= v1 ^ v9;
  h[2] ^= v2 ^ v10;
  h[3] ^= v3 ^ v11;
  h[4] ^= v4 ^ v12;
  h[5] ^= v5 ^ v13;
  h[6] ^= v6 ^ v14;
  h[7] ^= v7 ^ v15;
}

static uint64_t load64le(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

int cprec_blake2f(const uint8_t *in, size_t len, uint8_t out[64]) {
  if (len != 213) return CPREC_ERR_LENGTH;
  if (in[212] > 1) return CPREC_ERR_FINAL_FLAG;
  uint32_t rounds = ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) | ((uint32_t)in[2] << 8) | in[3];
  uint64_t h[8], m[16], t[2];
  for (int i = 0; i < 8; i++) h[i] = load64le(in + 4 + 8 * i);
  for (int i = 0; i < 16; i++) m[i] = load64le(in + 68 + 8 * i);
  t[0] = load64le(in + 196);
  t[1] = load64le(in + 204);
  cprec_blake2b_compress(h, m, t, in[212], rounds);
  for (int i = 0; i < 8; i++)
    for (int k = 0; k < 8; k++) out[8 * i + k] = (uint8_t)(h[i] >> (8 * k));
  return CPREC_OK;
}
