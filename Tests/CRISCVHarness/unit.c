/* Unit tests for the CRISCV core API: disassembler, entry/exit edge cases, metering corners.
   Programs are assembled here by hand with the small encoders below. */
#include "../../CSources/CRISCV/include/CRISCV.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_pass, g_fail;
#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (cond) g_pass++;                                                                            \
    else {                                                                                         \
      g_fail++;                                                                                    \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                  \
      printf(__VA_ARGS__);                                                                         \
      printf("\n");                                                                                \
    }                                                                                              \
  } while (0)

/* ---- encoders ---- */
#include "rvenc.h"
#define ADDI(rd, rs, imm) I(0x13, 0, rd, rs, imm)
#define ADD(rd, a, b) R(0x33, 0, 0, rd, a, b)
#define LW(rd, rs, imm) I(0x03, 2, rd, rs, imm)
#define SW(rs1, rs2, imm) S(2, rs1, rs2, imm)
#define ECALL 0x00000073u
#define EBREAK 0x00100073u
#define NOP ADDI(0, 0, 0)

/* ---- a tiny machine ---- */
#define MEM (64u * 4096u)
typedef struct vm {
  uint8_t data[MEM];
  uint8_t perms[MEM / 4096];
  crv_insn code[CRV_CODE_ENTRIES_FOR_SLOTS(MEM / 4)];
  crv_memory mem;
  crv_cpu cpu;
  crv_costs costs;
} vm;

static vm *vm_new(uint32_t xlen, uint64_t code_lo, uint64_t code_hi) {
  vm *v = calloc(1, sizeof *v);
  v->mem = (crv_memory){v->data, MEM, v->perms, v->code, code_lo, code_hi, NULL, NULL};
  for (unsigned p = 0; p < MEM / 4096; p++) v->perms[p] = CRV_PERM_R | CRV_PERM_W;
  for (uint64_t a = code_lo; a < code_hi && a < MEM; a += 4096) v->perms[a >> 12] = CRV_PERM_R | CRV_PERM_X;
  v->cpu.xlen = xlen;
  v->cpu.pc = code_lo;
  v->cpu.budget = 1000000;
  v->costs = (crv_costs){1, 2, 3, 5, 7, 11, 13, 17, 0};
  return v;
}
static void vm_put(vm *v, uint64_t at, const uint32_t *w, size_t n) {
  memcpy(v->data + at, w, n * 4);
}
static void vm_decode(vm *v) {
  crv_decode(&v->mem, &v->costs, v->cpu.xlen, v->mem.code_lo, v->mem.code_hi);
}

static void test_disasm(void) {
  char b[96];
  struct { uint32_t w; uint64_t pc; uint32_t xlen; const char *s; } t[] = {
    {0x00150513, 0, 64, "addi a0, a0, 1"},
    {0x00812783, 0, 64, "lw a5, 8(sp)"},
    {0x00b50463, 0x1006c, 64, "beq a0, a1, 0x10074"},
    {0xfeb51ee3, 0x10000, 64, "bne a0, a1, 0xfffc"},
    {0x008000ef, 0x10000, 64, "jal ra, 0x10008"},
    {0x000780e7, 0, 64, "jalr ra, 0(a5)"},
    {0x123455b7, 0, 64, "lui a1, 0x12345"},
    {0x00001517, 0, 32, "auipc a0, 0x1"},
    {0x00f12423, 0, 64, "sw a5, 8(sp)"},
    {0x02b50533, 0, 64, "mul a0, a0, a1"},
    {0x02b5453b, 0, 64, "divw a0, a0, a1"},
    {0x03f51513, 0, 64, "slli a0, a0, 63"},
    {0x03f51513, 0, 32, "unknown 0x03f51513"},
    {0x00053503, 0, 32, "unknown 0x00053503"},
    {0x00053503, 0, 64, "ld a0, 0(a0)"},
    {0x40a5d51b, 0, 64, "sraiw a0, a1, 10"},
    {0xc0002573, 0, 64, "csrrs a0, cycle, zero"},
    {0xc8206573, 0, 32, "csrrsi a0, instreth, 0"},
    {0x0ff0000f, 0, 64, "fence iorw, iorw"},
    {0x0000100f, 0, 64, "fence.i"},
    {0x8330000f, 0, 64, "fence.tso"},
    {0x8330000f, 0, 32, "fence.tso"},
    {0xc0001073, 0, 64, "unimp"},
    {0xc0001073, 0, 32, "unimp"},
    {0xc0051073, 0, 64, "csrrw zero, cycle, a0"},
    {0xc0001573, 0, 32, "csrrw a0, cycle, zero"},
    {0x0ff5050f, 0, 64, "fence iorw, iorw  # reserved fields set (ignored when run)"},
    {0x8ff0000f, 0, 32, "fence iorw, iorw  # reserved fields set (ignored when run)"},
    {0x0005100f, 0, 64, "fence.i  # reserved fields set (ignored when run)"},
    {0xc8206573, 0, 64, "csrrsi a0, 0xc82, 0"},
    {0x00000073, 0, 64, "ecall"},
    {0x00100073, 0, 64, "ebreak"},
    {0x00000000, 0, 64, "unknown 0x00000000"},
    {0x00000001, 0, 64, "unknown 0x00000001"},
    {0xfff00513, 0, 64, "addi a0, zero, -1"},
    {0xffe00ee3, 0x100, 32, "beq zero, t5, 0xfc"},
    {0xffdff06f, 0x0, 32, "jal zero, 0xfffffffc"},
    {0xffdff06f, 0x0, 64, "jal zero, 0xfffffffffffffffc"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    size_t n = crv_disasm(t[i].w, t[i].pc, t[i].xlen, b, sizeof b);
    CHECK(!strcmp(b, t[i].s) && n == strlen(t[i].s), "disasm %08x: got '%s' want '%s'", t[i].w, b, t[i].s);
  }
  /* truncation */
  size_t n = crv_disasm(0x00150513, 0, 64, b, 5);
  CHECK(n == 4 && !strcmp(b, "addi"), "truncated: '%s' %zu", b, n);
  n = crv_disasm(0x00150513, 0, 64, b, 0);
  CHECK(n == 0, "cap 0");
  n = crv_disasm(0x00150513, 0, 64, NULL, 0);
  CHECK(n == 0, "NULL out");
}

static void test_entry_exit(void) {
  /* empty code range */
  vm *v = vm_new(64, 0x1000, 0x1000);
  vm_decode(v);
  crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_FETCH_FAULT && v->cpu.trap_value == 0x1000, "empty code");
  free(v);

  v = vm_new(64, 0x1000, 0x3000);
  uint32_t p[] = {ADDI(10, 10, 1), EBREAK, ADDI(10, 10, 2), ECALL};
  vm_put(v, 0x1000, p, 4);
  vm_decode(v);
  v->cpu.pc = 0x1002;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_FETCH_MISALIGNED && v->cpu.pc == 0x1002, "misaligned pc");
  v->cpu.pc = 0x5000;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_FETCH_FAULT && v->cpu.trap_value == 0x5000, "pc outside");
  v->cpu.pc = 0x1000;
  v->cpu.budget = 0;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_BUDGET && v->cpu.pc == 0x1000 && v->cpu.instret == 0, "budget 0");
  v->cpu.budget = 100;
  v->cpu.x[0] = 77; /* must read as zero */
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_EBREAK && v->cpu.pc == 0x1008 && v->cpu.x[10] == 1 && v->cpu.instret == 2 && v->cpu.budget == 100 - 1 - 17,
        "ebreak: st %d pc %llx a0 %llu instret %llu budget %llu", st, (unsigned long long)v->cpu.pc,
        (unsigned long long)v->cpu.x[10], (unsigned long long)v->cpu.instret, (unsigned long long)v->cpu.budget);
  CHECK(v->cpu.x[0] == 0, "x0 written back as 0");
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.pc == 0x1010 && v->cpu.x[10] == 3, "ecall");
  /* running on into zeros: illegal instruction at 0x1010 */
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_ILLEGAL_INSN && v->cpu.pc == 0x1010 && v->cpu.trap_insn == 0, "illegal zero");
  free(v);

  /* running off the end of the code: fetch fault at code_hi; nothing charged for it */
  v = vm_new(64, 0x1000, 0x2000);
  for (uint64_t a = 0x1000; a < 0x2000; a += 4) { uint32_t w = ADDI(5, 5, 1); vm_put(v, a, &w, 1); }
  vm_decode(v);
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_FETCH_FAULT && v->cpu.pc == 0x2000 &&
        v->cpu.instret == 1024 && v->cpu.budget == 1000000 - 1024 && v->cpu.x[5] == 1024, "off the end");
  free(v);

  /* a code page without X: fetch fault; code range beyond memory: fetch fault, no crash */
  v = vm_new(64, 0x1000, 0x3000);
  uint32_t q[] = {J(0, 0x1000)}; /* jump into the next page, which we make non-X */
  vm_put(v, 0x1000, q, 1);
  v->perms[2] = CRV_PERM_R;
  vm_decode(v);
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_FETCH_FAULT && v->cpu.pc == 0x2000 && v->cpu.instret == 1,
        "non-X page");
  free(v);
  v = vm_new(64, MEM - 0x1000, MEM + 0x2000);
  v->mem.code_hi = MEM + 0x2000; /* larger than memory: the part outside must not be read */
  crv_insn *big = calloc(crv_code_entries(v->mem.code_lo, v->mem.code_hi), sizeof(crv_insn));
  v->mem.code = big;
  uint32_t r[] = {J(0, 0x1000)};
  vm_put(v, MEM - 0x1000, r, 1);
  vm_decode(v);
  v->cpu.pc = MEM - 0x1000;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_FETCH_FAULT && v->cpu.pc == MEM, "code beyond memory");
  free(big);
  free(v);
}

