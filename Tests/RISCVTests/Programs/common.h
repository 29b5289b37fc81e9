/* Shared helpers of the guest test programs (not a program itself). */
#ifndef EEKIT_TEST_COMMON_H
#define EEKIT_TEST_COMMON_H
#include "rt.h"

typedef unsigned long reg_t; /* XLEN bits */
typedef long sreg_t;

#if __riscv_xlen == 64
#define RX "%016lx"
#define XLEN 64
#else
#define RX "%08lx"
#define XLEN 32
#endif

/* Interesting XLEN values: small, sign boundaries of 8/16/32/64 bits, patterns. */
static const unsigned long long edge_values_64[] = {
    0x0ULL,
    0x1ULL,
    0x2ULL,
    0xffffffffffffffffULL,
    0xfffffffffffffffeULL,
    0x7fULL,
    0x80ULL,
    0xffULL,
    0x7fffULL,
    0x8000ULL,
    0x7fffffffULL,
    0x80000000ULL,
    0xffffffffULL,
    0x100000000ULL,
    0xffffffff80000000ULL,
    0x7fffffffffffffffULL,
    0x8000000000000000ULL,
    0x123456789abcdef0ULL,
    0xfedcba9876543210ULL,
    0x1fULL,
    0x20ULL,
    0x3fULL,
    0x40ULL,
    0xa5a5a5a5c3c3c3c3ULL,
};
#define N_EDGE (sizeof edge_values_64 / sizeof edge_values_64[0])
static inline reg_t edge(unsigned i) { return (reg_t)edge_values_64[i]; }

/* SplitMix64, the deterministic PRNG of every test program. */
typedef struct { unsigned long long s; } prng_t;
static inline unsigned long long prng_next(prng_t *p) {
  unsigned long long z = (p->s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* FNV-1a over bytes, for compact checksums of large results. */
static inline unsigned fnv1a(const void *data, size_t n, unsigned h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}
#define FNV_INIT 2166136261u

#endif
