import EEKit
import Testing

/// The bootloader with real EVM bytecode (the standard registry and the Cancun precompiles):
/// the same properties RunnerTests checks with the mock EE, now with the EVM's own rules
/// (63/64 gas, static-context halts, CREATE2 collision, value-transfer failure). Contract
/// addresses stay clear of the precompiles (0x01...0x0a).
struct EVMWorld {
    static let sender = Address(low: 0x5e5e)
    let world: WorldState
    let boot: Bootloader

    init(
        contracts: [UInt64: Bytes], balances: [UInt64: UInt64] = [:], blockGasLimit: UInt64 = 30_000_000,
        fork: Fork = .cancun, storage: [UInt64: [UInt64: UInt64]] = [:], extra: [Address: Account] = [:]
    ) {
        var accounts: [Address: Account] = [EVMWorld.sender: Account(balance: U256(1_000_000_000_000))]
        for (a, code) in contracts {
            accounts[Address(low: a)] = Account(nonce: 1, balance: U256(balances[a] ?? 0), kind: .evm, code: code)
        }
        for (a, b) in balances where contracts[a] == nil { accounts[Address(low: a)] = Account(balance: U256(b)) }
        for (a, account) in extra { accounts[a] = account }
        var slots: [Address: [U256: U256]] = [:]
        for (a, kv) in storage { slots[Address(low: a)] = Dictionary(uniqueKeysWithValues: kv.map { (U256($0), U256($1)) }) }
        world = WorldState(store: MemoryStore(accounts: accounts, storage: slots))
        var block = BlockContext()
        block.fork = fork
        block.coinbase = Address(low: 0xc0)
        block.gasLimit = blockGasLimit
        block.number = 1
        boot = Bootloader(world: world, registry: .standard, hooks: Precompiles.cancun(), block: block)
    }

    func call(_ to: UInt64, data: Bytes = [], gas: UInt64 = 10_000_000) throws -> Receipt {
        let tx = Transaction(
            sender: EVMWorld.sender, nonce: U256(world.nonce(EVMWorld.sender)), gasLimit: U256(gas),
            to: Address(low: to), data: data)
        return try boot.execute(tx).get()
    }

    func slot(_ a: UInt64, _ k: UInt64) -> U256 { world.storage(Address(low: a), U256(k)) }
}

/// Small bytecode helpers (Cancun opcodes).
enum Op {
    static let stop: UInt8 = 0x00, add: UInt8 = 0x01, iszero: UInt8 = 0x15, calldataload: UInt8 = 0x35
    static let pop: UInt8 = 0x50, mstore: UInt8 = 0x52, sload: UInt8 = 0x54, sstore: UInt8 = 0x55
    static let jumpi: UInt8 = 0x57, gas: UInt8 = 0x5a, jumpdest: UInt8 = 0x5b, tstore: UInt8 = 0x5d
    static let push0: UInt8 = 0x5f, push1: UInt8 = 0x60, push20: UInt8 = 0x73, dup1: UInt8 = 0x80
    static let address: UInt8 = 0x30, returndatasize: UInt8 = 0x3d, log0: UInt8 = 0xa0
    static let create: UInt8 = 0xf0, call: UInt8 = 0xf1, ret: UInt8 = 0xf3, create2: UInt8 = 0xf5
    static let staticcall: UInt8 = 0xfa, selfdestruct: UInt8 = 0xff

    /// PUSH20 of `Address(low: a)`.
    static func pushAddress(_ a: UInt64) -> Bytes { [push20] + Address(low: a).bytes }
    /// CALL(gas, a, value, 0, 0, 0, 0), leaving the success flag.
    static func call(_ a: UInt64, value: UInt8 = 0) -> Bytes {
        [push0, push0, push0, push0, push1, value] + pushAddress(a) + [gas, call]
    }
    /// STATICCALL(65536 gas, a, 0, 0, 0, 0), leaving the success flag (a bounded amount, as a
    /// failing callee consumes everything it was given).
    static func staticcall(_ a: UInt64) -> Bytes {
        [push0, push0, push0, push0] + pushAddress(a) + [0x62, 0x01, 0x00, 0x00, staticcall]
    }
    /// SSTORE(k, top of stack).
    static func store(to k: UInt8) -> Bytes { [push1, k, sstore] }
}