static void test_rv32_regs(void) {
  vm *v = vm_new(32, 0x1000, 0x2000);
  uint32_t p[] = {ADD(10, 11, 12), ADDI(13, 11, 0), ECALL};
  vm_put(v, 0x1000, p, 3);
  vm_decode(v);
  v->cpu.x[11] = 0xffffffff00000005ull; /* upper bits ignored on RV32 */
  v->cpu.x[12] = 0xfffffffe;
  crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[10] == 3 && v->cpu.x[13] == 5 && v->cpu.x[12] == 0xfffffffe &&
        v->cpu.x[11] == 5, "rv32 registers: a0 %llx", (unsigned long long)v->cpu.x[10]);
  free(v);
}

/* RV32 counters across 2^32 (Zicntr: cycleh/timeh/instreth read bits 63:32 of the 64-bit
   counters, which count the instructions retired before the reading one): from instret =
   2^32 - 1, rdinstreth, rdinstret, rdcycleh, rdcycle and rdtimeh read 0, 0, 1, 2 and 1
   (2^32 - 1, 2^32, 2^32 + 1, 2^32 + 2, 2^32 + 3 retired before them). Mutation testing: a high
   half taken from the count after the reading instruction went unnoticed. */
static void test_rv32_counter_high_halves(void) {
  vm *v = vm_new(32, 0x1000, 0x2000);
  uint32_t p[] = {I(0x73, 2, 10, 0, 0xC82), I(0x73, 2, 11, 0, 0xC02), I(0x73, 2, 12, 0, 0xC80),
                  I(0x73, 2, 13, 0, 0xC00), I(0x73, 2, 14, 0, 0xC81), ECALL};
  vm_put(v, 0x1000, p, 6);
  vm_decode(v);
  v->cpu.instret = 0xffffffffull;
  crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[10] == 0 && v->cpu.x[11] == 0 && v->cpu.x[12] == 1 &&
            v->cpu.x[13] == 2 && v->cpu.x[14] == 1 && v->cpu.instret == 0x100000005ull,
        "rv32 counter halves: %llx %llx %llx %llx %llx", (unsigned long long)v->cpu.x[10],
        (unsigned long long)v->cpu.x[11], (unsigned long long)v->cpu.x[12], (unsigned long long)v->cpu.x[13],
        (unsigned long long)v->cpu.x[14]);
  free(v);
}

/* RV32 rdinstret / rdcycle give the low 32 bits of the count as a 32-bit register value
   (Zicntr): from instret = 2^31, rdinstret reads 0x80000000, which slt sees as negative; from
   2^32 + 5, rdcycle reads 5, which sltiu sees as below 6. Mutation testing: the low half kept
   as the 64-bit count inside the core (right when read back, wrong in a compare) went
   unnoticed. */
static void test_rv32_counter_low_half_compares(void) {
  static const struct { uint64_t instret; int32_t csr; uint64_t x10, x11, x12; } k[] = {
      {0x80000000ull, 0xC02, 0x80000000u, 1, 0}, {0x100000005ull, 0xC00, 5, 0, 1}};
  for (int i = 0; i < 2; i++) {
    vm *v = vm_new(32, 0x1000, 0x2000);
    uint32_t p[] = {I(0x73, 2, 10, 0, k[i].csr), R(0x33, 2, 0, 11, 10, 0) /* slt x11, x10, x0 */,
                    I(0x13, 3, 12, 10, 6) /* sltiu x12, x10, 6 */, ECALL};
    vm_put(v, 0x1000, p, 4);
    vm_decode(v);
    v->cpu.instret = k[i].instret;
    crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
    CHECK(st == CRV_STATUS_ECALL && v->cpu.x[10] == k[i].x10 && v->cpu.x[11] == k[i].x11 && v->cpu.x[12] == k[i].x12,
          "rv32 counter low half %d: %llx %llx %llx", i, (unsigned long long)v->cpu.x[10],
          (unsigned long long)v->cpu.x[11], (unsigned long long)v->cpu.x[12]);
    free(v);
  }
}

