/* Loads and stores of every width at aligned, misaligned and page-straddling addresses. */
#include "rt.h"
static unsigned char buf[3 * 4096] __attribute__((aligned(4096)));

#define LD(insn, p) ({ ulong r_; __asm__ volatile(insn " %0, 0(%1)" : "=r"(r_) : "r"(p) : "memory"); r_; })
#define ST(insn, p, v) __asm__ volatile(insn " %1, 0(%0)" : : "r"(p), "r"(v) : "memory")

static void fill(void) { for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (unsigned char)(i * 37 + 0x81); }

int main(void) {
  static const int offs[] = {0, 1, 2, 3, 5, 6, 7, 4089, 4090, 4091, 4092, 4093, 4094, 4095, 4096, 8190, 8191};
  fill();
  for (unsigned k = 0; k < sizeof offs / sizeof offs[0]; k++) {
    unsigned char *p = buf + offs[k];
    hexw(LD("lb", p)); hexw(LD("lbu", p)); hexw(LD("lh", p)); hexw(LD("lhu", p)); hexw(LD("lw", p));
#if __riscv_xlen == 64
    hexw(LD("lwu", p)); hexw(LD("ld", p));
#endif
    nl();
  }
  const ulong v = (ulong)0xf1e2d3c4b5a69788ull;
  for (unsigned k = 0; k < sizeof offs / sizeof offs[0]; k++) {
    unsigned char *p = buf + offs[k];
    fill(); ST("sb", p, v); hexw(LD("lw", p - (offs[k] & 3)));
    fill(); ST("sh", p, v); hexw(*(volatile uint32_t *)(buf + ((offs[k] + 4) & ~3)));
    fill(); ST("sw", p, v);
    uint64_t h = 0; for (int i = 0; i < (int)sizeof buf; i++) h = h * 131 + buf[i];
    hex64(h);
#if __riscv_xlen == 64
    fill(); ST("sd", p, v);
    h = 0; for (int i = 0; i < (int)sizeof buf; i++) h = h * 131 + buf[i];
    hex64(h);
#endif
    nl();
  }
  /* stack (separate RW region) */
  volatile unsigned char st[16];
  for (int i = 0; i < 16; i++) st[i] = (unsigned char)i;
  hexw(LD("lw", (const unsigned char *)st + 3)); nl();
  return 0;
}
