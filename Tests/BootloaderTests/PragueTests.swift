import Testing

@testable import EEKit

/// Prague's transaction and call rules, each pinned to its EIP: EIP-7702 set-code transactions
/// (authorizations, delegation designators, the delegate's code running in the authority's
/// account, the delegate's access price, refunds, skipped authorizations), EIP-7623's calldata
/// floor and EIP-7691's blob limit and update fraction. The Prague state-test fixtures and the
/// execution-specs campaigns check the same rules on far more cases (docs/CONFORMANCE.md).
struct PragueTests {
    /// Secret keys of two authorities (any key below the group order).
    static let keyA = Bytes32(hex: "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8")!
    static let keyB = Bytes32(hex: "0x41f6e321b31e72173f8ff2e292359e1862f24fba42fe6f97efaf641980eff298")!
    static let sender = EVMWorld.sender

    /// The address a key signs for (the authority its authorizations name).
    static func address(of key: Bytes32) throws -> Address {
        let a = try #require(Address(secretKey: key))
        // The signature recovers the same account.
        let probe = try #require(Transaction.Authorization.signed(chainId: .zero, address: .zero, nonce: 0, secretKey: key))
        #expect(probe.authority == a)
        return a
    }

    /// A world of EVM contracts at low addresses, the sender funded, under `fork` (`EVMWorld`).
    static func world(_ contracts: [UInt64: Bytes], fork: Fork = .prague, extra: [Address: Account] = [:]) -> (WorldState, Bootloader) {
        let w = EVMWorld(contracts: contracts, fork: fork, extra: extra)
        return (w.world, w.boot)
    }

    static func setCode(
        _ to: Address, _ auths: [Transaction.Authorization], nonce: UInt64, gas: UInt64 = 300_000, data: Bytes = [],
        accessList: [Transaction.AccessListEntry] = []
    ) -> Transaction {
        Transaction(
            type: .setCode, sender: sender, nonce: U256(nonce), gasLimit: U256(gas), to: to, data: data,
            maxFeePerGas: U256(1), accessList: accessList, authorizationList: auths)
    }

    static func call(_ to: Address, nonce: UInt64, gas: UInt64 = 300_000, data: Bytes = [], accessList: [Transaction.AccessListEntry] = [])
        -> Transaction
    {
        Transaction(
            type: .dynamicFee, sender: sender, nonce: U256(nonce), gasLimit: U256(gas), to: to, data: data,
            maxFeePerGas: U256(1), accessList: accessList)
    }

    /// ADDRESS -> slot 0, CALLER -> slot 1: where the delegate's code runs and for whom.
    static let recorder: Bytes = [Op.address, Op.push0, Op.sstore, 0x33, Op.push1, 1, Op.sstore, Op.stop]

    /// A signed authorization for the tests' chain (1).
    static func auth(_ key: Bytes32, to: Address, nonce: UInt64, chain: UInt64 = 1) throws -> Transaction.Authorization {
        try #require(Transaction.Authorization.signed(chainId: U256(chain), address: to, nonce: nonce, secretKey: key))
    }

    /// The delegate's code runs in the authority's account (its storage, its address), for the
    /// transaction's sender; the authority keeps the designator and its nonce moves; later
    /// transactions run the delegate again; the delegate's own storage is untouched.
    @Test func delegationRunsTheDelegatesCodeInTheAuthoritysAccount() throws {
        let a = try Self.address(of: Self.keyA)
        let (world, boot) = Self.world([0xd0: Self.recorder])
        let r = try boot.execute(Self.setCode(a, [try Self.auth(Self.keyA, to: Address(low: 0xd0), nonce: 0)], nonce: 0)).get()
        #expect(r.status == .success)
        #expect(world.account(a)?.code == Delegation.designator(for: Address(low: 0xd0)) && world.nonce(a) == 1)
        #expect(world.storage(a, .zero) == U256(bigEndian: a.bytes) && world.storage(a, U256(1)) == U256(bigEndian: Self.sender.bytes))
        #expect(world.storage(Address(low: 0xd0), .zero).isZero)
        // 21,000 + 25,000 per authorization (the authority did not exist: no refund), the
        // recorder's two cold SSTOREs of new values and its pushes.
        #expect(r.gasUsed == 46_000 + 2 * 22_100 + 9 && r.refund == 0, "\(r.gasUsed)")
        try world.commit()
        world.setStorage(a, .zero, .zero)
        let again = try boot.execute(Self.call(a, nonce: 1)).get()
        #expect(again.status == .success && world.storage(a, .zero) == U256(bigEndian: a.bytes))
    }

