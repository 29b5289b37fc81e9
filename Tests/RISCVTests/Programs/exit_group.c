/* Exit status through exit_group (a7 = 94), not exit (93) as exit() uses: prints a line, then
 * ends the process with status 7, as Linux (and qemu-user) end it. */
#include "common.h"

int main(void) {
  printf("leaving through exit_group with 7\n");
  rt_syscall1(RT_SYS_exit_group, 7);
  printf("not reached\n");
  return 0;
}
