/// Runs transactions over a journaled state: owns the frame stack, value transfers,
/// deployments, precompiles / system hooks, and serves the EEs' state access (`EEHost`).
///
/// One bootloader runs one transaction at a time on the calling thread; it is not thread-safe,
/// so give each thread its own (with its own `WorldState`). Bootloaders on different threads
/// share only the process-wide caches, which are locked (ContractTests' ConcurrencyTests, and
/// `Scripts/sanitize.sh thread`). It never recurses on
/// the native stack for EE frames that preempt (see `Runner.swift`), so depth 1024 needs no
/// large stack; nested calls (`nestedCall`, for EEs whose runtime calls back synchronously)
/// recurse, and move to a thread with a large stack when the stack they run on gets low.
public final class Bootloader: EEHost {
    public let world: WorldState
    // `@exclusivity(unchecked)`: these properties are read and written on every state access
    // of every transaction, never re-entrantly (no closure or callback touches a property
    // while it is being modified); the dynamic exclusivity checks on them were about a fifth
    // of a native token transfer's CPU time.
    @exclusivity(unchecked) public var registry: EERegistry
    /// Precompiles and host functions by address; warm from the start of every transaction.
    @exclusivity(unchecked) public var hooks: [Address: any SystemHook] {
        didSet {
            unavailableHooks = Bootloader.unavailableAddresses(hooks)
            updateAlwaysWarm()
        }
    }
    /// Addresses of `hooks` that are `UnavailableSystemHook`s.
    @exclusivity(unchecked) private var unavailableHooks: Set<Address>
    /// The block the transactions run in. Fixed while a transaction runs: a change made then
    /// (from a hook, a tracer or the block-hash provider; `useFork` too) is refused and ends the
    /// transaction as a protocol violation (a base fee changed between the gas purchase and the
    /// refund would pay the coinbase a tip nobody paid).
    public var block: BlockContext {
        get { storedBlock }
        set { if settingMayChange("the block context changed while a transaction runs") { storedBlock = newValue } }
    }
    @exclusivity(unchecked) private var storedBlock: BlockContext
    @exclusivity(unchecked) public var transaction: TransactionContext
    /// The gas schedule. Fixed while a transaction runs, as `block` and `limits` are: a
    /// change then is refused and ends the transaction as a protocol violation (a review: a
    /// hook that set ergsPerGas to 1 mid-transaction got all the execution gas back).
    public var schedule: GasSchedule {
        get { storedSchedule }
        set { if settingMayChange("the gas schedule changed while a transaction runs") { storedSchedule = newValue } }
    }
    @exclusivity(unchecked) private var storedSchedule: GasSchedule
    /// BLOCKHASH source; the default is keccak256 of the decimal block number, as Ethereum's
    /// reference test fillers do.
    public var blockHashProvider: @Sendable (UInt64) -> Bytes32 = { n in Keccak.hash(Array(String(n).utf8)) } {
        didSet { cachesBlockHashes = false }
    }
    /// The default provider's answers, by block number mod 256 (a BLOCKHASH loop would
    /// otherwise format and hash a number for every 20 gas, about 10 ns of CPU per gas). Off
    /// once a provider is set: a provider of the host's may answer differently over time.
    @exclusivity(unchecked) private var cachesBlockHashes = true
    @exclusivity(unchecked) private var blockHashCache: [(number: UInt64, hash: Bytes32)] = []
    /// Addresses that are always warm at transaction start (Cancun precompiles 0x01...0x0a;
    /// `useFork(.prague)` adds 0x0b...0x11, `useFork(.osaka)` 0x100), whether or not a hook
    /// serves them.
    @exclusivity(unchecked) public var precompileAddresses: Set<Address> = Bootloader.cancunPrecompiles {
        didSet { updateAlwaysWarm() }
    }
    /// `precompileAddresses` and the hook addresses: warm in every transaction (EIP-2929),
    /// answered here instead of being inserted into the state's warm set per transaction.
    @exclusivity(unchecked) private var alwaysWarm: Set<Address> = Bootloader.cancunPrecompiles
    /// When every `alwaysWarm` address has its first 12 bytes zero (precompiles and the usual
    /// hook addresses): the range of their last 8 bytes, so other addresses skip the set lookup.
    @exclusivity(unchecked) private var alwaysWarmLowRange: ClosedRange<UInt64>? = 1...10
    /// 0x01...0x0a, built once (a bootloader is made per call in `EVMRunner`).
    public static let cancunPrecompiles: Set<Address> = Set((1...10).map { Address(low: UInt64($0)) })
    /// Precompile addresses that were called without a hook to serve them (this transaction).
    @exclusivity(unchecked) public private(set) var missingPrecompilesCalled: Set<Address> = []
    /// Receives every frame's start and end (`CallTraceEvent`; `CallTraceRecorder` builds the
    /// tree). Nil (the default) costs one test per frame start and end. It observes: it may
    /// read `world`, but must not change it, commit it or start a transaction (`execute`
    /// refuses that one); a change made there would be journaled with the running
    /// transaction's and pass none of the EE protocol's checks.
    @exclusivity(unchecked) public var tracer: ((CallTraceEvent) -> Void)?
    /// Caps on returndata, logs and call depth (see `ResourceLimits`). Fixed while a
    /// transaction runs: a change made then (from a hook, a tracer or a host function) is
    /// refused and ends the transaction as a protocol violation (a review: caps lowered below
    /// what the frames held made the next memory reservation trap on overflow).
    public var limits: ResourceLimits {
        get { storedLimits }
        set { if settingMayChange("ResourceLimits changed while a transaction runs") { storedLimits = newValue } }
    }
    @exclusivity(unchecked) private var storedLimits = ResourceLimits()

