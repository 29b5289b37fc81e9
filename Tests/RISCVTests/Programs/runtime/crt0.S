/*
 * crt0.S: program entry of the EEKit RISC-V guest runtime (rv32 and rv64).
 *
 * The kernel-style initial stack is: argc, argv[0..argc-1], NULL, envp..., NULL,
 * auxv pairs..., AT_NULL, each slot one XLEN-sized word. _start records argc, argv, envp
 * and the initial sp, calls main(argc, argv, envp) and exits with its return value.
 */
#if __riscv_xlen == 64
#define REG_L ld
#define REG_S sd
#define SZREG 8
#define LOG_SZREG 3
#else
#define REG_L lw
#define REG_S sw
#define SZREG 4
#define LOG_SZREG 2
#endif

    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    mv      s0, sp                  /* s0 = initial sp (callee-saved, survives calls) */
    REG_L   a0, 0(sp)               /* a0 = argc */
    addi    a1, sp, SZREG           /* a1 = argv */
    addi    a2, a0, 1
    slli    a2, a2, LOG_SZREG
    add     a2, a1, a2              /* a2 = envp = argv + argc + 1 */

    la      t0, rt_initial_sp
    REG_S   s0, 0(t0)
    la      t0, rt_argc
    REG_S   a0, 0(t0)
    la      t0, rt_argv
    REG_S   a1, 0(t0)
    la      t0, rt_envp
    REG_S   a2, 0(t0)

    andi    sp, sp, -16             /* the ABI wants 16-byte alignment at calls */
    li      ra, 0
    li      fp, 0
    call    main
    call    exit                    /* exit(main's return value) never returns */
1:  j       1b
    .size _start, . - _start
