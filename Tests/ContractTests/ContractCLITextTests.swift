import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// The contract commands and the ABI text as README documents them, where a mutation round
/// (docs/REVIEWS.md) found the suite silent: exit statuses of `abi decode`, decoded strings in
/// text and `--json`, revert reasons of `call` (Error, Panic, `--error-sig`, `revertReason`),
/// `--value` units and `--from` reaching the state, EIP-55 checksums at every place an
/// address is typed, `--hook` as README's example runs it, and events with indexed arrays
/// and tuples. Expected values come from README, the Solidity ABI specification and docs
/// (panic codes), EIP-55's own example, and hand-built EVM code.
@Suite struct ContractCLITextTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String) {
        try TestFiles.run(try TestFiles.eekit(), arguments)
    }

    /// EVM code that copies the `data` after its 10-byte head to memory and ends with `op`
    /// (0xf3 RETURN, 0xfd REVERT): PUSH1 n PUSH1 10 PUSH0 CODECOPY PUSH1 n PUSH0 op, data.
    static func ending(with op: UInt8, _ data: Bytes) -> Bytes {
        precondition(data.count < 246)
        let n = UInt8(data.count)
        return [0x60, n, 0x60, 0x0a, 0x5f, 0x39, 0x60, n, 0x5f, op] + data
    }

    /// Init code that deploys `runtime` (the same copy-and-RETURN head).
    static func deploying(_ runtime: Bytes) -> Bytes { ending(with: 0xf3, runtime) }

    /// `string` ABI-encoded as a lone value (offset 32, length, padded bytes), by hand.
    static func encodedString(_ text: Bytes) -> Bytes {
        ABI.word(32) + ABI.word(UInt64(text.count)) + text + Bytes(repeating: 0, count: (32 - text.count % 32) % 32)
    }

    /// Solidity's Error(string) revert data: selector 0x08c379a0 and the string.
    static func errorData(_ text: String) -> Bytes { [0x08, 0xc3, 0x79, 0xa0] + encodedString(Array(text.utf8)) }

    /// Writes `code` as hex into `dir/name` and returns the path.
    static func hexFile(_ dir: URL, _ name: String, _ code: Bytes) throws -> String {
        let f = dir.appendingPathComponent(name)
        try Data(Hex.encode(code).utf8).write(to: f)
        return f.path
    }

    /// The "address: " line of a deployment's output.
    static func deployedAddress(_ out: String) throws -> String {
        String(try #require(out.split(separator: "\n").first { $0.hasPrefix("address: ") }?.dropFirst(9), "\(out)"))
    }

    /// README: `abi decode` exits 64 for a malformed type or argument and 1 for data that
    /// does not decode; call data whose selector is not the signature's is such data (it
    /// exited 64 under a mutation with no test noticing). A signature without output types
    /// has nothing to decode without `--input` (its inputs are not its outputs).
    @Test func abiDecodeExitStatuses() throws {
        let calldata = try Self.run(["abi", "encode", "transfer(address,uint256)", "0x00000000000000000000000000000000000000aa", "5"])
        #expect(calldata.status == 0 && calldata.out.hasPrefix("0xa9059cbb"), "\(calldata.out)")
        let data = calldata.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let ok = try Self.run(["abi", "decode", "--input", "transfer(address,uint256)", data])
        #expect(ok.status == 0 && ok.out == "0x00000000000000000000000000000000000000AA\n5\n", "\(ok.out)")
        // approve(address,uint256) is 0x095ea7b3: the same argument types, another selector.
        let other = try Self.run(["abi", "decode", "--input", "approve(address,uint256)", data])
        #expect(other.status == 1 && other.out.contains("does not start with the selector 0x095ea7b3"), "\(other.out)")
        #expect(!other.out.contains("Usage:"), "\(other.out)")
        // Too short to hold a selector: the same.
        #expect(try Self.run(["abi", "decode", "--input", "approve(address,uint256)", "0x0951"]).status == 1)
        // A malformed signature stays a usage error.
        #expect(try Self.run(["abi", "decode", "--input", "approve(address,uint257)", data]).status == 64)
        // No output types: refused, not decoded as the inputs.
        let word = "0x" + String(repeating: "0", count: 63) + "1"
        let noOutputs = try Self.run(["abi", "decode", "balanceOf(address)", word])
        #expect(noOutputs.status == 64 && noOutputs.out.contains("give the output types"), "\(noOutputs.out)")
        #expect(try Self.run(["abi", "decode", "balanceOf(address)(uint256)", word]).out == "1\n")
    }

    /// A string returned by a call prints quoted and escaped after `returns` (README: strings
    /// quoted at the top level too, controls escaped, `\r` among the escapes), and as it is in
    /// `--json`'s `returns` (README: "returns (strings as they are)").
    @Test func returnedStringsInTextAndJSON() throws {
        let dir = try TestFiles.scratchFolder("retstr")
        defer { TestFiles.remove(dir) }
        let text = "a\"b\r\n\\"
        let file = try Self.hexFile(dir, "str.hex", Self.deploying(Self.ending(with: 0xf3, Self.encodedString(Array(text.utf8)))))
        let r = try Self.run(["run", file, "--ee", "evm", "--sig", "name()(string)"])
        #expect(r.status == 0 && r.out.contains("\nreturns string: \"a\\\"b\\r\\n\\\\\"\n"), "\(r.out)")
        #expect(!r.out.utf8.contains(0x0d), "a carriage return reached the terminal: \(r.out.debugDescription)")
        let j = try Self.run(["run", file, "--ee", "evm", "--sig", "name()(string)", "--json"])
        let last = try #require(j.out.split(separator: "\n").last, "\(j.out)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "\(j.out)")
        let returns = try #require(doc["returns"] as? [[String: Any]], "\(j.out)")
        #expect(returns.count == 1 && returns.first?["type"] as? String == "string" && returns.first?["value"] as? String == text,
                "\(j.out)")
    }

    /// The escapes README lists read as their bytes: `\r` is 0x0d (not a newline), and
    /// `\u{X}` takes up to six hex digits (U+10FFFF, the last scalar, is F4 8F BF BF).
    @Test func quotedEscapesReadAsTheirBytes() throws {
        let cr = try ABIEncoder.encodeCall(signature: "f(string)", arguments: ["\"a\\rb\""])
        #expect(Array(cr.dropFirst(4)) == Self.encodedString([0x61, 0x0d, 0x62]))
        let inArray = try ABIEncoder.encodeCall(signature: "f(string[])", arguments: ["['\\r']"])
        #expect(Array(inArray.suffix(32)) == [0x0d] + Bytes(repeating: 0, count: 31))
        let last = try ABIEncoder.encodeCall(signature: "f(string)", arguments: ["\"\\u{10FFFF}\""])
        #expect(Array(last.dropFirst(4)) == Self.encodedString([0xf4, 0x8f, 0xbf, 0xbf]))
        let six = try ABIEncoder.encodeCall(signature: "f(string)", arguments: ["\"\\u{00004A}\""])
        #expect(Array(six.dropFirst(4)) == Self.encodedString([0x4a]))
        #expect(throws: ABIEncoder.Failure.self) { try ABIEncoder.encodeCall(signature: "f(string)", arguments: ["\"\\u{000004A}\""]) }
        // And a CR prints as \r (README: control characters escaped), reading back as 0x0d.
        let printed = try ABIEncoder.decode(["string"], Self.encodedString([0x0d]))
        #expect(printed == ["\"\\r\""])
    }

    /// Solidity's types are intN / uintN with 8 <= N <= 256 in steps of 8 and bytesN with
    /// N <= 32 (ABI specification): wider ones are unsupported types, exit 64.
    @Test func typesWiderThanTheSpecificationAreRefused() throws {
        for t in ["int264", "uint264", "int512", "bytes33"] {
            let r = try Self.run(["abi", "encode", "f(\(t))", "1"])
            #expect(r.status == 64 && r.out.contains("unsupported ABI type \(t)"), "\(t): \(r.out)")
            #expect(throws: ABIEncoder.Failure.self, "\(t)") { try ABIEncoder.checkTypes([t]) }
        }
        try ABIEncoder.checkTypes(["int256", "uint256", "int8", "bytes32"])
    }

    /// README: "for a revert with Solidity's Error(string) or Panic(uint256) data the decoded
    /// reason", a custom error with `call --error-sig`, and `revertReason` in `--json`; only a
    /// revert has one (a successful call returning the same bytes prints none).
    @Test func callPrintsRevertReasons() throws {
        let dir = try TestFiles.scratchFolder("reasons")
        defer { TestFiles.remove(dir) }
        let db = dir.appendingPathComponent("state.db").path
        func deploy(_ name: String, _ runtime: Bytes) throws -> String {
            let d = try Self.run(["deploy", try Self.hexFile(dir, name, Self.deploying(runtime)), "--ee", "evm", "--state", db])
            #expect(d.status == 0, "\(d.out)")
            return try Self.deployedAddress(d.out)
        }
        let error = try deploy("error.hex", Self.ending(with: 0xfd, Self.errorData("too low")))
        let r = try Self.run(["call", error, "--state", db])
        #expect(r.status == 1 && r.out.contains("status: revert\n") && r.out.contains("\nrevert reason: Error(\"too low\")\n"), "\(r.out)")
        let j = try Self.run(["call", error, "--state", db, "--json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any], "\(j.out)")
        #expect(j.status == 1 && doc["status"] as? String == "revert" && doc["revertReason"] as? String == "Error(\"too low\")", "\(j.out)")
        // The same bytes returned by a successful call are output, not a reason.
        let returned = try deploy("returned.hex", Self.ending(with: 0xf3, Self.errorData("too low")))
        let ok = try Self.run(["call", returned, "--state", db])
        #expect(ok.status == 0 && !ok.out.contains("revert reason"), "\(ok.out)")
        // Custom errors: InsufficientBalance(uint256,uint256) is 0xcf479181 (keccak256 of the
        // canonical signature, as cast sig prints it).
        #expect(try Self.run(["abi", "selector", "InsufficientBalance(uint256,uint256)"]).out == "0xcf479181\n")
        let custom = try deploy("custom.hex", Self.ending(with: 0xfd, [0xcf, 0x47, 0x91, 0x81] + ABI.word(100) + ABI.word(200)))
        let c = try Self.run(["call", custom, "--state", db, "--error-sig", "error InsufficientBalance(uint256 have, uint256 want)"])
        #expect(c.status == 1 && c.out.contains("\nrevert reason: InsufficientBalance(100, 200)\n"), "\(c.out)")
        let cj = try Self.run(["call", custom, "--state", db, "--json", "--error-sig", "InsufficientBalance(uint,uint)"])
        #expect(cj.out.contains("\"revertReason\":\"InsufficientBalance(100, 200)\""), "\(cj.out)")
        #expect(try !Self.run(["call", custom, "--state", db]).out.contains("revert reason"))
    }

    /// A constructor that reverts: `deploy` prints no address, and prints the revert data as
    /// `output:` with its decoded reason (README: Error(string) and Panic(uint256) data decode
    /// wherever a revert is printed), exit 1.
    @Test func revertedDeploymentsPrintTheirRevertData() throws {
        let dir = try TestFiles.scratchFolder("ctorrevert")
        defer { TestFiles.remove(dir) }
        let data = Self.errorData("no")
        let file = try Self.hexFile(dir, "revert.hex", Self.ending(with: 0xfd, data))
        let r = try Self.run(["deploy", file, "--ee", "evm"])
        #expect(r.status == 1 && r.out.contains("status: revert\n") && !r.out.contains("address:"), "\(r.out)")
        #expect(r.out.contains("\noutput: 0x\(Hex.encode(data))\n") && r.out.contains("\nrevert reason: Error(\"no\")\n"), "\(r.out)")
    }

    /// An ELF written out as hex text (`xxd -p`) and deployed with `--ee riscv` fails as "not an
    /// ELF file" (exit 3), now with a note saying what the file is (a review found no hint,
    /// where an ELF given as EVM code gets one); hex that is not an ELF gets no note.
    @Test func hexTextOfAnELFGetsANote() throws {
        let dir = try TestFiles.scratchFolder("hexelf")
        defer { TestFiles.remove(dir) }
        let elf = TestELF(xlen: 64, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: TestELF.le32(0x0000_0073), flags: 5)]).bytes
        let hexELF = try Self.hexFile(dir, "contract.hex", elf)
        let r = try Self.run(["deploy", hexELF, "--ee", "riscv"])
        #expect(r.status == 3 && r.out.contains("is hex text of an ELF file") && r.out.contains("ELF: not an ELF file"), "\(r.out)")
        // As EVM code it is hex init code like any other: no native-contract advice.
        #expect(try !Self.run(["deploy", hexELF, "--ee", "evm"]).out.contains("is hex text of an ELF file"))
        let other = try Self.hexFile(dir, "code.hex", [0x60, 0x00])
        let o = try Self.run(["deploy", other, "--ee", "riscv"])
        #expect(o.status == 3 && !o.out.contains("note:"), "\(o.out)")
        let binary = dir.appendingPathComponent("contract.elf")
        try Data(elf).write(to: binary)
        #expect(try !Self.run(["deploy", binary.path, "--ee", "riscv"]).out.contains("note:"))
    }

    /// Panic(uint256) codes with the meanings Solidity's documentation gives them (Control
    /// Structures, "Panic via assert and Error via require").
    @Test func panicCodesCarrySoliditysMeanings() {
        let panic: Bytes = [0x4e, 0x48, 0x7b, 0x71]
        let meanings: [(UInt64, String)] = [
            (0x00, "generic panic"), (0x01, "assertion failed"), (0x11, "arithmetic overflow or underflow"),
            (0x12, "division or modulo by zero"), (0x21, "invalid enum value"), (0x22, "invalid storage byte array"),
            (0x31, "pop on an empty array"), (0x32, "array index out of bounds"), (0x41, "too much memory allocated"),
            (0x51, "call to a zero-initialized function"),
        ]
        for (code, meaning) in meanings {
            #expect(ABIEncoder.revertReason(panic + ABI.word(code)) == "Panic(0x\(String(code, radix: 16)): \(meaning))")
        }
        #expect(ABIEncoder.revertReason(panic + ABI.word(0x13)) == "Panic(0x13)")
    }

    /// `--value` takes cast's units (README: `1.5ether`, `2gwei`, `1e18`, 0x hex) and the
    /// amount reaches the callee: an account without code, whose balance `account` prints.
    @Test func callValueUnitsReachTheCallee() throws {
        let dir = try TestFiles.scratchFolder("value")
        defer { TestFiles.remove(dir) }
        let db = dir.appendingPathComponent("state.db").path
        let to = "0x00000000000000000000000000000000000000bb"
        for value in ["1.5ether", "2gwei", "1e18", "0x10", "7"] {
            let r = try Self.run(["call", to, "--value", value, "--state", db])
            #expect(r.status == 0, "\(value): \(r.out)")
        }
        // 1.5 x 10^18 + 2 x 10^9 + 10^18 + 16 + 7.
        let a = try Self.run(["account", to, "--state", db])
        #expect(a.status == 0 && a.out.contains("\nbalance: 2500000002000000023\n"), "\(a.out)")
        // A dry run moves nothing.
        #expect(try Self.run(["call", to, "--value", "1ether", "--no-commit", "--state", db]).status == 0)
        #expect(try Self.run(["account", to, "--state", db]).out.contains("\nbalance: 2500000002000000023\n"))
        for bad in ["0.5wei", "1e-1", "-1", "1 wei wei"] {
            let r = try Self.run(["call", to, "--value=\(bad)", "--state", db])
            #expect(r.status == 64 && r.out.contains("--value is not a whole number of wei"), "\(bad): \(r.out)")
        }
    }

    /// `deploy --from` deploys from that sender: the new address is CREATE's from its nonce 0
    /// (RLP by hand, `createAddress`), and it is the sender's nonce that moves.
    @Test func deployFromAnotherSender() throws {
        let dir = try TestFiles.scratchFolder("from")
        defer { TestFiles.remove(dir) }
        let db = dir.appendingPathComponent("state.db").path
        let file = try Self.hexFile(dir, "stop.hex", Self.deploying([0x00]))
        let sender = try #require(Address(hex: "0x00000000000000000000000000000000c0ffee00"))
        let d = try Self.run(["deploy", file, "--ee", "evm", "--from", sender.hex, "--state", db])
        #expect(d.status == 0 && d.out.contains("\naddress: \(createAddress(sender, nonce: 0).hex)\n"), "\(d.out)")
        #expect(try Self.run(["account", sender.hex, "--state", db]).out.contains("\nnonce: 1\n"))
        #expect(try Self.run(["account", alice.hex, "--state", db]).out.contains("\nnonce: 0\n"))
    }

    /// README's bad-input catalogue: an address with a wrong EIP-55 mixed-case checksum is
    /// refused with exit 64 and the checksummed form at every place one is typed: call
    /// ADDRESS, `--from`, `account`, `--sig` arguments (EIP-55's first example, its last
    /// letter's case flipped).
    @Test func wrongChecksumsAreRefusedEverywhere() throws {
        let good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        let typo = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
        let cases: [[String]] = [
            ["call", typo],
            ["call", good, "--from", typo],
            ["deploy", try Fixtures.built.get().dir.appendingPathComponent("counter.elf").path, "--ee", "riscv", "--from", typo],
            ["account", typo],
            ["call", good, "--sig", "f(address)", typo],
            ["abi", "encode", "f(address)", typo],
        ]
        for arguments in cases {
            let r = try Self.run(arguments)
            #expect(r.status == 64 && r.out.contains("wrong EIP-55 checksum (expected \(good))"), "\(arguments): \(r.out)")
        }
        // The checksummed form, or one letter case, is taken.
        for text in [good, good.lowercased(), "0x" + good.dropFirst(2).uppercased()] {
            let r = try Self.run(["account", text])
            #expect(r.status == 0 && r.out.hasPrefix("address: \(good.lowercased()) (no such account)\n"), "\(text): \(r.out)")
        }
    }

    /// `--constructor-sig` encodes a constructor's arguments; output types make no sense
    /// there and are refused before anything runs (exit 64).
    @Test func constructorSignaturesTakeNoOutputs() throws {
        let token = try Fixtures.built.get().dir.appendingPathComponent("token.elf").path
        let r = try Self.run(["deploy", token, "--ee", "riscv", "--constructor-sig", "constructor(uint256)(uint256)", "--constructor-arg", "1"])
        #expect(r.status == 64 && r.out.contains("a constructor has no output types"), "\(r.out)")
    }

    /// `--event-sig` works on `deploy` (README: repeatable, on deploy, call and run; step 1
    /// prints the token's mint as a decoded Transfer event).
    @Test func deployDecodesItsEvents() throws {
        let token = try Fixtures.built.get().dir.appendingPathComponent("token.elf").path
        let r = try Self.run(["deploy", token, "--ee", "riscv", "--constructor-sig", "constructor(uint256)", "--constructor-arg", "1000000",
                              "--event-sig", "Transfer(address indexed from, address indexed to, uint256 value)"])
        #expect(r.status == 0 && r.out.contains(
            "\n  event: Transfer(0x0000000000000000000000000000000000000000, 0x0000000000000000000000000000000000000e0A, 1000000)\n"),
                "\(r.out)")
    }

    /// Events: indexed arrays and tuples (static ones too) are stored as the keccak256 of
    /// their encoding (ABI specification, "Events"), so they print as the topic; a log with
    /// more topics than the signature's indexed parameters does not decode as it (README:
    /// `event: not decoded`).
    @Test func indexedArraysAndTuplesPrintAsTheirTopic() throws {
        let sig = "Batch(uint256[] indexed ids, (uint8,bool) indexed pair, uint8[2] indexed fixed, uint256 n)"
        let t0 = Keccak.hash(Array("Batch(uint256[],(uint8,bool),uint8[2],uint256)".utf8))
        #expect(try ABIEncoder.eventTopic(sig) == t0)
        let ids = Keccak.hash(ABI.word(1) + ABI.word(2))  // uint256[] [1, 2]: its elements, in place
        let pair = Keccak.hash(ABI.word(7) + ABI.word(1))
        let fixed = Keccak.hash(ABI.word(3) + ABI.word(4))
        #expect(try ABIEncoder.decodeEvent(signature: sig, topics: [t0, ids, pair, fixed], data: ABI.word(5))
                == "Batch(\(ids.hex), \(pair.hex), \(fixed.hex), 5)")
        // ERC-20's Transfer under a log with ERC-721's topic count (a fourth topic), whose
        // data still holds one word: not decoded, and the note says why.
        let transfer = "Transfer(address indexed from, address indexed to, uint256 value)"
        let word = { (v: UInt64) in Bytes32(ABI.word(v)) }
        let topics = [try ABIEncoder.eventTopic(transfer), word(0xa), word(0xb), word(7)]
        #expect(try ABIEncoder.decodeEvent(signature: transfer, topics: topics, data: ABI.word(1)) == nil)
        let log = Log(address: bob, topics: topics, data: ABI.word(1))
        #expect(ABIEncoder.decodeLog(log, events: [transfer]) == nil)
        #expect(ABIEncoder.eventMismatch(log, signature: transfer)?.contains("4 topics and 32 data bytes do not decode") == true)
    }

    /// README's `--hook` example as it runs it: arguments encoded with `abi encode
    /// --no-selector`, `call --data`, the plugin's sum as output; GAS as BASE[+PERBYTE]
    /// (default 100+3); a missing symbol exits 5, an address taken by a precompile or another
    /// hook and a malformed signature exit 64.
    @Test func hooksAsREADMERunsThem() throws {
        let lib = try #require(TestFiles.examplePlugin, "clang could not build Contracts/plugins/example_plugin.c")
        let encoded = try Self.run(["abi", "encode", "--no-selector", "f(uint8,uint16,uint32,uint64)", "1", "2", "3", "4"])
        let data = encoded.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(data == "0x" + [1, 2, 3, 4].map { Hex.encode(ABI.word($0)) }.joined())
        let at = "0x0000000000000000000000000000000000010001"
        func call(_ spec: String) throws -> (status: Int32, out: String) {
            try Self.run(["call", at, "--data", data, "--hook", "\(lib):\(spec)"])
        }
        func gasUsed(_ out: String) throws -> Int {
            try #require(out.split(separator: "\n").first { $0.hasPrefix("gas used: ") }.flatMap { Int($0.dropFirst(10)) }, "\(out)")
        }
        let r = try call("plugin_add_widths@0x10001:(u8,u16,u32,u64)->u64:100+3")
        #expect(r.status == 0 && r.out.contains("\noutput: 0x" + Hex.encode(ABI.word(10)) + "\n"), "\(r.out)")
        let byDefault = try call("plugin_add_widths@0x10001:(u8,u16,u32,u64)->u64")
        #expect(try gasUsed(byDefault.out) == gasUsed(r.out), "\(byDefault.out)")
        let base100 = try call("plugin_add_widths@0x10001:(u8,u16,u32,u64)->u64:100+0")
        let base1000 = try call("plugin_add_widths@0x10001:(u8,u16,u32,u64)->u64:1000+0")
        #expect(try gasUsed(base1000.out) - gasUsed(base100.out) == 900, "\(base100.out)\n\(base1000.out)")
        #expect(try call("no_such_symbol@0x10001:()->u64").status == 5)
        let precompile = try call("plugin_add_widths@0x1:(u8,u16,u32,u64)->u64")
        #expect(precompile.status == 64 && precompile.out.contains("already taken by precompile"), "\(precompile.out)")
        let twice = try Self.run(["call", at, "--data", data, "--hook", "\(lib):plugin_add_widths@0x10001:(u8,u16,u32,u64)->u64",
                                  "--hook", "\(lib):plugin_noop@0x10001:()->void"])
        #expect(twice.status == 64 && twice.out.contains("already taken"), "\(twice.out)")
        #expect(try call("plugin_add_widths@0x10001:(u8,u17)->u64").status == 64)
    }
}
