/// A 20-byte account address.
public struct Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public private(set) var bytes: [UInt8]

    /// - Precondition: `bytes.count == 20`; use `init?(hex:)` or `init(truncating:)` for input.
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 20, "an address is 20 bytes")
        self.bytes = bytes
    }

    /// The low 20 bytes of a 32-byte word (as the EVM converts stack values to addresses).
    public init(truncating word: U256) { bytes = Array(word.bigEndianBytes[12...]) }

    /// Parses 40 hex digits with an optional `0x` prefix.
    public init?(hex: String) {
        guard let b = Hex.decode(hex), b.count == 20 else { return nil }
        bytes = b
    }

    /// An address whose last 8 bytes are `low` (precompiles, system hooks, tests).
    public init(low: UInt64) {
        var b = [UInt8](repeating: 0, count: 20)
        for i in 0..<8 { b[19 - i] = UInt8(truncatingIfNeeded: low >> (8 * UInt64(i))) }
        bytes = b
    }

    public static let zero = Address([UInt8](repeating: 0, count: 20))

    public var word: U256 { U256(bigEndian: bytes) }
    public var hex: String { "0x" + Hex.encode(bytes) }
    public var description: String { hex }
    public static func < (a: Address, b: Address) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
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
