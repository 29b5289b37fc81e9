/*
 * CPrecompiles: the arithmetic behind EEKit's Ethereum precompiles (Cancun, addresses 0x01..0x0a;
 * Prague adds the EIP-2537 BLS12-381 precompiles 0x0b..0x11).
 *
 * Pure C11: no globals (only constant tables), no I/O, no allocation of our own (the modexp
 * bignums live in GMP, which allocates inside the library). The caller (Swift) owns every
 * buffer, pads inputs to the fixed sizes below, and charges gas before calling.
 *
 * Libraries: libsecp256k1 (ecrecover), nettle (sha256, ripemd160), GMP (modexp). bn254, the
 * BLAKE2 F function and BLS12-381 with the KZG point evaluation are implemented here.
 *
 * Every function returning int returns CPREC_OK (0) or one of the CPREC_ERR_* codes (Swift's
 * PrecompileError names them).
 */
#ifndef CPRECOMPILES_H
#define CPRECOMPILES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  CPREC_OK = 0,
  CPREC_ERR_LENGTH = 1,             /* input length not allowed (blake2f, pairing) */
  CPREC_ERR_COORDINATE_RANGE = 2,   /* a field element >= p */
  CPREC_ERR_NOT_ON_CURVE = 3,       /* point not on the curve / twist */
  CPREC_ERR_NOT_IN_SUBGROUP = 4,    /* G2 point outside the order-r subgroup */
  CPREC_ERR_FINAL_FLAG = 5,         /* blake2f final-block flag is not 0 or 1 */
  CPREC_ERR_INVALID_SIGNATURE = 6,  /* ecrecover: bad v/r/s or no key recovers */
  CPREC_ERR_TOO_LARGE = 7,          /* modexp operand beyond CPREC_MODEXP_MAX_LEN */
  CPREC_ERR_VERSIONED_HASH = 8,     /* point evaluation: hash is not 0x01 ++ sha256(commitment)[1:] */
  CPREC_ERR_BAD_ENCODING = 9,       /* compressed BLS12-381 point with invalid flag bits */
  CPREC_ERR_INVALID_PROOF = 10,     /* point evaluation: the KZG proof does not verify */
  CPREC_ERR_SCRATCH = 11,           /* EIP-2537 MSM: scratch missing or smaller than cprec_bls12_msm_scratch_size */
};

/* ---- 0x01 ecrecover: input is hash(32) v(32) r(32) s(32), already padded to 128 bytes. On
 * success writes the 64-byte uncompressed public key (x || y, without the 0x04 prefix); the
 * caller hashes it with keccak-256 to form the address. */
int cprec_ecrecover(const uint8_t in[128], uint8_t pubkey[64]);
/* The uncompressed public key (x || y) of a secp256k1 secret key; CPREC_ERR_INVALID_SIGNATURE
   when the key is zero or not below the group order. */
int cprec_secret_key_pubkey(const uint8_t key[32], uint8_t pubkey[64]);
/* An ECDSA signature of a 32-byte hash by a secp256k1 secret key (RFC 6979 nonce, low s), as
   Ethereum signs transactions and EIP-7702 authorizations: r || s and the recovery id (the y
   parity, 0 or 1). CPREC_ERR_INVALID_SIGNATURE when the key is zero or not below the order. */
int cprec_sign_hash(const uint8_t key[32], const uint8_t hash[32], uint8_t rs[64], int *recid);

/* ---- 0x100 P256VERIFY (EIP-7951, Osaka): 1 when the 160-byte input h r s qx qy holds a valid
   secp256r1 signature of h by the public key (qx, qy) (r and s in 1..n-1, the key's coordinates
   below p, not (0, 0), on the curve), else 0. nettle's hogweed. */
int cprec_p256_verify(const uint8_t in[160]);

/* ---- 0x02 / 0x03 hashes (nettle). */
void cprec_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
void cprec_ripemd160(const uint8_t *data, size_t len, uint8_t out[20]);

/* ---- 0x05 modexp (EIP-198 layout, EIP-2565 pricing; EIP-198 pricing in gas_eip198, EIP-7883
   pricing in gas_eip7883). */
#define CPREC_MODEXP_MAX_LEN ((uint64_t)1 << 32)
typedef struct cprec_modexp_header {
  uint64_t base_len, exp_len, mod_len; /* saturated at UINT64_MAX when the word is larger */
  uint64_t gas;                        /* EIP-2565 (Berlin on); saturated at UINT64_MAX */
  uint64_t gas_eip198;                 /* EIP-198 (Byzantium to Istanbul); saturated */
  uint64_t gas_eip7883;                /* EIP-7883 (Osaka on); saturated */
} cprec_modexp_header;
/* Reads the three length words (input shorter than 96 bytes is zero-padded) and the exponent
 * head, and prices the call. Reads only what the input holds; never allocates. */
