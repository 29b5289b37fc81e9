#!/usr/bin/env python3
"""Differential test: the CEVM core (with the C test host) against pyrevm (revm) at CANCUN.

Builds CSources/CEVM + Tests/CEVMHarness/test_host.c into a shared library with clang, then
runs hand-written and random bytecode through both and compares: success / revert / halt,
output, execution gas before refund, refund, storage of the touched contracts, logs.

Usage: diff_pyrevm.py [--random N] [--seed S] [--verbose] [--keep-going]
Exit status 0 if every case agreed, 1 otherwise (2 if pyrevm is missing).
"""
import argparse
import ctypes
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CORE = os.path.join(ROOT, "CSources", "CEVM")

try:
    from pyrevm import EVM, AccountInfo, Env, BlockEnv, CfgEnv
except ImportError as e:  # pragma: no cover
    print(f"SKIP: pyrevm cannot be imported ({e})")
    sys.exit(2)

CALLER = bytes.fromhex("a94f5374fce5edbc8e2a8697c15331677e6ebf0b")
TARGET = bytes.fromhex("1000000000000000000000000000000000000001")
OTHER = bytes.fromhex("1000000000000000000000000000000000000002")  # callee with code
EMPTY = bytes.fromhex("1000000000000000000000000000000000000003")  # no account
COINBASE = bytes.fromhex("c0ffee0000000000000000000000000000000001")
# GASLIMIT 2^64 - 1: pyrevm 0.3.7's message_call runs with that block gas limit whatever
# BlockEnv says, so any other value makes programs that read GASLIMIT (EXP's exponent-size gas,
# for example) differ for a reason outside the EVM (as Fuzz/diff_evm.py notes).
NUMBER, TIMESTAMP, GASLIMIT = 1000, 1700000000, 2**64 - 1
PREVRANDAO = bytes(range(32))
BALANCE = 10**20
OTHER_BALANCE = 0  # pyrevm's set_balance would warm the account, so OTHER keeps balance 0

# The callee OTHER: stores calldata word 0 at slot 1, logs, returns 64 bytes; reverts when
# calldata word 0 == 0xdead (with 32 bytes of data).
OTHER_CODE = bytes.fromhex(
    "600035"            # calldataload(0)
    "8061dead14601d57"  # dup1, push2 dead, eq, push1 0x1d, jumpi
    "80600155"          # dup1, push1 1, sstore
    "60206000a0"        # log0(0, 32)
    "60005260406000f3"  # mstore(0, x); return(0, 64)
    "5b600052"          # 0x1d: jumpdest; mstore(0, x)
    "60206000fd"        # revert(0, 32)
)


class Result(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int),
        ("gas_left", ctypes.c_int64),
        ("gas_used", ctypes.c_int64),
        ("refund", ctypes.c_int64),
        ("output", ctypes.POINTER(ctypes.c_uint8)),
        ("output_size", ctypes.c_size_t),
        ("log_count", ctypes.c_size_t),
        ("steps", ctypes.c_uint64),
    ]


class Context(ctypes.Structure):
    _fields_ = [
        ("origin", ctypes.c_uint8 * 20),
        ("coinbase", ctypes.c_uint8 * 20),
        ("gas_price", ctypes.c_uint64 * 4),
        ("chain_id", ctypes.c_uint64 * 4),
        ("base_fee", ctypes.c_uint64 * 4),
        ("blob_base_fee", ctypes.c_uint64 * 4),
        ("prevrandao", ctypes.c_uint8 * 32),
        ("number", ctypes.c_uint64),
        ("timestamp", ctypes.c_uint64),
        ("gas_limit", ctypes.c_uint64),
        ("blob_hashes", ctypes.c_void_p),
        ("blob_hash_count", ctypes.c_size_t),
    ]