@Suite struct EVMBootloaderTests {
    /// frame(d): mem[0] = d + 1; ok = CALL(gas, self, 0, in: mem[0..32], out: mem[0..32]);
    /// if ok return mem[0..32] (the depth reported from below) else return d.
    /// The top frame's output is therefore the depth of the frame whose call failed.
    static let recursion: Bytes = [
        Op.push0, Op.calldataload,  // 00: d
        Op.dup1, Op.push1, 1, Op.add, Op.push0, Op.mstore,  // 02: mem[0] = d + 1
        Op.push1, 32, Op.push0, Op.push1, 32, Op.push0, Op.push0, Op.address, Op.gas, Op.call,  // 08: d ok
        Op.push1, 0x1b, Op.jumpi,  // 12: if ok goto 1b
        Op.push0, Op.mstore,  // 15: mem[0] = d
        Op.push1, 32, Op.push0, Op.ret,  // 17
        Op.jumpdest, Op.push1, 32, Op.push0, Op.ret,  // 1b: relay the child's answer
    ]

    @Test func recursionTo1024FramesEndsAtTheDepthLimit() throws {
        // Enough gas that 63/64 per level still leaves thousands of gas at depth 1024
        // ((63/64)^1024 ~ 1e-7), so only the depth limit can stop the recursion.
        let m = EVMWorld(contracts: [0xAA: EVMBootloaderTests.recursion], blockGasLimit: 1 << 41)
        let r = try m.call(0xAA, gas: 1_000_000_000_000)
        #expect(r.status == .success)
        // Frames ran at depths 0...1024; the one at 1024 could not call further.
        #expect(r.output == U256(1024).bigEndianBytes)
        // Nothing else failed: every frame spent only its own few hundred gas.
        #expect(r.gasUsed < 21_000 + 1025 * 1_000)
    }

    @Test func recursionWithLittleGasStopsEarlierWithoutFailingTheTransaction() throws {
        // With 10M gas the 63/64 rule starves the recursion long before depth 1024.
        let m = EVMWorld(contracts: [0xAA: EVMBootloaderTests.recursion])
        let r = try m.call(0xAA, gas: 10_000_000)
        #expect(r.status == .success)
        let depth = U256(bigEndian: r.output).uint64 ?? .max
        #expect(depth > 100 && depth < 1024)
    }

