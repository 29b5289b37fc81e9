/// The Ethereum fork whose rules a block follows (EVM opcodes and gas, precompiles,
/// transaction and state rules). EEKit implements Frontier to Osaka, and the two blob-parameter-only
/// forks after it (EIP-7892: BPO1 and BPO2, Osaka's rules with more blobs); Cancun is the default.
/// The raw value is the name the Ethereum test fixtures use ("Cancun", "Shanghai", ...,
/// "ConstantinopleFix" for Petersburg, "EIP158" for Spurious Dragon, "EIP150" for Tangerine
/// Whistle).
public enum Fork: String, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case frontier = "Frontier", homestead = "Homestead", tangerineWhistle = "EIP150"
    case spuriousDragon = "EIP158", byzantium = "Byzantium", constantinople = "Constantinople"
    case petersburg = "ConstantinopleFix", istanbul = "Istanbul", berlin = "Berlin", london = "London"
    case paris = "Paris", shanghai = "Shanghai", cancun = "Cancun", prague = "Prague", osaka = "Osaka"
    /// Blob-parameter-only forks (EIP-7892): Osaka's rules, with the blob schedule of
    /// `BlobSchedule.of(_:)` (BPO1 target 10 / max 15, BPO2 14 / 21, as mainnet set them).
    case bpo1 = "BPO1", bpo2 = "BPO2"

    /// The newest fork EEKit implements.
    public static let newest: Fork = .bpo2

    /// The fork whose EVM and transaction rules this one follows: itself, or Osaka for the
    /// blob-parameter-only forks, which change nothing but the blob schedule.
    public var rules: Fork { self > .osaka ? .osaka : self }

    /// 0 for Frontier, one more per later fork (the order of `allCases`).
    public var order: Int {
        switch self {
        case .frontier: 0
        case .homestead: 1
        case .tangerineWhistle: 2
        case .spuriousDragon: 3
        case .byzantium: 4
        case .constantinople: 5
        case .petersburg: 6
        case .istanbul: 7
        case .berlin: 8
        case .london: 9
        case .paris: 10
        case .shanghai: 11
        case .cancun: 12
        case .prague: 13
        case .osaka: 14
        case .bpo1: 15
        case .bpo2: 16
        }
    }

    public static func < (a: Fork, b: Fork) -> Bool { a.order < b.order }

    public var description: String { rawValue }

    /// Other names the forks go by: the upgrades' names, and forks that changed no rule the
    /// state tests see (Muir Glacier, Arrow Glacier, Gray Glacier: difficulty bombs).
    static let aliases: [String: Fork] = [
        "merge": .paris, "petersburg": .petersburg, "spuriousdragon": .spuriousDragon,
        "tangerinewhistle": .tangerineWhistle, "muirglacier": .istanbul, "arrowglacier": .london,
        "grayglacier": .london, "pectra": .prague, "fusaka": .osaka,
    ]

    /// The fork named as the fixtures name it, or by an alias (`aliases`: "Merge" for Paris,
    /// "Petersburg", "SpuriousDragon", ...), in any letter case; nil for a name it does not know.
    public init?(name: String) {
        // ASCII letter case only: lowercased() maps the Kelvin sign to k, so "Osa\u{212A}a" was
        // Osaka (a review).
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        let lower = name.lowercased()
        guard let f = Fork.allCases.first(where: { $0.rawValue.lowercased() == lower }) ?? Fork.aliases[lower]
        else { return nil }
        self = f
    }
}

/// Block and transaction context, fixed for a transaction.
public struct BlockContext: Sendable {
    /// The rules the block follows (default: Cancun).
    public var fork: Fork = .cancun
    public var coinbase: Address = .zero
    public var number: UInt64 = 0
    public var timestamp: UInt64 = 0
    public var gasLimit: UInt64 = 30_000_000
    public var prevrandao: Bytes32 = .zero
    public var chainId: U256 = U256(1)
    public var baseFee: U256 = .zero
    public var blobBaseFee: U256 = U256(1)
    /// The blob parameters (blobs per block, update fraction), when the chain sets its own; nil
    /// for the fork's (`BlobSchedule.of(fork)`; in force: `blobParameters`). They limit a
    /// transaction's blobs; `blobBaseFee` is set apart (`BlobFees.baseFee(excessBlobGas:schedule:)`).
    public var blobSchedule: BlobSchedule? = nil
    public init() {}

