/* Big-number arithmetic on 32-bit limbs: 1024-bit modular exponentiation with schoolbook
   multiplication and Montgomery reduction (CIOS), repeated over PRNG bases. */
#include "bench.h"

enum { L = 32 }; /* limbs: 1024 bits */
typedef struct { uint32_t d[L]; } num;

/* r = a * b * R^-1 mod m, with R = 2^(32L) and minv = -m^-1 mod 2^32. */
static void mont_mul(num *r, const num *a, const num *b, const num *m, uint32_t minv) {
  uint32_t t[L + 2];
  memset(t, 0, sizeof t);
  for (int i = 0; i < L; i++) {
    uint64_t carry = 0;
    uint32_t ai = a->d[i];
    for (int j = 0; j < L; j++) {
      uint64_t p = (uint64_t)ai * b->d[j] + t[j] + carry;
      t[j] = (uint32_t)p;
      carry = p >> 32;
    }
    uint64_t s = (uint64_t)t[L] + carry;
    t[L] = (uint32_t)s;
    t[L + 1] = (uint32_t)(s >> 32);
    uint32_t q = t[0] * minv;
    uint64_t p = (uint64_t)q * m->d[0] + t[0];
    carry = p >> 32;
    for (int j = 1; j < L; j++) {
      p = (uint64_t)q * m->d[j] + t[j] + carry;
      t[j - 1] = (uint32_t)p;
      carry = p >> 32;
    }
    s = (uint64_t)t[L] + carry;
    t[L - 1] = (uint32_t)s;
    t[L] = t[L + 1] + (uint32_t)(s >> 32);
  }
  /* Conditional final subtraction. */
  int ge = t[L] != 0;
  if (!ge) {
    ge = 1;
    for (int j = L - 1; j >= 0; j--) {
      if (t[j] != m->d[j]) {
        ge = t[j] > m->d[j];
        break;
      }
    }
  }
  if (ge) {
    uint64_t borrow = 0;
    for (int j = 0; j < L; j++) {
      uint64_t diff = (uint64_t)t[j] - m->d[j] - borrow;
      r->d[j] = (uint32_t)diff;
      borrow = (diff >> 32) & 1;
    }
  } else {
    memcpy(r->d, t, sizeof r->d);
  }
}

/* r = base^exp mod m (all in Montgomery form handling inside). rr = R^2 mod m. */
static void mod_exp(num *r, const num *base, const num *exp, const num *m, const num *rr, uint32_t minv) {
  num one, x, acc;
  memset(&one, 0, sizeof one);
  one.d[0] = 1;
  mont_mul(&x, base, rr, m, minv);  /* x = base * R */
  mont_mul(&acc, &one, rr, m, minv); /* acc = R */
  for (int i = L * 32 - 1; i >= 0; i--) {
    mont_mul(&acc, &acc, &acc, m, minv);
    if ((exp->d[i / 32] >> (i % 32)) & 1) mont_mul(&acc, &acc, &x, m, minv);
  }
  mont_mul(r, &acc, &one, m, minv); /* leave Montgomery form */
}

/* R^2 mod m by repeated doubling of 1, 2 * 32L times. */
static void compute_rr(num *rr, const num *m) {
  memset(rr, 0, sizeof *rr);
  rr->d[0] = 1;
  for (int k = 0; k < 2 * 32 * L; k++) {
    uint32_t top = rr->d[L - 1] >> 31;
    for (int j = L - 1; j > 0; j--) rr->d[j] = rr->d[j] << 1 | rr->d[j - 1] >> 31;
    rr->d[0] <<= 1;
    int ge = top;
    if (!ge) {
      ge = 1;
      for (int j = L - 1; j >= 0; j--) {
        if (rr->d[j] != m->d[j]) {
          ge = rr->d[j] > m->d[j];
          break;
        }
      }
    }
    if (ge) {
      uint64_t borrow = 0;
      for (int j = 0; j < L; j++) {
        uint64_t diff = (uint64_t)rr->d[j] - m->d[j] - borrow;
        rr->d[j] = (uint32_t)diff;
        borrow = (diff >> 32) & 1;
      }
    }
  }
}

int main(int argc, char **argv) {
  uint32_t rounds = bench_iterations(argc, argv, 30);
  uint64_t seed = 12345;
  num m, rr, e, b, r;
  for (int j = 0; j < L; j++) m.d[j] = (uint32_t)bench_rand(&seed);
  m.d[0] |= 1;           /* odd modulus */
  m.d[L - 1] |= 1u << 31; /* full size */
  uint32_t inv = 1;      /* Newton: inv = m^-1 mod 2^32 */
  for (int k = 0; k < 5; k++) inv *= 2 - m.d[0] * inv;
  uint32_t minv = 0u - inv;
  compute_rr(&rr, &m);
  for (int j = 0; j < L; j++) e.d[j] = (uint32_t)bench_rand(&seed);
  uint64_t sum = 0;
  for (uint32_t k = 0; k < rounds; k++) {
    for (int j = 0; j < L; j++) b.d[j] = (uint32_t)bench_rand(&seed);
    b.d[L - 1] &= 0x7fffffff; /* base < m */
    mod_exp(&r, &b, &e, &m, &rr, minv);
    for (int j = 0; j < L; j++) sum = sum * 0x100000001b3ULL + r.d[j];
  }
  bench_report("bignum", sum);
  return 0;
}
