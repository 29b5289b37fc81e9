/* The user-level counters cycle, time and instret (read with csrrs rd, csr, x0; encoded
   with .insn so no Zicsr/Zicntr flag is needed). Their values differ between machines, so
   only facts that hold everywhere are printed: each counter advances across a loop, and on
   rv32 the high halves (cycleh, instreth) combine with the low halves consistently. */
#include "common.h"

#define CSR_CYCLE 0xC00
#define CSR_TIME 0xC01
#define CSR_INSTRET 0xC02
#define CSR_CYCLEH 0xC80
#define CSR_INSTRETH 0xC82

#define READ_CSR(csr)                                                        \
  ({                                                                         \
    reg_t v_;                                                                \
    __asm__ volatile(".insn i 0x73, 2, %0, x0, %1" : "=r"(v_) : "i"((csr) - 4096)); \
    v_;                                                                      \
  })

static unsigned long long read64(int instret) {
#if XLEN == 64
  return instret ? READ_CSR(CSR_INSTRET) : READ_CSR(CSR_CYCLE);
#else
  /* The usual hi/lo/hi loop against a carry between the two reads. */
  for (;;) {
    reg_t hi = instret ? READ_CSR(CSR_INSTRETH) : READ_CSR(CSR_CYCLEH);
    reg_t lo = instret ? READ_CSR(CSR_INSTRET) : READ_CSR(CSR_CYCLE);
    reg_t hi2 = instret ? READ_CSR(CSR_INSTRETH) : READ_CSR(CSR_CYCLEH);
    if (hi == hi2) return (unsigned long long)hi << 32 | lo;
  }
#endif
}

int main(void) {
  printf("counters xlen=%d\n", XLEN);
  unsigned long long c0 = read64(0), i0 = read64(1);
  reg_t t0 = READ_CSR(CSR_TIME);
  volatile unsigned sink = 0;
  for (unsigned i = 0; i < 20000; i++) sink += i;
  unsigned long long c1 = read64(0), i1 = read64(1);
  reg_t t1 = READ_CSR(CSR_TIME);
  printf("cycle advanced: %s\n", c1 > c0 ? "yes" : "no");
  printf("instret advanced by at least 20000: %s\n", i1 - i0 >= 20000 ? "yes" : "no");
  printf("time did not go back: %s\n", t1 >= t0 ? "yes" : "no");
  /* Reading into x0 is allowed and has no effect. */
  __asm__ volatile(".insn i 0x73, 2, x0, x0, -1024");
  printf("sink %u\n", sink);
  return 0;
}
