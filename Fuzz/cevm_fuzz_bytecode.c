/*
 * libFuzzer target for the CEVM core: random bytecode + calldata with a small gas budget,
 * run through the C test host (nested calls/creates included). Must never crash, leak or
 * trip a sanitizer.
 *
 * Build and run (from the repository root):
 *   clang -fuse-ld=lld -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *     -ICSources/CEVM/include -ICSources/CEVM -ITests/CEVMHarness \
 *     Fuzz/cevm_fuzz_bytecode.c CSources/CEVM/interp.c CSources/CEVM/keccak.c \
 *     Tests/CEVMHarness/test_host.c -o /tmp/cevm_fuzz
 *   /tmp/cevm_fuzz -max_total_time=60 -max_len=4096
 *
 * Input layout: byte 0 = flags (bit 0: static top frame, bit 1: trace, bits 2-7: calldata
 * length / 4), bytes 1-2 = gas in units of 16 (the low 4 bits of byte 2 also pick the fork:
 * cevm_revision 0-14, 15 Osaka), then calldata, then code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "CEVM.h"
#include "test_host.h"

static void fuzz_trace(void *ctx, const cevm_frame *f, uint8_t op, int64_t cost) {
  /* touch what a tracer reads */
  volatile uint64_t sink = 0;
  if (f->stack_size) sink += f->stack[f->stack_size - 1].w[0];
  sink += (uint64_t)f->pc + (uint64_t)f->gas + op + (uint64_t)cost + f->memory_size;
  (void)sink;
  (void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  uint8_t flags = data[0];
  int64_t gas = (int64_t)(((uint32_t)data[1] << 8) | data[2]) * 16;
  data += 3;
  size -= 3;
  size_t cd = (size_t)(flags >> 2) * 4;
  if (cd > size) cd = size;
  const uint8_t *calldata = data;
  const uint8_t *code = data + cd;
  size_t code_size = size - cd;

  th_state *s = th_new();
  uint8_t target[20] = {0x10}, caller[20] = {0x20}, other[20] = {0x10};
  target[19] = 1;
  other[19] = 2;
  uint8_t bal[32] = {0};
  bal[31] = 100;
  th_set_account(s, target, bal, 1, code, code_size);
  /* a second account running the same code, so calls recurse into fuzzed code */
  th_set_account(s, other, bal, 1, code, code_size);
  th_set_account(s, caller, bal, 0, NULL, 0);
  th_set_static(s, flags & 1);
  /* the fork: the low 4 bits of the gas's low byte (13-15: Cancun) */
  uint32_t rev = data[-1] & 15;
  th_context(s)->revision = rev <= CEVM_REV_OLDEST ? rev : CEVM_REV_OSAKA;
  if (flags & 2) th_set_trace(s, fuzz_trace, NULL);
  th_result r;
  memset(&r, 0, sizeof r);
  int status = th_call(s, caller, target, calldata, cd, NULL, gas, &r);
  /* invariants */
  if (r.gas_left < 0 || r.gas_left > gas) abort();
  if (cevm_status_is_failure(status) && r.gas_left != 0) abort();
  if (cevm_status_is_request(status) || status == CEVM_STATUS_INVALID_ARGUMENT) abort();
  th_free(s);
  return 0;
}
