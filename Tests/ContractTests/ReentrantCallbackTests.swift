import Foundation
import Testing

@testable import EEKit

/// A review's re-entrancy audit (thirty-sixth session): user callbacks (a precompile hook, the
/// block-hash provider, step tracers, an ecall handler) that call back into the bootloader,
/// its world state, a running EE or a running machine. Each case used to change state
/// silently or trap; each is now refused with a typed error or a documented answer, and the
/// running transaction ends without any of its changes.
@Suite struct ReentrantCallbackTests {
    /// The opcodes these cases use (`Op` lives in the bootloader tests' target).
    enum Op {
        static let stop: UInt8 = 0x00, sstore: UInt8 = 0x55, mstore: UInt8 = 0x52, pop: UInt8 = 0x50
        static let gas: UInt8 = 0x5a, call: UInt8 = 0xf1, ret: UInt8 = 0xf3, revert: UInt8 = 0xfd
        static let push0: UInt8 = 0x5f, push1: UInt8 = 0x60, push2: UInt8 = 0x61
    }

    /// A hook that runs `body` on each call and succeeds with empty output.
    final class CallbackHook: SystemHook, @unchecked Sendable {
        let name = "callback"
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
        func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
            body()
            return .success([], gasUsed: 0)
        }
    }

    static let contract = Address(low: 0xc0de)
    static let hook = Address(low: 0x1234)

    /// SSTORE(0, 1); CALL(gas, hook, 0, 0, 0, 0, 0); POP; SSTORE(1, 2); then `end`.
    static func code(end: Bytes) -> Bytes {
        [Op.push1, 1, Op.push0, Op.sstore,
         Op.push0, Op.push0, Op.push0, Op.push0, Op.push0, Op.push2, 0x12, 0x34, Op.gas, Op.call, Op.pop,
         Op.push1, 2, Op.push1, 1, Op.sstore] + end
    }

    func session(end: Bytes, _ body: @escaping (ContractSession) -> Void) throws -> ContractSession {
        let s = ContractSession()
        try s.install(Self.code(end: end), kind: .evm, at: Self.contract)
        s.boot.hooks[Self.hook] = CallbackHook { [unowned s] in body(s) }
        return s
    }

    func expectViolation(_ s: ContractSession, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try s.call(Self.contract, data: [])
        } throws: { e in
            guard case .protocolViolation(let why) = e as? EEError else { return false }
            return why.contains(what)
        }
        #expect(s.world.storage(Self.contract, .zero) == .zero && s.world.storage(Self.contract, U256(1)) == .zero,
                sourceLocation: sourceLocation)
        #expect(!s.world.transactionIsOpen, sourceLocation: sourceLocation)
    }

    /// A second bootloader on the same world, started from inside a transaction, finished the
    /// running one's journal: a revert after it undid nothing (and a success lost its logs).
    @Test func aSecondBootloaderCannotStartATransactionInsideOne() throws {
        var inner: Result<Receipt, TransactionError>?
        var innerError: (any Error)?
        let s = try session(end: [Op.push0, Op.push0, Op.revert]) { s in
            let other = Bootloader(world: s.world, registry: .standard)
            let tx = Transaction(
                sender: ContractSession.defaultSender, nonce: U256(s.world.nonce(ContractSession.defaultSender)),
                gasLimit: U256(100_000), to: Address(low: 0xbeef), value: .zero, data: [], gasPrice: .zero)
            do { inner = try other.execute(tx) } catch { innerError = error }
        }
        expectViolation(s, "another bootloader runs a transaction on this world state")
        #expect(inner == nil && innerError != nil)
        // The next transaction runs as before (the world is not left open).
        s.boot.hooks[Self.hook] = CallbackHook {}
        let r = try s.call(Self.contract, data: [])
        #expect(r.status == .revert && s.world.storage(Self.contract, .zero) == .zero)
    }

    /// A commit from a hook wrote the running frames' state to the store, where a revert after
    /// it could not undo it; a discard dropped it under them. Both are refused and end the
    /// transaction; nothing reaches the store.
    @Test func commitAndDiscardAreRefusedWhileATransactionRuns() throws {
        let store = MemoryStore()
        for discard in [false, true] {
            var thrown: (any Error)?
            let s = ContractSession(store: store)
            try s.install(Self.code(end: [Op.push0, Op.push0, Op.revert]), kind: .evm, at: Self.contract)
            s.boot.hooks[Self.hook] = CallbackHook { [unowned s] in
                if discard {
                    s.world.discardUncommitted()
                } else {
                    do { try s.install([Op.stop], kind: .evm, at: Address(low: 0xabc)) } catch { thrown = error }
                }
            }
            expectViolation(s, discard ? "discardUncommitted() while a transaction runs" : "commit() while a transaction runs")
            if !discard { #expect(thrown != nil) }
            #expect(ContractSession(store: store).world.storage(Self.contract, .zero) == .zero)
            #expect(s.world.account(Self.contract) != nil)  // the discard dropped nothing
        }
    }

    /// The journal's own operations from a hook: `finishTransaction()` committed a reverted
    /// frame's storage, `beginTransaction()` cleared the journal, `revert(to:)` undid part of
    /// it under the running frames. Each is refused and ends the transaction.
    @Test func journalOperationsAreRefusedWhileATransactionRuns() throws {
        let cases: [(String, (WorldState) -> Void)] = [
            ("finishTransaction()", { _ = $0.finishTransaction() }), ("beginTransaction()", { $0.beginTransaction() }),
            ("revert(to:)", { $0.revert(to: 0) }),
            ("revertFrame(to:)", { $0.revertFrame(to: 0, callee: Self.contract, isTransactionFrame: false) }),
        ]
        for (what, op) in cases {
            let s = try session(end: [Op.push0, Op.push0, Op.revert]) { s in op(s.world) }
            expectViolation(s, "\(what) while a transaction runs")
        }
    }

    /// Caps changed from a hook used to make the next memory reservation trap on overflow.
    @Test func limitsCannotChangeWhileATransactionRuns() throws {
        let s = try session(end: [Op.push1, 0x20, Op.push2, 0x20, 0x00, Op.mstore, Op.stop]) { s in
            s.boot.limits.maxFrameMemory = Int.min
            s.boot.limits.maxTotalGuestMemory = Int.min
        }
        expectViolation(s, "ResourceLimits changed while a transaction runs")
        #expect(s.boot.limits == ResourceLimits())
        s.boot.limits.maxFrameMemory = 1 << 20  // between transactions it may change
        #expect(s.boot.limits.maxFrameMemory == 1 << 20)
    }

    /// The block cannot change mid-transaction either: a base fee changed between the gas
    /// purchase and the refund would pay the coinbase a tip nobody paid; a fork changed under
    /// a running frame would change its rules.
    @Test func theBlockCannotChangeWhileATransactionRuns() throws {
        for useFork in [false, true] {
            let s = try session(end: [Op.stop]) { s in
                if useFork { s.boot.useFork(.prague) } else { s.boot.block.baseFee = U256(1) }
            }
            expectViolation(s, useFork ? "useFork(Prague) while a transaction runs" : "the block context changed while a transaction runs")
            #expect(s.boot.block.fork == .cancun && s.boot.block.baseFee == .zero)
            s.boot.block.baseFee = U256(7)  // between transactions it may change
            #expect(s.boot.block.baseFee == U256(7))
        }
    }

    /// What a callback holding an EVM EE keeps: the transaction's first EVM EE (its top
    /// frame's), the bootloader, and the error its misuse got.
    final class Held: @unchecked Sendable { var ee: EVMEnvironment?; var boot: Bootloader?; var error: EEError? }

    /// The standard registry whose EVM EEs (with `tracer`) put the first one made in `held`.
    static func registry(keepingFirstEVMIn held: Held, tracer: EVMTracer? = nil) -> EERegistry {
        var registry = EERegistry.standard
        registry.register(EVMEnvironment.self, deposit: .evm) {
            let e = EVMEnvironment(tracer: tracer)
            if held.ee == nil { held.ee = e }
            return e
        }
        return registry
    }

    /// Calls the contract (which returns 0x11 from its own frame) and checks that its frame
    /// returned its own output and that `what`, a callback's start of the held EE, was refused.
    static func expectSecondStartRefused(
        _ s: ContractSession, _ held: Held, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let r = try s.call(Self.contract, data: [])
        #expect(r.status == .success && r.output == U256(0x11).bigEndianBytes, "\(r.status) \(Hex.encode(r.output))",
                sourceLocation: sourceLocation)
        guard case .internalError(let why)? = held.error else {
            Issue.record("\(what) was not refused: \(String(describing: held.error))", sourceLocation: sourceLocation)
            return
        }
        #expect(why.contains("started twice"), sourceLocation: sourceLocation)
    }

    /// A depth-1 frame of `code` at 0x09 with 2^20 ergs: what a callback starts a held EE on.
    static func launch(_ code: Bytes) -> LaunchParams {
        LaunchParams(
            resources: Resources(ergs: 1 << 20), code: Bytecode(kind: .evm, bytes: code, hash: Keccak.hash(code)),
            caller: .zero, callee: Address(low: 9), codeAddress: Address(low: 9), modifier: .none, calldata: [],
            value: .zero, depth: 1, isStatic: false)
    }

    /// Starting the running EVM frame's EE again (from a callback holding it) recycled the
    /// buffers its paused core used: the frame returned another frame's data.
    @Test func aRunningEVMFrameCannotBeStartedAgain() throws {
        let held = Held()
        let s = ContractSession(registry: Self.registry(keepingFirstEVMIn: held))
        // MSTORE(0, 0x11); BLOCKHASH(0); POP; RETURN(0, 32).
        try s.install([Op.push1, 0x11, Op.push0, Op.mstore, Op.push0, 0x40, Op.pop, Op.push1, 0x20, Op.push0, Op.ret],
                      kind: .evm, at: Self.contract)
        held.boot = s.boot
        s.boot.blockHashProvider = { _ in
            guard let ee = held.ee, let boot = held.boot else { return .zero }
            held.ee = nil
            do { _ = try ee.start(Self.launch([Op.stop]), host: boot) } catch { held.error = error as? EEError }
            return .zero
        }
        try Self.expectSecondStartRefused(s, held, "the second start")
    }

    /// A frame waiting for its call (the callee's hook holds the caller's EE) cannot be started
    /// again either: the frame then returned the other code's output (a review).
    @Test func aPausedEVMFrameCannotBeStartedAgain() throws {
        let held = Held()
        let s = ContractSession(registry: Self.registry(keepingFirstEVMIn: held))
        // MSTORE(0, 0x11); CALL(gas, hook, 0, 0, 0, 0, 0); POP; RETURN(0, 32).
        try s.install([Op.push1, 0x11, Op.push0, Op.mstore,
                       Op.push0, Op.push0, Op.push0, Op.push0, Op.push0, Op.push2, 0x12, 0x34, Op.gas, Op.call, Op.pop,
                       Op.push1, 0x20, Op.push0, Op.ret], kind: .evm, at: Self.contract)
        held.boot = s.boot
        s.boot.hooks[Self.hook] = CallbackHook {
            guard let ee = held.ee, let boot = held.boot else { return }
            held.ee = nil
            // MSTORE(0, 0x22); RETURN(0, 32).
            let code: Bytes = [Op.push1, 0x22, Op.push0, Op.mstore, Op.push1, 0x20, Op.push0, Op.ret]
            do { _ = try ee.start(Self.launch(code), host: boot) } catch { held.error = error as? EEError }
        }
        try Self.expectSecondStartRefused(s, held, "the paused frame's second start")
    }

    /// A step tracer holding the EVM EE could make nested calls in its name: it moved value
    /// out of a contract whose code is STOP.
    @Test func aTracerCannotCallInTheNameOfItsFrame() throws {
        let held = Held()
        let registry = Self.registry(keepingFirstEVMIn: held) { _ in
            guard let ee = held.ee, let boot = held.boot else { return }
            held.ee = nil
            do {
                _ = try boot.nestedCall(
                    CallRequest(target: Address(low: 0xbeef), modifier: .none, calldata: [], value: U256(1000),
                                resources: .zero), from: ee)
            } catch { held.error = error as? EEError }
        }
        let s = ContractSession(registry: registry)
        try s.install([Op.stop], kind: .evm, at: Self.contract)
        _ = s.world.addBalance(Self.contract, U256(5000))
        try s.world.commit()
        held.boot = s.boot
        #expect {
            try s.call(Self.contract, data: [])
        } throws: { e in
            guard case .protocolViolation(let why) = e as? EEError else { return false }
            return why.contains("whose calls preempt")
        }
        #expect(s.world.balance(Self.contract) == U256(5000) && s.world.balance(Address(low: 0xbeef)) == .zero)
        guard case .protocolViolation? = held.error else {
            Issue.record("the tracer's nested call was not refused: \(String(describing: held.error))")
            return
        }
    }

    /// What an ecall handler must not call on its running machine is refused instead of
    /// freeing the decoded code under the core (`setCodeRange` was a use after free).
    @Test func anEcallHandlerCannotReplaceTheRunningMachinesCode() throws {
        final class Handler: RISCVEcallHandler {
            var codeRangeError: EEError?
            var resetResult: Bool?
            let template: RISCVMachine
            init(_ template: RISCVMachine) { self.template = template }
            override func handleEcall(_ m: RISCVMachine) -> Bool {
                do { try m.setCodeRange(0, 0x1000) } catch { codeRangeError = error }
                resetResult = m.reset(from: template, copy: [], zero: [])
                return false
            }
        }
        // ecall; ebreak at 0x1000.
        let m = try RISCVMachine(memorySize: 1 << 16, xlen: 64, schedule: .default)
        let template = try RISCVMachine(memorySize: 1 << 16, xlen: 64, schedule: .default)
        #expect(m.load([0x73, 0, 0, 0, 0x73, 0, 0x10, 0], at: 0x1000))
        m.protect(0x1000, 0x2000, [.read, .execute])
        try m.setCodeRange(0x1000, 0x2000)
        m.pc = 0x1000
        m.budget = 1_000
        let h = Handler(template)
        m.setEcallHandler(h)
        #expect(m.run() == .ecall)
        #expect(h.resetResult == false)
        guard case .invalidConfiguration(let why)? = h.codeRangeError else {
            Issue.record("setCodeRange from the handler was not refused")
            return
        }
        #expect(why.contains("while the machine runs"))
        #expect(m.codeRange == 0x1000..<0x2000)
        m.setEcallHandler(nil)
    }
}
