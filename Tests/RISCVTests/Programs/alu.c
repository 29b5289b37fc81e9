/* Every RV32I / RV64I integer ALU instruction over edge-value pairs: register-register,
   register-immediate, shifts by register (amounts taken mod XLEN), W forms, lui, auipc,
   and writes to x0. */
#include "common.h"

#define RR(op)                                                               \
  static reg_t rr_##op(reg_t a, reg_t b) {                                   \
    reg_t r;                                                                 \
    __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));          \
    return r;                                                                \
  }
#define RV32_RR_OPS(X) X(add) X(sub) X(sll) X(slt) X(sltu) X(xor) X(srl) X(sra) X(or) X(and)
#if XLEN == 64
#define RV64_RR_OPS(X) X(addw) X(subw) X(sllw) X(srlw) X(sraw)
#else
#define RV64_RR_OPS(X)
#endif
RV32_RR_OPS(RR)
RV64_RR_OPS(RR)

typedef reg_t (*rr_fn)(reg_t, reg_t);
typedef struct { const char *name; rr_fn fn; } rr_entry;
#define RR_ENTRY(op) {#op, rr_##op},
static const rr_entry rr_table[] = {RV32_RR_OPS(RR_ENTRY) RV64_RR_OPS(RR_ENTRY)};

#define RI(op, tag, imm)                                                     \
  static reg_t ri_##op##_##tag(reg_t a) {                                    \
    reg_t r;                                                                 \
    __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "i"(imm));        \
    return r;                                                                \
  }
#define IMMS(X, op)                                                          \
  X(op, 0, 0) X(op, 1, 1) X(op, m1, -1) X(op, max, 2047) X(op, min, -2048)   \
  X(op, p555, 0x555) X(op, m556, -0x556) X(op, p42, 42) X(op, m2, -2)
#define SHAMTS32(X, op) X(op, 0, 0) X(op, 1, 1) X(op, 7, 7) X(op, 16, 16) X(op, 31, 31)
#if XLEN == 64
#define SHAMTS(X, op) SHAMTS32(X, op) X(op, 32, 32) X(op, 33, 33) X(op, 63, 63)
#else
#define SHAMTS(X, op) SHAMTS32(X, op)
#endif
#define RI_IMM_OPS(X) IMMS(X, addi) IMMS(X, slti) IMMS(X, sltiu) IMMS(X, xori) IMMS(X, ori) IMMS(X, andi)
#define RI_SH_OPS(X) SHAMTS(X, slli) SHAMTS(X, srli) SHAMTS(X, srai)
#if XLEN == 64
#define RI_W_OPS(X) IMMS(X, addiw) SHAMTS32(X, slliw) SHAMTS32(X, srliw) SHAMTS32(X, sraiw)
#else
#define RI_W_OPS(X)
#endif
RI_IMM_OPS(RI)
RI_SH_OPS(RI)
RI_W_OPS(RI)

typedef reg_t (*ri_fn)(reg_t);
typedef struct { const char *name; const char *imm; ri_fn fn; } ri_entry;
#define RI_ENTRY(op, tag, imm) {#op, #imm, ri_##op##_##tag},
static const ri_entry ri_table[] = {RI_IMM_OPS(RI_ENTRY) RI_SH_OPS(RI_ENTRY) RI_W_OPS(RI_ENTRY)};

#define LUI(imm)                                                             \
  do {                                                                       \
    reg_t r;                                                                 \
    __asm__ volatile("lui %0, %1" : "=r"(r) : "i"(imm));                     \
    printf("lui %#x " RX "\n", (unsigned)(imm), r);                          \
  } while (0)

#define AUIPC(imm)                                                           \
  do {                                                                       \
    reg_t r, here;                                                           \
    __asm__ volatile("1: auipc %0, %2\n\tlla %1, 1b" : "=r"(r), "=r"(here) : "i"(imm)); \
    printf("auipc %#x delta " RX "\n", (unsigned)(imm), r - here);           \
  } while (0)

int main(void) {
  printf("alu xlen=%d\n", XLEN);
  for (unsigned k = 0; k < sizeof rr_table / sizeof rr_table[0]; k++) {
    for (unsigned i = 0; i < N_EDGE; i++) {
      for (unsigned j = 0; j < N_EDGE; j++) {
        printf("%s %u %u " RX "\n", rr_table[k].name, i, j, rr_table[k].fn(edge(i), edge(j)));
      }
    }
  }
  for (unsigned k = 0; k < sizeof ri_table / sizeof ri_table[0]; k++) {
    for (unsigned i = 0; i < N_EDGE; i++) {
      printf("%s %s %u " RX "\n", ri_table[k].name, ri_table[k].imm, i, ri_table[k].fn(edge(i)));
    }
  }
  /* Shift amounts by register: only the low 5 (rv32) / 6 (rv64) bits count. */
  static const reg_t amounts[] = {0, 1, 31, 32, 33, 63, 64, 65, 127, 128, (reg_t)-1, (reg_t)-32};
  for (unsigned i = 0; i < N_EDGE; i++) {
    for (unsigned s = 0; s < sizeof amounts / sizeof amounts[0]; s++) {
      reg_t v = edge(i), a = amounts[s];
      printf("shift %u %lu " RX " " RX " " RX, i, (unsigned long)a, rr_sll(v, a), rr_srl(v, a),
             rr_sra(v, a));
#if XLEN == 64
      printf(" " RX " " RX " " RX, rr_sllw(v, a), rr_srlw(v, a), rr_sraw(v, a));
#endif
      printf("\n");
    }
  }
  LUI(0);
  LUI(1);
  LUI(0x12345);
  LUI(0x7ffff);
  LUI(0x80000);
  LUI(0xfffff);
  AUIPC(0);
  AUIPC(1);
  AUIPC(0x7ffff);
  AUIPC(0x80000);
  AUIPC(0xfffff);

  /* x0 as a destination: writes are discarded, reads give 0. */
  reg_t z1, z2, z3, z4;
  __asm__ volatile("add x0, %4, %4\n\tmv %0, x0\n\t"
                   "addi x0, x0, 123\n\tmv %1, x0\n\t"
                   "lui x0, 0x12345\n\tadd %2, x0, x0\n\t"
                   "sub %3, x0, %4"
                   : "=&r"(z1), "=&r"(z2), "=&r"(z3), "=&r"(z4)
                   : "r"((reg_t)77));
  printf("x0: %lx %lx %lx neg77=" RX "\n", z1, z2, z3, z4);
  return 0;
}
