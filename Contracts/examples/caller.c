/*
 * Calls another contract (of any EE) with the calldata it is given:
 *   calldata = mode (1 byte) ++ target (20 bytes) ++ gas (8 bytes, big-endian; 0 = all) ++ payload
 * mode 0: call; return the callee's output, revert with its revert data (empty on failure),
 *         whatever their size (RETURN_RETURNDATA / REVERT_RETURNDATA: no copy in the guest).
 * mode 1: static call, same propagation.
 * mode 2: call and record: slot 1 = status + 1 (1 success, 2 revert, 3 failure), then return
 *         a word with the status followed by the returndata (the caller continues after a
 *         failed callee).
 * mode 3: ping-pong for depth tests: slot 2 += 1, call target with the same calldata, and if
 *         that call did not succeed set slot 3 = 1. (An EVM peer that calls CALLER back with
 *         its own calldata closes the loop.)
 * mode 4: static call and record, as mode 2.
 * mode 5: CREATE: payload = ee (1 byte: 1 EVM, 3 RISC-V) ++ deployment data; the target is
 *         ignored. Records slot 1 = status + 1 and returns a word with the status, the new
 *         address (20 bytes, zero if none) and the returndata (the constructor's revert data).
 * mode 6: CREATE2: payload = ee (1 byte) ++ salt (32 bytes) ++ deployment data; as mode 5.
 * mode 7: delegate call and record, as mode 2.
 * mode 8: callcode and record, as mode 2.
 * mode 9: account probe, no call: payload = offset (8 bytes) ++ length (8 bytes, at most 4096)
 *         ++ block number (8 bytes), all big-endian. Returns the target's code size (word),
 *         code hash, the hash of that block, the blob base fee, the transaction's blob hashes
 *         0 and 1, then `length` bytes of the target's code from `offset` (zero past its end).
 */
#include "eekit_abi.h"

static uint8_t buf[8192];

void eekit_main(int is_constructor) {
  if (is_constructor) return;
  size_t n = eek_calldata_size();
  if (n < 29 || n > sizeof buf) eek_revert(0, 0);
  eek_calldata_copy(buf, 0, n);
  int mode = buf[0];
  eek_address target;
  for (int i = 0; i < 20; i++) target.b[i] = buf[1 + i];
  uint64_t gas = 0;
  for (int i = 0; i < 8; i++) gas = gas << 8 | buf[21 + i];
  uintptr_t g = gas == 0 ? EEK_GAS_ALL : (uintptr_t)gas;
  size_t rl = 0;
  if (mode == 3) {
    eek_word slot = eek_word_from_u64(2), v;
    eek_sload(&slot, &v);
    u256 c = u256_from_word(&v);
    u256_add(&c, c, u256_from_u64(1));
    v = u256_to_word(c);
    eek_sstore(&slot, &v);
    int s = eek_call(EEK_CALL, &target, 0, buf, n, EEK_GAS_ALL, &rl);
    if (s != EEK_SUCCESS) {
      eek_word f = eek_word_from_u64(3), one = eek_word_from_u64(1);
      eek_sstore(&f, &one);
    }
    eek_return(0, 0);
  }
  if (mode == 9) {
    if (n < 29 + 24) eek_revert(0, 0);
    uint64_t f[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++)
      for (int i = 0; i < 8; i++) f[k] = f[k] << 8 | buf[29 + 8 * k + i];
    if (f[1] > 4096) eek_revert(0, 0);
    eek_word w = eek_word_from_u64(eek_code_size(&target));
    __builtin_memcpy(buf, w.b, 32);
    eek_code_hash(&target, &w);
    __builtin_memcpy(buf + 32, w.b, 32);
    eek_block_hash((uintptr_t)f[2], &w);
    __builtin_memcpy(buf + 64, w.b, 32);
    eek_context(EEK_CTX_BLOB_BASE_FEE, &w);
    __builtin_memcpy(buf + 96, w.b, 32);
    eek_blob_hash(0, &w);
    __builtin_memcpy(buf + 128, w.b, 32);
    eek_blob_hash(1, &w);
    __builtin_memcpy(buf + 160, w.b, 32);
    eek_code_copy(&target, buf + 192, (size_t)f[0], (size_t)f[1]);
    eek_return(buf, 192 + (size_t)f[1]);
  }
  if (mode == 5 || mode == 6) {
    size_t head = mode == 6 ? 29 + 1 + 32 : 29 + 1;
    if (n < head) eek_revert(0, 0);
    eek_word salt;
    for (int i = 0; i < 32; i++) salt.b[i] = mode == 6 ? buf[30 + i] : 0;
    eek_address created = {{0}};
    int s = eek_create(buf + head, n - head, 0, mode == 6 ? &salt : 0, buf[29], &created);
    eek_word slot = eek_word_from_u64(1), v = eek_word_from_u64((uint64_t)s + 1);
    eek_sstore(&slot, &v);
    rl = eek_returndata_size();
    if (rl > sizeof buf - 52) rl = sizeof buf - 52;
    eek_word w = eek_word_from_u64((uint64_t)s);
    for (int i = 0; i < 32; i++) buf[i] = w.b[i];
    for (int i = 0; i < 20; i++) buf[32 + i] = created.b[i];
    eek_returndata_copy(buf + 52, 0, rl);
    eek_return(buf, 52 + rl);
  }
  int kind = mode == 1 || mode == 4 ? EEK_CALL_STATIC
             : mode == 7            ? EEK_CALL_DELEGATE
             : mode == 8            ? EEK_CALL_CODE
                                    : EEK_CALL;
  int s = eek_call(kind, &target, 0, buf + 29, n - 29, g, &rl);
  if (mode == 2 || mode == 4 || mode == 7 || mode == 8) {
    if (rl > sizeof buf - 32) rl = sizeof buf - 32;
    eek_word slot = eek_word_from_u64(1), v = eek_word_from_u64((uint64_t)s + 1);
    eek_sstore(&slot, &v);
    eek_word w = eek_word_from_u64((uint64_t)s);
    for (int i = 0; i < 32; i++) buf[i] = w.b[i];
    eek_returndata_copy(buf + 32, 0, rl);
    eek_return(buf, 32 + rl);
  }
  if (s == EEK_SUCCESS) eek_return_returndata();
  abi_revert_with_returndata(); /* a failed callee leaves no returndata: an empty revert */
}
