import EEKit
import EEKitTestSupport
import Testing

let alice = ContractSession.defaultSender
let bob = Address(low: 0xb0b)
let carol = Address(low: 0xca201)
let transferTopic = Bytes32(hex: "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")!
let approvalTopic = Bytes32(hex: "8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925")!

/// A comparable record of one transaction (logs without the emitting address).
struct Outcome: Equatable, CustomStringConvertible {
    var status: FrameStatus
    var output: Bytes
    var logs: [[Bytes]]
    init(_ r: Receipt) {
        status = r.status
        output = r.output
        logs = r.logs.map { $0.topics.map(\.bytes) + [$0.data] }
    }
    var description: String { "\(status) output \(Hex.encode(output)) logs \(logs.count)" }
}

@Suite(.serialized) struct TokenTests {
    func deployTokens(_ s: ContractSession, supply: UInt64) throws -> (native: Address, evm: Address) {
        let n = try s.deploy(try Fixtures.elf("token.elf"), kind: .riscv, arguments: ABI.word(supply))
        #expect(n.status == .success, "native token deployment: \(n.status)")
        let e = try s.deploy(try Fixtures.vyperToken(), kind: .evm, arguments: ABI.word(supply))
        #expect(e.status == .success, "Vyper token deployment: \(e.status)")
        #expect(Outcome(n).logs == Outcome(e).logs)
        return (try #require(n.createdAddress), try #require(e.createdAddress))
    }

    @Test func nativeAndVyperTokensBehaveIdentically() throws {
        let s = ContractSession()
        let (native, evm) = try deployTokens(s, supply: 1_000_000)
        let steps: [(Address, Bytes)] = [
            (alice, ABI.call(ABI.name, [])),
            (alice, ABI.call(ABI.symbol, [])),
            (alice, ABI.call(ABI.decimals, [])),
            (alice, ABI.call(ABI.totalSupply, [])),
            (alice, ABI.call(ABI.transfer, [ABI.word(bob), ABI.word(1000)])),
            (alice, ABI.call(ABI.balanceOf, [ABI.word(alice)])),
            (alice, ABI.call(ABI.balanceOf, [ABI.word(bob)])),
            (bob, ABI.call(ABI.transfer, [ABI.word(carol), ABI.word(1001)])),  // insufficient: reverts
            (bob, ABI.call(ABI.transfer, [ABI.word(carol), ABI.word(1000)])),
            (bob, ABI.call(ABI.balanceOf, [ABI.word(bob)])),
            (alice, ABI.call(ABI.approve, [ABI.word(carol), ABI.word(500)])),
            (alice, ABI.call(ABI.allowance, [ABI.word(alice), ABI.word(carol)])),
            (carol, ABI.call(ABI.transferFrom, [ABI.word(alice), ABI.word(bob), ABI.word(300)])),
            (carol, ABI.call(ABI.transferFrom, [ABI.word(alice), ABI.word(bob), ABI.word(201)])),  // over allowance
            (carol, ABI.call(ABI.allowance, [ABI.word(alice), ABI.word(carol)])),
            (bob, ABI.call(ABI.transferFrom, [ABI.word(alice), ABI.word(bob), ABI.word(1)])),  // no allowance
            (alice, ABI.call(ABI.balanceOf, [ABI.word(alice)])),
            (alice, ABI.call(ABI.balanceOf, [ABI.word(bob)])),
            (alice, ABI.call(ABI.balanceOf, [ABI.word(carol)])),
            (alice, ABI.call(ABI.transfer, [ABI.word(bob), ABI.word(2_000_000)])),  // more than supply
            (alice, [0xde, 0xad, 0xbe, 0xef]),  // unknown selector
        ]
        for (i, (from, data)) in steps.enumerated() {
            let a = Outcome(try s.call(native, data: data, from: from))
            let b = Outcome(try s.call(evm, data: data, from: from))
            #expect(a == b, "step \(i): native \(a) vs EVM \(b)")
        }
        // Spot checks of the final state.
        let bal = Outcome(try s.call(native, data: ABI.call(ABI.balanceOf, [ABI.word(bob)])))
        #expect(bal.output == ABI.word(300))
        let t = Outcome(try s.call(native, data: ABI.call(ABI.transfer, [ABI.word(bob), ABI.word(5)])))
        #expect(t.status == .success && t.output == ABI.word(1))
        #expect(t.logs == [[transferTopic.bytes, ABI.word(alice), ABI.word(bob), ABI.word(5)]])
        let r = Outcome(try s.call(native, data: ABI.call(ABI.transfer, [ABI.word(carol), ABI.word(1 << 40)]), from: bob))
        #expect(r.status == .revert && r.output.isEmpty && r.logs.isEmpty)
        let ap = Outcome(try s.call(native, data: ABI.call(ABI.approve, [ABI.word(carol), ABI.word(7)])))
        #expect(ap.logs == [[approvalTopic.bytes, ABI.word(alice), ABI.word(carol), ABI.word(7)]])
        // Storage holds numbers as the EVM does, whichever way the contract moved them (the
        // constructor with SSTORE, transfers with SLOAD_LE / SSTORE_LE): Solidity's layout,
        // balanceOf[bob] at keccak256(bob . 1).
        let bobSlot = U256(bigEndian: Keccak.hash(ABI.word(bob) + ABI.word(1)).bytes)
        #expect(s.world.storage(native, bobSlot) == U256(305))
        #expect(s.world.storage(native, .zero) == U256(1_000_000))
    }

    @Test func rv32TokenWorks() throws {
        let s = ContractSession()
        let d = try s.deploy(try Fixtures.elf("token32.elf"), kind: .riscv, arguments: ABI.word(77))
        #expect(d.status == .success)
        let a = try #require(d.createdAddress)
        let t = try s.call(a, data: ABI.call(ABI.transfer, [ABI.word(bob), ABI.word(7)]))
        #expect(t.status == .success && t.output == ABI.word(1))
        #expect(try s.call(a, data: ABI.call(ABI.balanceOf, [ABI.word(alice)])).output == ABI.word(70))
    }

    /// Calldata up to EEK_FRAME_CALLDATA_MAX (16 KiB) is read from the frame block, longer
    /// calldata through system calls: the results must not depend on which (both XLENs, the
    /// Vyper token as the reference; trailing bytes after the arguments are ignored by both).
    @Test(arguments: ["token.elf", "token32.elf"])
    func longCalldataReadsTheSameAsShort(elf: String) throws {
        let s = ContractSession()
        let n = try #require(try s.deploy(try Fixtures.elf(elf), kind: .riscv, arguments: ABI.word(1000)).createdAddress)
        let e = try #require(try s.deploy(try Fixtures.vyperToken(), kind: .evm, arguments: ABI.word(1000)).createdAddress)
        let transfer = ABI.call(ABI.transfer, [ABI.word(bob), ABI.word(3)])
        for total in [68, 100, 16384, 16385, 20000] {
            let data = transfer + Bytes(repeating: 0xab, count: total - transfer.count)
            let a = Outcome(try s.call(n, data: data)), b = Outcome(try s.call(e, data: data))
            #expect(a == b, "\(elf), \(total) bytes: native \(a) vs EVM \(b)")
            #expect(a.status == .success && a.output == ABI.word(1), "\(elf), \(total) bytes: \(a)")
        }
        // A selector alone, and calldata shorter than a selector.
        for data in [Bytes([0x18, 0x16, 0x0d, 0xdd]), [0x18, 0x16], []] {
            let a = Outcome(try s.call(n, data: data)), b = Outcome(try s.call(e, data: data))
            #expect(a == b, "\(elf), \(Hex.encode(data)): native \(a) vs EVM \(b)")
        }
        #expect(try s.call(n, data: ABI.call(ABI.balanceOf, [ABI.word(bob)])).output == ABI.word(15))
    }

    /// Full-width amounts (every byte different, borrows and carries across all four limbs)
    /// through the SDK's byte-swapping word conversions, on RV64 and RV32, against the Vyper
    /// token and U256 arithmetic.
    @Test func fullWidthAmountsMatchTheVyperTokenOnBothXLENs() throws {
        let supply = U256(limbs: (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210, 0x796a_5b4c_3d2e_1f00, 0xf1e2_d3c4_b5a6_9788))
        let amounts = [
            U256(limbs: (0x8000_0000_0000_0001, 0xffff_ffff_ffff_ffff, 0x0000_0000_0000_00ff, 0x0102_0304_0506_0708)),
            U256(limbs: (0xffff_ffff_ffff_ffff, 0, 0x1122_3344_5566_7788, 0)),
            U256(limbs: (0x99aa_bbcc_ddee_ff00, 0x0f0e_0d0c_0b0a_0908, 0, 0x00ff_00ff_00ff_00ff)),
        ]
        let s = ContractSession()
        var tokens: [Address] = []
        for (code, kind) in [
            (try Fixtures.elf("token.elf"), EEKind.riscv), (try Fixtures.elf("token32.elf"), .riscv),
            (try Fixtures.vyperToken(), .evm),
        ] {
            let d = try s.deploy(code, kind: kind, arguments: supply.bigEndianBytes)
            #expect(d.status == .success)
            tokens.append(try #require(d.createdAddress))
        }
        var aliceBalance = supply, bobBalance = U256.zero
        for amount in amounts {
            aliceBalance = aliceBalance &- amount
            bobBalance = bobBalance &+ amount
            var outcomes: [Outcome] = []
            for t in tokens {
                let r = try s.call(t, data: ABI.call(ABI.transfer, [ABI.word(bob), amount.bigEndianBytes]))
                #expect(r.status == .success)
                outcomes.append(Outcome(r))
                #expect(try s.call(t, data: ABI.call(ABI.balanceOf, [ABI.word(alice)])).output == aliceBalance.bigEndianBytes)
                #expect(try s.call(t, data: ABI.call(ABI.balanceOf, [ABI.word(bob)])).output == bobBalance.bigEndianBytes)
            }
            #expect(outcomes[0] == outcomes[2] && outcomes[1] == outcomes[2])
            #expect(outcomes[0].logs == [[transferTopic.bytes, ABI.word(alice), ABI.word(bob), amount.bigEndianBytes]])
        }
        // Bob holds less than this (the sum of the amounts plus one): every token reverts.
        let tooMuch = bobBalance &+ U256(1)
        for t in tokens {
            let r = try s.call(t, data: ABI.call(ABI.transfer, [ABI.word(carol), tooMuch.bigEndianBytes]), from: bob)
            #expect(r.status == .revert)
        }
    }

    /// The compute example (xorshift64, 64-bit shifts: on RV32 the compiler splits them into
    /// word pairs) against a Swift reference; a wrong selector or missing argument reverts.
    @Test func computeContractMatchesTheReferenceOnBothXLENs() throws {
        func reference(_ seed: UInt64, _ steps: UInt64) -> UInt64 {
            var x = seed
            for _ in 0..<steps {
                x ^= x << 13
                x ^= x >> 7
                x ^= x << 17
            }
            return x
        }
        let s = ContractSession()
        let sel: UInt32 = 0x6c4f_555a  // xorshift(uint256,uint256)
        for name in ["compute.elf", "compute32.elf"] {
            let d = try s.deploy(try Fixtures.elf(name), kind: .riscv)
            let a = try #require(d.createdAddress)
            for (seed, steps) in [(UInt64(1), UInt64(0)), (1, 1), (0x1234_5678, 1000), (.max, 257)] {
                // The high limbs of the seed word are ignored (the contract works on 64 bits).
                let seedWord = U256(limbs: (seed, 0xdead, 0, 1)).bigEndianBytes
                let r = try s.call(a, data: ABI.call(sel, [seedWord, ABI.word(steps)]))
                #expect(r.status == .success, "\(name) seed \(seed) steps \(steps): \(r.status)")
                #expect(r.output == ABI.word(reference(seed, steps)), "\(name) seed \(seed) steps \(steps)")
            }
            // syscalls(n): n GAS_LEFT calls; each costs the system-call charge and a few
            // instructions, so the gas left after them falls with n.
            let left = try [0, 1, 100].map { n in
                let r = try s.call(a, data: ABI.call(0x86d6_62c7, [ABI.word(UInt64(n))]), gas: 1_000_000)
                #expect(r.status == .success, "\(name) syscalls(\(n)): \(r.status)")
                return U256(bigEndian: r.output)
            }
            #expect(left[0] > left[1] && left[1] > left[2] && left[0] < U256(1_000_000), "\(name): \(left)")
            #expect(try s.call(a, data: ABI.call(0xdead_beef, [ABI.word(1), ABI.word(1)])).status == .revert)
            #expect(try s.call(a, data: ABI.call(sel, [ABI.word(1)])).status == .revert)
        }
    }

    /// In a child process of its own (an exit test; its issues reach the parent): the image
    /// counts are process-wide, and suites running beside this one could push the image out of
    /// the 256-image cache, so the count could only be checked loosely.
    @Test func storedCodeIsTheELFAndImagesAreCached() async {
        await #expect(processExitsWith: .success) { try TokenTests.storedCodeIsTheELFAndImagesAreCachedScenario() }
    }

    static func storedCodeIsTheELFAndImagesAreCachedScenario() throws {
        let s = ContractSession()
        let elf = try Fixtures.elf("counter.elf")
        let d = try s.deploy(elf, kind: .riscv, arguments: ABI.word(41))
        let a = try #require(d.createdAddress)
        #expect(s.world.account(a)?.code == elf)
        #expect(s.world.account(a)?.kind == .riscv)
        #expect(try s.call(a, data: ABI.call(0xd09d_e08a, [])).output == ABI.word(42))
        // The deployment and the first call built the image once; later calls decode nothing.
        #expect(RISCVEnvironment.imageLoads(of: Keccak.hash(elf)) == 1)
        #expect(try s.call(a, data: ABI.call(0xd09d_e08a, [])).output == ABI.word(43))
        #expect(try s.call(a, data: ABI.call(0x1003_e2d2, [ABI.word(100)])).output == ABI.word(143))
        #expect(RISCVEnvironment.imageLoads(of: Keccak.hash(elf)) == 1)
    }

    @Test func invalidELFsAreRefusedBeforeRunning() throws {
        let s = ContractSession()
        var elf = try Fixtures.elf("counter.elf")
        elf[48] |= 1  // e_flags: EF_RISCV_RVC
        #expect(throws: EEError.elf(.compressedInstructions)) { try s.deploy(elf, kind: .riscv) }
        #expect(throws: EEError.elf(.notELF)) { try s.deploy([1, 2, 3, 4, 5], kind: .riscv) }
        var trunc = try Fixtures.elf("counter.elf")
        trunc.removeLast(trunc.count / 2)
        #expect(throws: EEError.self) { try s.deploy(trunc, kind: .riscv) }
        #expect(throws: EEError.unsupported(
            "no execution environment is registered for wasm contracts (EEKit's WASM environment is not implemented yet)"))
        {
            try s.deploy([0, 0x61, 0x73, 0x6d], kind: .wasm)
        }
    }
}

