/* Counter CSRs read the exact number of instructions retired before the reading one. */
#include "rt.h"
int main(void) {
  ulong a, b, c, d, e;
  __asm__ volatile("rdinstret %0\n nop\n nop\n addi x0, x0, 0\n rdinstret %1\n rdcycle %2\n rdtime %3\n csrrc %4, instret, x0"
                   : "=r"(a), "=r"(b), "=r"(c), "=r"(d), "=r"(e));
  hexw(b - a); hexw(c - b); hexw(d - c); hexw(e - d); nl();
  ulong f, g;
  __asm__ volatile("rdinstret %0\n j 1f\n nop\n nop\n1: beq x0, x0, 2f\n2: rdinstret %1" : "=r"(f), "=r"(g));
  hexw(g - f); nl();
#if __riscv_xlen == 32
  ulong h, l;
  __asm__ volatile("rdinstreth %0\n rdcycleh %1" : "=r"(h), "=r"(l));
  hexw(h); hexw(l); nl();
  __asm__ volatile("csrrsi %0, cycleh, 0\n csrrci %1, timeh, 0" : "=r"(h), "=r"(l));
  hexw(h); hexw(l); nl();
#endif
  return 0;
}
