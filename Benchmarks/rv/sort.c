/* Sorting a PRNG array of 32-bit keys with a hand-written quicksort (median of three,
   insertion sort for small ranges) and a bottom-up merge sort; both results verified. */
#include "bench.h"

enum { N = 200000 };
static uint32_t a[N], b[N], tmp[N];

static void insertion(uint32_t *v, int lo, int hi) {
  for (int i = lo + 1; i <= hi; i++) {
    uint32_t x = v[i];
    int j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
}

static void quicksort(uint32_t *v, int lo, int hi) {
  while (hi - lo > 16) {
    int mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo]) { uint32_t t = v[mid]; v[mid] = v[lo]; v[lo] = t; }
    if (v[hi] < v[lo]) { uint32_t t = v[hi]; v[hi] = v[lo]; v[lo] = t; }
    if (v[hi] < v[mid]) { uint32_t t = v[hi]; v[hi] = v[mid]; v[mid] = t; }
    uint32_t pivot = v[mid];
    int i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        uint32_t t = v[i]; v[i] = v[j]; v[j] = t;
        i++;
        j--;
      }
    }
    if (j - lo < hi - i) {
      quicksort(v, lo, j);
      lo = i;
    } else {
      quicksort(v, i, hi);
      hi = j;
    }
  }
  insertion(v, lo, hi);
}

static void mergesort(uint32_t *v, uint32_t *t, int n) {
  for (int width = 1; width < n; width *= 2) {
    for (int lo = 0; lo < n; lo += 2 * width) {
      int mid = lo + width < n ? lo + width : n;
      int hi = lo + 2 * width < n ? lo + 2 * width : n;
      int i = lo, j = mid, k = lo;
      while (i < mid && j < hi) t[k++] = v[i] <= v[j] ? v[i++] : v[j++];
      while (i < mid) t[k++] = v[i++];
      while (j < hi) t[k++] = v[j++];
    }
    uint32_t *s = v;
    v = t;
    t = s;
  }
}

int main(int argc, char **argv) {
  uint32_t rounds = bench_iterations(argc, argv, 4);
  uint64_t seed = 1, sum = 0;
  for (uint32_t r = 0; r < rounds; r++) {
    for (int i = 0; i < N; i++) a[i] = b[i] = (uint32_t)bench_rand(&seed);
    quicksort(a, 0, N - 1);
    /* The bottom-up merge sort ping-pongs between b and tmp; copy back if needed. */
    int passes = 0;
    for (int w = 1; w < N; w *= 2) passes++;
    mergesort(b, tmp, N);
    const uint32_t *sorted = (passes & 1) ? tmp : b;
    uint32_t bad = 0;
    for (int i = 0; i < N; i++) bad += a[i] != sorted[i];
    for (int i = 1; i < N; i++) bad += a[i - 1] > a[i];
    uint64_t h = 0;
    for (int i = 0; i < N; i += 97) h = h * 1099511628211ULL + a[i];
    sum = sum * 31 + h + ((uint64_t)bad << 56);
  }
  bench_report("sort", sum);
  return 0;
}