    /// `block`, `schedule`, `limits` and `useFork` change nothing while a transaction runs: the
    /// change is refused and ends the transaction as a protocol violation. False then.
    private func settingMayChange(_ violation: @autoclosure () -> String) -> Bool {
        guard executing else { return true }
        noteViolation(violation())
        return false
    }
    /// Guest memory held by the live frames of the running call (`reserveGuestMemory`).
    @exclusivity(unchecked) public private(set) var guestMemoryInUse = 0
    /// `guestMemoryInUse` when each live frame started, innermost last: a frame's memory is
    /// what was reserved after its mark, and ending it returns to the mark.
    @exclusivity(unchecked) var guestMemoryMarks: [Int] = []
    /// Prepared code EEs keep until the running transaction ends (`keep`), by EE kind and code
    /// hash, and the host bytes it pins: the first few in a list (most transactions run one or
    /// two contracts; hashing into a map that is emptied after every transaction cost a native
    /// transfer about 5 %), the rest in a map.
    @exclusivity(unchecked) var keptFew: [(KeptCode, AnyObject)] = []
    @exclusivity(unchecked) var kept: [KeptCode: AnyObject] = [:]
    @exclusivity(unchecked) public private(set) var keptBytes = 0
    static let keptFewMax = 16
    struct KeptCode: Hashable {
        var kind: EEKind
        var hash: Bytes32
    }
    /// The frame whose EE the host's calls come from: the storage address it may write and
    /// whether it is static. Set each time the runner hands control to an EE.
    @exclusivity(unchecked) var active = ActiveFrame.none
    struct ActiveFrame {
        var address: Address
        var isStatic: Bool
        var isFrame = true
        /// No frame runs (before the first, and while an EE prepares a deployment): every
        /// write is refused.
        static let none = ActiveFrame(address: .zero, isStatic: true, isFrame: false)
    }
    /// The first error of the run that an EE could not be relied on to throw: an EE protocol
    /// break the host saw (a write outside the active frame or in a static one, or while none
    /// runs), or a host-level error of a nested call. The runner throws it when the EE hands
    /// control back, and in place of any later error.
    @exclusivity(unchecked) var firstError: EEError?
    /// A transaction is running (`execute` is not re-entrant).
    @exclusivity(unchecked) var executing = false
    /// The frame whose EE runs now (the one `active` describes), nil while none does: the
    /// caller of a nested call (`nestedCall`). Unowned: set and cleared on every frame switch,
    /// where retaining it cost a bare call about a tenth; every path clears it (`deactivate`)
    /// before the frame it names can be released (its EE's deinit may call the host).
    var runningFrame: Frame? { runningFrameRef?.takeUnretainedValue() }
    /// `runningFrame`, borrowed (`_withUnsafeGuaranteedRef`) where only a field is read: an
    /// unowned(unsafe) reference is retained and released around every read
    /// (`reserveGuestMemory`, twice per native frame).
    @exclusivity(unchecked) var runningFrameRef: Unmanaged<Frame>?
    /// Nested calls that continued on a large-stack thread because the stack they were made on
    /// ran low (`EEHost.nestedCall`), in this bootloader's life.
    public internal(set) var nestedStackMoves = 0
    /// Large-stack threads nested calls moved to (`NestedCalls.swift`), made on first need and
    /// reused; `stackWorkersBusy` of them are running (or waiting on) a nested call now.
    var stackWorkers: [LargeStack.Worker] = []
    var stackWorkersBusy = 0

