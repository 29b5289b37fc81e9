import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// Native contracts against EVM contracts on random scripts: one small "script" language, run
/// by an interpreter written twice, in C (a native contract, RV64 and RV32) and in EVM
/// assembly. A script is the calldata; its operations are storage, transient storage, a log,
/// CALL / STATICCALL / DELEGATECALL / CALLCODE with value and a nested script, BALANCE,
/// SELFBALANCE, CALLVALUE, CALLER, ADDRESS, ORIGIN, EXTCODEHASH of accounts without code,
/// RETURNDATACOPY, RETURN, REVERT, a failure, SELFDESTRUCT and (in the top frame, where
/// the gas for a native deployment is) CREATE of a copy of the running code. Two contracts (A, the
/// transaction's target, and B) run every pairing of the three implementations, and every
/// pairing must end like the EVM-only one: status, output, logs, storage, balances and nonces
/// (gas differs by design and is not compared; see `callGas`). A call or BALANCE or
/// SELFDESTRUCT at 0x...0c0c goes to the last contract A's storage created.
/// `EEKIT_PARITY_CASES=N EEKIT_PARITY_SEED=S` runs more cases than CI's 200.
@Suite(.serialized) struct ScriptParityTests {
    static let a = Address(low: 0xa0a0)
    static let b = Address(low: 0xb0b0)
    static let eoa = Address(low: 0xee)
    static let beneficiary = Address(low: 0xbeef)
    static let nobody = Address(low: 0xdead)
    static let identity = Address(low: 4)
    /// Stands for the last contract A's storage created (the interpreters keep it in slot 100).
    static let child = Address(low: 0x0c0c)

    // MARK: The interpreters

