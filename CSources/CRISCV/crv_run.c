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
  if (!code) return MEM_OK;
  crv__redecode_bytes(mem, costs, xlen, a, n, tbl);
  return MEM_CODE;
}

/* Write the fall-through handler of every slot (the handler of its op, or page_enter for the
   first slot of a page) and tag the code buffer with the table that wrote them. */
static CRV_NOINLINE void fill_handlers(rv_ent *code, uint64_t nslots, const void *const *tbl) {
  for (uint64_t i = 0; i <= nslots; i++)
    code[i].h = (i & (CRV_PAGE_SIZE / 4 - 1)) == 0 ? tbl[OP_PAGE_ENTER] : tbl[code[i].op];
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
     fall-through handler of a page's first slot, which starts a new block. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
  static const void *const tbl[256] = {
      [0 ... 255] = &&L_FETCH_FAULT,
#define RV_INSN(id, name, fmt, cls, flags) [OP_##id] = &&L_##id,
#include "rv_insns.def"
#undef RV_INSN
      [OP_PAGE_ENTER] = &&block_enter,
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
#define JUMP_TO(t)                                                                                 \
  do {                                                                                             \
    const uint64_t o_ = (t)-code_lo;                                                               \
    if (CRV_UNLIKELY(o_ >= code_len)) { pc = (t); goto fetch_fault_pc; }                           \
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

  /* ---------------- handlers ---------------- */
L_NOP:
L_FENCE:
  NEXT;
L_LUI:
  RD = UIMM;
  NEXT;
L_AUIPC:
  RD = PC_OF(ip) + UIMM;
  NEXT;
L_AUIPC32:
  RD = sext32(PC_OF(ip) + UIMM);
  NEXT;
L_LI:
  RD = UIMM;
  NEXT;
L_MV:
  RD = RS1;
  NEXT;
L_ADDI_SELF:
  RD += UIMM;
  NEXT;

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
  uint64_t here = PC_OF(ip), t = here + UIMM;
  if (rv32) t &= 0xffffffffu;
  if (t & 3) { pc = here; cpu->trap_value = t; goto trap_misaligned; }
  RD = rv32 ? sext32(here + 4) : here + 4;
  JUMP_TO(t);
}
L_JALR: {
  const uint64_t here = PC_OF(ip), t = (RS1 + UIMM) & ~(uint64_t)1;
  if (CRV_UNLIKELY(t & 3)) { pc = here; cpu->trap_value = t; goto trap_misaligned; }
  RD = here + 4;
  JUMP_TO(t);
}
L_JALR32: {
  const uint64_t here = PC_OF(ip), t = (uint32_t)(RS1 + UIMM) & ~(uint64_t)1;
  if (CRV_UNLIKELY(t & 3)) { pc = here; cpu->trap_value = t; goto trap_misaligned; }
  RD = sext32(here + 4);
  JUMP_TO(t);
}
#define BRANCH(cond) do { ip = JUMP_REL(ip, (cond) ? (int64_t)ip->imm : (int64_t)sizeof(rv_ent)); ENTER_BLOCK; } while (0)
L_BEQ: BRANCH(RS1 == RS2);
L_BNE: BRANCH(RS1 != RS2);
L_BLT: BRANCH((int64_t)RS1 < (int64_t)RS2);
L_BGE: BRANCH((int64_t)RS1 >= (int64_t)RS2);
L_BLTU: BRANCH(RS1 < RS2);
L_BGEU: BRANCH(RS1 >= RS2);
L_BNEZ: BRANCH(RS1 != 0);
L_BEQZ: BRANCH(RS1 == 0);
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
  uint64_t here = PC_OF(ip), t = here + UIMM;
  if (rv32) t &= 0xffffffffu;
  if (t & 3) { pc = here; cpu->trap_value = t; goto trap_misaligned; }
  JUMP_TO(t);
}

  /* loads: inline when inside one page, in range and readable */
#define LOAD(T, N, ADDR, CONV)                                                                     \
  do {                                                                                             \
    const uint64_t a_ = (ADDR);                                                                    \
    if (CRV_LIKELY(a_ < fast_lim && (perms[a_ >> CRV_PAGE_SHIFT] & CRV_PERM_FAST_R))) {             \
      T v_;                                                                                        \
      memcpy(&v_, data + a_, (N));                                                                 \
      RD = CONV(v_);                                                                               \
      NEXT;                                                                                        \
    }                                                                                              \
    uint64_t w_;                                                                                   \
    if (CRV_UNLIKELY(load_slow(mem, a_, (N), &w_) != MEM_OK)) {                                    \
      cpu->trap_value = a_;                                                                        \
      goto trap_load;                                                                              \
    }                                                                                              \
    RD = CONV((T)w_);                                                                              \
    NEXT;                                                                                          \
  } while (0)
#define A64 (RS1 + UIMM)
#define A32 ((uint64_t)(uint32_t)(RS1 + UIMM))
#define S8(v) ((uint64_t)(int64_t)(v))
#define Z(v) ((uint64_t)(v))
L_LB: LOAD(int8_t, 1, A64, S8);
L_LH: LOAD(int16_t, 2, A64, S8);
L_LW: LOAD(int32_t, 4, A64, S8);
L_LD: LOAD(uint64_t, 8, A64, Z);
L_LBU: LOAD(uint8_t, 1, A64, Z);
L_LHU: LOAD(uint16_t, 2, A64, Z);
L_LWU: LOAD(uint32_t, 4, A64, Z);
L_LB32: LOAD(int8_t, 1, A32, S8);
L_LH32: LOAD(int16_t, 2, A32, S8);
L_LW32: LOAD(int32_t, 4, A32, S8);
L_LBU32: LOAD(uint8_t, 1, A32, Z);
L_LHU32: LOAD(uint16_t, 2, A32, Z);

  /* stores: inline when the page (and the next) is writable and not executable */
#define STORE(T, N, ADDR)                                                                          \
  do {                                                                                             \
    const uint64_t a_ = (ADDR);                                                                    \
    const T v_ = (T)RS2;                                                                           \
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
L_SB: STORE(uint8_t, 1, A64);
L_SH: STORE(uint16_t, 2, A64);
L_SW: STORE(uint32_t, 4, A64);
L_SD: STORE(uint64_t, 8, A64);
L_SB32: STORE(uint8_t, 1, A32);
L_SH32: STORE(uint16_t, 2, A32);
L_SW32: STORE(uint32_t, 4, A32);

  /* OP-IMM */
L_ADDI: RD = RS1 + UIMM; NEXT;
L_SLTI: RD = (int64_t)RS1 < IMM; NEXT;
L_SLTIU: RD = RS1 < UIMM; NEXT;
L_XORI: RD = RS1 ^ UIMM; NEXT;
L_ORI: RD = RS1 | UIMM; NEXT;
L_ANDI: RD = RS1 & UIMM; NEXT;
L_SLLI: RD = RS1 << (ip->imm & 63); NEXT;
L_SRLI: RD = RS1 >> (ip->imm & 63); NEXT;
L_SRAI: RD = (uint64_t)((int64_t)RS1 >> (ip->imm & 63)); NEXT;
  /* OP */
L_ADD: RD = RS1 + RS2; NEXT;
L_SUB: RD = RS1 - RS2; NEXT;
L_SLL: RD = RS1 << (RS2 & 63); NEXT;
L_SLT: RD = (int64_t)RS1 < (int64_t)RS2; NEXT;
L_SLTU: RD = RS1 < RS2; NEXT;
L_XOR: RD = RS1 ^ RS2; NEXT;
L_SRL: RD = RS1 >> (RS2 & 63); NEXT;
L_SRA: RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63)); NEXT;
L_OR: RD = RS1 | RS2; NEXT;
L_AND: RD = RS1 & RS2; NEXT;
  /* *W forms (also RV32 arithmetic) */
