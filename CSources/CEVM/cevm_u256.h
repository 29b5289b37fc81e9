/*
 * 256-bit arithmetic for CEVM on cevm_u256 (4 x uint64_t, little-endian limb order:
 * w[0] is the least significant limb). Internal header: static inline, no state.
 */
#ifndef CEVM_U256_H
#define CEVM_U256_H

#include "CEVM.h"

#include <string.h>

#define CEVM_LIKELY(x) __builtin_expect(!!(x), 1)
#define CEVM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CEVM_INLINE static inline __attribute__((always_inline))
#define CEVM_NOINLINE static __attribute__((noinline))

typedef cevm_u256 u256;
typedef unsigned __int128 u128;

CEVM_INLINE uint64_t cevm_load_be64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

CEVM_INLINE void cevm_store_be64(uint8_t *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, 8);
}

CEVM_INLINE void u256_load_be(u256 *r, const uint8_t *p) {
  r->w[3] = cevm_load_be64(p);
  r->w[2] = cevm_load_be64(p + 8);
  r->w[1] = cevm_load_be64(p + 16);
  r->w[0] = cevm_load_be64(p + 24);
}

CEVM_INLINE void u256_store_be(uint8_t *p, const u256 *a) {
  cevm_store_be64(p, a->w[3]);
  cevm_store_be64(p + 8, a->w[2]);
  cevm_store_be64(p + 16, a->w[1]);
  cevm_store_be64(p + 24, a->w[0]);
}

/* Big-endian immediate of n bytes (n constant after inlining). */
CEVM_INLINE void u256_load_be_n(u256 *r, const uint8_t *p, const int n) {
  r->w[0] = r->w[1] = r->w[2] = r->w[3] = 0;
  const int full = n / 8, rem = n % 8;
  for (int i = 0; i < full; i++) r->w[i] = cevm_load_be64(p + n - 8 * (i + 1));
  if (rem) {
    uint64_t v = 0;
    for (int k = 0; k < rem; k++) v = (v << 8) | p[k];
    r->w[full] = v;
  }
}

CEVM_INLINE void u256_set64(u256 *r, uint64_t v) {
  r->w[0] = v;
  r->w[1] = r->w[2] = r->w[3] = 0;
}

CEVM_INLINE int u256_is_zero(const u256 *a) {
  return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

CEVM_INLINE int u256_eq(const u256 *a, const u256 *b) {
  return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
          (a->w[3] ^ b->w[3])) == 0;
}

/* 1 if a fits in 64 bits */
CEVM_INLINE int u256_fits64(const u256 *a) { return (a->w[1] | a->w[2] | a->w[3]) == 0; }

CEVM_INLINE int u256_lt(const u256 *a, const u256 *b) {
  if (a->w[3] != b->w[3]) return a->w[3] < b->w[3];
  if (a->w[2] != b->w[2]) return a->w[2] < b->w[2];
  if (a->w[1] != b->w[1]) return a->w[1] < b->w[1];
  return a->w[0] < b->w[0];
}

CEVM_INLINE int u256_slt(const u256 *a, const u256 *b) {
  int64_t ha = (int64_t)a->w[3], hb = (int64_t)b->w[3];
  if (ha != hb) return ha < hb;
  if (a->w[2] != b->w[2]) return a->w[2] < b->w[2];
  if (a->w[1] != b->w[1]) return a->w[1] < b->w[1];
  return a->w[0] < b->w[0];
}

CEVM_INLINE void u256_add(u256 *r, const u256 *a, const u256 *b) {
  unsigned long long c0, c1, c2, c3;
  uint64_t r0 = __builtin_addcll(a->w[0], b->w[0], 0, &c0);
  uint64_t r1 = __builtin_addcll(a->w[1], b->w[1], c0, &c1);
  uint64_t r2 = __builtin_addcll(a->w[2], b->w[2], c1, &c2);
  uint64_t r3 = __builtin_addcll(a->w[3], b->w[3], c2, &c3);
  r->w[0] = r0; r->w[1] = r1; r->w[2] = r2; r->w[3] = r3;
}