@Suite(.serialized) struct CrossEETests {
    let evmForwarder = Address(low: 0xe1)
    let evmCounter = Address(low: 0xe2)
    let evmReverter = Address(low: 0xe3)
    let evmLoop = Address(low: 0xe4)
    let evmPing = Address(low: 0xe5)
    let rvCaller = Address(low: 0x51)
    let rvBad = Address(low: 0x52)

    func session() throws -> ContractSession {
        let s = ContractSession()
        try s.install(EVMCode.forwarder, kind: .evm, at: evmForwarder)
        try s.install(EVMCode.counter, kind: .evm, at: evmCounter)
        try s.install(EVMCode.reverter, kind: .evm, at: evmReverter)
        try s.install(EVMCode.loop, kind: .evm, at: evmLoop)
        try s.install(EVMCode.pingBack, kind: .evm, at: evmPing)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: rvCaller)
        try s.install(try Fixtures.elf("malicious.elf"), kind: .riscv, at: rvBad)
        return s
    }

    /// Calldata for caller.c.
    func via(_ mode: UInt8, _ target: Address, gas: UInt64 = 0, _ payload: Bytes = []) -> Bytes {
        [mode] + target.bytes + (0..<8).map { UInt8(truncatingIfNeeded: gas >> (56 - 8 * UInt64($0))) } + payload
    }

    /// A RISC-V EE with a step tracer (`--trace-steps`) single-steps its frames and makes its
    /// system calls outside the interpreter loop: every scenario ends with the same receipt and
    /// state as untraced, including faults, out of gas, writes into code and cross-EE calls,
    /// and a token transfer reports exactly the instructions it retired.
    @Test func steppedNativeFramesEndAsUntraced() throws {
        final class Steps: @unchecked Sendable {
            var list: [RISCVFrameTraceStep] = []
        }
        let steps = Steps()
        func traced() throws -> ContractSession {
            let s = try session()
            s.boot.registry.registerRISCV(tracer: { steps.list.append($0) })
            return s
        }
        // Every misdeed but the endless loop (3), which runs on little gas below: a debug build
        // steps about a million instructions a second.
        let ops = (1...14).filter { $0 != 3 }.map(UInt8.init)
        var scenarios: [(Address, Bytes, UInt64)] = ops.map { (rvBad, [$0], 2_000_000) }
        scenarios += ops.map { (rvCaller, via(2, rvBad, gas: 1_000_000, [$0]), 3_000_000) }
        scenarios += [
            (rvCaller, via(0, evmCounter), 1_000_000), (evmForwarder, rvCaller.bytes + via(0, evmCounter), 1_000_000),
            (rvBad, [3], 40_000), (rvBad, [8], 100_000), (rvBad, [99], 1_000_000),
        ]
        for (target, data, gas) in scenarios {
            let plain = try session(), stepped = try traced()
            steps.list.removeAll()
            let a = try plain.call(target, data: data, gas: gas)
            let b = try stepped.call(target, data: data, gas: gas)
            let what = "\(target.hex) \(Hex.encode(Array(data.prefix(24))))"
            #expect(a.status == b.status && a.gasUsed == b.gasUsed && a.output == b.output && a.logs == b.logs, "\(what): \(a.status) / \(b.status)")
            #expect(try plain.world.stateRoot() == stepped.world.stateRoot(), "\(what)")
            #expect(!steps.list.isEmpty, "\(what)")
        }
        // A native transfer: one step per retired guest instruction, each naming the token at
        // depth 0. The count is the frame's own (`RISCVEnvironment.instructionsRetired`, the
        // interpreter's instret) in an untraced run of the same transfer on the same state.
        let elf = try Fixtures.elf("token.elf")
        let transferData = ABI.call(0xa905_9cbb, [ABI.word(0xaa), ABI.word(1000)])
        let last = LastRISCVFrame()
        let untraced = ContractSession(registry: last.registry)
        let untracedToken = try #require(try untraced.deploy(elf, kind: .riscv, arguments: ABI.word(1_000_000)).createdAddress)
        let untracedTransfer = try untraced.call(untracedToken, data: transferData)
        let retired = try #require(last.ee?.instructionsRetired)
        let s = ContractSession()
        let token = try #require(try s.deploy(elf, kind: .riscv, arguments: ABI.word(1_000_000)).createdAddress)
        #expect(token == untracedToken)
        s.boot.registry.registerRISCV(tracer: { steps.list.append($0) })
        steps.list.removeAll()
        let transfer = try s.call(token, data: transferData)
        #expect(transfer.status == .success)
        #expect(transfer.gasUsed == untracedTransfer.gasUsed && transfer.output == untracedTransfer.output)
        #expect(retired > 100, "\(retired) instructions")
        #expect(UInt64(steps.list.count) == retired, "\(steps.list.count) steps, \(retired) instructions retired")
        #expect(steps.list.allSatisfy { $0.address == token && $0.depth == 0 })
        #expect(steps.list.last?.step.instruction == 0x0000_0073)  // the RETURN ecall
        // The ergs before each step never rise within the frame, and fall across each step.
        #expect(zip(steps.list, steps.list.dropFirst()).allSatisfy { $0.ergsBefore > $1.ergsBefore })
    }

    @Test func evmToRiscvToEvm() throws {
        let s = try session()
        let r = try s.call(evmForwarder, data: rvCaller.bytes + via(0, evmCounter))
        #expect(r.status == .success)
        #expect(r.output == ABI.word(1))
        #expect(s.world.storage(evmCounter, .zero) == U256(1))
    }

    @Test func evmCallsTheNativeToken() throws {
        let s = try session()
        let token = try #require(
            try s.deploy(try Fixtures.elf("token.elf"), kind: .riscv, arguments: ABI.word(1000)).createdAddress)
        // The forwarder holds no tokens: its transfer reverts and the revert comes back through EVM.
        let r = try s.call(evmForwarder, data: token.bytes + ABI.call(ABI.transfer, [ABI.word(bob), ABI.word(1)]))
        #expect(r.status == .revert)
        let q = try s.call(evmForwarder, data: token.bytes + ABI.call(ABI.balanceOf, [ABI.word(alice)]))
        #expect(q.status == .success && q.output == ABI.word(1000))
    }

    @Test func revertPropagatesAcrossEEs() throws {
        let s = try session()
        let r = try s.call(evmForwarder, data: rvCaller.bytes + via(0, evmReverter))
        #expect(r.status == .revert)
        #expect(r.output == ABI.word(0xab))
        // Recorded mode: the native caller sees the revert and continues.
        let c = try s.call(rvCaller, data: via(2, evmReverter))
        #expect(c.status == .success)
        #expect(c.output == ABI.word(1) + ABI.word(0xab))
        #expect(s.world.storage(rvCaller, U256(1)) == U256(2))
    }

    /// A native proxy passes on a callee's output or revert data of any size with
    /// RETURN_RETURNDATA / REVERT_RETURNDATA (caller.c mode 0: no copy through its 8 KiB buffer).
    @Test func nativeProxyForwardsLargeOutputs() throws {
        let s = try session()
        // MSTORE(0x4e00, 0x2a); RETURN(0, 20000), and the same with REVERT.
        let big = Address(low: 0xe6), bigRevert = Address(low: 0xe7)
        try s.install(Hex.decode("602a614e0052614e205ff3")!, kind: .evm, at: big)
        try s.install(Hex.decode("602a614e0052614e205ffd")!, kind: .evm, at: bigRevert)
        let r = try s.call(rvCaller, data: via(0, big))
        #expect(r.status == .success && r.output.count == 20_000 && r.output[0x4e1f] == 0x2a)
        let v = try s.call(rvCaller, data: via(0, bigRevert))
        #expect(v.status == .revert && v.output == r.output)
    }

    /// A native contract with 20 KiB of code takes a value transfer made with the 2,300-gas
    /// stipend alone (Solidity's transfer, WETH's withdraw), as an EVM contract does (review
    /// finding: its per-frame decoded-code charge, free only up to 8 KiB of code, ate the
    /// stipend; new frame machines now map the decoded code copy-on-write and 32 KiB are free).
    @Test func largeNativeContractTakesAStipendTransfer() throws {
        let s = try session()
        // RETURN(0, 0), then 5,000 nops it never runs.
        let code = [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall] + Array(repeating: RVAsm.li(0, 0), count: 5_000)
        let native = Address(low: 0x5a)
        try s.install(TestELF.program(xlen: 64, code: code).bytes, kind: .riscv, at: native)
        // CALL(gas 0, native, value 1, no data) and SSTORE(0, success).
        let sender = Address(low: 0xe8)
        try s.install(Hex.decode("5f5f5f5f600173" + Hex.encode(native.bytes) + "5ff15f5500")!, kind: .evm, at: sender)
        _ = s.world.addBalance(sender, U256(10))
        try s.world.commit()
        let r = try s.call(sender, data: [])
        #expect(r.status == .success && s.world.storage(sender, .zero) == .one, "\(r.status)")
        #expect(s.world.balance(native) == .one)
    }

    @Test func outOfGasInTheCallee() throws {
        let s = try session()
        let evm = try s.call(rvCaller, data: via(2, evmLoop, gas: 50_000))
        #expect(evm.status == .success && evm.output == ABI.word(2))
        let native = try s.call(rvCaller, data: via(2, rvBad, gas: 50_000, [3]))
        #expect(native.status == .success && native.output == ABI.word(2))
        // All the gas the caller could pass (63/64) is burnt; the caller still finishes.
        let all = try s.call(rvCaller, data: via(2, rvBad, [3]), gas: 5_000_000)
        #expect(all.status == .success && all.output == ABI.word(2))
    }

    @Test func depthLimitAcrossEEs() throws {
        let s = try session()
        let r = try s.call(rvCaller, data: via(3, evmPing), gas: 1_000_000_000_000)
        #expect(r.status == .success)
        // Native frames ran at depths 0, 2, ..., 1024; the one at 1024 could not call further.
        #expect(s.world.storage(rvCaller, U256(2)) == U256(513))
        #expect(s.world.storage(rvCaller, U256(3)) == U256(1))
    }

    @Test func staticCallIntoANativeContractThatWrites() throws {
        let s = try session()
        let r = try s.call(rvCaller, data: via(4, rvBad, [6]))
        #expect(r.status == .success && r.output == ABI.word(2))
        #expect(s.world.storage(rvBad, U256(7)) == .zero)
        let direct = try s.call(rvBad, data: [6])
        #expect(direct.status == .success)
        #expect(s.world.storage(rvBad, U256(7)) == U256(9))
    }

    /// The stack does not shrink when the calldata grows: it reaches 64 KiB below the frame
    /// block's page (which holds up to 16 KiB of calldata). Review finding: a contract using
    /// 60 KiB of stack ran with 1 or 20,001 bytes of calldata and trapped with 8,001 or 16,001.
    @Test func stackDoesNotDependOnTheCalldata() throws {
        let s = try session()
        for padding in [0, 4000, 8000, 12000, 16000, 16383, 20000] {
            let ok = try s.call(rvBad, data: [12] + Bytes(repeating: 0, count: padding))  // 48 KiB of stack
            #expect(ok.status == .success && ok.output == ABI.word(12), "48 KiB, \(padding) bytes of padding: \(ok.status)")
            let over = try s.call(rvBad, data: [13] + Bytes(repeating: 0, count: padding))  // 72 KiB
            #expect("\(over.status)".contains("store access fault"), "72 KiB, \(padding) bytes of padding: \(over.status)")
        }
    }

    @Test(arguments: [
        (UInt8(1), "instruction access fault"), (2, "store access fault"), (3, "out of gas"),
        (4, "limit exceeded: heap break"), (5, "unknown system call 0x1ffff"), (7, "not readable guest memory"),
        (8, "store access fault"), (9, "5 topics"), (10, "past the end"), (13, "store access fault"),
    ])
    func maliciousContractsFailCleanly(op: UInt8, expected: String) throws {
        let s = try session()
        let direct = try s.call(rvBad, data: [op], gas: 2_000_000)
        guard case .failure(let reason) = direct.status else {
            Issue.record("op \(op): expected a failure, got \(direct.status)")
            return
        }
        #expect(reason.description.contains(expected), "op \(op): \(reason)")
        #expect(direct.gasUsed == 2_000_000)
        // Called from another contract: the callee fails, the caller continues.
        let c = try s.call(rvCaller, data: via(2, rvBad, gas: 1_000_000, [op]), gas: 3_000_000)
        #expect(c.status == .success && c.output == ABI.word(2), "op \(op): \(c.status)")
        #expect(s.world.storage(rvCaller, U256(1)) == U256(3))
    }

    @Test func stackPagesAreMappedOnDemandAndWipedBetweenCalls() throws {
        let s = try session()
        // 48 KiB of locals: the first touch is a system call into the deepest page, then guest
        // loads and stores; every call must see a zeroed stack.
        let first = try s.call(rvBad, data: [12])
        #expect(first.status == .success && first.output == ABI.word(12))
        let again = try s.call(rvBad, data: [12])
        #expect(again.status == .success && again.output == ABI.word(12))
        #expect(again.gasUsed == first.gasUsed)
        // The same from a nested frame (a second machine of the same image).
        let nested = try s.call(rvCaller, data: via(0, rvBad, [12]))
        #expect(nested.output == ABI.word(12))
    }

    @Test func heapGrowsWithBrk() throws {
        let s = try session()
        let r = try s.call(rvBad, data: [11])
        #expect(r.status == .success)
        #expect(r.output == (65536 - 32..<65536).map { UInt8(truncatingIfNeeded: $0) })
        // A second run starts from a clean heap and stack.
        let again = try s.call(rvBad, data: [11])
        #expect(again.output == r.output)
    }
}

