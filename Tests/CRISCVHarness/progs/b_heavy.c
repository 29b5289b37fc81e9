/* Benchmark: a mix of loads, stores, multiplies, branches and calls (sieve + matrix multiply +
   a hash), sized to run a few hundred million instructions. */
#include "rt.h"
#define N 200000
static unsigned char sieve[N];
#define M 48
static uint32_t A[M][M], B[M][M], C[M][M];

static __attribute__((noinline)) uint32_t mix(uint32_t h, uint32_t v) {
  h ^= v; h *= 0x01000193u; h ^= h >> 15; return h;
}

int main(void) {
  uint32_t h = 2166136261u;
  for (int rep = 0; rep < 20; rep++) {
    memset(sieve, 1, N);
    sieve[0] = sieve[1] = 0;
    for (ulong i = 2; i * i < N; i++)
      if (sieve[i]) for (ulong j = i * i; j < N; j += i) sieve[j] = 0;
    ulong cnt = 0;
    for (ulong i = 0; i < N; i++) cnt += sieve[i];
    h = mix(h, (uint32_t)cnt);
  }
  for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) { A[i][j] = (uint32_t)(i * 31 + j); B[i][j] = (uint32_t)(i ^ (j * 7)); }
  for (int rep = 0; rep < 30; rep++) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < M; j++) {
        uint32_t s = 0;
        for (int k = 0; k < M; k++) s += A[i][k] * B[k][j];
        C[i][j] = s + (uint32_t)rep;
      }
    for (int i = 0; i < M; i++) for (int j = 0; j < M; j++) h = mix(h, C[i][j] / (uint32_t)(j + 1));
  }
  hexw(h); nl();
  return 0;
}
