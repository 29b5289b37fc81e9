/* CRISCV interpreter loop: direct-threaded dispatch (computed goto) over the pre-decoded slots.
 *
 * State kept in locals while running: ip (current slot; pc is derived from it), budget,
 * instret and the register file R[33] (R[32] is the sink for rd = x0).
 *   - Every control transfer ends in ENTER_BLOCK, which charges the whole block from the
 *     target slot to its end (the target's suffix sums) and jumps to the target's handler.
 *   - Inside a block, each handler falls through with `goto *(++ip)->h`. The first slot of a
 *     page has h = block_enter (blocks never cross pages).
 *   - When the budget cannot pay for a whole block, slow_enter pays for the longest prefix it
 *     can and points the h of the first unpaid slot at L_BUDGET_STOP for the rest of the run
 *     (restored on every exit), so the run stops exactly there.
 *
 * RV32 harts: registers are held sign-extended from bit 31 inside this function (copied in and
 * out as zero-extended values), so RV32 arithmetic runs as the RV64 *W ops.
 */
#include "crv_internal.h"

static void fill_range(rv_ent *code, uint64_t lo, uint64_t hi, const void *const *tbl);

/* Result of a slow-path memory access. */
enum { MEM_OK = 0, MEM_FAULT = -1, MEM_CODE = 1 };

static inline uint64_t sext32(uint64_t v) { return (uint64_t)(int64_t)(int32_t)(uint32_t)v; }

static int range_ok(const crv_memory *mem, uint64_t a, uint64_t n, uint8_t need) {
  if (mem->size < n || a > mem->size - n) return 0;
  const uint64_t p0 = a >> CRV_PAGE_SHIFT, p1 = (a + n - 1) >> CRV_PAGE_SHIFT;
  for (uint64_t p = p0; p <= p1; p++)
    if ((mem->perms[p] & need) != need) return 0; /* need is a CRV_PERM_R/W/X mask */
  return 1;
}

/* Loads that the inline path did not take: straddling a page, near the end, or faulting. */
static CRV_NOINLINE int load_slow(const crv_memory *mem, uint64_t a, uint64_t n, uint64_t *out) {
  if (!range_ok(mem, a, n, CRV_PERM_R)) return MEM_FAULT;
  uint64_t v = 0; /* little-endian assembly, byte by byte (no libc call) */
  for (uint64_t i = 0; i < n; i++) v |= (uint64_t)mem->data[a + i] << (8 * i);
  *out = v;
  return MEM_OK;
}

/* Stores that the inline path did not take. Returns MEM_CODE when the store changed bytes of an
   executable page inside the code range (which is then re-decoded). */
static CRV_NOINLINE int store_slow(crv_memory *mem, const crv_costs *costs, uint32_t xlen,
                                   uint64_t a, uint64_t n, uint64_t v, const void *const *tbl) {
  if (!range_ok(mem, a, n, CRV_PERM_W)) return MEM_FAULT;
  uint8_t *dst = mem->data + a;
  int changed = 0;
  for (uint64_t i = 0; i < n; i++) {
    const uint8_t b = (uint8_t)(v >> (8 * i));
    changed |= dst[i] != b;
    dst[i] = b;
  }
  if (!changed) return MEM_OK; /* same bytes: the decoded code is still right */
  const uint64_t p0 = a >> CRV_PAGE_SHIFT, p1 = (a + n - 1) >> CRV_PAGE_SHIFT;
  int code = 0;
  for (uint64_t p = p0; p <= p1; p++) {
    const uint64_t pa = p << CRV_PAGE_SHIFT;
    if ((mem->perms[p] & CRV_PERM_X) && pa >= mem->code_lo && pa < mem->code_hi) code = 1;
  }
  /* A malformed code range runs as "no code" (see crv_run): nothing to re-decode. */
  if (!code || mem->code_hi <= mem->code_lo || ((mem->code_lo | mem->code_hi) & (CRV_PAGE_SIZE - 1)))
    return MEM_OK;
  crv__redecode_bytes(mem, costs, xlen, a, n);
  /* the handlers of the re-decoded slots and of the slot after them (it may forward) */
  const uint64_t nslots = (mem->code_hi - mem->code_lo) >> 2;
  const uint64_t lo = a < mem->code_lo ? 0 : (a - mem->code_lo) >> 2;
  uint64_t hi = ((a + n - 1 - mem->code_lo) >> 2) + 1;
  if (hi > nslots) hi = nslots;
  if (lo <= hi) fill_range((rv_ent *)mem->code, lo, hi, tbl);
  return MEM_CODE;
}

