/*
 * CEVM: the EVM interpreter core of EEKit (forks: Frontier to Cancun; see "forks" below).
 *
 * Pure C11 (plus the GNU computed-goto extension): no globals, no allocation, no I/O. The
 * host (Swift, or the C test host) owns every buffer: stack, memory, analysed code, calldata,
 * return data. State access goes through a vtable of function pointers (cevm_host) plus an
 * opaque context pointer.
 *
 * Conventions
 *  - cevm_u256 holds a 256-bit word as 4 x uint64_t limbs in LITTLE-ENDIAN LIMB ORDER:
 *    w[0] is the least significant 64 bits, w[3] the most significant. Stack items, storage
 *    keys/values, balances and the call value are cevm_u256.
 *  - cevm_bytes32 is 32 bytes in big-endian (EVM memory) order: hashes (block hash, code hash,
 *    blob hashes, prevrandao, log topics).
 *  - cevm_address is 20 bytes, big-endian as written in hex.
 *  - Gas is int64_t. The refund counter is int64_t and may go negative inside one frame
 *    (EIP-3529 subtractions); the host adds a successful frame's refund into its caller's.
 *
 * Life of a frame
 *  1. Analyse the code once (cevm_analyze into a host buffer of cevm_analysis_size bytes,
 *     cache it by code hash).
 *  2. Fill a cevm_frame (cevm_frame_init sets the bookkeeping fields) and call cevm_run.
 *  3. cevm_run returns a status:
 *     - CEVM_STATUS_STOP / RETURN / SELFDESTRUCT: success; for RETURN the output is
 *       frame->memory[output_offset .. +output_size).
 *     - CEVM_STATUS_REVERT: output as for RETURN, the remaining frame->gas goes back.
 *     - CEVM_STATUS_CALL_REQUEST / CREATE_REQUEST: frame->request describes a sub-call. The
 *       core has already charged the caller for everything including the gas it passes
 *       (request.gas, which includes the 2300 stipend for value calls). The host runs the
 *       callee (its own frame stack, never recursion here) and then calls cevm_resume_call /
 *       cevm_resume_create, which push the result, copy the output, set RETURNDATA and
 *       continue running (they return the next status, like cevm_run).
 *     - >= CEVM_STATUS_FAILURE_FIRST: exceptional halt; all gas is consumed (frame->gas is 0),
 *       the host reverts the frame's state changes and discards its refund.
 *  Memory: frame->memory has frame->memory_capacity bytes, of which frame->memory_size (a
 *  multiple of 32, the EVM's MSIZE) are in use. When an instruction needs more than the
 *  capacity, the core calls host->memory_grow (from one non-inlined helper), which must make
 *  frame->memory point to a buffer of at least `needed` bytes keeping the first memory_size
 *  bytes (realloc semantics) and update memory_capacity. The core zero-fills the newly used
 *  bytes itself. A host may also preallocate a large buffer and return failure from
 *  memory_grow; the frame then fails with CEVM_STATUS_MEMORY_LIMIT. Offsets or sizes at or
 *  above 2^32 fail with out-of-gas (their expansion cost exceeds any block gas limit).
 *  Return data: the bytes passed to cevm_resume_* stay owned by the host and must remain
 *  valid until the frame's next request or its end.
 */
#ifndef CEVM_H
#define CEVM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cevm_u256 {
  uint64_t w[4]; /* little-endian limbs: w[0] least significant */
} cevm_u256;

typedef struct cevm_bytes32 {
  uint8_t bytes[32];
} cevm_bytes32;

typedef struct cevm_address {
  uint8_t bytes[20];
} cevm_address;

/* ---- limits and constants (Cancun) ---- */
#define CEVM_STACK_LIMIT 1024
#define CEVM_MAX_CODE_SIZE 24576          /* EIP-170 */
#define CEVM_MAX_INITCODE_SIZE 49152      /* EIP-3860 */
#define CEVM_CODE_PADDING 33              /* zero bytes after the code in the analysis buffer */
#define CEVM_CALL_STIPEND 2300

