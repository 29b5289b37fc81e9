/*
 * rt.c: the tiny freestanding runtime of the EEKit RISC-V guest programs (rv32 and rv64).
 * See rt.h for what it offers. No global constructors, no TLS, no floating point.
 */
#include "rt.h"

long rt_argc;
char **rt_argv;
char **rt_envp;
uintptr_t rt_initial_sp;

/* ---- System calls ------------------------------------------------------------------ */

long rt_syscall1(long n, long a0) {
  register long r_a0 __asm__("a0") = a0;
  register long r_a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a7) : "memory");
  return r_a0;
}

long rt_syscall3(long n, long a0, long a1, long a2) {
  register long r_a0 __asm__("a0") = a0;
  register long r_a1 __asm__("a1") = a1;
  register long r_a2 __asm__("a2") = a2;
  register long r_a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
  return r_a0;
}

ssize_t write(int fd, const void *buf, size_t len) {
  return rt_syscall3(RT_SYS_write, fd, (long)buf, (long)len);
}

ssize_t read(int fd, void *buf, size_t len) {
  return rt_syscall3(RT_SYS_read, fd, (long)buf, (long)len);
}

void exit(int status) {
  rt_syscall1(RT_SYS_exit, status);
  for (;;) {
  }
}

void abort(void) {
  rt_eputs("abort\n");
  exit(134);
}

void *rt_brk(void *addr) { return (void *)rt_syscall1(RT_SYS_brk, (long)addr); }

static uintptr_t rt_cur_brk;

void *sbrk(long increment) {
  if (rt_cur_brk == 0) rt_cur_brk = (uintptr_t)rt_brk(0);
  uintptr_t old = rt_cur_brk;
  if (increment == 0) return (void *)old;
  uintptr_t want = old + (uintptr_t)increment;
  if ((increment > 0 && want < old) || (increment < 0 && want > old)) return (void *)-1;
  uintptr_t got = (uintptr_t)rt_brk((void *)want);
  if (got != want) return (void *)-1;
  rt_cur_brk = got;
  return (void *)old;
}

unsigned long getauxval(unsigned long type) {
  char **p = rt_envp;
  if (p == 0) return 0;
  while (*p) p++;
  unsigned long *aux = (unsigned long *)(p + 1);
  for (; aux[0] != AT_NULL; aux += 2) {
    if (aux[0] == type) return aux[1];
  }
  return 0;
}

/* ---- Memory and strings -------------------------------------------------------------
 * Word-at-a-time when both pointers are word aligned. LLVM never turns the body of a
 * function named memcpy/memset into a call to itself. */

typedef unsigned long rt_word;
#define RT_WSIZE sizeof(rt_word)
#define RT_ALIGNED(p) (((uintptr_t)(p) & (RT_WSIZE - 1)) == 0)

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (RT_ALIGNED(d) && RT_ALIGNED(s)) {
    while (n >= 4 * RT_WSIZE) {
      rt_word a = ((const rt_word *)s)[0], b = ((const rt_word *)s)[1];
      rt_word c = ((const rt_word *)s)[2], e = ((const rt_word *)s)[3];
      ((rt_word *)d)[0] = a;
      ((rt_word *)d)[1] = b;
      ((rt_word *)d)[2] = c;
      ((rt_word *)d)[3] = e;
      d += 4 * RT_WSIZE;
      s += 4 * RT_WSIZE;
      n -= 4 * RT_WSIZE;
    }
    while (n >= RT_WSIZE) {
      *(rt_word *)d = *(const rt_word *)s;
      d += RT_WSIZE;
      s += RT_WSIZE;
      n -= RT_WSIZE;
    }
  }
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  /* Overlapping with dst above src: copy backwards. */
  d += n;
  s += n;
  if (RT_ALIGNED(d) && RT_ALIGNED(s)) {
    while (n >= RT_WSIZE) {
      d -= RT_WSIZE;
      s -= RT_WSIZE;
      *(rt_word *)d = *(const rt_word *)s;
      n -= RT_WSIZE;
    }
  }
  while (n--) *--d = *--s;
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  unsigned char b = (unsigned char)c;
  while (n && !RT_ALIGNED(d)) {
    *d++ = b;
    n--;
  }
  rt_word w = b;
  w |= w << 8;
  w |= w << 16;
  if (RT_WSIZE == 8) w |= (w << 16) << 16;
  while (n >= RT_WSIZE) {
    *(rt_word *)d = w;
    d += RT_WSIZE;
    n -= RT_WSIZE;
  }
  while (n--) *d++ = b;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