def build_library(outdir):
    srcs = [os.path.join(CORE, f) for f in ("interp.c", "keccak.c")]
    srcs.append(os.path.join(HERE, "test_host.c"))
    lib = os.path.join(outdir, "libcevmtest.so")
    cmd = ["clang", "-std=gnu11", "-O2", "-g", "-shared", "-fPIC", "-I", os.path.join(CORE, "include"),
           "-I", CORE, "-o", lib] + srcs
    subprocess.run(cmd, check=True)
    L = ctypes.CDLL(lib)
    L.th_new.restype = ctypes.c_void_p
    L.th_free.argtypes = [ctypes.c_void_p]
    L.th_set_account.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint64,
                                 ctypes.c_char_p, ctypes.c_size_t]
    L.th_get_storage.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
    L.th_get_balance.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    L.th_context.restype = ctypes.POINTER(Context)
    L.th_context.argtypes = [ctypes.c_void_p]
    L.th_call.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                          ctypes.c_size_t, ctypes.c_char_p, ctypes.c_int64, ctypes.POINTER(Result)]
    L.th_log_get.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_char_p,
                             ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t]
    L.th_log_get.restype = ctypes.c_size_t
    L.th_log_count.argtypes = [ctypes.c_void_p]
    L.th_log_count.restype = ctypes.c_size_t
    L.th_get_code.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    L.th_get_code.restype = ctypes.c_size_t
    L.cevm_status_name.restype = ctypes.c_char_p
    return L


def intrinsic(data):
    return 21000 + sum(16 if b else 4 for b in data)


def run_ours(L, code, data, gas):
    s = L.th_new()
    try:
        L.th_set_account(s, TARGET, BALANCE.to_bytes(32, "big"), 1, code, len(code))
        L.th_set_account(s, OTHER, OTHER_BALANCE.to_bytes(32, "big"), 1, OTHER_CODE, len(OTHER_CODE))
        L.th_set_account(s, CALLER, BALANCE.to_bytes(32, "big"), 0, None, 0)
        c = L.th_context(s).contents
        ctypes.memmove(c.origin, CALLER, 20)
        ctypes.memmove(c.coinbase, COINBASE, 20)
        ctypes.memmove(c.prevrandao, PREVRANDAO, 32)
        c.number, c.timestamp, c.gas_limit = NUMBER, TIMESTAMP, GASLIMIT
        c.chain_id[0] = 1
        c.blob_base_fee[0] = 1
        r = Result()
        L.th_call(s, CALLER, TARGET, data, len(data), None, gas - intrinsic(data), ctypes.byref(r))
        status = L.cevm_status_name(r.status).decode()
        out = bytes(r.output[: r.output_size]) if r.output_size else b""
        storage = {}
        for addr in (TARGET, OTHER):
            for k in range(16):
                buf = ctypes.create_string_buffer(32)
                L.th_get_storage(s, addr, k.to_bytes(32, "big"), buf)
                v = int.from_bytes(buf.raw, "big")
                if v:
                    storage[(addr.hex(), k)] = v
        logs = []
        for i in range(L.th_log_count(s)):
            a = ctypes.create_string_buffer(20)
            t = ctypes.create_string_buffer(128)
            nt = ctypes.c_size_t()
            d = ctypes.create_string_buffer(1 << 16)
            n = L.th_log_get(s, i, a, t, ctypes.byref(nt), d, 1 << 16)
            logs.append((a.raw.hex(), tuple(t.raw[32 * j: 32 * j + 32].hex() for j in range(nt.value)),
                         d.raw[:n].hex()))
        kind = "success" if status in ("STOP", "RETURN", "SELFDESTRUCT") else (
            "revert" if status == "REVERT" else "halt")
        bal = ctypes.create_string_buffer(32)
        L.th_get_balance(s, OTHER, bal)
        return dict(kind=kind, status=status, gas=r.gas_used, refund=r.refund if kind == "success" else 0,
                    output=out if kind != "halt" else b"", storage=storage if kind == "success" else {},
                    logs=logs if kind == "success" else [],
                    other_balance=int.from_bytes(bal.raw, "big") if kind == "success" else OTHER_BALANCE)
    finally:
        L.th_free(s)


