/* Data layout and indirect control flow: a 4 MiB .bss array (must start zeroed), an
   initialized .data table of pointers (relocated at link time), const data in .rodata,
   function-pointer tables, and a switch-dispatched bytecode interpreter that the compiler
   turns into a jump table. */
#include "common.h"

static unsigned char big_bss[4u << 20];
static int data_values[8] = {3, -1, 4, -1, 5, -9, 2, -6};
static const char *const names[] = {"zero", "one", "two", "three", "four", "five"};
static int *const data_ptrs[4] = {&data_values[0], &data_values[2], &data_values[4], &data_values[6]};

static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_xor(long a, long b) { return a ^ b; }
static long (*const ops[4])(long, long) = {op_add, op_sub, op_mul, op_xor};

enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, PRINT, HALT, OVER, DROP, NEG, SHL, MOD, NOP };

static long run_vm(const unsigned char *code) {
  long stack[64];
  int sp = 0;
  unsigned pc = 0;
  long steps = 0;
  for (;;) {
    steps++;
    switch (code[pc++]) {
    case PUSH: stack[sp++] = (signed char)code[pc++]; break;
    case ADD: sp--; stack[sp - 1] += stack[sp]; break;
    case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
    case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
    case DUP: stack[sp] = stack[sp - 1]; sp++; break;
    case SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } break;
    case JNZ: { signed char off = (signed char)code[pc++]; if (stack[--sp]) pc += off; } break;
    case DEC: stack[sp - 1]--; break;
    case PRINT: printf("vm print %ld\n", stack[sp - 1]); break;
    case HALT: return stack[sp - 1] * 1000 + steps % 1000;
    case OVER: stack[sp] = stack[sp - 2]; sp++; break;
    case DROP: sp--; break;
    case NEG: stack[sp - 1] = -stack[sp - 1]; break;
    case SHL: stack[sp - 1] <<= 1; break;
    case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
    case NOP: break;
    default: printf("bad opcode\n"); return -1;
    }
  }
}

int main(void) {
  printf("tables xlen=%d\n", XLEN);
  size_t nonzero = 0;
  for (size_t i = 0; i < sizeof big_bss; i += 64) nonzero += big_bss[i] != 0;
  printf("bss nonzero %lu\n", (unsigned long)nonzero);
  for (size_t i = 0; i < sizeof big_bss; i += 4096) big_bss[i] = (unsigned char)(i >> 12);
  unsigned sum = 0;
  for (size_t i = 0; i < sizeof big_bss; i += 4096) sum += big_bss[i];
  printf("bss page sum %u\n", sum);
  for (int i = 0; i < 4; i++) printf("data_ptrs[%d] -> %d\n", i, *data_ptrs[i]);
  *data_ptrs[1] = 40;
  printf("data_values[2] = %d\n", data_values[2]);
  for (int i = 0; i < 6; i++) printf("%s%s", names[i], i < 5 ? " " : "\n");
  long acc = 7;
  for (int i = 0; i < 16; i++) acc = ops[i % 4](acc, data_values[i % 8] + i);
  printf("ops acc %ld\n", acc);
  /* factorial(10) by a loop: acc=1, n=10; loop: acc*=n; n--; jnz */
  static const unsigned char prog[] = {PUSH, 1, PUSH, 10,                 /* acc n */
                                       SWAP, OVER, MUL, SWAP, DEC, DUP,   /* n*acc, n-1 */
                                       JNZ, (unsigned char)-8,            /* loop to SWAP */
                                       DROP, PRINT, PUSH, 11, MOD, NEG, SHL, NOP, HALT};
  printf("vm result %ld\n", run_vm(prog));
  return 0;
}