size_t strlen(const char *s) {
  const char *p = s;
  while (*p) p++;
  return (size_t)(p - s);
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
  for (; n; n--, a++, b++) {
    if (*a != *b) return (int)(unsigned char)*a - (int)(unsigned char)*b;
    if (*a == 0) return 0;
  }
  return 0;
}

char *strcpy(char *dst, const char *src) {
  char *d = dst;
  while ((*d++ = *src++)) {
  }
  return dst;
}

char *strchr(const char *s, int c) {
  for (;; s++) {
    if (*s == (char)c) return (char *)s;
    if (*s == 0) return 0;
  }
}

long strtol(const char *s, char **end, int base) {
  while (*s == ' ' || *s == '\t' || *s == '\n') s++;
  int neg = 0;
  if (*s == '-' || *s == '+') neg = *s++ == '-';
  if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s += 2;
    base = 16;
  } else if (base == 0) {
    base = s[0] == '0' ? 8 : 10;
  }
  unsigned long v = 0;
  for (;; s++) {
    int d;
    if (*s >= '0' && *s <= '9') d = *s - '0';
    else if (*s >= 'a' && *s <= 'z') d = *s - 'a' + 10;
    else if (*s >= 'A' && *s <= 'Z') d = *s - 'A' + 10;
    else break;
    if (d >= base) break;
    v = v * (unsigned long)base + (unsigned long)d;
  }
  if (end) *end = (char *)s;
  return neg ? -(long)v : (long)v;
}

int atoi(const char *s) { return (int)strtol(s, 0, 10); }

/* ---- Formatting -------------------------------------------------------------------- */

typedef struct rt_sink {
  char *buf;    /* snprintf target, or 0 */
  size_t cap;
  int fd;       /* write target when buf == 0 */
  size_t total; /* characters produced so far */
  size_t used;  /* bytes waiting in local (fd sink) */
  char local[256];
} rt_sink;

