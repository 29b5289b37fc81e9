/*
 * eekit_abi.h: Solidity ABI helpers for EEKit native contracts (header-only).
 *
 * u256: a 256-bit unsigned number as four 64-bit limbs, least significant first: checked
 * add / sub / mul, compare, shifts, and division with remainder (u256_divmod). Calldata is
 * read from the frame block (eek_frame) when it holds it, else through EEK_SYS_CALLDATA_COPY;
 * words are big-endian as in the Solidity ABI. Argument indexes may come from calldata: every
 * bound check is written so that a huge index cannot wrap around.
 */
#ifndef EEKIT_ABI_H
#define EEKIT_ABI_H

#include "eekit.h"

typedef struct { uint64_t l[4]; } u256;

static inline u256 u256_from_u64(uint64_t v) { u256 r = {{v, 0, 0, 0}}; return r; }
static inline int u256_is_zero(u256 a) { return (a.l[0] | a.l[1] | a.l[2] | a.l[3]) == 0; }
static inline int u256_eq(u256 a, u256 b) {
  return a.l[0] == b.l[0] && a.l[1] == b.l[1] && a.l[2] == b.l[2] && a.l[3] == b.l[3];
}
static inline int u256_lt(u256 a, u256 b) {
  for (int i = 3; i >= 0; i--)
    if (a.l[i] != b.l[i]) return a.l[i] < b.l[i];
  return 0;
}
/* *r = a + b; returns 1 on overflow. */
static inline int u256_add(u256 *r, u256 a, u256 b) {
  uint64_t c = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t s = a.l[i] + c;
    uint64_t c1 = s < c;
    uint64_t t = s + b.l[i];
    c = c1 | (t < s);
    r->l[i] = t;
  }
  return (int)c;
}
/* *r = a - b; returns 1 on underflow. */
static inline int u256_sub(u256 *r, u256 a, u256 b) {
  uint64_t br = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t d = a.l[i] - b.l[i];
    uint64_t b1 = a.l[i] < b.l[i];
    uint64_t e = d - br;
    uint64_t b2 = d < br;
    r->l[i] = e;
    br = b1 | b2;
  }
  return (int)br;
}
/* hi:lo = a * b (64 x 64 -> 128 bits); RV32 has no 128-bit integer type. */
static inline uint64_t eek_mul64(uint64_t a, uint64_t b, uint64_t *hi) {
#ifdef __SIZEOF_INT128__
  __extension__ typedef unsigned __int128 eek_u128; /* __extension__: no -Wpedantic warning */
  eek_u128 p = (eek_u128)a * b;
  *hi = (uint64_t)(p >> 64);
  return (uint64_t)p;
#else
  uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
  *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (mid << 32) | (uint32_t)p00;
#endif
}
/* *r = a * b mod 2^256; returns 1 if the product does not fit in 256 bits. */
static inline int u256_mul(u256 *r, u256 a, u256 b) {
  uint64_t t[4] = {0, 0, 0, 0};
  int overflow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t carry = 0;
    if (a.l[i] == 0) continue;
    for (int j = 0; j < 4; j++) {
      uint64_t hi, lo = eek_mul64(a.l[i], b.l[j], &hi);
      if (i + j >= 4) { /* beyond 256 bits */
        if (lo | hi | carry) overflow = 1;
        carry = 0;
        continue;
      }
      uint64_t s = t[i + j] + lo;
      hi += s < lo;
      uint64_t s2 = s + carry;
      hi += s2 < carry;
      t[i + j] = s2;
      carry = hi;
    }
    if (carry) overflow = 1;
  }
  for (int i = 0; i < 4; i++) r->l[i] = t[i];
  return overflow;
}
/* a << n and a >> n (logical); 0 for n >= 256, as the EVM's SHL / SHR. */
static inline u256 u256_shl(u256 a, unsigned n) {
  u256 r = {{0, 0, 0, 0}};
  if (n >= 256) return r;
  unsigned k = n / 64, s = n % 64;
  for (int i = 3; i >= (int)k; i--) {
    r.l[i] = a.l[i - k] << s;
    if (s && i - (int)k - 1 >= 0) r.l[i] |= a.l[i - k - 1] >> (64 - s);
  }
  return r;
}
static inline u256 u256_shr(u256 a, unsigned n) {
  u256 r = {{0, 0, 0, 0}};
  if (n >= 256) return r;
  unsigned k = n / 64, s = n % 64;
  for (unsigned i = 0; i + k < 4; i++) {
    r.l[i] = a.l[i + k] >> s;
    if (s && i + k + 1 < 4) r.l[i] |= a.l[i + k + 1] << (64 - s);
  }
  return r;
}
/* Digits for long division: half a register, so that a two-digit number divided by a digit is
   one machine division (RV32IM cannot divide 64-bit numbers without libgcc's __udivdi3). */
