/* A mixed C program: sorting, recursion, jump tables, function pointers, 64-bit arithmetic
   (libgcc helpers on RV32), brk. */
#include "rt.h"
static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static void qsort_(int64_t *a, long lo, long hi) {
  while (lo < hi) {
    int64_t p = a[(lo + hi) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { int64_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { qsort_(a, lo, j); lo = i; } else { qsort_(a, i, hi); hi = j; }
  }
}
static __attribute__((noinline)) long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static __attribute__((noinline)) int classify(int v) {
  switch (v & 15) {
  case 0: return 7; case 1: return 3; case 2: return 11; case 3: return 5; case 4: return 2;
  case 5: return 13; case 6: return 17; case 7: return 1; case 8: return 19; case 9: return 23;
  default: return v;
  }
}
typedef uint64_t (*op_fn)(uint64_t, uint64_t);
static uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
static uint64_t op_mul(uint64_t a, uint64_t b) { return a * b; }
static uint64_t op_div(uint64_t a, uint64_t b) { return b ? a / b : a; }
static uint64_t op_mod(uint64_t a, uint64_t b) { return b ? a % b : a; }
static uint64_t op_sdiv(uint64_t a, uint64_t b) { return (b && !((int64_t)a == INT64_MIN && (int64_t)b == -1)) ? (uint64_t)((int64_t)a / (int64_t)b) : a; }
static uint64_t op_shl(uint64_t a, uint64_t b) { return a << (b & 63); }
static uint64_t op_sar(uint64_t a, uint64_t b) { return (uint64_t)((int64_t)a >> (b & 63)); }

int main(void) {
  enum { N = 3000 };
  static int64_t arr[N];
  for (int i = 0; i < N; i++) arr[i] = (int64_t)next();
  qsort_(arr, 0, N - 1);
  int sorted = 1;
  for (int i = 1; i < N; i++) if (arr[i - 1] > arr[i]) sorted = 0;
  puts_("sorted "); udec((uint64_t)sorted); puts_(" min "); hex64((uint64_t)arr[0]); puts_(" max "); hex64((uint64_t)arr[N - 1]); nl();
  puts_("fib "); udec((uint64_t)fib(22)); nl();
  long cs = 0;
  for (int i = 0; i < 1000; i++) cs = cs * 31 + classify(i);
  puts_("switch "); hexw((ulong)cs); nl();
  static const op_fn ops[] = {op_add, op_mul, op_div, op_mod, op_sdiv, op_shl, op_sar};
  uint64_t h = 1;
  for (int i = 0; i < 2000; i++) {
    uint64_t a = next(), b = next() >> (next() & 63);
    h = h * 1099511628211ull ^ ops[i % 7](a, b);
  }
  puts_("ops "); hex64(h); nl();
  /* brk */
  ulong cur = (ulong)sys3(214, 0, 0, 0);
  ulong want = (cur + 4095 + 65536) & ~(ulong)4095;
  ulong got = (ulong)sys3(214, (long)want, 0, 0);
  puts_("brk "); udec(got == want); nl();
  volatile unsigned char *heap = (volatile unsigned char *)cur;
  for (int i = 0; i < 65536; i += 4096) heap[i] = (unsigned char)(i >> 12);
  uint32_t s = 0;
  for (int i = 0; i < 65536; i += 4096) s += heap[i];
  puts_("heap "); udec(s); nl();
  return 42;
}
