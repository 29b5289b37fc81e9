#ifndef CFFI_SHIM_H
#define CFFI_SHIM_H
#include <ffi.h>
#endif
