import EEKit

/// A tiny EE for runner tests, independent of any real VM. Code is a byte program:
///
///   0x00          STOP (success)
///   0x10 k v      SSTORE(k, v)
///   0x11 k        SSTORE(k, calldata[0])            (records the recursion level)
///   0x20 a        CALL Address(low: a), value 0, calldata passed through
///   0x21 a v      CALL Address(low: a) with value v
///   0x22 a        STATICCALL Address(low: a)
///   0x23 n        if calldata[0] < n: CALL self with calldata[0] + 1
///   0x24 a        DELEGATECALL Address(low: a)
///   0x30          REVERT
///   0x31          FAIL (exceptional halt: all resources consumed)
///   0x40 k        SSTORE(k, 1 if the last call / deployment succeeded else 2)
///   0x41 k        if the last call failed: SSTORE(k, 1)
///   0x12 k        SSTORE(k, SLOAD(k) + 1)
///   0x50 n ...    CREATE with the next n bytes as init code
///   0x51 s n ...  CREATE2 with salt s and the next n bytes as init code
///   0x52 k        SSTORE(k, last created address or 0)
///   0x60 n ...    constructor: deploy the next n bytes as code
///
/// Every instruction costs 1000 ergs; calls and creates pass 63/64 of what is left.
final class MockEE: ExecutionEnvironment {
    static var kind: EEKind { .evm }
    static let stepCost: UInt64 = 1000

    var launch: LaunchParams?
    var pc = 0
    var ergs: UInt64 = 0
    var lastOK = false
    var lastCreated: Address?
    var isStaticContext: Bool { launch?.isStatic ?? false }

    static func isModifierSupported(_ m: CallModifier) -> Bool { true }

    static func prepareDeployment(_ r: DeploymentRequest, host: any EEHost) throws(EEError) -> PreparedDeployment {
        PreparedDeployment(
            address: DeploymentAddress.derive(r, host: host),
            constructor: Bytecode(kind: .evm, bytes: r.initcode, hash: Keccak.hash(r.initcode)),
            constructorInput: [], resources: r.resources)
    }

    func start(_ l: LaunchParams, host: any EEHost) throws(EEError) -> Preemption {
        launch = l
        ergs = l.resources.ergs
        return run(host)
    }

    func continueAfterCall(_ r: CallResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        lastOK = r.status.isSuccess
        ergs += returned.ergs
        return run(host)
    }

    func continueAfterDeployment(_ r: DeploymentResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        lastOK = r.status.isSuccess
        lastCreated = r.address
        ergs += returned.ergs
        return run(host)
    }

    private func fail() -> Preemption {
        .completedExecution(CallResult(status: .failure(.other("mock failure")), returndata: []), resourcesLeft: .zero)
    }

    private func passOn() -> Resources {
        let give = ergs - ergs / 64
        ergs -= give
        return Resources(ergs: give)
    }

    private func run(_ host: any EEHost) -> Preemption {
        guard let l = launch else { return fail() }
        let code = l.code.bytes
        func byte(_ i: Int) -> UInt8 { i < code.count ? code[i] : 0 }
        let done: (FrameStatus) -> Preemption = { st in
            if l.modifier == .constructor {
                return .completedDeployment(code: [], status: st, returndata: [], resourcesLeft: Resources(ergs: self.ergs))
            }
            return .completedExecution(CallResult(status: st, returndata: []), resourcesLeft: Resources(ergs: self.ergs))
        }
        while pc < code.count {
            guard ergs >= MockEE.stepCost else { return fail() }
            ergs -= MockEE.stepCost
            let op = code[pc]
            switch op {
            case 0x00:
                return done(.success)
            case 0x41:
                if !lastOK { host.setStorage(l.callee, U256(UInt64(byte(pc + 1))), .one) }
                pc += 2
            case 0x12:
                let k = U256(UInt64(byte(pc + 1)))
                host.setStorage(l.callee, k, host.storage(l.callee, k) &+ .one)
                pc += 2
            case 0x10, 0x11, 0x40, 0x52:
                if l.isStatic { return fail() }
                let k = U256(UInt64(byte(pc + 1)))
                let v: U256
                switch op {
                case 0x10: v = U256(UInt64(byte(pc + 2))); pc += 3
                case 0x11: v = U256(UInt64(l.calldata.first ?? 0)); pc += 2
                case 0x40: v = U256(lastOK ? 1 : 2); pc += 2
                default: v = lastCreated?.word ?? .zero; pc += 2
                }
                host.setStorage(l.callee, k, v)
            case 0x20, 0x21, 0x22, 0x24:
                let target = Address(low: UInt64(byte(pc + 1)))
                let value = op == 0x21 ? U256(UInt64(byte(pc + 2))) : .zero
                let modifier: CallModifier = op == 0x22 ? .static : op == 0x24 ? .delegate : .none
                pc += op == 0x21 ? 3 : 2
                return .externalCallRequest(CallRequest(
                    target: target, modifier: modifier, calldata: l.calldata,
                    value: modifier == .delegate ? l.value : value, resources: passOn()))
            case 0x23:
                let n = byte(pc + 1)
                pc += 2
                let level = l.calldata.first ?? 0
                if level < n {
                    return .externalCallRequest(CallRequest(
                        target: l.callee, modifier: .none, calldata: [level + 1], value: .zero, resources: passOn()))
                }
            case 0x30:
                return done(.revert)
            case 0x31:
                return fail()
            case 0x50, 0x51:
                let salt = op == 0x51 ? byte(pc + 1) : 0
                let lenAt = op == 0x51 ? pc + 2 : pc + 1
                let n = Int(byte(lenAt))
                let initcode = Array(code[min(lenAt + 1, code.count)..<min(lenAt + 1 + n, code.count)])
                pc = lenAt + 1 + n
                var s = [UInt8](repeating: 0, count: 32)
                s[31] = salt
                return .deploymentRequest(DeploymentRequest(
                    deployer: l.callee, initcode: initcode, value: .zero,
                    scheme: op == 0x51 ? .create2(salt: Bytes32(s)) : .create, kind: .evm, resources: passOn()))
            case 0x60:
                let n = Int(byte(pc + 1))
                let body = Array(code[min(pc + 2, code.count)..<min(pc + 2 + n, code.count)])
                return .completedDeployment(code: body, status: .success, returndata: [], resourcesLeft: Resources(ergs: ergs))
            default:
                return fail()
            }
        }
        return done(.success)
    }
}