/* Metering: every budget from 0 to the total gives a stop at the same place as stepping. */
static void test_metering_exhaustive(void) {
  uint32_t p[] = {
    ADDI(5, 0, 3),          /* 0x1000 */
    ADDI(6, 6, 1),          /* 0x1004 loop: */
    LW(7, 0, 0x700),        /* 0x1008 */
    SW(0, 6, 0x700),        /* 0x100c */
    R(0x33, 0, 1, 8, 6, 6), /* 0x1010 mul */
    ADDI(5, 5, -1),         /* 0x1014 */
    B(1, 5, 0, -0x14),      /* 0x1018 bne t0, zero, loop */
    ECALL,
  };
  uint64_t total = 0, total_n = 0;
  {
    vm *v = vm_new(64, 0x1000, 0x2000);
    vm_put(v, 0x1000, p, 8);
    vm_decode(v);
    crv_run(&v->cpu, &v->mem, &v->costs);
    total = 1000000 - v->cpu.budget;
    total_n = v->cpu.instret;
    free(v);
  }
  CHECK(total_n == 1 + 3 * 6 + 1 && total == 1 + 3 * (1 + 2 + 3 + 11 + 1 + 5) + 17, "total %llu n %llu",
        (unsigned long long)total, (unsigned long long)total_n);
  uint64_t costs_of[8];
  costs_of[0] = 1; costs_of[1] = 1; costs_of[2] = 2; costs_of[3] = 3; costs_of[4] = 11; costs_of[5] = 1; costs_of[6] = 5; costs_of[7] = 17;
  for (uint64_t b = 0; b <= total; b++) {
    vm *v = vm_new(64, 0x1000, 0x2000);
    vm_put(v, 0x1000, p, 8);
    vm_decode(v);
    v->cpu.budget = b;
    crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
    /* reference: walk the program */
    uint64_t pc = 0x1000, left = b, n = 0, t0 = 0;
    for (;;) {
      unsigned k = (unsigned)((pc - 0x1000) / 4);
      if (left < costs_of[k]) break;
      left -= costs_of[k];
      n++;
      if (k == 0) t0 = 3;
      if (k == 5) t0--;
      if (k == 7) { pc += 4; break; }
      pc = (k == 6 && t0 != 0) ? 0x1004 : pc + 4;
    }
    const int done = pc == 0x1020;
    CHECK((done ? st == CRV_STATUS_ECALL : st == CRV_STATUS_BUDGET) && v->cpu.pc == pc && v->cpu.instret == n &&
              v->cpu.budget == left,
          "budget %llu: st %d pc %llx/%llx n %llu/%llu left %llu/%llu", (unsigned long long)b, st,
          (unsigned long long)v->cpu.pc, (unsigned long long)pc, (unsigned long long)v->cpu.instret,
          (unsigned long long)n, (unsigned long long)v->cpu.budget, (unsigned long long)left);
    /* resume to the end with a top-up: same final state as one run */
    if (!done) {
      v->cpu.budget += total;
      st = crv_run(&v->cpu, &v->mem, &v->costs);
      CHECK(st == CRV_STATUS_ECALL && v->cpu.instret == total_n && v->cpu.budget == b + total - total, "resume %llu",
            (unsigned long long)b);
    }
    free(v);
  }
}

/* The self-modifying program of test_smc and test_code_store_cost, in a writable code page:
     0x1000 sw a3, 8(a2)   stores SMC_NEW_INSN over the instruction at 0x1008 (a2 = 0x1000)
     0x1004 addi a4, x0, 1
     0x1008 `third`        (addi a0, x0, 9, or the new instruction already)
     0x100c addi a5, x0, 2
     0x1010 ecall
   with a1 = 6, the given code-store cost and budget. */
#define SMC_NEW_INSN R(0x33, 0, 1, 10, 11, 11) /* mul a0, a1, a1 (cost 11 instead of 1) */
static vm *smc_vm(uint32_t third, uint32_t code_store, uint64_t budget) {
  vm *v = vm_new(64, 0x1000, 0x2000);
  v->perms[1] = CRV_PERM_R | CRV_PERM_W | CRV_PERM_X;
  v->costs.code_store = code_store;
  uint32_t p[] = {SW(12, 13, 8), ADDI(14, 0, 1), third, ADDI(15, 0, 2), ECALL};
  vm_put(v, 0x1000, p, 5);
  vm_decode(v);
  v->cpu.x[11] = 6;
  v->cpu.x[12] = 0x1000;
  v->cpu.x[13] = SMC_NEW_INSN;
  v->cpu.budget = budget;
  return v;
}

/* A store into the current block rewrites the following instruction; the charge stays exact. */
static void test_smc(void) {
  for (uint64_t b = 0; b < 40; b++) {
    vm *v = smc_vm(ADDI(10, 0, 9), 0, b);
    crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
    /* costs: sw 3, addi 1, mul 11, addi 1, ecall 17 = 33 */
    static const uint64_t cum[] = {3, 4, 15, 16, 33};
    unsigned n = 0;
    while (n < 5 && cum[n] <= b) n++;
    const uint64_t left = b - (n ? cum[n - 1] : 0);
    CHECK(v->cpu.instret == n && v->cpu.budget == left && (n == 5 ? st == CRV_STATUS_ECALL : st == CRV_STATUS_BUDGET),
          "smc budget %llu: n %llu left %llu st %d", (unsigned long long)b, (unsigned long long)v->cpu.instret,
          (unsigned long long)v->cpu.budget, st);
    if (n == 5) CHECK(v->cpu.x[10] == 36, "smc result %llu", (unsigned long long)v->cpu.x[10]);
    free(v);
  }
}

/* A store that changes code costs code_store on top of store; when the budget cannot pay both,
   the run stops before the store, and resuming with more budget gives the uninterrupted result.
   A store that leaves the code bytes as they were costs a plain store. */
