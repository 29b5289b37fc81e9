/// An argument value parsed from text for its type, ready to encode: a static word, the bytes
/// of a `bytes` / `string`, or the items of an array or tuple.
///
/// Argument text is read as Unicode scalars, never as `Character`s: a grapheme cluster can
/// merge a quote with the combining mark after it (a review's `"\u{301}a,b"` split at its comma).
enum ABIValue {
    case word(Bytes)
    case dynamic(Bytes)
    case list([ABIValue])

    typealias Failure = ABIEncoder.Failure
    typealias Text = ArraySlice<Unicode.Scalar>

    /// Parses `text` as a value of `t`. Values are trimmed of whitespace, and a value may be
    /// quoted (`"..."` or `'...'`, with escapes); inside an array or tuple a string must be
    /// quoted to hold a comma, a bracket or a quote. A top-level string that is not quoted is
    /// the text as it is, surrounding spaces included.
    static func parse(_ t: ABINode, _ text: Text, nested: Bool) throws -> ABIValue {
        let v = trimmed(text)
        switch t.type {
        case .array(_, let k):
            let items = try split(v, open: "[", close: "]", what: "array \(t.type)")
            if let k, items.count != k {
                throw Failure(message: "\(t.type) takes \(k) values, \(items.count) given: \(string(v))")
            }
            return .list(try items.map { try parse(t.parts[0], $0, nested: true) })
        case .tuple:
            let items = try split(v, open: "(", close: ")", what: "tuple \(t.type)")
            guard items.count == t.parts.count else {
                throw Failure(message: "\(t.type) takes \(t.parts.count) values, \(items.count) given: \(string(v))")
            }
            return .list(try zip(t.parts, items).map { try parse($0, $1, nested: true) })
        case .string:
            if isQuoted(v) { return .dynamic(try unquoted(v)) }
            if nested && v.isEmpty {
                throw Failure(message: "an empty value where a string was expected (write \"\" for an empty string)")
            }
            return .dynamic(Array(string(nested ? v : text).utf8))
        default:
            if nested && v.isEmpty { throw Failure(message: "an empty value where \(t.type) was expected") }
            let s = isQuoted(v) ? String(decoding: try unquoted(v), as: UTF8.self) : string(v)
            if case .bytes = t.type {
                guard let b = Hex.decode(s) else { throw Failure(message: "bytes argument \(s) is not hex (\(Hex.problem(s)))") }
                return .dynamic(b)
            }
            return .word(try ABIEncoder.encodeStatic(t.type, s))
        }
    }

