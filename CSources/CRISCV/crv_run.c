/* CRISCV interpreter loop: direct-threaded dispatch (computed goto) over the pre-decoded slots.
 *
 * State kept in locals while running: ip (current slot; pc is derived from it), budget,
 * instret and the register file R[33] (R[32] is the sink for rd = x0).
 *   - Every control transfer ends in ENTER_BLOCK, which charges the whole block from the
 *     target slot to its end (the target's suffix sums) and jumps to the target's entry
 *     handler (tbl[eh]).
 *   - Inside a block, each handler falls through with `goto *(++ip)->h`. The first slot of a
 *     page has h = block_enter (blocks never cross pages).
 *   - Fused pairs (CRV_FUSED_PAIRS): the handlers of a slot whose op and the next slot's op
 *     form a listed pair run both instructions, one after the other, with one dispatch; the
 *     second slot keeps its own handlers for jumps into it.
 *   - When the budget cannot pay for a whole block, slow_enter pays for the longest prefix it
 *     can and points the h of the first unpaid slot at L_BUDGET_STOP for the rest of the run
 *     (restored on every exit), so the run stops exactly there; the slot before it runs
 *     unfused meanwhile, so no pair steps over the stop.
 *
 * RV32 harts: registers are held sign-extended from bit 31 inside this function (copied in and
 * out as zero-extended values), so RV32 arithmetic runs as the RV64 *W ops.
 */
#include "crv_internal.h"

/* The Swift host reads and writes registers at offset 8 * i of crv_cpu. */
_Static_assert(offsetof(crv_cpu, x) == 0, "crv_cpu.x comes first");

static void fill_range(rv_ent *code, uint64_t lo, uint64_t hi, uint64_t nslots, const void *const *tbl);
static void decode_lazy_pages(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t lo, uint64_t hi,
                              const void *const *tbl);

/* Result of a slow-path memory access. */
enum { MEM_OK = 0, MEM_FAULT = -1, MEM_CODE = 1, MEM_BUDGET = 2 };

static inline uint64_t sext32(uint64_t v) { return (uint64_t)(int64_t)(int32_t)(uint32_t)v; }

/* v, loaded as one 8-byte scalar: copies of the register file between R and cpu->x use it so
   that the compiler does not widen them into 16- to 64-byte vector loads, which stall on the
   8-byte stores that have just written those registers (the handlers, or the host between
   runs) instead of taking their values from the store buffer. */
static inline uint64_t scalar_u64(uint64_t v) {
  __asm__("" : "+r"(v));
  return v;
}
#define SCALAR(v) scalar_u64(v)

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

/* Page `p` holds decoded instructions that its bytes determine: executable, in the code range,
   and not CRV_PERM_NOCODE (whose slots re-check their words when they run). */
static inline int decoded_code_page(const crv_memory *mem, uint64_t p) {
  const uint64_t pa = p << CRV_PAGE_SHIFT;
  return (mem->perms[p] & (CRV_PERM_X | CRV_PERM_NOCODE | CRV_PERM_LAZY)) == CRV_PERM_X && pa >= mem->code_lo &&
         pa < mem->code_hi;
}

/* Stores that the inline path did not take. Returns MEM_CODE when the store changed bytes of an
   executable page inside the code range (whose changed slots are then marked stale, to be
   decoded when they next run), or MEM_BUDGET, without storing, when it would and `avail` (the
   budget left once the store itself is paid for) cannot pay costs->code_store on top: decoding
   such a slot walks back through its block, up to a page of slots, so such a store costs more
   than a plain one. */
static CRV_NOINLINE int store_slow(crv_memory *mem, const crv_costs *costs, uint32_t xlen,
                                   uint64_t a, uint64_t n, uint64_t v, const void *const *tbl,
                                   uint64_t avail) {
  if (!range_ok(mem, a, n, CRV_PERM_W)) return MEM_FAULT;
  uint8_t *dst = mem->data + a;
  int changed = 0;
  for (uint64_t i = 0; i < n; i++) changed |= dst[i] != (uint8_t)(v >> (8 * i));
  /* A page not decoded yet is decoded now, from the bytes it had all along, so that this store
     is charged and handled as with the whole range decoded up front (CRV_PERM_NOCODE included);
     so is the page after it, whose decoding decides whether stores here may take the inline
     path (CRV_PERM_FAST_W), even when this store changes nothing (a review: a written .bss page
     before one never touched kept every store on this path, half the speed of an eager decode). */
  decode_lazy_pages(mem, costs, xlen, a, a + n + CRV_PAGE_SIZE, tbl);
  if (!changed) return MEM_OK; /* same bytes: the decoded code is still right */
  const uint64_t p0 = a >> CRV_PAGE_SHIFT, p1 = (a + n - 1) >> CRV_PAGE_SHIFT;
  int code = 0;
  for (uint64_t p = p0; p <= p1; p++) code |= decoded_code_page(mem, p);
  /* A malformed code range runs as "no code" (see crv_run): nothing to re-decode. */
  if (mem->code_hi <= mem->code_lo || ((mem->code_lo | mem->code_hi) & (CRV_PAGE_SIZE - 1))) code = 0;
  if (code && avail < costs->code_store) return MEM_BUDGET;
  for (uint64_t i = 0; i < n; i++) dst[i] = (uint8_t)(v >> (8 * i));
  if (!code) return MEM_OK;
  /* Mark the changed slots of decoded code pages stale (rv_ent.stale): each is decoded from
     its bytes when it is next reached, so words that never run (data beside code in a
     read-write-execute page) are never decoded, and a store pays no walk through a block. A
     store straddling into a CRV_PERM_NOCODE page leaves that page's slots alone, as a store
     inside it does: an illegal-instruction slot there re-checks its word when it runs. */
  const uint64_t nslots = (mem->code_hi - mem->code_lo) >> 2;
  rv_ent *const slots = (rv_ent *)mem->code;
  for (uint64_t p = p0; p <= p1; p++) {
    if (!decoded_code_page(mem, p)) continue;
    const uint64_t pa = p << CRV_PAGE_SHIFT;
    const uint64_t s0 = a > pa ? a : pa, s1 = a + n < pa + CRV_PAGE_SIZE ? a + n : pa + CRV_PAGE_SIZE;
    uint64_t lo = (s0 - mem->code_lo) >> 2;
    const uint64_t hi = ((s1 - 1 - mem->code_lo) >> 2) + 1;
    int fresh = 0; /* a slot marked now (one already stale has its handlers) */
    for (uint64_t i = lo; i < hi; i++) {
      fresh |= !slots[i].stale;
      slots[i].stale = 1;
    }
    if (!fresh) continue;
    /* the handlers of the marked slots and of the slot before them (it may fuse with the
       first one) */
    if (lo) lo--;
    fill_range(slots, lo, hi - 1, nslots, tbl);
  }
  return MEM_CODE;
}