    @Test func staticCallViolationsHaltTheStaticFrame() throws {
        // Each target is STATICCALLed; state-changing ones must fail, the reader succeeds.
        let targets: [(UInt64, Bytes)] = [
            (0xB1, [Op.push1, 1, Op.push0, Op.sstore, Op.stop]),  // SSTORE
            (0xB2, [Op.push0, Op.push0, Op.log0, Op.stop]),  // LOG0
            (0xB3, [Op.push0, Op.push0, Op.push0, Op.create, Op.stop]),  // CREATE
            (0xB4, Op.call(0xEE, value: 1) + [Op.stop]),  // CALL with value
            (0xB5, [Op.push1, 0xEE, Op.selfdestruct]),  // SELFDESTRUCT
            (0xB6, [Op.push1, 1, Op.push0, Op.tstore, Op.stop]),  // TSTORE
            // Reads, and a value-less CALL (allowed in a static context).
            (0xB7, [Op.push0, Op.sload, Op.pop] + Op.call(0xEE) + [Op.pop, Op.stop]),
        ]
        var caller = Bytes()
        for (i, t) in targets.enumerated() {
            caller += Op.staticcall(t.0) + [Op.push1, 1, Op.add] + Op.store(to: UInt8(i + 1))
        }
        caller += [Op.stop]
        var contracts: [UInt64: Bytes] = [0xA0: caller]
        for t in targets { contracts[t.0] = t.1 }
        let m = EVMWorld(contracts: contracts, balances: [0xB4: 10, 0xB5: 10])
        let r = try m.call(0xA0)
        #expect(r.status == .success)
        for i in 0..<6 { #expect(m.slot(0xA0, UInt64(i + 1)) == U256(1), "target \(i) should fail") }
        #expect(m.slot(0xA0, 7) == U256(2))
        #expect(r.logs.isEmpty)
        #expect(m.world.balance(Address(low: 0xB4)) == U256(10))
        #expect(m.world.balance(Address(low: 0xB5)) == U256(10))
        #expect(m.world.balance(Address(low: 0xEE)) == .zero)
        #expect(m.world.nonce(Address(low: 0xB3)) == 1)
    }

    @Test func valueTransferWithoutFundsFailsOnlyThatCall() throws {
        // A (balance 5) sends 9 to B: the CALL returns 0 and B does not run; then 3: it runs.
        let b: Bytes = [Op.push1, 1, Op.push0, Op.sstore, Op.stop]
        let a = Op.call(0xB00, value: 9) + [Op.push1, 1, Op.add] + Op.store(to: 1)
            + [Op.returndatasize, Op.push1, 1, Op.add] + Op.store(to: 3)
            + Op.call(0xB00, value: 3) + [Op.push1, 1, Op.add] + Op.store(to: 2) + [Op.stop]
        let m = EVMWorld(contracts: [0xA00: a, 0xB00: b], balances: [0xA00: 5])
        let r = try m.call(0xA00)
        #expect(r.status == .success)
        #expect(m.slot(0xA00, 1) == U256(1))  // failed
        #expect(m.slot(0xA00, 3) == U256(1))  // no return data
        #expect(m.slot(0xA00, 2) == U256(2))  // succeeded
        #expect(m.slot(0xB00, 0) == U256(1))
        #expect(m.world.balance(Address(low: 0xA00)) == U256(2))
        #expect(m.world.balance(Address(low: 0xB00)) == U256(3))
    }

    @Test func reentrantFrameWritesAreSeenByTheOuterFrame() throws {
        // A(flag 0): CALL B; store SLOAD(5) in slot 6. B: CALL A with flag 1. A(flag 1): SSTORE(5, 42).
        let aCode: Bytes = [Op.push0, Op.calldataload, Op.push1, 0x0c, Op.jumpi]  // 00: flag -> 0c
            + Op.call(0xB00) + [Op.pop]  // 05
        let tail: Bytes = [Op.push1, 5, Op.sload] + Op.store(to: 6) + [Op.stop]
        var a = aCode + tail
        let reenter = a.count
        a += [Op.jumpdest, Op.push1, 42] + Op.store(to: 5) + [Op.stop]
        a[3] = UInt8(reenter)
        // B: mem[0] = 1; CALL(gas, A, 0, 0, 32, 0, 0)
        let bCode: Bytes = [Op.push1, 1, Op.push0, Op.mstore, Op.push0, Op.push0, Op.push1, 32, Op.push0, Op.push0]
            + Op.pushAddress(0xA00) + [Op.gas, Op.call, Op.stop]
        let m = EVMWorld(contracts: [0xA00: a, 0xB00: bCode])
        let r = try m.call(0xA00)
        #expect(r.status == .success)
        #expect(m.slot(0xA00, 5) == U256(42))
        #expect(m.slot(0xA00, 6) == U256(42))
    }

    @Test func nestedRevertRestoresStateExactly() throws {
        // A: SSTORE(1,1); CALL B; SSTORE(2, ok+1). B: SSTORE(1,7); CALL C; LOG0; REVERT.
        // C: SSTORE(1,9), sends 1 wei to 0xEE.
        let c: Bytes = [Op.push1, 9, Op.push1, 1, Op.sstore] + Op.call(0xEE, value: 1) + [Op.stop]
        let b: Bytes = [Op.push1, 7, Op.push1, 1, Op.sstore] + Op.call(0xC00) + [Op.pop]
            + [Op.push0, Op.push0, Op.log0, Op.push0, Op.push0, 0xfd]
        let a: Bytes = [Op.push1, 1, Op.push1, 1, Op.sstore] + Op.call(0xB00) + [Op.push1, 1, Op.add]
            + Op.store(to: 2) + [Op.stop]
        let m = EVMWorld(contracts: [0xA00: a, 0xB00: b, 0xC00: c], balances: [0xC00: 5])
        let r = try m.call(0xA00)
        #expect(r.status == .success)
        #expect(r.logs.isEmpty)
        #expect(m.slot(0xA00, 2) == U256(1))
        // A reference world where A's call goes to an account without code.
        let ref = EVMWorld(contracts: [0xA00: a, 0xC00: c], balances: [0xC00: 5, 0xB00: 0])
        _ = try ref.call(0xA00)
        #expect(ref.slot(0xA00, 2) == U256(2))
        // Same accounts except A's slot 2 (1 vs 2) and fees: compare the touched accounts.
        for (acct, key) in [(0xB00, 1), (0xC00, 1), (0xA00, 1)] as [(UInt64, UInt64)] {
            #expect(m.slot(acct, key) == ref.slot(acct, key))
        }
        #expect(m.world.balance(Address(low: 0xC00)) == U256(5))
        #expect(m.world.balance(Address(low: 0xEE)) == .zero)
        #expect(m.world.account(Address(low: 0xEE)) == nil)
    }

    @Test func create2CollisionAndCreateOntoUsedAddress() throws {
        // Init code: RETURN one byte (0x00) as the runtime code: PUSH1 0 PUSH0 MSTORE8 PUSH1 1 PUSH0 RETURN
        let initcode: Bytes = [Op.push0, Op.push0, 0x53, Op.push1, 1, Op.push0, Op.ret]
        // mem[0..] = initcode; CREATE2(0, 0, len, salt 1) twice, storing the results.
        var d = Bytes()
        for (i, byte) in initcode.enumerated() { d += [Op.push1, byte, Op.push1, UInt8(i), 0x53] }
        for slot: UInt8 in [1, 2] {
            d += [Op.push1, 1, Op.push1, UInt8(initcode.count), Op.push0, Op.push0, Op.create2] + Op.store(to: slot)
            d += [Op.returndatasize] + Op.store(to: slot + 10)
        }
        d += [Op.stop]
        let m = EVMWorld(contracts: [0xD00: d])
        let r = try m.call(0xD00)
        #expect(r.status == .success)
        let expected = DeploymentAddress.create2(
            deployer: Address(low: 0xD00), salt: Bytes32([UInt8](repeating: 0, count: 31) + [1]), initcode: initcode)
        #expect(m.slot(0xD00, 1) == expected.word)
        #expect(m.slot(0xD00, 2) == .zero)
        #expect(m.slot(0xD00, 12) == .zero)
        #expect(m.world.account(expected)?.code == [0x00])
        #expect(m.world.account(expected)?.nonce == 1)
        #expect(m.world.nonce(Address(low: 0xD00)) == 3)

        // CREATE onto an address that already has code: collision, nonce still bumped.
        let target = DeploymentAddress.create(deployer: Address(low: 0xE00), nonce: 1)
        var e = Bytes()
        for (i, byte) in initcode.enumerated() { e += [Op.push1, byte, Op.push1, UInt8(i), 0x53] }
        e += [Op.push1, UInt8(initcode.count), Op.push0, Op.push0, Op.create] + Op.store(to: 1) + [Op.stop]
        let n = EVMWorld(contracts: [0xE00: e])
        n.world.setAccount(target, Account(nonce: 0, balance: .zero, kind: .evm, code: [0x01]))
        try n.world.commit()
        let r2 = try n.call(0xE00)
        #expect(r2.status == .success)
        #expect(n.slot(0xE00, 1) == .zero)
        #expect(n.world.nonce(Address(low: 0xE00)) == 2)
        #expect(n.world.account(target)?.code == [0x01])
    }
}


/// The rules of the forks before Cancun (`BlockContext.fork`), on hand-made contracts; the
/// fixtures' Shanghai, Paris, London and Berlin entries run in StateTests.
struct ForkRuleTests {
    /// Opcodes arrive with their forks: PUSH0 (Shanghai), BASEFEE (London), TSTORE (Cancun)
    /// are undefined before, and the failure names the opcode as the code has it.
    @Test func opcodesAreUndefinedBeforeTheirFork() throws {
        for (op, first) in [(Op.push0, Fork.shanghai), (0x48, .london), (Op.tstore, .cancun)] {
            let code: Bytes = op == Op.tstore ? [Op.push1, 1, Op.push1, 1, op, Op.stop] : [op, Op.stop]
            for fork in Fork.allCases {
                let w = EVMWorld(contracts: [0x100: code], fork: fork)
                let r = try w.call(0x100, gas: 100_000)
                if fork >= first {
                    #expect(r.status == .success, "opcode \(op) in \(fork)")
                } else {
                    #expect(r.status == .failure(.invalidOpcode(op)), "opcode \(op) in \(fork): \(r.status)")
                }
            }
        }
    }