    /// The base fee the fork applies: `baseFee` from London (EIP-1559); zero before, where no
    /// base fee is enforced, charged or burned and BASEFEE does not exist. What a native
    /// contract's EEK_CTX_BASE_FEE reads.
    public var baseFeeInForce: U256 { fork >= .london ? baseFee : .zero }
    /// `blobBaseFee` from Cancun (EIP-4844); zero before, where no transaction carries blobs
    /// and BLOBBASEFEE does not exist. What a native contract's EEK_CTX_BLOB_BASE_FEE reads.
    public var blobBaseFeeInForce: U256 { fork >= .cancun ? blobBaseFee : .zero }
}

public struct TransactionContext: Sendable {
    public var origin: Address = .zero
    public var gasPrice: U256 = .zero
    public var blobHashes: [Bytes32] = []
    public init() {}
}

/// A log record.
public struct Log: Sendable, Hashable {
    public var address: Address
    public var topics: [Bytes32]
    public var data: Bytes
    public init(address: Address, topics: [Bytes32], data: Bytes) {
        self.address = address
        self.topics = topics
        self.data = data
    }
}

extension Log {
    /// Bytes the log holds: its data plus 32 per topic (what `ResourceLimits.maxLogBytes` counts).
    public var byteSize: Int { data.count + 32 * topics.count }
}

/// The state access an EE has while it runs a frame, served by the bootloader over the
/// journaled state. Every change goes through the journal, so a failed frame is reverted
/// by the bootloader without the EE doing anything.
///
/// Warm/cold tracking (EIP-2929) is explicit: `accessAccount` / `accessStorage` mark the
/// item warm and say whether it already was.
public protocol EEHost: AnyObject {
    var block: BlockContext { get }
    var transaction: TransactionContext { get }
    var schedule: GasSchedule { get }

    // Accounts
    func balance(_ address: Address) -> U256
    func nonce(_ address: Address) -> UInt64
    func code(_ address: Address) -> Bytecode
    /// keccak256 of the code; zero for accounts that do not exist (EXTCODEHASH semantics).
    func codeHash(_ address: Address) -> Bytes32
    func codeSize(_ address: Address) -> Int
    func accountExists(_ address: Address) -> Bool
    /// EIP-161 empty: no code, nonce 0, balance 0.
    func isEmpty(_ address: Address) -> Bool
    /// Marks the account warm; returns whether it was warm before.
    func accessAccount(_ address: Address) -> Bool

    // Storage
    func storage(_ address: Address, _ key: U256) -> U256
    /// The value at the start of the transaction (EIP-2200).
    func originalStorage(_ address: Address, _ key: U256) -> U256
    /// `storage` and `originalStorage` in one call (what SSTORE pricing needs).
    func storageValues(_ address: Address, _ key: U256) -> (current: U256, original: U256)
    /// `accessStorage` and `storageValues` in one call (SLOAD and SSTORE need both): marks
    /// the slot warm and returns whether it already was, with its current and original value.
    func accessStorageValues(_ address: Address, _ key: U256) -> (wasWarm: Bool, current: U256, original: U256)
    func setStorage(_ address: Address, _ key: U256, _ value: U256)
    /// Marks the slot warm; returns whether it was warm before.
    func accessStorage(_ address: Address, _ key: U256) -> Bool
    func transientStorage(_ address: Address, _ key: U256) -> U256
    func setTransientStorage(_ address: Address, _ key: U256, _ value: U256)

    // Effects
    func emitLog(_ log: Log)
    /// Adds (or, negative, removes) gas refund (EIP-3529 counter).
    func addRefund(_ gas: Int64)
    /// The transaction's refund counter as added so far (tracers report the global value).
    var refundCounter: Int64 { get }
    /// EIP-6780 SELFDESTRUCT of `address` sending its balance to `beneficiary`.
    func selfDestruct(_ address: Address, beneficiary: Address)

    /// Hash of one of the 256 most recent blocks; zero otherwise.
    func blockHash(_ number: UInt64) -> Bytes32

    /// The running frame now holds `bytes` more guest memory (EVM memory expansion, a RISC-V
    /// frame's memory). Returns nil when that is within `ResourceLimits.maxFrameMemory` and
    /// `maxTotalGuestMemory`, else the reason, and the EE must then fail the frame with
    /// `.limitExceeded(reason)`. The bootloader releases a frame's memory when it ends.
    func reserveGuestMemory(_ bytes: Int) -> String?

