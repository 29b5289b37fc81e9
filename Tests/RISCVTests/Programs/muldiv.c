/* The M extension over edge-value pairs: mul, mulh, mulhsu, mulhu, div, divu, rem, remu,
   and on rv64 mulw, divw, divuw, remw, remuw. Covers division by zero and the signed
   overflow case (most negative / -1) at both widths. */
#include "common.h"

#define RR(op)                                                               \
  static reg_t rr_##op(reg_t a, reg_t b) {                                   \
    reg_t r;                                                                 \
    __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));          \
    return r;                                                                \
  }
#define M_OPS(X) X(mul) X(mulh) X(mulhsu) X(mulhu) X(div) X(divu) X(rem) X(remu)
#if XLEN == 64
#define MW_OPS(X) X(mulw) X(divw) X(divuw) X(remw) X(remuw)
#else
#define MW_OPS(X)
#endif
M_OPS(RR)
MW_OPS(RR)

typedef reg_t (*rr_fn)(reg_t, reg_t);
typedef struct { const char *name; rr_fn fn; } rr_entry;
#define ENTRY(op) {#op, rr_##op},
static const rr_entry table[] = {M_OPS(ENTRY) MW_OPS(ENTRY)};
#define N_OPS (sizeof table / sizeof table[0])

int main(void) {
  printf("muldiv xlen=%d\n", XLEN);
  for (unsigned k = 0; k < N_OPS; k++) {
    for (unsigned i = 0; i < N_EDGE; i++) {
      for (unsigned j = 0; j < N_EDGE; j++) {
        printf("%s %u %u " RX "\n", table[k].name, i, j, table[k].fn(edge(i), edge(j)));
      }
    }
  }
  /* Random operands, folded into one checksum per instruction. */
  prng_t p = {42};
  for (unsigned k = 0; k < N_OPS; k++) {
    unsigned h = FNV_INIT;
    for (int n = 0; n < 4000; n++) {
      reg_t a = (reg_t)prng_next(&p), b = (reg_t)prng_next(&p);
      unsigned sel = (unsigned)prng_next(&p) & 7;
      if (sel == 1) b >>= (prng_next(&p) % XLEN);
      if (sel == 2) a >>= (prng_next(&p) % XLEN);
      if (sel == 3) b = (reg_t)(sreg_t)(signed char)b;
      reg_t r = table[k].fn(a, b);
      h = fnv1a(&r, sizeof r, h);
    }
    printf("%s random %08x\n", table[k].name, h);
  }
  /* The explicitly specified corner cases, by name. */
  reg_t min = (reg_t)1 << (XLEN - 1);
  printf("div min/-1 " RX " rem min/-1 " RX "\n", rr_div(min, (reg_t)-1), rr_rem(min, (reg_t)-1));
  printf("div x/0 " RX " divu x/0 " RX " rem x/0 " RX " remu x/0 " RX "\n", rr_div(12345, 0),
         rr_divu(12345, 0), rr_rem((reg_t)-12345, 0), rr_remu(12345, 0));
#if XLEN == 64
  printf("divw min/-1 " RX " remw min/-1 " RX "\n", rr_divw(0x80000000, (reg_t)-1),
         rr_remw(0x80000000, (reg_t)-1));
  printf("divw x/0 " RX " divuw x/0 " RX " remw x/0 " RX " remuw x/0 " RX "\n",
         rr_divw(0xfffffffff0000000ULL, 0), rr_divuw(0xf0000000, 0),
         rr_remw(0x1234567880000000ULL, 0), rr_remuw(0x12345678f0000000ULL, 0));
  printf("mulw high bits " RX "\n", rr_mulw(0x123456789ULL, 0x10001ULL));
#endif
  return 0;
}