/* ---- status codes, grouped in ranges so that one compare classifies them ---- */
typedef enum cevm_status {
  CEVM_STATUS_RUNNING = 0, /* internal / frame not finished yet */
  /* success: 0x01..0x0f */
  CEVM_STATUS_STOP = 0x01,
  CEVM_STATUS_RETURN = 0x02,
  CEVM_STATUS_SELFDESTRUCT = 0x03,
  /* revert: 0x10 */
  CEVM_STATUS_REVERT = 0x10,
  /* preemption for a sub-call: 0x20..0x2f */
  CEVM_STATUS_CALL_REQUEST = 0x20,
  CEVM_STATUS_CREATE_REQUEST = 0x21,
  /* failures (exceptional halts, all gas consumed): 0x40.. */
  CEVM_STATUS_FAILURE_FIRST = 0x40,
  CEVM_STATUS_OUT_OF_GAS = 0x40,
  CEVM_STATUS_STACK_UNDERFLOW = 0x41,
  CEVM_STATUS_STACK_OVERFLOW = 0x42,
  CEVM_STATUS_BAD_JUMP_DESTINATION = 0x43,
  CEVM_STATUS_INVALID_INSTRUCTION = 0x44, /* the designated INVALID opcode 0xfe */
  CEVM_STATUS_UNDEFINED_INSTRUCTION = 0x45,
  CEVM_STATUS_STATIC_MODE_VIOLATION = 0x46,
  CEVM_STATUS_RETURNDATA_OUT_OF_BOUNDS = 0x47,
  CEVM_STATUS_INITCODE_SIZE_EXCEEDED = 0x48,
  CEVM_STATUS_MEMORY_LIMIT = 0x49, /* host->memory_grow refused */
  CEVM_STATUS_INVALID_ARGUMENT = 0x4a, /* bad frame (e.g. resume without a pending request) */
} cevm_status;

static inline int cevm_status_is_success(int s) { return s > 0 && s < 0x10; }
static inline int cevm_status_is_request(int s) { return s >= 0x20 && s < 0x30; }
static inline int cevm_status_is_failure(int s) { return s >= CEVM_STATUS_FAILURE_FIRST; }
/* Short name ("STOP", "OUT_OF_GAS", ...). Never NULL. */
const char *cevm_status_name(int status);

/* ---- forks ----
   The rules the core applies: 0, the value of a zeroed context, is the newest (Osaka);
   larger values are older forks, back to Frontier (14). cevm_run refuses a larger value.
   Opcodes a fork does not define are replaced by cevm_analyze_revision: before Osaka CLZ, before Cancun TLOAD,
   TSTORE, MCOPY, BLOBHASH and BLOBBASEFEE, before Shanghai PUSH0, before London BASEFEE,
   before Istanbul CHAINID and SELFBALANCE, before Constantinople SHL, SHR, SAR, EXTCODEHASH
   and CREATE2, before Byzantium REVERT, RETURNDATASIZE, RETURNDATACOPY and STATICCALL, before
   Homestead DELEGATECALL. The loop applies the gas rules: EIP-3860 in CREATE / CREATE2 from
   Shanghai; the EIP-3529 clear refund (4,800, 15,000 before London); EIP-2929 cold and warm
   access from Berlin and the flat prices before it (EIP-1884 in Istanbul, EIP-150 in Tangerine
   Whistle, Frontier's below); SSTORE by EIP-2200 (Istanbul on), EIP-1283 (Constantinople
   only) or the original set / reset rule; EXP's byte price (EIP-160, Spurious Dragon); the
   63/64 rule for calls and creates (EIP-150; before it a call passes the gas it asks for or
   fails, a create passes all); the 25,000 new-account charge of CALL and SELFDESTRUCT
   (host->account_is_empty answers the fork's question: "empty" from Spurious Dragon on,
   "does not exist" before; before it CALL pays it with or without value, SELFDESTRUCT from
   Tangerine Whistle). Everything else a fork changes (transaction rules, precompiles, refund
   cap, SELFDESTRUCT deletion, code deposit, account clearing, warm coinbase) is the host's. */
typedef enum cevm_revision {
  CEVM_REV_OSAKA = 0, /* EIP-7939: CLZ */
  CEVM_REV_PRAGUE = 1, /* EIP-7702: CALL* pay for the delegated address (the host runs its code) */
  CEVM_REV_CANCUN = 2,
  CEVM_REV_SHANGHAI = 3,
  CEVM_REV_PARIS = 4,
  CEVM_REV_LONDON = 5,
  CEVM_REV_BERLIN = 6,
  CEVM_REV_ISTANBUL = 7,
  CEVM_REV_PETERSBURG = 8, /* "ConstantinopleFix": Constantinople without EIP-1283 */
  CEVM_REV_CONSTANTINOPLE = 9,
  CEVM_REV_BYZANTIUM = 10,
  CEVM_REV_SPURIOUS_DRAGON = 11, /* "EIP158" in the test fixtures */
  CEVM_REV_TANGERINE_WHISTLE = 12, /* "EIP150" */
  CEVM_REV_HOMESTEAD = 13,
  CEVM_REV_FRONTIER = 14,
  CEVM_REV_OLDEST = CEVM_REV_FRONTIER,
} cevm_revision;
/* EIP-7702 delegation designator: 0xef 0x01 0x00 and the delegate's 20-byte address. */
#define CEVM_DELEGATION_SIZE 23
/* 1 if `rev` has the rules of `fork` (is that fork or a later one). */
#define CEVM_REV_AT_LEAST(rev, fork) ((rev) <= (fork))
/* The byte cevm_analyze_revision puts in place of an opcode the fork does not define: it is
   undefined in every fork, so the loop fails on it as on any undefined opcode. */