void cprec_modexp_header_parse(const uint8_t *in, size_t len, cprec_modexp_header *h);
/* Computes base^exp mod mod into out[0 .. mod_len), left-padded with zeros (all zero when the
 * modulus is 0). Operands missing from the input are zero bytes. Call only after charging
 * h->gas; fails with CPREC_ERR_TOO_LARGE if a length exceeds CPREC_MODEXP_MAX_LEN. */
int cprec_modexp(const uint8_t *in, size_t len, const cprec_modexp_header *h, uint8_t *out);

/* ---- 0x06 / 0x07 / 0x08 alt_bn128 (EIP-196/197). Inputs padded to the fixed sizes. */
int cprec_bn254_add(const uint8_t in[128], uint8_t out[64]);
int cprec_bn254_mul(const uint8_t in[96], uint8_t out[64]);
/* len must be a multiple of 192 (G1 64 bytes, G2 128 bytes per pair); *result = 1 when the
 * product of pairings is one. Empty input gives 1. */
int cprec_bn254_pairing(const uint8_t *in, size_t len, int *result);

/* ---- 0x09 blake2f (EIP-152): exactly 213 bytes, rounds(4, big-endian) h(64) m(128) t(16) f(1). */
int cprec_blake2f(const uint8_t *in, size_t len, uint8_t out[64]);
/* The BLAKE2b compression function itself (h updated in place). */
void cprec_blake2b_compress(uint64_t h[8], const uint64_t m[16], const uint64_t t[2], int final, uint32_t rounds);

/* ---- 0x0a point evaluation (EIP-4844): exactly 192 bytes, versioned_hash(32) z(32) y(32)
 * commitment(48) proof(48). Checks the versioned hash (0x01 ++ sha256(commitment)[1:]), z and y
 * below the BLS12-381 group order r (big-endian), both points (ZCash compressed G1 encoding,
 * on the curve, in the order-r subgroup; 0xc0 followed by zeros is the point at infinity), and
 * the KZG proof against the Ethereum trusted setup's [tau]G2. On success writes
 * FIELD_ELEMENTS_PER_BLOB (4096) and BLS_MODULUS (r) as two 32-byte big-endian words. */
int cprec_point_evaluation(const uint8_t *in, size_t len, uint8_t out[64]);

/* ---- 0x0b..0x11 BLS12-381 (EIP-2537, Prague). Encodings: a field element is 64 big-endian bytes
 * whose top 16 are zero, below p (else CPREC_ERR_COORDINATE_RANGE); Fp2 is c0 || c1; a G1 point
 * is x || y (128 bytes), a G2 point x || y (256 bytes), all zeros the point at infinity; a scalar
 * is 32 big-endian bytes, any 256-bit value (not reduced). Points must be on their curve
 * (CPREC_ERR_NOT_ON_CURVE); MSM and pairing also check the order-r subgroup
 * (CPREC_ERR_NOT_IN_SUBGROUP), addition does not. A wrong length (including k = 0) is
 * CPREC_ERR_LENGTH. Gas is the caller's (the Swift hooks). */
int cprec_bls12_g1_add(const uint8_t *in, size_t len, uint8_t out[128]);   /* len 256 */
int cprec_bls12_g2_add(const uint8_t *in, size_t len, uint8_t out[256]);   /* len 512 */
/* Bytes of scratch an MSM of k pairs needs (0 for k = 0 or absurd k); the caller allocates it
 * once per call, so the MSM loops allocate nothing. */
size_t cprec_bls12_msm_scratch_size(size_t k, int g2);
/* len = 160 k (G1) or 288 k (G2), k >= 1: sum of [s_i]P_i (Straus for k <= 4, else Pippenger with
 * signed windows). */
int cprec_bls12_g1_msm(const uint8_t *in, size_t len, uint8_t out[128], void *scratch, size_t scratch_len);
int cprec_bls12_g2_msm(const uint8_t *in, size_t len, uint8_t out[256], void *scratch, size_t scratch_len);
/* len = 384 k, k >= 1, pairs G1 (128) || G2 (256): *result = 1 when prod e(P_i, Q_i) == 1. */
int cprec_bls12_pairing_check(const uint8_t *in, size_t len, int *result);
/* RFC 9380 map_to_curve (simplified SWU + isogeny) and clear_cofactor, without hashing. */
int cprec_bls12_map_fp_to_g1(const uint8_t *in, size_t len, uint8_t out[128]);   /* len 64 */
int cprec_bls12_map_fp2_to_g2(const uint8_t *in, size_t len, uint8_t out[256]);  /* len 128 */

#ifdef __cplusplus
}
#endif

#endif
