/*
 * libFuzzer target for the EIP-4844 point evaluation precompile (CSources/CPrecompiles/
 * bls12_381.c): ZCash G1 decompression, the subgroup check, the split-scalar multiplication, the
 * pairing check. Never crash (ASan/UBSan), always return a known code, succeed only with the
 * fixed output, and give the same answer twice.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *     -fno-strict-aliasing Fuzz/cprec_fuzz_point_eval.c CSources/CPrecompiles/bls12_381.c \
 *     CSources/CPrecompiles/hashes.c -lnettle -lsecp256k1 -o pe_fuzz && ./pe_fuzz -max_total_time=120
 *
 * Input layout: byte 0 mode, then the payload.
 *   mode & 3 == 0: the payload is the precompile input as is (any length).
 *   mode & 3 == 1: the payload is z(32) y(32) commitment(48) proof(48), zero-padded; the
 *                  versioned hash is made from the commitment, so the point and proof checks run.
 *   mode & 3 == 2: as 1, with the compression flag forced on and the infinity flag off in both
 *                  points (so decompression reaches the square root and the subgroup check).
 *   mode & 3 == 3: as 2, with the top bits of z and y cleared (both below the modulus).
 */
#include "../CSources/CPrecompiles/include/CPrecompiles.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t SUCCESS[64] = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00,
  0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
  0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  const uint8_t *in = data + 1;
  size_t len = size - 1;
  uint8_t buf[192];
  if ((mode & 3) != 0) {
    memset(buf, 0, sizeof buf);
    memcpy(buf + 32, in, len < 160 ? len : 160);
    if ((mode & 3) >= 2) {
      buf[96] = (uint8_t)((buf[96] | 0x80) & ~0x40);
      buf[144] = (uint8_t)((buf[144] | 0x80) & ~0x40);
    }
    if ((mode & 3) == 3) {
      buf[32] &= 0x3f;
      buf[64] &= 0x3f;
    }
    cprec_sha256(buf + 96, 48, buf);
    buf[0] = 0x01;
    in = buf;
    len = 192;
  }
  uint8_t out1[64], out2[64];
  memset(out1, 0xaa, sizeof out1);
  int rc1 = cprec_point_evaluation(in, len, out1);
  int rc2 = cprec_point_evaluation(in, len, out2);
  if (rc1 != rc2) abort();
  switch (rc1) {
  case CPREC_OK:
    if (memcmp(out1, SUCCESS, 64) != 0 || memcmp(out2, SUCCESS, 64) != 0) abort();
    break;
  case CPREC_ERR_LENGTH:
    if (len == 192) abort();
    break;
  case CPREC_ERR_VERSIONED_HASH:
    if ((mode & 3) != 0) abort();
    /* fallthrough */
  case CPREC_ERR_COORDINATE_RANGE:
  case CPREC_ERR_BAD_ENCODING:
  case CPREC_ERR_NOT_ON_CURVE:
  case CPREC_ERR_NOT_IN_SUBGROUP:
  case CPREC_ERR_INVALID_PROOF:
    if (len != 192) abort();
    break;
  default:
    abort();
  }
  return 0;
}
