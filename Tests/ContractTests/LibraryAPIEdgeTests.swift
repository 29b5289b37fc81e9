import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// The library as a Swift tool links it (review findings): edge values through the public API
/// give typed errors or well-defined results, never a trap.
@Suite struct LibraryAPIEdgeTests {
    /// A rejected transaction changes nothing, and takes no earlier uncommitted transaction
    /// with it (ContractSession used to discard all uncommitted work on a rejection).
    @Test func rejectedTransactionKeepsEarlierUncommittedWork() throws {
        let s = ContractSession()
        s.commitEachTransaction = false
        let from = Address(low: 0xF00D), to = Address(low: 0xBEEF)
        let ok = try s.send(from: from, to: to, data: [], value: U256(1000))
        #expect(ok.status == .success)
        #expect(throws: EEError.self) { try s.send(from: from, to: to, data: [], value: U256(1), gas: 100) }
        #expect(s.world.balance(to) == U256(1000))
        #expect(s.world.nonce(from) == 1)
    }

    /// A schedule with 0 ergs per gas divided by zero; above 2^32 the stipend's ergs overflowed;
    /// above 2^20 the scaled code-store price no longer fits its 32 bits.
    @Test func ergsPerGasOutOfRangeIsAConfigurationError() throws {
        let s = ContractSession()
        for bad: UInt64 in [0, (1 << 20) + 1, (1 << 32) + 1] {
            s.boot.schedule.ergsPerGas = bad
            #expect(throws: EEError.self) { try s.send(from: Address(low: 1), to: Address(low: 2), data: []) }
        }
        #expect(Resources(ergs: 1000).gas(schedule: s.boot.schedule) == 0)
    }

