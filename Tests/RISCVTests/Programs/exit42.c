/* Exit status: prints a line, then leaves through exit(42) from a nested call. */
#include "common.h"

static void leave(int code) {
  printf("leaving with %d\n", code);
  exit(code);
}

int main(void) {
  leave(42);
  printf("not reached\n");
  return 0;
}
