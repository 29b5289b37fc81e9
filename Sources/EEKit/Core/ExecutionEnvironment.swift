/// The kind of code an account holds; stored with the account.
public enum EEKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case evm = 1
    case wasm = 2
    case riscv = 3

    public var description: String {
        switch self {
        case .none: "none"
        case .evm: "evm"
        case .wasm: "wasm"
        case .riscv: "riscv"
        }
    }
}

/// How a frame was entered.
public enum CallModifier: Sendable, Hashable {
    case none
    case `static`
    case delegate
    case delegateStatic
    case callcode
    case constructor

    public var isStatic: Bool { self == .static || self == .delegateStatic }
}

/// Code in the form an EE runs it, with its hash (cache key for analyses).
///
/// `hash` must be keccak256 of `bytes`: the EEs cache analysed / decoded code by hash, so a
/// `Bytecode` carrying another code's hash may run that other code (safely: each cache entry
/// holds its own copy). The bootloader builds every `Bytecode` from the world state, whose
/// accounts keep the two consistent; an EE author or host that builds one by hand must too.
public struct Bytecode: Sendable {
    public var kind: EEKind
    public var bytes: Bytes
    public var hash: Bytes32
    public init(kind: EEKind, bytes: Bytes, hash: Bytes32) {
        self.kind = kind
        self.bytes = bytes
        self.hash = hash
    }
}

/// Everything an EE needs to start a frame.
public struct LaunchParams: Sendable {
    public var resources: Resources
    public var code: Bytecode
    /// `msg.sender` of the frame.
    public var caller: Address
    /// The account whose storage and balance the frame acts on (`address(this)`).
    public var callee: Address
    /// The account the code came from (differs from `callee` for delegate calls / callcode).
    public var codeAddress: Address
    public var modifier: CallModifier
    public var calldata: Bytes
    /// `msg.value` as the frame sees it (the caller's value for delegate calls).
    public var value: U256
    /// The frame's depth: 0 for the transaction's top frame.
    public var depth: Int
    /// True when this frame or any caller is static.
    public var isStatic: Bool

    public init(
        resources: Resources, code: Bytecode, caller: Address, callee: Address, codeAddress: Address,
        modifier: CallModifier, calldata: Bytes, value: U256, depth: Int, isStatic: Bool
    ) {
        self.resources = resources
        self.code = code
        self.caller = caller
        self.callee = callee
        self.codeAddress = codeAddress
        self.modifier = modifier
        self.calldata = calldata
        self.value = value
        self.depth = depth
        self.isStatic = isStatic
    }
}

/// A frame's request to call another account.
public struct CallRequest: Sendable {
    public var target: Address
    public var modifier: CallModifier
    public var calldata: Bytes
    /// Value to transfer (`.none`, `.callcode`) or to show (`.delegate`).
    public var value: U256
    /// Resources the callee gets, after the caller's EE adjusted them (63/64 rule,
    /// stipend). The caller has already been charged for them.
    public var resources: Resources
    public init(target: Address, modifier: CallModifier, calldata: Bytes, value: U256, resources: Resources) {
        self.target = target
        self.modifier = modifier
        self.calldata = calldata
        self.value = value
        self.resources = resources
    }
}

/// How the new account's address is derived.
public enum DeploymentScheme: Sendable, Hashable {
    /// keccak256(rlp([deployer, nonce]))[12:]
    case create
    /// keccak256(0xff ++ deployer ++ salt ++ keccak256(initcode))[12:]
    case create2(salt: Bytes32)
}

/// A frame's request to deploy a contract.
public struct DeploymentRequest: Sendable {
    public var deployer: Address
    /// Deployment data: EVM init code, or an ELF / WASM module followed by constructor arguments.
    public var initcode: Bytes
    public var value: U256
    public var scheme: DeploymentScheme
    /// The EE of the new contract.
    public var kind: EEKind
    /// Resources the constructor frame gets (after the deployer's adjustment).
    public var resources: Resources
    public init(
        deployer: Address, initcode: Bytes, value: U256, scheme: DeploymentScheme, kind: EEKind,
        resources: Resources
    ) {
        self.deployer = deployer
        self.initcode = initcode
        self.value = value
        self.scheme = scheme
        self.kind = kind
        self.resources = resources
    }
}