#define CEVM_OPCODE_NOT_IN_FORK 0x0c

/* ---- block / transaction context: one struct, filled once per transaction ---- */
typedef struct cevm_context {
  cevm_address origin;
  cevm_address coinbase;
  cevm_u256 gas_price;
  cevm_u256 chain_id;
  cevm_u256 base_fee;
  cevm_u256 blob_base_fee;
  cevm_bytes32 prevrandao;
  uint64_t number;
  uint64_t timestamp;
  uint64_t gas_limit;
  const cevm_bytes32 *blob_hashes;
  size_t blob_hash_count;
  uint32_t revision; /* cevm_revision: the fork whose rules apply (0, Osaka, when zeroed) */
} cevm_context;

struct cevm_frame;

/* ---- host vtable. `ctx` is cevm_frame.host_ctx. Every function must be set. ---- */
typedef struct cevm_host {
  /* EIP-2929: mark (address) / (address, key) warm; return 1 if it already was warm. Called
     from Berlin on only. */
  int (*access_account)(void *ctx, const cevm_address *addr);
  int (*access_storage)(void *ctx, const cevm_address *addr, const cevm_u256 *key);
  /* Current value of a storage slot; if `original` is not NULL also the value it had at the
     start of the transaction (EIP-2200). */
  void (*sload)(void *ctx, const cevm_address *addr, const cevm_u256 *key, cevm_u256 *value,
                cevm_u256 *original);
  void (*sstore)(void *ctx, const cevm_address *addr, const cevm_u256 *key,
                 const cevm_u256 *value);
  void (*tload)(void *ctx, const cevm_address *addr, const cevm_u256 *key, cevm_u256 *value);
  void (*tstore)(void *ctx, const cevm_address *addr, const cevm_u256 *key,
                 const cevm_u256 *value);
  void (*balance)(void *ctx, const cevm_address *addr, cevm_u256 *out);
  size_t (*code_size)(void *ctx, const cevm_address *addr);
  /* Copy up to `len` code bytes starting at `offset` into dst; return the number copied
     (the core zero-fills the rest). */
  size_t (*code_copy)(void *ctx, const cevm_address *addr, size_t offset, uint8_t *dst,
                      size_t len);
  /* EIP-1052: keccak of the code, or all zero for a non-existent/empty account. */
  void (*code_hash)(void *ctx, const cevm_address *addr, cevm_bytes32 *out);
  /* Hash of block `number`; only called for the 256 blocks before the current one. */
  void (*block_hash)(void *ctx, uint64_t number, cevm_bytes32 *out);
  /* Whether `addr` counts as a new account for the 25,000 charge of CALL and SELFDESTRUCT:
     EIP-161 emptiness (no code, nonce 0, balance 0, or missing) from Spurious Dragon on; before
     it, that the account does not exist. */
  int (*account_is_empty)(void *ctx, const cevm_address *addr);
  void (*emit_log)(void *ctx, const cevm_address *addr, const cevm_bytes32 *topics,
                   size_t topic_count, const uint8_t *data, size_t data_size);
  /* SELFDESTRUCT of `addr` to `beneficiary`; EIP-6780 semantics live in the host. */
  void (*selfdestruct)(void *ctx, const cevm_address *addr, const cevm_address *beneficiary);
  /* See "Memory" above. Return 1 on success, 0 to refuse. */
  int (*memory_grow)(void *ctx, struct cevm_frame *frame, size_t needed);
  /* Optional (may be NULL): called before every instruction with the frame's pc, gas,
     stack and memory flushed (frame->pc, frame->gas, frame->stack_size, frame->memory_size).
     `static_cost` is the opcode's base gas from the table. */
  void (*trace)(void *ctx, const struct cevm_frame *frame, uint8_t opcode, int64_t static_cost);
  /* Optional (may be NULL): access_storage and sload in one call, as SLOAD and SSTORE need
     them: mark (address, key) warm, return 1 if it already was warm, and store the current
     value (and, if `original` is not NULL, the value at the start of the transaction). When
     NULL the core calls access_storage and sload. A host whose state lookup is costly (a hash
     map) answers both with one lookup. */
  int (*access_sload)(void *ctx, const cevm_address *addr, const cevm_u256 *key, cevm_u256 *value,
                      cevm_u256 *original);
} cevm_host;