@Suite struct ELFLengthTests {
    @Test func constructorArgumentsFollowTheELF() throws {
        let elf = try Fixtures.elf("token.elf")
        #expect(try ContractELF.length(of: elf) == elf.count)
        #expect(try ContractELF.length(of: elf + [1, 2, 3]) == elf.count)
        let elf32 = try Fixtures.elf("token32.elf")
        #expect(try ContractELF.length(of: elf32 + ABI.word(5)) == elf32.count)
    }

    /// A SHT_NULL section header is inactive, its other fields undefined (ELF gABI): its offset
    /// and size are not part of the file's extent (found by mutation testing).
    @Test func inactiveSectionHeadersAreNotRead() throws {
        var elf = ContractImageUnitTests.elf64(code: [0x73, 0x00, 0x10, 0x00])
        let shoff = elf.count
        // One SHT_NULL header (type 0) whose sh_offset and sh_size point far past the file.
        var section = Bytes(repeating: 0, count: 64)
        section[24..<32] = [0xf0, 0xff, 0xff, 0x7f, 0, 0, 0, 0]
        section[32..<40] = [0, 0, 1, 0, 0, 0, 0, 0]
        elf += section
        elf[40] = UInt8(shoff & 0xff)  // e_shoff
        elf[41] = UInt8(shoff >> 8)
        elf[60] = 1  // e_shnum
        #expect(try ContractELF.length(of: elf + [1, 2, 3]) == elf.count)
    }

