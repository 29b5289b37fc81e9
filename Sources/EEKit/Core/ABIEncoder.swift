/// Solidity ABI encoding of a call from a signature and textual arguments, and decoding of
/// call output into text, for every `ABIType`: the elementary types, arrays (`T[]`, `T[k]`)
/// and tuples, nested, as Foundry's cast takes and prints them.
public enum ABIEncoder {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// The calldata of `signature` (e.g. "transfer(address,uint256)") with its arguments as text:
    /// addresses and bytesN in hex, integers in decimal, 0x hex or with a unit or exponent
    /// (`1.5ether`, `1e18`: `U256(amount:)`; range-checked for their width), bools as
    /// true/false/1/0, strings as UTF-8 and bytes as hex; arrays as
    /// `[v1,v2,...]` and tuples as `(v1,v2,...)`. A string may be quoted, `"..."` or `'...'`
    /// (inside arrays and tuples it must be to hold a comma, bracket or quote), with the escapes
    /// decoded strings print with; spaces around values are ignored.
    /// - Throws: `Failure` naming the malformed signature or argument.
    public static func encodeCall(signature: String, arguments: [String]) throws -> Bytes {
        var p = try ABISignatureParser(signature)
        let sig = try p.signature()
        guard sig.inputs.count == arguments.count else {
            throw Failure(message: "\(signature) takes \(sig.inputs.count) arguments, \(arguments.count) given")
        }
        return selector(canonical(sig)) + (try encode(sig.inputs.map(ABINode.init), arguments))
    }

    /// The ABI encoding of `arguments` (text, as `encodeCall` takes them) as values of
    /// `types`, without a selector: constructor arguments, or Solidity's `abi.encode(...)`
    /// (`encodeArguments(["address", "uint256[]"], ["0xaa...", "[1, 2]"])`).
    /// - Throws: `Failure` naming the malformed type or argument, or a count mismatch.
    public static func encodeArguments(_ types: [String], _ arguments: [String]) throws -> Bytes {
        guard types.count == arguments.count else {
            throw Failure(message: "\(types.count) types, \(arguments.count) arguments given")
        }
        return try encode(try types.map { ABINode(try ABIType.parse($0)) }, arguments)
    }

    private static func encode(_ nodes: [ABINode], _ arguments: [String]) throws -> Bytes {
        var values: [ABIValue] = []
        for (n, a) in zip(nodes, arguments) { values.append(try ABIValue.parse(n, Array(a.unicodeScalars)[...], nested: false)) }
        return try ABIValue.encodeTuple(nodes, values)
    }

    static func canonical(_ sig: ABISignature) -> String {
        sig.name + "(" + sig.inputs.map(\.description).joined(separator: ",") + ")"
    }

    /// The name and input types of "name(type,...)" (output types after it are ignored), the
    /// types in canonical form (`uint` is uint256, `int` is int256, tuples as `(T1,T2)`, no
    /// parameter names), and the canonical signature the selector is computed over.
    public static func callParts(_ signature: String) throws -> (name: String, types: [String], canonical: String) {
        var p = try ABISignatureParser(signature)
        let sig = try p.signature()
        return (sig.name, sig.inputs.map(\.description), canonical(sig))
    }

    /// A signature with optional output types after it, as Foundry's cast takes them:
    /// "balanceOf(address)(uint256)" is the call "balanceOf(address)" and the outputs
    /// ["uint256"]; nil outputs when none are given. Input and output types may be arrays and
    /// tuples ("f((uint256,bool)[])((address,uint256))"); Solidity's own spelling works too:
    /// `function balanceOf(address owner) external view returns (uint256)` (the keyword,
    /// parameter names, data locations and modifiers are left out).
    public static func splitSignature(_ signature: String) throws -> (call: String, outputs: [String]?) {
        var p = try ABISignatureParser(signature)
        let sig = try p.signature()
        return (canonical(sig), sig.outputs?.map(\.description))
    }

