import EEKit
import Foundation
import Testing

/// A third execution environment, registered under `.wasm` where EEKit's WASM EE will go: the
/// bootloader, the EVM and the RISC-V EE know nothing of it, and the tests below show that it
/// is deployed, called and calling across EEs through the EE protocol alone.
///
/// Its code is the magic "TOY1"; the constructor stores the deployment data as the code. A
/// call's first calldata byte is the operation:
///   0x00 rest          return `rest` reversed
///   0x01 target20 rest CALL target with `rest` and all it can pass; return what the callee
///                      returned, with the callee's status (a failure fails this frame too)
///   0x02               slot 0 += 1, return the new value as a word (a static frame fails)
///   0x03 target20 rest as 0x01, but a nested call (`EEHost.nestedCall`: the frame waits on the
///                      native stack, as a WASM runtime's synchronous import does) passing
///                      all it holds
///   0x04 code          nested CREATE of toy `code` with all it holds; return the new address
///                      (the deployment's status, a failure fails this frame too)
///   0x05 target20 rest as 0x03, but an error thrown by the nested call is swallowed and the
///                      frame returns "swallowed" (a careless EE)
///   0x06 target20      a nested call passing one erg more than the frame was given
///   0x07 target20      a nested call made in the name of another EE instance
///   anything else      revert with "toy: unknown operation"
/// Every operation costs 1,000 ergs. It takes every call kind but CALLCODE.
extension CodeDepositRules {
    /// The test EEs' deposit rules (ToyEE, ScriptEE and the others registered for `.wasm`):
    /// code up to 1,024 bytes, 10 gas a byte, no EIP-3541 rule.
    static let testEE = CodeDepositRules(maxCodeSize: 1024, gasPerByte: 10, rejectEFPrefix: false)
}

final class ToyEE: ExecutionEnvironment {
    static var kind: EEKind { .wasm }
    static let magic = Array("TOY1".utf8)
    static let stepCost: UInt64 = 1000

    private var launch: LaunchParams?
    private var ergs: UInt64 = 0
    var isStaticContext: Bool { launch?.isStatic ?? false }

    static func isModifierSupported(_ m: CallModifier) -> Bool { m != .callcode }

    static func prepareDeployment(_ r: DeploymentRequest, host: any EEHost) throws(EEError) -> PreparedDeployment {
        guard r.kind == .wasm, r.initcode.starts(with: magic) else { throw .invalidCode("toy code starts with TOY1") }
        return PreparedDeployment(
            address: DeploymentAddress.derive(r, host: host),
            constructor: Bytecode(kind: .wasm, bytes: r.initcode, hash: Keccak.hash(r.initcode)),
            constructorInput: [], resources: r.resources)
    }

    private var left: Resources { Resources(ergs: ergs) }

    /// Ends the frame: a constructor frame with completedDeployment (no code unless it
    /// succeeded), any other with completedExecution.
    private func finish(_ status: FrameStatus, _ output: Bytes, code: Bytes = []) -> Preemption {
        let rest = status.isFailure ? Resources.zero : left
        if launch?.modifier == .constructor {
            return .completedDeployment(code: code, status: status, returndata: status == .revert ? output : [], resourcesLeft: rest)
        }
        return .completedExecution(CallResult(status: status, returndata: output), resourcesLeft: rest)
    }

