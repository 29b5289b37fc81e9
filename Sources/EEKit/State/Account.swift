/// An account as the state stores it.
public struct Account: Sendable, Equatable {
    public var nonce: UInt64
    public var balance: U256
    /// The EE that runs the account's code (`.none` without code).
    public var kind: EEKind
    public var code: Bytes
    public var codeHash: Bytes32

    public init(nonce: UInt64 = 0, balance: U256 = .zero, kind: EEKind = .none, code: Bytes = []) {
        self.nonce = nonce
        self.balance = balance
        self.code = code
        self.codeHash = code.isEmpty ? Keccak.empty : Keccak.hash(code)
        self.kind = code.isEmpty ? .none : (kind == .none ? .evm : kind)
    }

    /// - Precondition: `codeHash == Keccak.hash(code)` (the stores' loaders pass what they
    ///   checked). Decoded and analysed code is cached process-wide by hash, so an account
    ///   given another code's hash runs that other code; the initialisers without `codeHash`
    ///   compute it.
    public init(nonce: UInt64, balance: U256, kind: EEKind, code: Bytes, codeHash: Bytes32) {
        self.nonce = nonce
        self.balance = balance
        self.kind = kind
        self.code = code
        self.codeHash = codeHash
    }

    public static let empty = Account()

    /// EIP-161: no code, nonce 0, balance 0.
    public var isEmpty: Bool { nonce == 0 && balance.isZero && code.isEmpty }

    /// Replaces the code and its hash.
    public mutating func setCode(_ code: Bytes, kind: EEKind) {
        self.code = code
        self.codeHash = code.isEmpty ? Keccak.empty : Keccak.hash(code)
        self.kind = code.isEmpty ? .none : kind
    }

    /// RLP([nonce, balance, storageRoot, codeHash]), the leaf of the state trie, as Ethereum's;
    /// an account whose code another EE runs (WASM, RISC-V) adds its kind as a fifth item, so
    /// that the root commits to which EE runs each code (the same bytes may be deployed as EVM
    /// code and as an ELF) while roots of EVM-only states stay Ethereum's.
    public func trieLeaf(storageRoot: Bytes32) -> Bytes {
        var items: [RLP] = [.uint(nonce), .uint(balance), .hash(storageRoot), .hash(codeHash)]
        if kind != .none && kind != .evm { items.append(.uint(UInt64(kind.rawValue))) }
        return RLP.list(items).encoded
    }
}

/// The changes of one or more transactions, written to a store in one atomic commit.
public struct StateChangeSet: Sendable {
    /// New account values; nil deletes the account (and its storage).
    public var accounts: [Address: Account?] = [:]
    /// Accounts whose stored storage is wiped before `storage` is applied.
    public var wipedStorage: Set<Address> = []
    /// New slot values; zero deletes the slot.
    public var storage: [Address: [U256: U256]] = [:]
    public init() {}
    public var isEmpty: Bool { accounts.isEmpty && wipedStorage.isEmpty && storage.isEmpty }
}

/// Where committed state lives. The journaled overlay (`WorldState`) reads through it and
/// writes a `StateChangeSet` back at commit.
public protocol StateStore: AnyObject {
    func account(_ address: Address) throws(EEError) -> Account?
    func storage(_ address: Address, _ key: U256) throws(EEError) -> U256
    /// Applies all changes atomically: after a crash either all or none are visible.
    func commit(_ changes: StateChangeSet) throws(EEError)
    /// Every account (for the state root).
    func allAccounts() throws(EEError) -> [Address: Account]
    /// Every non-zero slot of one account (for its storage root).
    func allStorage(_ address: Address) throws(EEError) -> [U256: U256]
    /// Whether the account has any non-zero slot (EIP-7610 collision rule).
    func hasStorage(_ address: Address) throws(EEError) -> Bool
}