    /// Invalid authorizations are skipped, and the transaction still runs (and pays 25,000 for
    /// each): another chain, a nonce that is not the authority's, nonce 2^64 - 1, y parity 2, s
    /// above n/2 (the high-s twin of a valid signature), r = 0. Chain id 0 is valid everywhere.
    @Test func invalidAuthorizationsAreSkipped() throws {
        let a = try Self.address(of: Self.keyA)
        let d = Address(low: 0xd0)
        let good = try Self.auth(Self.keyA, to: d, nonce: 0)
        var parity = good
        parity.yParity = U256(2)
        var highS = good
        highS.s = Transaction.Authorization.secp256k1n &- good.s
        highS.yParity = U256(1) &- good.yParity
        var zeroR = good
        zeroR.r = .zero
        var maxNonce = try Self.auth(Self.keyA, to: d, nonce: 0)
        maxNonce.nonce = U256(UInt64.max)
        let bad = [
            try Self.auth(Self.keyA, to: d, nonce: 0, chain: 2), try Self.auth(Self.keyA, to: d, nonce: 1), parity, highS, zeroR, maxNonce,
        ]
        #expect(highS.authority == nil && parity.authority == nil && good.authority == a)
        let (world, boot) = Self.world([0xd0: Self.recorder])
        let r = try boot.execute(Self.setCode(a, bad, nonce: 0)).get()
        #expect(r.status == .success && r.gasUsed == 21_000 + 25_000 * UInt64(bad.count), "\(r.gasUsed)")
        #expect(!world.exists(a) || (world.account(a)?.code.isEmpty == true && world.nonce(a) == 0))
        // Chain id 0 is valid on any chain.
        let (w0, b0) = Self.world([0xd0: Self.recorder])
        _ = try b0.execute(Self.setCode(a, [try Self.auth(Self.keyA, to: d, nonce: 0, chain: 0)], nonce: 0)).get()
        #expect(w0.account(a)?.code == Delegation.designator(for: d))
    }

    /// Of two authorizations by one authority, the second must carry the nonce the first left;
    /// a later one delegating to the zero address clears the code (the nonce still moves). An
    /// authority that existed before gets 12,500 back (under the fifth-of-the-gas cap).
    @Test func authorizationsApplyInOrderAndTheZeroAddressClears() throws {
        let a = try Self.address(of: Self.keyA)
        let d = Address(low: 0xd0)
        let (world, boot) = Self.world([0xd0: [Op.stop]], extra: [a: Account(balance: U256(1))])
        let list = [try Self.auth(Self.keyA, to: d, nonce: 0), try Self.auth(Self.keyA, to: .zero, nonce: 1)]
        let r = try boot.execute(Self.setCode(a, list, nonce: 0)).get()
        #expect(world.account(a)?.code.isEmpty == true && world.nonce(a) == 2)
        // 71,000 used; two refunds of 12,500 capped at 71,000 / 5.
        #expect(r.refund == 14_200 && r.gasUsed == 71_000 - 14_200, "\(r.gasUsed) \(r.refund)")
    }

    /// The sender may authorize for itself: its nonce has already moved when the list applies,
    /// so the authorization carries the transaction's nonce + 1. A sender whose code is a
    /// designator still sends transactions from Prague on (EIP-3607 as EIP-7702 amends it), not
    /// before.
    @Test func selfSponsoredDelegationAndSendersWithADesignator() throws {
        let a = try Self.address(of: Self.keyA)
        let d = Address(low: 0xd0)
        let (world, boot) = Self.world([0xd0: Self.recorder], extra: [a: Account(balance: U256(1_000_000_000_000))])
        let tx = Transaction(
            type: .setCode, sender: a, nonce: .zero, gasLimit: U256(300_000), to: a, maxFeePerGas: U256(1),
            authorizationList: [try Self.auth(Self.keyA, to: d, nonce: 1)])
        let r = try boot.execute(tx).get()
        #expect(r.status == .success && world.nonce(a) == 2 && world.account(a)?.code == Delegation.designator(for: d))
        #expect(world.storage(a, U256(1)) == U256(bigEndian: a.bytes))  // CALLER: the authority itself
        try world.commit()
        let next = Transaction(type: .dynamicFee, sender: a, nonce: U256(2), gasLimit: U256(100_000), to: Address(low: 0xee), maxFeePerGas: U256(1))
        #expect(boot.validate(next).isSuccess)
        boot.useFork(.cancun)
        #expect(boot.validate(next) == .failure(.senderNotEOA))
    }

