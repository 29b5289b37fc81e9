@testable import EEKit
import Foundation
import Testing

/// What a mutation round on the EE protocol's core files (ExecutionEnvironment, EEError,
/// SystemHook, FastHash, Keccak, EERegistry, CallTrace) found unchecked: the names and texts
/// hosts and `eekit` print, the status and modifier classifications, the hook context, the
/// registry's one-EE-per-kind rule, that every word of a state-map key reaches its hash,
/// Keccak-256 on its block boundaries and on collections without contiguous storage, the
/// printed trace tree and the trace events the bootloader sends for each kind of frame. It
/// also found a STATICCALL traced with its request's value field, a value the callee never sees.
/// Expected hashes are Keccak-256 test values (the Keccak team's "" and "abc") or were
/// computed with an independent Keccak-f[1600] (Python, checked against those two).
@Suite struct CoreMutationRoundTests {
    let a = Address(low: 0xc1)
    let c = Address(low: 0xc3)
    let identity = Address(low: 4)

    func session(_ scripts: Scripts) -> ContractSession { ContractSession(registry: ScriptEE.registry(scripts)) }

    /// A preempting request from `ee` passing `give` gas (taken out of its ergs).
    func request(
        _ ee: ScriptEE, _ target: Address, _ data: Bytes = [], value: U256 = .zero, modifier: CallModifier = .none,
        gas give: UInt64
    ) -> Preemption {
        ee.callRequest(target, data, value: value, modifier: modifier, give: give * GasSchedule.default.ergsPerGas)
    }

    /// The run's status, or the error it threw.
    func outcome(_ run: () throws -> Receipt) -> String {
        do { return "\(try run().status)" } catch { return "\(error)" }
    }

    // MARK: ExecutionEnvironment.swift

    /// The kinds' numbers are stored with every account (and in a native account's trie
    /// leaf); their names are what `eekit` prints and takes (`--ee riscv`, `[riscv]`).
    @Test func eeKindsKeepTheirStoredNumbersAndNames() {
        #expect(EEKind.allCases.map(\.rawValue) == [0, 1, 2, 3])
        #expect(EEKind.allCases.map(\.description) == ["none", "evm", "wasm", "riscv"])
    }

    /// STATICCALL and a DELEGATECALL made in a static frame are static; a plain, delegate,
    /// CALLCODE or constructor frame is not.
    @Test func onlyTheStaticModifiersAreStatic() {
        let all: [CallModifier] = [.none, .static, .delegate, .delegateStatic, .callcode, .constructor]
        #expect(all.filter(\.isStatic) == [.static, .delegateStatic])
    }

    /// A revert is neither a success nor a failure (its changes go, its gas and data stay);
    /// every failure reason is a failure.
    @Test func aRevertIsNeitherSuccessNorFailure() {
        #expect(FrameStatus.success.isSuccess && !FrameStatus.success.isFailure)
        #expect(!FrameStatus.revert.isSuccess && !FrameStatus.revert.isFailure)
        let reasons: [FailureReason] = [
            .outOfResources, .trap("illegal instruction"), .limitExceeded("x"), .other("x"), .invalidOpcode(0xfe),
            .staticViolation, .callDepthExceeded,
        ]
        for r in reasons {
            #expect(FrameStatus.failure(r).isFailure && !FrameStatus.failure(r).isSuccess, "\(r)")
        }
    }

