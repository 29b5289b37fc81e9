/* CRISCV decoder: instruction words -> pre-decoded entries (mem->code), and the tables that
   expand from rv_insns.def. */
#include "crv_internal.h"

const uint8_t crv__op_class[OP_COUNT] = {
#define RV_INSN(id, name, fmt, cls, flags) [OP_##id] = CLS_##cls,
#include "rv_insns.def"
#undef RV_INSN
};
const uint8_t crv__op_flags[OP_COUNT] = {
#define RV_INSN(id, name, fmt, cls, flags) [OP_##id] = (flags),
#include "rv_insns.def"
#undef RV_INSN
};
const uint8_t crv__op_format[OP_COUNT] = {
#define RV_INSN(id, name, fmt, cls, flags) [OP_##id] = FMT_##fmt,
#include "rv_insns.def"
#undef RV_INSN
};
const char *const crv__op_name[OP_COUNT] = {
#define RV_INSN(id, name, fmt, cls, flags) [OP_##id] = name,
#include "rv_insns.def"
#undef RV_INSN
};

static inline int64_t sext_bits(uint32_t v, unsigned bits) {
  return (int64_t)((int32_t)(v << (32 - bits)) >> (32 - bits));
}

/* Inlined into decode_exec: called, its results went through memory, and reading them back
   (wider loads over narrower stores) stalled the decoder's loop on store forwarding; with
   decode_exec inlined into the page loop too a page decodes in about half the time (a slot of
   the example token 13 -> 7 ns). */