    private static func string(_ t: Text) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: t)
        return String(s)
    }

    private static func isSpace(_ u: Unicode.Scalar) -> Bool { u == " " || u == "\t" || u == "\n" || u == "\r" }

    private static func trimmed(_ t: Text) -> Text {
        var t = t
        while let f = t.first, isSpace(f) { t = t.dropFirst() }
        while let l = t.last, isSpace(l) { t = t.dropLast() }
        return t
    }

    private static func isQuoted(_ t: Text) -> Bool {
        guard let f = t.first else { return false }
        return f == "\"" || f == "'"
    }

    /// A quoted value (`"..."` or `'...'`) as UTF-8 bytes, without its quotes and with its
    /// escapes read: `\"`, `\'`, `\\`, `\n`, `\t`, `\r`, `\0`, `\u{X}` (1-6 hex digits: a
    /// scalar) and `\xNN` (two hex digits: the byte NN, so that a string that is not UTF-8,
    /// printed with `\x80`-`\xff` for its other bytes, reads back as the same bytes): the
    /// escapes decoded strings print with. Any other escape, or text after the closing quote,
    /// is an error.
    private static func unquoted(_ t: Text) throws -> Bytes {
        guard let q = t.first else { return [] }
        var out = Bytes()
        var it = t.dropFirst().makeIterator()
        func bad(_ why: String) -> Failure { Failure(message: "\(why) in the quoted string \(string(t))") }
        func hexDigits(_ digits: [Unicode.Scalar]) -> UInt32? {
            var v: UInt32 = 0
            for d in digits {
                guard d.isASCII, let x = Character(d).hexDigitValue else { return nil }
                v = v << 4 | UInt32(x)
            }
            return digits.isEmpty ? nil : v
        }
        func append(_ u: Unicode.Scalar) { UTF8.encode(u) { out.append($0) } }
        while let c = it.next() {
            if c == q {
                guard it.next() == nil else { throw bad("text after the closing quote") }
                return out
            }
            guard c == "\\" else {
                append(c)
                continue
            }
            guard let e = it.next() else { throw bad("unterminated escape") }
            switch e {
            case "\"", "'", "\\": append(e)
            case "n": out.append(0x0a)
            case "t": out.append(0x09)
            case "r": out.append(0x0d)
            case "0": out.append(0)
            case "x":
                guard let h = it.next(), let l = it.next(), let v = hexDigits([h, l]) else {
                    throw bad("\\x without two hex digits")
                }
                out.append(UInt8(v))
            case "u":
                guard it.next() == "{" else { throw bad("\\u without {") }
                var digits: [Unicode.Scalar] = []
                while let d = it.next(), d != "}" {
                    guard digits.count < 6 else { throw bad("\\u{} with more than 6 digits") }
                    digits.append(d)
                }
                guard let v = hexDigits(digits), let u = Unicode.Scalar(v) else {
                    throw bad("\\u{\(string(digits[...]))} that is not a Unicode scalar")
                }
                append(u)
            default:
                throw bad("unknown escape \\\(e) (write \\\\ for a backslash)")
            }
        }
        throw bad("no closing quote")
    }

    /// The items of `[a, b]` / `(a, b)`: split at the commas outside nested brackets,
    /// parentheses and quoted strings. An empty `[]` has no items.
    /// A trailing comma is allowed (`[1, 2,]`), as cast takes it. `what` names the value in
    /// an error, built only then: a type's text for every empty array of a wide type cost
    /// (signature size) per value (a review's 195 KB of input took 33 s).
    private static func split(
        _ s: Text, open: Unicode.Scalar, close: Unicode.Scalar, what: @autoclosure () -> String
    ) throws -> [Text] {
        guard s.count >= 2, s.first == open, s.last == close else {
            throw Failure(message: "\(what()) must be written \(open)v1,v2,...\(close): \(string(s))")
        }
        let inner = s.dropFirst().dropLast()
        if trimmed(inner).isEmpty { return [] }
        var items: [Text] = []
        var depth = 0
        var quote: Unicode.Scalar? = nil
        var escaped = false
        var start = inner.startIndex
        for i in inner.indices {
            let c = inner[i]
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "[" || c == "(" {
                depth += 1
            } else if c == "]" || c == ")" {
                depth -= 1
                guard depth >= 0 else { throw Failure(message: "unbalanced \(c) in \(what()): \(string(s))") }
            } else if c == "," && depth == 0 {
                items.append(inner[start..<i])
                start = i + 1
            }
        }
        guard depth == 0, quote == nil else { throw Failure(message: "unbalanced brackets or quotes in \(what()): \(string(s))") }
        let last = inner[start...]
        if !(trimmed(last).isEmpty && !items.isEmpty) { items.append(last) }  // a trailing comma
        return items
    }

    /// The encoding of `values` as a tuple of `types` (heads, then the dynamic values' tails).
    static func encodeTuple(_ types: [ABINode], _ values: [ABIValue]) throws -> Bytes {
        try encodeSequence(count: values.count, values: values) { types[$0] }
    }

    private static func encodeSequence(count: Int, values: [ABIValue], type: (Int) -> ABINode) throws -> Bytes {
        var headSize = 0
        for i in 0..<count { headSize += type(i).headSize }
        var head = Bytes(), tail = Bytes()
        head.reserveCapacity(headSize)
        for (i, v) in values.enumerated() {
            let t = type(i)
            if t.isDynamic {
                head += U256(UInt64(headSize + tail.count)).bigEndianBytes
                tail += try encode(t, v)
            } else {
                head += try encode(t, v)
            }
        }
        return head + tail
    }

    static func encode(_ t: ABINode, _ v: ABIValue) throws -> Bytes {
        switch (t.type, v) {
        case (.bytes, .dynamic(let b)), (.string, .dynamic(let b)):
            return U256(UInt64(b.count)).bigEndianBytes + b + Bytes(repeating: 0, count: (32 - b.count % 32) % 32)
        case (.array(_, nil), .list(let items)):
            let e = t.parts[0]
            return U256(UInt64(items.count)).bigEndianBytes + (try encodeSequence(count: items.count, values: items) { _ in e })
        case (.array, .list(let items)):
            let e = t.parts[0]
            return try encodeSequence(count: items.count, values: items) { _ in e }
        case (.tuple, .list(let items)):
            return try encodeTuple(t.parts, items)
        case (_, .word(let w)):
            return w
        default:
            throw Failure(message: "internal: a value that does not match \(t.type)")
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

    /// Counts one decoded value, and `bytes` of text it adds (an elementary value's text, or
    /// an array's or tuple's brackets and separators: the text of its items is counted once,
    /// whatever the depth), against the bounds.
    private mutating func count(_ bytes: Int) throws {
        values += 1
        textBytes += bytes
        guard values <= ABIEncoder.maxDecodedValues, textBytes <= ABIEncoder.maxDecodedText else {
            throw Failure(message: "output decodes to more than \(ABIEncoder.maxDecodedValues) values or \(ABIEncoder.maxDecodedText >> 20) MiB of text")
        }
    }

    /// `count` values encoded as a tuple starting at `start` (the base of their offsets), the
    /// i-th of type `type(i)`.
    mutating func sequence(count n: Int, at start: Int, topLevel: Bool, type: (Int) -> ABINode) throws -> [String] {
        var out: [String] = []
        var head = start
        for i in 0..<n {
            let t = type(i)
            if t.isDynamic {
                guard let w = word(at: head) else { throw Failure(message: "output too short for the offset of \(t.type)") }
                guard let off = ABIEncoder.smallInt(w) else { throw Failure(message: "output \(t.type) has an offset out of range") }
                out.append(try value(t, at: start + off, topLevel: topLevel))
            } else {
                out.append(try value(t, at: head, topLevel: topLevel))
            }
            head += t.headSize
        }
        return out
    }

    private mutating func joined(_ items: [String], _ open: String, _ close: String) throws -> String {
        try count(2 + 2 * max(0, items.count - 1))
        return open + items.joined(separator: ", ") + close
    }

    /// The value of `t` whose encoding starts at `p`.
    mutating func value(_ t: ABINode, at p: Int, topLevel: Bool) throws -> String {
        switch t.type {
        case .bytes, .string:
            guard let lw = word(at: p), let len = ABIEncoder.smallInt(lw) else {
                throw Failure(message: "output \(t.type) has an offset or length out of range")
            }
            let start = p + 32
            guard start + len <= data.count else { throw Failure(message: "output \(t.type) runs past the end") }
            let body = data[start..<start + len]
            let text: String
            if case .bytes = t.type {
                text = "0x" + Hex.encode(Array(body))
            } else if topLevel && !quoteStrings {
                // As it is (JSON output escapes it); bytes that are not UTF-8 become U+FFFD,
                // as cast decodes them.
                text = String(decoding: body, as: UTF8.self)
            } else {
                // Escaped: a contract must not be able to print lines of its own, or terminal
                // escapes, through eekit's output. Strings inside arrays and tuples are always
                // quoted, so that the text shows where each ends.
                text = ABIEncoder.quoted(body)
            }
            try count(text.utf8.count)
            return text
        case .array(_, let k):
            let e = t.parts[0]
            var n = k ?? 0
            var first = p
            if k == nil {
                guard let lw = word(at: p), let len = ABIEncoder.smallInt(lw) else {
                    throw Failure(message: "output \(t.type) has an offset or length out of range")
                }
                // Every element takes at least its head after the length word.
                guard len <= max(0, data.count - p - 32) / e.headSize else {
                    throw Failure(message: "output \(t.type) of \(len) elements runs past the end")
                }
                n = len
                first = p + 32
            }
            return try joined(try sequence(count: n, at: first, topLevel: false) { _ in e }, "[", "]")
        case .tuple:
            return try joined(try sequence(count: t.parts.count, at: p, topLevel: false) { t.parts[$0] }, "(", ")")
        default:
            guard let w = word(at: p) else { throw Failure(message: "output too short for \(t.type)") }
            let text = try ABIEncoder.decodeStatic(t.type, w)
            try count(text.utf8.count)
            return text
        }
    }
}
