import Foundation

/// A 256-bit unsigned integer: four 64-bit limbs, least significant first, the same
/// layout as the C cores' `uint64_t[4]` so values cross the boundary without conversion.
public struct U256: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var limbs: (UInt64, UInt64, UInt64, UInt64)

    public init(limbs: (UInt64, UInt64, UInt64, UInt64)) { self.limbs = limbs }
    public init(_ v: UInt64) { limbs = (v, 0, 0, 0) }
    /// - Precondition: `v >= 0`.
    public init(_ v: Int) { precondition(v >= 0, "U256 from a negative Int"); limbs = (UInt64(v), 0, 0, 0) }

    public static let zero = U256(0)
    public static let one = U256(1)
    public static let max = U256(limbs: (.max, .max, .max, .max))

    /// From up to 32 big-endian bytes (shorter input is left-padded with zeros,
    /// longer input keeps the last 32 bytes).
    public init<C: Collection>(bigEndian bytes: C) where C.Element == UInt8 {
        var l: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let n = bytes.count
        var i = 0
        withUnsafeMutableBytes(of: &l) { raw in
            let w = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
            // Only the last 32 bytes count.
            for b in bytes.dropFirst(Swift.max(0, n - 32)).reversed() {
                w[i >> 3] |= UInt64(b) << (UInt64(i & 7) << 3)
                i += 1
            }
        }
        limbs = l
    }

    /// Parses `0x`-prefixed or bare hex (at most 64 digits), or decimal when `hex` is false.
    public init?(hex: String) {
        var s = Substring(hex.trimmingCharacters(in: .whitespacesAndNewlines))
        if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
        if s.isEmpty { self = .zero; return }
        guard s.count <= 64, let bytes = Hex.decode(String(repeating: "0", count: s.count % 2) + s) else { return nil }
        self.init(bigEndian: bytes)
    }

    /// A number as a user types it (CLI values, ABI arguments): ASCII decimal digits, or `0x` /
    /// `0X` followed by hex digits (at most 64 after leading zeros). Nothing else: no sign,
    /// spaces, empty digits or a second prefix (`U256(hex:)` is more lenient, for JSON fields
    /// where "0x" means zero).
    public init?(literal: String) {
        let u = Array(literal.utf8)
        if u.count > 2, u[0] == 0x30, u[1] == 0x78 || u[1] == 0x58 {
            let digits = u[2...]
            guard digits.allSatisfy(U256.isHexDigit) else { return nil }
            let significant = digits.drop(while: { $0 == 0x30 })
            guard significant.count <= 64 else { return nil }
            self.init(hex: String(decoding: significant, as: UTF8.self))
        } else {
            self.init(decimal: literal)
        }
    }

    /// An ASCII hex digit (0-9, a-f, A-F).
    private static func isHexDigit(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x61...0x66).contains(c) || (0x41...0x46).contains(c)
    }

    /// An amount as cast takes one: a `literal`, or a decimal with an optional fraction and
    /// exponent and an optional unit, `1.5ether`, `2 gwei`, `1e18`, `3.2e-3ether` (units wei,
    /// gwei = 1e9, ether = 1e18; case ignored). The value must be a whole number below 2^256:
    /// `0.5wei` and `1e-1` are refused, not rounded.
    public init?(amount: String) {
        guard case .value(let v) = U256.parseAmount(amount) else { return nil }
        self = v
    }

    /// What `init?(amount:)` makes of a text.
    public enum AmountParse: Equatable, Sendable {
        case value(U256)
        /// A well-formed whole number of 2^256 or more.
        case tooLarge
        /// Not a number, or not a whole one (`0.5wei`).
        case malformed
    }

    /// Parses an amount as `init?(amount:)` does, telling a number too large for 256 bits
    /// from text that is not a number (so messages can say which).
    public static func parseAmount(_ amount: String) -> AmountParse {
        let u = Array(amount.utf8)
        if u.count > 2, u[0] == 0x30, u[1] == 0x78 || u[1] == 0x58 {
            // Hex digits that `literal` refuses are too many (after leading zeros).
            guard u[2...].allSatisfy(U256.isHexDigit) else { return .malformed }
            return U256(literal: amount).map { .value($0) } ?? .tooLarge
        }
        if !u.isEmpty, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return U256(decimal: amount).map { .value($0) } ?? .tooLarge
        }
        var t = Substring(amount.lowercased())
        var scale = 0
        for (unit, power) in [("ether", 18), ("gwei", 9), ("wei", 0)] where t.hasSuffix(unit) {
            t = t.dropLast(unit.count)
            while t.last == " " { t = t.dropLast() }
            scale = power
            break
        }
        var exponent = 0
        if let e = t.firstIndex(of: "e") {
            var ex = t[t.index(after: e)...]
            let negative = ex.first == "-"
            if negative || ex.first == "+" { ex = ex.dropFirst() }
            guard !ex.isEmpty, ex.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .malformed }
            // Any number of digits (review finding: "1e1000" was malformed, not too large);
            // beyond a million the value is out of range either way (or zero, or not whole).
            let significant = ex.drop(while: { $0 == "0" })
            let x = significant.count > 7 ? 10_000_000 : Int(significant) ?? 0
            exponent = negative ? -x : x
            t = t[..<e]
        }
        let parts = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), (whole + fraction).utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return .malformed }
        // digits x 10^(scale + exponent - fraction digits), which must be a whole number.
        var digits = Array((whole + fraction).utf8.drop(while: { $0 == 0x30 }))
        if digits.isEmpty { return .value(.zero) }
        var power = scale + exponent - fraction.count
        while power < 0 {
            guard digits.last == 0x30 else { return .malformed }
            digits.removeLast()
            power += 1
        }
        // A nonzero number of more than 78 decimal digits is at least 10^78 > 2^256.
        guard digits.count + power <= 78, var v = U256(decimal: String(decoding: digits, as: UTF8.self)) else {
            return .tooLarge
        }
        for _ in 0..<power {
            let (m, o) = v.multipliedReportingOverflow(by: U256(10))
            if o { return .tooLarge }
            v = m
        }
        return .value(v)
    }

    public init?(decimal: String) {
        var v = U256.zero
        guard !decimal.isEmpty else { return nil }
        for c in decimal.utf8 {
            // ASCII digits only: Character.wholeNumberValue also takes other scripts' digits
            // and numerals such as "Ⅻ" (12), which would turn into a wrong number.
            guard c >= 0x30, c <= 0x39 else { return nil }
            let d = c - 0x30
            let (m, o1) = v.multipliedReportingOverflow(by: U256(10))
            let (a, o2) = m.addingReportingOverflow(U256(UInt64(d)))
            if o1 || o2 { return nil }
            v = a
        }
        self = v
    }

    public var words: [UInt64] { [limbs.0, limbs.1, limbs.2, limbs.3] }
    /// Four limbs, least significant first; missing ones are zero, extra ones are ignored.
    public init(words w: [UInt64]) {
        limbs = (w.count > 0 ? w[0] : 0, w.count > 1 ? w[1] : 0, w.count > 2 ? w[2] : 0, w.count > 3 ? w[3] : 0)
    }

    public var isZero: Bool { limbs.0 | limbs.1 | limbs.2 | limbs.3 == 0 }

    /// The value as UInt64 if it fits.
    public var uint64: UInt64? { limbs.1 | limbs.2 | limbs.3 == 0 ? limbs.0 : nil }

    /// 32 big-endian bytes.
    public var bigEndianBytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buf, n in
            let raw = UnsafeMutableRawBufferPointer(buf)
            raw.storeBytes(of: limbs.3.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: limbs.2.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: limbs.1.bigEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: limbs.0.bigEndian, toByteOffset: 24, as: UInt64.self)
            n = 32
        }
    }

    /// Big-endian bytes without leading zeros (empty for zero), as RLP wants them.
    public var minimalBigEndianBytes: [UInt8] { Array(bigEndianBytes.drop(while: { $0 == 0 })) }

    public var hex: String { "0x" + Hex.encode(bigEndianBytes) }
    /// The shortest hex form, as JSON-RPC writes quantities and state-test fixtures write
    /// balances and slots: "0x0", "0x1f".
    public var quantityHex: String {
        let digits = Hex.encode(bigEndianBytes).drop(while: { $0 == "0" })
        return "0x" + (digits.isEmpty ? "0" : digits)
    }

    /// The number in decimal (ASCII digits, no sign, "0" for zero).
    public var decimalString: String {
        // Repeated division by 10^19 (the largest power of ten in a limb), most significant first.
        var l = [limbs.3, limbs.2, limbs.1, limbs.0]
        var chunks: [UInt64] = []
        let base: UInt64 = 10_000_000_000_000_000_000
        while l.contains(where: { $0 != 0 }) {
            var rem: UInt64 = 0
            for i in 0..<4 {
                let (q, r) = base.dividingFullWidth((rem, l[i]))
                l[i] = q
                rem = r
            }
            chunks.append(rem)
        }
        guard let top = chunks.popLast() else { return "0" }
        var s = String(top)
        for c in chunks.reversed() {
            let d = String(c)
            s += String(repeating: "0", count: 19 - d.count) + d
        }
        return s
    }
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
    /// What `Dictionary` and `Set` call: the keyed folded-multiply hash (see `FastHash`).
    public func _rawHashValue(seed: Int) -> Int { FastHash.hash(seed: seed, limbs.0, limbs.1, limbs.2, limbs.3) }

    // The arithmetic works on the limbs directly (no arrays): fee and balance arithmetic runs
    // several times per transaction, and an array per operand cost about 2k instructions.

    @inlinable
    public func addingReportingOverflow(_ o: U256) -> (partialValue: U256, overflow: Bool) {
        let (r0, c0) = limbs.0.addingReportingOverflow(o.limbs.0)
        let (s1, c1a) = limbs.1.addingReportingOverflow(o.limbs.1)
        let (r1, c1b) = s1.addingReportingOverflow(c0 ? 1 : 0)
        let (s2, c2a) = limbs.2.addingReportingOverflow(o.limbs.2)
        let (r2, c2b) = s2.addingReportingOverflow(c1a || c1b ? 1 : 0)
        let (s3, c3a) = limbs.3.addingReportingOverflow(o.limbs.3)
        let (r3, c3b) = s3.addingReportingOverflow(c2a || c2b ? 1 : 0)
        return (U256(limbs: (r0, r1, r2, r3)), c3a || c3b)
    }

    @inlinable
    public func subtractingReportingOverflow(_ o: U256) -> (partialValue: U256, overflow: Bool) {
        let (r0, b0) = limbs.0.subtractingReportingOverflow(o.limbs.0)
        let (s1, b1a) = limbs.1.subtractingReportingOverflow(o.limbs.1)
        let (r1, b1b) = s1.subtractingReportingOverflow(b0 ? 1 : 0)
        let (s2, b2a) = limbs.2.subtractingReportingOverflow(o.limbs.2)
        let (r2, b2b) = s2.subtractingReportingOverflow(b1a || b1b ? 1 : 0)
        let (s3, b3a) = limbs.3.subtractingReportingOverflow(o.limbs.3)
        let (r3, b3b) = s3.subtractingReportingOverflow(b2a || b2b ? 1 : 0)
        return (U256(limbs: (r0, r1, r2, r3)), b3a || b3b)
    }

    public func multipliedReportingOverflow(by o: U256) -> (partialValue: U256, overflow: Bool) {
        // Both values below 2^64 (fees, gas, balances of tests): one full-width multiply.
        if limbs.1 | limbs.2 | limbs.3 | o.limbs.1 | o.limbs.2 | o.limbs.3 == 0 {
            let (hi, lo) = limbs.0.multipliedFullWidth(by: o.limbs.0)
            return (U256(limbs: (lo, hi, 0, 0)), false)
        }
        // Schoolbook on the limbs, 512-bit product kept in eight locals-backed words.
        var r: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let a = limbs, b = o.limbs
        withUnsafeMutableBytes(of: &r) { raw in
            let rp = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
            withUnsafeBytes(of: a) { ar in
                withUnsafeBytes(of: b) { br in
                    let ap = ar.baseAddress!.assumingMemoryBound(to: UInt64.self)
                    let bp = br.baseAddress!.assumingMemoryBound(to: UInt64.self)
                    for i in 0..<4 {
                        var carry: UInt64 = 0
                        let ai = ap[i]
                        if ai == 0 { continue }
                        for j in 0..<4 {
                            let (hi, lo) = ai.multipliedFullWidth(by: bp[j])
                            let (s1, c1) = rp[i + j].addingReportingOverflow(lo)
                            let (s2, c2) = s1.addingReportingOverflow(carry)
                            rp[i + j] = s2
                            carry = hi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)
                        }
                        rp[i + 4] = carry
                    }
                }
            }
        }
        return (U256(limbs: (r.0, r.1, r.2, r.3)), r.4 | r.5 | r.6 | r.7 != 0)
    }

    /// Wrapping arithmetic (mod 2^256), as the EVM does.
    public static func &+ (a: U256, b: U256) -> U256 { a.addingReportingOverflow(b).partialValue }
    public static func &- (a: U256, b: U256) -> U256 { a.subtractingReportingOverflow(b).partialValue }
    public static func &* (a: U256, b: U256) -> U256 { a.multipliedReportingOverflow(by: b).partialValue }
}
