import EEKitTestSupport
import Foundation
import Testing
@testable import EEKit

/// An account deleted (self-destructed before Cancun, or EIP-161-cleared) and then given a
/// balance again before the next commit is a new account: the slots it held in the store are
/// gone for good. Mutation testing found nothing that pinned this down: a SQLite commit that
/// skipped the `wipedStorage` deletion brought the old slots back when the file was reopened,
/// and a `WorldState.commit` that kept its wiped set made every later commit delete the
/// account's storage again (losing slots written after the wipe), with no test failing.
@Suite struct StoreWipeTests {
    static let victim = Address(low: 0xdead)
    static let heir = Address(low: 0xbeef)

    /// The expected end state, by hand: the old slots 1 and 2 are gone; slot 3, written after
    /// the account came back, and slot 4, written in a later batch, are there.
    static let expectedSlots: [U256: U256] = [U256(3): U256(33), U256(4): U256(44)]

    /// Runs the scenario on stores `open()` gives: the pre state committed, then a batch that
    /// deletes the account and recreates it with slot 3, then a batch that writes slot 4.
    /// Returns the storage and account a fresh store over the same data reads.
    static func scenario(_ open: () throws -> any StateStore) throws -> (storage: [U256: U256], account: Account?) {
        do {
            let w = WorldState(store: try open())
            w.setAccount(victim, Account(nonce: 1, balance: U256(100), kind: .evm, code: [0x00]))
            w.setStorage(victim, U256(1), U256(11))
            w.setStorage(victim, U256(2), U256(22))
            w.finishTransaction()
            try w.commit()
        }
        do {
            let w = WorldState(store: try open())
            #expect(w.storage(victim, U256(1)) == U256(11))
            // Transaction 1: SELFDESTRUCT as before Cancun (the account is deleted at its end).
            w.selfDestruct(victim, beneficiary: heir, always: true)
            w.finishTransaction()
            #expect(!w.exists(victim) && w.storage(victim, U256(1)) == .zero)
            // Transaction 2: a value transfer brings the address back, a plain account.
            #expect(w.addBalance(victim, U256(5)))
            w.setStorage(victim, U256(3), U256(33))
            w.finishTransaction()
            try w.commit()
            #expect(w.storage(victim, U256(1)) == .zero && w.storage(victim, U256(2)) == .zero)
            // A later batch, on the same world: the wipe is history, slot 3 stays.
            w.setStorage(victim, U256(4), U256(44))
            w.finishTransaction()
            // The root before the commit (store plus overlay) is the root of the expected state.
            let expectedRoot = try WorldState(store: MemoryStore(
                accounts: [victim: Account(balance: U256(5)), heir: Account(balance: U256(100))],
                storage: [victim: expectedSlots])).stateRoot()
            #expect(try w.stateRoot() == expectedRoot)
            try w.commit()
            #expect(try w.stateRoot() == expectedRoot)
        }
        let store = try open()
        return (try store.allStorage(victim).filter { !$0.value.isZero }, try store.account(victim))
    }

    @Test func memoryStoreForgetsTheSlotsOfADeletedAccount() throws {
        let store = MemoryStore()
        let (storage, account) = try Self.scenario { store }
        #expect(storage == Self.expectedSlots)
        #expect(account == Account(balance: U256(5)))
    }

    @Test func sqliteStoreForgetsTheSlotsOfADeletedAccountAfterReopening() throws {
        let dir = try TestFiles.scratchFolder("wipe")
        defer { TestFiles.remove(dir) }
        let path = dir.appendingPathComponent("state.db").path
        // Each open is released before the next (a store owns its file while it lives).
        let (storage, account) = try Self.scenario { try SQLiteStore(path: path) }
        #expect(storage == Self.expectedSlots)
        #expect(account == Account(balance: U256(5)))
        let reopened = WorldState(store: try SQLiteStore(path: path))
        #expect(reopened.storage(Self.victim, U256(1)) == .zero && reopened.storage(Self.victim, U256(3)) == U256(33))
    }

