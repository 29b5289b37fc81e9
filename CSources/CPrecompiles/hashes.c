/* sha256 (0x02) and ripemd160 (0x03) through nettle; ecrecover (0x01), the public key of a
   secret key (state tests' secretKey) and signing (EIP-7702 authorizations a tool builds)
   through libsecp256k1. */
#include "include/CPrecompiles.h"

#include <nettle/ripemd160.h>
#include <nettle/sha2.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

void cprec_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, len, data);
  sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

void cprec_ripemd160(const uint8_t *data, size_t len, uint8_t out[20]) {
  struct ripemd160_ctx c;
  ripemd160_init(&c);
  ripemd160_update(&c, len, data);
  ripemd160_digest(&c, RIPEMD160_DIGEST_SIZE, out);
}

int cprec_ecrecover(const uint8_t in[128], uint8_t pubkey[64]) {
  /* v is a full 32-byte word that must equal 27 or 28. */
  for (int i = 32; i < 63; i++)
    if (in[i] != 0) return CPREC_ERR_INVALID_SIGNATURE;
  if (in[63] != 27 && in[63] != 28) return CPREC_ERR_INVALID_SIGNATURE;
  /* The static context is the library's constant object; recovery needs no secret-key
   * precomputation or randomisation. */
  const secp256k1_context *ctx = secp256k1_context_static;
  secp256k1_ecdsa_recoverable_signature sig;
  /* Fails when r or s is >= the group order; r = 0 or s = 0 makes recovery fail below. */
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, in + 64, in[63] - 27))
    return CPREC_ERR_INVALID_SIGNATURE;
  secp256k1_pubkey pk;
  if (!secp256k1_ecdsa_recover(ctx, &pk, &sig, in)) return CPREC_ERR_INVALID_SIGNATURE;
  uint8_t ser[65];
  size_t n = sizeof ser;
  if (!secp256k1_ec_pubkey_serialize(ctx, ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED) || n != 65)
    return CPREC_ERR_INVALID_SIGNATURE;
  memcpy(pubkey, ser + 1, 64);
  return CPREC_OK;
}

int cprec_secret_key_pubkey(const uint8_t key[32], uint8_t pubkey[64]) {
  /* Key generation needs a context of its own (the static one cannot do it); this runs once
   * per state test, never in an interpreter loop. */
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  if (!ctx) return CPREC_ERR_INVALID_SIGNATURE;
  secp256k1_pubkey pk;
  uint8_t ser[65];
  size_t n = sizeof ser;
  int ok = secp256k1_ec_seckey_verify(ctx, key) && secp256k1_ec_pubkey_create(ctx, &pk, key) &&
           secp256k1_ec_pubkey_serialize(ctx, ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED) && n == 65;
  secp256k1_context_destroy(ctx);
  if (!ok) return CPREC_ERR_INVALID_SIGNATURE;
  memcpy(pubkey, ser + 1, 64);
  return CPREC_OK;
}

int cprec_sign_hash(const uint8_t key[32], const uint8_t hash[32], uint8_t rs[64], int *recid) {
  /* A context of its own, as for the public key: signing is a tool's or a test's, once per
   * signature. libsecp256k1 signs with the RFC 6979 nonce and always gives the low s. */
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  if (!ctx) return CPREC_ERR_INVALID_SIGNATURE;
  secp256k1_ecdsa_recoverable_signature sig;
  int id = -1;
  int ok = secp256k1_ec_seckey_verify(ctx, key) &&
           secp256k1_ecdsa_sign_recoverable(ctx, &sig, hash, key, NULL, NULL) &&
           secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rs, &id, &sig);
  secp256k1_context_destroy(ctx);
  if (!ok || id < 0 || id > 1) return CPREC_ERR_INVALID_SIGNATURE;
  *recid = id;
  return CPREC_OK;
}
