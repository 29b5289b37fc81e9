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
    public static func isText<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        var body = bytes[...]
        if body.starts(with: byteOrderMark) { body = body.dropFirst(3) }
        if body.allSatisfy(isPrintableOrSpace) { return true }
        guard let text = String(validating: body, as: UTF8.self) else { return false }
        return text.unicodeScalars.allSatisfy { u in
            if u.isASCII { return isPrintableOrSpace(UInt8(u.value)) }
            switch u.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator, .format: return true
            default: return false
            }
        }
    }

    /// Printable ASCII, or tab, newline, vertical tab, form feed, return.
    private static func isPrintableOrSpace(_ b: UInt8) -> Bool { (0x20...0x7e).contains(b) || (0x09...0x0d).contains(b) }

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
    public static func problem<S: StringProtocol>(_ text: S) -> String {
        // The whitespace `decode` skips: ASCII space, tab, newline, vertical tab, form feed and
        // return (a no-break space is a stray character to it).
        // ("\r\n" is one Character.)
        func skipped(_ c: Character) -> Bool { c.unicodeScalars.allSatisfy { $0 == " " || (0x09...0x0d).contains($0.value) } }
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        body = body.drop { skipped($0) }
        if body.hasPrefix("0x") || body.hasPrefix("0X") { body = body.dropFirst(2) }
        var digits = 0
        for c in body where !skipped(c) {
            guard c.isASCII && c.isHexDigit else {
                // A character that does not show as itself (a no-break space looks like a
                // space, which is allowed) by its code points.
                let plain = c.unicodeScalars.allSatisfy { (0x21...0x7e).contains($0.value) }
                let shown = plain ? "'\(c)'" : c.unicodeScalars.map { v -> String in
                    let h = String(v.value, radix: 16, uppercase: true)
                    return "U+" + String(repeating: "0", count: max(0, 4 - h.count)) + h
                }.joined(separator: " ")
                return "\(shown) after \(digits) hex digits"
            }
            digits += 1
        }
        return "\(digits) hex digits, an odd number"
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
        var utf8 = text[...]
        // A UTF-8 byte-order mark, as some editors start a text file.
        if utf8.starts(with: byteOrderMark) { utf8 = utf8.dropFirst(3) }
        while let f = utf8.first, f == 0x20 || (0x09...0x0d).contains(f) { utf8 = utf8.dropFirst() }
        if utf8.count >= 2, utf8.first == UInt8(ascii: "0"),
            utf8.dropFirst().first == UInt8(ascii: "x") || utf8.dropFirst().first == UInt8(ascii: "X")
        {
            utf8 = utf8.dropFirst(2)
        }
        for c in utf8 {
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
