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

    /// By `EEKind.rawValue` (a handful of kinds): every call looks its EE up, and indexing an
    /// array is cheaper than hashing into a dictionary.
    private var slots: [Entry?] = Array(repeating: nil, count: EEKind.allCases.count)

    /// The registered EEs by kind.
    public var entries: [EEKind: Entry] {
        var d: [EEKind: Entry] = [:]
        for k in EEKind.allCases { if let e = self[k] { d[k] = e } }
        return d
    }

    public init() {}

    /// Registers the EE for `E.kind`, replacing the one registered for that kind before (one
    /// EE per kind: a library's own EE takes a kind no other EE of the registry has, `.wasm`
    /// until EEKit's WASM EE comes).
    /// - Parameters:
    ///   - type: the EE type; its static `kind`, `prepareDeployment` and `isModifierSupported` are used.
    ///   - deposit: how returned constructor code is stored. The default is Ethereum's rules
    ///     (EIP-170's 24,576-byte cap, 200 gas per byte, EIP-3541's 0xEF refusal): an EE whose
    ///     code is not EVM bytecode usually gives its own, as the RISC-V EE does.
    ///   - make: creates a fresh instance for one frame.
    public mutating func register<E: ExecutionEnvironment>(
        _ type: E.Type, deposit: CodeDepositRules = .evm, make: @escaping () -> E
    ) {
        let i = Int(E.kind.rawValue)
        if i >= slots.count { slots += Array(repeating: nil, count: i + 1 - slots.count) }
        slots[i] = Entry(type: type, make: make, deposit: deposit)
    }

    public subscript(kind: EEKind) -> Entry? {
        let i = Int(kind.rawValue)
        return i < slots.count ? slots[i] : nil
    }
}
