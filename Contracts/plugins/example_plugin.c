/*
 * Example EEKit host-function plugin. Build it as a shared library:
 *
 *   clang -shared -fPIC -O2 -o libexample_plugin.so Contracts/plugins/example_plugin.c
 *
 * and register a function at a free address, from Swift
 *
 *   try HostFunctions.register(library: "./libexample_plugin.so", symbol: "plugin_add_widths",
 *       address: Address(low: 0x10001), signature: "(u8,u16,u32,u64)->u64",
 *       gas: HostFunctionGas(base: 100, perByte: 3), into: &hooks)
 *
 * or from the command line as  --hook ./libexample_plugin.so:plugin_add_widths@0x10001:(u8,u16,u32,u64)->u64
 *
 * Conventions (see HostFunctionSignature in Sources/EEKit/HostFunctions):
 *  - integer parameters and results are plain C integers of the declared width;
 *  - a `bytes` parameter arrives as (const uint8_t *data, uint64_t length), valid during the call;
 *  - a `bytes` result: the function gets (uint8_t *out, uint64_t capacity) as its last two
 *    parameters and returns int64_t, the number of bytes written to out (<= capacity);
 *  - errors: a `bytes`-returning function returns a NEGATIVE status; the call then reverts with
 *    that status as revert data (one signed 32-byte word). Integer-returning functions cannot fail.
 *  - a plugin must not keep pointers it was given, and should not allocate or do I/O for
 *    determinism (EEKit cannot enforce that).
 */
#include <stdint.h>
#include <string.h>

/* Status codes this plugin reports. */
#define PLUGIN_ERR_TOO_LONG (-2)

/* (u8,u16,u32,u64)->u64 : one argument of each unsigned width. */
uint64_t plugin_add_widths(uint8_t a, uint16_t b, uint32_t c, uint64_t d) {
  return (uint64_t)a + (uint64_t)b + (uint64_t)c + d;
}

/* (i8,i16,i32,i64)->i64 : signed widths, a * b + c - d. */
int64_t plugin_signed_mix(int8_t a, int16_t b, int32_t c, int64_t d) {
  return (int64_t)a * (int64_t)b + (int64_t)c - d;
}

/* (u8,u8)->u8 : wraps modulo 256. */
uint8_t plugin_u8_add(uint8_t a, uint8_t b) { return (uint8_t)(a + b); }

/* (i8)->i8 : negation (a negative result is sign-extended in the returned word). */
int8_t plugin_i8_neg(int8_t a) { return (int8_t)-a; }

/* (u16,u32)->u32 : a * b truncated to 32 bits. */
uint32_t plugin_u32_mul(uint16_t a, uint32_t b) { return (uint32_t)a * b; }

/* (bytes)->u64 : sum of the bytes. */
uint64_t plugin_sum_bytes(const uint8_t *p, uint64_t n) {
  uint64_t s = 0;
  for (uint64_t i = 0; i < n; i++) s += p[i];
  return s;
}

/* (bytes)->bytes : the input reversed; fails with PLUGIN_ERR_TOO_LONG if it does not fit. */
int64_t plugin_reverse(const uint8_t *p, uint64_t n, uint8_t *out, uint64_t cap) {
  if (n > cap) return PLUGIN_ERR_TOO_LONG;
  for (uint64_t i = 0; i < n; i++) out[i] = p[n - 1 - i];
  return (int64_t)n;
}

/* (bytes,u8,bytes)->bytes : a ++ [sep] ++ b. */
int64_t plugin_join(const uint8_t *a, uint64_t an, uint8_t sep, const uint8_t *b, uint64_t bn, uint8_t *out,
                    uint64_t cap) {
  if (an + 1 + bn > cap) return PLUGIN_ERR_TOO_LONG;
  memcpy(out, a, an);
  out[an] = sep;
  memcpy(out + an + 1, b, bn);
  return (int64_t)(an + 1 + bn);
}

/* (u64)->bytes : always fails with status -code (code 0 succeeds with empty output). */
int64_t plugin_fail(uint64_t code, uint8_t *out, uint64_t cap) {
  (void)out;
  (void)cap;
  return -(int64_t)code;
}

/* ()->bytes : misbehaves by claiming more bytes than the buffer holds. */
int64_t plugin_bad_length(uint8_t *out, uint64_t cap) {
  (void)out;
  return (int64_t)cap + 1000;
}

/* ()->bytes : misbehaves by writing 8 bytes past the end of the buffer. */
int64_t plugin_overrun(uint8_t *out, uint64_t cap) {
  memset(out, 0x11, cap + 8);
  return (int64_t)cap;
}

/* ()->void : does nothing. */
void plugin_noop(void) {}

/* (u64)->u64 : slow on purpose: n rounds of xorshift64 from a fixed seed, returns the last value. */
uint64_t plugin_spin(uint64_t n) {
  uint64_t x = 88172645463325252ull;
  for (uint64_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}
