import EEKit
import Foundation
import Testing

/// What a mutation round on the ABI code (ABIEncoder, ABIType, ABIValue and
/// HostFunctionSignature) found the suite silent on: sizes of static arrays and tuples nested
/// in the head, the bounds of the elementary type names and of the 16 MiB and nesting limits,
/// signatures written with tabs, newlines, `_` names and spaced array lengths, `parseList`,
/// strict decoding of padding and offsets, the limits of integers between 128 and 192 bits,
/// the escapes of DEL and the bidi isolates, argument and value counts, and the host-function
/// signature language's limits. Encodings and refusals come from eth-abi 6.0.0 (`eth_abi.encode`,
/// `eth_abi.decode`, `eth_abi.grammar.parse`) unless a comment says otherwise.
@Suite struct ABIMutationRoundTests {
    /// Hex digits followed by zeros to a word (bytes, strings).
    static func right(_ hex: String) -> String { hex + String(repeating: "0", count: 64 - hex.count) }

    /// A static `T[k]` or tuple takes its whole encoding in the head, so the offset of a
    /// dynamic value after it counts every word of it (ABI specification: `T[k]` and tuples of
    /// static types are encoded in place). eth-abi 6.0.0:
    /// `encode(["uint8[2][2]", "(bool,(uint8,int8))", "string"], [[[1,2],[3,4]], (True,(5,-6)), "hi"])`.
    @Test func staticNestedArraysAndTuplesTakeTheirWholeSizeInTheHead() throws {
        let types = ["uint8[2][2]", "(bool,(uint8,int8))", "string"]
        let want = ABIStaticArrayTests.words(["1", "2", "3", "4", "1", "5", String(repeating: "f", count: 63) + "a", "100", "2", Self.right("6869")])
        #expect(try ABIEncoder.encodeArguments(types, ["[[1, 2], [3, 4]]", "(true, (5, -6))", "hi"]) == want)
        #expect(try ABIEncoder.decode(types, want) == ["[[1, 2], [3, 4]]", "(true, (5, -6))", "\"hi\""])
        #expect(try ABIType.parse("uint8[2][2]").headSize == 128)
        #expect(try ABIType.parse("(bool,(uint8,int8))").headSize == 96)
    }

    /// uintN / intN need 8 <= N and bytesN 1 <= N (ABI specification; eth-abi's grammar refuses
    /// `uint0`, `int0` and `bytes0` with a parse error); `uint` and `int` are uint256 and int256.
    @Test func zeroWidthElementaryTypesAreRefused() throws {
        for t in ["uint0", "int0", "bytes0", "uint0[]", "(bool,bytes0)"] {
            #expect(throws: ABIEncoder.Failure.self, "\(t)") { try ABIEncoder.checkTypes([t]) }
        }
        try ABIEncoder.checkTypes(["uint8", "int8", "bytes1", "uint136", "int192", "bytes31"])
        #expect(try ABIEncoder.callParts("f(uint,int,uint[],int[2])").canonical == "f(uint256,int256,uint256[],int256[2])")
    }

    /// README: nesting deeper than 32 is refused, so 32 is taken, in tuples and in arrays alike
    /// (it was refused for either alone, while 20 tuples around 12 arrays, also 32, were
    /// taken). eth-abi 6.0.0: 32 tuples around uint8 7 are the one word 7; 32 `[]` around 5
    /// are the offset 0x20, then 31 times (length 1, offset 0x20), then length 1 and 5.
    @Test func nestingOfThirtyTwoIsTakenAndThirtyThreeRefused() throws {
        func tuples(_ n: Int, _ inner: String) -> String {
            String(repeating: "(", count: n) + inner + String(repeating: ")", count: n)
        }
        #expect(try ABIEncoder.encodeArguments([tuples(32, "uint8")], [tuples(32, "7")]) == ABIStaticArrayTests.words(["7"]))
        let arrays = "uint8" + String(repeating: "[]", count: 32)
        let value = String(repeating: "[", count: 32) + "5" + String(repeating: "]", count: 32)
        let want = ABIStaticArrayTests.words(["20"] + Array([[String]](repeating: ["1", "20"], count: 31).joined()) + ["1", "5"])
        #expect(try ABIEncoder.encodeArguments([arrays], [value]) == want)
        #expect(try ABIEncoder.decode([arrays], want) == [value])
        try ABIEncoder.checkTypes([tuples(20, "uint8") + String(repeating: "[]", count: 12)])
        for tooDeep in [tuples(33, "uint8"), "uint8" + String(repeating: "[]", count: 33),
                        tuples(20, "uint8") + String(repeating: "[]", count: 13), tuples(1, "uint8" + String(repeating: "[]", count: 32))] {
            #expect(throws: ABIEncoder.Failure.self, "\(tooDeep)") { try ABIEncoder.checkTypes([tooDeep]) }
        }
    }