/* Ops that have forwarding variants: A(id) for rs1 only, AB(id) for rs1 and rs2. */
#define CRV_FWD_OPS(A, AB)                                                                         \
  A(MV) A(ADDI_SELF) A(ADDI) A(SLTI) A(SLTIU) A(XORI) A(ORI) A(ANDI) A(SLLI) A(SRLI) A(SRAI)       \
  A(ADDIW) A(SLLIW) A(SRLIW) A(SRAIW) A(BNEZ) A(BEQZ)                                              \
  A(LB) A(LH) A(LW) A(LD) A(LBU) A(LHU) A(LWU) A(LB32) A(LH32) A(LW32) A(LBU32) A(LHU32)           \
  AB(BEQ) AB(BNE) AB(BLT) AB(BGE) AB(BLTU) AB(BGEU)                                                \
  AB(SB) AB(SH) AB(SW) AB(SD) AB(SB32) AB(SH32) AB(SW32)                                           \
  AB(ADD) AB(SUB) AB(SLL) AB(SLT) AB(SLTU) AB(XOR) AB(SRL) AB(SRA) AB(OR) AB(AND)                  \
  AB(ADDW) AB(SUBW) AB(SLLW) AB(SRLW) AB(SRAW)                                                     \
  AB(MUL) AB(MULH) AB(MULHSU) AB(MULHU) AB(MULW) AB(MULH32) AB(MULHSU32) AB(MULHU32)               \
  AB(DIV) AB(DIVU) AB(REM) AB(REMU) AB(DIVW) AB(DIVUW) AB(REMW) AB(REMUW)

/* Ops whose handler leaves the value it wrote to rd in t when it falls through. */
#define CRV_PRODUCER_OPS(X)                                                                        \
  X(LUI) X(LI) X(AUIPC) X(AUIPC32) CRV_FWD_OPS(X, X)
static const uint8_t producer[256] = {
#define P(id) [OP_##id] = 1,
    CRV_PRODUCER_OPS(P)
#undef P
};
/* (CRV_FWD_OPS also lists branches and stores, which write no rd and leave t alone:
   slot_handler skips them by class) */

/* The fall-through handler of slot i. */
static inline const void *slot_handler(const void *const *tbl, const rv_ent *code, uint64_t i) {
  const rv_ent *e = &code[i];
  if ((i & (CRV_PAGE_SIZE / 4 - 1)) == 0) return tbl[OP_PAGE_ENTER];
  const rv_ent *p = e - 1;
  const unsigned cls = crv__op_class[p->op];
  if (producer[p->op] && cls != CLS_BRANCH && cls != CLS_STORE && p->rd != 32) {
    if (e->rs1 == p->rd && tbl[256 + e->op]) return tbl[256 + e->op];
    if (e->rs2 == p->rd && tbl[512 + e->op]) return tbl[512 + e->op];
  }
  return tbl[e->op];
}

/* Write the fall-through handlers of slots [lo, hi] (hi <= nslots, the sentinel). */
static void fill_range(rv_ent *code, uint64_t lo, uint64_t hi, const void *const *tbl) {
  for (uint64_t i = lo; i <= hi; i++) code[i].h = slot_handler(tbl, code, i);
}

/* Write every fall-through handler and tag the code buffer with the table that wrote them. */
static CRV_NOINLINE void fill_handlers(rv_ent *code, uint64_t nslots, const void *const *tbl) {
  fill_range(code, 0, nslots, tbl);
  code[nslots + 1].h = (const void *)tbl;
}

