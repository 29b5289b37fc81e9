import EEKit
import Testing

/// Transaction and frame rules a second mutation round on the bootloader (`TransactionProcessor`,
/// `Transaction`, `Runner`, `Deployment`) found untested. Every expected value comes from the
/// EIPs or execution-specs (gas figures worked out by hand from their constants), never from
/// EEKit's own output.
@Suite struct BootloaderMutationRound2Tests {
    static let sender = EVMWorld.sender

    /// A bootloader over `accounts` (the sender holds 10^18 wei unless given) at `fork`.
    static func boot(
        _ accounts: [Address: Account], storage: [Address: [U256: U256]] = [:], fork: Fork = .cancun,
        baseFee: UInt64 = 0, blobBaseFee: UInt64 = 1, gasLimit: UInt64 = 30_000_000,
        hooks: [Address: any SystemHook] = Precompiles.cancun()
    ) -> (WorldState, Bootloader) {
        var all = accounts
        if all[sender] == nil { all[sender] = Account(balance: U256(1_000_000_000_000_000_000)) }
        let world = WorldState(store: MemoryStore(accounts: all, storage: storage))
        var block = BlockContext()
        block.fork = fork
        block.coinbase = Address(low: 0xc0)
        block.gasLimit = gasLimit
        block.number = 1
        block.baseFee = U256(baseFee)
        block.blobBaseFee = U256(blobBaseFee)
        return (world, Bootloader(world: world, registry: .standard, hooks: hooks, block: block))
    }

    static func contract(_ code: Bytes, balance: UInt64 = 0) -> Account {
        Account(nonce: 1, balance: U256(balance), kind: .evm, code: code)
    }

    static func blobHash() -> Bytes32 { Bytes32([0x01] + Bytes(repeating: 0x11, count: 31)) }

    // MARK: Validation edges

    /// EIP-3860: init code is refused only when `len(initcode) > MAX_INITCODE_SIZE` (49,152).
    @Test func initCodeOfExactlyTheLimitIsValid() {
        let (_, boot) = Self.boot([:])
        let ok = Transaction(sender: Self.sender, gasLimit: U256(10_000_000), to: nil, data: Bytes(repeating: 0, count: 49_152))
        #expect(throws: Never.self) { try boot.validate(ok).get() }
        var over = ok
        over.data.append(0)
        #expect(boot.validate(over) == .failure(.initcodeSizeExceeded(49_153)))
    }

    /// A transaction may use the whole block gas limit (execution-specs: `tx.gas > gas_available` is
    /// the error).
    @Test func aGasLimitEqualToTheBlocksIsValid() {
        let (_, boot) = Self.boot([:], gasLimit: 100_000)
        let tx = Transaction(sender: Self.sender, gasLimit: U256(100_000), to: Address(low: 0xbeef))
        #expect(boot.validate(tx) == .success(21_000))
        var over = tx
        over.gasLimit = U256(100_001)
        #expect(boot.validate(over) == .failure(.gasAllowanceExceeded))
    }

    /// EIP-4844: `tx.max_fee_per_blob_gas >= blob_base_fee` and at most six blobs
    /// (MAX_BLOB_GAS_PER_BLOCK = 786,432 = 6 x 131,072) are valid.
    @Test func blobFeeEqualToTheBaseFeeAndSixBlobsAreValid() {
        let (_, boot) = Self.boot([:], blobBaseFee: 5)
        var tx = Transaction(
            type: .blob, sender: Self.sender, gasLimit: U256(21_000), to: Address(low: 0xbeef),
            maxFeePerGas: U256(1), blobVersionedHashes: Array(repeating: Self.blobHash(), count: 6),
            maxFeePerBlobGas: U256(5))
        #expect(boot.validate(tx) == .success(21_000))
        tx.maxFeePerBlobGas = U256(4)
        #expect(boot.validate(tx) == .failure(.insufficientMaxFeePerBlobGas))
        tx.maxFeePerBlobGas = U256(5)
        tx.blobVersionedHashes.append(Self.blobHash())
        #expect(boot.validate(tx) == .failure(.blobGasExceeded))
    }

