/// The journaled state of a running block: an overlay over a `StateStore`.
///
/// Every change made while a transaction runs is recorded in a journal, so that a frame's
/// changes can be undone with `revert(to:)` (one snapshot per frame). Transaction-scoped data
/// (transient storage, warm sets, logs, refund counter, EIP-6780 bookkeeping) is cleared by
/// `finishTransaction()`; changed accounts and slots stay in the overlay until `commit()`
/// writes them to the store in one atomic step.
public final class WorldState {
    public let store: any StateStore

    struct Slot {
        var current: U256
        /// The value at the start of the transaction (EIP-2200 "original").
        var original: U256
    }

    enum Entry {
        case account(Address, previous: Account?)
        case storage(Address, U256, previous: U256)
        case transient(Address, U256, previous: U256)
        case warmAccount(Address)
        case warmSlot(Address, U256)
        case log
        case refund(previous: Int64)
        case touched(Address)
        case created(Address)
        case destructed(Address)
    }

    // Block-level overlay.
    var accounts: [Address: Account?] = [:]
    var slots: [Address: [U256: Slot]] = [:]
    var dirtyAccounts: Set<Address> = []
    var dirtySlots: [Address: Set<U256>] = [:]
    var wiped: Set<Address> = []

    // Transaction-level data.
    var journal: [Entry] = []
    var transient: [Address: [U256: U256]] = [:]
    var warmAccounts: Set<Address> = []
    var warmSlots: [Address: Set<U256>] = [:]
    public private(set) var logs: [Log] = []
    /// The `Log.byteSize` sum of `logs` (for `ResourceLimits.maxLogBytes`).
    public private(set) var logBytes = 0
    public private(set) var refund: Int64 = 0
    var touched: Set<Address> = []
    public private(set) var created: Set<Address> = []
    var destructed: Set<Address> = []
    var txWrittenSlots: [(Address, U256)] = []

    /// The first error the store reported while reading; reads then return empty values and
    /// the runner turns this into a thrown error at the end of the transaction.
    public private(set) var storeError: EEError?

    public init(store: any StateStore) {
        self.store = store
    }

    // MARK: Snapshots

    /// A snapshot id for `revert(to:)`.
    public var snapshot: Int { journal.count }

    /// Undoes every change made after `snapshot`.
    public func revert(to snapshot: Int) {
        while journal.count > snapshot {
            switch journal.removeLast() {
            case .account(let a, let prev): accounts[a] = .some(prev)
            case .storage(let a, let k, let prev): slots[a]?[k]?.current = prev
            case .transient(let a, let k, let prev): transient[a, default: [:]][k] = prev
            case .warmAccount(let a): warmAccounts.remove(a)
            case .warmSlot(let a, let k): warmSlots[a]?.remove(k)
            case .log: logBytes -= logs.removeLast().byteSize
            case .refund(let prev): refund = prev
            case .touched(let a): touched.remove(a)
            case .created(let a): created.remove(a)
            case .destructed(let a): destructed.remove(a)
            }
        }
    }

    // MARK: Accounts

    /// The account, or nil if it does not exist.
    public func account(_ a: Address) -> Account? {
        if let cached = accounts[a] { return cached }
        var loaded: Account?
        do { loaded = try store.account(a) } catch { recordStoreError(error); loaded = nil }
        accounts[a] = .some(loaded)
        return loaded
    }

    public func exists(_ a: Address) -> Bool { account(a) != nil }
    public func balance(_ a: Address) -> U256 { account(a)?.balance ?? .zero }
    public func nonce(_ a: Address) -> UInt64 { account(a)?.nonce ?? 0 }

    /// Replaces the account (nil deletes it), journaled.
    public func setAccount(_ a: Address, _ value: Account?) {
        let prev = account(a)
        journal.append(.account(a, previous: prev))
        accounts[a] = .some(value)
        dirtyAccounts.insert(a)
    }

    /// Changes the account in place, creating it (empty) if it does not exist.
    public func modify(_ a: Address, _ body: (inout Account) -> Void) {
        var acc = account(a) ?? .empty
        body(&acc)
        setAccount(a, acc)
    }

    public func setNonce(_ a: Address, _ n: UInt64) { modify(a) { $0.nonce = n } }

    public func setCode(_ a: Address, _ code: Bytes, kind: EEKind) { modify(a) { $0.setCode(code, kind: kind) } }

    /// Adds `v` to the balance (creating the account) and touches it.
    /// - Returns: false if the balance would overflow (nothing changes then).
    @discardableResult
    public func addBalance(_ a: Address, _ v: U256) -> Bool {
        touch(a)
        if v.isZero { return true }
        let (s, o) = balance(a).addingReportingOverflow(v)
        if o { return false }
        modify(a) { $0.balance = s }
        return true
    }

    /// Subtracts `v`; returns false (changing nothing) if the balance is too small.
    @discardableResult
    public func subBalance(_ a: Address, _ v: U256) -> Bool {
        if v.isZero { return true }
        let (d, o) = balance(a).subtractingReportingOverflow(v)
        if o { return false }
        modify(a) { $0.balance = d }
        return true
    }

