import EEKit
import Foundation
import Testing

/// An EE that breaks the EE protocol on purpose, in the way its code's last byte says (a
/// library user's review found each of these accepted, some minting gas or writing other
/// accounts' state):
///   1 ends with 10x the ergs it was given          2 asks to pass 100x its ergs to a call
///   3 writes its storage (run it in a static frame) 4 writes the storage of calldata[0..<20]
///   5 logs as calldata[0..<20]                      6 calls with the constructor modifier
///   7 deploys as calldata[0..<20]                   8 ends a call with completedDeployment
///   9 delegate-calls calldata[0..<20] claiming a value of 12345 (returns what it returned)
///   10 (constructor) ends with completedExecution   11 (deployment) prepared with 2x the ergs
///   12 (deployment) writes the deployer's storage while preparing
///   13 (deployment) prepared at another address    14 (deployment) prepared with EVM code
///   15 adds a refund (run it in a static frame)    16 starts a transaction on the bootloader
///   0 behaves
final class RogueEE: ExecutionEnvironment {
    static var kind: EEKind { .wasm }
    static let magic = Array("ROGUE".utf8)

    private var launch: LaunchParams?
    var isStaticContext: Bool { launch?.isStatic ?? false }
    static func isModifierSupported(_ m: CallModifier) -> Bool { true }

    static func prepareDeployment(_ r: DeploymentRequest, host: any EEHost) throws(EEError) -> PreparedDeployment {
        var resources = r.resources
        if r.initcode.last == 11 { resources.ergs = resources.ergs &* 2 }
        if r.initcode.last == 12 { host.setStorage(r.deployer, .zero, U256(0xdead)) }
        let address = r.initcode.last == 13 ? Address(low: 0x7777) : DeploymentAddress.derive(r, host: host)
        return PreparedDeployment(
            address: address,
            constructor: Bytecode(kind: r.initcode.last == 14 ? .evm : .wasm, bytes: r.initcode, hash: Keccak.hash(r.initcode)),
            constructorInput: [], resources: resources)
    }

    func start(_ l: LaunchParams, host: any EEHost) throws(EEError) -> Preemption {
        launch = l
        let mode = l.code.bytes.last ?? 0
        let r = l.resources
        func done(_ left: Resources) -> Preemption {
            .completedExecution(CallResult(status: .success, returndata: []), resourcesLeft: left)
        }
        if l.modifier == .constructor {
            if mode == 10 { return done(r) }
            return .completedDeployment(code: l.code.bytes, status: .success, returndata: [], resourcesLeft: r)
        }
        let target = l.calldata.count >= 20 ? Address(Array(l.calldata.prefix(20))) : .zero
        let half = Resources(ergs: r.ergs / 2)
        switch mode {
        case 1: return done(Resources(ergs: r.ergs &* 10))
        case 2:
            return .externalCallRequest(CallRequest(
                target: target, modifier: .none, calldata: [], value: .zero, resources: Resources(ergs: r.ergs &* 100)))
        case 3:
            host.setStorage(l.callee, .zero, .one)
            return done(r)
        case 4:
            host.setStorage(target, .zero, U256(0xdead))
            return done(r)
        case 5:
            host.emitLog(Log(address: target, topics: [], data: []))
            return done(r)
        case 6:
            return .externalCallRequest(CallRequest(target: target, modifier: .constructor, calldata: [], value: .zero, resources: half))
        case 7:
            return .deploymentRequest(DeploymentRequest(
                deployer: target, initcode: RogueEE.magic + [0], value: .zero, scheme: .create, kind: .wasm, resources: half))
        case 8: return .completedDeployment(code: [1], status: .success, returndata: [], resourcesLeft: r)
        case 9:
            return .externalCallRequest(CallRequest(target: target, modifier: .delegate, calldata: [], value: U256(12345), resources: half))
        case 15:
            host.addRefund(1 << 40)
            return done(r)
        case 16:
            guard let boot = host as? Bootloader else { return done(r) }
            _ = try boot.execute(Transaction(sender: l.callee, nonce: U256(boot.world.nonce(l.callee)), gasLimit: U256(21_000), to: target))
            return done(r)
        default: return done(r)
        }
    }

    func continueAfterCall(_ r: CallResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        .completedExecution(CallResult(status: r.status, returndata: r.returndata), resourcesLeft: returned)
    }

    func continueAfterDeployment(_ r: DeploymentResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        .completedExecution(CallResult(status: .success, returndata: []), resourcesLeft: returned)
    }
}

