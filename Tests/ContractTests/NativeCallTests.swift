import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// CREATE / CREATE2, delegate call and callcode from native code, native -> native calls, the
/// memory configuration at deployment, and host functions (plugins) called from both EEs.
@Suite(.serialized) struct NativeCallTests {
    let rvCaller = Address(low: 0x51)
    let rvBad = Address(low: 0x52)
    let rvCounter = Address(low: 0x53)
    let rvCaller2 = Address(low: 0x54)
    let evmCounter = Address(low: 0xe2)
    let evmReverter = Address(low: 0xe3)
    let evmWho = Address(low: 0xe6)
    let evmForwarder = Address(low: 0xe1)

    func session() throws -> ContractSession {
        let s = ContractSession()
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: rvCaller)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: rvCaller2)
        try s.install(try Fixtures.elf("malicious.elf"), kind: .riscv, at: rvBad)
        try s.install(try Fixtures.elf("counter.elf"), kind: .riscv, at: rvCounter)
        try s.install(EVMCode.counter, kind: .evm, at: evmCounter)
        try s.install(EVMCode.reverter, kind: .evm, at: evmReverter)
        try s.install(EVMCode.whoAmI, kind: .evm, at: evmWho)
        try s.install(EVMCode.forwarder, kind: .evm, at: evmForwarder)
        return s
    }

    /// Calldata for caller.c.
    func via(_ mode: UInt8, _ target: Address, gas: UInt64 = 0, _ payload: Bytes = []) -> Bytes {
        [mode] + target.bytes + (0..<8).map { UInt8(truncatingIfNeeded: gas >> (56 - 8 * UInt64($0))) } + payload
    }

    /// caller.c's answer to a create (modes 5 and 6): status, address, returndata.
    func created(_ r: Receipt) -> (status: UInt64, address: Address, returndata: Bytes)? {
        guard r.status == .success, r.output.count >= 52, r.output[0..<24].allSatisfy({ $0 == 0 }) else { return nil }
        let status = r.output[24..<32].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return (status, Address(r.output.bytes(32..<52)), Array(r.output[52...]))
    }

    // MARK: Call traces

    /// `CallTraceRecorder` sees every frame across EEs: an EVM -> native -> EVM chain whose
    /// innermost frame reverts, a native callee that runs out of gas, a precompile, a CREATE
    /// of EVM code from native code, and a native call refused for the depth limit.
    @Test func callTraceRecordsEveryFrameAcrossEEs() throws {
        let s = try session()
        let trace = CallTraceRecorder()
        trace.attach(to: s.boot)
        func allEnded(_ n: CallTraceNode) -> Bool { n.end != nil && n.children.allSatisfy(allEnded) }

        // EVM forwarder -> native caller (mode 0: pass the output or revert data on) -> EVM reverter.
        _ = try s.call(evmForwarder, data: rvCaller.bytes + via(0, evmReverter))
        var root = try #require(trace.roots.first)
        #expect(trace.roots.count == 1 && allEnded(root))
        #expect(root.start.kind == .call(.none) && root.start.target == .code(.evm) && root.start.depth == 0)
        #expect(root.start.from == ContractSession.defaultSender && root.start.to == evmForwarder)
        #expect(root.end?.status == .revert && root.end?.output == ABI.word(0xab))
        let native = try #require(root.children.first)
        #expect(root.children.count == 1 && native.start.target == .code(.riscv) && native.start.depth == 1)
        #expect(native.start.from == evmForwarder && native.start.to == rvCaller)
        #expect(native.start.input == via(0, evmReverter))
        let inner = try #require(native.children.first)
        #expect(inner.start.target == .code(.evm) && inner.start.to == evmReverter && inner.start.depth == 2)
        #expect(inner.end?.status == .revert && inner.end?.output == ABI.word(0xab))
        #expect((inner.gasUsed ?? 0) > 0 && (inner.gasUsed ?? 0) < (native.gasUsed ?? 0))

        // A native callee looping until its 50,000 gas are gone; the caller records it.
        trace.reset()
        _ = try s.call(rvCaller, data: via(2, rvBad, gas: 50_000, [3]))
        root = try #require(trace.roots.first)
        let looping = try #require(root.children.first)
        #expect(root.end?.status == .success)
        #expect(looping.start.gas == 50_000 && looping.end?.status == .failure(.outOfResources))
        #expect(looping.gasUsed == 50_000)

        // A precompile (identity) answers at once: a frame with no children.
        trace.reset()
        _ = try s.call(rvCaller, data: via(0, Address(low: 4), Array("abc".utf8)))
        let identity = try #require(trace.roots.first?.children.first)
        #expect(identity.start.target == .systemHook && identity.end?.output == Array("abc".utf8))

        // CREATE of EVM code from native code: the new address is in the frame's end.
        trace.reset()
        let c = try #require(created(try s.call(rvCaller, data: via(5, .zero, [1] + EVMCode.deploying(EVMCode.counter)))))
        let create = try #require(trace.roots.first?.children.first)
        #expect(create.start.kind == .create(.create) && create.start.target == .code(.evm) && create.start.to == nil)
        #expect(create.end?.status == .success && create.end?.created == c.address)

        // A call refused at the depth limit is a frame that starts and ends at once.
        trace.reset()
        s.boot.maxDepth = 0
        _ = try s.call(rvCaller, data: via(2, rvCounter))
        let refused = try #require(trace.roots.first?.children.first)
        #expect(refused.end?.status == .failure(.callDepthExceeded) && refused.children.isEmpty)
        s.boot.maxDepth = 1024

        // Without a tracer nothing is recorded.
        s.boot.tracer = nil
        trace.reset()
        _ = try s.call(rvCounter, data: [])
        #expect(trace.roots.isEmpty)
    }

    /// A host-level error (here a RISC-V configuration the EE refuses, found when the frame
    /// starts) abandons the transaction; its frames still end in the trace, so the next
    /// transaction's tree is a root of its own (review finding: it became a child of the
    /// abandoned one, and the recorder stopped adding roots).
    @Test func traceStaysBalancedAfterAHostError() throws {
        var bad = RISCVEnvironment.Configuration()
        bad.memorySize = 4096
        let s = ContractSession(riscv: bad)
        s.world.setAccount(rvCounter, Account(nonce: 1, balance: .zero, kind: .riscv, code: try Fixtures.elf("counter.elf")))
        s.world.setAccount(evmCounter, Account(nonce: 1, balance: .zero, kind: .evm, code: EVMCode.counter))
        try s.world.commit()
        let trace = CallTraceRecorder()
        trace.attach(to: s.boot)
        #expect(throws: EEError.self) { try s.call(rvCounter, data: []) }
        #expect(trace.roots.count == 1)
        guard case .failure(.other(let why))? = trace.roots.first?.end?.status else {
            Issue.record("the abandoned frame did not end: \(String(describing: trace.roots.first?.end))")
            return
        }
        #expect(why.hasPrefix("aborted by a host error"))
        _ = try s.call(evmCounter, data: [])
        #expect(trace.roots.count == 2 && trace.roots[1].start.to == evmCounter && trace.roots[1].end?.status == .success)
    }

    /// A static PIE is refused as a native contract when it would be moved: no contract
    /// start-up code applies its relocations (`rv run` runs it, its libc relocates it).
    @Test func movedStaticPIEContractsAreRefused() throws {
        var e = TestELF.program(xlen: 64, code: [RVAsm.li(10, 0), RVAsm.li(17, 93), RVAsm.ecall])
        e.type = 3
        e.segments[0].vaddr = 0x1000
        e.entry = 0x1000
        do {
            _ = try ContractSession().deploy(e.bytes, kind: .riscv)
            Issue.record("a moved static PIE was deployed")
        } catch {
            #expect("\(error)".contains("position-independent"), "\(error)")
            #expect("\(error)".contains("placed 0xf000 from"), "\(error)")
        }
        // Linked above 0x10000, it would move down: the offset is negative.
        e.segments[0].vaddr = 0x20000
        e.entry = 0x20000
        #expect(throws: (any Error).self) { try ContractSession().deploy(e.bytes, kind: .riscv) }
        do { _ = try ContractSession().deploy(e.bytes, kind: .riscv) } catch {
            #expect("\(error)".contains("placed -0x10000 from"), "\(error)")
        }
        // Linked where it is placed (its lowest page at 0x10000), nothing moves: the ELF is
        // taken (the constructor then fails on its Linux exit call, as any contract would).
        e.segments[0].vaddr = 0x10000
        e.entry = 0x10000
        let r = try ContractSession().deploy(e.bytes, kind: .riscv)
        #expect(!r.status.isSuccess, "\(r.status)")
    }

    // MARK: CREATE / CREATE2

    @Test func createFromNativeDeploysEVMAndNativeContracts() throws {
        let s = try session()
        let nonce = s.world.nonce(rvCaller)
        let initcode = EVMCode.deploying(EVMCode.counter)
        let r = try #require(created(try s.call(rvCaller, data: via(5, .zero, [1] + initcode))))
        #expect(r.status == 0)
        #expect(r.address == DeploymentAddress.create(deployer: rvCaller, nonce: nonce))
        #expect(s.world.nonce(rvCaller) == nonce + 1)
        #expect(s.world.account(r.address)?.kind == .evm)
        #expect(s.world.account(r.address)?.code == EVMCode.counter)
        #expect(try s.call(r.address, data: []).output == ABI.word(1))

        // A native contract with a constructor argument, created by a native contract.
        let elf = try Fixtures.elf("counter.elf")
        let n = try #require(created(try s.call(rvCaller, data: via(5, .zero, [3] + elf + ABI.word(41)))))
        #expect(n.status == 0)
        #expect(n.address == DeploymentAddress.create(deployer: rvCaller, nonce: nonce + 1))
        #expect(s.world.account(n.address)?.kind == .riscv)
        #expect(s.world.account(n.address)?.code == elf)
        #expect(try s.call(n.address, data: ABI.call(0xd09d_e08a, [])).output == ABI.word(42))
    }

    @Test func create2FromNativeAndCollisions() throws {
        let s = try session()
        let initcode = EVMCode.deploying(EVMCode.counter)
        let salt = Bytes32(ABI.word(7))
        let want = DeploymentAddress.create2(deployer: rvCaller, salt: salt, initcode: initcode)
        let first = try #require(created(try s.call(rvCaller, data: via(6, .zero, [1] + salt.bytes + initcode))))
        #expect(first.status == 0 && first.address == want)
        #expect(s.world.account(want)?.code == EVMCode.counter)
        // The same salt and code again: the address is taken, the create fails, the caller goes on.
        let again = try #require(created(try s.call(rvCaller, data: via(6, .zero, [1] + salt.bytes + initcode))))
        #expect(again.status == 2 && again.address == .zero)
        #expect(s.world.storage(rvCaller, U256(1)) == U256(3))
        // CREATE2 of native code: the address hashes the whole deployment data (ELF + arguments).
        let data = try Fixtures.elf("counter.elf") + ABI.word(5)
        let native = try #require(created(try s.call(rvCaller, data: via(6, .zero, [3] + salt.bytes + data))))
        #expect(native.status == 0)
        #expect(native.address == DeploymentAddress.create2(deployer: rvCaller, salt: salt, initcode: data))
        #expect(try s.call(native.address, data: ABI.call(0x6d4c_e63c, [])).output == ABI.word(5))
    }

    @Test func failingConstructorsFromNative() throws {
        let s = try session()
        // An EVM constructor that reverts: status 1, its revert data is the returndata, no account.
        let nonce = s.world.nonce(rvCaller)
        let r = try #require(created(try s.call(rvCaller, data: via(5, .zero, [1] + EVMCode.reverter))))
        #expect(r.status == 1 && r.address == .zero && r.returndata == ABI.word(0xab))
        #expect(s.world.account(DeploymentAddress.create(deployer: rvCaller, nonce: nonce))?.code.isEmpty ?? true)
        // A native constructor that traps (malicious.elf's op 1 in the constructor is not reachable,
        // so use a broken ELF): refused before it runs.
        var bad = try Fixtures.elf("counter.elf")
        bad[48] |= 1  // EF_RISCV_RVC
        let b = try #require(created(try s.call(rvCaller, data: via(5, .zero, [3] + bad))))
        #expect(b.status == 2 && b.address == .zero)
        // The reverting constructor used a nonce; the refused ELF did not (Contracts/README.md).
        #expect(s.world.nonce(rvCaller) == nonce + 1)
        // Unknown EE kind: the creating frame fails (caller.c's frame), the transaction reports it.
        // (Kind 2, WASM, exists: without its EE it is a failed deployment, ThirdEETests.)
        let k = try s.call(rvCaller, data: via(5, .zero, [7] + EVMCode.counter))
        guard case .failure(let reason) = k.status else {
            Issue.record("unknown EE kind: \(k.status)")
            return
        }
        #expect(reason.description.contains("unknown EE kind 7"))
    }

    @Test func createIsRefusedInAStaticContext() throws {
        let s = try session()
        // rvCaller2 static-calls rvCaller, which tries to CREATE: rvCaller's frame fails.
        let inner = via(5, .zero, [1] + EVMCode.deploying(EVMCode.counter))
        let r = try s.call(rvCaller2, data: via(4, rvCaller, inner))
        #expect(r.status == .success)
        #expect(r.output.bytes(0..<32) == ABI.word(2))
        #expect(s.world.nonce(rvCaller) == 1)
    }

    // MARK: Delegate call and callcode

    @Test func delegateCallRunsTheTargetInTheCallersContext() throws {
        let s = try session()
        // whoAmI stores CALLER at slot 5 and returns ADDRESS ++ CALLER.
        let r = try s.call(rvCaller, data: via(7, evmWho))
        #expect(r.status == .success)
        #expect(r.output.bytes(0..<32) == ABI.word(0))
        #expect(Array(r.output.dropFirst(32)) == ABI.word(rvCaller) + ABI.word(alice))
        #expect(s.world.storage(rvCaller, U256(5)) == U256(bigEndian: ABI.word(alice)))
        #expect(s.world.storage(evmWho, U256(5)) == .zero)
        // Native delegate target: malicious.elf op 6 writes slot 7 = 9, here into rvCaller.
        let n = try s.call(rvCaller, data: via(7, rvBad, [6]))
        #expect(n.status == .success && n.output.bytes(0..<32) == ABI.word(0))
        #expect(s.world.storage(rvCaller, U256(7)) == U256(9))
        #expect(s.world.storage(rvBad, U256(7)) == .zero)
        // The counter's code on rvCaller's storage slot 0.
        _ = try s.call(rvCaller, data: via(7, rvCounter, ABI.call(0xd09d_e08a, [])))
        _ = try s.call(rvCaller, data: via(7, rvCounter, ABI.call(0xd09d_e08a, [])))
        #expect(s.world.storage(rvCaller, .zero) == U256(2))
        #expect(s.world.storage(rvCounter, .zero) == .zero)
    }

    @Test func callcodeKeepsStorageButChangesTheSender() throws {
        let s = try session()
        let r = try s.call(rvCaller, data: via(8, evmWho))
        #expect(r.status == .success)
        #expect(Array(r.output.dropFirst(32)) == ABI.word(rvCaller) + ABI.word(rvCaller))
        #expect(s.world.storage(rvCaller, U256(5)) == U256(bigEndian: ABI.word(rvCaller)))
        #expect(s.world.storage(evmWho, U256(5)) == .zero)
    }

    @Test func delegateCallFromEVMIntoNativeCode() throws {
        // An EVM frame delegate-calls the native counter: the native code runs on the EVM
        // contract's storage.
        let s = try session()
        let evmDelegator = Address(low: 0xe7)
        try s.install(EVMCode.delegator, kind: .evm, at: evmDelegator)
        let r = try s.call(evmDelegator, data: rvCounter.bytes + ABI.call(0xd09d_e08a, []))
        #expect(r.status == .success && r.output == ABI.word(1))
        #expect(s.world.storage(evmDelegator, .zero) == U256(1))
        #expect(s.world.storage(rvCounter, .zero) == .zero)
    }

    // MARK: Native -> native

    @Test func nativeCallsNative() throws {
        let s = try session()
        let r = try s.call(rvCaller, data: via(0, rvCounter, ABI.call(0x1003_e2d2, [ABI.word(5)])))
        #expect(r.status == .success && r.output == ABI.word(5))
        #expect(s.world.storage(rvCounter, .zero) == U256(5))
        // native -> native -> EVM, and the revert of the innermost frame comes back through both.
        let chain = try s.call(rvCaller, data: via(0, rvCaller2, via(0, evmCounter)))
        #expect(chain.status == .success && chain.output == ABI.word(1))
        let rev = try s.call(rvCaller, data: via(0, rvCaller2, via(0, evmReverter)))
        #expect(rev.status == .revert && rev.output == ABI.word(0xab))
        // A reverted inner native frame's writes are undone; the outer one's stay.
        let add1 = ABI.call(0x1003_e2d2, [ABI.word(1)])
        let rec = try s.call(rvCaller, data: via(2, rvCaller2, via(2, rvCounter, add1)))
        #expect(rec.status == .success)
        #expect(s.world.storage(rvCounter, .zero) == U256(6))
        let over = try s.call(rvCaller, data: via(2, rvCounter, ABI.call(0x1003_e2d2, [Bytes(repeating: 0xff, count: 32)])))
        #expect(over.status == .success && over.output.bytes(0..<32) == ABI.word(1))
        #expect(s.world.storage(rvCounter, .zero) == U256(6))
        #expect(s.world.storage(rvCaller, U256(1)) == U256(2))
    }

    /// A tracer that breaks the schedule in the middle of a transaction (the bootloader checks
    /// it when the transaction starts), when the callee starts: the change is refused and the
    /// transaction ends with a typed error (once a native frame refused ergsPerGas 0 and a
    /// precompile call divided by zero, both stopping the process; and a change to 1 gave all
    /// the execution gas back).
    @Test func scheduleBrokenMidTransactionIsATypedError() throws {
        for target in [rvCounter, Address(low: 0x02)] {  // a native frame, SHA-256
            for rate: UInt64 in [0, 1] {
                let s = try session()
                s.boot.tracer = { [unowned boot = s.boot] event in
                    if case .started(let st) = event, st.depth == 1 { boot.schedule.ergsPerGas = rate }
                }
                #expect("\(target) \(rate)") {
                    try s.call(rvCaller, data: via(0, target))
                } throws: { e in
                    guard case .protocolViolation(let why) = e as? EEError else { return false }
                    return why.contains("the gas schedule changed while a transaction runs")
                }
                #expect(s.boot.schedule.ergsPerGas == 256)
            }
        }
    }

    /// A gas request above 2^32-1 reaches the callee as the 63/64 rule and the request allow
    /// on RV64, and on RV32 (one register) as at most 2^32-2, never more than requested: a
    /// review found RV32's `eek_call` cutting it to its low 32 bits (2^32 + 100 became 100
    /// gas), and a first fix sending it as "all" (a 5e9 cap gave the callee 98e9).
    @Test func largeGasRequestsOnRV32() throws {
        let source = """
            #include "eekit.h"
            void eekit_main(int is_constructor) {
              if (is_constructor) return;
              eek_address to;
              uint64_t asked = 0;
              eek_calldata_copy(&to, 0, 20);
              for (int i = 0; i < 8; i++) {
                uint8_t b;
                eek_calldata_copy(&b, 20 + i, 1);
                asked = asked << 8 | b;
              }
              eek_call(EEK_CALL, &to, 0, 0, 0, asked ? asked : eek_gas_left() - 100000, 0);
              eek_word w;
              eek_returndata_copy(&w, 0, 32);
              eek_return(&w, 32);
            }
            """
        let gasAtEntry: Bytes = [0x5a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]  // GAS PUSH0 MSTORE; RETURN(0, 32)
        func given(xlen: Int, asked: UInt64, gas: UInt64) throws -> UInt64 {
            let s = try session()
            let caller = Address(low: 0x70), callee = Address(low: 0x71)
            try s.install(try Fixtures.contract(source, xlen: xlen), kind: .riscv, at: caller)
            try s.install(gasAtEntry, kind: .evm, at: callee)
            let data = callee.bytes + (0..<8).map { UInt8(truncatingIfNeeded: asked >> (56 - 8 * UInt64($0))) }
            let r = try s.call(caller, data: data, gas: gas)
            #expect(r.status == .success && r.output.count == 32, "rv\(xlen): \(r.status)")
            return r.output.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        // All but 100,000 of 4.3e9: capped at 63/64 on both, the same but for what the two
        // builds' instructions before the call cost.
        let g64 = try given(xlen: 64, asked: 0, gas: 4_300_000_000)
        let g32 = try given(xlen: 32, asked: 0, gas: 4_300_000_000)
        #expect(g64 > 4_200_000_000 && g64 < 4_300_000_000, "\(g64)")
        #expect(g32 + 64 > g64 && g32 <= g64 + 64, "\(g32) against \(g64)")
        // 5e9 of 1e11: RV64 gives what was asked (GAS itself costs 2), RV32 2^32-2 (less).
        let capped64 = try given(xlen: 64, asked: 5_000_000_000, gas: 100_000_000_000)
        let capped32 = try given(xlen: 32, asked: 5_000_000_000, gas: 100_000_000_000)
        #expect(capped64 == 5_000_000_000 - 2, "\(capped64)")
        #expect(capped32 == (1 << 32) - 2 - 2, "\(capped32)")
    }

    // MARK: Account and block queries

    typealias Probe = (size: U256, hash: Bytes, blockHash: Bytes, blobFee: U256, blobs: [Bytes], code: Bytes)

    /// caller.c mode 9: CODE_SIZE, CODE_HASH, BLOCK_HASH, the blob base fee, BLOB_HASH 0 and 1,
    /// and CODE_COPY.
    func probeData(_ target: Address, offset: UInt64 = 0, length: UInt64 = 0, block: UInt64 = 0) -> Bytes {
        let be = { (v: UInt64) in (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }
        return via(9, target, be(offset) + be(length) + be(block))
    }
    func probeResult(_ r: Receipt, length: UInt64) -> Probe? {
        guard r.status == .success, r.output.count == 192 + Int(length) else { return nil }
        let o = r.output
        return (U256(bigEndian: Array(o[0..<32])), Array(o[32..<64]), Array(o[64..<96]),
                U256(bigEndian: Array(o[96..<128])), [Array(o[128..<160]), Array(o[160..<192])], Array(o[192...]))
    }
    func probe(_ s: ContractSession, _ target: Address, offset: UInt64 = 0, length: UInt64 = 0, block: UInt64 = 0,
               from caller: Address? = nil) throws -> Probe? {
        var data = probeData(target, offset: offset, length: length, block: block)
        if let caller { data = via(1, caller, data) }  // through a static call
        return probeResult(try s.call(rvCaller, data: data), length: length)
    }

    @Test func codeAndBlockQueriesMatchTheState() throws {
        let s = try session()
        let elf = try Fixtures.elf("counter.elf")
        let native = try #require(try probe(s, rvCounter, length: 64, block: 0))
        #expect(native.size == U256(UInt64(elf.count)))
        #expect(native.hash == Keccak.hash(elf).bytes)
        #expect(native.code == Array(elf[0..<64]))
        // The session's block is number 1: block 0 is the one before it.
        #expect(native.blockHash == s.boot.blockHash(0).bytes && native.blockHash != Bytes(repeating: 0, count: 32))
        #expect(native.blobFee == s.boot.block.blobBaseFee)
        #expect(native.blobs == [Bytes(repeating: 0, count: 32), Bytes(repeating: 0, count: 32)])  // not a blob transaction

        // EVM code, read across its end: the bytes past it are zero.
        let evm = EVMCode.counter
        let e = try #require(try probe(s, evmCounter, offset: UInt64(evm.count - 4), length: 16, block: 1))
        #expect(e.size == U256(UInt64(evm.count)) && e.hash == Keccak.hash(evm).bytes)
        #expect(e.code == Array(evm.suffix(4)) + Bytes(repeating: 0, count: 12))
        #expect(e.blockHash == Bytes(repeating: 0, count: 32))  // the current block has no hash yet

        // An account that does not exist: size 0, hash 0 (EIP-1052); an account with a balance
        // and no code: keccak256("").
        let none = try #require(try probe(s, Address(low: 0x777), length: 8, block: 1000))
        #expect(none.size == .zero && none.hash == Bytes(repeating: 0, count: 32) && none.code == Bytes(repeating: 0, count: 8))
        let eoa = try #require(try probe(s, ContractSession.defaultSender))
        #expect(eoa.size == .zero && eoa.hash == Keccak.hash([]).bytes)

        // Read-only, so they work in a static context too.
        let st = try #require(try probe(s, evmCounter, length: 4, from: rvCaller2))
        #expect(st.hash == e.hash && st.code == Array(evm.prefix(4)))

        // The EVM sees the same values (EXTCODEHASH, EXTCODESIZE of the native contract).
        let evmProbe = Hex.decode("73" + Hex.encode(rvCounter.bytes) + "803f5f52" + "3b6020526040" + "5ff3")!
        let a = Address(low: 0xe9)
        try s.install(evmProbe, kind: .evm, at: a)
        let r = try s.call(a, data: [])
        #expect(r.output == native.hash + U256(UInt64(elf.count)).bigEndianBytes)

        // A blob transaction (EIP-4844) with one versioned hash: index 0 is it, index 1 is 0.
        let blob = Bytes32([0x01] + Bytes(repeating: 0x5a, count: 31))
        let sender = ContractSession.defaultSender
        let tx = Transaction(
            type: .blob, sender: sender, nonce: U256(s.world.nonce(sender)), gasLimit: U256(1_000_000), to: rvCaller,
            data: probeData(rvCounter), maxFeePerGas: U256(1_000), blobVersionedHashes: [blob],
            maxFeePerBlobGas: U256(1_000))
        guard case .success(let receipt) = try s.boot.execute(tx) else {
            Issue.record("blob transaction rejected")
            return
        }
        let b = try #require(probeResult(receipt, length: 0))
        #expect(b.blobs == [blob.bytes, Bytes(repeating: 0, count: 32)])
    }

    // MARK: Configuration

    @Test func deploymentChecksUseTheConfiguredMemory() throws {
        var small = RISCVEnvironment.Configuration()
        small.memorySize = 64 << 10
        small.stackSize = 4 << 10
        small.maxMemorySize = small.memorySize  // a fixed size: no growth to fit the image
        let s = ContractSession(riscv: small)
        let elf = try Fixtures.elf("counter.elf")  // linked at 0x10000: does not fit 64 KiB
        let req = DeploymentRequest(
            deployer: alice, initcode: elf, value: .zero, scheme: .create, kind: .riscv,
            resources: Resources(ergs: 1 << 40, native: .max))
        #expect(throws: EEError.self) { try RISCVEnvironment.prepareDeployment(req, host: s.boot) }
        // A deployment transaction is refused before anything runs (as for a malformed ELF).
        #expect(throws: EEError.self) { try s.deploy(elf, kind: .riscv) }

        // Allowed to grow to 1 MiB, the memory fits the image (1 MiB: the image, the stack
        // region and heap, rounded up, capped).
        small.maxMemorySize = 1 << 20
        let grown = ContractSession(riscv: small)
        _ = try RISCVEnvironment.prepareDeployment(req, host: grown.boot)
        let counter = try #require(try grown.deploy(elf, kind: .riscv).createdAddress)
        #expect(try grown.call(counter, data: [0x6d, 0x4c, 0xe6, 0x3c]).output == ABI.word(0))

        var big = RISCVEnvironment.Configuration()
        big.memorySize = 4 << 20
        big.stackSize = 1 << 20
        let b = ContractSession(riscv: big)
        _ = try RISCVEnvironment.prepareDeployment(req, host: b.boot)
        let ok = try b.deploy(try Fixtures.elf("token.elf"), kind: .riscv, arguments: ABI.word(10))
        let token = try #require(ok.createdAddress)
        #expect(try b.call(token, data: ABI.call(ABI.balanceOf, [ABI.word(alice)])).output == ABI.word(10))
    }

    /// A contract whose .bss does not fit the configured 1 MiB gets the memory it needs (its
    /// image, the stack region and 1 MiB of heap, rounded up to 1 MiB, at most
    /// `maxMemorySize`), the same for every frame; past 64 MiB it is refused at deployment.
    @Test func memoryGrowsToFitTheImage() throws {
        let source = """
            #include "eekit_abi.h"
            static unsigned char table[BIG];
            void eekit_main(int is_constructor) {
              if (is_constructor) { table[BIG - 1] = 1; return; }
              uint64_t i = abi_arg_u256(0).l[0] % sizeof(table), heap = abi_arg_u256(1).l[0];
              unsigned char *h = heap ? eek_alloc(heap) : 0;
              if (heap) h[heap - 1] = 9;
              uint64_t before = table[i];
              table[i] += 5;
              abi_return_u256(u256_from_u64(before * 1000 + table[i] + (heap ? h[heap - 1] : 0) * 100));
            }
            """
        func build(_ name: String, bss: UInt64, xlen: Int) throws -> Bytes {
            try Fixtures.contract(source, xlen: xlen, flags: ["-DBIG=\(bss)u"])
        }
        func call(_ s: ContractSession, _ a: Address, index: UInt64, heap: UInt64) throws -> Receipt {
            try s.call(a, data: ABI.call(0x1234_5678, [ABI.word(index), ABI.word(heap)]))
        }
        for xlen in [64, 32] {
            let s = ContractSession()
            let three = try #require(try s.deploy(try build("big3.elf", bss: 3 << 20, xlen: xlen), kind: .riscv).createdAddress)
            // Fresh memory in every frame: the constructor's write is gone, and a second call
            // sees 0 again; the last byte of the .bss and 1 MiB of heap are reachable.
            for index: UInt64 in [0, (3 << 20) - 1, (3 << 20) - 1] {
                let r = try call(s, three, index: index, heap: 1 << 20)
                #expect(r.status == .success && r.output == ABI.word(905), "rv\(xlen) index \(index): \(r.status)")
            }
            // 3 MiB + stack region + 1 MiB of heap round up to 5 MiB: a 3 MiB heap does not fit.
            let tooMuch = try call(s, three, index: 1, heap: 3 << 20)
            #expect(tooMuch.status != .success, "rv\(xlen): a heap past the grown memory")
            // The .bss pages are restored after every frame, so every call pays for them.
            let gas = try call(s, three, index: 2, heap: 0).gasUsed
            #expect(gas > 21_000 + 768 * 64, "rv\(xlen): \(gas) gas")

            // 70 MiB does not fit 64 MiB: refused before anything runs, with the size it needs.
            do {
                _ = try s.deploy(try build("big70.elf", bss: 70 << 20, xlen: xlen), kind: .riscv)
                Issue.record("rv\(xlen): a 70 MiB image deployed")
            } catch let e as EEError {
                guard case .elf(.imageTooLarge(let needed, let available)) = e else {
                    Issue.record("rv\(xlen): \(e)")
                    continue
                }
                #expect(needed > 70 << 20 && available == 64 << 20)
            }
        }
        // With the growth switched off, the 3 MiB image is refused.
        var fixed = RISCVEnvironment.Configuration()
        fixed.maxMemorySize = fixed.memorySize
        #expect(throws: EEError.self) { try ContractSession(riscv: fixed).deploy(try build("b.elf", bss: 3 << 20, xlen: 64), kind: .riscv) }
    }

    /// The frame block takes at most half of the stack: with a 4 KiB stack, 8 KiB of calldata
    /// is read through system calls instead (1 KiB still comes from the block).
    @Test func frameBlockFitsSmallStacks() throws {
        var small = RISCVEnvironment.Configuration()
        small.stackSize = 4 << 10
        let s = ContractSession(riscv: small)
        let token = try #require(
            try s.deploy(try Fixtures.elf("token.elf"), kind: .riscv, arguments: ABI.word(10)).createdAddress)
        let transfer = ABI.call(ABI.transfer, [ABI.word(bob), ABI.word(4)])
        for total in [1024, 8192] {
            let r = try s.call(token, data: transfer + Bytes(repeating: 7, count: total - transfer.count))
            #expect(r.status == .success && r.output == ABI.word(1), "\(total) bytes: \(r.status)")
        }
        #expect(try s.call(token, data: ABI.call(ABI.balanceOf, [ABI.word(bob)])).output == ABI.word(8))
    }

    // MARK: Host functions (eekit --hook)

    @Test func pluginCalledFromEVMAndNative() throws {
        let lib = try #require(TestFiles.examplePlugin, "clang could not build Contracts/plugins/example_plugin.c")
        let s = try session()
        let at = Address(low: 0x10001)
        // The same code path as `eekit run/call/deploy --hook`.
        try s.registerHostFunction("\(lib):plugin_add_widths@0x10001:(u8,u16,u32,u64)->u64:100+3")
        try s.registerHostFunction("\(lib):plugin_reverse@0x10002:(bytes)->bytes")
        let args = ABI.word(1) + ABI.word(2) + ABI.word(3) + ABI.word(4)
        let fromEVM = try s.call(evmForwarder, data: at.bytes + args)
        #expect(fromEVM.status == .success && fromEVM.output == ABI.word(10))
        let fromNative = try s.call(rvCaller, data: via(0, at, args))
        #expect(fromNative.status == .success && fromNative.output == ABI.word(10))
        let bytesArg = ABI.word(32) + ABI.word(3) + [1, 2, 3] + Bytes(repeating: 0, count: 29)
        let rev = try s.call(rvCaller, data: via(0, Address(low: 0x10002), bytesArg))
        #expect(rev.status == .success && rev.output == [3, 2, 1])
        // An argument that does not fit u8 fails the plugin's frame only.
        let bad = try s.call(rvCaller, data: via(2, at, ABI.word(256) + ABI.word(2) + ABI.word(3) + ABI.word(4)))
        #expect(bad.status == .success && bad.output.bytes(0..<32) == ABI.word(2))
    }

    @Test func slowAndMisbehavingPluginsLeaveStateConsistent() throws {
        let lib = try #require(TestFiles.examplePlugin, "clang could not build Contracts/plugins/example_plugin.c")
        let s = try session()
        try s.registerHostFunction("\(lib):plugin_spin@0x10003:(u64)->u64:100+3")
        try s.registerHostFunction("\(lib):plugin_bad_length@0x10004:()->bytes")
        try s.registerHostFunction("\(lib):plugin_overrun@0x10005:()->bytes")
        // A slow plugin (millions of rounds inside one call) runs to completion with the exact
        // result, from the EVM and from native code.
        let rounds: UInt64 = 3_000_000
        var x: UInt64 = 88_172_645_463_325_252
        for _ in 0..<rounds {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
        }
        let spin = Address(low: 0x10003)
        let fromEVM = try s.call(evmForwarder, data: spin.bytes + ABI.word(rounds))
        #expect(fromEVM.status == .success && fromEVM.output == ABI.word(x))
        let fromNative = try s.call(rvCaller, data: via(0, spin, ABI.word(rounds)))
        #expect(fromNative.status == .success && fromNative.output == ABI.word(x))
        // Plugins that return garbage fail only their own frame: the native caller records the
        // failure (mode 2: returns status 2, slot 1 = 3) and that write of its own survives.
        for hook in [Address(low: 0x10004), Address(low: 0x10005)] {
            let r = try s.call(rvCaller, data: via(2, hook))
            #expect(r.status == .success && Array(r.output.prefix(32)) == ABI.word(2))
            #expect(s.world.storage(rvCaller, U256(1)) == U256(3))
        }
        // The state keeps working afterwards.
        let before = s.world.storage(evmCounter, .zero)
        #expect(try s.call(evmCounter, data: []).status == .success)
        #expect(s.world.storage(evmCounter, .zero) == before &+ U256(1))
    }

    @Test func hookRegistrationErrors() throws {
        let lib = try #require(TestFiles.examplePlugin)
        let s = ContractSession()
        #expect(throws: HostFunctionError.self) { try s.registerHostFunction("/nonexistent/libx.so:f@0x10001:()->void") }
        #expect(throws: HostFunctionError.symbolNotFound(symbol: "nope", library: lib)) {
            try s.registerHostFunction("\(lib):nope@0x10001:()->void")
        }
        #expect(throws: HostFunctionError.self) { try s.registerHostFunction("\(lib):plugin_noop@0x10001:(u7)->void") }
        #expect(throws: HostFunctionError.self) { try s.registerHostFunction("\(lib):plugin_noop@0x1:()->void") }
        #expect(throws: HostFunctionError.self) { try s.registerHostFunction("\(lib):plugin_noop") }
        try s.registerHostFunction("\(lib):plugin_noop@0x10001:()->void")
        #expect(throws: HostFunctionError.self) { try s.registerHostFunction("\(lib):plugin_u8_add@0x10001:(u8,u8)->u8") }
    }
}

