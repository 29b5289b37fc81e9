/* All six conditional branches, taken and not taken, over signed/unsigned boundary pairs;
   backward branches in a loop; jal/jalr link values; jalr with an odd target. */
#include "common.h"

#define BR(op)                                                               \
  static int br_##op(reg_t a, reg_t b) {                                     \
    int r;                                                                   \
    __asm__ volatile("li %0, 1\n\t" #op " %1, %2, 1f\n\tli %0, 0\n1:"        \
                     : "=&r"(r) : "r"(a), "r"(b));                           \
    return r;                                                                \
  }
#define BRANCHES(X) X(beq) X(bne) X(blt) X(bge) X(bltu) X(bgeu)
BRANCHES(BR)
#define BR_ENTRY(op) {#op, br_##op},
static const struct { const char *name; int (*fn)(reg_t, reg_t); } table[] = {BRANCHES(BR_ENTRY)};

static int loop_count(reg_t n) {
  reg_t i = 0;
  int count = 0;
  __asm__ volatile("1:\n\taddi %1, %1, 1\n\taddi %0, %0, 1\n\tbltu %0, %2, 1b"
                   : "+r"(i), "+r"(count) : "r"(n));
  return count;
}

int main(void) {
  printf("branches xlen=%d\n", XLEN);
  for (unsigned k = 0; k < sizeof table / sizeof table[0]; k++) {
    printf("%s", table[k].name);
    for (unsigned i = 0; i < N_EDGE; i++) {
      printf(" ");
      for (unsigned j = 0; j < N_EDGE; j++) printf("%d", table[k].fn(edge(i), edge(j)));
    }
    printf("\n");
  }
  printf("loop %d %d\n", loop_count(1), loop_count(1000));

  /* jal: the link register holds the address after the jal. */
  reg_t link, after;
  __asm__ volatile("jal %0, 1f\n2:\n\tnop\n1:\n\tlla %1, 2b" : "=r"(link), "=r"(after));
  printf("jal link ok %d\n", link == after);

  /* jalr with an odd target: bit 0 of the target is cleared. */
  reg_t path = 0, link2, expect;
  __asm__ volatile("lla t0, 1f\n\taddi t0, t0, 1\n\tjalr %1, 0(t0)\n3:\n\tli %0, 99\n\tj 4f\n"
                   "1:\n\tli %0, 7\n4:\n\tlla %2, 3b"
                   : "=&r"(path), "=&r"(link2), "=&r"(expect) : : "t0");
  printf("jalr odd target path %lu link ok %d\n", (unsigned long)path, link2 == expect);

  /* jalr with a negative offset and rd == rs1: the target uses the old rs1. */
  reg_t r;
  __asm__ volatile("lla %0, 1f\n\taddi %0, %0, 16\n\tjalr %0, -16(%0)\n\tli %0, 5\n\tj 2f\n"
                   "1:\n\tli %0, 6\n2:"
                   : "=&r"(r));
  printf("jalr rd==rs1 %lu\n", (unsigned long)r);

  /* jalr x0 (a plain indirect jump) and a call/return through ra. */
  reg_t v;
  __asm__ volatile("lla t1, 1f\n\tjalr x0, 0(t1)\n\tli %0, 1\n\tj 2f\n1:\n\tli %0, 2\n2:"
                   : "=&r"(v) : : "t1");
  printf("jalr x0 %lu\n", (unsigned long)v);
  return 0;
}
