/*
 * crvh: standalone test driver for the CRISCV core (test-only code; not part of the package).
 *
 * Loads a static RISC-V ELF (ELF32 -> RV32, ELF64 -> RV64) into a flat guest memory, runs it
 * under crv_run with a Linux-like ecall handler (a7 = 64 write, 93/94 exit, 214 brk) and prints
 * the guest's stdout; the exit status is the guest's exit code.
 *
 *   crvh [options] prog.elf
 *     --costs a,l,s,b,j,m,d,y   cost per class (default 1,2,3,5,7,11,13,17)
 *     --budget N                initial budget (default: unlimited); exit 3 when exhausted
 *     --chunks SEED             refill the budget in random small chunks until the program ends
 *     --stats                   print instret, ergs and MIPS to stderr
 *     --check                   metering self-check: runs the program (a) in one go, (b) in random
 *                               chunks, (c) one instruction per crv_run with the budget set to that
 *                               instruction's cost as classified here independently, and (d) from
 *                               scratch with budgets that must stop at points recorded in (c); all
 *                               observable state must agree. Prints "check ok" or the mismatch.
 *     --mem MiB                 guest memory size (default 64)
 */
#include "../../CSources/CRISCV/include/CRISCV.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct machine {
  crv_cpu cpu;
  crv_memory mem;
  crv_costs costs;
  uint64_t brk, brk_lo, brk_hi;
  int exited, exit_code;
  char *out;
  size_t out_len, out_cap;
  int capture; /* 1: collect stdout into `out`; 0: write it through */
  int quiet_unknown;
} machine;

static const char *g_path;
static const char *g_arg; /* --arg: argv[1] of the guest (argv[0] is the path) */
static uint64_t g_mem_size = 64ull << 20;

static void die(const char *msg) {
  fprintf(stderr, "crvh: %s\n", msg);
  exit(100);
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open ELF");
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n);
  if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) die("cannot read ELF");
  fclose(f);
  *len = (size_t)n;
  return b;
}