    /// Moves `v` from `from` to `to`, touching `to`. Returns false if `from` has too little.
    public func transfer(from: Address, to: Address, _ v: U256) -> Bool {
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
    public func touch(_ a: Address) {
        if touched.insert(a).inserted { journal.append(.touched(a)) }
    }

    /// Records that `a` was created by this transaction (EIP-6780).
    public func markCreated(_ a: Address) {
        if created.insert(a).inserted { journal.append(.created(a)) }
    }

    /// EIP-6780 SELFDESTRUCT: moves the balance to `beneficiary`; deletes the account at the
    /// end of the transaction only if this transaction created it.
    public func selfDestruct(_ a: Address, beneficiary: Address) {
        let bal = balance(a)
        if beneficiary != a {
            subBalance(a, bal)
            addBalance(beneficiary, bal)
        } else {
            touch(a)
        }
        if created.contains(a) {
            if exists(a) { modify(a) { $0.balance = .zero } }
            if destructed.insert(a).inserted { journal.append(.destructed(a)) }
        }
    }

    // MARK: Storage

    private func loadSlot(_ a: Address, _ k: U256) -> Slot {
        if let s = slots[a]?[k] { return s }
        var v = U256.zero
        if !wiped.contains(a) {
            do { v = try store.storage(a, k) } catch { recordStoreError(error) }
        }
        let s = Slot(current: v, original: v)
        slots[a, default: [:]][k] = s
        return s
    }

    public func storage(_ a: Address, _ k: U256) -> U256 { loadSlot(a, k).current }
    public func originalStorage(_ a: Address, _ k: U256) -> U256 { loadSlot(a, k).original }

    public func setStorage(_ a: Address, _ k: U256, _ v: U256) {
        let s = loadSlot(a, k)
        journal.append(.storage(a, k, previous: s.current))
        slots[a]?[k]?.current = v
        dirtySlots[a, default: []].insert(k)
        txWrittenSlots.append((a, k))
    }

    public func transientStorage(_ a: Address, _ k: U256) -> U256 { transient[a]?[k] ?? .zero }

    public func setTransientStorage(_ a: Address, _ k: U256, _ v: U256) {
        journal.append(.transient(a, k, previous: transientStorage(a, k)))
        transient[a, default: [:]][k] = v
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
        if warmSlots[a, default: []].insert(k).inserted {
            journal.append(.warmSlot(a, k))
            return false
        }
        return true
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

    /// Ends the transaction: deletes self-destructed accounts and touched empty accounts
    /// (EIP-161), makes the current slot values the new originals, and clears the
    /// transaction-scoped data. Returns the transaction's logs.
    @discardableResult
    public func finishTransaction() -> [Log] {
        for a in destructed { deleteAccount(a) }
        for a in touched where !destructed.contains(a) {
            if let acc = account(a), acc.isEmpty { deleteAccount(a) }
        }
        for (a, k) in txWrittenSlots {
            if let s = slots[a]?[k] { slots[a]?[k]?.original = s.current }
        }
        let out = logs
        journal.removeAll(keepingCapacity: true)
        transient.removeAll()
        warmAccounts.removeAll()
        warmSlots.removeAll()
        logs.removeAll()
        logBytes = 0
        refund = 0
        touched.removeAll()
        created.removeAll()
        destructed.removeAll()
        txWrittenSlots.removeAll()
        return out
    }

    /// Discards everything since the last commit (transactions included).
    public func discardUncommitted() {
        finishTransactionDiscarding()
        accounts.removeAll()
        slots.removeAll()
        dirtyAccounts.removeAll()
        dirtySlots.removeAll()
        wiped.removeAll()
    }

    private func finishTransactionDiscarding() {
        journal.removeAll()
        transient.removeAll()
        warmAccounts.removeAll()
        warmSlots.removeAll()
        logs.removeAll()
        logBytes = 0
        refund = 0
        touched.removeAll()
        created.removeAll()
        destructed.removeAll()
        txWrittenSlots.removeAll()
    }

    private func deleteAccount(_ a: Address) {
        accounts[a] = .some(nil)
        dirtyAccounts.insert(a)
        wiped.insert(a)
        if var s = slots[a] {
            for k in s.keys { s[k] = Slot(current: .zero, original: .zero) }
            slots[a] = s
        }
        dirtySlots[a] = nil
    }

    /// The changes since the last commit.
    public func changeSet() -> StateChangeSet {
        var c = StateChangeSet()
        for a in dirtyAccounts { c.accounts[a] = accounts[a] ?? nil }
        c.wipedStorage = wiped
        for (a, keys) in dirtySlots {
            guard let s = slots[a] else { continue }
            var kv = [U256: U256]()
            for k in keys { kv[k] = s[k]?.current ?? .zero }
            c.storage[a] = kv
        }
        return c
    }

    /// Writes every change since the last commit to the store in one atomic step.
    /// - Throws: `EEError.storage` if the store fails (the overlay is kept, so a retry is possible).
    public func commit() throws(EEError) {
        if let e = storeError { throw e }
        let c = changeSet()
        if !c.isEmpty { try store.commit(c) }
        dirtyAccounts.removeAll()
        dirtySlots.removeAll()
        wiped.removeAll()
    }

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
            if let keys = dirtySlots[a], let s = slots[a] {
                for k in keys { st[k] = s[k]?.current ?? .zero }
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
        if let s = slots[a], s.values.contains(where: { !$0.current.isZero }) { return true }
        if wiped.contains(a) { return false }
        do {
            guard try store.hasStorage(a) else { return false }
        } catch {
            recordStoreError(error)
            return false
        }
        // The store has slots; they count unless the overlay zeroed every one of them.
        guard let s = slots[a] else { return true }
        let stored: [U256: U256]
        do { stored = try store.allStorage(a) } catch { recordStoreError(error); return false }
        return stored.keys.contains { k in !(s[k].map { $0.current.isZero } ?? false) }
    }
}
