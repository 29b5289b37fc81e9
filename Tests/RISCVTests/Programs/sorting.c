/* Sorting: the runtime's qsort on ints, 64-bit keys and structs, plus a hand-written
   merge sort, each verified sorted and checksummed. */
#include "common.h"

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}
static int cmp_u64(const void *a, const void *b) {
  unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
  return (x > y) - (x < y);
}
typedef struct { unsigned key; char name[12]; } rec;
static int cmp_rec(const void *a, const void *b) {
  const rec *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return strcmp(x->name, y->name);
}

static void merge_sort(int *a, int *tmp, size_t n) {
  if (n < 2) return;
  size_t h = n / 2;
  merge_sort(a, tmp, h);
  merge_sort(a + h, tmp, n - h);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
  while (i < h) tmp[k++] = a[i++];
  while (j < n) tmp[k++] = a[j++];
  memcpy(a, tmp, n * sizeof *a);
}

enum { N = 20000 };
static int ints[N], ints2[N], tmp[N];
static unsigned long long keys[N];
static rec recs[3000];

int main(void) {
  printf("sorting xlen=%d\n", XLEN);
  prng_t p = {2024};
  for (int i = 0; i < N; i++) ints[i] = ints2[i] = (int)prng_next(&p);
  for (int i = 0; i < N; i++) keys[i] = prng_next(&p) >> (i % 50);
  for (int i = 0; i < 3000; i++) {
    recs[i].key = (unsigned)(prng_next(&p) % 100);
    snprintf(recs[i].name, sizeof recs[i].name, "r%05d", (int)(prng_next(&p) % 100000));
  }
  qsort(ints, N, sizeof ints[0], cmp_int);
  merge_sort(ints2, tmp, N);
  qsort(keys, N, sizeof keys[0], cmp_u64);
  qsort(recs, 3000, sizeof recs[0], cmp_rec);
  int ok = 1;
  for (int i = 1; i < N; i++) ok &= ints[i - 1] <= ints[i] && keys[i - 1] <= keys[i];
  for (int i = 1; i < 3000; i++) ok &= cmp_rec(&recs[i - 1], &recs[i]) <= 0;
  printf("sorted: %s, qsort == merge sort: %s\n", ok ? "yes" : "no",
         memcmp(ints, ints2, sizeof ints) == 0 ? "yes" : "no");
  printf("ints min %d median %d max %d hash %08x\n", ints[0], ints[N / 2], ints[N - 1],
         fnv1a(ints, sizeof ints, FNV_INIT));
  printf("keys min %llx max %llx hash %08x\n", keys[0], keys[N - 1], fnv1a(keys, sizeof keys, FNV_INIT));
  printf("recs first %u:%s last %u:%s hash %08x\n", recs[0].key, recs[0].name, recs[2999].key,
         recs[2999].name, fnv1a(recs, sizeof recs, FNV_INIT));
  /* Already sorted, reverse sorted and all-equal inputs. */
  for (int i = 0; i < N; i++) ints[i] = N - i;
  qsort(ints, N, sizeof ints[0], cmp_int);
  printf("reverse: %d %d\n", ints[0], ints[N - 1]);
  for (int i = 0; i < N; i++) ints[i] = 5;
  qsort(ints, N, sizeof ints[0], cmp_int);
  printf("equal: %d %d\n", ints[0], ints[N - 1]);
  return 0;
}