/// What `prepareDeployment` decided: the address and the constructor to run.
public struct PreparedDeployment: Sendable {
    public var address: Address
    /// The constructor's code (EVM: the init code; RISC-V: the ELF).
    public var constructor: Bytecode
    /// Calldata the constructor sees (RISC-V/WASM: the bytes after the module).
    public var constructorInput: Bytes
    /// Resources left for the constructor after preparation charges (EIP-3860 word cost).
    public var resources: Resources
    public init(address: Address, constructor: Bytecode, constructorInput: Bytes, resources: Resources) {
        self.address = address
        self.constructor = constructor
        self.constructorInput = constructorInput
        self.resources = resources
    }
}

/// Why a frame failed (as opposed to a deliberate revert).
public enum FailureReason: Sendable, Hashable, CustomStringConvertible {
    case outOfResources
    case stackUnderflow
    case stackOverflow
    case invalidJump
    /// An EVM opcode (the text names the fork that brings it); other EEs report an illegal
    /// instruction as a `trap` with their own words.
    case invalidOpcode(UInt8)
    case staticViolation
    case callDepthExceeded
    case insufficientBalance
    case invalidMemoryAccess
    case codeSizeExceeded
    case initcodeSizeExceeded
    case invalidCode(String)
    case createCollision
    case nonceOverflow
    case trap(String)
    case limitExceeded(String)
    /// The callee's EE does not take calls of this kind (`ExecutionEnvironment.isModifierSupported`).
    case unsupportedCallKind(EEKind, CallModifier)
    case other(String)

    public var description: String {
        switch self {
        case .outOfResources: "out of gas"
        case .stackUnderflow: "stack underflow"
        case .stackOverflow: "stack overflow"
        case .invalidJump: "invalid jump destination"
        case .invalidOpcode(let op):
            // An opcode of a later fork failing under an older one says which fork brings it.
            if let fork = Fork.introducing(opcode: op), fork > .frontier, let info = EVMOpcodeInfo.lookup(op) {
                "invalid opcode 0x" + Hex.encode([op]) + " (\(info.name) comes with \(fork))"
            } else {
                "invalid opcode 0x" + Hex.encode([op])
            }
        case .staticViolation: "state change in a static context"
        case .callDepthExceeded: "call depth exceeded"
        case .insufficientBalance: "insufficient balance"
        case .invalidMemoryAccess: "invalid memory access"
        case .codeSizeExceeded: "code size limit exceeded"
        case .initcodeSizeExceeded: "init code size limit exceeded"
        case .invalidCode(let s): "invalid code: \(s)"
        case .createCollision: "address collision"
        case .nonceOverflow: "nonce overflow"
        case .trap(let s): "trap: \(s)"
        case .limitExceeded(let s): "limit exceeded: \(s)"
        case .unsupportedCallKind(let kind, let modifier): "\(kind) code does not take \(modifier) calls"
        case .other(let s): s
        }
    }
}

/// How a frame ended.
public enum FrameStatus: Sendable, Hashable {
    case success
    case revert
    case failure(FailureReason)
    public var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
    /// An exceptional end (not a revert): the frame's resources and changes are gone.
    public var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}

/// The result of a finished call frame, handed back to the caller's EE.
public struct CallResult: Sendable {
    public var status: FrameStatus
    public var returndata: Bytes
    public init(status: FrameStatus, returndata: Bytes) {
        self.status = status
        self.returndata = returndata
    }
}

/// The result of a finished deployment, handed back to the deployer's EE.
public struct DeploymentResult: Sendable {
    /// The new account's address on success, nil on failure.
    public var address: Address?
    public var status: FrameStatus
    /// Revert data of a failed constructor (empty on success).
    public var returndata: Bytes
    public init(address: Address?, status: FrameStatus, returndata: Bytes) {
        self.address = address
        self.status = status
        self.returndata = returndata
    }
}

