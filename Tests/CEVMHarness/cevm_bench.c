/*
 * cevm_bench: run a contract (runtime code as hex in a file) with calldata through the test
 * host, print status, execution gas before refund, refund, output; time `reps` runs.
 * Usage: cevm_bench CODE_HEX_FILE CALLDATA_HEX [REPS] [GAS]
 */
#include "test_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  int hi = -1;
  for (; *s; s++) {
    int v;
    char c = *s;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) hi = v;
    else {
      if (n < cap) out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  return n;
}

static uint64_t op_counts[256];
static void count_trace(void *ctx, const cevm_frame *f, uint8_t op, int64_t cost) {
  (void)ctx; (void)f; (void)cost;
  op_counts[op]++;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s CODE_HEX_FILE CALLDATA_HEX [REPS] [GAS]\n", argv[0]);
    return 2;
  }
  FILE *fp = fopen(argv[1], "rb");
  if (!fp) {
    perror(argv[1]);
    return 2;
  }
  fseek(fp, 0, SEEK_END);
  long sz = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *txt = calloc(1, (size_t)sz + 1);
  if (fread(txt, 1, (size_t)sz, fp) != (size_t)sz) return 2;
  fclose(fp);
  uint8_t *code = malloc((size_t)sz / 2 + 1);
  size_t code_size = unhex(txt, code, (size_t)sz / 2 + 1);
  size_t cdl = strlen(argv[2]);
  uint8_t *cd = malloc(cdl / 2 + 1);
  size_t cd_size = unhex(argv[2], cd, cdl / 2 + 1);
  int reps = argc > 3 ? atoi(argv[3]) : 1;
  int64_t gas = argc > 4 ? atoll(argv[4]) : 1000000000;
  uint8_t caller[20] = {0xa9, 0x4f}, to[20] = {0xbe, 0x7c, 0x43, 0xa5, 0x80};
  to[19] = 1;
  double best = 1e30, total = 0;
  th_result r = {0};
  for (int i = 0; i < reps; i++) {
    th_state *s = th_new();
    th_set_account(s, to, NULL, 1, code, code_size);
    th_set_account(s, caller, NULL, 0, NULL, 0);
    if (getenv("CEVM_BENCH_COUNT")) th_set_trace(s, count_trace, NULL);
    double t0 = now_ms();
    th_call(s, caller, to, cd, cd_size, NULL, gas, &r);
    double t = now_ms() - t0;
    total += t;
    if (t < best) best = t;
    if (i == reps - 1) {
      printf("status %s\ngas_used %lld\nrefund %lld\noutput 0x", cevm_status_name(r.status),
             (long long)r.gas_used, (long long)r.refund);
      for (size_t k = 0; k < r.output_size; k++) printf("%02x", r.output[k]);
      printf("\nbest_ms %.3f\nmean_ms %.3f\n", best, total / reps);
    }
    th_free(s);
  }
  if (getenv("CEVM_BENCH_COUNT")) {
    uint64_t total_ops = 0;
    for (int op = 0; op < 256; op++) total_ops += op_counts[op];
    printf("executed %llu instructions (over %d runs)\n", (unsigned long long)total_ops, reps);
    for (int op = 0; op < 256; op++) {
      cevm_opcode_info info;
      if (op_counts[op] * 100 >= total_ops && cevm_opcode_get_info((uint8_t)op, &info))
        printf("  %-14s %5.1f%%\n", info.name, 100.0 * op_counts[op] / total_ops);
    }
  }
  return 0;
}
