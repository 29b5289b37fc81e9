/* Instruction encoders and the icache sync for the guest programs that write code (selfmod.c,
   rwx_data.c). */
#ifndef SMC_H
#define SMC_H

static inline unsigned enc_i(unsigned opcode, unsigned rd, unsigned funct3, unsigned rs1, int imm) {
  return ((unsigned)imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}
static inline unsigned enc_r(unsigned funct7, unsigned rs2, unsigned rs1, unsigned funct3, unsigned rd) {
  return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | 0x33;
}
static inline unsigned enc_b(unsigned funct3, unsigned rs1, unsigned rs2, int off) {
  unsigned o = (unsigned)off;
  return ((o >> 12) & 1) << 31 | ((o >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 |
         ((o >> 1) & 0xf) << 8 | ((o >> 11) & 1) << 7 | 0x63;
}
#define ADDI(rd, rs1, imm) enc_i(0x13, rd, 0, rs1, imm)
#define RET enc_i(0x67, 0, 0, 1, 0)
#define A0 10
#define A1 11
#define T0 5
#define T1 6

static inline void sync_icache(void) { __asm__ volatile("fence.i" ::: "memory"); }

#endif
