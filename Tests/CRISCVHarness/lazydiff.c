/* Differential tester: the same random program (2-7 pages, RV32/RV64, branches and jumps at
   page edges, self-modifying and straddling stores, mixed page permissions, code ranges past
   guest memory) decoded eagerly (crv_decode) and lazily (crv_decode_lazy), run under the same
   budget schedule and host actions (in-loop and between runs: crv_decode_pending, writes,
   crv_redecode, crv_decode, X/W toggles); every observable must agree. From a review of the
   lazy decoding (7ffad5a); run.sh runs it. Build:
     clang -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-strict-aliasing \
       lazydiff.c ../../CSources/CRISCV/crv_run.c ../../CSources/CRISCV/crv_decode.c -o out/lazydiff
   Run: out/lazydiff [first_seed] [count] */
#include "../../CSources/CRISCV/include/CRISCV.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPAGES 16
#define MEMSZ (NPAGES * 4096u)

static uint64_t rs;
static uint64_t rnd(void) {
  rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
  return rs;
}
static uint32_t rn(uint32_t n) { return (uint32_t)(rnd() % n); }

#include "rvenc.h"

typedef struct box {
  uint8_t data[MEMSZ];
  uint8_t perms[NPAGES];
  crv_insn *code;
  crv_cpu cpu;
  crv_memory mem;
  crv_costs costs;
  int lazy;
  int act_mode;   /* host actions on ecall */
  uint64_t ecalls;
  uint64_t hseed; /* host action PRNG */
} box;

static uint64_t code_lo, code_hi;
static int xlen;

static uint64_t hrnd(box *b) {
  b->hseed ^= b->hseed << 13; b->hseed ^= b->hseed >> 7; b->hseed ^= b->hseed << 17;
  return b->hseed;
}

/* What the host does at an ecall (in the loop or between runs): deterministic per box. */
static void host_ecall(box *b, crv_cpu *cpu) {
  b->ecalls++;
  const uint64_t mask = cpu->xlen == 32 ? 0xffffffffu : ~0ull;
  cpu->x[10] = (cpu->x[10] * 3 + 1) & mask;
  if (!b->act_mode) return;
  const uint64_t r = hrnd(b);
  const uint64_t a = (cpu->x[12] & mask) % (MEMSZ - 8) & ~(uint64_t)3;
  switch (r % 6) {
  case 0: break;
  case 1: case 2: { /* a host write of 4 bytes (a system call's output), as RISCVMachine does */
    const uint32_t v = (uint32_t)cpu->x[11];
    crv_decode_pending(&b->mem, &b->costs, cpu->xlen, a, a + 4);
    memcpy(b->data + a, &v, 4);
    crv_redecode(&b->mem, &b->costs, cpu->xlen, a, 4);
    break;
  }
  case 3: { /* crv_decode of the page */
    crv_decode_pending(&b->mem, &b->costs, cpu->xlen, a, a + 4);
    const uint32_t v = (uint32_t)cpu->x[11];
    memcpy(b->data + a, &v, 4);
    crv_decode(&b->mem, &b->costs, cpu->xlen, a, a + 4);
    break;
  }
  case 4: { /* protect: toggle X of the page, as RISCVMachine.protect does */
    const uint64_t p = a >> 12;
    b->perms[p] ^= CRV_PERM_X;
    crv_perms_sync(&b->mem, p << 12, (p + 1) << 12);
    if ((p << 12) >= code_lo && (p << 12) < code_hi)
      crv_decode(&b->mem, &b->costs, cpu->xlen, p << 12, (p + 1) << 12);
    break;
  }
  case 5: { /* toggle W (no X change: no decode) */
    const uint64_t p = a >> 12;
    b->perms[p] ^= CRV_PERM_W;
    crv_perms_sync(&b->mem, p << 12, (p + 1) << 12);
    break;
  }
  }
}

static int ecall_handler(void *ctx, crv_cpu *cpu) {
  host_ecall((box *)ctx, cpu);
  return CRV_ECALL_CONTINUE;
}

/* Program: words for the code range. */
static uint32_t *prog;
static uint8_t pperm[NPAGES];
static uint64_t regs0[32];
static crv_costs costs0;

static int32_t near_target(uint64_t pc, int32_t range) {
  /* a target at a page edge +- a few words, or anywhere within range */
  uint64_t t;
  switch (rn(4)) {
  case 0: {
    uint64_t pg = code_lo + 4096ull * rn((uint32_t)((code_hi - code_lo) / 4096 + 1));
    t = pg + 4 * (int64_t)((int)rn(5) - 2);
    break;
  }
  case 1: t = code_lo + 4 * (uint64_t)rn((uint32_t)((code_hi - code_lo) / 4)); break;
  default: t = pc + 4 * (int64_t)((int)rn(41) - 20); break;
  }
  int64_t off = (int64_t)t - (int64_t)pc;
  if (off > range) off = range & ~3;
  if (off < -range) off = -(range & ~3);
  if (rn(30) == 0) off += 2; /* misaligned */
  return (int32_t)off;
}

