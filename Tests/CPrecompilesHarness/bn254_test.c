/*
 * C-level checks of CSources/CPrecompiles/bn254.c's field (fp_tower.h with 4 limbs; included
 * directly, so the static functions are reachable): Montgomery multiplication against GMP, and
 * the lazy-reduction tower arithmetic (tower_checks.h) against the reduce-every-product
 * formulas. The pairing itself is covered by the Swift suites and the stZeroKnowledge state
 * tests. Prints one line per failed check and exits 1 if any failed.
 */
#include "../../CSources/CPrecompiles/bn254.c"

#include <gmp.h>
#include <stdio.h>

/* splitmix64 */
static uint64_t rng_state = 0x254;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

#include "tower_checks.h"

int main(void) {
  int failures = 0;
  int bad = tc_fp_mul_against_gmp();
  if (bad) { printf("FAIL bn254: fp_mul != GMP (%d of 20000)\n", bad); failures++; }
  failures += tower_differential_checks("bn254");
  if (failures) {
    printf("%d checks failed\n", failures);
    return 1;
  }
  printf("bn254: all checks passed\n");
  return 0;
}
