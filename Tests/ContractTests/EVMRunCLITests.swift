import EEKitTestSupport
import Foundation
import Testing

/// `eekit evm run` and `eekit evm disasm` as README's command table documents them: exit
/// statuses, the gas and refund figures, `--fork`, `--input`, `--json`, `--repeat` and the
/// EIP-3155 trace's memSize. Expected values are worked out from the EIPs, not copied from a run.
@Suite struct EVMRunCLITests {
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String) {
        try TestFiles.run(try TestFiles.eekit(), arguments)
    }

    static func runSeparately(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try TestFiles.runSeparately(try TestFiles.eekit(), arguments)
    }

    /// The one JSON object `--json` prints.
    static func jsonObject(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON line in \(text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
    }

    /// PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 SSTORE: slot 0 set to 1, then back to 0.
    static let setAndClear = "60016000556000600055"

    /// 0xFE is the designated INVALID instruction: a failure, exit status 2.
    @Test func invalidOpcodeIsAFailureExitingTwo() throws {
        let r = try Self.run(["evm", "run", "--code", "fe"])
        #expect(r.status == 2, "\(r.out)")
        #expect(r.out.contains("status: failure (invalid opcode 0xfe)\n"), "\(r.out)")
        // A failure takes all the gas (the default 30,000,000).
        #expect(r.out.contains("gas used: 30000000\n"), "\(r.out)")
    }

    /// Setting a fresh slot and clearing it again in the same call:
    /// - the first SSTORE: cold slot (EIP-2929, 2100) + 0 -> 1 with original 0 (EIP-2200's
    ///   SSTORE_SET, 20000) = 22100;
    /// - the second: warm (100), dirty slot, so only the warm read; the value returns to its
    ///   original 0, which refunds SSTORE_SET - WARM_STORAGE_READ = 19900 (EIP-2200 as EIP-2929
    ///   and EIP-3529 leave it);
    /// - four PUSH1s at 3 each.
    /// "gas used" is before the refund: 3 + 3 + 22100 + 3 + 3 + 100 = 22212.
    @Test func sstoreGasAndRefund() throws {
        let r = try Self.run(["evm", "run", "--code", Self.setAndClear])
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("status: success\n"), "\(r.out)")
        let firstStore = 2100 + 20000, secondStore = 100
        let gasUsed = 4 * 3 + firstStore + secondStore
        #expect(gasUsed == 22212)
        #expect(r.out.contains("gas used: \(gasUsed)\n"), "\(r.out)")
        #expect(r.out.contains("refund: \(20000 - 100)\n"), "\(r.out)")
        // No refund line when there is none.
        let none = try Self.run(["evm", "run", "--code", "6001600055"])
        #expect(none.status == 0 && none.out.contains("gas used: 22106\n") && !none.out.contains("refund:"), "\(none.out)")
    }

    /// `--json` reports the same figures, and a failure as "status":"failure" with exit 2.
    @Test func jsonReportsGasRefundAndStatus() throws {
        let ok = try Self.run(["evm", "run", "--json", "--code", Self.setAndClear])
        #expect(ok.status == 0, "\(ok.out)")
        let doc = try Self.jsonObject(ok.out)
        #expect((doc["gasUsed"] as? Int) == 22212, "\(ok.out)")
        #expect((doc["refund"] as? Int) == 19900, "\(ok.out)")
        #expect((doc["status"] as? String) == "success", "\(ok.out)")
        #expect((doc["output"] as? String) == "0x", "\(ok.out)")

        let bad = try Self.run(["evm", "run", "--json", "--code", "fe"])
        #expect(bad.status == 2, "\(bad.out)")
        #expect(bad.out.contains("\"status\":\"failure\""), "\(bad.out)")
        let badDoc = try Self.jsonObject(bad.out)
        #expect((badDoc["status"] as? String) == "failure" && (badDoc["gasUsed"] as? Int) == 30_000_000, "\(bad.out)")
    }

    /// PUSH0 (0x5F) is EIP-3855's, from Shanghai: before it 0x5F is undefined (a failure,
    /// exit 2); from Shanghai `PUSH0 STOP` succeeds with 2 gas.
    @Test func forkDecidesWhatTheCodeMeans() throws {
        for fork in ["Frontier", "Berlin", "London", "Paris"] {
            let r = try Self.run(["evm", "run", "--fork", fork, "--code", "5f00"])
            #expect(r.status == 2 && r.out.contains("status: failure"), "\(fork): \(r.out)")
        }
        for fork in ["Shanghai", "Cancun"] {
            let r = try Self.run(["evm", "run", "--fork", fork, "--code", "5f00"])
            #expect(r.status == 0 && r.out.contains("gas used: 2\n"), "\(fork): \(r.out)")
        }
        // PUSH1 0 SLOAD POP STOP: SLOAD is 800 in Istanbul (EIP-1884), a cold 2100 from Berlin
        // (EIP-2929); PUSH1 3, POP 2.
        let istanbul = try Self.run(["evm", "run", "--fork", "Istanbul", "--code", "6000545000"])
        #expect(istanbul.status == 0 && istanbul.out.contains("gas used: \(3 + 800 + 2)\n"), "\(istanbul.out)")
        let berlin = try Self.run(["evm", "run", "--fork", "Berlin", "--code", "6000545000"])
        #expect(berlin.status == 0 && berlin.out.contains("gas used: \(3 + 2100 + 2)\n"), "\(berlin.out)")
    }

    /// PUSH1 0 CALLDATALOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: the input's first 32
    /// bytes, zero-padded on the right as CALLDATALOAD reads past the end.
    @Test func inputIsTheCallData() throws {
        let r = try Self.run(["evm", "run", "--input", "0102", "--code", "60003560005260206000f3"])
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out.contains("output: 0x0102" + String(repeating: "0", count: 60) + "\n"), "\(r.out)")
    }

    /// `--repeat N --json` lists each call's CPU time; N must be at least 1 (exit 64).
    @Test func repeatCountsRunsAndRefusesZero() throws {
        let r = try Self.run(["evm", "run", "--repeat", "3", "--json", "--code", Self.setAndClear])
        #expect(r.status == 0, "\(r.out)")
        let doc = try Self.jsonObject(r.out)
        let times = try #require(doc["cpuSeconds"] as? [Any], "\(r.out)")
        #expect(times.count == 3 && times.allSatisfy { ($0 as? NSNumber).map { $0.doubleValue >= 0 } == true }, "\(r.out)")
        // Every run starts on a fresh state: the last one's figures are the first one's.
        #expect((doc["gasUsed"] as? Int) == 22212 && (doc["refund"] as? Int) == 19900, "\(r.out)")
        let one = try Self.jsonObject(try Self.run(["evm", "run", "--json", "--code", Self.setAndClear]).out)
        #expect((one["cpuSeconds"] as? [Any])?.count == 1)
        let zero = try Self.run(["evm", "run", "--repeat", "0", "--code", "00"])
        #expect(zero.status == 64 && zero.out.contains("--repeat must be at least 1"), "\(zero.out)")
    }

    /// EIP-3155's memSize is the memory size before the step: PUSH1 1, PUSH1 0 and MSTORE see
    /// none, STOP sees the word MSTORE added (32 bytes).
    @Test func traceMemSizeIsBeforeEachStep() throws {
        let r = try Self.runSeparately(["evm", "run", "--trace", "--code", "600160005200"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        let steps = r.err.split(separator: "\n").filter { $0.hasPrefix("{\"pc\"") }
        var memSizes: [Int] = []
        var ops: [Int] = []
        for step in steps {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(step.utf8)) as? [String: Any], "\(step)")
            memSizes.append(try #require(object["memSize"] as? Int, "\(step)"))
            ops.append(try #require(object["op"] as? Int, "\(step)"))
        }
        #expect(ops == [0x60, 0x60, 0x52, 0x00], "\(r.err)")
        #expect(memSizes == [0, 0, 0, 32], "\(r.err)")
    }

    /// EIP-3155: stack items are hex strings ("0x2a", zero as "0x0"), the top last; the
    /// summary of a run that reverts says `pass` false, with the revert's output and the gas
    /// used. PUSH1 0x2a PUSH0 MSTORE PUSH1 32 PUSH0 REVERT: 3 + 2 + (3 + 3 for a memory
    /// word) + 3 + 2 + 0 = 16 gas, the output the 32-byte word 0x2a. Mutation testing:
    /// decimal stack items and a summary that always said `pass: true` went unnoticed.
    @Test func traceStackIsHexAndARevertedRunSaysSo() throws {
        let r = try Self.runSeparately(["evm", "run", "--trace", "--code", "602a5f5260205ffd"])
        #expect(r.status == 1, "\(r.out)\(r.err)")
        let lines = r.err.split(separator: "\n").map(String.init)
        let steps = try lines.filter { $0.hasPrefix("{\"pc\"") }.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)")
        }
        try #require(steps.count == 6, "\(r.err)")
        #expect(steps.map { $0["stack"] as? [String] ?? ["?"] } == [[], ["0x2a"], ["0x2a", "0x0"], [], ["0x20"], ["0x20", "0x0"]], "\(r.err)")
        #expect(steps.map { $0["opName"] as? String ?? "?" } == ["PUSH1", "PUSH0", "MSTORE", "PUSH1", "PUSH0", "REVERT"])
        #expect(steps.last?["error"] as? String == "execution reverted")
        let summaryLine = try #require(lines.last { $0.hasPrefix("{\"stateRoot\"") }, "\(r.err)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(summaryLine.utf8)) as? [String: Any])
        #expect(summary["pass"] as? Bool == false, "\(summaryLine)")
        #expect(summary["gasUsed"] as? String == "0x10", "\(summaryLine)")
        #expect(summary["output"] as? String == "0x" + String(repeating: "00", count: 31) + "2a", "\(summaryLine)")
    }

    /// `evm disasm`: one line per instruction, "PC: NAME[ 0xIMMEDIATE]", the pc as at least 4
    /// hex digits; an undefined byte and a PUSH cut short by the end of the code say so.
    @Test func disasmListsEachInstruction() throws {
        let r = try Self.run(["evm", "disasm", "--code", "6001600201"])
        #expect(r.status == 0)
        #expect(r.out == "0000: PUSH1 0x01\n0002: PUSH1 0x02\n0004: ADD\n", "\(r.out)")
        let odd = try Self.run(["evm", "disasm", "--code", "0c5f61ff"])
        #expect(odd.status == 0)
        #expect(odd.out == "0000: UNDEFINED(0x0c)\n0001: PUSH0\n0002: PUSH2 0xff (truncated)\n", "\(odd.out)")
    }
}