static uint32_t gen_insn(uint64_t pc) {
  const uint32_t rd = 10 + rn(8), r1 = rn(3) ? 5 + rn(13) : rn(32), r2 = rn(3) ? 5 + rn(13) : rn(32);
  switch (rn(30)) {
  case 0: case 1: case 2: case 3: return I(0x13, 0, rd, r1, (int32_t)rn(64) - 32);       /* addi */
  case 4: return I(0x13, 0, rd, rd, (int32_t)rn(16));                                      /* addi self */
  case 5: return R(0x33, 0, 0, rd, r1, r2);                                                /* add */
  case 6: return R(0x33, 4, 0, rd, r1, r2);                                                /* xor */
  case 7: return R(0x33, rn(8), 1, rd, r1, r2);                                            /* M */
  case 8: return xlen == 64 ? R(0x3b, 0, 0, rd, r1, r2) : R(0x33, 6, 0, rd, r1, r2);       /* addw / or */
  case 9: return I(0x13, 5, rd, r1, rn(31));                                               /* srli */
  case 10: return I(0x03, xlen == 64 ? rn(7) : (uint32_t[]){0, 1, 2, 4, 5}[rn(5)], rd, 5 + rn(3), (int32_t)rn(64) - 32); /* load near base */
  case 11: case 12: case 13: return S(xlen == 64 ? rn(4) : rn(3), 5 + rn(3), 18 + rn(4), (int32_t)rn(64) - 32); /* store near base */
  case 14: case 15: return B(rn(8) == 2 ? 1 : (uint32_t[]){0, 1, 4, 5, 6, 7}[rn(6)], r1, rn(2) ? 0 : r2, near_target(pc, 4000));
  case 16: return J(rn(2) ? 0 : 1, near_target(pc, 1 << 19));
  case 17: return I(0x67, 0, rn(2) ? 0 : 1, 5 + rn(3), (int32_t)rn(16) * 4 - 32);           /* jalr */
  case 18: if (rn(4) == 0) return 0x00000073; return I(0x13, 0, 0, 0, 0);                  /* ecall / nop */
  case 19: return rn(8) == 0 ? 0x0000100f : I(0x13, 0, rd, 0, (int32_t)rn(2048));          /* fence.i / li */
  case 20: return 0;                                                                       /* illegal */
  case 21: return (uint32_t)rnd();                                                          /* random word */
  case 22: return I(0x73, 2, rd, 0, 0xC00 + rn(3));                                        /* rdcycle */
  case 23: return R(0x33, 3, 0, rd, r1, r2);                                               /* sltu */
  case 24: return R(0x33, 0, 0, rd, rd, rd);
  case 25: return I(0x37, 0, rd, 0, 0) | (rn(1 << 20) << 12);                               /* lui */
  case 26: return I(0x17, 0, rd, 0, 0);                                                      /* auipc */
  default: return I(0x13, 0, rd, r1, (int32_t)rn(8));
  }
}

static void make_program(void) {
  const uint64_t n = (code_hi - code_lo) / 4;
  free(prog);
  prog = calloc(n, 4);
  for (uint64_t p = 0; p < (code_hi - code_lo) / 4096; p++) {
    const uint32_t kind = rn(10);
    for (uint64_t i = 0; i < 1024; i++) {
      const uint64_t k = p * 1024 + i;
      const uint64_t pc = code_lo + 4 * k;
      if (kind == 0) prog[k] = 0;                         /* zero page (NOCODE when X) */
      else if (kind == 1) prog[k] = rn(50) ? 0 : gen_insn(pc); /* sparse */
      else if (kind == 2) prog[k] = (uint32_t)rnd();       /* random data */
      else prog[k] = gen_insn(pc);
    }
  }
  /* edge words: put jumps / branches / stores near page boundaries */
  for (uint64_t p = 0; p < (code_hi - code_lo) / 4096; p++)
    for (int j = 0; j < 3; j++) {
      uint64_t k = p * 1024 + (rn(2) ? rn(4) : 1020 + rn(4));
      if (prog[k]) prog[k] = gen_insn(code_lo + 4 * k);
    }
  static const uint8_t pk[] = {5, 5, 5, 7, 7, 7, 1, 3, 4, 0, 6, 2};
  for (int p = 0; p < NPAGES; p++) pperm[p] = 3;
  for (uint64_t a = code_lo; a < code_hi && a < MEMSZ; a += 4096) pperm[a >> 12] = pk[rn(sizeof pk)];
  pperm[code_lo >> 12] |= rn(3) ? 5 : 0;
  for (int i = 0; i < 32; i++) {
    switch (rn(5)) {
    case 0: regs0[i] = rn(100); break;
    case 1: regs0[i] = code_lo + 4 * rn((uint32_t)((code_hi - code_lo) / 4)); break;
    case 2: { uint64_t pg = code_lo + 4096ull * rn((uint32_t)((code_hi - code_lo) / 4096 + 1)); regs0[i] = pg - 8 + rn(16); break; }
    case 3: regs0[i] = gen_insn(code_lo); break;
    default: regs0[i] = rnd(); break;
    }
    if (xlen == 32) regs0[i] &= 0xffffffffu;
  }
  regs0[0] = 0;
  costs0 = (crv_costs){rn(4), rn(4), rn(4), 1 + rn(3), 1 + rn(3), rn(5), rn(5), rn(4), rn(2) ? 0 : rn(20)};
}

