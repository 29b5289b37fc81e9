/*
 * CEVM interpreter entry points, helpers, code analysis and the table-driven queries.
 * The loop itself is in evm_loop.inc (instantiated twice: fast and traced).
 */
#include "CEVM.h"
#include "cevm_u256.h"

#include <string.h>

/* ---- compile-time constants from the opcode table ---- */
enum {
#define CEVM_OP(NAME, CODE, GAS, IN, OUT, IMM, FLAGS)                                  \
  CEVM_OPCODE_##NAME = CODE, CEVM_OPGAS_##NAME = GAS, CEVM_OPIN_##NAME = IN,           \
  CEVM_OPOUT_##NAME = OUT, CEVM_OPFLAGS_##NAME = (FLAGS),
#include "evm_opcodes.def"
};

/* ---- prices that depend on the fork (the opcodes flagged F, and EXP's byte price) ---- */
enum {
  CEVM_FG_BALANCE,     /* BALANCE */
  CEVM_FG_EXTCODE,     /* EXTCODESIZE, EXTCODECOPY (before its copy words) */
  CEVM_FG_EXTCODEHASH, /* EXTCODEHASH (Constantinople on) */
  CEVM_FG_SLOAD,       /* SLOAD; also the "no-op / dirty" price of net-metered SSTORE */
  CEVM_FG_CALL,        /* CALL, CALLCODE, DELEGATECALL, STATICCALL (before value and new account) */
  CEVM_FG_SELFDESTRUCT,
  CEVM_FG_EXP_BYTE,    /* EXP, per byte of the exponent */
  CEVM_FG_COUNT
};
/* Row = cevm_revision. From Berlin on BALANCE, EXT*, SLOAD and CALL* are the EIP-2929 warm
   price (a cold access adds its surcharge in the handler). */
static const uint16_t cevm_fork_gas[CEVM_REV_OLDEST + 1][CEVM_FG_COUNT] = {
    [CEVM_REV_OSAKA] = {100, 100, 100, 100, 100, 5000, 50},
    [CEVM_REV_PRAGUE] = {100, 100, 100, 100, 100, 5000, 50},
    [CEVM_REV_CANCUN] = {100, 100, 100, 100, 100, 5000, 50},
    [CEVM_REV_SHANGHAI] = {100, 100, 100, 100, 100, 5000, 50},
    [CEVM_REV_PARIS] = {100, 100, 100, 100, 100, 5000, 50},
    [CEVM_REV_LONDON] = {100, 100, 100, 100, 100, 5000, 50},
    [CEVM_REV_BERLIN] = {100, 100, 100, 100, 100, 5000, 50},
    [CEVM_REV_ISTANBUL] = {700, 700, 700, 800, 700, 5000, 50},         /* EIP-1884 */
    [CEVM_REV_PETERSBURG] = {400, 700, 400, 200, 700, 5000, 50},       /* EIP-1052 */
    [CEVM_REV_CONSTANTINOPLE] = {400, 700, 400, 200, 700, 5000, 50},
    [CEVM_REV_BYZANTIUM] = {400, 700, 400, 200, 700, 5000, 50},
    [CEVM_REV_SPURIOUS_DRAGON] = {400, 700, 400, 200, 700, 5000, 50},  /* EIP-160 */
    [CEVM_REV_TANGERINE_WHISTLE] = {400, 700, 400, 200, 700, 5000, 10}, /* EIP-150 */
    [CEVM_REV_HOMESTEAD] = {20, 20, 400, 50, 40, 0, 10},
    [CEVM_REV_FRONTIER] = {20, 20, 400, 50, 40, 0, 10},
};

/* The fork's base price of an opcode flagged F (for the trace hook's static_cost). */
static int64_t cevm_fork_base_gas(uint8_t op, uint32_t rev) {
  const uint16_t *g = cevm_fork_gas[rev];
  switch (op) {
  case CEVM_OPCODE_BALANCE: return g[CEVM_FG_BALANCE];
  case CEVM_OPCODE_EXTCODESIZE: case CEVM_OPCODE_EXTCODECOPY: return g[CEVM_FG_EXTCODE];
  case CEVM_OPCODE_EXTCODEHASH: return g[CEVM_FG_EXTCODEHASH];
  case CEVM_OPCODE_SLOAD: return g[CEVM_FG_SLOAD];
  case CEVM_OPCODE_SELFDESTRUCT: return g[CEVM_FG_SELFDESTRUCT];
  default: return g[CEVM_FG_CALL]; /* CALL, CALLCODE, DELEGATECALL, STATICCALL */
  }
}

