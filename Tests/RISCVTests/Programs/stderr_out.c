/* Output on both fds, interleaved, including writes of zero length (one from unmapped memory), a
   write from unmapped memory (EFAULT) and a large write,
   then a non-zero return from main. */
#include "common.h"

int main(void) {
  printf("stdout line 1\n");
  dprintf(2, "stderr line 1: %d\n", -17);
  write(1, "", 0);
  write(2, "", 0);
  printf("stdout line 2\n");
  rt_eputs("stderr line 2\n");
  static char big[20000];
  for (unsigned i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 26);
  big[sizeof big - 1] = '\n';
  long n = write(2, big, sizeof big);
  printf("big write returned %ld\n", n);
  long bad = write(1, big, 0);
  printf("empty write returned %ld\n", bad);
  /* Linux never reads the buffer of an empty write: any pointer works. A non-empty write
     from unmapped memory fails with EFAULT. */
  const void *unmapped = (const void *)(unsigned long)0x7ff00000u;
  printf("empty write from unmapped memory returned %ld\n", (long)write(1, unmapped, 0));
  printf("write from unmapped memory returned %ld\n", (long)write(1, unmapped, 5));
  return 3;
}
