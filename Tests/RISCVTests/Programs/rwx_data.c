/* Data kept among instructions in one read-write-execute segment (-N): hot counters in words
   that were instructions (they start as nops and pass through every kind of word as they
   count), then some of them turned back into a function that runs; a function rewritten
   several times before it runs once; and a store into the loop that is running, to the
   instruction after the store. The core marks each changed slot and decodes it only when it
   runs (CRISCV.h); the output must be qemu's.
   EEKIT-LDFLAGS: -Wl,-N */
#include "common.h"
#include "smc.h"

__asm__(".text\n"
        ".p2align 6\n"
        ".globl words\n"
        "words:\n"
        "  .rept 64\n"
        "  nop\n"
        "  .endr\n"
        ".globl patch_fn\n"
        "patch_fn:\n"
        "  li a0, 1\n"
        "  ret\n"
        "  .rept 6\n"
        "  nop\n"
        "  .endr\n");
extern unsigned words[64];
extern unsigned patch_fn[8];

typedef reg_t (*fn2)(reg_t, reg_t);

int main(void) {
  printf("rwx_data xlen=%d\n", XLEN);
  /* Counters among the nops: each word counts up through many instruction encodings. */
  volatile unsigned *w = words;
  unsigned x = 12345;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    w[x & 31]++;
    w[32 + (x >> 27)] += x;
  }
  unsigned long h = 0;
  for (int i = 0; i < 64; i++) h = h * 1000003u + w[i];
  printf("counters %lu\n", h);
  /* Two of those words become a function again and run. */
  w[5] = ADDI(A0, A0, 77);
  w[6] = RET;
  sync_icache();
  printf("words[5]: %lu\n", (unsigned long)((fn2)(void *)&words[5])(100, 0));
  /* A function rewritten five times, run once: the last words run. */
  for (int k = 1; k <= 5; k++) {
    patch_fn[0] = enc_r(1, A1, A0, 0, A0); /* mul a0, a0, a1 */
    patch_fn[1] = ADDI(A0, A0, k);
    patch_fn[2] = k == 5 ? RET : ADDI(A0, A0, -k);
  }
  patch_fn[3] = RET;
  sync_icache();
  printf("patch_fn(6, 7): %lu\n", (unsigned long)((fn2)(void *)patch_fn)(6, 7));
  /* The running loop stores into its own next instruction: the new word runs each time
     (alternately addi t2, t2, 1 and addi t2, t2, 100). */
  reg_t acc = 0;
  for (int i = 0; i < 1000; i++) {
    reg_t out;
    const unsigned insn = ADDI(7, 7, (i & 1) ? 100 : 1);
    __asm__ volatile("lla t0, 1f\n\t"
                     "mv t2, %1\n\t"
                     "sw %2, 0(t0)\n\t"
                     "fence.i\n"
                     "1:\n\t"
                     "addi t2, t2, 3\n\t"
                     "mv %0, t2"
                     : "=r"(out)
                     : "r"(acc), "r"(insn)
                     : "t0", "t2", "memory");
    acc = out;
  }
  printf("self-patching loop: %lu\n", (unsigned long)acc);
  return 0;
}
