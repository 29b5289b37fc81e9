@testable import EEKit
import Foundation
import Testing

/// Nested calls against a scriptable EE (a review's adversarial cases, kept as regression
/// tests): nesting from places no frame runs (preparing a deployment, isModifierSupported, a
/// suspended or ended frame's EE), mixed with preemptions, constructors that nest, the journal,
/// out-of-gas callees, guest-memory marks, traces of aborted runs (every start has its end),
/// errors an EE swallows (the first error is the one thrown), a write from an EE's deinit, and
/// the native-stack bounds per thread.
///
/// ScriptEE's code is "SCRP" + [id]; the session's scripts map id -> behaviour.
enum Phase {
    case start(LaunchParams)
    case afterCall(CallResult, Resources)
    case afterDeployment(DeploymentResult, Resources)
}
typealias Script = (ScriptEE, Phase, any EEHost) throws -> Preemption

final class Scripts: @unchecked Sendable {
    var byID: [UInt8: Script] = [:]
}

final class ScriptEE: ExecutionEnvironment {
    static var kind: EEKind { .wasm }
    static let magic = Array("SCRP".utf8)
    static func code(_ id: UInt8) -> Bytes { magic + [id] }
    /// The standard registry with ScriptEE, running `scripts`, for `.wasm` code (the test EEs'
    /// deposit rules, `CodeDepositRules.testEE`).
    static func registry(_ scripts: Scripts) -> EERegistry {
        var registry = EERegistry.standard
        registry.register(ScriptEE.self, deposit: .testEE) { ScriptEE(scripts) }
        return registry
    }
    /// A preempting call request passing `give` ergs, taken out of this EE's budget.
    func callRequest(
        _ target: Address, _ data: Bytes = [], value: U256 = .zero, modifier: CallModifier = .none, give: UInt64
    ) -> Preemption {
        ergs -= give
        return .externalCallRequest(CallRequest(
            target: target, modifier: modifier, calldata: data, value: value, resources: Resources(ergs: give)))
    }
    nonisolated(unsafe) static var prepareHook: ((DeploymentRequest, any EEHost) -> Void)?
    nonisolated(unsafe) static var modifierHook: (() -> Void)?
    nonisolated(unsafe) static var log: [String] = []

    let scripts: Scripts
    var launch: LaunchParams!
    var ergs: UInt64 = 0
    var counter = 0
    var onDeinit: ((ScriptEE) -> Void)?
    var isStaticContext: Bool { launch?.isStatic ?? false }

    init(_ scripts: Scripts) { self.scripts = scripts }
    deinit { onDeinit?(self) }

    static func isModifierSupported(_ m: CallModifier) -> Bool {
        modifierHook?()
        return m != .callcode
    }

    static func prepareDeployment(_ r: DeploymentRequest, host: any EEHost) throws(EEError) -> PreparedDeployment {
        prepareHook?(r, host)
        return PreparedDeployment(
            address: DeploymentAddress.derive(r, host: host),
            constructor: Bytecode(kind: .wasm, bytes: r.initcode, hash: Keccak.hash(r.initcode)),
            constructorInput: [], resources: r.resources)
    }

    var left: Resources { Resources(ergs: ergs) }

    func finish(_ status: FrameStatus, _ output: Bytes = [], code: Bytes = [], extra: UInt64 = 0) -> Preemption {
        let rest = status.isFailure ? Resources.zero : Resources(ergs: ergs + extra)
        if launch.modifier == .constructor {
            return .completedDeployment(
                code: code, status: status, returndata: status == .revert ? output : [], resourcesLeft: rest)
        }
        return .completedExecution(CallResult(status: status, returndata: output), resourcesLeft: rest)
    }

    /// A nested call passing `give` (default: all it holds).
    func nest(_ host: any EEHost, _ target: Address, _ data: Bytes, give: UInt64? = nil, modifier: CallModifier = .none)
        throws(EEError) -> (CallResult, Resources)
    {
        let g = give ?? ergs
        ergs -= min(g, ergs)
        let (r, ret) = try host.nestedCall(
            CallRequest(target: target, modifier: modifier, calldata: data, value: .zero, resources: Resources(ergs: g)),
            from: self)
        ergs += ret.ergs
        return (r, ret)
    }

    func nestDeploy(_ host: any EEHost, _ initcode: Bytes, give: UInt64? = nil) throws(EEError) -> (DeploymentResult, Resources) {
        let g = give ?? ergs
        ergs -= min(g, ergs)
        let (r, ret) = try host.nestedDeployment(
            DeploymentRequest(
                deployer: launch.callee, initcode: initcode, value: .zero, scheme: .create, kind: .wasm,
                resources: Resources(ergs: g)),
            from: self)
        ergs += ret.ergs
        return (r, ret)
    }

    private func run(_ p: Phase, _ host: any EEHost) throws(EEError) -> Preemption {
        let id = launch.code.bytes.last ?? 0
        guard let s = scripts.byID[id] else { return finish(.revert, Array("no script".utf8)) }
        do { return try s(self, p, host) } catch let e as EEError { throw e } catch { throw .internalError("\(error)") }
    }

    func start(_ l: LaunchParams, host: any EEHost) throws(EEError) -> Preemption {
        launch = l
        ergs = l.resources.ergs
        if ergs < 1000 { return finish(.failure(.outOfResources)) }
        ergs -= 1000
        return try run(.start(l), host)
    }
    func continueAfterCall(_ r: CallResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        ergs += returned.ergs
        return try run(.afterCall(r, returned), host)
    }
    func continueAfterDeployment(_ r: DeploymentResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        ergs += returned.ergs
        return try run(.afterDeployment(r, returned), host)
    }
}

extension ScriptEE {
    /// Calldata [n_hi, n_lo]: a nested call to itself with n - 1, until 0 (returns [0]).
    static var selfChain: Script { { ee, p, host in
        let d = ee.launch.calldata
        let n = d.count >= 2 ? Int(d[0]) << 8 | Int(d[1]) : 0
        if n == 0 { return ee.finish(.success, [0]) }
        let (r, _) = try ee.nest(host, ee.launch.callee, [UInt8((n - 1) >> 8), UInt8((n - 1) & 0xff)])
        return ee.finish(r.status, r.returndata)
    } }
}