@Suite struct ABIEncoderTests {
    /// Decimal numbers (--value, uintN / intN arguments) take ASCII digits only: Swift's
    /// Character.wholeNumberValue also reads "Ⅻ" as 12 and Arabic-Indic digits.
    @Test func decimalNumbersAreASCIIDigitsOnly() throws {
        #expect(U256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639935") == U256(limbs: (.max, .max, .max, .max)))
        for bad in ["", "Ⅻ", "١٢", "+1", "1_000", " 1", "0x10",
                    "115792089237316195423570985008687907853269984665640564039457584007913129639936"] {
            #expect(U256(decimal: bad) == nil, "\(bad)")
        }
        #expect(throws: (any Error).self) { try ABIEncoder.encodeCall(signature: "f(uint256)", arguments: ["Ⅻ"]) }
        // Hex literals: 0x and 1...64 hex digits, nothing else (review finding: "0x" was 0 and
        // "0x0x12" was 18, as U256(hex:) and Hex.decode each strip a prefix).
        #expect(U256(literal: "0x12") == U256(18) && U256(literal: "0X1f") == U256(31) && U256(literal: "42") == U256(42))
        for bad in ["0x", "0x0x12", "0X0x12", "0x 12", "0x12 ", "0xg", "-0x1", "0x" + String(repeating: "f", count: 65)] {
            #expect(U256(literal: bad) == nil, "\(bad)")
        }
        #expect(throws: (any Error).self) { try ABIEncoder.encodeCall(signature: "f(uint256)", arguments: ["0x0x12"]) }
        #expect(throws: (any Error).self) { try ABIEncoder.encodeCall(signature: "f(uint256)", arguments: ["0x"]) }
    }

