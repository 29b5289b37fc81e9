/// The journaled state of a running block: an overlay over a `StateStore`.
///
/// Every change made while a transaction runs is recorded in a journal, so that a frame's
/// changes can be undone with `revert(to:)` (one snapshot per frame). Transaction-scoped data
/// (transient storage, warm sets, logs, refund counter, EIP-6780 bookkeeping) is cleared by
/// `finishTransaction()`; changed accounts and slots stay in the overlay until `commit()`
/// writes them to the store in one atomic step.
public final class WorldState {
    public let store: any StateStore

    /// A storage slot's key: one flat map instead of a map per account, so an access hashes
    /// once (address and key together) rather than twice.
    struct SlotKey: Hashable {
        let address: Address
        let key: U256

        /// All seven words in one `combine(bytes:)` call (the per-word calls dominated).
        func hash(into h: inout Hasher) {
            let w = (UInt64(address.hi), address.mid, address.lo, key.limbs.0, key.limbs.1, key.limbs.2, key.limbs.3)
            withUnsafeBytes(of: w) { h.combine(bytes: $0) }
        }

        /// What `Dictionary` calls: the keyed folded-multiply hash (see `FastHash`).
        func _rawHashValue(seed: Int) -> Int {
            FastHash.hash(
                seed: seed, key.limbs.0, key.limbs.1, key.limbs.2, key.limbs.3, address.lo, address.mid,
                UInt64(address.hi))
        }
    }

    /// Everything known about one slot: its values (once `loaded`), whether it is warm in the
    /// current transaction and whether it changed. Warmth and "written in this transaction"
    /// are transaction numbers, so ending a transaction clears them without touching the map.
    struct Slot {
        var current: U256 = .zero
        /// The value at the start of the transaction (EIP-2200 "original").
        var original: U256 = .zero
        /// False while the entry only records warmth (an access-list key not read yet).
        var loaded = false
        /// Changed since the last commit (listed in `dirtySlotKeys`).
        var dirty = false
        /// EIP-2929: warm iff equal to the current `transactionNumber`.
        var warmIn: UInt64 = 0
        /// Written in transaction number ... (listed in `txWrittenSlots` once).
        var writtenIn: UInt64 = 0
    }

    enum Entry {
        case account(Address, previous: Account?)
        /// A field of an existing account changed in place (the rest of it did not).
        case nonce(Address, previous: UInt64)
        case balance(Address, previous: U256)
        case storage(SlotKey, previous: U256)
        case transient(SlotKey, previous: U256)
        case warmAccount(Address)
        case warmSlot(SlotKey)
        case log
        case refund(previous: Int64)
        case touched(Address)
        /// A touch kept by the RIPEMD-160 exemption (`revertFrame`).
        case exemption
        case created(Address)
        case destructed(Address)
    }

    // Block-level overlay.
    // `@exclusivity(unchecked)`: these properties are read and written on every state access
    // of every transaction, never re-entrantly (no closure or callback touches a property
    // while it is being modified); the dynamic exclusivity checks on them were about a fifth
    // of a native token transfer's CPU time.
    @exclusivity(unchecked) var accounts: [Address: Account?] = [:]
    @exclusivity(unchecked) var slots: [SlotKey: Slot] = [:]
    /// The loaded keys of `slots` per account (account deletion, EIP-7610, state root).
    @exclusivity(unchecked) var slotKeys: [Address: [U256]] = [:]
    @exclusivity(unchecked) var dirtyAccounts: Set<Address> = []
    /// `dirtyAccounts` in the order they became dirty, so that `forgetRestoredChanges` drops
    /// those a simulation added without a copy of the set: a review saw each `view` cost time
    /// in proportion to the uncommitted accounts (320 us at 200,000), the set copied per view.
    @exclusivity(unchecked) var dirtyAccountOrder: [Address] = []
    /// Keys whose slot became dirty since the last commit (may repeat; the `dirty` flag decides).
    @exclusivity(unchecked) var dirtySlotKeys: [SlotKey] = []
    @exclusivity(unchecked) var wiped: Set<Address> = []
    /// `wiped` in the order of wiping (as `dirtyAccountOrder`).
    @exclusivity(unchecked) var wipedOrder: [Address] = []