/// A call with no value and no calldata, passing `ergs`.
func plainCall(_ target: Address, ergs: UInt64) -> CallRequest {
    CallRequest(target: target, modifier: .none, calldata: [], value: .zero, resources: Resources(ergs: ergs))
}

final class Holder<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

@Suite(.serialized) struct NestedAdversarialTests {
    let a = Address(low: 0xa1)
    let b = Address(low: 0xa2)
    let c = Address(low: 0xa3)
    let toy = Address(low: 0x70)
    let evmCounter = Address(low: 0xe2)
    let evmReverter = Address(low: 0xe3)
    let evmLoop = Address(low: 0xe4)
    let rvCaller = Address(low: 0x51)
    let rvCounter = Address(low: 0x53)

    func session(_ scripts: Scripts) throws -> ContractSession {
        let s = ContractSession(registry: ScriptEE.registry(scripts))
        try s.install(EVMCode.counter, kind: .evm, at: evmCounter)
        try s.install(EVMCode.reverter, kind: .evm, at: evmReverter)
        try s.install(EVMCode.loop, kind: .evm, at: evmLoop)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: rvCaller)
        try s.install(try Fixtures.elf("counter.elf"), kind: .riscv, at: rvCounter)
        return s
    }

    /// Installs ScriptEE program `id` at each address (`[1: a, 2: b]`).
    func install(_ s: ContractSession, _ programs: [UInt8: Address]) throws {
        for (id, address) in programs { try s.install(ScriptEE.code(id), kind: .wasm, at: address) }
    }

    func outcome(_ body: () throws -> Receipt) -> String {
        do {
            let r = try body()
            return "ok \(r.status) \(Hex.encode(r.output))"
        } catch {
            return "error \(error)"
        }
    }

    func checkClean(_ s: ContractSession, _ where_: String) {
        #expect(s.boot.runningFrame == nil, "\(where_): runningFrame")
        #expect(!s.boot.active.isFrame, "\(where_): active")
        #expect(s.boot.guestMemoryInUse == 0, "\(where_): guestMemoryInUse")
        #expect(s.boot.guestMemoryMarks.isEmpty, "\(where_): marks")
        // After the next normal transaction nothing leaks.
        #expect((try? s.call(evmCounter, data: []))?.status == .success, "\(where_): next tx")
        #expect(s.boot.firstError == nil, "\(where_): firstError after next tx")
    }

    // MARK: deinit

    /// The top frame's EE writes in its deinit (after its frame ended): a protocol break.
    @Test func deinitWriteOfTopFrame() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, p, host in
            ee.onDeinit = { e in host.setStorage(e.launch.callee, .zero, U256(7)) }
            return ee.finish(.success)
        }
        scripts.byID[2] = { ee, p, host in
            let (r, _) = try ee.nest(host, Address(low: 0xa1), [])
            return ee.finish(r.status)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let nonce = s.world.nonce(ContractSession.defaultSender)
        let top = outcome { try s.call(a, data: []) }
        let nested = outcome { try s.call(b, data: []) }
        #expect(top.hasPrefix("error"), "top-frame deinit write accepted: \(top)")
        #expect(nested.hasPrefix("error"))
        // A thrown transaction leaves nothing behind, not even the sender's nonce.
        #expect(s.world.nonce(ContractSession.defaultSender) == nonce)
    }

    // MARK: swallowed errors

    /// A callee throws its own EEError; the caller swallows it and then writes its storage or
    /// makes another nested call: the transaction is abandoned, but with which error?
    @Test func swallowedErrorIsMasked() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, p, host in throw EEError.internalError("boom") }
        scripts.byID[2] = { ee, p, host in
            do { _ = try ee.nest(host, Address(low: 0xa1), []) } catch {}
            host.setStorage(ee.launch.callee, .zero, .one)
            return ee.finish(.success)
        }
        scripts.byID[3] = { ee, p, host in
            do { _ = try ee.nest(host, Address(low: 0xa1), [], give: 10_000) } catch {}
            _ = try ee.nest(host, Address(low: 0xe2), [], give: 100_000)
            return ee.finish(.success)
        }
        scripts.byID[4] = { ee, p, host in
            // Swallows and returns a preemption.
            do { _ = try ee.nest(host, Address(low: 0xa1), [], give: 10_000) } catch {}
            return .externalCallRequest(
                plainCall(Address(low: 0xe2), ergs: 100_000))
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b, 3: c, 4: Address(low: 0xa4)])
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        for (name, t) in [("write", b), ("renest", c), ("preempt", Address(low: 0xa4))] {
            let nonce = s.world.nonce(ContractSession.defaultSender)
            let o = outcome { try s.call(t, data: []) }
            #expect(o.contains("boom"), "\(name): root cause masked: \(o)")
            #expect(s.world.nonce(ContractSession.defaultSender) == nonce)
            #expect(s.world.storage(b, .zero) == .zero)
            checkTrace(recorder, name)
            recorder.reset()
            checkClean(s, "swallow \(name)")
            recorder.reset()
        }
    }

    func checkTrace(_ recorder: CallTraceRecorder, _ name: String) {
        func walk(_ n: CallTraceNode, _ depth: Int) {
            #expect(n.start.depth == depth, "\(name): start depth")
            #expect(n.end != nil, "\(name): a start without end at depth \(depth)")
            #expect(n.end?.depth == depth, "\(name): end depth \(String(describing: n.end?.depth)) for \(depth)")
            for c in n.children { walk(c, depth + 1) }
        }
        #expect(recorder.roots.count == 1, "\(name): roots \(recorder.roots.count)")
        for r in recorder.roots { walk(r, 0) }
    }

    // MARK: preparing, isModifierSupported, factory

    @Test func nestingFromPrepareDeployment() throws {
        let scripts = Scripts()
        // Deploys with a nested deployment (1) or a preempting one (2).
        scripts.byID[1] = { ee, p, host in
            let (r, _) = try ee.nestDeploy(host, ScriptEE.code(9))
            return ee.finish(r.status, r.address?.bytes ?? [])
        }
        scripts.byID[2] = { ee, p, host in
            switch p {
            case .start:
                return .deploymentRequest(DeploymentRequest(
                    deployer: ee.launch.callee, initcode: ScriptEE.code(9), value: .zero, scheme: .create, kind: .wasm,
                    resources: Resources(ergs: ee.ergs / 2)))
            case .afterDeployment(let r, _): return ee.finish(r.status)
            default: return ee.finish(.revert)
            }
        }
        scripts.byID[9] = { ee, p, host in ee.finish(.success, code: ScriptEE.code(0)) }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let counter = evmCounter
        defer { ScriptEE.prepareHook = nil }
        // The hook nests a call to the EVM counter with some EE instance and swallows the error.
        ScriptEE.prepareHook = { r, host in
            _ = try? host.nestedCall(
                plainCall(counter, ergs: 1 << 20),
                from: ScriptEE(scripts))
        }
        for (name, t) in [("nested deploy", a), ("preempting deploy", b)] {
            let o = outcome { try s.call(t, data: []) }
            #expect(o.contains("protocol violation"), "\(name): \(o)")
            #expect(s.world.storage(evmCounter, .zero) == .zero)
        }
        let o = outcome { try s.deploy(ScriptEE.code(9), kind: .wasm) }
        #expect(o.contains("protocol violation"))
        ScriptEE.prepareHook = nil
        checkClean(s, "prepare")
    }

    @Test func nestingFromIsModifierSupportedAndFactory() throws {
        let scripts = Scripts()
        let bootBox = Holder<Bootloader?>(nil)
        let counter = evmCounter
        scripts.byID[1] = { ee, p, host in ee.finish(.success) }
        scripts.byID[2] = { ee, p, host in
            let (r, _) = try ee.nest(host, Address(low: 0xa1), [])
            return ee.finish(r.status)
        }
        let s = try session(scripts)
        bootBox.value = s.boot
        try install(s, [1: a, 2: b])
        defer { ScriptEE.modifierHook = nil }
        ScriptEE.modifierHook = {
            _ = try? bootBox.value?.nestedCall(
                plainCall(counter, ergs: 1 << 20),
                from: ScriptEE(scripts))
        }
        let o1 = outcome { try s.call(b, data: []) }
        #expect(o1.contains("protocol violation"))
        let o1b = outcome { try s.call(a, data: []) }
        #expect(o1b.contains("protocol violation"))
        ScriptEE.modifierHook = nil
        #expect(s.world.storage(evmCounter, .zero) == .zero)
        checkClean(s, "modifier")
    }

    // MARK: mixing

    /// Nested call inside continueAfterCall, then a preemption after a nested call, with ceilings.
    @Test func mixingNestedAndPreempting() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, p, host in
            switch p {
            case .start:
                ee.counter = 1
                let (r1, _) = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
                guard r1.status == .success else { return ee.finish(.revert, Array("r1".utf8)) }
                let give = ee.ergs / 2
                ee.ergs -= give
                return .externalCallRequest(
                    plainCall(Address(low: 0xe2), ergs: give))
            case .afterCall(let r, _):
                guard r.status == .success else { return ee.finish(.revert, Array("r2".utf8)) }
                if ee.counter == 1 {
                    ee.counter = 2
                    let (r3, _) = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
                    guard r3.status == .success else { return ee.finish(.revert, Array("r3".utf8)) }
                    let give = ee.ergs / 2
                    ee.ergs -= give
                    return .externalCallRequest(
                        plainCall(Address(low: 0xe2), ergs: give))
                }
                // Ends with exactly what it holds.
                return ee.finish(.success, r.returndata)
            default: return ee.finish(.revert)
            }
        }
        // Ends claiming one erg more than it holds after nested calls.
        scripts.byID[2] = { ee, p, host in
            _ = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
            _ = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
            return ee.finish(.success, extra: 1001)
        }
        // Passes exactly what the ceiling holds after two nested calls, then one more.
        scripts.byID[3] = { ee, p, host in
            _ = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
            _ = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
            // the frame's ceiling is ee.ergs + 1000 (the EE charged itself 1000)
            _ = try ee.nest(host, Address(low: 0xe2), [], give: ee.ergs + 1000 + 1)
            return ee.finish(.success)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b, 3: c])
        let r = try s.call(a, data: [])
        #expect(r.status == .success)
        #expect(r.output == U256(4).bigEndianBytes)
        #expect(s.world.storage(evmCounter, .zero) == U256(4))
        let o2 = outcome { try s.call(b, data: []) }
        #expect(o2.contains("returned"))
        let o3 = outcome { try s.call(c, data: []) }
        #expect(o3.contains("asked to pass"))
        #expect(s.world.storage(evmCounter, .zero) == U256(4))
        checkClean(s, "mix")
    }

    // MARK: constructors

    @Test func constructorsThatNest() throws {
        let scripts = Scripts()
        // Constructor (id 5): nested call to the EVM counter, then nested deploy of id 6.
        scripts.byID[5] = { ee, p, host in
            let (r, _) = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
            guard r.status == .success else { return ee.finish(.revert, Array("c1".utf8)) }
            let (d, _) = try ee.nestDeploy(host, ScriptEE.code(6), give: 1 << 26)
            guard d.status == .success, let addr = d.address else { return ee.finish(.revert, Array("c2".utf8)) }
            host.setStorage(ee.launch.callee, .zero, U256(bigEndian: Bytes(repeating: 0, count: 12) + addr.bytes))
            return ee.finish(.success, code: ScriptEE.code(7))
        }
        scripts.byID[6] = { ee, p, host in
            host.setStorage(ee.launch.callee, .one, U256(66))
            return ee.finish(.success, code: ScriptEE.code(7))
        }
        // Constructor that nests and then reverts: everything undone.
        scripts.byID[8] = { ee, p, host in
            _ = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
            _ = try ee.nestDeploy(host, ScriptEE.code(6), give: 1 << 26)
            return ee.finish(.revert, [1, 2])
        }
        scripts.byID[7] = { ee, p, host in ee.finish(.success, [7]) }
        scripts.byID[1] = { ee, p, host in
            let (d, _) = try ee.nestDeploy(host, ScriptEE.code(ee.launch.calldata.first ?? 5))
            return ee.finish(d.status, d.address?.bytes ?? d.returndata)
        }
        let s = try session(scripts)
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        let n0 = s.world.nonce(a)
        let r = try s.call(a, data: [5])
        try #require(r.status == .success && r.output.count == 20)
        let created = Address(r.output)
        #expect(created == DeploymentAddress.create(deployer: a, nonce: n0))
        let inner = DeploymentAddress.create(deployer: created, nonce: 1)
        #expect(s.world.storage(created, .zero) == U256(bigEndian: Bytes(repeating: 0, count: 12) + inner.bytes))
        #expect(s.world.storage(inner, .one) == U256(66))
        #expect(s.world.nonce(created) == 2)
        #expect(s.world.account(inner)?.code == ScriptEE.code(7))
        #expect(s.world.storage(evmCounter, .zero) == U256(1))
        #expect(try s.call(created, data: []).output == [7])
        // Reverting constructor.
        let n1 = s.world.nonce(a)
        let r2 = try s.call(a, data: [8])
        #expect(r2.status == .revert && r2.output == [1, 2])
        // a passes the revert on, so its own CREATE nonce bump is undone with its frame (as an
        // EVM contract's CREATE is when the contract then reverts).
        #expect(s.world.nonce(a) == n1)
        let would = DeploymentAddress.create(deployer: a, nonce: n1)
        #expect(s.world.account(would) == nil)
        #expect(s.world.storage(evmCounter, .zero) == U256(1))
        // As a transaction's deployment.
        let d = try s.deploy(ScriptEE.code(5), kind: .wasm)
        #expect(d.status == .success)
        #expect(s.world.storage(evmCounter, .zero) == U256(2))
        checkClean(s, "ctor")
    }

    // MARK: revert / journal

    @Test func journalAcrossNesting() throws {
        let scripts = Scripts()
        // b: writes slot 1 = 5, then reverts / fails / succeeds per calldata.
        scripts.byID[2] = { ee, p, host in
            host.setStorage(ee.launch.callee, .one, U256(5))
            switch ee.launch.calldata.first {
            case 1: return ee.finish(.revert, [0xbb])
            case 2: return ee.finish(.failure(.trap("x")))
            default: return ee.finish(.success)
            }
        }
        // a: writes slot 0 = 1, nested-calls b with calldata[0], then EVM counter, writes slot 2.
        // calldata[1] == 1: a reverts at the end.
        scripts.byID[1] = { ee, p, host in
            host.setStorage(ee.launch.callee, .zero, .one)
            let mode = ee.launch.calldata.first ?? 0
            let (r, ret) = try ee.nest(host, Address(low: 0xa2), [mode], give: 1 << 20)
            _ = try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26)
            host.setStorage(ee.launch.callee, U256(2), U256(2))
            let tag: UInt8 = r.status == .success ? 0 : r.status == .revert ? 1 : 2
            let out: Bytes = [tag, ret.ergs == 0 ? 0 : 1] + r.returndata
            return ee.finish(ee.launch.calldata.count > 1 && ee.launch.calldata[1] == 1 ? .revert : .success, out)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        for mode: UInt8 in [0, 1, 2] {
            let before = s.world.storage(evmCounter, .zero)
            let r = try s.call(a, data: [mode])
            #expect(r.status == .success)
            #expect(r.output.first == mode)
            #expect(r.output.dropFirst().first == (mode == 2 ? 0 : 1), "failure drops resources, others return some")
            #expect(s.world.storage(a, .zero) == .one)
            #expect(s.world.storage(a, U256(2)) == U256(2))
            #expect(s.world.storage(b, .one) == (mode == 0 ? U256(5) : .zero))
            #expect(s.world.storage(evmCounter, .zero) == before &+ .one)
            // reset
            s.world.setStorage(b, .one, .zero)
            s.world.setStorage(a, .zero, .zero)
            s.world.setStorage(a, U256(2), .zero)
            try s.world.commit()
        }
        // a reverts: everything it did, including its nested callees, is undone.
        let before = s.world.storage(evmCounter, .zero)
        let r = try s.call(a, data: [0, 1])
        #expect(r.status == .revert)
        #expect(s.world.storage(a, .zero) == .zero)
        #expect(s.world.storage(b, .one) == .zero)
        #expect(s.world.storage(evmCounter, .zero) == before)
        checkClean(s, "journal")
    }

    // MARK: out of gas

    @Test func outOfGasInNestedCallee() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, p, host in
            let (r, ret) = try ee.nest(host, Address(low: 0xe4), [], give: 256 * 5000)
            let (r2, ret2) = try ee.nest(host, Address(low: 0xa2), [], give: 500)  // script b: < 1000 ergs
            return ee.finish(.success, [r.status == .failure(.outOfResources) ? 1 : 0, ret.ergs == 0 ? 1 : 0,
                                        r2.status == .failure(.outOfResources) ? 1 : 0, ret2.ergs == 0 ? 1 : 0])
        }
        scripts.byID[2] = { ee, p, host in ee.finish(.success) }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1, 1, 1])
        checkClean(s, "oog")
    }

    // MARK: guest memory

    @Test func guestMemoryMarksAcrossNesting() throws {
        let scripts = Scripts()
        let seen = Holder<[Int]>([])
        scripts.byID[2] = { ee, p, host in
            let boot = host as! Bootloader
            seen.value.append(boot.guestMemoryInUse)  // at callee start
            if let why = host.reserveGuestMemory(2000) { return ee.finish(.failure(.limitExceeded(why))) }
            seen.value.append(boot.guestMemoryInUse)
            if ee.launch.calldata.first == 1 {
                _ = try ee.nest(host, Address(low: 0xa2), [0], give: 1 << 20)
                seen.value.append(boot.guestMemoryInUse)
            }
            return ee.finish(.success)
        }
        scripts.byID[1] = { ee, p, host in
            let boot = host as! Bootloader
            _ = host.reserveGuestMemory(1000)
            _ = try ee.nest(host, Address(low: 0xa2), [1], give: 1 << 26)
            seen.value.append(boot.guestMemoryInUse)
            // The frame's own use is 1000: 255 MiB - 1000 more fits, +1 does not.
            let ok = host.reserveGuestMemory(boot.limits.maxFrameMemory - 1000)
            let no = host.reserveGuestMemory(1)
            return ee.finish(.success, [ok == nil ? 1 : 0, no != nil ? 1 : 0])
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1])
        // Each callee's one byte of calldata counts toward the total while it lives, not
        // toward its own frame's cap; the empty returndata adds nothing.
        #expect(seen.value == [1001, 3001, 3002, 5002, 3001, 1000])
        checkClean(s, "mem")
    }

    /// A live frame's calldata and the returndata of its last call count toward
    /// `maxTotalGuestMemory` (a review: chains of frames holding 16 MiB of returndata or 240 MiB
    /// of calldata each took 4.3-4.5 GB of host memory with the cap at 2 GiB); calldata that
    /// does not fit fails the call before its frame starts, and the caller continues.
    @Test func calldataAndReturndataCountTowardTheTotal() throws {
        let scripts = Scripts()
        let seen = Holder<[Int]>([])
        scripts.byID[2] = { ee, p, host in
            seen.value.append((host as! Bootloader).guestMemoryInUse)  // its calldata, held
            return ee.finish(.success, Bytes(repeating: 7, count: ee.launch.calldata.count == 5000 ? 40 : 10))
        }
        scripts.byID[1] = { ee, p, host in
            let boot = host as! Bootloader
            let (first, _) = try ee.nest(host, Address(low: 0xa2), Bytes(repeating: 1, count: 5000), give: 1 << 20)
            seen.value.append(boot.guestMemoryInUse)  // the 40 bytes it returned, held
            let (second, _) = try ee.nest(host, Address(low: 0xa2), [], give: 1 << 20)
            seen.value.append(boot.guestMemoryInUse)  // replaced by the next call's 10
            // 10 held + 5,041 > 5,050 (limits cannot change while the transaction runs).
            let (refused, left) = try ee.nest(host, Address(low: 0xa2), Bytes(repeating: 1, count: 5041), give: 1 << 20)
            seen.value.append(boot.guestMemoryInUse)
            let limited: Bool
            if case .failure(.limitExceeded(let why)) = refused.status { limited = why.contains("bytes of calldata") } else { limited = false }
            return ee.finish(.success, [first.status == .success ? 1 : 0, second.status == .success ? 1 : 0,
                                        limited ? 1 : 0, left.ergs == 0 ? 1 : 0])
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        s.boot.limits.maxTotalGuestMemory = 5050
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1, 1, 1], "\(r.status) \(r.output)")
        #expect(seen.value == [5000, 40, 40, 10, 0], "\(seen.value)")  // a failed call returns nothing
        checkClean(s, "held")
    }

    // MARK: suspended / ended frames' EEs

    @Test func foreignEEsCannotNest() throws {
        let scripts = Scripts()
        let saved = Holder<ScriptEE?>(nil)
        // a: keeps itself, preempting-calls b.
        scripts.byID[1] = { ee, p, host in
            switch p {
            case .start:
                saved.value = ee
                let give = ee.ergs / 2
                ee.ergs -= give
                return .externalCallRequest(
                    plainCall(Address(low: 0xa2), ergs: give))
            default:
                return ee.finish(.success)
            }
        }
        // b: nests in the name of the suspended a.
        scripts.byID[2] = { ee, p, host in
            guard let a = saved.value else { return ee.finish(.revert) }
            do {
                _ = try host.nestedCall(
                    plainCall(Address(low: 0xe2), ergs: 1 << 20),
                    from: a)
            } catch {}
            return ee.finish(.success)
        }
        // c: nests to d (which saves itself and ends), then nests in the name of ended d.
        scripts.byID[3] = { ee, p, host in
            _ = try ee.nest(host, Address(low: 0xa4), [], give: 1 << 20)
            guard let d = saved.value else { return ee.finish(.revert) }
            do {
                _ = try host.nestedCall(
                    plainCall(Address(low: 0xe2), ergs: 1 << 20),
                    from: d)
            } catch {}
            return ee.finish(.success)
        }
        scripts.byID[4] = { ee, p, host in
            saved.value = ee
            return ee.finish(.success)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b, 3: c, 4: Address(low: 0xa4)])
        let o1 = outcome { try s.call(a, data: []) }
        #expect(o1.contains("does not run the active frame"))
        saved.value = nil
        let o2 = outcome { try s.call(c, data: []) }
        #expect(o2.contains("does not run the active frame"))
        saved.value = nil
        #expect(s.world.storage(evmCounter, .zero) == .zero)
        checkClean(s, "foreign")
    }

    // MARK: tracing of aborted runs

    @Test func traceOfAbortedRuns() throws {
        let scripts = Scripts()
        // Ends with more ergs than it holds (checkEnd violation), as a nested callee of a.
        scripts.byID[2] = { ee, p, host in ee.finish(.success, extra: 1 << 40) }
        scripts.byID[1] = { ee, p, host in
            _ = try ee.nest(host, Address(low: 0xa2), [], give: 1 << 20)
            return ee.finish(.success)
        }
        // Constructor ending with completedExecution, nested-deployed by c.
        scripts.byID[5] = { ee, p, host in
            .completedExecution(CallResult(status: .success, returndata: []), resourcesLeft: .zero)
        }
        scripts.byID[3] = { ee, p, host in
            _ = try ee.nestDeploy(host, ScriptEE.code(5), give: 1 << 20)
            return ee.finish(.success)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b, 3: c])
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        for (name, t) in [("top ends with too much", b), ("nested ends with too much", a), ("nested ctor wrong end", c)] {
            recorder.reset()
            let o = outcome { try s.call(t, data: []) }
            #expect(o.contains("protocol violation"))
            checkTrace(recorder, name)
        }
        recorder.reset()
        checkClean(s, "trace")
    }

    // MARK: native stack cache across threads

    /// Deep nesting on a small-stack thread after the same bootloader ran a nested call on a
    /// (since ended) thread with a large stack.
    @Test func nativeStackCacheIsPerThread() throws {
        let scripts = Scripts()
        // Nested self-chain: calldata [n]: nest to self with [n-1] until 0.
        scripts.byID[1] = { ee, p, host in
            let n = ee.launch.calldata.first ?? 0
            if n == 0 { return ee.finish(.success, [0]) }
            // 2 bytes count
            let (r, _) = try ee.nest(host, ee.launch.callee, [n - 1])
            return ee.finish(r.status, r.returndata)
        }
        scripts.byID[2] = ScriptEE.selfChain
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let box = Holder(s)
        // 1: on a 256 MiB thread, one nested call caches that thread's stack.
        let first = LargeStack.run(size: 256 << 20) { () -> String in
            let s = box.value
            let bounds = NativeStack.current()!
            let o = (try? s.call(Address(low: 0xa1), data: [1]).status).map { "\($0)" } ?? "error"
            return "\(o) low=\(String(bounds.low, radix: 16)) high=\(String(bounds.high, radix: 16))"
        }
        Thread.sleep(forTimeInterval: 0.2)
        // 2: on a 1 MiB thread, a 1000-deep chain.
        let second = LargeStack.run(size: 1 << 20) { () -> String in
            let s = box.value
            let bounds = NativeStack.current()!
            let moves = s.boot.nestedStackMoves
            let o = (try? s.call(Address(low: 0xa2), data: [0x03, 0xe8], gas: 20_000_000).status).map { "\($0)" } ?? "error"
            return "\(o) low=\(String(bounds.low, radix: 16)) high=\(String(bounds.high, radix: 16)) moves=\(s.boot.nestedStackMoves - moves)"
        }
        #expect(first.hasPrefix("success"), "\(first)")
        #expect(second.hasPrefix("success"), "\(second)")
    }

    /// After an aborted run with a missing end, the recorder's next transaction lands inside
    /// the stale open node.
    @Test func recorderAfterAbort() throws {
        let scripts = Scripts()
        scripts.byID[2] = { ee, p, host in ee.finish(.success, extra: 1 << 40) }
        scripts.byID[1] = { ee, p, host in
            _ = try ee.nest(host, Address(low: 0xa2), [], give: 1 << 20)
            return ee.finish(.success)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        let events = Holder<[String]>([])
        let inner = s.boot.tracer!
        s.boot.tracer = { e in
            switch e {
            case .started(let st): events.value.append("start d\(st.depth) \(st.to.map { String($0.lo, radix: 16) } ?? "new")")
            case .ended(let en): events.value.append("end d\(en.depth) \(en.status)")
            }
            inner(e)
        }
        _ = try? s.call(a, data: [])
        _ = try s.call(evmCounter, data: [])
        #expect(recorder.roots.count == 2)
        // Every start has its end, at its depth: the aborted run ends both its frames (inner
        // first) as failures naming the host error, then the next transaction is a root of
        // its own.
        let aborted = "failure(aborted by a host error: EE protocol violation: a wasm frame of \(Address(low: 0xa2).hex) returned"
        let e = events.value
        #expect(e.count == 6, "\(e)")
        #expect(Array(e.prefix(2)) == ["start d0 a1", "start d1 a2"], "\(e)")
        #expect(e.count > 3 && e[2].hasPrefix("end d1 \(aborted)") && e[3].hasPrefix("end d0 \(aborted)"), "\(e)")
        #expect(Array(e.suffix(2)) == ["start d0 \(String(evmCounter.lo, radix: 16))", "end d0 success"], "\(e)")
        #expect(recorder.roots.map { $0.children.count } == [1, 0])
        #expect(recorder.roots.map { $0.start.to } == [a, evmCounter])
    }

    /// An error thrown in a frame that runs on a hop thread, passed up through nested frames on
    /// both threads, and swallowed by the outermost nested caller.
    @Test func errorsAcrossStackMoves() throws {
        let scripts = Scripts()
        scripts.byID[2] = { ee, p, host in
            let d = ee.launch.calldata
            let n = d.count >= 2 ? Int(d[0]) << 8 | Int(d[1]) : 0
            if n == 0 { throw EEError.internalError("deep boom") }
            let (r, _) = try ee.nest(host, ee.launch.callee, [UInt8((n - 1) >> 8), UInt8((n - 1) & 0xff)] + d.dropFirst(2))
            return ee.finish(r.status, r.returndata)
        }
        scripts.byID[3] = { ee, p, host in
            do { _ = try ee.nest(host, Address(low: 0xa2), [0x03, 0x80]) } catch {}
            return ee.finish(.success, Array("swallowed".utf8))
        }
        let s = try session(scripts)
        try install(s, [2: b, 3: c])
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        let box = Holder(s)
        let out = LargeStack.run(size: 1 << 20) { () -> [String] in
            var o: [String] = []
            let m0 = box.value.boot.nestedStackMoves
            o.append((try? box.value.call(Address(low: 0xa3), data: [], gas: 20_000_000)).map { "\($0.status)" } ?? "threw")
            o.append("moves \(box.value.boot.nestedStackMoves - m0)")
            do { _ = try box.value.call(Address(low: 0xa3), data: [], gas: 20_000_000) } catch { o.append("\(error)") }
            return o
        }
        // Both runs throw the error (a host-level error abandons the transaction even though
        // c swallowed it), and the first moved to a large-stack worker exactly once: the 1 MiB
        // thread keeps a 256 KiB reserve, so it cannot hold the 896-deep chain (more than 1 KiB
        // of native stack a level), and the 256 MiB worker holds all the rest.
        #expect(out == ["threw", "moves 1", "internal error: deep boom"], "\(out)")
        checkClean(s, "hoperr")
    }

    /// Value and delegate calls through nestedCall.
    @Test func valueAndDelegateNested() throws {
        let scripts = Scripts()
        let eoa = Address(low: 0xdead)
        // a: sends 5 wei to eoa (nested), delegate-calls b (nested) which writes slot 9 and reports
        // its context, then reverts if calldata[0] == 1.
        scripts.byID[1] = { ee, p, host in
            let (r1, _) = try host.nestedCall(
                CallRequest(target: eoa, modifier: .none, calldata: [], value: U256(5), resources: Resources(ergs: 0)), from: ee)
            let (r2, ret) = try host.nestedCall(
                CallRequest(target: Address(low: 0xa2), modifier: .delegate, calldata: [], value: U256(999), resources: Resources(ergs: 1 << 20)),
                from: ee)
            ee.ergs = ee.ergs - (1 << 20) + ret.ergs
            let st: FrameStatus = ee.launch.calldata.first == 1 ? .revert : .success
            return ee.finish(st, [r1.status == .success ? 1 : 0, r2.status == .success ? 1 : 0] + r2.returndata)
        }
        scripts.byID[2] = { ee, p, host in
            host.setStorage(ee.launch.callee, U256(9), U256(9))
            return ee.finish(.success, Array(ee.launch.callee.bytes.suffix(1)) + Array(ee.launch.caller.bytes.suffix(2)) + Array(ee.launch.value.bigEndianBytes.suffix(1)))
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let r = try s.call(a, data: [0], value: U256(7))
        #expect(r.output == [1, 1, 0xa1, 0x0e, 0x0a, 7])
        #expect(s.world.balance(eoa) == U256(5) && s.world.balance(a) == U256(2))
        #expect(s.world.storage(a, U256(9)) == U256(9) && s.world.storage(b, U256(9)) == .zero)
        let r2 = try s.call(a, data: [1], value: U256(7))
        #expect(r2.status == .revert)
        #expect(s.world.balance(eoa) == U256(5) && s.world.balance(a) == U256(2))
    }

    /// A thread's id is reused: a 1 MiB thread that gets the id of the 256 MiB thread the
    /// bootloader ran a nested call on before runs a 1000-deep chain. The bootloader used to
    /// keep the stack bounds by thread id and checked the stack pointer against them: both
    /// matched, it took the 1 MiB stack for 256 MiB, never moved, and the process died of a
    /// stack overflow (1 run of the suite in 15: glibc's descriptor, whose address is the id,
    /// sits at the top of the stack, and a new stack mapping can end where an old one ended).
    /// Made certain here with stacks of our own: the second thread's stack is the top 1 MiB of
    /// the first's, so it gets the same id, and the rest is made inaccessible, as a guard. In a
    /// child process, so that a regression is a failed test, not a dead test run.
    @Test func reusedThreadIdGetsItsOwnStackBounds() async throws {
        await #expect(processExitsWith: .success) {
            do { try NestedAdversarialTests().reusedThreadIdScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    func reusedThreadIdScenario() throws {
        let scripts = Scripts()
        scripts.byID[1] = ScriptEE.selfChain
        let s = try session(scripts)
        try install(s, [1: a])
        let box = Holder(s)
        let target = a
        let large = 256 << 20, small = 1 << 20
        guard let region = mmap(nil, large, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
            region != MAP_FAILED
        else { return HostWorkTests.must(false, "mmap of 256 MiB failed") }
        // 1: a nested call on the whole region.
        let first = Self.onOwnStack(region, large) { () -> String in
            (try? box.value.call(target, data: [0, 1]).status).map { "\($0)" } ?? "error"
        }
        HostWorkTests.must(first.result == "success", "first call: \(first.result)")
        // 2: the top 1 MiB only, the rest a guard; a 1000-deep chain must move to a worker.
        HostWorkTests.must(mprotect(region, large - small, PROT_NONE) == 0, "mprotect failed")
        let second = Self.onOwnStack(region + (large - small), small) { () -> String in
            let before = box.value.boot.nestedStackMoves
            let o = (try? box.value.call(target, data: [0x03, 0xe8], gas: 20_000_000).status).map { "\($0)" } ?? "error"
            return "\(o) \(box.value.boot.nestedStackMoves - before) moves"
        }
        HostWorkTests.must(second.thread == first.thread, "the second thread did not get the first one's id")
        HostWorkTests.must(second.result.hasPrefix("success") && !second.result.hasPrefix("success 0 "), "1000-deep chain: \(second.result)")
    }

    /// Runs `body` on a joinable thread whose stack is `size` bytes at `stack`; its id and result.
    static func onOwnStack(_ stack: UnsafeMutableRawPointer, _ size: Int, _ body: @escaping () -> String)
        -> (thread: pthread_t, result: String)
    {
        final class Job {
            let body: () -> String
            var result = ""
            init(_ body: @escaping () -> String) { self.body = body }
        }
        let job = Job(body)
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstack(&attr, stack, size)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(job).toOpaque()
        guard pthread_create(&thread, &attr, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.result = job.body()
            return nil
        }, context) == 0 else {
            Unmanaged<Job>.fromOpaque(context).release()
            return (0, "pthread_create failed")
        }
        pthread_join(thread, nil)
        return (thread, job.result)
    }

    // MARK: deep mixed chains on a small stack

    @Test func deepMixedChainOnSmallStack() throws {
        let scripts = Scripts()
        // calldata: [n_hi, n_lo]: nests to rvCaller with via(0, self, [n-1]) until 0.
        scripts.byID[1] = { ee, p, host in
            let d = ee.launch.calldata
            let n = d.count >= 2 ? Int(d[0]) << 8 | Int(d[1]) : 0
            if n == 0 { return ee.finish(.success, [0x2a]) }
            let inner: Bytes = [UInt8((n - 1) >> 8), UInt8((n - 1) & 0xff)]
            let via: Bytes = [0] + ee.launch.callee.bytes + Bytes(repeating: 0, count: 8) + inner
            let (r, _) = try ee.nest(host, Address(low: 0x51), via)
            return ee.finish(r.status, r.returndata)
        }
        let s = try session(scripts)
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        let box = Holder(s)
        let results = LargeStack.run(size: 1 << 20) { () -> [String] in
            let s = box.value
            var out: [String] = []
            for n in [511, 512, 600] {
                let moves = s.boot.nestedStackMoves
                do {
                    let r = try s.call(Address(low: 0xa1), data: [UInt8(n >> 8), UInt8(n & 0xff)], gas: 1 << 40)
                    out.append("\(n): \(r.status) \(r.output) moves \(s.boot.nestedStackMoves - moves)")
                } catch { out.append("\(n): error \(error)") }
            }
            return out
        }
        // 512 pairs of frames reach depth 1024; 600 hit the limit, and the failure comes back
        // as caller.c's revert. The chain moved to a large-stack thread once per transaction.
        #expect(results == ["511: success [42] moves 1", "512: success [42] moves 1", "600: revert [] moves 1"])
    }

    // MARK: the first error, whatever deinits do (a second review)

    /// A callee whose start throws, or whose continueAfterCall throws, or that ends with more
    /// than it holds, while its EE's deinit writes: the thrown error is the callee's own, the
    /// same at the top, below a nested call and below a preempting one.
    @Test func theFirstErrorWinsOverDeinitWrites() throws {
        let callee = Address(low: 0xa1)
        func preempting(_ ee: ScriptEE, _ p: Phase) -> Preemption {
            if case .start = p {
                return .externalCallRequest(
                    plainCall(callee, ergs: 1_000_000))
            }
            return ee.finish(.success)
        }
        let calleeScripts: [(String, Script)] = [
            ("boom", { ee, p, host in
                ee.onDeinit = { e in host.setStorage(e.launch.callee, .zero, U256(7)) }
                throw EEError.internalError("boom")
            }),
            ("boom", { ee, p, host in
                ee.onDeinit = { e in host.setStorage(e.launch.callee, .zero, U256(7)) }
                if case .start = p {
                    return .externalCallRequest(
                        plainCall(Address(low: 0xe2), ergs: 100_000))
                }
                throw EEError.internalError("boom")
            }),
            ("holding at most", { ee, p, host in
                ee.onDeinit = { e in host.setStorage(e.launch.callee, .zero, U256(7)) }
                return ee.finish(.success, extra: 1_000_000)
            }),
            // A break noted first (a foreign write), then an error of its own: the break.
            ("written by a frame of", { ee, p, host in
                host.setStorage(Address(low: 0x999), .zero, .one)
                throw EEError.internalError("boom")
            }),
        ]
        for (expected, script) in calleeScripts {
            let scripts = Scripts()
            scripts.byID[1] = script
            scripts.byID[2] = { ee, p, host in
                let (r, _) = try ee.nest(host, callee, [], give: 1_000_000)
                return ee.finish(r.status)
            }
            scripts.byID[3] = { ee, p, host in preempting(ee, p) }
            let s = try session(scripts)
            try install(s, [1: a, 2: b, 3: c])
            let recorder = CallTraceRecorder()
            recorder.attach(to: s.boot)
            for t in [a, b, c] {
                recorder.reset()
                let o = outcome { try s.call(t, data: []) }
                #expect(o.contains(expected), "\(expected) via \(t.lo): \(o)")
                checkTrace(recorder, "\(expected) via \(t.lo)")
            }
            #expect(s.world.storage(a, .zero) == .zero)
            checkClean(s, expected)
        }
    }

    /// A tracer's start callback runs with no frame active: a write or a nested call from it
    /// (in the name of the suspended caller) is a protocol break, not the caller's own.
    @Test func tracerCallbacksRunWithNoFrameActive() throws {
        let scripts = Scripts()
        let suspended = Holder<ScriptEE?>(nil)
        scripts.byID[1] = { ee, p, host in
            if case .start = p {
                suspended.value = ee
                ee.ergs -= 1 << 20
                return .externalCallRequest(
                    plainCall(Address(low: 0xe3), ergs: 1 << 20))
            }
            return ee.finish(.success)
        }
        let s = try session(scripts)
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        let boot = s.boot
        let log = Holder<[String]>([])
        let caller = a
        for write in [true, false] {
            boot.tracer = { ev in
                guard case .started(let st) = ev, st.depth == 1, let ee = suspended.value else { return }
                suspended.value = nil
                if write {
                    boot.setStorage(caller, U256(5), U256(5))
                    return
                }
                do {
                    _ = try boot.nestedCall(
                        plainCall(Address(low: 0xe2), ergs: 0), from: ee)
                    log.value.append("accepted")
                } catch { log.value.append("refused") }
            }
            let o = outcome { try s.call(a, data: []) }
            #expect(o.contains(write ? "written while no frame runs" : "a nested call while no frame runs"), "\(o)")
            #expect(s.world.storage(a, U256(5)) == .zero)
            #expect(s.world.storage(evmCounter, .zero) == .zero)
        }
        boot.tracer = nil
        #expect(log.value == ["refused"])
        checkClean(s, "tracer")
    }

    /// A released bootloader's large-stack workers end with it. In a process of its own, so
    /// that the threads counted are this test's (other suites start threads of their own).
    @Test func workersEndWithTheirBootloader() async {
        await #expect(processExitsWith: .success) {
            do { try NestedAdversarialTests().workersScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    func workersScenario() throws {
        func threads() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0 }
        func transaction() throws {
            let scripts = Scripts()
            scripts.byID[2] = { ee, p, host in ee.finish(try ee.nest(host, Address(low: 0xe2), [], give: 1 << 26).0.status) }
            let s = try session(scripts)
            try s.install(ScriptEE.code(2), kind: .wasm, at: b)
            s.boot.limits.nestedCallStackReserve = .max  // every transaction moves once
            HostWorkTests.must(try s.call(b, data: []).status == .success, "the nested call failed")
            HostWorkTests.must(s.boot.nestedStackMoves == 1, "moves: \(s.boot.nestedStackMoves)")
        }
        try transaction()  // whatever the runtime starts once
        // The warm-up's worker may still be ending: the count once it holds for 0.2 s.
        var before = threads(), steady = 0
        let settled = Date().addingTimeInterval(10)
        while steady < 20 && Date() < settled {
            Thread.sleep(forTimeInterval: 0.01)
            let now = threads()
            steady = now == before ? steady + 1 : 0
            before = now
        }
        for _ in 0..<20 { try transaction() }
        // Workers end as their bootloaders go, on threads of their own: up to 30 s on a
        // loaded machine for the count to come back.
        let deadline = Date().addingTimeInterval(30)
        while threads() > before && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let after = threads()
        HostWorkTests.must(after <= before, "\(after) threads after 20 released bootloaders, \(before) before")
    }
}
