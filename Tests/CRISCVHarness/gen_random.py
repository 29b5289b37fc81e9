#!/usr/bin/env python3
"""Writes a random straight-line RISC-V test (assembly) for xlen 32 or 64: random register
values, then random OP/OP-IMM/M/*W instructions, loads and stores (any alignment) into a buffer
and short forward branches, then a dump of x1..x30 and of the buffer via write(2).
run.sh assembles it and diffs crvh against qemu.  Usage: gen_random.py SEED XLEN N > out.S"""
import random, sys

seed, xlen, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
regs = list(range(1, 31))  # x31 holds the buffer base
R = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
     "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
I = ["addi", "slti", "sltiu", "xori", "ori", "andi"]
SH = ["slli", "srli", "srai"]
L = ["lb", "lh", "lw", "lbu", "lhu"]
S = ["sb", "sh", "sw"]
B = ["beq", "bne", "blt", "bge", "bltu", "bgeu"]
if xlen == 64:
    R += ["addw", "subw", "sllw", "srlw", "sraw", "mulw", "divw", "divuw", "remw", "remuw"]
    I += ["addiw"]
    SH += ["slliw", "srliw", "sraiw"]
    L += ["lwu", "ld"]
    S += ["sd"]

def reg(allow_zero=True):
    if allow_zero and r.random() < 0.08:
        return "x0"
    return "x%d" % r.choice(regs)

def val():
    k = r.random()
    if k < 0.3:
        return r.choice([0, 1, -1, 2, 0x7fffffff, -0x80000000, 0xffffffff, 31, 32, 63, 64,
                         (1 << (xlen - 1)) - 1, -(1 << (xlen - 1))])
    return r.getrandbits(xlen) - (1 << (xlen - 1))

out = [".text", ".globl _start", "_start:", "  la x31, buf"]
for x in regs:
    out.append("  li x%d, %d" % (x, val()))
label = 0
pending = []  # (countdown, label)
for i in range(n):
    k = r.random()
    if k < 0.45:
        out.append("  %s %s, %s, %s" % (r.choice(R), reg(), reg(), reg()))
    elif k < 0.65:
        out.append("  %s %s, %s, %d" % (r.choice(I), reg(), reg(), r.randint(-2048, 2047)))
    elif k < 0.75:
        op = r.choice(SH)
        top = 31 if (xlen == 32 or op.endswith("w")) else 63
        out.append("  %s %s, %s, %d" % (op, reg(), reg(), r.randint(0, top)))
    elif k < 0.8:
        out.append("  %s %s, %d" % (r.choice(["lui", "auipc"]), reg(), r.randint(0, 0xfffff)))
    elif k < 0.88:
        out.append("  %s %s, %d(x31)" % (r.choice(L), reg(), r.randint(0, 2000)))
    elif k < 0.95:
        out.append("  %s %s, %d(x31)" % (r.choice(S), reg(), r.randint(0, 2000)))
    else:
        label += 1
        out.append("  %s %s, %s, .Lf%d" % (r.choice(B), reg(), reg(), label))
        pending.append([r.randint(1, 4), label])
    for p in pending:
        p[0] -= 1
    for p in [p for p in pending if p[0] <= 0]:
        out.append(".Lf%d:" % p[1])
        pending.remove(p)
    # auipc results depend on pc only; both runs load the same binary, so that is fine
for p in pending:
    out.append(".Lf%d:" % p[1])
st = "sd" if xlen == 64 else "sw"
w = xlen // 8
out += ["  addi x31, x31, 1024", "  addi x31, x31, 1024"]
for i, x in enumerate(regs):
    out.append("  %s x%d, %d(x31)" % (st, x, i * w))
out += ["  li a0, 1", "  addi a1, x31, -2048", "  li a2, %d" % (2048 + 30 * w), "  li a7, 64", "  ecall",
        "  li a0, 0", "  li a7, 93", "  ecall",
        ".data", ".p2align 4", "buf:"]
out += ["  .byte " + ",".join(str(r.randrange(256)) for _ in range(16)) for _ in range(128)]
out.append("  .zero %d" % (30 * w + 64))
print("\n".join(out))
