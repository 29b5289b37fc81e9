/// A Solidity ABI type (the contract ABI specification's types, without fixed-point and
/// function types): the elementary types, arrays of fixed (`T[k]`) or dynamic (`T[]`) length
/// and tuples (`(T1,...,Tn)`), nested to any depth up to `maxNesting`.
///
/// `ABIEncoder` encodes call data from text with these types and decodes call output into
/// text, as Foundry's cast does.
public indirect enum ABIType: Hashable, Sendable, CustomStringConvertible {
    case uint(Int)
    case int(Int)
    case address
    case bool
    /// bytes1 ... bytes32
    case fixedBytes(Int)
    case bytes
    case string
    /// `T[]` when the length is nil, `T[k]` otherwise (k >= 1).
    case array(ABIType, Int?)
    case tuple([ABIType])

    /// Deepest nesting of arrays and tuples a type may have (a bound on the recursion of every
    /// function here; Solidity's own compilers reject far less deep types in practice).
    public static let maxNesting = 32
    /// Largest encoded head of one static type (and so of a `T[k]`): 16 MiB.
    public static let maxStaticSize = 1 << 24

    /// The canonical form, as selectors are computed over it: `uint256`, `(bool,string)[2]`.
    public var description: String {
        switch self {
        case .uint(let n): "uint\(n)"
        case .int(let n): "int\(n)"
        case .address: "address"
        case .bool: "bool"
        case .fixedBytes(let n): "bytes\(n)"
        case .bytes: "bytes"
        case .string: "string"
        case .array(let t, let k): "\(t)[\(k.map(String.init) ?? "")]"
        case .tuple(let ts): "(" + ts.map(\.description).joined(separator: ",") + ")"
        }
    }

    /// Dynamic types are encoded out of line, behind an offset in the head.
    public var isDynamic: Bool {
        switch self {
        case .bytes, .string, .array(_, nil): true
        case .array(let t, _): t.isDynamic
        case .tuple(let ts): ts.contains { $0.isDynamic }
        default: false
        }
    }

    /// Bytes the type takes in the head of a tuple: 32 for a dynamic type (its offset), the
    /// whole encoding for a static one. Parsing bounds it by `maxStaticSize`, so it cannot
    /// overflow.
    public var headSize: Int {
        guard !isDynamic else { return 32 }
        switch self {
        case .array(let t, let k?): return t.headSize * k
        case .tuple(let ts): return ts.reduce(0) { $0 + $1.headSize }
        default: return 32
        }
    }

    /// Parses one type ("uint", "(uint256,bool)[]", spaces ignored); `uint` and `int` are
    /// uint256 and int256.
    /// - Throws: `ABIEncoder.Failure` naming the malformed or unsupported type.
    public static func parse(_ text: String) throws -> ABIType {
        var p = Parser(Array(text.utf8.filter { $0 != 0x20 }))
        let t = try p.type(depth: 0)
        guard p.atEnd else { throw p.failure("unexpected text after the type") }
        return t
    }

    /// Parses a comma-separated list of types (the inside of a signature's parentheses);
    /// an empty text is no types.
    public static func parseList(_ text: String) throws -> [ABIType] {
        var p = Parser(Array(text.utf8.filter { $0 != 0x20 }))
        if p.atEnd { return [] }
        var types = [try p.type(depth: 0)]
        while p.eat(UInt8(ascii: ",")) { types.append(try p.type(depth: 0)) }
        guard p.atEnd else { throw p.failure("expected ',' or the end of the list") }
        return types
    }

    private struct Parser {
        let s: [UInt8]
        var i = 0
        init(_ s: [UInt8]) { self.s = s }
        var atEnd: Bool { i == s.count }
        mutating func eat(_ c: UInt8) -> Bool {
            if i < s.count && s[i] == c {
                i += 1
                return true
            }
            return false
        }
        func failure(_ what: String) -> ABIEncoder.Failure {
            let text = String(decoding: s, as: UTF8.self)
            return ABIEncoder.Failure(message: "invalid ABI type \(text): \(what) at position \(i)")
        }

        mutating func type(depth: Int) throws -> ABIType {
            guard depth < ABIType.maxNesting else { throw failure("nested deeper than \(ABIType.maxNesting)") }
            var t: ABIType
            if eat(UInt8(ascii: "(")) {
                guard !eat(UInt8(ascii: ")")) else { throw failure("empty tuple") }
                var parts = [try type(depth: depth + 1)]
                while eat(UInt8(ascii: ",")) { parts.append(try type(depth: depth + 1)) }
                guard eat(UInt8(ascii: ")")) else { throw failure("expected ',' or ')' in a tuple") }
                t = .tuple(parts)
            } else {
                let start = i
                while i < s.count, s[i].isASCIILetterOrDigit { i += 1 }
                let name = String(decoding: s[start..<i], as: UTF8.self)
                guard let e = ABIType.elementary(name) else {
                    i = start
                    throw failure(name.isEmpty ? "expected a type" : "unsupported ABI type \(name)")
                }
                t = e
            }
            var arrays = 0
            while eat(UInt8(ascii: "[")) {
                arrays += 1
                guard depth + arrays < ABIType.maxNesting else { throw failure("nested deeper than \(ABIType.maxNesting)") }
                let start = i
                while i < s.count, s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
                let digits = s[start..<i]
                guard eat(UInt8(ascii: "]")) else { throw failure("expected ']'") }
                if digits.isEmpty {
                    t = .array(t, nil)
                    continue
                }
                // Decimal without a leading zero; at least 1 (Solidity has no T[0]).
                let lengthText = String(decoding: digits, as: UTF8.self)
                guard digits.first != 0x30 else { throw failure("array length \(lengthText) (want 1 or more, no leading zero)") }
                guard digits.count <= 8, let k = Int(lengthText) else {
                    throw failure("array length \(lengthText) is larger than \(ABIType.maxStaticSize >> 20) MiB")
                }
                // The element's head times k bounds the static size (a dynamic element keeps
                // one offset per element in the array's own encoding).
                let element = t.isDynamic ? 32 : t.headSize
                guard k <= ABIType.maxStaticSize / element else {
                    throw failure("\(t)[\(k)] is larger than \(ABIType.maxStaticSize >> 20) MiB")
                }
                t = .array(t, k)
            }
            if case .tuple = t, !t.isDynamic, t.headSize > ABIType.maxStaticSize {
                throw failure("tuple is larger than \(ABIType.maxStaticSize >> 20) MiB")
            }
            return t
        }
    }

    /// uintN / intN (N = 8...256 in steps of 8, `uint`/`int` for 256), address, bool,
    /// bytesN (N = 1...32), bytes, string.
    static func elementary(_ name: String) -> ABIType? {
        switch name {
        case "address": return .address
        case "bool": return .bool
        case "bytes": return .bytes
        case "string": return .string
        case "uint": return .uint(256)
        case "int": return .int(256)
        default: break
        }
        if name.hasPrefix("uint"), let n = width(name.dropFirst(4)), n % 8 == 0, n <= 256 { return .uint(n) }
        if name.hasPrefix("int"), let n = width(name.dropFirst(3)), n % 8 == 0, n <= 256 { return .int(n) }
        if name.hasPrefix("bytes"), let n = width(name.dropFirst(5)), n <= 32 { return .fixedBytes(n) }
        return nil
    }

    /// The N of "uintN" / "intN" / "bytesN": ASCII digits without a sign or a leading zero.
    static func width(_ digits: Substring) -> Int? {
        guard let f = digits.first, f != "0", digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int(digits)
    }
}

extension UInt8 {
    fileprivate var isASCIILetterOrDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5a) || (self >= 0x61 && self <= 0x7a)
    }
}
