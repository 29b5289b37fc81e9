/* The calling thread's stack bounds (CHostCall.h). */
#define _GNU_SOURCE
#include <pthread.h>

#include "CHostCall.h"

/* The bounds, found once per thread (pthread_getattr_np reads /proc/self/maps for the main
 * thread). Thread-local storage, not a cache keyed by thread id: a thread starts with none,
 * while an id (the address of glibc's thread descriptor, at the top of the thread's stack)
 * is reused by a later thread whose stack may end at the same address and be far smaller. A
 * bootloader that kept bounds by id took a 1 MiB thread for the 256 MiB one it had run on
 * before, and its nested calls overflowed the 1 MiB stack. */
static _Thread_local uintptr_t cached_low, cached_high;

int chost_stack_bounds(uintptr_t *low, uintptr_t *high) {
  if (cached_high == 0) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return -1;
    void *base = NULL;
    size_t size = 0;
    int rc = pthread_attr_getstack(&attr, &base, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0 || base == NULL || size == 0) return -1;
    cached_low = (uintptr_t)base;
    cached_high = (uintptr_t)base + size;
  }
  *low = cached_low;
  *high = cached_high;
  return 0;
}

__attribute__((noinline)) uintptr_t chost_stack_pointer(void) {
  return (uintptr_t)__builtin_frame_address(0);
}
