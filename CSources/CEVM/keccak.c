/*
 * Keccak-256 (the original Keccak padding 0x01, as used by Ethereum; not SHA3-256's 0x06).
 *
 * keccak-f[1600] on 25 little-endian 64-bit lanes, rate 136 bytes. Portable C11, plus on
 * x86-64 an AVX-512VL permutation picked at run time (__builtin_cpu_supports). No globals
 * besides the constant round table (read-only data).
 */
#include "CEVM.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define CEVM_KECCAK_X86_DISPATCH 1
#include <immintrin.h>
#endif

static const uint64_t cevm_keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROL64(x, n) (((x) << (n)) | ((x) >> ((64 - (n)) & 63)))

/* One permutation. Lane (x, y) is a[x + 5*y]. Theta, rho+pi, chi, iota per round,
   written out with the rho offsets and pi destinations as constants. */
void cevm_keccak_f1600_scalar(uint64_t a[25]) {
  uint64_t a00 = a[0], a01 = a[1], a02 = a[2], a03 = a[3], a04 = a[4];
  uint64_t a05 = a[5], a06 = a[6], a07 = a[7], a08 = a[8], a09 = a[9];
  uint64_t a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14];
  uint64_t a15 = a[15], a16 = a[16], a17 = a[17], a18 = a[18], a19 = a[19];
  uint64_t a20 = a[20], a21 = a[21], a22 = a[22], a23 = a[23], a24 = a[24];
  for (int round = 0; round < 24; round++) {
    /* theta */
    uint64_t c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    uint64_t c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    uint64_t c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    uint64_t c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    uint64_t c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    uint64_t d0 = c4 ^ ROL64(c1, 1);
    uint64_t d1 = c0 ^ ROL64(c2, 1);
    uint64_t d2 = c1 ^ ROL64(c3, 1);
    uint64_t d3 = c2 ^ ROL64(c4, 1);
    uint64_t d4 = c3 ^ ROL64(c0, 1);
    a00 ^= d0; a05 ^= d0; a10 ^= d0; a15 ^= d0; a20 ^= d0;
    a01 ^= d1; a06 ^= d1; a11 ^= d1; a16 ^= d1; a21 ^= d1;
    a02 ^= d2; a07 ^= d2; a12 ^= d2; a17 ^= d2; a22 ^= d2;
    a03 ^= d3; a08 ^= d3; a13 ^= d3; a18 ^= d3; a23 ^= d3;
    a04 ^= d4; a09 ^= d4; a14 ^= d4; a19 ^= d4; a24 ^= d4;
    /* rho + pi: B[y, 2x+3y] = rot(A[x, y], r[x, y]) */
    uint64_t b00 = a00;
    uint64_t b10 = ROL64(a01, 1);
    uint64_t b20 = ROL64(a02, 62);
    uint64_t b05 = ROL64(a03, 28);
    uint64_t b15 = ROL64(a04, 27);
    uint64_t b16 = ROL64(a05, 36);
    uint64_t b01 = ROL64(a06, 44);
    uint64_t b11 = ROL64(a07, 6);
    uint64_t b21 = ROL64(a08, 55);
    uint64_t b06 = ROL64(a09, 20);
    uint64_t b07 = ROL64(a10, 3);
    uint64_t b17 = ROL64(a11, 10);
    uint64_t b02 = ROL64(a12, 43);
    uint64_t b12 = ROL64(a13, 25);
    uint64_t b22 = ROL64(a14, 39);
    uint64_t b23 = ROL64(a15, 41);
    uint64_t b08 = ROL64(a16, 45);
    uint64_t b18 = ROL64(a17, 15);
    uint64_t b03 = ROL64(a18, 21);
    uint64_t b13 = ROL64(a19, 8);
    uint64_t b14 = ROL64(a20, 18);
    uint64_t b24 = ROL64(a21, 2);
    uint64_t b09 = ROL64(a22, 61);
    uint64_t b19 = ROL64(a23, 56);
    uint64_t b04 = ROL64(a24, 14);
    /* chi */
    a00 = b00 ^ (~b01 & b02); a01 = b01 ^ (~b02 & b03); a02 = b02 ^ (~b03 & b04);
    a03 = b03 ^ (~b04 & b00); a04 = b04 ^ (~b00 & b01);
    a05 = b05 ^ (~b06 & b07); a06 = b06 ^ (~b07 & b08); a07 = b07 ^ (~b08 & b09);
    a08 = b08 ^ (~b09 & b05); a09 = b09 ^ (~b05 & b06);
    a10 = b10 ^ (~b11 & b12); a11 = b11 ^ (~b12 & b13); a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10); a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17); a16 = b16 ^ (~b17 & b18); a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15); a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22); a21 = b21 ^ (~b22 & b23); a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20); a24 = b24 ^ (~b20 & b21);
    /* iota */
    a00 ^= cevm_keccak_rc[round];
  }
  a[0] = a00; a[1] = a01; a[2] = a02; a[3] = a03; a[4] = a04;
  a[5] = a05; a[6] = a06; a[7] = a07; a[8] = a08; a[9] = a09;
  a[10] = a10; a[11] = a11; a[12] = a12; a[13] = a13; a[14] = a14;
  a[15] = a15; a[16] = a16; a[17] = a17; a[18] = a18; a[19] = a19;
  a[20] = a20; a[21] = a21; a[22] = a22; a[23] = a23; a[24] = a24;
}

