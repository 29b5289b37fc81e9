/// Recursive Length Prefix encoding (Ethereum yellow paper, appendix B).
public indirect enum RLP: Sendable, Equatable {
    case bytes(Bytes)
    case list([RLP])
    /// An already encoded item, inserted as is (trie nodes shorter than 32 bytes).
    case encoded(Bytes)

    /// A scalar as its minimal big-endian bytes (zero is the empty string).
    public static func uint(_ v: UInt64) -> RLP {
        var b = Bytes()
        var x = v
        while x != 0 { b.insert(UInt8(x & 0xff), at: 0); x >>= 8 }
        return .bytes(b)
    }
    public static func uint(_ v: U256) -> RLP { .bytes(v.minimalBigEndianBytes) }
    public static func address(_ a: Address) -> RLP { .bytes(a.bytes) }
    public static func hash(_ h: Bytes32) -> RLP { .bytes(h.bytes) }

    /// The encoding.
    public var encoded: Bytes {
        var out = Bytes()
        encode(into: &out)
        return out
    }

    public func encode(into out: inout Bytes) {
        switch self {
        case .encoded(let e):
            out.append(contentsOf: e)
        case .bytes(let b):
            if b.count == 1 && b[0] < 0x80 {
                out.append(b[0])
            } else {
                RLP.appendLength(b.count, offset: 0x80, into: &out)
                out.append(contentsOf: b)
            }
        case .list(let items):
            var body = Bytes()
            for i in items { i.encode(into: &body) }
            RLP.appendLength(body.count, offset: 0xc0, into: &out)
            out.append(contentsOf: body)
        }
    }

    private static func appendLength(_ n: Int, offset: UInt8, into out: inout Bytes) {
        if n < 56 {
            out.append(offset + UInt8(n))
        } else {
            var len = Bytes()
            var x = UInt64(n)
            while x != 0 { len.insert(UInt8(x & 0xff), at: 0); x >>= 8 }
            out.append(offset + 55 + UInt8(len.count))
            out.append(contentsOf: len)
        }
    }
}
