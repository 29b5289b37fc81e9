/* Output on both fds, interleaved, including writes of zero length and a large write,
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
  return 3;
}
