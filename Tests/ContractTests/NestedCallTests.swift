import EEKit
import Foundation
import Testing

/// Nested calls (`EEHost.nestedCall` / `nestedDeployment`): the toy EE's operations 0x03-0x07
/// call and deploy while their frame waits on the native stack, as a WASM runtime whose imports
/// call back synchronously must (DESIGN, WASM). They mix with preempting EEs in one chain, keep
/// the depth limit, the static flag, the resource ceilings and the protocol's rules, and never
/// overflow the native stack.
@Suite struct NestedCallTests {
    let toy = Address(low: 0x70)
    let toy2 = Address(low: 0x71)
    let rvCaller = Address(low: 0x51)
    let rvCounter = Address(low: 0x53)
    let evmForwarder = Address(low: 0xe1)
    let evmReverter = Address(low: 0xe3)
    let evmCounter = Address(low: 0xe2)
    let increment: Bytes = [0xd0, 0x9d, 0xe0, 0x8a]

    func session() throws -> ContractSession {
        var registry = EERegistry.standard
        registry.register(ToyEE.self, deposit: .testEE) {
            ToyEE()
        }
        let s = ContractSession(registry: registry)
        try s.install(ToyEE.magic, kind: .wasm, at: toy)
        try s.install(ToyEE.magic, kind: .wasm, at: toy2)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: rvCaller)
        try s.install(try Fixtures.elf("counter.elf"), kind: .riscv, at: rvCounter)
        try s.install(EVMCode.forwarder, kind: .evm, at: evmForwarder)
        try s.install(EVMCode.reverter, kind: .evm, at: evmReverter)
        try s.install(EVMCode.counter, kind: .evm, at: evmCounter)
        return s
    }

    /// Calldata for caller.c.
    func via(_ mode: UInt8, _ target: Address, _ payload: Bytes = []) -> Bytes {
        [mode] + target.bytes + Bytes(repeating: 0, count: 8) + payload
    }

    /// A toy frame's nested call of `target` with `rest`.
    func nested(_ target: Address, _ rest: Bytes) -> Bytes { [3] + target.bytes + rest }

    @Test func nestedCallsRunAcrossEEs() throws {
        let s = try session()
        // Into native and EVM code: the same results as the preempting call (0x01).
        #expect(try s.call(toy, data: nested(rvCounter, increment)).output == U256(1).bigEndianBytes)
        #expect(try s.call(toy, data: [1] + rvCounter.bytes + increment).output == U256(2).bigEndianBytes)
        #expect(try s.call(toy, data: nested(evmCounter, [])).output == U256(1).bigEndianBytes)
        #expect(s.world.storage(evmCounter, .zero) == U256(1))
        let reverted = try s.call(toy, data: nested(evmReverter, []))
        #expect(reverted.status == .revert && reverted.output == U256(0xab).bigEndianBytes)
        // EVM -> toy (nested) -> RISC-V (preempting) -> toy (nested) -> toy: every kind of
        // frame in one chain, the nested ones waiting on the native stack in between.
        let chain = try s.call(
            evmForwarder, data: toy.bytes + nested(rvCaller, via(0, toy2, nested(toy, [0, 7, 8, 9]))))
        #expect(chain.status == .success)
        #expect(chain.output == [9, 8, 7])
        // Nested twice: toy -> toy2 -> EVM counter; a revert comes back through both.
        #expect(try s.call(toy, data: nested(toy2, nested(evmCounter, []))).output == U256(2).bigEndianBytes)
        let unknown = try s.call(toy, data: nested(toy2, [0x42]))
        #expect(unknown.status == .revert && unknown.output == Array("toy: unknown operation".utf8))
        // In a static frame (caller.c mode 1) the nested callee cannot write either.
        let st = try s.call(rvCaller, data: via(1, toy, nested(rvCounter, increment)))
        #expect(st.status == .revert)
        #expect(s.world.storage(rvCounter, .zero) == U256(2))
        // The trace shows the nested frames where the preempting ones would be.
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        _ = try s.call(toy, data: nested(toy2, nested(evmCounter, [])))
        let root = try #require(recorder.roots.first)
        #expect(root.children.count == 1 && root.children.first?.children.count == 1)
        #expect(root.children.first?.children.first?.end?.status == .success)
    }

    @Test func nestedDeploymentsCreateAccounts() throws {
        let s = try session()
        let nonce = s.world.nonce(toy)
        let r = try s.call(toy, data: [4] + ToyEE.magic + [5])
        #expect(r.status == .success)
        let created = Address(r.output)
        #expect(created == DeploymentAddress.create(deployer: toy, nonce: nonce))
        #expect(s.world.account(created)?.kind == .wasm && s.world.account(created)?.code == ToyEE.magic + [5])
        #expect(s.world.nonce(toy) == nonce + 1)
        #expect(try s.call(created, data: [0, 1, 2]).output == [2, 1])
        // Data the EE refuses fails the deployment (and so this toy frame).
        let bad = try s.call(toy, data: [4] + Array("NOPE".utf8))
        #expect(bad.status == .failure(.invalidCode("toy code starts with TOY1")))
    }

    /// 1024 nested frames (the depth limit) on a thread with a 1 MiB stack: the nested calls
    /// move to a thread with a large stack before this one runs out, and the 1025th call
    /// fails with the depth limit instead of overflowing anything.
    @Test func nestingReachesTheDepthLimitOnASmallStack() throws {
        let s = try session()
        let target = toy
        let chains = [1024, 1025].map { levels in  // the transaction's frame is depth 0
            var data: Bytes = [0, 42, 43]
            for _ in 0..<levels { data = [3] + target.bytes + data }
            return data
        }
        let box = Box(s)
        let results = LargeStack.run(size: 1 << 20) { () -> [String] in
            let s = box.value
            var out: [String] = []
            for data in chains {
                do {
                    let r = try s.call(target, data: data, gas: 20_000_000)
                    out.append("\(r.status) \(r.output)")
                } catch { out.append("error \(error)") }
            }
            return out
        }
        #expect(results == ["success [43, 42]", "failure(call depth exceeded) []"])
        #expect(s.boot.nestedStackMoves > 0)
        // The state is usable afterwards, on this thread too.
        #expect(try s.call(toy, data: nested(evmCounter, [])).output == U256(1).bigEndianBytes)
    }

    /// A reserve larger than the thread's stack moves the first nested call of each transaction
    /// to a large-stack thread, and the frames below it stay there; the results are the same.
    @Test func aLargeStackReserveMovesOncePerTransaction() throws {
        let s = try session()
        var data: Bytes = [0, 5, 6]
        for _ in 0..<100 { data = nested(toy, data) }
        let plain = try s.call(toy, data: data)
        #expect(plain.status == .success && plain.output == [6, 5])
        s.boot.limits.nestedCallStackReserve = .max  // counts as 64 MiB
        let moves = s.boot.nestedStackMoves
        let moved = try s.call(toy, data: data)
        #expect(moved.status == plain.status && moved.output == plain.output && moved.gasUsed == plain.gasUsed)
        #expect(s.boot.nestedStackMoves == moves + 1)
    }

    @Test func nestedCallsKeepTheProtocol() throws {
        let s = try session()
        func expectViolation(_ text: String, _ data: Bytes) {
            let nonce = s.world.nonce(ContractSession.defaultSender)
            #expect {
                try s.call(toy, data: data)
            } throws: { e in
                guard case .protocolViolation(let why) = e as? EEError else { return false }
                return why.contains(text)
            }
            #expect(s.world.nonce(ContractSession.defaultSender) == nonce)
            #expect(s.world.storage(evmCounter, .zero) == .zero)
        }
        // Passing more than the frame holds, or in the name of an EE that runs no frame.
        expectViolation("asked to pass", [6] + evmCounter.bytes)
        expectViolation("does not run the active frame", [7] + evmCounter.bytes)
        // An EE that swallows the error of its nested call (toy op 0x05) does not save the
        // transaction.
        expectViolation("asked to pass", [5] + toy2.bytes + [6] + evmCounter.bytes)
        // Outside a running frame nobody may call.
        #expect {
            try s.boot.nestedCall(
                CallRequest(target: evmCounter, modifier: .none, calldata: [], value: .zero, resources: Resources(ergs: 1 << 30)),
                from: ToyEE())
        } throws: { e in
            guard case .protocolViolation(let why) = e as? EEError else { return false }
            return why.contains("while no frame runs")
        }
        #expect(s.world.storage(evmCounter, .zero) == .zero)
        // Afterwards transactions run as before.
        #expect(try s.call(toy, data: nested(evmCounter, [])).output == U256(1).bigEndianBytes)
    }
}

private final class Box<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