CEVM_INLINE void u256_sub(u256 *r, const u256 *a, const u256 *b) {
  unsigned long long c0, c1, c2, c3;
  uint64_t r0 = __builtin_subcll(a->w[0], b->w[0], 0, &c0);
  uint64_t r1 = __builtin_subcll(a->w[1], b->w[1], c0, &c1);
  uint64_t r2 = __builtin_subcll(a->w[2], b->w[2], c1, &c2);
  uint64_t r3 = __builtin_subcll(a->w[3], b->w[3], c2, &c3);
  r->w[0] = r0; r->w[1] = r1; r->w[2] = r2; r->w[3] = r3;
}

CEVM_INLINE void u256_neg(u256 *r, const u256 *a) {
  u256 z = {{0, 0, 0, 0}};
  u256_sub(r, &z, a);
}

/* r = a * b mod 2^256 */
CEVM_INLINE void u256_mul(u256 *r, const u256 *a, const u256 *b) {
  const uint64_t a0 = a->w[0], a1 = a->w[1], a2 = a->w[2], a3 = a->w[3];
  const uint64_t b0 = b->w[0], b1 = b->w[1], b2 = b->w[2], b3 = b->w[3];
  u128 t = (u128)a0 * b0;
  uint64_t r0 = (uint64_t)t;
  /* column 1 */
  u128 c = t >> 64;
  u128 p01 = (u128)a0 * b1, p10 = (u128)a1 * b0;
  u128 s1 = c + (uint64_t)p01;
  s1 += (uint64_t)p10;
  uint64_t r1 = (uint64_t)s1;
  u128 c2 = (s1 >> 64) + (p01 >> 64) + (p10 >> 64);
  /* column 2 (only 64 bits of carry into column 3 matter) */
  u128 p02 = (u128)a0 * b2, p11 = (u128)a1 * b1, p20 = (u128)a2 * b0;
  u128 s2 = c2 + (uint64_t)p02;
  s2 += (uint64_t)p11;
  s2 += (uint64_t)p20;
  uint64_t r2 = (uint64_t)s2;
  uint64_t c3 = (uint64_t)(s2 >> 64) + (uint64_t)(p02 >> 64) + (uint64_t)(p11 >> 64) +
                (uint64_t)(p20 >> 64);
  uint64_t r3 = c3 + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  r->w[0] = r0; r->w[1] = r1; r->w[2] = r2; r->w[3] = r3;
}

/* Full 512-bit product: out[0..7] little-endian limbs. */
CEVM_INLINE void u256_mul_full(uint64_t out[8], const u256 *a, const u256 *b) {
  for (int i = 0; i < 8; i++) out[i] = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < 4; j++) {
      u128 t = (u128)a->w[i] * b->w[j] + out[i + j] + carry;
      out[i + j] = (uint64_t)t;
      carry = (uint64_t)(t >> 64);
    }
    out[i + 4] = carry;
  }
}

/* (hi:lo) / d with hi < d. */
CEVM_INLINE uint64_t cevm_div128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem) {
#if defined(__x86_64__)
  uint64_t q, r;
  __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
  *rem = r;
  return q;
#else
  u128 n = ((u128)hi << 64) | lo;
  *rem = (uint64_t)(n % d);
  return (uint64_t)(n / d);
#endif
}

/* Number of significant limbs (0 for zero). */
CEVM_INLINE int cevm_limbs(const uint64_t *x, int n) {
  while (n > 0 && x[n - 1] == 0) n--;
  return n;
}

/* Long division: u (m limbs) by v (n limbs, v[n-1] != 0, m >= n). q receives m-n+1 limbs
   (may be NULL), r receives n limbs (may be NULL). Knuth, TAOCP vol. 2, 4.3.1 algorithm D,
   with 64-bit digits. */