L_ADDIW: RD = sext32(RS1 + UIMM); NEXT;
L_SLLIW: RD = sext32((uint32_t)RS1 << (ip->imm & 31)); NEXT;
L_SRLIW: RD = sext32((uint32_t)RS1 >> (ip->imm & 31)); NEXT;
L_SRAIW: RD = (uint64_t)(int64_t)((int32_t)(uint32_t)RS1 >> (ip->imm & 31)); NEXT;
L_ADDW: RD = sext32(RS1 + RS2); NEXT;
L_SUBW: RD = sext32(RS1 - RS2); NEXT;
L_SLLW: RD = sext32((uint32_t)RS1 << (RS2 & 31)); NEXT;
L_SRLW: RD = sext32((uint32_t)RS1 >> (RS2 & 31)); NEXT;
L_SRAW: RD = (uint64_t)(int64_t)((int32_t)(uint32_t)RS1 >> (RS2 & 31)); NEXT;
  /* M */
L_MUL: RD = RS1 * RS2; NEXT;
L_MULH: RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)(int64_t)RS2) >> 64); NEXT;
L_MULHSU: RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)RS2) >> 64); NEXT;
L_MULHU: RD = (uint64_t)(((unsigned __int128)RS1 * (unsigned __int128)RS2) >> 64); NEXT;
L_MULW: RD = sext32((uint32_t)RS1 * (uint32_t)RS2); NEXT;
L_MULH32: RD = sext32((uint64_t)(((int64_t)(int32_t)RS1 * (int64_t)(int32_t)RS2) >> 32)); NEXT;
L_MULHSU32: RD = sext32((uint64_t)(((int64_t)(int32_t)RS1 * (int64_t)(uint32_t)RS2) >> 32)); NEXT;
L_MULHU32: RD = sext32(((uint64_t)(uint32_t)RS1 * (uint32_t)RS2) >> 32); NEXT;
L_DIV: {
  const int64_t a = (int64_t)RS1, b = (int64_t)RS2;
  RD = b == 0 ? ~(uint64_t)0 : (a == INT64_MIN && b == -1) ? (uint64_t)a : (uint64_t)(a / b);
  NEXT;
}
L_DIVU: {
  const uint64_t a = RS1, b = RS2;
  RD = b == 0 ? ~(uint64_t)0 : a / b;
  NEXT;
}
L_REM: {
  const int64_t a = (int64_t)RS1, b = (int64_t)RS2;
  RD = b == 0 ? (uint64_t)a : (a == INT64_MIN && b == -1) ? 0 : (uint64_t)(a % b);
  NEXT;
}
L_REMU: {
  const uint64_t a = RS1, b = RS2;
  RD = b == 0 ? a : a % b;
  NEXT;
}
L_DIVW: {
  const int32_t a = (int32_t)(uint32_t)RS1, b = (int32_t)(uint32_t)RS2;
  RD = b == 0 ? ~(uint64_t)0 : (a == INT32_MIN && b == -1) ? sext32((uint32_t)a) : (uint64_t)(int64_t)(a / b);
  NEXT;
}
L_DIVUW: {
  const uint32_t a = (uint32_t)RS1, b = (uint32_t)RS2;
  RD = b == 0 ? ~(uint64_t)0 : sext32(a / b);
  NEXT;
}
L_REMW: {
  const int32_t a = (int32_t)(uint32_t)RS1, b = (int32_t)(uint32_t)RS2;
  RD = b == 0 ? (uint64_t)(int64_t)a : (a == INT32_MIN && b == -1) ? 0 : (uint64_t)(int64_t)(a % b);
  NEXT;
}
L_REMUW: {
  const uint32_t a = (uint32_t)RS1, b = (uint32_t)RS2;
  RD = b == 0 ? sext32(a) : sext32(a % b);
  NEXT;
}

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
