import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// An audit of EEKit's unsafe constructs (twenty-second session) found these crashes; each
/// scenario runs in a child process (exit test), so that a regression is a failed expectation,
/// not a dead test run. Before the fixes: SIGSEGV (a released ecall handler; a stale host
/// after the frame), SIGILL (an arithmetic-overflow trap: a kept image of another RISC-V
/// configuration) and SIGSEGV (a nested-call stack reserve of 0). The stress scenario found
/// nothing; it stays as a guard for the process-wide machine pools.
@Suite struct UnsafeAuditTests {
    static func must(_ ok: Bool, _ why: @autoclosure () -> String) {
        guard !ok else { return }
        Issue.record(Comment(rawValue: why()))
        exit(1)
    }

    // MARK: 1. RISCVMachine.setEcallHandler keeps an unretained reference (public API)

    final class CountingHandler: RISCVEcallHandler {
        var calls = 0
        override func handleEcall(_ machine: RISCVMachine) -> Bool {
            calls += 1
            machine[register: 10] = 7
            return calls < 1000
        }
    }

    static func machineWithEcallLoop() throws -> RISCVMachine {
        let m = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        // 0x1000: ecall; j 0x1000
        let code: [UInt32] = [0x0000_0073, RVAsm.jal(0, -4)]
        m.load(code.flatMap { TestELF.le32($0) }, at: 0x1000)
        m.protect(0x1000, 0x2000, [.read, .execute])
        try m.setCodeRange(0x1000, 0x2000)
        m.pc = 0x1000
        m.budget = 1 << 30
        return m
    }

    /// A library user sets a handler and lets it go (the machine's doc says "not retained:
    /// the owner clears it before it goes away"); the next `run` calls a freed object.
    static func releasedHandlerScenario() throws {
        let m = try machineWithEcallLoop()
        do {
            let h = CountingHandler()
            m.setEcallHandler(h)
        }
        // Reuse the freed block so the dangling pointer reads garbage.
        var junk: [UnsafeMutableRawPointer] = []
        for _ in 0..<10_000 {
            let p = malloc(48)!
            memset(p, 0x41, 48)
            junk.append(p)
        }
        let stop = m.run()
        // The machine kept the handler: its 1,000 calls ran, then it returned false.
        must(stop == .ecall, "run returned \(stop)")
        withExtendedLifetime(junk) {}
    }

    @Test func releasedEcallHandlerIsUsedAfterFree() async {
        await #expect(processExitsWith: .success) {
            do { try UnsafeAuditTests.releasedHandlerScenario() } catch { UnsafeAuditTests.must(false, "\(error)") }
        }
    }

    // MARK: 2. A RISC-V configuration change inside a transaction (kept image of another size)

    static let selfCaller = """
        #include "eekit.h"
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          /* Returns its stack pointer (where the frame's memory ends), or the callee's. */
          volatile uint64_t sp = (uint64_t)(uintptr_t)&sp;
          size_t n = eek_calldata_size();
          if (n > 0) {
            eek_address self;
            eek_self(&self);
            if (eek_call(EEK_CALL, &self, 0, 0, 0, EEK_GAS_ALL, 0) != EEK_SUCCESS) eek_revert(0, 0);
            eek_return_returndata();
          }
          uint64_t out = sp;
          eek_return(&out, 8);
        }
        """

    /// The bootloader keeps a transaction's images by (EE kind, code hash) only. A tracer (or a
    /// hook, or any code holding the bootloader) that registers a RISC-V EE with more memory
    /// mid-transaction makes the next frame of the same code take the kept 1 MiB image while
    /// configured for 4 MiB: `img.memorySize - c.memorySize` underflows (a trap).
    static func registrySwapScenario() throws {
        let elf = try Fixtures.contract(selfCaller)
        let s = ContractSession()
        let a = Address(low: 0x5afe)
        s.world.setAccount(a, Account(nonce: 1, balance: .zero, kind: .riscv, code: elf))
        var starts = 0
        let boot = s.boot
        boot.tracer = { ev in
            guard case .started = ev else { return }
            starts += 1
            if starts == 2 {
                var r = boot.registry
                var c = RISCVEnvironment.Configuration()
                c.memorySize = 4 << 20
                c.maxMemorySize = 64 << 20
                r.registerRISCV(c)
                boot.registry = r
            }
        }
        let r = try s.call(a, data: [1], gas: 5_000_000)
        must(r.status == .success && r.output.count == 8, "status \(r.status)")
        // The self-call ran with the 4 MiB EE registered before it started, on its own image:
        // its stack is near the top of 4 MiB, not of the first frame's 1 MiB.
        let sp = r.output.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        must(sp > 1 << 20 && sp < 4 << 20, "the self-call's stack pointer 0x\(String(sp, radix: 16))")
    }

    @Test func registrySwapMidTransactionDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            do { try UnsafeAuditTests.registrySwapScenario() } catch { UnsafeAuditTests.must(false, "threw \(error)") }
        }
    }
}