static CRV_ALWAYS_INLINE void decode_word(uint32_t w, uint32_t xlen, rv_dec *d) {
  const int rv64 = xlen != 32;
  const uint32_t opc = w & 0x7f, f3 = (w >> 12) & 7, f7 = w >> 25;
  d->rd = (w >> 7) & 31;
  d->rs1 = (w >> 15) & 31;
  d->rs2 = (w >> 20) & 31;
  d->imm = 0;
  uint32_t op = OP_ILLEGAL;
  const int64_t imm_i = sext_bits(w >> 20, 12);
  switch (opc) {
  case 0x37: op = OP_LUI; d->imm = sext_bits(w & 0xfffff000u, 32); break;
  case 0x17: op = OP_AUIPC; d->imm = sext_bits(w & 0xfffff000u, 32); break;
  case 0x6f:
    op = OP_JAL;
    d->imm = sext_bits(((w >> 31) << 20) | (((w >> 12) & 0xff) << 12) | (((w >> 20) & 1) << 11) |
                           (((w >> 21) & 0x3ff) << 1),
                       21);
    break;
  case 0x67:
    if (f3 == 0) { op = OP_JALR; d->imm = imm_i; }
    break;
  case 0x63: {
    static const uint8_t br[8] = {OP_BEQ, OP_BNE, OP_ILLEGAL, OP_ILLEGAL,
                                  OP_BLT, OP_BGE, OP_BLTU,    OP_BGEU};
    op = br[f3];
    d->imm = sext_bits(((w >> 31) << 12) | (((w >> 7) & 1) << 11) | (((w >> 25) & 0x3f) << 5) |
                           (((w >> 8) & 0xf) << 1),
                       13);
    break;
  }
  case 0x03: {
    static const uint8_t ld[8] = {OP_LB, OP_LH, OP_LW, OP_LD, OP_LBU, OP_LHU, OP_LWU, OP_ILLEGAL};
    op = ld[f3];
    if (!rv64 && (op == OP_LD || op == OP_LWU)) op = OP_ILLEGAL;
    d->imm = imm_i;
    break;
  }
  case 0x23: {
    static const uint8_t st[8] = {OP_SB, OP_SH, OP_SW, OP_SD,
                                  OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL};
    op = st[f3];
    if (!rv64 && op == OP_SD) op = OP_ILLEGAL;
    d->imm = sext_bits(((w >> 25) << 5) | ((w >> 7) & 31), 12);
    break;
  }
  case 0x13:
    d->imm = imm_i;
    switch (f3) {
    case 0: op = OP_ADDI; break;
    case 2: op = OP_SLTI; break;
    case 3: op = OP_SLTIU; break;
    case 4: op = OP_XORI; break;
    case 6: op = OP_ORI; break;
    case 7: op = OP_ANDI; break;
    case 1:
    case 5: {
      /* RV64: imm[11:6] is funct6 and shamt is 6 bits; RV32: funct7 and 5-bit shamt */
      const uint32_t hi = rv64 ? (w >> 26) : f7;
      const uint32_t sra = rv64 ? 0x10 : 0x20;
      d->imm = (w >> 20) & (rv64 ? 63 : 31);
      if (f3 == 1) op = hi == 0 ? OP_SLLI : OP_ILLEGAL;
      else op = hi == 0 ? OP_SRLI : hi == sra ? OP_SRAI : OP_ILLEGAL;
      break;
    }
    }
    break;
  case 0x33:
    if (f7 == 0) {
      static const uint8_t o[8] = {OP_ADD, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_OR, OP_AND};
      op = o[f3];
    } else if (f7 == 0x20) {
      op = f3 == 0 ? OP_SUB : f3 == 5 ? OP_SRA : OP_ILLEGAL;
    } else if (f7 == 1) {
      static const uint8_t m[8] = {OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU,
                                   OP_DIV, OP_DIVU, OP_REM,    OP_REMU};
      op = m[f3];
    }
    break;
  case 0x1b:
    if (!rv64) break;
    if (f3 == 0) { op = OP_ADDIW; d->imm = imm_i; }
    else if (f3 == 1 && f7 == 0) { op = OP_SLLIW; d->imm = (w >> 20) & 31; }
    else if (f3 == 5 && f7 == 0) { op = OP_SRLIW; d->imm = (w >> 20) & 31; }
    else if (f3 == 5 && f7 == 0x20) { op = OP_SRAIW; d->imm = (w >> 20) & 31; }
    break;
  case 0x3b:
    if (!rv64) break;
    if (f7 == 0) op = f3 == 0 ? OP_ADDW : f3 == 1 ? OP_SLLW : f3 == 5 ? OP_SRLW : OP_ILLEGAL;
    else if (f7 == 0x20) op = f3 == 0 ? OP_SUBW : f3 == 5 ? OP_SRAW : OP_ILLEGAL;
    else if (f7 == 1) {
      static const uint8_t m[8] = {OP_MULW,  OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL,
                                   OP_DIVW,  OP_DIVUW,   OP_REMW,    OP_REMUW};
      op = m[f3];
    }
    break;
  case 0x0f:
    /* Reserved fields of fence / fence.i are ignored, as the spec requires. */
    if (f3 == 0) { op = OP_FENCE; d->imm = (w >> 20) & 0xff; }
    else if (f3 == 1) op = OP_FENCE_I;
    break;
  case 0x73:
    if (w == 0x00000073u) op = OP_ECALL;
    else if (w == 0x00100073u) op = OP_EBREAK;
    else if (f3 != 0 && f3 != 4) {
      static const uint8_t c[8] = {OP_ILLEGAL, OP_CSRRW,  OP_CSRRS,  OP_CSRRC,
                                   OP_ILLEGAL, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI};
      op = c[f3];
      d->imm = w >> 20;
    }
    break;
  default: break;
  }
  if (op == OP_ILLEGAL) d->imm = (int64_t)w;
  d->op = op;
}

void crv__decode_word(uint32_t w, uint32_t xlen, rv_dec *d) { decode_word(w, xlen, d); }

/* ---- decoding into entries ---- */

typedef struct dctx {
  crv_memory *mem;
  const crv_costs *costs;
  uint32_t xlen;
} dctx;

static inline uint8_t reg_dst(uint32_t r) { return (uint8_t)(r == 0 ? 32 : r); }

/* Turn a jump/branch target into an entry offset if it is aligned and inside the code. */
static int resolve_target(const dctx *c, uint64_t pc, int64_t imm, int32_t *off) {
  uint64_t t = pc + (uint64_t)imm;
  if (c->xlen == 32) t &= 0xffffffffu;
  if (t & 3) return 0;
  if (t < c->mem->code_lo || t >= c->mem->code_hi) return 0;
  *off = (int32_t)(((int64_t)t - (int64_t)pc) / 4 * (int64_t)sizeof(rv_ent));
  return 1;
}