#ifdef CEVM_KECCAK_X86_DISPATCH
/* AVX-512VL version on 256-bit registers (on this AMD EPYC 512-bit shuffles issue once per
   cycle with 5-cycle latency, 256-bit ones twice per cycle). Layout: P[y] holds lanes
   x = 0..3 of plane y; E holds lane x = 4 of planes y = 0..3 (in lane y); F holds lane
   (4, 4) in its lane 0 (its other lanes are don't-care).
   Theta: C[0..3] is two vpternlogq over P; C[4] (lane 0 of C4) is the xor of the five
   chi results that gave lane 4 of each plane, so it needs no horizontal reduction.
   Pi: M[y'] lane j = P[(j - 3y') mod 5] lane j (blends that depend only on the round's
   input, so they run beside theta; theta's D and rho's rotation are per lane j and
   commute with them). Plane y' of B is then the five-lane vector V = (M'[y'] lanes 0..3,
   rotated lane (4, (4 + 2y') mod 5)) rotated by 3y' mod 5 lanes, and chi needs B, B
   shifted by 1 and 2 lanes (and by 4, for its fifth lane): each is one two-source permute
   of (M'[y'], E' or F'). */
#define CEVM_KV __attribute__((target("avx512f,avx512vl"))) static inline
#define K_X3(a, b, c) _mm256_ternarylogic_epi64((a), (b), (c), 0x96)
#define K_CHI(a, b, c) _mm256_ternarylogic_epi64((a), (b), (c), 0xD2) /* a ^ (~b & c) */
#define K_I(a, b, c, d) _mm256_setr_epi64x((a), (b), (c), (d))
/* blend taking lane j from sj */
CEVM_KV __m256i cevm_k_blend4(__m256i s0, __m256i s1, __m256i s2, __m256i s3) {
  __m256i lo = _mm256_blend_epi32(s0, s1, 0x0C);
  __m256i hi = _mm256_blend_epi32(s2, s3, 0xC0);
  return _mm256_blend_epi32(lo, hi, 0xF0);
}

