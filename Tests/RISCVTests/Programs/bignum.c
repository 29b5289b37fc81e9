/* Arbitrary-precision arithmetic on 32-bit limbs: schoolbook multiply, 64-by-32 division
   for decimal conversion (on rv32 this exercises the runtime's __udivdi3), 100!, 2^1000,
   Fibonacci(2000) and a square-and-multiply modular exponentiation. */
#include "common.h"

enum { MAXL = 1300 };
typedef struct {
  unsigned n; /* limbs in use, no leading zero limbs */
  uint32_t d[MAXL];
} big;

static void big_set(big *a, uint32_t v) {
  a->n = v ? 1 : 0;
  a->d[0] = v;
}
static void big_trim(big *a) {
  while (a->n && a->d[a->n - 1] == 0) a->n--;
}
static void big_mul_small(big *a, uint32_t m) {
  uint64_t carry = 0;
  for (unsigned i = 0; i < a->n; i++) {
    uint64_t t = (uint64_t)a->d[i] * m + carry;
    a->d[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry) a->d[a->n++] = (uint32_t)carry;
}
static void big_add(big *r, const big *a, const big *b) {
  unsigned n = a->n > b->n ? a->n : b->n;
  uint64_t carry = 0;
  for (unsigned i = 0; i < n; i++) {
    uint64_t t = carry + (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
    r->d[i] = (uint32_t)t;
    carry = t >> 32;
  }
  r->n = n;
  if (carry) r->d[r->n++] = (uint32_t)carry;
}
static void big_mul(big *r, const big *a, const big *b) {
  static big t;
  t.n = a->n + b->n;
  memset(t.d, 0, t.n * sizeof(uint32_t));
  for (unsigned i = 0; i < a->n; i++) {
    uint64_t carry = 0;
    for (unsigned j = 0; j < b->n; j++) {
      uint64_t p = (uint64_t)a->d[i] * b->d[j] + t.d[i + j] + carry;
      t.d[i + j] = (uint32_t)p;
      carry = p >> 32;
    }
    t.d[i + b->n] = (uint32_t)carry;
  }
  big_trim(&t);
  *r = t;
}
/* a /= v, returns the remainder. Uses a 64-by-32 divide per limb. */
static uint32_t big_div_small(big *a, uint32_t v) {
  uint64_t rem = 0;
  for (unsigned i = a->n; i-- > 0;) {
    uint64_t cur = rem << 32 | a->d[i];
    a->d[i] = (uint32_t)(cur / v);
    rem = cur % v;
  }
  big_trim(a);
  return (uint32_t)rem;
}
static void big_print_dec(const char *label, const big *a) {
  static big t;
  static uint32_t chunks[MAXL * 2];
  t = *a;
  unsigned n = 0;
  while (t.n) chunks[n++] = big_div_small(&t, 1000000000u);
  printf("%s ", label);
  if (!n) printf("0");
  else {
    printf("%u", chunks[n - 1]);
    for (unsigned i = n - 1; i-- > 0;) printf("%09u", chunks[i]);
  }
  printf("\n");
}
static void big_print_hex(const char *label, const big *a) {
  printf("%s ", label);
  if (!a->n) printf("0");
  else {
    printf("%x", a->d[a->n - 1]);
    for (unsigned i = a->n - 1; i-- > 0;) printf("%08x", a->d[i]);
  }
  printf("\n");
}

/* Modular exponentiation with a 64-bit modulus (128-bit products done by 32-bit halves). */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
  uint64_t r = 0;
  a %= m;
  while (b) {
    if (b & 1) {
      r += a;
      if (r >= m || r < a) r -= m;
    }
    uint64_t a2 = a + a;
    if (a2 >= m || a2 < a) a2 -= m;
    a = a2;
    b >>= 1;
  }
  return r;
}
static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
  uint64_t r = 1 % m;
  while (e) {
    if (e & 1) r = mulmod(r, b, m);
    b = mulmod(b, b, m);
    e >>= 1;
  }
  return r;
}

static big a, b, c;

int main(void) {
  printf("bignum xlen=%d\n", XLEN);
  big_set(&a, 1);
  for (uint32_t i = 2; i <= 100; i++) big_mul_small(&a, i);
  big_print_dec("100!", &a);
  big_set(&a, 1);
  for (int i = 0; i < 1000; i++) big_mul_small(&a, 2);
  big_print_dec("2^1000", &a);
  big_set(&a, 0);
  big_set(&b, 1);
  for (int i = 0; i < 2000; i++) {
    big_add(&c, &a, &b);
    a = b;
    b = c;
  }
  big_print_dec("fib(2000)", &a);
  prng_t p = {31337};
  a.n = 40;
  b.n = 33;
  for (unsigned i = 0; i < a.n; i++) a.d[i] = (uint32_t)prng_next(&p);
  for (unsigned i = 0; i < b.n; i++) b.d[i] = (uint32_t)prng_next(&p);
  big_mul(&c, &a, &b);
  big_print_hex("product", &c);
  for (int i = 0; i < 4; i++) big_mul(&c, &c, &c);
  printf("product^16: %u limbs, fnv %08x\n", c.n, fnv1a(c.d, c.n * 4, FNV_INIT));
  printf("powmod %llx\n", (unsigned long long)powmod(3, 0xfffffffffffffffeULL, 0xffffffffffffffc5ULL));
  printf("powmod small %llu\n", (unsigned long long)powmod(2, 1000003, 1000000007));
  /* 64-bit division and remainder helpers with mixed signs. */
  long long s1 = -9876543210987LL, s2 = 12345678LL;
  unsigned long long u1 = 0xfedcba9876543210ULL, u2 = 0x123456789ULL;
  printf("div64 %lld %lld %lld %lld %llu %llu\n", s1 / s2, s1 % s2, s1 / -s2, s1 % -s2, u1 / u2, u1 % u2);
  return 0;
}
