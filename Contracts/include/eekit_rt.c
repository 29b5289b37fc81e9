/* Freestanding runtime for EEKit native contracts: the memory functions clang may emit calls
   to. Compile it with every contract (Contracts/build.sh does). */
#include <stddef.h>

#include <stdint.h>

/* Register words when both pointers are register aligned, 32-bit words when both are 4-byte
   aligned (ABI arguments sit at 4 + 32 i), bytes otherwise. */
void *memcpy(void *restrict d, const void *restrict s, size_t n) {
  unsigned char *dp = d;
  const unsigned char *sp = s;
  const uintptr_t a = (uintptr_t)dp | (uintptr_t)sp;
  if ((a & (sizeof(uintptr_t) - 1)) == 0) {
    for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t), dp += sizeof(uintptr_t), sp += sizeof(uintptr_t))
      *(uintptr_t *)(void *)dp = *(const uintptr_t *)(const void *)sp;
  } else if ((a & 3) == 0) {
    for (; n >= 4; n -= 4, dp += 4, sp += 4) *(uint32_t *)(void *)dp = *(const uint32_t *)(const void *)sp;
  }
  while (n--) *dp++ = *sp++;
  return d;
}
void *memmove(void *d, const void *s, size_t n) {
  unsigned char *dp = d;
  const unsigned char *sp = s;
  if (dp < sp) {
    while (n--) *dp++ = *sp++;
  } else {
    while (n--) dp[n] = sp[n];
  }
  return d;
}
void *memset(void *d, int c, size_t n) {
  unsigned char *dp = d;
  if (((uintptr_t)dp & (sizeof(uintptr_t) - 1)) == 0) {
    uintptr_t w = (uintptr_t)(unsigned char)c * (UINTPTR_MAX / 0xff);
    for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t), dp += sizeof(uintptr_t)) *(uintptr_t *)(void *)dp = w;
  }
  while (n--) *dp++ = (unsigned char)c;
  return d;
}
int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}