/* A CRV_PERM_NOCODE page written since its decode (stores there do not re-decode) is about to
   run: re-decode the words that changed (every slot of the page is still an illegal-instruction
   slot holding the word it was decoded from), from the last down, and rewrite their handlers
   and their neighbours'. Only the changed words: a guest that keeps writing illegal words and
   jumping to them (the page stays NOCODE) pays one code_store for a scan and a word, not for a
   whole page's decode. */
static CRV_NOINLINE void redecode_changed(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t page,
                                          const void *const *tbl) {
  rv_ent *const code = (rv_ent *)mem->code;
  const uint64_t nslots = (mem->code_hi - mem->code_lo) >> 2;
  const uint64_t first = (page - mem->code_lo) >> 2;
  mem->perms[page >> CRV_PAGE_SHIFT] |= CRV_PERM_NOCODE_RAN;
  for (int i = (int)(CRV_PAGE_SIZE / 4) - 1; i >= 0; i--) {
    rv_ent *e = &code[first + (uint64_t)i];
    uint32_t w;
    memcpy(&w, mem->data + page + 4u * (uint64_t)i, 4);
    if (e->op != OP_ILLEGAL || w == (uint32_t)e->imm) continue;
    crv__redecode_bytes(mem, costs, xlen, page + 4u * (uint64_t)i, 4);
    uint64_t lo = first + (uint64_t)i, hi = lo + 1;
    if (lo) lo--;
    if (hi > nslots) hi = nslots;
    fill_range(code, lo, hi, nslots, tbl);
  }
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

/* Producers: ops whose handler writes rd and leaves that value in t when it falls through
   (every ALU, M and load op; not branches, stores, jumps or system ops). */
#define CRV_PRODUCER_OPS(X)                                                                        \
  X(LUI) X(LI) X(AUIPC) X(AUIPC32) X(MV) X(ADDI_SELF)                                              \
  X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI)                          \
  X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW)                                                              \
  X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU) X(LB32) X(LH32) X(LW32) X(LBU32) X(LHU32)           \
  X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND)                            \
  X(ADDW) X(SUBW) X(SLLW) X(SRLW) X(SRAW)                                                          \
  X(MUL) X(MULH) X(MULHSU) X(MULHU) X(MULW) X(MULH32) X(MULHSU32) X(MULHU32)                       \
  X(DIV) X(DIVU) X(REM) X(REMU) X(DIVW) X(DIVUW) X(REMW) X(REMUW)
static const uint8_t producer[256] = {
#define P(id) [OP_##id] = 1,
    CRV_PRODUCER_OPS(P)
#undef P
};

/* Fused pairs (superinstructions): X(first, forms of first, second, forms of second). When slot
   i holds `first` and slot i + 1 (same page, so same block: `first` never ends a block) holds
   `second`, slot i's handlers run both instructions with one dispatch; slot i + 1 keeps its own
   handlers, so a jump to it runs it alone. A pair is just the two instructions run in order,
   each from its own slot (ip steps to the second before it runs, so a trap in it reports its
   own pc and gives back its own charge): no idiom-specific semantics, hence exact under any
   register aliasing. Forms are the operand-forwarding variants generated (P plain, PA also rs1
   from t, PAB also rs2 from t): the first's forward from the slot before the pair, the
   second's from the first (only when the first is a producer). The list is the most frequent
   adjacent pairs of the RISC-V benchmark mix (Benchmarks/rv, both XLENs): any two ops whose
   first does not end a block could be listed; this only picks where a dispatch is worth
   saving. */
#define CRV_FUSED_PAIRS(X) \
  X(SRLIW, PA, XOR, PAB) X(ADDW, PA, SLTU, PAB) X(ADD, PA, ADD, PAB) X(OR, PA, ADDW, PAB) \
  X(ADDIW, PA, ADDW, PAB) X(LW32, PA, LW32, PA) X(ADDI_SELF, PA, BNE, PAB) X(SLTU, PA, ADDW, PAB) \
  X(ADDW, PA, ADDIW, PA) X(ADDW, PA, ADDW, PAB) X(MUL, PA, ADD, PAB) X(ADDW, PA, SRLIW, PA) \
  X(XOR, PA, ADDW, PAB) X(XOR, PA, AND, PAB) X(XOR, PA, ADDIW, PA) X(ADDW, PA, BNE, PAB) \
  X(AND, PA, OR, PAB) X(MULW, PA, ADDW, PAB) X(ADDI_SELF, PA, ADDI_SELF, PA) X(MV, PA, MV, PA) \
  X(XOR, PA, XOR, PAB) X(SW32, PA, ADDIW, P) X(SLLI, PA, ADD, PAB) X(ADDIW, PA, BNE, PAB) \
  X(SLLIW, PA, ADDW, PAB) X(ADD, PA, SW, PAB) X(SLLIW, PA, SRLIW, PA) X(LWU, PA, LWU, PA) \
  X(SW, PA, SRLI, P) X(SRLI, PA, ADDI_SELF, PA) X(LWU, PA, MUL, PAB) X(LW32, PA, ADDIW, PA) \
  X(SRLI, PA, SLLI, PA) X(ANDI, PA, MUL, PAB) X(SUBW, PA, SUBW, PAB) X(LD, PA, ANDI, PA) \
  X(LD, PA, ADDI_SELF, PA) X(XOR, PA, SD, PAB) X(SD, PA, ADDI_SELF, P) X(LD, PA, LD, PA) \
  X(SW32, PA, SW32, P) X(MULHU32, PA, MULW, PAB) X(LW32, PA, MULHU32, PAB) X(ADDW, PA, SW32, PAB) \
  X(ADDIW, PA, LI, P) X(LI, P, BNE, PAB) X(SLTU, PA, SLTU, PAB) X(SLTU, PA, OR, PAB) \
  X(ADD, PA, BGEU, PAB) X(SB, PA, ADD, P) X(MV, PA, BEQZ, PA)
enum {
#define X(f, ff, s, sf) PAIR_##f##_##s,
  CRV_FUSED_PAIRS(X)
#undef X
  PAIR_COUNT
};
_Static_assert(PAIR_COUNT < 255, "pair numbers fit in a byte");
/* 1 + the pair number of (first, second); 0 where the two do not fuse. */
static const uint8_t pair_of[OP_COUNT][OP_COUNT] = {
#define X(f, ff, s, sf) [OP_##f][OP_##s] = PAIR_##f##_##s + 1,
    CRV_FUSED_PAIRS(X)
#undef X
};
/* Variants of a pair: PV_F_<forms of first>(M, f, s, forms of second) calls M(f, s, fv, rs1
   source, rs2 source of the first, sv, rs1 source, rs2 source of the second) for each. */