    /// RISC-V prices are ergs at 256 ergs per gas and follow the schedule's rate: the same native
    /// work costs the same gas at any rate that is a multiple of 256, and no less at rates below
    /// (a review: at 2^32 ergs per gas 100M xorshift steps ran on 1M gas, 1 ms of CPU per gas).
    @Test func nativePricesFollowTheErgsPerGasRate() throws {
        let elf = try Fixtures.elf("compute.elf")
        let sel: UInt32 = 0x6c4f_555a  // xorshift(uint256 seed, uint256 rounds)
        var used: [UInt64: UInt64] = [:]
        for rate: UInt64 in [256, 1, 2, 512, 1 << 16, 1 << 20] {
            let s = ContractSession()
            s.boot.schedule.ergsPerGas = rate
            let a = Address(low: 0xc0c0)
            try s.install(elf, kind: .riscv, at: a)
            let r = try s.call(a, data: ABI.call(sel, [ABI.word(1), ABI.word(2_000)]), gas: 1_000_000)
            #expect(r.status == .success, "rate \(rate): \(r.status)")
            used[rate] = r.gasUsed
            // The review's call: 100M steps cannot run on 1M gas at any rate.
            let big = try s.call(a, data: ABI.call(sel, [ABI.word(1), ABI.word(100_000_000)]), gas: 1_000_000)
            #expect(!big.status.isSuccess && big.gasUsed == 1_000_000, "rate \(rate): \(big.status), \(big.gasUsed) gas")
        }
        let reference = try #require(used[256])
        for rate: UInt64 in [512, 1 << 16, 1 << 20] { #expect(used[rate] == reference, "rate \(rate): \(used)") }
        for rate: UInt64 in [1, 2] { #expect(try #require(used[rate]) >= reference, "rate \(rate): \(used)") }
        var s = GasSchedule.default
        #expect(s.nativeRated == s)
        s.ergsPerGas = 1
        #expect(s.nativeRated.riscvALU == 1 && s.nativeRated.riscvDiv == 2 && s.nativeRated.riscvPageErgs == 64)
        s.ergsPerGas = 1 << 20
        #expect(s.nativeRated.riscvALU == 64 << 12 && s.nativeRated.riscvCodeStore == (256 * 640) << 12)
    }

    /// A RISC-V configuration the EE would refuse at a call is refused at deployment too,
    /// before an image is built (a stack as large as memory underflowed there).
    @Test func badRISCVConfigurationFailsDeploymentsCleanly() throws {
        let cases: [(UInt64, UInt64, UInt64)] = [
            (1 << 20, 1 << 20, 64 << 20), (1 << 20, 0, 64 << 20), (1 << 20, 2 << 20, 64 << 20),
            // the maximum below the memory, above 64 MiB, not a page multiple
            (2 << 20, 64 << 10, 1 << 20), (1 << 20, 64 << 10, 128 << 20), (1 << 20, 64 << 10, (2 << 20) + 1),
        ]
        for (memory, stack, maximum) in cases {
            var c = RISCVEnvironment.Configuration()
            c.memorySize = memory
            c.stackSize = stack
            c.maxMemorySize = maximum
            let s = ContractSession(riscv: c)
            let elf = TestELF.program(xlen: 64, code: AdversarialNativeTests.returnEmpty).bytes
            #expect(throws: EEError.self, "stack \(stack)") { try s.deploy(elf, kind: .riscv) }
        }
    }

    /// `riscv:` configures the RISC-V EE whatever registry comes with it (a review found it
    /// ignored whenever the registry had a RISC-V EE, as `EERegistry.standard` has); without
    /// it, the registry's own RISC-V EE stays.
    @Test func riscvConfigurationReplacesTheRegistrysEE() throws {
        func memory(_ s: ContractSession) -> UInt64? {
            (s.boot.registry[.riscv]?.make() as? RISCVEnvironment)?.configuration.memorySize
        }
        var c = RISCVEnvironment.Configuration()
        c.memorySize = 2 << 20
        #expect(memory(ContractSession(registry: .standard, riscv: c)) == 2 << 20)
        #expect(memory(ContractSession(riscv: c)) == 2 << 20)
        var own = EERegistry()
        own.registerRISCV(c)
        #expect(memory(ContractSession(registry: own)) == 2 << 20)
        #expect(memory(ContractSession(registry: EERegistry())) == 1 << 20)
        #expect(memory(ContractSession()) == 1 << 20)
    }

    /// Host-side machine helpers with out-of-range arguments.
    @Test func machineHelpersRefuseOutOfRangeArguments() throws {
        let m = try RISCVMachine(memorySize: 64 << 10, xlen: 64, schedule: .default)
        #expect(throws: EEError.self) { try m.setCodeRange(0, 1 << 17) }  // past memory
        #expect(throws: EEError.self) { try m.setCodeRange(8192, 4096) }  // reversed
        #expect(throws: EEError.self) { try m.setCodeRange(1, 4096) }  // unaligned
        m.protect(0, .max, [.read])  // saturates at memory's end
        #expect(m.permissions(at: (64 << 10) - 1) == [.read])
        #expect(!m.isAccessible(0, -1, .read))
        let w = WorldState(store: MemoryStore())
        w.revert(to: -1)  // nothing to undo
        #expect(BN254PairingPrecompile.gas(pairs: -1) == 45000)
        #expect(BN254PairingPrecompile.gas(pairs: .max) == .max)
    }

    /// A store that fails once (review finding: one failed read made every later transaction
    /// and `discardUncommitted` throw it): the failing transaction throws and changes nothing;
    /// a session that commits each transaction reads the store again afterwards, and
    /// `discardUncommitted` clears the error for one that does not.
    @Test func storeErrorIsScopedToItsTransaction() throws {
        let store = SessionStoreErrorTests.FlakyStore()  // account reads fail while failReads > 0
        let s = ContractSession(store: store)
        let to = Address(low: 0xBEEF)
        #expect(try s.send(to: to, data: [], value: U256(5)).status == .success)
        store.failReads = 1
        #expect(throws: EEError.storage("transient read error")) { try s.send(to: Address(low: 0xDEAD), data: [], value: U256(1)) }
        #expect(s.world.storeError == nil)
        #expect(try s.send(to: to, data: [], value: U256(5)).status == .success)
        #expect(s.world.balance(to) == U256(10) && s.world.nonce(ContractSession.defaultSender) == 2)

        s.commitEachTransaction = false
        store.failReads = 1
        #expect(throws: EEError.self) { try s.send(to: Address(low: 0xD00D), data: []) }
        #expect(s.world.storeError != nil, "kept for the caller to decide")
        #expect(throws: EEError.self) { try s.world.commit() }
        s.world.discardUncommitted()
        #expect(try s.send(to: to, data: [], value: U256(1)).status == .success)
        try s.world.commit()
        #expect(store.inner.account(to)?.balance == U256(11))
    }

    /// A rejected transaction is `EEError.rejected` with the chain's reason, and a session that
    /// does not fund its senders lets them run out.
    @Test func rejectionsAreTypedAndSendersNeedNotBeFunded() throws {
        let s = ContractSession()
        s.fundsSenders = false
        let poor = Address(low: 0xB0B)
        s.boot.block.baseFee = U256(7)
        #expect(throws: EEError.rejected(.insufficientAccountFunds)) { try s.send(from: poor, to: Address(low: 0x5151), data: []) }
        s.fund(poor, U256(21_000 * 7))  // exactly the up-front charge of 21,000 gas
        #expect(try s.send(from: poor, to: Address(low: 0x5151), data: [], gas: 21_000).status == .success)
        #expect(s.world.balance(poor).isZero)
        #expect(throws: EEError.rejected(.insufficientAccountFunds)) { try s.send(from: poor, to: Address(low: 0x5151), data: []) }
        #expect("\(EEError.rejected(.nonceIsMax))".hasPrefix("transaction rejected: "))
    }

    /// `refusal(to:data:)` answers what `execute` would refuse, apart from the nonce, and
    /// changes nothing; a sender `send` funds is funded for the whole up-front charge, the
    /// value included (a fresh sender could not send more than 2^64 wei, about 18.4 ether).
    @Test func refusalOfACallChangesNothingAndFundingCoversTheValue() throws {
        let s = ContractSession()
        let fresh = Address(low: 0xF2E5), to = Address(low: 0x5151)
        let hundred = U256(decimal: "100000000000000000000")!
        #expect(try s.refusal(from: fresh, to: to, data: [], value: hundred) == nil)
        #expect(s.world.balance(fresh).isZero && s.world.nonce(fresh) == 0)
        #expect(try s.refusal(from: fresh, to: to, data: [1], gas: 21_000) == .intrinsicGasTooLow(needed: 21_016, limit: U256(21_000)))
        let r = try s.send(from: fresh, to: to, data: [], value: hundred)
        #expect(r.status == .success && s.world.balance(to) == hundred)
        // Funded senders are checked against what they hold; the nonce is not checked (a call
        // after another transaction signs at a later one).
        #expect(try s.refusal(from: fresh, to: to, data: [], value: U256(limbs: (1, 1, 0, 0))) == .insufficientAccountFunds)
        #expect(try s.refusal(from: fresh, to: to, data: [], value: U256(1)) == nil)
        s.fundsSenders = false
        #expect(try s.refusal(from: Address(low: 0xB0B), to: to, data: [], value: U256(1)) == .insufficientAccountFunds)
        s.fundsSenders = true
        #expect(try s.refusal(from: Address(low: 0xB0B), to: to, data: [], value: .max) == nil)
        #expect(s.upfrontCharge(gas: 21_000, value: .max) == .max)
        s.gasPrice = U256(1)
        #expect(s.upfrontCharge(gas: 21_000, value: .max) == nil)
        #expect(try s.refusal(from: Address(low: 0xB0B), to: to, data: [], value: .max) == .insufficientAccountFunds)
        #expect(ContractSession.funding(covering: nil) == .max && ContractSession.funding(covering: U256(5)) == U256(limbs: (5, 1, 0, 0)))
        #expect(s.world.balance(Address(low: 0xB0B)).isZero)
        // Deployments too: EIP-3860's limit on EVM init code, none on a native ELF's size here.
        let big = Bytes(repeating: 0, count: Bootloader.maxInitcodeSize + 1)
        #expect(try s.refusal(to: nil, data: big, gas: 10_000_000) == .initcodeSizeExceeded(big.count))
        #expect(try s.refusal(to: nil, data: big, gas: 10_000_000, kind: .riscv) == nil)
        // What `send` throws before sending: authorizations with blob hashes, an EE nobody
        // registered (the EE's own check of the code is not made: it runs when sent).
        let auth = try #require(s.authorizing([(Bytes32(U256(1).bigEndianBytes), to)], sender: fresh))
        #expect(throws: EEError.self) {
            try s.refusal(from: fresh, to: to, data: [], authorizations: auth, blobHashes: [Bytes32(U256(1).bigEndianBytes)])
        }
        #expect(throws: EEError.self) { try s.refusal(to: nil, data: [1], kind: .wasm) }
    }

    /// A bootloader built by hand has the standard precompiles unless told otherwise (review
    /// finding: it had none, and a call to sha256 returned nothing, successfully).
    @Test func handBuiltBootloaderHasThePrecompiles() throws {
        let sender = Address(low: 0xA11CE)
        for (hooks, expected) in [(nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), ([:], "")] as [([Address: any SystemHook]?, String)] {
            let world = WorldState(store: MemoryStore(accounts: [sender: Account(balance: U256(1 << 40))]))
            let boot = hooks.map { Bootloader(world: world, registry: .standard, hooks: $0) }
                ?? Bootloader(world: world, registry: .standard)
            let tx = Transaction(sender: sender, nonce: .zero, gasLimit: U256(100_000), to: Address(low: 2), value: .zero, data: [])
            let r = try boot.execute(tx).get()
            #expect(r.status == .success && Hex.encode(r.output) == expected)
            #expect(boot.missingPrecompilesCalled.isEmpty == (hooks == nil))
        }
    }

    /// `view` (review finding: the library had no read-only call; a balanceOf was a committed
    /// transaction): the receipt and its logs as a call gives them, and nothing kept.
    @Test func viewCallsKeepNothing() throws {
        let s = ContractSession()
        s.boot.block.baseFee = U256(3)  // so that the up-front charge needs funding
        let counter = try #require(try s.deploy(try Fixtures.elf("counter.elf"), kind: .riscv).createdAddress)
        let increment = ABIEncoder.selector("increment()"), get = ABIEncoder.selector("get()")
        #expect(try s.call(counter, data: increment).status == .success)
        let nonce = s.world.nonce(ContractSession.defaultSender)
        let balance = s.world.balance(ContractSession.defaultSender)
        let root = try s.world.stateRoot()
        let viewed = try s.view(counter, data: increment)
        #expect(viewed.status == .success && viewed.gasUsed > 21_000)
        #expect(try s.view(counter, data: get).output == U256(1).bigEndianBytes, "the increment was not kept")
        // A sender that does not exist stays absent, funding included.
        let stranger = Address(low: 0x5757)
        #expect(try s.view(counter, data: get, from: stranger).output == U256(1).bigEndianBytes)
        #expect(!s.world.exists(stranger))
        #expect(s.world.nonce(ContractSession.defaultSender) == nonce && s.world.balance(ContractSession.defaultSender) == balance)
        #expect(try s.world.stateRoot() == root)
        // Uncommitted work stays as it was.
        s.commitEachTransaction = false
        #expect(try s.call(counter, data: increment).status == .success)
        #expect(try s.view(counter, data: get).output == U256(2).bigEndianBytes)
        s.world.discardUncommitted()
        #expect(try s.view(counter, data: get).output == U256(1).bigEndianBytes)
        let wrongNonce = Transaction(
            sender: stranger, nonce: U256(5), gasLimit: U256(100_000), to: counter, value: .zero, data: get, gasPrice: U256(3))
        let verdict = try s.boot.simulate(wrongNonce)
        guard case .failure(.nonceMismatch(expected: 0, got: U256(5))) = verdict else {
            Issue.record("simulate did not reject a wrong nonce: \(verdict)")
            return
        }
    }

    /// Code needs an EE kind (review finding: `.none` became EVM code silently).
    @Test func installNeedsAnEEKind() throws {
        let s = ContractSession()
        #expect(throws: EEError.self) { try s.install([0x00], kind: .none, at: Address(low: 0x1234)) }
        #expect(!s.world.exists(Address(low: 0x1234)))
        try s.install([], kind: .none, at: Address(low: 0x1234))  // no code: an account with a nonce
        #expect(s.world.nonce(Address(low: 0x1234)) == 1)
    }

    /// A machine reset from itself (review finding: it released the code it was about to
    /// share, and its deinit then freed an mmap'ed buffer) is refused; code made executable
    /// after `setCodeRange` runs (it trapped with an instruction access fault).
    @Test func machineResetFromItselfAndLateProtection() throws {
        // addi a0, x0, 7; ebreak
        let code: [UInt8] = [0x13, 0x05, 0x70, 0x00, 0x73, 0x00, 0x10, 0x00]
        let a = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(a.load(code, at: 0x1000))
        try a.setCodeRange(0x1000, 0x2000)
        a.protect(0x1000, 0x2000, [.read, .execute])
        a.pc = 0x1000
        a.budget = 1000
        #expect(a.run() == .ebreak)
        #expect(a[register: 10] == 7)
        #expect(!a.reset(from: a, copy: [], zero: []))
        #expect(!a.restore(from: a, copy: [], zero: [], restoreCode: true))
        let b = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(b.reset(from: a, copy: [0x1000..<0x2000], zero: []))
        b.pc = 0x1000
        b.budget = 1000
        #expect(b.run() == .ebreak && b[register: 10] == 7)
        // Taking execution away again after the code range is set makes the page fault.
        b.protect(0x1000, 0x2000, [.read])
        b.pc = 0x1000
        #expect(b.run() == .trap)
    }
}

/// From a crash audit of the public API (each case trapped, hung or misbehaved before).
@Suite struct PublicAPICrashAuditTests {
    /// Sizes of types built in code saturate instead of trapping on overflow.
    @Test func abiSizesOfHandBuiltTypesSaturate() {
        let huge = ABIType.array(.uint(256), Int.max)
        #expect(huge.headSize == Int.max && !huge.isDynamic)
        #expect(ABIType.tuple([huge, huge, .bool]).headSize == Int.max)
        #expect(ABIType.tuple([.bool, .address]).headSize == 64)
    }

