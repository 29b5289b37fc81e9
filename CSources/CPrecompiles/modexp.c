/* modexp (0x05): EIP-198 input layout, EIP-2565 pricing (and EIP-198's, for the forks before
 * Berlin, and EIP-7883's, from Osaka), arithmetic in GMP (mpz_powm).
 *
 * Input: base_len(32) exp_len(32) mod_len(32) base exp mod, each length a big-endian word;
 * bytes past the end of the input read as zero. Pricing (EIP-2565):
 *   mult_complexity = ceil(max(base_len, mod_len) / 8)^2
 *   iterations      = exp_len <= 32 ? max(bitlen(exp) - 1, 0)
 *                                   : 8 (exp_len - 32) + max(bitlen(first 32 bytes of exp) - 1, 0)
 *   gas             = max(200, mult_complexity * max(iterations, 1) / 3)
 * EIP-7883 (Osaka): mult_complexity = 16 up to 32 bytes, else 2 ceil(max / 8)^2; each exponent
 * byte beyond the first 32 counts 16 iterations (8 before); gas = max(500, mult_complexity *
 * max(iterations, 1)), with no divisor. (EIP-7823's 1024-byte bound on each length is the
 * caller's check.)
 * Every step saturates, so absurd declared lengths price at UINT64_MAX instead of wrapping, and
 * nothing is allocated before the caller has charged the gas. */
#include "include/CPrecompiles.h"

#include <gmp.h>
#include <string.h>

typedef unsigned __int128 u128;

/* Reads the 32-byte big-endian word at `off` (zero-padded); saturates to UINT64_MAX. */
static uint64_t read_len(const uint8_t *in, size_t len, size_t off) {
  uint8_t w[32];
  memset(w, 0, 32);
  if (off < len) memcpy(w, in + off, len - off < 32 ? len - off : 32);
  for (int i = 0; i < 24; i++)
    if (w[i]) return UINT64_MAX;
  uint64_t v = 0;
  for (int i = 24; i < 32; i++) v = (v << 8) | w[i];
  return v;
}

/* Copies in[off .. off+n) into dst with zero fill past the end (off may be huge). */
static void read_padded(uint8_t *dst, const uint8_t *in, size_t len, uint64_t off, size_t n) {
  memset(dst, 0, n);
  if (off >= len) return;
  size_t avail = len - (size_t)off;
  memcpy(dst, in + off, avail < n ? avail : n);
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

void cprec_modexp_header_parse(const uint8_t *in, size_t len, cprec_modexp_header *h) {
  h->base_len = read_len(in, len, 0);
  h->exp_len = read_len(in, len, 32);
  h->mod_len = read_len(in, len, 64);

  /* Exponent head: the first min(exp_len, 32) bytes of the exponent. */
  uint8_t head[32];
  size_t head_len = h->exp_len < 32 ? (size_t)h->exp_len : 32;
  uint64_t exp_off = sat_add(96, h->base_len);
  read_padded(head, in, len, exp_off, head_len);
  int bitlen = 0;
  for (size_t i = 0; i < head_len; i++) {
    if (head[i]) {
      int b = 8;
      while (!(head[i] & (1u << (b - 1)))) b--;
      bitlen = (int)(8 * (head_len - 1 - i)) + b;
      break;
    }
  }
  const u128 head_iterations = bitlen > 0 ? (u128)(bitlen - 1) : 0;
  u128 iterations = head_iterations;
  if (h->exp_len > 32) iterations += (u128)8 * (h->exp_len - 32);
  if (iterations < 1) iterations = 1;

  uint64_t m = h->base_len > h->mod_len ? h->base_len : h->mod_len;
  u128 words = ((u128)m + 7) / 8;
  u128 complexity = words * words; /* < 2^122 */
  u128 gas;
  if (complexity != 0 && iterations > (~(u128)0) / complexity) gas = ~(u128)0;
  else gas = complexity * iterations / 3;
  if (gas < 200) gas = 200;
  h->gas = gas > UINT64_MAX ? UINT64_MAX : (uint64_t)gas;

  /* EIP-198's own price (Byzantium to Istanbul): a piecewise complexity of the byte length,
     times the same iteration count, over 20, with no minimum. */
  u128 g198;
  if (m > ((uint64_t)1 << 40)) {
    g198 = ~(u128)0;
  } else {
    u128 x = m, c;
    if (x <= 64) c = x * x;
    else if (x <= 1024) c = x * x / 4 + 96 * x - 3072;
    else c = x * x / 16 + 480 * x - 199680;
    if (c != 0 && iterations > (~(u128)0) / c) g198 = ~(u128)0;
    else g198 = c * iterations / 20;
  }
  h->gas_eip198 = g198 > UINT64_MAX ? UINT64_MAX : (uint64_t)g198;

  /* EIP-7883 (Osaka). exp_len - 32 < 2^64 and 16 times it < 2^68; words^2 < 2^122: saturate. */
  u128 it7883 = head_iterations;
  if (h->exp_len > 32) it7883 += (u128)16 * (h->exp_len - 32);
  if (it7883 < 1) it7883 = 1;
  u128 c7883 = m <= 32 ? 16 : 2 * words * words;
  u128 g7883;
  if (it7883 > (~(u128)0) / c7883) g7883 = ~(u128)0;
  else g7883 = c7883 * it7883;
  if (g7883 < 500) g7883 = 500;
  h->gas_eip7883 = g7883 > UINT64_MAX ? UINT64_MAX : (uint64_t)g7883;
}

/* Loads the operand at in[off .. off+n) as an integer, treating missing bytes as zeros (the
 * present prefix shifted left by the missing bit count; no zero buffer is built). */
static void load_operand(mpz_t r, const uint8_t *in, size_t len, uint64_t off, uint64_t n) {
  size_t present = 0;
  if (off < len) {
    size_t avail = len - (size_t)off;
    present = n < avail ? (size_t)n : avail;
  }
  if (present) mpz_import(r, present, 1, 1, 1, 0, in + off);
  else mpz_set_ui(r, 0);
  uint64_t missing = n - present;
  if (missing && mpz_sgn(r) != 0) mpz_mul_2exp(r, r, (mp_bitcnt_t)(missing * 8));
}

int cprec_modexp(const uint8_t *in, size_t len, const cprec_modexp_header *h, uint8_t *out) {
  if (h->mod_len == 0) return CPREC_OK; /* empty output whatever the other operands are */
  if (h->base_len > CPREC_MODEXP_MAX_LEN || h->exp_len > CPREC_MODEXP_MAX_LEN || h->mod_len > CPREC_MODEXP_MAX_LEN)
    return CPREC_ERR_TOO_LARGE;
  size_t mod_len = (size_t)h->mod_len;
  memset(out, 0, mod_len);
  mpz_t b, e, m, r;
  mpz_inits(b, e, m, r, NULL);
  load_operand(m, in, len, 96 + h->base_len + h->exp_len, h->mod_len);
  if (mpz_sgn(m) != 0) {
    load_operand(b, in, len, 96, h->base_len);
    load_operand(e, in, len, 96 + h->base_len, h->exp_len);
    mpz_powm(r, b, e, m); /* 0^0 = 1, reduced mod m */
    size_t n = (mpz_sizeinbase(r, 2) + 7) / 8;
    if (mpz_sgn(r) != 0) mpz_export(out + (mod_len - n), NULL, 1, 1, 1, 0, r); /* r < m, so n <= mod_len */
  }
  mpz_clears(b, e, m, r, NULL);
  return CPREC_OK;
}
