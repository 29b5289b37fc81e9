import EEKit
import EEKitTestSupport
import Testing

/// Hostile native contracts found in an adversarial review: what they must not be able to do.
@Suite(.serialized) struct AdversarialNativeTests {
    /// return(0, 0)
    static let returnEmpty: [UInt32] = [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]

    /// A native ELF above EIP-3860's 49,152 bytes (within the RISC-V code limit of 256 KiB)
    /// deploys from a transaction as it does through CREATE; EVM init code keeps the limit.
    @Test func nativeDeploymentsAreNotHeldToTheEVMInitcodeLimit() throws {
        let s = ContractSession()
        let elf = TestELF.program(xlen: 64, code: Self.returnEmpty, data: Bytes(repeating: 0xab, count: 60 << 10)).bytes
        #expect(elf.count > Bootloader.maxInitcodeSize)
        let r = try s.deploy(elf, kind: .riscv)
        #expect(r.status == .success)
        let a = try #require(r.createdAddress)
        #expect(s.world.account(a)?.code == elf)
        #expect(try s.call(a, data: []).status == .success)
        #expect(throws: EEError.malformedInput("transaction rejected: INITCODE_SIZE_EXCEEDED (49153 bytes)")) {
            try s.deploy(Bytes(repeating: 0, count: 49_153), kind: .evm)
        }
    }
}