    /// README: a static type over 16 MiB is refused; one of exactly 16 MiB (2^24 bytes: 524,288
    /// words) is taken, as an array and as a tuple.
    @Test func staticTypesOfExactlySixteenMiBAreTaken() throws {
        try ABIEncoder.checkTypes(["uint256[524288]", "(uint256[524288])", "(uint256[262144],bool[262144])", "uint8[2][262144]"])
        #expect(try ABIType.parse("(uint256[262144],bool[262144])").headSize == 1 << 24)
        for t in ["uint256[524289]", "(uint256[524288],bool)", "(uint256[262144],bool[262145])", "uint8[2][262145]"] {
            #expect(throws: ABIEncoder.Failure.self, "\(t)") { try ABIEncoder.checkTypes([t]) }
        }
    }

    /// Signatures as Solidity source writes them: tabs and line breaks between tokens, names
    /// that start with `_` or `$`, spaces inside an array's brackets; and `parseList`, a
    /// parameter list on its own.
    @Test func signaturesWithTabsNewlinesUnderscoresAndSpacedLengths() throws {
        let source = "function f(\n\taddress _to,\r\n\tuint256[ 2 ] memory $amounts,\n\t(bool,string)\t_p\n) external"
        #expect(try ABIEncoder.callParts(source).canonical == "f(address,uint256[2],(bool,string))")
        #expect(try ABIType.parse(" uint8 [ 3 ] [ ] ") == .array(.array(.uint(8), 3), nil))
        #expect(try ABIType.parseList("address to, uint[] memory amounts,\n(bool, string) _p")
                == [.address, .array(.uint(256), nil), .tuple([.bool, .string])])
        #expect(try ABIType.parseList(" ") == [])
        for bad in ["uint256 a b", "uint256,", "uint256 a,,bool", "uint256)", "(uint256"] {
            #expect(throws: ABIEncoder.Failure.self, "\(bad)") { try ABIType.parseList(bad) }
        }
    }

    /// Strict decoding, as eth-abi's decoder (NonEmptyPaddingBytes, InvalidPointer): the bytes
    /// above a value's width must be zero (or its sign), a bool is the whole word 0 or 1, and
    /// an offset is the whole word, not its low 64 bits.
    @Test func paddingAndOffsetsAreCheckedOverTheWholeWord() throws {
        let ff = { (n: Int) in String(repeating: "f", count: n) }
        let invalid: [([String], Bytes)] = [
            (["address"], ABIStaticArrayTests.words(["1" + String(repeating: "0", count: 40)])),  // 2^160: byte 11
            (["bool"], ABIStaticArrayTests.words(["01" + String(repeating: "0", count: 61) + "1"])),  // 2^248 + 1
            (["uint16"], ABIStaticArrayTests.words(["10000"])),
            (["int16"], ABIStaticArrayTests.words(["8000"])),  // 32768, not sign-extended
            (["int16"], ABIStaticArrayTests.words([ff(60) + "7fff"])),  // -32769
            (["bytes3"], ABIStaticArrayTests.words(["616263" + String(repeating: "0", count: 57) + "1"])),
            (["string"], ABIStaticArrayTests.words(["10000000000000020", "1", Self.right("61")])),  // offset 2^64 + 32
            (["string"], ABIStaticArrayTests.words(["20", "10000000000000001", Self.right("61")])),  // length 2^64 + 1
            (["uint8[]"], ABIStaticArrayTests.words(["20", "10000000000000001", "1"])),
        ]
        for (types, data) in invalid {
            #expect(throws: ABIEncoder.Failure.self, "\(types) \(Hex.encode(data))") { try ABIEncoder.decode(types, data) }
        }
        #expect(try ABIEncoder.decode(["int16", "uint16", "bytes3", "bool"],
                                      ABIStaticArrayTests.words([ff(60) + "8000", "ffff", Self.right("616263"), "1"]))
                == ["-32768", "65535", "0x616263", "true"])
        #expect(try ABIEncoder.decode(["string"], ABIStaticArrayTests.words(["20", "1", Self.right("61")])) == ["\"a\""])
        // A length that cannot fit the data is refused as such before any element is read
        // (eth-abi: InsufficientDataBytes).
        #expect {
            try ABIEncoder.decode(["uint256[]"], ABIStaticArrayTests.words(["20", "3", "1", "2"]))
        } throws: { "\($0)".contains("uint256[] of 3 elements runs past the end") }
    }

    /// Limits of integers whose bound lies in the third 64-bit limb (129 to 192 bits). eth-abi
    /// 6.0.0: `encode(["uint136","int136","int136"], [2**136-1, -2**135, 2**135-1])`; one more
    /// (or less) is out of range.
    @Test func integerLimitsBetween129And192Bits() throws {
        let want = ABIStaticArrayTests.words([ff(34), ff(30) + "8" + String(repeating: "0", count: 33), "7" + ff(33)])
        #expect(try ABIEncoder.encodeArguments(
            ["uint136", "int136", "int136"],
            ["87112285931760246646623899502532662132735", "-43556142965880123323311949751266331066368",
             "43556142965880123323311949751266331066367"]) == want)
        for (t, v) in [("uint136", "87112285931760246646623899502532662132736"), ("int136", "43556142965880123323311949751266331066368"),
                       ("int136", "-43556142965880123323311949751266331066369"), ("uint192", "0x1" + String(repeating: "0", count: 48)),
                       ("uint160", "0x1" + String(repeating: "0", count: 40))] {
            #expect(throws: ABIEncoder.Failure.self, "\(t) \(v)") { try ABIEncoder.encodeArguments([t], [v]) }
        }
        #expect(try ABIEncoder.encodeArguments(["uint192"], ["0x" + ff(48)]) == ABIStaticArrayTests.words([ff(48)]))
    }

    private func ff(_ n: Int) -> String { String(repeating: "f", count: n) }

    /// Decoded strings escape DEL and every bidi isolate (U+2066 to U+2069), as `quoted`'s
    /// documentation lists them (eekit's own display rule, not the ABI's), and read back.
    @Test func deleteAndTheLastBidiIsolateAreEscaped() throws {
        let body = Array("a\u{7f}\u{2066}\u{2069}".utf8)
        let data = ABIStaticArrayTests.words(["20", String(body.count, radix: 16)]) + body + Bytes(repeating: 0, count: 32 - body.count)
        let printed = try ABIEncoder.decode(["string"], data)
        #expect(printed == ["\"a\\x7f\\u{2066}\\u{2069}\""])
        #expect(Array(try ABIEncoder.encodeCall(signature: "f(string)", arguments: printed).dropFirst(4)) == data)
    }

    /// Counts must match: arguments against a signature's inputs, values against a tuple's
    /// members and a `T[k]`'s length; brackets must balance inside a value too.
    @Test func argumentAndValueCountsMustMatch() throws {
        #expect {
            try ABIEncoder.encodeCall(signature: "f(uint256)", arguments: ["1", "2"])
        } throws: { "\($0)".contains("takes 1 arguments, 2 given") }
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.encodeCall(signature: "f(uint256,bool)", arguments: ["1"]) }
        #expect {
            try ABIEncoder.encodeArguments(["(uint8,bool)"], ["(1, true, 3)"])
        } throws: { "\($0)".contains("takes 2 values, 3 given") }
        #expect {
            try ABIEncoder.encodeArguments(["uint8[2]"], ["[1, 2, 3]"])
        } throws: { "\($0)".contains("takes 2 values, 3 given") }
        for (t, v) in [("string[]", "[a),(b]"), ("string[]", "[a],[b]"), ("(string,string)", "(a),(b)"), ("string", "\"\\u{}\"")] {
            #expect(throws: ABIEncoder.Failure.self, "\(t) \(v)") { try ABIEncoder.encodeArguments([t], [v]) }
        }
    }

    /// Inside an array or tuple a value quoted with `'` holds commas, brackets and `"` as one
    /// quoted with `"` does. eth-abi 6.0.0: `encode(["string[]"], [["a,b", "c]\"("]])` and
    /// `encode(["(string,uint8)"], [("x)(, y", 7)])`.
    @Test func singleQuotedItemsHoldCommasAndBrackets() throws {
        let want = ABIStaticArrayTests.words(["20", "2", "40", "80", "3", Self.right("612c62"), "4", Self.right("635d2228")])
        #expect(try ABIEncoder.encodeArguments(["string[]"], ["['a,b', 'c]\"(']"]) == want)
        #expect(try ABIEncoder.encodeArguments(["string[]"], ["[\"a,b\", \"c]\\\"(\"]"]) == want)
        #expect(try ABIEncoder.encodeArguments(["(string,uint8)"], ["('x)(, y', 7)"])
                == ABIStaticArrayTests.words(["20", "40", "7", "6", Self.right(Hex.encode(Array("x)(, y".utf8)))]))
    }

    /// The host-function signature language: at most 16 parameters (16 taken), an empty
    /// parameter named by its position, `void` printed back, and the signed types.
    @Test func hostFunctionSignatureLimits() throws {
        let sixteen = try HostFunctionSignature(parsing: "(" + Array(repeating: "u64", count: 16).joined(separator: ",") + ")->u64")
        #expect(sixteen.parameters.count == HostFunctionSignature.maxParameters && sixteen.parameters.count == 16)
        #expect(throws: HostFunctionError.malformedSignature("(u64,,u8)->u64", reason: "empty parameter 2")) {
            try HostFunctionSignature(parsing: "(u64,,u8)->u64")
        }
        #expect(try HostFunctionSignature(parsing: " ( ) -> void ").description == "()->void")
        #expect(try HostFunctionSignature(parsing: "(bytes,i8)->void").description == "(bytes,i8)->void")
        let signed = HostFunctionSignature.ValueType.allCases.filter(\.isSigned)
        #expect(signed == [.i8, .i16, .i32, .i64])
        #expect(HostFunctionSignature.ValueType.allCases.map(\.bitWidth) == [8, 16, 32, 64, 8, 16, 32, 64, nil])
    }
}
