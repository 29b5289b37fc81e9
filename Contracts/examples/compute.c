/*
 * A compute-bound contract (no state access): the workload where native code pays off.
 *   xorshift(uint256 seed, uint256 rounds)  0x6c4f555a -> uint256
 * Runs `rounds` steps of xorshift64 (x ^= x << 13; x ^= x >> 7; x ^= x << 17) on the low 64
 * bits of `seed` and returns x. `eekit contract-bench` runs the same loop as EVM bytecode.
 *   syscalls(uint256 n)                  0x86d662c7 -> uint256
 * Makes n GAS_LEFT system calls (the cheapest round trip to the host) and returns the gas left
 * after the last one: `eekit contract-bench` measures the cost of a system call with it.
 */
#include "eekit_abi.h"

void eekit_main(int is_constructor) {
  if (is_constructor) return;
  uint32_t sel = abi_selector();
  if (sel == 0x86d662c7u && abi_has_args(1)) {
    eek_word count = abi_arg_word(0);
    uint64_t left = eek_gas_left();
    for (uint64_t n = eek_word_limb(&count, 0); n; n--) left = eek_gas_left();
    abi_return_u256(u256_from_u64(left));
  }
  if (sel != 0x6c4f555au || !abi_has_args(2)) eek_revert(0, 0);
  eek_word seed = abi_arg_word(0), rounds = abi_arg_word(1);
  uint64_t x = eek_word_limb(&seed, 0);
  /* More than 2^64 rounds cannot be paid for; the low limb is enough. */
  for (uint64_t n = eek_word_limb(&rounds, 0); n; n--) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  abi_return_u256(u256_from_u64(x));
}
