/// A 20-byte account address.
///
/// Stored as three big-endian words, not an array: addresses are hashed and compared on every
/// state access (warm sets, account maps), and three integer hashes are far cheaper than an
/// array's per-byte hashing; creating one allocates nothing.
public struct Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Bytes 0..<4, 4..<12 and 12..<20 of the address, big-endian.
    @usableFromInline let hi: UInt32
    @usableFromInline let mid: UInt64
    @usableFromInline let lo: UInt64

    @inlinable init(hi: UInt32, mid: UInt64, lo: UInt64) {
        self.hi = hi
        self.mid = mid
        self.lo = lo
    }

    /// - Precondition: `bytes.count == 20`; use `init?(hex:)` or `init(truncating:)` for input.
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 20, "an address is 20 bytes")
        self = bytes.withUnsafeBytes { Address(bigEndian: $0) }
    }

    /// The 20 bytes at `raw` (at least 20 bytes), big-endian.
    public init(bigEndian raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= 20, "an address is 20 bytes")
        self.init(
            hi: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)),
            mid: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt64.self)),
            lo: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self)))
    }

    public static func == (a: Address, b: Address) -> Bool { a.lo == b.lo && a.mid == b.mid && a.hi == b.hi }

    /// The three words in one `combine(bytes:)` call.
    public func hash(into h: inout Hasher) {
        let w = (UInt64(hi), mid, lo)
        withUnsafeBytes(of: w) { h.combine(bytes: $0) }
    }

    /// What `Dictionary` and `Set` call: the keyed folded-multiply hash (see `FastHash`).
    public func _rawHashValue(seed: Int) -> Int { FastHash.hash(seed: seed, mid, lo, UInt64(hi)) }

    /// Writes the 20 bytes, big-endian, at the start of `raw` (at least 20 bytes).
    public func store(to raw: UnsafeMutableRawBufferPointer) {
        precondition(raw.count >= 20, "an address is 20 bytes")
        raw.storeBytes(of: hi.bigEndian, toByteOffset: 0, as: UInt32.self)
        raw.storeBytes(of: mid.bigEndian, toByteOffset: 4, as: UInt64.self)
        raw.storeBytes(of: lo.bigEndian, toByteOffset: 12, as: UInt64.self)
    }

    /// The 20 bytes, big-endian (a new array each time: hot paths use `store(to:)`).
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 20) { buf, n in
            store(to: UnsafeMutableRawBufferPointer(buf))
            n = 20
        }
    }

    /// The low 20 bytes of a 32-byte word (as the EVM converts stack values to addresses).
    public init(truncating word: U256) {
        self.init(hi: UInt32(truncatingIfNeeded: word.limbs.2), mid: word.limbs.1, lo: word.limbs.0)
    }

    /// Parses 40 hex digits with an optional `0x` prefix.
    public init?(hex: String) {
        guard let b = Hex.decode(hex), b.count == 20 else { return nil }
        self.init(b)
    }

    /// The EIP-55 mixed-case checksum form ("0x5aAeb605...").
    public var checksummed: String {
        let digits = Array(Hex.encode(bytes).utf8)  // lowercase
        let hash = Keccak.hash(digits).bytes
        var out = "0x"
        for (i, c) in digits.enumerated() {
            let nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf
            let upper = c >= UInt8(ascii: "a") && nibble >= 8
            out.unicodeScalars.append(Unicode.Scalar(upper ? c - 32 : c))
        }
        return out
    }

    /// An address typed by a person: 40 hex digits (0x optional). Mixed case must be the
    /// EIP-55 checksum (a wrong one is usually a typo); all lower or all upper case is taken
    /// as it is, as cast and ethers do.
    /// - Returns: nil with the reason when the text is not an address or its checksum is wrong.
    public static func parse(userText text: String) -> (address: Address?, problem: String?) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let a = Address(hex: t) else { return (nil, "not an address (20 hex bytes, 0x optional): \(text)") }
        let body = t.hasPrefix("0x") || t.hasPrefix("0X") ? String(t.dropFirst(2)) : t
        let letters = body.filter(\.isLetter)
        if letters.contains(where: \.isUppercase) && letters.contains(where: \.isLowercase),
            body != String(a.checksummed.dropFirst(2))
        {
            return (nil, "\(text) has a wrong EIP-55 checksum (expected \(a.checksummed)); a typo? (all lower case skips the check)")
        }
        return (a, nil)
    }

    /// An address whose last 8 bytes are `low` (precompiles, system hooks, tests).
    public init(low: UInt64) { self.init(hi: 0, mid: 0, lo: low) }

    public static let zero = Address(hi: 0, mid: 0, lo: 0)

    public var word: U256 { U256(limbs: (lo, mid, UInt64(hi), 0)) }
    public var hex: String { "0x" + Hex.encode(bytes) }
    public var description: String { hex }
    public static func < (a: Address, b: Address) -> Bool { (a.hi, a.mid, a.lo) < (b.hi, b.mid, b.lo) }
}

/// A 32-byte value that is a hash, not a number.
///
/// Stored inline as four big-endian words, not an array: code hashes are copied with every
/// account and code reference and key the analysis and image caches, so a hash should cost
/// no allocation and no reference counting.
public struct Bytes32: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0..<8, 8..<16, 16..<24, 24..<32, big-endian.
    @usableFromInline let w0: UInt64
    @usableFromInline let w1: UInt64
    @usableFromInline let w2: UInt64
    @usableFromInline let w3: UInt64

    @inlinable init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// - Precondition: `bytes.count == 32`; use `init?(hex:)` for input.
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 32, "Bytes32 needs 32 bytes")
        self = bytes.withUnsafeBytes { Bytes32(bigEndian: $0) }
    }

    /// The 32 bytes at `raw` (at least 32 bytes).
    public init(bigEndian raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= 32, "Bytes32 needs 32 bytes")
        self.init(
            w0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            w1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            w2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            w3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// Writes the 32 bytes at the start of `raw` (at least 32 bytes).
    public func store(to raw: UnsafeMutableRawBufferPointer) {
        precondition(raw.count >= 32, "Bytes32 needs 32 bytes")
        raw.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
        raw.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
        raw.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
        raw.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    public init?(hex: String) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        self.init(b)
    }

    public static let zero = Bytes32(w0: 0, w1: 0, w2: 0, w3: 0)

    /// What `Dictionary` and `Set` call: the keyed folded-multiply hash (see `FastHash`).
    public func _rawHashValue(seed: Int) -> Int { FastHash.hash(seed: seed, w0, w1, w2, w3) }

    /// The 32 bytes (a new array each time: hot paths use `store(to:)`).
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buf, n in
            store(to: UnsafeMutableRawBufferPointer(buf))
            n = 32
        }
    }

    public var word: U256 { U256(limbs: (w3, w2, w1, w0)) }
    public var hex: String { "0x" + Hex.encode(bytes) }
    public var description: String { hex }
}

public typealias Bytes = [UInt8]
