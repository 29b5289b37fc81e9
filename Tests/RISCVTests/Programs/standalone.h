/* System calls and printing for the guest programs built on their own, without the runtime
   (pie/static_pie.c, high/high_heap.c): nothing here needs a relocation or a global. */
#ifndef EEKIT_STANDALONE_H
#define EEKIT_STANDALONE_H
typedef unsigned long uptr; /* XLEN bits on both ilp32 and lp64 */

static long sys(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

static void put(const char *s) {
  long n = 0;
  while (s[n]) n++;
  sys(64, 1, (long)s, n);
}

static void put_num(uptr v) {
  char b[24];
  int i = 23;
  b[i] = 0;
  do {
    b[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put(b + i);
}

#endif