static uint64_t rd(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* Minimal PT_LOAD loader. */
static void load_elf(machine *m, const uint8_t *f, size_t len) {
  if (len < 52 || memcmp(f, "\177ELF", 4) != 0) die("not an ELF file");
  const int is64 = f[4] == 2;
  if (rd(f + 18, 2) != 243) die("not a RISC-V ELF");
  if (rd(f + (is64 ? 48 : 36), 4) & 1) die("RVC ELF not supported");
  const uint64_t entry = is64 ? rd(f + 24, 8) : rd(f + 24, 4);
  const uint64_t phoff = is64 ? rd(f + 32, 8) : rd(f + 28, 4);
  const unsigned phentsize = (unsigned)rd(f + (is64 ? 54 : 42), 2);
  const unsigned phnum = (unsigned)rd(f + (is64 ? 56 : 44), 2);
  memset(m, 0, sizeof *m);
  m->cpu.xlen = is64 ? 64 : 32;
  m->mem.size = g_mem_size;
  m->mem.data = calloc(1, g_mem_size);
  m->mem.perms = calloc(1, g_mem_size >> CRV_PAGE_SHIFT);
  uint64_t code_lo = UINT64_MAX, code_hi = 0, top = 0;
  for (unsigned i = 0; i < phnum; i++) {
    const uint8_t *ph = f + phoff + (uint64_t)i * phentsize;
    if (ph + phentsize > f + len) die("truncated program headers");
    if (rd(ph, 4) != 1) continue; /* PT_LOAD */
    uint64_t off, vaddr, filesz, memsz, flags;
    if (is64) {
      flags = rd(ph + 4, 4); off = rd(ph + 8, 8); vaddr = rd(ph + 16, 8);
      filesz = rd(ph + 32, 8); memsz = rd(ph + 40, 8);
    } else {
      off = rd(ph + 4, 4); vaddr = rd(ph + 8, 4); filesz = rd(ph + 16, 4);
      memsz = rd(ph + 20, 4); flags = rd(ph + 24, 4);
    }
    if (vaddr + memsz > g_mem_size || off + filesz > len || filesz > memsz) die("segment out of range");
    memcpy(m->mem.data + vaddr, f + off, filesz);
    uint8_t perm = (uint8_t)(((flags & 4) ? CRV_PERM_R : 0) | ((flags & 2) ? CRV_PERM_W : 0) |
                             ((flags & 1) ? CRV_PERM_X : 0));
    uint64_t lo = vaddr & ~4095ull, hi = (vaddr + memsz + 4095) & ~4095ull;
    for (uint64_t p = lo; p < hi; p += 4096) m->mem.perms[p >> 12] |= perm;
    if (flags & 1) {
      if (lo < code_lo) code_lo = lo;
      if (hi > code_hi) code_hi = hi;
    }
    if (hi > top) top = hi;
  }
  if (code_lo == UINT64_MAX) code_lo = code_hi = 0;
  m->mem.code_lo = code_lo;
  m->mem.code_hi = code_hi;
  m->mem.code = calloc(crv_code_entries(code_lo, code_hi), sizeof(crv_insn));
  /* stack: top 1 MiB, RW */
  const uint64_t stack_lo = g_mem_size - (1 << 20);
  for (uint64_t p = stack_lo; p < g_mem_size; p += 4096) m->mem.perms[p >> 12] = CRV_PERM_R | CRV_PERM_W;
  crv_perms_sync(&m->mem, 0, g_mem_size);
  /* Initial stack: argc, argv[], NULL, envp NULL, auxv AT_NULL; strings just below the top. */
  {
    uint64_t top = g_mem_size - 64, sp;
    const char *av[2] = {g_path, g_arg};
    const int ac = g_arg ? 2 : 1;
    uint64_t ptr[2];
    for (int i = 0; i < ac; i++) {
      const size_t n = strlen(av[i]) + 1;
      top -= n;
      memcpy(m->mem.data + top, av[i], n);
      ptr[i] = top;
    }
    sp = (top - 8 * (ac + 5)) & ~15ull;
    const int w = is64 ? 8 : 4;
    uint64_t a = sp;
    for (int i = 0; i < ac + 5; i++) {
      const uint64_t v = i == 0 ? (uint64_t)ac : i <= ac ? ptr[i - 1] : 0;
      memcpy(m->mem.data + a, &v, w);
      a += w;
    }
    m->cpu.x[2] = sp;
  }
  m->cpu.pc = entry;
  m->brk = m->brk_lo = top;
  m->brk_hi = stack_lo - 4096;
}

static void costs_default(crv_costs *c) {
  *c = (crv_costs){1, 2, 3, 5, 7, 11, 13, 17, 0};
}

static void machine_init(machine *m, const crv_costs *costs, int capture) {
  size_t len;
  uint8_t *f = read_file(g_path, &len);
  load_elf(m, f, len);
  free(f);
  m->costs = *costs;
  m->capture = capture;
  /* CRVH_LAZY=1: pages are decoded as execution first enters them (the code buffer is zero,
     from calloc), as EEKit decodes code ranges of more than a page. */
  const char *lazy = getenv("CRVH_LAZY");
  if (lazy && *lazy == '1')
    crv_decode_lazy(&m->mem, &m->costs, m->cpu.xlen, m->mem.code_lo, m->mem.code_hi);
  else
    crv_decode(&m->mem, &m->costs, m->cpu.xlen, m->mem.code_lo, m->mem.code_hi);
}

static void machine_free(machine *m) {
  free(m->mem.data);
  free(m->mem.perms);
  free(m->mem.code);
  free(m->out);
}

static uint64_t xlen_mask(const machine *m) { return m->cpu.xlen == 32 ? 0xffffffffull : ~0ull; }

static void out_append(machine *m, const uint8_t *p, size_t n) {
  if (m->out_len + n > m->out_cap) {
    m->out_cap = (m->out_len + n) * 2 + 64;
    m->out = realloc(m->out, m->out_cap);
  }
  memcpy(m->out + m->out_len, p, n);
  m->out_len += n;
}

static void syscall(machine *m) {
  uint64_t *x = m->cpu.x;
  const uint64_t nr = x[17], a0 = x[10], a1 = x[11], a2 = x[12];
  uint64_t ret;
  switch (nr) {
  case 64: { /* write */
    if (a1 > m->mem.size || a2 > m->mem.size - a1) { ret = (uint64_t)-14; break; }
    if (a0 == 1 || a0 == 2) {
      if (m->capture) out_append(m, m->mem.data + a1, a2);
      else fwrite(m->mem.data + a1, 1, a2, a0 == 1 ? stdout : stderr);
    }
    ret = a2;
    break;
  }
  case 93:
  case 94:
    m->exited = 1;
    m->exit_code = (int)(a0 & 0xff);
    return;
  case 214: /* brk */
    if (a0 >= m->brk_lo && a0 <= m->brk_hi) {
      for (uint64_t p = m->brk & ~4095ull; p < a0; p += 4096) m->mem.perms[p >> 12] |= CRV_PERM_R | CRV_PERM_W;
      crv_perms_sync(&m->mem, m->brk & ~4095ull, a0);
      m->brk = a0;
    }
    ret = m->brk;
    break;
  default:
    if (!m->quiet_unknown) fprintf(stderr, "crvh: unknown syscall %llu\n", (unsigned long long)nr);
    ret = (uint64_t)-38;
    break;
  }
  x[10] = ret & xlen_mask(m);
}

static const char *cause_name(uint32_t c) {
  switch (c) {
  case CRV_TRAP_FETCH_MISALIGNED: return "fetch misaligned";
  case CRV_TRAP_FETCH_FAULT: return "fetch fault";
  case CRV_TRAP_ILLEGAL_INSN: return "illegal instruction";
  case CRV_TRAP_LOAD_FAULT: return "load fault";
  case CRV_TRAP_STORE_FAULT: return "store fault";
  default: return "?";
  }
}

/* Result of running to the end. */
typedef struct outcome {
  int kind; /* 0 exit, 1 trap, 2 budget */
  int exit_code;
  uint32_t cause;
  uint64_t pc, tval, instret, spent;
  uint64_t x[32];
} outcome;

static void snapshot(const machine *m, outcome *o, uint64_t spent) {
  o->pc = m->cpu.pc;
  o->instret = m->cpu.instret;
  o->spent = spent;
  memcpy(o->x, m->cpu.x, sizeof o->x);
  o->exit_code = m->exit_code;
}

/* Runs to exit/trap; budget handling: chunk_seed == 0 -> one budget; else random refills. */
static void run_all(machine *m, uint64_t budget, uint64_t chunk_seed, outcome *o) {
  uint64_t spent = 0, rng = chunk_seed * 0x9E3779B97F4A7C15ull + 1;
  m->cpu.budget = chunk_seed ? 0 : budget;
  uint64_t given = m->cpu.budget;
  memset(o, 0, sizeof *o);
  for (;;) {
    crv_status st = crv_run(&m->cpu, &m->mem, &m->costs);
    if (st == CRV_STATUS_ECALL) {
      syscall(m);
      if (m->exited) { o->kind = 0; break; }
      continue;
    }
    if (st == CRV_STATUS_EBREAK) continue;
    if (st == CRV_STATUS_BUDGET) {
      if (!chunk_seed) { o->kind = 2; break; }
      rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
      /* refills of a few instructions' worth, whatever the scale of the costs */
      const crv_costs *c = &m->costs;
      uint64_t top = c->alu;
      const uint32_t all[8] = {c->alu, c->load, c->store, c->branch, c->jump, c->mul, c->div, c->system};
      for (int k = 0; k < 8; k++) if (all[k] > top) top = all[k];
      const uint64_t add = (rng % 8 == 0) ? rng % (50 * top + 1000) : rng % (2 * top + 40);
      m->cpu.budget += add;
      given += add;
      continue;
    }
    o->kind = 1;
    o->cause = m->cpu.trap_cause;
    o->tval = m->cpu.trap_value;
    break;
  }
  spent = given - m->cpu.budget;
  snapshot(m, o, spent);
}

/* Cost classification of the instruction at pc (for --check), written apart from the core.
   Words that cannot execute (fetch outside X code, illegal encodings) trap without being
   charged, so they cost 0 here. */
static uint64_t insn_cost(const machine *m, uint64_t pc) {
  const crv_costs *c = &m->costs;
  if (pc < m->mem.code_lo || pc >= m->mem.code_hi || pc + 4 > m->mem.size ||
      !(m->mem.perms[pc >> 12] & CRV_PERM_X))
    return 0;
  uint32_t w;
  memcpy(&w, m->mem.data + pc, 4);
  char dis[64];
  crv_disasm(w, pc, m->cpu.xlen, dis, sizeof dis);
  if (!strncmp(dis, "unknown", 7)) return 0;
  const uint32_t opc = w & 0x7f, f3 = (w >> 12) & 7, f7 = w >> 25;
  if (opc == 0x73 && f3 != 0) { /* only read-only counter reads execute */
    const uint32_t csr = w >> 20, rs1 = (w >> 15) & 31;
    const int counter = (csr >= 0xC00 && csr <= 0xC02) || (m->cpu.xlen == 32 && csr >= 0xC80 && csr <= 0xC82);
    if (f3 == 1 || f3 == 5 || rs1 != 0 || !counter) return 0;
  }
  switch (opc) {
  case 0x03: return c->load;
  case 0x23: return c->store;
  case 0x63: return c->branch;
  case 0x6f: case 0x67: return c->jump;
  case 0x73: return c->system;
  case 0x33: return f7 == 1 ? (f3 < 4 ? c->mul : c->div) : c->alu;
  case 0x3b: return f7 == 1 ? (f3 == 0 ? c->mul : c->div) : c->alu;
  default: return c->alu;
  }
}

static int same(const outcome *a, const outcome *b, const char *what) {
  char why[128] = "";
  if (a->kind != b->kind) snprintf(why, sizeof why, "kind %d vs %d", a->kind, b->kind);
  else if (a->pc != b->pc) snprintf(why, sizeof why, "pc %llx vs %llx", (unsigned long long)a->pc, (unsigned long long)b->pc);
  else if (a->instret != b->instret) snprintf(why, sizeof why, "instret %llu vs %llu", (unsigned long long)a->instret, (unsigned long long)b->instret);
  else if (a->spent != b->spent) snprintf(why, sizeof why, "spent %llu vs %llu", (unsigned long long)a->spent, (unsigned long long)b->spent);
  else if (memcmp(a->x, b->x, sizeof a->x)) snprintf(why, sizeof why, "registers differ");
  else if (a->exit_code != b->exit_code) snprintf(why, sizeof why, "exit code differs");
  else if (a->cause != b->cause) snprintf(why, sizeof why, "trap cause differs");
  if (!why[0]) return 1;
  fprintf(stderr, "check FAILED (%s): %s\n", what, why);
  return 0;
}

#define NPOINTS 24

static int check(const crv_costs *costs) {
  machine a, b, c;
  outcome oa, ob, oc;
  machine_init(&a, costs, 1);
  run_all(&a, UINT64_MAX / 2, 0, &oa);
  oa.spent = oa.spent; /* spent in one go */
  machine_init(&b, costs, 1);
  b.quiet_unknown = 1;
  run_all(&b, 0, 12345, &ob);
  int ok = same(&oa, &ob, "chunks vs one run");
  if (a.out_len != b.out_len || memcmp(a.out, b.out, a.out_len)) { fprintf(stderr, "check FAILED: output differs (chunks)\n"); ok = 0; }

  /* (c) single steps; record stop points for NPOINTS budgets */
  uint64_t points[NPOINTS], ppc[NPOINTS], pinst[NPOINTS];
  int have[NPOINTS] = {0};
  uint64_t rng = 99;
  for (int i = 0; i < NPOINTS; i++) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    points[i] = oa.spent ? rng % (oa.spent + 1) : 0;
  }
  machine_init(&c, costs, 1);
  c.quiet_unknown = 1;
  uint64_t spent = 0;
  memset(&oc, 0, sizeof oc);
  for (;;) {
    const uint64_t pc = c.cpu.pc;
    uint32_t w = 0;
    if (pc + 4 <= c.mem.size) memcpy(&w, c.mem.data + pc, 4);
    const uint64_t cost = insn_cost(&c, pc);
    for (int i = 0; i < NPOINTS; i++)
      if (!have[i] && spent + cost > points[i]) { have[i] = 1; ppc[i] = pc; pinst[i] = c.cpu.instret; }
    const uint64_t before = c.cpu.instret;
    c.cpu.budget = cost;
    crv_status st = crv_run(&c.cpu, &c.mem, &c.costs);
    if (st == CRV_STATUS_TRAP && c.cpu.pc != pc) {
      /* this instruction retired and the next one (free: fetch fault / illegal) trapped */
      if (c.cpu.budget != 0 || c.cpu.instret != before + 1 || insn_cost(&c, c.cpu.pc) != 0) {
        fprintf(stderr, "check FAILED: trap after %llx inconsistent\n", (unsigned long long)pc);
        ok = 0;
      }
      spent += cost;
      oc.kind = 1; oc.cause = c.cpu.trap_cause; oc.tval = c.cpu.trap_value;
      break;
    }
    if (st == CRV_STATUS_TRAP) {
      if (c.cpu.budget != cost || c.cpu.instret != before) {
        fprintf(stderr, "check FAILED: trap at %llx charged or counted\n", (unsigned long long)pc);
        ok = 0;
      }
      oc.kind = 1; oc.cause = c.cpu.trap_cause; oc.tval = c.cpu.trap_value;
      break;
    }
    if (c.cpu.budget != 0 || c.cpu.instret != before + 1) {
      fprintf(stderr, "check FAILED: step at %llx (insn %08x): budget left %llu, retired %llu (status %d)\n",
              (unsigned long long)pc, w, (unsigned long long)c.cpu.budget,
              (unsigned long long)(c.cpu.instret - before), st);
      ok = 0;
      break;
    }
    spent += cost;
    if (st == CRV_STATUS_ECALL) {
      syscall(&c);
      if (c.exited) { oc.kind = 0; break; }
    } else if (st == CRV_STATUS_BUDGET) {
      if (c.cpu.pc == pc) { fprintf(stderr, "check FAILED: no progress at %llx\n", (unsigned long long)pc); ok = 0; break; }
    }
  }
  snapshot(&c, &oc, spent);
  if (ok) ok = same(&oa, &oc, "single steps vs one run");
  if (a.out_len != c.out_len || memcmp(a.out, c.out, a.out_len)) { fprintf(stderr, "check FAILED: output differs (steps)\n"); ok = 0; }

  /* (d) fresh runs with a budget must stop exactly where the steps said */
  for (int i = 0; i < NPOINTS && ok; i++) {
    if (!have[i]) continue;
    machine d;
    outcome od;
    machine_init(&d, costs, 1);
    d.quiet_unknown = 1;
    run_all(&d, points[i], 0, &od);
    if (od.kind != 2 || od.pc != ppc[i] || od.instret != pinst[i] || od.spent > points[i]) {
      fprintf(stderr, "check FAILED: budget %llu stopped kind %d pc %llx instret %llu, steps say pc %llx instret %llu\n",
              (unsigned long long)points[i], od.kind, (unsigned long long)od.pc, (unsigned long long)od.instret,
              (unsigned long long)ppc[i], (unsigned long long)pinst[i]);
      ok = 0;
    }
    machine_free(&d);
  }
  if (ok) printf("check ok: %llu instructions, %llu ergs\n", (unsigned long long)oa.instret, (unsigned long long)oa.spent);
  machine_free(&a);
  machine_free(&b);
  machine_free(&c);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  crv_costs costs;
  costs_default(&costs);
  uint64_t budget = UINT64_MAX / 2, chunks = 0;
  int stats = 0, do_check = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--costs") && i + 1 < argc) {
      unsigned v[8];
      if (sscanf(argv[++i], "%u,%u,%u,%u,%u,%u,%u,%u", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8) die("bad --costs");
      costs = (crv_costs){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], 0};
    } else if (!strcmp(argv[i], "--budget") && i + 1 < argc) budget = strtoull(argv[++i], 0, 0);
    else if (!strcmp(argv[i], "--chunks") && i + 1 < argc) chunks = strtoull(argv[++i], 0, 0);
    else if (!strcmp(argv[i], "--mem") && i + 1 < argc) g_mem_size = strtoull(argv[++i], 0, 0) << 20;
    else if (!strcmp(argv[i], "--stats")) stats = 1;
    else if (!strcmp(argv[i], "--check")) do_check = 1;
    else if (!strcmp(argv[i], "--arg") && i + 1 < argc) g_arg = argv[++i];
    else if (argv[i][0] == '-') die("unknown option");
    else g_path = argv[i];
  }
  if (!g_path) die("usage: crvh [--costs a,l,s,b,j,m,d,y] [--budget N] [--chunks SEED] [--stats] [--check] prog.elf");
  if (do_check) return check(&costs);
  machine m;
  outcome o;
  machine_init(&m, &costs, 0);
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  run_all(&m, budget, chunks, &o);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  fflush(stdout);
  if (stats) {
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    double cs = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) * 1e-9;
    fprintf(stderr, "instret %llu ergs %llu wall %.3f s (%.1f MIPS) cpu %.3f s (%.1f MIPS)\n",
            (unsigned long long)o.instret, (unsigned long long)o.spent, s, (double)o.instret / s / 1e6, cs,
            (double)o.instret / cs / 1e6);
  }
  if (o.kind == 1) {
    char dis[64] = "";
    uint32_t w = 0;
    if (o.pc + 4 <= m.mem.size) {
      memcpy(&w, m.mem.data + o.pc, 4);
      crv_disasm(w, o.pc, m.cpu.xlen, dis, sizeof dis);
    }
    fprintf(stderr, "trap: %s at pc 0x%llx (value 0x%llx) [%s]\n", cause_name(o.cause),
            (unsigned long long)o.pc, (unsigned long long)o.tval, dis);
    machine_free(&m);
    return 4;
  }
  if (o.kind == 2) {
    fprintf(stderr, "budget exhausted at pc 0x%llx after %llu instructions\n", (unsigned long long)o.pc,
            (unsigned long long)o.instret);
    machine_free(&m);
    return 3;
  }
  int code = o.exit_code;
  machine_free(&m);
  return code;
}