static void test_code_store_cost(void) {
  for (uint64_t b = 0; b < 140; b++) {
    for (int same = 0; same < 2; same++) {
      const uint32_t newinsn = SMC_NEW_INSN;
      vm *v = smc_vm(same ? newinsn : ADDI(10, 0, 9), 100, b);
      crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
      /* sw 3 (+100 when it changes the code), addi 1, mul 11, addi 1, ecall 17 */
      const uint64_t extra = same ? 0 : 100;
      const uint64_t cum[] = {3 + extra, 4 + extra, 15 + extra, 16 + extra, 33 + extra};
      unsigned n = 0;
      while (n < 5 && cum[n] <= b) n++;
      const uint64_t left = b - (n ? cum[n - 1] : 0);
      CHECK(v->cpu.instret == n && v->cpu.budget == left && (n == 5 ? st == CRV_STATUS_ECALL : st == CRV_STATUS_BUDGET),
            "code store (same %d) budget %llu: n %llu left %llu st %d", same, (unsigned long long)b,
            (unsigned long long)v->cpu.instret, (unsigned long long)v->cpu.budget, st);
      CHECK(n > 0 || v->data[0x1008] == (same ? (newinsn & 0xff) : (ADDI(10, 0, 9) & 0xff)),
            "a store the budget could not pay for changed memory");
      /* resume with the rest of 200 */
      if (st == CRV_STATUS_BUDGET) {
        v->cpu.budget += 200 - b;
        st = crv_run(&v->cpu, &v->mem, &v->costs);
      } else {
        v->cpu.budget += 200 - b;
      }
      CHECK(st == CRV_STATUS_ECALL && v->cpu.instret == 5 && v->cpu.budget == 200 - cum[4] && v->cpu.x[10] == 36,
            "code store (same %d) resumed from %llu: st %d instret %llu budget %llu a0 %llu", same,
            (unsigned long long)b, st, (unsigned long long)v->cpu.instret, (unsigned long long)v->cpu.budget,
            (unsigned long long)v->cpu.x[10]);
      free(v);
    }
  }
}

/* crv_redecode (host writes into code, e.g. a system call's output): the patched slots and their
   neighbours run as patched, fused pairs are split or formed, and no other handler is rewritten
   (the header's tag stays, so crv_run does not refill the whole code range: that made every such
   system call cost time in proportion to the code range). */
static void test_host_redecode(void) {
  vm *v = vm_new(64, 0x1000, 0x9000);
  for (unsigned p = 1; p < 9; p++) v->perms[p] = CRV_PERM_R | CRV_PERM_W | CRV_PERM_X;
  uint32_t p[] = {
      ADDI(10, 0, 1),  /* 0x1000 */
      ADDI(11, 0, 2),  /* 0x1004: patched to addi a1, zero, 7 */
      ADD(12, 10, 11), /* 0x1008 */
      ADD(13, 12, 12), /* 0x100c: a fused add/add pair with 0x1008; patched to addi a3, a2, 100 */
      ECALL,           /* 0x1010 */
  };
  vm_put(v, 0x1000, p, 5);
  vm_decode(v);
  const uint64_t nslots = (0x9000 - 0x1000) / 4;
  const uint64_t far = (0x8000 - 0x1000) / 4; /* a slot of another page */
  crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[13] == 6, "before: %llu", (unsigned long long)v->cpu.x[13]);
  const uint64_t tag = v->code[2 * (nslots + 1)].w0, far_h = v->code[2 * far].w0;
  CHECK(tag != 0 && far_h != 0, "handlers written by the first run");
  v->code[2 * far].w0 = far_h ^ 1; /* a rewrite of this handler would undo the mark */

  uint32_t w1 = ADDI(11, 0, 7), w3 = ADDI(13, 12, 100);
  vm_put(v, 0x1004, &w1, 1);
  crv_redecode(&v->mem, &v->costs, 64, 0x1004, 4);
  vm_put(v, 0x100c, &w3, 1);
  crv_redecode(&v->mem, &v->costs, 64, 0x100c, 4);
  CHECK(v->code[2 * (nslots + 1)].w0 == tag, "crv_redecode kept the handler table's tag");
  CHECK(v->code[2 * far].w0 == (far_h ^ 1), "crv_redecode rewrote a handler far from the write");
  v->code[2 * far].w0 = far_h;

  v->cpu.pc = 0x1000;
  v->cpu.budget = 1000;
  v->cpu.instret = 0;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  /* costs: 4 ALU (1 each) and the ecall (17) */
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[11] == 7 && v->cpu.x[12] == 8 && v->cpu.x[13] == 108,
        "after: a1 %llu a2 %llu a3 %llu", (unsigned long long)v->cpu.x[11], (unsigned long long)v->cpu.x[12],
        (unsigned long long)v->cpu.x[13]);
  CHECK(v->cpu.instret == 5 && v->cpu.budget == 1000 - 21, "after: instret %llu budget %llu",
        (unsigned long long)v->cpu.instret, (unsigned long long)v->cpu.budget);

  /* Back to add/add: the pair forms again. Entering at the second slot runs it alone. */
  vm_put(v, 0x100c, &p[3], 1);
  crv_redecode(&v->mem, &v->costs, 64, 0x100c, 4);
  v->cpu.pc = 0x1000;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[13] == 16, "pair again: %llu", (unsigned long long)v->cpu.x[13]);
  v->cpu.pc = 0x100c;
  v->cpu.x[12] = 50;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[13] == 100, "second of the pair alone: %llu", (unsigned long long)v->cpu.x[13]);

  /* Writes outside the code range, of no bytes, or wrapping do nothing. */
  crv_redecode(&v->mem, &v->costs, 64, 0x9000, 4);
  crv_redecode(&v->mem, &v->costs, 64, 0x1000, 0);
  crv_redecode(&v->mem, &v->costs, 64, UINT64_MAX - 1, 4);
  CHECK(v->code[2 * (nslots + 1)].w0 == tag, "no-op writes kept the tag");
  free(v);
}

/* Host writes into code, re-decodes a sub-range; stores to W+X pages outside the code range;
   loads and stores straddling the end of memory and pages without permission. */