    /// How many accounts and slots read from the store the overlay keeps before it drops them
    /// (when nothing in it is uncommitted: after `commit()`, or as a transaction starts on a
    /// committed state). A review saw a long session hold every account and slot it ever read,
    /// 370 bytes a slot (a million transfers: 350 MiB over the store's own 150), and read-only
    /// `view` traffic grow without bound. Dropped values are read from the store again.
    public var cachedEntryLimit = 1 << 18

    // Transaction-level data.
    /// Numbers the transactions of this state (see `Slot.warmIn`); starts at 1.
    @exclusivity(unchecked) var transactionNumber: UInt64 = 1
    @exclusivity(unchecked) var journal: [Entry] = []
    @exclusivity(unchecked) var transient: [SlotKey: U256] = [:]
    @exclusivity(unchecked) var warmAccounts: Set<Address> = []
    @exclusivity(unchecked) public private(set) var logs: [Log] = []
    /// The `Log.byteSize` sum of `logs` (for `ResourceLimits.maxLogBytes`).
    @exclusivity(unchecked) public private(set) var logBytes = 0
    @exclusivity(unchecked) public private(set) var refund: Int64 = 0
    @exclusivity(unchecked) var touched: Set<Address> = []
    @exclusivity(unchecked) public private(set) var created: Set<Address> = []
    @exclusivity(unchecked) var destructed: Set<Address> = []
    @exclusivity(unchecked) var txWrittenSlots: [SlotKey] = []

    /// The first error the store reported while reading; reads then return empty values and
    /// the runner turns this into a thrown error at the end of the transaction. It stays (every
    /// later transaction and `commit` throws it) until `discardUncommitted()`, which also drops
    /// the values read while the store failed.
    @exclusivity(unchecked) public private(set) var storeError: EEError?

    public init(store: any StateStore) {
        self.store = store
    }

    // MARK: Snapshots

    /// A snapshot id for `revert(to:)`, valid until the next transaction or `commit()` (each
    /// starts the journal afresh: what a commit wrote cannot be undone).
    public var snapshot: Int { journal.count }

    /// Undoes every change made after `snapshot`. While a bootloader runs a transaction on this
    /// state (`transactionIsOpen`) it undoes nothing and ends that transaction as a protocol
    /// violation (a hook's revert under running frames undid part of their journal, a review
    /// found); the bootloader's own reverts go through `rollBack(to:)`.
    public func revert(to snapshot: Int) {
        guard !transactionIsOpen else {
            refuseDuringTransaction("revert(to:) while a transaction runs on this world state")
            return
        }
        rollBack(to: snapshot)
    }

    func rollBack(to snapshot: Int) {
        while journal.count > max(0, snapshot) {
            switch journal.removeLast() {
            case .account(let a, let prev): accounts[a] = .some(prev)
            // The account exists again here: the journal is undone newest first.
            case .nonce(let a, let prev): accounts[a]??.nonce = prev
            case .balance(let a, let prev): accounts[a]??.balance = prev
            case .storage(let key, let prev): slots[key]?.current = prev
            case .transient(let key, let prev): transient[key] = prev
            case .warmAccount(let a): warmAccounts.remove(a)
            case .warmSlot(let key): slots[key]?.warmIn = 0
            case .log: logBytes -= logs.removeLast().byteSize
            case .refund(let prev): refund = prev
            case .touched(let a): touched.remove(a)
            case .exemption: exemptions.removeLast()
            case .created(let a): created.remove(a)
            case .destructed(let a): destructed.remove(a)
            }
        }
    }

    /// A failed call frame's revert: `revert(to:)` and, from Spurious Dragon, the RIPEMD-160
    /// exemption clients kept since mainnet block 2,675,119 (a failed call still cleared the
    /// empty account at 0x03), as execution-specs states it: 0x03 stays touched in the caller's
    /// scope, and is cleared at the end of the transaction if still empty, when the failed
    /// frame was a call to 0x03 that leaves it an empty account, or when 0x03 counted as
    /// touched inside the frame (`noteCallEnded`: a call to it that ended with it empty, or a
    /// failed frame below). A failed transaction frame keeps nothing. Upstream's
    /// stSpecialTest/failed_tx_xcf416c53 and stRevertTest/RevertPrecompiledTouch test it.
    public func revertFrame(to snapshot: Int, callee: Address, isTransactionFrame: Bool) {
        guard !transactionIsOpen else {
            refuseDuringTransaction("revertFrame(to:) while a transaction runs on this world state")
            return
        }
        rollBackFrame(to: snapshot, callee: callee, isTransactionFrame: isTransactionFrame)
    }

