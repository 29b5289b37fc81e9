/* Self-modifying code. Linked with -N so .text is writable. Patches the instructions of a
   function that has already run (so a decoded-instruction cache must notice), executes
   fence.i, and calls it again; also assembles a small loop instruction by instruction.
   EEKIT-LDFLAGS: -Wl,-N */
#include "common.h"
#include "smc.h"

/* A patchable function: 16 instruction slots, starting as "li a0, 1; ret; nops". */
__asm__(".text\n"
        ".p2align 4\n"
        ".globl patch_area\n"
        "patch_area:\n"
        "  li a0, 1\n"
        "  ret\n"
        "  .rept 14\n"
        "  nop\n"
        "  .endr\n");
extern unsigned patch_area[16];

typedef reg_t (*fn1)(reg_t, reg_t);

static reg_t call(reg_t a, reg_t b) {
  fn1 f = (fn1)(void *)patch_area;
  return f(a, b);
}

int main(void) {
  printf("selfmod xlen=%d\n", XLEN);
  printf("original: %lu\n", (unsigned long)call(0, 0));
  /* Rewrite the first instruction only, many times, calling in between. */
  unsigned long sum = 0;
  for (int k = -20; k <= 20; k++) {
    patch_area[0] = ADDI(A0, 0, k * 37);
    sync_icache();
    sum += (unsigned long)call(0, 0) * (unsigned long)(k + 21);
    if (k % 10 == 0) printf("li a0, %d -> %ld\n", k * 37, (long)call(0, 0));
  }
  printf("sum %lu\n", sum);
  /* a0 = a0 * a1 + 5 using mul, then return. */
  patch_area[0] = enc_r(1, A1, A0, 0, A0); /* mul a0, a0, a1 */
  patch_area[1] = ADDI(A0, A0, 5);
  patch_area[2] = RET;
  sync_icache();
  printf("mul+5: %lu\n", (unsigned long)call(12, 13));
  /* A counting loop: t0 = 0; t1 = a0; loop: t0 += a1; t1 -= 1; bnez t1, loop; a0 = t0. */
  patch_area[0] = ADDI(T0, 0, 0);
  patch_area[1] = ADDI(T1, A0, 0);
  patch_area[2] = enc_r(0, A1, T0, 0, T0); /* add t0, t0, a1 */
  patch_area[3] = ADDI(T1, T1, -1);
  patch_area[4] = enc_b(1, T1, 0, -8);     /* bne t1, x0, -8 */
  patch_area[5] = ADDI(A0, T0, 0);
  patch_area[6] = RET;
  sync_icache();
  printf("loop 1000*3: %lu\n", (unsigned long)call(1000, 3));
  /* Patch an instruction inside the loop body between runs. */
  patch_area[2] = enc_r(0x20, A1, T0, 0, T0); /* sub t0, t0, a1 */
  sync_icache();
  printf("loop 10*-(7): %ld\n", (long)call(10, 7));
  /* Code that patches the instruction right after itself, then executes it: with fence.i
     in between, the new instruction must run. */
  reg_t out;
  __asm__ volatile("lla t0, 1f\n\t"
                   "li t1, %1\n\t"
                   "sw t1, 0(t0)\n\t"
                   "fence.i\n"
                   "1:\n\t"
                   "addi t2, x0, 3\n\t"
                   "mv %0, t2"
                   : "=r"(out)
                   : "i"((111 << 20) | (7 << 7) | 0x13) /* addi t2, x0, 111 */
                   : "t0", "t1", "t2", "memory");
  printf("patched-next ran: %s (%lu)\n", out == 111 ? "new" : "old", (unsigned long)out);
  return 0;
}