static void test_misc(void) {
  vm *v = vm_new(64, 0x1000, 0x3000);
  uint32_t p[] = {ADDI(10, 0, 1), ECALL};
  vm_put(v, 0x2000, p, 2);
  vm_decode(v);
  v->cpu.pc = 0x2000;
  crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(v->cpu.x[10] == 1, "before host patch");
  uint32_t w = ADDI(10, 0, 5);
  vm_put(v, 0x2000, &w, 1);
  crv_decode(&v->mem, &v->costs, 64, 0x2000, 0x2004);
  v->cpu.pc = 0x2000;
  crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(v->cpu.x[10] == 5, "after host patch");

  /* store into a W+X page outside the code range: plain store */
  v->perms[10] = CRV_PERM_R | CRV_PERM_W | CRV_PERM_X;
  uint32_t q[] = {SW(11, 12, 0), LW(13, 11, 0), ECALL};
  vm_put(v, 0x2000, q, 3);
  crv_decode(&v->mem, &v->costs, 64, 0x2000, 0x3000);
  v->cpu.pc = 0x2000;
  v->cpu.x[11] = 0xa000;
  v->cpu.x[12] = 0x12345678;
  crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[13] == 0x12345678, "W+X outside code");

  /* straddling the end of memory */
  v->cpu.pc = 0x2000;
  v->cpu.x[11] = MEM - 2;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_STORE_FAULT && v->cpu.trap_value == MEM - 2 && v->cpu.pc == 0x2000,
        "store past end");
  /* huge address wrap-around */
  v->cpu.pc = 0x2004;
  v->cpu.x[11] = ~0ull - 1;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_LOAD_FAULT && v->cpu.trap_value == ~0ull - 1, "load wrap");
  /* straddling into a page without W: nothing is written */
  v->perms[20] = CRV_PERM_R;
  memset(v->data + 20 * 4096 - 4, 0, 8);
  v->cpu.pc = 0x2000;
  v->cpu.x[11] = 20 * 4096 - 2;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_cause == CRV_TRAP_STORE_FAULT && v->data[20 * 4096 - 2] == 0, "no partial store");
  /* straddling two readable pages works */
  v->cpu.pc = 0x2004;
  v->data[20 * 4096 - 2] = 0x11; v->data[20 * 4096 - 1] = 0x22; v->data[20 * 4096] = 0x33; v->data[20 * 4096 + 1] = 0x44;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[13] == 0x44332211, "straddling load %llx", (unsigned long long)v->cpu.x[13]);
  free(v);

  /* saturated suffix cost (> 2^32): still exact */
  v = vm_new(64, 0x1000, 0x2000);
  uint32_t s[] = {ADDI(5, 5, 1), ADDI(5, 5, 1), ADDI(5, 5, 1), ECALL};
  vm_put(v, 0x1000, s, 4);
  v->costs.alu = 0xffffffffu;
  vm_decode(v);
  v->cpu.budget = 2ull * 0xffffffffu + 5;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_BUDGET && v->cpu.pc == 0x1008 && v->cpu.instret == 2 && v->cpu.budget == 5, "saturated: st %d pc %llx n %llu b %llu", st, (unsigned long long)v->cpu.pc, (unsigned long long)v->cpu.instret, (unsigned long long)v->cpu.budget);
  v->cpu.budget += 0xffffffffull + 17;
  st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.instret == 4 && v->cpu.budget == 5 && v->cpu.x[5] == 3, "saturated resume: st %d pc %llx n %llu b %llu", st, (unsigned long long)v->cpu.pc, (unsigned long long)v->cpu.instret, (unsigned long long)v->cpu.budget);
  free(v);
}

/* ---- fused pairs ----
   The core fuses some adjacent instruction pairs into one dispatch. Every pair of the forms below
   (so any pair list the core uses) is run, under several register-aliasing patterns, as a
   whole run (fused), and compared with single steps (a budget of one instruction's cost per
   crv_run, which never fuses): reached by falling through from a producer, as a jump target,
   and by a jump into the middle of the pair; and stopped for budget before, between and after
   the two, then resumed. Status, pc, registers, counters, budget, trap fields and the data page
   must all agree. */
typedef struct form {
  const char *name;
  int kind; /* 0 I-type (rd, rs1), 1 R-type (rd, rs1, rs2), 2 load (rd, imm(rs1)), 3 store (rs2, imm(rs1)),
               4 branch (rs1, rs2), 5 U-type (rd) */
  uint32_t base; /* encoding without registers */
  int rv64;      /* only on RV64 */
} form;
static const form k_forms[] = {
    {"addi", 0, 0x00500013, 0},   {"addi0", 0, 0x00000013, 0}, {"slli", 0, 0x00301013, 0},
    {"srli", 0, 0x01f05013, 0},   {"srli63", 0, 0x03f05013, 1}, {"srai", 0, 0x40305013, 0},
    {"andi", 0, 0x0ff07013, 0},   {"xori-1", 0, 0xfff04013, 0}, {"sltiu", 0, 0x00a03013, 0},
    {"ori", 0, 0x07006013, 0},    {"addiw", 0, 0xfff0001b, 1}, {"slliw", 0, 0x0030101b, 1},
    {"srliw", 0, 0x0070501b, 1},  {"sraiw", 0, 0x4070501b, 1},
    {"add", 1, 0x00000033, 0},    {"sub", 1, 0x40000033, 0},   {"xor", 1, 0x00004033, 0},
    {"or", 1, 0x00006033, 0},     {"and", 1, 0x00007033, 0},   {"sltu", 1, 0x00003033, 0},
    {"slt", 1, 0x00002033, 0},    {"sll", 1, 0x00001033, 0},   {"srl", 1, 0x00005033, 0},
    {"mul", 1, 0x02000033, 0},    {"mulhu", 1, 0x02003033, 0}, {"mulh", 1, 0x02001033, 0},
    {"divu", 1, 0x02005033, 0},   {"addw", 1, 0x0000003b, 1},  {"subw", 1, 0x4000003b, 1},
    {"mulw", 1, 0x0200003b, 1},   {"sllw", 1, 0x0000103b, 1},
    {"lw", 2, 0x00402003, 0},     {"ld", 2, 0x00803003, 1},    {"lwu", 2, 0x00006003, 1},
    {"lbu", 2, 0x00104003, 0},    {"lh", 2, 0x00201003, 0},
    {"sw", 3, 0x00002223, 0},     {"sd", 3, 0x00003423, 1},    {"sb", 3, 0x000000a3, 0},
    {"bne", 4, 0x00001463, 0},    {"beq", 4, 0x00000463, 0},   {"bltu", 4, 0x00006463, 0},
    {"bgeu", 4, 0x00007463, 0},   {"blt", 4, 0x00004463, 0},
    {"lui", 5, 0x12345037, 0},
};
#define NFORMS (sizeof k_forms / sizeof k_forms[0])

static uint32_t form_enc(const form *f, uint32_t rd, uint32_t rs1, uint32_t rs2) {
  switch (f->kind) {
  case 0: case 2: return f->base | rd << 7 | rs1 << 15;
  case 1: return f->base | rd << 7 | rs1 << 15 | rs2 << 20;
  case 3: case 4: return f->base | rs1 << 15 | rs2 << 20; /* branches jump +8, stores at 4/1/8(rs1) */
  default: return f->base | rd << 7;
  }
}

/* Register patterns {rd, rs1, rs2} of the first and the second instruction. */
static const uint8_t k_regs[][6] = {
    {5, 6, 7, 8, 5, 9},  /* second reads the first's rd as rs1 */
    {5, 6, 7, 8, 9, 5},  /* ... as rs2 */
    {5, 6, 7, 6, 5, 5},  /* second writes the first's source, reads its rd twice */
    {0, 6, 7, 8, 0, 6},  /* first writes x0, second reads x0 */
    {5, 5, 5, 5, 5, 5},  /* everything one register */
    {5, 6, 7, 6, 7, 6},  /* independent; second overwrites the first's rs1 */
    {6, 6, 7, 7, 6, 6},  /* first is rd == rs1 (addi self), second reads it */
};

typedef struct snap {
  crv_status st;
  crv_cpu cpu;
  uint8_t page[64];
} snap;

