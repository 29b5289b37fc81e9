/*
 * Standalone unit tests for the CEVM core: the opcode table (all 256 slots), 256-bit
 * arithmetic edge cases, memory expansion and gas numbers, storage gas/refunds, analysis,
 * disassembler, the call/create request API and static-context rules.
 *
 * Build and run (from the repository root):
 *   clang -std=gnu11 -O2 -ICSources/CEVM/include -ICSources/CEVM -ITests/CEVMHarness \
 *     Tests/CEVMHarness/cevm_tests.c Tests/CEVMHarness/test_host.c CSources/CEVM/interp.c \
 *     CSources/CEVM/keccak.c -o /tmp/cevm_tests && /tmp/cevm_tests
 * (Tests/CEVMHarness/run_tests.sh does this, plus the sanitizer build.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CEVM.h"
#include "test_host.h"

static int failures = 0, checks = 0;
/* The pass: 0 with the host's access_storage and sload apart, 1 with its access_sload (the
   Swift host's path); main runs every test in both. */
static int use_access_sload = 0;

#define CHECK(cond, ...)                                                    \
  do {                                                                      \
    checks++;                                                               \
    if (!(cond)) {                                                          \
      failures++;                                                           \
      fprintf(stderr, "FAIL %s:%d (access_sload %s): ", __FILE__, __LINE__, \
              use_access_sload ? "on" : "off");                             \
      fprintf(stderr, __VA_ARGS__);                                         \
      fprintf(stderr, "\n");                                                \
    }                                                                       \
  } while (0)

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  if (s[0] == '0' && s[1] == 'x') s += 2;
  for (; *s; s++) {
    int v;
    if (*s >= '0' && *s <= '9') v = *s - '0';
    else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
    else if (*s >= 'A' && *s <= 'F') v = *s - 'A' + 10;
    else continue;
    if (hi < 0) hi = v;
    else {
      if (n < cap) out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  return n;
}

static void tohex(const uint8_t *p, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[p[i] >> 4];
    out[2 * i + 1] = d[p[i] & 15];
  }
  out[2 * n] = 0;
}

static const uint8_t TARGET[20] = {0x10, [19] = 1};
static const uint8_t CALLER[20] = {0x20, [19] = 2};

typedef struct run_out {
  int status;
  int64_t gas_used;
  int64_t refund;
  char output[2 * 4096 + 1];
} run_out;

/* Run hex code as a top-level call with `gas` (execution gas, no intrinsic cost). */
static run_out run_hex(const char *code_hex, const char *input_hex, int64_t gas) {
  static uint8_t code[65536], input[4096];
  size_t n = unhex(code_hex, code, sizeof code);
  size_t in = input_hex ? unhex(input_hex, input, sizeof input) : 0;
  th_state *s = th_new();
  th_set_access_sload(s, use_access_sload);
  uint8_t bal[32] = {0};
  bal[31] = 100;
  th_set_account(s, TARGET, bal, 1, code, n);
  th_set_account(s, CALLER, bal, 0, NULL, 0);
  th_result r;
  th_call(s, CALLER, TARGET, input, in, NULL, gas, &r);
  run_out o;
  o.status = r.status;
  o.gas_used = r.gas_used;
  o.refund = r.refund;
  size_t on = r.output_size < 4096 ? r.output_size : 4096;
  tohex(r.output, on, o.output);
  th_free(s);
  return o;
}

/* "PUSH32 b PUSH32 a OP; MSTORE(0); RETURN(0, 32)" and compare the 32-byte result. */
static void binop(const char *name, uint8_t op, const char *a, const char *b, const char *want) {
  char code[400];
  snprintf(code, sizeof code, "7f%s7f%s%02x60005260206000f3", b, a, op);
  run_out o = run_hex(code, NULL, 100000);
  CHECK(o.status == CEVM_STATUS_RETURN && strcmp(o.output, want) == 0, "%s(%s, %s) = %s (status %s), want %s",
        name, a, b, o.output, cevm_status_name(o.status), want);
}

static void ternop(const char *name, uint8_t op, const char *a, const char *b, const char *m, const char *want) {
  char code[500];
  snprintf(code, sizeof code, "7f%s7f%s7f%s%02x60005260206000f3", m, b, a, op);
  run_out o = run_hex(code, NULL, 100000);
  CHECK(o.status == CEVM_STATUS_RETURN && strcmp(o.output, want) == 0, "%s(%s, %s, %s) = %s, want %s", name, a, b,
        m, o.output, want);
}