    func rollBackFrame(to snapshot: Int, callee: Address, isTransactionFrame: Bool) {
        let inherited = (exemptions.last ?? -1) >= snapshot
        rollBack(to: snapshot)
        guard !touchCreatesAccounts, !isTransactionFrame else { return }
        let ripemd = WorldState.ripemd160
        guard inherited || (callee == ripemd && existsAndIsEmpty(ripemd)) else { return }
        markRipemdTouch()
        touch(ripemd)
    }

    /// A call to `callee` ended successfully: when it was 0x03 and left it an empty account,
    /// 0x03 counts as touched for the RIPEMD-160 exemption (`revertFrame`).
    public func noteCallEnded(callee: Address) {
        if callee == WorldState.ripemd160 && !touchCreatesAccounts && existsAndIsEmpty(callee) { markRipemdTouch() }
    }

    private func markRipemdTouch() {
        exemptions.append(journal.count)
        journal.append(.exemption)
    }
    /// Journal positions of the `.exemption` entries of this transaction.
    private var exemptions: [Int] = []
    static let ripemd160 = Address(low: 3)

    // MARK: Accounts

    /// The account, or nil if it does not exist.
    public func account(_ a: Address) -> Account? {
        if let cached = accounts[a] { return cached }
        var loaded: Account?
        do { loaded = try store.account(a) } catch { recordStoreError(error); loaded = nil }
        accounts[a] = .some(loaded)
        return loaded
    }

    public func exists(_ a: Address) -> Bool { inPlace(a) { _ in true } ?? false }
    public func balance(_ a: Address) -> U256 { inPlace(a, \.balance) ?? .zero }
    public func nonce(_ a: Address) -> UInt64 { inPlace(a, \.nonce) ?? 0 }

    // Field reads and in-place field writes: the nonce and balance changes of every
    // transaction (nonce, gas purchase, refund, fee) neither copy the whole account (its code
    // array included) out of the overlay nor journal it; they journal the one field.

    /// `read` applied to the account in the overlay (loaded first if needed), or nil if the
    /// account does not exist; the account itself is not copied out.
    @inline(__always)
    private func inPlace<T>(_ a: Address, _ read: (Account) -> T) -> T? {
        if let cached = accounts[a] { return cached.map(read) }
        return account(a).map(read)
    }

    /// True if the account exists and is empty (EIP-161), read in place.
    public func existsAndIsEmpty(_ a: Address) -> Bool { inPlace(a, \.isEmpty) ?? false }

    /// True if the account does not exist or is empty (EIP-161), read in place.
    public func isMissingOrEmpty(_ a: Address) -> Bool { inPlace(a, \.isEmpty) ?? true }

    /// The code size (0 without an account), read in place.
    public func codeSize(_ a: Address) -> Int { inPlace(a) { $0.code.count } ?? 0 }

    /// Changes one field of the account, journaled: `entry` (the field's old value) and an
    /// in-place `change` when the account exists, the whole account through `modify` (which
    /// creates it) when `entry` is nil.
    @inline(__always)
    private func changeField(_ a: Address, _ entry: Entry?, _ change: (inout Account) -> Void) {
        guard let entry else {
            modify(a, change)
            return
        }
        journal.append(entry)
        change(&accounts[a]!!)  // exists: `entry` was made from its field
        markDirty(a)
    }

    @inline(__always)
    private func markDirty(_ a: Address) {
        if dirtyAccounts.insert(a).inserted { dirtyAccountOrder.append(a) }
    }

    /// Sets the balance (creating the account if it does not exist), journaled.
    private func setBalance(_ a: Address, _ v: U256) {
        changeField(a, inPlace(a, \.balance).map { .balance(a, previous: $0) }) { $0.balance = v }
    }

    /// Replaces the account (nil deletes it), journaled.
    public func setAccount(_ a: Address, _ value: Account?) {
        let prev = account(a)
        journal.append(.account(a, previous: prev))
        accounts[a] = .some(value)
        markDirty(a)
    }

    /// Changes the account in place, creating it (empty) if it does not exist.
    public func modify(_ a: Address, _ body: (inout Account) -> Void) {
        let prev = account(a)
        var acc = prev ?? .empty
        body(&acc)
        journal.append(.account(a, previous: prev))
        accounts[a] = .some(acc)
        markDirty(a)
    }