/* Always inlined (see decode_word). */
static CRV_ALWAYS_INLINE rv_ent decode_exec(const dctx *c, uint32_t w, uint64_t pc) {
  rv_dec d;
  decode_word(w, c->xlen, &d);
  const int rv32 = c->xlen == 32;
  rv_ent e;
  memset(&e, 0, sizeof e);
  e.op = (uint8_t)d.op;
  e.rd = reg_dst(d.rd);
  e.rs1 = (uint8_t)d.rs1;
  e.rs2 = (uint8_t)d.rs2;
  e.imm = (int32_t)d.imm;
  uint32_t op = d.op;

  switch (op) {
  case OP_ILLEGAL: e.imm = (int32_t)w; return e;
  case OP_CSRRW:
  case OP_CSRRWI: op = OP_ILLEGAL; break; /* always a write */
  case OP_CSRRS:
  case OP_CSRRC:
  case OP_CSRRSI:
  case OP_CSRRCI: {
    /* rs1 / uimm field must be zero (no write); only the counters exist */
    const uint32_t csr = (uint32_t)d.imm;
    if (d.rs1 != 0) op = OP_ILLEGAL;
    else if (csr >= 0xC00 && csr <= 0xC02) op = rv32 ? OP_RDCNT32 : OP_RDCNT;
    else if (rv32 && csr >= 0xC80 && csr <= 0xC82) op = OP_RDCNTH32;
    else op = OP_ILLEGAL;
    break;
  }
  case OP_JAL: {
    int32_t off;
    if (!resolve_target(c, pc, d.imm, &off)) op = OP_JAL_GEN;
    else {
      e.imm = off;
      op = d.rd == 0 ? OP_J : rv32 ? OP_JAL32 : OP_JAL;
    }
    break;
  }
  case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU: case OP_BGEU: {
    int32_t off;
    if (!resolve_target(c, pc, d.imm, &off)) {
      e.rd = (uint8_t)((w >> 12) & 7);
      op = OP_BR_GEN;
    } else {
      e.imm = off;
      if (d.rs2 == 0 && op == OP_BNE) op = OP_BNEZ;
      else if (d.rs2 == 0 && op == OP_BEQ) op = OP_BEQZ;
    }
    break;
  }
  case OP_ADDI:
    if (d.rd == 0) op = OP_NOP;
    else if (d.rs1 == 0) op = OP_LI;
    else if (d.imm == 0) op = OP_MV;
    else if (!rv32 && d.rd == d.rs1) op = OP_ADDI_SELF;
    else if (rv32) op = OP_ADDIW;
    break;
  case OP_FENCE: op = OP_NOP; break;
  default: break;
  }
  if (rv32) {
    switch (op) {
    case OP_AUIPC: op = OP_AUIPC32; break;
    case OP_JALR: op = OP_JALR32; break;
    case OP_LB: op = OP_LB32; break;
    case OP_LH: op = OP_LH32; break;
    case OP_LW: op = OP_LW32; break;
    case OP_LBU: op = OP_LBU32; break;
    case OP_LHU: op = OP_LHU32; break;
    case OP_SB: op = OP_SB32; break;
    case OP_SH: op = OP_SH32; break;
    case OP_SW: op = OP_SW32; break;
    case OP_SLLI: op = OP_SLLIW; break;
    case OP_SRLI: op = OP_SRLIW; break;
    case OP_SRAI: op = OP_SRAIW; break;
    case OP_ADD: op = OP_ADDW; break;
    case OP_SUB: op = OP_SUBW; break;
    case OP_SLL: op = OP_SLLW; break;
    case OP_SRL: op = OP_SRLW; break;
    case OP_SRA: op = OP_SRAW; break;
    case OP_MUL: op = OP_MULW; break;
    case OP_MULH: op = OP_MULH32; break;
    case OP_MULHSU: op = OP_MULHSU32; break;
    case OP_MULHU: op = OP_MULHU32; break;
    case OP_DIV: op = OP_DIVW; break;
    case OP_DIVU: op = OP_DIVUW; break;
    case OP_REM: op = OP_REMW; break;
    case OP_REMU: op = OP_REMUW; break;
    default: break;
    }
  }
  /* Pure ALU-class ops writing x0 have no effect: run them as nop (same cost class). */
  if (d.rd == 0 && crv__op_class[op] == CLS_ALU && !(crv__op_flags[op] & F_TERM)) op = OP_NOP;
  if (op == OP_ILLEGAL) e.imm = (int32_t)w;
  e.op = (uint8_t)op;
  return e;
}


