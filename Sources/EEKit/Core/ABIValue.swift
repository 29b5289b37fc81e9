/// An argument value parsed from text for its `ABIType`, ready to encode: a static word, the
/// bytes of a `bytes` / `string`, or the items of an array or tuple.
enum ABIValue {
    case word(Bytes)
    case dynamic(Bytes)
    case list([ABIValue])

    typealias Failure = ABIEncoder.Failure

    /// Parses `text` as a value of `t`. A top-level (`nested` false) string is the text as it
    /// is; inside an array or tuple, values are trimmed of spaces and may be double-quoted
    /// (a string must be, to hold a comma or a bracket).
    static func parse(_ t: ABIType, _ text: Substring, nested: Bool) throws -> ABIValue {
        // A top-level string or bytes argument is taken as it is; everything else trimmed.
        let v: Substring
        switch t {
        case .string, .bytes: v = nested ? trimmed(text) : text
        default: v = trimmed(text)
        }
        if nested && v.isEmpty && t != .string {
            throw Failure(message: "an empty value where \(t) was expected")
        }
        switch t {
        case .array(let element, let k):
            let items = try split(v, open: "[", close: "]", what: "array \(t)")
            if let k, items.count != k {
                throw Failure(message: "\(t) takes \(k) values, \(items.count) given: \(v)")
            }
            return .list(try items.map { try parse(element, $0, nested: true) })
        case .tuple(let ts):
            let items = try split(v, open: "(", close: ")", what: "tuple \(t)")
            guard items.count == ts.count else {
                throw Failure(message: "\(t) takes \(ts.count) values, \(items.count) given: \(v)")
            }
            return .list(try zip(ts, items).map { try parse($0, $1, nested: true) })
        case .string:
            return .dynamic(nested ? Array(try unquoted(v).utf8) : Array(v.utf8))
        case .bytes:
            let s = nested ? try unquoted(v) : String(v)
            guard let b = Hex.decode(s) else { throw Failure(message: "bytes argument \(s) is not hex (\(Hex.problem(s)))") }
            return .dynamic(b)
        default:
            return .word(try ABIEncoder.encodeStatic(t, nested ? try unquoted(v) : String(v)))
        }
    }

    private static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s = s.dropLast() }
        return s
    }

    /// A double-quoted value without its quotes and with its escapes read: `\"`, `\\`, `\n`,
    /// `\t`, `\r`, `\xNN` and `\u{X}` (the escapes decoded strings print with); any other
    /// value as it is.
    private static func unquoted(_ s: Substring) throws -> String {
        guard s.first == "\"" else { return String(s) }
        var out = String.UnicodeScalarView()
        var it = s.unicodeScalars.dropFirst().makeIterator()
        func bad(_ why: String) -> Failure { Failure(message: "\(why) in the quoted string \(s)") }
        while let c = it.next() {
            switch c {
            case "\"":
                guard it.next() == nil else { throw bad("text after the closing quote") }
                return String(out)
            case "\\":
                guard let e = it.next() else { throw bad("unterminated escape") }
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "x":
                    guard let h = it.next(), let l = it.next(), let v = UInt32(String([Character(h), Character(l)]), radix: 16),
                        let u = Unicode.Scalar(v)
                    else { throw bad("\\x without two hex digits") }
                    out.append(u)
                case "u":
                    guard it.next() == "{" else { throw bad("\\u without {") }
                    var digits = ""
                    while let d = it.next(), d != "}" {
                        guard digits.count < 6 else { throw bad("\\u{} with more than 6 digits") }
                        digits.unicodeScalars.append(d)
                    }
                    guard let v = UInt32(digits, radix: 16), let u = Unicode.Scalar(v) else {
                        throw bad("\\u{\(digits)} that is not a Unicode scalar")
                    }
                    out.append(u)
                default: out.append(e)  // \" and \\, and any other character as itself
                }
            default:
                out.append(c)
            }
        }
        throw bad("no closing quote")
    }

    /// The items of `[a, b]` / `(a, b)`: split at the commas outside nested brackets,
    /// parentheses and quoted strings. An empty `[]` has no items.
    private static func split(_ s: Substring, open: Character, close: Character, what: String) throws -> [Substring] {
        guard s.first == open, s.last == close, s.count >= 2 else {
            throw Failure(message: "\(what) must be written \(open)v1,v2,...\(close): \(s)")
        }
        let inner = s.dropFirst().dropLast()
        if trimmed(inner).isEmpty { return [] }
        var items: [Substring] = []
        var depth = 0
        var inQuote = false, escaped = false
        var start = inner.startIndex
        var i = inner.startIndex
        while i < inner.endIndex {
            let c = inner[i]
            if inQuote {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inQuote = false }
            } else if c == "\"" {
                inQuote = true
            } else if c == "[" || c == "(" {
                depth += 1
            } else if c == "]" || c == ")" {
                depth -= 1
                guard depth >= 0 else { throw Failure(message: "unbalanced \(c) in \(what): \(s)") }
            } else if c == "," && depth == 0 {
                items.append(inner[start..<i])
                start = inner.index(after: i)
            }
            i = inner.index(after: i)
        }
        guard depth == 0, !inQuote else { throw Failure(message: "unbalanced brackets or quotes in \(what): \(s)") }
        items.append(inner[start...])
        return items
    }

    /// The encoding of `values` as a tuple of `types` (heads, then the dynamic values' tails).
    static func encodeTuple(_ types: [ABIType], _ values: [ABIValue]) throws -> Bytes {
        let headSize = types.reduce(0) { $0 + $1.headSize }
        var head = Bytes(), tail = Bytes()
        head.reserveCapacity(headSize)
        for (t, v) in zip(types, values) {
            if t.isDynamic {
                head += U256(UInt64(headSize + tail.count)).bigEndianBytes
                tail += try encode(t, v)
            } else {
                head += try encode(t, v)
            }
        }
        return head + tail
    }

    static func encode(_ t: ABIType, _ v: ABIValue) throws -> Bytes {
        switch (t, v) {
        case (.bytes, .dynamic(let b)), (.string, .dynamic(let b)):
            return U256(UInt64(b.count)).bigEndianBytes + b + Bytes(repeating: 0, count: (32 - b.count % 32) % 32)
        case (.array(let e, nil), .list(let items)):
            return U256(UInt64(items.count)).bigEndianBytes + (try encodeTuple(Array(repeating: e, count: items.count), items))
        case (.array(let e, _), .list(let items)):
            return try encodeTuple(Array(repeating: e, count: items.count), items)
        case (.tuple(let ts), .list(let items)):
            return try encodeTuple(ts, items)
        case (_, .word(let w)):
            return w
        default:
            throw Failure(message: "internal: a value that does not match \(t)")
        }
    }
}