    public func setNonce(_ a: Address, _ n: UInt64) {
        changeField(a, inPlace(a, \.nonce).map { .nonce(a, previous: $0) }) { $0.nonce = n }
    }

    public func setCode(_ a: Address, _ code: Bytes, kind: EEKind) { modify(a) { $0.setCode(code, kind: kind) } }

    /// Adds `v` to the balance (creating the account) and touches it.
    /// - Returns: false if the balance would overflow (nothing changes then).
    @discardableResult
    public func addBalance(_ a: Address, _ v: U256) -> Bool {
        touch(a)
        if v.isZero { return true }
        let (s, o) = balance(a).addingReportingOverflow(v)
        if o { return false }
        setBalance(a, s)
        return true
    }

    /// Subtracts `v`; returns false (changing nothing) if the balance is too small.
    @discardableResult
    public func subBalance(_ a: Address, _ v: U256) -> Bool {
        if v.isZero { return true }
        let (d, o) = balance(a).subtractingReportingOverflow(v)
        if o { return false }
        setBalance(a, d)
        return true
    }

    /// Moves `v` from `from` to `to`, touching `to`. Returns false if `from` has too little.
    public func transfer(from: Address, to: Address, _ v: U256) -> Bool {
        // Most calls move no value: only the touch is left (what addBalance(to, 0) does).
        if v.isZero { touch(to); return true }
        if balance(from) < v { return false }
        if from == to { touch(to); return true }
        guard subBalance(from, v) else { return false }
        if !addBalance(to, v) {
            addBalance(from, v)
            return false
        }
        return true
    }

    /// Marks the account touched (EIP-161: deleted at the end of the transaction if empty).
    /// With `touchCreatesAccounts` a touch creates the account instead, as every balance change
    /// (a call, even of no value, a fee, a SELFDESTRUCT's beneficiary) did before Spurious
    /// Dragon; the creation is journaled, so a failing frame takes it back.
    public func touch(_ a: Address) {
        if touched.insert(a).inserted {
            journal.append(.touched(a))
            if touchCreatesAccounts && !exists(a) { modify(a) { _ in } }
        }
    }

    /// The rule before Spurious Dragon (no EIP-161): a touch creates the account at once, and
    /// the end of a transaction keeps touched empty accounts. The bootloader sets it from its
    /// block's fork.
    public var touchCreatesAccounts = false

    /// Records that `a` was created by this transaction (EIP-6780).
    public func markCreated(_ a: Address) {
        if created.insert(a).inserted { journal.append(.created(a)) }
    }

    /// EIP-6780 SELFDESTRUCT: moves the balance to `beneficiary`; deletes the account at the
    /// end of the transaction only if this transaction created it.
    /// With `always` (the rule before Cancun) every account is deleted, created in this
    /// transaction or not. Returns true when `a` was not marked for deletion before.
    @discardableResult
    public func selfDestruct(_ a: Address, beneficiary: Address, always: Bool = false) -> Bool {
        let bal = balance(a)
        if beneficiary != a {
            subBalance(a, bal)
            addBalance(beneficiary, bal)
        } else {
            touch(a)
        }
        guard always || created.contains(a) else { return false }
        if exists(a) { modify(a) { $0.balance = .zero } }
        if destructed.insert(a).inserted {
            journal.append(.destructed(a))
            return true
        }
        return false
    }

    // MARK: Storage

    /// The slot's values, read from the store the first time.
    private func loadSlot(_ key: SlotKey) -> Slot {
        if let s = slots[key], s.loaded { return s }
        var v = U256.zero
        if !wiped.isEmpty && wiped.contains(key.address) {
            v = .zero
        } else {
            do { v = try store.storage(key.address, key.key) } catch { recordStoreError(error) }
        }
        var loaded = Slot()
        WorldState.fill(&slots[key, default: Slot()], value: v, into: &loaded)
        slotKeys[key.address, default: []].append(key.key)
        return loaded
    }

    private static func fill(_ s: inout Slot, value: U256, into out: inout Slot) {
        s.current = value
        s.original = value
        s.loaded = true
        out = s
    }

    public func storage(_ a: Address, _ k: U256) -> U256 { loadSlot(SlotKey(address: a, key: k)).current }
    public func originalStorage(_ a: Address, _ k: U256) -> U256 { loadSlot(SlotKey(address: a, key: k)).original }