#define PV_F_P(M, f, s, sf) PV_S_##sf(M, f, s, 0, RS1, RS2)
#define PV_F_PA(M, f, s, sf) PV_S_##sf(M, f, s, 0, RS1, RS2) PV_S_##sf(M, f, s, 1, t, RS2)
#define PV_S_P(M, f, s, fv, fa, fb) M(f, s, fv, fa, fb, 0, RS1, RS2)
#define PV_S_PA(M, f, s, fv, fa, fb) PV_S_P(M, f, s, fv, fa, fb) M(f, s, fv, fa, fb, 1, t, RS2)
#define PV_S_PAB(M, f, s, fv, fa, fb) PV_S_PA(M, f, s, fv, fa, fb) M(f, s, fv, fa, fb, 2, RS1, t)

/* crv_run's handler table: [0, 256) the ops (and OP_PAGE_ENTER), [256, 512) their _A variants,
   [512, 768) their _B variants, then 9 entries per pair (first's variant * 3 + second's),
   NULL where a variant is not generated. Entry handlers (rv_ent.eh) index it too. */
#define TBL_PAIR(k, fv, sv) (768 + 9 * (k) + 3 * (fv) + (sv))
#define TBL_SIZE TBL_PAIR(PAIR_COUNT, 0, 0)
_Static_assert(TBL_SIZE <= 65535, "handler numbers fit in rv_ent.eh");

/* Which operand of e can be taken from t, written by the slot p just before it: 1 rs1, 2 rs2. */
static inline unsigned fwd_variant(const void *const *tbl, const rv_ent *p, const rv_ent *e) {
  if (!producer[p->op] || p->rd == 32) return 0;
  if (e->rs1 == p->rd && tbl[256 + e->op]) return 1;
  if (e->rs2 == p->rd && tbl[512 + e->op]) return 2;
  return 0;
}

static inline int page_first(uint64_t i) { return (i & (CRV_PAGE_SIZE / 4 - 1)) == 0; }

/* Table index of the handler that runs slot i (and slot i + 1 when the two fuse), given which
   operand of slot i is forwarded (fv). A variant that is not generated falls back to one that
   forwards less (reading the register file instead of t is always right). */
static inline unsigned slot_index(const void *const *tbl, const rv_ent *code, uint64_t i,
                                  uint64_t nslots, unsigned fv) {
  const rv_ent *e = &code[i];
  /* a stale slot runs only through its own handlers (rv_ent.stale): no pair steps into it */
  if (i + 1 < nslots && !page_first(i + 1) && e->op < OP_COUNT && code[i + 1].op < OP_COUNT && !code[i + 1].stale) {
    const unsigned k = pair_of[e->op][code[i + 1].op];
    if (k) {
      const unsigned sv = fwd_variant(tbl, e, e + 1);
      if (tbl[TBL_PAIR(k - 1, fv, sv)]) return TBL_PAIR(k - 1, fv, sv);
      if (tbl[TBL_PAIR(k - 1, fv, 0)]) return TBL_PAIR(k - 1, fv, 0);
      if (tbl[TBL_PAIR(k - 1, 0, sv)]) return TBL_PAIR(k - 1, 0, sv);
      return TBL_PAIR(k - 1, 0, 0);
    }
  }
  return fv == 1 ? 256u + e->op : fv == 2 ? 512u + e->op : e->op;
}

/* The fall-through handler of slot i without fusing it with slot i + 1 (so that a budget stop
   in slot i + 1 is reached). */
static inline const void *single_handler(const void *const *tbl, const rv_ent *code, uint64_t i) {
  if (page_first(i)) return tbl[OP_PAGE_ENTER];
  if (code[i].stale) return tbl[OP_STALE_ENTER];
  const unsigned fv = fwd_variant(tbl, &code[i - 1], &code[i]);
  return tbl[fv == 1 ? 256u + code[i].op : fv == 2 ? 512u + code[i].op : code[i].op];
}

/* Write the fall-through handler (h) and the block-entry handler (eh) of slots [lo, hi]
   (hi <= nslots, the sentinel). A page's first slot falls through to block_enter (blocks never
   cross pages); an entry never forwards (t is stale after a jump). */
static void fill_range(rv_ent *code, uint64_t lo, uint64_t hi, uint64_t nslots, const void *const *tbl) {
  for (uint64_t i = lo; i <= hi; i++) {
    rv_ent *e = &code[i];
    if (CRV_UNLIKELY(e->stale)) {
      /* entered or fallen into, it is decoded again (L_STALE); a page's first slot still
         starts a block first, as the charge L_STALE gives back assumes */
      e->eh = OP_STALE_ENTER;
      e->h = tbl[page_first(i) ? OP_PAGE_ENTER : OP_STALE_ENTER];
      continue;
    }
    const unsigned entry = slot_index(tbl, code, i, nslots, 0);
    e->eh = (uint16_t)entry;
    if (page_first(i)) {
      e->h = tbl[OP_PAGE_ENTER];
    } else {
      /* without forwarding the fall-through handler is the entry's (most slots) */
      const unsigned fv = fwd_variant(tbl, e - 1, e);
      e->h = tbl[fv ? slot_index(tbl, code, i, nslots, fv) : entry];
    }
  }
}

/* Page p (p * 1024 is its first slot) of the code range is not decoded (CRV_PERM_LAZY). */
static inline int lazy_page(const crv_memory *mem, uint64_t p) {
  const uint64_t a = mem->code_lo + (p << CRV_PAGE_SHIFT);
  return a < mem->size && (mem->perms[a >> CRV_PAGE_SHIFT] & CRV_PERM_LAZY);
}

/* Write every handler and tag the code buffer with the table that wrote them. The slots of a
   page not decoded yet stay zero (an entry there decodes it: L_LAZY), except the first slot's
   fall-through handler when the page before is decoded: its last slot may fall through. */
static CRV_NOINLINE void fill_handlers(const crv_memory *mem, rv_ent *code, uint64_t nslots, const void *const *tbl) {
  const uint64_t per = CRV_PAGE_SIZE / 4, pages = nslots / per;
  int before_lazy = 1;
  for (uint64_t p = 0; p < pages; p++) {
    const int lazy = lazy_page(mem, p);
    if (!lazy) fill_range(code, p * per, p * per + per - 1, nslots, tbl);
    else if (!before_lazy) code[p * per].h = tbl[OP_PAGE_ENTER];
    before_lazy = lazy;
  }
  fill_range(code, nslots, nslots, nslots, tbl); /* the end sentinel */
  code[nslots + 1].h = (const void *)tbl;
}

