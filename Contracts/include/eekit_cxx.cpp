// C++ run-time support for EEKit native contracts: link it with C++ contracts, next to crt0.S
// and eekit_rt.c, and compile them with -fno-exceptions -fno-rtti (there is no unwinder and no
// type information at run time: see Contracts/README.md). One command, with clang's default
// -std (with -std=..., compile the C++ files first, then link: the C files need C):
//
//   clang --target=riscv64 -march=rv64im -mabi=lp64 -nostdlib -ffreestanding -static
//     -fuse-ld=lld -O2 -fno-exceptions -fno-rtti -IContracts/include
//     Contracts/include/crt0.S Contracts/include/eekit_rt.c Contracts/include/eekit_cxx.cpp
//     my_contract.cpp -o my_contract.elf
//
// crt0.S runs the static constructors in every frame. Destructors of globals are registered
// here and never run: a frame ends with a system call, never with exit. `new` takes memory from
// the frame's heap (eek_alloc: zeroed, fails the frame past the heap's limit, as a throwing
// `new` would end the program); `delete` frees nothing, as the frame's heap lives only as long
// as the frame.
#include "eekit.h"

extern "C" {
void *__dso_handle = &__dso_handle;
int __cxa_atexit(void (*)(void *), void *, void *) { return 0; }
void __cxa_pure_virtual(void) { __builtin_trap(); }
// Function-local statics with dynamic initializers (Itanium C++ ABI guard: its first byte says
// "initialized"). A frame has one thread, so there is nothing to lock.
int __cxa_guard_acquire(unsigned long long *guard) { return *(unsigned char *)guard == 0; }
void __cxa_guard_release(unsigned long long *guard) { *(unsigned char *)guard = 1; }
void __cxa_guard_abort(unsigned long long *) {}
// With -fno-use-cxa-atexit the compiler registers destructors here instead.
int atexit(void (*)(void)) { return 0; }
}

void *operator new(__SIZE_TYPE__ n) { return eek_alloc(n ? n : 1); }
void *operator new[](__SIZE_TYPE__ n) { return eek_alloc(n ? n : 1); }
void operator delete(void *) noexcept {}
void operator delete[](void *) noexcept {}
void operator delete(void *, __SIZE_TYPE__) noexcept {}
void operator delete[](void *, __SIZE_TYPE__) noexcept {}

// Over-aligned types (alignas above 16, C++17): the heap gives 16-byte alignment, so take the
// alignment more and round up. An alignment that is not a power of two is undefined behaviour
// in C++ and traps here; so does a size that would wrap.
namespace std {
enum class align_val_t : __SIZE_TYPE__;
}
static void *eek_aligned_alloc(__SIZE_TYPE__ n, std::align_val_t al) {
  __SIZE_TYPE__ a = (__SIZE_TYPE__)al;
  if (a == 0 || (a & (a - 1)) != 0 || n > (__SIZE_TYPE__)-1 - a) __builtin_trap();
  if (a <= 16) return eek_alloc(n ? n : 1);
  __UINTPTR_TYPE__ p = (__UINTPTR_TYPE__)eek_alloc(n + a);
  return (void *)((p + a - 1) & ~(__UINTPTR_TYPE__)(a - 1));
}
void *operator new(__SIZE_TYPE__ n, std::align_val_t a) { return eek_aligned_alloc(n, a); }
void *operator new[](__SIZE_TYPE__ n, std::align_val_t a) { return eek_aligned_alloc(n, a); }
void operator delete(void *, std::align_val_t) noexcept {}
void operator delete[](void *, std::align_val_t) noexcept {}
void operator delete(void *, __SIZE_TYPE__, std::align_val_t) noexcept {}
void operator delete[](void *, __SIZE_TYPE__, std::align_val_t) noexcept {}
