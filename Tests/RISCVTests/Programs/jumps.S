/* jumps.S: hand-written assembly. A jump table through jalr, jal forward and backward,
   a recursive function with its own stack frames, lui/addi constant building, auipc
   pc-relative data access, and writes to x0. Prints through the runtime's printf. */
#if __riscv_xlen == 64
#define REG_L ld
#define REG_S sd
#define SZREG 8
#else
#define REG_L lw
#define REG_S sw
#define SZREG 4
#endif

    .section .rodata
fmt_case:   .asciz "case %ld -> %ld\n"
fmt_fib:    .asciz "fib(%ld) = %ld\n"
fmt_const:  .asciz "const %lx %lx %lx\n"
fmt_data:   .asciz "data %lx %lx\n"
fmt_x0:     .asciz "x0 %ld\n"
fmt_bounce: .asciz "bounce %ld\n"

    .data
    .p2align 3
table_data: .word 0x11223344, 0x55667788

    .text
    .p2align 2
/* long dispatch(long i): jump through a table of relative offsets. */
dispatch:
    lla     t0, jt
    slli    t1, a0, 2
    add     t1, t0, t1
    lw      t1, 0(t1)
    add     t1, t0, t1
    jr      t1
jt:
    .word   c0 - jt, c1 - jt, c2 - jt, c3 - jt
c0: li      a0, 100
    ret
c1: li      a0, 201
    ret
c2: li      a0, -302
    ret
c3: li      a0, 403
    ret

/* long fib(long n): naive recursion. */
fib:
    li      t0, 2
    blt     a0, t0, 1f
    addi    sp, sp, -4*SZREG
    REG_S   ra, 0(sp)
    REG_S   s0, SZREG(sp)
    REG_S   s1, 2*SZREG(sp)
    mv      s0, a0
    addi    a0, a0, -1
    call    fib
    mv      s1, a0
    addi    a0, s0, -2
    call    fib
    add     a0, a0, s1
    REG_L   ra, 0(sp)
    REG_L   s0, SZREG(sp)
    REG_L   s1, 2*SZREG(sp)
    addi    sp, sp, 4*SZREG
1:  ret

    .globl main
    .type main, @function
main:
    addi    sp, sp, -4*SZREG
    REG_S   ra, 0(sp)
    REG_S   s0, SZREG(sp)
    REG_S   s1, 2*SZREG(sp)

    li      s0, 0
2:  mv      a0, s0
    call    dispatch
    mv      a2, a0
    mv      a1, s0
    lla     a0, fmt_case
    call    printf
    addi    s0, s0, 1
    li      t0, 4
    blt     s0, t0, 2b

    li      s0, 20
    mv      a0, s0
    call    fib
    mv      a2, a0
    mv      a1, s0
    lla     a0, fmt_fib
    call    printf

    /* lui + addi with a negative low part, and a lui whose bit 31 is set. */
    lui     a1, 0x12346
    addi    a1, a1, -0x788          /* 0x12345878 */
    lui     a2, 0xfffff
    addi    a2, a2, 0x7ff           /* sign-extended 0xfffff7ff (rv64: 0xfffffffffffff7ff) */
    lui     a3, 0x80000
    xori    a3, a3, -1
    lla     a0, fmt_const
    call    printf

    /* auipc-relative data access. */
1:  auipc   t0, %pcrel_hi(table_data)
    lw      a1, %pcrel_lo(1b)(t0)
    lla     t1, table_data
    lw      a2, 4(t1)
    lla     a0, fmt_data
    call    printf

    /* Writes to x0 are discarded. */
    li      t0, 5
    add     x0, t0, t0
    addi    x0, x0, 9
    jal     x0, 3f
    li      t0, 77                  /* skipped */
3:  add     a1, x0, x0
    lla     a0, fmt_x0
    call    printf

    /* jal forward then backward bounces. */
    li      s1, 0
    j       5f
4:  addi    s1, s1, 10
    j       6f
5:  addi    s1, s1, 1
    j       4b
6:  mv      a1, s1
    lla     a0, fmt_bounce
    call    printf

    li      a0, 0
    REG_L   ra, 0(sp)
    REG_L   s0, SZREG(sp)
    REG_L   s1, 2*SZREG(sp)
    addi    sp, sp, 4*SZREG
    ret
    .size main, . - main