    /// Amounts as cast takes them (ABI integers, --value): units, fractions and exponents that
    /// make a whole number of wei below 2^256; anything else is refused, never rounded.
    @Test func amountsWithUnitsAndExponents() throws {
        let ether = U256(decimal: "1000000000000000000")!
        let cases: [(String, U256)] = [
            ("1ether", ether), ("1 ETHER", ether), ("1e18", ether), ("1E18wei", ether), (".5ether", U256(decimal: "500000000000000000")!),
            ("2gwei", U256(2_000_000_000)), ("3.2e-3ether", U256(decimal: "3200000000000000")!), ("1.50e1", U256(15)),
            ("0x10", U256(16)), ("42", U256(42)), ("0.0", .zero),
        ]
        for (text, want) in cases { #expect(U256(amount: text) == want, "\(text)") }
        for bad in ["0.5wei", "1e-1", "1e78", "e5", "1.2.3", "1eether", "-1", "1 wei wei", "", ".", "1e", "1e+", "١ether", "0x1ether"] {
            #expect(U256(amount: bad) == nil, "\(bad)")
        }
        #expect(try ABIEncoder.encodeCall(signature: "f(int256)", arguments: ["-1e18"])
                == ABIEncoder.encodeCall(signature: "f(int256)", arguments: ["-1000000000000000000"]))
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.encodeCall(signature: "f(uint8)", arguments: ["1gwei"]) }
        // A number of 2^256 or more is too large, not malformed (review finding: 2^256 was
        // "not a whole number"); zero digits make 0 whatever the exponent.
        let twoTo256 = "115792089237316195423570985008687907853269984665640564039457584007913129639936"
        for big in [twoTo256, "0x1" + String(repeating: "0", count: 64), "1e78", "1e100ether", "12e77", "116e75"] {
            #expect(U256.parseAmount(big) == .tooLarge, "\(big)")
            for t in ["uint256", "int256"] {
                var message = "encoded"
                do { _ = try ABIEncoder.encodeCall(signature: "f(\(t))", arguments: [big]) } catch { message = "\(error)" }
                #expect(message.contains("does not fit \(t)"), "\(t) \(big): \(message)")
            }
        }
        #expect(U256.parseAmount("115e75") == .value(U256(decimal: "115" + String(repeating: "0", count: 75))!))
        #expect(U256.parseAmount("0x" + String(repeating: "0", count: 70) + "ff") == .value(U256(255)))
        #expect(U256.parseAmount("0e100") == .value(.zero) && U256.parseAmount("00.000ether") == .value(.zero))
        for bad in ["0.5wei", "abc", "1e-1000", "0xg1", "1.5", "1e", "1e+-3"] { #expect(U256.parseAmount(bad) == .malformed, "\(bad)") }
        // Exponents of any length (review finding: "1e1000" was malformed, "0e1000" too).
        #expect(U256.parseAmount("1e1000") == .tooLarge && U256.parseAmount("1e99999999999") == .tooLarge)
        #expect(U256.parseAmount("0e1000") == .value(.zero) && U256.parseAmount("1e0000000000000018") == .value(U256(decimal: "1000000000000000000")!))
        #expect(U256.parseAmount("100e-2") == .value(U256(1)) && U256(literal: "0x" + String(repeating: "0", count: 70) + "1") == U256(1))
    }