/* Sentinel gas value returned by cevm_expand_memory when the host refused to grow. */
#define CEVM_GAS_MEMORY_REFUSED INT64_MIN

/* ---- small helpers used by the loop ---- */
CEVM_INLINE void cevm_address_to_u256(u256 *r, const cevm_address *a) {
  uint8_t buf[32];
  memset(buf, 0, 12);
  memcpy(buf + 12, a->bytes, 20);
  u256_load_be(r, buf);
}

CEVM_INLINE void cevm_u256_to_address(cevm_address *a, const u256 *v) {
  uint8_t buf[32];
  u256_store_be(buf, v);
  memcpy(a->bytes, buf + 12, 20);
}

/* Copy len bytes from src[offset..] to dst, zero-filling past the end of src. */
static void cevm_copy_padded(uint8_t *dst, uint64_t len, const uint8_t *src, size_t src_size,
                             const u256 *offset) {
  size_t n = 0;
  if (u256_fits64(offset) && offset->w[0] < src_size) {
    size_t off = (size_t)offset->w[0];
    n = src_size - off;
    if (n > len) n = (size_t)len;
    memcpy(dst, src + off, n);
  }
  if (n < len) memset(dst + n, 0, (size_t)len - n);
}

static inline int64_t cevm_memory_cost(uint64_t bytes) {
  uint64_t words = (bytes + 31) / 32;
  return (int64_t)(3 * words + words * words / 512);
}

/* Expand memory to cover `end` bytes (end < 2^33): charge the expansion cost, grow the host
   buffer if needed, zero the new bytes. Returns the new gas (negative: out of gas, or
   CEVM_GAS_MEMORY_REFUSED). */
CEVM_NOINLINE int64_t cevm_expand_memory(cevm_frame *f, int64_t gas, uint64_t end) {
  uint64_t new_size = (end + 31) & ~(uint64_t)31;
  int64_t cost = cevm_memory_cost(new_size) - cevm_memory_cost(f->memory_size);
  gas -= cost;
  if (gas < 0) return -1;
  if (new_size > f->memory_capacity) {
    if (!f->host->memory_grow(f->host_ctx, f, (size_t)new_size) ||
        f->memory_capacity < new_size || f->memory == NULL)
      return CEVM_GAS_MEMORY_REFUSED;
  }
  memset(f->memory + f->memory_size, 0, (size_t)(new_size - f->memory_size));
  f->memory_size = (size_t)new_size;
  return gas;
}

/* ---- the two loop instantiations ---- */
#define CEVM_LOOP_NAME cevm_loop_fast
#define CEVM_LOOP_TRACING 0
#include "evm_loop.inc"
#undef CEVM_LOOP_NAME
#undef CEVM_LOOP_TRACING

#define CEVM_LOOP_NAME cevm_loop_traced
#define CEVM_LOOP_TRACING 1
#include "evm_loop.inc"
#undef CEVM_LOOP_NAME
#undef CEVM_LOOP_TRACING

/* ---- public entry points ---- */
void cevm_frame_init(cevm_frame *f) {
  f->pc = 0;
  f->stack_size = 0;
  f->pending = 0;
  f->memory_size = 0;
  f->refund = 0;
  f->return_data = NULL;
  f->return_data_size = 0;
  f->output_offset = 0;
  f->output_size = 0;
  memset(&f->request, 0, sizeof f->request);
}

static int cevm_frame_valid(const cevm_frame *f) {
  if (!f || !f->analysis || !f->host || !f->context || !f->stack) return 0;
  if (f->context->revision > CEVM_REV_OLDEST) return 0;
  if (f->stack_size > CEVM_STACK_LIMIT) return 0;
  if (f->pc > f->code_size + 1) return 0; /* pc may sit on the padding STOP */
  if (f->memory_size > f->memory_capacity || (f->memory_capacity && !f->memory)) return 0;
  if (f->calldata_size && !f->calldata) return 0;
  if (f->return_data_size && !f->return_data) return 0;
  return 1;
}

