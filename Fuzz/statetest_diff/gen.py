"""Random state-test generator (pre state, code, transaction) for the EEKit vs execution-specs
differential campaign. Used by campaign.py; gen_test(rng, name) returns (test_dict_without_post,
fork_list) where fork_list are the fork keys the transaction type allows.

Prague (gen_test_prague, used by campaign.py --prague FRACTION or --forks Prague): tests whose only
post fork is Prague: type-4 set-code transactions with 1-4 authorizations signed here with known
keys (valid, wrong chain id, chain id 0, wrong nonce, nonce 2^64-1, bad y_parity, high s, r or s 0,
the zero address clearing a delegation, authorities that already hold code or a delegation, the
sender itself as an authority), authorities and delegates in the address pool of the generated
code (CALL/CALLCODE/DELEGATECALL/STATICCALL, EXTCODE* and BALANCE reach delegated accounts, warm
or cold, delegates that are delegated themselves or precompiles), calldata-heavy transactions with
gas limits around the EIP-7623 floor, blob transactions with 7-10 blobs, and calls to the EIP-2537
precompiles 0x0b-0x11 with valid and invalid inputs. Everything Prague draws from the random
stream only on that path: gen_test (Frontier..Cancun) makes the same tests from the same seed
as before."""
import random

FORKS = ["Frontier", "Homestead", "EIP150", "EIP158", "Byzantium", "ConstantinopleFix", "Istanbul",
         "Berlin", "London", "Paris", "Shanghai", "Cancun"]
FI = {f: i for i, f in enumerate(FORKS)}
HOM, TW, SD, BYZ, CON, IST, BER, LON, PAR, SHA, CAN = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
PRA = 12                                      # Prague: only gen_test_prague targets it
ALL_FORKS = FORKS + ["Prague", "Osaka", "BPO1", "BPO2"]

SK = "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8"
SENDER = 0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b
C = [0xc0de00 + i for i in range(4)]          # contracts
E0 = 0xee0000                                 # empty account (in pre)
EB = 0xee0001                                 # balance-only EOA
EN = 0xee0002                                 # nonce-only account (no code/balance)
M = [0xdead00, 0xdead01]                      # missing
CB_FAR = 0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba
PRECOMP = list(range(1, 11))
RANDOM_DIFFERS = 0.2
SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141
BN_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
BN_N = 21888242871839275222246405745257275088548364400416034343698204186575808495617
G1_2 = (0x030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3, 0x15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4)
G2 = (0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2, 0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed,
      0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b, 0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa)


def _mk_ecrec():
    import coincurve, hashlib
    out = []
    for i in range(4):
        k = coincurve.PrivateKey(hashlib.sha256(b"k%d" % i).digest())
        h = hashlib.sha256(b"m%d" % i).digest()
        sig = k.sign_recoverable(h, hasher=None)
        r, s_, v = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64] + 27
        out.append((int.from_bytes(h, "big"), v, r, s_))
    return out


ECREC = _mk_ecrec()   # probability that env.currentRandom != currentDifficulty

# opcode -> first fork index where it is defined
NEW_OPS = {0xf4: HOM, 0xfd: BYZ, 0x3d: BYZ, 0x3e: BYZ, 0xfa: BYZ, 0x1b: CON, 0x1c: CON, 0x1d: CON,
           0xf5: CON, 0x3f: CON, 0x46: IST, 0x47: IST, 0x48: LON, 0x5f: SHA, 0x5c: CAN, 0x5d: CAN,
           0x5e: CAN, 0x49: CAN, 0x4a: CAN}

U256 = 2 ** 256 - 1
BIGS = [2 ** 255, U256, 2 ** 255 - 1, 2 ** 64, 2 ** 32, 2 ** 128, 2 ** 160 - 1, 2 ** 63]
SMALL = [0, 1, 2, 3, 4, 5, 7, 0x1f, 0x20, 0x21, 0xff, 0x100, 0x3f]


def addr_hex(a):
    return "0x%040x" % a