/// The bootloader holds every EE to the protocol: a break abandons the transaction with
/// `EEError.protocolViolation` and changes nothing (the sender's nonce included); EVM and
/// RISC-V frames never break it (every other suite runs with these checks on).
@Suite struct EEProtocolTests {
    let evmCounter = Address(low: 0xe2)
    let rvCaller = Address(low: 0x51)
    /// CALLVALUE PUSH0 MSTORE PUSH1 0x20 PUSH0 RETURN: returns msg.value.
    static let callValue: Bytes = [0x34, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]
    let valueReporter = Address(low: 0xe7)

    func session() throws -> ContractSession {
        var registry = EERegistry.standard
        registry.register(RogueEE.self) { RogueEE() }
        let s = ContractSession(registry: registry)
        try s.install(EVMCode.counter, kind: .evm, at: evmCounter)
        try s.install(Self.callValue, kind: .evm, at: valueReporter)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: rvCaller)
        return s
    }

    func rogue(_ s: ContractSession, _ mode: UInt8) throws -> Address {
        try #require(try s.deploy(RogueEE.magic + [mode], kind: .wasm).createdAddress)
    }

    func expectViolation(_ s: ContractSession, _ text: String, _ body: () throws -> Receipt) {
        let nonce = s.world.nonce(ContractSession.defaultSender)
        #expect {
            try body()
        } throws: { e in
            guard case .protocolViolation(let why) = e as? EEError else { return false }
            return why.contains(text)
        }
        #expect(s.world.nonce(ContractSession.defaultSender) == nonce)
        #expect(s.world.storage(evmCounter, .zero) == .zero)
    }

    @Test func breakingTheProtocolAbandonsTheTransaction() throws {
        let s = try session()
        #expect(try s.call(try rogue(s, 0), data: []).status == .success)
        let cases: [(UInt8, String)] = [
            (1, "returned"), (2, "asked to pass"), (4, "storage of \(evmCounter.hex) written by a frame of"),
            (5, "a log of \(evmCounter.hex)"), (6, "constructor modifier"), (7, "requested a deployment by \(evmCounter.hex)"),
            (8, "call frame"),
        ]
        for (mode, text) in cases {
            let a = try rogue(s, mode)
            expectViolation(s, text) { try s.call(a, data: evmCounter.bytes) }
        }
        // From a static frame (caller.c mode 1: a static call), its own storage is off limits too.
        let writer = try rogue(s, 3)
        expectViolation(s, "storage written in a static frame") {
            try s.call(rvCaller, data: [1] + writer.bytes + Bytes(repeating: 0, count: 8))
        }
        #expect(s.world.storage(writer, .zero) == .zero)
        // Deployments: a constructor that ends as a call, and preparation that adds ergs.
        expectViolation(s, "constructor frame") { try s.deploy(RogueEE.magic + [10], kind: .wasm) }
        expectViolation(s, "prepared a deployment") { try s.deploy(RogueEE.magic + [11], kind: .wasm) }
        expectViolation(s, "written while no frame runs") { try s.deploy(RogueEE.magic + [12], kind: .wasm) }
        expectViolation(s, "not its address") { try s.deploy(RogueEE.magic + [13], kind: .wasm) }
        expectViolation(s, "with evm code") { try s.deploy(RogueEE.magic + [14], kind: .wasm) }
        #expect(s.world.account(Address(low: 0x7777)) == nil)
        // A refund needs a state change, which a static frame cannot make.
        let refunder = try rogue(s, 15)
        expectViolation(s, "a refund added in a static frame") {
            try s.call(rvCaller, data: [1] + refunder.bytes + Bytes(repeating: 0, count: 8))
        }
        // One transaction at a time: starting another from inside a frame would finish the
        // outer one's journal under it.
        let nested = try rogue(s, 16)
        expectViolation(s, "execute called while a transaction runs") { try s.call(nested, data: evmCounter.bytes) }
        // The same from a running frame: native code creates it (caller.c mode 5, EE 2), and
        // its preparation may not write the creating contract's storage either.
        expectViolation(s, "storage of \(rvCaller.hex) written while no frame runs") {
            try s.call(rvCaller, data: [5] + Bytes(repeating: 0, count: 28) + [2] + RogueEE.magic + [12])
        }
        #expect(s.world.storage(rvCaller, .zero) == .zero)
        // After all that the session works, and the well-behaved frame still does.
        #expect(try s.call(evmCounter, data: []).output == U256(1).bigEndianBytes)
        #expect(try s.call(try rogue(s, 0), data: []).status == .success)
    }

    /// A delegate call carries the calling frame's value, whatever the request claims.
    @Test func delegateCallsCarryTheFramesValue() throws {
        let s = try session()
        let a = try rogue(s, 9)
        #expect(try s.call(a, data: valueReporter.bytes, value: U256(7)).output == U256(7).bigEndianBytes)
        #expect(try s.call(a, data: valueReporter.bytes).output == U256(0).bigEndianBytes)
    }
}