#if UINTPTR_MAX == 0xffffffffu
typedef uint16_t eek_digit;
typedef uint32_t eek_ddigit;
typedef int32_t eek_sddigit;
#define EEK_DIGIT_BITS 16
#else
typedef uint32_t eek_digit;
typedef uint64_t eek_ddigit;
typedef int64_t eek_sddigit;
#define EEK_DIGIT_BITS 32
#endif
#define EEK_DIGITS (256 / EEK_DIGIT_BITS)
static inline void eek_u256_to_digits(eek_digit *d, u256 a) {
  for (int i = 0; i < EEK_DIGITS; i++)
    d[i] = (eek_digit)(a.l[i * EEK_DIGIT_BITS / 64] >> (i * EEK_DIGIT_BITS % 64));
}
static inline u256 eek_u256_from_digits(const eek_digit *d) {
  u256 r = {{0, 0, 0, 0}};
  for (int i = 0; i < EEK_DIGITS; i++) r.l[i * EEK_DIGIT_BITS / 64] |= (uint64_t)d[i] << (i * EEK_DIGIT_BITS % 64);
  return r;
}
/* *q = a / b, *rem = a % b; returns 1 (and zeros) if b is 0. Long division on half-register
   digits (Knuth, TAOCP vol. 2, 4.3.1, algorithm D): one estimated quotient digit per step,
   corrected at most twice, then a multiply-and-subtract (and, rarely, an add-back). A full
   256 / 128-bit division takes a few hundred instructions where a bit at a time took
   thousands. */
