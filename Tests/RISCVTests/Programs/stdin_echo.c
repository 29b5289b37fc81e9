/* Reads all of standard input in small chunks until end of file (read returns 0), then
   prints its length, a checksum, its line count and the text upper-cased. */
#include "common.h"

int main(void) {
  static char data[65536];
  size_t len = 0;
  for (;;) {
    long n = read(0, data + len, len + 7 < sizeof data ? 7 : sizeof data - len);
    if (n < 0) {
      printf("read error %ld\n", n);
      return 1;
    }
    if (n == 0) break;
    len += (size_t)n;
    if (len == sizeof data) break;
  }
  unsigned lines = 0;
  for (size_t i = 0; i < len; i++) lines += data[i] == '\n';
  printf("stdin %lu bytes, %u lines, fnv %08x\n", (unsigned long)len, lines, fnv1a(data, len, FNV_INIT));
  for (size_t i = 0; i < len; i++) {
    if (data[i] >= 'a' && data[i] <= 'z') data[i] = (char)(data[i] - 32);
  }
  write(1, data, len);
  printf("\n-- end, read after EOF gives %ld\n", (long)read(0, data, 10));
  return 0;
}
