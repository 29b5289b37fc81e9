/* Freestanding runtime for EEKit native contracts: the memory functions clang may emit calls
   to. Compile it with every contract (Contracts/build.sh does). */
#include <stddef.h>

#include <stdint.h>

/* Register words when both pointers are register aligned, 32-bit words when both are 4-byte
   aligned (ABI arguments sit at 4 + 32 i), bytes otherwise. */
void *memcpy(void *restrict d, const void *restrict s, size_t n) {
  unsigned char *dp = d;
  const unsigned char *sp = s;
  const uintptr_t a = (uintptr_t)dp | (uintptr_t)sp;
  if ((a & (sizeof(uintptr_t) - 1)) == 0) {
    for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t), dp += sizeof(uintptr_t), sp += sizeof(uintptr_t))
      *(uintptr_t *)(void *)dp = *(const uintptr_t *)(const void *)sp;
  } else if ((a & 3) == 0) {
    for (; n >= 4; n -= 4, dp += 4, sp += 4) *(uint32_t *)(void *)dp = *(const uint32_t *)(const void *)sp;
  }
  while (n--) *dp++ = *sp++;
  return d;
}
void *memmove(void *d, const void *s, size_t n) {
  unsigned char *dp = d;
  const unsigned char *sp = s;
  if (dp < sp) {
    while (n--) *dp++ = *sp++;
  } else {
    while (n--) dp[n] = sp[n];
  }
  return d;
}
void *memset(void *d, int c, size_t n) {
  unsigned char *dp = d;
  if (((uintptr_t)dp & (sizeof(uintptr_t) - 1)) == 0) {
    uintptr_t w = (uintptr_t)(unsigned char)c * (UINTPTR_MAX / 0xff);
    for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t), dp += sizeof(uintptr_t)) *(uintptr_t *)(void *)dp = w;
  }
  while (n--) *dp++ = (unsigned char)c;
  return d;
}
int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

#if defined(__riscv_xlen) && __riscv_xlen == 32
/* 64-bit division on RV32, which clang lowers to these libgcc calls: a contract dividing
   uint64_t values would not link without them. Word-sized operands take one divu / remu; the
   rest works on 32-bit words with divu (Knuth's algorithm D on 16-bit digits, after
   normalising), a few dozen instructions instead of a 64-step shift-and-subtract loop (about
   700 gas a division before). */
