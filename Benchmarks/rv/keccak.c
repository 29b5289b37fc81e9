/* The Keccak-f[1600] permutation (FIPS 202) applied repeatedly to one state, plus a
   Keccak-256 of a buffer to check the implementation against a known digest. 64-bit
   lanes: on rv32 every lane operation becomes a pair of 32-bit operations. */
#include "bench.h"

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
static const int ROT[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};

#define ROL(x, n) ((n) ? (((x) << (n)) | ((x) >> (64 - (n)))) : (x))

static void keccak_f(uint64_t s[25]) {
  for (int round = 0; round < 24; round++) {
    uint64_t c[5], d[5], b[25];
    for (int x = 0; x < 5; x++) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
    for (int x = 0; x < 5; x++) d[x] = c[(x + 4) % 5] ^ ROL(c[(x + 1) % 5], 1);
    for (int i = 0; i < 25; i++) s[i] ^= d[i % 5];
    /* rho and pi: b[y, 2x+3y] = rot(s[x, y]) */
    for (int x = 0; x < 5; x++) {
      for (int y = 0; y < 5; y++) {
        int i = x + 5 * y;
        b[y + 5 * ((2 * x + 3 * y) % 5)] = ROL(s[i], ROT[i]);
      }
    }
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 5; x++) {
        s[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
      }
    }
    s[0] ^= RC[round];
  }
}

/* Keccak-256 (the pre-standard padding used by Ethereum). */
static void keccak256(const uint8_t *in, size_t len, uint8_t out[32]) {
  uint64_t s[25];
  memset(s, 0, sizeof s);
  const size_t rate = 136;
  uint8_t block[136];
  while (len >= rate) {
    for (size_t i = 0; i < rate / 8; i++) {
      uint64_t lane = 0;
      for (int k = 7; k >= 0; k--) lane = lane << 8 | in[8 * i + (size_t)k];
      s[i] ^= lane;
    }
    keccak_f(s);
    in += rate;
    len -= rate;
  }
  memset(block, 0, rate);
  memcpy(block, in, len);
  block[len] ^= 0x01;
  block[rate - 1] ^= 0x80;
  for (size_t i = 0; i < rate / 8; i++) {
    uint64_t lane = 0;
    for (int k = 7; k >= 0; k--) lane = lane << 8 | block[8 * i + (size_t)k];
    s[i] ^= lane;
  }
  keccak_f(s);
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

int main(int argc, char **argv) {
  uint32_t rounds = bench_iterations(argc, argv, 60000);
  uint8_t d[32];
  keccak256((const uint8_t *)"", 0, d);
  /* keccak256("") = c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470 */
  static const uint8_t empty[4] = {0xc5, 0xd2, 0x46, 0x01};
  if (memcmp(d, empty, 4) != 0) {
    printf("keccak256 self-check failed\n");
    return 1;
  }
  uint64_t s[25];
  for (int i = 0; i < 25; i++) s[i] = (uint64_t)i * 0x0123456789abcdefULL;
  for (uint32_t r = 0; r < rounds; r++) keccak_f(s);
  uint64_t sum = 0;
  for (int i = 0; i < 25; i++) sum = sum * 0x100000001b3ULL ^ s[i];
  bench_report("keccak", sum);
  return 0;
}
