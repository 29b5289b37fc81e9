import EEKit
import Testing

@Suite struct HexTests {
    /// Hex.problem names what Hex.decode stopped at: a no-break space is not whitespace to it,
    /// and "\r\n" (one Character) is.
    @Test func hexProblemsFollowTheDecoder() {
        #expect(Hex.decode("6000\u{00A0}6000") == nil)
        #expect(Hex.problem("6000\u{00A0}6000") == "'\u{00A0}' after 4 hex digits")
        #expect(Hex.decode("60\r\n0") == nil)
        #expect(Hex.problem("60\r\n0") == "3 hex digits, an odd number")
        #expect(Hex.problem(" 0x60 0g") == "'g' after 3 hex digits")
    }
}
