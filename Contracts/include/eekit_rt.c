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
   uint64_t values would not link without them. Shift-and-subtract from the highest bit. */
unsigned long long __udivmoddi4(unsigned long long n, unsigned long long d, unsigned long long *rem) {
  unsigned long long q = 0, r = 0;
  if (d == 0) { /* as RISC-V's divu: all ones, remainder n (C leaves it undefined) */
    if (rem) *rem = n;
    return ~0ull;
  }
  for (int i = 63; i >= 0; i--) {
    /* r < d, so 2r + 1 < 2^65: the bit shifted out means 2r + bit >= d (the wrapping
       subtraction then leaves the right remainder). */
    unsigned long long out = r >> 63;
    r = r << 1 | (n >> i & 1);
    if (out || r >= d) {
      r -= d;
      q |= 1ull << i;
    }
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
