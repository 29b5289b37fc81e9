/* The brk system call (query, grow by odd amounts, touch every page, shrink, grow again)
   and a malloc-heavy workload on top of it: thousands of allocations of mixed sizes,
   frees in random order, realloc growth, all contents verified. Prints only sizes,
   differences and checksums, never absolute addresses. */
#include "common.h"

static int check_pattern(const unsigned char *p, size_t n, unsigned char seed) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] != (unsigned char)(seed + i * 7)) return 0;
  }
  return 1;
}

static void set_pattern(unsigned char *p, size_t n, unsigned char seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed + i * 7);
}

int main(void) {
  printf("brk_malloc xlen=%d\n", XLEN);
  uintptr_t b0 = (uintptr_t)rt_brk(0);
  uintptr_t again = (uintptr_t)rt_brk(0);
  printf("brk(0) stable: %s, nonzero: %s\n", b0 == again ? "yes" : "no", b0 ? "yes" : "no");

  /* Grow by amounts that are not page multiples. */
  static const unsigned steps[] = {1, 100, 4095, 4096, 4097, 65536, 300000};
  uintptr_t cur = b0;
  for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    uintptr_t want = cur + steps[i];
    uintptr_t got = (uintptr_t)rt_brk((void *)want);
    printf("grow %u: moved by %lu\n", steps[i], (unsigned long)(got - cur));
    cur = got;
  }
  /* The new memory is zeroed and writable, every byte of it. */
  unsigned char *heap = (unsigned char *)b0;
  size_t len = cur - b0, nonzero = 0;
  for (size_t i = 0; i < len; i++) nonzero += heap[i] != 0;
  printf("grown %lu bytes, nonzero %lu\n", (unsigned long)len, (unsigned long)nonzero);
  for (size_t i = 0; i < len; i += 4096) heap[i] = (unsigned char)(i >> 12);
  heap[len - 1] = 0x5a;
  unsigned sum = 0;
  for (size_t i = 0; i < len; i += 4096) sum += heap[i];
  printf("page sum %u last %x\n", sum, heap[len - 1]);

  /* Shrink back to the start, then grow again: the pages come back zeroed. */
  uintptr_t shrunk = (uintptr_t)rt_brk((void *)(b0 + 10));
  printf("shrink to +10: %s\n", shrunk == b0 + 10 ? "ok" : "failed");
  uintptr_t regrown = (uintptr_t)rt_brk((void *)(b0 + 3 * 4096));
  printf("regrow: %s\n", regrown == b0 + 3 * 4096 ? "ok" : "failed");
  printf("after regrow byte at +8192: %x, at +5: %x\n", heap[8192], heap[5]);
  rt_brk((void *)b0);

  /* malloc workload. */
  enum { SLOTS = 2000 };
  static unsigned char *ptr[SLOTS];
  static unsigned size[SLOTS];
  prng_t p = {7};
  unsigned long live = 0, peak = 0, allocs = 0, frees = 0, bad = 0;
  for (int round = 0; round < 30000; round++) {
    unsigned slot = (unsigned)(prng_next(&p) % SLOTS);
    if (ptr[slot]) {
      if (!check_pattern(ptr[slot], size[slot], (unsigned char)slot)) bad++;
      if (prng_next(&p) % 4 == 0) {
        unsigned nsize = size[slot] * 2 + 1;
        unsigned char *q = realloc(ptr[slot], nsize);
        if (!q || !check_pattern(q, size[slot], (unsigned char)slot)) bad++;
        live += nsize - size[slot];
        ptr[slot] = q;
        size[slot] = nsize;
        set_pattern(q, nsize, (unsigned char)slot);
      } else {
        free(ptr[slot]);
        ptr[slot] = 0;
        live -= size[slot];
        frees++;
      }
    } else {
      unsigned r = (unsigned)prng_next(&p);
      unsigned n = (r & 3) == 0 ? (r >> 8) % 20000 : (r >> 8) % 200;
      unsigned char *q = malloc(n);
      if (!q) {
        bad++;
        continue;
      }
      if (((uintptr_t)q & 15) != 0) bad++;
      set_pattern(q, n, (unsigned char)slot);
      ptr[slot] = q;
      size[slot] = n;
      live += n;
      allocs++;
    }
    if (live > peak) peak = live;
  }
  unsigned long still = 0;
  for (unsigned i = 0; i < SLOTS; i++) {
    if (ptr[i]) {
      if (!check_pattern(ptr[i], size[i], (unsigned char)i)) bad++;
      free(ptr[i]);
      still++;
    }
  }
  printf("allocs %lu frees %lu live-at-end %lu peak %lu bad %lu\n", allocs, frees, still, peak, bad);
  int *z = calloc(1000, sizeof(int));
  int zsum = 0;
  for (int i = 0; i < 1000; i++) zsum += z[i];
  printf("calloc zero sum %d\n", zsum);
  free(z);
  uintptr_t heap_used = (uintptr_t)rt_brk(0) - b0;
  printf("heap used below 16 MiB: %s\n", heap_used < (16u << 20) ? "yes" : "no");
  return bad != 0;
}
