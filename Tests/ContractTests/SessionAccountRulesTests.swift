import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// `ContractSession`'s account helpers as their documentation states them, where no other test
/// told a right rule from a wrong one (the ContractSession mutation round): `install` keeps
/// the account's nonce and balance, `fund` gives only to an address without balance, a
/// sender is funded for any up-front charge that fits in 256 bits, and `view` commits the
/// changes made before it, as `send` does.
@Suite struct SessionAccountRulesTests {
    /// `install` (as anvil_setCode): the balance stays, and the nonce becomes at least 1, so a
    /// higher nonce stays too.
    @Test func installKeepsTheBalanceAndAHigherNonce() throws {
        let s = ContractSession()
        let a = Address(low: 0x1a57)
        s.world.setAccount(a, Account(nonce: 5, balance: U256(777)))
        try s.world.commit()
        try s.install([0x00], kind: .evm, at: a)
        let after = try #require(s.world.account(a))
        #expect(after.nonce == 5 && after.balance == U256(777) && after.code == [0x00] && after.kind == .evm)
        // A fresh address gets nonce 1 (EIP-161: an account with code) and no balance.
        let b = Address(low: 0x1a58)
        try s.install([0x00], kind: .evm, at: b)
        #expect(s.world.account(b).map { ($0.nonce, $0.balance) } ?? (0, U256(1)) == (1, .zero))
    }

    /// `fund` gives only to an address without balance: a second call, or an address that has
    /// a balance, keeps what it has.
    @Test func fundGivesOnlyToAnAddressWithoutBalance() {
        let s = ContractSession()
        let a = Address(low: 0xf0d)
        s.fund(a, U256(5))
        s.fund(a, U256(9))
        #expect(s.world.balance(a) == U256(5))
        s.fund(a)
        #expect(s.world.balance(a) == U256(5))
    }

    /// With `fundsSenders`, a sender is funded for the largest up-front charge: a gas price
    /// whose charge fits in 256 bits but overflows 2^64 plus it gets U256.max, so the call runs
    /// (with 2^64 + charge wrapped around, it was refused for funds).
    @Test func aGasPriceNearTheTopOfU256IsStillFunded() throws {
        let s = ContractSession()
        // 2^240 - 1 wei per gas, 2^16 gas: a charge of 2^256 - 2^16.
        s.gasPrice = U256(limbs: (.max, .max, .max, (1 << 48) - 1))
        let from = Address(low: 0xb16), to = Address(low: 0xb17)
        let r = try s.call(to, data: [], from: from, value: U256(3), gas: 1 << 16)
        #expect(r.status == .success && r.gasUsed == 21_000)
        #expect(s.world.balance(to) == U256(3) && s.world.nonce(from) == 1)
    }

    /// `view` with `commitEachTransaction`: changes made outside a transaction (`fund`) reach
    /// the store first, as with `send`; the view itself leaves nothing.
    @Test func viewCommitsEarlierChangesFirst() throws {
        let store = MemoryStore()
        let s = ContractSession(store: store)
        let a = Address(low: 0xc0ffee)
        s.fund(a, U256(5))
        #expect(store.account(a) == nil)
        let r = try s.view(Address(low: 0xdead), data: [])
        #expect(r.status == .success)
        #expect(store.account(a)?.balance == U256(5))
        #expect(store.account(ContractSession.defaultSender) == nil)
    }
}
