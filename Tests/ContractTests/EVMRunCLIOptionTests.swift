import EEKitTestSupport
import Foundation
import Testing

/// `eekit evm run` options and output fields that a mutation-testing round (2026-12-06, the
/// command-line files) found unchecked: each test here failed under a small change to
/// EVMCommand.swift or the EIP-3155 line that the other suites let through. Expected values
/// come from README's command table, EIP-3155 and the EIPs named.
@Suite struct EVMRunCLIOptionTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String) {
        try TestFiles.run(try TestFiles.eekit(), arguments)
    }

    static func runSeparately(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try TestFiles.runSeparately(try TestFiles.eekit(), arguments)
    }

    static func object(_ line: some StringProtocol) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
    }

    /// The EIP-3155 summary line of a `--trace` run (the last line starting with stateRoot).
    static func summary(_ err: String) throws -> [String: Any] {
        let line = try #require(err.split(separator: "\n").last { $0.hasPrefix("{\"stateRoot\"") }, "no summary in \(err)")
        return try object(line)
    }

    /// A `--code-file` that cannot be read is exit 5 (README: "5 when the code file cannot be
    /// read or is not hex"), not a usage error (64), for `evm run` and `evm disasm` alike.
    @Test func unreadableCodeFileExitsFive() throws {
        let dir = try TestFiles.scratchFolder("evm-missing-code")
        defer { TestFiles.remove(dir) }
        let missing = dir.appendingPathComponent("no-such-file.hex").path
        let r = try Self.run(["evm", "run", "--code-file", missing])
        #expect(r.status == 5, "\(r.out)")
        #expect(r.out.contains("no-such-file.hex"), "\(r.out)")
        let d = try Self.run(["evm", "disasm", "--code-file", missing])
        #expect(d.status == 5, "\(d.out)")
    }

    /// `--gas` is the call's gas limit: a failure takes all of it (0xFE, INVALID), and GAS
    /// (0x5A) as the first instruction sees the limit less its own 2 gas.
    @Test func gasOptionIsTheCallsLimit() throws {
        let failed = try Self.run(["evm", "run", "--gas", "12345", "--code", "fe"])
        #expect(failed.status == 2 && failed.out.contains("gas used: 12345\n"), "\(failed.out)")
        // GAS PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: the word GAS pushed.
        let gas = try Self.run(["evm", "run", "--gas", "100000", "--code", "5a60005260206000f3"])
        #expect(gas.status == 0, "\(gas.out)")
        let left = String(100_000 - 2, radix: 16)
        #expect(gas.out.contains("output: 0x" + String(repeating: "0", count: 64 - left.count) + left + "\n"), "\(gas.out)")
    }

    /// The summary's `fork` is the fork the run followed, by geth's name for it (README: the
    /// summary has `fork`; Petersburg is geth's ConstantinopleFix).
    @Test func traceSummaryNamesTheFork() throws {
        for (given, named) in [("Berlin", "Berlin"), ("Petersburg", "ConstantinopleFix"), ("Cancun", "Cancun")] {
            let r = try Self.runSeparately(["evm", "run", "--trace", "--fork", given, "--code", "600100"])
            #expect(r.status == 0, "\(r.err)")
            #expect(try Self.summary(r.err)["fork"] as? String == named, "\(given): \(r.err)")
        }
    }

    /// The summary's `stateRoot` is a 32-byte hash of the state after the run: a run that
    /// stores a value leaves a different root from one that does not, and the same code gives
    /// the same root twice (each run starts on the same fresh state).
    @Test func traceSummaryStateRootIsTheStatesHash() throws {
        func root(_ code: String) throws -> String {
            let r = try Self.runSeparately(["evm", "run", "--trace", "--code", code])
            #expect(r.status == 0, "\(r.err)")
            return try #require(try Self.summary(r.err)["stateRoot"] as? String, "\(r.err)")
        }
        let plain = try root("600100"), stored = try root("6001600055"), again = try root("6001600055")
        for r in [plain, stored] {
            #expect(r.count == 66 && r.hasPrefix("0x") && r.dropFirst(2).allSatisfy(\.isHexDigit), "\(r)")
        }
        #expect(plain != stored)
        #expect(stored == again)
    }

    /// `--create --json` gives the new contract's address, CREATE's from the caller
    /// 0xa94f...6ebf0b at nonce 0 (keccak256(rlp([sender, 0]))[12:], checksummed as the text
    /// output's `created:` line gives it); a plain call has no address.
    @Test func createJSONHasTheNewAddress() throws {
        let r = try Self.run(["evm", "run", "--create", "--json", "--code", "600a6000f3"])
        #expect(r.status == 0, "\(r.out)")
        let doc = try Self.object(try #require(r.out.split(separator: "\n").last { $0.hasPrefix("{") }))
        #expect(doc["address"] as? String == "0x6295eE1B4F6dD65047762F924Ecd367c17eaBf8f", "\(r.out)")
        let call = try Self.run(["evm", "run", "--json", "--code", "00"])
        let callDoc = try Self.object(try #require(call.out.split(separator: "\n").last { $0.hasPrefix("{") }))
        #expect(callDoc["address"] == nil, "\(call.out)")
    }

    /// A revert with Solidity's `Error(string)` data prints the decoded reason (README: "the
    /// decoded reason (`revert reason: Error("...")`, also from `eekit evm run`"). The code
    /// copies Error("hi")'s ABI encoding (selector 0x08c379a0, offset 32, length 2, "hi") from
    /// behind itself into memory and reverts with it: PUSH1 100 PUSH1 12 PUSH1 0 CODECOPY
    /// PUSH1 100 PUSH1 0 REVERT.
    @Test func revertPrintsTheDecodedReason() throws {
        let word = { (hex: String) in String(repeating: "0", count: 64 - hex.count) + hex }
        let data = "08c379a0" + word("20") + word("2") + "6869" + String(repeating: "0", count: 60)
        let r = try Self.run(["evm", "run", "--code", "6064600c60003960646000fd" + data])
        #expect(r.status == 1, "\(r.out)")
        #expect(r.out.contains("status: revert\n"), "\(r.out)")
        #expect(r.out.contains("output: 0x\(data)\n"), "\(r.out)")
        #expect(r.out.contains("revert reason: Error(\"hi\")\n"), "\(r.out)")
    }

    /// `--repeat N` in the text output: the best and the median CPU time "over N runs".
    @Test func repeatTextCountsTheRuns() throws {
        for n in [2, 5] {
            let r = try Self.run(["evm", "run", "--repeat", "\(n)", "--code", "6001600055"])
            #expect(r.status == 0 && r.out.contains("gas used: 22106\n"), "\(r.out)")
            let line = try #require(r.out.split(separator: "\n").first { $0.hasPrefix("cpu time: ") }, "\(r.out)")
            #expect(line.hasSuffix(" over \(n) runs"), "\(line)")
        }
        // One run prints no CPU time.
        #expect(!(try Self.run(["evm", "run", "--code", "00"]).out.contains("cpu time")))
    }

    /// `--trace` writes one call's steps: with `--repeat` above 1 it is a usage error (64).
    @Test func traceAndRepeatAreRefusedTogether() throws {
        let r = try Self.run(["evm", "run", "--trace", "--repeat", "2", "--code", "00"])
        #expect(r.status == 64, "\(r.out)")
        #expect(r.out.contains("--trace and --repeat do not go together"), "\(r.out)")
        #expect(!r.out.contains("{\"pc\""), "\(r.out)")
    }

    /// EIP-3155's `gas` and `gasCost` are hex quantities: PUSH1 1 PUSH1 0 SSTORE PUSH1 0
    /// PUSH1 0 SSTORE costs 3 a push, 22100 (0x5654: EIP-2929's cold 2100 + EIP-2200's 20000)
    /// for the first SSTORE and 100 (0x64, warm, dirty) for the second, and each step's `gas`
    /// is the previous one's less its cost, from the 30,000,000 (0x1c9c380) limit. Running
    /// off the end of the code is the STOP that follows, at no cost (as geth traces it).
    @Test func traceGasAndGasCostAreHexQuantities() throws {
        let r = try Self.runSeparately(["evm", "run", "--trace", "--code", "60016000556000600055"])
        #expect(r.status == 0, "\(r.err)")
        let steps = try r.err.split(separator: "\n").filter { $0.hasPrefix("{\"pc\"") }.map { try Self.object($0) }
        #expect(steps.map { $0["gasCost"] as? String ?? "?" } == ["0x3", "0x3", "0x5654", "0x3", "0x3", "0x64", "0x0"], "\(r.err)")
        var gas: UInt64 = 30_000_000
        var expected: [String] = []
        for cost: UInt64 in [3, 3, 22100, 3, 3, 100, 0] {
            expected.append("0x" + String(gas, radix: 16))
            gas -= cost
        }
        #expect(expected.first == "0x1c9c380")
        #expect(steps.map { $0["gas"] as? String ?? "?" } == expected, "\(r.err)")
    }

    /// EIP-3155's `depth` starts at 1 for the top frame, one more in a frame it creates:
    /// PUSH1 1 PUSH1 0 PUSH1 0 CREATE STOP runs the 1-byte init code 0x00 (STOP, memory
    /// being zero) at depth 2.
    @Test func traceDepthCountsFromOne() throws {
        let r = try Self.runSeparately(["evm", "run", "--trace", "--code", "600160006000f000"])
        #expect(r.status == 0, "\(r.err)")
        let steps = try r.err.split(separator: "\n").filter { $0.hasPrefix("{\"pc\"") }.map { try Self.object($0) }
        #expect(steps.map { $0["opName"] as? String ?? "?" } == ["PUSH1", "PUSH1", "PUSH1", "CREATE", "STOP", "STOP"], "\(r.err)")
        #expect(steps.map { $0["depth"] as? Int ?? -1 } == [1, 1, 1, 1, 2, 1], "\(r.err)")
    }

    /// EIP-3155's `returnData` is the last call's return data: the identity precompile (0x04)
    /// returns its 1-byte input 0x2a, seen from the step after the STATICCALL on.
    /// PUSH1 0x2a PUSH1 0 MSTORE8; STATICCALL(GAS, 4, 0, 1, 0, 0); POP; STOP.
    @Test func traceReturnDataIsTheLastCallsOutput() throws {
        let r = try Self.runSeparately(["evm", "run", "--trace", "--code", "602a600053600060006001600060045afa5000"])
        #expect(r.status == 0, "\(r.err)")
        let steps = try r.err.split(separator: "\n").filter { $0.hasPrefix("{\"pc\"") }.map { try Self.object($0) }
        let names = steps.map { $0["opName"] as? String ?? "?" }
        #expect(names.suffix(3) == ["STATICCALL", "POP", "STOP"], "\(r.err)")
        #expect(steps.map { $0["returnData"] as? String ?? "?" } == Array(repeating: "0x", count: steps.count - 2) + ["0x2a", "0x2a"], "\(r.err)")
    }

    /// The word a run returned (`RETURN(0, 32)` of what the code stored), from its text output.
    static func word(_ out: String) throws -> String {
        try #require(out.split(separator: "\n").first { $0.hasPrefix("output: 0x") }).dropFirst("output: 0x".count).description
    }

    static func padded(_ hex: String) -> String { String(repeating: "0", count: 64 - hex.count) + hex }

    /// `--value`, `--sender` and `--receiver` set CALLVALUE, CALLER / ORIGIN and ADDRESS, as
    /// geth's `evm run` flags of those names do; the value arrives (SELFBALANCE), and a value
    /// above the caller's 2^128 wei is funded rather than refused.
    @Test func valueSenderAndReceiverReachTheCode() throws {
        // CALLVALUE / CALLER / ORIGIN / ADDRESS / SELFBALANCE, then PUSH0 MSTORE PUSH1 32 PUSH0 RETURN.
        func returned(_ op: String, _ options: [String]) throws -> String {
            let r = try Self.run(["evm", "run", "--code", op + "5f5260205ff3"] + options)
            #expect(r.status == 0, "\(op) \(options): \(r.out)")
            return try Self.word(r.out)
        }
        #expect(try returned("34", ["--value", "1.5ether"]) == Self.padded("14d1120d7b160000"))
        #expect(try returned("34", []) == Self.padded("0"))
        let sender = "00000000000000000000000000000000000000aa", receiver = "00000000000000000000000000000000000000bb"
        #expect(try returned("33", ["--sender", "0x" + sender]) == Self.padded(sender))
        #expect(try returned("32", ["--sender", "0x" + sender]) == Self.padded(sender))
        #expect(try returned("30", ["--receiver", "0x" + receiver]) == Self.padded(receiver))
        #expect(try returned("30", []) == Self.padded("be7c43a580000000000000000000000000000001"))
        let above = "1000000000000000000000000000000001"  // 2^132 + 1 wei, above the caller's 2^128
        #expect(try returned("47", ["--value", "0x" + above]) == Self.padded(above))
        // A sender that is the receiver calls its own code with its own funds.
        #expect(try returned("47", ["--value", "7", "--sender", "0x" + receiver, "--receiver", "0x" + receiver])
                == Self.padded("100000000000000000000000000000000"))
    }

    /// With `--create` the value goes to the new contract (CALLVALUE in its init code) and
    /// `--sender` is the creator: CREATE's address is keccak256(rlp([sender, 0]))[12:], for
    /// 0x00...aa 0x45eb6484d76cfe3f45708b91f5af8ce495134fac (pycryptodome's keccak of the RLP
    /// 0xd6 0x94 sender 0x80). `--receiver` does not go with `--create`.
    @Test func createTakesValueAndSender() throws {
        let r = try Self.run(["evm", "run", "--create", "--code", "345f5260205ff3", "--value", "5",
                              "--sender", "0x00000000000000000000000000000000000000aa"])
        #expect(r.status == 0 && r.out.contains("created: 0x45eb6484D76cfe3f45708B91F5AF8Ce495134FAc\n"), "\(r.out)")
        #expect(try Self.word(r.out) == Self.padded("5"))
        let both = try Self.run(["evm", "run", "--create", "--code", "00", "--receiver", "0x00000000000000000000000000000000000000bb"])
        #expect(both.status == 64 && both.out.contains("--receiver does not go with --create"), "\(both.out)")
        let bad = try Self.run(["evm", "run", "--code", "00", "--sender", "0x12"])
        #expect(bad.status == 64 && bad.out.contains("--sender"), "\(bad.out)")
    }

    /// `--input-file` reads the calldata as hex (as `--code-file` reads code: 0x optional,
    /// whitespace ignored); it excludes `--input`, and a file that cannot be read or is not hex
    /// is exit 5, as for `--code-file`.
    @Test func inputFileIsTheCalldata() throws {
        let dir = try TestFiles.scratchFolder("evm-input-file")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("in.hex")
        try Data("0xaabb cc\n".utf8).write(to: file)
        // CALLDATASIZE, then the first calldata word: both from the file.
        let size = try Self.run(["evm", "run", "--code", "365f5260205ff3", "--input-file", file.path])
        let sizeWord = try Self.word(size.out)
        #expect(size.status == 0 && sizeWord == Self.padded("3"), "\(size.out)")
        let load = try Self.run(["evm", "run", "--code", "5f355f5260205ff3", "--input-file", file.path])
        #expect(try Self.word(load.out) == "aabbcc" + String(repeating: "0", count: 58), "\(load.out)")
        let both = try Self.run(["evm", "run", "--code", "00", "--input", "01", "--input-file", file.path])
        #expect(both.status == 64, "\(both.out)")
        let missing = try Self.run(["evm", "run", "--code", "00", "--input-file", dir.appendingPathComponent("none").path])
        #expect(missing.status == 5, "\(missing.out)")
        try Data("0xzz".utf8).write(to: file)
        let notHex = try Self.run(["evm", "run", "--code", "00", "--input-file", file.path])
        #expect(notHex.status == 5 && notHex.out.contains("not valid hex"), "\(notHex.out)")
    }
}
