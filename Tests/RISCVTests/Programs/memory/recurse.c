// Recurses 6,000 frames of 2 KiB (12 MB of stack), then prints "recursed" and exits 0; with an
// 8 MiB stack it overflows and dies by SIGSEGV. Built at test time
// (DifferentialTests.stackFollowsALargerStackLimitAsUnderQemu) and run under `ulimit -s` 8192,
// 65536 and unlimited: qemu-user takes a finite RLIMIT_STACK above 8 MiB as its guest stack.
#include "../standalone.h"

__attribute__((noinline)) static long down(long n) {
  char frame[2048];
  __asm__ volatile("" ::"r"(frame) : "memory");  // the frame stays on the stack
  frame[0] = (char)n;
  __asm__ volatile("" ::"r"(frame) : "memory");
  return n == 0 ? frame[0] : down(n - 1) + frame[0];
}

void _start(void) {
  down(6000);
  put("recursed\n");
  sys(93, 0, 0, 0);
}
