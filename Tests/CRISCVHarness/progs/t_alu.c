/* Every RV32I/RV64I/M computational instruction over edge operands; the output is diffed
   against qemu. */
#include "rt.h"

#define R_OP(n) static ulong f_##n(ulong a, ulong b) { ulong r; __asm__ volatile(#n " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); return r; }
#define I_OP(n, imm) static ulong f_##n##_##imm(ulong a) { ulong r; __asm__ volatile(#n " %0, %1, %2" : "=r"(r) : "r"(a), "i"(imm)); return r; }
#define IN_OP(n, tag, imm) static ulong f_##n##_##tag(ulong a) { ulong r; __asm__ volatile(#n " %0, %1, %2" : "=r"(r) : "r"(a), "i"(imm)); return r; }
#define BR_OP(n) static ulong f_##n(ulong a, ulong b) { ulong r; __asm__ volatile("li %0, 1\n" #n " %1, %2, 1f\nli %0, 0\n1:" : "=&r"(r) : "r"(a), "r"(b)); return r; }

R_OP(add) R_OP(sub) R_OP(sll) R_OP(slt) R_OP(sltu) R_OP(xor) R_OP(srl) R_OP(sra) R_OP(or) R_OP(and)
R_OP(mul) R_OP(mulh) R_OP(mulhsu) R_OP(mulhu) R_OP(div) R_OP(divu) R_OP(rem) R_OP(remu)
BR_OP(beq) BR_OP(bne) BR_OP(blt) BR_OP(bge) BR_OP(bltu) BR_OP(bgeu)
#define IMMS(X, n) X(n, 0) X(n, 1) X(n, 2047) X(n, 5)
IMMS(I_OP, addi) IMMS(I_OP, slti) IMMS(I_OP, sltiu) IMMS(I_OP, xori) IMMS(I_OP, ori) IMMS(I_OP, andi)
IN_OP(addi, m1, -1) IN_OP(addi, m2048, -2048) IN_OP(slti, m1, -1) IN_OP(slti, m2048, -2048)
IN_OP(sltiu, m1, -1) IN_OP(sltiu, m2048, -2048) IN_OP(xori, m1, -1) IN_OP(ori, m2048, -2048) IN_OP(andi, m1, -1)
IN_OP(andi, m2048, -2048)
I_OP(slli, 0) I_OP(slli, 1) I_OP(slli, 31) I_OP(srli, 0) I_OP(srli, 1) I_OP(srli, 31)
I_OP(srai, 0) I_OP(srai, 1) I_OP(srai, 31)
#if __riscv_xlen == 64
I_OP(slli, 32) I_OP(slli, 63) I_OP(srli, 32) I_OP(srli, 63) I_OP(srai, 32) I_OP(srai, 63)
R_OP(addw) R_OP(subw) R_OP(sllw) R_OP(srlw) R_OP(sraw) R_OP(mulw) R_OP(divw) R_OP(divuw) R_OP(remw) R_OP(remuw)
IMMS(I_OP, addiw) IN_OP(addiw, m1, -1) IN_OP(addiw, m2048, -2048)
I_OP(slliw, 0) I_OP(slliw, 1) I_OP(slliw, 31) I_OP(srliw, 0) I_OP(srliw, 1) I_OP(srliw, 31)
I_OP(sraiw, 0) I_OP(sraiw, 1) I_OP(sraiw, 31)
#endif

static const ulong vals[] = {
  0, 1, 2, 3, 31, 32, 33, 63, 64, (ulong)-1, (ulong)-2, 0x7fffffff, 0x80000000, 0xffffffff,
  0x12345678, (ulong)-7, 7,
#if __riscv_xlen == 64
  0x7fffffffffffffff, 0x8000000000000000, 0xdeadbeefcafebabe, 0x100000000, 0xffffffff80000000,
  0x00000000ffff8000,
#endif
};
#define NV (sizeof vals / sizeof vals[0])