    /// Decodes ABI-encoded values of `types` (as the output of a call) into text: integers in
    /// decimal, addresses in EIP-55 checksummed hex, bytes in 0x hex, bools as true/false,
    /// arrays as `[a, b]`, tuples as `(a, b)`, strings quoted and escaped for a terminal
    /// (top-level strings as they are, with `quoteStrings` false, e.g. for JSON). Strict, as
    /// Solidity's decoder is: a value that does not fit its type, an offset or length outside
    /// the data, or data too short throws. Offsets may point at shared data, so the output is
    /// bounded: more than `maxDecodedValues` values or `maxDecodedText` bytes of text throws.
    public static func decode(_ types: [String], _ data: Bytes, quoteStrings: Bool = true) throws -> [String] {
        let nodes = try types.map { ABINode(try ABIType.parse($0)) }
        var d = ABIDecoder(data: data, quoteStrings: quoteStrings)
        return try d.sequence(count: nodes.count, at: 0, topLevel: true) { nodes[$0] }
    }

    /// Bounds on what `decode` produces from one output.
    public static let maxDecodedValues = 1 << 18
    public static let maxDecodedText = 16 << 20

    /// The 32-byte word at `at`, or nil past the end.
    static func word(_ data: Bytes, at: Int) -> ArraySlice<UInt8>? {
        at >= 0 && at <= data.count - 32 ? data[at..<at + 32] : nil
    }

    /// A word as an offset or length: below 2^31, else nil.
    static func smallInt(_ w: ArraySlice<UInt8>) -> Int? {
        let v = U256(bigEndian: Array(w))
        guard v.limbs.1 == 0, v.limbs.2 == 0, v.limbs.3 == 0, v.limbs.0 <= UInt64(Int32.max) else { return nil }
        return Int(v.limbs.0)
    }

