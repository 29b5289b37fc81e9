/* Host calibration for Benchmarks/rv/run.sh: the rate of a chain of dependent 64-bit adds,
   which any x86-64 core of the last decade retires at one per cycle. On a machine that gets a
   full core this is its clock; on a shared or throttled VM it is the clock the benchmarks
   actually saw. Thread CPU time, best of three. Prints "<giga-adds per second>". */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(void) {
  const uint64_t n = 100000000u;
  double best = 1e9;
  uint64_t x = 0;
  for (int rep = 0; rep < 3; rep++) {
    const double t0 = now();
    for (uint64_t i = 0; i < n; i++) __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    const double t = now() - t0;
    if (t < best) best = t;
  }
  printf("%.3f\n", 4.0 * (double)n / best / 1e9);
  return x == 0; /* keep x alive */
}
