/* crt0 for EEKit native contracts: sets gp, runs the static constructors, calls
   eekit_main(is_constructor), and returns empty output if it comes back. RV32 and RV64.

   Static constructors are the functions in .preinit_array and .init_array: C++ globals with
   dynamic initializers and C functions marked __attribute__((constructor)). They run in every
   frame, because every frame starts from the stored image (a global they set is set again).
   Destructors and atexit handlers never run: a frame ends with a system call, not with exit.
   Without constructors this costs 10 instructions a frame. */
#if __riscv_xlen == 64
#define LOAD_PTR ld
#define PTR_SIZE 8
#else
#define LOAD_PTR lw
#define PTR_SIZE 4
#endif
  .section .text._start, "ax"
  .globl _start
  /* Defined by the linker (ld.lld and GNU ld) whether or not the sections exist. */
  .weak __preinit_array_start, __preinit_array_end, __init_array_start, __init_array_end
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la t0, __preinit_array_start
  la t1, __preinit_array_end
  la t2, __init_array_start
  la t3, __init_array_end
  bne t0, t1, 4f
  bne t2, t3, 4f
1:
  call eekit_main
  li a0, 0
  li a1, 0
  li a7, 0x10000
  ecall
2:
  j 2b
  /* Constructors: keep is_constructor and the calldata size (a0, a1) for eekit_main in s
     registers, which the constructors preserve. */
4:
  mv s2, a0
  mv s3, a1
  mv s0, t0
  mv s1, t1
  jal s4, 5f
  la s0, __init_array_start
  la s1, __init_array_end
  jal s4, 5f
  mv a0, s2
  mv a1, s3
  j 1b
  /* Calls the functions in [s0, s1); returns through s4. */
5:
  beq s0, s1, 6f
  LOAD_PTR t0, 0(s0)
  addi s0, s0, PTR_SIZE
  jalr t0
  j 5b
6:
  jr s4