    /// A host function's output buffer is allocated per call: a capacity above the limit is
    /// refused at registration (Int.max overflowed, 1 TiB failed the allocation, on the first
    /// call from a contract).
    @Test func hostFunctionOutputCapacityIsBounded() {
        var table: [Address: any SystemHook] = [:]
        for bad in [Int.max, 1 << 40, HostFunction.maxOutputLimit + 1] {
            #expect(throws: HostFunctionError.outputCapacityOutOfRange(bad)) {
                try HostFunctions.register(
                    library: "/nonexistent.so", symbol: "f", address: Address(low: 0x1_0000), signature: "()->bytes",
                    gas: HostFunctionGas(base: 1), maxOutput: bad, into: &table)
            }
        }
    }

    /// A schedule whose RISC-V jumps or branches cost nothing let `j .` run forever on 50,000
    /// gas; it is a configuration error at the transaction and at a machine's creation.
    @Test func zeroCostBlockEndsAreAConfigurationError() throws {
        let s = ContractSession()
        let elf = TestELF.program(xlen: 64, code: [0x0000_006f]).bytes  // j .
        try s.install(elf, kind: .riscv, at: Address(low: 0x77))
        for field in [\GasSchedule.riscvJump, \GasSchedule.riscvBranch] {
            var schedule = GasSchedule.default
            schedule[keyPath: field] = 0
            s.boot.schedule = schedule
            #expect(throws: EEError.self) { try s.call(Address(low: 0x77), data: [], gas: 50_000) }
            #expect(throws: EEError.self) { try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: schedule) }
        }
        var zero = GasSchedule.default
        zero.ergsPerGas = 0
        #expect(zero.maxGas == UInt64.max)
        #expect(throws: EEError.self) { try zero.validate() }
        #expect(throws: Never.self) { try GasSchedule.instructionCounting.validate() }
    }

