/* read(2) buffers as Linux and qemu-user check them: a zero-length read or write checks only
   that its address is below the user address space's end; a read-only or NULL buffer, or a count
   that runs past mapped memory, gives -EFAULT and consumes no input; one read of a large
   buffer returns everything a regular file has (no per-call cap); then end of file. */
#include "common.h"

static const char rodata[8] = "const";
static char big[4 << 20];

int main(void) {
  char small[8] = {0};
  /* Zero-length reads and writes: Linux's access_ok refuses an address above the user address
     space even then (-EFAULT, where qemu-user draws it), and looks at no other. */
  unsigned long limit = sizeof(void *) == 8 ? (1ul << 47) - 4096 + 1 : 0xfffff000ul; /* first refused */
  unsigned long addrs[] = {0, 0x1000, limit - 1, limit, (unsigned long)-1};
  for (int i = 0; i < 5; i++) {
    printf("zero-length read/write at %lx: %ld %ld\n", addrs[i], (long)read(0, (void *)addrs[i], 0),
           (long)write(1, (void *)addrs[i], 0));
  }
  printf("read into rodata: %ld\n", (long)read(0, (void *)rodata, 4));
  printf("read into NULL: %ld\n", (long)read(0, 0, 4));
  printf("read past memory: %ld\n", (long)read(0, small, (size_t)1 << 30));
  long n = read(0, small, 4);
  printf("then 4 bytes: %ld '%.4s'\n", n, small);
  n = read(0, big, sizeof big);
  printf("one big read: %ld bytes, fnv %08x\n", n, n > 0 ? fnv1a(big, (size_t)n, FNV_INIT) : 0u);
  printf("at end: %ld\n", (long)read(0, big, sizeof big));
  return 0;
}
