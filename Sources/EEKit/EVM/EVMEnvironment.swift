import CEVM

/// The EVM execution environment (the block's fork, Frontier to Osaka; BPO1 and BPO2 run Osaka's EVM): runs one EVM frame on the C core
/// (`CSources/CEVM`), preempting to the bootloader at every CALL*/CREATE*.
///
/// Resources: EVM gas = ergs / `schedule.ergsPerGas`; the ergs below one gas are kept aside and
/// returned with the frame's leftover. The frame's EIP-3529 refund counter is flushed to
/// `EEHost.addRefund` at every preemption point, so the bootloader's journal discards it with a
/// failed or reverted frame.
public final class EVMEnvironment: ExecutionEnvironment {
    public static var kind: EEKind { .evm }

    // `@exclusivity(unchecked)`: read and written at every preemption of every frame, never
    // re-entrantly (the bootloader drives one frame at a time), as in `EVMBuffers`.
    @exclusivity(unchecked) private var buffers: EVMBuffers?
    /// What the frame needs of its `LaunchParams` after the start (not the whole struct, whose
    /// code and calldata arrays were retained and released at every preemption).
    private struct Facts {
        var isConstructor = false
        var isStatic = false
        var callee = Address.zero
        var native: UInt64 = .max
    }
    @exclusivity(unchecked) private var facts: Facts?
    @exclusivity(unchecked) private var ergsRemainder: UInt64 = 0
    @exclusivity(unchecked) private var ergsPerGas: UInt64 = 256
    /// The core runs this frame now (inside `start` or a `continueAfter*`): entering it again
    /// from a callback of that run (a tracer, a host function) is refused; it recycled the
    /// buffers the paused core was using (a review: the frame returned another frame's data).
    @exclusivity(unchecked) private var running = false
    private let tracer: EVMTracer?

    /// - Parameter tracer: called before every instruction (EIP-3155 data); slows execution.
    public init(tracer: EVMTracer? = nil) {
        self.tracer = tracer
    }

    deinit { buffers?.recycle() }

    public var isStaticContext: Bool { facts?.isStatic ?? false }

    public static func isModifierSupported(_ modifier: CallModifier) -> Bool { true }
    /// Every CALL* and CREATE* preempts the frame.
    public static var makesNestedCalls: Bool { false }

    public func start(_ launch: LaunchParams, host: any EEHost) throws(EEError) -> Preemption {
        guard launch.code.kind == .evm || launch.code.kind == .none else {
            throw .invalidCode("EVM environment cannot run \(launch.code.kind) code")
        }
        // One instance runs one frame: a second start, while its core runs or while it waits
        // for a call (from a callee's hook holding it, a review found), replaced the frame.
        guard facts == nil else { throw .internalError("EVM environment started twice (one instance runs one frame)") }
        try enter()
        defer { running = false }
        ergsPerGas = max(1, host.schedule.ergsPerGas)
        var gas = launch.resources.ergs / ergsPerGas
        ergsRemainder = launch.resources.ergs % ergsPerGas
        if gas > UInt64(Int64.max) {
            // The core counts gas in an Int64; what is above is held back with the remainder:
            // returned if the frame ends normally, burned with the rest if it fails (no
            // instruction can cost 2^63 gas, so nothing else observes it but GAS), and moved
            // into the core (`reclaim`) as far as it has room when a callee returns.
            ergsRemainder += (gas - UInt64(Int64.max)) * ergsPerGas
            gas = UInt64(Int64.max)
        }
        facts = Facts(
            isConstructor: launch.modifier == .constructor, isStatic: launch.isStatic, callee: launch.callee,
            native: launch.resources.native)
        let analysis = EVMAnalysisCache.analysis(
            for: launch.code, fork: host.block.fork, keep: launch.modifier != .constructor)
        buffers?.recycle()
        let b = EVMBuffers.take(analysis: analysis, launch: launch, gas: Int64(gas), host: host, tracer: tracer)
        buffers = b
        return try preemption(b.run(host: host), host: host)
    }

    private func enter() throws(EEError) {
        guard !running else { throw .internalError("EVM frame entered while its core runs (from a callback of its own run)") }
        running = true
    }