    /// The current and the original (transaction start) value in one lookup (SSTORE pricing).
    public func storageValues(_ a: Address, _ k: U256) -> (current: U256, original: U256) {
        let s = loadSlot(SlotKey(address: a, key: k))
        return (s.current, s.original)
    }

    public func setStorage(_ a: Address, _ k: U256, _ v: U256) {
        let key = SlotKey(address: a, key: k)
        if !(slots[key]?.loaded ?? false) { _ = loadSlot(key) }
        let n = transactionNumber
        let (previous, firstWrite, newlyDirty) = WorldState.write(&slots[key, default: Slot()], v, transaction: n)
        // A write of the value already there has nothing to undo: no entry, so that a loop of
        // such writes (100 gas each) does not grow the journal.
        if previous != v { journal.append(.storage(key, previous: previous)) }
        if newlyDirty { dirtySlotKeys.append(key) }
        if firstWrite { txWrittenSlots.append(key) }
    }

    private static func write(_ s: inout Slot, _ v: U256, transaction n: UInt64)
        -> (previous: U256, firstWrite: Bool, newlyDirty: Bool)
    {
        let previous = s.current
        s.current = v
        let firstWrite = s.writtenIn != n
        s.writtenIn = n
        let newlyDirty = !s.dirty
        s.dirty = true
        return (previous, firstWrite, newlyDirty)
    }

    public func transientStorage(_ a: Address, _ k: U256) -> U256 { transient[SlotKey(address: a, key: k)] ?? .zero }

    public func setTransientStorage(_ a: Address, _ k: U256, _ v: U256) {
        let key = SlotKey(address: a, key: k)
        let previous = transient.updateValue(v, forKey: key) ?? .zero
        if previous != v { journal.append(.transient(key, previous: previous)) }
    }

    // MARK: Access lists, logs, refunds

    /// Marks the account warm; returns whether it already was.
    public func accessAccount(_ a: Address) -> Bool {
        if warmAccounts.insert(a).inserted {
            journal.append(.warmAccount(a))
            return false
        }
        return true
    }

    public func isWarm(_ a: Address) -> Bool { warmAccounts.contains(a) }

    /// Marks the slot warm; returns whether it already was.
    public func accessStorage(_ a: Address, _ k: U256) -> Bool {
        let key = SlotKey(address: a, key: k)
        if WorldState.warm(&slots[key, default: Slot()], transaction: transactionNumber) { return true }
        journal.append(.warmSlot(key))
        return false
    }

    /// `accessStorage` and `storageValues` with one map lookup when the slot is already loaded
    /// (the usual case for SLOAD / SSTORE after the first access).
    public func accessStorageValues(_ a: Address, _ k: U256) -> (wasWarm: Bool, current: U256, original: U256) {
        let key = SlotKey(address: a, key: k)
        let s = WorldState.warmAndRead(&slots[key, default: Slot()], transaction: transactionNumber)
        if !s.wasWarm { journal.append(.warmSlot(key)) }
        if s.slot.loaded { return (s.wasWarm, s.slot.current, s.slot.original) }
        let loaded = loadSlot(key)
        return (s.wasWarm, loaded.current, loaded.original)
    }

    private static func warmAndRead(_ s: inout Slot, transaction n: UInt64) -> (wasWarm: Bool, slot: Slot) {
        let was = s.warmIn == n
        s.warmIn = n
        return (was, s)
    }

    /// Marks the slot warm in transaction `n`; returns whether it already was.
    private static func warm(_ s: inout Slot, transaction n: UInt64) -> Bool {
        if s.warmIn == n { return true }
        s.warmIn = n
        return false
    }

    public func emitLog(_ log: Log) {
        logs.append(log)
        logBytes += log.byteSize
        journal.append(.log)
    }

    public func addRefund(_ gas: Int64) {
        journal.append(.refund(previous: refund))
        refund &+= gas
    }

    // MARK: Transaction and block boundaries

    /// A bootloader runs a transaction on this state now (`Bootloader.execute` sets it). While
    /// one does, a second transaction (another bootloader on this world), `commit()` and
    /// `discardUncommitted()` are refused: the first cleared the running one's journal, so its
    /// reverts undid nothing, and the other two wrote or dropped the running frames' state
    /// under them (a review: a hook's commit persisted a reverted frame's storage).
    @exclusivity(unchecked) public internal(set) var transactionIsOpen = false
    /// What was refused while the transaction was open, for the bootloader to end it with.
    @exclusivity(unchecked) var refusedDuringTransaction: String?

