/// Hex encoding helpers shared by the CLI, the tests and the state-test runner.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// U+FEFF in UTF-8: `decode` skips it at the start of the text.
    public static let byteOrderMark: [UInt8] = [0xef, 0xbb, 0xbf]

    /// Whether `bytes` read as text: printable ASCII and whitespace, in UTF-8 (a byte-order mark
    /// allowed), where the only other characters are spaces and invisible format characters
    /// (a no-break space, U+2028, a zero-width space: what an editor or a copy from a web page
    /// leaves in a hex file). Binary EVM bytecode has STOP, PUSH1 0, DUPn or SWAPn bytes
    /// (controls) or bytes that are not UTF-8, or that decode to letters and symbols (F0-F4,
    /// CREATE ... DELEGATECALL, followed by DUP / SWAP / LOG bytes is valid UTF-8).
    /// Other UTF-8 text without controls is text too when it starts (after spaces) with a hex
    /// digit: "6001600055é" is hex with a stray letter, refused as such, not binary code (a
    /// review: it was deployed as bytecode, status success).
    public static func isText<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        var body = bytes[...]
        if body.starts(with: byteOrderMark) { body = body.dropFirst(3) }
        if body.allSatisfy(isPrintableOrSpace) { return true }
        guard let text = String(validating: body, as: UTF8.self) else { return false }
        func blank(_ u: Unicode.Scalar) -> Bool {
            if u.isASCII { return isSpace(UInt8(u.value)) }
            switch u.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator, .format: return true
            default: return false
            }
        }
        let startsWithDigit = text.unicodeScalars.first { !blank($0) }.map { $0.isASCII && Character($0).isHexDigit } ?? false
        return text.unicodeScalars.allSatisfy { u in
            if u.isASCII { return isPrintableOrSpace(UInt8(u.value)) }
            if blank(u) { return true }
            return startsWithDigit && u.properties.generalCategory != .control
        }
    }

    /// Printable ASCII, or tab, newline, vertical tab, form feed, return.
    private static func isPrintableOrSpace(_ b: UInt8) -> Bool { (0x20...0x7e).contains(b) || isSpace(b) }

    /// A UTF-16 file with its byte-order mark (Windows PowerShell writes `echo 0x6000 > f`
    /// so) as UTF-8, when it holds only printable ASCII and whitespace; nil otherwise.
    public static func utf8(fromUTF16WithBOM bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 2, bytes.count % 2 == 0 else { return nil }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0xff, 0xfe): little = true
        case (0xfe, 0xff): little = false
        default: return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2)
        var i = 2
        while i < bytes.count {
            let (lo, hi) = little ? (bytes[i], bytes[i + 1]) : (bytes[i + 1], bytes[i])
            guard hi == 0, isPrintableOrSpace(lo) else { return nil }
            out.append(lo)
            i += 2
        }
        return out
    }

    public static func encode<C: Sequence>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Why `text` does not decode as hex (`decode` returned nil): the first character that is
    /// neither a hex digit nor whitespace (after an optional 0x), or an odd number of digits.
    public static func problem<S: StringProtocol>(_ text: S) -> String { problem(hexText: Array(text.utf8)) }

    /// As `problem(_:)`, for text as bytes (a file's contents). It walks the bytes as `decode`
    /// does (a review: walking Characters named a digit together with a combining mark after
    /// it, and left that digit uncounted). A character that shows as itself is quoted; any
    /// other (a no-break space looks like a space, which is allowed) is named by its code
    /// point, and a byte that is not UTF-8 as a byte.
    public static func problem<C: Collection<UInt8>>(hexText text: C) -> String {
        func count(_ n: Int) -> String { n == 1 ? "1 hex digit" : "\(n) hex digits" }
        func codePoint(_ v: UInt32) -> String {
            let h = String(v, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - h.count)) + h
        }
        let body = hexBody(Array(text))
        var digits = 0
        for i in body.indices {
            let b = body[i]
            if isSpace(b) { continue }
            switch b {
            case 0x30...0x39, 0x61...0x66, 0x41...0x46:
                digits += 1
                continue
            default: break
            }
            let shown: String
            if (0x21...0x7e).contains(b), b != UInt8(ascii: "'") {
                shown = "'\(Character(Unicode.Scalar(b)))'"
            } else if b < 0x80 {
                shown = codePoint(UInt32(b))
            } else {
                let length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0
                let bytes = body[i...].prefix(length)
                if length > 0, bytes.count == length, let c = String(validating: bytes, as: UTF8.self)?.unicodeScalars.first {
                    shown = codePoint(c.value)
                } else {
                    shown = "byte 0x" + String(b, radix: 16) + " (not UTF-8)"
                }
            }
            return "\(shown) after \(count(digits))"
        }
        return "\(count(digits)), an odd number"
    }

    /// ASCII space, tab, newline, vertical tab, form feed and return: the whitespace hex text
    /// may hold (a no-break space is a stray character).
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0d).contains(b) }

    /// What `decode` and `problem` read as digits: the text after a UTF-8 byte-order mark (as
    /// some editors start a text file), leading whitespace and a `0x` / `0X` prefix.
    private static func hexBody<C: Collection<UInt8>>(_ text: C) -> C.SubSequence {
        var body = text[...]
        if body.starts(with: byteOrderMark) { body = body.dropFirst(3) }
        body = body.drop(while: isSpace)
        if body.count >= 2, body.first == UInt8(ascii: "0"), body.dropFirst().first.map({ $0 | 0x20 }) == UInt8(ascii: "x") {
            body = body.dropFirst(2)
        }
        return body
    }

    /// Decodes hex with an optional `0x` prefix and surrounding whitespace (including
    /// newlines inside the string). Returns nil for an odd length or a non-hex digit.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        decode(hexText: Substring(text).utf8)
    }

    /// As `decode(_:)`, for text as bytes (a file's contents) without making a String of it.
    public static func decode<C: Collection<UInt8>>(hexText text: C) -> [UInt8]? {
        var nibbles = [UInt8]()
        nibbles.reserveCapacity(text.count)
        for c in hexBody(text) {
            switch c {
            case 0x30...0x39: nibbles.append(c - 0x30)
            case 0x61...0x66: nibbles.append(c - 0x61 + 10)
            case 0x41...0x46: nibbles.append(c - 0x41 + 10)
            case 0x20, 0x09...0x0d: continue  // space, tab, newline, vertical tab, form feed, return
            default: return nil
            }
        }
        guard nibbles.count % 2 == 0 else { return nil }
        var out = [UInt8](repeating: 0, count: nibbles.count / 2)
        for i in 0..<out.count { out[i] = nibbles[2 * i] << 4 | nibbles[2 * i + 1] }
        return out
    }
}
