/*
 * Calls itself with all its gas until the call fails (depth 1024), then every frame returns
 * the depth below it plus one: the top frame returns 1024 when the chain reached the limit.
 * Used by Scripts/depth_memory.sh to measure peak host memory for a 1024-deep call chain.
 */
#include "eekit_abi.h"

void eekit_main(int is_constructor) {
  if (is_constructor) return;
  eek_address self;
  eek_self(&self);
  eek_word zero = eek_word_from_u64(0);
  size_t n = 0;
  u256 below = u256_from_u64(0);
  if (eek_call(EEK_CALL, &self, &zero, 0, 0, eek_gas_left(), &n) == EEK_SUCCESS && n == 32) {
    eek_word w;
    eek_returndata_copy(&w, 0, 32);
    u256_add(&below, u256_from_word(&w), u256_from_u64(1));
  }
  abi_return_u256(below);
}
