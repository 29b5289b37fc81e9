/// Code that lives at a reserved address and is run by the bootloader directly, without an
/// EE: the Ethereum precompiles and user-registered host functions. Any EE can call it like
/// a contract. Gas is in EVM gas units (the precompile rules are written in them); the
/// bootloader converts from and to ergs.
public protocol SystemHook: AnyObject, Sendable {
    /// A short name for traces and errors ("ecrecover", "plugin:foo").
    var name: String { get }
    /// Runs the hook.
    /// - Parameters:
    ///   - input: the calldata.
    ///   - gasLimit: the gas the caller passed.
    /// - Returns: the output and gas used on success; `.failure` consumes all gas passed.
    func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult
}

/// What a hook may know about its call.
public struct SystemHookContext: Sendable {
    public var caller: Address
    public var address: Address
    public var value: U256
    public var isStatic: Bool
    /// The block's fork (precompiles priced differently before Istanbul and Berlin read it).
    public var fork: Fork
    public init(caller: Address, address: Address, value: U256, isStatic: Bool, fork: Fork = .cancun) {
        self.caller = caller
        self.address = address
        self.value = value
        self.isStatic = isStatic
        self.fork = fork
    }
}

public struct SystemHookResult: Sendable {
    /// `.success`, `.revert` (output is revert data) or `.failure(reason)` (all gas consumed).
    public var status: FrameStatus
    public var output: Bytes
    public var gasUsed: UInt64
    public init(status: FrameStatus, output: Bytes, gasUsed: UInt64) {
        self.status = status
        self.output = output
        self.gasUsed = gasUsed
    }
    public static func success(_ output: Bytes, gasUsed: UInt64) -> SystemHookResult {
        SystemHookResult(status: .success, output: output, gasUsed: gasUsed)
    }
    public static func failure(_ reason: FailureReason, gasLimit: UInt64) -> SystemHookResult {
        SystemHookResult(status: .failure(reason), output: [], gasUsed: gasLimit)
    }
}
