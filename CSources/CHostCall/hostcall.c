/* libffi call interfaces for EEKit host functions (see include/CHostCall.h). */
#include "include/CHostCall.h"

#include <ffi.h>
#include <string.h>

struct chost_sig {
  ffi_cif cif;
  ffi_type *types[2 * CHOST_MAX_PARAMS + 2];
  uint8_t kinds[CHOST_MAX_PARAMS];
  int nparams;
  uint8_t ret_kind;
};

size_t chost_sig_size(void) { return (sizeof(struct chost_sig) + 15) & ~(size_t)15; }

static ffi_type *int_type(uint8_t k) {
  switch (k) {
  case CHOST_U8: return &ffi_type_uint8;
  case CHOST_U16: return &ffi_type_uint16;
  case CHOST_U32: return &ffi_type_uint32;
  case CHOST_U64: return &ffi_type_uint64;
  case CHOST_I8: return &ffi_type_sint8;
  case CHOST_I16: return &ffi_type_sint16;
  case CHOST_I32: return &ffi_type_sint32;
  case CHOST_I64: return &ffi_type_sint64;
  default: return NULL;
  }
}

int chost_sig_prepare(chost_sig *sig, const uint8_t *kinds, int nparams, uint8_t ret_kind) {
  if (nparams < 0 || nparams > CHOST_MAX_PARAMS) return -1;
  memset(sig, 0, sizeof *sig);
  int n = 0;
  for (int i = 0; i < nparams; i++) {
    sig->kinds[i] = kinds[i];
    if (kinds[i] == CHOST_BYTES) {
      sig->types[n++] = &ffi_type_pointer;
      sig->types[n++] = &ffi_type_uint64;
    } else {
      ffi_type *t = int_type(kinds[i]);
      if (!t) return -1;
      sig->types[n++] = t;
    }
  }
  ffi_type *rt;
  if (ret_kind == CHOST_BYTES) {
    sig->types[n++] = &ffi_type_pointer;
    sig->types[n++] = &ffi_type_uint64;
    rt = &ffi_type_sint64;
  } else if (ret_kind == CHOST_VOID) {
    rt = &ffi_type_void;
  } else {
    rt = int_type(ret_kind);
    if (!rt) return -1;
  }
  sig->nparams = nparams;
  sig->ret_kind = ret_kind;
  if (ffi_prep_cif(&sig->cif, FFI_DEFAULT_ABI, (unsigned)n, rt, sig->types) != FFI_OK) return -2;
  return 0;
}

void chost_call(const chost_sig *sig, void (*fn)(void), const uint64_t *ints, const uint8_t *const *ptrs,
                const uint64_t *lens, uint8_t *out, uint64_t capacity, int64_t *ret) {
  /* Argument storage: one slot per libffi argument, each wide enough for any scalar. */
  union slot { uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; const void *p; } slots[2 * CHOST_MAX_PARAMS + 2];
  void *values[2 * CHOST_MAX_PARAMS + 2];
  int n = 0;
  for (int i = 0; i < sig->nparams; i++) {
    switch (sig->kinds[i]) {
    case CHOST_BYTES:
      slots[n].p = ptrs[i]; values[n] = &slots[n]; n++;
      slots[n].u64 = lens[i]; values[n] = &slots[n]; n++;
      break;
    case CHOST_U8: case CHOST_I8: slots[n].u8 = (uint8_t)ints[i]; values[n] = &slots[n]; n++; break;
    case CHOST_U16: case CHOST_I16: slots[n].u16 = (uint16_t)ints[i]; values[n] = &slots[n]; n++; break;
    case CHOST_U32: case CHOST_I32: slots[n].u32 = (uint32_t)ints[i]; values[n] = &slots[n]; n++; break;
    default: slots[n].u64 = ints[i]; values[n] = &slots[n]; n++; break;
    }
  }
  if (sig->ret_kind == CHOST_BYTES) {
    slots[n].p = out; values[n] = &slots[n]; n++;
    slots[n].u64 = capacity; values[n] = &slots[n]; n++;
  }
  /* libffi widens integer results to ffi_arg / ffi_sarg. */
  union { ffi_arg u; ffi_sarg s; int64_t i64; uint64_t pad[2]; } rv;
  memset(&rv, 0, sizeof rv);
  ffi_call((ffi_cif *)&sig->cif, fn, &rv, values);
  switch (sig->ret_kind) {
  case CHOST_VOID: *ret = 0; break;
  case CHOST_BYTES: *ret = rv.i64; break;
  case CHOST_U8: *ret = (int64_t)(uint8_t)rv.u; break;
  case CHOST_U16: *ret = (int64_t)(uint16_t)rv.u; break;
  case CHOST_U32: *ret = (int64_t)(uint32_t)rv.u; break;
  case CHOST_U64: *ret = (int64_t)(uint64_t)rv.u; break;
  case CHOST_I8: *ret = (int64_t)(int8_t)rv.s; break;
  case CHOST_I16: *ret = (int64_t)(int16_t)rv.s; break;
  case CHOST_I32: *ret = (int64_t)(int32_t)rv.s; break;
  default: *ret = (int64_t)rv.s; break;
  }
}
