/*
 * eekit.h: the system-call ABI of EEKit native RISC-V contracts.
 *
 * A native contract is a static RV32IM or RV64IM ELF executable (no compressed instructions,
 * integer ABI ilp32 / lp64, no thread-local variables; a static PIE only linked at 0x10000,
 * whose R_RISCV_RELATIVE relocations are applied). It talks to EEKit only through `ecall`:
 *
 *   a7      = system call number (EEK_SYS_*, all >= 0x10000, distinct from Linux numbers)
 *   a0..a5  = arguments (pointers are guest addresses)
 *   a0, a1  = results
 *
 * Entry: the program starts at the ELF entry point with
 *   a0 = 1 when it runs as the constructor (deployment), 0 for an ordinary call,
 *   a1 = calldata size (constructor: the size of the constructor arguments that followed the ELF),
 *   tp = the frame block (eek_frame below: calldata, caller, address, value, readable without
 *        a system call; the SDK's eek_calldata_* / eek_caller / eek_self / eek_callvalue use it
 *        while tp is not 0, so leave tp alone),
 *   sp = tp = top of the stack (16-byte aligned, the block above it; the stack reaches 64 KiB
 *        below the block's first page, whatever the calldata's size: 64 to 68 KiB below sp,
 *        by where the block puts sp in that page), every other register 0.
 * crt0.S (next to this header) turns that into `void eekit_main(int is_constructor)`, after
 * running the static constructors (.preinit_array, .init_array: C `constructor` functions, C++
 * globals with dynamic initializers) in every frame; destructors never run. When eekit_main
 * returns, the frame returns empty output. C++ contracts also link eekit_cxx.cpp.
 *
 * Frame end: EEK_SYS_RETURN / EEK_SYS_REVERT / EEK_SYS_SELFDESTRUCT. A constructor that
 * returns stores the ELF itself as the contract's code (its output is ignored); one that
 * self-destructs stores none.
 *
 * Failures (the frame ends with a failure, all its state changes are reverted, and its
 * caller sees EEK_FAILED): a trap (bad jump, access outside mapped memory, illegal
 * instruction, ebreak), running out of gas, an unknown system call number, a pointer argument
 * that is not readable (inputs) or writable (outputs) guest memory, a state change in a
 * static context, EEK_SYS_BRK outside the heap (below its start or beyond its limit; eek_alloc
 * past the limit, an overflowing size included), EEK_SYS_RETURNDATA_COPY past the end, an
 * unknown call kind (EEK_SYS_CALL), EE kind (EEK_SYS_CREATE) or context id (EEK_SYS_CONTEXT,
 * above 14).
 *
 * Costs (in EVM gas; EEKit meters in ergs, 1 gas = 256 ergs): every ecall costs the
 * instruction itself plus 10 gas (GasSchedule.riscvSyscallErgs) plus the EVM-equivalent gas of
 * what it does:
 *   copies (calldata/returndata/return/revert)  3 gas per 32-byte word; CONTEXT 0 (5 for
 *   EEK_CTX_SELF_BALANCE, as SELFBALANCE)
 *   SLOAD 2100 cold / 100 warm; SSTORE as EIP-2929 + EIP-2200 + EIP-3529 (refunds included,
 *   fails if 2300 gas or less are left); TLOAD / TSTORE 100
 *   LOG 375 + 375 per topic + 8 per data byte; KECCAK256 30 + 6 per word
 *   BALANCE, CODE_SIZE, CODE_HASH 2600 cold / 100 warm; CODE_COPY the same + 3 per word;
 *   BLOCK_HASH 20; BLOB_HASH 3
 *   SELFDESTRUCT 5000, +2600 if the beneficiary is cold, +25000 if the balance is not zero
 *   and the beneficiary is empty
 *   CALL 2600 cold / 100 warm target, +9000 with value (+25000 if the target is empty), +3 per
 *   calldata word (the copy); the callee gets min(requested, all but 1/64 of what is left)
 *   (+2300 stipend with value). From Prague, a target holding an EIP-7702 delegation adds its
 *   delegate's access, 2600 cold / 100 warm, as the EVM's CALL does
 *   CREATE 32000 + 2 per init-code word (EIP-3860, from Shanghai) + 3 per word (the copy)
 *   (+6 per word for CREATE2); the constructor gets all but 1/64 of what is left. From
 *   Shanghai, EVM init code above 49,152 bytes fails the creating frame, as CREATE does in the
 *   EVM (EIP-3860)
 *   BRK 64 gas (GasSchedule.riscvPageErgs) per 4 KiB page the heap grows by, plus the
 *   growth of the memory square term below.
 * Instructions (GasSchedule.riscv*, in ergs): ALU 64 (a quarter gas), load / store / branch /
 * jump / mul 192, div / ecall / ebreak 512.
 * Every frame also pays 64 gas per 4 KiB page of the image's writable segments (.data, .bss):
 * it starts from fresh copies of them, copied back when it ends; beyond 256 such pages (1 MiB,
 * the heap's pages counted too) 2 gas x (pages - 256)^2 (GasSchedule.riscvMemorySquareErgs:
 * 4 MiB about 1.2M gas, 16 MiB 29M); and, for images with more than
 * 32 KiB of code range (executable segments, .bss in them included), 128 gas per further 512
 * bytes of it (GasSchedule.riscvDecodedFreeBytes / riscvDecodedPageErgs: each instruction slot
 * decodes to 32 host bytes, which a new frame machine maps and faults in; up to 32 KiB a
 * contract takes a value transfer made with the 2,300-gas stipend); and, for images with more
 * than 64 KiB of read-only pages that hold file bytes, 64 gas per further 4 KiB page
 * (GasSchedule.riscvImageFreeBytes: a new frame machine copies them). Read-only pages only
 * zero fill covers are priced as writable pages (64 gas each per frame, and in the square term).
 * A store that changes code (a writable code segment) costs 640 gas on top of the store
 * (GasSchedule.riscvCodeStore): the core re-decodes what it changed and the block around it (up
 * to a page of instructions), and again when the frame ends. A system call writing into code
 * pays the same 640 gas per 32-byte word written there. The rule goes by 4 KiB page: pages
 * without instructions (globals of an image linked -Wl,-N that have a page of their own) pay
 * nothing extra, but a global on the page where .text ends pays as code.
 *
 * Memory map: the ELF segments as linked (lld's default base 0x10000 is fine), the heap from
 * the page after the image (EEK_SYS_BRK), a guard page, and at the top of the frame's guest
 * memory (1 MiB by default; RISCVEnvironment.Configuration) the frame block (a header and up to
 * 16 KiB of calldata) with the stack below it: 64 KiB below the block's first page, so the
 * stack does not shrink when the calldata grows (84 KiB are kept for the two).
 *
 * Numbers are big-endian 32-byte words everywhere (as the EVM stores them), except the values
 * of EEK_SYS_SLOAD_LE / EEK_SYS_SSTORE_LE (little-endian, so that a contract computing on
 * 64-bit limbs needs no byte swaps); addresses are 20 bytes.
 */
