import EEKit
import EEKitTestSupport
import Testing

/// EEK_SYS_SELFDESTRUCT: EIP-6780's rules and the EVM's gas, from native contracts.
@Suite struct SelfDestructTests {
    /// selfdestruct(beneficiary = the calldata's first 20 bytes, read from the frame block).
    /// The constructor runs the same code, so the beneficiary is then the constructor argument.
    static func destructor(xlen: Int, padding: Int = 0) -> Bytes {
        TestELF.program(xlen: xlen, code: [
            RVAsm.addi(10, 4, 96),  // a0 = tp + 96: the calldata in the frame block
            RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 0x1C), RVAsm.ecall,
        ], data: Bytes(repeating: 0, count: padding)).bytes
    }

    let x = Address(low: 0xaaaa)
    let beneficiary = Address(low: 0xbbbb)

    /// An account this transaction did not create keeps its code and storage (EIP-6780): only
    /// its balance moves. Gas as the EVM's SELFDESTRUCT: 2600 more for a cold beneficiary,
    /// 25000 more for sending a balance to an empty one.
    @Test(arguments: [32, 64]) func movesTheBalanceAndKeepsAnOldAccount(xlen: Int) throws {
        let s = ContractSession()
        let code = Self.destructor(xlen: xlen)
        s.world.setAccount(x, Account(nonce: 1, balance: U256(1000), kind: .riscv, code: code))
        try s.world.commit()

        let toSelf = try s.call(x, data: x.bytes)
        #expect(toSelf.status == .success && toSelf.output.isEmpty, "\(toSelf.status)")
        #expect(s.world.balance(x) == U256(1000))

        let away = try s.call(x, data: beneficiary.bytes)
        #expect(away.status == .success, "\(away.status)")
        #expect(s.world.balance(x) == .zero && s.world.balance(beneficiary) == U256(1000))
        #expect(s.world.account(x)?.code == code)
        #expect(away.gasUsed - toSelf.gasUsed == 2600 + 25000)

        // Nothing left to send: only the cold beneficiary costs extra.
        let again = try s.call(x, data: beneficiary.bytes)
        #expect(again.status == .success && again.gasUsed - toSelf.gasUsed == 2600)
    }

    /// A contract created in the same transaction is deleted at its end, and the value it
    /// received goes to the beneficiary.
    @Test(arguments: [32, 64]) func deletesAnAccountCreatedInTheSameTransaction(xlen: Int) throws {
        let s = ContractSession()
        let r = try s.deploy(Self.destructor(xlen: xlen), kind: .riscv, arguments: beneficiary.bytes, value: U256(500))
        #expect(r.status == .success, "\(r.status)")
        let a = try #require(r.createdAddress)
        #expect(s.world.account(a) == nil)
        #expect(s.world.balance(beneficiary) == U256(500))
        // No code deposit (200 gas per byte of ELF) for a constructor that self-destructs: 10 KB
        // more ELF costs only its calldata and init-code words.
        let small = try s.deploy(Self.destructor(xlen: xlen), kind: .riscv, arguments: beneficiary.bytes)
        let big = try s.deploy(Self.destructor(xlen: xlen, padding: 10_000), kind: .riscv, arguments: beneficiary.bytes)
        #expect(small.status == .success && big.status == .success, "\(small.status) \(big.status)")
        #expect(big.gasUsed - small.gasUsed < 17 * 10_000, "\(big.gasUsed - small.gasUsed)")
    }

    /// The SDK's eek_selfdestruct (malicious.c op 14 sends the balance to its caller).
    @Test func sdkWrapperSendsTheBalanceToTheCaller() throws {
        let s = ContractSession()
        s.world.setAccount(x, Account(nonce: 1, balance: U256(777), kind: .riscv, code: try Fixtures.elf("malicious.elf")))
        try s.world.commit()
        let sender = Address(low: 0x5e5e)
        s.fund(sender, U256(1_000_000))
        let r = try s.call(x, data: [14], from: sender)
        #expect(r.status == .success && r.output.isEmpty, "\(r.status)")
        #expect(s.world.balance(x) == .zero && s.world.balance(sender) == U256(1_000_777))
        #expect(s.world.account(x)?.code.isEmpty == false)
    }

    /// A static call into a native contract that self-destructs fails; the caller goes on and
    /// nothing moves.
    @Test func isAStateChangeInAStaticContext() throws {
        let s = ContractSession()
        s.world.setAccount(x, Account(nonce: 1, balance: U256(1000), kind: .riscv, code: Self.destructor(xlen: 64)))
        try s.world.commit()
        let caller = Address(low: 0x51)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: caller)
        // caller.c mode 4: static call and record (a word with the callee's status: 2 = failed).
        let data: Bytes = [4] + x.bytes + Bytes(repeating: 0, count: 8) + beneficiary.bytes
        let r = try s.call(caller, data: data)
        #expect(r.status == .success && Array(r.output.prefix(32)) == ABI.word(2), "\(r.status)")
        #expect(s.world.balance(x) == U256(1000) && s.world.balance(beneficiary) == .zero)
    }

    // Adversarial cases (from a review of the system call).

    static func sys(_ n: Int32) -> [UInt32] { [RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, n)] }
    static func sub(_ rd: UInt32, _ a: UInt32, _ b: UInt32) -> UInt32 { RVAsm.r(0x20, b, a, 0, rd, 0x33) }
    static func sd(_ rs2: UInt32, _ base: UInt32, _ off: Int32) -> UInt32 { RVAsm.s(off, rs2, base, 3, 0x23) }

    /// calldata = target X (20) ++ beneficiary B (20). Calls X with `gas` gas and B as its
    /// calldata, then measures what BALANCE(B) costs: returns (gas before - gas after) as a
    /// little-endian u64. 2600 + a few means B was cold after the call, ~100 that it was warm.
    static func prober(gas: UInt64) -> Bytes {
        var code: [UInt32] = [RVAsm.li(10, 0), RVAsm.addi(11, 4, 96), RVAsm.li(12, 0), RVAsm.addi(13, 4, 116), RVAsm.li(14, 20)]
        code += RVAsm.loadConstant(15, gas, xlen: 64)
        code += sys(0x11) + [RVAsm.ecall]                                  // call(0, X, 0, B, 20, gas)
        code += sys(0x08) + [RVAsm.ecall, RVAsm.addi(9, 10, 0)]            // s1 = gas_left
        code += [RVAsm.addi(10, 4, 116), RVAsm.addi(11, 2, -64)] + sys(0x13) + [RVAsm.ecall]  // balance(B)
        code += sys(0x08) + [RVAsm.ecall]                                  // a0 = gas_left
        code += [sub(10, 9, 10), sd(10, 2, -64)]
        code += [RVAsm.addi(10, 2, -64), RVAsm.li(11, 8)] + sys(0) + [RVAsm.ecall]  // return 8 bytes
        return TestELF.program(xlen: 64, code: code).bytes
    }

    /// A SELFDESTRUCT that runs out of gas after warming its beneficiary: the frame fails,
    /// nothing moves, and the warm-set change is reverted with it (EIP-2929: a failed frame's
    /// accessed addresses are reverted), so the caller's BALANCE(B) pays 2600.
    @Test func outOfGasSelfDestructRevertsTheWarmBeneficiary() throws {
        let s = ContractSession()
        let probe = Address(low: 0x9999)
        s.world.setAccount(x, Account(nonce: 1, balance: U256(1000), kind: .riscv, code: Self.destructor(xlen: 64)))
        s.world.setAccount(probe, Account(nonce: 1, kind: .riscv, code: Self.prober(gas: 8000)))
        try s.world.commit()
        let r = try s.call(probe, data: x.bytes + beneficiary.bytes)
        #expect(r.status == .success, "\(r.status)")
        let cost = r.output.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(cost > 2600 && cost < 2700, "BALANCE after the failed selfdestruct cost \(cost)")
        #expect(s.world.balance(x) == U256(1000) && s.world.balance(beneficiary) == .zero)

        // Control: with enough gas the selfdestruct succeeds, B stays warm (about 100 + the charges).
        let probe2 = Address(low: 0x9998)
        s.world.setAccount(probe2, Account(nonce: 1, kind: .riscv, code: Self.prober(gas: 200_000)))
        try s.world.commit()
        let ok = try s.call(probe2, data: x.bytes + beneficiary.bytes)
        let cost2 = ok.output.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(ok.status == .success && cost2 < 200, "\(ok.status) \(cost2)")
        #expect(s.world.balance(x) == .zero && s.world.balance(beneficiary) == U256(1000))
    }

    /// DELEGATECALL and CALLCODE into a self-destructing native contract destroy the caller's
    /// account (the context address), as in the EVM: the caller's balance moves, the code
    /// contract's does not.
    @Test(arguments: [7, 8]) func delegateAndCallcodeDestroyTheContextAccount(mode: UInt8) throws {
        let s = ContractSession()
        let caller = Address(low: 0x51)
        s.world.setAccount(x, Account(nonce: 1, balance: U256(1000), kind: .riscv, code: Self.destructor(xlen: 32)))
        s.world.setAccount(caller, Account(nonce: 1, balance: U256(300), kind: .riscv, code: try Fixtures.elf("caller.elf")))
        try s.world.commit()
        let data: Bytes = [mode] + x.bytes + Bytes(repeating: 0, count: 8) + beneficiary.bytes
        let r = try s.call(caller, data: data)
        #expect(r.status == .success && Array(r.output.prefix(32)) == ABI.word(0), "\(r.status)")
        #expect(s.world.balance(caller) == .zero && s.world.balance(beneficiary) == U256(300))
        #expect(s.world.balance(x) == U256(1000))
        #expect(s.world.account(caller)?.code.isEmpty == false)  // not created in this transaction
    }

    /// An outer EVM frame that reverts after a native callee self-destructed undoes it all.
    @Test func outerRevertUndoesAnInnerSelfDestruct() throws {
        let s = ContractSession()
        s.world.setAccount(x, Account(nonce: 1, balance: U256(1000), kind: .riscv, code: Self.destructor(xlen: 64)))
        // PUSH20 B PUSH0 MSTORE; CALL(GAS, X, 0, 12, 20, 0, 0); REVERT(0, 0)
        var evm: Bytes = [0x73] + beneficiary.bytes + [0x5f, 0x52]
        evm += [0x5f, 0x5f, 0x60, 20, 0x60, 12, 0x5f, 0x73] + x.bytes + [0x5a, 0xf1]
        evm += [0x5f, 0x5f, 0xfd]
        let outer = Address(low: 0x0e0e)
        s.world.setAccount(outer, Account(nonce: 1, kind: .evm, code: evm))
        try s.world.commit()
        let r = try s.call(outer, data: [])
        #expect(r.status == .revert, "\(r.status)")
        #expect(s.world.balance(x) == U256(1000) && s.world.balance(beneficiary) == .zero)
    }

    /// A beneficiary pointer outside guest memory (RV32 near 2^32, RV64 at 2^63 and near 2^64)
    /// fails the frame (no host trap) and moves nothing.
    @Test(arguments: [(32, UInt64(0xffff_fff0)), (64, UInt64(1) << 63), (64, UInt64.max - 7)])
    func badBeneficiaryPointerFailsTheFrame(xlen: Int, pointer: UInt64) throws {
        let s = ContractSession()
        let code = RVAsm.loadConstant(10, pointer, xlen: xlen) + Self.sys(0x1C) + [RVAsm.ecall]
        s.world.setAccount(x, Account(nonce: 1, balance: U256(1000), kind: .riscv, code: TestELF.program(xlen: xlen, code: code).bytes))
        try s.world.commit()
        let r = try s.call(x, data: [])
        guard case .failure = r.status else { Issue.record("\(r.status)"); return }
        #expect(s.world.balance(x) == U256(1000))
    }

    /// A constructor that self-destructs to itself with value burns it (EIP-6780, same
    /// transaction), and the account is gone at the end.
    @Test(arguments: [32, 64]) func constructorSelfDestructToItselfBurns(xlen: Int) throws {
        let s = ContractSession()
        // The beneficiary is the contract's own address: frame block + 40.
        let code = TestELF.program(xlen: xlen, code: [RVAsm.addi(10, 4, 40)] + Self.sys(0x1C) + [RVAsm.ecall]).bytes
        let r = try s.deploy(code, kind: .riscv, value: U256(500))
        #expect(r.status == .success, "\(r.status)")
        let a = try #require(r.createdAddress)
        #expect(s.world.account(a) == nil && s.world.balance(a) == .zero)
    }
}
