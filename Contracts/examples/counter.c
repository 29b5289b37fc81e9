/*
 * A counter: slot 0 holds the count.
 *   get()          0x6d4ce63c -> uint256
 *   increment()    0xd09de08a    adds 1
 *   add(uint256)   0x1003e2d2    adds the argument (reverts on overflow)
 * Any other calldata (including empty) increments too, so plain value-less calls count.
 * Constructor argument (optional): the initial count.
 */
#include "eekit_abi.h"

void eekit_main(int is_constructor) {
  eek_word slot = eek_word_from_u64(0), v;
  if (is_constructor) {
    if (eek_calldata_size() >= 32) {
      eek_calldata_copy(&v, 0, 32);
      eek_sstore(&slot, &v);
    }
    return;
  }
  uint32_t sel = abi_selector();
  /* The count as a little-endian number (SLOAD_LE / SSTORE_LE): no byte swaps in the contract. */
  u256 n = eek_sload_u256(&slot);
  if (sel == 0x6d4ce63cu) abi_return_u256(n);
  u256 by = sel == 0x1003e2d2u ? abi_arg_u256(0) : u256_from_u64(1);
  if (u256_add(&n, n, by)) eek_revert(0, 0);
  eek_sstore_u256(&slot, n);
  abi_return_u256(n);
}