uint64_t crv_insn_cost(const crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint32_t insn, uint64_t pc) {
  if (!mem || !costs) return 0;
  const dctx c = {(crv_memory *)mem, costs, xlen == 32 ? 32u : 64u};
  const rv_ent e = decode_exec(&c, insn, pc);
  return crv__class_cost(costs, crv__op_class[e.op]);
}

/* Recompute the suffix sums of slots [first, last] of one page (first..last inclusive, slots
   after `last` in the page are already right), walking back past `first` to the start of the
   enclosing block, or to the first slot before `first` whose sums come out as they were: a
   slot's sums depend only on its own instruction and the next slot's sums, so every slot before
   it is unchanged too. (A helper's review: a store into a read-write-execute page with a
   thousand instruction-like data words before it walked a thousand slots each time, 830x qemu's
   time; a word that keeps its class and whether it ends a block now walks none.) `page` points
   at the page's first slot. */
static void fix_suffix(const crv_costs *costs, rv_ent *page, int first, int last) {
  const int n = (int)(CRV_PAGE_SIZE / 4);
  /* each class's cost by index (crv__class_cost's switch was a third of a page's decode) */
  const uint64_t class_cost[CLS_NONE + 1] = {
      [CLS_ALU] = costs->alu,   [CLS_LOAD] = costs->load, [CLS_STORE] = costs->store,   [CLS_BRANCH] = costs->branch,
      [CLS_JUMP] = costs->jump, [CLS_MUL] = costs->mul,   [CLS_DIV] = costs->div,       [CLS_SYSTEM] = costs->system,
      [CLS_NONE] = 0};
  for (int i = last; i >= 0; i--) {
    const uint32_t op = page[i].op;
    const int term = (crv__op_flags[op] & F_TERM) != 0;
    if (i < first && term) break; /* an earlier block: unaffected */
    const unsigned cls = crv__op_class[op];
    uint64_t cost = class_cost[cls];
    uint32_t cnt = cls != CLS_NONE;
    if (!term && i + 1 < n) {
      cost += page[i + 1].cost; /* at most 1024 * (2^32 - 1): no overflow */
      cnt += page[i + 1].cnt;
    }
    if (i < first && page[i].cost == cost && page[i].cnt == cnt) break;
    page[i].cost = cost;
    page[i].cnt = cnt;
  }
}

static rv_ent fetch_fault_ent(void) {
  rv_ent e;
  memset(&e, 0, sizeof e);
  e.op = OP_FETCH_FAULT;
  e.rd = 32;
  return e;
}

static void decode_slot(const dctx *c, uint64_t pc, int page_x, rv_ent *out) {
  rv_ent e;
  if (page_x) {
    uint32_t w;
    memcpy(&w, c->mem->data + pc, 4);
    e = decode_exec(c, w, pc);
  } else {
    e = fetch_fault_ent();
  }
  *out = e; /* h stays NULL: crv_run writes the handlers */
}

static int page_executable(const crv_memory *mem, uint64_t page) {
  return page < mem->size && page + CRV_PAGE_SIZE <= mem->size &&
         (mem->perms[page >> CRV_PAGE_SHIFT] & CRV_PERM_X);
}

/* Whether slots first..last hold an instruction (CRV_PERM_NOCODE's test). */
static int has_instruction(const rv_ent *base, int first, int last) {
  for (int i = first; i <= last; i++)
    if (base[i].op != OP_ILLEGAL) return 1;
  return 0;
}

