import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// Bootloader.simulate / ContractSession.view (from the review of the day's diff): a simulate
/// leaves the state exactly as it was (root, accounts, warm and touched sets), so that a later
/// transaction behaves as if the simulate never happened, under old forks too.
@Suite struct SimulateTests {
    static let sender = Address(low: 0xA11CE)
    static let factory = Address(low: 0xFAC7)
    static let destructor = Address(low: 0x5D5D)
    static let emptyAcct = Address(low: 0xEEEE)
    static let coinbase = Address(low: 0xC01B)

    static func hex(_ s: String) -> Bytes { Hex.decode(s)! }

    /// Creates a self-destructing child (value 1), an empty-code child, SSTOREs, TSTOREs
    /// (Cancun), LOG0, calls an existing empty account (EIP-161 touch) and a pre-existing
    /// contract that self-destructs.
    static func factoryCode(tstore: Bool) -> Bytes {
        var s = "6361beefff600052" + "6004601c6001f050" + "600060006000f050" + "6001600055"
        if tstore { s += "600160005d" }
        s += "60006000a0"
        s += "6000600060006000600061eeee5af150"
        s += "6000600060006000600061" + "5d5d" + "5af150"
        s += "00"
        return hex(s)
    }

    static func world(fork: Fork) -> (WorldState, Bootloader) {
        let store = MemoryStore(accounts: [
            sender: Account(balance: U256(1 << 60)),
            factory: Account(nonce: 1, balance: U256(10), kind: .evm, code: factoryCode(tstore: fork >= .cancun)),
            destructor: Account(nonce: 1, balance: U256(100), kind: .evm, code: hex("61beefff")),
            emptyAcct: Account(),  // exists, empty (EIP-161)
        ], storage: [factory: [U256(7): U256(9)]])
        let world = WorldState(store: store)
        var block = BlockContext()
        block.coinbase = coinbase
        block.baseFee = U256(7)
        let boot = Bootloader(world: world, registry: .standard, block: block)
        boot.useFork(fork)
        return (world, boot)
    }

    static func tx(nonce: UInt64, to: Address?, data: Bytes = [], gas: UInt64 = 1_000_000) -> Transaction {
        Transaction(sender: sender, nonce: U256(nonce), gasLimit: U256(gas), to: to, value: .zero, data: data, gasPrice: U256(10))
    }

    /// simulate(tx) then execute(tx) gives the same receipt and root as execute(tx) alone, and
    /// simulate alone leaves the root as it was.
    @Test(arguments: [Fork.cancun, .shanghai, .istanbul, .homestead])
    func simulateLeavesNoTrace(fork: Fork) throws {
        let txs = [
            Self.tx(nonce: 0, to: Self.factory),
            // A creation whose init code is the factory's code (it runs it, then returns nothing).
            Self.tx(nonce: 0, to: nil, data: Self.factoryCode(tstore: fork >= .cancun)),
            // Reverts after an SSTORE; and one that runs out of gas (INVALID).
            Self.tx(nonce: 0, to: nil, data: Self.hex("600160005560006000fd")),
            Self.tx(nonce: 0, to: nil, data: Self.hex("6001600055fe"), gas: 60_000),
        ]
        for t in txs {
            let (w1, b1) = Self.world(fork: fork)
            let root0 = try w1.stateRoot()
            let sim = try b1.simulate(t).get()
            #expect(try w1.stateRoot() == root0, "\(fork) simulate changed the root")
            #expect(w1.exists(Self.emptyAcct) == true, "\(fork): simulate deleted the touched empty account")
            #expect(w1.nonce(Self.sender) == 0)
            let real1 = try b1.execute(t).get()
            try w1.commit()
            let rootAfter1 = try w1.stateRoot()

            let (w2, b2) = Self.world(fork: fork)
            let real2 = try b2.execute(t).get()
            try w2.commit()
            let rootAfter2 = try w2.stateRoot()
            #expect(sim.status == real2.status && sim.gasUsed == real2.gasUsed && sim.logs == real2.logs && sim.output == real2.output && sim.createdAddress == real2.createdAddress, "\(fork)")
            #expect(real1.gasUsed == real2.gasUsed && real1.status == real2.status, "\(fork): \(real1.gasUsed) vs \(real2.gasUsed)")
            #expect(rootAfter1 == rootAfter2, "\(fork): a simulate before execute changed the result")
            #expect(rootAfter1 != root0)
        }
    }

    /// view from an account that exists but is empty (nonce 0, balance 0): funded, then restored.
    @Test func viewFromAnExistingEmptyAccount() throws {
        let store = MemoryStore(accounts: [Self.emptyAcct: Account()])
        let s = ContractSession(store: store)
        s.boot.block.baseFee = U256(3)
        let target = Address(low: 0x7A7A)
        try s.install(Self.hex("60016000556000600055"), kind: .evm, at: target)  // SSTORE 1 then 0
        let root = try s.world.stateRoot()
        let r = try s.view(target, data: [], from: Self.emptyAcct)
        #expect(r.status == .success)
        #expect(s.world.exists(Self.emptyAcct))
        #expect(try s.world.stateRoot() == root)
        // And the real thing afterwards (the sender pays from the funding send gives).
        #expect(try s.call(target, data: [], from: Self.emptyAcct).status == .success)
    }