    func refuseDuringTransaction(_ why: String) {
        if refusedDuringTransaction == nil { refusedDuringTransaction = why }
    }

    /// Starts a transaction on what the setters left since the last one (funding, `setStorage`,
    /// `setAccount` between transactions): their values become the transaction's starting
    /// state, the slots' EIP-2200 originals included, and nothing of them stays journaled or
    /// warm. (A slot set outside a transaction kept its old original, so an SSTORE after
    /// `setStorage(a, k, 0)` was priced as a dirty write of 100 gas instead of 20,000.)
    /// While a bootloader runs a transaction on this state it does nothing and ends that
    /// transaction as a protocol violation (it cleared the running journal, a review found).
    public func beginTransaction() {
        guard !transactionIsOpen else {
            refuseDuringTransaction("beginTransaction() while a transaction runs on this world state")
            return
        }
        openTransactionScope()
    }

    func openTransactionScope() {
        trimCacheIfClean()
        guard !journal.isEmpty || !txWrittenSlots.isEmpty else { return }
        for key in txWrittenSlots { WorldState.settle(&slots[key, default: Slot()]) }
        WorldState.empty(&journal)
        endTransactionScope()
    }

    /// Journal and key lists keep their allocation up to this many entries between
    /// transactions (a review saw one transaction of a million SSTOREs leave 136 MiB of journal
    /// capacity for the life of the process). By capacity, not count: a rolled-back journal
    /// is already empty and still holds its allocation.
    static let keptCapacity = 1 << 14

    /// Empties `list`, keeping its allocation if it is at most `keptCapacity` entries.
    @inline(__always)
    static func empty<T>(_ list: inout [T]) {
        if list.capacity > keptCapacity { list = [] } else if !list.isEmpty { list.removeAll(keepingCapacity: true) }
    }

    /// Drops the values read from the store (`cachedEntryLimit`) when the overlay holds nothing
    /// else: nothing uncommitted, no transaction's data, no store error to keep.
    func trimCacheIfClean() {
        guard accounts.count + slots.count > cachedEntryLimit, dirtyAccounts.isEmpty, dirtySlotKeys.isEmpty,
            wiped.isEmpty, journal.isEmpty, txWrittenSlots.isEmpty, storeError == nil
        else { return }
        accounts.removeAll()
        slots.removeAll()
        slotKeys.removeAll()
    }

    /// Ends the transaction: deletes self-destructed accounts and touched empty accounts
    /// (EIP-161), makes the current slot values the new originals, and clears the
    /// transaction-scoped data. Returns the transaction's logs.
    /// With `touchCreatesAccounts` (before Spurious Dragon) touched empty accounts are kept.
    /// While a bootloader runs a transaction on this state it does nothing (returns no logs)
    /// and ends that transaction as a protocol violation (a hook's call committed a reverted
    /// frame's storage, a review found); the bootloader's own go through `closeTransactionScope`.
    @discardableResult
    public func finishTransaction() -> [Log] {
        guard !transactionIsOpen else {
            refuseDuringTransaction("finishTransaction() while a transaction runs on this world state")
            return []
        }
        return closeTransactionScope()
    }

    /// Ends the running transaction keeping nothing of it since `snapshot` (the bootloader's
    /// way out of a failed or refused transaction).
    func abandonTransaction(since snapshot: Int) {
        rollBack(to: snapshot)
        closeTransactionScope()
    }

    @discardableResult
    func closeTransactionScope() -> [Log] {
        for a in destructed { deleteAccount(a) }
        if !touchCreatesAccounts {
            for a in touched where !destructed.contains(a) {
                if existsAndIsEmpty(a) { deleteAccount(a) }
            }
        }
        for key in txWrittenSlots { WorldState.settle(&slots[key, default: Slot()]) }
        let out = logs
        WorldState.empty(&journal)
        endTransactionScope()
        return out
    }

    /// Where the change tracking stood (`changeMark`), for `forgetRestoredChanges(since:)`.
    struct ChangeMark {
        let dirtyAccountCount: Int
        let dirtySlotCount: Int
        let wipedCount: Int
    }

    /// The change tracking now, outside a transaction.
    func changeMark() -> ChangeMark {
        ChangeMark(dirtyAccountCount: dirtyAccountOrder.count, dirtySlotCount: dirtySlotKeys.count, wipedCount: wipedOrder.count)
    }

