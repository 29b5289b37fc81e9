/* One trap per build: clang -DCASE=n. run.sh checks cause, pc and value. */
  .data
  .p2align 4
some_data: .word 0x00000013, 0x00000013
  .text
  .globl _start
_start:
#if CASE == 1
trap_here: .word 0
#elif CASE == 2
trap_here: .word 0x00000001
#elif CASE == 3
trap_here: csrw cycle, zero
#elif CASE == 4
trap_here: csrr a0, mstatus
#elif CASE == 5
  li a1, 1
trap_here: csrrs a0, cycle, a1
#elif CASE == 6
trap_here: .word 0x02051513 /* slli a0, a0, 32: illegal on RV32 only */
#elif CASE == 7
trap_here: .word 0x00053503 /* ld a0, 0(a0): illegal on RV32 only */
#elif CASE == 8
  li a0, 0
trap_here: lw a0, 0(a0)
#elif CASE == 9
  la a0, trap_here
trap_here: sw a0, 0(a0)
#elif CASE == 10
  li a0, -8
trap_here: sw a0, 0(a0)
#elif CASE == 11
  la a0, some_data
trap_here: jr a0
#elif CASE == 12
  la a0, 1f
  addi a0, a0, 2
trap_here: jalr a0
1: nop
#elif CASE == 13
trap_here: .word 0x00000163 /* beq x0, x0, +2 */
#elif CASE == 14
trap_here: .word 0x0020006f /* jal x0, +2 */
#elif CASE == 15
  li a0, 0x3fffffe
trap_here: lw a1, 0(a0)
#elif CASE == 16
  li a0, 0x3effffe
trap_here: sw a1, 0(a0)
#elif CASE == 17
  li a0, 0x3ff0000
trap_here: jr a0
#elif CASE == 18
  li a0, 0x3effffe
trap_here: lh a1, 0(a0)  /* straddles an unreadable page */
#elif CASE == 19
  /* a jump whose target is outside the code: the jump retires, the fetch at the target faults */
trap_here: j .+0x40000
#endif
  li a7, 93
  ecall