    /// What an EE kept for `code` in the running transaction (`keep`), or nil.
    func keptObject(for code: Bytecode) -> AnyObject?
    /// Keeps `object`, `code` prepared to run (a native contract's loaded image, a compiled
    /// module), until the running transaction ends, so that code the transaction runs again is
    /// not prepared again when a process-wide cache evicted it meanwhile: each code is prepared
    /// at most once per transaction, paid for by its first (cold) access. An EE keeps the code
    /// of every frame it starts; `bytes` is the host memory it pins. Returns nil when kept (or
    /// already kept), else why not: the transaction's prepared code would pass
    /// `ResourceLimits.maxTransactionCodeBytes`, and the EE must then fail the frame with
    /// `.limitExceeded(reason)`. The set of codes a transaction runs is deterministic, so the
    /// failure is too.
    func keep(_ object: AnyObject, for code: Bytecode, bytes: Int) -> String?
    /// Why `keep` would refuse `bytes` more now (nil: it would keep them), so that an EE does not
    /// prepare code it could not keep.
    func keepRefusal(bytes: Int) -> String?

    // Nested calls: for an EE whose runtime cannot stop in the middle of a frame (a WASM
    // runtime that calls its imports synchronously). Every other EE returns a request as a
    // preemption instead; both kinds of call may be mixed in one transaction and one frame.
    /// Runs a call of the running frame (`ee` is its EE) to its end, with everything it calls,
    /// while the caller waits on the native stack, and returns what `continueAfterCall` would
    /// have been given: the callee's result and the resources it did not use. The same rules
    /// as an `externalCallRequest`: the caller takes `request.resources` out of its own budget
    /// first, and adds `returned` back. Deep nesting is safe on any thread: when the thread's
    /// stack runs low the nested frames continue on a thread with a large stack
    /// (`LargeStack.Worker`, made once and reused) while this one waits.
    /// - Throws: `EEError` for a host-level problem of the nested frames (a protocol break,
    ///   an EE's own error). The EE passes it on from `start` / `continueAfter*`; the
    ///   transaction is abandoned whether or not it does.
    func nestedCall(_ request: CallRequest, from ee: any ExecutionEnvironment) throws(EEError)
        -> (result: CallResult, returned: Resources)
    /// A deployment of the running frame, nested as `nestedCall` is: returns what
    /// `continueAfterDeployment` would have been given.
    func nestedDeployment(_ request: DeploymentRequest, from ee: any ExecutionEnvironment) throws(EEError)
        -> (result: DeploymentResult, returned: Resources)
}

extension EEHost {
    /// Whether a CALL or SELFDESTRUCT to `address` pays the 25,000 new-account gas (the EE
    /// adds its own conditions, such as a value moving): the account is empty or missing
    /// (EIP-161) from Spurious Dragon on, missing before.
    public func countsAsNewAccount(_ address: Address) -> Bool {
        block.fork >= .spuriousDragon ? isEmpty(address) : !accountExists(address)
    }
}

extension EEHost {
    /// Hosts without frames of their own (test hosts) run no nested call.
    public func nestedCall(_ request: CallRequest, from ee: any ExecutionEnvironment) throws(EEError)
        -> (result: CallResult, returned: Resources)
    {
        throw .unsupported("nested calls: this host runs none (the bootloader does)")
    }
    public func nestedDeployment(_ request: DeploymentRequest, from ee: any ExecutionEnvironment) throws(EEError)
        -> (result: DeploymentResult, returned: Resources)
    {
        throw .unsupported("nested deployments: this host runs none (the bootloader does)")
    }

    /// Hosts without memory caps (test hosts) grant every request.
    public func reserveGuestMemory(_ bytes: Int) -> String? { nil }
    /// Hosts without transactions (test hosts) keep nothing and refuse nothing.
    public func keptObject(for code: Bytecode) -> AnyObject? { nil }
    public func keep(_ object: AnyObject, for code: Bytecode, bytes: Int) -> String? { nil }
    public func keepRefusal(bytes: Int) -> String? { nil }
}

extension EEHost {
    /// Two calls, for hosts that have no cheaper way.
    public func storageValues(_ address: Address, _ key: U256) -> (current: U256, original: U256) {
        (storage(address, key), originalStorage(address, key))
    }

    /// Two calls, for hosts that have no cheaper way.
    public func accessStorageValues(_ address: Address, _ key: U256) -> (wasWarm: Bool, current: U256, original: U256) {
        let warm = accessStorage(address, key)
        let (current, original) = storageValues(address, key)
        return (warm, current, original)
    }
}