    public func continueAfterCall(_ result: CallResult, returned: Resources, host: any EEHost) throws(EEError)
        -> Preemption
    {
        guard let b = buffers, b.pending == UInt32(CEVM_STATUS_CALL_REQUEST.rawValue) else {
            throw .internalError("EVM frame was not waiting for a call")
        }
        try enter()
        defer { running = false }
        let gasBack = reclaim(returned.ergs, frameGas: b.gas)
        let data = result.status.isFailure ? [] : result.returndata
        let status = b.resumeCall(
            success: result.status.isSuccess, gasLeft: gasBack, returndata: data, host: host)
        return try preemption(status, host: host)
    }

    public func continueAfterDeployment(_ result: DeploymentResult, returned: Resources, host: any EEHost)
        throws(EEError) -> Preemption
    {
        guard let b = buffers, b.pending == UInt32(CEVM_STATUS_CREATE_REQUEST.rawValue) else {
            throw .internalError("EVM frame was not waiting for a deployment")
        }
        try enter()
        defer { running = false }
        let gasBack = reclaim(returned.ergs, frameGas: b.gas)
        let created = result.status.isSuccess ? result.address : nil
        let data = result.status == .revert ? result.returndata : []
        let status = b.resumeCreate(address: created, gasLeft: gasBack, returndata: data, host: host)
        return try preemption(status, host: host)
    }

    /// EVM init code: EIP-3860 size limit and the CREATE / CREATE2 address. The init-code word
    /// cost is charged by the CREATE opcode itself (or by the transaction's intrinsic gas).
    public static func prepareDeployment(_ request: DeploymentRequest, host: any EEHost) throws(EEError)
        -> PreparedDeployment
    {
        guard request.initcode.count <= Int(CEVM_MAX_INITCODE_SIZE) || host.block.fork < .shanghai else {
            throw .invalidCode("init code of \(request.initcode.count) bytes exceeds the EIP-3860 limit of 49152")
        }
        return PreparedDeployment(
            address: DeploymentAddress.derive(request, host: host),
            constructor: Bytecode(kind: .evm, bytes: request.initcode, hash: Keccak.hash(request.initcode)),
            constructorInput: [], resources: request.resources)
    }

    /// The gas to give back to the core for the ergs a callee returned. Their fraction of a
    /// gas unit joins the frame's remainder, and whole units of the remainder go back into the
    /// core's gas with them, so that GAS and the 63/64 rule of later calls see all the frame
    /// holds: a native callee returns fractions (an instruction costs less than a gas), and
    /// without this each such call left the frame up to a gas it could not use until it ended.
    /// Only what the core's Int64 cannot hold stays aside (a frame given 2^63 gas or more).
    private func reclaim(_ ergs: UInt64, frameGas: Int64) -> Int64 {
        let room = UInt64(Int64.max) - UInt64(max(0, frameGas))
        var back = ergs / ergsPerGas
        ergsRemainder &+= ergs % ergsPerGas
        if back > room {
            ergsRemainder &+= (back - room) * ergsPerGas
            back = room
        }
        let carried = min(ergsRemainder / ergsPerGas, room - back)
        ergsRemainder -= carried * ergsPerGas
        return Int64(back + carried)
    }

    // MARK: Mapping core statuses to preemptions

    private func leftover(_ b: EVMBuffers) -> Resources {
        let g = UInt64(max(0, b.gas))
        let (e, o) = g.multipliedReportingOverflow(by: ergsPerGas)
        return Resources(
            ergs: o ? .max : e &+ ergsRemainder, native: facts?.native ?? .max)
    }

    private func flushRefund(_ b: EVMBuffers, host: any EEHost) {
        let delta = b.refund &- b.flushedRefund
        if delta != 0 { host.addRefund(delta) }
        b.flushedRefund = b.refund
    }