#define Z "0000000000000000000000000000000000000000000000000000000000000000"
#define ONE "0000000000000000000000000000000000000000000000000000000000000001"
#define TWO "0000000000000000000000000000000000000000000000000000000000000002"
#define THREE "0000000000000000000000000000000000000000000000000000000000000003"
#define SEVEN "0000000000000000000000000000000000000000000000000000000000000007"
#define MAX "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define MAXM1 "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe"
#define NEG7 "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff9"
#define NEG1 MAX
#define INTMIN "8000000000000000000000000000000000000000000000000000000000000000"
#define INTMAX "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define TWO64 "0000000000000000000000000000000000000000000000010000000000000000"

static void test_arithmetic(void) {
  binop("ADD", 0x01, MAX, ONE, Z);
  binop("ADD", 0x01, "00000000000000000000000000000000000000000000000000ffffffffffffff",
        "0000000000000000000000000000000000000000000000000000000000000001",
        "0000000000000000000000000000000000000000000000000100000000000000");
  binop("ADD", 0x01, "000000000000000000000000000000000000000000000000ffffffffffffffff", ONE, TWO64);
  binop("SUB", 0x03, Z, ONE, MAX);
  binop("MUL", 0x02, MAX, MAX, ONE);
  binop("MUL", 0x02, TWO64, TWO64, "0000000000000000000000000000000100000000000000000000000000000000");
  binop("MUL", 0x02, INTMIN, TWO, Z);
  binop("DIV", 0x04, SEVEN, Z, Z);
  binop("DIV", 0x04, MAX, TWO, INTMAX);
  binop("DIV", 0x04, MAX, MAX, ONE);
  binop("DIV", 0x04, ONE, MAX, Z);
  binop("DIV", 0x04, MAX, "00000000000000000000000000000000ffffffffffffffffffffffffffffffff",
        "0000000000000000000000000000000100000000000000000000000000000001");
  binop("DIV", 0x04, MAX, "0000000000000000000000000000000000000000000000000000000000000003",
        "5555555555555555555555555555555555555555555555555555555555555555");
  binop("SDIV", 0x05, INTMIN, NEG1, INTMIN);
  binop("SDIV", 0x05, NEG7, TWO, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd");
  binop("SDIV", 0x05, SEVEN, Z, Z);
  binop("SDIV", 0x05, NEG7, NEG1, SEVEN);
  binop("MOD", 0x06, SEVEN, Z, Z);
  binop("MOD", 0x06, MAX, "0000000000000000000000000000000000000000000000000000000000000010",
        "000000000000000000000000000000000000000000000000000000000000000f");
  binop("SMOD", 0x07, NEG7, THREE, NEG1);
  binop("SMOD", 0x07, SEVEN, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd", ONE);
  binop("SMOD", 0x07, INTMIN, NEG1, Z);
  binop("SMOD", 0x07, NEG7, Z, Z);
  ternop("ADDMOD", 0x08, MAX, TWO, MAX, TWO);
  ternop("ADDMOD", 0x08, MAX, MAX, SEVEN, "0000000000000000000000000000000000000000000000000000000000000002");
  ternop("ADDMOD", 0x08, ONE, TWO, Z, Z);
  ternop("MULMOD", 0x09, MAX, MAX, "000000000000000000000000000000000000000000000000000000000000000c",
         "0000000000000000000000000000000000000000000000000000000000000009");
  ternop("MULMOD", 0x09, MAX, MAX, MAXM1, ONE);
  ternop("MULMOD", 0x09, SEVEN, SEVEN, Z, Z);
  binop("EXP", 0x0a, TWO, "00000000000000000000000000000000000000000000000000000000000000ff", INTMIN);
  binop("EXP", 0x0a, TWO, "0000000000000000000000000000000000000000000000000000000000000100", Z);
  binop("EXP", 0x0a, Z, Z, ONE);
  binop("EXP", 0x0a, THREE, MAX, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab");
  binop("SIGNEXTEND", 0x0b, Z, "00000000000000000000000000000000000000000000000000000000000000ff", MAX);
  binop("SIGNEXTEND", 0x0b, Z, "000000000000000000000000000000000000000000000000000000000000017f",
        "000000000000000000000000000000000000000000000000000000000000007f");
  binop("SIGNEXTEND", 0x0b, "000000000000000000000000000000000000000000000000000000000000001f", INTMIN, INTMIN);
  binop("SIGNEXTEND", 0x0b, MAX, SEVEN, SEVEN);
  binop("SIGNEXTEND", 0x0b, "000000000000000000000000000000000000000000000000000000000000001e", INTMIN,
        Z);
  binop("LT", 0x10, ONE, TWO, ONE);
  binop("GT", 0x11, ONE, TWO, Z);
  binop("SLT", 0x12, NEG1, ONE, ONE);
  binop("SGT", 0x13, NEG1, ONE, Z);
  binop("SLT", 0x12, INTMIN, INTMAX, ONE);
  binop("EQ", 0x14, MAX, MAX, ONE);
  binop("BYTE", 0x1a, "000000000000000000000000000000000000000000000000000000000000001f",
        "0000000000000000000000000000000000000000000000000000000000001234",
        "0000000000000000000000000000000000000000000000000000000000000034");
  binop("BYTE", 0x1a, Z, INTMIN, "0000000000000000000000000000000000000000000000000000000000000080");
  binop("BYTE", 0x1a, "0000000000000000000000000000000000000000000000000000000000000020", MAX, Z);
  binop("SHL", 0x1b, "00000000000000000000000000000000000000000000000000000000000000ff", ONE, INTMIN);
  binop("SHL", 0x1b, "0000000000000000000000000000000000000000000000000000000000000100", ONE, Z);
  binop("SHL", 0x1b, "0000000000000000000000000000000000000000000000000000000000000041", MAX,
        "fffffffffffffffffffffffffffffffffffffffffffffffe0000000000000000");
  binop("SHR", 0x1c, "00000000000000000000000000000000000000000000000000000000000000ff", INTMIN, ONE);
  binop("SHR", 0x1c, "0000000000000000000000000000000000000000000000000000000000000100", MAX, Z);
  binop("SHR", 0x1c, "0000000000000000000000000000000000000000000000000000000000000041", MAX,
        "00000000000000007fffffffffffffffffffffffffffffffffffffffffffffff");
  binop("SAR", 0x1d, "00000000000000000000000000000000000000000000000000000000000000ff", INTMIN, MAX);
  binop("SAR", 0x1d, "0000000000000000000000000000000000000000000000000000000000000100", INTMIN, MAX);
  binop("SAR", 0x1d, "0000000000000000000000000000000000000000000000000000000000000100", INTMAX, Z);
  binop("SAR", 0x1d, ONE, NEG7, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc");
  binop("SAR", 0x1d, MAX, ONE, Z);
}

/* Execution gas of small programs: base costs, memory expansion, copies, storage, access lists. */
static void gas_is(const char *what, const char *code, int64_t want) {
  run_out o = run_hex(code, NULL, 1000000);
  CHECK(cevm_status_is_success(o.status) && o.gas_used == want, "%s: gas %lld (status %s), want %lld", what,
        (long long)o.gas_used, cevm_status_name(o.status), (long long)want);
}

static void test_gas(void) {
  gas_is("STOP", "00", 0);
  gas_is("PUSH1 ADD", "6001600101", 9);
  gas_is("MSTORE at 0", "6000600052", 3 + 3 + 3 + 3);
  /* MLOAD at 32*1024: memory of 1025 words: 3*1025 + 1025^2/512 = 5127 */
  gas_is("MLOAD far", "6180005150", 3 + 3 + 5127 + 2);
  gas_is("MSTORE8 at 31", "6001601f53", 3 + 3 + 3 + 3);
  gas_is("KECCAK256 64 bytes", "6040600020", 3 + 3 + 30 + 12 + 6);
  gas_is("CALLDATACOPY 33 bytes", "6021600060003760", 3 * 3 + 3 + 6 + 6 + 3);
  gas_is("EXP 2^256-1 (32 bytes)", "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff60020a",
         3 + 3 + 10 + 50 * 32);
  gas_is("EXP 0 exponent", "600060020a", 3 + 3 + 10);
  gas_is("SLOAD cold then warm", "600054506000545000", 3 + 2100 + 2 + 3 + 100 + 2);
  gas_is("SSTORE 0->1 cold", "6001600055", 3 + 3 + 22100);
  gas_is("SSTORE 0->1->0", "60016000556000600055", 6 + 22100 + 6 + 100);
  gas_is("BALANCE cold/warm", "30315030315000", 2 + 100 + 2 + 2 + 100 + 2); /* own address is warm */
  gas_is("BALANCE cold other", "60ff3150", 3 + 2600 + 2);
  gas_is("TSTORE TLOAD", "602a60015d60015c50", 3 + 3 + 100 + 3 + 100 + 2);
  gas_is("MCOPY 32 bytes to 32", "6020600060205e", 9 + 3 + 3 + 6);
  gas_is("RETURN 0 bytes far offset", "60007ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff3", 6);
  /* a failing frame consumes everything */
  run_out o = run_hex("600056", NULL, 5000);
  CHECK(o.status == CEVM_STATUS_BAD_JUMP_DESTINATION && o.gas_used == 5000, "bad jump: %s %lld",
        cevm_status_name(o.status), (long long)o.gas_used);
  o = run_hex("60016000556000600055", NULL, 100000);
  CHECK(o.refund == 19900, "SSTORE 0->1->0 refund %lld", (long long)o.refund);
  o = run_hex("6000600055", NULL, 100000);
  CHECK(o.gas_used == 3 + 3 + 2200 && o.refund == 0, "SSTORE 0->0 gas %lld", (long long)o.gas_used);
  /* EIP-2200 stipend rule: SSTORE with gas left <= 2300 fails */
  o = run_hex("6001600055", NULL, 2306);
  CHECK(o.status == CEVM_STATUS_OUT_OF_GAS, "SSTORE at stipend: %s", cevm_status_name(o.status));
  /* memory offset >= 2^32 is out of gas, not a crash */
  o = run_hex("64010000000051", NULL, 1000000);
  CHECK(o.status == CEVM_STATUS_OUT_OF_GAS, "MLOAD at 2^32: %s", cevm_status_name(o.status));
}

static void test_control(void) {
  run_out o;
  o = run_hex("01", NULL, 1000);
  CHECK(o.status == CEVM_STATUS_STACK_UNDERFLOW, "underflow: %s", cevm_status_name(o.status));
  /* 1024 pushes fine, the 1025th overflows: JUMPDEST PUSH0 PUSH1 0 JUMP loops pushing */
  o = run_hex("5b5f600056", NULL, 10000000);
  CHECK(o.status == CEVM_STATUS_STACK_OVERFLOW, "overflow: %s", cevm_status_name(o.status));
  o = run_hex("600456605b00", NULL, 1000);
  CHECK(o.status == CEVM_STATUS_BAD_JUMP_DESTINATION, "jump into push data: %s", cevm_status_name(o.status));
  o = run_hex("6001600657005b00", NULL, 1000);
  CHECK(o.status == CEVM_STATUS_STOP && o.gas_used == 3 + 3 + 10 + 1, "jumpi: %s %lld", cevm_status_name(o.status),
        (long long)o.gas_used);
  o = run_hex("fe", NULL, 1000);
  CHECK(o.status == CEVM_STATUS_INVALID_INSTRUCTION && o.gas_used == 1000, "INVALID: %s",
        cevm_status_name(o.status));
  o = run_hex("60016002", NULL, 1000); /* falls off the end: STOP */
  CHECK(o.status == CEVM_STATUS_STOP, "implicit stop: %s", cevm_status_name(o.status));
  o = run_hex("61", NULL, 1000); /* truncated push */
  CHECK(o.status == CEVM_STATUS_STOP, "truncated push: %s", cevm_status_name(o.status));
  o = run_hex("7f11", NULL, 1000);
  CHECK(o.status == CEVM_STATUS_STOP, "truncated push32: %s", cevm_status_name(o.status));
  o = run_hex("60ab60005260206000fd", NULL, 1000);
  CHECK(o.status == CEVM_STATUS_REVERT &&
            strcmp(o.output, "00000000000000000000000000000000000000000000000000000000000000ab") == 0,
        "revert output %s", o.output);
  o = run_hex("6001600060003e", NULL, 1000);
  CHECK(o.status == CEVM_STATUS_RETURNDATA_OUT_OF_BOUNDS, "returndatacopy oob: %s", cevm_status_name(o.status));
  o = run_hex("60003560005260206000f3", "aabb", 1000);
  CHECK(strcmp(o.output, "aabb000000000000000000000000000000000000000000000000000000000000") == 0,
        "calldataload pad: %s", o.output);
  o = run_hex("61c00160006000f0", NULL, 10000000);
  CHECK(o.status == CEVM_STATUS_INITCODE_SIZE_EXCEEDED, "initcode limit: %s", cevm_status_name(o.status));
}

/* Every one of the 256 slots: the table query, the disassembler and execution agree. */
static void test_table(void) {
  int defined = 0;
  for (int op = 0; op < 256; op++) {
    cevm_opcode_info info;
    int ok = cevm_opcode_get_info((uint8_t)op, &info);
    defined += ok;
    CHECK((ok != 0) == (info.name != NULL), "info.name for 0x%02x", op);
    uint8_t code[1] = {(uint8_t)op};
    char text[128];
    cevm_disasm(code, 1, text, sizeof text);
    if (!ok) {
      char want[64];
      snprintf(want, sizeof want, "0000: UNDEFINED(0x%02x)\n", op);
      CHECK(strcmp(text, want) == 0, "disasm of undefined 0x%02x: %s", op, text);
      char hex[8];
      snprintf(hex, sizeof hex, "%02x", op);
      run_out o = run_hex(hex, NULL, 100000);
      CHECK(o.status == CEVM_STATUS_UNDEFINED_INSTRUCTION, "exec undefined 0x%02x: %s", op,
            cevm_status_name(o.status));
    } else {
      CHECK(strstr(text, info.name) != NULL, "disasm names 0x%02x: %s", op, text);
      if (op >= 0x60 && op <= 0x7f) CHECK(info.immediate_size == op - 0x5f, "PUSH size 0x%02x", op);
      else CHECK(info.immediate_size == 0, "immediate 0x%02x", op);
      if (op >= 0x80 && op <= 0x8f) CHECK(info.stack_in == op - 0x7f && info.stack_out == op - 0x7e, "DUP 0x%02x", op);
      if (op >= 0x90 && op <= 0x9f) CHECK(info.stack_in == op - 0x8e && info.stack_out == info.stack_in, "SWAP");
      /* with an empty stack, an opcode needing inputs underflows; others must not report undefined */
      char hex[8];
      snprintf(hex, sizeof hex, "%02x", op);
      run_out o = run_hex(hex, NULL, 100000);
      if (info.stack_in > 0)
        CHECK(o.status == CEVM_STATUS_STACK_UNDERFLOW, "0x%02x %s on empty stack: %s", op, info.name,
              cevm_status_name(o.status));
      else
        CHECK(o.status != CEVM_STATUS_UNDEFINED_INSTRUCTION && o.status != CEVM_STATUS_STACK_UNDERFLOW,
              "0x%02x %s: %s", op, info.name, cevm_status_name(o.status));
    }
  }
  CHECK(defined == 150, "Osaka defines 150 opcodes (Cancun 149 and CLZ), table has %d", defined);
  const uint8_t prog[] = {0x60, 0x01, 0x61, 0xab, 0xcd, 0x5b, 0x0c, 0x63, 0x01};
  char text[256];
  size_t n = cevm_disasm(prog, sizeof prog, text, sizeof text);
  const char *want =
      "0000: PUSH1 0x01\n0002: PUSH2 0xabcd\n0005: JUMPDEST\n0006: UNDEFINED(0x0c)\n0007: PUSH4 0x01 (truncated)\n";
  CHECK(strcmp(text, want) == 0 && n == strlen(want), "disasm text:\n%s", text);
  char small[8];
  size_t n2 = cevm_disasm(prog, sizeof prog, small, sizeof small);
  CHECK(n2 == n && strlen(small) == 7, "disasm truncation");
}

static void test_analysis_and_keccak(void) {
  const uint8_t code[] = {0x60, 0x5b, 0x5b, 0x7f};
  uint8_t buf[256];
  CHECK(cevm_analysis_size(sizeof code) <= sizeof buf, "analysis size");
  cevm_analyze(code, sizeof code, buf);
  CHECK(!cevm_is_jumpdest(buf, sizeof code, 0) && !cevm_is_jumpdest(buf, sizeof code, 1) &&
            cevm_is_jumpdest(buf, sizeof code, 2) && !cevm_is_jumpdest(buf, sizeof code, 3) &&
            !cevm_is_jumpdest(buf, sizeof code, 1000),
        "jumpdest bitmap");
  for (int i = 0; i < CEVM_CODE_PADDING; i++) CHECK(buf[sizeof code + i] == 0, "padding");
  uint8_t h[32];
  char hex[65];
  cevm_keccak256((const uint8_t *)"", 0, h);
  tohex(h, 32, hex);
  CHECK(strcmp(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470") == 0, "keccak('')");
  uint8_t many[200];
  memset(many, 0x61, sizeof many);
  /* keccak256 of 135, 136 and 137 'a' bytes, at the 136-byte rate (a full last block puts the
     padding in a block of its own); the digests are revm's (pyrevm 0.3.7, KECCAK256) */
  cevm_keccak256(many, 136, h);
  tohex(h, 32, hex);
  CHECK(strcmp(hex, "a6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e") == 0, "keccak 136: %s", hex);
  uint8_t a1[32], a2[32];
  cevm_keccak256(many, 135, a1);
  cevm_keccak256(many, 137, a2);
  tohex(a1, 32, hex);
  CHECK(strcmp(hex, "34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446") == 0, "keccak 135: %s", hex);
  tohex(a2, 32, hex);
  CHECK(strcmp(hex, "d869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39") == 0, "keccak 137: %s", hex);
  CHECK(cevm_check_deployed_code((const uint8_t *)"\xef", 1) != 0, "EIP-3541");
  CHECK(cevm_check_deployed_code(many, 1) == 0, "ok code");
  CHECK(cevm_create_cost(0, 33) == 32004 && cevm_create_cost(1, 33) == 32016, "create cost");
}

/* ---- the request API directly, with a stub host ---- */
static int stub_warm(void *c, const cevm_address *a) { return 0; }
static int stub_warm_s(void *c, const cevm_address *a, const cevm_u256 *k) { return 1; }
static void stub_sload(void *c, const cevm_address *a, const cevm_u256 *k, cevm_u256 *v, cevm_u256 *o) {
  memset(v, 0, 32);
  if (o) memset(o, 0, 32);
}
static void stub_sstore(void *c, const cevm_address *a, const cevm_u256 *k, const cevm_u256 *v) {}
static void stub_tload(void *c, const cevm_address *a, const cevm_u256 *k, cevm_u256 *v) { memset(v, 0, 32); }
static void stub_balance(void *c, const cevm_address *a, cevm_u256 *o) {
  memset(o, 0, 32);
  o->w[0] = 1000;
}
static size_t stub_code_size(void *c, const cevm_address *a) { return 0; }
static size_t stub_code_copy(void *c, const cevm_address *a, size_t off, uint8_t *d, size_t n) { return 0; }
static void stub_hash(void *c, const cevm_address *a, cevm_bytes32 *o) { memset(o, 0, 32); }
static void stub_bh(void *c, uint64_t n, cevm_bytes32 *o) { memset(o, 0, 32); }
static int stub_empty(void *c, const cevm_address *a) { return 1; }
static void stub_log(void *c, const cevm_address *a, const cevm_bytes32 *t, size_t n, const uint8_t *d, size_t s) {}
static void stub_sd(void *c, const cevm_address *a, const cevm_address *b) {}
static int stub_grow(void *c, cevm_frame *f, size_t needed) { return 0; } /* preallocated only */

static void test_requests(void) {
  cevm_host host = {stub_warm, stub_warm_s, stub_sload, stub_sstore, stub_tload, stub_sstore, stub_balance,
                    stub_code_size, stub_code_copy, stub_hash, stub_bh, stub_empty, stub_log, stub_sd,
                    stub_grow, NULL};
  cevm_context ctx;
  memset(&ctx, 0, sizeof ctx);
  static cevm_u256 stack[CEVM_STACK_LIMIT];
  static uint8_t memory[4096];
  /* CALL(gas=0xffffff, to=0xaa, value=5, in 0..4, out 32..64), then RETURN(32, 32) */
  const char *hex = "6020602060046000600560aa62fffffff1 5060206020f3";
  uint8_t code[64];
  size_t n = unhex(hex, code, sizeof code);
  uint8_t an[256];
  cevm_analyze(code, n, an);
  cevm_frame f;
  memset(&f, 0, sizeof f);
  cevm_frame_init(&f);
  f.analysis = an;
  f.code_size = n;
  f.host = &host;
  f.context = &ctx;
  f.stack = stack;
  f.memory = memory;
  f.memory_capacity = sizeof memory;
  f.gas = 100000;
  int st = cevm_run(&f);
  CHECK(st == CEVM_STATUS_CALL_REQUEST, "call request: %s", cevm_status_name(st));
  /* cost: 7 pushes (21) + memory 2 words (6) + cold 2600 + value 9000 + new account 25000 */
  int64_t before = 100000 - 21 - 6 - 2600 - 9000 - 25000;
  int64_t pass = before - before / 64;
  CHECK(f.request.kind == CEVM_REQ_CALL && f.request.target.bytes[19] == 0xaa && f.request.value.w[0] == 5,
        "request fields");
  CHECK(f.request.gas == pass + 2300, "request gas %lld want %lld", (long long)f.request.gas,
        (long long)(pass + 2300));
  CHECK(f.gas == before - pass, "caller keeps 1/64: %lld", (long long)f.gas);
  CHECK(f.request.input_offset == 0 && f.request.input_size == 4 && f.request.output_offset == 32 &&
            f.request.output_size == 32,
        "request ranges");
  CHECK(cevm_run(&f) == CEVM_STATUS_INVALID_ARGUMENT, "run while pending is refused");
  CHECK(cevm_resume_create(&f, NULL, 0, NULL, 0) == CEVM_STATUS_INVALID_ARGUMENT, "wrong resume kind");
  uint8_t ret[40];
  for (int i = 0; i < 40; i++) ret[i] = (uint8_t)(i + 1);
  st = cevm_resume_call(&f, 1, 1234, ret, sizeof ret);
  CHECK(st == CEVM_STATUS_RETURN && f.output_offset == 32 && f.output_size == 32, "after resume: %s",
        cevm_status_name(st));
  CHECK(memcmp(memory + 32, ret, 32) == 0, "output copied (clamped to 32 bytes)");
  CHECK(f.return_data_size == 40, "returndata size");
  CHECK(cevm_resume_call(&f, 1, 0, NULL, 0) == CEVM_STATUS_INVALID_ARGUMENT, "resume without request");

  /* static context: SSTORE, LOG0, CALL with value, CREATE, SELFDESTRUCT, TSTORE fail */
  const char *bad[] = {"6001600055", "60006000a0", "6000600060006000600160aa6000f1", "600060006000f0", "60aaff",
                       "600160005d"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    n = unhex(bad[i], code, sizeof code);
    cevm_analyze(code, n, an);
    cevm_frame_init(&f);
    f.code_size = n;
    f.gas = 100000;
    f.msg.is_static = 1;
    st = cevm_run(&f);
    CHECK(st == CEVM_STATUS_STATIC_MODE_VIOLATION && f.gas == 0, "static %s: %s", bad[i], cevm_status_name(st));
  }
  /* memory growth refused by the host */
  n = unhex("62100000 51", code, sizeof code);
  cevm_analyze(code, n, an);
  cevm_frame_init(&f);
  f.code_size = n;
  f.gas = 10000000;
  f.msg.is_static = 0;
  st = cevm_run(&f);
  CHECK(st == CEVM_STATUS_MEMORY_LIMIT, "memory limit: %s", cevm_status_name(st));
  /* status names */
  CHECK(strcmp(cevm_status_name(CEVM_STATUS_OUT_OF_GAS), "OUT_OF_GAS") == 0, "status name");
  CHECK(cevm_status_is_failure(CEVM_STATUS_OUT_OF_GAS) && cevm_status_is_success(CEVM_STATUS_RETURN) &&
            cevm_status_is_request(CEVM_STATUS_CREATE_REQUEST) && !cevm_status_is_success(CEVM_STATUS_REVERT),
        "status classes");
}

/* Nested calls through the test host's frame stack: recursion to depth 1024 must not touch
   the C stack, and the 1025th level fails the CALL (pushes 0). */
static void test_deep_calls(void) {
  /* code: if calldatasize==0 ... simply CALL self with all gas, then store result at slot depth */
  /* PUSH 0 x4, PUSH0 value, ADDRESS, GAS, CALL, PUSH1 0, SSTORE */
  run_out o = run_hex("5f5f5f5f5f305af15f5500", NULL, 100000000);
  CHECK(o.status == CEVM_STATUS_STOP, "deep recursion: %s", cevm_status_name(o.status));
}

int main(void) {
  for (use_access_sload = 0; use_access_sload <= 1; use_access_sload++) {
    test_arithmetic();
    test_gas();
    test_control();
    test_table();
    test_analysis_and_keccak();
    test_requests();
    test_deep_calls();
  }
  printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
