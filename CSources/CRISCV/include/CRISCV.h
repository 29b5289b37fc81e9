/*
 * CRISCV: the RV32IM / RV64IM interpreter core of EEKit.
 *
 * Pure C11: no globals, no allocation, no I/O. The host (Swift) owns every buffer
 * (guest memory, page permissions, decoded-instruction cache) and passes them in.
 *
 * Model
 *  - Guest address a (0 <= a < mem->size) lives at mem->data[a]. Every access is
 *    bounds-checked and permission-checked against mem->perms (one byte per 4 KiB page,
 *    CRV_PERM_* bits). A load needs R, a store W, an instruction fetch X.
 *  - Dispatch is direct-threaded: each decoded slot holds the address of the handler of the
 *    next instruction's fall-through, written by crv_run itself (the host never sees them).
 *  - Instructions are pre-decoded once (crv_decode) into mem->code, which covers the
 *    page-aligned range [code_lo, code_hi), or a page at a time as execution first enters
 *    one (crv_decode_lazy), with the same results. Basic blocks never cross a page boundary.
 *  - Metering: every instruction has a cost in the caller's unit (ergs) by class
 *    (crv_costs). The budget is charged once per basic block on entry (suffix sums
 *    stored in the decoded entries); when it cannot pay for the whole block it pays for
 *    the longest prefix it can and the run stops before the first instruction it cannot
 *    pay for, so a run stops at exactly the same instruction for the same budget, and a run stopped for budget then resumed
 *    behaves exactly like an uninterrupted one. An instruction is executed only if it
 *    was paid for in full. A word that cannot execute at all (fetch outside X code, an
 *    illegal encoding) traps whatever the budget; any other instruction that faults (load
 *    or store fault, misaligned jump target) is reached only if its cost can be paid, and
 *    then traps uncharged.
 *  - The counter CSRs cycle, time and instret (and cycleh/timeh/instreth on RV32) all read
 *    cpu->instret as it was before the reading instruction retired. Any CSR write, and any
 *    other CSR, is an illegal instruction.
 *  - A store that changes bytes of an X page ends the current block and marks the slots it
 *    changed stale: each is decoded from its bytes when execution next reaches it (its old
 *    charge given back, the new instruction's taken), so self-modifying code runs the new
 *    instructions (in this core from the very next instruction on; fence.i is then only a
 *    block end), and words a program only stores to (data beside code in a read-write-execute
 *    page) are never decoded. A store that leaves the bytes unchanged marks nothing. A store
 *    that changes code costs costs->code_store on top of costs->store (when the budget cannot
 *    pay both, the run stops before the store).
 *    Exception: an X page without a single instruction (CRV_PERM_NOCODE, the .bss or .data
 *    of a read-write-execute segment) takes stores as data; when execution reaches a word
 *    of it that changed, the page is re-decoded then, for one costs->code_store.
 */
#ifndef CRISCV_H
#define CRISCV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CRV_PAGE_SHIFT 12
#define CRV_PAGE_SIZE 4096u

/* Page permission bytes (mem->perms). The host sets the low three bits (CRV_PERM_MASK); the
   bits above them belong to the core: after changing the permissions of some pages, the host
   calls crv_perms_sync for them, which derives the fast-path bits (loads and stores inside
   pages whose neighbours allow the same access run inline). Without it accesses are still
   checked exactly, only through the slow path. (An access that stays inside one page is also
   run inline when that page's own low bits allow it, whatever the fast bits say.) */
enum {
  CRV_PERM_R = 1,
  CRV_PERM_W = 2,
  CRV_PERM_X = 4,
  CRV_PERM_MASK = 7,
  /* core-owned: a page of the code range not decoded yet (crv_decode_lazy): its slots are zero
     and it is decoded when execution first enters it. A host copying permission bytes between
     machines keeps a machine's own bit, unless it copies the code buffer with them. */
  CRV_PERM_LAZY = 0x08,
  CRV_PERM_FAST_R = 0x10, /* core-owned: this page and the next are readable */
  CRV_PERM_FAST_W = 0x20, /* core-owned: this page and the next are writable, not executable */
  /* core-owned: an executable page every slot of which decoded as an illegal instruction at its
     last whole-page decode (a .bss or .data page of a read-write-execute segment). Stores into
     it take the fast path and do not re-decode: an illegal-instruction slot re-checks its word
     before it traps, and re-decodes the page (charging costs->code_store) if it changed. */
  CRV_PERM_NOCODE = 0x40,
  /* core-owned: a CRV_PERM_NOCODE page one of whose changed words ran (and was re-decoded)
     since the host last set its permissions: its slots no longer all match the bytes the host
     may copy back, so a host restoring the page's bytes re-decodes what it changes. Without
     it, the slots of a NOCODE page depend on none of its bytes. */
  CRV_PERM_NOCODE_RAN = 0x80,
};

