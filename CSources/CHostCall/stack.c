/* The calling thread's stack bounds (CHostCall.h). */
#define _GNU_SOURCE
#include <pthread.h>

#include "CHostCall.h"

int chost_stack_bounds(uintptr_t *low, uintptr_t *high) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return -1;
  void *base = NULL;
  size_t size = 0;
  int rc = pthread_attr_getstack(&attr, &base, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0 || base == NULL || size == 0) return -1;
  *low = (uintptr_t)base;
  *high = (uintptr_t)base + size;
  return 0;
}

__attribute__((noinline)) uintptr_t chost_stack_pointer(void) {
  return (uintptr_t)__builtin_frame_address(0);
}