    /// CALL to a delegated account pays the delegate's access too (2,600 cold, 100 warm) and
    /// warms it; EXTCODESIZE and EXTCODEHASH read the designator itself.
    @Test func callsPayForTheDelegateAndCodeReadsSeeTheDesignator() throws {
        let a = try Self.address(of: Self.keyA)
        let d = Address(low: 0xd0)
        let designator = Delegation.designator(for: d)
        // GAS, CALL(gas, target, 0, 0, 0, 0, 0), POP, GAS, SWAP1, SUB -> slot 0 (the call's cost
        // and the PUSHes'), EXTCODESIZE(target) -> slot 1, EXTCODEHASH(target) -> slot 2.
        func caller(_ target: Address) -> Bytes {
            let push = [Op.push20] + target.bytes
            return [Op.gas, Op.push0, Op.push0, Op.push0, Op.push0, Op.push0] + push + [Op.gas, Op.call, Op.pop, Op.gas, 0x90, 0x03]
                + [Op.push0, Op.sstore] + push + [0x3b, Op.push1, 1, Op.sstore] + push + [0x3f, Op.push1, 2, Op.sstore, Op.stop]
        }
        let plain = Address(low: 0xbb)
        let (world, boot) = Self.world(
            [0xc1: caller(a), 0xc2: caller(plain), 0xd0: [Op.stop], 0xbb: [Op.stop]],
            extra: [a: Account(nonce: 1, kind: .evm, code: designator)])
        _ = try boot.execute(Self.call(Address(low: 0xc1), nonce: 0)).get()
        _ = try boot.execute(Self.call(Address(low: 0xc2), nonce: 1)).get()
        let delegated = world.storage(Address(low: 0xc1), .zero), direct = world.storage(Address(low: 0xc2), .zero)
        #expect(delegated == direct &+ U256(2_600), "\(delegated) \(direct)")
        #expect(world.storage(Address(low: 0xc1), U256(1)) == U256(23))
        #expect(world.storage(Address(low: 0xc1), U256(2)) == U256(bigEndian: Keccak.hash(designator).bytes))
        // With the delegate in the access list: 100.
        _ = try boot.execute(Self.call(Address(low: 0xc1), nonce: 2, accessList: [.init(address: d, storageKeys: [])])).get()
        #expect(world.storage(Address(low: 0xc1), .zero) == direct &+ U256(100))
        // Before Prague the designator is plain code: no delegate price, and 0xef fails the callee.
        let (oldWorld, oldBoot) = Self.world(
            [0xc1: caller(a), 0xc2: caller(plain), 0xd0: [Op.stop], 0xbb: designator], fork: .cancun,
            extra: [a: Account(nonce: 1, kind: .evm, code: designator)])
        _ = try oldBoot.execute(Self.call(Address(low: 0xc1), nonce: 0)).get()
        _ = try oldBoot.execute(Self.call(Address(low: 0xc2), nonce: 1)).get()
        #expect(oldWorld.storage(Address(low: 0xc1), .zero) == oldWorld.storage(Address(low: 0xc2), .zero))
    }

    /// A delegate is run by its code only: a precompile address as delegate runs nothing (no
    /// precompile, no code stored there: success, no output), and a delegate that is itself delegated runs its
    /// designator as code (0xef: the call fails).
    @Test func delegatesArePlainCodeNeverPrecompilesOrFurtherDelegations() throws {
        let a = try Self.address(of: Self.keyA), b = try Self.address(of: Self.keyB)
        let d = Address(low: 0xd0)
        // CALL(gas, target, 0, 0, 32, 0, 32) -> slot 0 the flag, RETURNDATASIZE -> slot 1.
        func probe(_ target: Address) -> Bytes {
            [Op.push1, 32, Op.push0, Op.push1, 32, Op.push0, Op.push0, Op.push20] + target.bytes
                + [Op.gas, Op.call, Op.push0, Op.sstore, Op.returndatasize, Op.push1, 1, Op.sstore, Op.stop]
        }
        let (world, boot) = Self.world(
            // Code stored at the precompile's address does not run either.
            [0xc1: probe(a), 0xc2: probe(b), 0xd0: [Op.push1, 42, Op.push0, Op.sstore, Op.stop], 4: [Op.push1, 42, Op.push0, Op.sstore, Op.stop]],
            extra: [
                a: Account(nonce: 1, kind: .evm, code: Delegation.designator(for: Address(low: 4))),
                b: Account(nonce: 1, kind: .evm, code: Delegation.designator(for: a)),
            ])
        _ = try boot.execute(Self.call(Address(low: 0xc1), nonce: 0)).get()
        #expect(world.storage(Address(low: 0xc1), .zero) == U256(1) && world.storage(Address(low: 0xc1), U256(1)).isZero)
        #expect(world.storage(a, .zero).isZero)
        _ = try boot.execute(Self.call(Address(low: 0xc2), nonce: 1)).get()
        #expect(world.storage(Address(low: 0xc2), .zero).isZero)
        _ = d
    }