int cevm_run(cevm_frame *f) {
  if (!cevm_frame_valid(f) || f->pending) return CEVM_STATUS_INVALID_ARGUMENT;
  if (f->gas < 0) {
    f->gas = 0;
    return CEVM_STATUS_OUT_OF_GAS;
  }
  if (f->host->trace) return cevm_loop_traced(f);
  return cevm_loop_fast(f);
}

int cevm_resume_call(cevm_frame *f, int success, int64_t gas_left, const uint8_t *ret,
                     size_t ret_size) {
  if (!f || f->pending != CEVM_STATUS_CALL_REQUEST || gas_left < 0 || (ret_size && !ret))
    return CEVM_STATUS_INVALID_ARGUMENT;
  f->pending = 0;
  if (f->stack_size >= CEVM_STACK_LIMIT) return CEVM_STATUS_INVALID_ARGUMENT;
  u256_set64(&f->stack[f->stack_size++], success ? 1 : 0);
  if (__builtin_add_overflow(f->gas, gas_left, &f->gas)) return CEVM_STATUS_INVALID_ARGUMENT;
  size_t n = f->request.output_size < ret_size ? f->request.output_size : ret_size;
  if (n) {
    if (f->request.output_offset + n > f->memory_size) return CEVM_STATUS_INVALID_ARGUMENT;
    memcpy(f->memory + f->request.output_offset, ret, n);
  }
  f->return_data = ret;
  f->return_data_size = ret_size;
  return cevm_run(f);
}

int cevm_resume_create(cevm_frame *f, const cevm_address *created, int64_t gas_left,
                       const uint8_t *ret, size_t ret_size) {
  if (!f || f->pending != CEVM_STATUS_CREATE_REQUEST || gas_left < 0 || (ret_size && !ret))
    return CEVM_STATUS_INVALID_ARGUMENT;
  f->pending = 0;
  if (f->stack_size >= CEVM_STACK_LIMIT) return CEVM_STATUS_INVALID_ARGUMENT;
  u256 *slot = &f->stack[f->stack_size++];
  if (created) cevm_address_to_u256(slot, created);
  else u256_set64(slot, 0);
  if (__builtin_add_overflow(f->gas, gas_left, &f->gas)) return CEVM_STATUS_INVALID_ARGUMENT;
  f->return_data = ret;
  f->return_data_size = ret_size;
  return cevm_run(f);
}

/* ---- analysis ---- */
size_t cevm_analysis_size(size_t code_size) {
  return code_size + CEVM_CODE_PADDING + (code_size + 7) / 8 + 8;
}

void cevm_analyze(const uint8_t *code, size_t code_size, uint8_t *out) {
  if (code_size) memcpy(out, code, code_size);
  memset(out + code_size, 0, CEVM_CODE_PADDING);
  uint8_t *bits = out + code_size + CEVM_CODE_PADDING;
  memset(bits, 0, (code_size + 7) / 8 + 8);
  for (size_t i = 0; i < code_size; i++) {
    uint8_t op = code[i];
    if (op == CEVM_OPCODE_JUMPDEST) bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    else if (op >= CEVM_OPCODE_PUSH1 && op <= CEVM_OPCODE_PUSH32) i += op - CEVM_OPCODE_PUSH1 + 1;
  }
}

