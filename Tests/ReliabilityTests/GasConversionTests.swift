import EEKit
import Testing

/// The erg/gas conversions, the 63/64 rule's rounding, RISC-V prices scaled to the schedule's
/// rate and the checks of `GasSchedule.validate` and `ResourceLimits`, at their boundaries
/// (the U256/Resources mutation round: each test caught a change the suite let through).
@Suite struct GasConversionTests {
    /// Gas to ergs saturates at UInt64.max (it does not wrap); ergs to gas rounds down.
    @Test func gasAndErgsConvertSaturatingAndRoundingDown() {
        #expect(Resources.gas(3).ergs == 768)
        let most = UInt64.max / 256
        #expect(Resources.gas(most).ergs == most * 256)
        #expect(Resources.gas(most + 1).ergs == .max)
        #expect(Resources.gas(.max).ergs == .max)
        var one = GasSchedule.default
        one.ergsPerGas = 1
        #expect(Resources.gas(.max, schedule: one).ergs == .max)
        #expect(Resources(ergs: 255).gas() == 0 && Resources(ergs: 511).gas() == 1 && Resources(ergs: 512).gas() == 2)
        var thousand = GasSchedule.default
        thousand.ergsPerGas = 1000
        #expect(Resources(ergs: 1999).gas(schedule: thousand) == 1)
        #expect(Resources(ergs: .max).gas() == most)
    }

    /// `maxGas` is what 2^64 - 1 ergs hold at the schedule's own rate.
    @Test func maxGasFollowsTheRate() {
        var s = GasSchedule.default
        #expect(s.maxGas == UInt64.max / 256)
        s.ergsPerGas = 1
        #expect(s.maxGas == .max)
        s.ergsPerGas = 1000
        #expect(s.maxGas == UInt64.max / 1000)
        s.ergsPerGas = GasSchedule.maxErgsPerGas
        #expect(s.maxGas == UInt64.max >> 20)
    }

    /// EIP-150: the caller keeps floor(gas / 64), so a callee gets gas - floor(gas / 64)
    /// (127 gives 126, 128 gives 126: never rounded in the callee's disfavour).
    @Test func allButOne64thRoundsTheKeptPartDown() {
        #expect(Resources.allButOne64th(of: 127) == 126)
        #expect(Resources.allButOne64th(of: 128) == 126)
        #expect(Resources.allButOne64th(of: 65) == 64)
        #expect(Resources.callAllowance(requested: nil, available: 129) == 127)
    }

    /// Every RISC-V price scales to the rate, each rounded up: at 3 ergs per gas (a load,
    /// 192 ergs at 256 per gas, is 2.25 ergs: 3), and the system-call, page and decoded-page
    /// prices as well as the instruction prices.
    @Test func nativePricesScaleEachFieldRoundingUp() {
        var s = GasSchedule.default
        s.ergsPerGas = 3
        let r = s.nativeRated
        #expect(r.riscvALU == 1 && r.riscvLoad == 3 && r.riscvStore == 3 && r.riscvBranch == 3 && r.riscvJump == 3)
        #expect(r.riscvMul == 3 && r.riscvDiv == 6 && r.riscvSystem == 6 && r.riscvCodeStore == 1_920)
        #expect(r.riscvPageErgs == 192 && r.riscvDecodedPageErgs == 384 && r.riscvSyscallErgs == 30)
        s.ergsPerGas = 1
        #expect(s.nativeRated.riscvSyscallErgs == 10 && s.nativeRated.riscvDecodedPageErgs == 128)
        s.ergsPerGas = 512
        #expect(s.nativeRated.riscvSyscallErgs == 5_120 && s.nativeRated.riscvDecodedPageErgs == 65_536)
    }

