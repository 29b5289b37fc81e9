/// Rules for storing the code a constructor returned, per EE kind.
public struct CodeDepositRules: Sendable, Hashable {
    /// Largest code that may be stored (EIP-170: 24576 for EVM).
    public var maxCodeSize: Int
    /// EVM gas charged per stored byte (200 for EVM).
    public var gasPerByte: UInt64
    /// EIP-3541: refuse code starting with 0xEF.
    public var rejectEFPrefix: Bool

    public init(maxCodeSize: Int, gasPerByte: UInt64, rejectEFPrefix: Bool) {
        self.maxCodeSize = maxCodeSize
        self.gasPerByte = gasPerByte
        self.rejectEFPrefix = rejectEFPrefix
    }

    /// Ethereum's rules (EIP-170, 200 gas per byte, EIP-3541).
    public static let evm = CodeDepositRules(maxCodeSize: 24_576, gasPerByte: 200, rejectEFPrefix: true)
}

/// The execution environments the bootloader knows, by the EE kind accounts record.
/// A new EE plugs in by registering a factory; the bootloader itself does not change.
public struct EERegistry {
    public struct Entry {
        public let type: any ExecutionEnvironment.Type
        public let make: () -> any ExecutionEnvironment
        public var deposit: CodeDepositRules
    }

    public private(set) var entries: [EEKind: Entry] = [:]

    public init() {}

    /// Registers (or replaces) the EE for `E.kind`.
    /// - Parameters:
    ///   - type: the EE type; its static `kind`, `prepareDeployment` and `isModifierSupported` are used.
    ///   - deposit: how returned constructor code is stored.
    ///   - make: creates a fresh instance for one frame.
    public mutating func register<E: ExecutionEnvironment>(
        _ type: E.Type, deposit: CodeDepositRules = .evm, make: @escaping () -> E
    ) {
        entries[E.kind] = Entry(type: type, make: make, deposit: deposit)
    }

    public subscript(kind: EEKind) -> Entry? { entries[kind] }
}
