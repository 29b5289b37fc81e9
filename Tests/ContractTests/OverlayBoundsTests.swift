import EEKitTestSupport
import Foundation
import Testing
@testable import EEKit

/// A scale review's findings on long sessions (docs/REVIEWS.md, forty-first session): the
/// overlay kept every account and slot a session ever read, read-only `view` traffic grew it
/// without bound, and a `view` on a state with many uncommitted accounts copied their set.
/// The overlay now drops what it read from the store past `cachedEntryLimit` whenever nothing
/// in it is uncommitted, and a view marks what it changed by position in a list.
@Suite struct OverlayBoundsTests {
    static let amount = U256(7)

    static func receiver(_ i: Int) -> Address { Address(low: UInt64(0x10_0000 + i)) }

    static func transfer(_ to: Address, _ amount: U256) -> Bytes {
        ABIEncoder.selector("transfer(address,uint256)") + to.word.bigEndianBytes + amount.bigEndianBytes
    }

    static func balanceOf(_ who: Address) -> Bytes {
        ABIEncoder.selector("balanceOf(address)") + who.word.bigEndianBytes
    }

    static func overlayEntries(_ w: WorldState) -> Int { w.accounts.count + w.slots.count }

    /// Transfers to 60 distinct receivers and views of 60 holders never seen, with a limit of
    /// 16 entries: the overlay stays near the limit (one transaction's reads above it at
    /// most), and every balance reads back right from the store after the entries went.
    @Test(arguments: [EEKind.riscv, .evm]) func theOverlayDropsStoreReadsPastItsLimit(kind: EEKind) throws {
        let s = ContractSession()
        let code = kind == .riscv ? try Fixtures.elf("token.elf") : try Fixtures.vyperToken()
        let token = try #require(try s.deploy(code, kind: kind, arguments: U256(1_000_000).bigEndianBytes).createdAddress)
        s.world.cachedEntryLimit = 16
        var largest = 0
        for i in 0..<60 {
            let r = try s.call(token, data: Self.transfer(Self.receiver(i), Self.amount))
            #expect(r.status == .success && r.output == U256(1).bigEndianBytes, "transfer \(i): \(r.status)")
            largest = max(largest, Self.overlayEntries(s.world))
        }
        // A transfer reads about a dozen entries (sender, receiver, token, coinbase, slots).
        #expect(largest <= 16 + 16, "overlay held \(largest) entries")
        for i in 0..<60 {
            let v = try s.view(token, data: Self.balanceOf(Self.receiver(i)))
            #expect(v.output == Self.amount.bigEndianBytes, "receiver \(i)")
            let unseen = try s.view(token, data: Self.balanceOf(Self.receiver(1000 + i)))
            #expect(unseen.output == U256.zero.bigEndianBytes)
            largest = max(largest, Self.overlayEntries(s.world))
        }
        #expect(largest <= 16 + 16, "overlay held \(largest) entries after views")
        let sender = try s.view(token, data: Self.balanceOf(ContractSession.defaultSender))
        #expect(sender.output == U256(1_000_000 - 60 * 7).bigEndianBytes)
        // The store holds every transfer: a world over it alone reads them.
        let fresh = WorldState(store: s.world.store)
        #expect(fresh.nonce(ContractSession.defaultSender) == s.world.nonce(ContractSession.defaultSender))
    }