#ifndef EEKIT_H
#define EEKIT_H

#include <stddef.h>
#include <stdint.h>

/* Usable from C (C99 and later) and C++ (C++11 and later): the declarations have C linkage, so
   a C++ contract's eekit_main is the symbol crt0 calls. */
#ifdef __cplusplus
extern "C" {
#endif

/* The memory functions eekit_rt.c defines (a freestanding build has no <string.h>; these are
   its declarations, so including both is fine in C). A contract, C or C++, needs nothing more;
   a hosted C++ build that includes this header (a host-side test, say) includes <string.h>
   first, as glibc declares them noexcept. */
void *memcpy(void *__restrict dst, const void *__restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#define EEK_SYS_RETURN          0x10000 /* (ptr, len)                          noreturn        */
#define EEK_SYS_REVERT          0x10001 /* (ptr, len)                          noreturn        */
#define EEK_SYS_CALLDATA_SIZE   0x10002 /* ()                                  -> a0 size      */
#define EEK_SYS_CALLDATA_COPY   0x10003 /* (dst, offset, len): bytes past the end read as 0    */
#define EEK_SYS_CALLER          0x10004 /* (dst20): msg.sender                                 */
#define EEK_SYS_ADDRESS         0x10005 /* (dst20): address(this)                              */
#define EEK_SYS_CALLVALUE       0x10006 /* (dst32): msg.value                                  */
#define EEK_SYS_CONTEXT         0x10007 /* (EEK_CTX_*, dst32): one context word                */
#define EEK_SYS_GAS_LEFT        0x10008 /* ()  -> a0 = gas left (RV32: a0 low, a1 high half)   */
#define EEK_SYS_SLOAD           0x10009 /* (key32, dst32)                                      */
#define EEK_SYS_SSTORE          0x1000A /* (key32, value32)                                    */
#define EEK_SYS_TLOAD           0x1000B /* (key32, dst32)   EIP-1153 transient storage         */
#define EEK_SYS_TSTORE          0x1000C /* (key32, value32)                                    */
#define EEK_SYS_LOG             0x1000D /* (topics, ntopics 0..4, data, len); topics: n*32 B   */
#define EEK_SYS_KECCAK256       0x1000E /* (ptr, len, dst32)                                   */
#define EEK_SYS_RETURNDATA_SIZE 0x1000F /* ()                                  -> a0 size      */
#define EEK_SYS_RETURNDATA_COPY 0x10010 /* (dst, offset, len): past the end fails the frame    */
#define EEK_SYS_CALL            0x10011 /* (kind, target20, value32|0, data, len, gas)
                                           -> a0 = EEK_SUCCESS/EEK_REVERTED/EEK_FAILED,
                                              a1 = returndata size                             */
#define EEK_SYS_CREATE          0x10012 /* (initcode, len, value32|0, salt32|0, dst20, ee)
                                           salt pointer 0 = CREATE, any other = CREATE2
                                           with that word (zero included); ee = EEK_EE_*;
                                           -> a0 status, a1 returndata size; dst20 receives the
                                              new address on success                           */
#define EEK_SYS_BALANCE         0x10013 /* (addr20, dst32)                                     */
#define EEK_SYS_BRK             0x10014 /* (new break; 0 queries) -> a0 = the break            */
/* SLOAD / SSTORE with the value in little-endian byte order (a u256's limbs in guest memory, no
   byte swapping in the contract); the key stays a big-endian word. Same costs and rules. */
#define EEK_SYS_SLOAD_LE        0x10015 /* (key32, dst32 little-endian)                        */
#define EEK_SYS_SSTORE_LE       0x10016 /* (key32, value32 little-endian)                      */
/* Other accounts' code and the block hashes (EXTCODESIZE / EXTCODEHASH / EXTCODECOPY /
   BLOCKHASH). An account without code has size 0; the hash of an account that does not exist
   or is empty (EIP-161) is 0, of one with no code keccak256(""); a native contract's code is
   its ELF. Block hashes are those of the 256 blocks before this one, 0 for any other number. */
#define EEK_SYS_CODE_SIZE       0x10017 /* (addr20)                            -> a0 size      */
#define EEK_SYS_CODE_HASH       0x10018 /* (addr20, dst32)                                     */
#define EEK_SYS_CODE_COPY       0x10019 /* (addr20, dst, offset, len): past the end reads as 0 */
#define EEK_SYS_BLOCK_HASH      0x1001A /* (number, dst32)                                     */
/* BLOBHASH: the transaction's EIP-4844 versioned hash number `index`, 0 past the last one. */
#define EEK_SYS_BLOB_HASH       0x1001B /* (index, dst32)                                      */
/* SELFDESTRUCT with EIP-6780's rules: the balance goes to the beneficiary; the account (code,
   storage) is deleted at the end of the transaction only if this transaction created it. Ends
   the frame with success and empty output. Under a fork before Cancun (a host run with --fork)
   the fork's rules apply, as to the EVM's SELFDESTRUCT: the account is always deleted, and
   before London the first one refunds 24,000. Two more things follow the fork as in the EVM:
   CREATE's EIP-3860 charge and init-code limit (from Shanghai), and the coinbase being warm
   (EIP-3651, from Shanghai: BALANCE / CODE_* of it cost 2600 before). Every other system call
   is the same under every fork. */
#define EEK_SYS_SELFDESTRUCT    0x1001C /* (beneficiary20)                     noreturn        */
/* REVERT with the last call's returndata as the revert data (3 gas per word, no copy through
   guest memory): how Solidity and Vyper pass a failed callee's revert data on. */
#define EEK_SYS_REVERT_RETURNDATA 0x1001D /* ()                                 noreturn        */
#define EEK_SYS_RETURN_RETURNDATA 0x1001E /* ()                                 noreturn        */

/* EEK_SYS_CALL kinds. A delegate call from a static frame is static too. The value argument
   (a pointer to a 32-byte word, or 0 for none) counts for EEK_CALL and EEK_CALL_CODE only: a
   static call sends none and a delegate call keeps this frame's value, as STATICCALL and
   DELEGATECALL do (neither takes a value), whatever the pointer. Any other kind, and an EE
   kind other than EEK_EE_* for EEK_SYS_CREATE, fails the calling frame. */
#define EEK_CALL          0
#define EEK_CALL_STATIC   1
#define EEK_CALL_DELEGATE 2
#define EEK_CALL_CODE     3

/* Call / create results (a0). */
#define EEK_SUCCESS  0
#define EEK_REVERTED 1 /* the callee reverted; its revert data is the returndata   */
#define EEK_FAILED   2 /* the callee failed (trap, out of gas, depth, balance, ...) */

/* EE kinds for EEK_SYS_CREATE (the code format of the deployment data). The EE registered for
   the kind checks the data; a kind no EE is registered for (WASM until EEKit's WASM EE lands)
   is a failed deployment: a0 = EEK_FAILED, and the calling frame goes on. */
#define EEK_EE_EVM   1
#define EEK_EE_WASM  2
#define EEK_EE_RISCV 3

/* EEK_SYS_CONTEXT ids. */
#define EEK_CTX_CHAIN_ID       0
#define EEK_CTX_BLOCK_NUMBER   1
#define EEK_CTX_TIMESTAMP      2
#define EEK_CTX_COINBASE       3
#define EEK_CTX_GAS_LIMIT      4 /* block gas limit */
#define EEK_CTX_BASE_FEE       5 /* 0 before London, whose blocks have no base fee */
#define EEK_CTX_PREVRANDAO     6
#define EEK_CTX_ORIGIN         7
#define EEK_CTX_GAS_PRICE      8
#define EEK_CTX_CODE_ADDRESS   9 /* where the running code lives (differs for delegate calls) */
#define EEK_CTX_IS_CONSTRUCTOR 10
#define EEK_CTX_IS_STATIC      11
#define EEK_CTX_DEPTH          12
#define EEK_CTX_SELF_BALANCE   13
#define EEK_CTX_BLOB_BASE_FEE  14 /* EIP-7516; 0 before Cancun, whose blocks have no blobs */

/* Gas argument of EEK_SYS_CALL meaning "as much as allowed". */
#define EEK_GAS_ALL ((uintptr_t)-1)

/* Aligned so that copies and conversions move whole registers, not bytes; system calls
   accept any alignment. */
typedef struct { uint8_t b[20]; } __attribute__((aligned(4))) eek_address;
typedef struct { uint8_t b[32]; } __attribute__((aligned(8))) eek_word;

/* The frame block: what a frame's code needs most, written by EEKit at the top of guest
   memory, above the stack, before the first instruction; tp points at it. calldata[] holds the
   whole calldata when has_calldata is 1 (calldata_size <= EEK_FRAME_CALLDATA_MAX, and at most
   half the stack size, which matters only for stacks under 32 KiB); otherwise read it with
   EEK_SYS_CALLDATA_COPY. The same values as EEK_SYS_CALLDATA_SIZE / CALLER / ADDRESS /
   CALLVALUE return. Do not write to it. */
#define EEK_FRAME_CALLDATA_MAX 16384
typedef struct {
  uint64_t calldata_size;
  uint64_t has_calldata;
  eek_address caller;
  uint32_t pad0;
  eek_address self;
  uint32_t pad1;
  eek_word callvalue;
/* "GCC diagnostic" pragmas: clang and GCC both take them (clang ignores "clang diagnostic"
   pragmas of GCC's and vice versa would warn under -Wall). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic" /* C++ -Wpedantic: the flexible array member */
  uint8_t calldata[];
#pragma GCC diagnostic pop
} eek_frame;
#ifdef __cplusplus
static_assert(
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic" /* C99 -Wpedantic: _Static_assert is C11 */
_Static_assert(
#endif
    __builtin_offsetof(eek_frame, callvalue) == 64 && __builtin_offsetof(eek_frame, calldata) == 96,
    "eek_frame layout (RISCVEnvironment.writeFrameBlock)");
#ifndef __cplusplus
#pragma GCC diagnostic pop
#endif
static inline const eek_frame *eek_frame_block(void) {
  const eek_frame *f;
  __asm__("mv %0, tp" : "=r"(f));
  return f;
}

/* Raw system calls. */
static inline uintptr_t eek_syscall6(uintptr_t n, uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3,
                                     uintptr_t a4, uintptr_t a5, uintptr_t *r1) {
  register uintptr_t x10 __asm__("a0") = a0;
  register uintptr_t x11 __asm__("a1") = a1;
  register uintptr_t x12 __asm__("a2") = a2;
  register uintptr_t x13 __asm__("a3") = a3;
  register uintptr_t x14 __asm__("a4") = a4;
  register uintptr_t x15 __asm__("a5") = a5;
  register uintptr_t x17 __asm__("a7") = n;
  __asm__ volatile("ecall"
                   : "+r"(x10), "+r"(x11)
                   : "r"(x12), "r"(x13), "r"(x14), "r"(x15), "r"(x17)
                   : "memory");
  if (r1) *r1 = x11;
  return x10;
}
/* Fewer arguments, fewer instructions: a system call reads only the registers it takes. */
static inline uintptr_t eek_syscall4(uintptr_t n, uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3) {
  register uintptr_t x10 __asm__("a0") = a0;
  register uintptr_t x11 __asm__("a1") = a1;
  register uintptr_t x12 __asm__("a2") = a2;
  register uintptr_t x13 __asm__("a3") = a3;
  register uintptr_t x17 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(x10), "+r"(x11) : "r"(x12), "r"(x13), "r"(x17) : "memory");
  return x10;
}
static inline uintptr_t eek_syscall3(uintptr_t n, uintptr_t a0, uintptr_t a1, uintptr_t a2) {
  register uintptr_t x10 __asm__("a0") = a0;
  register uintptr_t x11 __asm__("a1") = a1;
  register uintptr_t x12 __asm__("a2") = a2;
  register uintptr_t x17 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(x10), "+r"(x11) : "r"(x12), "r"(x17) : "memory");
  return x10;
}
static inline uintptr_t eek_syscall2(uintptr_t n, uintptr_t a0, uintptr_t a1) {
  register uintptr_t x10 __asm__("a0") = a0;
  register uintptr_t x11 __asm__("a1") = a1;
  register uintptr_t x17 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(x10), "+r"(x11) : "r"(x17) : "memory");
  return x10;
}
static inline uintptr_t eek_syscall1(uintptr_t n, uintptr_t a0) {
  register uintptr_t x10 __asm__("a0") = a0;
  register uintptr_t x11 __asm__("a1");
  register uintptr_t x17 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(x10), "=r"(x11) : "r"(x17) : "memory");
  return x10;
}
static inline uintptr_t eek_syscall0(uintptr_t n) {
  register uintptr_t x10 __asm__("a0");
  register uintptr_t x11 __asm__("a1");
  register uintptr_t x17 __asm__("a7") = n;
  __asm__ volatile("ecall" : "=r"(x10), "=r"(x11) : "r"(x17) : "memory");
  return x10;
}
#define EEK_SYS(n, a0, a1, a2) eek_syscall3((n), (uintptr_t)(a0), (uintptr_t)(a1), (uintptr_t)(a2))
#define EEK_SYS0(n) eek_syscall0((n))
#define EEK_SYS1(n, a0) eek_syscall1((n), (uintptr_t)(a0))
#define EEK_SYS2(n, a0, a1) eek_syscall2((n), (uintptr_t)(a0), (uintptr_t)(a1))

