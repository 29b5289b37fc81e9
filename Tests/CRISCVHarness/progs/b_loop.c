/* Benchmark: a tight addi/bne loop of 1e9 iterations (2e9 instructions). */
#include "rt.h"
#ifndef ITERS
#define ITERS 1000000000
#endif
int main(void) {
  ulong n = ITERS, acc = 0;
  __asm__ volatile("1: addi %0, %0, -1\n addi %1, %1, 3\n bnez %0, 1b" : "+r"(n), "+r"(acc));
  hexw(acc); nl();
  return 0;
}
