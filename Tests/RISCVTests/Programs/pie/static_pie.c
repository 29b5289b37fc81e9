// A static position-independent executable (ET_DYN, no interpreter) as a C library's
// static-pie start-up code builds it: the program finds its load bias, applies its own
// R_RISCV_RELATIVE relocations, then uses pointer tables that need them. Built at test time
// (DifferentialTests.staticPIEMatchesQemu) for rv64 and rv32 with -fPIE -static-pie and run under
// qemu-user and EEKit: the output must not depend on where the image was placed.
#include "../standalone.h"

struct rela {
  uptr offset, info;
  long addend;
};

extern char __ehdr_start[] __attribute__((visibility("hidden")));
extern uptr _DYNAMIC[] __attribute__((visibility("hidden")));

// Runs before any relocation: only pc-relative addressing here.
static uptr relocate(void) {
  uptr base = (uptr)__ehdr_start;  // the link address of the first page is 0
  uptr rela = 0, size = 0, count = 0;
  for (uptr *d = _DYNAMIC; d[0] != 0; d += 2) {
    if (d[0] == 7) rela = d[1];  // DT_RELA
    if (d[0] == 8) size = d[1];  // DT_RELASZ
  }
  for (struct rela *r = (struct rela *)(base + rela); size >= sizeof *r; r++, size -= sizeof *r) {
    if ((r->info & 0xff) != 3) sys(93, 99, 0, 0);  // only R_RISCV_RELATIVE is expected
    *(uptr *)(base + r->offset) = base + (uptr)r->addend;
    count++;
  }
  return count;
}

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }
static int negate(int x) { return -x; }

const char *names[] = {"twice", "square", "negate"};
int (*functions[])(int) = {twice, square, negate};
const char **name_table = names;

void _start_c(uptr *sp) {
  uptr relocations = relocate();
  long argc = (long)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  while (*envp) envp++;
  uptr *aux = (uptr *)(envp + 1);
  uptr phdr = 0, phent = 0, phnum = 0, entry = 0;
  for (; aux[0] != 0; aux += 2) {
    if (aux[0] == 3) phdr = aux[1];
    if (aux[0] == 4) phent = aux[1];
    if (aux[0] == 5) phnum = aux[1];
    if (aux[0] == 9) entry = aux[1];
  }
  put(relocations >= 6 ? "relocated\n" : "too few relocations\n");
  for (long i = 0; i < argc; i++) {
    put(argv[i]);
    put("\n");
  }
  for (int i = 0; i < 3; i++) {
    put(name_table[i]);
    put("(");
    put_num((uptr)(long)(argc + i));
    put(") = ");
    put_num((uptr)(long)functions[(argc + i) % 3](argc + i) & 0xffff);
    put("\n");
  }
  // AT_PHDR, AT_PHENT and AT_PHNUM describe the loaded program headers: list their types.
  put("phnum ");
  put_num(phnum);
  put(":");
  for (uptr i = 0; i < phnum; i++) {
    put(" ");
    put_num(*(unsigned *)(phdr + i * phent));
  }
  put("\n");
  extern void _start(void);
  put(entry == (uptr)_start ? "entry ok\n" : "entry differs\n");
  sys(93, 3, 0, 0);
}

__asm__(
    ".globl _start\n"
    "_start:\n"
    "  mv a0, sp\n"
    "  call _start_c\n");
