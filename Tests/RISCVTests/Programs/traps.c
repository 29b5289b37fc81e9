/* Ends by the trap its first argument names (ill, ebreak, load, store, fetch, misaligned,
 * syscall), after a line on stdout; with any other argument it prints that and exits 0 (the
 * differential suite runs every program with its standard arguments). `eekit rv run` must
 * end by the signal Linux delivers for each, as qemu-user does. */
#include "common.h"

typedef void (*fn)(void);

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  printf("trap %s\n", what);
  if (strcmp(what, "ill") == 0) {
    __asm__ volatile(".word 0");
  } else if (strcmp(what, "ebreak") == 0) {
    __asm__ volatile("ebreak");
  } else if (strcmp(what, "load") == 0) {
    volatile int *p = (volatile int *)(uintptr_t)8;
    printf("%d\n", *p);
  } else if (strcmp(what, "store") == 0) {
    volatile int *p = (volatile int *)(uintptr_t)8;
    *p = 1;
  } else if (strcmp(what, "fetch") == 0) {
    volatile uintptr_t target = 0x10;
    ((fn)target)();
  } else if (strcmp(what, "misaligned") == 0) {
    /* A jump to two bytes past an instruction: misaligned on a core without C (qemu's
     * default CPU has C, so only eekit is checked for this one). */
    volatile uintptr_t target = (uintptr_t)&main + 2;
    ((fn)target)();
  } else if (strcmp(what, "syscall") == 0) {
    long r = rt_syscall1(9999, 0); /* qemu and Linux: -ENOSYS; eekit ends the run */
    printf("syscall 9999 returned %ld\n", r);
    return 3;
  } else {
    printf("no trap\n");
    return 0;
  }
  printf("not reached\n");
  return 1;
}
