#!/usr/bin/env python3
"""Writes the small seed corpora in Fuzz/corpus/<target>/ (deterministic; re-run to refresh).

crv_insns: header (flags, 8 cost classes, budget, chunk seed, 32 register seeds) + RV words.
cevm_bytecode: flags, gas/16 (2 bytes), calldata, code.
evm_frames: flags, gas/16 (2 bytes), calldata length byte, calldata, code.
elf_loader: tiny hand-made RV32/RV64 ELFs (valid and broken).
statetest_json: minimal state tests.
cprec_point_eval: mode byte + point evaluation inputs from Tests/PrecompileTests/Vectors.
cprec_bn254: mode byte + ecAdd/ecMul/ecPairing inputs from the same folder, and scalar pairs.
"""
import json, os, struct, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# ---- RISC-V words
def r(op, rd, f3, rs1, rs2, f7): return op | rd << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | f7 << 25
def i(op, rd, f3, rs1, imm): return op | rd << 7 | f3 << 12 | rs1 << 15 | (imm & 0xfff) << 20
def s(op, f3, rs1, rs2, imm): return op | (imm & 0x1f) << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | ((imm >> 5) & 0x7f) << 25
def b(f3, rs1, rs2, imm):
    imm &= 0x1fff
    return 0x63 | ((imm >> 11) & 1) << 7 | ((imm >> 1) & 0xf) << 8 | f3 << 12 | rs1 << 15 | rs2 << 20 | ((imm >> 5) & 0x3f) << 25 | ((imm >> 12) & 1) << 31
def jal(rd, imm):
    imm &= 0x1fffff
    return 0x6f | rd << 7 | ((imm >> 12) & 0xff) << 12 | ((imm >> 11) & 1) << 20 | ((imm >> 1) & 0x3ff) << 21 | ((imm >> 20) & 1) << 31

loop = [i(0x13, 5, 0, 0, 10), i(0x13, 6, 0, 6, 1), r(0x33, 7, 0, 6, 5, 1), r(0x33, 8, 4, 7, 5, 1),
        s(0x23, 2, 3, 6, 0), i(0x03, 9, 2, 3, 0), b(1, 6, 5, -16), i(0x73, 0, 0, 0, 0)]
mem = [i(0x13, 10, 0, 0, 0x7ff), s(0x23, 3, 2, 10, 8), i(0x03, 11, 3, 2, 8), r(0x3b, 12, 0, 11, 10, 0),
       i(0x1b, 13, 1, 12, 3), jal(1, 8), i(0x73, 0, 0, 0, 1), i(0x67, 0, 0, 1, 0), i(0x0f, 0, 1, 0, 0)]
csr = [0xc0002573, 0xc0102573, 0xc0202573, 0x30002573, 0x00000073, 0x0000000f]
for n, (flags, words) in enumerate([(0, loop), (1, loop), (0, mem), (1, mem), (2, csr), (5, loop + mem)]):
    hdr = bytes([flags]) + bytes([1, 2, 3, 4, 5, 6, 7, 0]) + bytes([200]) + struct.pack("<I", 0x1234567 * (n + 1))
    regs = b"".join(struct.pack("<I", (k * 0x9e3779b9 + n) & 0xffffffff) for k in range(32))
    put("crv_insns", f"seed{n}", hdr + regs + b"".join(struct.pack("<I", w) for w in words))

