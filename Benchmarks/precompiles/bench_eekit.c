/* EEKit side of the precompile benchmark: calls the C cores of CPrecompiles (and CEVM's keccak)
 * in a loop for about a second of CPU time per case. Input: lines "name hexinput" on stdin.
 * Output: "name calls_per_second". */
#include "CPrecompiles.h"
#include "CEVM.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: robust on a shared machine */
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int run_once(const char *name, const uint8_t *in, size_t n, uint8_t *out) {
  if (!strcmp(name, "ecrecover")) {
    uint8_t pk[64], h[32];
    if (cprec_ecrecover(in, pk)) return 1;
    cevm_keccak256(pk, 64, h);
    memcpy(out, h, 32);
    return 0;
  }
  if (!strncmp(name, "modexp", 6)) {
    cprec_modexp_header h;
    cprec_modexp_header_parse(in, n, &h);
    return cprec_modexp(in, n, &h, out);
  }
  if (!strcmp(name, "point_evaluation")) return cprec_point_evaluation(in, n, out);
  if (!strncmp(name, "bn254_pairing", 13)) {
    int r;
    if (cprec_bn254_pairing(in, n, &r) || r != 1) return 1;
    return 0;
  }
  cevm_keccak256(in, n, out);
  return 0;
}

int main(void) {
  static char line[8192];
  static uint8_t in[4096], out[4096];
  char name[64], hex[8192];
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%63s %8191s", name, hex) != 2) continue;
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) { unsigned v; sscanf(hex + 2 * i, "%2x", &v); in[i] = (uint8_t)v; }
    if (run_once(name, in, n, out)) { printf("%s FAILED\n", name); return 1; }
    long calls = 0, batch = 1;
    double t0 = now(), t;
    do {
      for (long i = 0; i < batch; i++) run_once(name, in, n, out);
      calls += batch;
      batch *= 2;
      t = now() - t0;
    } while (t < 1.0);
    printf("%s %.0f\n", name, calls / t);
    fflush(stdout);
  }
  return 0;
}