    /// Addresses typed by a person: mixed case must be the EIP-55 checksum (review finding: a
    /// wrong checksum was taken silently, where cast refuses it); one case skips the check.
    @Test func mixedCaseAddressesMustCarryTheirChecksum() throws {
        // EIP-55's own examples.
        for good in ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                     "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"] {
            let a = try #require(Address.parse(userText: good).address, "\(good)")
            #expect(a.checksummed == good)
            #expect(Address.parse(userText: good.lowercased()).address == a)
            #expect(Address.parse(userText: "0x" + good.dropFirst(2).uppercased()).address == a)
            #expect(Address.parse(userText: String(good.dropFirst(2))).address == a)  // no 0x
        }
        let typo = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"  // last letter's case flipped
        #expect(Address.parse(userText: typo).address == nil)
        #expect(Address.parse(userText: typo).problem?.contains("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") == true)
        #expect(Address.parse(userText: "0x1234").address == nil)
        #expect(throws: (any Error).self) { try ABIEncoder.encodeCall(signature: "f(address)", arguments: [typo]) }
    }

    @Test func encodesTheTokenCallsAsSolidityDoes() throws {
        let call = try ABIEncoder.encodeCall(
            signature: "transfer(address, uint)", arguments: ["0x00000000000000000000000000000000000000aa", "1000"])
        #expect(call == ABI.call(ABI.transfer, [ABI.word(Address(low: 0xaa)), ABI.word(1000)]))
        #expect(ABIEncoder.selector("balanceOf(address)") == [0x70, 0xa0, 0x82, 0x31])
        let dynamic = try ABIEncoder.encodeCall(signature: "f(uint8,string,bool)", arguments: ["255", "hi", "true"])
        // Checked before the slices below, which would trap on shorter data.
        try #require(dynamic.count == 4 + 32 * 3 + 32 + 32)
        #expect(Array(dynamic[4 + 32 ..< 4 + 64]) == ABI.word(96))  // offset of the string
        #expect(Array(dynamic[4 + 96 ..< 4 + 128]) == ABI.word(2))
        #expect(Array(dynamic[4 + 128 ..< 4 + 130]) == Array("hi".utf8))
        let negative = try ABIEncoder.encodeCall(signature: "f(int8)", arguments: ["-128"])
        #expect(Array(negative.dropFirst(4)) == Bytes(repeating: 0xff, count: 31) + [0x80])
    }

    /// Output types after the signature (cast's form) and strict decoding of call output.
    @Test func decodesOutputsAsCastDoes() throws {
        #expect(try ABIEncoder.splitSignature("balanceOf(address)(uint256)") == ("balanceOf(address)", ["uint256"]))
        #expect(try ABIEncoder.splitSignature("f()") == ("f()", nil))
        #expect(try ABIEncoder.splitSignature("f() ()") == ("f()", []))
        #expect(try ABIEncoder.splitSignature("f(uint)(uint,int)").outputs == ["uint256", "int256"])
        for bad in ["f", "f()(", "f()x", "f()(uint256))", "f()((uint256)", "f(uint256", "f(uint256,)", "f(()))", "f()()()"] {
            #expect(throws: ABIEncoder.Failure.self, "\(bad)") { try ABIEncoder.splitSignature(bad) }
        }
        // The call part encodes as before, whatever follows it.
        #expect(
            try ABIEncoder.encodeCall(signature: "balanceOf(address)(uint256)", arguments: ["0x" + String(repeating: "0", count: 38) + "aa"])
                == ABI.call(ABI.balanceOf, [ABI.word(Address(low: 0xaa))]))
        let out = ABI.word(950) + ABI.word(Address(low: 0xaa)) + ABI.word(1) + Bytes(repeating: 0xff, count: 31) + [0x80]
            + [0xca, 0xfe] + Bytes(repeating: 0, count: 30) + ABI.word(192) + ABI.word(2) + Array("hi".utf8)
            + Bytes(repeating: 0, count: 30)
        #expect(
            try ABIEncoder.decode(["uint256", "address", "bool", "int8", "bytes2", "string"], out)
                == ["950", Address(low: 0xaa).checksummed, "true", "-128", "0xcafe", "\"hi\""])
        // Addresses print with their EIP-55 checksum, as cast prints them.
        #expect(Address(low: 0xaa).checksummed == "0x00000000000000000000000000000000000000AA")
        #expect(try ABIEncoder.decode(["bytes"], ABI.word(32) + ABI.word(3) + [1, 2, 3]) == ["0x010203"])
        // Strings are escaped: a contract cannot print lines, terminal escapes or bidi
        // reorderings of its own; C1 controls print as \u{..}, so \xNN above 0x7f means a byte
        // of a string that is not UTF-8.
        let forged = Array("1\"\nreturns uint256: 999\u{1b}[31m\u{85}é\u{202e}\t\0".utf8)
        #expect(try ABIEncoder.decode(["string"], ABI.word(32) + ABI.word(UInt64(forged.count)) + forged
                                      + Bytes(repeating: 0, count: 64 - forged.count))
                == ["\"1\\\"\\nreturns uint256: 999\\x1b[31m\\u{85}é\\u{202e}\\t\\0\""])
        #expect(try ABIEncoder.decode(["string"], ABI.word(32) + ABI.word(2) + [0x61, 0x85] + Bytes(repeating: 0, count: 30))
                == ["\"a\\x85\""])
        #expect(try ABIEncoder.decode(["int256"], Bytes(repeating: 0xff, count: 32)) == ["-1"])
        #expect(try ABIEncoder.decode(["uint256"], Bytes(repeating: 0xff, count: 32))
            == ["115792089237316195423570985008687907853269984665640564039457584007913129639935"])
        #expect(U256(decimal: "12345678901234567890123456789")!.decimalString == "12345678901234567890123456789")
        #expect(U256(UInt64(10_000_000_000_000_000_000)).decimalString == "10000000000000000000" && U256.zero.decimalString == "0")
        // Values that do not fit their type, and offsets or lengths outside the data.
        let invalid: [([String], Bytes)] = [
            (["uint8"], ABI.word(256)), (["bool"], ABI.word(2)), (["address"], [1] + ABI.word(0).dropFirst()),
            (["int8"], ABI.word(128)), (["int8"], Bytes(repeating: 0xff, count: 31) + [0x7f]), (["bytes2"], [1, 2, 3] + Bytes(repeating: 0, count: 29)),
            (["uint256"], [1, 2, 3]), (["uint256", "uint256"], ABI.word(1)), (["string"], ABI.word(32) + ABI.word(5) + [0x61]),
            (["string"], ABI.word(1 << 40)),
            (["uint7"], ABI.word(1)), (["int+8"], ABI.word(1)), (["uint08"], ABI.word(1)), (["bytes01"], ABI.word(0)),
        ]
        // Types are checked on their own before a call is sent (eekit call refuses them first).
        for bad in [["uint256[0]"], ["int+8"], ["uint08"], ["bool", "tuple"], ["()"], ["(uint8"], ["uint8[01]"], ["uint8]"]] {
            #expect(throws: ABIEncoder.Failure.self, "\(bad)") { try ABIEncoder.checkTypes(bad) }
        }
        try ABIEncoder.checkTypes(["uint8", "int256", "address", "bool", "bytes32", "bytes", "string", "uint[]", "(bool,string)[2][]"])
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.encodeCall(signature: "f(uint08)", arguments: ["1"]) }
        for (types, data) in invalid {
            #expect(throws: ABIEncoder.Failure.self, "\(types) \(Hex.encode(data))") { try ABIEncoder.decode(types, data) }
        }
    }

    /// Arrays and tuples, nested, as the Solidity ABI specification encodes them: its own two
    /// examples (selectors 0x8be65246 and 0x2289b18c; expected bytes from eth-abi 6.0), and
    /// the text forms cast takes and prints. `Fuzz/abi_diff.py` compares random nested types
    /// with eth-abi.
    @Test func encodesAndDecodesArraysAndTuples() throws {
        let spec1 = try ABIEncoder.encodeCall(
            signature: "f(uint,uint32[],bytes10,bytes)", arguments: ["0x123", "[0x456, 0x789]", "0x31323334353637383930", "0x48656c6c6f2c20776f726c6421"])
        #expect(Hex.encode(spec1) == "8be65246" + "123".leftPadded + "80".leftPadded + "31323334353637383930".rightPadded
                + "e0".leftPadded + "2".leftPadded + "456".leftPadded + "789".leftPadded + "d".leftPadded
                + "48656c6c6f2c20776f726c6421".rightPadded)
        let spec2 = try ABIEncoder.encodeCall(signature: "g(uint256[][],string[])", arguments: ["[[1,2],[3]]", "[one, two, \"three\"]"])
        let words2 = ["40", "140", "2", "40", "a0", "2", "1", "2", "1", "3", "3", "60", "a0", "e0", "3"].map(\.leftPadded)
        #expect(Hex.encode(spec2) == "2289b18c" + words2.joined() + "6f6e65".rightPadded + "3".leftPadded + "74776f".rightPadded
                + "5".leftPadded + "7468726565".rightPadded)
        // Decoding gives the values back in cast's notation.
        #expect(try ABIEncoder.decode(["uint256[][]", "string[]"], Array(spec2.dropFirst(4)))
                == ["[[1, 2], [3]]", "[\"one\", \"two\", \"three\"]"])
        let tuple = try ABIEncoder.encodeCall(signature: "h((uint8,string)[2],bool)", arguments: ["[(1, \"a, b\"), (2,\"\\\"\")]", "true"])
        #expect(try ABIEncoder.decode(["(uint8,string)[2]", "bool"], Array(tuple.dropFirst(4)))
                == ["[(1, \"a, b\"), (2, \"\\\"\")]", "true"])
        #expect(try ABIEncoder.callParts("h((uint8, string)[2], bool)").canonical == "h((uint8,string)[2],bool)")
        #expect(try ABIEncoder.splitSignature("get()((address,uint)[])").outputs == ["(address,uint256)[]"])
        // Static arrays and tuples are inline: no offsets.
        #expect(try ABIEncoder.encodeCall(signature: "s(uint8[2],(bool,int8))", arguments: ["[1,2]", "(true,-1)"]).count == 4 + 4 * 32)
        for (sig, args) in [("f(uint8[2])", ["[1]"]), ("f((uint8,bool))", ["(1)"]), ("f(bool[])", ["[true,,]"]),
                            ("f(string[])", ["[\"abc]"]), ("f(string[])", ["[\"a\"b]"]), ("f(uint8[])", ["1,2"]),
                            ("f(uint8[])", ["[1,[2]]"]), ("f(uint8[][])", ["[[1],2]"]), ("f(uint8[])", ["[256]"])] {
            #expect(throws: ABIEncoder.Failure.self, "\(sig) \(args)") { try ABIEncoder.encodeCall(signature: sig, arguments: args) }
        }
        // Malformed encodings: lengths past the data, offsets out of range, a value that does
        // not fit its element type.
        let invalid: [([String], Bytes)] = [
            (["uint256[]"], ABI.word(32) + ABI.word(2) + ABI.word(1)), (["uint256[]"], ABI.word(1 << 40)),
            (["uint256[]"], ABI.word(32) + ABI.word(0x7fff_ffff)), (["uint8[2]"], ABI.word(1) + ABI.word(256)),
            (["(uint8,string)"], ABI.word(32) + ABI.word(1) + ABI.word(1 << 35)), (["bool[2]"], ABI.word(1)),
        ]
        for (types, data) in invalid {
            #expect(throws: ABIEncoder.Failure.self, "\(types) \(Hex.encode(data))") { try ABIEncoder.decode(types, data) }
        }
        // Offsets may share data (the decoder is not required to see a canonical encoding), so
        // the text is bounded (`maxDecodedValues`, 262,144): 2,000 arrays that all point at one
        // array of 2,000 elements are 4 million values from 128 KiB of output.
        var shared = ABI.word(32) + ABI.word(2000)
        shared += Array(repeating: ABI.word(32 * 2000), count: 2000).flatMap { $0 }
        shared += ABI.word(2000) + Bytes(repeating: 0, count: 32 * 2000)
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.decode(["uint256[][]"], shared) }
    }

    /// Review findings on the text forms: signatures as Solidity writes them, quoted and
    /// escaped strings read as Unicode scalars (a combining mark after a quote), printed values
    /// that read back to the same data, and decoding whose work is bounded by its output.
    @Test func signaturesAndStringsAsCastWritesThem() throws {
        let plain = try ABIEncoder.encodeCall(signature: "transfer(address,uint256)", arguments: [Address(low: 0xaa).hex, "5"])
        for sig in ["function transfer(address to, uint256 amount)", "transfer(address  to,uint amount) external",
                    "function transfer(address to, uint256 amount) public returns (bool)", " transfer ( address , uint256 ) "] {
            #expect(try ABIEncoder.encodeCall(signature: sig, arguments: [Address(low: 0xaa).hex, "5"]) == plain, "\(sig)")
        }
        #expect(try ABIEncoder.splitSignature("function balanceOf(address owner) external view returns (uint256)")
                == ("balanceOf(address)", ["uint256"]))
        #expect(try ABIEncoder.callParts("error InsufficientBalance(uint256 have, uint256 want)").canonical
                == "InsufficientBalance(uint256,uint256)")
        #expect(try ABIEncoder.callParts("f((uint256 a, bytes memory b)[] calldata xs)").canonical == "f((uint256,bytes)[])")
        #expect(try ABIEncoder.callParts("f(tuple(uint256,bool)[] a, tuple(string) b)").canonical == "f((uint256,bool)[],(string))")
        #expect(try ABIEncoder.callParts("event Transfer(address indexed from, address payable to, uint value)").canonical
                == "Transfer(address,address,uint256)")
        // Nesting counts arrays of tuples too.
        let tooDeep = String(repeating: "(", count: 20) + "uint8" + String(repeating: ")", count: 20) + String(repeating: "[]", count: 13)
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.checkTypes([tooDeep]) }
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.splitSignature("f(\(tooDeep))") }
        // A trailing comma, as cast takes it; an empty string inside must be written "".
        #expect(try ABIEncoder.encodeCall(signature: "f(uint8[])", arguments: ["[1, 2,]"])
                == ABIEncoder.encodeCall(signature: "f(uint8[])", arguments: ["[1,2]"]))
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.encodeCall(signature: "f(string[])", arguments: ["[a,,b]"]) }
        // A missing comma is an error, not a parameter name (second review: 'transfer(address
        // uint256)' hashed as transfer(address)); so are keywords without a name.
        for bad in ["f(bytes 32)", "f(uint256) returns", "f(uint256) whatever", "f(uint256 a b c)", "f(uint256 8x)", "fé(uint256)",
                    "transfer(address uint256)", "transfer(address uint256 amount)", "f(uint256 a b)", "function (uint256)",
                    "returns(uint256)", "f(bytes memory memory)", "f()(uint256 bool)"] {
            #expect(throws: ABIEncoder.Failure.self, "\(bad)") { try ABIEncoder.splitSignature(bad) }
        }
        // Strings: quoted at the top level too (as cast takes them), escapes read back, a
        // combining mark right after a quote stays in the string.
        func strings(_ arg: String) throws -> [String] {
            try ABIEncoder.decode(["string[]"], Array(try ABIEncoder.encodeCall(signature: "f(string[])", arguments: [arg]).dropFirst(4)), quoteStrings: false)
        }
        #expect(try strings("[\"\u{301}a,b\", '\u{301}c']") == ["[\"\u{301}a,b\", \"\u{301}c\"]"])
        #expect(try strings("[\"a\u{600}\", \"b\"]") == ["[\"a\u{600}\", \"b\"]"])
        #expect(try strings("[ 'it\\'s' ,\r\n \"\\0\\t\\x41\\u{1F600}\" ]") == ["[\"it's\", \"\\0\\tA\u{1F600}\"]"])
        let top = try ABIEncoder.encodeCall(signature: "f(string)", arguments: ["\"hi\\n\""])
        #expect(try ABIEncoder.decode(["string"], Array(top.dropFirst(4)), quoteStrings: false) == ["hi\n"])
        #expect(try ABIEncoder.encodeCall(signature: "f(string)", arguments: [" as is "])
                == (try ABIEncoder.encodeCall(signature: "f(string)", arguments: ["\" as is \""])))
        for bad in ["[\"C:\\path\"]", "[\"\\x+1\"]", "[\"\\u{+41}\"]", "[\"\\u{110000}\"]", "[\"a\"b]", "[\"\\\"]"] {
            #expect(throws: ABIEncoder.Failure.self, "\(bad)") { try strings(bad) }
        }
        // What decode prints reads back as the same values (canonical encodings).
        let tricky = ["q\"uote", "back\\slash", "[(,)]", "\u{301}x", "tab\tnul\0", "\u{85}\u{202e}\u{2028}\u{61c}", "'", ""]
        func encoded(_ t: String) -> Bytes {  // (string[] [t, t], (string, uint8) (t, 1)), by hand
            let body = Array(t.utf8)
            let str = ABI.word(UInt64(body.count)) + body + Bytes(repeating: 0, count: (32 - body.count % 32) % 32)
            let array = ABI.word(2) + ABI.word(64) + ABI.word(UInt64(64 + str.count)) + str + str
            let tuple = ABI.word(64) + ABI.word(1) + str
            return ABI.word(64) + ABI.word(UInt64(64 + array.count)) + array + tuple
        }
        #expect(try ABIEncoder.decode(["string"], ABI.word(32) + ABI.word(5) + Array("\u{61c}\u{200b}".utf8) + Bytes(repeating: 0, count: 27))
                == ["\"\\u{61c}\\u{200b}\""])
        // A string that is not UTF-8 prints its bytes as \xNN and reads back as those bytes.
        let raw: Bytes = [0x61, 0x80, 0xff]
        let rawData = ABI.word(32) + ABI.word(3) + raw + Bytes(repeating: 0, count: 29)
        let rawText = try ABIEncoder.decode(["string"], rawData)
        #expect(rawText == ["\"a\\x80\\xff\""])
        #expect(Array(try ABIEncoder.encodeCall(signature: "f(string)", arguments: rawText).dropFirst(4)) == rawData)
        for t in tricky {
            let printed = try ABIEncoder.decode(["string[]", "(string,uint8)"], encoded(t))
            let again = try ABIEncoder.encodeCall(signature: "f(string[],(string,uint8))", arguments: printed)
            #expect(Array(again.dropFirst(4)) == encoded(t), "\(t.unicodeScalars.map { $0.value }) printed as \(printed)")
        }
        // A wide static tuple nested deep as the element of T[][]: every inner array the same
        // empty one. Its type used to be walked again at every value (28 s for 4,096 values).
        let wide = "(" + Array(repeating: "uint8", count: 2000).joined(separator: ",") + ")"
        let deep = String(repeating: "(", count: 20) + wide + String(repeating: ")", count: 20) + "[][]"
        let n = 3000
        let data = ABI.word(32) + ABI.word(UInt64(n)) + Array(repeating: ABI.word(UInt64(32 * n)), count: n).flatMap { $0 } + ABI.word(0)
        #expect(try ABIEncoder.decode([deep], data) == ["[" + Array(repeating: "[]", count: n).joined(separator: ", ") + "]"])
    }

    /// Revert reasons as `eekit call` / `eekit evm run` print them: Error(string) and
    /// Panic(uint256), and nothing for other or malformed data.
    @Test func decodesStandardRevertReasons() throws {
        let sel = ABIEncoder.selector("Error(string)")
        func error(_ text: Bytes, offset: UInt64 = 32, length: UInt64? = nil) -> Bytes {
            sel + ABI.word(offset) + ABI.word(length ?? UInt64(text.count)) + text
                + Bytes(repeating: 0, count: (32 - text.count % 32) % 32)
        }
        #expect(sel == [0x08, 0xc3, 0x79, 0xa0])
        #expect(ABIEncoder.revertReason(error(Array("insufficient balance".utf8))) == "Error(\"insufficient balance\")")
        #expect(ABIEncoder.revertReason(error(Array("a\"b\\c\né".utf8) + [7])) == "Error(\"a\\\"b\\\\c\\né\\x07\")")
        #expect(ABIEncoder.revertReason(error([0x61, 0xff])) == "Error(\"a\\xff\")")
        #expect(ABIEncoder.revertReason(error([])) == "Error(\"\")")
        #expect(ABIEncoder.revertReason(error(Array("x".utf8), length: 33)) == nil)  // past the end
        #expect(ABIEncoder.revertReason(error(Array("x".utf8), offset: 1 << 40)) == nil)
        #expect(ABIEncoder.revertReason(error(Array("x".utf8), offset: UInt64.max)) == nil)
        #expect(ABIEncoder.revertReason(Array(error(Array("x".utf8)).prefix(40))) == nil)
        let panic = ABIEncoder.selector("Panic(uint256)")
        #expect(ABIEncoder.revertReason(panic + ABI.word(0x11)) == "Panic(0x11: arithmetic overflow or underflow)")
        #expect(ABIEncoder.revertReason(panic + ABI.word(0)) == "Panic(0x0: generic panic)")
        #expect(ABIEncoder.revertReason(panic + ABI.word(0x99)) == "Panic(0x99)")
        #expect(ABIEncoder.revertReason(panic + Bytes(repeating: 0xff, count: 32)) == "Panic(0x" + String(repeating: "f", count: 64) + ")")
        #expect(ABIEncoder.revertReason(panic + ABI.word(1) + [0]) == nil)
        #expect(ABIEncoder.revertReason(ABI.word(0xab)) == nil && ABIEncoder.revertReason([]) == nil)
        // Custom errors named by the caller (--error-sig), canonical types (uint = uint256).
        let custom = ABIEncoder.selector("InsufficientBalance(uint256,address)") + ABI.word(100) + ABI.word(bob)
        let errors = ["Other(uint256)", "InsufficientBalance(uint,address)"]
        #expect(ABIEncoder.revertReason(custom, errors: errors) == "InsufficientBalance(100, \(bob.checksummed))")
        #expect(ABIEncoder.revertReason(custom) == nil && ABIEncoder.revertReason(custom, errors: ["Other(uint256)"]) == nil)
        #expect(ABIEncoder.revertReason(Array(custom.prefix(40)), errors: errors) == "InsufficientBalance(arguments that do not decode)")
        #expect(ABIEncoder.revertReason(error(Array("e".utf8)), errors: errors) == "Error(\"e\")")
    }

    /// Logs decoded as events (--event-sig): indexed values from the topics, the others from
    /// the data, indexed reference types as their topic hash; nil for anything that does not
    /// match the event exactly.
    @Test func decodesEventsAsDeclared() throws {
        let topic = { (b: Bytes) in Bytes32(Bytes(repeating: 0, count: 32 - b.count) + b) }
        let transfer = "event Transfer(address indexed from, address indexed to, uint256 value)"
        let t0 = Keccak.hash(Array("Transfer(address,address,uint256)".utf8))
        #expect(t0.hex == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        let topics = [t0, topic(ContractSession.defaultSender.bytes), topic(bob.bytes)]
        #expect(try ABIEncoder.decodeEvent(signature: transfer, topics: topics, data: ABI.word(1000))
            == "Transfer(\(ContractSession.defaultSender.checksummed), \(bob.checksummed), 1000)")
        // The same types unnamed; the wrong count of indexed parameters or another event's
        // hash matches nothing, and neither does data that does not decode.
        #expect(try ABIEncoder.decodeEvent(signature: "Transfer(address indexed,address indexed,uint)", topics: topics, data: ABI.word(7))
            == "Transfer(\(ContractSession.defaultSender.checksummed), \(bob.checksummed), 7)")
        #expect(try ABIEncoder.decodeEvent(signature: "Transfer(address indexed,address,uint256)", topics: topics, data: ABI.word(1)) == nil)
        #expect(try ABIEncoder.decodeEvent(signature: "Approval(address indexed,address indexed,uint256)", topics: topics, data: ABI.word(1)) == nil)
        #expect(try ABIEncoder.decodeEvent(signature: transfer, topics: topics, data: []) == nil)
        #expect(try ABIEncoder.decodeEvent(signature: transfer, topics: [], data: ABI.word(1)) == nil)
        // An indexed string prints as its hash; a string and an array in the data decode.
        let note = "Note(string indexed tag, string text, uint8[] values, bool indexed flag)"
        let n0 = Keccak.hash(Array("Note(string,string,uint8[],bool)".utf8))
        let tagHash = Keccak.hash(Array("tag".utf8))
        let data = try ABIEncoder.encodeArguments(["string", "uint8[]"], ["hi, \"you\"", "[1, 2]"])
        #expect(try ABIEncoder.decodeEvent(signature: note, topics: [n0, tagHash, topic([1])], data: data)
            == "Note(\(tagHash.hex), \"hi, \\\"you\\\"\", [1, 2], true)")
        // A topic that is not a valid value of its type (a bool of 2) matches nothing.
        #expect(try ABIEncoder.decodeEvent(signature: note, topics: [n0, tagHash, topic([2])], data: data) == nil)
        // The first signature that matches decodes a log; malformed ones are errors when
        // given alone, and match nothing in a list.
        let log = Log(address: bob, topics: topics, data: ABI.word(5))
        #expect(ABIEncoder.decodeLog(log, events: ["Other(uint256)", "f(", transfer])?.hasSuffix(", 5)") == true)
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.decodeEvent(signature: "T(address indexed,", topics: [], data: []) }
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.decodeEvent(signature: "T(uint256)(bool)", topics: [], data: []) }
    }

    @Test(arguments: [
        ("f(uint8)", "256", "does not fit uint8"), ("f(int8)", "128", "does not fit int8"),
        ("f(int8)", "-129", "does not fit int8"), ("f(uint256)", "-1", "cannot be negative"),
        ("f(uint7)", "1", "unsupported ABI type uint7"), ("f(uint256[])", "1", "must be written [v1,v2,...]"),
        ("f(fixed128x18)", "1", "unsupported ABI type fixed128x18"), ("f(uint8[2])", "[1]", "takes 2 values, 1 given"),
        ("f(address)", "0x12", "not an address"), ("f(bytes4)", "0x1122334455", "not 4 hex bytes"),
        ("f(bool)", "yes", "not a bool"), ("f(uint256)", "12x", "not a whole number"), ("f(uint256", "1", "expected ',' or ')'"),
    ])
    func refusesMalformedArguments(signature: String, argument: String, expected: String) {
        #expect {
            try ABIEncoder.encodeCall(signature: signature, arguments: [argument])
        } throws: { error in
            "\(error)".contains(expected)
        }
    }
}

extension String {
    /// Hex digits as a 32-byte word: zeros before (numbers) or after (bytes).
    fileprivate var leftPadded: String { String(repeating: "0", count: 64 - count) + self }
    fileprivate var rightPadded: String { self + String(repeating: "0", count: 64 - count) }
}