    /// EIP-4844: the sender must hold gas x max fee + blob gas x max blob fee + value; one wei
    /// short of the blob part is insufficient funds.
    @Test func theUpFrontCostIncludesTheMaxBlobFee() {
        let need: UInt64 = 21_000 * 10 + 131_072 * 3 + 7
        for (balance, ok) in [(need, true), (need - 1, false)] {
            let (_, boot) = Self.boot([Self.sender: Account(balance: U256(balance))], blobBaseFee: 1)
            let tx = Transaction(
                type: .blob, sender: Self.sender, gasLimit: U256(21_000), to: Address(low: 0xbeef), value: U256(7),
                maxFeePerGas: U256(10), blobVersionedHashes: [Self.blobHash()], maxFeePerBlobGas: U256(3))
            if ok { #expect(boot.validate(tx) == .success(21_000)) } else {
                #expect(boot.validate(tx) == .failure(.insufficientAccountFunds))
            }
        }
    }

    // MARK: Fees

    /// EIP-4844: the blob fee (blob gas x the block's blob base fee, not the max) is burnt from
    /// the sender on top of the gas; EIP-1559: the coinbase gets only gas used x priority fee.
    @Test func blobFeeIsBurntAndTheCoinbaseGetsOnlyTheTip() throws {
        let start: UInt64 = 1_000_000_000
        let (world, boot) = Self.boot([Self.sender: Account(balance: U256(start))], baseFee: 7, blobBaseFee: 2)
        let tx = Transaction(
            type: .blob, sender: Self.sender, gasLimit: U256(30_000), to: Address(low: 0xbeef), value: U256(5),
            maxFeePerGas: U256(10), maxPriorityFeePerGas: U256(2), blobVersionedHashes: [Self.blobHash()],
            maxFeePerBlobGas: U256(3))
        let r = try boot.execute(tx).get()
        #expect(r.gasUsed == 21_000)
        // Price min(10, 7 + 2) = 9.
        #expect(world.balance(Self.sender) == U256(start - 21_000 * 9 - 131_072 * 2 - 5))
        #expect(world.balance(Address(low: 0xc0)) == U256(21_000 * 2))
        #expect(world.balance(Address(low: 0xbeef)) == U256(5))
    }

    /// Clears three slots (PUSH1 0 PUSH1 k SSTORE, London-era opcodes only): 3 x (3 + 3 + 2,100 +
    /// 2,900) execution gas, 3 x 4,800 refund (EIP-2929, EIP-3529).
    static let clearThree: Bytes = [0x60, 0, 0x60, 1, 0x55, 0x60, 0, 0x60, 2, 0x55, 0x60, 0, 0x60, 3, 0x55, 0x00]

    /// EIP-3529 from London itself: the refund is capped at a fifth of the gas used, the sender
    /// gets back unused gas and the refund at the price, the coinbase the tip on what is
    /// charged.
    @Test func londonCapsTheRefundAtAFifthAndFeesFollowTheChargedGas() throws {
        let c = Address(low: 0x1000)
        let start: UInt64 = 1_000_000_000
        let (world, boot) = Self.boot(
            [Self.sender: Account(balance: U256(start)), c: Self.contract(Self.clearThree)],
            storage: [c: [U256(1): U256(1), U256(2): U256(1), U256(3): U256(1)]], fork: .london, baseFee: 7)
        let tx = Transaction(
            type: .dynamicFee, sender: Self.sender, gasLimit: U256(100_000), to: c, maxFeePerGas: U256(10),
            maxPriorityFeePerGas: U256(2))
        let r = try boot.execute(tx).get()
        let used: UInt64 = 21_000 + 3 * 5_006  // 36,018
        #expect(r.refund == used / 5)  // 7,203 of 14,400
        #expect(r.gasUsed == used - used / 5)
        #expect(world.balance(Self.sender) == U256(start - (used - used / 5) * 9))
        #expect(world.balance(Address(low: 0xc0)) == U256((used - used / 5) * 2))
    }

    // MARK: Warm sets