CEVM_NOINLINE void cevm_udivrem(const uint64_t *u, int m, const uint64_t *v, int n, uint64_t *q,
                                uint64_t *r) {
  if (n == 1) {
    uint64_t rem = 0, d = v[0];
    for (int i = m - 1; i >= 0; i--) {
      uint64_t qi = cevm_div128(rem, u[i], d, &rem);
      if (q) q[i] = qi;
    }
    if (r) r[0] = rem;
    return;
  }
  const int s = __builtin_clzll(v[n - 1]);
  uint64_t vn[8], un[17];
  for (int i = n - 1; i > 0; i--) vn[i] = (v[i] << s) | (s ? v[i - 1] >> (64 - s) : 0);
  vn[0] = v[0] << s;
  un[m] = s ? u[m - 1] >> (64 - s) : 0;
  for (int i = m - 1; i > 0; i--) un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
  un[0] = u[0] << s;
  const uint64_t vtop = vn[n - 1], vnext = vn[n - 2];
  for (int j = m - n; j >= 0; j--) {
    uint64_t qhat, rhat;
    int rhat_overflow = 0;
    if (un[j + n] >= vtop) {
      /* un[j+n] == vtop: qhat = base - 1, rhat = un[j+n-1] + vtop */
      qhat = ~(uint64_t)0;
      rhat = un[j + n - 1] + vtop;
      rhat_overflow = rhat < vtop;
    } else {
      qhat = cevm_div128(un[j + n], un[j + n - 1], vtop, &rhat);
    }
    while (!rhat_overflow &&
           (u128)qhat * vnext > (((u128)rhat << 64) | un[j + n - 2])) {
      qhat--;
      uint64_t nr = rhat + vtop;
      rhat_overflow = nr < rhat;
      rhat = nr;
    }
    /* un[j..j+n] -= qhat * vn */
    uint64_t borrow = 0, carry = 0;
    for (int i = 0; i < n; i++) {
      u128 p = (u128)qhat * vn[i] + carry;
      carry = (uint64_t)(p >> 64);
      uint64_t plo = (uint64_t)p;
      uint64_t t = un[i + j] - plo;
      uint64_t b1 = un[i + j] < plo;
      uint64_t t2 = t - borrow;
      uint64_t b2 = t < borrow;
      un[i + j] = t2;
      borrow = b1 | b2;
    }
    {
      uint64_t t = un[j + n] - carry;
      uint64_t b1 = un[j + n] < carry;
      uint64_t t2 = t - borrow;
      uint64_t b2 = t < borrow;
      un[j + n] = t2;
      borrow = b1 | b2;
    }
    if (borrow) {
      qhat--;
      uint64_t c = 0;
      for (int i = 0; i < n; i++) {
        u128 sum = (u128)un[i + j] + vn[i] + c;
        un[i + j] = (uint64_t)sum;
        c = (uint64_t)(sum >> 64);
      }
      un[j + n] += c;
    }
    if (q) q[j] = qhat;
  }
  if (r) {
    for (int i = 0; i < n; i++)
      r[i] = (un[i] >> s) | (s ? un[i + 1] << (64 - s) : 0);
  }
}

/* q = a / b, r = a % b (either may be NULL); b == 0 gives 0 for both (EVM semantics). */
static inline void u256_divmod(const u256 *a, const u256 *b, u256 *q, u256 *r) {
  int n = cevm_limbs(b->w, 4);
  if (n == 0) {
    if (q) u256_set64(q, 0);
    if (r) u256_set64(r, 0);
    return;
  }
  int m = cevm_limbs(a->w, 4);
  if (m < n || (m == n && a->w[m - 1] < b->w[n - 1])) {
    /* a < b certainly if fewer limbs, or same count with a smaller top limb */
    if (r) *r = *a;
    if (q) u256_set64(q, 0);
    return;
  }
  if (m == 1) { /* both fit in 64 bits */
    uint64_t x = a->w[0], y = b->w[0];
    if (q) u256_set64(q, x / y);
    if (r) u256_set64(r, x % y);
    return;
  }
  uint64_t qq[4] = {0, 0, 0, 0}, rr[4] = {0, 0, 0, 0};
  cevm_udivrem(a->w, m, b->w, n, qq, rr);
  if (q) memcpy(q->w, qq, 32);
  if (r) memcpy(r->w, rr, 32);
}

CEVM_INLINE int u256_is_neg(const u256 *a) { return (int64_t)a->w[3] < 0; }

static inline void u256_sdivmod(const u256 *a, const u256 *b, u256 *q, u256 *r) {
  int na = u256_is_neg(a), nb = u256_is_neg(b);
  u256 ua = *a, ub = *b;
  if (na) u256_neg(&ua, a);
  if (nb) u256_neg(&ub, b);
  u256 uq, ur;
  u256_divmod(&ua, &ub, &uq, &ur);
  if (q) {
    if (na != nb) u256_neg(q, &uq);
    else *q = uq;
  }
  if (r) {
    if (na) u256_neg(r, &ur);
    else *r = ur;
  }
}