__attribute__((target("avx512f,avx512vl")))
void cevm_keccak_f1600_avx512vl(uint64_t a[25]) {
  __m256i P0 = _mm256_loadu_si256((const __m256i *)(a + 0));
  __m256i P1 = _mm256_loadu_si256((const __m256i *)(a + 5));
  __m256i P2 = _mm256_loadu_si256((const __m256i *)(a + 10));
  __m256i P3 = _mm256_loadu_si256((const __m256i *)(a + 15));
  __m256i P4 = _mm256_loadu_si256((const __m256i *)(a + 20));
  __m256i E = K_I((long long)a[4], (long long)a[9], (long long)a[14], (long long)a[19]);
  __m256i F = _mm256_set1_epi64x((long long)a[24]);
  /* rho offsets per lane of M[y'] (plane (j - 3y') mod 5, lane j), of E and of F */
  const __m256i rM0 = K_I(0, 44, 43, 21), rM1 = K_I(3, 45, 61, 28), rM2 = K_I(18, 1, 6, 25);
  const __m256i rM3 = K_I(36, 10, 15, 56), rM4 = K_I(41, 2, 62, 55), rE = K_I(27, 20, 39, 8);
  /* lane 0: theta's column parity C[4]; later rounds get it from chi's outputs directly */
  __m256i t = _mm256_xor_si256(E, _mm256_permute4x64_epi64(E, 0x4E));
  __m256i C4 = K_X3(t, _mm256_shuffle_epi32(t, 0x4E), F);
  for (int round = 0; round < 24; round++) {
    /* pi's gather, before theta (it commutes with theta's per-lane xor and rho) */
    __m256i M0 = cevm_k_blend4(P0, P1, P2, P3);
    __m256i M1 = cevm_k_blend4(P2, P3, P4, P0);
    __m256i M2 = cevm_k_blend4(P4, P0, P1, P2);
    __m256i M3 = cevm_k_blend4(P1, P2, P3, P4);
    __m256i M4 = cevm_k_blend4(P3, P4, P0, P1);
    /* theta */
    __m256i C = K_X3(K_X3(P0, P1, P2), P3, P4);                 /* C[0..3] */
    __m256i L = _mm256_permutex2var_epi64(C, K_I(4, 0, 1, 2), C4); /* C[x-1] */
    __m256i R = _mm256_permutex2var_epi64(C, K_I(1, 2, 3, 4), C4); /* C[x+1] */
    __m256i D = _mm256_xor_si256(L, _mm256_rol_epi64(R, 1));
    __m256i D4 = _mm256_xor_si256(_mm256_permute4x64_epi64(C, 0xFF),
                                  _mm256_permute4x64_epi64(_mm256_rol_epi64(C, 1), 0x00));
    /* theta's xor + rho */
    M0 = _mm256_rolv_epi64(_mm256_xor_si256(M0, D), rM0);
    M1 = _mm256_rolv_epi64(_mm256_xor_si256(M1, D), rM1);
    M2 = _mm256_rolv_epi64(_mm256_xor_si256(M2, D), rM2);
    M3 = _mm256_rolv_epi64(_mm256_xor_si256(M3, D), rM3);
    M4 = _mm256_rolv_epi64(_mm256_xor_si256(M4, D), rM4);
    __m256i Er = _mm256_rolv_epi64(_mm256_xor_si256(E, D4), rE);
    __m256i Fr = _mm256_rol_epi64(_mm256_xor_si256(F, D4), 14);
    /* pi's lane rotation + chi. Plane y': five-lane vector V (M lanes, lane 4 = Er lane
       e(y') or Fr), b[x] = V[(x + 3y') mod 5]; b, b>>1, b>>2 and b>>4 (lanes) are each one
       two-source permute. Indices: 0..3 from M, 4 + k from Er/Fr lane k. */
    /* y'=0: r=0, lane 4 from Fr (lane 0) */
    __m256i Q0 = M0;
    __m256i A1 = _mm256_permutex2var_epi64(M0, K_I(1, 2, 3, 4), Fr);
    __m256i A2 = _mm256_permutex2var_epi64(M0, K_I(2, 3, 4, 0), Fr);
    __m256i A4 = _mm256_permutex2var_epi64(M0, K_I(4, 0, 1, 2), Fr);
    __m256i N0 = K_CHI(Q0, A1, A2);
    __m256i Z0 = K_CHI(A4, Q0, A1);
    /* y'=1: r=3, lane 4 = Er lane 1 (idx 5). V = [m0 m1 m2 m3 e]; b = V[3], V[4], V[0], V[1], V[2] */
    __m256i Q1 = _mm256_permutex2var_epi64(M1, K_I(3, 5, 0, 1), Er);
    __m256i B1 = _mm256_permutex2var_epi64(M1, K_I(5, 0, 1, 2), Er);
    __m256i B2 = M1; /* V[0..3] */
    __m256i B4 = _mm256_permutex2var_epi64(M1, K_I(2, 3, 5, 0), Er);
    __m256i N1 = K_CHI(Q1, B1, B2);
    __m256i Z1 = K_CHI(B4, Q1, B1);
    /* y'=2: r=1, lane 4 = Er lane 3 (idx 7); b = V[1], V[2], V[3], V[4], V[0] */
    __m256i Q2 = _mm256_permutex2var_epi64(M2, K_I(1, 2, 3, 7), Er);
    __m256i C1 = _mm256_permutex2var_epi64(M2, K_I(2, 3, 7, 0), Er);
    __m256i C2 = _mm256_permutex2var_epi64(M2, K_I(3, 7, 0, 1), Er);
    __m256i C4b = M2; /* V[0..3] */
    __m256i N2 = K_CHI(Q2, C1, C2);
    __m256i Z2 = K_CHI(C4b, Q2, C1);
    /* y'=3: r=4, lane 4 = Er lane 0 (idx 4); b = V[4], V[0], V[1], V[2], V[3] */
    __m256i Q3 = _mm256_permutex2var_epi64(M3, K_I(4, 0, 1, 2), Er);
    __m256i G1 = M3; /* V[0..3] */
    __m256i G2 = _mm256_permutex2var_epi64(M3, K_I(1, 2, 3, 4), Er);
    __m256i G4 = _mm256_permutex2var_epi64(M3, K_I(3, 4, 0, 1), Er);
    __m256i N3 = K_CHI(Q3, G1, G2);
    __m256i Z3 = K_CHI(G4, Q3, G1);
    /* y'=4: r=2, lane 4 = Er lane 2 (idx 6); b = V[2], V[3], V[4], V[0], V[1] */
    __m256i Q4 = _mm256_permutex2var_epi64(M4, K_I(2, 3, 6, 0), Er);
    __m256i H1 = _mm256_permutex2var_epi64(M4, K_I(3, 6, 0, 1), Er);
    __m256i H2 = _mm256_permutex2var_epi64(M4, K_I(6, 0, 1, 2), Er);
    __m256i H4 = _mm256_permutex2var_epi64(M4, K_I(1, 2, 3, 6), Er);
    __m256i N4 = K_CHI(Q4, H1, H2);
    __m256i Z4 = K_CHI(H4, Q4, H1);
    /* lane 4 of each plane is lane 0 of Z[y'] */
    __m256i u01 = _mm256_unpacklo_epi64(Z0, Z1), u23 = _mm256_unpacklo_epi64(Z2, Z3);
    E = _mm256_permute2x128_si256(u01, u23, 0x20);
    F = Z4;
    C4 = K_X3(K_X3(Z0, Z1, Z2), Z3, Z4); /* lane 0: next round's C[4], without a shuffle */
    /* iota */
    P0 = _mm256_xor_si256(N0, _mm256_zextsi128_si256(_mm_cvtsi64_si128((long long)cevm_keccak_rc[round])));
    P1 = N1; P2 = N2; P3 = N3; P4 = N4;
  }
  uint64_t e[4];
  _mm256_storeu_si256((__m256i *)e, E);
  _mm256_storeu_si256((__m256i *)(a + 0), P0);
  _mm256_storeu_si256((__m256i *)(a + 5), P1);
  _mm256_storeu_si256((__m256i *)(a + 10), P2);
  _mm256_storeu_si256((__m256i *)(a + 15), P3);
  a[4] = e[0]; a[9] = e[1]; a[14] = e[2]; a[19] = e[3];
  uint64_t p4[4];
  _mm256_storeu_si256((__m256i *)p4, P4);
  a[20] = p4[0]; a[21] = p4[1]; a[22] = p4[2]; a[23] = p4[3];
  a[24] = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(F));
}
#undef K_X3
#undef K_CHI
#undef K_I
#undef CEVM_KV