    private func preemption(_ status: Int32, host: any EEHost) throws(EEError) -> Preemption {
        guard let b = buffers, let launch = facts else { throw .internalError("EVM frame not started") }
        let isConstructor = launch.isConstructor
        let native = launch.native
        switch status {
        case Int32(CEVM_STATUS_CALL_REQUEST.rawValue):
            flushRefund(b, host: host)
            let rq = b.request
            let modifier: CallModifier
            switch rq.kind {
            case UInt32(CEVM_REQ_CALLCODE.rawValue): modifier = .callcode
            case UInt32(CEVM_REQ_DELEGATECALL.rawValue): modifier = launch.isStatic ? .delegateStatic : .delegate
            case UInt32(CEVM_REQ_STATICCALL.rawValue): modifier = .static
            default: modifier = .none
            }
            let input = b.memoryBytes(offset: rq.input_offset, size: rq.input_size)
            let (e, o) = UInt64(max(0, rq.gas)).multipliedReportingOverflow(by: ergsPerGas)
            return .externalCallRequest(
                CallRequest(
                    target: Address(c: rq.target), modifier: modifier, calldata: input, value: U256(c: rq.value),
                    resources: Resources(ergs: o ? .max : e, native: native)))
        case Int32(CEVM_STATUS_CREATE_REQUEST.rawValue):
            flushRefund(b, host: host)
            let rq = b.request
            let initcode = b.memoryBytes(offset: rq.input_offset, size: rq.input_size)
            let scheme: DeploymentScheme =
                rq.kind == UInt32(CEVM_REQ_CREATE2.rawValue)
                ? .create2(salt: Bytes32(U256(c: rq.salt).bigEndianBytes)) : .create
            let (e, o) = UInt64(max(0, rq.gas)).multipliedReportingOverflow(by: ergsPerGas)
            return .deploymentRequest(
                DeploymentRequest(
                    deployer: launch.callee, initcode: initcode, value: U256(c: rq.value), scheme: scheme,
                    kind: .evm, resources: Resources(ergs: o ? .max : e, native: native)))
        case Int32(CEVM_STATUS_STOP.rawValue), Int32(CEVM_STATUS_RETURN.rawValue),
            Int32(CEVM_STATUS_SELFDESTRUCT.rawValue):
            flushRefund(b, host: host)
            let out = status == Int32(CEVM_STATUS_RETURN.rawValue) ? b.output : []
            if isConstructor {
                return .completedDeployment(code: out, status: .success, returndata: [], resourcesLeft: leftover(b))
            }
            return .completedExecution(CallResult(status: .success, returndata: out), resourcesLeft: leftover(b))
        case Int32(CEVM_STATUS_REVERT.rawValue):
            flushRefund(b, host: host)
            let out = b.output
            if isConstructor {
                return .completedDeployment(code: [], status: .revert, returndata: out, resourcesLeft: leftover(b))
            }
            return .completedExecution(CallResult(status: .revert, returndata: out), resourcesLeft: leftover(b))
        case Int32(CEVM_STATUS_INVALID_ARGUMENT.rawValue):
            throw .internalError("EVM core rejected the frame (pc \(b.pc))")
        default:
            var reason = EVMEnvironment.failureReason(status, opcode: b.opcodeAtPC)
            if status == Int32(CEVM_STATUS_MEMORY_LIMIT.rawValue), let why = b.memoryRefusal {
                reason = .limitExceeded(why)
            }
            if isConstructor {
                return .completedDeployment(code: [], status: .failure(reason), returndata: [], resourcesLeft: .zero)
            }
            return .completedExecution(CallResult(status: .failure(reason), returndata: []), resourcesLeft: .zero)
        }
    }

    static func failureReason(_ status: Int32, opcode: UInt8) -> FailureReason {
        switch status {
        case Int32(CEVM_STATUS_OUT_OF_GAS.rawValue): .outOfResources
        case Int32(CEVM_STATUS_STACK_UNDERFLOW.rawValue): .stackUnderflow
        case Int32(CEVM_STATUS_STACK_OVERFLOW.rawValue): .stackOverflow
        case Int32(CEVM_STATUS_BAD_JUMP_DESTINATION.rawValue): .invalidJump
        case Int32(CEVM_STATUS_INVALID_INSTRUCTION.rawValue), Int32(CEVM_STATUS_UNDEFINED_INSTRUCTION.rawValue):
            .invalidOpcode(opcode)
        case Int32(CEVM_STATUS_STATIC_MODE_VIOLATION.rawValue): .staticViolation
        case Int32(CEVM_STATUS_RETURNDATA_OUT_OF_BOUNDS.rawValue): .invalidMemoryAccess
        case Int32(CEVM_STATUS_INITCODE_SIZE_EXCEEDED.rawValue): .initcodeSizeExceeded
        case Int32(CEVM_STATUS_MEMORY_LIMIT.rawValue): .limitExceeded("EVM memory above \(EVMBuffers.memoryLimit) bytes")
        default: .other(evmStatusName(status))
        }
    }
}
