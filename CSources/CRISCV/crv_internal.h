/* Private to the CRISCV core: op enum, decoded-entry layout, tables. */
#ifndef CRV_INTERNAL_H
#define CRV_INTERNAL_H

#include "include/CRISCV.h"

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "CRISCV assumes a little-endian host (guest memory is accessed with memcpy)"
#endif

#define CRV_LIKELY(x) __builtin_expect(!!(x), 1)
#define CRV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CRV_NOINLINE __attribute__((noinline))
#define CRV_ALWAYS_INLINE inline __attribute__((always_inline))

enum {
#define RV_INSN(id, name, fmt, cls, flags) OP_##id,
#include "rv_insns.def"
#undef RV_INSN
  OP_COUNT
};
_Static_assert(OP_COUNT + 1 < 256, "ops must fit in a byte, with room for OP_PAGE_ENTER and OP_STALE_ENTER");

/* Index of crv_run's handler table that holds the fall-through handler of a page's first slot. */
#define OP_PAGE_ENTER OP_COUNT
/* Index of crv_run's handler table that holds the handler of a stale slot (rv_ent.stale). */
#define OP_STALE_ENTER (OP_COUNT + 1)

/* Operand formats (disassembler) */
enum { FMT_R, FMT_I, FMT_SH, FMT_LD, FMT_ST, FMT_B, FMT_J, FMT_JR, FMT_U, FMT_CSR, FMT_CSRI,
       FMT_FENCE, FMT_NONE };
/* Cost classes, in the order of the crv_costs fields; NONE costs and counts nothing. */
enum { CLS_ALU, CLS_LOAD, CLS_STORE, CLS_BRANCH, CLS_JUMP, CLS_MUL, CLS_DIV, CLS_SYSTEM, CLS_NONE };
enum { F_CANON = 1, F_TERM = 2 };

extern const uint8_t crv__op_class[OP_COUNT];
extern const uint8_t crv__op_flags[OP_COUNT];
extern const uint8_t crv__op_format[OP_COUNT];
extern const char *const crv__op_name[OP_COUNT];

/* A decoded instruction slot: two crv_insn (32 bytes).
   h:    the handler crv_run falls through to from the previous slot: the handler of `op`, or
         for the first slot of a page the one that starts a new block. Written by crv_run
         (fill_handlers, or a re-decode during a run); NULL after crv_decode.
   cost, cnt: cost and number of retiring instructions from this slot to the end of its basic
         block, this slot included (the suffix sums; at most 1024 slots of 2^32 - 1 each, so
         they never overflow).
   imm:  immediate; for resolved branches/jumps the target's offset in bytes of entries; for shifts the
         shift amount; for RDCNT* unused; for ILLEGAL the instruction word.
   op:   OP_*.
   rd:   destination register; 0 is rewritten to 32 (a scratch slot of crv_run's register file),
         so handlers never test for x0. For BR_GEN: funct3.
   eh:   index in crv_run's handler table of the handler a block entering at this slot jumps to
         (the op's own, or a fused pair's with the next slot); written with h.
   stale: a store inside crv_run changed this slot's bytes and the slot was not decoded again
         (crv_run's store path marks it instead): op, cost and cnt are still the old word's,
         and so are the suffix sums of the slots before it, so every charge made for it is
         what it was; its handlers (OP_STALE_ENTER) give back what was charged from it on,
         decode it from its bytes and enter it again when it is reached. A store into a page
         that mixes code and data thus pays no decode for words that never run. Decoding a
         slot clears the flag. Set only by crv_run, with the handler table at hand.
   The code buffer holds one slot per 4 bytes of [code_lo, code_hi), the end sentinel (a
   fetch-fault slot), and a header slot whose h tags the handler table that filled the h
   fields (crv_run refills them when it does not match). */
typedef struct rv_ent {
  const void *h;
  uint64_t cost;
  int32_t imm;
  uint32_t cnt;
  uint8_t op;
  uint8_t rd;
  uint8_t rs1;
  uint8_t rs2;
  uint16_t eh;
  uint16_t stale;
} rv_ent;
_Static_assert(sizeof(rv_ent) == 2 * sizeof(crv_insn), "a decoded slot is two crv_insn");

/* Canonical decode of one instruction word (shared by crv_decode and crv_disasm). */
typedef struct rv_dec {
  uint32_t op; /* OP_* with F_CANON, or OP_ILLEGAL */
  uint32_t rd, rs1, rs2;
  int64_t imm; /* sign-extended immediate; shamt for shifts; csr number for CSR ops;
                  pred<<4|succ for fence */
} rv_dec;

void crv__decode_word(uint32_t w, uint32_t xlen, rv_dec *d);

static inline uint64_t crv__class_cost(const crv_costs *c, unsigned cls) {
  switch (cls) {
  case CLS_ALU: return c->alu;
  case CLS_LOAD: return c->load;
  case CLS_STORE: return c->store;
  case CLS_BRANCH: return c->branch;
  case CLS_JUMP: return c->jump;
  case CLS_MUL: return c->mul;
  case CLS_DIV: return c->div;
  case CLS_SYSTEM: return c->system;
  default: return 0;
  }
}

/* Re-decode the slots covering guest bytes [addr, addr + n) after a guest store into code, and
   fix the suffix sums of the blocks that contain them. */
CRV_NOINLINE void crv__redecode_bytes(crv_memory *mem, const crv_costs *costs, uint32_t xlen,
                                      uint64_t addr, uint64_t n);

/* Decode the whole page at `page` (inside the code range) and clear its CRV_PERM_LAZY bit. */
CRV_NOINLINE void crv__decode_page(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t page);

#endif /* CRV_INTERNAL_H */