    /// Without a commit per transaction nothing is dropped: the uncommitted accounts and slots
    /// are the only copy of a block's changes.
    @Test func uncommittedChangesAreNeverDropped() throws {
        let s = ContractSession()
        let token = try #require(
            try s.deploy(try Fixtures.elf("token.elf"), kind: .riscv, arguments: U256(1_000_000).bigEndianBytes).createdAddress)
        s.commitEachTransaction = false
        s.world.cachedEntryLimit = 4
        for i in 0..<20 { _ = try s.call(token, data: Self.transfer(Self.receiver(i), Self.amount)) }
        #expect(Self.overlayEntries(s.world) > 4)
        for i in 0..<20 {
            #expect(try s.view(token, data: Self.balanceOf(Self.receiver(i))).output == Self.amount.bigEndianBytes)
        }
        try s.world.commit()
        let fresh = WorldState(store: s.world.store)
        #expect(fresh.storage(token, Self.balanceSlot(Self.receiver(19))) == Self.amount)
        // Committed and past the limit: dropped, and still right when read again.
        #expect(Self.overlayEntries(s.world) == 0)
        #expect(try s.view(token, data: Self.balanceOf(Self.receiver(19))).output == Self.amount.bigEndianBytes)
    }

    /// An adversarial review of the bound: views from a sender without balance left the
    /// funding's undo entry in the journal, which kept the overlay from ever being trimmed.
    @Test func viewsFromAnUnfundedSenderAreTrimmedToo() throws {
        let s = ContractSession()
        let token = try #require(
            try s.deploy(try Fixtures.vyperToken(), kind: .evm, arguments: U256(1_000_000).bigEndianBytes).createdAddress)
        s.world.cachedEntryLimit = 16
        let unfunded = Address(low: 0x9999)
        var largest = 0
        for i in 0..<100 {
            let r = try s.view(token, data: Self.balanceOf(Self.receiver(5000 + i)), from: unfunded)
            #expect(r.status == .success)
            largest = max(largest, Self.overlayEntries(s.world))
        }
        #expect(largest <= 32 && s.world.journal.isEmpty, "overlay \(largest), journal \(s.world.journal.count)")
        #expect(s.world.balance(unfunded) == .zero && s.world.dirtyAccounts.isEmpty)
    }

    /// What a commit wrote cannot be reverted: `revert(to:)` to a snapshot from before it put
    /// old values back unmarked (the overlay unlike the store, and what a read gave depended
    /// on the trim), and after a view it brought the view's funding back, which the next
    /// transaction committed as 2^64 wei from nowhere.
    @Test(arguments: [Int?.none, 0]) func aCommitEndsTheJournal(limit: Int?) throws {
        let w = WorldState(store: MemoryStore())
        if let limit { w.cachedEntryLimit = limit }
        let a = Address(low: 0xa), k = U256(1)
        let snap = w.snapshot
        w.setStorage(a, k, U256(5))
        try w.commit()
        #expect(w.journal.isEmpty)
        w.revert(to: snap)
        let inStore = try w.store.storage(a, k)
        #expect(w.storage(a, k) == U256(5) && inStore == U256(5))

        let s = ContractSession()
        if let limit { s.world.cachedEntryLimit = limit }
        let viewer = Address(low: 0x9999), to = Address(low: 0x4000)
        let before = s.world.snapshot
        #expect(try s.view(to, data: [], from: viewer).status == .success)
        s.world.revert(to: before)
        #expect(s.world.balance(viewer) == .zero)
        s.fundsSenders = false
        #expect(throws: EEError.rejected(.insufficientAccountFunds)) {
            try s.send(from: viewer, to: to, data: [], value: U256(1000))
        }
        let stored = try s.world.store.account(to)
        #expect(stored?.balance ?? .zero == .zero)
    }

    /// EVM code that stores (SSTORE or TSTORE) 1 at n keys and then stops, or reverts when
    /// the calldata is not empty.
    static func storeLoop(_ n: Int, sstore: Bool) -> Bytes {
        var c: Bytes = [0x62, UInt8(n >> 16), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]  // PUSH3 n
        let loop = c.count
        c += [0x5b, 0x60, 0x01, 0x81, sstore ? 0x55 : 0x5d]  // JUMPDEST PUSH1 1 DUP2 STORE(i, 1)
        c += [0x60, 0x01, 0x90, 0x03, 0x80, 0x61, UInt8(loop >> 8), UInt8(loop & 0xff), 0x57]  // i -= 1, loop
        c += [0x36, 0x15, 0x61, 0, 0, 0x57, 0x5f, 0x5f, 0xfd]  // CALLDATASIZE ISZERO JUMPI(stop); REVERT
        let stop = c.count
        c[c.count - 6] = UInt8(stop >> 8)
        c[c.count - 5] = UInt8(stop & 0xff)
        return c + [0x5b, 0x00]
    }

    /// The journal and key lists give back the allocation of a big transaction whichever way
    /// it ended: a rolled-back journal is empty but kept its capacity (a review: 60 MiB after
    /// one reverted transaction or view of 300,000 TSTOREs).
    @Test func bigTransactionsLeaveNoBigLists() throws {
        for (sstore, mode) in [(false, "success"), (false, "revert"), (false, "view"), (true, "revert"), (true, "view")] {
            let s = ContractSession()
            s.gasLimit = 1_000_000_000
            let a = Address(low: 0xb16)
            // More entries than keptCapacity in every list (two journal entries a store).
            s.world.setAccount(a, Account(nonce: 1, kind: .evm, code: Self.storeLoop(sstore ? 20_000 : 40_000, sstore: sstore)))
            try s.world.commit()
            let r =
                mode == "success" ? try s.call(a, data: []) : mode == "revert" ? try s.call(a, data: [1]) : try s.view(a, data: [])
            #expect(r.status == (mode == "revert" ? .revert : .success), "\(mode): \(r.status)")
            _ = try s.call(Address(low: 0x1234), data: [])
            let w = s.world
            let kept = WorldState.keptCapacity
            #expect(
                w.journal.capacity <= kept && w.dirtySlotKeys.capacity <= kept && w.txWrittenSlots.capacity <= kept
                    && w.dirtyAccountOrder.capacity <= kept,
                "\(sstore ? "SSTORE" : "TSTORE") \(mode): journal \(w.journal.capacity), dirty slots \(w.dirtySlotKeys.capacity), written \(w.txWrittenSlots.capacity)")
        }
    }

    /// A mutation round's gaps: each condition of the trim on its own. Uncommitted accounts
    /// alone, or slots alone, keep everything (dropping either lost the write); the trim is
    /// for more than the limit, drops the key lists too, and runs as a transaction opens.
    @Test func eachTrimConditionOnItsOwn() throws {
        let to = Address(low: 0x5153), a = Address(low: 0x5152), k = U256(3)
        let accounts = WorldState(store: MemoryStore())
        accounts.cachedEntryLimit = 0
        _ = accounts.addBalance(to, U256(5))
        for _ in 0..<2 { accounts.beginTransaction(); accounts.finishTransaction() }
        #expect(accounts.balance(to) == U256(5))
        try accounts.commit()
        #expect(try accounts.store.account(to)?.balance == U256(5))

        let slots = WorldState(store: MemoryStore())
        slots.cachedEntryLimit = 0
        slots.setStorage(a, k, U256(6))
        for _ in 0..<2 { slots.beginTransaction(); slots.finishTransaction() }
        try slots.commit()
        #expect(try slots.store.storage(a, k) == U256(6))
        #expect(slots.slots.isEmpty && slots.slotKeys.isEmpty && slots.accounts.isEmpty)
        _ = slots.storage(a, k)
        #expect(slots.slotKeys[a] == [k], "a reload lists its key once")

        let limit = WorldState(store: MemoryStore())
        limit.cachedEntryLimit = 1
        _ = limit.addBalance(to, U256(1))
        try limit.commit()
        #expect(limit.accounts.count == 1, "one entry is not more than a limit of one")
        limit.cachedEntryLimit = 0
        limit.beginTransaction()
        #expect(limit.accounts.isEmpty, "dropped as the transaction opened")
    }

    /// The order lists are emptied by commit and discard and give back a large allocation.
    @Test func orderListsFollowTheirSets() throws {
        let w = WorldState(store: MemoryStore())
        let e = Address(low: 0xe)
        w.setAccount(e, Account())
        try w.commit()
        w.beginTransaction()
        w.touch(e)
        w.finishTransaction()
        #expect(w.wiped.contains(e) && w.wipedOrder == [e] && w.dirtyAccountOrder == [e])
        try w.commit()
        #expect(w.wipedOrder.isEmpty && w.dirtyAccountOrder.isEmpty)
        _ = w.addBalance(Address(low: 0xf), U256(1))
        w.discardUncommitted()
        #expect(w.dirtyAccountOrder.isEmpty && w.wipedOrder.isEmpty)
        for i in 0..<(WorldState.keptCapacity + 100) { _ = w.addBalance(Address(low: UInt64(0x1_0000 + i)), U256(1)) }
        try w.commit()
        #expect(w.dirtyAccountOrder.capacity <= WorldState.keptCapacity, "\(w.dirtyAccountOrder.capacity)")
    }

    /// Without a commit per transaction, views of a committed state are trimmed as each opens,
    /// and a heavy view gives back its lists at once.
    @Test func viewsWithoutCommitsStayBounded() throws {
        let s = ContractSession()
        let token = try #require(
            try s.deploy(try Fixtures.vyperToken(), kind: .evm, arguments: U256(1_000_000).bigEndianBytes).createdAddress)
        s.commitEachTransaction = false
        s.world.cachedEntryLimit = 16
        var largest = 0
        for i in 0..<100 {
            #expect(try s.view(token, data: Self.balanceOf(Self.receiver(5000 + i))).status == .success)
            largest = max(largest, Self.overlayEntries(s.world))
        }
        #expect(largest <= 32, "overlay \(largest)")
        let big = Address(low: 0xb16)
        s.gasLimit = 1_000_000_000
        s.world.setAccount(big, Account(nonce: 1, kind: .evm, code: Self.storeLoop(20_000, sstore: true)))
        try s.world.commit()
        #expect(try s.view(big, data: []).status == .success)
        #expect(s.world.dirtySlotKeys.capacity <= WorldState.keptCapacity, "\(s.world.dirtySlotKeys.capacity)")
    }

    /// Init code's analysis is not kept in the process-wide cache (two lookups that do not
    /// add give two analyses); a review saw distinct init codes flush runtime analyses.
    @Test func initCodeAnalysesAreNotKept() throws {
        let s = ContractSession()
        let initcode = try Fixtures.vyperToken() + U256(0x5eed_0001).bigEndianBytes
        #expect(try s.deploy(initcode, kind: .evm).createdAddress != nil)
        let code = Bytecode(kind: .evm, bytes: initcode, hash: Keccak.hash(initcode))
        let a = EVMAnalysisCache.analysis(for: code, fork: s.boot.block.fork, keep: false)
        let b = EVMAnalysisCache.analysis(for: code, fork: s.boot.block.fork, keep: false)
        #expect(a !== b, "the constructor's analysis was kept")
        let replaced = EVMAnalysis(code: [0x1e, 0x00], fork: .cancun)  // CLZ is Osaka's
        #expect(replaced.originalBuffer != nil && replaced.byteSize == replaced.buffer.count + 2)
    }

    /// Solidity's layout: balances at keccak256(owner ++ 1).
    static func balanceSlot(_ owner: Address) -> U256 {
        U256(bigEndian: Keccak.hash(owner.word.bigEndianBytes + U256(1).bigEndianBytes).bytes)
    }

    /// A view between uncommitted transactions: what the transactions changed stays marked
    /// (the next commit writes it), what the view changed does not (its sender's funding and
    /// nonce, the slots its transfer wrote).
    @Test func aViewForgetsItsOwnChangesOnly() throws {
        let s = ContractSession()
        let token = try #require(
            try s.deploy(try Fixtures.elf("token.elf"), kind: .riscv, arguments: U256(1_000_000).bigEndianBytes).createdAddress)
        s.commitEachTransaction = false
        for i in 0..<5 { _ = try s.call(token, data: Self.transfer(Self.receiver(i), Self.amount)) }
        let dirtyBefore = s.world.dirtyAccounts, slotsBefore = s.world.dirtySlotKeys.count
        #expect(s.world.dirtyAccountOrder.count == dirtyBefore.count)
        // A view that transfers from a fresh, unfunded sender to a fresh receiver: it changes
        // the sender's nonce and two slots, and funding touches the sender.
        let viewer = Address(low: 0x77_7777)
        let r = try s.view(token, data: Self.transfer(Self.receiver(99), U256(0)), from: viewer, skipping: [])
        #expect(r.status == .success)
        #expect(s.world.dirtyAccounts == dirtyBefore)
        #expect(s.world.dirtyAccountOrder.count == dirtyBefore.count && Set(s.world.dirtyAccountOrder) == dirtyBefore)
        #expect(s.world.dirtySlotKeys.count == slotsBefore)
        try s.world.commit()
        let fresh = WorldState(store: s.world.store)
        #expect(!fresh.exists(viewer), "the view's sender was committed")
        #expect(fresh.storage(token, Self.balanceSlot(Self.receiver(4))) == Self.amount)
        #expect(fresh.nonce(ContractSession.defaultSender) == s.world.nonce(ContractSession.defaultSender))
    }
}
