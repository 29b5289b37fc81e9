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

    /// Deepest nesting of arrays and tuples a type may have, counted through both (a bound on
    /// the recursion of every function here; Solidity's own compilers reject far less deep
    /// types in practice).
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

    /// Dynamic types are encoded out of line, behind an offset in the head. (This walks the
    /// type; `ABINode` keeps it for the encoder and decoder.)
    public var isDynamic: Bool { ABINode(self).isDynamic }

    /// Bytes the type takes in the head of a tuple: 32 for a dynamic type (its offset), the
    /// whole encoding for a static one (at most `maxStaticSize` for a parsed type; Int.max for
    /// a type built in code whose size does not fit an Int).
    public var headSize: Int { ABINode(self).headSize }

    /// Parses one type ("uint", "(uint256,bool)[]"); `uint` and `int` are uint256 and int256.
    /// - Throws: `ABIEncoder.Failure` naming the malformed or unsupported type.
    public static func parse(_ text: String) throws -> ABIType {
        var p = try ABISignatureParser(text)
        let t = try p.type(depth: 0)
        p.skipSpace()
        guard p.atEnd else { throw p.failure("unexpected text after the type") }
        return t
    }

    /// Parses a comma-separated list of types (the inside of a signature's parentheses), each
    /// optionally followed by a data location and a parameter name (`address to`, `bytes
    /// memory data`), which are left out; an empty text is no types.
    public static func parseList(_ text: String) throws -> [ABIType] {
        var p = try ABISignatureParser(text)
        let types = try p.list(depth: 0, close: nil)
        guard p.atEnd else { throw p.failure("expected ',' or the end of the list") }
        return types
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

/// A type with what the encoder and decoder ask of it at every value computed once: whether it
/// is dynamic, its head size and its parts (a tuple's members, an array's element). Walking an
/// `ABIType` for these at every element cost (type size x depth) per value: a review's wide
/// tuple nested 27 deep took 28 s to decode 4,096 values.
final class ABINode: Sendable {
    let type: ABIType
    let isDynamic: Bool
    let headSize: Int
    /// A tuple's members, or an array's element (one).
    let parts: [ABINode]
    /// Arrays and tuples around the innermost elementary type (0 for an elementary type).
    let nesting: Int

    init(_ t: ABIType) {
        type = t
        switch t {
        case .tuple(let ts):
            parts = ts.map(ABINode.init)
            isDynamic = parts.contains { $0.isDynamic }
            // Parsed types are bounded (at most maxStaticSize each); a type built in code may
            // not be, so the sizes saturate at Int.max instead of trapping.
            headSize = isDynamic ? 32 : parts.reduce(0) {
                let (sum, overflow) = $0.addingReportingOverflow($1.headSize)
                return overflow ? .max : sum
            }
        case .array(let e, let k):
            let element = ABINode(e)
            parts = [element]
            isDynamic = k == nil || element.isDynamic
            let (size, overflow) = element.headSize.multipliedReportingOverflow(by: k ?? 0)
            headSize = isDynamic ? 32 : overflow ? .max : size
        case .bytes, .string:
            parts = []
            isDynamic = true
            headSize = 32
        default:
            parts = []
            isDynamic = false
            headSize = 32
        }
        nesting = parts.isEmpty ? 0 : 1 + parts.reduce(0) { max($0, $1.nesting) }
    }
}

/// A parsed signature: `[function|error|event] name(inputs) [modifiers] [returns] [(outputs)]`.
struct ABISignature {
    var name: String
    var inputs: [ABIType]
    /// For each input, whether it was marked `indexed` (an event's topic).
    var indexed: [Bool] = []
    var outputs: [ABIType]?
}

/// Reads signatures and types as Solidity and cast write them: whitespace between tokens,
/// parameter names and data locations after types (left out of the canonical form), an
/// optional `function` / `error` / `event` keyword, state-mutability and visibility words,
/// and `returns` before the output list.
struct ABISignatureParser {
    let s: [UInt8]
    let text: String
    var i = 0

    init(_ text: String) throws {
        self.text = text
        s = Array(text.utf8)
        guard s.allSatisfy({ $0 < 0x80 }) else { throw ABIEncoder.Failure(message: "signature is not ASCII: \(text)") }
    }

    var atEnd: Bool { i == s.count }

    func failure(_ what: String) -> ABIEncoder.Failure {
        ABIEncoder.Failure(message: "invalid ABI signature or type \(text): \(what) at position \(i)")
    }

    mutating func skipSpace() {
        while i < s.count, s[i] == 0x20 || s[i] == 0x09 || s[i] == 0x0a || s[i] == 0x0d { i += 1 }
    }

    mutating func eat(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        if i < s.count && s[i] == UInt8(truncatingIfNeeded: c.value) {
            i += 1
            return true
        }
        return false
    }

    /// Words that may follow a parameter's type before its name.
    static let locations: Set<String> = ["memory", "calldata", "storage", "indexed", "payable"]
    /// Words that are not names (a type's name there is checked on its own).
    static let reserved: Set<String> = [
        "memory", "calldata", "storage", "indexed", "function", "error", "event", "returns", "tuple", "payable",
        "view", "pure", "external", "public", "internal", "private",
    ]

    static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x24
    }
    static func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || (c >= 0x30 && c <= 0x39) }

    /// The identifier at the cursor (after whitespace), or "" if none; the cursor moves past it.
    mutating func identifier() -> String {
        skipSpace()
        guard i < s.count, ABISignatureParser.isIdentifierStart(s[i]) else { return "" }
        let start = i
        while i < s.count, ABISignatureParser.isIdentifierPart(s[i]) { i += 1 }
        return String(decoding: s[start..<i], as: UTF8.self)
    }

    /// Types separated by commas, each with optional trailing words (a data location, a
    /// parameter name), up to `close` (consumed) or the end of the text.
    mutating func list(depth: Int, close: Unicode.Scalar?) throws -> [ABIType] {
        try parameters(depth: depth, close: close).map(\.type)
    }

    /// As `list`, with whether each parameter was marked `indexed` (event parameters).
    mutating func parameters(depth: Int, close: Unicode.Scalar?) throws -> [(type: ABIType, indexed: Bool)] {
        var types: [(type: ABIType, indexed: Bool)] = []
        skipSpace()
        if let close, eat(close) { return [] }
        if close == nil && atEnd { return [] }
        while true {
            let t = try type(depth: depth)
            // A data location and then a name (`bytes memory data`, `address indexed from`), or
            // a name alone. A type name there is a missing comma (`address uint256`), as
            // Solidity says; a third word is refused below (no ',' or close after it).
            let save = i
            var name = identifier()
            var indexed = false
            if name.isEmpty {
                i = save
            } else if ABISignatureParser.locations.contains(name) {
                indexed = name == "indexed"
                let save2 = i
                name = identifier()
                if name.isEmpty { i = save2 }
            }
            types.append((t, indexed))
            if !name.isEmpty && (ABIType.elementary(name) != nil || ABISignatureParser.reserved.contains(name)) {
                throw failure("\(name) where a parameter name, ',' or a close was expected (a missing comma?)")
            }
            if eat(",") { continue }
            if let close {
                guard eat(close) else { throw failure("expected ',' or '\(close)'") }
            } else {
                skipSpace()
            }
            return types
        }
    }

    mutating func type(depth: Int) throws -> ABIType {
        guard depth <= ABIType.maxNesting else { throw failure("nested deeper than \(ABIType.maxNesting)") }
        skipSpace()
        var t: ABIType
        // `tuple(...)`, as JSON ABIs and ethers spell a tuple, is the same as `(...)`.
        let keyword = i
        if identifier() == "tuple" {
            guard eat("(") else { throw failure("expected '(' after tuple") }
            i -= 1
        } else {
            i = keyword
        }
        if eat("(") {
            let parts = try list(depth: depth + 1, close: ")")
            guard !parts.isEmpty else { throw failure("empty tuple") }
            t = .tuple(parts)
        } else {
            let start = i
            while i < s.count, ABISignatureParser.isIdentifierPart(s[i]) { i += 1 }
            let name = String(decoding: s[start..<i], as: UTF8.self)
            guard let e = ABIType.elementary(name) else {
                i = start
                throw failure(name.isEmpty ? "expected a type" : "unsupported ABI type \(name)")
            }
            t = e
        }
        var arrays = 0
        while true {
            let save = i
            guard eat("[") else {
                i = save
                break
            }
            arrays += 1
            guard depth + arrays <= ABIType.maxNesting else { throw failure("nested deeper than \(ABIType.maxNesting)") }
            skipSpace()
            let start = i
            while i < s.count, s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
            let digits = s[start..<i]
            guard eat("]") else { throw failure("expected ']'") }
            if digits.isEmpty {
                t = .array(t, nil)
                continue
            }
            // Decimal without a leading zero; at least 1 (Solidity has no T[0]).
            let lengthText = String(decoding: digits, as: UTF8.self)
            guard digits.first != 0x30 else { throw failure("array length \(lengthText) (want 1 or more, no leading zero)") }
            let node = ABINode(t)
            guard digits.count <= 8, let k = Int(lengthText), k <= ABIType.maxStaticSize / node.headSize else {
                throw failure("\(t)[\(lengthText)] is larger than \(ABIType.maxStaticSize >> 20) MiB")
            }
            t = .array(t, k)
        }
        if case .tuple = t {
            let node = ABINode(t)
            if !node.isDynamic && node.headSize > ABIType.maxStaticSize {
                throw failure("tuple is larger than \(ABIType.maxStaticSize >> 20) MiB")
            }
        }
        if depth == 0 {
            // The whole type: arrays of tuples nest beyond the tuple depth counted above.
            let n = ABINode(t).nesting
            guard n <= ABIType.maxNesting else { throw failure("nested \(n) deep (at most \(ABIType.maxNesting))") }
        }
        return t
    }

    /// A whole signature (see `ABISignature`).
    mutating func signature() throws -> ABISignature {
        var name = identifier()
        if ["function", "error", "event"].contains(name) {
            name = identifier()
            guard !name.isEmpty else { throw failure("expected a name after the keyword") }
        }
        guard !ABISignatureParser.reserved.contains(name) else { throw failure("\(name) is not a function name") }
        guard eat("(") else { throw failure("expected '(' after the name (signature must look like name(type,...))") }
        let params = try parameters(depth: 0, close: ")")
        let modifiers: Set<String> = [
            "external", "public", "internal", "private", "view", "pure", "payable", "nonpayable", "virtual",
            "override", "anonymous",
        ]
        var returns = false
        while true {
            let save = i
            let word = identifier()
            if word.isEmpty { i = save; break }
            if word == "returns" { returns = true; break }
            guard modifiers.contains(word) else { throw failure("unexpected \(word) after the parameters") }
        }
        var outputs: [ABIType]? = nil
        if eat("(") {
            outputs = try list(depth: 0, close: ")")
        } else if returns {
            throw failure("expected '(' after returns")
        }
        skipSpace()
        guard atEnd else {
            throw failure("unexpected text after the signature (it must look like name(type,...) or name(type,...)(type,...))")
        }
        return ABISignature(name: name, inputs: params.map(\.type), indexed: params.map(\.indexed), outputs: outputs)
    }
}
