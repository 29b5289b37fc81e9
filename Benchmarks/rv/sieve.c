/* Sieve of Eratosthenes over a byte array, repeated; the checksum mixes the prime counts
   and the sum of the last primes found. */
#include "bench.h"

enum { LIMIT = 2000000 };
static uint8_t composite[LIMIT + 1];

static uint32_t sieve(uint32_t n, uint64_t *last_sum) {
  memset(composite, 0, n + 1);
  uint32_t count = 0;
  uint64_t tail = 0;
  for (uint32_t i = 2; i <= n; i++) {
    if (composite[i]) continue;
    count++;
    if (i > n - 1000) tail += i;
    for (uint64_t j = (uint64_t)i * i; j <= n; j += i) composite[j] = 1;
  }
  *last_sum = tail;
  return count;
}

int main(int argc, char **argv) {
  uint32_t rounds = bench_iterations(argc, argv, 12);
  uint64_t sum = 0;
  for (uint32_t r = 0; r < rounds; r++) {
    uint64_t tail;
    uint32_t n = LIMIT - r * 1000;
    uint32_t count = sieve(n, &tail);
    sum = sum * 1000003 + count + (tail << 20);
  }
  bench_report("sieve", sum);
  return 0;
}