    /// Largest call depth: frames at depth `maxDepth` may not call further (Ethereum: 1024).
    /// The same value as `limits.maxCallDepth`.
    public var maxDepth: Int {
        get { limits.maxCallDepth }
        set { limits.maxCallDepth = newValue }
    }

    /// - Parameter hooks: precompiles and host functions by address; by default the standard
    ///   precompiles (`Precompiles.osaka()`, those of `block.fork`), as `ContractSession`,
    ///   `EVMRunner` and revm give them. `[:]` leaves them out: their addresses then run as
    ///   accounts without code, and calls to them are listed in `missingPrecompilesCalled`.
    public init(
        world: WorldState, registry: EERegistry, hooks: [Address: any SystemHook] = Precompiles.osaka(),
        block: BlockContext = BlockContext(), schedule: GasSchedule = .default
    ) {
        self.world = world
        self.registry = registry
        self.hooks = hooks
        self.unavailableHooks = Bootloader.unavailableAddresses(hooks)
        self.storedBlock = block
        self.transaction = TransactionContext()
        self.storedSchedule = schedule
        updateAlwaysWarm()
        // A block of another fork than Cancun, or hooks at addresses whose precompiles came later
        // (the Prague table under Cancun): that fork's precompiles only.
        let laterHooks = Bootloader.precompileForks.contains {
            $0.1 > block.fork && Bootloader.isStandard(hooks[Address(low: $0.0)], at: Address(low: $0.0))
        }
        if block.fork != .cancun || laterHooks { useFork(block.fork) }
    }

    /// Applies `fork`'s rules from the next transaction: sets `block.fork` (and the world
    /// state's `touchCreatesAccounts`, EIP-161's absence before Spurious Dragon), takes away the
    /// precompiles the fork did not have yet (0x05-0x08 before Byzantium, blake2f 0x09
    /// before Istanbul, point evaluation 0x0a before Cancun, the BLS12-381 precompiles
    /// 0x0b-0x11 of EIP-2537 before Prague, P256VERIFY 0x100 before Osaka), so that their addresses are
    /// ordinary ones (cold, without code) as they were then. The base fee stays the caller's to
    /// set (0 before London). Going to a later fork brings the precompiles taken away back.
    public func useFork(_ fork: Fork) {
        guard settingMayChange("useFork(\(fork)) while a transaction runs") else { return }
        block.fork = fork
        world.touchCreatesAccounts = fork < .spuriousDragon  // EIP-161's absence
        for (low, introduced) in Bootloader.precompileForks {
            let a = Address(low: low)
            if fork >= introduced {
                if let hook = setAsidePrecompiles.removeValue(forKey: a), hooks[a] == nil { hooks[a] = hook }
                if !precompileAddresses.contains(a) { precompileAddresses.insert(a) }
            } else {
                // Only the standard precompile's hook: one of the embedder's own at that
                // address (a SystemHook at 0x100 under Cancun) stays.
                if let hook = hooks[a], Bootloader.isStandard(hook, at: a) {
                    setAsidePrecompiles[a] = hook
                    hooks[a] = nil
                }
                if precompileAddresses.contains(a) { precompileAddresses.remove(a) }
            }
        }
    }
    /// The standard precompiles younger than Frontier, by address, and the fork that added them.
    static let precompileForks: [(UInt64, Fork)] = [
        (5, .byzantium), (6, .byzantium), (7, .byzantium), (8, .byzantium), (9, .istanbul), (10, .cancun),
        (11, .prague), (12, .prague), (13, .prague), (14, .prague), (15, .prague), (16, .prague), (17, .prague),
        (0x100, .osaka),
    ]
    /// The type of the standard precompile hook at each address (`Precompiles.osaka()`).
    private static let standardHookTypes: [Address: ObjectIdentifier] = Precompiles.osaka().mapValues {
        ObjectIdentifier(type(of: $0))
    }
    /// Whether `hook` is the standard precompile of `address` (a hook of that type).
    static func isStandard(_ hook: (any SystemHook)?, at address: Address) -> Bool {
        guard let hook else { return false }
        return standardHookTypes[address] == ObjectIdentifier(type(of: hook))
    }
    /// The hooks `useFork` took away while an older fork is in use.
    private var setAsidePrecompiles: [Address: any SystemHook] = [:]