__attribute__((noreturn)) static inline void eek_return(const void *p, size_t n) {
  EEK_SYS2(EEK_SYS_RETURN, p, n);
  __builtin_unreachable();
}
__attribute__((noreturn)) static inline void eek_revert(const void *p, size_t n) {
  EEK_SYS2(EEK_SYS_REVERT, p, n);
  __builtin_unreachable();
}
/* From the frame block when there is one (no system call, no gas beyond the instructions). */
static inline size_t eek_calldata_size(void) {
  const eek_frame *f = eek_frame_block();
  return f ? (size_t)f->calldata_size : EEK_SYS0(EEK_SYS_CALLDATA_SIZE);
}
/* Bytes past the end of the calldata read as 0. Up to 64 bytes are copied from the frame block
   by guest instructions (no system call); longer copies go through EEK_SYS_CALLDATA_COPY, whose
   3 gas per 32-byte word is several times cheaper than a guest copy loop (up to 12 gas per word
   at register alignment, about 90 unaligned). */
static inline void eek_calldata_copy(void *dst, size_t off, size_t n) {
  const eek_frame *f = eek_frame_block();
  if (!f || !f->has_calldata || n > 64) {
    EEK_SYS(EEK_SYS_CALLDATA_COPY, dst, off, n);
    return;
  }
  size_t size = (size_t)f->calldata_size, have = off < size ? size - off : 0;
  if (have > n) have = n;
  __builtin_memcpy(dst, f->calldata + off, have);
  __builtin_memset((uint8_t *)dst + have, 0, n - have);
}
static inline void eek_caller(eek_address *a) {
  const eek_frame *f = eek_frame_block();
  if (f) *a = f->caller; else EEK_SYS1(EEK_SYS_CALLER, a);
}
static inline void eek_self(eek_address *a) {
  const eek_frame *f = eek_frame_block();
  if (f) *a = f->self; else EEK_SYS1(EEK_SYS_ADDRESS, a);
}
/* Ends the frame with success, the last callee's returndata as the output (a proxy forwarding a
   call's result), of any size, without a copy through guest memory (3 gas per word). */
