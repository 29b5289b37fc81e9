/*
 * libFuzzer target for the CRISCV core: random instruction words in an RWX code page plus
 * random registers, run with tiny budgets. Never crash (ASan/UBSan), never hang, and two
 * oracles must hold: the same input run with its budget given at once and given in random
 * chunks ends in the same state (metering), and a run whose ecalls go to an in-loop handler
 * (mem->ecall) ends in the same state as one whose ecalls return to the host, which does the
 * same work between runs (the handler writes a0 and, with flag bit 4, guest memory, code
 * included); a third: a run whose pages are decoded as execution first enters them
 * (crv_decode_lazy) ends in the same state as the run decoded up front; a fourth: the run
 * with the fast-path bits derived (crv_perms_sync) ends as the run without them, whose inline
 * accesses are only those inside one page (on the data pages 3-7: the decode derives the bits
 * of the code pages and the page before them either way).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *     -fno-strict-aliasing Fuzz/crv_fuzz_insns.c CSources/CRISCV/crv_run.c \
 *     CSources/CRISCV/crv_decode.c -o crv_fuzz && ./crv_fuzz -max_total_time=120
 *
 * Input layout: byte 0 flags (bit 0: RV32; bit 1: second code page also X; bit 2: data page
 * is RWX; bit 3: crv_perms_sync, so loads and stores take the inline paths; bit 4: ecalls also
 * store a1 at a2 when writable), bytes 1..8 cost classes (0..7 each; bits 3..6 of byte 1: the
 * extra cost of a store that changes code, 0..15), byte 9 budget, bytes 10..13 chunk seed, then
 * 32 little-endian register seeds (4 bytes each, mapped to useful values), then code words.
 */
#include "../CSources/CRISCV/include/CRISCV.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAGES 8
#define MEMSZ (PAGES * 4096u)
#define CODE_LO 0x1000u
#define CODE_HI 0x3000u

typedef struct box {
  uint8_t data[MEMSZ];
  uint8_t perms[PAGES];
  crv_insn code[CRV_CODE_ENTRIES_FOR_SLOTS((CODE_HI - CODE_LO) / 4)];
  crv_cpu cpu;
  crv_memory mem;
  crv_status last;
  int calls;
  uint64_t ungiven; /* budget not yet handed out when the run ended */
  const crv_costs *costs;
  int store_on_ecall; /* flag bit 4 */
  int lazy;           /* decoded with crv_decode_lazy */
  int flip_sync;      /* crv_perms_sync where flag bit 3 says not, and not where it says so */
} box;

static box A, Bx, C, D, E;

/* What the "host" does for an ecall, in the loop (the handler) or between runs: a0 = 3 a0 + 1;
   with store_on_ecall, the low 4 bytes of a1 go to address a2 when its pages are writable
   (re-decoding code it changes, as a host must). */
static void host_ecall(box *b, crv_cpu *cpu) {
  const uint64_t mask = cpu->xlen == 32 ? 0xffffffffu : ~0ull;
  cpu->x[10] = (cpu->x[10] * 3 + 1) & mask;
  if (!b->store_on_ecall) return;
  const uint64_t a = cpu->x[12];
  if (a > MEMSZ - 4 || !(b->perms[a >> 12] & CRV_PERM_W) || !(b->perms[(a + 3) >> 12] & CRV_PERM_W)) return;
  const uint32_t v = (uint32_t)cpu->x[11];
  /* A deferred page is decoded from its bytes before the host changes them (CRISCV.h). */
  if (b->lazy && a + 4 > CODE_LO && a < CODE_HI) crv_decode_pending(&b->mem, b->costs, cpu->xlen, a, a + 4);
  memcpy(b->data + a, &v, 4);
  if (a + 4 > CODE_LO && a < CODE_HI) crv_decode(&b->mem, b->costs, cpu->xlen, a, a + 4);
}

static int ecall_handler(void *ctx, crv_cpu *cpu) {
  host_ecall((box *)ctx, cpu);
  return CRV_ECALL_CONTINUE;
}