    private func updateAlwaysWarm() {
        alwaysWarm = hooks.isEmpty ? precompileAddresses : precompileAddresses.union(hooks.keys)
        if alwaysWarm.allSatisfy({ $0.hi == 0 && $0.mid == 0 }), let lo = alwaysWarm.map(\.lo).min(),
            let hi = alwaysWarm.map(\.lo).max()
        {
            alwaysWarmLowRange = lo...hi
        } else {
            alwaysWarmLowRange = nil
        }
    }

    /// Whether `address` is a precompile or hook address (warm from the start of every
    /// transaction).
    public func isAlwaysWarm(_ address: Address) -> Bool {
        if let r = alwaysWarmLowRange, address.hi != 0 || address.mid != 0 || !r.contains(address.lo) {
            return false
        }
        return alwaysWarm.contains(address)
    }

    private static func unavailableAddresses(_ hooks: [Address: any SystemHook]) -> Set<Address> {
        Set(hooks.compactMap { $0.value is any UnavailableSystemHook ? $0.key : nil })
    }

    /// Records a call to a precompile address that has no hook, or whose hook cannot compute
    /// its result in this build.
    func noteMissingPrecompile(_ a: Address) { missingPrecompilesCalled.insert(a) }
    func noteHookCall(_ a: Address) {
        if !unavailableHooks.isEmpty, unavailableHooks.contains(a) { missingPrecompilesCalled.insert(a) }
    }
    func resetTransactionNotes() { missingPrecompilesCalled.removeAll() }

    // MARK: EEHost

    public func balance(_ address: Address) -> U256 { world.balance(address) }
    public func nonce(_ address: Address) -> UInt64 { world.nonce(address) }

    public func code(_ address: Address) -> Bytecode {
        guard let a = world.account(address) else { return Bytecode(kind: .none, bytes: [], hash: Keccak.empty) }
        return Bytecode(kind: a.kind, bytes: a.code, hash: a.codeHash)
    }

    public func codeHash(_ address: Address) -> Bytes32 {
        guard let a = world.account(address), !a.isEmpty else { return .zero }
        return a.codeHash
    }

    public func codeSize(_ address: Address) -> Int { world.codeSize(address) }
    public func accountExists(_ address: Address) -> Bool { world.exists(address) }
    public func isEmpty(_ address: Address) -> Bool { world.isMissingOrEmpty(address) }
    public func accessAccount(_ address: Address) -> Bool {
        isAlwaysWarm(address) || world.accessAccount(address)
    }

    public func storage(_ address: Address, _ key: U256) -> U256 { world.storage(address, key) }
    public func originalStorage(_ address: Address, _ key: U256) -> U256 { world.originalStorage(address, key) }
    public func storageValues(_ address: Address, _ key: U256) -> (current: U256, original: U256) {
        world.storageValues(address, key)
    }
    public func accessStorageValues(_ address: Address, _ key: U256) -> (wasWarm: Bool, current: U256, original: U256) {
        world.accessStorageValues(address, key)
    }
    public func setStorage(_ address: Address, _ key: U256, _ value: U256) {
        guard mayWrite(address, "storage") else { return }
        world.setStorage(address, key, value)
    }
    public func accessStorage(_ address: Address, _ key: U256) -> Bool { world.accessStorage(address, key) }
    public func transientStorage(_ address: Address, _ key: U256) -> U256 { world.transientStorage(address, key) }
    public func setTransientStorage(_ address: Address, _ key: U256, _ value: U256) {
        guard mayWrite(address, "transient storage") else { return }
        world.setTransientStorage(address, key, value)
    }