__attribute__((noreturn)) static inline void eek_return_returndata(void) {
  EEK_SYS0(EEK_SYS_RETURN_RETURNDATA);
  __builtin_unreachable();
}
static inline void eek_callvalue(eek_word *v) {
  const eek_frame *f = eek_frame_block();
  if (f) *v = f->callvalue; else EEK_SYS1(EEK_SYS_CALLVALUE, v);
}
static inline void eek_context(int id, eek_word *v) { EEK_SYS2(EEK_SYS_CONTEXT, id, v); }
static inline uint64_t eek_gas_left(void) {
  uintptr_t hi = 0;
  uintptr_t lo = eek_syscall6(EEK_SYS_GAS_LEFT, 0, 0, 0, 0, 0, 0, &hi);
  return sizeof(uintptr_t) == 4 ? ((uint64_t)hi << 32 | (uint32_t)lo) : (uint64_t)lo;
}
static inline void eek_sload(const eek_word *k, eek_word *v) { EEK_SYS2(EEK_SYS_SLOAD, k, v); }
static inline void eek_sstore(const eek_word *k, const eek_word *v) { EEK_SYS2(EEK_SYS_SSTORE, k, v); }
static inline void eek_tload(const eek_word *k, eek_word *v) { EEK_SYS2(EEK_SYS_TLOAD, k, v); }
static inline void eek_tstore(const eek_word *k, const eek_word *v) { EEK_SYS2(EEK_SYS_TSTORE, k, v); }
static inline void eek_log(const eek_word *topics, size_t ntopics, const void *data, size_t n) {
  eek_syscall4(EEK_SYS_LOG, (uintptr_t)topics, ntopics, (uintptr_t)data, n);
}
static inline void eek_keccak256(const void *p, size_t n, eek_word *out) { EEK_SYS(EEK_SYS_KECCAK256, p, n, out); }
static inline size_t eek_returndata_size(void) { return EEK_SYS0(EEK_SYS_RETURNDATA_SIZE); }
static inline void eek_returndata_copy(void *dst, size_t off, size_t n) { EEK_SYS(EEK_SYS_RETURNDATA_COPY, dst, off, n); }
/* Returns EEK_SUCCESS / EEK_REVERTED / EEK_FAILED; *retlen (if not NULL) = returndata size.
   gas is 64 bits on both XLENs (eek_gas_left() - reserve is the usual argument); the system
   call takes one register, so on RV32 a request of 2^32 or more asks for 2^32-2 gas (never
   more than requested; the callee gets at most all but 1/64 of what is left, as always) rather
   than being cut to its low 32 bits. EEK_GAS_ALL itself asks for as much as allowed; on RV32 it
   is 2^32-1, so a request of exactly 2^32-1 gas is the same as EEK_GAS_ALL there. */