/* Why crv_run returned. */
typedef enum crv_status {
  /* ecall retired: cpu->pc is the ecall's address + 4. The host serves it (a7, a0..a5)
     and calls crv_run again to resume. */
  CRV_STATUS_ECALL = 1,
  /* ebreak retired: cpu->pc is the ebreak's address + 4. */
  CRV_STATUS_EBREAK = 2,
  /* The budget cannot pay for the next instruction: cpu->pc is that instruction, not
     executed. Raise cpu->budget and call crv_run to resume. */
  CRV_STATUS_BUDGET = 3,
  /* A trap: cpu->trap_cause / trap_value / trap_insn describe it, cpu->pc is the
     address of the instruction that trapped (not executed, not counted, not charged). */
  CRV_STATUS_TRAP = 0x10,
} crv_status;

/* Trap causes use the RISC-V mcause numbers. */
typedef enum crv_trap_cause {
  CRV_TRAP_FETCH_MISALIGNED = 0, /* trap_value = target address; pc = the jump/branch, not
                                    executed. Also raised with trap_value = pc when crv_run is
                                    entered with a pc that is not 4-byte aligned. */
  CRV_TRAP_FETCH_FAULT = 1,      /* trap_value = pc; fetch outside X pages / code range. A
                                    jump to such a target retires; pc is then the target. */
  CRV_TRAP_ILLEGAL_INSN = 2,     /* trap_insn = trap_value = the instruction word */
  CRV_TRAP_LOAD_FAULT = 5,       /* trap_value = address */
  CRV_TRAP_STORE_FAULT = 7,      /* trap_value = address */
} crv_trap_cause;

/* Cost per retired instruction, by class, in the caller's unit. */
typedef struct crv_costs {
  uint32_t alu;    /* OP, OP-IMM, LUI, AUIPC, *W forms, fence, fence.i */
  uint32_t load;
  uint32_t store;
  uint32_t branch; /* taken or not */
  uint32_t jump;   /* jal, jalr */
  uint32_t mul;    /* mul, mulh, mulhsu, mulhu, mulw */
  uint32_t div;    /* div, divu, rem, remu and their W forms */
  uint32_t system; /* ecall, ebreak, csr counter reads */
  uint32_t code_store; /* on top of `store`, for a store that changes the bytes of code (the
                          slot is decoded again when it is reached: up to a page of slots'
                          suffix sums fixed); 0 in the harnesses */
} crv_costs;

/* Architectural state of one hart plus run bookkeeping. Resumable: crv_run continues
   from pc with whatever the host left in here. */
typedef struct crv_cpu {
  uint64_t x[32];       /* x[0] reads as 0. For xlen 32, values are zero-extended (the
                           upper halves are ignored on entry and cleared on exit) */
  uint64_t pc;
  uint64_t budget;      /* left, in the unit of crv_costs */
  uint64_t instret;     /* instructions retired (also what cycle/time/instret read) */
  uint32_t xlen;        /* 32 or 64 */
  uint32_t trap_cause;  /* crv_trap_cause, valid after CRV_STATUS_TRAP */
  uint64_t trap_value;
  uint32_t trap_insn;
  uint32_t reserved;
} crv_cpu;

/* The unit the host allocates the decoded-instruction cache in; the layout is private to the
   core (one 4-byte instruction slot takes two of them, and two more slots close the buffer). */
typedef struct crv_insn {
  uint64_t w0;
  uint64_t w1;
} crv_insn;

/* crv_code_entries for a code range of `slots` 4-byte instructions, as a constant expression
   (for static buffers). */
#define CRV_CODE_ENTRIES_FOR_SLOTS(slots) (2u * ((slots) + 2u))

/* An in-loop system-call handler (optional, mem->ecall). Without one, every ecall returns from
   crv_run with CRV_STATUS_ECALL, and the host resumes the hart after handling it. With one, an
   ecall first stores pc (the instruction after the ecall), budget, instret and a0...a7
   (x10...x17) in *cpu and calls ecall(ecall_ctx, cpu):
   - CRV_ECALL_CONTINUE: the handler has done the system call. The core reloads budget, a0 and
     a1 from *cpu and runs on at pc, without leaving crv_run (no register-file round trip).
   - CRV_ECALL_EXIT: crv_run returns CRV_STATUS_ECALL exactly as without a handler (pc after the
     ecall, every register and the core's own budget stored over whatever the handler wrote to
     *cpu), and the host handles that ecall itself. So a handler returns EXIT before changing
     anything, or when the host is going to end the run anyway (EEKit: a faulting call).
   While it runs, the handler may do what the host may do between runs: read and write guest
   memory, change page permissions (then crv_perms_sync) and re-decode code it wrote (crv_decode);
   it must not change any other register, pc, instret, xlen or the code range, nor raise the
   budget. */
