/* Self-modifying code (link with -Wl,-N so .text is writable). */
#include "rt.h"
extern int patchme(void);
__asm__(".text\n.globl patchme\n.p2align 2\npatchme:\n li a0, 1\n ret\n");

static ulong straight(void) {
  ulong r;
  /* The store rewrites the very next instruction of the same block. */
  __asm__ volatile("la t0, 1f\n li t1, 0x00700513\n sw t1, 0(t0)\n1: li a0, 3\n mv %0, a0"
                   : "=r"(r) : : "t0", "t1", "a0", "memory");
  return r;
}

static ulong loop_patch(void) {
  /* A loop that rewrites the immediate of an addi inside itself on every iteration. */
  ulong acc = 0;
  for (ulong i = 0; i < 50; i++) {
    ulong r;
    uint32_t insn = 0x00000513u | (uint32_t)((i & 0x7ff) << 20); /* li a0, i */
    __asm__ volatile("la t0, 1f\n sw %1, 0(t0)\n fence.i\n1: li a0, 0\n mv %0, a0"
                     : "=r"(r) : "r"(insn) : "t0", "a0", "memory");
    acc = acc * 3 + r;
  }
  return acc;
}

int main(void) {
  hexw((ulong)patchme()); nl();
  volatile uint32_t *p = (volatile uint32_t *)(void *)patchme;
  *p = 0x00200513; /* li a0, 2 */
  __asm__ volatile("fence.i" ::: "memory");
  hexw((ulong)patchme()); nl();
  /* same value again: no change */
  *p = 0x00200513;
  __asm__ volatile("fence.i" ::: "memory");
  hexw((ulong)patchme()); nl();
  /* straddle: write the upper half of one word and the lower half of the next (sw at +2) */
  uint32_t w0 = p[0], w1 = p[1];
  (void)w0; (void)w1;
  puts_("nofence "); hexw(straight()); nl(); /* either value is allowed without fence.i; we give the new one */
  hexw(loop_patch()); nl();
  return 0;
}