static void decode_page(const dctx *c, uint64_t page) {
  crv_memory *mem = c->mem;
  rv_ent *base = (rv_ent *)mem->code + ((page - mem->code_lo) >> 2);
  const int x = page_executable(mem, page);
  const int n = (int)(CRV_PAGE_SIZE / 4);
  if (x) {
    /* A zero word (the padding around a segment in its first and last page: a third of a
       small contract's one code page) decodes to the same illegal-instruction entry wherever
       it is: decoded once, copied. */
    const rv_ent zero = decode_exec(c, 0, page);
    for (int i = 0; i < n; i++) {
      uint32_t w;
      memcpy(&w, mem->data + page + 4u * (uint64_t)i, 4);
      base[i] = w == 0 ? zero : decode_exec(c, w, page + 4u * (uint64_t)i);
    }
  } else {
    for (int i = 0; i < n; i++) decode_slot(c, page + 4u * (uint64_t)i, x, &base[i]);
  }
  fix_suffix(c->costs, base, 0, n - 1);
  /* CRV_PERM_NOCODE: set only here, by a whole-page decode that found no instruction. A code
     range may reach past memory (its slots there are fetch faults): those pages have no
     permission byte. */
  if (page >= mem->size) return;
  uint8_t *perm = &mem->perms[page >> CRV_PAGE_SHIFT];
  *perm = (uint8_t)(x && !has_instruction(base, 0, n - 1) ? *perm | CRV_PERM_NOCODE : *perm & ~CRV_PERM_NOCODE);
  *perm = (uint8_t)(*perm & ~(CRV_PERM_NOCODE_RAN | CRV_PERM_LAZY)); /* every slot matches its bytes again */
}

static int code_range_ok(const crv_memory *mem) {
  return mem->code_lo <= mem->code_hi && ((mem->code_lo | mem->code_hi) & (CRV_PAGE_SIZE - 1)) == 0;
}

size_t crv_code_entries(uint64_t code_lo, uint64_t code_hi) {
  const uint64_t slots = code_hi < code_lo ? 0 : (code_hi - code_lo) >> 2;
  return (size_t)CRV_CODE_ENTRIES_FOR_SLOTS(slots);
}

/* The code buffer's slots: code range slots, then the sentinel, then the header. */
static uint64_t code_slots(const crv_memory *mem) {
  return code_range_ok(mem) ? (mem->code_hi - mem->code_lo) >> 2 : 0;
}

void crv_decode(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t lo, uint64_t hi) {
  if (!mem || !mem->code || !costs) return;
  rv_ent *const code = (rv_ent *)mem->code;
  const uint64_t slots = code_slots(mem);
  code[slots] = fetch_fault_ent(); /* the end sentinel */
  memset(&code[slots + 1], 0, sizeof code[slots + 1]); /* the header: h = 0, crv_run refills every
                                                          h on its next entry */
  if (!code_range_ok(mem)) return;  /* a malformed range runs as "no code": only the sentinel */
  const dctx c = {mem, costs, xlen == 32 ? 32u : 64u};
  if (lo < mem->code_lo) lo = mem->code_lo;
  if (hi > mem->code_hi) hi = mem->code_hi;
  if (lo >= hi) return;
  for (uint64_t p = lo & ~(uint64_t)(CRV_PAGE_SIZE - 1); p < hi; p += CRV_PAGE_SIZE) decode_page(&c, p);
  crv_perms_sync(mem, lo, hi); /* the fast-store bits follow CRV_PERM_NOCODE */
}

void crv_decode_lazy(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t lo, uint64_t hi) {
  if (!mem || !mem->code || !costs) return;
  rv_ent *const code = (rv_ent *)mem->code;
  const uint64_t slots = code_slots(mem);
  code[slots] = fetch_fault_ent(); /* the end sentinel */
  memset(&code[slots + 1], 0, sizeof code[slots + 1]); /* the header: crv_run refills the handlers */
  if (!code_range_ok(mem)) return;
  const dctx c = {mem, costs, xlen == 32 ? 32u : 64u};
  if (lo < mem->code_lo) lo = mem->code_lo;
  if (hi > mem->code_hi) hi = mem->code_hi;
  if (lo >= hi) return;
  for (uint64_t p = lo & ~(uint64_t)(CRV_PAGE_SIZE - 1); p < hi; p += CRV_PAGE_SIZE) {
    if (p >= mem->size) {
      decode_page(&c, p);
      continue;
    }
    uint8_t *perm = &mem->perms[p >> CRV_PAGE_SHIFT];
    *perm = (uint8_t)((*perm & ~(CRV_PERM_NOCODE | CRV_PERM_NOCODE_RAN)) | CRV_PERM_LAZY);
  }
  crv_perms_sync(mem, lo, hi); /* CRV_PERM_NOCODE was cleared */
}

void crv__decode_page(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t page) {
  const dctx c = {mem, costs, xlen == 32 ? 32u : 64u};
  decode_page(&c, page);
  crv_perms_sync(mem, page, page + CRV_PAGE_SIZE);
}