/* Decode the page holding slot i (crv_run entered one of its zero slots, or it is about to
   change) and, with a handler table (NULL: none written yet), write its handlers and the first
   slot's fall-through handler of the next page if that one is not decoded yet. */
static CRV_NOINLINE void decode_lazy_page(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t i,
                                          const void *const *tbl) {
  rv_ent *const code = (rv_ent *)mem->code;
  const uint64_t nslots = (mem->code_hi - mem->code_lo) >> 2, per = CRV_PAGE_SIZE / 4;
  const uint64_t first = i & ~(per - 1);
  crv__decode_page(mem, costs, xlen, mem->code_lo + first * 4);
  if (!tbl) return;
  fill_range(code, first, first + per - 1, nslots, tbl);
  if (first + per < nslots && lazy_page(mem, first / per + 1)) code[first + per].h = tbl[OP_PAGE_ENTER];
}

/* Decode the pages overlapping guest bytes [lo, hi) that are not decoded yet. */
static void decode_lazy_pages(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t lo, uint64_t hi,
                              const void *const *tbl) {
  if (!mem->code || mem->code_hi <= mem->code_lo || ((mem->code_lo | mem->code_hi) & (CRV_PAGE_SIZE - 1))) return;
  if (lo < mem->code_lo) lo = mem->code_lo;
  if (hi > mem->code_hi) hi = mem->code_hi;
  for (uint64_t p = lo & ~(uint64_t)(CRV_PAGE_SIZE - 1); p < hi; p += CRV_PAGE_SIZE)
    if (p < mem->size && (mem->perms[p >> CRV_PAGE_SHIFT] & CRV_PERM_LAZY))
      decode_lazy_page(mem, costs, xlen, (p - mem->code_lo) >> 2, tbl);
}

/* Decode what crv_run found at slot i: a stale slot (rv_ent.stale) from its bytes, fixing the
   suffix sums of its block and writing its handlers and its neighbours'; a zero slot (L_LAZY)
   by decoding its page. One function for both, called from one place in crv_run: a second call
   site there cost the interpreter's hot handlers two registers (perms and data spilled). */
static CRV_NOINLINE __attribute__((cold)) void decode_at(crv_memory *mem, const crv_costs *costs, uint32_t xlen,
                                                         uint64_t i, const void *const *tbl) {
  rv_ent *const code = (rv_ent *)mem->code;
  const uint64_t nslots = (mem->code_hi - mem->code_lo) >> 2;
  const uint64_t a = mem->code_lo + 4 * i;
  if (!code[i].stale || (a < mem->size && (mem->perms[a >> CRV_PAGE_SHIFT] & CRV_PERM_LAZY))) {
    decode_lazy_page(mem, costs, xlen, i, tbl); /* decodes every slot of the page */
    return;
  }
  crv__redecode_bytes(mem, costs, xlen, a, 4);
  code[i].stale = 0; /* (crv__redecode_bytes wrote a new entry: only a lazy page is skipped) */
  fill_range(code, i ? i - 1 : 0, i + 1 < nslots ? i + 1 : nslots, nslots, tbl);
}

void crv_decode_pending(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t lo, uint64_t hi) {
  if (!mem || !mem->code || !costs || hi <= lo) return;
  /* The table that wrote the handlers (NULL: none yet, crv_run writes them all on entry). */
  const uint64_t nslots = mem->code_hi > mem->code_lo ? (mem->code_hi - mem->code_lo) >> 2 : 0;
  decode_lazy_pages(mem, costs, xlen, lo, hi, (const void *const *)((rv_ent *)mem->code)[nslots + 1].h);
}

/* A page that stores may write without re-decoding anything: writable, and not executable or
   holding no instruction (CRV_PERM_NOCODE). */
static inline int data_writable(uint8_t perm) {
  return (perm & CRV_PERM_W) && (!(perm & CRV_PERM_X) || (perm & CRV_PERM_NOCODE));
}

/* Fast-access bits of one page: loads or stores of up to 8 bytes that start in the page may
   take the inline path when both the page and the next one allow them. (An access that stays
   inside its page needs only that page's permission: crv_run checks that case apart, so the
   last page of a region, whose next page does not allow the access, is not all slow path.) */
static inline uint8_t fast_bits(const crv_memory *mem, uint64_t p, uint64_t npages) {
  /* The last page has no next one: crv_run's fast_lim keeps inline accesses inside it. */
  const uint8_t a = mem->perms[p];
  const uint8_t b = p + 1 < npages ? mem->perms[p + 1] : a;
  uint8_t f = 0;
  if ((a & CRV_PERM_R) && (b & CRV_PERM_R)) f |= CRV_PERM_FAST_R;
  if (data_writable(a) && data_writable(b)) f |= CRV_PERM_FAST_W;
  return f;
}

void crv_perms_sync(crv_memory *mem, uint64_t lo, uint64_t hi) {
  if (!mem || !mem->perms || hi <= lo) return;
  const uint64_t npages = mem->size >> CRV_PAGE_SHIFT;
  uint64_t p0 = lo >> CRV_PAGE_SHIFT, p1 = ((hi - 1) >> CRV_PAGE_SHIFT) + 1;
  if (p0) p0--; /* the page before depends on the first one */
  if (p1 > npages) p1 = npages;
  for (uint64_t p = p0; p < p1; p++)
    mem->perms[p] = (uint8_t)((mem->perms[p] & (CRV_PERM_MASK | CRV_PERM_NOCODE | CRV_PERM_NOCODE_RAN | CRV_PERM_LAZY)) |
                              fast_bits(mem, p, npages));
}

