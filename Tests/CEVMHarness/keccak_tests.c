/*
 * keccak-f[1600] / Keccak-256 tests: the AVX-512VL permutation (when the CPU has it) and the
 * dispatching cevm_keccak_f1600 against the portable one on random states, and Keccak-256
 * known answers. The multi-block answers were computed with pyrevm (revm's KECCAK256
 * opcode) on the input byte i = (7*i + 3) & 0xff.
 * Usage: keccak_tests [random-state-count]   (default 200000)
 */
#include "CEVM.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(c, msg) do { if (!(c)) { failures++; fprintf(stderr, "FAIL: %s\n", msg); } } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t next_u64(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static void to_hex(const uint8_t h[32], char out[65]) {
  for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", h[i]);
}

static void test_known_answers(void) {
  static const struct { int len; const char *hex; } kat[] = {
    {0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
    {135, "00ef96af9cf4b24c7f269d922294444a197d0a33638c2e56634c57e892103a8f"},
    {136, "742061bcad767ed4c4f5883b1dcb1aad11afdcc140dc469d953759b127b9f9ed"},
    {137, "e3371f61e770abf254c34239c3b0099ad90594507415bc81dd0a10b9692bbf2a"},
    {200, "66d2cdf3ab4c5bd3c75add9b60b14ac5b7789534fa2da3f348853b847359a3a0"},
    {271, "4401c4afbe16ff911bdbf2d38e556e5b861f3fdf0f9d4306b1c46f6ae4f73584"},
    {272, "ac141fd7b0a0ffcd2e967254d508da3ec616596493c36fa304425647d90e6de5"},
    {273, "16192ea86793083e47731cb3c970600f04768414d92bc0540e54ce8607a0fce0"},
  };
  uint8_t data[300], h[32];
  char hex[65], msg[64];
  for (int i = 0; i < 300; i++) data[i] = (uint8_t)((7 * i + 3) & 0xff);
  for (size_t k = 0; k < sizeof kat / sizeof kat[0]; k++) {
    cevm_keccak256(data, (size_t)kat[k].len, h);
    to_hex(h, hex);
    snprintf(msg, sizeof msg, "keccak256 of %d bytes", kat[k].len);
    CHECK(strcmp(hex, kat[k].hex) == 0, msg);
  }
  cevm_keccak256((const uint8_t *)"abc", 3, h);
  to_hex(h, hex);
  CHECK(strcmp(hex, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45") == 0,
        "keccak256('abc')");
}

static void test_random_states(long n) {
  int vec = cevm_keccak_f1600_has_avx512vl();
  if (!vec) printf("note: no AVX-512VL on this CPU, only the dispatcher is compared\n");
  long bad = 0;
  for (long i = 0; i < n; i++) {
    uint64_t s[25], r[25], v[25], d[25];
    /* mostly random states; every 16th one sparse (few bits set) to cover near-zero lanes */
    for (int j = 0; j < 25; j++) s[j] = (i & 15) == 15 ? (next_u64() & next_u64() & next_u64()) : next_u64();
    memcpy(r, s, sizeof s); memcpy(v, s, sizeof s); memcpy(d, s, sizeof s);
    cevm_keccak_f1600_scalar(r);
    if (vec) cevm_keccak_f1600_avx512vl(v); else memcpy(v, r, sizeof r);
    cevm_keccak_f1600(d);
    if (memcmp(r, v, sizeof r) != 0 || memcmp(r, d, sizeof r) != 0) bad++;
  }
  /* the all-zero state, and a chain of 1000 permutations */
  uint64_t r[25] = {0}, v[25] = {0};
  for (int i = 0; i < 1000; i++) {
    cevm_keccak_f1600_scalar(r);
    if (vec) cevm_keccak_f1600_avx512vl(v); else cevm_keccak_f1600(v);
  }
  if (memcmp(r, v, sizeof r) != 0) bad++;
  /* keccak-f[1600] of the zero state, first lane (the published test vector) */
  uint64_t z[25] = {0};
  cevm_keccak_f1600(z);
  CHECK(z[0] == 0xF1258F7940E1DDE7ULL, "keccak-f[1600](0) lane 0");
  CHECK(bad == 0, "AVX-512VL / dispatched permutation differs from the portable one");
  printf("keccak: %ld random states compared (%s), %ld mismatches\n", n,
         vec ? "portable vs AVX-512VL vs dispatcher" : "portable vs dispatcher", bad);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  test_known_answers();
  test_random_states(n);
  if (failures) { fprintf(stderr, "%d keccak check(s) failed\n", failures); return 1; }
  printf("keccak tests passed\n");
  return 0;
}