static inline int eek_call(uintptr_t kind, const eek_address *to, const eek_word *value, const void *data, size_t n,
                           uint64_t gas, size_t *retlen) {
  uintptr_t r1 = 0;
  uintptr_t g = gas == (uint64_t)EEK_GAS_ALL       ? EEK_GAS_ALL
                : gas >= (uint64_t)EEK_GAS_ALL ? EEK_GAS_ALL - 1
                                                   : (uintptr_t)gas;
  int s = (int)eek_syscall6(EEK_SYS_CALL, kind, (uintptr_t)to, (uintptr_t)value, (uintptr_t)data, n, g, &r1);
  if (retlen) *retlen = r1;
  return s;
}
/* salt NULL: CREATE; any other pointer: CREATE2 with the word it points to (an all-zero word is
   CREATE2 with salt 0). eek_create_rd also gives the returndata size (the constructor's revert
   data when it reverted, 0 after a success), as eek_call's retlen. */
static inline int eek_create_rd(const void *code, size_t n, const eek_word *value, const eek_word *salt, uintptr_t ee,
                                eek_address *out, size_t *retlen) {
  uintptr_t r1 = 0;
  int s = (int)eek_syscall6(EEK_SYS_CREATE, (uintptr_t)code, n, (uintptr_t)value, (uintptr_t)salt,
                            (uintptr_t)out, ee, &r1);
  if (retlen) *retlen = r1;
  return s;
}
static inline int eek_create(const void *code, size_t n, const eek_word *value, const eek_word *salt, uintptr_t ee,
                             eek_address *out) {
  return eek_create_rd(code, n, value, salt, ee, out, 0);
}
static inline void eek_balance(const eek_address *a, eek_word *v) { EEK_SYS2(EEK_SYS_BALANCE, a, v); }
static inline uintptr_t eek_brk(uintptr_t nb) { return EEK_SYS1(EEK_SYS_BRK, nb); }
/* n bytes from the heap: 16-byte aligned, zeroed (a frame starts with an empty, zeroed heap),
   never freed (a frame is short-lived); a heap past its limit fails the frame, and so does a
   size that passes the end of the address space (it asks for a break no heap has: it used to
   revert, which handed the caller its gas back). */