    /// CODECOPY copies the code as it is under every fork, bytes the fork has no opcode for
    /// included (review finding: the core's analysis replaces them, and CODECOPY copied the
    /// replacement, so a constructor reading its arguments got wrong values).
    @Test func codeCopyCopiesTheRealCode() throws {
        // CODESIZE 0 0 CODECOPY CODESIZE 0 RETURN, then bytes never run: PUSH0 BASEFEE BLOBHASH TLOAD.
        let code: Bytes = [0x38, Op.push1, 0, Op.push1, 0, 0x39, 0x38, Op.push1, 0, Op.ret, 0x5f, 0x48, 0x49, 0x5c]
        for fork in Fork.allCases {
            let r = try EVMWorld(contracts: [0x100: code], fork: fork).call(0x100, gas: 100_000)
            #expect(r.status == .success && r.output == code, "\(fork): \(Hex.encode(r.output))")
        }
    }

    /// Clearing a slot refunds 15,000 before London and 4,800 from it (EIP-3529), and the
    /// refund is capped at half the gas used before London, a fifth from it.
    @Test func storageClearRefundAndCap() throws {
        // SSTORE(1, 0) (slot 1 was 5): 3 + 3 + 2,100 (cold) + 2,900 and the refund.
        let clear: Bytes = [Op.push1, 0, Op.push1, 1, Op.sstore]
        // SSTORE(2, 1) (slot 2 was 0): 3 + 3 + 2,100 + 20,000, so that the cap is not reached.
        let fill: Bytes = [Op.push1, 1, Op.push1, 2, Op.sstore]
        for (code, before) in [(clear + [Op.stop], UInt64(26_006)), (clear + fill + [Op.stop], 48_112)] {
            for fork in [Fork.berlin, .london] {
                let w = EVMWorld(contracts: [0x100: code], fork: fork, storage: [0x100: [1: 5]])
                let r = try w.call(0x100, gas: 100_000)
                #expect(r.status == .success)
                let refund = min(fork == .berlin ? 15_000 : 4_800, before / (fork == .berlin ? 2 : 5))
                #expect(r.refund == refund && r.gasUsed == before - refund, "\(fork): \(r.refund), \(r.gasUsed)")
            }
        }
    }

