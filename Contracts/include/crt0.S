/* crt0 for EEKit native contracts: sets gp, calls eekit_main(is_constructor), and returns
   empty output if it comes back. Works for RV32 and RV64 (no XLEN-specific instructions). */
  .section .text._start, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  call eekit_main
  li a0, 0
  li a1, 0
  li a7, 0x10000
  ecall
1:
  j 1b