static int eek_clz32(unsigned x) { /* x != 0; rv32im has no clz */
  int n = 0;
  if (x <= 0xffffu) { n += 16; x <<= 16; }
  if (x <= 0xffffffu) { n += 8; x <<= 8; }
  if (x <= 0xfffffffu) { n += 4; x <<= 4; }
  if (x <= 0x3fffffffu) { n += 2; x <<= 2; }
  if (x <= 0x7fffffffu) n += 1;
  return n;
}
/* (hi:lo) / d for d != 0 and hi < d, so that the quotient fits 32 bits; *rem the remainder. */
static unsigned eek_div64by32(unsigned hi, unsigned lo, unsigned d, unsigned *rem) {
  int s = eek_clz32(d);
  d <<= s; /* the divisor's top bit set: each digit estimate is at most 2 too large */
  unsigned nh = s ? hi << s | lo >> (32 - s) : hi, nl = lo << s;
  unsigned dh = d >> 16, dl = d & 0xffffu, n1 = nl >> 16, n0 = nl & 0xffffu;
  unsigned q1 = nh / dh, r = nh - q1 * dh;
  while (q1 > 0xffffu || q1 * dl > (r << 16 | n1)) {
    q1--;
    r += dh;
    if (r > 0xffffu) break;
  }
  unsigned mid = (nh << 16 | n1) - q1 * d; /* < d: exact modulo 2^32 */
  unsigned q0 = mid / dh;
  r = mid - q0 * dh;
  while (q0 > 0xffffu || q0 * dl > (r << 16 | n0)) {
    q0--;
    r += dh;
    if (r > 0xffffu) break;
  }
  *rem = ((mid << 16 | n0) - q0 * d) >> s;
  return q1 << 16 | q0;
}
unsigned long long __udivmoddi4(unsigned long long n, unsigned long long d, unsigned long long *rem) {
  if (d == 0) { /* as RISC-V's divu: all ones, remainder n (C leaves it undefined) */
    if (rem) *rem = n;
    return ~0ull;
  }
  unsigned nh = (unsigned)(n >> 32), nl = (unsigned)n, dh = (unsigned)(d >> 32), dl = (unsigned)d;
  if (dh == 0) {
    if (nh == 0) {
      if (rem) *rem = nl % dl;
      return nl / dl;
    }
    unsigned qh = nh / dl, r;
    unsigned ql = eek_div64by32(nh - qh * dl, nl, dl, &r);
    if (rem) *rem = r;
    return (unsigned long long)qh << 32 | ql;
  }
  if (n < d) {
    if (rem) *rem = n;
    return 0;
  }
  /* d >= 2^32, so the quotient fits 32 bits: divide n / 2 by d's top 32 bits after
     normalising, which gives the quotient or one more than it after the shift back. */
  int s = eek_clz32(dh);
  unsigned top = (unsigned)((d << s) >> 32), unused;
  unsigned long long half = n >> 1;
  unsigned long long q = (unsigned long long)eek_div64by32((unsigned)(half >> 32), (unsigned)half, top, &unused) << s >> 31;
  if (q != 0) q--;
  unsigned long long r = n - q * d;
  if (r >= d) {
    q++;
    r -= d;
  }
  if (rem) *rem = r;
  return q;
}
unsigned long long __udivdi3(unsigned long long n, unsigned long long d) { return __udivmoddi4(n, d, 0); }
unsigned long long __umoddi3(unsigned long long n, unsigned long long d) {
  unsigned long long r;
  __udivmoddi4(n, d, &r);
  return r;
}
/* |v| without overflow (INT64_MIN's magnitude fits the unsigned type). */
static unsigned long long eek_magnitude(long long v) {
  return v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
}
long long __divdi3(long long n, long long d) {
  if (d == 0) return -1; /* as RISC-V's div */
  unsigned long long q = __udivmoddi4(eek_magnitude(n), eek_magnitude(d), 0);
  return (long long)((n < 0) != (d < 0) ? 0ull - q : q);
}
long long __moddi3(long long n, long long d) {
  unsigned long long r;
  __udivmoddi4(eek_magnitude(n), eek_magnitude(d), &r);
  return (long long)(n < 0 ? 0ull - r : r);
}

/* 64-bit shifts on RV32, which clang at -Oz and GCC at -Os call instead of inlining (the
   division above needs them then too). Written on 32-bit halves, so they never call
   themselves. */
typedef union {
  unsigned long long u;
  struct { unsigned lo, hi; } w; /* little-endian */
} eek_dword;
unsigned long long __ashldi3(unsigned long long a, int b) {
  eek_dword x, r;
  x.u = a;
  b &= 63;
  if (b == 0) return a;
  if (b >= 32) {
    r.w.lo = 0;
    r.w.hi = x.w.lo << (b - 32);
  } else {
    r.w.lo = x.w.lo << b;
    r.w.hi = x.w.hi << b | x.w.lo >> (32 - b);
  }
  return r.u;
}
unsigned long long __lshrdi3(unsigned long long a, int b) {
  eek_dword x, r;
  x.u = a;
  b &= 63;
  if (b == 0) return a;
  if (b >= 32) {
    r.w.hi = 0;
    r.w.lo = x.w.hi >> (b - 32);
  } else {
    r.w.hi = x.w.hi >> b;
    r.w.lo = x.w.lo >> b | x.w.hi << (32 - b);
  }
  return r.u;
}
long long __ashrdi3(long long a, int b) {
  eek_dword x, r;
  x.u = (unsigned long long)a;
  b &= 63;
  if (b == 0) return a;
  if (b >= 32) {
    r.w.hi = (unsigned)((int)x.w.hi >> 31);
    r.w.lo = (unsigned)((int)x.w.hi >> (b - 32));
  } else {
    r.w.hi = (unsigned)((int)x.w.hi >> b);
    r.w.lo = x.w.lo >> b | x.w.hi << (32 - b);
  }
  return (long long)r.u;
}
#endif