typedef struct crv_cpu crv_cpu;
typedef int (*crv_ecall_fn)(void *ctx, crv_cpu *cpu);
enum { CRV_ECALL_EXIT = 0, CRV_ECALL_CONTINUE = 1 };

typedef struct crv_memory {
  uint8_t *data;    /* guest memory, `size` bytes */
  uint64_t size;    /* multiple of CRV_PAGE_SIZE */
  uint8_t *perms;   /* size >> CRV_PAGE_SHIFT entries of CRV_PERM_* */
  crv_insn *code;   /* crv_code_entries(code_lo, code_hi) entries */
  uint64_t code_lo; /* page aligned, code_lo <= code_hi <= size */
  uint64_t code_hi;
  crv_ecall_fn ecall; /* optional in-loop system calls (above); NULL: every ecall returns */
  void *ecall_ctx;
} crv_memory;

/* Number of crv_insn entries the host must allocate for mem->code: two per 4-byte slot of
   [code_lo, code_hi) plus four (an end sentinel, where running off the end of the code faults,
   and a header). The buffer may be copied (memcpy) to another crv_memory of the same process
   with the same code range. */
size_t crv_code_entries(uint64_t code_lo, uint64_t code_hi);

/* Derive the core's fast-path bits of the permission bytes of the pages overlapping [lo, hi)
   and of the page before them. Call after setting those pages' CRV_PERM_R/W/X bits. */
void crv_perms_sync(crv_memory *mem, uint64_t lo, uint64_t hi);

/* (Re)decode the pages overlapping [lo, hi) (clamped to the code range) for the given
   xlen and costs. Call once for the whole code range before the first crv_run, and
   again with the same xlen and costs after the host writes into code pages itself. */
void crv_decode(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t lo, uint64_t hi);

/* crv_decode, deferred: marks the pages overlapping [lo, hi) (clamped to the code range) as not
   decoded (CRV_PERM_LAZY) instead of decoding them; crv_run decodes a page, with the xlen and
   costs it runs with, when execution first enters it (a jump, a branch, falling through from the
   page before, or its pc on entry), so a large code range costs only the pages that run. The
   slots of those pages must be zero (a freshly mapped buffer): a zero slot is what sends
   execution to the decoder, at no cost on the paths that enter decoded code. Pages past the end
   of guest memory (no permission byte) are decoded now. Metering, traps and every result are
   those of an eager decode. */
void crv_decode_lazy(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t lo, uint64_t hi);

/* Decode now the pages overlapping [lo, hi) that crv_decode_lazy deferred (and write their
   handlers if crv_run wrote the others'). A host calls it before it writes into code pages
   itself (guest stores do the same), so that a deferred page is decoded from the bytes it had
   when the range was set, as an eager decode saw them: the write is then charged and
   re-decoded as it would have been. Same rules as crv_decode. */
void crv_decode_pending(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t lo, uint64_t hi);

/* Re-decode the slots holding guest bytes [addr, addr + n) after the host wrote them (a system
   call's output in a writable code page), as a guest store does: only those slots, the suffix
   sums of their blocks, and the handlers of those slots and their neighbours are rewritten.
   crv_decode instead makes the next crv_run (or the next in-loop system call that returns)
   rewrite the handler of every slot of the code range, which made a system call writing a
   few bytes cost time in proportion to the whole code range. Same rules as crv_decode. */
void crv_redecode(crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint64_t addr, uint64_t n);

/* What crv_run charges for retiring the instruction word `insn` at `pc` (its class's cost
   after decoding, as crv_decode prices the slot; a store that changes code bytes also pays
   costs->code_store). Pure: reads `mem`'s code range only. A budget of exactly this cost runs
   this one instruction and stops before the next (the tracer's single step). */
uint64_t crv_insn_cost(const crv_memory *mem, const crv_costs *costs, uint32_t xlen, uint32_t insn, uint64_t pc);

/* Run until ecall, ebreak, budget exhaustion or a trap. `costs` and cpu->xlen must be
   the ones the code was decoded with. */
crv_status crv_run(crv_cpu *cpu, crv_memory *mem, const crv_costs *costs);

/* Disassemble one instruction word into `out` (NUL-terminated, at most cap bytes).
   Returns the length written, excluding the NUL. */
size_t crv_disasm(uint32_t insn, uint64_t pc, uint32_t xlen, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* CRISCV_H */