static void rt_sink_flush(rt_sink *k) {
  size_t off = 0;
  while (off < k->used) {
    ssize_t w = write(k->fd, k->local + off, k->used - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  k->used = 0;
}

static void rt_put(rt_sink *k, char c) {
  if (k->buf) {
    if (k->total + 1 < k->cap) k->buf[k->total] = c;
  } else {
    if (k->used == sizeof k->local) rt_sink_flush(k);
    k->local[k->used++] = c;
  }
  k->total++;
}

static void rt_pad(rt_sink *k, char c, int n) {
  while (n-- > 0) rt_put(k, c);
}

static void rt_format(rt_sink *k, const char *fmt, va_list ap) {
  while (*fmt) {
    char c = *fmt++;
    if (c != '%') {
      rt_put(k, c);
      continue;
    }
    int left = 0, zero = 0, plus = 0, space = 0, alt = 0;
    for (;; fmt++) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '0') zero = 1;
      else if (*fmt == '+') plus = 1;
      else if (*fmt == ' ') space = 1;
      else if (*fmt == '#') alt = 1;
      else break;
    }
    int width = 0;
    if (*fmt == '*') {
      width = va_arg(ap, int);
      if (width < 0) {
        left = 1;
        width = -width;
      }
      fmt++;
    } else {
      while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    }
    int prec = -1;
    if (*fmt == '.') {
      fmt++;
      prec = 0;
      if (*fmt == '*') {
        prec = va_arg(ap, int);
        fmt++;
      } else {
        while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0');
      }
    }
    int len = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/ptrdiff/intmax */
    for (;; fmt++) {
      if (*fmt == 'l') len = len == 1 ? 2 : 1;
      else if (*fmt == 'h') len = len == -1 ? -2 : -1;
      else if (*fmt == 'z' || *fmt == 't') len = 3;
      else if (*fmt == 'j') len = 2;
      else break;
    }
    char conv = *fmt;
    if (conv == 0) break;
    fmt++;
    if (conv == '%') {
      rt_put(k, '%');
      continue;
    }
    if (conv == 'c') {
      char ch = (char)va_arg(ap, int);
      if (!left) rt_pad(k, ' ', width - 1);
      rt_put(k, ch);
      if (left) rt_pad(k, ' ', width - 1);
      continue;
    }
    if (conv == 's') {
      const char *s = va_arg(ap, const char *);
      if (!s) s = "(null)";
      int n = 0;
      while (s[n] && (prec < 0 || n < prec)) n++;
      if (!left) rt_pad(k, ' ', width - n);
      for (int i = 0; i < n; i++) rt_put(k, s[i]);
      if (left) rt_pad(k, ' ', width - n);
      continue;
    }
    unsigned long long v;
    int neg = 0;
    unsigned base = 10;
    int upper = 0;
    const char *prefix = "";
    if (conv == 'd' || conv == 'i') {
      long long sv;
      if (len == 2) sv = va_arg(ap, long long);
      else if (len == 1 || len == 3) sv = va_arg(ap, long);
      else sv = va_arg(ap, int);
      if (len == -1) sv = (short)sv;
      if (len == -2) sv = (signed char)sv;
      neg = sv < 0;
      v = neg ? 0ULL - (unsigned long long)sv : (unsigned long long)sv;
      if (neg) prefix = "-";
      else if (plus) prefix = "+";
      else if (space) prefix = " ";
    } else if (conv == 'u' || conv == 'x' || conv == 'X' || conv == 'o' || conv == 'p') {
      if (conv == 'p') {
        v = (uintptr_t)va_arg(ap, void *);
        alt = 1;
        conv = 'x';
      } else if (len == 2) v = va_arg(ap, unsigned long long);
      else if (len == 1 || len == 3) v = va_arg(ap, unsigned long);
      else v = va_arg(ap, unsigned int);
      if (len == -1) v = (unsigned short)v;
      if (len == -2) v = (unsigned char)v;
      if (conv == 'x' || conv == 'X') {
        base = 16;
        upper = conv == 'X';
        if (alt && v) prefix = upper ? "0X" : "0x";
      } else if (conv == 'o') {
        base = 8;
        if (alt) prefix = "0";
      }
    } else {
      /* Unknown conversion: print it verbatim so the mistake is visible. */
      rt_put(k, '%');
      rt_put(k, conv);
      continue;
    }
    char digits[32];
    int nd = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    if (base == 16) {
      do {
        digits[nd++] = set[v & 15];
        v >>= 4;
      } while (v);
    } else if (base == 8) {
      do {
        digits[nd++] = set[v & 7];
        v >>= 3;
      } while (v);
    } else {
      do {
        digits[nd++] = set[v % 10];
        v /= 10;
      } while (v);
    }
    if (prec == 0 && nd == 1 && digits[0] == '0') nd = 0;
    int zeros = prec > nd ? prec - nd : 0;
    int plen = (int)strlen(prefix);
    int body = plen + zeros + nd;
    if (zero && !left && prec < 0 && width > body) {
      zeros += width - body;
      body = width;
    }
    if (!left) rt_pad(k, ' ', width - body);
    for (int i = 0; i < plen; i++) rt_put(k, prefix[i]);
    rt_pad(k, '0', zeros);
    while (nd) rt_put(k, digits[--nd]);
    if (left) rt_pad(k, ' ', width - body);
  }
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  rt_sink k;
  k.buf = buf;
  k.cap = cap;
  k.fd = -1;
  k.total = 0;
  k.used = 0;
  rt_format(&k, fmt, ap);
  if (cap) buf[k.total < cap ? k.total : cap - 1] = 0;
  return (int)k.total;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

int vdprintf(int fd, const char *fmt, va_list ap) {
  rt_sink k;
  k.buf = 0;
  k.cap = 0;
  k.fd = fd;
  k.total = 0;
  k.used = 0;
  rt_format(&k, fmt, ap);
  rt_sink_flush(&k);
  return (int)k.total;
}

int dprintf(int fd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vdprintf(fd, fmt, ap);
  va_end(ap);
  return n;
}

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vdprintf(1, fmt, ap);
  va_end(ap);
  return n;
}

int puts(const char *s) {
  size_t n = strlen(s);
  write(1, s, n);
  write(1, "\n", 1);
  return (int)n + 1;
}

