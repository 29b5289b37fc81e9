import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// Store failures under ContractSession.send / view (findings of the review of the day's
/// diff): a failure discards the failed transaction and nothing else, and a failed commit
/// leaves nothing of its transaction behind.
@Suite struct SessionStoreErrorTests {
    /// A MemoryStore whose next `failReads` account reads, `failStorageReads` slot reads or
    /// `failCommits` commits fail (also used by LibraryAPIEdgeTests).
    final class FlakyStore: StateStore {
        let inner = MemoryStore()
        var failReads = 0
        var failStorageReads = 0
        var failCommits = 0
        func account(_ a: Address) throws(EEError) -> Account? {
            if failReads > 0 { failReads -= 1; throw .storage("transient read error") }
            return inner.account(a)
        }
        func storage(_ a: Address, _ k: U256) throws(EEError) -> U256 {
            if failStorageReads > 0 { failStorageReads -= 1; throw .storage("transient slot read error") }
            return inner.storage(a, k)
        }
        func commit(_ c: StateChangeSet) throws(EEError) {
            if failCommits > 0 { failCommits -= 1; throw .storage("transient commit error (disk full)") }
            inner.commit(c)
        }
        func allAccounts() throws(EEError) -> [Address: Account] { inner.allAccounts() }
        func allStorage(_ a: Address) throws(EEError) -> [U256: U256] { inner.allStorage(a) }
        func hasStorage(_ a: Address) throws(EEError) -> Bool { inner.hasStorage(a) }
    }

    /// `fund` reaches the store with the next transaction's commit: it is committed before
    /// that transaction runs, so a store error in the transaction does not drop it.
    @Test func failedSendKeepsEarlierFunding() throws {
        let store = FlakyStore()
        let s = ContractSession(store: store)
        s.fundsSenders = false
        let alice = Address(low: 0xA1)
        s.fund(alice, U256(1_000_000))
        store.failReads = 1
        #expect(throws: EEError.self) { try s.send(from: alice, to: Address(low: 0xB0B), data: [], value: U256(1)) }
        #expect(s.world.balance(alice) == U256(1_000_000), "fund() was discarded with the failed transaction")
    }

    /// A commit that fails makes send throw and leaves nothing of its transaction: a caller
    /// that retries the transfer pays once.
    @Test func failedCommitLeavesNothingBehind() throws {
        let store = FlakyStore()
        let s = ContractSession(store: store)
        let bob = Address(low: 0xB0B)
        store.failCommits = 1
        #expect(throws: EEError.self) { try s.send(to: bob, data: [], value: U256(5)) }
        // The caller retries the transfer that "failed".
        try s.send(to: bob, data: [], value: U256(5))
        #expect(store.inner.account(bob)?.balance == U256(5), "the thrown transaction was committed too: \(String(describing: store.inner.account(bob)?.balance))")
    }

    /// The same when the commit after the transaction fails (the one before it succeeds).
    @Test func failedCommitOfTheTransactionItself() throws {
        let store = FlakyStore()
        let s = ContractSession(store: store)
        let bob = Address(low: 0xB0B)
        try s.send(to: bob, data: [], value: U256(1))  // funds the sender and commits
        store.failCommits = 1
        #expect(throws: EEError.self) { try s.send(to: bob, data: [], value: U256(5)) }
        #expect(s.world.balance(bob) == U256(1) && s.world.nonce(ContractSession.defaultSender) == 1)
        try s.send(to: bob, data: [], value: U256(5))
        #expect(store.inner.account(bob)?.balance == U256(6))
    }

    /// A view that hits a store error leaves no store error and no account behind.
    @Test func viewStoreErrorCleanup() throws {
        let store = FlakyStore()
        let s = ContractSession(store: store)
        let target = Address(low: 0x7A7A)
        try s.install(Hex.decode("600054")!, kind: .evm, at: target)  // SLOAD 0
        let stranger = Address(low: 0x5757)
        store.failStorageReads = 1
        store.failReads = 0
        #expect(throws: EEError.self) { try s.view(target, data: [], from: stranger) }
        #expect(s.world.storeError == nil)
        #expect(!s.world.exists(stranger))
    }
}
