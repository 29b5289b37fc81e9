/* A tight ALU loop (add, xor, shifts, and, or) with a loop-carried dependency the compiler
   cannot fold: about 1e9 guest instructions by default, for MIPS measurement. */
#include "bench.h"

static uint32_t __attribute__((noinline)) run(uint32_t iters, uint32_t seed) {
  uint32_t a = seed, b = seed ^ 0x9e3779b9u, c = 0x12345678u;
  for (uint32_t i = 0; i < iters; i++) {
    a += b ^ i;
    b ^= a << 3;
    c += (a >> 5) | (b & 0xff00ffu);
    a ^= c >> 7;
    b += c;
  }
  return a ^ b ^ c;
}

int main(int argc, char **argv) {
  uint32_t iters = bench_iterations(argc, argv, 64000000u);
  uint64_t sum = 0;
  for (uint32_t k = 0; k < 4; k++) sum = sum * 31 + run(iters / 4, k + 1);
  bench_report("alu_loop", sum);
  return 0;
}