    /// After a simulation whose every change was put back (reverted, or set to the value read
    /// before), marks what it wrote as unchanged again: the values equal the store's, and
    /// committing them would write to the store for nothing (to a read-only store, an error;
    /// a review found every second `ContractSession.view` on one throwing).
    func forgetRestoredChanges(since mark: ChangeMark) {
        // Nothing leaves these lists between a mark and this (only commit and discard empty
        // them, and neither runs during the simulation): what follows the mark is what it added.
        if dirtyAccountOrder.count > mark.dirtyAccountCount {
            for a in dirtyAccountOrder[mark.dirtyAccountCount...] { dirtyAccounts.remove(a) }
            dirtyAccountOrder.removeSubrange(mark.dirtyAccountCount...)
        }
        if wipedOrder.count > mark.wipedCount {
            for a in wipedOrder[mark.wipedCount...] { wiped.remove(a) }
            wipedOrder.removeSubrange(mark.wipedCount...)
        }
        if dirtySlotKeys.count > mark.dirtySlotCount {
            // Each key after the mark became dirty after it (a key is listed when it turns dirty).
            for key in dirtySlotKeys[mark.dirtySlotCount...] { WorldState.clean(&slots[key, default: Slot()]) }
            dirtySlotKeys.removeSubrange(mark.dirtySlotCount...)
        }
        // A heavy simulation's lists are not kept at their size (`keptCapacity`).
        if dirtySlotKeys.isEmpty { WorldState.empty(&dirtySlotKeys) }
        if dirtyAccountOrder.isEmpty { WorldState.empty(&dirtyAccountOrder) }
    }

    /// Puts back an account as it was before a simulation (`ContractSession.view`'s funding)
    /// without a journal entry: outside a transaction an entry would outlive the simulation
    /// (no `revert(to:)` should bring the funding back) and keep the overlay from being
    /// trimmed. Marked changed, as any write; `forgetRestoredChanges` clears the mark.
    func restore(_ a: Address, _ value: Account?) {
        accounts[a] = .some(value)
        markDirty(a)
    }

    /// Discards everything since the last commit (transactions included). While a transaction
    /// runs (`transactionIsOpen`) it discards nothing and ends that transaction as a protocol
    /// violation.
    public func discardUncommitted() {
        guard !transactionIsOpen else {
            refuseDuringTransaction("discardUncommitted() while a transaction runs on this world state")
            return
        }
        finishTransactionDiscarding()
        accounts.removeAll()
        slots.removeAll()
        slotKeys.removeAll()
        dirtyAccounts.removeAll()
        dirtyAccountOrder.removeAll()
        dirtySlotKeys.removeAll()
        wiped.removeAll()
        wipedOrder.removeAll()
        // Nothing read while the store failed is left (review finding: one failed read made
        // every later transaction throw it, with no way back short of a new world).
        storeError = nil
    }

    private func finishTransactionDiscarding() {
        journal.removeAll()
        endTransactionScope()
    }

    /// Clears the transaction-scoped data; warm slots go cold by the transaction number.
    private func endTransactionScope() {
        transactionNumber &+= 1
        if !transient.isEmpty { transient.removeAll() }
        if !warmAccounts.isEmpty { warmAccounts.removeAll(keepingCapacity: warmAccounts.count <= 64) }
        if !logs.isEmpty { logs.removeAll() }
        logBytes = 0
        refund = 0
        if !touched.isEmpty { touched.removeAll(keepingCapacity: touched.count <= 64) }
        exemptions.removeAll()
        if !created.isEmpty { created.removeAll() }
        if !destructed.isEmpty { destructed.removeAll() }
        WorldState.empty(&txWrittenSlots)
    }

    /// The written value becomes the next transaction's original.
    private static func settle(_ s: inout Slot) { s.original = s.current }

    private func deleteAccount(_ a: Address) {
        accounts[a] = .some(nil)
        markDirty(a)
        if wiped.insert(a).inserted { wipedOrder.append(a) }
        // Known slots read as zero from now on and are not written (the wipe covers them).
        for k in slotKeys[a] ?? [] { WorldState.wipe(&slots[SlotKey(address: a, key: k), default: Slot()]) }
    }

    private static func wipe(_ s: inout Slot) {
        s.current = .zero
        s.original = .zero
        s.dirty = false
    }

