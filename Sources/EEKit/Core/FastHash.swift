/// The hash the state maps use for addresses, words and slot keys.
///
/// Swift's `Hasher` (SipHash-1-3) cost about a sixth of a token transfer: every state access
/// hashes an address or a 52-byte slot key, and each SipHash run has a fixed seed and
/// finalization cost. These keys get a folded-multiply hash instead (the construction of
/// foldhash, which revm's maps use): a few 64x64->128-bit multiplies.
///
/// Hash flooding: the per-process key is random (`SystemRandomNumberGenerator`), so an attacker
/// who grinds addresses or storage keys cannot predict which of them collide in a map.
/// `hash(into:)` stays a plain `Hasher` feed for any other use (Set algebra, other hashers).
@usableFromInline
enum FastHash {
    @usableFromInline static let key: (UInt64, UInt64, UInt64) = {
        var g = SystemRandomNumberGenerator()
        // Odd multipliers keep every key bit in play.
        return (g.next() | 1, g.next() | 1, g.next() | 1)
    }()

    /// (a * b) folded: high half xor low half of the 128-bit product.
    @inlinable @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let m = a.multipliedFullWidth(by: b)
        return m.high ^ m.low
    }

    /// Hash of up to eight words; `seed` is the map's per-instance seed.
    @inlinable @inline(__always)
    static func hash(seed: Int, _ a: UInt64, _ b: UInt64, _ c: UInt64) -> Int {
        let k = key
        var h = fold(a ^ k.0, b ^ k.1 ^ UInt64(bitPattern: Int64(seed)))
        h = fold(h ^ c, k.2)
        return Int(bitPattern: UInt(h))
    }

    @inlinable @inline(__always)
    static func hash(seed: Int, _ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> Int {
        let k = key
        var h = fold(a ^ k.0, b ^ k.1 ^ UInt64(bitPattern: Int64(seed)))
        h = fold(h ^ c ^ k.2, d ^ k.0)
        h = fold(h, k.1)
        return Int(bitPattern: UInt(h))
    }

    @inlinable @inline(__always)
    static func hash(
        seed: Int, _ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64, _ e: UInt64, _ f: UInt64, _ g: UInt64
    ) -> Int {
        let k = key
        var h = fold(a ^ k.0, b ^ k.1 ^ UInt64(bitPattern: Int64(seed)))
        h = fold(h ^ c ^ k.2, d ^ k.0)
        h = fold(h ^ e ^ k.1, f ^ k.2)
        h = fold(h ^ g, k.0)
        return Int(bitPattern: UInt(h))
    }
}