static void setup(box *b, int lazy, int act_mode, uint64_t hseed) {
  memset(b->data, 0, MEMSZ);
  memcpy(b->data + code_lo, prog, (code_hi < MEMSZ ? code_hi : MEMSZ) - code_lo);
  memcpy(b->perms, pperm, NPAGES);
  const size_t ents = crv_code_entries(code_lo, code_hi);
  free(b->code);
  b->code = calloc(ents, sizeof(crv_insn));
  if (!lazy) memset(b->code, 0xA5, ents * sizeof(crv_insn)); /* garbage: eager writes all */
  b->mem = (crv_memory){b->data, MEMSZ, b->perms, b->code, code_lo, code_hi, NULL, NULL};
  b->costs = costs0;
  crv_perms_sync(&b->mem, 0, MEMSZ);
  memset(&b->cpu, 0, sizeof b->cpu);
  b->cpu.xlen = (uint32_t)xlen;
  memcpy(b->cpu.x, regs0, sizeof regs0);
  b->cpu.pc = code_lo + 4 * rn((uint32_t)((code_hi - code_lo) / 4));
  b->lazy = lazy;
  b->act_mode = act_mode;
  b->ecalls = 0;
  b->hseed = hseed | 1;
  if (lazy) crv_decode_lazy(&b->mem, &b->costs, b->cpu.xlen, code_lo, code_hi);
  else crv_decode(&b->mem, &b->costs, b->cpu.xlen, code_lo, code_hi);
}

typedef struct trace_ent { int st; uint64_t pc, instret, budget; } trace_ent;
#define MAXCALLS 1500

/* Runs with budget handed out by a deterministic schedule. Returns number of calls. */
static int drive(box *b, uint64_t total, uint64_t sched_seed, int in_loop, trace_ent *tr) {
  uint64_t s = sched_seed | 1;
  uint64_t given = 0;
  if (in_loop) { b->mem.ecall = ecall_handler; b->mem.ecall_ctx = b; }
  int calls = 0;
  for (; calls < MAXCALLS; calls++) {
    if (b->cpu.budget == 0 || 1) {
      uint64_t add;
      s ^= s << 13; s ^= s >> 7; s ^= s << 17;
      if (sched_seed == 0) add = total - given;
      else add = (s % 4 == 0) ? 0 : s % 9;
      if (add > total - given) add = total - given;
      b->cpu.budget += add;
      given += add;
    }
    crv_status st = crv_run(&b->cpu, &b->mem, &b->costs);
    tr[calls] = (trace_ent){st, b->cpu.pc, b->cpu.instret, b->cpu.budget};
    if (st == CRV_STATUS_TRAP) {
      tr[calls].pc ^= (uint64_t)b->cpu.trap_cause << 56 ^ b->cpu.trap_value * 31 ^ (uint64_t)b->cpu.trap_insn << 20;
      /* a signal handler: skip the instruction, or go elsewhere in the code */
      if (b->cpu.trap_cause <= 1) b->cpu.pc = code_lo + 4 * (hrnd(b) % ((code_hi - code_lo) / 4));
      else b->cpu.pc += 4;
      continue;
    }
    if (st == CRV_STATUS_BUDGET) { if (given == total && b->cpu.budget == 0) { calls++; break; } continue; }
    if (st == CRV_STATUS_ECALL) host_ecall(b, &b->cpu);
    else b->cpu.x[10] = (b->cpu.x[10] * 3 + 1) & (b->cpu.xlen == 32 ? 0xffffffffu : ~0ull);
  }
  return calls;
}

static box A, L;
static trace_ent ta[MAXCALLS], tl[MAXCALLS];

