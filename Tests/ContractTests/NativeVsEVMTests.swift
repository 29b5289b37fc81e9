import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// Native CALL / CREATE / CONTEXT / GAS_LEFT / RETURNDATA against what the equivalent EVM
/// opcodes do (Cancun); each test asserts the EVM's behaviour (from an adversarial review).
@Suite(.serialized) struct NativeVsEVMTests {
    let probe = Address(low: 0x7001)
    let probe2 = Address(low: 0x7002)
    let gasReporter = Address(low: 0xe701)  // returns GAS as a word
    let reverter = Address(low: 0xe702)     // reverts with the word 0xab
    let rvCaller = Address(low: 0x51)

    func session() throws -> ContractSession {
        let s = ContractSession()
        let elf = try ProbeContract.elf.get()
        try s.install(elf, kind: .riscv, at: probe)
        try s.install(elf, kind: .riscv, at: probe2)
        try s.install(Hex.decode("5a5f5260205ff3")!, kind: .evm, at: gasReporter)
        try s.install(EVMCode.reverter, kind: .evm, at: reverter)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: rvCaller)
        return s
    }

    // MARK: CALL gas

    /// A requested gas below the 63/64 cap is passed as is, plus the 2300 stipend with value:
    /// the EVM callee's GAS (2 gas) sees requested + 2300 - 2.
    @Test func callPassesRequestedGasPlusStipend() throws {
        let s = try session()
        s.world.setAccount(probe, Account(nonce: 1, balance: U256(10), kind: .riscv, code: try ProbeContract.elf.get()))
        try s.world.commit()
        let plain = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.call(kind: 0, gasReporter, gas: 50_000))))
        #expect(plain.status == 0)
        #expect(U256(bigEndian: plain.returndata) == U256(50_000 - 2))
        let withValue = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.call(kind: 0, gasReporter, value: U256(1), gas: 50_000))))
        #expect(withValue.status == 0)
        #expect(U256(bigEndian: withValue.returndata) == U256(50_000 + 2300 - 2))
        // All gas: 63/64 of what is left after the call's own charges (the reporter is cold
        // in this new transaction: 2600).
        let all = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.call(kind: 0, gasReporter))))
        let seen = U256(bigEndian: all.returndata).uint64 ?? 0
        let expected = (all.before - 2600 - 10) - (all.before - 2600 - 10) / 64 - 2
        #expect(seen <= expected && seen + 64 >= expected, "callee saw \(seen), expected about \(expected)")
    }

    /// CALL with value and too little balance: the call fails, its returndata is empty, and the
    /// gas it was given comes back with the stipend (as in geth / evmone): the caller pays the
    /// access and value costs only, less the 2300 stipend.
    /// eekit.h: the value word counts for CALL and CALLCODE only, "whatever the pointer": a
    /// static or delegate call with an unreadable value pointer goes ahead; CALL and CALLCODE
    /// with it fail the calling frame (the host must read the word).
    @Test func valuePointerIsReadOnlyForKindsThatSendValue() throws {
        let s = try session()
        for kind: UInt8 in [1, 2] {
            let r = try s.call(probe, data: [10, kind] + gasReporter.bytes)
            #expect(r.status == .success, "kind \(kind): \(r.status)")
            #expect(r.output == ProbeContract.u64(0))
        }
        for kind: UInt8 in [0, 3] {
            let r = try s.call(probe, data: [10, kind] + gasReporter.bytes)
            guard case .failure(let reason) = r.status else {
                Issue.record("kind \(kind): \(r.status)")
                continue
            }
            #expect("\(reason)".contains("call value"), "kind \(kind): \(reason)")
        }
    }

    @Test func callWithInsufficientBalance() throws {
        let s = try session()
        let r = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.call(kind: 0, gasReporter, value: U256(1), gas: 0))))
        #expect(r.status == 2 && r.returndataSize == 0)
        let spent = Int64(r.before) - Int64(r.after)
        // access (warm: the reporter was not touched yet: cold 2600) + 9000 - 2300 + syscalls / instructions
        #expect(spent >= 2600 + 9000 - 2300 && spent < 2600 + 9000 - 2300 + 100, "spent \(spent)")
        // CALLCODE: the same (no new-account cost).
        let c = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.call(kind: 3, gasReporter, value: U256(1), gas: 0))))
        #expect(c.status == 2 && c.returndataSize == 0)
    }

    /// CALLCODE with value gets the 2300 stipend on top of the requested gas, as CALL does (the
    /// Yellow Paper adds G_callstipend for any non-zero value of CALL and CALLCODE; eekit.h:
    /// "+2300 stipend with value"): the EVM callee's GAS sees requested + 2300 - 2.
    @Test func callcodeWithValuePassesTheStipend() throws {
        let s = try session()
        s.world.setAccount(probe, Account(nonce: 1, balance: U256(10), kind: .riscv, code: try ProbeContract.elf.get()))
        try s.world.commit()
        let r = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.call(kind: 3, gasReporter, value: U256(1), gas: 50_000))))
        #expect(r.status == 0)
        #expect(U256(bigEndian: r.returndata) == U256(50_000 + 2300 - 2))
    }

    /// A callee that reverts gives back the gas it did not use (EIP-140, as the EVM's CALL):
    /// a reverting EVM callee given 100,000 gas costs the native caller the cold access (2600),
    /// the system call's 10 gas, the callee's few gas and a few instructions, not the 100,000.
    @Test func revertingCalleeGivesBackItsUnusedGas() throws {
        let s = try session()
        let r = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.call(kind: 0, reverter, gas: 100_000))))
        #expect(r.status == 1 && r.returndata == ABI.word(0xab))
        let spent = Int64(r.before) - Int64(r.after)
        #expect(spent >= 2600 && spent < 2600 + 100, "spent \(spent)")
    }

    /// Returndata after revert is the revert data; after a failure it is empty; after a call
    /// to an account without code it is empty.
    @Test func returndataAfterRevertFailureAndEOA() throws {
        let s = try session()
        let rev = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.call(kind: 0, reverter))))
        #expect(rev.status == 1 && rev.returndata == ABI.word(0xab))
        let fail = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.call(kind: 0, gasReporter, gas: 1))))
        #expect(fail.status == 2 && fail.returndataSize == 0)
        let eoa = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.call(kind: 0, Address(low: 0x4242)))))
        #expect(eoa.status == 0 && eoa.returndataSize == 0)
    }

    /// At the depth limit a call fails at once and returns all the gas it was given (EVM: the
    /// caller keeps 63/64 of its gas minus nothing but the call's charges).
    @Test func callAtTheDepthLimit() throws {
        let s = try session()
        s.boot.maxDepth = 1
        // depth 0 probe -> depth 1 probe2 -> (depth 2: refused) gasReporter
        let inner = ProbeContract.call(kind: 0, gasReporter)
        let r = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.call(kind: 0, probe2, inner))))
        #expect(r.status == 0)
        let i = try #require(ProbeContract.decode(bytes: r.returndata))
        #expect(i.status == 2 && i.returndataSize == 0)
        let spent = Int64(i.before) - Int64(i.after)
        #expect(spent >= 2600 && spent < 2600 + 100, "spent \(spent)")
    }

    // MARK: CREATE

    /// EIP-3860: init code above 49152 bytes makes CREATE an exceptional halt of the creating
    /// frame in the EVM; the native CREATE of such EVM init code fails its frame too (before, it
    /// returned status 2 and the contract went on, 63/64 of its gas consumed).
    @Test func oversizedEVMInitcodeFromNative() throws {
        let s = try session()
        let n0 = s.world.nonce(probe)
        let receipt = try s.call(probe, data: ProbeContract.create(ee: 1, Bytes(repeating: 0x00, count: 49_153)))
        #expect(receipt.status == .failure(.initcodeSizeExceeded), "\(receipt.status)")
        #expect(s.world.nonce(probe) == n0)
        // 49,152 bytes are allowed (the code is all STOPs: an account with empty code).
        let ok = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.create(ee: 1, Bytes(repeating: 0x00, count: 49_152))), create: true))
        #expect(ok.status == 0 && ok.address != .zero)
    }

    /// Before Shanghai there is no EIP-3860 for the native CREATE either, as for the EVM's
    /// (eekit.h): no 49,152-byte limit and no 2 gas per init-code word; and the coinbase is
    /// cold (EIP-3651). A review measured both under London.
    @Test func createAndCoinbaseFollowShanghaiAsTheEVMDoes() throws {
        let s = try session()
        s.boot.block.fork = .london
        let big = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.create(ee: 1, Bytes(repeating: 0x00, count: 49_153))), create: true))
        #expect(big.status == 0 && big.address != .zero)
        let words: UInt64 = 1000
        let charged = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.create(ee: 1, value: U256(1), Bytes(repeating: 0x00, count: Int(words * 32)))),
            create: true))
        let spent = charged.before - charged.after, documented = 32000 + 3 * words
        #expect(charged.status == 2 && spent >= documented && spent < documented + 100, "spent \(spent), London \(documented)")
        // The coinbase through a CALL: cold (2600) under London, warm (100) from Shanghai.
        for (fork, access) in [(Fork.london, UInt64(2600)), (.shanghai, 100)] {
            s.boot.block.fork = fork
            let r = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.call(kind: 0, s.boot.block.coinbase, gas: 0))))
            let used = r.before - r.after
            #expect(r.status == 0 && used >= access && used < access + 60, "\(fork): \(used)")
        }
    }

    /// CREATE's charge (eekit.h): 32000 + 2 per init-code word + 3 per word for the copy (+6 per
    /// word for CREATE2).
    /// Measured on a CREATE with value the deployer does not have: the passed gas comes back,
    /// so before - after is the charge plus the system call's 10 gas and a few instructions.
    @Test(arguments: [false, true]) func createChargeMatchesTheDocumentedFormula(create2: Bool) throws {
        let s = try session()
        let words: UInt64 = 1000
        let initcode = Bytes(repeating: 0x00, count: Int(words * 32))
        let r = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.create(ee: 1, value: U256(1), salt: create2 ? Bytes32(ABI.word(1)) : nil, initcode)),
            create: true))
        #expect(r.status == 2 && r.returndataSize == 0)
        let documented = 32000 + 2 * words + 3 * words + (create2 ? 6 * words : 0)
        let spent = r.before - r.after
        #expect(spent >= documented && spent < documented + 100, "spent \(spent), documented \(documented)")
    }

    /// EIP-150 for CREATE (eekit.h: "the constructor gets all but 1/64 of what is left"): a
    /// constructor that loops until it runs out of gas leaves the creating frame a 64th of what
    /// it had after CREATE's charge (32000 + 5 gas for one word of init code, and 10 for the
    /// system call), and the creating frame goes on.
    @Test func createLeavesTheCreatorASixtyFourth() throws {
        let s = try session()
        let r = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.create(ee: 1, EVMCode.loop), gas: 3_000_000), create: true))
        #expect(r.status == 2 && r.address == .zero)
        let rest = r.before > 32_015 ? r.before - 32_015 : 0
        #expect(r.after <= rest / 64 && r.after + 30 >= rest / 64, "left \(r.after) of \(r.before)")
    }

    /// CREATE2 collision: the nonce is bumped, the gas passed is consumed, status failure,
    /// empty returndata; CREATE's address uses the nonce before the bump.
    @Test func create2CollisionAndCreateAddress() throws {
        let s = try session()
        let initcode = EVMCode.deploying(EVMCode.counter)
        let salt = Bytes32(ABI.word(9))
        let n0 = s.world.nonce(probe)
        let first = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.create(ee: 1, salt: salt, initcode)), create: true))
        #expect(first.status == 0 && first.address == DeploymentAddress.create2(deployer: probe, salt: salt, initcode: initcode))
        #expect(first.returndataSize == 0)
        #expect(s.world.nonce(probe) == n0 + 1)
        let again = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.create(ee: 1, salt: salt, initcode)), create: true))
        #expect(again.status == 2 && again.returndataSize == 0 && again.address == .zero)
        #expect(s.world.nonce(probe) == n0 + 2)
        #expect(again.before - again.after > again.before / 64 * 60, "collision consumed \(again.before - again.after) of \(again.before)")
        let c = try #require(ProbeContract.decode(try s.call(probe, data: ProbeContract.create(ee: 1, initcode)), create: true))
        #expect(c.status == 0 && c.address == DeploymentAddress.create(deployer: probe, nonce: n0 + 2))
    }

    // MARK: SDK helpers

    /// eekit_abi.h: an argument index from calldata so large that 4 + 32 i wraps reads as zero
    /// and is not "present" (it used to wrap and read the frame header and the selector), and
    /// abi_return_string encodes any length (it used to cut at 64 bytes, then stopped at 16 KiB).
    @Test func sdkBoundsAndLongStrings() throws {
        let s = try session()
        s.world.setAccount(probe, Account(nonce: 1, balance: U256(1 << 40), kind: .riscv, code: try ProbeContract.elf.get()))
        try s.world.commit()
        let huge = try s.call(probe, data: [5] + ProbeContract.u64((1 << 59) - 1) + Bytes(repeating: 0xee, count: 64), value: U256(0x1122))
        #expect(huge.status == .success && huge.output == Bytes(repeating: 0, count: 33), "\(huge.status) \(Hex.encode(huge.output))")
        let first = try s.call(probe, data: [5] + ProbeContract.u64(0) + Bytes(repeating: 0xee, count: 64))
        #expect(first.output == Array(([5] + ProbeContract.u64(0) + Bytes(repeating: 0xee, count: 64))[4..<36]) + [1])
        let text = try s.call(probe, data: [6] + ProbeContract.u64(70))
        #expect(text.status == .success && text.output.count == 64 + 96)
        #expect(text.output.bytes(32..<64) == ABI.word(70) && text.output.bytes(64..<134) == Bytes(repeating: 0x61, count: 70))
        // eek_alloc: zeroed heap memory (the second frame's heap is fresh again), and a request
        // beyond the heap fails the frame.
        for _ in 0..<2 { #expect(try s.call(probe, data: [11] + ProbeContract.u64(100_003)).output == [1]) }
        if case .failure = try s.call(probe, data: [11] + ProbeContract.u64(1 << 40)).status {} else { Issue.record("2^40 bytes allocated") }
        // A size that passes the end of the address space fails too (a review found it
        // reverted, which gave the caller its gas back).
        let wrap = try s.call(probe, data: [11] + ProbeContract.u64(.max))
        if case .failure = wrap.status {} else { Issue.record("eek_alloc(2^64 - 1): \(wrap.status)") }
        // Beyond 16 KiB the encoding is built above the heap's break instead of on the stack.
        let long = try s.call(probe, data: [6] + ProbeContract.u64(16385))
        #expect(long.status == .success && long.output.count == 64 + 16416 && long.output.bytes(32..<64) == ABI.word(16385))
        #expect(Array(long.output[64...]) == Bytes(repeating: 0x61, count: 16385) + Bytes(repeating: 0, count: 31))
    }

    // MARK: SDK arithmetic and dynamic ABI values

    /// EVM runtime code computing, for calldata a ++ b ++ n: a*b (wrapping), whether a*b
    /// overflows (a != 0 && a*b/a != b), a/b, a%b, a<<n, a>>n: the oracle for the SDK's u256.
    static let arithmeticOracle = Hex.decode(
        "5f35" + "602035" + "818102" + "805f52" + "828104" + "8214" + "15" + "831515" + "16" + "602052" + "50"
            + "81819004" + "604052" + "81819006" + "606052" + "604035" + "82811b" + "608052" + "82811c" + "60a052"
            + "60c05ff3")!

    /// u256_mul / u256_divmod / u256_shl / u256_shr (eekit_abi.h) against the EVM's MUL, DIV,
    /// MOD, SHL and SHR, on RV64 (128-bit products) and RV32 (32-bit halves).
    @Test func sdkArithmeticMatchesTheEVM() throws {
        let s = try session()
        let oracle = Address(low: 0x0a11)
        try s.install(Self.arithmeticOracle, kind: .evm, at: oracle)
        let probe32 = Address(low: 0x3232)
        try s.install(try ProbeContract.elf32.get(), kind: .riscv, at: probe32)
        try s.world.commit()
        let edges: [U256] = [
            .zero, .one, U256(2), U256(7), U256(UInt64.max), U256(limbs: (0, 1, 0, 0)), U256(limbs: (1, 1, 0, 0)),
            U256(limbs: (0, 0, 1, 0)), U256(limbs: (0, 0, 0, 1 << 63)), U256(limbs: (.max, .max, .max, .max >> 1)), .max,
            U256(limbs: (.max, 0, 0, 0x8000_0000_0000_0001)), U256(limbs: (3, 0, 0, 0xffff_ffff)),
        ]
        var rng: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return rng
        }
        func random() -> U256 {
            // Mostly sparse numbers: a random count of limbs, so that quotients are not all 0 or 1.
            let k = Int(next() % 5)
            var l: [UInt64] = [0, 0, 0, 0]
            for i in 0..<k { l[i] = next() >> (next() % 64) }
            return U256(limbs: (l[0], l[1], l[2], l[3]))
        }
        /// Numbers made of 16-bit digits near 0, 2^15 and 2^16: u256_divmod works on 16-bit
        /// (RV32) or 32-bit (RV64) digits, and such digits make its quotient estimates too large,
        /// so its correction and add-back steps run.
        func digits() -> U256 {
            let pattern: [UInt64] = [0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff]
            var l: [UInt64] = [0, 0, 0, 0]
            for i in 0..<Int(1 + next() % 16) {
                let d = next() % 4 == 0 ? next() & 0xffff : pattern[Int(next() % 6)]
                l[i / 4] |= d << (16 * UInt64(i % 4))
            }
            return U256(limbs: (l[0], l[1], l[2], l[3]))
        }
        var cases: [(U256, U256, U256)] = []
        for a in edges { for b in edges { cases.append((a, b, U256(next() % 300))) } }
        for _ in 0..<150 { cases.append((random(), random(), U256(next() % 260))) }
        for _ in 0..<150 { cases.append((digits(), digits(), U256(next() % 260))) }
        // Knuth's add-back case (a quotient digit estimated one too high after the corrections),
        // at 16- and 32-bit digits.
        cases.append((U256(limbs: (3, 0, 0x8000_0000, 0)), U256(limbs: (1, 0x2000_0000, 0, 0)), .one))
        cases.append((U256(limbs: (0xffff_fffe_0000_0000, 0x8000_0000_ffff_ffff, 0, 0)),
                       U256(limbs: (0x3_0000_0003, 1, 0, 0)), .one))
        cases.append((U256(limbs: (0x7fff_ffff_0000_0000, 0x7fff_ffff_0000_0000, 0x7fff_ffff, 0)),
                       U256(limbs: (0x7fff_ffff_7fff_ffff, 0x7fff_ffff, 0, 0)), .one))
        cases.append((.max, .max, U256(1 << 40)))  // a shift amount far beyond 256
        for (i, (a, b, n)) in cases.enumerated() {
            let data = a.bigEndianBytes + b.bigEndianBytes + n.bigEndianBytes
            let want = try s.call(oracle, data: data)
            #expect(want.status == .success)
            for target in [probe, probe32] {
                let got = try s.call(target, data: [7] + data)
                #expect(got.status == .success && got.output == want.output,
                        "case \(i) \(target == probe ? "rv64" : "rv32"): a \(a) b \(b) n \(n): \(Hex.encode(got.output)) vs EVM \(Hex.encode(want.output))")
            }
        }
    }

    /// 64-bit division in RV32 contracts links (eekit_rt.c's __udivdi3, __umoddi3, __divdi3,
    /// __moddi3) and gives what RV64's div / rem give, division by zero and overflow included.
    @Test func sixtyFourBitDivisionOnRV32() throws {
        let s = try session()
        let probe32 = Address(low: 0x3232)
        try s.install(try ProbeContract.elf32.get(), kind: .riscv, at: probe32)
        try s.world.commit()
        let values: [UInt64] = [0, 1, 2, 7, 0xffff_ffff, 1 << 32, (1 << 32) + 1, 1 << 63, (1 << 63) - 1, .max, .max - 1,
                                0x1234_5678_9abc_def0, 0xdead_beef]
        // And random pairs of every pair of bit lengths, near multiples too: the RV32 helper
        // takes different paths for word-sized operands, a word-sized divisor and a larger one.
        var rng = SplitMix64(seed: 64)
        func operand() -> UInt64 {
            let bits = rng.next() % 65
            return bits == 0 ? 0 : rng.next() >> (64 - bits) | 1 << (bits - 1)
        }
        var pairs = values.flatMap { a in values.map { (a, $0) } }
        for _ in 0..<150 {
            let b = operand()
            pairs.append((operand(), b))
            pairs.append((b &* (rng.next() >> (rng.next() % 64)) &+ rng.next() % 3, b))
        }
        for (a, b) in pairs {
            do {
                let data = [12] + ProbeContract.u64(a) + ProbeContract.u64(b)
                let r64 = try s.call(probe, data: data), r32 = try s.call(probe32, data: data)
                let sa = Int64(bitPattern: a), sb = Int64(bitPattern: b)
                let want: [UInt64] = b == 0 ? [.max, a, .max, a]
                    : [a / b, a % b, UInt64(bitPattern: sb == -1 ? 0 &- sa : sa / sb), UInt64(bitPattern: sb == -1 ? 0 : sa % sb)]
                let expected = want.flatMap { ProbeContract.u64($0) }
                #expect(r64.output == expected && r32.output == expected, "\(a) / \(b): rv64 \(Hex.encode(r64.output)) rv32 \(Hex.encode(r32.output))")
            }
        }
    }

    /// abi_encoder builds what Solidity's encoder gives for (uint256, bytes, address, string,
    /// bool) on both XLENs (empty, word-sized and odd lengths), and fails (an empty revert)
    /// instead of writing past a buffer that is too small.
    @Test func sdkEncoderMatchesSolidityEncoding() throws {
        let s = try session()
        let probe32 = Address(low: 0x3232)
        s.world.setAccount(probe, Account(nonce: 1, balance: .zero, kind: .riscv, code: try ProbeContract.elf.get()))
        try s.install(try ProbeContract.elf32.get(), kind: .riscv, at: probe32)
        try s.world.commit()
        let a = "0x" + String(repeating: "fe", count: 31) + "01"
        let b = "0x00000000000000000000000000000000000000aa"
        for (x, y, c) in [("", "", false), ("0x11", "hello", true), ("0x" + String(repeating: "ab", count: 32), String(repeating: "z", count: 65), true)] {
            let want = Array(try ABIEncoder.encodeCall(
                signature: "f(uint256,bytes,address,string,bool)", arguments: [a, x, b, y, c ? "true" : "false"]).dropFirst(4))
            let xb = Hex.decode(x) ?? []
            let data: Bytes = [13, 0] + (Hex.decode(a) ?? []) + (Hex.decode(b) ?? []) + [c ? 1 : 0]
                + [UInt8(xb.count >> 8), UInt8(xb.count & 0xff)] + xb + Array(y.utf8)
            for target in [probe, probe32] {
                let r = try s.call(target, data: data)
                #expect(r.status == .success && r.output == want, "\(x) \(y): \(Hex.encode(r.output))")
                // One word short of the encoding: refused, nothing returned.
                var short = data
                short[1] = UInt8(want.count / 32 - 1)
                let f = try s.call(target, data: short)
                #expect(f.status == .revert && f.output.isEmpty)
            }
        }
    }

    /// abi_arg_array reads `T[]` arguments of one-word elements as Solidity's decoder does
    /// (offsets and lengths are checked against the calldata without overflow), and
    /// abi_enc_words encodes such an array.
    @Test func sdkArrayArguments() throws {
        let s = try session()
        s.world.setAccount(probe, Account(nonce: 1, balance: .zero, kind: .riscv, code: try ProbeContract.elf.get()))
        try s.world.commit()
        let args = Array(try ABIEncoder.encodeCall(
            signature: "f(uint8,address[],bytes,uint256[])",
            arguments: ["7", "[0x00000000000000000000000000000000000000aa, 0x00000000000000000000000000000000000000bb]", "0xc0ffee", "[]"]
        ).dropFirst(4))
        func array(_ i: UInt8, _ body: Bytes) throws -> Receipt { try s.call(probe, data: [14, 0, 0, i] + body) }
        let a = try array(1, args)
        #expect(a.status == .success)
        // Encoded back with abi_enc_words.
        #expect(try ABIEncoder.decode(["uint256", "address[]"], a.output)
                == ["2", "[\(Address(low: 0xaa).checksummed), \(Address(low: 0xbb).checksummed)]"])
        let empty = try array(3, args)
        #expect(empty.status == .success && (try? ABIEncoder.decode(["uint256", "uint256[]"], empty.output)) == ["0", "[]"])
        // The `bytes` argument read as an array: length 3 needs 96 bytes after it, and only
        // 32 (its padded body) and the empty array's length follow.
        #expect(try array(2, args).status == .revert)
        // Malformed: a count that runs past the calldata by one word, a count of 2^64 - 1
        // (32 * count would wrap), an offset past the end, a missing head word.
        func with(_ head: Int, _ word: Bytes) -> Bytes { var b = args; b.replaceSubrange(32 * head..<32 * head + 32, with: word); return b }
        let countAt = 4  // the address[] length word: after 4 head words
        #expect(try array(1, with(countAt, ABI.word(UInt64((args.count - 32 * 5) / 32 + 1)))).status == .revert)
        #expect(try array(1, with(countAt, ABI.word(UInt64((args.count - 32 * 5) / 32)))).status == .success)
        #expect(try array(1, with(countAt, Bytes(repeating: 0, count: 24) + Bytes(repeating: 0xff, count: 8))).status == .revert)
        #expect(try array(1, with(1, ABI.word(UInt64(args.count)))).status == .revert)
        #expect(try array(10, args).status == .revert)  // 10 head words: there is no 11th
        // Offsets need not be multiples of 32: the elements at an odd position (copied) and at
        // a 4-byte aligned one that is not a word boundary (loaded from the frame block).
        for pad in [1, 4, 5] {
            let body = ABI.word(UInt64(32 + pad)) + Bytes(repeating: 0, count: pad) + ABI.word(2)
                + ABI.word(Address(low: 0xaa)) + ABI.word(Address(low: 0xbb))
            let r = try array(0, body)
            #expect(r.status == .success && (try? ABIEncoder.decode(["uint256", "address[]"], r.output))
                    == ["2", "[\(Address(low: 0xaa).checksummed), \(Address(low: 0xbb).checksummed)]"], "pad \(pad)")
        }
        // abi_enc_return reverts unless exactly the declared values were added (a review found
        // 0 declared and 1 added returning empty success).
        for (declared, added, ok) in [(0, 0, true), (0, 1, false), (1, 1, true), (2, 1, false), (1, 2, false)] {
            let r = try s.call(probe, data: [15, UInt8(declared), UInt8(added)])
            #expect(r.status == (ok ? .success : .revert) && r.output.count == (ok ? 32 * declared : 0), "\(declared) \(added)")
        }
    }

    /// abi_arg_bytes reads `bytes` / `string` arguments as Solidity's decoder does (malformed
    /// offsets and lengths are refused, without overflow); abi_revert_error reverts with the
    /// Error(string) that tools decode.
    @Test func sdkDynamicArgumentsAndErrorReverts() throws {
        let s = try session()
        s.world.setAccount(probe, Account(nonce: 1, balance: .zero, kind: .riscv, code: try ProbeContract.elf.get()))
        try s.world.commit()
        let text = String(repeating: "EEKit ", count: 7)  // 42 bytes
        let args = Array(try ABIEncoder.encodeCall(signature: "f(uint256,bytes,string)", arguments: ["5", "0xc0ffee", text]).dropFirst(4))
        func arg(_ i: UInt8, small: Bool = false, _ body: Bytes) throws -> Receipt {
            try s.call(probe, data: [8, 0, small ? 1 : 0, i] + body)
        }
        let b = try arg(1, args)
        #expect(b.status == .success)
        #expect(try ABIEncoder.decode(["bytes"], b.output) == ["0xc0ffee"])
        let str = try arg(2, args)
        #expect(str.status == .success)
        #expect(try ABIEncoder.decode(["string"], str.output) == ["\"\(text)\""])
        // Longer than the buffer: refused, with the length reported.
        let small = try arg(2, small: true, args)
        #expect(small.status == .revert && small.output == ProbeContract.u64(0) + ProbeContract.u64(42))
        // Malformed: an offset past the end, a huge offset, a length running past the end, a
        // missing head word; a uint256 read as an offset (5) that points inside the head.
        var pastEnd = args
        pastEnd[32 + 31] = 0xff
        var hugeOffset = args
        hugeOffset[32] = 0x01
        var longLength = args
        longLength[96 + 30] = 0x01  // the bytes' length word: 259 bytes, past the calldata's end
        for (what, data, i) in [("offset past the end", pastEnd, UInt8(1)), ("offset of 2^255", hugeOffset, 1),
                                ("length past the end", longLength, 1), ("no head word", args, 3),
                                ("no calldata", [], 0)] {
            let r = try arg(i, data)
            #expect(r.status == .revert && Array(r.output.prefix(8)) == ProbeContract.u64(0), "\(what): \(r.status)")
        }
        let e = try s.call(probe, data: [9] + Array("insufficient \"balance\"".utf8))
        #expect(e.status == .revert && ABIEncoder.revertReason(e.output) == "Error(\"insufficient \\\"balance\\\"\")",
                "\(ABIEncoder.revertReason(e.output) ?? Hex.encode(e.output))")
    }

    /// The SDK helpers a review writing contracts from the docs alone missed: constructor
    /// arguments as a word and an address, ABI_REVERT with a literal and abi_revert_str with a
    /// NUL-terminated message (a `sizeof` on a pointer had cut a reason to 8 bytes), and the
    /// non-payable check.
    @Test(arguments: [64, 32]) func sdkConstructorArgumentsRevertsAndValueCheck(xlen: Int) throws {
        let source = """
            #include "eekit_abi.h"
            void eekit_main(int is_constructor) {
              if (is_constructor) {
                eek_address owner;
                /* Solidity's check; without it the readers zero-fill (Vyper's constructor). */
                if (!abi_ctor_has_args(2)) ABI_REVERT("short arguments");
                if (!abi_ctor_arg_address(0, &owner)) ABI_REVERT("owner is not an address");
                eek_word w = eek_word_from_address(&owner), k0 = eek_word_from_u64(0), k1 = eek_word_from_u64(1);
                eek_word tag = abi_ctor_arg_word(1);
                eek_sstore(&k0, &w);
                eek_sstore(&k1, &tag);
                return;
              }
              uint8_t op = 0;
              eek_calldata_copy(&op, 0, 1);
              const char *dynamic = op == 2 ? "from a pointer, NUL-terminated" : "other";
              switch (op) {
              case 1: ABI_REVERT("a literal's length");
              case 2: abi_revert_str(dynamic);
              case 3: abi_require_no_value(); eek_return(0, 0);
              case 4: { /* NotOwner(address) unless the caller is the owner */
                eek_address caller, owner;
                eek_word k0 = eek_word_from_u64(0), w;
                eek_caller(&caller);
                eek_sload(&k0, &w);
                if (!abi_word_address(&w, &owner)) eek_revert(0, 0);
                if (!eek_address_eq(&caller, &owner)) {
                  eek_word who = eek_word_from_address(&caller);
                  abi_revert_custom(0x245aecd3u, &who, 1);
                }
                eek_return(0, 0);
              }
              default: {
                eek_word k0 = eek_word_from_u64(0), k1 = eek_word_from_u64(1), out[2];
                eek_sload(&k0, &out[0]);
                eek_sload(&k1, &out[1]);
                eek_return(out, 64);
              }
              }
            }
            """
        let elf = try Fixtures.contract(source, xlen: xlen)
        let s = ContractSession()
        let owner = "0x00000000000000000000000000000000000000aa", tag = "0x" + String(repeating: "ab", count: 32)
        let args = try ABIEncoder.encodeArguments(["address", "bytes32"], [owner, tag])
        let d = try s.deploy(elf, kind: .riscv, arguments: args)
        let a = try #require(d.createdAddress, "\(d.status)")
        #expect(try s.call(a, data: [0]).output == args)
        let literal = try s.call(a, data: [1])
        #expect(literal.status == .revert && ABIEncoder.revertReason(literal.output) == "Error(\"a literal's length\")")
        let dynamic = try s.call(a, data: [2])
        #expect(ABIEncoder.revertReason(dynamic.output) == "Error(\"from a pointer, NUL-terminated\")")
        #expect(try s.call(a, data: [3]).status == .success)
        let paid = try s.call(a, data: [3], value: U256(1))
        #expect(paid.status == .revert && paid.output.isEmpty)
        // abi_revert_custom and eek_address_eq: NotOwner(address) for any caller but the owner.
        let notOwner = try s.call(a, data: [4])
        #expect(notOwner.status == .revert && notOwner.output == [0x24, 0x5a, 0xec, 0xd3] + ContractSession.defaultSender.word.bigEndianBytes,
                "\(Hex.encode(notOwner.output))")
        #expect(ABIEncoder.selector("NotOwner(address)") == [0x24, 0x5a, 0xec, 0xd3])
        #expect(try s.call(a, data: [4], from: Address(hex: owner)!).status == .success)
        // A constructor argument that is not an address reverts with the literal's reason.
        var bad = args
        bad[0] = 1
        let refused = try s.deploy(elf, kind: .riscv, arguments: bad)
        #expect(refused.status == .revert && ABIEncoder.revertReason(refused.output) == "Error(\"owner is not an address\")")
        // abi_ctor_has_args: 63 bytes are not two words (the readers would give a zero-filled
        // second word); 64 are, and bytes after them are ignored.
        for (count, ok) in [(63, false), (0, false), (32, false), (64, true), (65, true)] {
            let data = count <= 64 ? Array(args.prefix(count)) : args + [7]
            let r = try ContractSession().deploy(elf, kind: .riscv, arguments: data)
            #expect((r.status == .success) == ok, "\(count) bytes: \(r.status)")
            if !ok { #expect(ABIEncoder.revertReason(r.output) == "Error(\"short arguments\")", "\(count) bytes") }
        }
    }

    // MARK: CONTEXT

    func context(_ r: Receipt) -> [U256]? {
        guard r.status == .success, r.output.count == 488 else { return nil }
        return (0..<15).map { U256(bigEndian: Array(r.output[32 * $0..<32 * $0 + 32])) }
    }

    @Test func contextWordsMatchTheEVMOpcodes() throws {
        let s = try session()
        s.world.setAccount(probe, Account(nonce: 1, balance: U256(77), kind: .riscv, code: try ProbeContract.elf.get()))
        try s.world.commit()
        let c = try #require(context(try s.call(probe, data: [3])))
        let b = s.boot.block
        #expect(c[0] == b.chainId && c[1] == U256(b.number) && c[2] == U256(b.timestamp))
        #expect(c[3] == b.coinbase.word && c[4] == U256(b.gasLimit) && c[5] == b.baseFee)
        #expect(c[7] == ContractSession.defaultSender.word)
        #expect(c[9] == probe.word && c[10] == .zero && c[11] == .zero && c[12] == .zero)
        #expect(c[13] == U256(77) && c[14] == b.blobBaseFee)
        // Through caller.c's static call (mode 1): static 1, depth 1.
        let st = try s.call(rvCaller, data: [1] + probe.bytes + Bytes(repeating: 0, count: 8) + [3])
        let cs = try #require(context(st))
        #expect(cs[11] == U256(1) && cs[12] == U256(1) && cs[9] == probe.word)
        // Delegate (mode 7 records a status word first): code address = probe, self balance = the caller's.
        let d = try s.call(rvCaller, data: [7] + probe.bytes + Bytes(repeating: 0, count: 8) + [3])
        #expect(d.status == .success && d.output.count == 32 + 488)
        if d.output.count == 32 + 488 {
            let cd = (0..<15).map { U256(bigEndian: Array(d.output[32 + 32 * $0..<64 + 32 * $0])) }
            #expect(cd[9] == probe.word && cd[13] == s.world.balance(rvCaller) && cd[11] == .zero)
        }
        // A delegate call from a static frame is static too: probe2 static-calls rvCaller (via
        // probe2's op 1, kind 1) probe, which delegate-calls probe2's code (op 1, kind 2).
        let chain = ProbeContract.call(kind: 1, probe, ProbeContract.call(kind: 2, probe2, [3]))
        let outer = try #require(ProbeContract.decode(try s.call(probe2, data: chain)))
        let mid = try #require(ProbeContract.decode(bytes: outer.returndata))
        #expect(outer.status == 0 && mid.status == 0 && mid.returndata.count == 488)
        if mid.returndata.count == 488 {
            let w = { (i: Int) in U256(bigEndian: Array(mid.returndata[32 * i..<32 + 32 * i])) }
            #expect(w(11) == U256(1) && w(12) == U256(2) && w(9) == probe2.word && w(13) == U256(77))
        }
    }

    /// The base fee and blob base fee a native contract reads are the ones in force: none
    /// before London and Cancun, whose transactions pay none (a review: a Berlin block's base
    /// fee was read while the transaction paid nothing), the block's from then on.
    @Test func contextFeesAreTheOnesInForce() throws {
        let s = try session()
        s.boot.block.baseFee = U256(100)
        s.boot.block.blobBaseFee = U256(5)
        for (fork, base, blob) in [(Fork.berlin, 0, 0), (.london, 100, 0), (.shanghai, 100, 0), (.cancun, 100, 5)] {
            s.boot.useFork(fork)
            let c = try #require(context(try s.call(probe, data: [3])), "\(fork)")
            #expect(c[5] == U256(UInt64(base)) && c[14] == U256(UInt64(blob)), "\(fork): \(c[5]) \(c[14])")
        }
    }
}