static void fuse_setup(vm *v, uint32_t xlen, const uint32_t *prog, int vals) {
  /* decode only when the program changes (the runs never write code) */
  if (v->cpu.xlen != xlen || memcmp(v->data + 0x1000, prog, 7 * 4) || !v->data[0x1000]) {
    memset(v->data + 0x1000, 0, 4096);
    vm_put(v, 0x1000, prog, 7);
    crv_decode(&v->mem, &v->costs, xlen, 0x1000, 0x2000);
  }
  /* vals 0 runs loads and stores through the inline paths, vals 1 through the slow ones */
  for (unsigned p = 0; p < MEM / 4096; p++) v->perms[p] &= CRV_PERM_MASK;
  if (!vals) crv_perms_sync(&v->mem, 0, MEM);
  for (int i = 0; i < 64; i++) v->data[0x3000 + i] = (uint8_t)(0x9d * i + 0x31);
  memset(&v->cpu, 0, sizeof v->cpu);
  v->cpu.xlen = xlen;
  static const uint64_t addr_vals[10] = {0, 1, 0x3000, 0x3008, 0x3011, 0x3020, 0x3004, 0x3018, 0x3002, 0x3ffe};
  static const uint64_t arith_vals[10] = {0, 3, 0x8000000000000001ull, ~0ull, 0x3000, 63, 0xfffffffful,
                                          0x7fffffffull, 0x80000000ull, 0x123456789abcdefull};
  for (int r = 1; r < 10; r++) v->cpu.x[r] = vals ? arith_vals[r] : addr_vals[r];
  if (xlen == 32)
    for (int r = 1; r < 10; r++) v->cpu.x[r] = (uint32_t)v->cpu.x[r];
}

static void fuse_take(const vm *v, crv_status st, snap *s) {
  s->st = st;
  s->cpu = v->cpu;
  memcpy(s->page, v->data + 0x3000, sizeof s->page);
}

static int snap_eq(const snap *a, const snap *b) {
  if (a->st != b->st || a->cpu.pc != b->cpu.pc || a->cpu.budget != b->cpu.budget ||
      a->cpu.instret != b->cpu.instret || memcmp(a->cpu.x, b->cpu.x, sizeof a->cpu.x) ||
      memcmp(a->page, b->page, sizeof a->page))
    return 0;
  if (a->st == CRV_STATUS_TRAP &&
      (a->cpu.trap_cause != b->cpu.trap_cause || a->cpu.trap_value != b->cpu.trap_value ||
       (a->cpu.trap_cause == CRV_TRAP_ILLEGAL_INSN && a->cpu.trap_insn != b->cpu.trap_insn)))
    return 0;
  return 1;
}

/* Cost of the instruction at pc by the vm's costs (as the core classifies it), 0 for none. */
static uint64_t insn_cost(const vm *v, uint64_t pc) {
  uint32_t w;
  memcpy(&w, v->data + pc, 4);
  switch (w & 0x7f) {
  case 0x03: return v->costs.load;
  case 0x23: return v->costs.store;
  case 0x63: return v->costs.branch;
  case 0x6f: case 0x67: return v->costs.jump;
  case 0x73: return v->costs.system;
  case 0x33: case 0x3b: return (w >> 25) == 1 ? (((w >> 12) & 7) < 4 ? v->costs.mul : v->costs.div) : v->costs.alu;
  default: return v->costs.alu;
  }
}

/* Single steps from the current state until an exit other than a budget stop, or until `max`
   instructions retired (then the state is the one after them). */
static crv_status step_run(vm *v, uint64_t max, uint64_t budget) {
  crv_status st = CRV_STATUS_BUDGET;
  uint64_t left = budget;
  while (v->cpu.instret < max) {
    const uint64_t c = v->cpu.pc >= 0x1000 && v->cpu.pc < 0x2000 ? insn_cost(v, v->cpu.pc) : 0;
    if (c > left) { st = CRV_STATUS_BUDGET; break; }
    v->cpu.budget = c;
    st = crv_run(&v->cpu, &v->mem, &v->costs);
    left -= c - v->cpu.budget;
    v->cpu.budget = 0;
    if (st != CRV_STATUS_BUDGET) break;
  }
  v->cpu.budget = left;
  return st;
}

static void test_fusion(void) {
  vm *v = vm_new(64, 0x1000, 0x2000);
  int cases = 0;
  for (uint32_t xlen = 64; xlen >= 32; xlen -= 32) {
    for (unsigned fi = 0; fi < NFORMS; fi++) {
      const form *f = &k_forms[fi];
      if (f->kind == 4 || (f->rv64 && xlen == 32)) continue; /* a branch ends the block */
      for (unsigned si = 0; si < NFORMS; si++) {
        const form *s = &k_forms[si];
        if (s->rv64 && xlen == 32) continue;
        for (unsigned ri = 0; ri < sizeof k_regs / sizeof k_regs[0]; ri++) {
          const uint8_t *r = k_regs[ri];
          const uint32_t prog[7] = {
              ADDI(r[1], r[1], 0),               /* 0x1000: mv, a producer of the first's rs1 */
              form_enc(f, r[0], r[1], r[2]),     /* 0x1004: first */
              form_enc(s, r[3], r[4], r[5]),     /* 0x1008: second */
              ECALL,                             /* 0x100c */
              EBREAK,                            /* 0x1010: taken branches land here */
              J(0, -0x10),                       /* 0x1014: jump to the first */
              J(0, -0x10),                       /* 0x1018: jump into the middle (the second) */
          };
          for (int vals = 0; vals < 2; vals++) {
            static const uint64_t entries[4] = {0x1000, 0x1004, 0x1014, 0x1018};
            for (int ei = 0; ei < 4; ei++) {
              snap whole, ref;
              fuse_setup(v, xlen, prog, vals);
              v->cpu.pc = entries[ei];
              v->cpu.budget = 1000;
              fuse_take(v, crv_run(&v->cpu, &v->mem, &v->costs), &whole);
              fuse_setup(v, xlen, prog, vals);
              v->cpu.pc = entries[ei];
              fuse_take(v, step_run(v, ~0ull, 1000), &ref);
              cases++;
              CHECK(snap_eq(&whole, &ref), "fusion rv%u %s+%s regs %u vals %d entry %llx: st %d/%d pc %llx/%llx", xlen,
                    f->name, s->name, ri, vals, (unsigned long long)entries[ei], whole.st, ref.st,
                    (unsigned long long)whole.cpu.pc, (unsigned long long)ref.cpu.pc);
              if (ei != 0) continue;
              /* budget stops around the pair (entering at 0x1000): one short of the first, after
                 it, one short of the second, after it; then resume with the rest */
              uint64_t cum = insn_cost(v, 0x1000);
              for (int k = 1; k < 3; k++) {
                const uint64_t c = insn_cost(v, 0x1000 + 4u * (unsigned)k);
                for (int d = -1; d <= 0; d++) {
                  const uint64_t b = cum + c + (uint64_t)(int64_t)d;
                  fuse_setup(v, xlen, prog, vals);
                  v->cpu.pc = 0x1000;
                  v->cpu.budget = b;
                  snap stop, sref, fin;
                  fuse_take(v, crv_run(&v->cpu, &v->mem, &v->costs), &stop);
                  v->cpu.budget += 1000 - b;
                  fuse_take(v, crv_run(&v->cpu, &v->mem, &v->costs), &fin);
                  fuse_setup(v, xlen, prog, vals);
                  v->cpu.pc = 0x1000;
                  fuse_take(v, step_run(v, ~0ull, b), &sref);
                  CHECK(snap_eq(&stop, &sref), "fusion stop rv%u %s+%s regs %u vals %d budget %llu: st %d/%d pc %llx/%llx",
                        xlen, f->name, s->name, ri, vals, (unsigned long long)b, stop.st, sref.st,
                        (unsigned long long)stop.cpu.pc, (unsigned long long)sref.cpu.pc);
                  CHECK(snap_eq(&fin, &whole) || stop.st != CRV_STATUS_BUDGET,
                        "fusion resume rv%u %s+%s regs %u vals %d budget %llu", xlen, f->name, s->name, ri, vals,
                        (unsigned long long)b);
                }
                cum += c;
              }
            }
          }
        }
      }
    }
  }
  CHECK(cases > 20000, "fusion cases %d", cases);
  free(v);
}

