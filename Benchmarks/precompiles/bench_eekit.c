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
  if (!strncmp(name, "bls_", 4)) { /* EIP-2537: the C entry points the Swift hooks call */
    static void *scratch;
    static size_t scratch_len;
    size_t need = cprec_bls12_msm_scratch_size(n / 160 + 1, 1); /* enough for either group */
    if (need > scratch_len) { free(scratch); scratch = malloc(need); scratch_len = need; }
    if (!strcmp(name, "bls_g1add")) return cprec_bls12_g1_add(in, n, out);
    if (!strcmp(name, "bls_g2add")) return cprec_bls12_g2_add(in, n, out);
    if (!strncmp(name, "bls_g1msm", 9)) return cprec_bls12_g1_msm(in, n, out, scratch, scratch_len);
    if (!strncmp(name, "bls_g2msm", 9)) return cprec_bls12_g2_msm(in, n, out, scratch, scratch_len);
    if (!strcmp(name, "bls_map_fp_to_g1")) return cprec_bls12_map_fp_to_g1(in, n, out);
    if (!strcmp(name, "bls_map_fp2_to_g2")) return cprec_bls12_map_fp2_to_g2(in, n, out);
    int r;
    if (cprec_bls12_pairing_check(in, n, &r) || r != 1) return 1;
    return 0;
  }
  if (!strcmp(name, "p256verify")) return cprec_p256_verify(in) == 1 ? 0 : 1;
  if (!strncmp(name, "bn254_pairing", 13)) {
    int r;
    if (cprec_bn254_pairing(in, n, &r) || r != 1) return 1;
    return 0;
  }
  cevm_keccak256(in, n, out);
  return 0;
}

int main(void) {
  static char line[1 << 17];
  static uint8_t in[1 << 16], out[4096];
  static char name[64], hex[1 << 17];
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%63s %131071s", name, hex) != 2) continue;
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