    /// EIP-3651 from Shanghai itself: COINBASE BALANCE costs the warm 100 (2 + 100 + 2 on top
    /// of 21,000).
    @Test func theCoinbaseIsWarmFromShanghai() throws {
        let c = Address(low: 0x1000)
        let (_, boot) = Self.boot([c: Self.contract([0x41, 0x31, 0x50, 0x00])], fork: .shanghai)
        let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(100_000), to: c)).get()
        #expect(r.gasUsed == 21_104)
    }

    /// EIP-2930: an access list's storage keys are warm: PUSH1 1 SLOAD POP costs 3 + 100 + 2
    /// on top of 21,000 + 2,400 + 1,900.
    @Test func accessListStorageKeysAreWarm() throws {
        let c = Address(low: 0x1000)
        let (_, boot) = Self.boot([c: Self.contract([0x60, 1, 0x54, 0x50, 0x00])])
        let tx = Transaction(
            type: .accessList, sender: Self.sender, gasLimit: U256(100_000), to: c,
            accessList: [.init(address: c, storageKeys: [U256(1)])])
        #expect(try boot.execute(tx).get().gasUsed == 25_405)
    }

    /// EIP-2929: the address a CREATE makes is warm afterwards: PUSH0 x3 CREATE BALANCE POP is
    /// 6 + 32,000 + 100 + 2 on top of 21,000 (empty init code: no word cost, no deposit).
    @Test func aCreatedAddressIsWarm() throws {
        let c = Address(low: 0x1000)
        let (_, boot) = Self.boot([c: Self.contract([0x5f, 0x5f, 0x5f, 0xf0, 0x31, 0x50, 0x00])])
        let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(200_000), to: c)).get()
        #expect(r.status == .success)
        #expect(r.gasUsed == 53_108)
    }

    // MARK: Frames

    /// Yellow paper / execution-specs `callcode`: CALLCODE with value needs the caller's
    /// balance; without it the call fails (0), with it it succeeds (1).
    @Test func callcodeWithValueNeedsTheBalance() throws {
        let target = Address(low: 0x2000)
        // CALLCODE(gas, 0x2000, 1, 0, 0, 0, 0); SSTORE(0, ok); slot 1 = 1 marks the run.
        let code: Bytes = [0x5f, 0x5f, 0x5f, 0x5f, 0x60, 1] + Op.pushAddress(0x2000) + [0x5a, 0xf2, 0x5f, 0x55, 0x60, 1, 0x60, 1, 0x55, 0x00]
        for (balance, expected) in [(UInt64(0), UInt64(0)), (1, 1)] {
            let c = Address(low: 0x1000)
            let (world, boot) = Self.boot([c: Self.contract(code, balance: balance), target: Self.contract([0x00])])
            let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(200_000), to: c)).get()
            #expect(r.status == .success)
            #expect(world.storage(c, U256(1)) == U256(1))
            #expect(world.storage(c, .zero) == U256(expected))
        }
    }

    /// execution-specs `call`: a CALL whose value exceeds the balance pushes 0 and gives back the
    /// gas it passed and the stipend (`evm.gas_left += message_call_gas.sub_call`): 8 + 3 + 3 + 2
    /// for the arguments, 2,600 cold + 9,000 value - 2,300 stipend, on top of 21,000.
    @Test func aCallBeyondTheBalanceGivesItsGasBack() throws {
        let c = Address(low: 0x1000)
        let (_, boot) = Self.boot([c: Self.contract(Op.call(0x2000, value: 1) + [0x00]), Address(low: 0x2000): Self.contract([0x00])])
        let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(1_000_000), to: c)).get()
        #expect(r.gasUsed == 21_000 + 16 + 2_600 + 9_000 - 2_300)
    }

    /// EIP-140: a reverting callee's unused gas goes back to its caller: PUSH0 PUSH0 REVERT (4)
    /// after 16 for the CALL's arguments and 2,600 cold.
    @Test func aRevertedCallGivesItsUnusedGasBack() throws {
        let c = Address(low: 0x1000)
        let (_, boot) = Self.boot([c: Self.contract(Op.call(0x2000) + [0x00]), Address(low: 0x2000): Self.contract([0x5f, 0x5f, 0xfd])])
        let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(1_000_000), to: c)).get()
        #expect(r.gasUsed == 21_000 + 16 + 2_600 + 4)
    }

    final class RevertingHook: SystemHook {
        let name = "revert10"
        func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
            SystemHookResult(status: .revert, output: [1], gasUsed: 10)
        }
    }

    /// A hook that reverts uses only the gas it reports (`SystemHookResult`: only `.failure`
    /// consumes all gas passed): 16 for the arguments, 100 (hook addresses are warm), 10.
    @Test func aRevertingHookUsesOnlyItsReportedGas() throws {
        let c = Address(low: 0x1000)
        let (_, boot) = Self.boot([c: Self.contract(Op.call(0x100) + [0x00])], hooks: [Address(low: 0x100): RevertingHook()])
        let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(1_000_000), to: c)).get()
        #expect(r.gasUsed == 21_000 + 16 + 100 + 10)
    }

    // MARK: Deployments

    /// EIP-7610: CREATE2 onto an address with storage (no code, nonce 0) collides: 0 is
    /// pushed and the gas passed to it is gone (execution-specs `generic_create`); without the
    /// storage the same CREATE2 makes the account. The creator's nonce moves either way. (3M gas:
    /// the 1/64 kept pays for the two SSTOREs after a collision.)
    @Test func create2OntoAnAddressWithStorageCollides() throws {
        let c = Address(low: 0x1000)
        // CREATE2(0, 0, 0, 0); SSTORE(0, result); slot 1 = 1.
        let code: Bytes = [0x5f, 0x5f, 0x5f, 0x5f, 0xf5, 0x5f, 0x55, 0x60, 1, 0x60, 1, 0x55, 0x00]
        let target = DeploymentAddress.create2(deployer: c, salt: .zero, initcode: [])
        for withStorage in [true, false] {
            let (world, boot) = Self.boot(
                [c: Self.contract(code)], storage: withStorage ? [target: [U256(5): U256(9)]] : [:])
            let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(3_000_000), to: c)).get()
            #expect(r.status == .success)
            #expect(world.storage(c, U256(1)) == U256(1))
            #expect(world.storage(c, .zero) == (withStorage ? .zero : target.word))
            #expect(world.nonce(c) == 2)
        }
    }

    /// EIP-3541 from London itself: a constructor returning code that starts with 0xEF fails.
    /// Init code (pre-Shanghai opcodes): MSTORE8(0, 0xEF); RETURN(0, 1).
    @Test func codeStartingWithEFIsRefusedFromLondon() throws {
        let initcode: Bytes = [0x60, 0xef, 0x60, 0, 0x53, 0x60, 1, 0x60, 0, 0xf3]
        let (world, boot) = Self.boot([:], fork: .london)
        let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(200_000), to: nil, data: initcode)).get()
        #expect(r.status.isFailure)
        let address = DeploymentAddress.create(deployer: Self.sender, nonce: 0)
        let code: Bytes = world.account(address)?.code ?? []
        #expect(code.isEmpty)
    }

    /// EIP-170 / yellow paper: the code deposit (200 a byte) may take exactly the gas left.
    /// Init code MSTORE8(0, 0); RETURN(0, 1): intrinsic 21,000 + 32,000 + 3 x 4 + 7 x 16 + 2
    /// (one word, EIP-3860) = 53,126; execution 3 + 3 + 6 + 3 + 3 + 0 = 18; deposit 200.
    @Test func theCodeDepositMayTakeExactlyTheGasLeft() throws {
        let initcode: Bytes = [0x60, 0, 0x60, 0, 0x53, 0x60, 1, 0x60, 0, 0xf3]
        for (gas, ok) in [(UInt64(53_344), true), (53_343, false)] {
            let (world, boot) = Self.boot([:])
            let r = try boot.execute(Transaction(sender: Self.sender, gasLimit: U256(gas), to: nil, data: initcode)).get()
            let address = DeploymentAddress.create(deployer: Self.sender, nonce: 0)
            #expect(r.status.isSuccess == ok)
            let code: Bytes = world.account(address)?.code ?? []
            #expect(code == (ok ? [0] : []))
            #expect(r.gasUsed == gas)
        }
    }
}
