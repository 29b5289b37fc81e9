/*
 * bench.h: what the EEKit RISC-V benchmark programs use from "libc". Under __riscv it is
 * the freestanding guest runtime (Tests/RISCVTests/Programs/runtime); natively it is the
 * host libc. Both provide the same names with the same behaviour for what is used here.
 */
#ifndef EEKIT_BENCH_H
#define EEKIT_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __riscv
#include "rt.h"
#else
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

/* Iteration count: argv[1] when given (a positive number), else `def`. */
static inline uint32_t bench_iterations(int argc, char **argv, uint32_t def) {
  if (argc > 1) {
    long v = strtol(argv[1], 0, 10);
    if (v > 0) return (uint32_t)v;
  }
  return def;
}

/* SplitMix64. */
static inline uint64_t bench_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Every benchmark ends by printing exactly one line: "<name> checksum <hex>". */
static inline void bench_report(const char *name, uint64_t checksum) {
  printf("%s checksum %016llx\n", name, (unsigned long long)checksum);
}

#endif