    /// Runs `body` on a MemoryStore and on a SQLite store in a fresh folder.
    static func onBothStores(_ name: String, _ body: (() throws -> any StateStore) throws -> Void) throws {
        let store = MemoryStore()
        try body { store }
        let dir = try TestFiles.scratchFolder(name)
        defer { TestFiles.remove(dir) }
        let path = dir.appendingPathComponent("state.db").path
        try body { try SQLiteStore(path: path) }
    }

    /// `StateChangeSet` as it documents itself, for both stores (reopened between commits):
    /// a zero slot value deletes the slot (no zero is kept: `hasStorage`, EIP-7610's
    /// collision rule, is false once every slot is zero), and a nil account deletes the
    /// account and its storage even without `wipedStorage`. Mutation testing: a MemoryStore
    /// that kept zeros and a SQLite store that kept a deleted account's rows went unnoticed.
    @Test func zeroSlotsAndDeletedAccountsLeaveNothingInTheStore() throws {
        let a = Address(low: 0x5107)
        try Self.onBothStores("changeset") { open in
            func commit(_ edit: (inout StateChangeSet) -> Void) throws {
                var c = StateChangeSet()
                edit(&c)
                try open().commit(c)
            }
            try commit {
                $0.accounts[a] = Account(nonce: 1)
                $0.storage[a] = [U256(1): U256(11), U256(2): U256(22)]
            }
            try commit { $0.storage[a] = [U256(1): .zero] }
            do {
                let s = try open()
                #expect(try s.storage(a, U256(1)) == .zero && s.allStorage(a) == [U256(2): U256(22)] && s.hasStorage(a))
            }
            try commit { $0.storage[a] = [U256(2): .zero] }
            do {
                let s = try open()
                #expect(try s.allStorage(a).isEmpty && !s.hasStorage(a))
                #expect(!WorldState(store: s).hasStorage(a))
            }
            try commit { $0.storage[a] = [U256(3): U256(33)] }
            try commit { $0.accounts[a] = .some(nil) }
            let s = try open()
            #expect(try s.account(a) == nil && s.allStorage(a).isEmpty && !s.hasStorage(a))
            #expect(try s.storage(a, U256(3)) == .zero)
        }
    }

    /// Between the deletion and the commit, the overlay hides every slot the store still
    /// holds for the account: one never read before reads zero, `hasStorage` says none (a
    /// CREATE2 there does not collide, EIP-7610), and the state root of the account given a
    /// balance again is that of a plain account (the root of the same state built directly).
    /// Mutation testing: each of the three read the stored slots and no test failed.
    @Test func aDeletedAccountsStoredSlotsAreGoneBeforeTheCommit() throws {
        try Self.onBothStores("wipe-overlay") { open in
            do {
                let w = WorldState(store: try open())
                w.setAccount(Self.victim, Account(nonce: 1, balance: U256(100), kind: .evm, code: [0x00]))
                w.setStorage(Self.victim, U256(1), U256(11))
                w.setStorage(Self.victim, U256(2), U256(22))
                w.finishTransaction()
                try w.commit()
            }
            let w = WorldState(store: try open())
            w.selfDestruct(Self.victim, beneficiary: Self.heir, always: true)
            w.finishTransaction()
            #expect(!w.hasStorage(Self.victim))
            #expect(w.storage(Self.victim, U256(2)) == .zero)
            #expect(w.addBalance(Self.victim, U256(5)))
            w.finishTransaction()
            let expected = try WorldState(store: MemoryStore(
                accounts: [Self.victim: Account(balance: U256(5)), Self.heir: Account(balance: U256(100))])).stateRoot()
            #expect(try w.stateRoot() == expected)
            #expect(!w.hasStorage(Self.victim) && w.storage(Self.victim, U256(1)) == .zero)
        }
    }
}