    public func emitLog(_ log: Log) {
        guard mayWrite(log.address, "a log") else { return }
        world.emitLog(log)
    }

    /// Whether the active frame may change `address`'s state: only its own (its storage
    /// address), and not in a static frame. A write that breaks this is not made, and the
    /// runner abandons the transaction with a `protocolViolation` (our EEs never do it: EVM
    /// and RISC-V frames refuse such writes themselves).
    @inline(__always) private func mayWrite(_ address: Address, _ what: String) -> Bool {
        if address == active.address && !active.isStatic { return true }
        noteViolation(
            !active.isFrame
                ? "\(what) of \(address.hex) written while no frame runs (preparing a deployment, or in an EE's deinit)"
                : active.isStatic ? "\(what) written in a static frame (\(active.address.hex))"
                : "\(what) of \(address.hex) written by a frame of \(active.address.hex)")
        return false
    }

    /// Keeps the first protocol break of the run (the one the runner throws).
    func noteViolation(_ what: @autoclosure () -> String) {
        if firstError == nil { _ = keepFirst(.protocolViolation(what())) }
    }

    public func addRefund(_ gas: Int64) {
        // Refunds come with state changes, which only a running, non-static frame makes.
        guard active.isFrame && !active.isStatic else {
            noteViolation(active.isFrame ? "a refund added in a static frame (\(active.address.hex))" : "a refund added while no frame runs")
            return
        }
        world.addRefund(gas)
    }
    public var refundCounter: Int64 { world.refund }
    public func selfDestruct(_ address: Address, beneficiary: Address) {
        guard mayWrite(address, "SELFDESTRUCT") else { return }
        // EIP-6780 (Cancun): only an account created in this transaction is deleted; before,
        // every one was, and before London (EIP-3529) the first SELFDESTRUCT of an account in
        // a transaction refunded 24,000 gas.
        let first = world.selfDestruct(address, beneficiary: beneficiary, always: block.fork < .cancun)
        if first && block.fork < .london { world.addRefund(24_000) }
    }

    public func reserveGuestMemory(_ bytes: Int) -> String? {
        let frameUse = guestMemoryInUse - (guestMemoryMarks.last ?? 0) - (runningFrameRef?._withUnsafeGuaranteedRef { $0.heldBytes } ?? 0)
        if bytes < 0 || bytes > limits.maxFrameMemory - frameUse {
            return "guest memory of the frame, \(frameUse) + \(bytes) bytes, exceeds the cap of \(limits.maxFrameMemory) bytes"
        }
        if bytes > limits.maxTotalGuestMemory - guestMemoryInUse {
            return "guest memory of all frames, \(guestMemoryInUse) + \(bytes) bytes, exceeds the cap of \(limits.maxTotalGuestMemory) bytes"
        }
        guestMemoryInUse += bytes
        return nil
    }

    /// A new frame's calldata counts toward `maxTotalGuestMemory` while the frame lives (not
    /// toward its own `maxFrameMemory`): a review's chain of frames each passing 240 MiB of
    /// memory as calldata held 4.45 GB with the cap at 2 GiB. The reason if it does not fit.
    func holdCalldata(_ f: Frame, _ bytes: Int) -> String? {
        if bytes > limits.maxTotalGuestMemory - guestMemoryInUse {
            return "guest memory of all frames, \(guestMemoryInUse) + \(bytes) bytes of calldata, exceeds the cap of \(limits.maxTotalGuestMemory) bytes"
        }
        guestMemoryInUse += bytes
        f.heldCalldata += bytes
        return nil
    }

    /// The returndata a frame's EE now holds (its last call's output, which replaces the one
    /// before) counts toward `maxTotalGuestMemory` until the frame ends: a review's chain of
    /// frames each holding 16 MiB of returndata reached 4.3 GB at depth 260 outside the 2 GiB
    /// cap. Counted without a check (the bytes exist already, within `maxReturnDataBytes`);
    /// the next reservation or calldata of any frame sees them.
    func holdReturndata(_ f: Frame, _ bytes: Int) {
        guestMemoryInUse += bytes - f.heldReturndata
        f.heldReturndata = bytes
    }