    /// Damaged headers get the loader's typed errors, not "truncated" (review finding: a
    /// wrong class byte and a bad e_phentsize both said "truncated file (program header size)").
    @Test func damagedHeadersGetTheLoadersErrors() throws {
        let elf = try Fixtures.elf("token32.elf")
        func error(_ b: Bytes) -> ELFError? {
            do { _ = try ContractELF.length(of: b) } catch { if case .elf(let e) = error { return e } }
            return nil
        }
        var wrongClass = elf
        wrongClass[4] = 2  // ELFCLASS64 on an ELF32 file
        // Read as ELF64, offset 52 holds other bytes of the ELF32 header (6 here).
        if case .headerSize(_, xlen: 64) = error(wrongClass) {} else { Issue.record("class: \(String(describing: error(wrongClass)))") }
        var entrySize = elf
        entrySize[42] = 31  // e_phentsize
        #expect(error(entrySize) == .programHeaderSize(31))
        if case .truncated(let what) = error(Array(elf.prefix(elf.count - 1))) {
            #expect(what.contains("end past the \(elf.count - 1) bytes given"), "\(what)")
        } else {
            Issue.record("a cut segment: \(String(describing: error(Array(elf.prefix(elf.count - 1)))))")
        }
        // A file that starts as an ELF but ends inside its identification is truncated, as
        // `rv run`'s loader says, not "not an ELF file".
        #expect(error(Array(elf.prefix(7))) == .truncated("identification"))
        #expect(error([0x7f, 0x45, 0x4c]) == .notELF)
    }
}