    static let nativeSource = #"""
    #include "eekit_abi.h"
    static uint8_t s[16384];
    static uint8_t out[8192];
    static uint8_t rd[16384];
    static uint8_t code[32768];
    static size_t outlen;
    static eek_word wb(uint8_t v) { eek_word w = {{0}}; w.b[31] = v; return w; }
    static void push(const eek_word *w) { __builtin_memcpy(out + outlen, w->b, 32); outlen += 32; }
    static void push64(uint64_t v) { eek_word w = eek_word_from_u64(v); push(&w); }
    /* An address field; 0x...0c0c stands for the last contract this storage created (slot 100). */
    static void addr(size_t at, eek_address *a) {
      static const uint8_t child[20] = {[18] = 0x0c, [19] = 0x0c};
      __builtin_memcpy(a->b, s + at, 20);
      if (__builtin_memcmp(a->b, child, 20) == 0) {
        eek_word k = wb(100), v; eek_sload(&k, &v); __builtin_memcpy(a->b, v.b + 12, 20);
      }
    }
    void eekit_main(int is_constructor) {
      if (is_constructor) return;
      size_t n = eek_calldata_size();
      if (n > sizeof s) eek_revert(0, 0);
      eek_calldata_copy(s, 0, n);
      size_t pc = 0;
      while (pc < n) {
        switch (s[pc]) {
        case 1: { eek_word k = wb(s[pc + 1]), v = wb(s[pc + 2]); eek_sstore(&k, &v); pc += 3; break; }
        case 2: { eek_word k = wb(s[pc + 1]), v; eek_sload(&k, &v); push(&v); pc += 2; break; }
        case 3: { eek_word k = wb(s[pc + 1]), v = wb(s[pc + 2]); eek_tstore(&k, &v); pc += 3; break; }
        case 4: { eek_word k = wb(s[pc + 1]), v; eek_tload(&k, &v); push(&v); pc += 2; break; }
        case 5: { eek_word t = wb(s[pc + 1]), d = wb(s[pc + 2]); eek_log(&t, 1, &d, 32); pc += 3; break; }
        case 6: {
          eek_address t; addr(pc + 2, &t);
          eek_word v = wb(s[pc + 22]);
          uintptr_t gas = (uintptr_t)s[pc + 23] << 24 | (uintptr_t)s[pc + 24] << 16 | (uintptr_t)s[pc + 25] << 8 | s[pc + 26];
          size_t len = (size_t)s[pc + 27] << 8 | s[pc + 28], rl = 0;
          int st = eek_call(s[pc + 1], &t, &v, s + pc + 29, len, gas, &rl);
          push64(st == EEK_SUCCESS);
          push64(rl);
          if (rl > sizeof rd) eek_revert(0, 0);
          eek_returndata_copy(rd, 0, rl);
          eek_word h; eek_keccak256(rd, rl, &h); push(&h);
          pc += 29 + len;
          break;
        }
        case 7: eek_return(out, outlen);
        case 8: eek_revert(out, outlen);
        case 9: __builtin_trap();
        case 10: { eek_address t; addr(pc + 1, &t); eek_word v; eek_balance(&t, &v); push(&v); pc += 21; break; }
        case 11: { eek_word v; eek_context(EEK_CTX_SELF_BALANCE, &v); push(&v); pc += 1; break; }
        case 12: { eek_word v; eek_callvalue(&v); push(&v); pc += 1; break; }
        case 13: { eek_address t; addr(pc + 1, &t); eek_selfdestruct(&t); }
        case 14: {  /* CREATE a copy of the running code (EVM: CODECOPY), with value */
          eek_word w; eek_context(EEK_CTX_CODE_ADDRESS, &w);
          eek_address self, made = {{0}}; __builtin_memcpy(self.b, w.b + 12, 20);
          size_t n = eek_code_size(&self), rl = 0;
          if (n > sizeof code) eek_revert(0, 0);
          eek_code_copy(&self, code, 0, n);
          eek_word v = wb(s[pc + 1]);
          int st = eek_create_rd(code, n, &v, 0, EEK_EE_RISCV, &made, &rl);
          eek_word a = {{0}};
          if (st == EEK_SUCCESS) {
            __builtin_memcpy(a.b + 12, made.b, 20);
            eek_word k = wb(100); eek_sstore(&k, &a);
          }
          push(&a); push64(rl); pc += 2; break;
        }
        case 15: {  /* RETURNDATACOPY(off, len): past the end fails, as in the EVM */
          size_t off = s[pc + 1], len = s[pc + 2];
          eek_returndata_copy(rd, off, len);
          eek_word h; eek_keccak256(rd, len, &h); push(&h); pc += 3; break;
        }
        case 16: { eek_address x; eek_word w = {{0}}; eek_caller(&x); __builtin_memcpy(w.b + 12, x.b, 20); push(&w); pc += 1; break; }
        case 17: { eek_address x; eek_word w = {{0}}; eek_self(&x); __builtin_memcpy(w.b + 12, x.b, 20); push(&w); pc += 1; break; }
        case 18: { eek_word w; eek_context(EEK_CTX_ORIGIN, &w); push(&w); pc += 1; break; }
        case 19: { eek_address t; addr(pc + 1, &t); eek_word h; eek_code_hash(&t, &h); push(&h); pc += 21; break; }
        default: eek_return(out, outlen);
        }
      }
      eek_return(out, outlen);
    }
    """#

    static let native64: Result<Bytes, Error> = Result { try Fixtures.contract(nativeSource) }
    static let native32: Result<Bytes, Error> = Result { try Fixtures.contract(nativeSource, xlen: 32) }

    /// The same interpreter as EVM code. Memory: 0x00 the script's pc, 0x20 the output's
    /// length, 0x40 a log's data, 0x100 the output, 0x4000 a nested script, 0x8000 returndata.
    static let evmCode: Bytes = {
        var asm = Assembler()
        func pc() { asm.push(0); asm.op(0x51) }  // MLOAD
        func field(_ offset: UInt64, _ shift: UInt64) {  // a big-endian field at pc + offset
            pc(); asm.push(offset); asm.op(0x01); asm.op(0x35); asm.push(shift); asm.op(0x1c)
        }
        func byte(_ offset: UInt64) { field(offset, 0xf8) }
        func address(_ offset: UInt64) {  // 0x...0c0c: the address in slot 100 (the last child)
            field(offset, 0x60)
            let skip = asm.fresh()
            asm.op(0x80); asm.push(0x0c0c); asm.op(0x14); asm.op(0x15); asm.pushLabel(skip); asm.op(0x57)
            asm.op(0x50); asm.push(100); asm.op(0x54)
            asm.label(skip); asm.op(0x5b)
        }
        func advance(_ n: UInt64) { pc(); asm.push(n); asm.op(0x01); asm.push(0); asm.op(0x52); asm.pushLabel("loop"); asm.op(0x56) }
        func pushOut() {  // mem[0x100 + outlen] = top; outlen += 32
            asm.push(0x20); asm.op(0x51); asm.push(0x100); asm.op(0x01); asm.op(0x52)
            asm.push(0x20); asm.op(0x51); asm.push(0x20); asm.op(0x01); asm.push(0x20); asm.op(0x52)
        }
        func handler(_ n: Int) { asm.label("h\(n)"); asm.op(0x5b); asm.op(0x50) }  // JUMPDEST POP (the op)
        asm.label("loop"); asm.op(0x5b)
        pc(); asm.op(0x36); asm.op(0x81); asm.op(0x10); asm.op(0x15); asm.pushLabel("done"); asm.op(0x57)  // pc >= size: done
        asm.op(0x35); asm.push(0xf8); asm.op(0x1c)  // the op byte
        for n in 1...19 { asm.op(0x80); asm.push(UInt64(n)); asm.op(0x14); asm.pushLabel("h\(n)"); asm.op(0x57) }
        asm.op(0x50); asm.pushLabel("done"); asm.op(0x56)
        for (n, store) in [(1, UInt8(0x55)), (3, 0x5d)] {  // SSTORE / TSTORE k v
            handler(n); byte(2); byte(1); asm.op(store); advance(3)
        }
        for (n, load) in [(2, UInt8(0x54)), (4, 0x5c)] {  // SLOAD / TLOAD k
            handler(n); byte(1); asm.op(load); pushOut(); advance(2)
        }
        handler(5); byte(2); asm.push(0x40); asm.op(0x52); byte(1); asm.push(0x20); asm.push(0x40); asm.op(0xa1); advance(3)
        handler(6)
        field(27, 0xf0); pc(); asm.push(29); asm.op(0x01); asm.push(0x4000); asm.op(0x37)  // CALLDATACOPY the nested script
        byte(1)
        for (k, label) in [(0, "c0"), (1, "c1"), (2, "c2")] { asm.op(0x80); asm.push(UInt64(k)); asm.op(0x14); asm.pushLabel(label); asm.op(0x57) }
        asm.pushLabel("c3"); asm.op(0x56)
        for (label, call, value) in [("c0", UInt8(0xf1), true), ("c3", 0xf2, true), ("c1", 0xfa, false), ("c2", 0xf4, false)] {
            asm.label(label); asm.op(0x5b); asm.op(0x50)
            asm.push(0); asm.push(0); field(27, 0xf0); asm.push(0x4000)
            if value { byte(22) }
            address(2); field(23, 0xe0); asm.op(call)
            asm.pushLabel("after"); asm.op(0x56)
        }
        asm.label("after"); asm.op(0x5b)
        pushOut()  // success flag
        asm.op(0x3d); pushOut()  // RETURNDATASIZE
        asm.op(0x3d); asm.push(0); asm.push(0x8000); asm.op(0x3e)  // RETURNDATACOPY
        asm.op(0x3d); asm.push(0x8000); asm.op(0x20); pushOut()  // keccak256 of it
        field(27, 0xf0); asm.push(29); asm.op(0x01); pc(); asm.op(0x01); asm.push(0); asm.op(0x52); asm.pushLabel("loop"); asm.op(0x56)
        handler(7); asm.push(0x20); asm.op(0x51); asm.push(0x100); asm.op(0xf3)
        handler(8); asm.push(0x20); asm.op(0x51); asm.push(0x100); asm.op(0xfd)
        handler(9); asm.op(0xfe)
        handler(10); address(1); asm.op(0x31); pushOut(); advance(21)
        handler(11); asm.op(0x47); pushOut(); advance(1)
        handler(12); asm.op(0x34); pushOut(); advance(1)
        handler(13); address(1); asm.op(0xff)
        // CREATE of a copy of this code: init code = a 13-byte prefix that returns the code after
        // it (PUSH1 13 CODESIZE SUB DUP1 PUSH1 13 PUSH1 0 CODECOPY PUSH1 0 RETURN) + CODECOPY.
        let prefix: Bytes = [0x60, 13, 0x38, 0x03, 0x80, 0x60, 13, 0x60, 0, 0x39, 0x60, 0, 0xf3]
        handler(14); asm.pushBytes(prefix + Bytes(repeating: 0, count: 32 - prefix.count)); asm.push(0x9000); asm.op(0x52)
        asm.op(0x38); asm.push(0); asm.push(0x9000 + 13); asm.op(0x39)  // CODECOPY after the prefix
        asm.op(0x38); asm.push(13); asm.op(0x01); asm.push(0x9000); byte(1); asm.op(0xf0)  // CREATE(value, 0x9000, 13 + CODESIZE)
        asm.op(0x80); asm.op(0x15); asm.pushLabel("created"); asm.op(0x57); asm.op(0x80); asm.push(100); asm.op(0x55)  // SSTORE(100, child)
        asm.label("created"); asm.op(0x5b)
        pushOut(); asm.op(0x3d); pushOut(); advance(2)
        handler(15); byte(2); byte(1); asm.push(0x8000); asm.op(0x3e); byte(2); asm.push(0x8000); asm.op(0x20); pushOut(); advance(3)
        for (n, op) in [(16, UInt8(0x33)), (17, 0x30), (18, 0x32)] { handler(n); asm.op(op); pushOut(); advance(1) }  // CALLER, ADDRESS, ORIGIN
        handler(19); address(1); asm.op(0x3f); pushOut(); advance(21)  // EXTCODEHASH
        asm.label("done"); asm.op(0x5b); asm.push(0x20); asm.op(0x51); asm.push(0x100); asm.op(0xf3)
        return asm.assemble()
    }()

    /// Just enough of an assembler: opcodes, minimal PUSHes and PUSH2 of labels.
    struct Assembler {
        enum Item { case byte(UInt8), label(String), ref(String) }
        var items: [Item] = []
        var labels = 0
        mutating func fresh() -> String { labels += 1; return "_\(labels)" }
        mutating func op(_ b: UInt8) { items.append(.byte(b)) }
        mutating func push(_ v: UInt64) {
            var bytes: [UInt8] = []
            var x = v
            repeat { bytes.insert(UInt8(x & 0xff), at: 0); x >>= 8 } while x > 0
            items.append(.byte(0x5f + UInt8(bytes.count)))
            bytes.forEach { items.append(.byte($0)) }
        }
        mutating func pushBytes(_ b: Bytes) { items.append(.byte(0x5f + UInt8(b.count))); b.forEach { items.append(.byte($0)) } }
        mutating func label(_ name: String) { items.append(.label(name)) }
        mutating func pushLabel(_ name: String) { items.append(.byte(0x61)); items.append(.ref(name)) }
        func assemble() -> Bytes {
            var at: [String: Int] = [:], size = 0
            for i in items {
                switch i {
                case .byte: size += 1
                case .label(let n): at[n] = size
                case .ref: size += 2
                }
            }
            var out: Bytes = []
            for i in items {
                switch i {
                case .byte(let b): out.append(b)
                case .label: break
                case .ref(let n): let t = at[n]!; out += [UInt8(t >> 8), UInt8(t & 0xff)]
                }
            }
            return out
        }
    }

    // MARK: Scripts

    enum Impl: CaseIterable { case evm, rv64, rv32 }

    /// Gas a call made at each script depth forwards: enough for the callee's eight
    /// operations (eight new storage slots: 177k) and its own calls, so no frame runs out and
    /// no call is capped by the 63/64 rule, whichever calls fail before it (a failed frame
    /// burns what it was given; with all gas forwarded, two failures left too little for the
    /// EVM interpreter's remaining operations but enough for the native one's: gas differs by
    /// design, so the scripts must not depend on it).
    static let callGas: [UInt32] = [25_000_000, 3_000_000, 300_000]
    static let transactionGas: UInt64 = 250_000_000

    static func script(_ g: inout SplitMix64, depth: Int) -> Bytes {
        var s: Bytes = []
        let targets = [a, b, b, eoa, identity, nobody, child]
        for _ in 0..<Int.random(in: 1...8, using: &g) {
            let k = UInt8.random(in: 0...5, using: &g), v = UInt8.random(in: 0...3, using: &g)
            switch Int.random(in: 0...19, using: &g) {
            case 0...2: s += [1, k, v]
            case 3...4: s += [2, k]
            case 5: s += [3, k, v]
            case 6: s += [4, k]
            case 7...8: s += [5, k, v]
            case 9...13 where depth < 3:
                let nested = script(&g, depth: depth + 1)
                s += [6, UInt8.random(in: 0...3, using: &g)] + targets.randomElement(using: &g)!.bytes
                let gas = callGas[depth]
                s += [UInt8.random(in: 0...2, using: &g), UInt8(gas >> 24), UInt8((gas >> 16) & 0xff), UInt8((gas >> 8) & 0xff), UInt8(gas & 0xff)]
                s += [UInt8(nested.count >> 8), UInt8(nested.count & 0xff)] + nested
            case 14: s += [10] + [a, b, eoa, beneficiary, child].randomElement(using: &g)!.bytes
            case 15: s += Bool.random(using: &g) ? [11] : [15, UInt8.random(in: 0...40, using: &g), UInt8.random(in: 0...40, using: &g)]
            case 16: s += depth == 0 && Bool.random(using: &g) ? [14, v] : [[12], [16], [17], [18]].randomElement(using: &g)!
            case 19: s += [19] + [eoa, nobody, identity, beneficiary].randomElement(using: &g)!.bytes
            case 17:
                s += [[7, 8, 9].randomElement(using: &g)!]
                return s
            case 18 where Int.random(in: 0...3, using: &g) == 0:
                s += [13] + [beneficiary, a, eoa, child].randomElement(using: &g)!.bytes
                return s
            default: s += [2, k]
            }
        }
        return s
    }

    /// What a run of `scripts` (one transaction each, to A) ends with.
    struct Outcome: Equatable {
        var receipts: [String] = []
        var storage: [String] = []
        var balances: [U256] = []
        var nonces: [UInt64] = []
    }

    static func run(_ scripts: [(Bytes, UInt8)], a implA: Impl, b implB: Impl) throws -> Outcome {
        let s = ContractSession()
        func code(_ i: Impl) throws -> (Bytes, EEKind) {
            switch i {
            case .evm: (evmCode, .evm)
            case .rv64: (try native64.get(), .riscv)
            case .rv32: (try native32.get(), .riscv)
            }
        }
        let (ca, ka) = try code(implA), (cb, kb) = try code(implB)
        try s.install(ca, kind: ka, at: a)
        try s.install(cb, kind: kb, at: b)
        _ = s.world.addBalance(a, U256(1000))
        _ = s.world.addBalance(b, U256(4))  // little: calls with value from B run short
        var o = Outcome()
        for (script, value) in scripts {
            let r = try s.call(a, data: script, value: U256(UInt64(value)), gas: transactionGas)
            let status = r.status.isSuccess ? "success" : r.status == .revert ? "revert" : "failure"
            let logs = r.logs.map { "\($0.address.hex):\($0.topics.map(\.hex)):\(Hex.encode($0.data))" }
            o.receipts.append("\(status) \(Hex.encode(r.output)) \(logs)")
        }
        for c in [a, b] {
            for k in 0..<6 { o.storage.append("\(c.hex)[\(k)] = \(s.world.storage(c, U256(UInt64(k))))") }
        }
        o.balances = [a, b, eoa, beneficiary, nobody, identity].map { s.world.balance($0) }
        let made = Address(Array(s.world.storage(a, U256(100)).bigEndianBytes[12...]))
        o.balances.append(s.world.balance(made))
        o.nonces = [a, b, made].map { s.world.account($0)?.nonce ?? 0 }
        o.storage.append("child \(made.hex) exists \(s.world.account(made) != nil) code \(s.world.account(made)?.code.count ?? 0 > 0)")
        return o
    }

    @Test func nativeAndEVMInterpretersAgreeOnRandomScripts() throws {
        let cases = ProcessInfo.processInfo.environment["EEKIT_PARITY_CASES"].flatMap(Int.init) ?? 200
        #expect(cases > 0, "EEKIT_PARITY_CASES=\(cases) runs no case")
        let seed = ProcessInfo.processInfo.environment["EEKIT_PARITY_SEED"].flatMap(UInt64.init) ?? 16
        var g = SplitMix64(seed: seed)
        // EEKIT_PARITY_STATS: how the EVM-only runs ended, and the EVM interpreter (for
        // `eekit evm run --code ... --trace` on a failing script).
        let stats = ProcessInfo.processInfo.environment["EEKIT_PARITY_STATS"] != nil
        if stats { print("EVM interpreter: \(Hex.encode(Self.evmCode))") }
        var failures = 0
        for n in 0..<cases {
            let scripts = (0..<2).map { _ in (Self.script(&g, depth: 0), UInt8.random(in: 0...2, using: &g)) }
            let reference = try Self.run(scripts, a: .evm, b: .evm)
            if stats { print("STAT \(reference.receipts.map { $0.prefix(8) })") }
            for ia in Impl.allCases {
                for ib in Impl.allCases where !(ia == .evm && ib == .evm) {
                    let o = try Self.run(scripts, a: ia, b: ib)
                    if o != reference {
                        failures += 1
                        Issue.record("""
                            case \(n) (seed \(seed)), A \(ia), B \(ib): scripts \(scripts.map { Hex.encode($0.0) + " value \($0.1)" })
                            EVM only: \(reference)
                            this:     \(o)
                            """)
                    }
                }
            }
            if failures >= 3 { break }
        }
    }

    /// The interpreters themselves: a script that writes, reads, logs and calls B, on both.
    @Test func interpretersRunAKnownScript() throws {
        let nested: Bytes = [1, 1, 7, 2, 1, 12]  // B: sstore(1, 7), out sload(1), out callvalue; 65,536 gas
        let script: Bytes = [1, 0, 3, 2, 0, 5, 9, 4, 6, 0] + Self.b.bytes + [2, 0, 1, 0, 0, 0, UInt8(nested.count)] + nested + [11]
        for impl in Impl.allCases {
            let o = try Self.run([(script, 1)], a: impl, b: impl)
            let word = { (v: UInt64) in Hex.encode(U256(v).bigEndianBytes) }
            let calleeOut = word(7) + word(2)
            let expected = "success " + word(3) + word(1) + word(64)
                + Hex.encode(Keccak.hash(Hex.decode(calleeOut)!).bytes) + word(999)
            #expect(o.receipts.first?.hasPrefix(expected) == true, "\(impl): \(o.receipts)")
            #expect(o.storage.contains("\(Self.b.hex)[1] = 0x7"), "\(impl): \(o.storage)")
            // CREATE twice with 1 wei: A's nonce 1 and 2 give the addresses; the copies run.
            let c = try Self.run([([14, 1, 14, 0], 0)], a: impl, b: impl)
            let first = DeploymentAddress.create(deployer: Self.a, nonce: 1), second = DeploymentAddress.create(deployer: Self.a, nonce: 2)
            let created = "success " + Hex.encode(Bytes(repeating: 0, count: 12) + first.bytes) + word(0)
                + Hex.encode(Bytes(repeating: 0, count: 12) + second.bytes) + word(0)
            #expect(c.receipts.first?.hasPrefix(created) == true && c.nonces == [3, 1, 1], "\(impl): \(c)")
            // CALLER and ADDRESS in B's code through DELEGATECALL (the transaction's sender, A)
            // and CALLCODE (A, A), as the nested script's output.
            for (kind, caller) in [(UInt8(2), ContractSession.defaultSender), (3, Self.a)] {
                let d = try Self.run([([6, kind] + Self.b.bytes + [0, 0, 1, 0, 0, 0, 2, 16, 17, 7], 0)], a: impl, b: impl)
                let inner = Hex.encode(Bytes(repeating: 0, count: 12) + caller.bytes + Bytes(repeating: 0, count: 12) + Self.a.bytes)
                #expect(d.receipts.first?.hasPrefix("success " + word(1) + word(64) + Hex.encode(Keccak.hash(Hex.decode(inner)!).bytes)) == true,
                    "\(impl) kind \(kind): \(d.receipts)")
            }
        }
    }
}