/* 1 if `op` is defined in the fork `rev` (every opcode of the table is defined in Osaka). */
static int cevm_defined_in(uint8_t op, uint32_t rev) {
  switch (op) {
  case CEVM_OPCODE_CLZ: return CEVM_REV_AT_LEAST(rev, CEVM_REV_OSAKA); /* EIP-7939 */
  case CEVM_OPCODE_TLOAD: case CEVM_OPCODE_TSTORE: case CEVM_OPCODE_MCOPY:
  case CEVM_OPCODE_BLOBHASH: case CEVM_OPCODE_BLOBBASEFEE:
    return CEVM_REV_AT_LEAST(rev, CEVM_REV_CANCUN);
  case CEVM_OPCODE_PUSH0: return CEVM_REV_AT_LEAST(rev, CEVM_REV_SHANGHAI);
  case CEVM_OPCODE_BASEFEE: return CEVM_REV_AT_LEAST(rev, CEVM_REV_LONDON);
  case CEVM_OPCODE_CHAINID: case CEVM_OPCODE_SELFBALANCE: /* EIP-1344, EIP-1884 */
    return CEVM_REV_AT_LEAST(rev, CEVM_REV_ISTANBUL);
  case CEVM_OPCODE_SHL: case CEVM_OPCODE_SHR: case CEVM_OPCODE_SAR: /* EIP-145 */
  case CEVM_OPCODE_EXTCODEHASH: case CEVM_OPCODE_CREATE2:           /* EIP-1052, EIP-1014 */
    return CEVM_REV_AT_LEAST(rev, CEVM_REV_CONSTANTINOPLE);
  case CEVM_OPCODE_REVERT: case CEVM_OPCODE_RETURNDATASIZE:          /* EIP-140, EIP-211 */
  case CEVM_OPCODE_RETURNDATACOPY: case CEVM_OPCODE_STATICCALL:      /* EIP-214 */
    return CEVM_REV_AT_LEAST(rev, CEVM_REV_BYZANTIUM);
  case CEVM_OPCODE_DELEGATECALL: return CEVM_REV_AT_LEAST(rev, CEVM_REV_HOMESTEAD); /* EIP-7 */
  default: return 1;
  }
}
size_t cevm_analyze_revision(const uint8_t *code, size_t code_size, uint32_t revision, uint8_t *out) {
  cevm_analyze(code, code_size, out);
  if (revision == CEVM_REV_OSAKA) return 0; /* the newest: every opcode of the table */
  size_t replaced = 0;
  for (size_t i = 0; i < code_size; i++) {
    uint8_t op = code[i];
    if (!cevm_defined_in(op, revision)) {
      out[i] = CEVM_OPCODE_NOT_IN_FORK;
      replaced++;
    } else if (op >= CEVM_OPCODE_PUSH1 && op <= CEVM_OPCODE_PUSH32) {
      i += op - CEVM_OPCODE_PUSH1 + 1;
    }
  }
  return replaced;
}

int cevm_opcode_first_revision(uint8_t op) {
  cevm_opcode_info info;
  if (!cevm_opcode_get_info(op, &info)) return -1;
  int r = CEVM_REV_OLDEST;
  while (r > CEVM_REV_OSAKA && !cevm_defined_in(op, (uint32_t)r)) r--;
  return r;
}

int cevm_is_jumpdest(const uint8_t *analysis, size_t code_size, uint64_t pc) {
  if (pc >= code_size) return 0;
  const uint8_t *bits = analysis + code_size + CEVM_CODE_PADDING;
  return (bits[pc >> 3] >> (pc & 7)) & 1;
}

/* ---- table queries ---- */
int cevm_opcode_get_info(uint8_t opcode, cevm_opcode_info *info) {
  switch (opcode) {
#define CEVM_OP(NAME, CODE, GAS, IN, OUT, IMM, FLAGS)                                     \
  case CODE:                                                                            \
    info->name = #NAME;                                                                 \
    info->base_gas = GAS;                                                               \
    info->stack_in = IN;                                                                \
    info->stack_out = OUT;                                                              \
    info->immediate_size = IMM;                                                         \
    info->flags = (uint8_t)(FLAGS);                                                     \
    return 1;
#include "evm_opcodes.def"
  default:
    info->name = NULL;
    info->base_gas = 0;
    info->stack_in = info->stack_out = info->immediate_size = info->flags = 0;
    return 0;
  }
}