/// Strict, bounded decoding of ABI-encoded data into text (see `ABIEncoder.decode`).
struct ABIDecoder {
    typealias Failure = ABIEncoder.Failure
    let data: Bytes
    let quoteStrings: Bool
    private var values = 0
    private var textBytes = 0

    init(data: Bytes, quoteStrings: Bool) {
        self.data = data
        self.quoteStrings = quoteStrings
    }

    private func word(at p: Int) -> ArraySlice<UInt8>? { ABIEncoder.word(data, at: p) }

    /// Counts one decoded value and its text against the bounds.
    private mutating func counted(_ s: String) throws -> String {
        values += 1
        textBytes += s.utf8.count
        guard values <= ABIEncoder.maxDecodedValues, textBytes <= ABIEncoder.maxDecodedText else {
            throw Failure(message: "output decodes to more than \(ABIEncoder.maxDecodedValues) values or \(ABIEncoder.maxDecodedText >> 20) MiB of text")
        }
        return s
    }

    /// `count` values encoded as a tuple starting at `start` (the base of their offsets), the
    /// i-th of type `type(i)`.
    mutating func sequence(count: Int, at start: Int, topLevel: Bool, type: (Int) -> ABIType) throws -> [String] {
        var out: [String] = []
        var head = start
        for i in 0..<count {
            let t = type(i)
            if t.isDynamic {
                guard let w = word(at: head) else { throw Failure(message: "output too short for the offset of \(t)") }
                guard let off = ABIEncoder.smallInt(w) else { throw Failure(message: "output \(t) has an offset out of range") }
                out.append(try value(t, at: start + off, topLevel: topLevel))
            } else {
                out.append(try value(t, at: head, topLevel: topLevel))
            }
            head += t.headSize
        }
        return out
    }

    /// The value of `t` whose encoding starts at `p`.
    mutating func value(_ t: ABIType, at p: Int, topLevel: Bool) throws -> String {
        switch t {
        case .bytes, .string:
            guard let lw = word(at: p), let len = ABIEncoder.smallInt(lw) else {
                throw Failure(message: "output \(t) has an offset or length out of range")
            }
            let start = p + 32
            guard start + len <= data.count else { throw Failure(message: "output \(t) runs past the end") }
            let body = data[start..<start + len]
            if case .bytes = t { return try counted("0x" + Hex.encode(Array(body))) }
            guard String(validating: body, as: UTF8.self) != nil else {
                throw Failure(message: "output string is not UTF-8")
            }
            // Escaped: a contract must not be able to print lines of its own, or terminal
            // escapes, through eekit's output. Strings inside arrays and tuples are always
            // quoted, so that the text shows where each ends.
            return try counted(
                topLevel && !quoteStrings ? String(decoding: body, as: UTF8.self) : ABIEncoder.quoted(body))
        case .array(let e, nil):
            guard let lw = word(at: p), let n = ABIEncoder.smallInt(lw) else {
                throw Failure(message: "output \(t) has an offset or length out of range")
            }
            // Every element takes at least its head after the length word.
            guard n <= max(0, data.count - p - 32) / e.headSize else {
                throw Failure(message: "output \(t) of \(n) elements runs past the end")
            }
            let items = try sequence(count: n, at: p + 32, topLevel: false) { _ in e }
            return try counted("[" + items.joined(separator: ", ") + "]")
        case .array(let e, let k?):
            let items = try sequence(count: k, at: p, topLevel: false) { _ in e }
            return try counted("[" + items.joined(separator: ", ") + "]")
        case .tuple(let ts):
            let items = try sequence(count: ts.count, at: p, topLevel: false) { ts[$0] }
            return try counted("(" + items.joined(separator: ", ") + ")")
        default:
            guard let w = word(at: p) else { throw Failure(message: "output too short for \(t)") }
            return try counted(try ABIEncoder.decodeStatic(t, w))
        }
    }
}