    func start(_ l: LaunchParams, host: any EEHost) throws(EEError) -> Preemption {
        launch = l
        ergs = l.resources.ergs
        guard ergs >= ToyEE.stepCost else { return finish(.failure(.outOfResources), []) }
        ergs -= ToyEE.stepCost
        if l.modifier == .constructor { return finish(.success, [], code: l.code.bytes) }
        let data = l.calldata
        switch data.first {
        case 0x00:
            return finish(.success, data.dropFirst().reversed())
        case 0x01 where data.count >= 21:
            let give = ergs - ergs / 64
            ergs -= give
            return .externalCallRequest(CallRequest(
                target: Address(Array(data[1..<21])), modifier: .none, calldata: Array(data[21...]), value: .zero,
                resources: Resources(ergs: give)))
        case 0x03 where data.count >= 21, 0x05 where data.count >= 21:
            let give = ergs
            ergs = 0
            let req = CallRequest(
                target: Address(Array(data[1..<21])), modifier: .none, calldata: Array(data[21...]), value: .zero,
                resources: Resources(ergs: give))
            do {
                let (r, returned) = try host.nestedCall(req, from: self)
                ergs += returned.ergs
                return finish(r.status, r.returndata)
            } catch {
                if data[0] == 0x05 { return finish(.success, Array("swallowed".utf8)) }
                throw error
            }
        case 0x04:
            let give = ergs
            ergs = 0
            let req = DeploymentRequest(
                deployer: l.callee, initcode: Array(data.dropFirst()), value: .zero, scheme: .create, kind: .wasm,
                resources: Resources(ergs: give))
            let (r, returned) = try host.nestedDeployment(req, from: self)
            ergs += returned.ergs
            return finish(r.status, r.address?.bytes ?? r.returndata)
        case 0x06 where data.count >= 21, 0x07 where data.count >= 21:
            let req = CallRequest(
                target: Address(Array(data[1..<21])), modifier: .none, calldata: [], value: .zero,
                resources: Resources(ergs: data[0] == 0x06 ? l.resources.ergs + 1 : 0))
            _ = try host.nestedCall(req, from: data[0] == 0x06 ? self : ToyEE())
            return finish(.success, [])
        case 0x02:
            if l.isStatic { return finish(.failure(.staticViolation), []) }
            let v = host.storage(l.callee, .zero) &+ .one
            host.setStorage(l.callee, .zero, v)
            return finish(.success, v.bigEndianBytes)
        default:
            return finish(.revert, Array("toy: unknown operation".utf8))
        }
    }

    func continueAfterCall(_ r: CallResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        ergs += returned.ergs
        return finish(r.status, r.returndata)
    }

    func continueAfterDeployment(_ r: DeploymentResult, returned: Resources, host: any EEHost) throws(EEError)
        -> Preemption
    {
        throw .internalError("the toy EE never deploys")
    }
}

@Suite struct ThirdEETests {
    let rvCaller = Address(low: 0x51)
    let rvCounter = Address(low: 0x53)
    let evmForwarder = Address(low: 0xe1)
    let evmReverter = Address(low: 0xe3)