// MARK: 3. A custom EEHost that keeps code per the protocol, used by two RISC-V configurations

/// The least host that follows EEHost's documentation for `keep` / `keptObject` (by code
/// hash, for the transaction).
final class KeepingHost: EEHost {
    var block = BlockContext()
    var transaction = TransactionContext()
    var schedule = GasSchedule.default
    var kept: [Bytes32: AnyObject] = [:]
    var storageMap: [U256: U256] = [:]
    func balance(_ address: Address) -> U256 { .zero }
    func nonce(_ address: Address) -> UInt64 { 0 }
    func code(_ address: Address) -> Bytecode { Bytecode(kind: .none, bytes: [], hash: Keccak.empty) }
    func codeHash(_ address: Address) -> Bytes32 { .zero }
    func codeSize(_ address: Address) -> Int { 0 }
    func accountExists(_ address: Address) -> Bool { false }
    func isEmpty(_ address: Address) -> Bool { true }
    func accessAccount(_ address: Address) -> Bool { true }
    func storage(_ address: Address, _ key: U256) -> U256 { storageMap[key] ?? .zero }
    func originalStorage(_ address: Address, _ key: U256) -> U256 { .zero }
    func storageValues(_ address: Address, _ key: U256) -> (current: U256, original: U256) { (storage(address, key), .zero) }
    func accessStorageValues(_ address: Address, _ key: U256) -> (wasWarm: Bool, current: U256, original: U256) {
        (true, storage(address, key), .zero)
    }
    func setStorage(_ address: Address, _ key: U256, _ value: U256) { storageMap[key] = value }
    func accessStorage(_ address: Address, _ key: U256) -> Bool { true }
    func transientStorage(_ address: Address, _ key: U256) -> U256 { .zero }
    func setTransientStorage(_ address: Address, _ key: U256, _ value: U256) {}
    func emitLog(_ log: Log) {}
    func addRefund(_ gas: Int64) {}
    var refundCounter: Int64 { 0 }
    func selfDestruct(_ address: Address, beneficiary: Address) {}
    func blockHash(_ number: UInt64) -> Bytes32 { .zero }
    func keptObject(for code: Bytecode) -> AnyObject? { kept[code.hash] }
    func keep(_ object: AnyObject, for code: Bytecode, bytes: Int) -> String? {
        if kept[code.hash] == nil { kept[code.hash] = object }
        return nil
    }
}

extension UnsafeAuditTests {
    static func launch(_ elf: Bytes) -> LaunchParams {
        LaunchParams(
            resources: Resources(ergs: 1 << 40), code: Bytecode(kind: .riscv, bytes: elf, hash: Keccak.hash(elf)),
            caller: Address(low: 1), callee: Address(low: 2), codeAddress: Address(low: 2), modifier: .none,
            calldata: [], value: .zero, depth: 0, isStatic: false)
    }

    /// Two RISC-V EEs with different memory sizes run the same code for one host: the second
    /// takes the first's image from `keptObject` and its start traps (UInt64 underflow).
    static func customHostScenario() throws {
        let elf = try Fixtures.contract(selfCaller)
        let host = KeepingHost()
        let small = RISCVEnvironment()
        var big = RISCVEnvironment.Configuration()
        big.memorySize = 4 << 20
        let p1 = try small.start(launch(elf), host: host)
        let p2 = try RISCVEnvironment(configuration: big).start(launch(elf), host: host)
        // Each frame ran on an image of its own configuration: stacks near the top of 1 and
        // of 4 MiB.
        for (p, memory) in [(p1, UInt64(1) << 20), (p2, UInt64(4) << 20)] {
            guard case .completedExecution(let r, _) = p, r.status == .success, r.returndata.count == 8 else {
                return must(false, "\(p)")
            }
            let sp = r.returndata.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            must(sp > memory - (256 << 10) && sp < memory, "stack pointer 0x\(String(sp, radix: 16)) in \(memory >> 20) MiB")
        }
    }