/* Known results of a few idioms, so that fusing cannot be wrong in the same way as stepping. */
static void test_fusion_idioms(void) {
  for (int same = 0; same < 2; same++) {
    /* rotate left by 1: slli t0,a0,1; srli t1,a0,63; or a0,t0,t1 (or the same-register form
       slli t0,a0,1; srli a0,a0,63; or a0,t0,a0) */
    vm *v = vm_new(64, 0x1000, 0x2000);
    const uint32_t p[] = {0x00151293u, same ? 0x03f55513u : 0x03f55313u,
                          same ? R(0x33, 6, 0, 10, 5, 10) : R(0x33, 6, 0, 10, 5, 6), ECALL};
    vm_put(v, 0x1000, p, 4);
    vm_decode(v);
    v->cpu.x[10] = 0x8000000000000003ull;
    crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
    CHECK(st == CRV_STATUS_ECALL && v->cpu.x[10] == 0x0000000000000007ull && v->cpu.instret == 4,
          "rotate (same %d): %llx", same, (unsigned long long)v->cpu.x[10]);
    free(v);
  }
  /* carry: add t4,a7,t4; sltu a7,t4,a7 (the second reads the first's rd and its own rd) */
  vm *v = vm_new(32, 0x1000, 0x2000);
  const uint32_t q[] = {ADD(29, 17, 29), R(0x33, 3, 0, 17, 29, 17), ECALL};
  vm_put(v, 0x1000, q, 3);
  vm_decode(v);
  v->cpu.x[17] = 0xfffffff0u;
  v->cpu.x[29] = 0x20;
  crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[29] == 0x10 && v->cpu.x[17] == 1, "carry: %llx %llx",
        (unsigned long long)v->cpu.x[29], (unsigned long long)v->cpu.x[17]);
  free(v);
}

/* Loads and stores that stay inside a page whose next page forbids them run inline on the page's
   own permission (the fast bits need both pages); one byte past the page is still a fault, with
   nothing stored, and a store into a writable page that holds code still re-decodes it. */
static void test_page_local_access(void) {
  for (int store = 0; store < 2; store++) {
    for (uint32_t k = 0; k < 4; k++) { /* funct3 of lb/sb .. ld/sd: 1, 2, 4, 8 bytes */
      const uint64_t n = 1u << k;
      for (uint64_t off = 4080; off < 4096; off++) {
        vm *v = vm_new(64, 0x1000, 0x2000);
        v->perms[4] = 0; /* 0x4000: nothing; 0x3000 (R|W) is the last page of its region */
        crv_perms_sync(&v->mem, 0, MEM);
        const uint32_t prog[] = {store ? S(k, 5, 6, 0) : I(0x03, k, 7, 5, 0), ECALL};
        vm_put(v, 0x1000, prog, 2);
        vm_decode(v);
        for (unsigned i = 0; i < 4096; i++) v->data[0x3000 + i] = (uint8_t)(i * 7 + 1);
        const uint64_t a = 0x3000 + off;
        v->cpu.x[5] = a;
        v->cpu.x[6] = 0x8877665544332211ull;
        crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
        if (off + n <= 4096) {
          uint64_t want = 0;
          for (uint64_t i = 0; i < n; i++) want |= (uint64_t)(store ? (uint8_t)(0x11 * (i + 1)) : v->data[a + i]) << (8 * i);
          uint64_t got = 0;
          for (uint64_t i = 0; i < n; i++) got |= (uint64_t)v->data[a + i] << (8 * i);
          CHECK(st == CRV_STATUS_ECALL && (store || (n == 8 ? v->cpu.x[7] : v->cpu.x[7] & ((1ull << (8 * n)) - 1)) == want) &&
                    got == want,
                "%s of %llu at +%llu: status %d", store ? "store" : "load", (unsigned long long)n,
                (unsigned long long)off, st);
        } else {
          int untouched = 1;
          for (unsigned i = 0; i < 4096; i++) untouched &= v->data[0x3000 + i] == (uint8_t)(i * 7 + 1);
          CHECK(st == CRV_STATUS_TRAP && v->cpu.trap_value == a &&
                    v->cpu.trap_cause == (store ? CRV_TRAP_STORE_FAULT : CRV_TRAP_LOAD_FAULT) && untouched,
                "%s of %llu at +%llu crossing into a page without access: status %d cause %u value %llx",
                store ? "store" : "load", (unsigned long long)n, (unsigned long long)off, st, v->cpu.trap_cause,
                (unsigned long long)v->cpu.trap_value);
        }
        free(v);
      }
    }
  }
  /* The last page of a read-write-execute region, holding code: a store there re-decodes. */
  vm *v = vm_new(64, 0x1000, 0x3000);
  v->perms[2] = CRV_PERM_R | CRV_PERM_W | CRV_PERM_X;
  v->perms[3] = 0;
  crv_perms_sync(&v->mem, 0, MEM);
  const uint32_t prog[] = {S(2, 5, 6, 0), J(0, 0x2ff8 - 0x1004)};
  const uint32_t tail[] = {ADDI(10, 0, 1), ECALL};
  vm_put(v, 0x1000, prog, 2);
  vm_put(v, 0x2ff8, tail, 2);
  vm_decode(v);
  v->cpu.x[5] = 0x2ff8;
  v->cpu.x[6] = ADDI(10, 0, 7);
  crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
  CHECK(st == CRV_STATUS_ECALL && v->cpu.x[10] == 7, "code stored into the last page of an RWX region: %d, a0 %llu", st,
        (unsigned long long)v->cpu.x[10]);
  free(v);
}

