import EEKit
import Testing

/// Nonce and balance changes journal one field of an existing account (and the whole
/// account when they create it); reverting must give back exactly the earlier state.
@Suite struct WorldStateJournalTests {
    let a = Address(low: 0xa11ce)
    let b = Address(low: 0xb0b)

    @Test func fieldChangesRevertToTheEarlierAccount() {
        let w = WorldState(store: MemoryStore())
        w.setAccount(a, Account(nonce: 3, balance: U256(100), kind: .evm, code: [0x00]))
        let before = w.account(a)
        let snap = w.snapshot
        w.setNonce(a, 4)
        #expect(w.addBalance(a, U256(50)))
        #expect(w.subBalance(a, U256(120)))
        #expect(!w.subBalance(a, U256(31)))  // too little left: nothing changes
        #expect(w.nonce(a) == 4 && w.balance(a) == U256(30))
        #expect(w.account(a)?.code == [0x00])
        // A whole-account change on top of field changes, then field changes again.
        w.setCode(a, [0x60, 0x00], kind: .evm)
        w.setNonce(a, 9)
        w.revert(to: snap)
        #expect(w.account(a) == before)
    }

    /// Writing the value a slot (or transient slot) already holds leaves nothing to undo and
    /// no journal entry, so a loop of such writes does not grow host memory; real changes
    /// still revert exactly, also around no-op writes of the changed value.
    @Test func noOpStorageWritesAddNoJournalEntry() {
        let w = WorldState(store: MemoryStore())
        w.setStorage(a, U256(1), U256(5))
        w.setTransientStorage(a, U256(1), U256(6))
        let snap = w.snapshot
        for _ in 0..<100 {
            w.setStorage(a, U256(1), U256(5))
            w.setTransientStorage(a, U256(1), U256(6))
            w.setStorage(a, U256(2), .zero)
            w.setTransientStorage(a, U256(2), .zero)
        }
        #expect(w.snapshot == snap)
        w.setStorage(a, U256(1), U256(7))
        w.setStorage(a, U256(1), U256(7))
        w.setTransientStorage(a, U256(1), U256(8))
        w.setTransientStorage(a, U256(1), U256(8))
        #expect(w.snapshot == snap + 2)
        w.revert(to: snap)
        #expect(w.storage(a, U256(1)) == U256(5) && w.transientStorage(a, U256(1)) == U256(6))
    }

    @Test func changesThatCreateAnAccountRevertToNoAccount() {
        let w = WorldState(store: MemoryStore())
        #expect(!w.exists(b))
        let snap = w.snapshot
        #expect(w.addBalance(b, U256(7)))  // creates b
        w.setNonce(b, 1)  // a field change of the created account
        #expect(w.exists(b) && w.balance(b) == U256(7) && w.nonce(b) == 1)
        w.revert(to: snap)
        #expect(!w.exists(b))
        #expect(w.balance(b) == .zero && w.nonce(b) == 0)
        // setNonce on a missing account creates it too.
        let snap2 = w.snapshot
        w.setNonce(b, 5)
        #expect(w.account(b) == Account(nonce: 5))
        w.revert(to: snap2)
        #expect(w.account(b) == nil)
    }

    @Test func committedFieldChangesReachTheStore() throws {
        let store = MemoryStore()
        let w = WorldState(store: store)
        w.setAccount(a, Account(nonce: 1, balance: U256(10)))
        try w.commit()
        w.setNonce(a, 2)
        #expect(w.addBalance(a, U256(5)))
        _ = w.finishTransaction()
        try w.commit()
        let fresh = WorldState(store: store)
        #expect(fresh.nonce(a) == 2 && fresh.balance(a) == U256(15))
    }

    /// A slot set between transactions is the next transaction's starting value, its EIP-2200
    /// original included: SSTORE(0, 1) after `setStorage(c, 0, 0)` on a slot that held 1 is a
    /// fresh write (20,000 + 2,100 cold), not a dirty one (100 + 2,100). Found by a test of
    /// delegation gas (2026-12-07): committed or not, the original stayed the old value.
    @Test func slotsSetBetweenTransactionsAreTheNextOnesOriginals() throws {
        let c = Address(low: 0xe1)
        let w = EVMWorld(contracts: [0xe1: [Op.push1, 1, Op.push0, Op.sstore, Op.stop]], storage: [0xe1: [0: 1]])
        for commit in [false, true] {
            w.world.setStorage(c, .zero, .zero)
            if commit { try w.world.commit() }
            let r = try w.call(0xe1, gas: 100_000)
            #expect(r.gasUsed == 21_000 + 3 + 2 + 22_100, "commit \(commit): \(r.gasUsed)")
            #expect(w.world.storage(c, .zero) == U256(1))
        }
        // A transaction that fails after such a write leaves the write in place.
        w.world.setStorage(c, .zero, U256(5))
        _ = try w.call(0xe1, gas: 21_010)  // out of gas in the SSTORE
        #expect(w.world.storage(c, .zero) == U256(5))
    }
}
