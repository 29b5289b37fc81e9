import EEKit
import Testing

@Suite struct HexTests {
    /// Hex.problem names what Hex.decode stopped at: a no-break space is not whitespace to it,
    /// and "\r\n" (one Character) is.
    @Test func hexProblemsFollowTheDecoder() {
        #expect(Hex.decode("6000\u{00A0}6000") == nil)
        #expect(Hex.problem("6000\u{00A0}6000") == "U+00A0 after 4 hex digits")
        #expect(Hex.problem("60\u{3000}00") == "U+3000 after 2 hex digits")
        #expect(Hex.problem("60\u{1F600}") == "U+1F600 after 2 hex digits")
        // Bytes as the decoder walks them: a combining mark is its own character, after the
        // digit it follows; a quote and a byte that is not UTF-8 are named, and one digit is one.
        #expect(Hex.problem("60\u{0301}00") == "U+0301 after 2 hex digits")
        #expect(Hex.problem("0x\u{0301}60") == "U+0301 after 0 hex digits")
        #expect(Hex.problem("6'") == "U+0027 after 1 hex digit")
        #expect(Hex.problem(hexText: [0x36, 0x30, 0xff, 0x30]) == "byte 0xff (not UTF-8) after 2 hex digits")
        #expect(Hex.problem(hexText: [0x36, 0xe2, 0x80]) == "byte 0xe2 (not UTF-8) after 1 hex digit")
        #expect(Hex.problem("6") == "1 hex digit, an odd number")
        #expect(Hex.decode("60\r\n0") == nil)
        #expect(Hex.problem("60\r\n0") == "3 hex digits, an odd number")
        #expect(Hex.problem(" 0x60 0g") == "'g' after 3 hex digits")
    }

    /// A byte-order mark at the start of hex text is skipped (a review's hex file with one was
    /// deployed as binary code, invalid opcode 0xef); text is UTF-8 without controls, so a
    /// stray no-break space makes a hex file text that does not decode, not binary bytecode.
    @Test func textAndByteOrderMarks() {
        #expect(Hex.decode(hexText: Hex.byteOrderMark + Array("0x6000\n".utf8)) == [0x60, 0x00])
        #expect(Hex.decode("\u{FEFF}6000") == [0x60, 0x00])
        #expect(Hex.decode("60\u{FEFF}00") == nil)
        #expect(Hex.problem("\u{FEFF}600") == "3 hex digits, an odd number")
        #expect(Hex.isText(Array("60006000fd \u{00A0}\n".utf8)))
        #expect(Hex.isText(Hex.byteOrderMark + Array("60006000fd\n".utf8)))
        #expect(!Hex.isText([0x60, 0x00, 0x60, 0x00, 0xfd]))         // PUSH1 0: a control byte
        #expect(!Hex.isText([0x60, 0x20, 0x60, 0x40, 0xf3]))         // not UTF-8
        #expect(!Hex.isText(Array("6000\u{0085}".utf8)))             // a C1 control
        #expect(!Hex.isText([0x5f, 0x5f, 0xf3, 0x80, 0x80, 0x80]))   // RETURN DUP1 DUP1 DUP1: UTF-8, not text
        #expect(Hex.isText(Array("60é0".utf8)))                     // hex with a stray letter
        #expect(Hex.isText(Array(" 6001600055e\u{0301}".utf8)))      // ... a combining mark
        #expect(!Hex.isText(Array("é60".utf8)))                     // not starting with a digit
        #expect(!Hex.isText(Array("\u{1F642}".utf8)))               // PUSH... bytes that are an emoji
        #expect(!Hex.isText(Array("60\u{0085}0".utf8)))             // a C1 control
        #expect(Hex.isText(Array("6000\u{200B}\u{2028}00".utf8)))  // zero-width space, line separator
        #expect(Hex.utf8(fromUTF16WithBOM: [0xff, 0xfe, 0x36, 0, 0x30, 0]) == Array("60".utf8))
        #expect(Hex.utf8(fromUTF16WithBOM: [0xfe, 0xff, 0, 0x36, 0, 0x30]) == Array("60".utf8))
        #expect(Hex.utf8(fromUTF16WithBOM: [0xff, 0xfe, 0x36, 0x01]) == nil)
        #expect(Hex.utf8(fromUTF16WithBOM: [0x60, 0x00]) == nil)
    }

    /// The prefix and whitespace rules of `decode`: a bare "0x" is no bytes, "0X" is a prefix
    /// too, upper-case digits are the same nibbles, the first digit of a pair is the high
    /// nibble, and an odd count is refused (not cut). Vertical tab and form feed are
    /// whitespace before the prefix as well as between digits. (Mutation round: each line
    /// caught a change the suite let through.)
    @Test func decodePrefixesCaseAndWhitespace() {
        #expect(Hex.decode("0x") == [])
        #expect(Hex.decode(" \n0x \n") == [])
        #expect(Hex.decode("0X60aB") == [0x60, 0xab])
        #expect(Hex.decode("ABCDEF") == [0xab, 0xcd, 0xef])
        #expect(Hex.decode("0x12") == [0x12])
        #expect(Hex.decode("0x123") == nil)
        #expect(Hex.decode("\u{0B}\u{0C}0x60\u{0B}00") == [0x60, 0x00])
        #expect(Hex.problem("60\u{0C}0") == "3 hex digits, an odd number")
        #expect(Hex.isText(Array("6000\u{0B}\u{0C}".utf8)))
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
    }

    /// Invisible format characters (a zero-width space, a byte-order mark) count as blank
    /// wherever they are, even before the first digit; a UTF-16 file must have zero high
    /// bytes (U+0136 is not "6").
    @Test func formatCharactersAndUTF16HighBytes() {
        #expect(Hex.isText(Array("\u{200B}6000".utf8)))
        #expect(Hex.isText(Array("\u{200B}60\u{00E9}0".utf8)))
        #expect(Hex.utf8(fromUTF16WithBOM: [0xff, 0xfe, 0x36, 0x01, 0x30, 0x00]) == nil)
        #expect(Hex.utf8(fromUTF16WithBOM: [0xfe, 0xff, 0x01, 0x36, 0x00, 0x30]) == nil)
        #expect(Hex.utf8(fromUTF16WithBOM: [0xff, 0xfe]) == [])
    }
}