static CRV_NOINLINE crv_status run_impl(crv_cpu *cpu, crv_memory *mem, const crv_costs *costs) {
  /* The handler table (layout at TBL_PAIR): the handler of each op (unused slots trap), at
     OP_PAGE_ENTER the fall-through handler of a page's first slot, which starts a new block;
     the forwarding variants (_A takes rs1 from t, _B takes rs2); the fused pairs. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
  static const void *const tbl[TBL_SIZE] = {
      [0 ... 255] = &&L_FETCH_FAULT,
#define RV_INSN(id, name, fmt, cls, flags) [OP_##id] = &&L_##id,
#include "rv_insns.def"
#undef RV_INSN
      [OP_PAGE_ENTER] = &&block_enter,
      [OP_STALE_ENTER] = &&L_STALE,
#define FWD_A(id) [256 + OP_##id] = &&L_##id##_A,
#define FWD_B(id) [512 + OP_##id] = &&L_##id##_B,
#define FWD_AB(id) FWD_A(id) FWD_B(id)
      CRV_FWD_OPS(FWD_A, FWD_AB)
#undef FWD_A
#undef FWD_B
#undef FWD_AB
#define PT(f, s, fv, fa, fb, sv, sa, sb) [TBL_PAIR(PAIR_##f##_##s, fv, sv)] = &&L_P_##f##_##s##_##fv##sv,
#define X(f, ff, s, sf) PV_F_##ff(PT, f, s, sf)
      CRV_FUSED_PAIRS(X)
#undef X
#undef PT
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
  /* The slot before the stop, when it is inside the paid prefix, runs unfused until the run
     returns (a pair would step over the stop): its handler was stop_prev_h. */
  rv_ent *stop_prev = 0;
  const void *stop_prev_h = 0;

  if (code && code[code_len / 4 + 1].h != (const void *)tbl) fill_handlers(mem, code, code_len / 4, tbl);

  for (int i = 0; i < 32; i++) R[i] = rv32 ? sext32(SCALAR(cpu->x[i])) : SCALAR(cpu->x[i]);
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
    goto *tbl[ip->eh];                                                                             \
  } while (0)
  /* Jump to a computed guest address `target` (already checked for alignment). */
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
     whole is unaffordable). Ops that never retire cost nothing, so a trap slot is reached.
     Stale slots (rv_ent.stale) keep their old word's sums. One before the stop runs its own
     handler (L_STALE) when it is reached, which gives back what was charged from it to the
     stop, takes the stop away and enters the block again there with the sums that hold. A
     stale stop is not one: the old word's price must not stop the run there. The slots
     before it are paid for and it runs its own handler (its eh), unpatched (no pair steps into
     a stale slot, slot_index), with stop_cost / stop_cnt its sums, what was not charged.
     (Written without a jump of its own: another edge here cost the hot handlers two
     registers.) */
  rv_ent *s = ip;
  while (ip->cost - s->cost + crv__class_cost(costs, crv__op_class[s->op]) <= budget) s++;
  if (s == ip && !s->stale) {
    pc = PC_OF(ip);
    status = CRV_STATUS_BUDGET;
    goto out;
  }
  budget -= ip->cost - s->cost;
  instret += ip->cnt - s->cnt;
  stop_cost = s->cost;
  stop_cnt = s->cnt;
  if (CRV_LIKELY(!s->stale)) {
    stop = s;
    stop_h = s->h;
    s->h = &&L_BUDGET_STOP;
    if (s - 1 > ip) {
      stop_prev = s - 1;
      stop_prev_h = stop_prev->h;
      stop_prev->h = single_handler(tbl, code, (uint64_t)(stop_prev - code));
    }
  }
  goto *tbl[ip->stale ? ip->eh : ip->op]; /* unfused: the stop may be the next slot */
}
L_BUDGET_STOP:
  /* ip == stop: everything before it in the block retired. */
  pc = PC_OF(ip);
  status = CRV_STATUS_BUDGET;
  goto out;

  /* ---------------- handlers ----------------
     Each op's semantics is one macro X_<op>(A, B, D, M): A and B are where its rs1 and rs2 values
     come from, D ("done") what follows when it completes without leaving the block (branches
     always leave it), M the memory path of loads and stores (FAST or FULL). The handlers are
     expansions of these:
     - Operand forwarding: every handler that writes rd and falls through also leaves the value
       in `t`. When a slot reads the register its predecessor just wrote, its fall-through
       handler (h) is the _A variant (rs1 taken from t) or _B variant (rs2 from t), so a
       dependent chain does not wait for the register file's store to forward to the next load.
       Block entries (eh) never forward.
     - Fused pairs (CRV_FUSED_PAIRS): the first op's expansion with D = step to the second
       slot and run the second op's expansion, which ends in the usual NEXT. */
#define WR(v) do { t = (v); RD = t; } while (0)
#define XK(V, DONE) { WR(V); DONE; }
#define XI(EXPR, A, DONE) { const uint64_t a = (A); WR(EXPR); DONE; }
#define XR(EXPR, A, B, DONE) { const uint64_t a = (A), b = (B); WR(EXPR); DONE; }
#define XL(T, N, ADDR, CONV, A, DONE, M) { const uint64_t a = (A); LOAD_##M(T, N, ADDR, CONV, DONE); }
#define XS(T, N, ADDR, A, B, DONE, M) { const uint64_t a = (A), b = (B); STORE_##M(T, N, ADDR, DONE); }
#define XB(COND, A, B) { const uint64_t a = (A), b = (B); BRANCH(COND); }
#define XBZ(COND, A) { const uint64_t a = (A); BRANCH(COND); }

  /* jumps and branches (targets of J/JAL/JAL32/B* are entry offsets, known to be inside) */
#define BRANCH(cond) do { ip = JUMP_REL(ip, (cond) ? (int64_t)ip->imm : (int64_t)sizeof(rv_ent)); ENTER_BLOCK; } while (0)
#define X_BEQ(A, B, D, M) XB(a == b, A, B)
#define X_BNE(A, B, D, M) XB(a != b, A, B)
#define X_BLT(A, B, D, M) XB((int64_t)a < (int64_t)b, A, B)
#define X_BGE(A, B, D, M) XB((int64_t)a >= (int64_t)b, A, B)
#define X_BLTU(A, B, D, M) XB(a < b, A, B)
#define X_BGEU(A, B, D, M) XB(a >= b, A, B)
#define X_BNEZ(A, B, D, M) XBZ(a != 0, A)
#define X_BEQZ(A, B, D, M) XBZ(a == 0, A)

  /* An access of N bytes at a_ that stays inside its page, below fast_lim: the page's own
     permission decides it, whatever the next page allows (the fast bits ask both pages, for
     accesses that cross; checked only once the fast bit has said no, so the common path is
     unchanged). A helper's review found the last page of a writable region (a small program's
     only .bss page, the top of the brk heap) all on the slow path: 7-27x qemu's time. */
#define IN_PAGE(N) (a_ < fast_lim && (a_ & (CRV_PAGE_SIZE - 1)) <= CRV_PAGE_SIZE - (N))
#define PAGE_R(N) (IN_PAGE(N) && (perms[a_ >> CRV_PAGE_SHIFT] & CRV_PERM_R))
#define PAGE_W(N) (IN_PAGE(N) && data_writable(perms[a_ >> CRV_PAGE_SHIFT]))
  /* loads: inline when the page (and the next) is readable, or the page and the load stays
     inside it */
