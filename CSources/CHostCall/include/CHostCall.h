/*
 * CHostCall: calls a C function of a user plugin through libffi for EEKit's host functions.
 *
 * The Swift side parses the signature, decodes calldata and resolves the symbol (dlopen/dlsym);
 * this target only owns the libffi call interface, so that <ffi.h> and its global type
 * descriptors never reach Swift. A chost_sig is prepared once at registration and is read-only
 * afterwards: any number of threads may call through it.
 *
 * Parameter kinds (CHOST_*): integers are passed as their C type; CHOST_BYTES is passed as two C
 * parameters (const uint8_t *data, uint64_t length). Return kinds: an integer kind, CHOST_VOID,
 * or CHOST_BYTES, for which the C function takes two more parameters (uint8_t *out, uint64_t
 * capacity) and returns int64_t: the number of bytes written, or a negative error status.
 */
#ifndef CHOSTCALL_H
#define CHOSTCALL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  CHOST_VOID = 0,
  CHOST_U8 = 1, CHOST_U16 = 2, CHOST_U32 = 3, CHOST_U64 = 4,
  CHOST_I8 = 5, CHOST_I16 = 6, CHOST_I32 = 7, CHOST_I64 = 8,
  CHOST_BYTES = 9,
};

/* Most parameters a signature may declare (each bytes parameter counts once). */
#define CHOST_MAX_PARAMS 16

typedef struct chost_sig chost_sig;

/* Bytes of caller-owned memory (aligned to 16) a chost_sig needs. */
size_t chost_sig_size(void);

/* Prepares `sig` for a function with `nparams` parameters of the given kinds and the given
 * return kind. Returns 0, or -1 for a bad kind/count, or -2 if libffi refuses. */
int chost_sig_prepare(chost_sig *sig, const uint8_t *kinds, int nparams, uint8_t ret_kind);

/* Calls fn. Integer parameters come from ints[i] (the low bits of the 64-bit value), bytes
 * parameters from ptrs[i] / lens[i] (indexed by parameter position). For an integer return the
 * value is stored in *ret (sign-extended for signed kinds). For a bytes return, out/capacity are
 * passed to the function and its int64_t result is stored in *ret. */
void chost_call(const chost_sig *sig, void (*fn)(void), const uint64_t *ints, const uint8_t *const *ptrs,
                const uint64_t *lens, uint8_t *out, uint64_t capacity, int64_t *ret);

/* The calling thread's native stack, [*low, *high) (glibc's pthread_getattr_np, found once per
 * thread and kept in thread-local storage), for the bootloader's nested calls (EEKit's
 * NestedCalls.swift), which move to a thread with a larger stack before this one runs out.
 * Returns 0, or -1 if the bounds are unknown. */
int chost_stack_bounds(uintptr_t *low, uintptr_t *high);

/* The caller's frame address on the thread's real stack (an address of a local variable may
 * be on ASan's fake stack instead). */
uintptr_t chost_stack_pointer(void);

#ifdef __cplusplus
}
#endif

#endif