    /// SELFDESTRUCT of an account that existed before the transaction deletes it before Cancun
    /// (and refunds 24,000 before London); from Cancun it only moves the balance (EIP-6780).
    @Test func selfDestructOfAnOldAccount() throws {
        let code: Bytes = Op.pushAddress(0xbe) + [Op.selfdestruct]
        for fork in Fork.allCases {
            let w = EVMWorld(contracts: [0x100: code], balances: [0x100: 7], fork: fork)
            let r = try w.call(0x100, gas: 100_000)
            #expect(r.status == .success)
            #expect(w.world.balance(Address(low: 0xbe)) == U256(7))
            #expect((w.world.account(Address(low: 0x100)) != nil) == (fork >= .cancun), "\(fork)")
            #expect(r.refund == (fork < .london ? min(24_000, (r.gasUsed + r.refund) / 2) : 0), "\(fork)")
        }
    }

    /// The point-evaluation precompile (0x0a) is Cancun's: before, its address is an ordinary
    /// one; going back to Cancun brings the hook back.
    @Test func pointEvaluationComesWithCancun() throws {
        let w = EVMWorld(contracts: [:])
        let a = Address(low: 0x0a)
        w.boot.useFork(.shanghai)
        #expect(w.boot.hooks[a] == nil && !w.boot.isAlwaysWarm(a))
        w.boot.useFork(.cancun)
        #expect(w.boot.hooks[a] != nil && w.boot.isAlwaysWarm(a))
        // A bootloader made for a block of an older fork starts without it.
        let old = EVMWorld(contracts: [:], fork: .paris)
        #expect(old.boot.hooks[a] == nil && !old.boot.isAlwaysWarm(a))
    }

    /// Transaction types and the init code limit arrive with their forks.
    @Test func transactionRulesFollowTheFork() throws {
        for fork in Fork.allCases {
            let w = EVMWorld(contracts: [:], fork: fork)
            let dynamicFee = Transaction(
                type: .dynamicFee, sender: EVMWorld.sender, gasLimit: U256(100_000), to: Address(low: 0x100),
                maxFeePerGas: U256(10), maxPriorityFeePerGas: U256(1))
            if case .success(let r) = try w.boot.execute(dynamicFee) {
                #expect(fork >= .london && r.status == .success, "\(fork)")
            } else {
                #expect(fork < .london, "\(fork)")
            }
            let big = Transaction(
                sender: EVMWorld.sender, nonce: U256(w.world.nonce(EVMWorld.sender)), gasLimit: U256(10_000_000),
                to: nil, data: Bytes(repeating: 0, count: 49_153))
            if case .failure(.initcodeSizeExceeded) = w.boot.validate(big) {
                #expect(fork >= .shanghai)
            } else {
                #expect(fork < .shanghai)
            }
            // The init code word cost (EIP-3860) is Shanghai's too.
            #expect(big.intrinsicGas(fork: fork) == (fork >= .homestead ? 53_000 : 21_000) + 4 * 49_153 + (fork >= .shanghai ? 2 * 1_537 : 0))
        }
    }
}