typedef ulong (*rfn)(ulong, ulong);
typedef ulong (*ifn)(ulong);
static void rr(const char *name, rfn f) {
  uint64_t h = 1469598103934665603ull;
  puts_(name); nl();
  for (unsigned i = 0; i < NV; i++) {
    for (unsigned j = 0; j < NV; j++) { ulong r = f(vals[i], vals[j]); hexw(r); h = (h ^ r) * 1099511628211ull; }
    nl();
  }
  puts_("hash "); hex64(h); nl();
}
static void ri(const char *name, ifn f) {
  puts_(name); puts_(": ");
  for (unsigned i = 0; i < NV; i++) hexw(f(vals[i]));
  nl();
}
#define RR(n) rr(#n, f_##n)
#define RI(n) ri(#n, f_##n)

int main(void) {
  RR(add); RR(sub); RR(sll); RR(slt); RR(sltu); RR(xor); RR(srl); RR(sra); RR(or); RR(and);
  RR(mul); RR(mulh); RR(mulhsu); RR(mulhu); RR(div); RR(divu); RR(rem); RR(remu);
  RR(beq); RR(bne); RR(blt); RR(bge); RR(bltu); RR(bgeu);
  RI(addi_0); RI(addi_1); RI(addi_2047); RI(addi_5); RI(addi_m1); RI(addi_m2048);
  RI(slti_0); RI(slti_1); RI(slti_2047); RI(slti_5); RI(slti_m1); RI(slti_m2048);
  RI(sltiu_0); RI(sltiu_1); RI(sltiu_2047); RI(sltiu_5); RI(sltiu_m1); RI(sltiu_m2048);
  RI(xori_0); RI(xori_1); RI(xori_2047); RI(xori_5); RI(xori_m1);
  RI(ori_0); RI(ori_1); RI(ori_2047); RI(ori_5); RI(ori_m2048);
  RI(andi_0); RI(andi_1); RI(andi_2047); RI(andi_5); RI(andi_m1); RI(andi_m2048);
  RI(slli_0); RI(slli_1); RI(slli_31); RI(srli_0); RI(srli_1); RI(srli_31);
  RI(srai_0); RI(srai_1); RI(srai_31);
#if __riscv_xlen == 64
  RI(slli_32); RI(slli_63); RI(srli_32); RI(srli_63); RI(srai_32); RI(srai_63);
  RR(addw); RR(subw); RR(sllw); RR(srlw); RR(sraw); RR(mulw); RR(divw); RR(divuw); RR(remw); RR(remuw);
  RI(addiw_0); RI(addiw_1); RI(addiw_2047); RI(addiw_5); RI(addiw_m1); RI(addiw_m2048);
  RI(slliw_0); RI(slliw_1); RI(slliw_31); RI(srliw_0); RI(srliw_1); RI(srliw_31);
  RI(sraiw_0); RI(sraiw_1); RI(sraiw_31);
#endif
  /* lui / auipc / jalr with bit 0 set / x0 writes */
  ulong r1, r2, r3, r4;
  __asm__ volatile("lui %0, 0x80000\nlui %1, 0xfffff\nlui %2, 0x12345\nauipc %3, 0x7ffff" : "=r"(r1), "=r"(r2), "=r"(r3), "=r"(r4));
  puts_("lui/auipc: "); hexw(r1); hexw(r2); hexw(r3); hexw(r4 - (ulong)&main); nl();
  __asm__ volatile("la t0, 1f\naddi t0, t0, 1\njalr t1, 0(t0)\nli %0, 99\n1: mv %0, t1\nsub %0, %0, t0" : "=r"(r1) : : "t0", "t1");
  puts_("jalr odd: "); hexw(r1); nl();
  __asm__ volatile("li t0, 5\naddi x0, t0, 1\nadd x0, t0, t0\nlui x0, 1\nmul x0, t0, t0\ndiv x0, t0, x0\nmv %0, x0" : "=r"(r1) : : "t0");
  puts_("x0: "); hexw(r1); nl();
  __asm__ volatile("jal x0, 1f\nli %0, 1\n1: li %0, 2\nfence\nfence rw, rw\nfence.i" : "=r"(r1));
  puts_("fence: "); hexw(r1); nl();
  return 0;
}