    /// Called before an EE starts a frame (which may reserve memory at once).
    func markFrameMemory() { guestMemoryMarks.append(guestMemoryInUse) }
    /// Called when a frame ends: its memory and that of every frame it started is released.
    func releaseFrameMemory() { guestMemoryInUse = guestMemoryMarks.popLast() ?? 0 }
    func resetGuestMemory() {
        guestMemoryMarks.removeAll(keepingCapacity: true)
        guestMemoryInUse = 0
        // A transaction's run begins and ends here: what EEs kept for it goes too.
        if !keptFew.isEmpty {
            keptFew.removeAll(keepingCapacity: true)
            if !kept.isEmpty { kept.removeAll(keepingCapacity: true) }
            keptBytes = 0
        }
    }

    public func keptObject(for code: Bytecode) -> AnyObject? {
        keptObject(KeptCode(kind: code.kind, hash: code.hash))
    }

    private func keptObject(_ key: KeptCode) -> AnyObject? {
        for (k, o) in keptFew where k == key { return o }
        return kept.isEmpty ? nil : kept[key]
    }

    public func keep(_ object: AnyObject, for code: Bytecode, bytes: Int) -> String? {
        let key = KeptCode(kind: code.kind, hash: code.hash)
        if keptObject(key) != nil { return nil }
        if let refusal = keepRefusal(bytes: bytes) { return refusal }
        if keptFew.count < Bootloader.keptFewMax {
            keptFew.append((key, object))
        } else {
            kept[key] = object
        }
        keptBytes += bytes
        return nil
    }

    /// Replaces what the running transaction keeps for `code`, if that is `old`, by `new` (the
    /// same prepared code in another holder: a native image and its spare machines), with the
    /// bytes counted for `old`. False (and nothing changed) if `old` is not what is kept.
    func replaceKept(_ old: AnyObject, with new: AnyObject, for code: Bytecode) -> Bool {
        let key = KeptCode(kind: code.kind, hash: code.hash)
        if let i = keptFew.firstIndex(where: { $0.0 == key }) {
            guard keptFew[i].1 === old else { return false }
            keptFew[i].1 = new
            return true
        }
        guard let o = kept[key], o === old else { return false }
        kept[key] = new
        return true
    }

    public func keepRefusal(bytes: Int) -> String? {
        let cap = limits.maxTransactionCodeBytes
        guard bytes >= 0, bytes <= cap - keptBytes else {
            return "prepared code of the transaction, \(keptBytes) + \(bytes) bytes, exceeds the cap of \(cap) bytes"
        }
        return nil
    }

    public func blockHash(_ number: UInt64) -> Bytes32 {
        guard number < block.number, block.number - number <= 256 else { return .zero }
        guard cachesBlockHashes else { return blockHashProvider(number) }
        let slot = Int(number & 255)
        if blockHashCache.isEmpty { blockHashCache = Array(repeating: (.max, .zero), count: 256) }
        if blockHashCache[slot].number != number { blockHashCache[slot] = (number, blockHashProvider(number)) }
        return blockHashCache[slot].hash
    }
}

/// A system hook that occupies its address but cannot compute its result in this build (a
/// precompile whose library is missing). The bootloader still calls it, so the call fails by
/// the hook's own rules, and records the address in `Bootloader.missingPrecompilesCalled`; the
/// state-test runner reports a mismatching case that called it as skipped, naming the hook.
public protocol UnavailableSystemHook: SystemHook {
    /// Why the hook cannot run (names the missing library).
    var unavailability: String { get }
}

/// A placeholder for a precompile this build cannot compute: every call fails (consuming the gas
/// passed) with `reason`, and the bootloader records the call (`missingPrecompilesCalled`). Use
/// it in a hook table to keep an address occupied and warm while saying why it does not work.
public final class UnavailablePrecompile: UnavailableSystemHook {
    public let name: String
    public let unavailability: String
    public init(name: String, reason: String) {
        self.name = name
        self.unavailability = reason
    }
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .failure(.other(unavailability), gasLimit: gasLimit)
    }
}
