import EEKit
import Testing

/// A static-size array of a dynamic type (`T[k]` with T a string, bytes, `T[]` or a dynamic
/// tuple) is itself dynamic in the Solidity ABI: it sits behind an offset in its enclosing
/// tuple, and its k elements are encoded as a tuple of their own (k offsets, then the
/// elements). Mutation testing found that an `ABINode` treating such arrays as static (inline,
/// no offset) passed every test: the existing round trips only compared our encoder with our
/// decoder. The expected words come from eth-abi 6.0.0 (`eth_abi.encode`).
@Suite struct ABIStaticArrayTests {
    /// Each word as hex: a short one is a number (left-padded), a 64-digit one is taken as is.
    static func words(_ ws: [String]) -> Bytes {
        Hex.decode(ws.map { String(repeating: "0", count: 64 - $0.count) + $0 }.joined())!
    }

    static let cases: [(types: [String], arguments: [String], printed: [String], encoding: Bytes)] = [
        (["(uint8,string)[2]", "bool"], ["[(1, a), (2, bc)]", "true"], ["[(1, \"a\"), (2, \"bc\")]", "true"],
         words(["40", "1", "40", "c0", "1", "40", "1", "61" + String(repeating: "0", count: 62), "2", "40", "2",
                "6263" + String(repeating: "0", count: 60)])),
        (["string[2]", "uint8"], ["[x, yz]", "7"], ["[\"x\", \"yz\"]", "7"],
         words(["40", "7", "40", "80", "1", "78" + String(repeating: "0", count: 62), "2",
                "797a" + String(repeating: "0", count: 60)])),
        (["uint256[][2]"], ["[[1], [2, 3]]"], ["[[1], [2, 3]]"], words(["20", "40", "80", "1", "1", "2", "2", "3"])),
    ]

    @Test func encodesAsEthABIDoes() throws {
        for c in Self.cases {
            #expect(try ABIEncoder.encodeArguments(c.types, c.arguments) == c.encoding, "\(c.types)")
        }
        // In a call: the selector, then the same words.
        let call = try ABIEncoder.encodeCall(signature: "f(string[2],uint8)", arguments: ["[x, yz]", "7"])
        #expect(Array(call.dropFirst(4)) == Self.cases[1].encoding)
        #expect(call.prefix(4).elementsEqual(ABIEncoder.selector("f(string[2],uint8)")))
    }

    @Test func decodesWhatEthABIEncodes() throws {
        for c in Self.cases {
            #expect(try ABIEncoder.decode(c.types, c.encoding) == c.printed, "\(c.types)")
        }
        // The head of a `string[2]` is one offset word: read as inline, the array's two
        // "offsets" would be 0x40 and 7, and the next value would be a word of the tail.
        #expect(try ABIType.parse("string[2]").isDynamic && ABIType.parse("string[2]").headSize == 32)
        #expect(try ABIType.parse("(uint8,string)[2]").isDynamic && !ABIType.parse("uint8[2]").isDynamic)
        #expect(try ABIType.parse("uint8[2]").headSize == 64)
    }
}