#define LOAD_FULL(T, N, ADDR, CONV, DONE)                                                               \
  do {                                                                                             \
    const uint64_t a_ = (ADDR);                                                                    \
    if (CRV_LIKELY(a_ < fast_lim && (perms[a_ >> CRV_PAGE_SHIFT] & CRV_PERM_FAST_R)) || PAGE_R(N)) { \
      T v_;                                                                                        \
      memcpy(&v_, data + a_, (N));                                                                 \
      WR(CONV(v_));                                                                                \
      DONE;                                                                                        \
    }                                                                                              \
    uint64_t w_;                                                                                   \
    if (CRV_UNLIKELY(load_slow(mem, a_, (N), &w_) != MEM_OK)) {                                    \
      cpu->trap_value = a_;                                                                        \
      goto trap_load;                                                                              \
    }                                                                                              \
    WR(CONV((T)w_));                                                                               \
    DONE;                                                                                          \
  } while (0)
/* In a fused pair, a load or store that cannot take the inline path has done nothing yet: it
   runs again as its own single plain handler (slow path and all), and execution goes on unfused
   from there (every operand a variant takes from t is also in the register file). */
#define LOAD_FAST(T, N, ADDR, CONV, DONE)                                                          \
  do {                                                                                             \
    const uint64_t a_ = (ADDR);                                                                    \
    if (CRV_UNLIKELY(a_ >= fast_lim || !(perms[a_ >> CRV_PAGE_SHIFT] & CRV_PERM_FAST_R)) && !PAGE_R(N)) \
      goto unfused;                                                                                \
    T v_;                                                                                          \
    memcpy(&v_, data + a_, (N));                                                                   \
    WR(CONV(v_));                                                                                  \
    DONE;                                                                                          \
  } while (0)
#define A64 (a + UIMM)
#define A32 ((uint64_t)(uint32_t)(a + UIMM))
#define S8(v) ((uint64_t)(int64_t)(v))
#define Z(v) ((uint64_t)(v))
#define X_LB(A, B, D, M) XL(int8_t, 1, A64, S8, A, D, M)
#define X_LH(A, B, D, M) XL(int16_t, 2, A64, S8, A, D, M)
#define X_LW(A, B, D, M) XL(int32_t, 4, A64, S8, A, D, M)
#define X_LD(A, B, D, M) XL(uint64_t, 8, A64, Z, A, D, M)
#define X_LBU(A, B, D, M) XL(uint8_t, 1, A64, Z, A, D, M)
#define X_LHU(A, B, D, M) XL(uint16_t, 2, A64, Z, A, D, M)
#define X_LWU(A, B, D, M) XL(uint32_t, 4, A64, Z, A, D, M)
#define X_LB32(A, B, D, M) XL(int8_t, 1, A32, S8, A, D, M)
#define X_LH32(A, B, D, M) XL(int16_t, 2, A32, S8, A, D, M)
#define X_LW32(A, B, D, M) XL(int32_t, 4, A32, S8, A, D, M)
#define X_LBU32(A, B, D, M) XL(uint8_t, 1, A32, Z, A, D, M)
#define X_LHU32(A, B, D, M) XL(uint16_t, 2, A32, Z, A, D, M)

  /* stores: inline when the page (and the next) is writable and holds no code, or the page
     and the store stays inside it */
#define STOP_UNPATCH                                                                               \
  do {                                                                                             \
    if (stop) stop->h = stop_h;                                                                    \
    if (stop_prev) stop_prev->h = stop_prev_h;                                                     \
  } while (0)
#define STORE_FULL(T, N, ADDR, DONE)                                                                    \
  do {                                                                                             \
    const uint64_t a_ = (ADDR);                                                                    \
    const T v_ = (T)b;                                                                             \
    if (CRV_LIKELY(a_ < fast_lim && (perms[a_ >> CRV_PAGE_SHIFT] & CRV_PERM_FAST_W)) || PAGE_W(N)) { \
      memcpy(data + a_, &v_, (N));                                                                 \
      DONE;                                                                                        \
    }                                                                                              \
    const uint64_t mc_ = ip->cost, mn_ = ip->cnt; /* before a re-decode rewrites this entry */     \
    STOP_UNPATCH; /* the re-decode may rewrite the stop slots */                                   \
    /* The budget left once this store is paid for (the rest of the block is given back). */    \
    const int r_ = store_slow(mem, costs, rv32 ? 32u : 64u, a_, (N), (uint64_t)v_, tbl,            \
                              budget + (mc_ - stop_cost) - costs->store);                          \
    if (CRV_LIKELY(r_ == MEM_OK)) {                                                                \
      if (stop) stop->h = &&L_BUDGET_STOP;                                                         \
      if (stop_prev) stop_prev->h = single_handler(tbl, code, (uint64_t)(stop_prev - code));       \
      DONE;                                                                                        \
    }                                                                                              \
    stop = 0;                                                                                      \
    stop_prev = 0;                                                                                 \
    if (r_ == MEM_FAULT) {                                                                         \
      cpu->trap_value = a_;                                                                        \
      goto trap_store;                                                                             \
    }                                                                                              \
    if (r_ == MEM_BUDGET) goto store_budget; /* nothing stored, ip's entry unchanged */           \
    /* Code changed: end the block here and give back what the rest of it was charged for;       \
       then re-enter at the next slot with a fresh charge. */                                      \
    budget += (mc_ - stop_cost) - costs->store - costs->code_store;                                \
    instret -= (mn_ - stop_cnt) - 1;                                                               \
    stop_cost = stop_cnt = 0;                                                                      \
    ip++;                                                                                          \
    goto block_enter;                                                                              \
  } while (0)
#define STORE_FAST(T, N, ADDR, DONE)                                                               \
  do {                                                                                             \
    const uint64_t a_ = (ADDR);                                                                    \
    if (CRV_UNLIKELY(a_ >= fast_lim || !(perms[a_ >> CRV_PAGE_SHIFT] & CRV_PERM_FAST_W)) && !PAGE_W(N)) \
      goto unfused;                                                                                \
    const T v_ = (T)b;                                                                             \
    memcpy(data + a_, &v_, (N));                                                                   \
    DONE;                                                                                          \
  } while (0)
#define X_SB(A, B, D, M) XS(uint8_t, 1, A64, A, B, D, M)
#define X_SH(A, B, D, M) XS(uint16_t, 2, A64, A, B, D, M)
#define X_SW(A, B, D, M) XS(uint32_t, 4, A64, A, B, D, M)
#define X_SD(A, B, D, M) XS(uint64_t, 8, A64, A, B, D, M)
#define X_SB32(A, B, D, M) XS(uint8_t, 1, A32, A, B, D, M)
#define X_SH32(A, B, D, M) XS(uint16_t, 2, A32, A, B, D, M)
#define X_SW32(A, B, D, M) XS(uint32_t, 4, A32, A, B, D, M)

  /* constants, moves, OP-IMM */
