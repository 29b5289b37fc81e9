/*
 * A small in-memory Ethereum-like host for testing the CEVM core from C: accounts, storage
 * with original values and warm flags, transient storage, logs, a journal for reverts, and a
 * bootloader-style runner with an explicit frame stack (calls and creates never recurse on the
 * C stack). Test code only: it allocates freely.
 *
 * Addresses are 20 bytes, words 32 bytes big-endian, at this interface.
 */
#ifndef CEVM_TEST_HOST_H
#define CEVM_TEST_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "CEVM.h"

typedef struct th_state th_state;

typedef struct th_result {
  int status;          /* final cevm status of the top frame */
  int64_t gas_left;    /* top frame gas left (0 after a failure) */
  int64_t gas_used;    /* execution gas before refund = gas - gas_left */
  int64_t refund;      /* raw refund counter of the transaction (0 unless success) */
  const uint8_t *output; /* valid until the next th_call */
  size_t output_size;
  size_t log_count;
  uint64_t steps;      /* number of cevm_run/resume invocations */
} th_result;

th_state *th_new(void);
void th_free(th_state *s);

void th_set_account(th_state *s, const uint8_t addr[20], const uint8_t balance[32], uint64_t nonce,
                    const uint8_t *code, size_t code_size);
void th_set_storage(th_state *s, const uint8_t addr[20], const uint8_t key[32],
                    const uint8_t value[32]);
void th_get_storage(th_state *s, const uint8_t addr[20], const uint8_t key[32], uint8_t out[32]);
void th_get_balance(th_state *s, const uint8_t addr[20], uint8_t out[32]);
/* Returns the code size; copies up to cap bytes. */
size_t th_get_code(th_state *s, const uint8_t addr[20], uint8_t *out, size_t cap);
uint64_t th_get_nonce(th_state *s, const uint8_t addr[20]);
int th_account_exists(th_state *s, const uint8_t addr[20]);

/* Block / tx context (defaults: number 1, timestamp 1, gas limit 30M, chain id 1, coinbase 0). */
cevm_context *th_context(th_state *s);
/* Install a trace callback (NULL to remove) on every frame. */
void th_set_trace(th_state *s, void (*trace)(void *, const cevm_frame *, uint8_t, int64_t),
                  void *trace_ctx);
/* Make the top frame static. */
void th_set_static(th_state *s, int is_static);
/* Answer SLOAD / SSTORE's warm mark and read through the optional access_sload callback, as
   the Swift host does (on), or through access_storage and sload (off, the default). */
void th_set_access_sload(th_state *s, int on);

/* Run one message call as a transaction (resets warm sets, originals and transient storage;
   warms caller, target, coinbase and precompile addresses 1..10). Returns result->status. */
int th_call(th_state *s, const uint8_t caller[20], const uint8_t to[20], const uint8_t *input,
            size_t input_size, const uint8_t value[32], int64_t gas, th_result *result);

/* Logs of the last th_call. */
size_t th_log_count(th_state *s);
/* Copies log i: address, up to 4 topics, data (up to data_cap). Returns data size. */
size_t th_log_get(th_state *s, size_t i, uint8_t addr[20], uint8_t topics[4][32], size_t *ntopics,
                  uint8_t *data, size_t data_cap);

#endif
