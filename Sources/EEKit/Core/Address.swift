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

    /// An address whose last 8 bytes are `low` (precompiles, system hooks, tests).
    public init(low: UInt64) { self.init(hi: 0, mid: 0, lo: low) }

    public static let zero = Address(hi: 0, mid: 0, lo: 0)

    public var word: U256 { U256(limbs: (lo, mid, UInt64(hi), 0)) }
    public var hex: String { "0x" + Hex.encode(bytes) }
    public var description: String { hex }
    public static func < (a: Address, b: Address) -> Bool { (a.hi, a.mid, a.lo) < (b.hi, b.mid, b.lo) }
}

/// A 32-byte value that is a hash, not a number.
public struct Bytes32: Hashable, Sendable, CustomStringConvertible {
    public private(set) var bytes: [UInt8]
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 32, "Bytes32 needs 32 bytes")
        self.bytes = bytes
    }
    public init?(hex: String) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        bytes = b
    }
    public static let zero = Bytes32([UInt8](repeating: 0, count: 32))
    public var word: U256 { U256(bigEndian: bytes) }
    public var hex: String { "0x" + Hex.encode(bytes) }
    public var description: String { hex }
}

public typealias Bytes = [UInt8]