/* A store into code marks the slot stale; it is decoded when reached (rv_ent.stale). Each
   program is run at every budget and compared with a walk of its instructions' costs, then
   resumed to the end: the stop is where the new instruction's price puts it, the charge exact.
   1) The stale slot is in a later block, whose prefix holds a store into code that changes no
      byte (store_slow's MEM_OK path): a budget stop placed at the stale slot must not become a
      real stop there (the new word is cheaper than the old one).
   2) The stale slot is the first of a page and is reached by falling through from the page
      before (a new block: its charge is given back only once it was made).
   3) The slot before the stale one fused with it (addi rd, rd, imm twice): the pair must be
      split when the slot is marked, or the old word runs inside the pair.
   4) The slot after the stale one took its operand from the old word's result (an _A
      handler): once the slot is decoded, the next one must read the register again.
   5) A budget stop placed after the stale slot by the old prices is taken away when the slot
      is reached; a store that changes no byte later in the block (which puts a live stop back)
      must not bring it back. */
static void stale_case(int which, uint64_t b, const uint64_t *cost, unsigned ninsn, uint64_t a0_end) {
  vm *v = vm_new(64, 0x1000, 0x3000);
  v->perms[1] = v->perms[2] = CRV_PERM_R | CRV_PERM_W | CRV_PERM_X;
  const uint32_t OLD = R(0x33, 0, 1, 10, 11, 11); /* mul a0, a1, a1: 11 */
  const uint32_t NEW = ADDI(10, 10, 5);           /* addi a0, a0, 5: 1 */
  if (which == 1) {
    uint32_t p[] = {SW(12, 13, 0x20), J(0, 0x14), 0, 0, 0, 0, SW(12, 14, 0x1c), ADDI(15, 0, 2), OLD, ADDI(16, 0, 3), ECALL};
    vm_put(v, 0x1000, p, 11);
    v->cpu.x[14] = ADDI(15, 0, 2); /* the word already at 0x101c */
  } else if (which == 3) {
    uint32_t p[] = {SW(12, 13, 0x20), J(0, 0x14), 0, 0, 0, 0, ADDI(14, 0, 1), ADDI(15, 15, 2), ADDI(10, 10, 7), ECALL};
    vm_put(v, 0x1000, p, 10);
  } else if (which == 5) {
    uint32_t p[] = {SW(12, 13, 0x1c), J(0, 0x14), 0, 0, 0, 0, ADDI(14, 0, 1), OLD, SW(12, 16, 0x20), ADDI(17, 0, 3), ECALL};
    vm_put(v, 0x1000, p, 11);
    v->cpu.x[16] = SW(12, 16, 0x20); /* the store at 0x1020 writes its own word */
  } else if (which == 4) {
    uint32_t p[] = {SW(12, 13, 0x20), J(0, 0x14), 0, 0, 0, 0, ADDI(14, 0, 1), ADDI(15, 0, 2), ADDI(16, 16, 7),
                    ADD(10, 16, 10), ECALL};
    vm_put(v, 0x1000, p, 11);
  } else {
    uint32_t p[] = {SW(12, 13, 0), J(0, 0xff4)}; /* a2 = 0x2000 */
    vm_put(v, 0x1000, p, 2);
    uint32_t q[] = {ADDI(15, 0, 1), ADDI(16, 0, 2), OLD, ECALL};
    vm_put(v, 0x1ff8, q, 4);
  }
  vm_decode(v);
  v->cpu.x[10] = 4;
  v->cpu.x[11] = 6;
  v->cpu.x[12] = which == 2 ? 0x2000 : 0x1000;
  v->cpu.x[13] = which == 3 ? OLD : which == 4 ? ADDI(12, 0, 100) : NEW; /* 3: a cheap word becomes the mul */
  v->cpu.budget = b;
  crv_status st = crv_run(&v->cpu, &v->mem, &v->costs);
  uint64_t left = b;
  unsigned n = 0;
  while (n < ninsn && cost[n] <= left) left -= cost[n++];
  CHECK(v->cpu.instret == n && v->cpu.budget == left && (n == ninsn ? st == CRV_STATUS_ECALL : st == CRV_STATUS_BUDGET),
        "stale case %d budget %llu: n %llu/%u left %llu/%llu st %d", which, (unsigned long long)b,
        (unsigned long long)v->cpu.instret, n, (unsigned long long)v->cpu.budget, (unsigned long long)left, st);
  if (st == CRV_STATUS_BUDGET) {
    v->cpu.budget += 1000;
    st = crv_run(&v->cpu, &v->mem, &v->costs);
  }
  uint64_t total = 0;
  for (unsigned i = 0; i < ninsn; i++) total += cost[i];
  CHECK(st == CRV_STATUS_ECALL && v->cpu.instret == ninsn && v->cpu.x[10] == a0_end &&
            v->cpu.budget == (n == ninsn ? b - total : b + 1000 - total),
        "stale case %d resumed from %llu: st %d instret %llu a0 %llu budget %llu", which, (unsigned long long)b, st,
        (unsigned long long)v->cpu.instret, (unsigned long long)v->cpu.x[10], (unsigned long long)v->cpu.budget);
  free(v);
}

static void test_stale_slots(void) {
  /* sw 3, jal 7, sw 3 (same bytes), addi 1, the new addi 1, addi 1, ecall 17 */
  static const uint64_t c1[] = {3, 7, 3, 1, 1, 1, 17};
  /* sw 3, jal 7, addi 1, addi 1, the new addi 1 (first slot of 0x2000), ecall 17 */
  static const uint64_t c2[] = {3, 7, 1, 1, 1, 17};
  /* sw 3, jal 7, addi 1, addi 1, the new mul 11, ecall 17 */
  static const uint64_t c3[] = {3, 7, 1, 1, 11, 17};
  /* sw 3, jal 7, addi 1, addi 1, the new addi 1, add 1, ecall 17 */
  static const uint64_t c4[] = {3, 7, 1, 1, 1, 1, 17};
  /* sw 3, jal 7, addi 1, the new addi 1, sw 3 (same bytes), addi 1, ecall 17 */
  static const uint64_t c5[] = {3, 7, 1, 1, 3, 1, 17};
  for (uint64_t b = 0; b <= 45; b++) {
    stale_case(1, b, c1, 7, 9);
    stale_case(2, b, c2, 6, 9);
    stale_case(3, b, c3, 6, 36);
    stale_case(4, b, c4, 7, 4);
    stale_case(5, b, c5, 7, 9);
  }
}

int main(void) {
  test_disasm();
  test_entry_exit();
  test_rv32_regs();
  test_rv32_counter_high_halves();
  test_rv32_counter_low_half_compares();
  test_metering_exhaustive();
  test_smc();
  test_host_redecode();
  test_code_store_cost();
  test_misc();
  test_fusion();
  test_fusion_idioms();
  test_page_local_access();
  test_stale_slots();
  printf("unit: %d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
