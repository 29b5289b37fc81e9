/* The initial process stack: argc, argv strings (and their layout), argv[argc] == NULL, the
   environment, AT_PAGESZ, AT_ENTRY == _start, AT_HWCAP / AT_CLKTCK / AT_EXECFN, the auxiliary
   vector's order, AT_PHDR, and the stack pointer's alignment. Nothing printed depends on
   addresses. */
#include "common.h"

extern void _start(void);

int main(int argc, char **argv, char **envp) {
  printf("argc %d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d] = \"%s\" (%u bytes)\n", i, argv[i], (unsigned)strlen(argv[i]));
  printf("argv[argc] is NULL: %s\n", argv[argc] == 0 ? "yes" : "no");
  printf("crt0 saw argc %ld, argv same %s, envp same %s\n", rt_argc, rt_argv == argv ? "yes" : "no",
         rt_envp == envp ? "yes" : "no");
  int nenv = 0;
  while (envp[nenv]) nenv++;
  printf("envc %d\n", nenv);
  for (int i = 0; i < nenv; i++) printf("envp[%d] = \"%s\"\n", i, envp[i]);
  printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
  printf("AT_ENTRY is _start: %s\n", getauxval(AT_ENTRY) == (unsigned long)(uintptr_t)&_start ? "yes" : "no");
  printf("initial sp %% 16 = %lu\n", (unsigned long)(rt_initial_sp % 16));
  printf("argv inside stack: %s\n",
         (uintptr_t)argv == rt_initial_sp + sizeof(long) ? "yes" : "no");
  /* Linux's layout: the argument strings back to back in ascending order (setproctitle-style
     code relies on it), the hardware capabilities with the M extension, the clock tick. */
  int contiguous = 1;
  for (int i = 1; i < argc; i++) contiguous &= argv[i] == argv[i - 1] + strlen(argv[i - 1]) + 1;
  printf("argument strings back to back, ascending: %s\n", contiguous ? "yes" : "no");
  printf("AT_HWCAP has M: %s, AT_CLKTCK %lu, AT_EXECFN set: %s\n", getauxval(AT_HWCAP) & (1ul << 12) ? "yes" : "no",
         getauxval(AT_CLKTCK), getauxval(AT_EXECFN) ? "yes" : "no");
  /* The auxiliary vector's keys in order (qemu-user's), the ids as the host gives them, and
     AT_PHDR pointing at the program headers (the first is PT_LOAD or PT_PHDR). */
  {
    unsigned long *aux = (unsigned long *)(envp + nenv + 1);
    printf("auxv keys:");
    for (; aux[0] != AT_NULL; aux += 2) printf(" %lu", aux[0]);
    printf("\n");
    const unsigned *ph = (const unsigned *)(uintptr_t)getauxval(3);
    printf("AT_UID %lu AT_GID %lu AT_PHDR type %u\n", getauxval(11), getauxval(13), ph ? ph[0] : 0u);
  }
  /* Linux's and qemu's layout around the strings, whatever their lengths: a pointer-sized gap
     of 8 bytes (a host pointer under qemu, RV32 too) between the last string (AT_EXECFN's)
     and the page-aligned top, the 16 AT_RANDOM bytes 16-byte aligned right below the first
     string, and the auxiliary vector ending less than 16 bytes below them. */
  {
    const char *execfn = (const char *)(uintptr_t)getauxval(31);
    uintptr_t random = (uintptr_t)getauxval(25), top = (uintptr_t)execfn + strlen(execfn) + 1;
    unsigned long *aux = (unsigned long *)(envp + nenv + 1);
    while (aux[0] != AT_NULL) aux += 2;
    uintptr_t auxEnd = (uintptr_t)(aux + 2);
    printf("top of the strings 8 bytes below a page boundary: %s\n", (top + 8) % 4096 == 0 ? "yes" : "no");
    printf("AT_RANDOM 16-byte aligned, right below the strings: %s\n",
           random % 16 == 0 && random + 16 == ((uintptr_t)argv[0] & ~(uintptr_t)15) ? "yes" : "no");
    printf("auxv ends within 16 bytes below AT_RANDOM: %s\n", auxEnd <= random && random - auxEnd < 16 ? "yes" : "no");
  }
  /* Strings live above the pointer arrays and are writable. */
  if (argc > 1) {
    argv[1][0] = 'X';
    printf("modified argv[1] = %s\n", argv[1]);
  }
  long sum = 0;
  for (int i = 1; i < argc; i++) sum += strtol(argv[i], 0, 0);
  printf("sum of numeric args %ld\n", sum);
  return 0;
}
