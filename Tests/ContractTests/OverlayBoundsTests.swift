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