    func session(withToy: Bool) throws -> ContractSession {
        var registry = EERegistry.standard
        if withToy {
            // The README guide's line, verbatim (LibraryGuideTests checks it is here).
            registry.register(ToyEE.self, deposit: CodeDepositRules(maxCodeSize: 1024, gasPerByte: 10, rejectEFPrefix: false)) {
                ToyEE()
            }
        }
        let s = ContractSession(registry: registry)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: rvCaller)
        try s.install(try Fixtures.elf("counter.elf"), kind: .riscv, at: rvCounter)
        try s.install(EVMCode.forwarder, kind: .evm, at: evmForwarder)
        try s.install(EVMCode.reverter, kind: .evm, at: evmReverter)
        return s
    }

    /// Calldata for caller.c.
    func via(_ mode: UInt8, _ target: Address, _ payload: Bytes = []) -> Bytes {
        [mode] + target.bytes + Bytes(repeating: 0, count: 8) + payload
    }

    @Test func aThirdEEIsDeployedAndCalledFromEveryEE() throws {
        let s = try session(withToy: true)
        // A transaction deploys it; the account records its EE, the code is what it returned.
        let d = try s.deploy(ToyEE.magic + [9], kind: .wasm)
        #expect(d.status == .success)
        let toy = try #require(d.createdAddress)
        #expect(s.world.account(toy)?.kind == .wasm)
        #expect(s.world.account(toy)?.code == ToyEE.magic + [9])
        // Called by a transaction, by EVM code and by native code.
        #expect(try s.call(toy, data: [0, 1, 2, 3]).output == [3, 2, 1])
        #expect(try s.call(evmForwarder, data: toy.bytes + [2]).output == U256(1).bigEndianBytes)
        #expect(try s.call(rvCaller, data: via(0, toy, [2])).output == U256(2).bigEndianBytes)
        #expect(s.world.storage(toy, .zero) == U256(2))
        // It calls native code (the native counter's increment()) and EVM code; a revert
        // comes back through it to the EVM forwarder with its data.
        let increment: Bytes = [0xd0, 0x9d, 0xe0, 0x8a]
        #expect(try s.call(toy, data: [1] + rvCounter.bytes + increment).output == U256(1).bigEndianBytes)
        let reverted = try s.call(evmForwarder, data: toy.bytes + [1] + evmReverter.bytes)
        #expect(reverted.status == .revert)
        #expect(reverted.output == U256(0xab).bigEndianBytes)
        // EVM -> toy -> RISC-V -> toy: a chain through all three EEs.
        let chain = try s.call(evmForwarder, data: toy.bytes + [1] + rvCaller.bytes + via(0, toy, [0, 7, 8]))
        #expect(chain.status == .success)
        #expect(chain.output == [8, 7])
        // A static call into it cannot write: caller.c mode 1 reverts with the (empty) data
        // of the failed frame, and the slot keeps its value.
        let st = try s.call(rvCaller, data: via(1, toy, [2]))
        #expect(st.status == .revert)
        #expect(s.world.storage(toy, .zero) == U256(2))
        // A call kind the EE does not take fails that call (caller.c mode 8, CALLCODE: status 2
        // recorded), and the caller goes on; a delegate call (mode 7) runs.
        let cc = try s.call(rvCaller, data: via(8, toy, [0, 1]))
        #expect(cc.status == .success)
        #expect(cc.output.prefix(32) == U256(2).bigEndianBytes[...])
        // The refused frame ends with a typed reason (the trace shows it).
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        _ = try s.call(rvCaller, data: via(8, toy, [0, 1]))
        #expect(recorder.roots.first?.children.first?.end?.status == .failure(.unsupportedCallKind(.wasm, .callcode)))
        #expect(FailureReason.unsupportedCallKind(.wasm, .callcode).description == "wasm code does not take callcode calls")
        let dc = try s.call(rvCaller, data: via(7, toy, [0, 1, 2]))
        #expect(dc.output == U256(0).bigEndianBytes + [2, 1])
    }

    /// A constructor out of ergs fails its deployment (a review found the toy EE ending it with
    /// completedExecution, which the bootloader refuses as a protocol violation).
    @Test func aConstructorOutOfErgsFailsTheDeployment() throws {
        let s = try session(withToy: true)
        let code = ToyEE.magic + [9]
        let tx = Transaction(sender: ContractSession.defaultSender, gasLimit: U256(1_000_000), to: nil, data: code, deployKind: .wasm)
        guard case .success(let intrinsic) = s.boot.validate(tx) else {
            Issue.record("the deployment is not valid")
            return
        }
        let r = try s.deploy(code, kind: .wasm, gas: intrinsic + 3)
        #expect(r.status == .failure(.outOfResources) && r.createdAddress == nil)
    }

    @Test func nativeCodeCreatesThirdEECode() throws {
        let s = try session(withToy: true)
        let nonce = s.world.nonce(rvCaller)
        // caller.c mode 5: ee byte 2 (EEK_EE_WASM) ++ deployment data.
        let r = try s.call(rvCaller, data: via(5, .zero, [2] + ToyEE.magic))
        // The output is the caller's status word and the created address: a shorter one fails
        // here rather than crashing the test run on the slices below.
        try #require(r.status == .success && r.output.count >= 52, "\(r.status), \(r.output.count) output bytes")
        let status = r.output[24..<32].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(status == 0)
        let created = Address(r.output.bytes(32..<52))
        #expect(created == DeploymentAddress.create(deployer: rvCaller, nonce: nonce))
        #expect(s.world.account(created)?.kind == .wasm)
        #expect(try s.call(created, data: [0, 5, 6]).output == [6, 5])
        // Data the toy EE refuses fails that deployment only, with the nonce unchanged.
        let bad = try s.call(rvCaller, data: via(5, .zero, [2] + Array("NOPE".utf8)))
        try #require(bad.status == .success && bad.output.count >= 32, "\(bad.status), \(bad.output.count) output bytes")
        #expect(bad.output.bytes(24..<32).last == 2)
        #expect(s.world.nonce(rvCaller) == nonce + 1)
    }

    @Test func withoutAThirdEEItsCodeIsRefusedClearly() throws {
        let s = try session(withToy: false)
        #expect {
            try s.deploy(ToyEE.magic, kind: .wasm)
        } throws: { e in
            "\(e)".contains("no execution environment is registered for wasm contracts")
        }
        // From native code: a failed deployment (status 2), and the calling frame goes on.
        let r = try s.call(rvCaller, data: via(5, .zero, [2] + ToyEE.magic))
        #expect(r.status == .success)
        #expect(r.output.bytes(24..<32).last == 2)
        #expect(r.output.bytes(32..<52) == Bytes(repeating: 0, count: 20))
        // Code of a kind no EE runs (left by a session that had one) fails the frames that
        // call it, with the reason, and a native caller goes on.
        let orphan = Address(low: 0x70)
        try s.install(ToyEE.magic, kind: .wasm, at: orphan)
        let direct = try s.call(orphan, data: [0, 1])
        #expect(direct.status == .failure(.invalidCode("no execution environment for wasm code")))
        let viaNative = try s.call(rvCaller, data: via(2, orphan, [0, 1]))
        #expect(viaNative.status == .success)
        #expect(viaNative.output.prefix(32) == U256(2).bigEndianBytes[...])
        // An EE kind that does not exist fails the calling frame.
        #expect(try s.call(rvCaller, data: via(5, .zero, [4] + ToyEE.magic)).status.isFailure)
    }

    /// A callee that uses a fraction of a gas unit (the toy: 1,000 ergs, 3.9 gas, as native
    /// code does) returns the rest to an EVM caller as whole gas plus a fraction; the fractions
    /// add up in the caller, which can spend them. 256 calls to the toy cost the EVM frame
    /// exactly 256 x 1,000 ergs = 1,000 gas more than 256 calls to an account without code
    /// (GAS at the end says so), not 256 x 4: each call used to keep its fraction aside until
    /// the frame ended, out of reach of GAS and of the 63/64 rule.
    @Test func fractionsOfGasReturnedToTheEVMStayUsable() throws {
        let s = try session(withToy: true)
        let toy = Address(low: 0x70)
        let empty = Address(low: 0x71)
        try s.install(ToyEE.magic, kind: .wasm, at: toy)
        func gasAfter256Calls(to target: Address) throws -> U256 {
            // 256 x CALL(100 gas, target, 0, calldata = memory[0..<1] = 0x00), then GAS.
            let code: Bytes = [0x61, 0x01, 0x00, 0x5b, 0x5f, 0x5f, 0x60, 0x01, 0x5f, 0x5f, 0x73] + target.bytes
                + [0x60, 0x64, 0xf1, 0x50, 0x60, 0x01, 0x90, 0x03, 0x80, 0x60, 0x03, 0x57, 0x50,
                   0x5a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]
            let caller = Address(low: 0xe9)
            try s.install(code, kind: .evm, at: caller)
            let r = try s.call(caller, data: [], gas: 1_000_000)
            #expect(r.status == .success)
            return U256(bigEndian: r.output)
        }
        let toToy = try gasAfter256Calls(to: toy)
        let toEmpty = try gasAfter256Calls(to: empty)
        #expect(toEmpty &- toToy == U256(1000))
    }
}