static uint64_t reg_from(uint32_t s, int rv32) {
  uint64_t v;
  switch (s & 7) {
  case 0: v = s >> 3; break;                            /* small */
  case 1: v = CODE_LO + ((s >> 3) & 0x1ffc); break;     /* code addresses */
  case 2: v = (s >> 3) % MEMSZ; break;                  /* any address */
  case 3: v = (uint64_t)(int64_t)(int32_t)s; break;     /* sign-extended word */
  case 4: v = ((uint64_t)s << 32) | (s * 2654435761u); break;
  case 5: v = (uint64_t)1 << (s >> 3 & 63); break;
  case 6: v = ~(uint64_t)0 - (s >> 3); break;
  default: v = MEMSZ - (s >> 3 & 15); break;            /* near the end */
  }
  return rv32 ? (uint32_t)v : v;
}

static void setup(box *b, const uint8_t *in, size_t n, crv_costs *costs) {
  memset(b->data, 0, sizeof b->data);
  const uint8_t fl = in[0];
  const int rv32 = fl & 1;
  b->perms[0] = 0;
  b->perms[1] = CRV_PERM_R | CRV_PERM_W | CRV_PERM_X;
  b->perms[2] = (fl & 2) ? (CRV_PERM_R | CRV_PERM_X) : CRV_PERM_R;
  b->perms[3] = (fl & 4) ? 7 : (CRV_PERM_R | CRV_PERM_W);
  b->perms[4] = CRV_PERM_R | CRV_PERM_W;
  b->perms[5] = CRV_PERM_W;
  b->perms[6] = CRV_PERM_R;
  b->perms[7] = CRV_PERM_R | CRV_PERM_W;
  b->mem = (crv_memory){b->data, MEMSZ, b->perms, b->code, CODE_LO, CODE_HI, NULL, NULL};
  /* bit 3: derive the fast-path bits (inline loads/stores whatever the next page allows), else
     only accesses that stay inside a page that allows them run inline; the rest take the slow
     path */
  if (!(fl & 8) != !b->flip_sync) crv_perms_sync(&b->mem, 0, MEMSZ);
  memset(&b->cpu, 0, sizeof b->cpu);
  b->cpu.xlen = rv32 ? 32 : 64;
  for (int i = 0; i < 32; i++) {
    uint32_t s;
    memcpy(&s, in + 14 + 4 * i, 4);
    b->cpu.x[i] = reg_from(s, rv32);
  }
  const size_t code_bytes = n - 142 > CODE_HI - CODE_LO ? CODE_HI - CODE_LO : n - 142;
  memcpy(b->data + CODE_LO, in + 142, code_bytes);
  /* the same words again in the data page, as material for loads/stores/jumps */
  memcpy(b->data + 0x3000, in + 142, code_bytes > 4096 ? 4096 : code_bytes);
  b->mem = (crv_memory){b->data, MEMSZ, b->perms, b->code, CODE_LO, CODE_HI, NULL, NULL};
  b->cpu.pc = CODE_LO;
  b->costs = costs;
  b->store_on_ecall = (fl & 16) != 0;
  if (b->lazy) {
    memset(b->code, 0, sizeof b->code); /* crv_decode_lazy needs zero slots */
    crv_decode_lazy(&b->mem, costs, b->cpu.xlen, CODE_LO, CODE_HI);
  } else {
    crv_decode(&b->mem, costs, b->cpu.xlen, CODE_LO, CODE_HI);
  }
}

/* Runs until a trap, or `max_calls` returns; hands out `total` budget in chunks if seed != 0. */
static void drive(box *b, const crv_costs *costs, uint64_t total, uint32_t seed) {
  uint64_t given = seed ? 0 : total;
  b->cpu.budget = given;
  uint32_t r = seed | 1;
  b->ungiven = total - given;
  for (b->calls = 0; b->calls < 400; b->calls++) {
    const uint64_t before_pc = b->cpu.pc, before_n = b->cpu.instret;
    crv_status st = crv_run(&b->cpu, &b->mem, costs);
    b->last = st;
    if (st == CRV_STATUS_TRAP) return;
    if (st == CRV_STATUS_BUDGET) {
      if (given == total) return;
      r ^= r << 13; r ^= r >> 17; r ^= r << 5;
      uint64_t add = r % 7;
      if (add > total - given) add = total - given;
      given += add;
      b->ungiven = total - given;
      b->cpu.budget += add;
      continue;
    }
    /* ecall / ebreak: pretend the host did something deterministic */
    (void)before_pc; (void)before_n;
    if (st == CRV_STATUS_ECALL) host_ecall(b, &b->cpu);
    else b->cpu.x[10] = (b->cpu.x[10] * 3 + 1) & (b->cpu.xlen == 32 ? 0xffffffffu : ~0ull);
  }
}