static inline void *eek_alloc(size_t n) {
  uintptr_t b = (eek_brk(0) + 15) & ~(uintptr_t)15;
  eek_brk(n > UINTPTR_MAX - b ? UINTPTR_MAX : b + n);
  return (void *)b;
}
static inline size_t eek_code_size(const eek_address *a) { return EEK_SYS1(EEK_SYS_CODE_SIZE, a); }
static inline void eek_code_hash(const eek_address *a, eek_word *h) { EEK_SYS2(EEK_SYS_CODE_HASH, a, h); }
static inline void eek_code_copy(const eek_address *a, void *dst, size_t off, size_t n) {
  eek_syscall4(EEK_SYS_CODE_COPY, (uintptr_t)a, (uintptr_t)dst, off, n);
}
/* RV32: numbers above 2^32 - 1 cannot be asked for (no such block exists yet). */
static inline void eek_block_hash(uintptr_t number, eek_word *h) { EEK_SYS2(EEK_SYS_BLOCK_HASH, number, h); }
static inline void eek_blob_hash(uintptr_t index, eek_word *h) { EEK_SYS2(EEK_SYS_BLOB_HASH, index, h); }
__attribute__((noreturn)) static inline void eek_selfdestruct(const eek_address *beneficiary) {
  EEK_SYS1(EEK_SYS_SELFDESTRUCT, beneficiary);
  __builtin_unreachable();
}

/* The contract's entry point, called by crt0. */
void eekit_main(int is_constructor);

#ifdef __cplusplus
}
#endif

#endif
