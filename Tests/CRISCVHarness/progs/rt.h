/* Tiny freestanding runtime for the harness test programs (Linux-like ecalls). */
#ifndef RT_H
#define RT_H
#include <stdint.h>
typedef unsigned long ulong; /* xlen-sized */
typedef long slong;

__asm__(".section .text._start\n.globl _start\n_start:\n"
        "  .option push\n  .option norelax\n  la gp, __global_pointer$\n  .option pop\n"
        "  call main\n  li a7, 93\n  ecall\n1: j 1b\n");

static inline long sys3(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}
static inline void rt_write(const char *p, ulong n) { sys3(64, 1, (long)p, (long)n); }
static inline void rt_exit(int c) { sys3(93, c, 0, 0); for (;;) {} }
static inline ulong rt_strlen(const char *s) { ulong n = 0; while (s[n]) n++; return n; }
static inline void puts_(const char *s) { rt_write(s, rt_strlen(s)); }
static void hex64(uint64_t v) {
  char b[19]; b[0] = '0'; b[1] = 'x';
  for (int i = 0; i < 16; i++) b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
  b[18] = ' ';
  rt_write(b, 19);
}
static void hexw(ulong v) { hex64((uint64_t)v); }
static void nl(void) { rt_write("\n", 1); }
static void udec(uint64_t v) {
  char b[24]; int n = 0;
  do { b[23 - n++] = (char)('0' + v % 10); v /= 10; } while (v);
  rt_write(b + 24 - n, (ulong)n);
}
void *memset(void *d, int c, __SIZE_TYPE__ n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *memcpy(void *d, const void *s, __SIZE_TYPE__ n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }
#endif