const char *cevm_status_name(int s) {
  switch (s) {
  case CEVM_STATUS_RUNNING: return "RUNNING";
  case CEVM_STATUS_STOP: return "STOP";
  case CEVM_STATUS_RETURN: return "RETURN";
  case CEVM_STATUS_SELFDESTRUCT: return "SELFDESTRUCT";
  case CEVM_STATUS_REVERT: return "REVERT";
  case CEVM_STATUS_CALL_REQUEST: return "CALL_REQUEST";
  case CEVM_STATUS_CREATE_REQUEST: return "CREATE_REQUEST";
  case CEVM_STATUS_OUT_OF_GAS: return "OUT_OF_GAS";
  case CEVM_STATUS_STACK_UNDERFLOW: return "STACK_UNDERFLOW";
  case CEVM_STATUS_STACK_OVERFLOW: return "STACK_OVERFLOW";
  case CEVM_STATUS_BAD_JUMP_DESTINATION: return "BAD_JUMP_DESTINATION";
  case CEVM_STATUS_INVALID_INSTRUCTION: return "INVALID_INSTRUCTION";
  case CEVM_STATUS_UNDEFINED_INSTRUCTION: return "UNDEFINED_INSTRUCTION";
  case CEVM_STATUS_STATIC_MODE_VIOLATION: return "STATIC_MODE_VIOLATION";
  case CEVM_STATUS_RETURNDATA_OUT_OF_BOUNDS: return "RETURNDATA_OUT_OF_BOUNDS";
  case CEVM_STATUS_INITCODE_SIZE_EXCEEDED: return "INITCODE_SIZE_EXCEEDED";
  case CEVM_STATUS_MEMORY_LIMIT: return "MEMORY_LIMIT";
  case CEVM_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
  default: return "UNKNOWN_STATUS";
  }
}

/* ---- disassembler (own formatting: no libc I/O) ---- */
typedef struct cevm_sink {
  char *out;
  size_t cap, len;
} cevm_sink;

static void sink_put(cevm_sink *s, char c) {
  if (s->cap && s->len + 1 < s->cap) s->out[s->len] = c;
  s->len++;
}

static void sink_str(cevm_sink *s, const char *str) {
  while (*str) sink_put(s, *str++);
}

static void sink_hex(cevm_sink *s, uint64_t v, int min_digits) {
  static const char digits[] = "0123456789abcdef";
  char buf[16];
  int n = 0;
  do {
    buf[n++] = digits[v & 15];
    v >>= 4;
  } while (v && n < 16);
  while (n < min_digits) buf[n++] = '0';
  while (n) sink_put(s, buf[--n]);
}

size_t cevm_disasm(const uint8_t *code, size_t code_size, char *out, size_t out_cap) {
  static const char digits[] = "0123456789abcdef";
  cevm_sink s = {out, out_cap, 0};
  size_t i = 0;
  while (i < code_size) {
    uint8_t op = code[i];
    cevm_opcode_info info;
    sink_hex(&s, i, 4);
    sink_str(&s, ": ");
    if (!cevm_opcode_get_info(op, &info)) {
      sink_str(&s, "UNDEFINED(0x");
      sink_put(&s, digits[op >> 4]);
      sink_put(&s, digits[op & 15]);
      sink_put(&s, ')');
      i++;
    } else {
      sink_str(&s, info.name);
      if (info.immediate_size) {
        size_t avail = code_size - i - 1;
        size_t n = info.immediate_size < avail ? info.immediate_size : avail;
        sink_str(&s, " 0x");
        for (size_t k = 0; k < n; k++) {
          sink_put(&s, digits[code[i + 1 + k] >> 4]);
          sink_put(&s, digits[code[i + 1 + k] & 15]);
        }
        if (n < info.immediate_size) sink_str(&s, " (truncated)");
      }
      i += 1 + info.immediate_size;
    }
    sink_put(&s, '\n');
  }
  if (s.cap) s.out[s.len < s.cap ? s.len : s.cap - 1] = '\0';
  return s.len;
}

/* ---- host helpers ---- */
int cevm_check_deployed_code(const uint8_t *code, size_t size) {
  if (size > CEVM_MAX_CODE_SIZE) return CEVM_STATUS_OUT_OF_GAS;
  if (size > 0 && code[0] == 0xef) return CEVM_STATUS_OUT_OF_GAS; /* EIP-3541 */
  return 0;
}

int64_t cevm_create_cost(int is_create2, size_t initcode_size) {
  int64_t words = (int64_t)((initcode_size + 31) / 32);
  return 32000 + words * (is_create2 ? 8 : 2);
}

void cevm_u256_from_be(cevm_u256 *out, const uint8_t be[32]) { u256_load_be(out, be); }
void cevm_u256_to_be(uint8_t be[32], const cevm_u256 *v) { u256_store_be(be, v); }