    /// A 64-bit price whose product with the rate overflows is still scaled exactly:
    /// ceil(price x rate / 256) from the full 128-bit product, or UInt64.max when that does not
    /// fit ("rounded up", "the same gas at any multiple of 256"). It was UInt64.max / 256: at 2
    /// ergs per gas half the price, at 512 ergs per gas 1/512 of it in gas (found by the
    /// U256/Resources mutation round).
    @Test func overflowingScaledPricesStayExact() {
        var s = GasSchedule.default
        s.riscvPageErgs = .max
        s.riscvSyscallErgs = .max
        s.riscvDecodedPageErgs = (1 << 62) + 1
        for (rate, page, decoded, syscall): (UInt64, UInt64, UInt64, UInt64) in [
            (2, 144_115_188_075_855_872, 36_028_797_018_963_969, 144_115_188_075_855_872),  // 2^57; 2^55 + 1
            (3, 216_172_782_113_783_808, 54_043_195_528_445_953, 216_172_782_113_783_808),
            (7, 504_403_158_265_495_552, 126_100_789_566_373_889, 504_403_158_265_495_552),
            (255, 18_374_686_479_671_623_680, 4_593_671_619_917_905_921, 18_374_686_479_671_623_680),
            (512, .max, 9_223_372_036_854_775_810, .max),
        ] {
            s.ergsPerGas = rate
            let n = s.nativeRated
            #expect(n.riscvPageErgs == page, "\(rate)")
            #expect(n.riscvDecodedPageErgs == decoded, "\(rate)")
            #expect(n.riscvSyscallErgs == syscall, "\(rate)")
        }
    }

    /// ergsPerGas up to 2^20 inclusive is valid; a zero-priced jump or branch is not (a
    /// `j .` loop would never end).
    @Test func scheduleChecksAtTheirBoundaries() throws {
        var s = GasSchedule.default
        s.ergsPerGas = GasSchedule.maxErgsPerGas
        try s.validate()
        s.ergsPerGas = GasSchedule.maxErgsPerGas + 1
        #expect(throws: EEError.self) { try s.validate() }
        s = .default
        s.riscvJump = 0
        #expect(throws: EEError.self) { try s.validate() }
        s = .default
        s.riscvBranch = 0
        #expect(throws: EEError.self) { try s.validate() }
    }

    /// Each negative cap is refused by name (the check's fast path covers every field), and a
    /// frame exactly at a cap is within it: only more breaks it.
    @Test func resourceCapsAreInclusiveAndNeverNegative() throws {
        let fields: [(String, WritableKeyPath<ResourceLimits, Int>)] = [
            ("maxCallDepth", \.maxCallDepth), ("maxReturnDataBytes", \.maxReturnDataBytes), ("maxLogCount", \.maxLogCount),
            ("maxLogBytes", \.maxLogBytes), ("maxFrameMemory", \.maxFrameMemory), ("maxTotalGuestMemory", \.maxTotalGuestMemory),
            ("maxTransactionCodeBytes", \.maxTransactionCodeBytes), ("nestedCallStackReserve", \.nestedCallStackReserve),
        ]
        for (name, field) in fields {
            var l = ResourceLimits()
            l[keyPath: field] = -1
            #expect(throws: EEError.invalidConfiguration("ResourceLimits.\(name) is -1; a cap cannot be negative")) { try l.validate() }
        }
        try ResourceLimits().validate()
        var l = ResourceLimits()
        (l.maxReturnDataBytes, l.maxLogCount, l.maxLogBytes) = (100, 3, 64)
        #expect(l.violation(returndata: 100, logCount: 3, logBytes: 64) == nil)
        #expect(l.violation(returndata: 101, logCount: 3, logBytes: 64) == "returndata of 101 bytes exceeds the cap of 100")
        #expect(l.violation(returndata: 100, logCount: 4, logBytes: 64) == "4 logs in the transaction exceed the cap of 3")
        #expect(l.violation(returndata: 100, logCount: 3, logBytes: 65) == "65 bytes of logs in the transaction exceed the cap of 64")
        (l.maxReturnDataBytes, l.maxLogCount, l.maxLogBytes) = (0, 0, 0)
        #expect(l.violation(returndata: 0, logCount: 0, logBytes: 0) == nil)
    }
}