def run_revm(code, data, gas):
    env = Env(block=BlockEnv(number=NUMBER, coinbase="0x" + COINBASE.hex(), timestamp=TIMESTAMP,
                             prevrandao=PREVRANDAO, basefee=0, gas_limit=GASLIMIT, excess_blob_gas=0),
              cfg=CfgEnv(chain_id=1))
    evm = EVM(spec_id="Cancun", env=env)
    to, other, caller = "0x" + TARGET.hex(), "0x" + OTHER.hex(), "0x" + CALLER.hex()
    evm.insert_account_info(to, AccountInfo(code=code, nonce=1))
    evm.set_balance(to, BALANCE)
    evm.insert_account_info(other, AccountInfo(code=OTHER_CODE, nonce=1))
    evm.insert_account_info(caller, AccountInfo())
    evm.set_balance(caller, BALANCE)
    out = b""
    try:
        out = evm.message_call(caller, to, data, gas=gas)
    except RuntimeError as e:
        msg = str(e)
        if "output: 0x" in msg:
            h = msg.split("output: 0x", 1)[1].split(" ")[0].rstrip("}").strip()
            out = bytes.fromhex(h)
    r = evm.result
    kind = "success" if r.is_success else ("halt" if r.is_halt else "revert")
    storage = {}
    logs = []
    if kind == "success":
        for addr in (TARGET, OTHER):
            for k in range(16):
                v = evm.storage("0x" + addr.hex(), k)
                if v:
                    storage[(addr.hex(), k)] = v
        for lg in r.logs:
            topics, d = lg.data
            logs.append((lg.address.lower().removeprefix("0x"),
                         tuple(bytes(t).hex() if not isinstance(t, str) else t.removeprefix("0x") for t in topics),
                         bytes(d).hex()))
    refund = r.gas_refunded
    gas_exec = r.gas_used + refund - intrinsic(data)
    return dict(kind=kind, status=r.reason, gas=gas_exec, refund=refund, output=out if kind != "halt" else b"",
                storage=storage, logs=logs,
                other_balance=evm.get_balance(other) if kind == "success" else OTHER_BALANCE)


def compare(ours, theirs, gas, data):
    diffs = []
    for k in ("kind", "output", "storage", "logs", "other_balance"):
        if ours[k] != theirs[k]:
            diffs.append(f"{k}: ours={ours[k]!r} revm={theirs[k]!r}")
    if ours["kind"] != "halt" or theirs["kind"] != "halt":
        if ours["gas"] != theirs["gas"]:
            diffs.append(f"gas: ours={ours['gas']} revm={theirs['gas']}")
    # revm caps the refund at gas_used/5 (EIP-3529); compare the capped value
    if ours["kind"] == "success" and theirs["kind"] == "success":
        cap = (ours["gas"] + intrinsic(data)) // 5
        if min(ours["refund"], cap) != theirs["refund"]:
            diffs.append(f"refund: ours={ours['refund']} (capped {min(ours['refund'], cap)}) revm={theirs['refund']}")
    return diffs