#define X_LUI(A, B, D, M) XK(UIMM, D)
#define X_LI(A, B, D, M) XK(UIMM, D)
#define X_AUIPC(A, B, D, M) XK(PC_OF(ip) + UIMM, D)
#define X_AUIPC32(A, B, D, M) XK(sext32(PC_OF(ip) + UIMM), D)
#define X_MV(A, B, D, M) XI(a, A, D)
#define X_ADDI_SELF(A, B, D, M) XI(a + UIMM, A, D)
#define X_ADDI(A, B, D, M) XI(a + UIMM, A, D)
#define X_SLTI(A, B, D, M) XI((int64_t)a < IMM, A, D)
#define X_SLTIU(A, B, D, M) XI(a < UIMM, A, D)
#define X_XORI(A, B, D, M) XI(a ^ UIMM, A, D)
#define X_ORI(A, B, D, M) XI(a | UIMM, A, D)
#define X_ANDI(A, B, D, M) XI(a & UIMM, A, D)
#define X_SLLI(A, B, D, M) XI(a << (ip->imm & 63), A, D)
#define X_SRLI(A, B, D, M) XI(a >> (ip->imm & 63), A, D)
#define X_SRAI(A, B, D, M) XI((uint64_t)((int64_t)a >> (ip->imm & 63)), A, D)
  /* OP */
#define X_ADD(A, B, D, M) XR(a + b, A, B, D)
#define X_SUB(A, B, D, M) XR(a - b, A, B, D)
#define X_SLL(A, B, D, M) XR(a << (b & 63), A, B, D)
#define X_SLT(A, B, D, M) XR((int64_t)a < (int64_t)b, A, B, D)
#define X_SLTU(A, B, D, M) XR(a < b, A, B, D)
#define X_XOR(A, B, D, M) XR(a ^ b, A, B, D)
#define X_SRL(A, B, D, M) XR(a >> (b & 63), A, B, D)
#define X_SRA(A, B, D, M) XR((uint64_t)((int64_t)a >> (b & 63)), A, B, D)
#define X_OR(A, B, D, M) XR(a | b, A, B, D)
#define X_AND(A, B, D, M) XR(a & b, A, B, D)
  /* *W forms (also RV32 arithmetic) */
#define X_ADDIW(A, B, D, M) XI(sext32(a + UIMM), A, D)
#define X_SLLIW(A, B, D, M) XI(sext32((uint32_t)a << (ip->imm & 31)), A, D)
#define X_SRLIW(A, B, D, M) XI(sext32((uint32_t)a >> (ip->imm & 31)), A, D)
#define X_SRAIW(A, B, D, M) XI((uint64_t)(int64_t)((int32_t)(uint32_t)a >> (ip->imm & 31)), A, D)
#define X_ADDW(A, B, D, M) XR(sext32(a + b), A, B, D)
#define X_SUBW(A, B, D, M) XR(sext32(a - b), A, B, D)
#define X_SLLW(A, B, D, M) XR(sext32((uint32_t)a << (b & 31)), A, B, D)
#define X_SRLW(A, B, D, M) XR(sext32((uint32_t)a >> (b & 31)), A, B, D)
#define X_SRAW(A, B, D, M) XR((uint64_t)(int64_t)((int32_t)(uint32_t)a >> (b & 31)), A, B, D)
  /* M */
#define X_MUL(A, B, D, M) XR(a * b, A, B, D)
#define X_MULH(A, B, D, M) XR((uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64), A, B, D)
#define X_MULHSU(A, B, D, M) XR((uint64_t)(((__int128)(int64_t)a * (__int128)b) >> 64), A, B, D)
#define X_MULHU(A, B, D, M) XR((uint64_t)(((unsigned __int128)a * (unsigned __int128)b) >> 64), A, B, D)
#define X_MULW(A, B, D, M) XR(sext32((uint32_t)a * (uint32_t)b), A, B, D)
#define X_MULH32(A, B, D, M) XR(sext32((uint64_t)(((int64_t)(int32_t)a * (int64_t)(int32_t)b) >> 32)), A, B, D)
#define X_MULHSU32(A, B, D, M) XR(sext32((uint64_t)(((int64_t)(int32_t)a * (int64_t)(uint32_t)b) >> 32)), A, B, D)
#define X_MULHU32(A, B, D, M) XR(sext32(((uint64_t)(uint32_t)a * (uint32_t)b) >> 32), A, B, D)
#define X_DIV(A, B, D, M)                                                                             \
  XR((int64_t)b == 0 ? ~(uint64_t)0                                                                \
     : ((int64_t)a == INT64_MIN && (int64_t)b == -1) ? a : (uint64_t)((int64_t)a / (int64_t)b), A, B, D)
#define X_DIVU(A, B, D, M) XR(b == 0 ? ~(uint64_t)0 : a / b, A, B, D)
#define X_REM(A, B, D, M)                                                                             \
  XR((int64_t)b == 0 ? a : ((int64_t)a == INT64_MIN && (int64_t)b == -1) ? 0                       \
     : (uint64_t)((int64_t)a % (int64_t)b), A, B, D)
#define X_REMU(A, B, D, M) XR(b == 0 ? a : a % b, A, B, D)
#define X_DIVW(A, B, D, M)                                                                            \
  XR((int32_t)b == 0 ? ~(uint64_t)0                                                                \
     : ((int32_t)a == INT32_MIN && (int32_t)b == -1) ? sext32((uint32_t)INT32_MIN)                 \
     : (uint64_t)(int64_t)((int32_t)a / (int32_t)b), A, B, D)
#define X_DIVUW(A, B, D, M) XR((uint32_t)b == 0 ? ~(uint64_t)0 : sext32((uint32_t)a / (uint32_t)b), A, B, D)
#define X_REMW(A, B, D, M)                                                                            \
  XR((int32_t)b == 0 ? (uint64_t)(int64_t)(int32_t)a                                               \
     : ((int32_t)a == INT32_MIN && (int32_t)b == -1) ? 0                                           \
     : (uint64_t)(int64_t)((int32_t)a % (int32_t)b), A, B, D)
#define X_REMUW(A, B, D, M) XR((uint32_t)b == 0 ? sext32((uint32_t)a) : sext32((uint32_t)a % (uint32_t)b), A, B, D)

  /* The single-op handlers: plain, and the forwarding variants of CRV_FWD_OPS. */
#define HS_P(id) L_##id: X_##id(RS1, RS2, NEXT, FULL)
#define HS_A(id) HS_P(id) L_##id##_A: X_##id(t, RS2, NEXT, FULL)
#define HS_AB(id) HS_A(id) L_##id##_B: X_##id(RS1, t, NEXT, FULL)
  CRV_FWD_OPS(HS_A, HS_AB)
  HS_P(LUI) HS_P(LI) HS_P(AUIPC) HS_P(AUIPC32)