/// Where a frame stops and hands control to the bootloader.
public enum Preemption: Sendable {
    /// The frame wants to call `request.target`; continue it with `continueAfterCall`.
    case externalCallRequest(CallRequest)
    /// The frame wants to deploy; continue it with `continueAfterDeployment`.
    case deploymentRequest(DeploymentRequest)
    /// A call frame ended: returndata, resources left, status. A failed frame's returndata and
    /// resources are dropped (its caller sees empty returndata, as after the EVM's exceptional
    /// halt); a reverted frame's are handed back.
    case completedExecution(CallResult, resourcesLeft: Resources)
    /// A constructor frame ended: the code to store (on success), resources left, status.
    case completedDeployment(code: Bytes, status: FrameStatus, returndata: Bytes, resourcesLeft: Resources)
}

/// An execution environment: a VM with its own code format, interpreter and metering.
///
/// One instance runs one frame. The bootloader creates it with the frame, calls `start`,
/// and, while the frame is suspended at a call or deployment request, keeps it on its frame
/// stack (the interpreter state lives in the instance, not on the native stack). An EE whose
/// runtime cannot suspend a frame makes its calls nested instead (`EEHost.nestedCall`,
/// `nestedDeployment`) and waits for them on the native stack.
///
/// The bootloader holds every EE to the protocol and abandons the transaction with
/// `EEError.protocolViolation` when one breaks it (README, "Adding an execution environment"):
/// a constructor frame ends with `completedDeployment` and every other frame with
/// `completedExecution`; a frame hands out and ends with no more resources than it holds; it
/// writes (storage, transient storage, logs, SELFDESTRUCT) only at `launch.callee` and never in
/// a static frame, and nothing while no frame runs (preparing a deployment, answering
/// `isModifierSupported`); a call request never carries `.constructor`; a deployment's deployer
/// is `launch.callee`; a prepared deployment has the CREATE / CREATE2 address and code of this
/// EE's kind; only the EE of the running frame makes nested calls (`EEHost.nestedCall`), in its
/// own name; `Bootloader.execute` is not called from inside a transaction. The checks catch
/// mistakes, not malice: an EE runs in the host process.
public protocol ExecutionEnvironment: AnyObject {
    static var kind: EEKind { get }

    /// Start the frame and run to the first preemption point.
    /// - Throws: `EEError` for host-level problems only; anything the guest does wrong ends
    ///   the frame with `.failure(reason)`.
    func start(_ launch: LaunchParams, host: any EEHost) throws(EEError) -> Preemption

    /// Resume after a sub-call ended; `returned` are the resources the callee did not use.
    func continueAfterCall(_ result: CallResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption

    /// Resume after a deployment ended; `returned` are the resources the constructor did not use.
    func continueAfterDeployment(_ result: DeploymentResult, returned: Resources, host: any EEHost) throws(EEError)
        -> Preemption

    /// Whether this EE's code can be entered with `modifier`; a call of another kind fails
    /// (the caller's resources for it are gone, as for any failed call).
    static func isModifierSupported(_ modifier: CallModifier) -> Bool

    /// Whether the running frame is static (informational: the bootloader uses the launch's flag).
    var isStaticContext: Bool { get }

    /// Deployment-data checks and address derivation for a deployment of this EE's kind, by a
    /// transaction or by a frame of any EE. The prepared resources are at most the request's.
    static func prepareDeployment(_ request: DeploymentRequest, host: any EEHost) throws(EEError) -> PreparedDeployment

    /// Whether this EE's frames make nested calls and deployments (`EEHost.nestedCall`): a
    /// runtime that calls its imports synchronously (WASM) does; an EE whose calls preempt
    /// (the EVM and RISC-V EEs) does not, and a nested call in its frame's name (from a
    /// callback holding the EE, a step tracer say) is refused. Default: true.
    static var makesNestedCalls: Bool { get }
}

extension ExecutionEnvironment {
    public static var makesNestedCalls: Bool { true }
}