# ---------------------------------------------------------------------------------------
# Hand-written cases: (name, code hex, calldata hex, gas)
def push(v, n=None):
    if n is None:
        n = max(1, (v.bit_length() + 7) // 8)
    return bytes([0x5f + n]) + v.to_bytes(n, "big")


def ret_top():
    return bytes.fromhex("60005260206000f3")  # mstore(0, top); return(0, 32)


M256 = (1 << 256) - 1
INT_MIN = 1 << 255
EDGE = [0, 1, 2, 3, 31, 32, 255, 256, 2**64 - 1, 2**64, 2**128 + 7, INT_MIN - 1, INT_MIN, INT_MIN + 1,
        M256 - 1, M256, 0x8000, 0x7f, 0x80]


def binop_cases():
    cases = []
    ops = {"ADD": 0x01, "MUL": 0x02, "SUB": 0x03, "DIV": 0x04, "SDIV": 0x05, "MOD": 0x06, "SMOD": 0x07,
           "EXP": 0x0a, "SIGNEXTEND": 0x0b, "LT": 0x10, "GT": 0x11, "SLT": 0x12, "SGT": 0x13, "EQ": 0x14,
           "AND": 0x16, "OR": 0x17, "XOR": 0x18, "BYTE": 0x1a, "SHL": 0x1b, "SHR": 0x1c, "SAR": 0x1d}
    rnd = random.Random(7)
    vals = EDGE + [rnd.getrandbits(256) for _ in range(3)] + [rnd.getrandbits(70) for _ in range(2)]
    for name, op in ops.items():
        pairs = [(a, b) for a in vals for b in vals]
        rnd.shuffle(pairs)
        for a, b in pairs[:60]:
            code = push(b) + push(a) + bytes([op]) + ret_top()
            cases.append((f"{name}({a:#x},{b:#x})", code, b"", 100000))
    for name, op in (("ADDMOD", 0x08), ("MULMOD", 0x09)):
        for _ in range(80):
            a, b, m = (rnd.choice(vals) for _ in range(3))
            code = push(m) + push(b) + push(a) + bytes([op]) + ret_top()
            cases.append((f"{name}({a:#x},{b:#x},{m:#x})", code, b"", 100000))
    return cases


HAND = [
    ("add11", "600160010160005500", "", 100000),
    ("sstore-refund", "6000600055600160015560006001556001600055", "", 100000),
    ("sstore-stipend", "60016000555a", "", 23000 + 2300),
    ("keccak-empty", "600060002060005260206000f3", "", 100000),
    ("keccak-200", "60c86000206000526020 6000f3".replace(" ", ""), "", 100000),
    ("calldata", "60003560005260206000f3", "0102030405", 100000),
    ("calldatacopy", "602a60036005376040 6000f3".replace(" ", ""), "aabbccddeeff00112233", 100000),
    ("codecopy-past-end", "6040601060003960406000f3", "", 100000),
    ("extcodesize-cold", "73" + OTHER.hex() + "3b60005260206000f3", "", 100000),
    ("extcodehash-empty", "73" + EMPTY.hex() + "3f60005260206000f3", "", 100000),
    ("extcodehash-other", "73" + OTHER.hex() + "3f60005260206000f3", "", 100000),
    ("balance", "73" + OTHER.hex() + "3160005260206000f3", "", 100000),
    ("selfbalance", "4760005260206000f3", "", 100000),
    ("env", "3032333441424344454648494a3a", "", 100000),
    ("blockhash", "6103e74060005260206000f3", "", 100000),
    ("blockhash-old", "60014060005260206000f3", "", 100000),
    ("msize-mload-far", "6110005150596000526020 6000f3".replace(" ", ""), "", 100000),
    ("mstore8", "61abcd601f5360206000f3", "", 100000),
    ("mcopy", "6011600052602060006001 5e60406000f3".replace(" ", ""), "", 100000),
    ("mcopy-expand", "6020600060405e59600052602060 00f3".replace(" ", ""), "", 100000),
    ("tstore-tload", "602a60015d60015c60005260206000f3", "", 100000),
    ("log2", "60ff6000526002600160206000a2", "", 100000),
    ("push0", "5f5f5f01600052602060 00f3".replace(" ", ""), "", 100000),
    ("jump-bad", "600356", "", 100000),
    ("jump-into-push", "600456605b00", "", 100000),
    ("jumpi-ok", "6001600657005b600160005500", "", 100000),
    ("underflow", "01", "", 100000),
    ("undefined", "0c", "", 100000),
    ("invalid", "fe", "", 100000),
    ("oog", "5b600056", "", 30000),
    ("revert-data", "6011600052600160 1ffd".replace(" ", ""), "", 100000),
    ("returndatacopy-oob", "6001600060003e", "", 100000),
    ("exp-big", "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff60030a60005260206000f3", "", 100000),
    ("call-other", "6040600060206000600073" + OTHER.hex() + "61fffff160005260206000f3", "", 200000),
    ("call-other-value", "60406000602060006007 73".replace(" ", "") + OTHER.hex() + "61fffff1 3d600052 6020 6000f3".replace(" ", ""), "", 200000),
    ("call-empty-value", "600060006000600060 0173".replace(" ", "") + EMPTY.hex() + "6000f1600052602060 00f3".replace(" ", ""), "", 200000),
    ("call-revert", "61dead600052604060006020600060 0073".replace(" ", "") + OTHER.hex() + "61fffff1 3d 6000 6000 3e 3d 6000 f3".replace(" ", ""), "", 200000),
    ("staticcall-sstore", "6040600060206000 73".replace(" ", "") + OTHER.hex() + "61fffffa60005260206000f3", "", 200000),
    ("delegatecall", "6040600060206000 73".replace(" ", "") + OTHER.hex() + "61fffff460005260206000f3", "", 200000),
    ("callcode", "60406000602060006000 73".replace(" ", "") + OTHER.hex() + "61fffff260005260206000f3", "", 200000),
    ("call-all-gas", "604060006020600060 0073".replace(" ", "") + OTHER.hex() + "5af160005260206000f3", "", 200000),
    ("create", "6c600a600c600039600a6000f3 6000 52 600d 6013 6000 f0 60005260206000f3".replace(" ", ""), "", 200000),
    ("create-then-call", "6c600a600c600039600a6000f36000526010600060 0d60136000f0 5a f1 3d600052602060 00f3".replace(" ", ""), "", 300000),
    ("create2", "6c600a600c600039600a6000f3600052602a600d60136000f560005260206000f3", "", 200000),
    ("create-revert", "6460016000fd6000526005601b6000f03d60005260206000f3", "", 200000),
    ("create-initcode-too-big", "61c00160006000f0", "", 2000000),
    ("selfdestruct", "73" + OTHER.hex() + "ff", "", 100000),
    ("selfdestruct-empty", "73" + EMPTY.hex() + "ff", "", 100000),
    ("stack-overflow", "5b60005f56".replace("5f56", "600056"), "", 1000000),
    ("sstore-warm-cold", "600054506001600055600054600155", "", 200000),
    ("sar-neg", "7fff00000000000000000000000000000000000000000000000000000000000000600460 0a 1d".replace(" ", "") + "60005260206000f3", "", 100000),
]


# ---------------------------------------------------------------------------------------
# Random programs
SIMPLE_OPS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14,
              0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3a,
              0x3d, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x4a, 0x50, 0x58, 0x59, 0x5a, 0x5f]