# ---- EVM code
def push(v, n=None):
    bs = v.to_bytes(n or max(1, (v.bit_length() + 7) // 8), "big")
    return bytes([0x5f + len(bs)]) + bs

ret = push(0x2a) + push(0) + bytes([0x52]) + push(32) + push(0) + bytes([0xf3])
store = push(7) + push(1) + bytes([0x55]) + push(1) + bytes([0x54]) + push(0) + bytes([0x52]) + push(32) + push(0) + bytes([0xa1, 0x00])
call = push(0) * 4 + push(0) + push(0x1000000000000000000000000000000000000002, 20) + bytes([0x5a, 0xf1]) + bytes([0x3d, 0x60, 0, 0x60, 0, 0x3e, 0x00])
rec = bytes([0x36, 0x60, 0x00, 0x52]) + push(0) * 2 + push(32) + push(0) + push(0x1000000000000000000000000000000000000001, 20) + bytes([0x5a, 0xfa, 0x00])
create = push(0x600a600c600039600a6000f3600160005260206000f3, 22) + push(0) + bytes([0x52]) + push(22) + push(10) + push(0) + bytes([0xf0]) + bytes([0x3b, 0x00])
revert = push(0xdead) + push(0) + bytes([0x52]) + push(2) + push(30) + bytes([0xfd])
jumps = push(4) + bytes([0x56, 0xfe, 0x5b]) + push(3) + bytes([0x80, 0x01, 0x5b, 0x50, 0x5c, 0x5d, 0x00])
mem = push(0xffff) + bytes([0x51, 0x59]) + push(0x100) + push(0) + push(0) + bytes([0x5e, 0x20, 0x00])
sd = bytes([0x30, 0x31, 0x32, 0x33, 0x34, 0x38, 0x3a, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0xff])
codes = [ret, store, call, rec, create, revert, jumps, mem, sd]
for n, c in enumerate(codes):
    put("cevm_bytecode", f"seed{n}", bytes([(n & 3) | (2 << 2), 0x10, 0x00]) + b"\x01\x02\x03\x04\x05\x06\x07\x08" + c)
    put("evm_frames", f"seed{n}", bytes([n & 3, 0x10, 0x00, 8]) + b"\x01\x02\x03\x04\x05\x06\x07\x08" + c)

# ---- ELF (minimal static executables: one PT_LOAD RX segment holding header + code)
def elf(cls64, code, entry_off=None, flags=0, phnum=1, etype=2, machine=243, extra_seg=None, base=0x10000):
    ehsz, phsz = (64, 56) if cls64 else (52, 32)
    nph = phnum + (1 if extra_seg else 0)
    off = ehsz + phsz * nph
    entry = base + (off if entry_off is None else entry_off)
    ident = b"\x7fELF" + bytes([2 if cls64 else 1, 1, 1, 0]) + bytes(8)
    if cls64:
        eh = ident + struct.pack("<HHIQQQIHHHHHH", etype, machine, 1, entry, ehsz, 0, flags, ehsz, phsz, nph, 64, 0, 0)
    else:
        eh = ident + struct.pack("<HHIIIIIHHHHHH", etype, machine, 1, entry, ehsz, 0, flags, ehsz, phsz, nph, 40, 0, 0)
    total = off + len(code)
    phs = b""
    segs = [(1, 5, 0, base, total, total)] * phnum
    if extra_seg: segs.append(extra_seg)
    for (pt, fl, o, va, fs, ms) in segs:
        if cls64:
            phs += struct.pack("<IIQQQQQQ", pt, fl, o, va, va, fs, ms, 0x1000)
        else:
            phs += struct.pack("<IIIIIIII", pt, o, va, va, fs, ms, fl, 0x1000)
    return eh + phs + code

exit0 = b"".join(struct.pack("<I", w) for w in [i(0x13, 10, 0, 0, 7), i(0x13, 17, 0, 0, 93), 0x73])
write = b"".join(struct.pack("<I", w) for w in [i(0x13, 10, 0, 0, 1), i(0x13, 11, 0, 0, 0), i(0x13, 12, 0, 0, 4),
                                                 i(0x13, 17, 0, 0, 64), 0x73, i(0x13, 17, 0, 0, 214), 0x73,
                                                 i(0x13, 17, 0, 0, 93), 0x73])
put("elf_loader", "rv64_exit", elf(True, exit0))
put("elf_loader", "rv32_exit", elf(False, exit0))
put("elf_loader", "rv64_write", elf(True, write))
put("elf_loader", "rv32_loop", elf(False, struct.pack("<I", jal(0, 0))))
put("elf_loader", "rv64_bss", elf(True, exit0, extra_seg=(1, 6, 0, 0x20000, 0, 0x3000)))
put("elf_loader", "rvc_flag", elf(True, exit0, flags=1))
put("elf_loader", "bad_entry", elf(True, exit0, entry_off=0x5000))
put("elf_loader", "dyn", elf(False, exit0, etype=3))
put("elf_loader", "x86", elf(True, exit0, machine=62))
# Static PIEs at 0x10000 with a PT_DYNAMIC whose one RELA entry (R_RISCV_RELATIVE) fills a word
# of the code segment: the contract path applies it (ContractRelocations.swift).
def dyn_rela(cls64):
    w = 8 if cls64 else 4
    off = (64 + 2 * 56) if cls64 else (52 + 2 * 32)
    code = exit0 + (struct.pack("<I", i(0x13, 0, 0, 0, 0)) if cls64 else b"")
    dyn_off = off + len(code)
    rela_off = dyn_off + 8 * w
    slot_off = rela_off + 3 * w
    word = "<Q" if cls64 else "<I"
    dyn = b"".join(struct.pack(word, v) for v in [7, 0x10000 + rela_off, 8, 3 * w, 9, 3 * w, 0, 0])
    rela = b"".join(struct.pack(word, v) for v in [0x10000 + slot_off, 3, 0x1234])
    body = code + dyn + rela + bytes(w)
    return elf(cls64, body, etype=3, extra_seg=(2, 6, dyn_off, 0x10000 + dyn_off, len(dyn), len(dyn)))
put("elf_loader", "dyn_rela64", dyn_rela(True))
put("elf_loader", "dyn_rela32", dyn_rela(False))
# a segment in the last page of the 32-bit space (the 64-bit case is Fuzz/regressions/elf_loader/open-rv64-segment-in-last-page)
put("elf_loader", "rv32_top_of_address_space", elf(False, exit0, base=0xfffff000))

# ---- state tests
def st(code, data="0x", gas="0x0186a0", value="0x00"):
    return json.dumps({"t": {
        "env": {"currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba", "currentGasLimit": "0x05f5e100",
                "currentNumber": "0x01", "currentTimestamp": "0x03e8", "currentRandom": "0x" + "00" * 31 + "20",
                "currentDifficulty": "0x020000", "currentBaseFee": "0x0a", "currentExcessBlobGas": "0x00"},
        "pre": {"0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b": {"balance": "0x0de0b6b3a7640000", "code": "0x", "nonce": "0x00", "storage": {}},
                "0x1000000000000000000000000000000000000000": {"balance": "0x00", "code": code, "nonce": "0x01", "storage": {"0x01": "0x02"}}},
        "transaction": {"data": [data], "gasLimit": [gas], "gasPrice": "0x0a", "nonce": "0x00",
                        "secretKey": "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8",
                        "sender": "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b", "to": "0x1000000000000000000000000000000000000000", "value": [value]},
        "post": {"Cancun": [{"hash": "0x" + "00" * 32, "indexes": {"data": 0, "gas": 0, "value": 0}, "logs": "0x" + "00" * 32}]}}}, indent=1)

# execution-spec-tests' extra fields: a post entry's expected `state` and the `config` block.
def st_eest(code):
    d = json.loads(st(code))
    t = d["t"]
    t["post"]["Cancun"][0]["state"] = t["pre"]
    t["post"]["Cancun"][0]["logs"] = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"  # no logs: the root and state diff decide
    t["config"] = {"chainid": "0x05", "blobSchedule": {"Cancun": {"target": "0x03", "max": "0x06", "baseFeeUpdateFraction": "0x32f0ed"}}}
    return json.dumps(d, indent=1)
put("statetest_json", "eest_state_config", st_eest("0x4660015500"))

# BPO1 (Osaka's rules) with a blob schedule of its own: BLOBBASEFEE under a nonzero excess and a
# two-blob transaction against a maximum of 2 (the config's fraction and limit are read).
def st_bpo(code):
    d = json.loads(st_eest(code))
    t = d["t"]
    t["post"] = {"BPO1": t["post"]["Cancun"]}
    t["env"]["currentExcessBlobGas"] = "0x05f5e100"
    t["config"] = {"chainid": "0x01", "blobSchedule": {
        "Osaka": {"target": "0x06", "max": "0x09", "baseFeeUpdateFraction": "0x4c6964"},
        "BPO1": {"target": "0x01", "max": "0x02", "baseFeeUpdateFraction": "0x01312d00"}}}
    tx = t["transaction"]
    del tx["gasPrice"]
    tx.update({"maxFeePerGas": "0x0a", "maxPriorityFeePerGas": "0x00", "maxFeePerBlobGas": "0x3b9aca00",
               "blobVersionedHashes": ["0x01" + "00" * 31, "0x01" + "11" * 31]})
    return json.dumps(d, indent=1)
put("statetest_json", "bpo1_blob_schedule", st_bpo("0x4a60015500"))
put("statetest_json", "sstore", st("0x600160015500"))
put("statetest_json", "return", st("0x602a60005260206000f3", data="0x1234"))
put("statetest_json", "revert", st("0x60006000fd", value="0x01"))
put("statetest_json", "lowgas", st("0x00", gas="0x01"))
put("statetest_json", "create", st("0x", data="0x600a600c600039600a6000f3602a60005260206000f3").replace('"to": "0x1000000000000000000000000000000000000000"', '"to": ""'))

# ---- point evaluation (0x0a): raw inputs (mode 0) and z|y|commitment|proof (mode 1) from the
# ckzg-generated vectors: valid proofs (points at infinity among them) and one case per refusal
vectors = json.load(open(os.path.join(os.path.dirname(ROOT), "..", "Tests", "PrecompileTests", "Vectors",
                                      "kzg_point_evaluation_vectors.json")))
picked = [v for v in vectors if v["success"]][::3]
for reason in ("invalidProof", "notInSubgroup", "notOnCurve", "badEncoding", "coordinateOutOfRange"):
    picked.append(next(v for v in vectors if v["reason"] == reason))
for n, v in enumerate(picked):
    raw = bytes.fromhex(v["input"])
    put("cprec_point_eval", "raw%d" % n, bytes([0]) + raw)
    put("cprec_point_eval", "fields%d" % n, bytes([1]) + raw[32:])

# ---- alt_bn128 (0x06-0x08): raw inputs (mode 0) from the precompile vectors (every tenth of
# each address), and scalar pairs for the group-law mode (mode 1; mode 3 also flips a G2 bit)
pvec = json.load(open(os.path.join(os.path.dirname(ROOT), "..", "Tests", "PrecompileTests", "Vectors",
                                   "precompile_vectors.json")))
for addr in (6, 7, 8):
    for n, v in enumerate([v for v in pvec if v["address"] == addr][::10]):
        put("cprec_bn254", "raw%d_%d" % (addr, n), bytes([0]) + bytes.fromhex(v["input"]))
for n, (a, b) in enumerate([(0, 0), (1, 1), (2, 3), ((1 << 256) - 1, 7), (0x30644e72e131a029b85045b68181585d2833e84879b97091043e1f593f0000001 >> 4, 5)]):
    put("cprec_bn254", "laws%d" % n, bytes([1]) + a.to_bytes(32, "big") + b.to_bytes(32, "big"))
    put("cprec_bn254", "flip%d" % n, bytes([3]) + a.to_bytes(32, "big") + b.to_bytes(32, "big") + bytes([n * 37]))

# ---- nested_frames: byte 0 gas / 256 (+20,000), then NestEE operations (FuzzEntry.swift):
# low nibble the operation, high nibble its argument (the target for calls: 0, 1 NestEE copies,
# 2 the EVM forwarder).
for name, ops in {
    "chain": [0x10, 0x23, 0x05],             # nested call -> sstore, return
    "preempt": [0x11, 0x04, 0x33, 0x05],     # preempting call
    "evm": [0x20, 0x03, 0x05],               # nested call into the EVM forwarder, which calls a copy
    "create": [0x02, 0x03, 0x05],            # nested CREATE of the rest
    "create2": [0x12, 0x04, 0x05],
    "static": [0x0d, 0x03, 0x05],            # the static callee's sstore fails
    "delegate": [0x0e, 0x03, 0x0c, 0x05],
    "recurse": [0x00] * 40 + [0x05],         # nested calls as deep as the gas allows
    "break": [0x0b, 0xf9, 0x05],             # swallow errors, then pass more than held
    "revert": [0x10, 0x06, 0x08, 0x05],
}.items():
    put("nested_frames", name, bytes([40 if name == "recurse" else 8] + ops))