void crv__redecode_bytes(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t addr,
                         uint64_t n) {
  if (!code_range_ok(mem)) return;
  const dctx c = {mem, costs, xlen == 32 ? 32u : 64u};
  uint64_t lo = addr & ~(uint64_t)3, hi = addr + n;
  if (lo < mem->code_lo) lo = mem->code_lo;
  if (hi > mem->code_hi) hi = mem->code_hi;
  while (lo < hi) {
    const uint64_t page = lo & ~(uint64_t)(CRV_PAGE_SIZE - 1);
    uint64_t end = page + CRV_PAGE_SIZE;
    if (end > hi) end = hi;
    rv_ent *base = (rv_ent *)mem->code + ((page - mem->code_lo) >> 2);
    /* A page not decoded yet is decoded whole, from its bytes as they are, when it first runs:
       decoding some of its slots now would leave blocks of zero slots behind them. */
    if (page < mem->size && (mem->perms[page >> CRV_PAGE_SHIFT] & CRV_PERM_LAZY)) {
      lo = page + CRV_PAGE_SIZE;
      continue;
    }
    const int x = page_executable(mem, page);
    const int first = (int)((lo - page) >> 2), last = (int)((end - 1 - page) >> 2);
    for (int i = first; i <= last; i++) decode_slot(&c, page + 4u * (uint64_t)i, x, &base[i]);
    fix_suffix(costs, base, first, last);
    /* An instruction on a CRV_PERM_NOCODE page: stores must re-decode again from now on. */
    uint8_t *perm = page < mem->size ? &mem->perms[page >> CRV_PAGE_SHIFT] : NULL;
    if (perm && (*perm & CRV_PERM_NOCODE) && has_instruction(base, first, last)) {
      *perm = (uint8_t)(*perm & ~CRV_PERM_NOCODE);
      crv_perms_sync(mem, page, page + CRV_PAGE_SIZE);
    }
    lo = page + CRV_PAGE_SIZE;
  }
}

/* ---- disassembler ---- */

static const char *const abi_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

typedef struct sbuf {
  char *p;
  size_t cap, len; /* len counts every character produced, even past cap */
} sbuf;