int putchar(int c) {
  char ch = (char)c;
  write(1, &ch, 1);
  return (unsigned char)ch;
}

void rt_eputs(const char *s) { write(2, s, strlen(s)); }

/* ---- malloc on top of brk ------------------------------------------------------------
 * First fit over an address-ordered free list with coalescing. Every block starts with a
 * 16-byte header holding its total size; user pointers are 16-byte aligned. */

typedef struct rt_block {
  size_t size;            /* whole block, header included, multiple of 16 */
  struct rt_block *next;  /* next free block (free blocks only) */
} rt_block;

#define RT_HDR 16u
#define RT_MIN_GROW (64u * 1024u)

static rt_block *rt_free_list;

static void rt_insert_free(rt_block *b) {
  rt_block *prev = 0, *cur = rt_free_list;
  while (cur && cur < b) {
    prev = cur;
    cur = cur->next;
  }
  b->next = cur;
  if (cur && (char *)b + b->size == (char *)cur) {
    b->size += cur->size;
    b->next = cur->next;
  }
  if (prev) {
    prev->next = b;
    if ((char *)prev + prev->size == (char *)b) {
      prev->size += b->size;
      prev->next = b->next;
    }
  } else {
    rt_free_list = b;
  }
}

static int rt_grow(size_t need) {
  uintptr_t cur = (uintptr_t)sbrk(0);
  size_t pad = (size_t)((16 - (cur & 15)) & 15);
  size_t grow = need < RT_MIN_GROW ? RT_MIN_GROW : need;
  void *p = sbrk((long)(grow + pad));
  if (p == (void *)-1) {
    grow = need;
    p = sbrk((long)(grow + pad));
    if (p == (void *)-1) return 0;
  }
  rt_block *b = (rt_block *)((char *)p + pad);
  b->size = grow;
  rt_insert_free(b);
  return 1;
}

void *malloc(size_t n) {
  if (n > ((size_t)-1) / 2) return 0;
  size_t need = (n + RT_HDR + 15) & ~(size_t)15;
  for (int attempt = 0; attempt < 2; attempt++) {
    rt_block *prev = 0, *cur = rt_free_list;
    while (cur) {
      if (cur->size >= need) {
        if (cur->size - need >= 2 * RT_HDR) {
          rt_block *rest = (rt_block *)((char *)cur + need);
          rest->size = cur->size - need;
          rest->next = cur->next;
          cur->size = need;
          if (prev) prev->next = rest;
          else rt_free_list = rest;
        } else {
          if (prev) prev->next = cur->next;
          else rt_free_list = cur->next;
        }
        return (char *)cur + RT_HDR;
      }
      prev = cur;
      cur = cur->next;
    }
    if (!rt_grow(need)) return 0;
  }
  return 0;
}

void free(void *p) {
  if (!p) return;
  rt_insert_free((rt_block *)((char *)p - RT_HDR));
}

void *calloc(size_t count, size_t size) {
  if (size && count > ((size_t)-1) / size) return 0;
  void *p = malloc(count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void *realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  if (n == 0) {
    free(p);
    return 0;
  }
  rt_block *b = (rt_block *)((char *)p - RT_HDR);
  size_t have = b->size - RT_HDR;
  if (have >= n) return p;
  void *q = malloc(n);
  if (!q) return 0;
  memcpy(q, p, have);
  free(p);
  return q;
}

/* ---- qsort: median-of-three quicksort, insertion sort below 12 elements ------------- */

static void rt_swap(unsigned char *a, unsigned char *b, size_t size) {
  while (size--) {
    unsigned char t = *a;
    *a++ = *b;
    *b++ = t;
  }
}

static void rt_qsort(unsigned char *base, size_t count, size_t size,
                     int (*cmp)(const void *, const void *)) {
  while (count > 12) {
    unsigned char *lo = base, *mid = base + (count / 2) * size, *hi = base + (count - 1) * size;
    if (cmp(mid, lo) < 0) rt_swap(mid, lo, size);
    if (cmp(hi, mid) < 0) {
      rt_swap(hi, mid, size);
      if (cmp(mid, lo) < 0) rt_swap(mid, lo, size);
    }
    rt_swap(mid, lo, size); /* pivot to the front */
    size_t i = 1, j = count - 1;
    for (;;) {
      while (i <= j && cmp(base + i * size, base) < 0) i++;
      while (j >= i && cmp(base + j * size, base) > 0) j--;
      if (i >= j) break;
      rt_swap(base + i * size, base + j * size, size);
      i++;
      j--;
    }
    rt_swap(base, base + j * size, size);
    size_t left = j, right = count - j - 1;
    if (left < right) {
      rt_qsort(base, left, size, cmp);
      base += (j + 1) * size;
      count = right;
    } else {
      rt_qsort(base + (j + 1) * size, right, size, cmp);
      count = left;
    }
  }
  for (size_t i = 1; i < count; i++) {
    for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--) {
      rt_swap(base + (j - 1) * size, base + j * size, size);
    }
  }
}

void qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *)) {
  if (count > 1 && size) rt_qsort(base, count, size, cmp);
}

/* ---- 64-bit division helpers for rv32 ------------------------------------------------
 * RV32IM has no 64-bit divide, so clang calls these libgcc-named helpers. Only 32-bit
 * divides and 64-bit shifts/compares/subtracts are used here (none of which become calls).
 * Division by zero is undefined in C; these return all ones like the RISC-V divu. */
#if __riscv_xlen == 32

/* (u1:u0) / v for u1 < v (so the quotient fits in 32 bits), Knuth's algorithm D on
   16-bit digits. */
static uint32_t rt_divlu(uint32_t u1, uint32_t u0, uint32_t v, uint32_t *rem) {
  const uint32_t b = 65536u;
  int s = __builtin_clz(v);
  v <<= s;
  uint32_t vn1 = v >> 16, vn0 = v & 0xffffu;
  uint32_t un32 = (u1 << s) | (s ? u0 >> (32 - s) : 0);
  uint32_t un10 = u0 << s;
  uint32_t un1 = un10 >> 16, un0 = un10 & 0xffffu;
  uint32_t q1 = un32 / vn1, rhat = un32 - q1 * vn1;
  while (q1 >= b || q1 * vn0 > b * rhat + un1) {
    q1--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  uint32_t un21 = un32 * b + un1 - q1 * v;
  uint32_t q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > b * rhat + un0) {
    q0--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  *rem = (un21 * b + un0 - q0 * v) >> s;
  return q1 * b + q0;
}

static int rt_clz64(uint64_t x) {
  uint32_t hi = (uint32_t)(x >> 32);
  return hi ? __builtin_clz(hi) : 32 + __builtin_clz((uint32_t)x);
}

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem) {
  if (d == 0) {
    if (rem) *rem = n;
    return ~(uint64_t)0;
  }
  if (n < d) {
    if (rem) *rem = n;
    return 0;
  }
  if ((d >> 32) == 0) {
    uint32_t d32 = (uint32_t)d, nh = (uint32_t)(n >> 32), nl = (uint32_t)n, r;
    uint32_t qh = nh / d32;
    nh -= qh * d32;
    uint32_t ql = rt_divlu(nh, nl, d32, &r);
    if (rem) *rem = r;
    return ((uint64_t)qh << 32) | ql;
  }
  /* d >= 2^32: the quotient fits in 32 bits; plain shift-and-subtract. */
  int sh = rt_clz64(d) - rt_clz64(n);
  d <<= sh;
  uint32_t q = 0;
  for (int i = 0; i <= sh; i++) {
    q <<= 1;
    if (n >= d) {
      n -= d;
      q |= 1;
    }
    d >>= 1;
  }
  if (rem) *rem = n;
  return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }

uint64_t __umoddi3(uint64_t n, uint64_t d) {
  uint64_t r;
  __udivmoddi4(n, d, &r);
  return r;
}

int64_t __divdi3(int64_t a, int64_t b) {
  uint64_t ua = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
  uint64_t ub = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
  uint64_t q = __udivmoddi4(ua, ub, 0);
  return (int64_t)(((a < 0) != (b < 0)) ? 0 - q : q);
}

int64_t __moddi3(int64_t a, int64_t b) {
  uint64_t ua = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
  uint64_t ub = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
  uint64_t r;
  __udivmoddi4(ua, ub, &r);
  return (int64_t)(a < 0 ? 0 - r : r);
}

#endif /* __riscv_xlen == 32 */