/* Whether two runs of one input ended alike: status, pc, counts, budget, registers, memory and,
   after a trap, its cause and value (and the instruction word with `insn`). */
static int same_end(const box *x, const box *y, int insn) {
  if (x->last != y->last || x->cpu.pc != y->cpu.pc || x->cpu.instret != y->cpu.instret ||
      x->cpu.budget != y->cpu.budget || memcmp(x->cpu.x, y->cpu.x, sizeof x->cpu.x) || memcmp(x->data, y->data, MEMSZ))
    return 0;
  if (x->last != CRV_STATUS_TRAP) return 1;
  return x->cpu.trap_cause == y->cpu.trap_cause && x->cpu.trap_value == y->cpu.trap_value &&
         (!insn || x->cpu.trap_insn == y->cpu.trap_insn);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n) {
  if (n < 146) return 0;
  crv_costs costs = {in[1] & 7, in[2] & 7, in[3] & 7, in[4] & 7, in[5] & 7, in[6] & 7, in[7] & 7, in[8] & 7,
                     (uint32_t)(in[1] >> 3) & 15};
  /* a zero cost everywhere could loop forever in one call: keep jumps and branches paid */
  if (!costs.jump) costs.jump = 1;
  if (!costs.branch) costs.branch = 1;
  const uint64_t total = in[9] * 4u;
  uint32_t seed;
  memcpy(&seed, in + 10, 4);
  seed |= 1;

  setup(&A, in, n, &costs);
  drive(&A, &costs, total, 0);
  setup(&Bx, in, n, &costs);
  drive(&Bx, &costs, total, seed);
  setup(&C, in, n, &costs);
  C.mem.ecall = ecall_handler;
  C.mem.ecall_ctx = &C;
  drive(&C, &costs, total, 0);

  /* Both runs saw the same budget in total (B may have stopped early only when A did too). */
  if (A.calls < 400 && Bx.calls < 400) {
    if (A.last != Bx.last || A.cpu.pc != Bx.cpu.pc || A.cpu.instret != Bx.cpu.instret ||
        A.cpu.budget != Bx.cpu.budget + Bx.ungiven || memcmp(A.cpu.x, Bx.cpu.x, sizeof A.cpu.x) ||
        memcmp(A.data, Bx.data, MEMSZ) ||
        (A.last == CRV_STATUS_TRAP &&
         (A.cpu.trap_cause != Bx.cpu.trap_cause || A.cpu.trap_value != Bx.cpu.trap_value)))
      abort();
  }
  /* The in-loop handler changes nothing but the number of returns. */
  if (A.calls < 400 && C.calls < 400 && !same_end(&A, &C, 0)) abort();
  /* Decoding a page when it first runs changes nothing either. */
  D.lazy = 1;
  setup(&D, in, n, &costs);
  drive(&D, &costs, total, 0);
  if (A.calls < 400 && D.calls < 400 && !same_end(&A, &D, 1)) abort();
  /* Inline accesses by the fast bits (both pages) or by one page's own bits agree. */
  E.flip_sync = 1;
  setup(&E, in, n, &costs);
  drive(&E, &costs, total, 0);
  if (A.calls < 400 && E.calls < 400 && !same_end(&A, &E, 0)) abort();
  /* invariants */
  if (A.cpu.x[0] != 0) abort();
  if (A.cpu.xlen == 32)
    for (int i = 0; i < 32; i++)
      if (A.cpu.x[i] >> 32) abort();
  return 0;
}