    /// The changes since the last commit.
    public func changeSet() -> StateChangeSet {
        var c = StateChangeSet()
        for a in dirtyAccounts { c.accounts[a] = accounts[a] ?? nil }
        c.wipedStorage = wiped
        for key in dirtySlotKeys {
            guard let s = slots[key], s.dirty else { continue }
            c.storage[key.address, default: [:]][key.key] = s.current
        }
        return c
    }

    /// Writes every change since the last commit to the store in one atomic step.
    /// - Throws: `EEError.storage` if the store fails (the overlay is kept, so a retry is possible).
    public func commit() throws(EEError) {
        guard !transactionIsOpen else {
            let why = "commit() while a transaction runs on this world state"
            refuseDuringTransaction(why)
            throw .protocolViolation(why)
        }
        if let e = storeError { throw e }
        let c = changeSet()
        if !c.isEmpty { try store.commit(c) }
        dirtyAccounts.removeAll()
        WorldState.empty(&dirtyAccountOrder)
        for key in dirtySlotKeys { WorldState.clean(&slots[key, default: Slot()]) }
        WorldState.empty(&dirtySlotKeys)
        wiped.removeAll()
        wipedOrder.removeAll()
        // What was committed cannot be undone: a `revert(to:)` past the commit put back old
        // values without marking them changed, so the overlay and the store differed with
        // nothing to commit (a review found 2^64 wei a view's funding had left in the journal
        // committed that way).
        WorldState.empty(&journal)
        trimCacheIfClean()
    }

    private static func clean(_ s: inout Slot) { s.dirty = false }

    private func recordStoreError(_ e: any Error) {
        if storeError == nil { storeError = (e as? EEError) ?? .storage("\(e)") }
    }

    // MARK: Roots

    /// The Merkle-Patricia state root of the current state (store plus overlay).
    public func stateRoot() throws(EEError) -> Bytes32 {
        if let e = storeError { throw e }
        var all = try store.allAccounts()
        for a in dirtyAccounts {
            if let acc = accounts[a] ?? nil { all[a] = acc } else { all[a] = nil }
        }
        var leaves = [(key: Bytes, value: Bytes)]()
        leaves.reserveCapacity(all.count)
        for (a, acc) in all {
            var st: [U256: U256] = wiped.contains(a) ? [:] : try store.allStorage(a)
            for k in slotKeys[a] ?? [] {
                if let s = slots[SlotKey(address: a, key: k)], s.dirty { st[k] = s.current }
            }
            let root = WorldState.storageRoot(st)
            leaves.append((a.bytes, acc.trieLeaf(storageRoot: root)))
        }
        return MerkleTrie.secureRoot(leaves)
    }

    /// The storage trie root: keccak(slot32) -> RLP(value), zero values left out.
    public static func storageRoot(_ slots: [U256: U256]) -> Bytes32 {
        var entries = [(key: Bytes, value: Bytes)]()
        for (k, v) in slots where !v.isZero {
            entries.append((k.bigEndianBytes, RLP.uint(v).encoded))
        }
        return MerkleTrie.secureRoot(entries)
    }

    /// keccak256(RLP(logs)), each log as [address, [topics], data].
    public static func logsHash(_ logs: [Log]) -> Bytes32 {
        let items = logs.map { l in
            RLP.list([.address(l.address), .list(l.topics.map { .hash($0) }), .bytes(l.data)])
        }
        return Keccak.hash(RLP.list(items).encoded)
    }
}

extension WorldState {
    /// Whether the account has any non-zero storage, in the store or the overlay (EIP-7610).
    public func hasStorage(_ a: Address) -> Bool {
        let known = slotKeys[a] ?? []
        if known.contains(where: { !(slots[SlotKey(address: a, key: $0)]?.current.isZero ?? true) }) { return true }
        if wiped.contains(a) { return false }
        do {
            guard try store.hasStorage(a) else { return false }
        } catch {
            recordStoreError(error)
            return false
        }
        // The store has slots; they count unless the overlay zeroed every one of them.
        if known.isEmpty { return true }
        let stored: [U256: U256]
        do { stored = try store.allStorage(a) } catch { recordStoreError(error); return false }
        return stored.keys.contains { k in
            guard let s = slots[SlotKey(address: a, key: k)], s.loaded else { return true }
            return !s.current.isZero
        }
    }
}
