/*
 * Misbehaving contract for tests; the first calldata byte picks the misdeed:
 *   1 jump outside the code        2 store outside guest memory   3 infinite loop
 *   4 huge heap request (brk 1 GiB) 5 unknown system call           6 storage write (for static calls)
 *   7 bad pointer to a system call  8 store into its own code       9 log with 5 topics
 *  10 read past the returndata     11 grow the heap by 64 KiB, write it, return its last word
 *  12 48 KiB of stack: a system call writes its deepest byte, the contract sums all 48 KiB
 *     (the stack must start zeroed: the sum is 12), scribbles over it and returns the sum
 *  13 overflow the stack (touch 72 KiB below the top)
 *  14 self-destruct, sending the balance to the caller (eek_selfdestruct)
 * Anything else returns 32 bytes of 0x11.
 */
#include "eekit_abi.h"

/* Own functions, so that only these ops have the big frames. */
__attribute__((noinline, noreturn)) static void deep_stack(void) {
  uint8_t big[48 * 1024];
  volatile uint8_t *p = big;
  eek_calldata_copy(big, 0, 1);
  uint64_t sum = 0;
  for (size_t i = 0; i < sizeof big; i++) sum += p[i];
  for (size_t i = 0; i < sizeof big; i++) p[i] = 0x5a;
  eek_word w = eek_word_from_u64(sum);
  eek_return(&w, 32);
}
__attribute__((noinline)) static void overflow_stack(void) {
  uint8_t huge[72 * 1024];
  __asm__ volatile("" : : "r"(huge) : "memory"); /* the whole array exists */
  huge[0] = 1;
  __asm__ volatile("" : : "r"(huge) : "memory");
}

void eekit_main(int is_constructor) {
  if (is_constructor) return;
  uint8_t op = 0;
  if (eek_calldata_size() > 0) eek_calldata_copy(&op, 0, 1);
  eek_word k = eek_word_from_u64(7), v = eek_word_from_u64(9);
  switch (op) {
  case 1: {
    void (*f)(void) = (void (*)(void))(uintptr_t)0x7fff0000u;
    f();
    break;
  }
  case 2:
    *(volatile uint32_t *)(uintptr_t)0x7ffffff0u = 1;
    break;
  case 3:
    for (;;) __asm__ volatile("");
  case 4:
    eek_brk((uintptr_t)1 << 30);
    break;
  case 5:
    eek_syscall6(0x1ffff, 0, 0, 0, 0, 0, 0, 0);
    break;
  case 6:
    eek_sstore(&k, &v);
    break;
  case 7:
    eek_sload((const eek_word *)(uintptr_t)0x10, &v);
    break;
  case 8: {
    extern void _start(void);
    *(volatile uint32_t *)(uintptr_t)&_start = 0;
    break;
  }
  case 9: {
    eek_word t[5] = {k, k, k, k, k};
    eek_log(t, 5, 0, 0);
    break;
  }
  case 10:
    eek_returndata_copy(&v, 0, 32);
    break;
  case 11: {
    uintptr_t b = eek_brk(0);
    eek_brk(b + 65536);
    volatile uint8_t *p = (volatile uint8_t *)b;
    for (int i = 0; i < 65536; i++) p[i] = (uint8_t)i;
    eek_return((const void *)(b + 65536 - 32), 32);
  }
  case 12:
    deep_stack();
  case 13:
    overflow_stack();
    break;
  case 14: {
    eek_address to;
    eek_caller(&to);
    eek_selfdestruct(&to);
  }
  default:
    break;
  }
  uint8_t out[32];
  for (int i = 0; i < 32; i++) out[i] = 0x11;
  eek_return(out, 32);
}
