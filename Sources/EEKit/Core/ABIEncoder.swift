/// Solidity ABI encoding of a call from a signature and textual arguments: static types
/// (uintN, intN, address, bool, bytesN) and the dynamic `bytes` and `string`.
public enum ABIEncoder {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// The calldata of `signature` (e.g. "transfer(address,uint256)") with its arguments as text:
    /// addresses and bytesN in hex, integers in decimal or 0x hex (range-checked for their
    /// width), bools as true/false/1/0, strings as UTF-8 and bytes as hex.
    /// - Throws: `Failure` naming the malformed signature or argument.
    public static func encodeCall(signature: String, arguments: [String]) throws -> Bytes {
        let sig = signature.replacingOccurrences(of: " ", with: "")
        guard let open = sig.firstIndex(of: "("), sig.hasSuffix(")") else {
            throw Failure(message: "signature must look like name(type,...): \(signature)")
        }
        let inner = sig[sig.index(after: open)..<sig.index(before: sig.endIndex)]
        // Canonical names (`uint` is uint256, `int` is int256), as the selector is computed over them.
        let types = (inner.isEmpty ? [] : inner.split(separator: ",", omittingEmptySubsequences: false)).map {
            $0 == "uint" ? "uint256" : $0 == "int" ? "int256" : String($0)
        }
        guard types.count == arguments.count else {
            throw Failure(message: "\(signature) takes \(types.count) arguments, \(arguments.count) given")
        }
        let canonical = String(sig[..<open]) + "(" + types.joined(separator: ",") + ")"
        var head: Bytes = [], tail: Bytes = []
        let headSize = 32 * types.count
        for (t, a) in zip(types, arguments) {
            if t == "bytes" || t == "string" {
                let body: Bytes
                if t == "string" {
                    body = Array(a.utf8)
                } else {
                    guard let b = Hex.decode(a) else { throw Failure(message: "bytes argument is not hex: \(a)") }
                    body = b
                }
                head += U256(UInt64(headSize + tail.count)).bigEndianBytes
                tail += U256(UInt64(body.count)).bigEndianBytes + body
                tail += Bytes(repeating: 0, count: (32 - body.count % 32) % 32)
            } else {
                head += try encodeStatic(t, a)
            }
        }
        return Array(Keccak.hash(Array(canonical.utf8)).bytes[0..<4]) + head + tail
    }

    /// One static argument's 32-byte word.
    public static func encodeStatic(_ t: String, _ a: String) throws -> Bytes {
        switch t {
        case "address":
            guard let addr = Address(hex: a) else { throw Failure(message: "not an address: \(a)") }
            return Bytes(repeating: 0, count: 12) + addr.bytes
        case "bool":
            switch a.lowercased() {
            case "true", "1": return U256.one.bigEndianBytes
            case "false", "0": return U256.zero.bigEndianBytes
            default: throw Failure(message: "not a bool: \(a)")
            }
        default:
            let signed = t.hasPrefix("int")
            if signed || t.hasPrefix("uint"), let bits = Int(t.dropFirst(signed ? 3 : 4)), bits % 8 == 0,
                (8...256).contains(bits)
            {
                let negative = a.hasPrefix("-")
                guard !negative || signed else { throw Failure(message: "\(t) cannot be negative: \(a)") }
                let digits = negative ? String(a.dropFirst()) : a
                guard let v = U256(literal: digits) else {
                    throw Failure(message: "not a number: \(a)")
                }
                // uintN: v < 2^N; intN: -2^(N-1) <= value < 2^(N-1).
                let magnitudeBits = signed ? bits - 1 : bits
                let limit = magnitudeBits >= 256 ? nil : ABIEncoder.powerOfTwo(magnitudeBits)
                if let limit, negative ? v > limit : v >= limit {
                    throw Failure(message: "\(a) does not fit \(t)")
                }
                return (negative ? U256.zero &- v : v).bigEndianBytes
            }
            if t.hasPrefix("bytes"), let n = Int(t.dropFirst(5)), (1...32).contains(n) {
                guard let b = Hex.decode(a), b.count == n else { throw Failure(message: "not \(n) hex bytes: \(a)") }
                return b + Bytes(repeating: 0, count: 32 - n)
            }
            throw Failure(message: "unsupported ABI type \(t)")
        }
    }
}

extension ABIEncoder {
    /// 2^k for k < 256.
    static func powerOfTwo(_ k: Int) -> U256 {
        var l: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let bit = UInt64(1) << UInt64(k % 64)
        switch k / 64 {
        case 0: l.0 = bit
        case 1: l.1 = bit
        case 2: l.2 = bit
        default: l.3 = bit
        }
        return U256(limbs: l)
    }

    /// The 4-byte function selector: the first bytes of keccak256(signature).
    public static func selector(_ signature: String) -> Bytes { Array(Keccak.hash(Array(signature.utf8)).bytes[0..<4]) }
}