class Asm:
    def __init__(self, rng, tf, depth_max=12):
        self.rng = rng
        self.tf = tf          # target fork index: ops up to this fork are used
        self.items = []
        self.d = 0            # tracked stack depth
        self.nl = 0
        self.depth_max = depth_max

    def has(self, op):
        return NEW_OPS.get(op, 0) <= self.tf

    def op(self, b, pop=0, push=0):
        self.items.append(bytes([b]))
        self.d += push - pop

    def raw(self, bs):
        self.items.append(bytes(bs))

    def push(self, v):
        v &= U256
        if v == 0 and self.tf >= SHA and self.rng.random() < 0.5:
            self.items.append(b"\x5f")
        else:
            n = max(1, (v.bit_length() + 7) // 8)
            self.items.append(bytes([0x5f + n]) + v.to_bytes(n, "big"))
        self.d += 1

    def newlabel(self):
        self.nl += 1
        return "L%d" % self.nl

    def label(self, name):
        self.items.append(("L", name))

    def pushlabel(self, name):
        self.items.append(("P", name))
        self.d += 1

    def assemble(self):
        pos, labels = 0, {}
        for it in self.items:
            if isinstance(it, tuple):
                if it[0] == "L":
                    labels[it[1]] = pos
                    pos += 1
                else:
                    pos += 3
            else:
                pos += len(it)
        out = bytearray()
        for it in self.items:
            if isinstance(it, tuple):
                if it[0] == "L":
                    out.append(0x5b)
                else:
                    out += bytes([0x61]) + labels[it[1]].to_bytes(2, "big")
            else:
                out += it
        return bytes(out)


class Gen:
    def __init__(self, rng, tf, ctx):
        self.rng = rng
        self.tf = tf
        self.ctx = ctx  # dict: coinbase, extra create-address targets

    # ---------- value pickers ----------
    def val(self):
        r = self.rng.random()
        if r < 0.55:
            return self.rng.choice(SMALL)
        if r < 0.8:
            return self.rng.choice(BIGS)
        if r < 0.9:
            return self.rng.getrandbits(self.rng.choice([8, 16, 64, 256]))
        return self.rng.choice(C + [SENDER])

    def small_key(self):
        return self.rng.choice([0, 1, 2, 3, 0, 1])

    def small_val(self):
        return self.rng.choice([0, 1, 2, 3, 0, 1, 2 ** 255])

    def mem_off(self, allow_huge=True):
        r = self.rng.random()
        if allow_huge and r < 0.015:
            return self.rng.choice([2 ** 32, 2 ** 64, U256, 2 ** 31])
        return self.rng.choice([0, 0, 1, 0x1f, 0x20, 0x40, 0x60, 0x100, 0x3e0])

    def mem_size(self):
        r = self.rng.random()
        if r < 0.01:
            return self.rng.choice([2 ** 32, U256, 0x10000])
        return self.rng.choice([0, 0, 1, 0x20, 0x20, 0x21, 0x40, 0x80, 0x5])

    def push_offsize(self, a):
        """push (size, then offset) so that op sees offset=s0,size=s1; huge offset mostly with size 0"""
        off, size = self.mem_off(), self.mem_size()
        if off > 2 ** 20 and self.rng.random() < 0.7:
            size = 0
        if size > 2 ** 20 and self.rng.random() < 0.5:
            off = 0
        a.push(size)
        a.push(off)

    def addr_choice(self):
        r = self.rng.random()
        pool = C + C + [SENDER, E0, EB, EN, M[0], M[1], self.ctx["coinbase"], 0]
        pool += self.ctx.get("create_targets", [])
        if self.tf >= PRA:
            # authorities (delegated or not) and delegation targets, twice: the point of Prague runs
            pool += self.ctx["prague_addrs"] * 2
            if r < 0.2:
                pc = self.rng.choice(PRECOMP + (BLS_PC if PRAGUE_BLS else []))
                if pc in BLS_PC:
                    self.ctx["bls"] = True
                return ("pc", pc)
        if r < 0.25:
            return ("pc", self.rng.choice(PRECOMP))
        if r < 0.32:
            return ("op", self.rng.choice([0x30, 0x33, 0x32, 0x41]))  # ADDRESS CALLER ORIGIN COINBASE
        return ("c", self.rng.choice(pool))

    def push_addr(self, a, ch=None):
        ch = ch or self.addr_choice()
        if ch[0] == "op":
            a.op(ch[1], push=1)
        else:
            v = ch[1]
            if self.rng.random() < 0.03:
                v |= (0xffff << 160)   # dirty high bits
            a.push(v)

    def push_val(self, a):
        r = self.rng.random()
        if r < 0.08 and a.d > 0:
            a.op(0x80 + self.rng.randrange(min(a.d, 16)), push=1)  # DUPn
        elif r < 0.14:
            ops = [0x30, 0x31 if False else 0x33, 0x34, 0x36, 0x38, 0x3a, 0x41, 0x42, 0x43, 0x44, 0x45,
                   0x58, 0x59, 0x5a, 0x32]
            for o in [0x3d, 0x46, 0x47, 0x48, 0x4a]:
                if a.has(o):
                    ops.append(o)
            a.op(self.rng.choice(ops), push=1)
        else:
            a.push(self.val())

    def sink(self, a, neutral):
        """consume the value on top of the stack"""
        r = self.rng.random()
        if r < 0.45:
            a.push(self.rng.choice([0, 1, 2, 3, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15]))
            a.op(0x55, pop=2)  # SSTORE
        elif r < 0.6:
            a.push(self.rng.choice([0, 0x20, 0x40]))
            a.op(0x52, pop=2)  # MSTORE
        elif r < 0.68 and a.has(0x5d):
            a.push(self.small_key())
            a.op(0x5d, pop=2)  # TSTORE
        elif r < 0.8 and not neutral and a.d < a.depth_max:
            pass  # leave on stack
        else:
            a.op(0x50, pop=1)

    # ---------- snippets ----------
    def sn_arith(self, a, neutral):
        ops2 = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14,
                0x16, 0x17, 0x18, 0x1a, 0x1b, 0x1c, 0x1d]
        ops3 = [0x08, 0x09]
        ops1 = [0x15, 0x19] + ([0x1e, 0x1e] if OSAKA and self.tf >= PRA else [])   # CLZ
        r = self.rng.random()
        if r < 0.7:
            o, n = self.rng.choice(ops2), 2
        elif r < 0.85:
            o, n = self.rng.choice(ops3), 3
        else:
            o, n = self.rng.choice(ops1), 1
        if not a.has(o) and self.rng.random() < 0.7:
            o, n = 0x01, 2
        for _ in range(n):
            self.push_val(a)
        a.op(o, pop=n, push=1)
        self.sink(a, neutral)

    def sn_env(self, a, neutral):
        ops = [0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3a, 0x41, 0x42, 0x43, 0x44, 0x45, 0x58, 0x59, 0x5a,
               0x3d, 0x46, 0x47, 0x48, 0x4a]
        o = self.rng.choice(ops)
        if not a.has(o) and self.rng.random() < 0.7:
            o = 0x5a
        a.op(o, push=1)
        self.sink(a, neutral)
        if self.rng.random() < 0.15:
            a.push(self.rng.choice([0, 1, 2 ** 255, U256]))
            a.op(0x35, pop=1, push=1)  # CALLDATALOAD
            self.sink(a, neutral)
        if self.rng.random() < 0.1:
            # BLOCKHASH of the current, next, a past (NUMBER - k, k in 1..257: refrun gives the
            # reference the 256 previous hashes) or a huge block number
            ch = self.rng.choice(["num", "num1", "past", "huge"])
            if ch == "num":
                a.op(0x43, push=1)
            elif ch == "num1":
                a.push(1); a.op(0x43, push=1); a.op(0x01, pop=2, push=1)
            elif ch == "past":
                a.push(self.rng.choice([1, 2, 10, 99, 100, 255, 256, 257])); a.op(0x43, push=1)
                a.op(0x03, pop=2, push=1)  # NUMBER - k (wraps below block k)
            else:
                a.push(U256)
            a.op(0x40, pop=1, push=1)
            self.sink(a, neutral)
        if self.rng.random() < 0.05 and a.has(0x49):
            a.push(self.rng.choice([0, 1, U256]))
            a.op(0x49, pop=1, push=1)
            self.sink(a, neutral)

    def sn_mem(self, a, neutral):
        r = self.rng.random()
        if r < 0.25:
            self.push_val(a)
            a.push(self.mem_off())
            a.op(self.rng.choice([0x52, 0x53]), pop=2)
        elif r < 0.4:
            a.push(self.mem_off())
            a.op(0x51, pop=1, push=1)
            self.sink(a, neutral)
        elif r < 0.5:
            self.push_offsize(a)
            a.op(0x20, pop=2, push=1)  # SHA3
            self.sink(a, neutral)
        elif r < 0.75:
            o = self.rng.choice([0x37, 0x39, 0x3e, 0x5e, 0x3c])
            if not a.has(o) and self.rng.random() < 0.6:
                o = 0x39
            size = self.mem_size()
            src = self.rng.choice([0, 0, 1, 0x20, 0x40, U256, 2 ** 64])
            dst = self.mem_off()
            if dst > 2 ** 20 and self.rng.random() < 0.7:
                size = 0
            if o == 0x3c:  # EXTCODECOPY addr dst src size
                a.push(size); a.push(src); a.push(dst); self.push_addr(a)
                a.op(o, pop=4)
            elif o == 0x5e:  # MCOPY dst src size
                a.push(size); a.push(self.mem_off()); a.push(dst)
                a.op(o, pop=3)
            else:
                a.push(size); a.push(src); a.push(dst)
                a.op(o, pop=3)
        elif r < 0.85:
            a.op(0x59, push=1)  # MSIZE
            self.sink(a, neutral)
        else:
            # copy calldata word 0 into memory 0
            a.push(0x20); a.push(0); a.push(0)
            a.op(0x37, pop=3)

    def sn_storage(self, a, neutral):
        n = self.rng.randint(1, 4)
        tr = a.has(0x5c) and self.rng.random() < 0.3
        for _ in range(n):
            if self.rng.random() < 0.6:
                if self.rng.random() < 0.15:
                    a.op(0x5a, push=1)
                else:
                    a.push(self.small_val())
                a.push(self.small_key())
                a.op(0x5d if tr else 0x55, pop=2)
            else:
                a.push(self.small_key())
                a.op(0x5c if tr else 0x54, pop=1, push=1)
                self.sink(a, neutral)
        if self.rng.random() < 0.2:
            # observe remaining gas after the storage sequence
            a.op(0x5a, push=1)
            a.push(0x1f)
            a.op(0x55, pop=2)

    def sn_log(self, a, neutral):
        n = self.rng.randint(0, 4)
        for _ in range(n):
            self.push_val(a)
        self.push_offsize(a)
        a.op(0xa0 + n, pop=2 + n)

    def sn_account(self, a, neutral):
        o = self.rng.choice([0x31, 0x3b, 0x3f, 0x3f, 0x31, 0x47])
        if not a.has(o) and self.rng.random() < 0.6:
            o = 0x3b
        if o == 0x47:
            a.op(o, push=1)
        else:
            self.push_addr(a)
            a.op(o, pop=1, push=1)
        self.sink(a, neutral)

    def call_gas(self, a):
        r = self.rng.random()
        if r < 0.3:
            a.op(0x5a, push=1)  # GAS (everything: > available pre-EIP150 after call cost)
        elif r < 0.4:
            a.push(self.rng.choice([1000, 5000, 20000, 50000]))
            a.op(0x5a, push=1)
            a.op(0x03, pop=2, push=1)  # GAS - k
        elif r < 0.85:
            a.push(self.rng.choice([0, 1, 100, 2300, 2600, 3000, 5000, 10000, 30000, 100000, 500000]))
        else:
            a.push(self.rng.choice([U256, 2 ** 64, 2 ** 63, 1 << 40]))

    def sn_call(self, a, neutral, target=None):
        kinds = [0xf1, 0xf1, 0xf1, 0xf2, 0xf4, 0xfa]
        o = self.rng.choice(kinds)
        if not a.has(o) and self.rng.random() < 0.6:
            o = 0xf1
        # optionally prepare calldata (depth counter +1 in word 0)
        if self.rng.random() < 0.4:
            a.push(1); a.push(0); a.op(0x35, pop=1, push=1); a.op(0x01, pop=2, push=1)
            a.push(0); a.op(0x52, pop=2)
        tgt = self.addr_choice()
        if self.rng.random() < 0.15 or (tgt[0] == "pc" and self.rng.random() < 0.5):
            self.sn_modexp_input(a)
        # ret size, ret off, args size, args off
        a.push(self.rng.choice([0, 0, 0x20, 0x40, 1]))
        a.push(self.rng.choice([0, 0x20, 0x40, 0x80]) if self.rng.random() > 0.03 else U256)
        a.push(self.rng.choice([0, 0x20, 0x20, 0x40, 0x80, 0x60, 0xd5, 0xc0]))
        a.push(self.rng.choice([0, 0, 0x20]) if self.rng.random() > 0.03 else U256)
        if o in (0xf1, 0xf2):
            a.push(self.rng.choice([0, 0, 0, 1, 1, 10 ** 6, 10 ** 18, 2 ** 255]))
        self.push_addr(a, target or tgt)
        self.call_gas(a)
        a.op(o, pop=7 if o in (0xf1, 0xf2) else 6, push=1)
        self.sink(a, neutral)
        if self.rng.random() < 0.3 and a.has(0x3d):
            a.op(0x3d, push=1)
            self.sink(a, neutral)
        if self.rng.random() < 0.15 and a.has(0x3e):
            a.push(self.rng.choice([0, 1, 0x20, 0x21]))
            a.push(self.rng.choice([0, 0, 1, 0x1f]))
            a.push(0x100)
            a.op(0x3e, pop=3)

    def sn_modexp_input(self, a):
        # small valid modexp / precompile input at memory 0: lengths 1,1,1 then b,e,m
        a.push(1); a.push(0); a.op(0x52, pop=2)
        a.push(1); a.push(0x20); a.op(0x52, pop=2)
        a.push(self.rng.choice([1, 0, 2, 32])); a.push(0x40); a.op(0x52, pop=2)
        v = self.rng.getrandbits(24) << (256 - 24)
        a.push(v); a.push(0x60); a.op(0x52, pop=2)

    def precompile_input(self, addr):
        rng = self.rng
        if addr == 1:
            h, v, r, s_ = rng.choice(ECREC)
            r2 = rng.random()
            if r2 < 0.15: v = rng.choice([0, 1, 29, 27 + 2 ** 200])
            elif r2 < 0.25: r = rng.choice([0, SECP_N, SECP_N - 1])
            elif r2 < 0.35: s_ = rng.choice([0, SECP_N, 2 ** 256 - 1])
            return b"".join(x.to_bytes(32, "big") for x in (h, v, r, s_))
        if addr in (2, 3, 4):
            return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 31, 32, 33, 64, 100])))
        if addr == 5:
            bl = rng.choice([0, 1, 2, 31, 32, 33, 64, 65, 100])
            el = rng.choice([0, 1, 2, 8, 32, 33, 40])
            ml = rng.choice([0, 1, 2, 31, 32, 33, 64, 65, 100])
            body = bytes(rng.getrandbits(8) for _ in range(bl + el + ml))
            if rng.random() < 0.2:
                body = body[:rng.randrange(len(body) + 1)]   # truncated input
            hdr = bl.to_bytes(32, "big") + el.to_bytes(32, "big") + ml.to_bytes(32, "big")
            if rng.random() < 0.05:
                hdr = bl.to_bytes(32, "big") + (2 ** 64 + rng.randrange(3)).to_bytes(32, "big") + ml.to_bytes(32, "big")
            return hdr + body
        if addr == 6:
            pts = [(0, 0), (1, 2), G1_2, (1, 3), (BN_P, 2), (0, 1)]
            p1, p2 = rng.choice(pts), rng.choice(pts)
            d = b"".join(x.to_bytes(32, "big") for x in p1 + p2)
            return d[:rng.choice([128, 128, 64, 0, 100, 160])]
        if addr == 7:
            pts = [(0, 0), (1, 2), G1_2, (1, 3), (BN_P + 1, 2)]
            p = rng.choice(pts)
            k = rng.choice([0, 1, 2, 3, BN_N, BN_N - 1, 2 ** 256 - 1, rng.getrandbits(256)])
            d = b"".join(x.to_bytes(32, "big") for x in p + (k,))
            return d[:rng.choice([96, 96, 64, 128])]
        if addr == 8:
            n = rng.choice([0, 1, 1])
            d = b""
            for _ in range(n):
                g1 = rng.choice([(0, 0), (1, 2), (1, 3)])
                g2 = rng.choice([G2, (0, 0, 0, 0), (1, 2, 3, 4)])
                d += b"".join(x.to_bytes(32, "big") for x in g1 + g2)
            if rng.random() < 0.15:
                d = d + b"\x00"
            return d
        if addr == 9:
            rounds = rng.choice([0, 1, 2, 12, 20])
            d = rounds.to_bytes(4, "big") + bytes(rng.getrandbits(8) for _ in range(208)) + bytes([rng.choice([0, 1, 1, 2])])
            return d[:rng.choice([213, 213, 213, 212])] if rng.random() < 0.9 else d + b"\x00"
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 192, 100])))

    def sn_precompile(self, a, neutral):
        addr = self.rng.choice(PRECOMP)
        if self.tf >= PRA and PRAGUE_BLS and self.rng.random() < 0.6:
            addr = self.rng.choice(BLS_PC)
        osaka = OSAKA and self.tf >= PRA and self.rng.random() < 0.4
        if osaka:
            addr = self.rng.choice([0x100, 0x100, 5])
        if addr in BLS_PC:
            self.ctx["bls"] = True
        inp = (osaka_input(self.rng, addr) if osaka else bls_input(self.rng, addr) if addr in BLS_PC
               else self.precompile_input(addr))
        base = 0x400
        self.store_bytes(a, inp, base)
        o = self.rng.choice([0xf1, 0xf1, 0xfa, 0xf4, 0xf2])
        if not a.has(o):
            o = 0xf1
        a.push(self.rng.choice([0x20, 0x40, 0x80, 0] + ([0x100, 0x80] if addr in BLS_PC else []))); a.push(0x100)   # ret size, ret off
        a.push(len(inp)); a.push(base)
        if o in (0xf1, 0xf2):
            a.push(self.rng.choice([0, 0, 0, 1]))
        a.push(addr)
        r = self.rng.random()
        if r < 0.5:
            if self.tf < TW:
                a.push(self.rng.choice([100000, 200000]))
            else:
                a.op(0x5a, push=1)
        else:
            gs = [0, 15, 18, 60, 200, 600, 720, 3000, 3450, 150, 500, 6000, 40000, 45000,
                  79000, 100000, 12, 20, 40, 500000]
            if addr in BLS_PC:
                gs = BLS_GAS_CHOICES
            if osaka:
                gs = [0, 6899, 6900, 7000, 499, 500, 3000, 100000, 10 ** 6]
            a.push(self.rng.choice(gs))
        a.op(o, pop=7 if o in (0xf1, 0xf2) else 6, push=1)
        a.push(0x14); a.op(0x55, pop=2)  # SSTORE(0x14, success)
        a.push(0x100); a.op(0x51, pop=1, push=1); a.push(0x15); a.op(0x55, pop=2)
        a.push(0x120); a.op(0x51, pop=1, push=1); a.push(0x16); a.op(0x55, pop=2)
        if a.has(0x3d):
            a.op(0x3d, push=1); a.push(0x17); a.op(0x55, pop=2)
        if self.rng.random() < 0.3:
            a.op(0x5a, push=1); a.push(0x18); a.op(0x55, pop=2)

    def sn_recurse(self, a, neutral):
        # if calldata word 0 < N: call self (or another contract) with word0+1
        n = self.rng.choice([2, 5, 20, 100, 1100])
        skip = a.newlabel()
        a.push(0); a.op(0x35, pop=1, push=1)
        a.push(n)
        a.op(0x11, pop=2, push=1)  # GT: n > cd0
        a.op(0x15, pop=1, push=1)
        a.pushlabel(skip)
        a.op(0x57, pop=2)
        tgt = ("op", 0x30) if self.rng.random() < 0.7 else ("c", self.rng.choice(C))
        self.sn_call_fixed(a, tgt)
        a.label(skip)

    def sn_call_fixed(self, a, tgt):
        a.push(1); a.push(0); a.op(0x35, pop=1, push=1); a.op(0x01, pop=2, push=1)
        a.push(0); a.op(0x52, pop=2)
        o = self.rng.choice([0xf1, 0xf1, 0xf2, 0xf4]) if a.has(0xf4) else 0xf1
        a.push(0); a.push(0); a.push(0x20); a.push(0)
        if o in (0xf1, 0xf2):
            a.push(self.rng.choice([0, 0, 1]))
        self.push_addr(a, tgt)
        if self.rng.random() < 0.6:
            if self.tf < TW or self.rng.random() < 0.5:
                a.push(self.rng.choice([800, 2000, 30000]))
                a.op(0x5a, push=1)
                a.op(0x03, pop=2, push=1)  # GAS - k
            else:
                a.op(0x5a, push=1)
        else:
            a.push(self.rng.choice([50000, 200000, 10 ** 6]))
        a.op(o, pop=7 if o in (0xf1, 0xf2) else 6, push=1)
        self.sink(a, True)

    # ---------- creation ----------
    def runtime_code(self):
        r = self.rng.random()
        if r < 0.15:
            return b""
        if r < 0.25:
            return bytes.fromhex("6001600155")  # SSTORE(1,1)
        if r < 0.35:
            return bytes.fromhex("33ff")        # SELFDESTRUCT(CALLER)
        if r < 0.42:
            return bytes.fromhex("30ff")        # SELFDESTRUCT(self)
        if r < 0.5:
            return bytes([0xef]) + bytes(self.rng.randrange(3))  # EIP-3541
        if r < 0.55:
            return bytes([0xfe])
        if r < 0.6:
            return bytes([0xef] if self.rng.random() < 0.5 else [0x00])
        sub = Gen(self.rng, self.tf, self.ctx)
        return sub.program(self.rng.randint(1, 4), level=2)

    def store_bytes(self, a, code, base):
        """write code into memory at base (32-byte chunks); returns nothing"""
        for j in range(0, len(code), 32):
            chunk = code[j:j + 32]
            v = int.from_bytes(chunk.ljust(32, b"\0"), "big")
            a.push(v)
            a.push(base + j)
            a.op(0x52, pop=2)

    def return_code_asm(self, a, code):
        if len(code) == 0:
            if self.rng.random() < 0.5:
                a.op(0x00)
            else:
                a.push(0); a.push(0); a.op(0xf3, pop=2)
            return
        self.store_bytes(a, code, 0)
        a.push(len(code)); a.push(0); a.op(0xf3, pop=2)

    def initcode(self, level):
        a = Asm(self.rng, self.tf)
        # prefix
        for _ in range(self.rng.choice([0, 0, 1, 2, 3])):
            self.snippet(a, True, level + 1)
        r = self.rng.random()
        if r < 0.45:
            self.return_code_asm(a, self.runtime_code())
        elif r < 0.55:
            a.push(self.rng.choice([0, 0x20])); a.push(0); a.op(0xfd, pop=2)    # REVERT
        elif r < 0.62:
            if self.rng.random() < 0.5:   # OOG: expensive loop
                l = a.newlabel(); a.label(l)
                a.push(0x4000); a.push(0); a.op(0x20, pop=2, push=1); a.op(0x50, pop=1)
                a.pushlabel(l); a.op(0x56, pop=1)
            else:                         # OOG: memory expansion
                a.push(1); a.push(self.rng.choice([2 ** 30, 2 ** 24])); a.op(0x52, pop=2)
        elif r < 0.67:
            a.op(0xfe)
        elif r < 0.77:
            self.push_addr(a); a.op(0xff, pop=1)
        elif r < 0.82:
            # large code: at/over the EIP-170 limit
            a.push(self.rng.choice([0x6000, 0x6001])); a.push(0); a.op(0xf3, pop=2)
        elif r < 0.87:
            return b""
        else:
            a.op(0x00)
        return a.assemble()

    def sn_create(self, a, neutral, level):
        o = 0xf5 if (a.has(0xf5) and self.rng.random() < 0.5) or (self.rng.random() < 0.05) else 0xf0
        code = self.initcode(level)
        base = self.rng.choice([0, 0x40, 0x200])
        self.store_bytes(a, code, base)
        size = len(code)
        r = self.rng.random()
        if r < 0.04:
            size = self.rng.choice([0xc000, 0xc001])  # EIP-3860 limit
        elif r < 0.06:
            size = U256
        times = 2 if self.rng.random() < 0.2 else 1
        salt = self.rng.choice([0, 0, 1, U256])
        value = self.rng.choice([0, 0, 0, 1, 7, 10 ** 18, 2 ** 200])
        then_call = self.rng.random() < 0.35
        for _ in range(times):
            if o == 0xf5:
                a.push(salt)
            a.push(size); a.push(base); a.push(value)
            a.op(o, pop=4 if o == 0xf5 else 3, push=1)
            if then_call:
                # CALL(gas, created, v, 0, 0, 0, 0)
                a.push(0); a.push(0); a.push(0); a.push(0)
                a.push(self.rng.choice([0, 0, 1]))
                a.op(0x85, push=1)  # DUP6 -> created address
                a.push(self.rng.choice([100000, 30000, 2300]))
                a.op(0xf1, pop=7, push=1)
                self.sink(a, True)
            self.sink(a, neutral if times == 1 else True)
            if a.has(0x3d) and self.rng.random() < 0.3:
                a.op(0x3d, push=1); a.push(0x19); a.op(0x55, pop=2)

    def sn_selfdestruct(self, a, neutral):
        # conditional selfdestruct: only when calldata word 1 is non-zero ... or unconditional
        skip = a.newlabel()
        cond = self.rng.random() < 0.6
        if cond:
            a.push(0x20); a.op(0x35, pop=1, push=1)
            a.op(0x15, pop=1, push=1)
            a.pushlabel(skip); a.op(0x57, pop=2)
        self.push_addr(a)
        a.op(0xff, pop=1)
        if cond:
            a.label(skip)

    def sn_branch(self, a, neutral, level):
        skip = a.newlabel()
        r = self.rng.random()
        if r < 0.4:
            a.push(self.rng.choice([0, 0x20])); a.op(0x35, pop=1, push=1)
        elif r < 0.6:
            a.op(0x34, push=1)
        elif r < 0.8:
            a.push(self.small_key()); a.op(0x54, pop=1, push=1)
        else:
            a.op(0x36, push=1)
        if self.rng.random() < 0.5:
            a.op(0x15, pop=1, push=1)
        a.pushlabel(skip); a.op(0x57, pop=2)
        for _ in range(self.rng.randint(1, 3)):
            self.snippet(a, True, level)
        if self.rng.random() < 0.3:
            self.terminal(a)
        a.label(skip)

    def sn_loop(self, a, neutral, level):
        n = self.rng.choice([1, 2, 3, 10, 40])
        top = a.newlabel()
        a.push(n)
        a.label(top)
        d0 = a.d
        for _ in range(self.rng.randint(1, 2)):
            self.snippet(a, True, level + 1, allow=("arith", "storage", "mem", "log", "account", "env", "call"))
        assert a.d == d0, (a.d, d0)
        a.push(1); a.op(0x90, pop=2, push=2); a.op(0x03, pop=2, push=1)  # n-1
        a.op(0x80, push=1)
        a.pushlabel(top); a.op(0x57, pop=2)
        a.op(0x50, pop=1)

    def sn_stack(self, a, neutral):
        r = self.rng.random()
        if r < 0.5 and a.d >= 2:
            k = self.rng.randrange(1, min(a.d, 16))
            a.op(0x90 + k - 1, pop=0, push=0)  # SWAPk
        elif r < 0.9 and a.d >= 1 and a.d < a.depth_max:
            a.op(0x80 + self.rng.randrange(min(a.d, 16)), push=1)
            self.sink(a, neutral)
        elif not neutral and self.rng.random() < 0.4:
            # intentional underflow
            a.op(0x80 + min(a.d, 15), push=1)
            a.d -= 1
            a.op(0x50)

    def sn_jump(self, a, neutral, level):
        r = self.rng.random()
        if r < 0.7:
            skip = a.newlabel()
            a.pushlabel(skip); a.op(0x56, pop=1)
            self.snippet(a, True, level)
            a.label(skip)
        elif not neutral:
            # invalid jump destination
            a.push(self.rng.choice([0, 1, 3, U256, 0x10000]))
            a.op(self.rng.choice([0x56, 0x57]), pop=1)
            if a.items[-1] == b"\x57":
                a.d -= 1
                a.items.insert(-2, bytes([0x60, 0x01]))  # condition 1 pushed before dest

    def sn_rawbad(self, a, neutral):
        if neutral:
            return
        r = self.rng.random()
        if r < 0.5:
            # opcode not (yet) defined in some fork, or never defined
            op = self.rng.choice([0x5c, 0x5d, 0x5e, 0x5f, 0x49, 0x4a, 0x48, 0x46, 0x47, 0x1b, 0x1c, 0x1d,
                                  0x3f, 0xf5, 0xfa, 0xfd, 0x3d, 0xf4, 0x0c, 0x0f, 0x21, 0x4b, 0xa5, 0xb0,
                                  0xe0, 0xef, 0xf6, 0xfb, 0xfc])
            # give it plenty of operands so only "undefined" can make it fail
            for _ in range(4):
                a.push(self.rng.choice([0, 1, 0x20]))
            a.raw([op])
            a.d = max(a.d - 4, 0)  # unknown effect; later code may underflow, which is fine
        else:
            a.raw([self.rng.randrange(256)])

    def terminal(self, a):
        r = self.rng.random()
        if r < 0.3:
            a.op(0x00)
        elif r < 0.5:
            self.push_offsize(a); a.op(0xf3, pop=2)
        elif r < 0.7:
            self.push_offsize(a); a.op(0xfd, pop=2)
        elif r < 0.8:
            a.op(0xfe)
        elif r < 0.92:
            self.push_addr(a); a.op(0xff, pop=1)
        elif r < 0.96:
            # stack overflow: push forever
            l = a.newlabel(); a.label(l); a.push(1); a.pushlabel(l); a.op(0x56, pop=1)
        else:
            # jump into PUSH data that holds a 0x5b
            a.raw([0x60, 0x05, 0x56, 0x61, 0x5b, 0x5b, 0x00])

    def snippet(self, a, neutral, level, allow=None):
        table = [("arith", 12), ("env", 6), ("mem", 8), ("storage", 14), ("log", 4), ("account", 6),
                 ("call", 12), ("create", 6 if level < 2 else 0), ("selfdestruct", 2 if not neutral else 1),
                 ("branch", 4 if level < 3 else 0), ("loop", 2 if level < 2 else 0), ("stack", 3),
                 ("jump", 2), ("recurse", 3 if level < 2 else 0), ("rawbad", 1), ("precompile", 8)]
        if allow:
            table = [t for t in table if t[0] in allow]
        tot = sum(w for _, w in table)
        x = self.rng.uniform(0, tot)
        for k, w in table:
            x -= w
            if x <= 0:
                break
        if k == "arith": self.sn_arith(a, neutral)
        elif k == "env": self.sn_env(a, neutral)
        elif k == "mem": self.sn_mem(a, neutral)
        elif k == "storage": self.sn_storage(a, neutral)
        elif k == "log": self.sn_log(a, neutral)
        elif k == "account": self.sn_account(a, neutral)
        elif k == "call": self.sn_call(a, neutral)
        elif k == "create": self.sn_create(a, neutral, level)
        elif k == "selfdestruct":
            if neutral:
                self.sn_selfdestruct_neutral(a)
            else:
                self.sn_selfdestruct(a, neutral)
        elif k == "branch": self.sn_branch(a, neutral, level)
        elif k == "loop": self.sn_loop(a, neutral, level)
        elif k == "stack": self.sn_stack(a, neutral)
        elif k == "jump": self.sn_jump(a, neutral, level)
        elif k == "recurse": self.sn_recurse(a, neutral)
        elif k == "rawbad": self.sn_rawbad(a, neutral)
        elif k == "precompile": self.sn_precompile(a, neutral)

    def sn_selfdestruct_neutral(self, a):
        skip = a.newlabel()
        a.push(0x20); a.op(0x35, pop=1, push=1)
        a.op(0x15, pop=1, push=1)
        a.pushlabel(skip); a.op(0x57, pop=2)
        self.push_addr(a)
        a.op(0xff, pop=1)
        a.d += 0
        a.label(skip)

    def program(self, nsnip, level=0):
        a = Asm(self.rng, self.tf)
        for _ in range(nsnip):
            self.snippet(a, False, level)
            # keep the depth bounded
            while a.d > a.depth_max:
                a.op(0x50, pop=1)
        if self.rng.random() < 0.7:
            self.terminal(a)
        return a.assemble()