    // MARK: 4. nestedCallStackReserve below what a nested level uses

    /// The reserve is clamped above (64 MiB) but not below: 0 never moves to a large stack, so
    /// a deep chain of nested calls overflows the thread's stack.
    static func zeroReserveScenario(reserve: Int = 0) throws {
        var registry = EERegistry.standard
        registry.register(ToyEE.self, deposit: .testEE) {
            ToyEE()
        }
        let s = ContractSession(registry: registry)
        let toy = Address(low: 0x70)
        try s.install(ToyEE.magic, kind: .wasm, at: toy)
        s.boot.limits.nestedCallStackReserve = reserve
        var data: Bytes = [0, 5, 6]
        for _ in 0..<1000 { data = [3] + toy.bytes + data }
        final class Box: @unchecked Sendable { let s: ContractSession; init(_ s: ContractSession) { self.s = s } }
        let box = Box(s)
        let chain = data
        let out = LargeStack.run(size: 1 << 20) { () -> String in
            do { return "\(try box.s.call(toy, data: chain, gas: 30_000_000).status)" } catch { return "error \(error)" }
        }
        must(out == "success" && s.boot.nestedStackMoves >= 1, "result: \(out), \(s.boot.nestedStackMoves) moves")
    }
}

@Suite struct UnsafeAuditMoreTests {
    @Test func customHostWithTwoRISCVConfigurationsDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            do { try UnsafeAuditTests.customHostScenario() } catch { UnsafeAuditTests.must(false, "threw \(error)") }
        }
    }
    @Test func zeroNestedCallStackReserveDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            do { try UnsafeAuditTests.zeroReserveScenario() } catch { UnsafeAuditTests.must(false, "threw \(error)") }
        }
    }
    /// Control: the same chain with the default reserve runs (moving to large stacks).
    @Test func defaultReserveControl() async {
        await #expect(processExitsWith: .success) {
            do { try UnsafeAuditTests.zeroReserveScenario(reserve: ResourceLimits().nestedCallStackReserve) } catch {
                UnsafeAuditTests.must(false, "threw \(error)")
            }
        }
    }
}

// MARK: 5. Stress: sessions on several threads, created and dropped, machines handed between
// images and threads, nested calls moved to large-stack workers.

extension UnsafeAuditTests {
    final class ELFs: @unchecked Sendable { let list: [Bytes]; init(_ l: [Bytes]) { list = l } }

    static func stressScenario(threads: Int, rounds: Int) throws {
        RISCVEnvironment.reuseOtherImagesMachinesFrom = 0
        let elfs = ELFs(try (1...6).map { try Fixtures.contract(HostWorkTests.source(pages: $0)) })
        final class Counter: @unchecked Sendable {
            let lock = NSLock(); var n = 0
            func add(_ k: Int = 1) { lock.lock(); n += k; lock.unlock() }
        }
        let failures = Counter(), calls = Counter()
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            let th = Thread {
                defer { group.leave() }
                for r in 0..<rounds {
                    var cfg = RISCVEnvironment.Configuration()
                    if (t + r) % 3 == 0 { cfg.stackSize = 128 << 10 }
                    if (t + r) % 4 == 0 { cfg.memorySize = 2 << 20 }
                    var registry = EERegistry.standard
                    registry.register(ToyEE.self, deposit: .testEE) {
                        ToyEE()
                    }
                    registry.registerRISCV(cfg)
                    let s = ContractSession(registry: registry)
                    s.boot.limits.nestedCallStackReserve = (t + r) % 2 == 0 ? .max : 256 << 10
                    let toy = Address(low: 0x70)
                    do {
                        try s.install(ToyEE.magic, kind: .wasm, at: toy)
                        for (i, elf) in elfs.list.enumerated() {
                            let a = Address(low: 0x1000 + UInt64(i))
                            s.world.setAccount(a, Account(nonce: 1, balance: .zero, kind: .riscv, code: elf))
                            let depth = UInt8((t * 7 + r * 3 + i) % 20)
                            let res = try s.call(a, data: [UInt8(i + 1), depth], gas: 30_000_000)
                            calls.add()
                            if res.status != .success { failures.add() }
                        }
                        var data: Bytes = [0, 5, 6]
                        for _ in 0..<(50 + (t * 13 + r) % 150) { data = [3] + toy.bytes + data }
                        let res = try s.call(toy, data: data, gas: 30_000_000)
                        if res.status != .success || res.output != [6, 5] { failures.add() }
                    } catch {
                        failures.add()
                    }
                }
            }
            th.stackSize = t % 2 == 0 ? 1 << 20 : 8 << 20
            th.start()
        }
        group.wait()
        let f = failures.n
        must(f == 0, "\(f) failed transactions")
        must(calls.n == threads * rounds * elfs.list.count, "\(calls.n) calls made")
    }
}


