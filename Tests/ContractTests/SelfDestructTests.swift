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
}