    /// Set-code transactions arrive with Prague, need a target and at least one authorization.
    @Test func setCodeTransactionsAreValidatedAsEIP7702Says() throws {
        let a = try Self.address(of: Self.keyA)
        let auth = try Self.auth(Self.keyA, to: Address(low: 0xd0), nonce: 0)
        let (_, boot) = Self.world([:])
        #expect(boot.validate(Self.setCode(a, [], nonce: 0)) == .failure(.setCodeEmptyAuthorizationList))
        var create = Self.setCode(a, [auth], nonce: 0)
        create.to = nil
        #expect(boot.validate(create) == .failure(.setCodeContractCreation))
        #expect(boot.validate(Self.setCode(a, [auth], nonce: 0, gas: 45_999)) == .failure(.intrinsicGasTooLow(needed: 46_000, limit: U256(45_999))))
        #expect(boot.validate(Self.setCode(a, [auth], nonce: 0)) == .success(46_000))
        boot.useFork(.cancun)
        #expect(boot.validate(Self.setCode(a, [auth], nonce: 0)) == .failure(.typeNotSupported(.setCode)))
        #expect(TransactionError.typeNotSupported(.setCode).description == "TYPE_4_TX_PRE_FORK")
    }

    /// A `Transaction` built in code with another type's fields is refused (a review: a
    /// legacy transaction with blob hashes ran unpaid, BLOBHASH reading them, and created
    /// money; a blob transaction applied an authorization list); `authorizing` returns nil
    /// where the authorization's nonce would be 2^64 - 1 (it trapped on the overflow).
    @Test func fieldsOfAnotherTypeAreRefused() throws {
        let a = try Self.address(of: Self.keyA)
        let auth = try Self.auth(Self.keyA, to: Address(low: 0xd0), nonce: 0)
        let (world, boot) = Self.world([:])
        let hash = Bytes32([1] + Bytes(repeating: 0, count: 31))
        for type in [Transaction.TxType.legacy, .accessList, .dynamicFee, .setCode] {
            var tx = Self.setCode(a, type == .setCode ? [auth] : [], nonce: 0)
            tx.type = type
            tx.gasPrice = U256(10)
            tx.blobVersionedHashes = Array(repeating: hash, count: 50)
            #expect(boot.validate(tx) == .failure(.fieldOfAnotherType(type, "blob versioned hashes (type 3)")), "\(type)")
        }
        var blob = BlobScheduleTests.blobs(1)
        blob.authorizationList = [auth]
        #expect(boot.validate(blob) == .failure(.fieldOfAnotherType(.blob, "an authorization list (type 4)")))
        var legacy = Self.setCode(a, [], nonce: 0)
        legacy.type = .legacy
        legacy.gasPrice = U256(10)
        legacy.accessList = [Transaction.AccessListEntry(address: Address(low: 1), storageKeys: [])]
        #expect(boot.validate(legacy) == .failure(.fieldOfAnotherType(.legacy, "an access list (types 1 to 4)")))
        #expect(TransactionError.fieldOfAnotherType(.legacy, "x").description == "TYPE_MISMATCH (a type-0 transaction carries x)")
        _ = world

        let s = ContractSession()
        s.boot.useFork(.prague)
        s.world.setNonce(a, .max)
        #expect(s.authorizing([(Self.keyA, Address(low: 0xd0))]) == nil)
        #expect(s.authorizing([(Self.keyA, Address(low: 0xd0))], sender: a) == nil)
        s.world.setNonce(a, .max - 1)
        #expect(s.authorizing([(Self.keyA, Address(low: 0xd0))])?.first?.nonce == U256(UInt64.max - 1))
        #expect(s.authorizing([(Self.keyA, Address(low: 0xd0))], sender: a) == nil)
        #expect(s.authorizing([(Self.keyA, Address(low: 0xd0)), (Self.keyA, .zero)]) == nil)
    }