static void put_c(sbuf *b, char ch) {
  if (b->cap && b->len + 1 < b->cap) b->p[b->len] = ch;
  b->len++;
}
static void put_s(sbuf *b, const char *s) {
  while (*s) put_c(b, *s++);
}
static void put_hex_w(sbuf *b, uint64_t v, int min_digits) {
  char tmp[17];
  int n = 0;
  do { tmp[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v || n < min_digits);
  put_s(b, "0x");
  while (n) put_c(b, tmp[--n]);
}
static void put_hex(sbuf *b, uint64_t v) { put_hex_w(b, v, 1); }
static void put_dec(sbuf *b, int64_t v) {
  char tmp[21];
  int n = 0;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
  if (v < 0) put_c(b, '-');
  while (n) put_c(b, tmp[--n]);
}
static void put_reg(sbuf *b, uint32_t r) { put_s(b, abi_names[r & 31]); }
static void put_sep(sbuf *b) { put_s(b, ", "); }
/* The counters by name; their high halves only on RV32, where they exist (llvm-objdump's
   choice: on RV64 they are plain numbers, and reading them is illegal). */
static void put_csr(sbuf *b, uint32_t csr, uint32_t xlen) {
  switch (csr) {
  case 0xC00: put_s(b, "cycle"); break;
  case 0xC01: put_s(b, "time"); break;
  case 0xC02: put_s(b, "instret"); break;
  case 0xC80: if (xlen == 32) { put_s(b, "cycleh"); break; } put_hex(b, csr); break;
  case 0xC81: if (xlen == 32) { put_s(b, "timeh"); break; } put_hex(b, csr); break;
  case 0xC82: if (xlen == 32) { put_s(b, "instreth"); break; } put_hex(b, csr); break;
  default: put_hex(b, csr); break;
  }
}
static void put_fence_set(sbuf *b, uint32_t s) {
  if (!s) { put_c(b, '0'); return; }
  if (s & 8) put_c(b, 'i');
  if (s & 4) put_c(b, 'o');
  if (s & 2) put_c(b, 'r');
  if (s & 1) put_c(b, 'w');
}

size_t crv_disasm(uint32_t insn, uint64_t pc, uint32_t xlen, char *out, size_t cap) {
  sbuf b = {out, out ? cap : 0, 0};
  rv_dec d;
  xlen = xlen == 32 ? 32 : 64;
  crv__decode_word(insn, xlen, &d);
  const uint64_t mask = xlen == 32 ? 0xffffffffu : ~(uint64_t)0;
  /* FENCE with fm = 1000 and rw, rw is FENCE.TSO; other fm values and nonzero rs1 / rd of a
     FENCE, and nonzero imm / rs1 / rd of a FENCE.I, are reserved: they run as the plain
     instruction (the spec asks base implementations to ignore them), which the listing says
     rather than hiding the bits (reassembling it would give another word). */
  const int reserved = (d.op == OP_FENCE && (insn & 0xf00f8f80u) != 0 && insn != 0x8330000fu)
                       || (d.op == OP_FENCE_I && insn != 0x0000100fu);
  if (d.op == OP_ILLEGAL) {
    put_s(&b, "unknown ");
    put_hex_w(&b, insn, 8);
  } else if (insn == 0x8330000fu) {
    put_s(&b, "fence.tso");
  } else if (insn == 0xc0001073u) {
    /* csrrw zero, cycle, zero: the ISA manual's canonical UNIMP (a write to a read-only CSR,
       illegal when run), which llvm-objdump prints as `unimp` under -M no-aliases too. */
    put_s(&b, "unimp");
  } else {
    put_s(&b, crv__op_name[d.op]);
    switch (crv__op_format[d.op]) {
    case FMT_R:
      put_c(&b, ' '); put_reg(&b, d.rd); put_sep(&b); put_reg(&b, d.rs1); put_sep(&b); put_reg(&b, d.rs2);
      break;
    case FMT_I:
    case FMT_SH:
      put_c(&b, ' '); put_reg(&b, d.rd); put_sep(&b); put_reg(&b, d.rs1); put_sep(&b); put_dec(&b, d.imm);
      break;
    case FMT_LD:
    case FMT_JR:
      put_c(&b, ' '); put_reg(&b, d.rd); put_sep(&b); put_dec(&b, d.imm);
      put_c(&b, '('); put_reg(&b, d.rs1); put_c(&b, ')');
      break;
    case FMT_ST:
      put_c(&b, ' '); put_reg(&b, d.rs2); put_sep(&b); put_dec(&b, d.imm);
      put_c(&b, '('); put_reg(&b, d.rs1); put_c(&b, ')');
      break;
    case FMT_B:
      put_c(&b, ' '); put_reg(&b, d.rs1); put_sep(&b); put_reg(&b, d.rs2); put_sep(&b);
      put_hex(&b, (pc + (uint64_t)d.imm) & mask);
      break;
    case FMT_J:
      put_c(&b, ' '); put_reg(&b, d.rd); put_sep(&b); put_hex(&b, (pc + (uint64_t)d.imm) & mask);
      break;
    case FMT_U:
      put_c(&b, ' '); put_reg(&b, d.rd); put_sep(&b); put_hex(&b, ((uint64_t)d.imm >> 12) & 0xfffff);
      break;
    case FMT_CSR:
      put_c(&b, ' '); put_reg(&b, d.rd); put_sep(&b); put_csr(&b, (uint32_t)d.imm, xlen); put_sep(&b);
      put_reg(&b, d.rs1);
      break;
    case FMT_CSRI:
      put_c(&b, ' '); put_reg(&b, d.rd); put_sep(&b); put_csr(&b, (uint32_t)d.imm, xlen); put_sep(&b);
      put_dec(&b, d.rs1);
      break;
    case FMT_FENCE:
      put_c(&b, ' '); put_fence_set(&b, ((uint32_t)d.imm >> 4) & 15); put_sep(&b);
      put_fence_set(&b, (uint32_t)d.imm & 15);
      break;
    default: break;
    }
    if (reserved) put_s(&b, "  # reserved fields set (ignored when run)");
  }
  if (b.cap) b.p[b.len < b.cap ? b.len : b.cap - 1] = 0;
  return b.len < b.cap ? b.len : (b.cap ? b.cap - 1 : 0);
}
