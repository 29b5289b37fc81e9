import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// GasSchedule.nativeRated near UInt64.max: a schedule validate() accepts must not trap.
@Suite struct NativeRatedOverflowTests {
    static let cases: [[UInt64]] = [[3, UInt64.max / 3], [1, UInt64.max], [1, UInt64.max - 1], [5, UInt64.max / 5], [255, UInt64.max / 255]]

    @Test(arguments: cases)
    func largePricesDoNotTrap(pair: [UInt64]) throws {
        let rate = pair[0], price = pair[1]
        var s = GasSchedule.default
        s.ergsPerGas = rate
        s.riscvPageErgs = price
        s.riscvSyscallErgs = price
        s.riscvDecodedPageErgs = price
        try s.validate()
        let r = s.nativeRated
        // Rounded up, exact: ceil(price * rate / 256) fits (the product does not overflow).
        let (hi, lo) = price.multipliedFullWidth(by: rate)
        #expect(hi == 0)
        let want = lo / 256 + (lo % 256 == 0 ? 0 : 1)
        #expect(r.riscvPageErgs == want && r.riscvSyscallErgs == want && r.riscvDecodedPageErgs == want)
    }

    @Test func sessionAtOneErgPerGasWithHugeSyscallPrice() throws {
        let elf = try Fixtures.elf("compute.elf")
        let s = ContractSession()
        s.boot.schedule.ergsPerGas = 1
        s.boot.schedule.riscvSyscallErgs = UInt64.max
        let a = Address(low: 0xc0c0)
        try s.install(elf, kind: .riscv, at: a)
        let r = try s.call(a, data: ABI.call(0x6c4f_555a, [ABI.word(1), ABI.word(2)]), gas: 1_000_000)
        #expect(!r.status.isSuccess)
    }
}