L_NOP:
L_FENCE:
  NEXT;

  /* The fused pairs: each generated variant of CRV_FUSED_PAIRS (see PV_F_*). */
#define PH(f, s, fv, fa, fb, sv, sa, sb)                                                           \
  L_P_##f##_##s##_##fv##sv: X_##f(fa, fb, goto L_P_##f##_##s##_##fv##sv##_2, FAST)                 \
  L_P_##f##_##s##_##fv##sv##_2: ip++; X_##s(sa, sb, NEXT, FAST)
#define X(f, ff, s, sf) PV_F_##ff(PH, f, s, sf)
  CRV_FUSED_PAIRS(X)
#undef X
#undef PH
unfused:
  goto *tbl[ip->op];

  /* jumps (targets of J/JAL/JAL32 are entry offsets, known to be inside the code) */
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

  /* system */
L_FENCE_I:
  /* Stores mark the slots they change, which are decoded when they run (L_STALE), so fence.i
     only has to end the block. */
  ip++;
  ENTER_BLOCK;
L_ECALL:
  pc = PC_OF(ip) + 4;
  /* In-loop system call (see crv_ecall_fn). An ecall ends its block, so no budget stop is
     planted here (a stop ends the run when it is reached, and it lies inside the block it was
     planted for); the test keeps the exit path for that case anyway. */
  if (mem->ecall && !stop) {
    cpu->pc = pc;
    cpu->budget = budget;
    cpu->instret = instret;
    for (int i = 10; i < 18; i++) cpu->x[i] = rv32 ? (uint32_t)SCALAR(R[i]) : SCALAR(R[i]);
    if (mem->ecall(mem->ecall_ctx, cpu) == CRV_ECALL_CONTINUE) {
      budget = cpu->budget;
      R[10] = rv32 ? sext32(cpu->x[10]) : cpu->x[10];
      R[11] = rv32 ? sext32(cpu->x[11]) : cpu->x[11];
      /* The handler re-decoded code it wrote: every handler address is rewritten. */
      if (code[code_len / 4 + 1].h != (const void *)tbl) fill_handlers(mem, code, code_len / 4, tbl);
      ip++; /* the slot after the ecall (the end sentinel faults) */
      ENTER_BLOCK;
    }
  }
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
  if (perms[pc >> CRV_PAGE_SHIFT] & CRV_PERM_NOCODE) {
    /* Stores into this page did not re-decode it: if its word changed, decode the changed
       words (paying what a code-changing store pays) and run what is there now. Every slot of
       such a page is its own block, entered with nothing charged. */
    uint32_t w;
    memcpy(&w, data + pc, 4);
    if (w != (uint32_t)ip->imm) {
      if (budget < costs->code_store) {
        status = CRV_STATUS_BUDGET;
        goto out;
      }
      budget -= costs->code_store;
      STOP_UNPATCH;
      stop = 0;
      stop_prev = 0;
      stop_cost = stop_cnt = 0;
      redecode_changed(mem, costs, rv32 ? 32u : 64u, pc & ~(uint64_t)(CRV_PAGE_SIZE - 1), tbl);
      goto block_enter;
    }
  }
  cpu->trap_cause = CRV_TRAP_ILLEGAL_INSN;
  cpu->trap_insn = (uint32_t)ip->imm;
  cpu->trap_value = (uint32_t)ip->imm;
  goto trap_refund;
L_STALE:
  /* A slot a store changed (rv_ent.stale), reached: what was charged for it and the rest of its
     block under its old word, up to the budget stop if slow_enter set one (stop_cost: the
     stop's sums, or this slot's own when it paid for the slots before it only), is given back,
     the stop is taken away, the slot is decoded from its bytes (decode_at, below), and the
     block is entered again here. */
  budget += ip->cost - stop_cost;
  instret -= ip->cnt - stop_cnt;
  STOP_UNPATCH;
  stop = 0;
  stop_prev = 0;
  stop_cost = stop_cnt = 0;
  /* fall through: decode_at decodes the slot */
L_LAZY:
  /* A zero slot: its page is not decoded yet (crv_decode_lazy). Entered with nothing charged
     (its suffix sums are zero); decode the page and enter the block again. (A zero slot on a
     page the bytes say is decoded can only come from a host that copied permission bytes
     without the code buffer: decoding the page again from its bytes is right then too.) */
  decode_at(mem, costs, rv32 ? 32u : 64u, (uint64_t)(ip - code), tbl);
  goto block_enter;
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
store_budget:
  /* A store that would change code and whose re-decode the budget cannot pay for: stop before
     it, as before any instruction the budget cannot pay for (it and the rest of its block are
     given back; store_slow stored nothing, so ip's entry is unchanged). */
  pc = PC_OF(ip);
  budget += ip->cost - stop_cost;
  instret -= ip->cnt - stop_cnt;
  status = CRV_STATUS_BUDGET;
  goto out;
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
  if (stop_prev) stop_prev->h = stop_prev_h;
  cpu->pc = pc;
  cpu->budget = budget;
  cpu->instret = instret;
  for (int i = 1; i < 32; i++) cpu->x[i] = rv32 ? (uint32_t)SCALAR(R[i]) : SCALAR(R[i]);
  cpu->x[0] = 0;
  return status;
}

void crv_redecode(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t addr, uint64_t n) {
  if (!mem || !mem->code || !costs || n == 0 || addr > UINT64_MAX - n) return;
  if (mem->code_hi <= mem->code_lo || ((mem->code_lo | mem->code_hi) & (CRV_PAGE_SIZE - 1))) return;
  if (addr >= mem->code_hi || addr + n <= mem->code_lo) return;
  rv_ent *const code = (rv_ent *)mem->code;
  const uint64_t nslots = (mem->code_hi - mem->code_lo) >> 2;
  /* The table that wrote the handlers (NULL: none yet, crv_run writes them all on entry). */
  const void *const *tbl = (const void *const *)code[nslots + 1].h;
  crv__redecode_bytes(mem, costs, xlen, addr, n);
  if (!tbl) return;
  /* As store_slow: the re-decoded slots, the one before them and the one after them. */
  uint64_t lo = addr < mem->code_lo ? 0 : (addr - mem->code_lo) >> 2;
  uint64_t hi = ((addr + n - 1 - mem->code_lo) >> 2) + 1;
  if (lo) lo--;
  if (hi > nslots) hi = nslots;
  fill_range(code, lo, hi, nslots, tbl);
}

crv_status crv_run(crv_cpu *cpu, crv_memory *mem, const crv_costs *costs) {
  return run_impl(cpu, mem, costs);
}