int cevm_keccak_f1600_has_avx512vl(void) {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}
#else
int cevm_keccak_f1600_has_avx512vl(void) { return 0; }
void cevm_keccak_f1600_avx512vl(uint64_t a[25]) { cevm_keccak_f1600_scalar(a); }
#endif

/* Picks the AVX-512VL permutation when the CPU has it (the check is a load and a test of
   the compiler runtime's CPU model, filled once at start-up). */
void cevm_keccak_f1600(uint64_t a[25]) {
#ifdef CEVM_KECCAK_X86_DISPATCH
  if (cevm_keccak_f1600_has_avx512vl()) {
    cevm_keccak_f1600_avx512vl(a);
    return;
  }
#endif
  cevm_keccak_f1600_scalar(a);
}

static inline uint64_t cevm_load_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

void cevm_keccak256(const uint8_t *data, size_t len, uint8_t out[32]) {
  enum { RATE = 136 };
  uint64_t st[25];
  memset(st, 0, sizeof st);
  while (len >= RATE) {
    for (int i = 0; i < RATE / 8; i++) st[i] ^= cevm_load_le64(data + 8 * i);
    cevm_keccak_f1600(st);
    data += RATE;
    len -= RATE;
  }
  uint8_t last[RATE];
  memset(last, 0, sizeof last);
  if (len) memcpy(last, data, len);
  last[len] ^= 0x01;
  last[RATE - 1] ^= 0x80;
  for (int i = 0; i < RATE / 8; i++) st[i] ^= cevm_load_le64(last + 8 * i);
  cevm_keccak_f1600(st);
  for (int i = 0; i < 4; i++) {
    uint64_t v = st[i];
    for (int j = 0; j < 8; j++) out[8 * i + j] = (uint8_t)(v >> (8 * j));
  }
}