    /// A legacy or EIP-2930 transaction pays its `gasPrice`, also one set after `init` (a
    /// review's paid nothing: `init` had copied the price into the max fees once), and before
    /// London no base fee is enforced or burned, whatever the block says.
    @Test func legacyPriceAndPreLondonBaseFee() throws {
        for fork in [Fork.berlin, .cancun] {
            let w = EVMWorld(contracts: [:], fork: fork)
            var tx = Transaction(sender: EVMWorld.sender, gasLimit: U256(21_000), to: Address(low: 0xee))
            tx.gasPrice = U256(100)
            let before = w.world.balance(EVMWorld.sender)
            _ = try w.boot.execute(tx).get()
            #expect(before &- w.world.balance(EVMWorld.sender) == U256(2_100_000), "\(fork)")
            #expect(w.world.balance(Address(low: 0xc0)) == U256(2_100_000), "\(fork)")
            // A type changed after init prices by the new type's fields.
            var typed = Transaction(
                type: .dynamicFee, sender: EVMWorld.sender, nonce: U256(1), gasLimit: U256(21_000), to: Address(low: 0xee),
                gasPrice: U256(100), maxFeePerGas: U256(5), maxPriorityFeePerGas: U256(1))
            typed.type = .legacy
            #expect(typed.maxFeePerGas == U256(100) && typed.maxPriorityFeePerGas == U256(100))
            typed.type = .dynamicFee
            #expect(typed.maxFeePerGas == U256(5) && typed.maxPriorityFeePerGas == U256(1))
        }
        // Berlin with a block base fee of 10: a price of 7 is valid and the coinbase gets it all.
        let w = EVMWorld(contracts: [:], fork: .berlin)
        w.boot.block.baseFee = U256(10)
        let tx = Transaction(sender: EVMWorld.sender, gasLimit: U256(21_000), to: Address(low: 0xee), gasPrice: U256(7))
        _ = try w.boot.execute(tx).get()
        #expect(w.world.balance(Address(low: 0xc0)) == U256(147_000))
        w.boot.useFork(.london)
        var late = tx
        late.nonce = U256(1)
        #expect(w.boot.validate(late) == .failure(.insufficientMaxFeePerGas))
    }

    /// EIP-7623: a transaction is charged at least 21,000 + 10 per calldata token (4 per
    /// non-zero byte, 1 per zero byte), and a gas limit below that floor is refused.
    @Test func calldataFloor() throws {
        let data = Bytes(repeating: 0xab, count: 100) + Bytes(repeating: 0, count: 20)  // 420 tokens
        let floor: UInt64 = 21_000 + 4_200
        let standard: UInt64 = 21_000 + 100 * 16 + 20 * 4
        for fork in [Fork.cancun, .prague] {
            let (_, boot) = Self.world([:], fork: fork)
            let r = try boot.execute(Self.call(Address(low: 0xee), nonce: 0, data: data)).get()
            #expect(r.gasUsed == (fork == .prague ? floor : standard), "\(fork): \(r.gasUsed)")
            let low = boot.validate(Self.call(Address(low: 0xee), nonce: 1, gas: floor - 1, data: data))
            #expect(low == (fork == .prague ? .failure(.intrinsicGasBelowFloor(needed: floor, limit: U256(floor - 1))) : .success(standard)))
        }
        // Execution above the floor is charged as before.
        let (_, boot) = Self.world([0xd0: Self.recorder])
        let r = try boot.execute(Self.call(Address(low: 0xd0), nonce: 0, data: [1])).get()
        #expect(r.gasUsed == 21_016 + 2 * 22_100 + 9)
    }

    /// EIP-7691: nine blobs per block from Prague (six before) and the update fraction 5,007,716.
    @Test func blobLimitAndUpdateFraction() throws {
        func blobs(_ n: Int) -> Transaction {
            Transaction(
                type: .blob, sender: Self.sender, nonce: .zero, gasLimit: U256(100_000), to: Address(low: 0xee), maxFeePerGas: U256(1),
                blobVersionedHashes: Array(repeating: Bytes32([1] + Bytes(repeating: 0, count: 31)), count: n), maxFeePerBlobGas: U256(1))
        }
        let (_, prague) = Self.world([:])
        #expect(prague.validate(blobs(9)).isSuccess && prague.validate(blobs(10)) == .failure(.blobGasExceeded))
        let (_, cancun) = Self.world([:], fork: .cancun)
        #expect(cancun.validate(blobs(6)).isSuccess && cancun.validate(blobs(7)) == .failure(.blobGasExceeded))
        // fake_exponential(1, excess, fraction) for both fractions (values from EIP-4844's
        // reference loop).
        #expect(BlobFees.baseFee(excessBlobGas: 10_000_000, fork: .prague) == U256(7))
        #expect(BlobFees.baseFee(excessBlobGas: 10_000_000, fork: .cancun) == U256(19))
        #expect(BlobFees.baseFee(excessBlobGas: 100_000_000, fork: .prague) == U256(470_442_149))
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}
