/* RISC-V instruction encoders shared by the harness's C tests (unit.c, lazydiff.c). */
#ifndef RVENC_H
#define RVENC_H
#include <stdint.h>

static inline uint32_t I(uint32_t opc, uint32_t f3, uint32_t rd, uint32_t rs1, int32_t imm) {
  return ((uint32_t)imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
static inline uint32_t R(uint32_t opc, uint32_t f3, uint32_t f7, uint32_t rd, uint32_t rs1, uint32_t rs2) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
static inline uint32_t S(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t imm) {
  uint32_t u = (uint32_t)imm;
  return ((u >> 5 & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 31) << 7) | 0x23;
}
static inline uint32_t B(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t imm) {
  uint32_t u = (uint32_t)imm;
  return ((u >> 12 & 1) << 31) | ((u >> 5 & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
         ((u >> 1 & 0xf) << 8) | ((u >> 11 & 1) << 7) | 0x63;
}
static inline uint32_t J(uint32_t rd, int32_t imm) {
  uint32_t u = (uint32_t)imm;
  return ((u >> 20 & 1) << 31) | ((u >> 1 & 0x3ff) << 21) | ((u >> 11 & 1) << 20) | ((u >> 12 & 0xff) << 12) |
         (rd << 7) | 0x6f;
}

#endif