/* Fast-access bits of one page: loads or stores of up to 8 bytes that start in the page may
   take the inline path when both the page and the next one allow them. */
static inline uint8_t fast_bits(const crv_memory *mem, uint64_t p, uint64_t npages) {
  /* The last page has no next one: crv_run's fast_lim keeps inline accesses inside it. */
  const uint8_t a = mem->perms[p] & CRV_PERM_MASK;
  const uint8_t b = p + 1 < npages ? mem->perms[p + 1] & CRV_PERM_MASK : a;
  uint8_t f = 0;
  if ((a & CRV_PERM_R) && (b & CRV_PERM_R)) f |= CRV_PERM_FAST_R;
  if ((a & (CRV_PERM_W | CRV_PERM_X)) == CRV_PERM_W && (b & (CRV_PERM_W | CRV_PERM_X)) == CRV_PERM_W)
    f |= CRV_PERM_FAST_W;
  return f;
}

void crv_perms_sync(crv_memory *mem, uint64_t lo, uint64_t hi) {
  if (!mem || !mem->perms || hi <= lo) return;
  const uint64_t npages = mem->size >> CRV_PAGE_SHIFT;
  uint64_t p0 = lo >> CRV_PAGE_SHIFT, p1 = ((hi - 1) >> CRV_PAGE_SHIFT) + 1;
  if (p0) p0--; /* the page before depends on the first one */
  if (p1 > npages) p1 = npages;
  for (uint64_t p = p0; p < p1; p++)
    mem->perms[p] = (uint8_t)((mem->perms[p] & CRV_PERM_MASK) | fast_bits(mem, p, npages));
}

