/// A state store in memory (the default).
public final class MemoryStore: StateStore {
    public private(set) var accounts: [Address: Account]
    public private(set) var slots: [Address: [U256: U256]]

    public init(accounts: [Address: Account] = [:], storage: [Address: [U256: U256]] = [:]) {
        self.accounts = accounts
        self.slots = storage.mapValues { $0.filter { !$0.value.isZero } }
    }

    /// A copy that shares nothing mutable with this store.
    public func copy() -> MemoryStore { MemoryStore(accounts: accounts, storage: slots) }

    public func account(_ address: Address) -> Account? { accounts[address] }
    public func storage(_ address: Address, _ key: U256) -> U256 { slots[address]?[key] ?? .zero }

    public func commit(_ changes: StateChangeSet) {
        for a in changes.wipedStorage { slots[a] = nil }
        for (a, acc) in changes.accounts {
            if let acc { accounts[a] = acc } else { accounts[a] = nil; slots[a] = nil }
        }
        for (a, kv) in changes.storage {
            // Moved out and back, so the dictionary is mutated in place (assigning a copy
            // made every commit O(slots of the account)).
            var s = slots.removeValue(forKey: a) ?? [:]
            for (k, v) in kv { s[k] = v.isZero ? nil : v }
            if !s.isEmpty { slots[a] = s }
        }
    }

    public func allAccounts() -> [Address: Account] { accounts }
    public func allStorage(_ address: Address) -> [U256: U256] { slots[address] ?? [:] }
    public func hasStorage(_ address: Address) -> Bool { !(slots[address]?.isEmpty ?? true) }
}