@Suite struct UnsafeAuditStressTests {
    @Test func sessionsOnThreadsStress() async {
        await #expect(processExitsWith: .success) {
            do { try UnsafeAuditTests.stressScenario(threads: 6, rounds: Int(ProcessInfo.processInfo.environment["AUDIT_ROUNDS"] ?? "10") ?? 10) } catch { UnsafeAuditTests.must(false, "\(error)") }
        }
    }
}

// MARK: 6. RISCVEnvironment.handleEcall (public) after the frame's host is gone

extension UnsafeAuditTests {
    /// `activeHost` / `activeBootloader` are never cleared when a frame ends; `handleEcall` is a
    /// public override, so a caller reaching it after the frame (a library user's own machine
    /// loop, a wrapper EE) serves the system call with the freed host.
    static func staleHostScenario() throws {
        let elf = try Fixtures.contract(selfCaller)
        let env = RISCVEnvironment()
        do {
            let host = KeepingHost()
            _ = try env.start(launch(elf), host: host)
        }
        let junk = refillFreedMemory()
        let m = try machineWithEcallLoop()
        m.protect(0x8000, 0x9000, [.read, .write])
        m[register: 17] = ContractSyscall.sload
        m[register: 10] = 0x8000
        m[register: 11] = 0x8020
        // Not the frame's machine, and no frame running: not handled (no host is used).
        must(!env.handleEcall(m), "handled with the ended frame's host")
        withExtendedLifetime(junk) {}
    }
}

extension UnsafeAuditTests {
    /// The other guard alone: a frame suspended at a call keeps its machine, so the machine
    /// check passes, and only the host cleared when `run` returned keeps `handleEcall` from
    /// using the freed host (the scenario above passes with either guard; this one needs the
    /// cleared host).
    /// 20,000 blocks of 0x41 the size of a freed host's, so that a use of the freed host reads
    /// garbage (and crashes) instead of its old contents; keep them alive to the end.
    static func refillFreedMemory() -> [UnsafeMutableRawPointer] {
        (0..<20_000).map { _ in
            let p = malloc(96)!
            memset(p, 0x41, 96)
            return p
        }
    }

    static func suspendedFrameScenario() throws {
        let elf = try Fixtures.contract(selfCaller)
        let env = RISCVEnvironment()
        do {
            let host = KeepingHost()
            var l = launch(elf)
            l.calldata = [1]  // calls itself: the frame waits for the call
            guard case .externalCallRequest = try env.start(l, host: host) else { return must(false, "no call request") }
        }
        let junk = refillFreedMemory()
        // The frame's own machine (private: read by reflection).
        let held = Mirror(reflecting: env).children.first { $0.label == "machine" }?.value as? RISCVMachine
        guard let m = held else { return must(false, "the suspended frame holds no machine") }
        let sp = m[register: 2]
        m[register: 17] = ContractSyscall.sload
        m[register: 10] = sp &- 64
        m[register: 11] = sp &- 32
        must(!env.handleEcall(m), "handled with the suspended frame's freed host")
        withExtendedLifetime(junk) {}
    }
}

@Suite struct UnsafeAuditStaleHostTests {
    @Test func handleEcallAfterTheFrameDoesNotUseAFreedHost() async {
        await #expect(processExitsWith: .success) {
            do { try UnsafeAuditTests.staleHostScenario() } catch { UnsafeAuditTests.must(false, "\(error)") }
        }
    }

    @Test func handleEcallOfASuspendedFrameDoesNotUseAFreedHost() async {
        await #expect(processExitsWith: .success) {
            do { try UnsafeAuditTests.suspendedFrameScenario() } catch { UnsafeAuditTests.must(false, "\(error)") }
        }
    }
}