static CRV_NOINLINE crv_status run_impl(crv_cpu *cpu, crv_memory *mem, const crv_costs *costs) {
  /* Jump entry: the handler of each op (unused slots trap), and at OP_PAGE_ENTER the
     fall-through handler of a page's first slot, which starts a new block. Then the
     forwarding variants (NULL where there is none): _A takes rs1 from t, _B takes rs2. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
  static const void *const tbl[3 * 256] = {
      [0 ... 255] = &&L_FETCH_FAULT,
#define RV_INSN(id, name, fmt, cls, flags) [OP_##id] = &&L_##id,
#include "rv_insns.def"
#undef RV_INSN
      [OP_PAGE_ENTER] = &&block_enter,
#define FWD_A(id) [256 + OP_##id] = &&L_##id##_A,
#define FWD_B(id) [512 + OP_##id] = &&L_##id##_B,
#define FWD_AB(id) FWD_A(id) FWD_B(id)
      CRV_FWD_OPS(FWD_A, FWD_AB)
#undef FWD_A
#undef FWD_B
#undef FWD_AB
  };
#pragma clang diagnostic pop

  const int rv32 = cpu->xlen == 32;
  uint8_t *const data = mem->data;
  const uint64_t msize = mem->size;
  /* Inline accesses (up to 8 bytes) must start below this, so that they end inside the arena
     whatever the permission bytes say. */
  const uint64_t fast_lim = msize > 7 ? msize - 7 : 0;
  const uint8_t *const perms = mem->perms;
  rv_ent *const code = (rv_ent *)mem->code;
  const uint64_t code_lo = mem->code_lo;
  const uint64_t code_len =
      (mem->code_hi >= code_lo && !((code_lo | mem->code_hi) & (CRV_PAGE_SIZE - 1)))
          ? mem->code_hi - code_lo
          : 0;
  uint64_t budget = cpu->budget;
  uint64_t instret = cpu->instret;
  uint64_t R[33];
  uint64_t t = 0; /* the value the previous slot wrote to its rd (see the handlers) */
  rv_ent *ip;
  uint64_t pc; /* only valid where set for an exit */
  crv_status status;
  /* Budget stop: when the budget cannot pay for a whole block, the slot of the first
     instruction it cannot pay for gets the handler L_BUDGET_STOP until the run returns;
     stop_cost / stop_cnt are that slot's suffix sums (what was not charged). */
  rv_ent *stop = 0;
  const void *stop_h = 0;
  uint64_t stop_cost = 0, stop_cnt = 0;

  if (code && code[code_len / 4 + 1].h != (const void *)tbl) fill_handlers(code, code_len / 4, tbl);

  for (int i = 0; i < 32; i++) R[i] = rv32 ? sext32(cpu->x[i]) : cpu->x[i];
  R[0] = 0;
  R[32] = 0;

#define PC_OF(p) (code_lo + (uint64_t)((p) - code) * 4u)
#define JUMP_REL(p, off) ((rv_ent *)(void *)((char *)(p) + (off)))
#define RD R[ip->rd]
#define RS1 R[ip->rs1]
#define RS2 R[ip->rs2]
#define IMM ((int64_t)ip->imm)
#define UIMM ((uint64_t)(int64_t)ip->imm)
#define NEXT do { ip++; goto *ip->h; } while (0)
#define ENTER_BLOCK                                                                                \
  do {                                                                                             \
    if (CRV_UNLIKELY(budget < ip->cost)) goto slow_enter;                                          \
    budget -= ip->cost;                                                                            \
    instret += ip->cnt;                                                                            \
    goto *tbl[ip->op];                                                                             \
  } while (0)
  /* Jump to a computed guest address t (already checked for alignment). */
#define JUMP_TO(target)                                                                            \
  do {                                                                                             \
    const uint64_t o_ = (target)-code_lo;                                                          \
    if (CRV_UNLIKELY(o_ >= code_len)) { pc = (target); goto fetch_fault_pc; }                      \
    ip = code + o_ / 4;                                                                            \
    ENTER_BLOCK;                                                                                   \
  } while (0)

  pc = cpu->pc;
  if (CRV_UNLIKELY(pc & 3)) {
    cpu->trap_cause = CRV_TRAP_FETCH_MISALIGNED;
    cpu->trap_value = pc;
    status = CRV_STATUS_TRAP;
    goto out;
  }
  if (CRV_UNLIKELY(pc - code_lo >= code_len || !code)) goto fetch_fault_pc;
  ip = code + (pc - code_lo) / 4;

block_enter:
  ENTER_BLOCK;

slow_enter: {
  /* The budget cannot pay for the block from ip to its end. Pay for the longest prefix it
     can, and stop at the first slot it cannot pay for (inside the block, since the block as a
     whole is unaffordable). Ops that never retire cost nothing, so a trap slot is reached. */
  rv_ent *s = ip;
  while (ip->cost - s->cost + crv__class_cost(costs, crv__op_class[s->op]) <= budget) s++;
  if (s == ip) {
    pc = PC_OF(ip);
    status = CRV_STATUS_BUDGET;
    goto out;
  }
  budget -= ip->cost - s->cost;
  instret += ip->cnt - s->cnt;
  stop = s;
  stop_h = s->h;
  stop_cost = s->cost;
  stop_cnt = s->cnt;
  s->h = &&L_BUDGET_STOP;
  goto *tbl[ip->op];
}
L_BUDGET_STOP:
  /* ip == stop: everything before it in the block retired. */
  pc = PC_OF(ip);
  status = CRV_STATUS_BUDGET;
  goto out;

  /* ---------------- handlers ----------------
     Operand forwarding: every handler that writes rd and falls through also leaves the value in
     `t`. When a slot reads the register its predecessor just wrote, its fall-through handler
     (h) is the _A variant (rs1 taken from t) or _B variant (rs2 from t), so a dependent chain
     does not wait for the register file's store to forward to the next load. Jumps always
     enter the plain handler (tbl[op]). */
#define WR(v) do { t = (v); RD = t; } while (0)
#define H_R(NAME, EXPR)                                                                            \
  L_##NAME: { const uint64_t a = RS1, b = RS2; WR(EXPR); NEXT; }                                  \
  L_##NAME##_A: { const uint64_t a = t, b = RS2; WR(EXPR); NEXT; }                                \
  L_##NAME##_B: { const uint64_t a = RS1, b = t; WR(EXPR); NEXT; }
#define H_I(NAME, EXPR)                                                                            \
  L_##NAME: { const uint64_t a = RS1; WR(EXPR); NEXT; }                                           \
  L_##NAME##_A: { const uint64_t a = t; WR(EXPR); NEXT; }
#define H_B(NAME, COND)                                                                            \
  L_##NAME: { const uint64_t a = RS1, b = RS2; BRANCH(COND); }                                    \
  L_##NAME##_A: { const uint64_t a = t, b = RS2; BRANCH(COND); }                                  \
  L_##NAME##_B: { const uint64_t a = RS1, b = t; BRANCH(COND); }
#define H_BZ(NAME, COND)                                                                           \
  L_##NAME: { const uint64_t a = RS1; BRANCH(COND); }                                             \
  L_##NAME##_A: { const uint64_t a = t; BRANCH(COND); }
#define H_LD(NAME, T, N, ADDR, CONV)                                                               \
  L_##NAME: { const uint64_t a = RS1; LOAD(T, N, ADDR, CONV); }                                   \
  L_##NAME##_A: { const uint64_t a = t; LOAD(T, N, ADDR, CONV); }
#define H_ST(NAME, T, N, ADDR)                                                                     \
  L_##NAME: { const uint64_t a = RS1, b = RS2; STORE(T, N, ADDR); }                               \
  L_##NAME##_A: { const uint64_t a = t, b = RS2; STORE(T, N, ADDR); }                             \
  L_##NAME##_B: { const uint64_t a = RS1, b = t; STORE(T, N, ADDR); }

L_NOP:
L_FENCE:
  NEXT;
L_LUI:
L_LI:
  WR(UIMM);
  NEXT;
L_AUIPC:
  WR(PC_OF(ip) + UIMM);
  NEXT;
L_AUIPC32:
  WR(sext32(PC_OF(ip) + UIMM));
  NEXT;
H_I(MV, a)
H_I(ADDI_SELF, a + UIMM)

  /* jumps and branches (targets of J/JAL/JAL32/B* are entry offsets, known to be inside) */
L_J:
  ip = JUMP_REL(ip, ip->imm);
  ENTER_BLOCK;
L_JAL:
  RD = PC_OF(ip) + 4;
  ip = JUMP_REL(ip, ip->imm);
  ENTER_BLOCK;
L_JAL32:
  RD = sext32(PC_OF(ip) + 4);
  ip = JUMP_REL(ip, ip->imm);
  ENTER_BLOCK;
L_JAL_GEN: {
  uint64_t here = PC_OF(ip), tg = here + UIMM;
  if (rv32) tg &= 0xffffffffu;
  if (tg & 3) { pc = here; cpu->trap_value = tg; goto trap_misaligned; }
  RD = rv32 ? sext32(here + 4) : here + 4;
  JUMP_TO(tg);
}
L_JALR: {
  const uint64_t here = PC_OF(ip), tg = (RS1 + UIMM) & ~(uint64_t)1;
  if (CRV_UNLIKELY(tg & 3)) { pc = here; cpu->trap_value = tg; goto trap_misaligned; }
  RD = here + 4;
  JUMP_TO(tg);
}
L_JALR32: {
  const uint64_t here = PC_OF(ip), tg = (uint32_t)(RS1 + UIMM) & ~(uint64_t)1;
  if (CRV_UNLIKELY(tg & 3)) { pc = here; cpu->trap_value = tg; goto trap_misaligned; }
  RD = sext32(here + 4);
  JUMP_TO(tg);
}
#define BRANCH(cond) do { ip = JUMP_REL(ip, (cond) ? (int64_t)ip->imm : (int64_t)sizeof(rv_ent)); ENTER_BLOCK; } while (0)
H_B(BEQ, a == b)
H_B(BNE, a != b)
H_B(BLT, (int64_t)a < (int64_t)b)
H_B(BGE, (int64_t)a >= (int64_t)b)
H_B(BLTU, a < b)
H_B(BGEU, a >= b)
H_BZ(BNEZ, a != 0)
H_BZ(BEQZ, a == 0)
L_BR_GEN: {
  const uint64_t a = RS1, b = RS2;
  int taken;
  switch (ip->rd) {
  case 0: taken = a == b; break;
  case 1: taken = a != b; break;
  case 4: taken = (int64_t)a < (int64_t)b; break;
  case 5: taken = (int64_t)a >= (int64_t)b; break;
  case 6: taken = a < b; break;
  default: taken = a >= b; break;
  }
  if (!taken) { ip++; ENTER_BLOCK; }
  uint64_t here = PC_OF(ip), tg = here + UIMM;
  if (rv32) tg &= 0xffffffffu;
  if (tg & 3) { pc = here; cpu->trap_value = tg; goto trap_misaligned; }
  JUMP_TO(tg);
}

  /* loads: inline when the page (and the next) is readable */
#define LOAD(T, N, ADDR, CONV)                                                                     \
  do {                                                                                             \
    const uint64_t a_ = (ADDR);                                                                    \
    if (CRV_LIKELY(a_ < fast_lim && (perms[a_ >> CRV_PAGE_SHIFT] & CRV_PERM_FAST_R))) {             \
      T v_;                                                                                        \
      memcpy(&v_, data + a_, (N));                                                                 \
      WR(CONV(v_));                                                                                \
      NEXT;                                                                                        \
    }                                                                                              \
    uint64_t w_;                                                                                   \
    if (CRV_UNLIKELY(load_slow(mem, a_, (N), &w_) != MEM_OK)) {                                    \
      cpu->trap_value = a_;                                                                        \
      goto trap_load;                                                                              \
    }                                                                                              \
    WR(CONV((T)w_));                                                                               \
    NEXT;                                                                                          \
  } while (0)
#define A64 (a + UIMM)
#define A32 ((uint64_t)(uint32_t)(a + UIMM))
#define S8(v) ((uint64_t)(int64_t)(v))
#define Z(v) ((uint64_t)(v))
H_LD(LB, int8_t, 1, A64, S8)
H_LD(LH, int16_t, 2, A64, S8)
H_LD(LW, int32_t, 4, A64, S8)
H_LD(LD, uint64_t, 8, A64, Z)
H_LD(LBU, uint8_t, 1, A64, Z)
H_LD(LHU, uint16_t, 2, A64, Z)
H_LD(LWU, uint32_t, 4, A64, Z)
H_LD(LB32, int8_t, 1, A32, S8)
H_LD(LH32, int16_t, 2, A32, S8)
H_LD(LW32, int32_t, 4, A32, S8)
H_LD(LBU32, uint8_t, 1, A32, Z)
H_LD(LHU32, uint16_t, 2, A32, Z)

  /* stores: inline when the page (and the next) is writable and not executable */
#define STORE(T, N, ADDR)                                                                          \
  do {                                                                                             \
    const uint64_t a_ = (ADDR);                                                                    \
    const T v_ = (T)b;                                                                             \
    if (CRV_LIKELY(a_ < fast_lim && (perms[a_ >> CRV_PAGE_SHIFT] & CRV_PERM_FAST_W))) {             \
      memcpy(data + a_, &v_, (N));                                                                 \
      NEXT;                                                                                        \
    }                                                                                              \
    const uint64_t mc_ = ip->cost, mn_ = ip->cnt; /* before a re-decode rewrites this entry */     \
    if (stop) stop->h = stop_h; /* the re-decode may rewrite the stop slot */                     \
    const int r_ = store_slow(mem, costs, rv32 ? 32u : 64u, a_, (N), (uint64_t)v_, tbl);           \
    if (CRV_LIKELY(r_ == MEM_OK)) {                                                                \
      if (stop) stop->h = &&L_BUDGET_STOP;                                                         \
      NEXT;                                                                                        \
    }                                                                                              \
    stop = 0;                                                                                      \
    if (r_ == MEM_FAULT) {                                                                         \
      cpu->trap_value = a_;                                                                        \
      goto trap_store;                                                                             \
    }                                                                                              \
    /* Code changed: end the block here and give back what the rest of it was charged for;       \
       then re-enter at the next slot with a fresh charge. */                                      \
    budget += (mc_ - stop_cost) - costs->store;                                                    \
    instret -= (mn_ - stop_cnt) - 1;                                                               \
    stop_cost = stop_cnt = 0;                                                                      \
    ip++;                                                                                          \
    goto block_enter;                                                                              \
  } while (0)
H_ST(SB, uint8_t, 1, A64)
H_ST(SH, uint16_t, 2, A64)
H_ST(SW, uint32_t, 4, A64)
H_ST(SD, uint64_t, 8, A64)
H_ST(SB32, uint8_t, 1, A32)
H_ST(SH32, uint16_t, 2, A32)
H_ST(SW32, uint32_t, 4, A32)

  /* OP-IMM */
H_I(ADDI, a + UIMM)
H_I(SLTI, (int64_t)a < IMM)
H_I(SLTIU, a < UIMM)
H_I(XORI, a ^ UIMM)
H_I(ORI, a | UIMM)
H_I(ANDI, a & UIMM)
H_I(SLLI, a << (ip->imm & 63))
H_I(SRLI, a >> (ip->imm & 63))
H_I(SRAI, (uint64_t)((int64_t)a >> (ip->imm & 63)))
  /* OP */
H_R(ADD, a + b)
H_R(SUB, a - b)
H_R(SLL, a << (b & 63))
H_R(SLT, (int64_t)a < (int64_t)b)
H_R(SLTU, a < b)
H_R(XOR, a ^ b)
H_R(SRL, a >> (b & 63))
H_R(SRA, (uint64_t)((int64_t)a >> (b & 63)))
H_R(OR, a | b)
H_R(AND, a & b)
  /* *W forms (also RV32 arithmetic) */
H_I(ADDIW, sext32(a + UIMM))
H_I(SLLIW, sext32((uint32_t)a << (ip->imm & 31)))
H_I(SRLIW, sext32((uint32_t)a >> (ip->imm & 31)))
H_I(SRAIW, (uint64_t)(int64_t)((int32_t)(uint32_t)a >> (ip->imm & 31)))
H_R(ADDW, sext32(a + b))
H_R(SUBW, sext32(a - b))
H_R(SLLW, sext32((uint32_t)a << (b & 31)))
H_R(SRLW, sext32((uint32_t)a >> (b & 31)))
H_R(SRAW, (uint64_t)(int64_t)((int32_t)(uint32_t)a >> (b & 31)))
  /* M */
H_R(MUL, a * b)
H_R(MULH, (uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64))
H_R(MULHSU, (uint64_t)(((__int128)(int64_t)a * (__int128)b) >> 64))
H_R(MULHU, (uint64_t)(((unsigned __int128)a * (unsigned __int128)b) >> 64))
H_R(MULW, sext32((uint32_t)a * (uint32_t)b))
H_R(MULH32, sext32((uint64_t)(((int64_t)(int32_t)a * (int64_t)(int32_t)b) >> 32)))
H_R(MULHSU32, sext32((uint64_t)(((int64_t)(int32_t)a * (int64_t)(uint32_t)b) >> 32)))
H_R(MULHU32, sext32(((uint64_t)(uint32_t)a * (uint32_t)b) >> 32))
H_R(DIV, (int64_t)b == 0 ? ~(uint64_t)0
         : ((int64_t)a == INT64_MIN && (int64_t)b == -1) ? a : (uint64_t)((int64_t)a / (int64_t)b))
H_R(DIVU, b == 0 ? ~(uint64_t)0 : a / b)
H_R(REM, (int64_t)b == 0 ? a : ((int64_t)a == INT64_MIN && (int64_t)b == -1) ? 0
         : (uint64_t)((int64_t)a % (int64_t)b))
H_R(REMU, b == 0 ? a : a % b)
H_R(DIVW, (int32_t)b == 0 ? ~(uint64_t)0
          : ((int32_t)a == INT32_MIN && (int32_t)b == -1) ? sext32((uint32_t)INT32_MIN)
          : (uint64_t)(int64_t)((int32_t)a / (int32_t)b))
H_R(DIVUW, (uint32_t)b == 0 ? ~(uint64_t)0 : sext32((uint32_t)a / (uint32_t)b))
H_R(REMW, (int32_t)b == 0 ? (uint64_t)(int64_t)(int32_t)a
          : ((int32_t)a == INT32_MIN && (int32_t)b == -1) ? 0
          : (uint64_t)(int64_t)((int32_t)a % (int32_t)b))
H_R(REMUW, (uint32_t)b == 0 ? sext32((uint32_t)a) : sext32((uint32_t)a % (uint32_t)b))

  /* system */
L_FENCE_I:
  /* Stores keep the decoded code fresh, so fence.i only has to end the block. */
  ip++;
  ENTER_BLOCK;
L_ECALL:
  pc = PC_OF(ip) + 4;
  status = CRV_STATUS_ECALL;
  goto out;
L_EBREAK:
  pc = PC_OF(ip) + 4;
  status = CRV_STATUS_EBREAK;
  goto out;
  /* Counters read the number of instructions retired before this one. */
L_RDCNT:
  RD = instret - 1;
  ip++;
  ENTER_BLOCK;
L_RDCNT32:
  RD = sext32(instret - 1);
  ip++;
  ENTER_BLOCK;
L_RDCNTH32:
  RD = sext32((instret - 1) >> 32);
  ip++;
  ENTER_BLOCK;
  /* Canonical CSR ops never reach the loop (the decoder turns them into RDCNT* or ILLEGAL). */
L_CSRRW:
L_CSRRS:
L_CSRRC:
L_CSRRWI:
L_CSRRSI:
L_CSRRCI:
L_ILLEGAL:
  pc = PC_OF(ip);
  cpu->trap_cause = CRV_TRAP_ILLEGAL_INSN;
  cpu->trap_insn = (uint32_t)ip->imm;
  cpu->trap_value = (uint32_t)ip->imm;
  goto trap_refund;
L_FETCH_FAULT:
  pc = PC_OF(ip);
  cpu->trap_cause = CRV_TRAP_FETCH_FAULT;
  cpu->trap_value = pc;
  goto trap_refund;

  /* ---------------- exits ---------------- */
trap_misaligned:
  cpu->trap_cause = CRV_TRAP_FETCH_MISALIGNED;
  goto trap_refund;
trap_load:
  pc = PC_OF(ip);
  cpu->trap_cause = CRV_TRAP_LOAD_FAULT;
  goto trap_refund;
trap_store:
  pc = PC_OF(ip);
  cpu->trap_cause = CRV_TRAP_STORE_FAULT;
  goto trap_refund;
trap_refund:
  /* The trapping instruction is not retired: give back the charge for it and for the rest of
     its block (up to the budget stop, if there is one). */
  budget += ip->cost - stop_cost;
  instret -= ip->cnt - stop_cnt;
  status = CRV_STATUS_TRAP;
  goto out;
fetch_fault_pc:
  /* pc is outside the code: nothing was charged for it. */
  cpu->trap_cause = CRV_TRAP_FETCH_FAULT;
  cpu->trap_value = pc;
  status = CRV_STATUS_TRAP;
  goto out;

out:
  if (stop) stop->h = stop_h;
  cpu->pc = pc;
  cpu->budget = budget;
  cpu->instret = instret;
  for (int i = 1; i < 32; i++) cpu->x[i] = rv32 ? (uint32_t)R[i] : R[i];
  cpu->x[0] = 0;
  return status;
}

crv_status crv_run(crv_cpu *cpu, crv_memory *mem, const crv_costs *costs) {
  return run_impl(cpu, mem, costs);
}
