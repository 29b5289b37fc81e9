// Prints the guest memory size as the initial stack pointer shows it (the stack ends just below
// the top of memory, so the MiB below sp plus one), then exits 0. Built at test time
// (DifferentialTests.defaultMemoryShrinksUnderAnAddressSpaceLimit) to see which size
// `eekit rv run` chose.
#include "../standalone.h"

void _start_c(uptr sp) {
  put("memory MiB ");
  put_num((sp >> 20) + 1);
  put("\n");
  sys(93, 0, 0, 0);
}

__asm__(
    ".globl _start\n"
    "_start:\n"
    "  mv a0, sp\n"
    "  call _start_c\n");