    /// `simulate(tx, skipping:)` leaves out what eth_call leaves out, one check at a time: a
    /// contract as the sender, a wrong nonce, no funds, a max fee below the base fee. Each is
    /// refused without its skip, and the state is unchanged after every run.
    @Test func simulationChecksCanBeSkippedOneByOne() throws {
        let (world, boot) = Self.world(fork: .cancun)
        world.addBalance(Self.factory, U256(1 << 40))
        let root = try world.stateRoot()
        func refusal(_ r: Result<Receipt, TransactionError>) -> TransactionError? {
            if case .failure(let e) = r { return e }
            return nil
        }
        func status(_ r: Result<Receipt, TransactionError>) -> FrameStatus? {
            if case .success(let receipt) = r { return receipt.status }
            return nil
        }
        // The factory, a contract with nonce 1 and 2^40 wei, sends to an account without code.
        func tx(nonce: UInt64, price: UInt64, value: UInt64 = 0) -> Transaction {
            Transaction(sender: Self.factory, nonce: U256(nonce), gasLimit: U256(100_000), to: Self.emptyAcct,
                value: U256(value), data: [], gasPrice: U256(price))
        }
        let cases: [(Transaction, SimulationChecks, TransactionError)] = [
            (tx(nonce: 9, price: 10), .nonce, .nonceMismatch(expected: 1, got: U256(9))),
            (tx(nonce: 1, price: 10, value: 1 << 50), .balance, .insufficientAccountFunds),
            (tx(nonce: 1, price: 1), .baseFee, .insufficientMaxFeePerGas),
        ]
        #expect(refusal(try boot.simulate(tx(nonce: 1, price: 10))) == .senderNotEOA)
        #expect(status(try boot.simulate(tx(nonce: 1, price: 10), skipping: .senderCode)) == .success)
        for (t, check, why) in cases {
            #expect(refusal(try boot.simulate(t, skipping: .senderCode)) == why, "\(check)")
            #expect(status(try boot.simulate(t, skipping: [.senderCode, check])) == .success, "\(check)")
            #expect(status(try boot.simulate(t, skipping: .all)) == .success, "\(check)")
            #expect(try world.stateRoot() == root)
        }
        // The real thing still refuses them.
        #expect(refusal(try boot.execute(tx(nonce: 1, price: 10))) == .senderNotEOA)
        #expect(try world.stateRoot() == root)
        // Below the base fee (7) the price is the max fee: GASPRICE reads 1.
        let priceProbe = Address(low: 0x6A5)
        world.setAccount(priceProbe, Account(nonce: 1, kind: .evm, code: Self.hex("3a5f5260205ff3")))  // return GASPRICE
        let cheap = Transaction(
            sender: Self.sender, nonce: U256(0), gasLimit: U256(100_000), to: priceProbe, value: .zero, data: [], gasPrice: U256(1))
        guard case .success(let r) = try boot.simulate(cheap, skipping: .baseFee) else {
            Issue.record("a max fee below the base fee was refused")
            return
        }
        #expect(r.output == U256(1).bigEndianBytes)
    }

    /// `ContractSession.view` checks as eth_call by default (a contract may be the sender, and
    /// needs no funds or nonce); `skipping: []` validates it as a sent transaction.
    @Test func viewFromAContractAsEthCall() throws {
        let s = ContractSession()
        s.fundsSenders = false
        let target = Address(low: 0x7B7B)
        try s.install(Self.hex("335f5260205ff3"), kind: .evm, at: target)  // returns CALLER
        let contractSender = Address(low: 0xC0DE)
        try s.install(Self.hex("00"), kind: .evm, at: contractSender)
        let r = try s.view(target, data: [], from: contractSender, value: U256(5))
        #expect(r.status == .success && r.output == Bytes(repeating: 0, count: 12) + contractSender.bytes)
        #expect(s.world.balance(contractSender).isZero && s.world.nonce(contractSender) == 1)
        #expect(throws: EEError.self) { try s.view(target, data: [], from: contractSender, skipping: []) }
    }

    /// Without the balance check, a sender that cannot pay is given what it lacks and no more
    /// (`SimulationChecks.balance`): after buying its gas and sending the value it holds
    /// exactly nothing, whatever it had before; BALANCE(ORIGIN) reads 0 inside the run.
    /// (Mutation testing: a top-up of the whole up-front cost, on top of what the sender had,
    /// passed every test.) Up-front cost by hand: 100,000 gas x 10 wei + value.
    @Test func balanceSkipGivesTheSenderOnlyWhatItLacks() throws {
        let (world, boot) = Self.world(fork: .cancun)
        let probe = Address(low: 0xBA1)
        world.setAccount(probe, Account(nonce: 1, kind: .evm, code: Self.hex("32315f5260205ff3")))  // return BALANCE(ORIGIN)
        for (had, value) in [(UInt64(0), UInt64(0)), (999_999, 0), (1_000, 700), (1_000_000, 1)] {
            let poor = Address(low: 0x9000 + had)
            world.setAccount(poor, Account(balance: U256(had)))
            world.finishTransaction()
            let root = try world.stateRoot()
            let tx = Transaction(
                sender: poor, nonce: U256(0), gasLimit: U256(100_000), to: probe, value: U256(value), data: [],
                gasPrice: U256(10))
            #expect(had < 1_000_000 + value)
            if case .failure(let e) = try boot.simulate(tx) { #expect(e == .insufficientAccountFunds) } else {
                Issue.record("a sender short of funds was not refused")
            }
            guard case .success(let r) = try boot.simulate(tx, skipping: .balance) else {
                Issue.record("refused with the balance check skipped")
                continue
            }
            #expect(r.status == .success && r.output == U256.zero.bigEndianBytes, "had \(had), value \(value)")
            #expect(try world.stateRoot() == root && world.balance(poor) == U256(had))
        }
    }
}
