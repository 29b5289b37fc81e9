// C++ run-time support for EEKit native contracts: link it with C++ contracts, next to crt0.S
// and eekit_rt.c, and compile them with -fno-exceptions -fno-rtti (there is no unwinder and no
// type information at run time; without these flags the link names what is missing).
//
//   clang --target=riscv64 -march=rv64im -mabi=lp64 -nostdlib -ffreestanding -static
//     -fuse-ld=lld -O2 -fno-exceptions -fno-rtti -IContracts/include -Wl,--no-relax
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
}

void *operator new(__SIZE_TYPE__ n) { return eek_alloc(n ? n : 1); }
void *operator new[](__SIZE_TYPE__ n) { return eek_alloc(n ? n : 1); }
void operator delete(void *) noexcept {}
void operator delete[](void *) noexcept {}
void operator delete(void *, __SIZE_TYPE__) noexcept {}
void operator delete[](void *, __SIZE_TYPE__) noexcept {}