def create_address(sender, nonce):
    from ethereum_rlp import rlp
    from ethereum.crypto.hash import keccak256
    from ethereum_types.numeric import Uint
    return int.from_bytes(keccak256(rlp.encode([sender.to_bytes(20, "big"), Uint(nonce)]))[12:], "big")


def intrinsic_estimate(data, create, al):
    g = 21000 + (32000 if create else 0)
    for b in data:
        g += 16 if b else 4
    for e in al or []:
        g += 2400 + 1900 * len(e["storageKeys"])
    if create:
        g += 2 * ((len(data) + 31) // 32)
    return g


def access_lists(rng, nd, pool, max_keys):
    """One access list per data index (a fifth of them empty): 1-3 entries of addresses from
    `pool`, each with up to `max_keys` of the slots 0-3."""
    als = []
    for _ in range(nd):
        if rng.random() < 0.2:
            als.append([])
            continue
        lst = []
        for _ in range(rng.randint(1, 3)):
            ad = rng.choice(pool)
            keys = ["0x%064x" % rng.choice([0, 1, 2, 3]) for _ in range(rng.randint(0, max_keys))]
            lst.append({"address": addr_hex(ad), "storageKeys": keys})
        als.append(lst)
    return als


def gen_test(rng):
    ttype = rng.choices(["legacy", "al", "1559", "blob"], [0.58, 0.14, 0.22, 0.06])[0]
    if ttype == "legacy":
        forks = FORKS[:]
        tf = rng.randrange(len(FORKS))
    elif ttype == "al":
        forks = FORKS[BER:]
        tf = rng.randrange(BER - 2, len(FORKS))
    elif ttype == "1559":
        forks = FORKS[LON:]
        tf = rng.randrange(LON - 2, len(FORKS))
    else:
        forks = FORKS[CAN:]
        tf = CAN
    if rng.random() < 0.25:
        tf = len(FORKS) - 1  # everything defined in Cancun

    coinbase = rng.choice([CB_FAR, CB_FAR, CB_FAR, E0, C[1], SENDER, 0x3, M[0], EB])
    pre = {}

    def acct(bal, nonce=0, code=b"", storage=None):
        return {"balance": hex(bal), "nonce": hex(nonce), "code": "0x" + code.hex(),
                "storage": {hex(k): hex(v) for k, v in (storage or {}).items()}}

    sender_nonce = rng.choice([0, 0, 0, 1, 5])
    sender_bal = rng.choices([10 ** 18, 10 ** 16, 10 ** 7, 2 ** 255], [85, 5, 5, 5])[0]
    ctx = {"coinbase": coinbase}
    # CREATE addresses of the contracts at their nonces (and of the sender for create txs)
    cnonces = [rng.choice([0, 1, 1, 2]) for _ in C]
    if rng.random() < 0.05:
        cnonces[rng.randrange(len(C))] = rng.choice([2 ** 64 - 1, 2 ** 64 - 2])
    ctargets = [create_address(c, n) for c, n in zip(C, cnonces)]
    stx_target = create_address(SENDER, sender_nonce)
    ctx["create_targets"] = [ctargets[0], stx_target]
    g = Gen(rng, tf, ctx)
    for i, c in enumerate(C):
        n = rng.choice([2, 4, 6, 10, 16]) if i == 0 else rng.choice([0, 1, 2, 4, 6])
        code = g.program(n) if n else b""
        st = {}
        for k in range(4):
            if rng.random() < 0.4:
                st[k] = rng.choice([1, 2, 3])
        bal = rng.choice([0, 0, 1, 10 ** 6, 10 ** 18])
        pre[c] = acct(bal, cnonces[i], code, st)
    pre[SENDER] = acct(sender_bal, sender_nonce)
    if rng.random() < 0.02:
        pre[SENDER]["code"] = "0x00"
    pre[E0] = acct(0)
    pre[EB] = acct(rng.choice([1, 10 ** 9]))
    pre[EN] = acct(0, 1)
    if rng.random() < 0.15:
        pre[rng.choice([1, 2, 3, 4])] = acct(rng.choice([0, 0, 1]))
    if rng.random() < 0.15:
        # pre-existing account at a CREATE target: collision (code, nonce) or storage only (EIP-7610)
        t = rng.choice(ctx["create_targets"] + ctargets[1:])
        v = rng.choice(["code", "nonce", "storage", "balance"])
        if v == "code":
            pre[t] = acct(0, 0, b"\x00")
        elif v == "nonce":
            pre[t] = acct(0, 1)
        elif v == "storage":
            pre[t] = acct(0, 0, b"", {1: 1})
        else:
            pre[t] = acct(5)
    if coinbase not in pre and rng.random() < 0.3:
        pre[coinbase] = acct(rng.choice([0, 1]))

    # execution-specs refuses empty accounts in a pre state from Paris on (they cannot exist
    # after EIP-161); tests with them only get pre-Paris posts
    allow_empty = rng.random() < 0.4 and FI[forks[0]] < PAR
    if allow_empty:
        forks = [f for f in forks if FI[f] < PAR]
    else:
        for k in list(pre):
            ac = pre[k]
            if ac["balance"] == "0x0" and ac["nonce"] == "0x0" and ac["code"] == "0x":
                if ac["storage"]:
                    ac["balance"] = "0x1"
                else:
                    del pre[k]

    create = rng.random() < 0.15
    to_choice = rng.choices([C[0], C[1], E0, M[0], 2, 4, SENDER, coinbase, EB, 1, 3, 5, 9],
                            [70, 8, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1])[0]
    if ttype == "blob":
        create = False
    datas = []
    nd = rng.choice([1, 1, 2, 3])
    for _ in range(nd):
        if create and rng.random() < 0.03:
            datas.append(bytes(rng.choice([49152, 49153])))
        elif create:
            datas.append(g.initcode(0))
        else:
            r = rng.random()
            if r < 0.3:
                datas.append(b"")
            elif r < 0.7:
                w0 = rng.choice([0, 0, 1, 5, 1000])
                w1 = rng.choice([0, 1])
                datas.append(w0.to_bytes(32, "big") + w1.to_bytes(32, "big"))
            else:
                datas.append(bytes(rng.getrandbits(8) for _ in range(rng.choice([1, 4, 32, 100]))))
    als = None
    if ttype == "al" or (ttype in ("1559", "blob") and rng.random() < 0.5):
        als = access_lists(rng, nd, C + [SENDER, coinbase, 1, 3, M[0], E0], max_keys=3)
    base = max(intrinsic_estimate(d, create, (als[i] if als else None)) for i, d in enumerate(datas))
    gl = []
    for _ in range(rng.choice([1, 2, 2, 3])):
        r = rng.random()
        if r < 0.04:
            gl.append(base - rng.choice([1, 100]))
        elif r < 0.16:
            gl.append(base + rng.randrange(0, 40000))
        elif r < 0.4:
            gl.append(rng.choice([100000, 200000]))
        elif r < 0.9:
            gl.append(rng.choice([400000, 1000000, 1000000]))
        elif r < 0.99:
            gl.append(3000000)
        else:
            gl.append(rng.choice([10 ** 8 + 1, 2 ** 64 - 1]))
    gl = sorted(set(max(g_, 0) for g_ in gl))
    vals = sorted(set(rng.choices([0, 1, 10 ** 6, 10 ** 17, 2 ** 255], [40, 20, 20, 15, 3])[0] for _ in range(rng.choice([1, 1, 2]))))

    base_fee = rng.choices([10, 1, 7, 1000], [85, 5, 5, 5])[0]
    tx = {"data": ["0x" + d.hex() for d in datas], "gasLimit": [hex(x) for x in gl],
          "value": [hex(x) for x in vals], "nonce": hex(sender_nonce if rng.random() > 0.04 else sender_nonce + rng.choice([1, -1 if sender_nonce else 1])),
          "to": "" if create else addr_hex(to_choice), "secretKey": SK,
          "sender": addr_hex(SENDER)}
    if ttype in ("1559", "blob"):
        mf = rng.choices([base_fee, base_fee + 1, 2 * base_fee, 1000, base_fee - 1, 2 ** 64], [30, 20, 20, 15, 5, 3])[0]
        mp = rng.choices([0, 1, 2, mf, mf + 1], [25, 25, 20, 22, 5])[0]
        tx["maxFeePerGas"] = hex(max(mf, 0))
        tx["maxPriorityFeePerGas"] = hex(max(mp, 0))
    else:
        tx["gasPrice"] = hex(rng.choices([base_fee, base_fee + 1, 2 * base_fee, 0, base_fee - 1, 1], [50, 15, 15, 8, 5, 5])[0])
    if als is not None:
        tx["accessLists"] = als
    if ttype == "blob":
        nb = rng.choice([1, 1, 2, 6, 7])
        tx["blobVersionedHashes"] = ["0x%02x%062x" % (1 if rng.random() > 0.05 else 2, rng.getrandbits(248)) for _ in range(nb)]
        tx["maxFeePerBlobGas"] = hex(rng.choice([1, 1, 10, 0, 10 ** 6]))
    diff = 0x020000
    # currentRandom != currentDifficulty makes EEKit read DIFFICULTY from currentRandom before
    # Paris (finding A, fixture interpretation); off by default to keep the campaign clean
    rnd = diff if rng.random() >= RANDOM_DIFFERS else rng.getrandbits(256)
    env = {"currentCoinbase": addr_hex(coinbase), "currentDifficulty": hex(diff),
           "currentGasLimit": hex(rng.choice([10 ** 8, 10 ** 8, 3 * 10 ** 6])),
           "currentNumber": hex(rng.choice([1, 1, 100])), "currentTimestamp": hex(1000),
           "currentBaseFee": hex(base_fee), "currentRandom": "0x%064x" % rnd,
           "currentExcessBlobGas": hex(rng.choice([0, 0, 0, 0x60000, 10 ** 7]))}
    test = {"env": env, "pre": {addr_hex(k): v for k, v in pre.items()}, "transaction": tx}
    return test, forks, {"ttype": ttype, "tf": FORKS[tf], "empty_accounts": allow_empty}


# ---------------------------------------------------------------- Prague ----------------------
BLS_PC = list(range(0x0b, 0x12))   # G1ADD G1MSM G2ADD G2MSM PAIRING MAP_FP_TO_G1 MAP_FP2_TO_G2
# False (campaign.py --no-bls): Prague tests never reach 0x0b-0x11, for an EEKit without EIP-2537
PRAGUE_BLS = True
# True (campaign.py --osaka): Prague tests are posted under Osaka as well, and draw Osaka's
# additions: CLZ (0x1e, undefined under Prague), calls to P256VERIFY (0x100, an ordinary address
# under Prague), modexp lengths around EIP-7823's 1024-byte bound, gas limits above EIP-7825's
# 2^24 cap and 7 blobs (6 a transaction from Osaka)
OSAKA = False
# True (campaign.py --bpo, or --forks naming BPO1/BPO2): the Osaka tests are posted under BPO1
# and BPO2 as well (EIP-7892: Osaka's rules, other blob parameters), with larger excess blob gas
# and blob fee caps (so that the forks' blob base fees differ and are paid), and a fifth of the
# forks' config.blobSchedule entries one of CUSTOM_SCHEDULES (the reference takes them as blobParams)
BPO = False
BLOB_SCHEDULES = {"Prague": (6, 9, 5007716), "Osaka": (6, 9, 5007716), "BPO1": (10, 15, 8346193),
                  "BPO2": (14, 21, 11684671)}
# Two chains' own schedules (target, max, fraction): few, as the reference builds a clone of the
# fork for each (fork, schedule) it meets (about 30 s each, then cached)
CUSTOM_SCHEDULES = [(1, 2, 20000000), (3, 32, 5000000)]
P256_VALID = bytes.fromhex(   # a signature execution-specs accepts (Tests/PrecompileTests/P256VerifyTests)
    "c66c563e8a8562362bfb33e6bfdcd4affe6d34fce8f896574aa9064a389eeee9fcc709d1038d8a9e6d7a2264fa3ed987f8a8"
    "94a2093136b9094d6b7f6ffc886b47d92ccfdfc3ae71157cc05421416a17b975da5dc9912dffbd8ba0eb12872b641ccbe91c"
    "075fc7f4f033bfa248db8fccd3565de94bbfb12f3c59ff46c271bf83ce4014c68811f9a21a1fdb2c0e6113e06db7ca93b740"
    "4e78dc7ccd5ca89a4ca9")


def osaka_input(rng, addr):
    """Inputs for Osaka's precompile changes: P256VERIFY (valid, bent, wrong length) and modexp
    lengths around 1024 bytes."""
    if addr == 0x100:
        d = bytearray(P256_VALID)
        r = rng.random()
        if r < 0.3:
            i = rng.randrange(160)
            d[i] ^= 1 << rng.randrange(8)
        elif r < 0.4:
            d = d[:rng.choice([0, 159, 128])] if rng.random() < 0.5 else d + b"\x00"
        elif r < 0.5:
            d[32:64] = bytes(32)                  # r = 0
        return bytes(d)
    b, e, m = (rng.choice([1, 32, 1024, 1025, 0]) for _ in range(3))
    head = rng.choice([0, 1, 3, 2 ** 255])
    body = bytes(rng.getrandbits(8) for _ in range(min(b, 64))) + head.to_bytes(32, "big")[-min(e, 32):] if e else b""
    return b.to_bytes(32, "big") + e.to_bytes(32, "big") + m.to_bytes(32, "big") + body
BLS_GAS_CHOICES = [0, 375, 374, 12000, 11999, 600, 22500, 23800, 37700, 70300, 5500, 5499, 23800,
                   100000, 500000, 10 ** 6]
BLS_P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab
BLS_Q = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001   # subgroup order
_BLS = {}


def _bls_points():
    """G1 and G2 points (EIP-2537 encodings) made once with py_ecc: multiples of the generators,
    the point at infinity, a negation, points on the curve outside the subgroup (G1), off-curve
    points and coordinates >= p."""
    if _BLS:
        return _BLS
    from py_ecc.optimized_bls12_381 import G1, G2, multiply, neg, normalize

    def fp(x):
        return x.to_bytes(64, "big")

    def g1(pt):
        x, y = normalize(pt)
        return fp(int(x)) + fp(int(y))

    def g2(pt):
        x, y = normalize(pt)
        return b"".join(fp(int(c)) for c in (x.coeffs[0], x.coeffs[1], y.coeffs[0], y.coeffs[1]))
    inf1, inf2 = bytes(128), bytes(256)
    good1 = [g1(G1), g1(multiply(G1, 2)), g1(multiply(G1, 12345)), g1(neg(G1)), g1(multiply(G1, BLS_Q - 1)), inf1]
    good2 = [g2(G2), g2(multiply(G2, 2)), g2(multiply(G2, 777)), g2(neg(G2)), inf2]
    # on y^2 = x^3 + 4 but (almost surely) not in the r-torsion subgroup
    nosub1 = []
    x = 1
    while len(nosub1) < 2:
        rhs = (x ** 3 + 4) % BLS_P
        y = pow(rhs, (BLS_P + 1) // 4, BLS_P)
        if y * y % BLS_P == rhs:
            nosub1.append(fp(x) + fp(y))
        x += 1
    bad1 = [fp(1) + fp(2), fp(BLS_P) + fp(0), (b"\x01" + bytes(63)) + good1[0][64:], good1[0][:64] + fp(int(normalize(G1)[1]) + BLS_P)]
    bad2 = [fp(1) + fp(2) + fp(3) + fp(4), good2[0][:192] + fp(BLS_P), (b"\x01" + bytes(63)) + good2[0][64:]]
    _BLS.update(good1=good1, good2=good2, nosub1=nosub1, bad1=bad1, bad2=bad2)
    return _BLS


def bls_input(rng, addr):
    P = _bls_points()

    def p1():
        r = rng.random()
        return rng.choice(P["good1"]) if r < 0.8 else rng.choice(P["nosub1"]) if r < 0.9 else rng.choice(P["bad1"])

    def p2():
        return rng.choice(P["good2"]) if rng.random() < 0.88 else rng.choice(P["bad2"])

    def scalar():
        return rng.choice([0, 1, 2, 3, BLS_Q - 1, BLS_Q, BLS_Q + 1, 2 ** 256 - 1, rng.getrandbits(256)]).to_bytes(32, "big")
    if addr == 0x0b:
        d = p1() + p1()
    elif addr == 0x0d:
        d = p2() + p2()
    elif addr == 0x0c:
        d = b"".join(p1() + scalar() for _ in range(rng.choice([1, 1, 2, 3, 8])))
    elif addr == 0x0e:
        d = b"".join(p2() + scalar() for _ in range(rng.choice([1, 1, 2, 3])))
    elif addr == 0x0f:
        d = b""
        for _ in range(rng.choice([1, 1, 2, 3])):
            d += p1() + p2()
        if rng.random() < 0.15:   # e(G1, G2) * e(-G1, G2) == 1
            d = P["good1"][0] + P["good2"][0] + P["good1"][3] + P["good2"][0]
    elif addr == 0x10:
        d = rng.choice([rng.getrandbits(380) % BLS_P, 0, 1, BLS_P - 1, BLS_P, 2 ** 384]).to_bytes(64, "big")
    else:
        d = b"".join(rng.choice([rng.getrandbits(380) % BLS_P, 0, BLS_P - 1, BLS_P]).to_bytes(64, "big") for _ in range(2))
    r = rng.random()
    if r < 0.06:
        d = d[:-1]
    elif r < 0.1:
        d = d + b"\x00"
    elif r < 0.12:
        d = b""
    return d


# keys of the authorities: secp256k1 secret keys fixed here, their addresses derived once
AUTH_SKS = [int.from_bytes(__import__("hashlib").sha256(b"eekit-7702-authority-%d" % i).digest(), "big") for i in range(4)]
SENDER_SK = int(SK, 16)
_ADDR = {}


def key_address(sk):
    if sk not in _ADDR:
        import coincurve
        from Crypto.Hash import keccak
        pub = coincurve.PrivateKey(sk.to_bytes(32, "big")).public_key.format(compressed=False)[1:]
        _ADDR[sk] = int.from_bytes(keccak.new(digest_bits=256, data=pub).digest()[12:], "big")
    return _ADDR[sk]


def sign_authorization(sk, chain_id, address, nonce):
    """EIP-7702: sign keccak256(0x05 || rlp([chain_id, address, nonce])); returns (y_parity, r, s)"""
    import coincurve
    from Crypto.Hash import keccak
    from ethereum_rlp import rlp
    from ethereum_types.numeric import U256 as EU256, U64 as EU64
    msg = b"\x05" + rlp.encode((EU256(chain_id), address.to_bytes(20, "big"), EU64(nonce)))
    h = keccak.new(digest_bits=256, data=msg).digest()
    sig = coincurve.PrivateKey(sk.to_bytes(32, "big")).sign_recoverable(h, hasher=None)
    return sig[64], int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")


def delegation(addr):
    return b"\xef\x01\x00" + addr.to_bytes(20, "big")


def calldata_floor(data):
    z = data.count(0)
    return 21000 + 10 * (z + 4 * (len(data) - z))


def gen_test_prague(rng):
    """One random test for the Prague fork alone (see the module doc)."""
    ttype = rng.choices(["legacy", "al", "1559", "blob", "setcode"], [0.16, 0.08, 0.12, 0.1, 0.54])[0]
    tf = PRA
    auths = [key_address(k) for k in AUTH_SKS]
    coinbase = rng.choice([CB_FAR, CB_FAR, E0, C[1], SENDER, auths[0], 0x3])
    pre = {}

    def acct(bal, nonce=0, code=b"", storage=None):
        return {"balance": hex(bal), "nonce": hex(nonce), "code": "0x" + code.hex(),
                "storage": {hex(k): hex(v) for k, v in (storage or {}).items()}}

    targets = C + auths + [1, 2, 4, 9] + ([0x0b, 0x0f, 0x11] if PRAGUE_BLS else [0x0a, 0x100]) + [M[0], E0, SENDER, 0]
    sender_nonce = rng.choice([0, 0, 1, 5])
    sender_bal = rng.choices([10 ** 18, 10 ** 16, 10 ** 7, 2 ** 255], [85, 5, 5, 5])[0]
    ctx = {"coinbase": coinbase, "prague_addrs": auths + [auths[0], auths[1]]}
    cnonces = [rng.choice([0, 1, 1, 2]) for _ in C]
    ctargets = [create_address(c, n) for c, n in zip(C, cnonces)]
    ctx["create_targets"] = [ctargets[0], create_address(SENDER, sender_nonce)]
    g = Gen(rng, tf, ctx)
    for i, c in enumerate(C):
        n = rng.choice([2, 4, 6, 10, 16]) if i == 0 else rng.choice([0, 1, 2, 4, 6])
        code = g.program(n) if n else b""
        st = {k: rng.choice([1, 2, 3]) for k in range(4) if rng.random() < 0.4}
        pre[c] = acct(rng.choice([0, 0, 1, 10 ** 6, 10 ** 18]), cnonces[i], code, st)
    pre[SENDER] = acct(sender_bal, sender_nonce)
    if rng.random() < 0.1:   # a delegated sender may send (EIP-3607 lets a designator through)
        pre[SENDER]["code"] = "0x" + delegation(rng.choice(targets[:-1])).hex()
    # the authorities: missing, plain EOAs, delegated already (to a contract, another authority, a
    # precompile, nothing that exists) or holding ordinary code (their authorizations are skipped)
    anonce = {}
    for ad in auths:
        kind = rng.choices(["missing", "eoa", "delegated", "code"], [25, 35, 30, 10])[0]
        if kind == "missing":
            anonce[ad] = 0
            continue
        n = rng.choice([0, 0, 1, 2])
        code = b""
        if kind == "delegated":
            code = delegation(rng.choice(targets[:-1]))
            n = max(n, 1)
        elif kind == "code":
            code = g.program(rng.choice([1, 2, 4]))
        st = {k: rng.choice([1, 2]) for k in range(2) if rng.random() < 0.2}
        pre[ad] = acct(rng.choice([0, 1, 10 ** 18]) if code or n else rng.choice([1, 10 ** 18]), n, code, st)
        anonce[ad] = n
    pre[E0] = acct(1)
    pre[EB] = acct(rng.choice([1, 10 ** 9]))
    if coinbase not in pre and rng.random() < 0.3:
        pre[coinbase] = acct(1)
    for k in list(pre):   # no empty accounts from Paris on
        ac = pre[k]
        if ac["balance"] == "0x0" and ac["nonce"] == "0x0" and ac["code"] == "0x":
            ac["balance"] = "0x1"

    to_choice = rng.choices([C[0], C[1], SENDER, auths[0], auths[1], E0] + ([0x0b, 0x0f] if PRAGUE_BLS else [3, 6]) + [2, M[0]],
                            [55, 6, 8, 10, 5, 3, 3, 3, 2, 2])[0]
    # calldata: the usual words, or a heavy mix of zero and non-zero bytes for the EIP-7623 floor;
    # a creation (not for type 3 and 4, which need a target) takes init code, sometimes padded
    create = ttype in ("legacy", "al", "1559") and rng.random() < 0.15
    heavy = rng.random() < 0.25
    datas = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        r = rng.random()
        if create:
            ic = g.initcode(0)
            if heavy:   # init code followed by bytes it never reads: the floor may exceed its cost
                ic += bytes(rng.randrange(0, 256) for _ in range(rng.choice([200, 2000])))
            datas.append(ic)
        elif heavy:
            n = rng.choice([64, 300, 1000, 2500, 6000])
            zf = rng.choice([0.0, 0.3, 0.7, 1.0])
            datas.append(bytes(0 if rng.random() < zf else rng.randrange(1, 256) for _ in range(n)))
        elif r < 0.3:
            datas.append(b"")
        elif r < 0.7:
            datas.append(rng.choice([0, 0, 1, 5, 1000]).to_bytes(32, "big") + rng.choice([0, 1]).to_bytes(32, "big"))
        else:
            datas.append(bytes(rng.getrandbits(8) for _ in range(rng.choice([1, 4, 32, 100]))))
    nd = len(datas)
    als = None
    if ttype != "legacy" and (ttype == "al" or rng.random() < 0.5):
        # warm authorities and delegates
        als = access_lists(rng, nd, C + auths + auths + [SENDER, coinbase, 1, 0x0b if PRAGUE_BLS else 5, M[0]], max_keys=2)

    alist = None
    if ttype == "setcode":
        alist = []
        if rng.random() > 0.03:   # an empty list makes the transaction invalid
            for _ in range(rng.choice([1, 1, 2, 3, 4])):
                sk = rng.choice(AUTH_SKS + AUTH_SKS + [SENDER_SK])
                ad = key_address(sk)
                cur = sender_nonce + 1 if sk == SENDER_SK else anonce.get(ad, 0)
                nonce = rng.choices([cur, cur + 1, max(cur - 1, 0), 0, 2 ** 64 - 1, 2 ** 64 - 2], [70, 10, 5, 5, 5, 5])[0]
                chain = rng.choices([1, 0, 2, 2 ** 256 - 1], [60, 25, 10, 5])[0]
                target = rng.choice(targets)
                yp, r_, s_ = sign_authorization(sk, chain, target, nonce)
                m = rng.random()
                if m < 0.04:
                    yp = rng.choice([2, 27, 255])            # not a parity
                elif m < 0.08:
                    yp ^= 1                                   # another (random) authority, or none
                elif m < 0.12:
                    s_, yp = SECP_N - s_, yp ^ 1              # the same signer, but s > n/2
                elif m < 0.14:
                    r_ = rng.choice([0, SECP_N])
                elif m < 0.16:
                    s_ = 0
                elif m < 0.2:
                    chain2 = rng.choice([1, 0, 2])            # signed for other fields than sent
                    if chain2 != chain:
                        chain = chain2
                else:
                    if yp in (0, 1) and sk != SENDER_SK and ad in anonce and chain in (0, 1) and nonce == cur:
                        anonce[ad] = cur + 1                  # a later tuple of the same signer needs the next nonce
                alist.append({"chainId": hex(chain), "address": addr_hex(target), "nonce": hex(nonce),
                              "v": hex(yp), "r": hex(r_), "s": hex(s_), "signer": addr_hex(ad), "yParity": hex(yp)})

    def intrinsic(d, al):
        g_ = 21000 + sum(16 if b else 4 for b in d) + (32000 + 2 * ((len(d) + 31) // 32) if create else 0)
        for e in al or []:
            g_ += 2400 + 1900 * len(e["storageKeys"])
        return g_ + 25000 * len(alist or [])
    base = max(max(intrinsic(d, als[i] if als else None), calldata_floor(d)) for i, d in enumerate(datas))
    gl = []
    for _ in range(rng.choice([1, 2, 2, 3])):
        r = rng.random()
        if heavy:   # around max(intrinsic, floor): below, at, just above, with room to execute
            gl.append(base + rng.choice([-1, 0, 0, 1, 100, 5000, 30000, 200000]))
        elif r < 0.08:
            gl.append(base - rng.choice([1, 100]))
        elif r < 0.3:
            gl.append(base + rng.choice([0, 0, 1, 50, 2000, 30000]))
        elif r < 0.55:
            gl.append(rng.choice([100000, 200000]))
        elif r < 0.95:
            gl.append(rng.choice([400000, 1000000, 1000000]))
        else:
            gl.append(3000000)
        if OSAKA and rng.random() < 0.1:
            gl.append(rng.choice([2 ** 24, 2 ** 24 + 1, 30000000]))   # EIP-7825's cap
    gl = sorted(set(max(x, 0) for x in gl))
    vals = sorted(set(rng.choices([0, 1, 10 ** 6, 10 ** 17], [45, 20, 20, 15])[0] for _ in range(rng.choice([1, 1, 2]))))
    base_fee = rng.choices([10, 1, 7, 1000], [85, 5, 5, 5])[0]
    tx = {"data": ["0x" + d.hex() for d in datas], "gasLimit": [hex(x) for x in gl],
          "value": [hex(x) for x in vals], "nonce": hex(sender_nonce if rng.random() > 0.03 else sender_nonce + 1),
          "to": "" if create else addr_hex(to_choice), "secretKey": SK, "sender": addr_hex(SENDER)}
    if ttype in ("1559", "blob", "setcode"):
        mf = rng.choices([base_fee, base_fee + 1, 2 * base_fee, 1000, base_fee - 1], [30, 20, 20, 15, 5])[0]
        tx["maxFeePerGas"] = hex(max(mf, 0))
        tx["maxPriorityFeePerGas"] = hex(max(rng.choices([0, 1, 2, mf, mf + 1], [25, 25, 20, 25, 5])[0], 0))
    else:
        tx["gasPrice"] = hex(rng.choices([base_fee, base_fee + 1, 2 * base_fee, base_fee - 1], [60, 15, 20, 5])[0])
    if als is not None:
        tx["accessLists"] = als
    if alist is not None:
        tx["authorizationList"] = alist
    forks = ["Prague"] + (["Osaka"] if OSAKA else []) + (["BPO1", "BPO2"] if OSAKA and BPO else [])
    if ttype == "blob":
        nb = rng.choice([1, 6, 7, 8, 9, 9, 10] + ([6, 7, 7] if OSAKA else []) + ([2, 3] if BPO else []))
        tx["blobVersionedHashes"] = ["0x%02x%062x" % (1 if rng.random() > 0.03 else 2, rng.getrandbits(248)) for _ in range(nb)]
        tx["maxFeePerBlobGas"] = hex(rng.choice([1, 1, 10, 0, 10 ** 6] + ([10 ** 9, 10 ** 12, 10 ** 18] if BPO else [])))
    excess = [0, 0, 0, 0x60000, 0x120000, 10 ** 7] + ([10 ** 8, 2 * 10 ** 8, 5 * 10 ** 8] if BPO else [])
    env = {"currentCoinbase": addr_hex(coinbase), "currentDifficulty": "0x0",
           "currentGasLimit": hex(rng.choice([10 ** 8, 10 ** 8, 3 * 10 ** 6])),
           "currentNumber": hex(rng.choice([1, 1, 100])), "currentTimestamp": hex(1000),
           "currentBaseFee": hex(base_fee), "currentRandom": "0x%064x" % rng.getrandbits(256),
           "currentExcessBlobGas": hex(rng.choice(excess))}
    schedule = {}
    for f in forks:
        target, most, fraction = BLOB_SCHEDULES[f]
        # a chain's own schedule, from Osaka: execution-specs' blobParams set a clone's
        # BLOB_SCHEDULE_MAX, which Prague's module lacks (its limit is a literal), so under
        # Prague the reference would keep 9 blobs where EEKit (as geth) takes the config's
        if BPO and f != "Prague" and rng.random() < 0.2:
            target, most, fraction = rng.choice(CUSTOM_SCHEDULES)
        schedule[f] = {"target": hex(target), "max": hex(most), "baseFeeUpdateFraction": hex(fraction)}
    test = {"env": env, "pre": {addr_hex(k): v for k, v in pre.items()}, "transaction": tx,
            "config": {"blobSchedule": schedule, "chainid": "0x01"}}
    # does anything reach an EIP-2537 address (a call in the code, the transaction's target, a
    # delegation to one)? campaign failures of such tests are told apart while the BLS
    # precompiles are not in EEKit
    codes = [v["code"] for v in test["pre"].values()]
    bls = ctx.get("bls", False) or (not create and to_choice in BLS_PC) or any(
        c.lower().startswith("0xef0100") and int(c[8:], 16) in BLS_PC for c in codes) or any(
        int(a["address"], 16) in BLS_PC for a in alist or [])
    return test, forks, {"ttype": ttype, "tf": "Prague", "heavy_calldata": heavy, "create": create, "bls": bls,
                              "authorizations": len(alist or [])}
