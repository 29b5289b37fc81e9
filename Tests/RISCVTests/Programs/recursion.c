/* Deep recursion: a non-tail recursive walk about 10000 frames deep with locals on the
   stack, Ackermann's function, mutual recursion, and recursive permutation generation. */
#include "common.h"

static unsigned long deep(unsigned n, volatile unsigned char *prev) {
  volatile unsigned char local[40];
  for (unsigned i = 0; i < sizeof local; i++) local[i] = (unsigned char)(n + i);
  if (n == 0) return prev ? prev[3] : 0;
  unsigned long below = deep(n - 1, local);
  return below + local[n % 40] + (prev ? prev[0] : 0);
}

static unsigned long ack(unsigned long m, unsigned long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static unsigned perm_count, perm_hash;
static void permute(char *s, int k, int n) {
  if (k == n) {
    perm_count++;
    perm_hash = fnv1a(s, (size_t)n, perm_hash);
    return;
  }
  for (int i = k; i < n; i++) {
    char t = s[k];
    s[k] = s[i];
    s[i] = t;
    permute(s, k + 1, n);
    t = s[k];
    s[k] = s[i];
    s[i] = t;
  }
}

static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(void) {
  printf("recursion xlen=%d\n", XLEN);
  printf("deep(10000) = %lu\n", deep(10000, 0));
  printf("ack(2,300) = %lu\n", ack(2, 300));
  printf("ack(3,5) = %lu\n", ack(3, 5));
  printf("even(5001) = %d, odd(5001) = %d\n", is_even(5001), is_odd(5001));
  char s[] = "abcdefgh";
  perm_hash = FNV_INIT;
  permute(s, 0, 8);
  printf("permutations %u hash %08x\n", perm_count, perm_hash);
  printf("fib(24) = %ld\n", fib(24));
  return 0;
}