STACK_OPS = list(range(0x80, 0xa0))


def small():
    return random.choice([0, 1, 2, 3, 4, 5, 7, 8, 15, 31, 32, 33, 64, 100])


def load_table():
    """Stack in/out per opcode, parsed from the one opcode table (evm_opcodes.def)."""
    table = {}
    import re
    for line in open(os.path.join(CORE, "evm_opcodes.def")):
        m = re.match(r"CEVM_OP\((\w+),\s*(0x[0-9a-f]+),\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+),", line)
        if m:
            table[int(m.group(2), 16)] = (m.group(1), int(m.group(4)), int(m.group(5)), int(m.group(6)))
    return table


TABLE = load_table()


class Gen:
    """Bytecode builder that keeps the virtual stack deep enough for the next opcode."""

    def __init__(self, rnd):
        self.rnd, self.out, self.depth, self.jumpdests = rnd, bytearray(), 0, []

    def push(self, v, n=None):
        self.out += push(v, n)
        self.depth += 1

    def op(self, code):
        _, sin, sout, _ = TABLE.get(code, ("?", 0, 0, 0))
        while self.depth < sin:
            self.push(self.rnd.choice([0, 1, 2, 5, 32, 64, self.rnd.getrandbits(64), self.rnd.choice(EDGE)]))
        self.out.append(code)
        self.depth += sout - sin