/* ---- the message that started the frame ---- */
typedef struct cevm_message {
  cevm_address caller;  /* CALLER */
  cevm_address address; /* ADDRESS: storage / balance context */
  cevm_u256 value;      /* CALLVALUE */
  uint32_t is_static;
  int32_t depth; /* 0 for the transaction's top frame */
} cevm_message;

/* ---- sub-call request ---- */
typedef enum cevm_request_kind {
  CEVM_REQ_CALL = 0,
  CEVM_REQ_CALLCODE = 1,
  CEVM_REQ_DELEGATECALL = 2,
  CEVM_REQ_STATICCALL = 3,
  CEVM_REQ_CREATE = 4,
  CEVM_REQ_CREATE2 = 5,
} cevm_request_kind;

typedef struct cevm_request {
  uint32_t kind;   /* cevm_request_kind */
  int64_t gas;     /* gas for the callee, after the 63/64 rule, including the stipend */
  cevm_address target; /* calls: the account whose code runs (code address) */
  cevm_u256 value; /* CALL/CALLCODE/CREATE*: transferred value; DELEGATECALL: the current
                      frame's CALLVALUE (apparent value); STATICCALL: 0 */
  /* Calls: input; CREATE*: init code. Both in frame->memory. Sizes of 0 mean no bytes (the
     offset is then meaningless). */
  size_t input_offset, input_size;
  size_t output_offset, output_size; /* calls: where the core copies returned bytes */
  cevm_u256 salt; /* CREATE2 */
} cevm_request;

/* ---- the frame: all execution state of one EVM call frame ---- */
typedef struct cevm_frame {
  /* set by the host before the first cevm_run */
  const uint8_t *analysis; /* cevm_analyze output for `code_size` bytes of code */
  size_t code_size;
  /* The code as it is, for CODECOPY, when cevm_analyze_revision replaced opcodes in the
     analysis's copy; NULL (zeroed): that copy is the code. Set it with `analysis` for every
     frame (cevm_frame_init does not touch it): a reused frame must not keep another code's. */
  const uint8_t *code;
  const uint8_t *calldata;
  size_t calldata_size;
  cevm_message msg;
  const cevm_context *context;
  const cevm_host *host;
  void *host_ctx;
  cevm_u256 *stack;  /* CEVM_STACK_LIMIT items, bottom at stack[0] */
  uint8_t *memory;   /* may be NULL with capacity 0 */
  size_t memory_capacity;
  int64_t gas;

  /* bookkeeping (cevm_frame_init zeroes it; read by the host) */
  size_t pc;
  uint32_t stack_size;
  uint32_t pending; /* 0, or the status of an unserved request */
  size_t memory_size;
  int64_t refund;
  const uint8_t *return_data;
  size_t return_data_size;
  size_t output_offset, output_size; /* RETURN / REVERT */
  cevm_request request;
} cevm_frame;

/* Zero the bookkeeping fields (pc, stack, memory size, refund, return data, output). */
void cevm_frame_init(cevm_frame *frame);

/* Run (or continue) the frame until it ends or requests a sub-call. */
int cevm_run(cevm_frame *frame);

/* Finish a CALL request: success = 1 (callee returned/stopped), 0 (reverted or failed).
   gas_left: gas the callee did not use (0 after a failure). ret/ret_size: the callee's output
   (empty after a failure), which becomes RETURNDATA. Then continues running. */
int cevm_resume_call(cevm_frame *frame, int success, int64_t gas_left, const uint8_t *ret,
                     size_t ret_size);

/* Finish a CREATE request: created = the new address, or NULL if creation failed/reverted.
   ret/ret_size become RETURNDATA (the revert data after a revert, empty otherwise). */
int cevm_resume_create(cevm_frame *frame, const cevm_address *created, int64_t gas_left,
                       const uint8_t *ret, size_t ret_size);

