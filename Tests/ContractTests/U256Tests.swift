import EEKit
import Testing

/// U256's parsing, formatting, comparison and limb arithmetic at the limb boundaries, with
/// values worked out by hand (the EVM's own arithmetic is in CEVM; these carry the fee and
/// balance arithmetic of the bootloader, RLP's scalars and what the command line prints).
/// Each of these caught a mutation the rest of the suite let through (the U256/Resources
/// mutation round).
@Suite struct U256Tests {
    static let twoTo64 = U256(limbs: (0, 1, 0, 0))
    static let twoTo128 = U256(limbs: (0, 0, 1, 0))
    static let twoTo192 = U256(limbs: (0, 0, 0, 1))
    static let twoTo255 = U256(limbs: (0, 0, 0, 1 << 63))

    /// Big-endian bytes: shorter input is left-padded, longer input keeps its last 32 bytes
    /// (a 33-byte input with a leading 0xaa is 1, not 0xaa00...00).
    @Test func bigEndianInputKeepsTheLast32Bytes() {
        #expect(U256(bigEndian: [0x01, 0x02]) == U256(0x0102))
        let long: [UInt8] = [0xaa] + [UInt8](repeating: 0, count: 31) + [0x01]
        #expect(U256(bigEndian: long) == U256.one)
        let fortyBytes = [UInt8](repeating: 0xff, count: 8) + U256.twoTo255Bytes
        #expect(U256(bigEndian: fortyBytes) == Self.twoTo255)
        #expect(U256(bigEndian: Self.twoTo192.bigEndianBytes) == Self.twoTo192)
    }

    /// `U256(hex:)` is the lenient JSON reader: empty text and a bare "0x" are zero, an odd
    /// number of digits is left-padded, exactly 64 digits fit and 65 do not.
    @Test func hexFieldsEmptyOddAndFull() {
        #expect(U256(hex: "") == .zero)
        #expect(U256(hex: "0x") == .zero)
        #expect(U256(hex: " 0X \n") == .zero)
        #expect(U256(hex: "0xabc") == U256(0xabc))
        #expect(U256(hex: String(repeating: "f", count: 64)) == .max)
        #expect(U256(hex: "1" + String(repeating: "0", count: 64)) == nil)
    }

    /// `U256(literal:)` takes upper- and lower-case hex digits after either prefix.
    @Test func literalsTakeUpperCaseHexDigits() {
        #expect(U256(literal: "0xABCDEF") == U256(0xabcdef))
        #expect(U256(literal: "0XFf") == U256(255))
        #expect(U256(literal: "0x" + String(repeating: "F", count: 64)) == .max)
        #expect(U256.parseAmount("0xDEAD") == .value(U256(0xdead)))
        #expect(U256(literal: "0xG1") == nil)
    }

    /// Decimal parsing refuses 2^256 and more, whichever step overflows: the multiply by 10 or
    /// the last digit's addition (2^256 - 1 ends in 5; ...936 is 2^256).
    @Test func decimalOverflowAtTheLastDigit() {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        #expect(U256(decimal: max) == .max)
        #expect(U256(decimal: String(max.dropLast()) + "6") == nil)
        #expect(U256(decimal: String(max.dropLast()) + "9") == nil)
        #expect(U256(decimal: max + "0") == nil)
        #expect(U256.parseAmount(String(max.dropLast()) + "6") == .tooLarge)
    }

    /// `uint64` and `isZero` look at every limb, the top one included.
    @Test func uint64AndIsZeroSeeEveryLimb() {
        #expect(U256(42).uint64 == 42)
        #expect(U256(limbs: (42, 0, 0, 1)).uint64 == nil)
        #expect(U256(limbs: (42, 1, 0, 0)).uint64 == nil)
        #expect(!Self.twoTo192.isZero && !Self.twoTo255.isZero && U256.zero.isZero)
    }