/* r = (a + b) mod m, 257-bit intermediate; m == 0 gives 0 */
static inline void u256_addmod(u256 *r, const u256 *a, const u256 *b, const u256 *m) {
  int n = cevm_limbs(m->w, 4);
  if (n == 0) { u256_set64(r, 0); return; }
  uint64_t s[5];
  unsigned long long c = 0;
  for (int i = 0; i < 4; i++) s[i] = __builtin_addcll(a->w[i], b->w[i], c, &c);
  s[4] = c;
  int ms = cevm_limbs(s, 5);
  if (ms < n) {
    u256_set64(r, 0);
    for (int i = 0; i < ms; i++) r->w[i] = s[i];
    return;
  }
  uint64_t rr[4] = {0, 0, 0, 0};
  cevm_udivrem(s, ms, m->w, n, NULL, rr);
  memcpy(r->w, rr, 32);
}

/* r = (a * b) mod m, 512-bit intermediate; m == 0 gives 0 */
static inline void u256_mulmod(u256 *r, const u256 *a, const u256 *b, const u256 *m) {
  int n = cevm_limbs(m->w, 4);
  if (n == 0) { u256_set64(r, 0); return; }
  uint64_t p[8];
  u256_mul_full(p, a, b);
  int ms = cevm_limbs(p, 8);
  if (ms < n) {
    u256_set64(r, 0);
    for (int i = 0; i < ms; i++) r->w[i] = p[i];
    return;
  }
  uint64_t rr[4] = {0, 0, 0, 0};
  cevm_udivrem(p, ms, m->w, n, NULL, rr);
  memcpy(r->w, rr, 32);
}

/* r = a << s (s < 256) */
CEVM_INLINE void u256_shl(u256 *r, const u256 *a, unsigned s) {
  uint64_t x[4] = {a->w[0], a->w[1], a->w[2], a->w[3]}, y[4] = {0, 0, 0, 0};
  unsigned limbs = s / 64, bits = s % 64;
  for (int i = 3; i >= (int)limbs; i--) {
    uint64_t v = x[i - limbs] << bits;
    if (bits && i - (int)limbs - 1 >= 0) v |= x[i - limbs - 1] >> (64 - bits);
    y[i] = v;
  }
  r->w[0] = y[0]; r->w[1] = y[1]; r->w[2] = y[2]; r->w[3] = y[3];
}

/* r = a >> s (logical, s < 256) */
CEVM_INLINE void u256_shr(u256 *r, const u256 *a, unsigned s) {
  uint64_t x[4] = {a->w[0], a->w[1], a->w[2], a->w[3]}, y[4] = {0, 0, 0, 0};
  unsigned limbs = s / 64, bits = s % 64;
  for (int i = 0; i + (int)limbs < 4; i++) {
    uint64_t v = x[i + limbs] >> bits;
    if (bits && i + limbs + 1 < 4) v |= x[i + limbs + 1] << (64 - bits);
    y[i] = v;
  }
  r->w[0] = y[0]; r->w[1] = y[1]; r->w[2] = y[2]; r->w[3] = y[3];
}

/* r = base ^ exp mod 2^256 */
static inline void u256_exp(u256 *r, const u256 *base, const u256 *exp) {
  u256 result = {{1, 0, 0, 0}}, b = *base;
  int top = 255;
  while (top >= 0 && !((exp->w[top / 64] >> (top % 64)) & 1)) top--;
  for (int i = 0; i <= top; i++) {
    if ((exp->w[i / 64] >> (i % 64)) & 1) u256_mul(&result, &result, &b);
    if (i != top) u256_mul(&b, &b, &b);
  }
  *r = result;
}

/* Number of significant bytes in a (0 for zero). */
CEVM_INLINE unsigned u256_byte_len(const u256 *a) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i]) return (unsigned)(i * 8 + 8 - __builtin_clzll(a->w[i]) / 8);
  return 0;
}

#endif /* CEVM_U256_H */
