import Foundation

/// A 256-bit unsigned integer: four 64-bit limbs, least significant first, the same
/// layout as the C cores' `uint64_t[4]` so values cross the boundary without conversion.
public struct U256: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var limbs: (UInt64, UInt64, UInt64, UInt64)

    public init(limbs: (UInt64, UInt64, UInt64, UInt64)) { self.limbs = limbs }
    public init(_ v: UInt64) { limbs = (v, 0, 0, 0) }
    public init(_ v: Int) { precondition(v >= 0); limbs = (UInt64(v), 0, 0, 0) }

    public static let zero = U256(0)
    public static let one = U256(1)
    public static let max = U256(limbs: (.max, .max, .max, .max))

    /// From up to 32 big-endian bytes (shorter input is left-padded with zeros,
    /// longer input keeps the last 32 bytes).
    public init<C: Collection>(bigEndian bytes: C) where C.Element == UInt8 {
        var l: [UInt64] = [0, 0, 0, 0]
        var i = 0
        for b in bytes.reversed() {
            if i >= 32 { break }
            l[i / 8] |= UInt64(b) << (UInt64(i % 8) * 8)
            i += 1
        }
        limbs = (l[0], l[1], l[2], l[3])
    }

    /// Parses `0x`-prefixed or bare hex (at most 64 digits), or decimal when `hex` is false.
    public init?(hex: String) {
        var s = Substring(hex.trimmingCharacters(in: .whitespacesAndNewlines))
        if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
        if s.isEmpty { self = .zero; return }
        guard s.count <= 64, let bytes = Hex.decode(String(repeating: "0", count: s.count % 2) + s) else { return nil }
        self.init(bigEndian: bytes)
    }

    public init?(decimal: String) {
        var v = U256.zero
        guard !decimal.isEmpty else { return nil }
        for c in decimal {
            guard let d = c.wholeNumberValue else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: U256(10))
            let (a, o2) = m.addingReportingOverflow(U256(UInt64(d)))
            if o1 || o2 { return nil }
            v = a
        }
        self = v
    }

    public var words: [UInt64] { [limbs.0, limbs.1, limbs.2, limbs.3] }
    public init(words w: [UInt64]) { limbs = (w[0], w[1], w[2], w[3]) }

    public var isZero: Bool { limbs.0 | limbs.1 | limbs.2 | limbs.3 == 0 }

    /// The value as UInt64 if it fits.
    public var uint64: UInt64? { limbs.1 | limbs.2 | limbs.3 == 0 ? limbs.0 : nil }

    /// 32 big-endian bytes.
    public var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let w = words
        for i in 0..<32 { out[31 - i] = UInt8(truncatingIfNeeded: w[i / 8] >> (UInt64(i % 8) * 8)) }
        return out
    }

    /// Big-endian bytes without leading zeros (empty for zero), as RLP wants them.
    public var minimalBigEndianBytes: [UInt8] { Array(bigEndianBytes.drop(while: { $0 == 0 })) }

    public var hex: String { "0x" + Hex.encode(bigEndianBytes) }
    public var description: String {
        let m = minimalBigEndianBytes
        if m.isEmpty { return "0x0" }
        var s = Hex.encode(m)
        while s.hasPrefix("0") { s.removeFirst() }
        return "0x" + s
    }

    public static func < (a: U256, b: U256) -> Bool {
        if a.limbs.3 != b.limbs.3 { return a.limbs.3 < b.limbs.3 }
        if a.limbs.2 != b.limbs.2 { return a.limbs.2 < b.limbs.2 }
        if a.limbs.1 != b.limbs.1 { return a.limbs.1 < b.limbs.1 }
        return a.limbs.0 < b.limbs.0
    }
    public static func == (a: U256, b: U256) -> Bool {
        a.limbs.0 == b.limbs.0 && a.limbs.1 == b.limbs.1 && a.limbs.2 == b.limbs.2 && a.limbs.3 == b.limbs.3
    }
    public func hash(into h: inout Hasher) { h.combine(limbs.0); h.combine(limbs.1); h.combine(limbs.2); h.combine(limbs.3) }

    public func addingReportingOverflow(_ o: U256) -> (partialValue: U256, overflow: Bool) {
        let a = words, b = o.words
        var r = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, c1) = a[i].addingReportingOverflow(b[i])
            let (s2, c2) = s1.addingReportingOverflow(carry)
            r[i] = s2
            carry = (c1 ? 1 : 0) + (c2 ? 1 : 0)
        }
        return (U256(words: r), carry != 0)
    }

    public func subtractingReportingOverflow(_ o: U256) -> (partialValue: U256, overflow: Bool) {
        let a = words, b = o.words
        var r = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (d1, b1) = a[i].subtractingReportingOverflow(b[i])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            r[i] = d2
            borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
        }
        return (U256(words: r), borrow != 0)
    }

    public func multipliedReportingOverflow(by o: U256) -> (partialValue: U256, overflow: Bool) {
        let a = words, b = o.words
        var r = [UInt64](repeating: 0, count: 8)
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<4 {
                let (hi, lo) = a[i].multipliedFullWidth(by: b[j])
                let (s1, c1) = r[i + j].addingReportingOverflow(lo)
                let (s2, c2) = s1.addingReportingOverflow(carry)
                r[i + j] = s2
                carry = hi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)
            }
            r[i + 4] = carry
        }
        return (U256(words: Array(r[0..<4])), r[4] | r[5] | r[6] | r[7] != 0)
    }

    /// Wrapping arithmetic (mod 2^256), as the EVM does.
    public static func &+ (a: U256, b: U256) -> U256 { a.addingReportingOverflow(b).partialValue }
    public static func &- (a: U256, b: U256) -> U256 { a.subtractingReportingOverflow(b).partialValue }
    public static func &* (a: U256, b: U256) -> U256 { a.multipliedReportingOverflow(by: b).partialValue }
}