static int compare(const char *what, uint64_t seed, int ca, int cl) {
  int bad = 0;
  if (ca != cl) { printf("seed %llu %s: calls %d vs %d\n", (unsigned long long)seed, what, ca, cl); bad = 1; }
  for (int i = 0; i < ca && i < cl && !bad; i++)
    if (memcmp(&ta[i], &tl[i], sizeof ta[i])) {
      printf("seed %llu %s: call %d: eager st %d pc %llx n %llu b %llu / lazy st %d pc %llx n %llu b %llu\n",
             (unsigned long long)seed, what, i, ta[i].st, (unsigned long long)ta[i].pc, (unsigned long long)ta[i].instret,
             (unsigned long long)ta[i].budget, tl[i].st, (unsigned long long)tl[i].pc, (unsigned long long)tl[i].instret,
             (unsigned long long)tl[i].budget);
      bad = 1;
    }
  if (!bad && (memcmp(A.cpu.x, L.cpu.x, sizeof A.cpu.x) || A.cpu.pc != L.cpu.pc || A.cpu.budget != L.cpu.budget ||
               A.cpu.instret != L.cpu.instret || A.cpu.trap_cause != L.cpu.trap_cause ||
               A.cpu.trap_value != L.cpu.trap_value || A.cpu.trap_insn != L.cpu.trap_insn)) {
    printf("seed %llu %s: cpu differs (pc %llx/%llx budget %llu/%llu instret %llu/%llu trap %u/%u)\n", (unsigned long long)seed, what,
           (unsigned long long)A.cpu.pc, (unsigned long long)L.cpu.pc, (unsigned long long)A.cpu.budget,
           (unsigned long long)L.cpu.budget, (unsigned long long)A.cpu.instret, (unsigned long long)L.cpu.instret,
           A.cpu.trap_cause, L.cpu.trap_cause);
    bad = 1;
  }
  if (!bad && memcmp(A.data, L.data, MEMSZ)) { printf("seed %llu %s: memory differs\n", (unsigned long long)seed, what); bad = 1; }
  /* permission bytes: the host-visible bits */
  for (int p = 0; p < NPAGES && !bad; p++)
    if ((A.perms[p] & CRV_PERM_MASK) != (L.perms[p] & CRV_PERM_MASK)) { printf("seed %llu %s: perms %d\n", (unsigned long long)seed, what, p); bad = 1; }
  return bad;
}

int main(int argc, char **argv) {
  uint64_t first = argc > 1 ? strtoull(argv[1], 0, 0) : 1, count = argc > 2 ? strtoull(argv[2], 0, 0) : 1000;
  int fails = 0;
  for (uint64_t seed = first; seed < first + count; seed++) {
    rs = seed * 0x9E3779B97F4A7C15ull + 12345;
    xlen = rn(2) ? 64 : 32;
    const uint32_t pages = 2 + rn(6);
    code_lo = 4096ull * (1 + rn(3));
    code_hi = code_lo + 4096ull * pages;
    if (code_hi > MEMSZ) code_hi = MEMSZ;
    if (rn(6) == 0) { code_lo = MEMSZ - 4096ull * (1 + rn(3)); code_hi = MEMSZ + 4096ull * (1 + rn(2)); }
    make_program();
    const uint64_t total = 50 + rn(3000);
    const uint64_t rsave = rs;
    for (int mode = 0; mode < 6; mode++) {
      const uint64_t sched = (mode & 1) ? seed * 7 + mode : 0;
      const int in_loop = (mode >> 1) == 1;
      const int act = (mode >> 2) || (mode >> 1) == 1 ? 1 : (int)(seed & 1);
      rs = rsave; setup(&A, 0, act, seed + mode);
      rs = rsave; setup(&L, 1, act, seed + mode);
      int ca = drive(&A, total, sched, in_loop, ta);
      int cl = drive(&L, total, sched, in_loop, tl);
      char what[64];
      snprintf(what, sizeof what, "rv%d mode %d pages %u", xlen, mode, pages);
      if (compare(what, seed, ca, cl)) { fails++; break; }
      if (getenv("STATS")) {
        int lz = 0;
        for (uint64_t a = code_lo; a < code_hi && a < MEMSZ; a += 4096) lz += (L.perms[a >> 12] & CRV_PERM_LAZY) != 0;
        printf("seed %llu mode %d: calls %d instret %llu last st %d cause %u ecalls %llu undecoded %d/%u\n", (unsigned long long)seed, mode, ca,
               (unsigned long long)A.cpu.instret, ta[ca - 1].st, A.cpu.trap_cause, (unsigned long long)A.ecalls, lz, pages);
      }
    }
  }
  printf("%d failing seeds\n", fails);
  return fails != 0;
}