def rand_program(rnd):
    g = Gen(rnd)
    n = rnd.randint(5, 80)
    for _ in range(n):
        r = rnd.random()
        if g.depth > 900:
            g.op(0x50)
        elif r < 0.22:
            v = rnd.choice([rnd.getrandbits(rnd.choice([8, 16, 64, 128, 256])), rnd.choice(EDGE), rnd.randint(0, 40),
                            rnd.randint(0, 40), rnd.randint(0, 300)])
            g.push(v)
        elif r < 0.45:
            g.op(rnd.choice(SIMPLE_OPS))
        elif r < 0.53:
            g.op(rnd.choice(STACK_OPS))
        elif r < 0.63:  # memory
            op = rnd.choice([0x51, 0x52, 0x53, 0x37, 0x39, 0x20, 0x5e, 0x3e])
            sin = TABLE[op][1]
            if op == 0x3e:
                g.push(rnd.choice([0, 0, 0, 1, 32]))
                g.push(rnd.choice([0, 0, 1]))
                g.push(rnd.choice([0, 32, 64]))
            else:
                for _ in range(sin):
                    g.push(rnd.choice([0, 1, 2, 31, 32, 33, 64, 100, 300, 1000]))
            g.op(op)
        elif r < 0.70:  # storage
            op = rnd.choice([0x54, 0x55, 0x55, 0x5c, 0x5d])
            if op in (0x55, 0x5d):
                g.push(rnd.choice([0, 0, 1, 2, rnd.getrandbits(256)]))
            g.push(rnd.randint(0, 5))
            g.op(op)
        elif r < 0.74:  # external info
            g.push(int.from_bytes(rnd.choice([OTHER, EMPTY, TARGET, CALLER, COINBASE]), "big"))
            g.op(rnd.choice([0x31, 0x3b, 0x3f]))
            if rnd.random() < 0.3:
                g.push(rnd.choice([0, 3, 40]))
                g.push(rnd.choice([0, 2]))
                g.push(rnd.choice([0, 64]))
                g.push(int.from_bytes(rnd.choice([OTHER, EMPTY]), "big"))
                g.op(0x3c)
        elif r < 0.78:  # log
            k = rnd.randint(0, 4)
            for _ in range(k):
                g.push(rnd.getrandbits(32))
            g.push(rnd.choice([0, 1, 32, 40]))
            g.push(rnd.choice([0, 3, 64]))
            g.op(0xa0 + k)
        elif r < 0.85:  # call
            kind = rnd.choice([0xf1, 0xf1, 0xf2, 0xf4, 0xfa])
            g.push(rnd.choice([0, 32, 64]))      # out len
            g.push(rnd.choice([0, 32]))          # out off
            g.push(rnd.choice([0, 32, 36]))      # in len
            g.push(rnd.choice([0, 4]))           # in off
            if kind in (0xf1, 0xf2):
                g.push(rnd.choice([0, 0, 1, 3]))
            g.push(int.from_bytes(rnd.choice([OTHER, OTHER, EMPTY, TARGET]), "big"))
            g.push(rnd.choice([0, 100, 5000, 30000, 0xffffff]))
            g.op(kind)
            if rnd.random() < 0.5:
                g.op(0x3d)  # returndatasize
                g.push(0)
                g.push(rnd.choice([0, 32]))
                g.op(0x3e)
        elif r < 0.88:  # create
            init = bytes.fromhex(rnd.choice(["600a600c600039600a6000f3", "6460016000fd", "60016000f3", "60ef60005360016000f3"]))
            g.push(int.from_bytes(init.ljust(32, b"\0"), "big"), 32)
            g.push(0)
            g.op(0x52)
            if rnd.random() < 0.5:
                g.push(rnd.getrandbits(16))
                g.push(len(init)); g.push(0); g.push(rnd.choice([0, 1]))
                g.op(0xf5)
            else:
                g.push(len(init)); g.push(0); g.push(rnd.choice([0, 1]))
                g.op(0xf0)
        elif r < 0.93:  # jumps (forward/backward to known jumpdests)
            if g.jumpdests and rnd.random() < 0.3:
                g.push(rnd.choice([0, 1]))
                g.push(rnd.choice(g.jumpdests), 2)
                g.op(0x57)
            else:
                g.jumpdests.append(len(g.out))
                g.op(0x5b)
        elif r < 0.94:
            g.op(rnd.choice([0x00, 0xf3, 0xfd, 0xfe, 0xff, 0x0c, 0x21]))
        else:
            g.op(rnd.choice([0x40, 0x49, 0x35, 0x4a]))
    out = g.out
    # finish: return 64 bytes of memory
    out += bytes.fromhex("60406000f3")
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--random", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--keep-going", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        L = build_library(td)
        cases = [(n, bytes.fromhex(c), bytes.fromhex(d), g) for n, c, d, g in HAND] + binop_cases()
        rnd = random.Random(args.seed)
        for i in range(args.random):
            data = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 4, 36, 68])))
            cases.append((f"random#{i}", rand_program(rnd), data, rnd.choice([40000, 200000, 1000000, 1000000])))
        failures = 0
        for name, code, data, gas in cases:
            ours = run_ours(L, code, data, gas)
            theirs = run_revm(code, data, gas)
            diffs = compare(ours, theirs, gas, data)
            if diffs:
                failures += 1
                print(f"MISMATCH {name} code={code.hex()} data={data.hex()} gas={gas}")
                print(f"  ours: {ours['status']}  revm: {theirs['status']}")
                for d in diffs:
                    print("  " + d[:600])
                if not args.keep_going and failures >= 10:
                    break
            elif args.verbose:
                print(f"ok {name}: {ours['status']} gas {ours['gas']}")
        print(f"{len(cases)} cases, {failures} mismatches")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
