/* Loads and stores: sign/zero extension of lb/lh/lw/lbu/lhu/lwu/ld, every width at every
   misalignment, negative offsets, stores of truncated values, and loads into x0. */
#include "common.h"

static unsigned char buf[64] __attribute__((aligned(16)));

#define LOAD(op)                                                             \
  static reg_t ld_##op(const void *p) {                                      \
    reg_t r;                                                                 \
    __asm__ volatile(#op " %0, 0(%1)" : "=r"(r) : "r"(p) : "memory");        \
    return r;                                                                \
  }
#define STORE(op)                                                            \
  static void st_##op(void *p, reg_t v) {                                    \
    __asm__ volatile(#op " %1, 0(%0)" : : "r"(p), "r"(v) : "memory");        \
  }
#if XLEN == 64
#define LOADS(X) X(lb) X(lh) X(lw) X(lbu) X(lhu) X(lwu) X(ld)
#define STORES(X) X(sb) X(sh) X(sw) X(sd)
#else
#define LOADS(X) X(lb) X(lh) X(lw) X(lbu) X(lhu)
#define STORES(X) X(sb) X(sh) X(sw)
#endif
LOADS(LOAD)
STORES(STORE)

typedef reg_t (*ld_fn)(const void *);
typedef void (*st_fn)(void *, reg_t);
#define LD_ENTRY(op) {#op, ld_##op},
#define ST_ENTRY(op) {#op, st_##op},
static const struct { const char *name; ld_fn fn; } loads[] = {LOADS(LD_ENTRY)};
static const struct { const char *name; st_fn fn; } stores[] = {STORES(ST_ENTRY)};

static void fill(unsigned char seed) {
  for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(seed + i * 0x25u);
}

static void dump(void) {
  for (unsigned i = 0; i < 24; i++) printf("%02x", buf[i]);
  printf("\n");
}

int main(void) {
  printf("loadstore xlen=%d\n", XLEN);
  /* Sign boundaries: bytes 0x7f/0x80/0xff, halves 0x7fff/0x8000, words 0x7fffffff/0x80000000. */
  static const unsigned char pattern[16] = {0x7f, 0x80, 0xff, 0x00, 0xff, 0x7f, 0x00, 0x80,
                                            0xff, 0xff, 0xff, 0x7f, 0x00, 0x00, 0x00, 0x80};
  for (unsigned off = 0; off < 8; off++) {
    memset(buf, 0, sizeof buf);
    memcpy(buf + off, pattern, sizeof pattern);
    for (unsigned k = 0; k < sizeof loads / sizeof loads[0]; k++) {
      printf("off %u %s:", off, loads[k].name);
      for (unsigned at = 0; at < 9; at++) printf(" " RX, loads[k].fn(buf + off + at));
      printf("\n");
    }
  }
  /* Stores at every misalignment: the bytes around must stay untouched. */
  for (unsigned k = 0; k < sizeof stores / sizeof stores[0]; k++) {
    for (unsigned off = 0; off < 9; off++) {
      fill((unsigned char)(k * 16 + off));
      stores[k].fn(buf + 4 + off, (reg_t)0x8877665544332211ULL);
      printf("%s +%u: ", stores[k].name, 4 + off);
      dump();
    }
  }
  /* Negative and positive immediate offsets. */
  fill(3);
  reg_t a, b, c;
  __asm__ volatile("lbu %0, -1(%3)\n\tlh %1, 2047(%4)\n\tlw %2, -2048(%5)"
                   : "=&r"(a), "=&r"(b), "=&r"(c)
                   : "r"(buf + 1), "r"(buf + 4 - 2047), "r"(buf + 8 + 2048)
                   : "memory");
  printf("offsets " RX " " RX " " RX "\n", a, b, c);
  __asm__ volatile("sb %1, -3(%0)\n\tsh %1, 2045(%2)\n\tsw %1, -2047(%3)"
                   :
                   : "r"(buf + 3), "r"((reg_t)0xdeadbeefcafef00dULL), "r"(buf + 6 - 2045),
                     "r"(buf + 12 + 2047)
                   : "memory");
  dump();
  /* Fences order memory on one hart: no visible effect, but they must execute. */
  __asm__ volatile("fence\n\tfence rw, rw\n\tfence r, r\n\tfence w, w\n\tfence iorw, iorw" ::: "memory");
  /* A load into x0 executes (it would fault on a bad address) but leaves x0 zero. */
  reg_t z;
  __asm__ volatile("lw x0, 0(%1)\n\tlbu x0, 3(%1)\n\tmv %0, x0" : "=r"(z) : "r"(buf) : "memory");
  printf("x0 after loads " RX "\n", z);
  /* Store then load back through a different width at the same address. */
  for (unsigned off = 0; off < 8; off++) {
    memset(buf, 0xaa, sizeof buf);
    st_sw(buf + off, 0x80000001u);
    printf("roundtrip %u " RX " " RX " " RX " " RX "\n", off, ld_lw(buf + off), ld_lhu(buf + off + 2),
           ld_lb(buf + off + 3), ld_lbu(buf + off + 3));
  }
  return 0;
}