    /// A caller that is the target runs the target's code (its empty account replaced the
    /// code: an INVALID ran as a success).
    @Test func evmRunnerWithTheCallerAsTarget() throws {
        let a = Address(low: 0xabc)
        let r = try EVMRunner.run(code: [0xfe], gas: 100_000, target: a, caller: a)
        #expect(!r.status.isSuccess)
        // BALANCE(ADDRESS): the caller's funds are the target's.
        let ok = try EVMRunner.run(code: [0x30, 0x31, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3], gas: 100_000, target: a, caller: a)
        #expect(ok.status == .success && U256(bigEndian: ok.output) > .zero)
    }

    /// The store's own metadata keys are refused before anything is written (writing "format"
    /// made every later open refuse the file).
    @Test func reservedMetadataKeysAreRefused() throws {
        let dir = try TestFiles.scratchFolder("meta")
        defer { TestFiles.remove(dir) }
        let path = dir.appendingPathComponent("s.db").path
        do {
            let store = try SQLiteStore(path: path)
            for key in ["format", "commits"] {
                #expect(throws: EEError.self) { try store.commit(StateChangeSet(), metadata: [key: [1, 2, 3]]) }
            }
            try store.commit(StateChangeSet(), metadata: ["mine": [1]])
        }
        let again = try SQLiteStore(path: path)
        #expect(try again.metadata("mine") == [1])
    }
}

/// EIP-150's 63/64 rule as a helper for EE authors (carried note: every EE wrote its own).
@Suite struct CallAllowanceTests {
    @Test func allButOne64thAndTheRequestedAmount() {
        #expect(Resources.allButOne64th(of: 6400) == 6300)
        #expect(Resources.allButOne64th(of: 63) == 63)  // 63 / 64 = 0
        #expect(Resources.allButOne64th(of: UInt64.max) == UInt64.max - UInt64.max / 64)
        #expect(Resources.callAllowance(requested: 100, available: 6400) == 100)
        #expect(Resources.callAllowance(requested: 10_000, available: 6400) == 6300)
        #expect(Resources.callAllowance(requested: nil, available: 6400) == 6300)
        #expect(Resources.callAllowance(requested: 0, available: 0) == 0)
    }
}