/* ---- code analysis ----
   The analysis buffer holds the code followed by CEVM_CODE_PADDING zero bytes, then the
   jumpdest bitmap (bit i of byte i/8 set if code[i] is a JUMPDEST outside push data). */
size_t cevm_analysis_size(size_t code_size);
void cevm_analyze(const uint8_t *code, size_t code_size, uint8_t *analysis);
/* The same for an older fork (cevm_revision): opcodes the fork does not define are replaced by
   CEVM_OPCODE_NOT_IN_FORK in the copy (push data is untouched); returns how many were. The
   frame's context must then carry the same revision, and when any was replaced the frame's
   `code` must point to the code as it is (CODECOPY copies the real bytes). */
size_t cevm_analyze_revision(const uint8_t *code, size_t code_size, uint32_t revision, uint8_t *analysis);
/* The oldest fork (cevm_revision) that defines `opcode`: CEVM_REV_FRONTIER for the original
   set, e.g. CEVM_REV_SHANGHAI for PUSH0; -1 for an opcode no fork up to Osaka defines. */
int cevm_opcode_first_revision(uint8_t opcode);
/* 1 if `pc` is a valid jump destination according to an analysis buffer. */
int cevm_is_jumpdest(const uint8_t *analysis, size_t code_size, uint64_t pc);

/* ---- opcode table queries (from evm_opcodes.def) ---- */
enum {
  CEVM_OPF_TERMINATES = 1,   /* ends the frame (STOP, RETURN, REVERT, INVALID, SELFDESTRUCT) */
  CEVM_OPF_WRITES_STATE = 2, /* forbidden in a static context */
  CEVM_OPF_JUMP = 4,         /* JUMP, JUMPI */
  CEVM_OPF_CALLS = 8,        /* CALL*, CREATE* (preempts) */
  CEVM_OPF_FORK_GAS = 16,    /* base_gas is Berlin's to Cancun's; older forks price it otherwise */
};

typedef struct cevm_opcode_info {
  const char *name; /* NULL for undefined opcodes */
  uint16_t base_gas;
  uint8_t stack_in;
  uint8_t stack_out;
  uint8_t immediate_size;
  uint8_t flags;
} cevm_opcode_info;

/* Returns 1 and fills `info` for a defined opcode; 0 (info->name = NULL) otherwise. */
int cevm_opcode_get_info(uint8_t opcode, cevm_opcode_info *info);

/* Disassemble into `out` (at most out_cap bytes, NUL-terminated if out_cap > 0), one line
   per instruction: "<pc hex 4+ digits>: NAME[ 0xIMM]\n"; undefined bytes print as
   "UNDEFINED(0xNN)", a truncated push as "PUSHn 0x.. (truncated)". Returns the length of the
   full text (excluding the NUL), like snprintf. */
size_t cevm_disasm(const uint8_t *code, size_t code_size, char *out, size_t out_cap);

/* ---- helpers for the host ---- */
void cevm_keccak256(const uint8_t *data, size_t len, uint8_t out[32]);
void cevm_keccak_f1600(uint64_t state[25]);
/* The two implementations behind cevm_keccak_f1600 (for tests and benchmarks): the portable
   one, and the AVX-512VL one, which may only be called when cevm_keccak_f1600_has_avx512vl()
   (it falls back to the portable one on non-x86 builds). */
void cevm_keccak_f1600_scalar(uint64_t state[25]);
void cevm_keccak_f1600_avx512vl(uint64_t state[25]);
int cevm_keccak_f1600_has_avx512vl(void);
/* EIP-170 / EIP-3541 check for deployed code: 0 if ok, else the failure status
   (CEVM_STATUS_OUT_OF_GAS is what Ethereum reports for both). */
int cevm_check_deployed_code(const uint8_t *code, size_t size);
/* Gas for depositing `size` bytes of code (200 per byte). */
static inline int64_t cevm_code_deposit_cost(size_t size) { return (int64_t)size * 200; }
/* EIP-3860 + CREATE base: gas the core charges for a CREATE/CREATE2 of `initcode_size` bytes,
   excluding memory expansion. */
int64_t cevm_create_cost(int is_create2, size_t initcode_size);

/* Big-endian bytes <-> cevm_u256. */
void cevm_u256_from_be(cevm_u256 *out, const uint8_t be[32]);
void cevm_u256_to_be(uint8_t be[32], const cevm_u256 *v);

#ifdef __cplusplus
}
#endif

#endif /* CEVM_H */