    /// Formatting: minimal bytes keep inner zeros, quantities and descriptions have no leading
    /// zero digit but zero is "0x0", and decimal strings pad every inner 19-digit chunk.
    @Test func formattingAtLimbBoundaries() {
        #expect(U256(0x1000).minimalBigEndianBytes == [0x10, 0x00])
        #expect(Self.twoTo64.minimalBigEndianBytes == [1, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(U256.zero.minimalBigEndianBytes == [])
        #expect(U256.zero.quantityHex == "0x0" && U256(0x1f).quantityHex == "0x1f")
        #expect(Self.twoTo64.quantityHex == "0x10000000000000000")
        #expect(U256.zero.description == "0x0" && U256(0xf).description == "0xf" && U256(0x100).description == "0x100")
        #expect(U256(0x0abc).description == "0xabc")
        #expect(Self.twoTo128.decimalString == "340282366920938463463374607431768211456")
        #expect(U256.max.decimalString == "115792089237316195423570985008687907853269984665640564039457584007913129639935")
        #expect(U256(decimal: "100000000000000000000000000000000000001")!.decimalString == "100000000000000000000000000000000000001")
    }

    /// Ordering and equality compare every limb, most significant first, and a value is not
    /// less than itself.
    @Test func orderingAndEqualityOverEveryLimb() {
        let a = U256(limbs: (0, 0, 2, 0)), b = U256(limbs: (0, 0, 1, 0))
        #expect(b < a && !(a < b))
        #expect(U256(limbs: (9, 9, 1, 0)) < U256(limbs: (0, 0, 2, 0)))
        #expect(U256(limbs: (0, 0, 0, 1)) > U256(limbs: (.max, .max, .max, 0)))
        #expect(!(a < a) && a <= a && !(U256.max < U256.max))
        #expect(Self.twoTo128 != .zero && U256(limbs: (1, 2, 3, 4)) != U256(limbs: (1, 2, 4, 4)))
        #expect(Set([Self.twoTo128, U256.zero, Self.twoTo128]).count == 2)
    }

    /// Carries and borrows that ripple through a limb whose own sum or difference did not
    /// overflow (the carry-in alone does), and the overflow flag of the top limb.
    @Test func carriesAndBorrowsRippleThroughEveryLimb() {
        let lowTwo = U256(limbs: (.max, .max, 0, 0))
        #expect(lowTwo &+ .one == Self.twoTo128)
        #expect(U256(limbs: (.max, .max, .max, 0)) &+ .one == Self.twoTo192)
        let top = U256.max.addingReportingOverflow(.one)
        #expect(top.partialValue == .zero && top.overflow)
        #expect(!U256(limbs: (.max, .max, .max, 0)).addingReportingOverflow(.one).overflow)
        #expect(Self.twoTo128 &- .one == lowTwo)
        #expect(Self.twoTo192 &- .one == U256(limbs: (.max, .max, .max, 0)))
        let under = U256.zero.subtractingReportingOverflow(.one)
        #expect(under.partialValue == .max && under.overflow)
        #expect(!Self.twoTo192.subtractingReportingOverflow(.one).overflow)
    }

    /// Products past the one-limb fast path: a small value times a top-limb value, 2^255
    /// squared (only the product's top word is set: it overflows), (2^128 - 1)^2 (carries of
    /// both additions in one step) and (2^256 - 1)^2.
    @Test func productsAcrossLimbsAndTheirOverflow() {
        let p = U256(2).multipliedReportingOverflow(by: Self.twoTo192)
        #expect(p.partialValue == U256(limbs: (0, 0, 0, 2)) && !p.overflow)
        #expect(Self.twoTo192 &* U256(3) == U256(limbs: (0, 0, 0, 3)))
        let sq = Self.twoTo255.multipliedReportingOverflow(by: Self.twoTo255)
        #expect(sq.partialValue == .zero && sq.overflow)
        let half = U256(limbs: (.max, .max, 0, 0))
        let h = half.multipliedReportingOverflow(by: half)
        // 2^256 - 2^129 + 1
        #expect(h.partialValue == U256(limbs: (1, 0, .max - 1, .max)) && !h.overflow)
        let m = U256.max.multipliedReportingOverflow(by: .max)
        #expect(m.partialValue == .one && m.overflow)
        // 10^38 * 10^38 = 10^76, below 2^256.
        let e38 = U256(decimal: "1" + String(repeating: "0", count: 38))!
        #expect((e38 &* e38).decimalString == "1" + String(repeating: "0", count: 76))
        #expect(!e38.multipliedReportingOverflow(by: e38).overflow)
    }
}

extension U256 {
    fileprivate static var twoTo255Bytes: [UInt8] { [0x80] + [UInt8](repeating: 0, count: 31) }
}
