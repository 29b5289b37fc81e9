/*
 * C-level checks of CSources/CPrecompiles/blake2f.c (included directly, so its SIGMA table is
 * reachable): cprec_blake2b_compress, whose rounds are unrolled ten at a time with the SIGMA rows
 * written as literals, against the plain RFC 7693 loop over SIGMA[r % 10] defined here, on random
 * states and messages for every round count 0..45 and for 10k + 0..9 at larger k, both final flags;
 * and the EIP-152 test vectors 4, 5, 6 and 7 through cprec_blake2f. "--max" adds vector 8
 * (2^32-1 rounds, about 45 s). Prints one line per failed check and exits 1 if any failed.
 */
#include "../../CSources/CPrecompiles/blake2f.c"

#include <stdio.h>
#include <string.h>

static int failures = 0;

static void reference_compress(uint64_t h[8], const uint64_t m[16], const uint64_t t[2], int final, uint32_t rounds) {
  uint64_t v[16];
  for (int i = 0; i < 8; i++) { v[i] = h[i]; v[i + 8] = IV[i]; }
  v[12] ^= t[0];
  v[13] ^= t[1];
  if (final) v[14] = ~v[14];
  static const int lanes[8][4] = {{0, 4, 8, 12}, {1, 5, 9, 13}, {2, 6, 10, 14}, {3, 7, 11, 15},
                                  {0, 5, 10, 15}, {1, 6, 11, 12}, {2, 7, 8, 13}, {3, 4, 9, 14}};
  for (uint32_t r = 0; r < rounds; r++) {
    const uint8_t *s = SIGMA[r % 10];
    for (int g = 0; g < 8; g++) {
      uint64_t a = v[lanes[g][0]], b = v[lanes[g][1]], c = v[lanes[g][2]], d = v[lanes[g][3]];
      G(a, b, c, d, m[s[2 * g]], m[s[2 * g + 1]]);
      v[lanes[g][0]] = a; v[lanes[g][1]] = b; v[lanes[g][2]] = c; v[lanes[g][3]] = d;
    }
  }
  for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void check_rounds(uint32_t rounds) {
  for (int f = 0; f < 2; f++) {
    uint64_t h[8], want[8], m[16], t[2] = {next_random(), next_random()};
    for (int i = 0; i < 8; i++) h[i] = want[i] = next_random();
    for (int i = 0; i < 16; i++) m[i] = next_random();
    cprec_blake2b_compress(h, m, t, f, rounds);
    reference_compress(want, m, t, f, rounds);
    if (memcmp(h, want, sizeof h) != 0) {
      printf("FAIL compress, %u rounds, final %d\n", rounds, f);
      failures++;
    }
  }
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned byte;
    sscanf(hex + 2 * i, "%2x", &byte);
    out[i] = (uint8_t)byte;
  }
}

static void check_eip152(const char *name, const char *rounds_hex, int final, const char *expected_hex) {
  static const char *h = "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
                         "d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b";
  uint8_t in[213] = {0}, out[64], expected[64];
  hex_to_bytes(rounds_hex, in, 4);
  hex_to_bytes(h, in + 4, 64);
  in[68] = 'a'; in[69] = 'b'; in[70] = 'c';   /* m: "abc", zero padded */
  in[196] = 3;                                /* t = 3 */
  in[212] = (uint8_t)final;
  hex_to_bytes(expected_hex, expected, 64);
  if (cprec_blake2f(in, sizeof in, out) != CPREC_OK || memcmp(out, expected, 64) != 0) {
    printf("FAIL %s\n", name);
    failures++;
  }
}

int main(int argc, char **argv) {
  for (uint32_t r = 0; r <= 45; r++) check_rounds(r);
  for (uint32_t k = 10; k <= 1000; k *= 10)
    for (uint32_t r = 0; r < 10; r++) check_rounds(10 * k + r);
  check_eip152("EIP-152 vector 4 (0 rounds)", "00000000", 1,
               "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
               "d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b");
  check_eip152("EIP-152 vector 5 (12 rounds)", "0000000c", 1,
               "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
               "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  check_eip152("EIP-152 vector 6 (12 rounds, not final)", "0000000c", 0,
               "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d28752"
               "98743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735");
  check_eip152("EIP-152 vector 7 (1 round)", "00000001", 1,
               "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fb"
               "a551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421");
  if (argc > 1 && strcmp(argv[1], "--max") == 0)
    check_eip152("EIP-152 vector 8 (2^32-1 rounds)", "ffffffff", 1,
                 "fc59093aafa9ab43daae0e914c57635c5402d8e3d2130eb9b3cc181de7f0ecf9"
                 "b22bf99a7815ce16419e200e01846e6b5df8cc7703041bbceb571de6631d2615");
  if (failures == 0) printf("blake2f: all checks passed\n");
  return failures != 0;
}