    /// The failure reasons as receipts and traces print them ("failure (out of gas)", README):
    /// each names its own condition (an underflow is no overflow, init code is not code), and
    /// the ones with a detail keep both the kind and the detail.
    @Test func failureReasonTexts() {
        let texts: [(FailureReason, String)] = [
            (.outOfResources, "out of gas"),
            (.stackUnderflow, "stack underflow"),
            (.stackOverflow, "stack overflow"),
            (.invalidJump, "invalid jump destination"),
            (.staticViolation, "state change in a static context"),
            (.callDepthExceeded, "call depth exceeded"),
            (.insufficientBalance, "insufficient balance"),
            (.invalidMemoryAccess, "invalid memory access"),
            (.codeSizeExceeded, "code size limit exceeded"),
            (.initcodeSizeExceeded, "init code size limit exceeded"),
            (.invalidCode("starts with 0xef"), "invalid code: starts with 0xef"),
            (.createCollision, "address collision"),
            (.nonceOverflow, "nonce overflow"),
            (.trap("misaligned load at 0x3"), "trap: misaligned load at 0x3"),
            (.limitExceeded("logs of the transaction"), "limit exceeded: logs of the transaction"),
            (.unsupportedCallKind(.wasm, .static), "wasm code does not take static calls"),
            (.other("plain words"), "plain words"),
            // INVALID (0xfe) is an opcode of no fork: no fork is named.
            (.invalidOpcode(0xfe), "invalid opcode 0xfe"),
            (.invalidOpcode(0x5f), "invalid opcode 0x5f (PUSH0 comes with Shanghai)"),
        ]
        for (reason, text) in texts { #expect(reason.description == text) }
    }

    /// `EEError`'s texts say which kind of error it is before the message (`eekit: ...`).
    @Test func eeErrorTexts() {
        let texts: [(EEError, String)] = [
            (.elf(.notELF), "ELF: not an ELF file"),
            (.invalidCode("x"), "invalid code: x"),
            (.invalidConfiguration("x"), "invalid configuration: x"),
            (.unsupported("x"), "unsupported: x"),
            (.malformedInput("x"), "malformed input: x"),
            (.storage("x"), "state store: x"),
            (.internalError("x"), "internal error: x"),
            (.protocolViolation("x"), "EE protocol violation: x"),
            (.hostResources("x"), "host resources: x"),
            (.rejected(.nonceIsMax), "transaction rejected: \(TransactionError.nonceIsMax)"),
        ]
        for (error, text) in texts { #expect(error.description == text) }
    }

    /// ELF types (ELF specification): 1 ET_REL, 2 ET_EXEC, 3 ET_DYN; EM_RISCV is 243.
    @Test func elfErrorTextsNameTheTypeAndMachine() {
        let dyn = ELFError.notExecutable(3).description
        #expect(dyn.contains("ET_DYN") && dyn.contains("shared object"), "\(dyn)")
        let rel = ELFError.notExecutable(1).description
        #expect(rel.contains("ET_REL") && !rel.contains("ET_DYN)"), "\(rel)")
        let core = ELFError.notExecutable(4).description
        #expect(core.hasPrefix("ELF type 4 is not an executable") && !core.contains("shared object"), "\(core)")
        #expect(ELFError.wrongMachine(62).description == "wrong machine 62 (want EM_RISCV = 243)")
    }

    // MARK: SystemHook.swift

    /// `.failure` consumes all the gas passed and hands back nothing; `.success` keeps what
    /// the hook says it used.
    @Test func systemHookResultConstructors() {
        let f = SystemHookResult.failure(.outOfResources, gasLimit: 12_345)
        #expect(f.status == .failure(.outOfResources) && f.gasUsed == 12_345 && f.output.isEmpty)
        let s = SystemHookResult.success([1, 2], gasUsed: 77)
        #expect(s.status == .success && s.gasUsed == 77 && s.output == [1, 2])
    }

    final class ContextRecorder: SystemHook, @unchecked Sendable {
        let name = "context recorder"
        var seen: [SystemHookContext] = []
        func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
            seen.append(context)
            return .success([], gasUsed: 1)
        }
    }

    /// A hook sees its call as a contract would (`SystemHookContext`): CALL from `a` with 3
    /// wei, STATICCALL, DELEGATECALL (the caller's caller and value, on `a`), and a
    /// DELEGATECALL made in a static frame.
    @Test func hooksSeeTheirCallsContext() throws {
        let hookAddress = Address(low: 0x0f_0001)
        let recorder = ContextRecorder()
        let scripts = Scripts()
        scripts.byID[1] = { ee, p, host in
            ee.counter += 1
            switch ee.counter {
            case 1: return self.request(ee, hookAddress, value: U256(3), gas: 10_000)
            case 2: return self.request(ee, hookAddress, modifier: .static, gas: 10_000)
            case 3: return self.request(ee, hookAddress, modifier: .delegate, gas: 10_000)
            case 4: return self.request(ee, hookAddress, modifier: .delegateStatic, gas: 10_000)
            default: return ee.finish(.success)
            }
        }
        let s = session(scripts)
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        s.boot.hooks[hookAddress] = recorder
        #expect(try s.call(a, data: [], value: U256(7)).status == .success)
        let seen = recorder.seen
        try #require(seen.count == 4)
        let sender = ContractSession.defaultSender
        #expect(seen.map(\.caller) == [a, a, sender, sender])
        #expect(seen.map(\.address) == [hookAddress, hookAddress, a, a])
        #expect(seen.map(\.value) == [U256(3), .zero, U256(7), U256(7)])
        #expect(seen.map(\.isStatic) == [false, true, false, true])
        #expect(seen.allSatisfy { $0.fork == s.boot.block.fork })
    }

    // MARK: EERegistry.swift

    /// One EE per kind: registering another for a kind replaces it (with its deposit rules);
    /// a kind nobody registered finds nothing, and `entries` lists exactly the registered ones.
    @Test func theRegistryHoldsOneEEPerKind() {
        var r = EERegistry()
        #expect(r.entries.isEmpty && EEKind.allCases.allSatisfy { r[$0] == nil })
        let first = Scripts(), second = Scripts()
        r.register(ScriptEE.self, deposit: .testEE) { ScriptEE(first) }
        #expect(r[.wasm]?.deposit == .testEE && r[.evm] == nil && r[.riscv] == nil && r[.none] == nil)
        #expect(Set(r.entries.keys) == [.wasm])
        r.register(ScriptEE.self, deposit: .evm) { ScriptEE(second) }
        #expect(r[.wasm]?.deposit == .evm)
        #expect((r[.wasm]?.make() as? ScriptEE)?.scripts === second)

        let standard = EERegistry.standard
        #expect(Set(standard.entries.keys) == [.evm, .riscv])
        #expect(standard[.wasm] == nil && standard[.none] == nil)
        #expect(standard[.evm]?.type == EVMEnvironment.self && standard[.riscv]?.type == RISCVEnvironment.self)
        #expect(standard[.riscv]?.deposit == RISCVEnvironment.depositRules)
        // EIP-170's cap, 200 gas per byte (the yellow paper's G_codedeposit), EIP-3541.
        #expect(CodeDepositRules.evm == CodeDepositRules(maxCodeSize: 0x6000, gasPerByte: 200, rejectEFPrefix: true))
    }

    /// A call to code of a kind the registry lacks fails (it does not run in another EE).
    @Test func codeOfAnUnregisteredKindDoesNotRun() throws {
        let s = ContractSession()
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        let r = try s.call(a, data: [])
        #expect(r.status == .failure(.invalidCode("no execution environment for wasm code")), "\(r.status)")
    }

    // MARK: FastHash.swift

    /// Every word of a key reaches its map hash, and so does the map's seed ("every key bit
    /// in play"): keys that differ in one word only hash apart. The key is random per
    /// process; a chance collision is about 2^-64.
    @Test func everyWordOfAKeyReachesItsHash() {
        let base = Address(hi: 0x1111_1111, mid: 0x2222_2222_2222_2222, lo: 0x3333_3333_3333_3333)
        let variants = [
            Address(hi: 0x1111_1112, mid: base.mid, lo: base.lo), Address(hi: base.hi, mid: base.mid ^ 1, lo: base.lo),
            Address(hi: base.hi, mid: base.mid, lo: base.lo ^ 1 << 63),
        ]
        for v in variants { #expect(v._rawHashValue(seed: 0) != base._rawHashValue(seed: 0), "\(v)") }
        #expect(base._rawHashValue(seed: 1) != base._rawHashValue(seed: 2))
        #expect(base._rawHashValue(seed: 5) == Address(base.bytes)._rawHashValue(seed: 5))

        let word = Bytes32(w0: 1, w1: 2, w2: 3, w3: 4)
        for v in [Bytes32(w0: 9, w1: 2, w2: 3, w3: 4), Bytes32(w0: 1, w1: 9, w2: 3, w3: 4),
                  Bytes32(w0: 1, w1: 2, w2: 9, w3: 4), Bytes32(w0: 1, w1: 2, w2: 3, w3: 9)] {
            #expect(v._rawHashValue(seed: 0) != word._rawHashValue(seed: 0), "\(v)")
        }
        #expect(word._rawHashValue(seed: 1) != word._rawHashValue(seed: 2))
        let n = U256(limbs: (1, 2, 3, 4))
        for v in [U256(limbs: (9, 2, 3, 4)), U256(limbs: (1, 9, 3, 4)), U256(limbs: (1, 2, 9, 4)), U256(limbs: (1, 2, 3, 9))] {
            #expect(v._rawHashValue(seed: 0) != n._rawHashValue(seed: 0), "\(v)")
        }

        let slot = WorldState.SlotKey(address: base, key: n)
        for v in variants + [base] {
            for k in v == base ? [U256(limbs: (9, 2, 3, 4)), U256(limbs: (1, 2, 3, 9))] : [n] {
                let other = WorldState.SlotKey(address: v, key: k)
                #expect(other._rawHashValue(seed: 0) != slot._rawHashValue(seed: 0), "\(v) \(k)")
            }
        }
        #expect(slot._rawHashValue(seed: 1) != slot._rawHashValue(seed: 2))
    }

    /// Dictionaries index buckets by a hash's low bits: keys that differ only in high bits of
    /// their words must still spread there (the fold's high half of the product does that;
    /// the low half alone depends on the low bits only).
    @Test func keysThatDifferInHighBitsOnlySpreadOverLowHashBits() {
        func spread(_ hashes: [Int]) -> Int { Set(hashes.map { $0 & 0xffff }).count }
        let addresses = (0..<32).map { Address(hi: 0, mid: 0, lo: UInt64($0) << 56) }
        #expect(spread(addresses.map { $0._rawHashValue(seed: 0) }) > 1)
        let words = (0..<32).map { Bytes32(w0: 0, w1: 0, w2: 0, w3: UInt64($0) << 56) }
        #expect(spread(words.map { $0._rawHashValue(seed: 0) }) > 1)
        let slots = (0..<32).map { WorldState.SlotKey(address: .zero, key: U256(limbs: (UInt64($0) << 56, 0, 0, 0))) }
        #expect(spread(slots.map { $0._rawHashValue(seed: 0) }) > 1)
    }

    // MARK: Keccak.swift

    /// Keccak-256 vectors: "" and "abc" (the Keccak team's), inputs one short of, at and one
    /// past the 136-byte rate (independent computation), an array slice that does not start
    /// at 0, and collections without contiguous storage (copied first).
    @Test func keccakVectors() {
        func hex(_ h: Bytes32) -> String { Hex.encode(h.bytes) }
        #expect(hex(Keccak.hash([UInt8]())) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(hex(Keccak.hash(Array("abc".utf8))) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        #expect(hex(Keccak.hash(Array("a".utf8))) == "3ac225168df54212a25c1c01fd35bebfea408fdac2e31ddd6f80a4bbf9a5f1cb")
        let rate: [(Int, String)] = [
            (135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"),
            (136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"),
            (137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"),
        ]
        for (n, expected) in rate {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0) }
            #expect(hex(Keccak.hash(bytes)) == expected, "\(n) bytes")
            #expect(hex(Keccak.hash(([0xff] + bytes)[1...])) == expected, "\(n) bytes, slice")
            // A lazy map has no contiguous storage.
            #expect(hex(Keccak.hash((0..<n).lazy.map { UInt8(truncatingIfNeeded: $0) })) == expected, "\(n) bytes, lazy")
        }
        #expect(hex(Keccak.hash("abc".utf8.lazy.map { $0 })) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        #expect(hex(Keccak.hash(EmptyCollection<UInt8>())) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    }

    /// The named hashes are what they say: keccak256(""), keccak256(rlp("")) = keccak256(0x80)
    /// and keccak256(rlp([])) = keccak256(0xc0).
    @Test func keccakConstants() {
        #expect(Keccak.empty.hex == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(Keccak.emptyTrieRoot.hex == "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
        #expect(Keccak.emptyListHash.hex == "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")
        #expect(Keccak.empty == Keccak.hash([UInt8]()) && Keccak.emptyTrieRoot == Keccak.hash([0x80])
                && Keccak.emptyListHash == Keccak.hash([0xc0]))
    }

    // MARK: CallTrace.swift: texts and the printed tree

    /// The EE in brackets and the call kinds by their EVM opcode names (README's `--trace`).
    @Test func traceTargetAndKindTexts() {
        #expect(TraceTarget.code(.evm).description == "evm" && TraceTarget.code(.riscv).description == "riscv")
        #expect(TraceTarget.code(.wasm).description == "wasm")
        #expect(TraceTarget.systemHook.description == "precompile" && TraceTarget.noCode.description == "no code")
        let kinds: [(TraceFrameKind, String)] = [
            (.call(.none), "CALL"), (.call(.static), "STATICCALL"), (.call(.delegate), "DELEGATECALL"),
            (.call(.delegateStatic), "DELEGATECALL"), (.call(.callcode), "CALLCODE"),
            (.call(.constructor), "CALL (constructor)"),
            (.create(.create), "CREATE"), (.create(.create2(salt: .zero)), "CREATE2"),
        ]
        for (kind, text) in kinds { #expect(kind.description == text) }
    }

    static func start(
        _ depth: Int, _ kind: TraceFrameKind, _ from: Address, _ to: Address?, _ target: TraceTarget,
        value: U256 = .zero, gas: UInt64, input: Bytes = []
    ) -> TraceFrameStart {
        TraceFrameStart(depth: depth, kind: kind, from: from, to: to, target: target, value: value, gas: gas, input: input)
    }

    static func end(_ depth: Int, _ status: FrameStatus, gasLeft: UInt64, output: Bytes = [], created: Address? = nil) -> TraceFrameEnd {
        TraceFrameEnd(depth: depth, status: status, gasLeft: gasLeft, output: output, created: created)
    }

    /// The printed tree (`CallTraceNode.description`, README's `--trace`): one line per start
    /// and per end, two more spaces per depth; the value only when a frame moves some (never
    /// for a delegate call); inputs and outputs up to 64 bytes whole, longer ones cut after 32
    /// with their length; a created address; output only when there is some; a revert's data
    /// decoded with the custom errors given; a frame that never ended says so.
    @Test func thePrintedTree() {
        let x = Address(low: 0xaa), y = Address(low: 0xbb), z = Address(low: 0xcc)
        let errorData = ABIEncoder.selector("Nope(uint256)") + Bytes(repeating: 0, count: 31) + [7]
        let long = Bytes(repeating: 0xee, count: 65)
        let tree = CallTraceNode(
            start: Self.start(0, .call(.none), x, y, .code(.evm), value: U256(5), gas: 1000, input: [0xaa]),
            end: Self.end(0, .revert, gasLeft: 100, output: errorData),
            children: [
                CallTraceNode(
                    start: Self.start(1, .call(.delegate), y, z, .code(.riscv), value: U256(5), gas: 300, input: long),
                    end: Self.end(1, .success, gasLeft: 60, output: Bytes(repeating: 1, count: 64)), children: [
                        CallTraceNode(
                            start: Self.start(2, .call(.static), y, z, .noCode, gas: 20),
                            end: Self.end(2, .failure(.outOfResources), gasLeft: 0), children: []),
                    ]),
                CallTraceNode(
                    start: Self.start(1, .create(.create2(salt: .zero)), y, nil, .code(.wasm), gas: 200, input: [1, 2]),
                    end: Self.end(1, .success, gasLeft: 50, created: z), children: []),
                CallTraceNode(start: Self.start(1, .call(.callcode), y, identity, .systemHook, gas: 10), end: nil, children: []),
            ])
        let cut = "0x" + String(repeating: "ee", count: 32) + "... (65 bytes)"
        let expected = [
            "  CALL \(x.hex) -> \(y.hex) [evm] value 5 gas 1000 input 0xaa",
            "    DELEGATECALL \(y.hex) -> \(z.hex) [riscv] gas 300 input \(cut)",
            "      STATICCALL \(y.hex) -> \(z.hex) [no code] gas 20 input 0x",
            "      └ failure (out of gas), gas used 20",
            "    └ success, gas used 240, output 0x" + String(repeating: "01", count: 64),
            "    CREATE2 \(y.hex) -> new contract [wasm] gas 200 input 0x0102",
            "    └ success, gas used 150, created \(z.hex)",
            "    CALLCODE \(y.hex) -> \(identity.hex) [precompile] gas 10 input 0x",
            "    └ did not end (the transaction stopped)",
            "  └ revert: Nope(7), gas used 900, output 0x" + Hex.encode(errorData),
        ]
        let lines = tree.lines(errors: ["Nope(uint256)"])
        #expect(lines == expected, "\(lines.joined(separator: "\n"))")
        #expect(tree.description == tree.lines().joined(separator: "\n"))
        #expect(tree.lines().last == "  └ revert, gas used 900, output 0x" + Hex.encode(errorData))
        #expect(CallTraceNode.hex(Bytes(repeating: 2, count: 64)) == "0x" + String(repeating: "02", count: 64))
        #expect(CallTraceNode.hex(Bytes(repeating: 3, count: 100)) == "0x" + String(repeating: "03", count: 32) + "... (100 bytes)")
    }

    /// The recorder keeps children in the order they started, and `reset` also drops a
    /// frame left open (a transaction abandoned without its ends): the next start is a root.
    @Test func theRecorderKeepsOrderAndResetsOpenFrames() {
        let x = Address(low: 1), y = Address(low: 2), z = Address(low: 3)
        let recorder = CallTraceRecorder()
        recorder.record(.started(Self.start(0, .call(.none), x, x, .code(.evm), gas: 100)))
        for to in [y, z] {
            recorder.record(.started(Self.start(1, .call(.none), x, to, .code(.evm), gas: 10)))
            recorder.record(.ended(Self.end(1, .success, gasLeft: 10)))
        }
        recorder.record(.ended(Self.end(0, .success, gasLeft: 100)))
        #expect(recorder.roots.count == 1 && recorder.roots.first?.children.map(\.start.to) == [y, z])

        recorder.record(.started(Self.start(0, .call(.none), x, y, .code(.evm), gas: 100)))
        recorder.reset()
        recorder.record(.started(Self.start(0, .call(.none), x, z, .code(.evm), gas: 100)))
        recorder.record(.ended(Self.end(0, .success, gasLeft: 100)))
        #expect(recorder.roots.count == 1 && recorder.roots.first?.start.to == z && recorder.roots.first?.children.isEmpty == true)
    }

    // MARK: CallTrace.swift: what the bootloader sends

    /// A frame's calls, as the bootloader traces them: a precompile (answered at once: its
    /// gas left is what the precompile did not use), a STATICCALL and a CREATE, each at depth
    /// 1 with its kind, target, gas in gas units (not ergs), input, and for the CREATE its
    /// deployment data and, at its end, the new address (the one the deployer was told).
    @Test func theBootloaderTracesEachFrame() throws {
        let scripts = Scripts()
        let told = Holder<Address?>(nil)
        scripts.byID[1] = { ee, p, host in
            if case .afterDeployment(let r, _) = p { told.value = r.address }
            ee.counter += 1
            switch ee.counter {
            case 1: return self.request(ee, self.identity, [1, 2, 3], gas: 1000)
            case 2: return self.request(ee, self.c, [9], modifier: .static, gas: 2000)
            case 3:
                let ergs = 3000 * GasSchedule.default.ergsPerGas
                ee.ergs -= ergs
                return .deploymentRequest(DeploymentRequest(
                    deployer: ee.launch.callee, initcode: ScriptEE.code(9), value: .zero, scheme: .create, kind: .wasm,
                    resources: Resources(ergs: ergs)))
            default: return ee.finish(.success)
            }
        }
        scripts.byID[3] = { ee, _, _ in ee.finish(.success, [7]) }
        scripts.byID[9] = { ee, _, _ in ee.finish(.success, code: [0xc0, 0xde]) }
        let s = session(scripts)
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        try s.install(ScriptEE.code(3), kind: .wasm, at: c)
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        #expect(try s.call(a, data: [5]).status == .success)
        let root = try #require(recorder.roots.first)
        #expect(root.start.depth == 0 && root.end?.depth == 0 && root.start.kind == .call(.none) && root.start.input == [5])
        try #require(root.children.count == 3)
        let (pre, view, create) = (root.children[0], root.children[1], root.children[2])
        for child in root.children {
            #expect(child.start.depth == 1 && child.end?.depth == 1 && child.start.from == a && child.children.isEmpty)
        }
        #expect(pre.start.kind == .call(.none) && pre.start.to == identity && pre.start.target == .systemHook)
        #expect(pre.start.gas == 1000 && pre.start.input == [1, 2, 3])
        // Identity: 15 + 3 per word.
        #expect(pre.end?.status == .success && pre.end?.output == [1, 2, 3] && pre.end?.gasLeft == 1000 - 18)
        #expect(view.start.kind == .call(.static) && view.start.to == c && view.start.target == .code(.wasm))
        #expect(view.start.gas == 2000 && view.start.input == [9] && view.end?.output == [7])
        #expect(create.start.kind == .create(.create) && create.start.to == nil && create.start.target == .code(.wasm))
        #expect(create.start.gas == 3000 && create.start.input == ScriptEE.code(9))
        let created = try #require(create.end?.created)
        #expect(told.value == created && s.world.account(created)?.code == [0xc0, 0xde])
    }

    /// A STATICCALL moves no value and its callee sees none, whatever the request's value
    /// field says (`CallRequest.value`: the value to transfer or, for a delegate call, to
    /// show): its trace shows none either, as a delegate call's shows the value its callee
    /// sees (`traceOfADelegateCallAndOfLongData`). It showed the request's.
    @Test func aStaticCallIsTracedWithTheValueItsCalleeSees() throws {
        let scripts = Scripts()
        let seen = Holder<U256?>(nil)
        scripts.byID[1] = { ee, p, host in
            if case .afterCall = p { return ee.finish(.success) }
            return self.request(ee, self.c, value: U256(5), modifier: .static, gas: 10_000)
        }
        scripts.byID[3] = { ee, _, _ in
            seen.value = ee.launch.value
            return ee.finish(.success)
        }
        let s = session(scripts)
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        try s.install(ScriptEE.code(3), kind: .wasm, at: c)
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        #expect(try s.call(a, data: [], value: U256(7)).status == .success)
        #expect(seen.value == .zero && s.world.balance(c) == .zero)
        let view = try #require(recorder.roots.first?.children.first)
        #expect(view.start.kind == .call(.static) && view.start.value == .zero, "\(view.start.value)")
        #expect(recorder.roots.first?.lines()[1].contains(" value ") == false)
    }

    /// A host-level error in a callee abandons the transaction: each frame ends in the trace
    /// at its own depth (the callee at 1, its caller at 0), as a failure naming the error.
    @Test func framesAHostErrorStopsEndAtTheirDepth() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, p, host in self.request(ee, self.c, gas: 10_000) }
        scripts.byID[3] = { _, _, _ in throw EEError.internalError("boom") }
        let s = session(scripts)
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        try s.install(ScriptEE.code(3), kind: .wasm, at: c)
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        #expect(outcome { try s.call(a, data: []) } == "internal error: boom")
        let root = try #require(recorder.roots.first)
        let callee = try #require(root.children.first)
        #expect(root.end?.depth == 0 && callee.end?.depth == 1)
        for end in [root.end, callee.end] {
            #expect(end?.status == .failure(.other("aborted by a host error: internal error: boom")) && end?.gasLeft == 0)
        }
    }

    /// A tracer's start callback for a frame's deployment runs with no frame active, as for
    /// its calls (`tracerCallbacksRunWithNoFrameActive`): a write from it is a protocol break.
    @Test func deploymentTraceCallbacksRunWithNoFrameActive() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, p, host in
            guard case .start = p else { return ee.finish(.success) }
            ee.ergs -= 1 << 20
            return .deploymentRequest(DeploymentRequest(
                deployer: ee.launch.callee, initcode: ScriptEE.code(9), value: .zero, scheme: .create, kind: .wasm,
                resources: Resources(ergs: 1 << 20)))
        }
        scripts.byID[9] = { ee, _, _ in ee.finish(.success, code: [1]) }
        let s = session(scripts)
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        let boot = s.boot
        let caller = a
        boot.tracer = { ev in
            guard case .started(let st) = ev, st.depth == 1 else { return }
            boot.setStorage(caller, U256(5), U256(5))
        }
        let o = outcome { try s.call(a, data: []) }
        boot.tracer = nil
        #expect(o.contains("written while no frame runs"), "\(o)")
        #expect(s.world.storage(a, U256(5)) == .zero)
    }
}
