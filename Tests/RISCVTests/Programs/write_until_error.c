/* Tries a zero-length write at address -1 (its error goes to stderr), then writes lines to
   stdout until a write fails or 2,000 lines are out, and exits with the
   failed write's errno (0 if none failed). Run with stdout on /dev/full, every write fails
   with ENOSPC (28); with a closed pipe and SIGPIPE ignored, with EPIPE (32). */
#include "common.h"

int main(void) {
  /* A zero-length write above the user address space: -EFAULT, after the descriptor's -EBADF
     (Linux's order; qemu 7.2 on RV32 checks the buffer first). */
  long z = write(1, (void *)-1L, 0);
  if (z < 0) dprintf(2, "zero-length write at -1: %ld\n", z);
  for (int i = 0; i < 2000; i++) {
    long r = write(1, "line\n", 5);
    if (r < 0) {
      dprintf(2, "write %d failed: %ld\n", i, r);
      return (int)-r;
    }
  }
  return 0;
}