    /// Text as a quoted string for a terminal: UTF-8 as it is, with quotes, backslashes, control
    /// characters (C0 and DEL as `\n`, `\t`, `\r`, `\0` or `\xNN`, C1 as `\u{NN}`) and the
    /// invisible characters that reorder text or break lines (bidi marks and controls, zero
    /// widths, U+2028/U+2029, U+FEFF) escaped, as `ABIValue` reads them back; a string that is
    /// not UTF-8 has its other bytes as `\xNN` too (`\xNN` above 0x7f appears only there, and
    /// reads back as that byte). Built as bytes: one formatted escape per byte made a review's
    /// 60 MB of control characters take 14 s.
    static func quoted(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = [0x22]
        out.reserveCapacity(bytes.count + 2)
        let hex = Array("0123456789abcdef".utf8)
        func escapeByte(_ b: UInt8) {
            switch b {
            case 0x22: out += [0x5c, 0x22]
            case 0x5c: out += [0x5c, 0x5c]
            case 0x0a: out += [0x5c, 0x6e]
            case 0x09: out += [0x5c, 0x74]
            case 0x0d: out += [0x5c, 0x72]
            case 0x00: out += [0x5c, 0x30]
            default: out += [0x5c, 0x78, hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        func needsEscape(_ b: UInt8) -> Bool { b < 0x20 || b == 0x7f || b == 0x22 || b == 0x5c }
        if let text = String(validating: bytes, as: UTF8.self) {
            for u in text.unicodeScalars {
                let v = u.value
                if v < 0x80 {
                    let b = UInt8(v)
                    if needsEscape(b) { escapeByte(b) } else { out.append(b) }
                } else if (0x80...0x9f).contains(v) || v == 0x061c || (0x200b...0x200f).contains(v)
                    || (0x202a...0x202e).contains(v) || (0x2060...0x2069).contains(v) || v == 0x2028 || v == 0x2029
                    || v == 0xfeff
                {
                    out += Array("\\u{\(String(v, radix: 16))}".utf8)
                } else {
                    UTF8.encode(u) { out.append($0) }
                }
            }
        } else {
            for b in bytes {
                if needsEscape(b) || b >= 0x80 { escapeByte(b) } else { out.append(b) }
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    /// Throws `Failure` naming the first type that is malformed or not supported.
    public static func checkTypes(_ types: [String]) throws {
        for t in types { _ = try ABIType.parse(t) }
    }

    /// One elementary static value from its word (see `decode`).
    static func decodeStatic(_ t: ABIType, _ w: ArraySlice<UInt8>) throws -> String {
        let w = Array(w)
        let v = U256(bigEndian: w)
        func bad() -> Failure { Failure(message: "output word 0x\(Hex.encode(w)) is not a valid \(t)") }
        switch t {
        case .address:
            guard w[0..<12].allSatisfy({ $0 == 0 }) else { throw bad() }
            return Address(Array(w[12...])).checksummed
        case .bool:
            guard v <= U256.one else { throw bad() }
            return v.isZero ? "false" : "true"
        case .uint(let bits), .int(let bits):
            let signed = if case .int = t { true } else { false }
            let negative = signed && w[0] & 0x80 != 0
            // The bytes above the type's width must be the sign (or zero) extension.
            let fill: UInt8 = negative ? 0xff : 0
            guard w[0..<(32 - bits / 8)].allSatisfy({ $0 == fill }) else { throw bad() }
            if signed && bits < 256 && (w[32 - bits / 8] & 0x80 != 0) != negative { throw bad() }
            return negative ? "-" + (U256.zero &- v).decimalString : v.decimalString
        case .fixedBytes(let n):
            guard w[n...].allSatisfy({ $0 == 0 }) else { throw bad() }
            return "0x" + Hex.encode(Array(w[..<n]))
        default:
            throw Failure(message: "\(t) is not an elementary static type")
        }
    }

    /// One static argument's 32-byte word (an elementary static type: uintN, intN, address,
    /// bool, bytesN).
    public static func encodeStatic(_ t: String, _ a: String) throws -> Bytes {
        try encodeStatic(try ABIType.parse(t), a)
    }

    static func encodeStatic(_ t: ABIType, _ a: String) throws -> Bytes {
        switch t {
        case .address:
            let (parsed, problem) = Address.parse(userText: a)
            guard let addr = parsed else { throw Failure(message: problem ?? "not an address: \(a)") }
            return Bytes(repeating: 0, count: 12) + addr.bytes
        case .bool:
            switch a.lowercased() {
            case "true", "1": return U256.one.bigEndianBytes
            case "false", "0": return U256.zero.bigEndianBytes
            default: throw Failure(message: "not a bool: \(a)")
            }
        case .uint(let bits), .int(let bits):
            let signed = if case .int = t { true } else { false }
            let negative = a.hasPrefix("-")
            guard !negative || signed else { throw Failure(message: "\(t) cannot be negative: \(a)") }
            let digits = negative ? String(a.dropFirst()) : a
            let v: U256
            switch U256.parseAmount(digits) {
            case .value(let parsed): v = parsed
            case .tooLarge: throw Failure(message: "\(a) does not fit \(t)")
            case .malformed:
                throw Failure(message: "not a whole number (decimal, 0x hex, or 1.5ether / 2gwei / 1e18): \(a)")
            }
            // uintN: v < 2^N; intN: -2^(N-1) <= value < 2^(N-1).
            let magnitudeBits = signed ? bits - 1 : bits
            let limit = magnitudeBits >= 256 ? nil : ABIEncoder.powerOfTwo(magnitudeBits)
            if let limit, negative ? v > limit : v >= limit {
                throw Failure(message: "\(a) does not fit \(t)")
            }
            return (negative ? U256.zero &- v : v).bigEndianBytes
        case .fixedBytes(let n):
            guard let b = Hex.decode(a), b.count == n else { throw Failure(message: "not \(n) hex bytes: \(a)") }
            return b + Bytes(repeating: 0, count: 32 - n)
        default:
            throw Failure(message: "\(t) is not an elementary static type")
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

extension ABIEncoder {
    /// A log decoded as the event `signature`, as Solidity declares it
    /// (`Transfer(address indexed from, address indexed to, uint256 value)`, also with the
    /// `event` keyword): its name and values, `Transfer(0x…0e0a, 0x…00aa, 1000)`. Indexed
    /// parameters come from the topics after the first, the others decode from the data.
    /// An indexed string, bytes, array or tuple is stored as the keccak256 of its encoding, so
    /// it prints as that hash (as cast prints it). Nil when the first topic is not the event's
    /// hash (anonymous events have none), the topic count does not match the indexed
    /// parameters, or a value does not decode.
    /// - Throws: `Failure` for a malformed signature.
    public static func decodeEvent(signature: String, topics: [Bytes32], data: Bytes) throws -> String? {
        var p = try ABISignatureParser(signature)
        let sig = try p.signature()
        guard sig.outputs == nil else { throw Failure(message: "an event has no output types: \(signature)") }
        let canonical = canonical(sig)
        guard let first = topics.first, first == Keccak.hash(Array(canonical.utf8)),
            topics.count == 1 + sig.indexed.filter({ $0 }).count
        else { return nil }
        let unindexed = zip(sig.inputs, sig.indexed).filter { !$0.1 }.map { $0.0.description }
        guard let decoded = try? decode(unindexed, data) else { return nil }
        var values: [String] = []
        var topic = 1, datum = 0
        for (t, indexed) in zip(sig.inputs, sig.indexed) {
            if !indexed {
                values.append(decoded[datum])
                datum += 1
                continue
            }
            let word = Array(topics[topic].bytes)
            topic += 1
            switch t {
            case .string, .bytes, .array, .tuple:
                values.append("0x" + Hex.encode(word))
            default:
                guard let v = try? decode([t.description], word).first else { return nil }
                values.append(v)
            }
        }
        return sig.name + "(" + values.joined(separator: ", ") + ")"
    }

    /// An event's first topic: the keccak256 of its canonical signature (`Transfer(address
    /// indexed from, address indexed to, uint256 value)` hashes `Transfer(address,address,uint256)`),
    /// as `cast sig-event` prints it.
    /// - Throws: `Failure` for a malformed signature or one with output types.
    public static func eventTopic(_ signature: String) throws -> Bytes32 {
        var p = try ABISignatureParser(signature)
        let sig = try p.signature()
        guard sig.outputs == nil else { throw Failure(message: "an event has no output types: \(signature)") }
        return Keccak.hash(Array(canonical(sig).utf8))
    }

    /// Why `log` is not decoded as `signature` although its first topic is that event's hash
    /// (the same first topic with other indexed parameters, ERC-20's and ERC-721's Transfer,
    /// or data that does not decode), for a note where nothing would print; nil when it decodes
    /// or the first topic differs.
    public static func eventMismatch(_ log: Log, signature: String) -> String? {
        guard let topic = try? eventTopic(signature), log.topics.first == topic,
            (try? decodeEvent(signature: signature, topics: log.topics, data: log.data)) ?? nil == nil
        else { return nil }
        return "the first topic is \(signature)'s, but \(log.topics.count) topics and \(log.data.count) data bytes do not decode as it"
    }

    /// `log` decoded as the first of `events` (event signatures) it matches (`decodeEvent`),
    /// or nil; malformed signatures match nothing.
    public static func decodeLog(_ log: Log, events: [String]) -> String? {
        for e in events {
            if let text = try? decodeEvent(signature: e, topics: log.topics, data: log.data) { return text }
        }
        return nil
    }

    /// The reason carried by revert data in Solidity's standard forms, as tools such as cast
    /// print it: `Error(string)` as the quoted string (non-printable bytes escaped), and
    /// `Panic(uint256)` as its code and meaning, a custom error among `errors` (signatures) as
    /// its name and decoded arguments. Nil for anything else, including malformed
    /// encodings (offsets or lengths outside the data).
    public static func revertReason(_ data: Bytes, errors: [String] = []) -> String? {
        guard data.count >= 4 else { return nil }
        // Custom errors the caller named ("InsufficientBalance(uint256,uint256)"), as cast
        // decode-error --sig takes them.
        for e in errors {
            guard let (name, types, canonical) = try? callParts(e), selector(canonical).elementsEqual(data[0..<4])
            else { continue }
            guard let values = try? decode(types, Array(data[4...])) else { return name + "(arguments that do not decode)" }
            return name + "(" + values.joined(separator: ", ") + ")"
        }
        let selector = data[0..<4]
        if selector.elementsEqual([0x08, 0xc3, 0x79, 0xa0]) {
            // The string decoded as call output is (offsets and length checked, quoted).
            guard let text = try? decode(["string"], Array(data[4...])).first else { return nil }
            return "Error(" + text + ")"
        }
        if selector.elementsEqual([0x4e, 0x48, 0x7b, 0x71]), data.count == 36, let w = word(data, at: 4) {
            let code = U256(bigEndian: Array(w))
            let meanings: [UInt64: String] = [
                0x00: "generic panic", 0x01: "assertion failed", 0x11: "arithmetic overflow or underflow",
                0x12: "division or modulo by zero", 0x21: "invalid enum value", 0x22: "invalid storage byte array",
                0x31: "pop on an empty array", 0x32: "array index out of bounds", 0x41: "too much memory allocated",
                0x51: "call to a zero-initialized function",
            ]
            // U256's description is the minimal 0x hex ("0x11", "0x0").
            if let c = smallInt(w), let m = meanings[UInt64(c)] { return "Panic(\(code): \(m))" }
            return "Panic(\(code))"
        }
        return nil
    }
}