static inline int u256_divmod(u256 *q, u256 *rem, u256 a, u256 b) {
  u256 zero = {{0, 0, 0, 0}};
  *q = zero;
  *rem = zero;
  if (u256_is_zero(b)) return 1;
  /* One machine division when both fit a register. */
  if ((a.l[1] | a.l[2] | a.l[3] | b.l[1] | b.l[2] | b.l[3]) == 0 &&
      (sizeof(uintptr_t) == 8 || (a.l[0] | b.l[0]) >> 32 == 0)) {
    uintptr_t x = (uintptr_t)a.l[0], y = (uintptr_t)b.l[0];
    q->l[0] = x / y;
    rem->l[0] = x % y;
    return 0;
  }
  if (u256_lt(a, b)) {
    *rem = a;
    return 0;
  }
  const int DB = EEK_DIGIT_BITS;
  const eek_ddigit mask = ((eek_ddigit)1 << DB) - 1;
  eek_digit u[EEK_DIGITS], v[EEK_DIGITS], qd[EEK_DIGITS], r[EEK_DIGITS];
  eek_u256_to_digits(u, a);
  eek_u256_to_digits(v, b);
  int m = EEK_DIGITS, n = EEK_DIGITS;
  while (u[m - 1] == 0) m--; /* a >= b > 0: both have a non-zero digit, and m >= n */
  while (v[n - 1] == 0) n--;
  for (int i = 0; i < EEK_DIGITS; i++) qd[i] = r[i] = 0;
  if (n == 1) { /* by one digit: schoolbook short division */
    eek_ddigit k = 0;
    for (int j = m - 1; j >= 0; j--) {
      eek_ddigit t = k << DB | u[j];
      qd[j] = (eek_digit)(t / v[0]);
      k = t % v[0];
    }
    r[0] = (eek_digit)k;
  } else {
    /* Normalize: shift both so that v's top digit has its top bit set (then each estimate
       below is at most 2 too large). */
    /* A loop, not __builtin_clz: GCC calls libgcc's __clzsi2 / __clzdi2 for it, which a
       -nostdlib contract does not have. v[n - 1] != 0, so at most DB - 1 steps. */
    int s = 0;
    while (((eek_ddigit)v[n - 1] << s & ((eek_ddigit)1 << (DB - 1))) == 0) s++;
    eek_digit vn[EEK_DIGITS], un[EEK_DIGITS + 1];
    for (int i = n - 1; i > 0; i--) vn[i] = (eek_digit)((eek_ddigit)v[i] << s | (eek_ddigit)v[i - 1] >> (DB - s));
    vn[0] = (eek_digit)((eek_ddigit)v[0] << s);
    un[m] = (eek_digit)((eek_ddigit)u[m - 1] >> (DB - s));
    for (int i = m - 1; i > 0; i--) un[i] = (eek_digit)((eek_ddigit)u[i] << s | (eek_ddigit)u[i - 1] >> (DB - s));
    un[0] = (eek_digit)((eek_ddigit)u[0] << s);
    for (int j = m - n; j >= 0; j--) {
      /* Estimate from the top two digits of the remainder and v's top digit, then correct with
         v's second digit (qhat < 2^DB afterwards, so its products fit a register). */
      eek_ddigit num = (eek_ddigit)un[j + n] << DB | un[j + n - 1];
      eek_ddigit qhat = num / vn[n - 1], rhat = num % vn[n - 1];
      while (qhat >> DB || qhat * vn[n - 2] > (rhat << DB | un[j + n - 2])) {
        qhat--;
        rhat += vn[n - 1];
        if (rhat >> DB) break;
      }
      /* un[j .. j+n] -= qhat * vn, digit by digit with a signed borrow. */
      eek_sddigit t = 0, k = 0;
      for (int i = 0; i < n; i++) {
        eek_ddigit p = qhat * vn[i];
        t = (eek_sddigit)un[i + j] - k - (eek_sddigit)(p & mask);
        un[i + j] = (eek_digit)t;
        k = (eek_sddigit)(p >> DB) - (t >> DB);
      }
      t = (eek_sddigit)un[j + n] - k;
      un[j + n] = (eek_digit)t;
      qd[j] = (eek_digit)qhat;
      if (t < 0) { /* qhat was one too large (probability about 2 / 2^DB): add v back */
        qd[j]--;
        eek_ddigit c = 0;
        for (int i = 0; i < n; i++) {
          eek_ddigit w = (eek_ddigit)un[i + j] + vn[i] + c;
          un[i + j] = (eek_digit)w;
          c = w >> DB;
        }
        un[j + n] = (eek_digit)(un[j + n] + c);
      }
    }
    for (int i = 0; i < n - 1; i++) r[i] = (eek_digit)((eek_ddigit)un[i] >> s | (eek_ddigit)un[i + 1] << (DB - s));
    r[n - 1] = (eek_digit)((eek_ddigit)un[n - 1] >> s);
  }
  *q = eek_u256_from_digits(qd);
  *rem = eek_u256_from_digits(r);
  return 0;
}
/* Big-endian 64-bit load / store at any alignment, unrolled (RV32IM/RV64IM have no byte swap). */
static inline uint64_t eek_load_be64(const uint8_t *p) {
  return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
         (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | (uint64_t)p[7];
}
static inline void eek_store_be64(uint8_t *p, uint64_t v) {
  p[0] = (uint8_t)(v >> 56); p[1] = (uint8_t)(v >> 48); p[2] = (uint8_t)(v >> 40); p[3] = (uint8_t)(v >> 32);
  p[4] = (uint8_t)(v >> 24); p[5] = (uint8_t)(v >> 16); p[6] = (uint8_t)(v >> 8);  p[7] = (uint8_t)v;
}
/* Byte swaps without the Zbb extension (RV32IM/RV64IM have no rev8): mask-and-shift rounds,
   13 instructions for 64 bits where clang's own bswap expansion takes 23. The empty asm hides
   the masks from the optimizer, which would otherwise recognise a bswap and expand it its way. */
#define EEK_OPAQUE(v) __asm__("" : "+r"(v))
static inline uint32_t eek_bswap32(uint32_t x) {
  uint32_t m = 0x00FF00FFu;
  EEK_OPAQUE(m);
  x = ((x >> 8) & m) | ((x & m) << 8);
  return (x >> 16) | (x << 16);
}
static inline uint64_t eek_bswap64(uint64_t x) {
#if defined(__riscv_xlen) && __riscv_xlen == 32
  return (uint64_t)eek_bswap32((uint32_t)x) << 32 | eek_bswap32((uint32_t)(x >> 32));
#else
  uint64_t m1 = 0x00FF00FF00FF00FFull, m2 = 0x0000FFFF0000FFFFull;
  EEK_OPAQUE(m1);
  EEK_OPAQUE(m2);
  x = ((x >> 8) & m1) | ((x & m1) << 8);
  x = ((x >> 16) & m2) | ((x & m2) << 16);
  return (x >> 32) | (x << 32);
#endif
}
/* Limb i (0 = least significant) of a big-endian word: one aligned load and a byte swap
   (eek_word is 8-byte aligned). */
static inline uint64_t eek_word_limb(const eek_word *w, int i) {
  uint64_t v;
  __builtin_memcpy(&v, (const uint8_t *)__builtin_assume_aligned(w->b, 8) + 8 * (3 - i), 8);
  return eek_bswap64(v);
}
static inline void eek_word_set_limb(eek_word *w, int i, uint64_t limb) {
  uint64_t v = eek_bswap64(limb);
  __builtin_memcpy((uint8_t *)__builtin_assume_aligned(w->b, 8) + 8 * (3 - i), &v, 8);
}
/* The word is below 2^64 (its upper 24 bytes are zero): a valid offset, length or bool. */
static inline int eek_word_fits_u64(const eek_word *w) {
  uint64_t a[3];
  __builtin_memcpy(a, __builtin_assume_aligned(w->b, 8), 24);
  return (a[0] | a[1] | a[2]) == 0;
}
static inline int eek_word_is_zero(const eek_word *w) {
  uint64_t a[4];
  __builtin_memcpy(a, __builtin_assume_aligned(w->b, 8), 32);
  return (a[0] | a[1] | a[2] | a[3]) == 0;
}
static inline eek_word u256_to_word(u256 a) {
  eek_word w;
  for (int i = 0; i < 4; i++) eek_word_set_limb(&w, i, a.l[i]);
  return w;
}
static inline u256 u256_from_word(const eek_word *w) {
  u256 a = {{eek_word_limb(w, 0), eek_word_limb(w, 1), eek_word_limb(w, 2), eek_word_limb(w, 3)}};
  return a;
}
/* The two addresses are the same 20 bytes. */
static inline int eek_address_eq(const eek_address *a, const eek_address *b) {
  return __builtin_memcmp(a->b, b->b, 20) == 0;
}
static inline eek_word eek_word_from_address(const eek_address *a) {
  eek_word w = {{0}};
  __builtin_memcpy(w.b + 12, a->b, 20);
  return w;
}
/* Byte by byte, so that a constant folds into constant stores (the byte swaps above cannot be
   folded through their opaque masks). */
static inline eek_word eek_word_from_u64(uint64_t v) {
  eek_word w = {{0}};
  for (int i = 0; i < 8; i++) w.b[31 - i] = (uint8_t)(v >> (8 * i));
  return w;
}

/* Storage values as numbers: EEK_SYS_SLOAD_LE / EEK_SYS_SSTORE_LE move a u256 (little-endian
   limbs, which is little-endian bytes in guest memory on RV32 and RV64) without the byte swaps
   of u256_from_word / u256_to_word. The key is a big-endian word, as for eek_sload. */
static inline u256 eek_sload_u256(const eek_word *key) {
  u256 v;
  EEK_SYS2(EEK_SYS_SLOAD_LE, key, &v);
  return v;
}
static inline void eek_sstore_u256(const eek_word *key, u256 v) { EEK_SYS2(EEK_SYS_SSTORE_LE, key, &v); }

/* The 4-byte selector of the calldata (0 if shorter than 4 bytes). */
static inline uint32_t abi_selector(void) {
  const eek_frame *f = eek_frame_block();
  if (f && f->has_calldata) {
    if (f->calldata_size < 4) return 0;
    uint32_t s;
    __builtin_memcpy(&s, __builtin_assume_aligned(f->calldata, 16), 4);
    return eek_bswap32(s);
  }
  uint8_t s[4] = {0, 0, 0, 0};
  if (eek_calldata_size() >= 4) eek_calldata_copy(s, 0, 4);
  return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
}
/* Argument i (0-based) of a call with a selector, as a word (missing bytes read as 0). From the
   frame block, eight 32-bit loads (the block's calldata is 16-byte aligned, so argument i is
   4-byte aligned). */
static inline eek_word abi_arg_word(size_t i) {
  eek_word w;
  const eek_frame *f = eek_frame_block();
  if (f && f->has_calldata && f->calldata_size >= 4 && i < (f->calldata_size - 4) / 32) {
    __builtin_memcpy(&w, __builtin_assume_aligned(f->calldata + 4 + 32 * i, 4), 32);
    return w;
  }
  /* Past the end (or beyond any possible calldata: 4 + 32 i would wrap) reads as zero. */
  if (i > (SIZE_MAX - 4) / 32 - 1) {
    for (int k = 0; k < 32; k++) w.b[k] = 0;
    return w;
  }
  eek_calldata_copy(&w, 4 + 32 * i, 32);
  return w;
}
static inline u256 abi_arg_u256(size_t i) {
  eek_word w = abi_arg_word(i);
  return u256_from_word(&w);
}
/* A word as an address; returns 0 if its upper 12 bytes are not zero (invalid ABI). */
static inline int abi_word_address(const eek_word *w, eek_address *out) {
  uint32_t high[3];
  __builtin_memcpy(high, w->b, 12);
  if (high[0] | high[1] | high[2]) return 0;
  __builtin_memcpy(out->b, w->b + 12, 20);
  return 1;
}
/* Argument i as an address; returns 0 if the upper 12 bytes are not zero (invalid ABI). */
static inline int abi_arg_address(size_t i, eek_address *out) {
  eek_word w = abi_arg_word(i);
  return abi_word_address(&w, out);
}
/* Constructor argument i (no selector). */
static inline u256 abi_ctor_arg_u256(size_t i) {
  if (i > SIZE_MAX / 32 - 1) return u256_from_u64(0); /* 32 i would wrap: past any calldata */
  eek_word w;
  eek_calldata_copy(&w, 32 * i, 32);
  return u256_from_word(&w);
}
/* Constructor argument i as a word, and as an address (0 if its upper 12 bytes are not zero). */
static inline eek_word abi_ctor_arg_word(size_t i) {
  eek_word w = {{0}};
  if (i > SIZE_MAX / 32 - 1) return w; /* 32 i would wrap: past any calldata */
  eek_calldata_copy(&w, 32 * i, 32);
  return w;
}
static inline int abi_ctor_arg_address(size_t i, eek_address *out) {
  eek_word w = abi_ctor_arg_word(i);
  return abi_word_address(&w, out);
}
/* Constructor arguments of at least `words` words? The abi_ctor_arg_* readers read bytes past
   the end as 0, as Vyper's constructor does (the example token deploys with a supply of 0 from
   short arguments, as its Vyper twin does); Solidity's constructor reverts instead: check this
   first for its behaviour. */
static inline int abi_ctor_has_args(size_t words) {
  return words <= eek_calldata_size() / 32;
}
/* Calldata of at least `words` arguments after the selector? */
static inline int abi_has_args(size_t words) {
  size_t n = eek_calldata_size();
  return n >= 4 && words <= (n - 4) / 32;
}

__attribute__((noreturn)) static inline void abi_return_word(eek_word w) { eek_return(&w, 32); }
__attribute__((noreturn)) static inline void abi_return_u256(u256 v) { abi_return_word(u256_to_word(v)); }
__attribute__((noreturn)) static inline void abi_return_bool(int b) {
  eek_word w = {{0}};
  w.b[31] = b ? 1 : 0;
  abi_return_word(w);
}
/* Writes the ABI encoding of one dynamic `bytes` / `string` value (offset 0x20, length, the
   bytes padded to whole words) at buf + head, after `head` bytes the caller fills (0 or a
   4-byte selector); returns the total size. buf must hold head + 64 + n rounded up to 32. */
static inline size_t abi_encode_dynamic(uint8_t *buf, size_t head, const void *p, size_t n) {
  size_t padded = (n + 31) / 32 * 32;
  /* memcpy / memset (eekit_rt.c) move whole words where the pointers allow: a byte loop made
     a 40 KB echo cost 25% more gas than the same contract in Vyper. */
  __builtin_memset(buf + head, 0, 64);
  buf[head + 31] = 0x20;
  for (int k = 0; k < 8; k++) buf[head + 63 - k] = (uint8_t)((uint64_t)n >> (8 * k));
  __builtin_memcpy(buf + head + 64, p, n);
  __builtin_memset(buf + head + 64 + n, 0, padded - n);
  return head + 64 + padded;
}
/* A general ABI encoder for a tuple of static values and dynamic bytes / strings, as Solidity
   encodes several return values or event data: abi_enc_begin with the number of values, then
   each value in order (a dynamic one puts its offset in the head and its length and padded
   bytes in the tail), then abi_enc_end for the size (0 if a value did not fit in the buffer or
   the count was wrong). Nothing is written past `cap`. Dynamic values: abi_enc_bytes (bytes,
   string) and abi_enc_words (T[] of one-word values). For example (uint256, string, address):
     abi_encoder e; abi_enc_begin(&e, buf, sizeof buf, 3);
     abi_enc_u256(&e, n); abi_enc_bytes(&e, "hi", 2); abi_enc_address(&e, &a);
     abi_enc_return(&e);  // eek_return(buf, abi_enc_end(&e)), or an empty revert if it failed */
typedef struct {
  uint8_t *buf;
  size_t cap;   /* bytes available at buf */
  size_t slots; /* head words: one per value */
  size_t next;  /* the next value's head word */
  size_t tail;  /* the encoding's end so far */
  int ok;       /* 0 once a value did not fit or there were more values than slots */
} abi_encoder;
static inline void abi_enc_begin(abi_encoder *e, void *buf, size_t cap, size_t values) {
  e->buf = (uint8_t *)buf;
  e->cap = cap;
  e->slots = values;
  e->next = 0;
  e->ok = values <= cap / 32;
  e->tail = e->ok ? values * 32 : 0;
  if (e->ok) __builtin_memset(e->buf, 0, e->tail);
}
static inline void abi_enc_word(abi_encoder *e, eek_word w) {
  if (!e->ok || e->next >= e->slots) {
    e->ok = 0;
    return;
  }
  __builtin_memcpy(e->buf + 32 * e->next++, w.b, 32);
}
static inline void abi_enc_u256(abi_encoder *e, u256 v) { abi_enc_word(e, u256_to_word(v)); }
static inline void abi_enc_u64(abi_encoder *e, uint64_t v) { abi_enc_word(e, eek_word_from_u64(v)); }
static inline void abi_enc_bool(abi_encoder *e, int b) { abi_enc_word(e, eek_word_from_u64(b ? 1 : 0)); }
static inline void abi_enc_address(abi_encoder *e, const eek_address *a) { abi_enc_word(e, eek_word_from_address(a)); }
/* A dynamic value's offset in the next head word, and at the tail its length word `count`
   followed by the n bytes at p zero-padded to `padded` bytes (abi_enc_bytes and abi_enc_words
   call it; nothing is written once the encoder failed, or if n > padded). */
static inline void abi_enc_tail(abi_encoder *e, uint64_t count, const void *p, size_t n, size_t padded) {
  if (!e->ok || e->next >= e->slots || n > padded || e->cap - e->tail < 32 || e->cap - e->tail - 32 < padded) {
    e->ok = 0;
    return;
  }
  abi_enc_word(e, eek_word_from_u64((uint64_t)e->tail));
  uint8_t *t = e->buf + e->tail;
  __builtin_memset(t, 0, 32);
  for (int k = 0; k < 8; k++) t[31 - k] = (uint8_t)(count >> (8 * k));
  if (n) __builtin_memcpy(t + 32, p, n);
  __builtin_memset(t + 32 + n, 0, padded - n);
  e->tail += 32 + padded;
}
/* A dynamic `bytes` / `string` value. */
static inline void abi_enc_bytes(abi_encoder *e, const void *p, size_t n) {
  if (!e->ok || e->next >= e->slots || n > e->cap) {
    e->ok = 0;
    return;
  }
  abi_enc_tail(e, (uint64_t)n, p, n, (n + 31) / 32 * 32); /* n <= cap, so no wrap */
}
/* A dynamic array `T[]` of n one-word values (uintN, intN, address, bool, bytesN as words). */
static inline void abi_enc_words(abi_encoder *e, const eek_word *items, size_t n) {
  if (!e->ok || e->next >= e->slots || n > e->cap / 32) {
    e->ok = 0;
    return;
  }
  abi_enc_tail(e, (uint64_t)n, items, 32 * n, 32 * n); /* n <= cap / 32, so no wrap */
}
/* The encoding's size, or 0 if it failed (a value did not fit, or fewer or more values than
   abi_enc_begin said). */
static inline size_t abi_enc_end(const abi_encoder *e) { return e->ok && e->next == e->slots ? e->tail : 0; }
/* Returns the encoding; a failed one reverts with empty data. */
__attribute__((noreturn)) static inline void abi_enc_return(const abi_encoder *e) {
  /* abi_enc_end's 0 is also the size of a successful empty encoding (0 values). */
  if (!e->ok || e->next != e->slots) eek_revert(0, 0);
  eek_return(e->buf, e->tail);
}

/* Returns an ABI-encoded `string` / `bytes` (offset, length, the bytes padded to whole words).
   The encoding is built on the stack up to 16 KiB and above the heap's break (BRK) beyond, so
   any size that fits guest memory works; a BRK past the heap's limit fails the frame, as
   memory the EVM cannot pay for does. */
__attribute__((noreturn)) static inline void abi_return_bytes(const void *p, size_t n) {
  if (n > SIZE_MAX - 96) eek_revert(0, 0); /* no such buffer: the size would wrap */
  size_t total = 64 + (n + 31) / 32 * 32;
  uint8_t *buf;
  if (n <= 16384) {
    buf = (uint8_t *)__builtin_alloca(total);
  } else {
    buf = (uint8_t *)eek_alloc(total);
  }
  eek_return(buf, abi_encode_dynamic(buf, 0, p, n));
}
__attribute__((noreturn)) static inline void abi_return_string(const char *s, size_t n) { abi_return_bytes(s, n); }
/* Reverts with Solidity's Error(string) (selector 0x08c379a0), as `require(cond, "msg")` and
   `revert("msg")` do; tools print it as the revert reason. Messages over 16 KiB are cut. */
__attribute__((noreturn)) static inline void abi_revert_error(const char *msg, size_t n) {
  if (n > 16384) n = 16384;
  uint8_t *buf = (uint8_t *)__builtin_alloca(4 + 64 + (n + 31) / 32 * 32);
  buf[0] = 0x08; buf[1] = 0xc3; buf[2] = 0x79; buf[3] = 0xa0;
  eek_revert(buf, abi_encode_dynamic(buf, 4, msg, n));
}
/* Error(string) with a NUL-terminated message (the runtime has no strlen; a message stops at
   16 KiB). ABI_REVERT("literal") takes the length from the literal at compile time, and refuses
   anything that is not a narrow string literal (sizeof of a pointer would cut the message; a
   wide literal's bytes are not the UTF-8 text a reason holds). */
__attribute__((noreturn)) static inline void abi_revert_str(const char *msg) {
  size_t n = 0;
  while (n < 16384 && msg[n]) n++;
  abi_revert_error(msg, n);
}
#define ABI_REVERT(literal)                                                                        \
  ((void)sizeof(char[sizeof(("" literal "")[0]) == 1 ? 1 : -1]), /* a narrow literal only */       \
   abi_revert_error("" literal "", sizeof("" literal "") - 1))
/* Reverts with a custom error (Solidity's `error NotOwner(address who); revert NotOwner(x);`):
   its selector, the first 4 bytes of keccak256 of its signature (`eekit abi selector
   'NotOwner(address)' --c` prints it), then `n` static argument words (at most 64; more revert
   with empty data). `deploy/call --error-sig 'NotOwner(address who)'` decode it. */
__attribute__((noreturn)) static inline void abi_revert_custom(uint32_t selector, const eek_word *args, size_t n) {
  if (n > 64) eek_revert(0, 0);
  uint8_t *buf = (uint8_t *)__builtin_alloca(4 + 32 * n);
  buf[0] = (uint8_t)(selector >> 24);
  buf[1] = (uint8_t)(selector >> 16);
  buf[2] = (uint8_t)(selector >> 8);
  buf[3] = (uint8_t)selector;
  for (size_t i = 0; i < n; i++) __builtin_memcpy(buf + 4 + 32 * i, args[i].b, 32);
  eek_revert(buf, 4 + 32 * n);
}
/* A non-payable function's check: reverts (empty data, as Solidity's and Vyper's) when the
   call carries value. Native functions, the constructor included, accept value unless they
   check, as EVM bytecode does. */
static inline void abi_require_no_value(void) {
  eek_word v;
  eek_callvalue(&v);
  if (!eek_word_is_zero(&v)) eek_revert(0, 0);
}
/* Where dynamic argument i of a call with a selector starts: its head word holds an offset (from
   the first argument) to a length word inside the calldata. Sets *pos to the calldata position
   after the length word and *len to the length. Returns 0 if the encoding is malformed (no
   overflow, whatever the calldata says). */
static inline int abi_dynamic_arg(size_t i, size_t *pos, uint64_t *len) {
  size_t size = eek_calldata_size();
  if (size < 4 || i >= (size - 4) / 32) return 0; /* the head word is not there */
  eek_word w = abi_arg_word(i);
  if (!eek_word_fits_u64(&w)) return 0; /* offset >= 2^64 */
  uint64_t off = eek_word_limb(&w, 0);
  /* The length word at 4 + off must lie inside the calldata. */
  if (off > size - 4 || size - 4 - off < 32) return 0;
  eek_word lw;
  eek_calldata_copy(&lw, 4 + (size_t)off, 32);
  if (!eek_word_fits_u64(&lw)) return 0;
  *pos = 4 + (size_t)off + 32;
  *len = eek_word_limb(&lw, 0);
  return 1;
}
/* Dynamic argument i (`bytes` or `string`) of a call with a selector: checks its offset and
   length against the calldata (no overflow, whatever the calldata says), sets *len to its
   length and copies it to `dst` if it fits in `cap` bytes. Returns 0 if the encoding is
   malformed (the caller should revert, as Solidity does) or the value is longer than `cap`
   (then nothing is copied; *len tells how much room it needs). */
static inline int abi_arg_bytes(size_t i, void *dst, size_t cap, size_t *len) {
  size_t pos;
  uint64_t n;
  if (!abi_dynamic_arg(i, &pos, &n)) return 0;
  if (n > eek_calldata_size() - pos) return 0; /* the bytes run past the calldata */
  *len = (size_t)n;
  if (n > cap) return 0;
  eek_calldata_copy(dst, pos, (size_t)n);
  return 1;
}
/* Dynamic array argument i (`T[]` of a one-word static T: uintN, intN, address, bool, bytesN) of
   a call with a selector: checks its offset and length against the calldata (every element
   inside it, no overflow) and sets *count to its length and *at to the calldata position of its
   first element: element j is abi_calldata_word(*at + 32 * j). Returns 0 if the encoding is
   malformed (the caller should revert, as Solidity does). Check each element's range as
   Solidity does: abi_word_address for address[], eek_word_fits_u64 or the like for narrower
   integers. (*at need not be 4 + 32 k: an offset may be any byte count.) */
static inline int abi_arg_array(size_t i, size_t *count, size_t *at) {
  size_t pos;
  uint64_t n;
  if (!abi_dynamic_arg(i, &pos, &n)) return 0;
  if (n > (eek_calldata_size() - pos) / 32) return 0; /* the elements run past the calldata */
  *count = (size_t)n;
  *at = pos;
  return 1;
}
/* The 32-byte word at calldata position `at` (bytes past the end read as 0). A word inside the
   frame block at a 4-byte aligned position (every element of a canonically encoded array) is
   eight 32-bit loads; others are copied as eek_calldata_copy does (a review found the byte
   copy costing more gas per element than the system call above 16 KiB). */
static inline eek_word abi_calldata_word(size_t at) {
  eek_word w;
  const eek_frame *f = eek_frame_block();
  if (f && f->has_calldata && (at & 3) == 0 && at <= f->calldata_size && f->calldata_size - at >= 32) {
    __builtin_memcpy(&w, __builtin_assume_aligned(f->calldata + at, 4), 32);
    return w;
  }
  eek_calldata_copy(&w, at, 32);
  return w;
}

/* Solidity storage layout: slot of mapping(key => ...) at `slot` = keccak256(key ++ slot). */
static inline eek_word abi_mapping_slot(eek_word key, eek_word slot) {
  eek_word buf[2] = {key, slot};
  eek_word out;
  eek_keccak256(buf, 64, &out);
  return out;
}

/* Ends the frame with a revert that carries the last callee's returndata (as Solidity and Vyper
   bubble up a failed call's revert data), of any size (EEK_SYS_REVERT_RETURNDATA). */
__attribute__((noreturn)) static inline void abi_revert_with_returndata(void) {
  EEK_SYS0(EEK_SYS_REVERT_RETURNDATA);
  __builtin_unreachable();
}

/* ABI-encodes a call: selector then `n` words, into `out` (4 + 32n bytes). */
static inline size_t abi_encode_call(uint8_t *out, uint32_t selector, const eek_word *args, size_t n) {
  out[0] = (uint8_t)(selector >> 24);
  out[1] = (uint8_t)(selector >> 16);
  out[2] = (uint8_t)(selector >> 8);
  out[3] = (uint8_t)selector;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < 32; k++) out[4 + 32 * i + k] = args[i].b[k];
  return 4 + 32 * n;
}

/* Calls `to` (kind EEK_CALL or EEK_CALL_STATIC, no value, all the gas allowed) with `selector`
   and `n` argument words, as a Solidity or Vyper contract calls an interface function that
   returns one word: a revert or failure of the callee reverts this frame with the callee's
   revert data; output shorter than one word (for example from an account without code) reverts
   with empty data. Returns the output's first word. */
static inline eek_word abi_call_word(uintptr_t kind, const eek_address *to, uint32_t selector, const eek_word *args,
                                     size_t n) {
  uint8_t data[4 + 32 * 8];
  if (n > 8) eek_revert(0, 0); /* more arguments than this helper encodes */
  size_t len = abi_encode_call(data, selector, args, n), out = 0;
  if (eek_call(kind, to, 0, data, len, EEK_GAS_ALL, &out) != EEK_SUCCESS) abi_revert_with_returndata();
  if (out < 32) eek_revert(0, 0);
  eek_word w;
  eek_returndata_copy(&w, 0, 32);
  return w;
}
/* The word is the ABI encoding of `true` (1); anything else, including a malformed bool, is not. */
static inline int abi_word_is_true(const eek_word *w) { return eek_word_fits_u64(w) && eek_word_limb(w, 0) == 1; }

#endif
