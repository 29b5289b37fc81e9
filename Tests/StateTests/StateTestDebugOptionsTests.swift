import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// `eekit statetest`'s debugging options as README's "`statetest` in detail" documents them,
/// where `ConformanceTests.debuggingOptionsAndTheExpectedState` does not pin them down (found
/// by mutation testing): `--index` repeatable, the `--trace` summary's fields and their order,
/// `failure` on a failed entry, and `--dump` writing numbers as fixtures write them.
@Suite struct StateTestDebugOptionsTests {
    static let labels = Fixtures.folder("stExample") + "/labelsExample.json"
    static let add11 = Fixtures.folder("stExample") + "/add11.json"

    /// The keys of a one-level JSON object, in the order the line writes them.
    static func keys(_ line: String) -> [String] {
        line.matches(of: /[{,]"([A-Za-z]+)":/).map { String($0.1) }
    }

    /// `--index N` is repeatable: `--index 0 --index 2` runs exactly those two Cancun entries,
    /// and `--trace` writes one summary for each, in the EIP-3155 order README lists:
    /// stateRoot, output, gasUsed, pass, fork, then test, index, file.
    @Test func repeatedIndexesAndTheSummaryOrder() throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.labels))) as? [String: Any])
        let test = try #require(doc.values.first as? [String: Any])
        let cancun = try #require((test["post"] as? [String: Any])?["Cancun"] as? [[String: Any]])
        #expect(cancun.count > 2)
        let eekit = try TestFiles.eekit()
        let (status, out, err) = try TestFiles.runSeparately(eekit, ["statetest", "--index", "0", "--index", "2", "--trace", Self.labels])
        #expect(status == 0 && out == "2 passed, 0 failed\n", "\(out)")
        let summaries = err.split(separator: "\n").map(String.init).filter { $0.hasPrefix("{\"stateRoot\"") }
        try #require(summaries.count == 2, "\(err.suffix(2000))")
        for (line, index) in zip(summaries, [0, 2]) {
            #expect(Self.keys(line) == ["stateRoot", "output", "gasUsed", "pass", "fork", "test", "index", "file"], "\(line)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(summary["index"] as? Int == index && summary["pass"] as? Bool == true)
            let hash = try #require(cancun[index]["hash"] as? String)
            #expect((summary["stateRoot"] as? String)?.lowercased() == hash.lowercased())
        }
        // Without --trace the same two entries run.
        let (plain, plainOut, _) = try TestFiles.runSeparately(eekit, ["statetest", "--index", "2", "--index", "0", Self.labels])
        #expect(plain == 0 && plainOut == "2 passed, 0 failed\n", "\(plainOut)")
    }

    /// A failed entry's summary ends with `failure` (after the fields a passing one has), and
    /// `pass` is false; the closing line counts it.
    @Test func aFailedEntrySummarySaysWhy() throws {
        let dir = try TestFiles.scratchFolder("failsummary")
        defer { TestFiles.remove(dir) }
        let file = try Fixtures.withFirstCancunEntry(
            of: Self.add11, editedBy: { $0["hash"] = "0x" + String(repeating: "11", count: 32) }, into: dir)
        let (status, out, err) = try TestFiles.runSeparately(try TestFiles.eekit(), ["statetest", "--index", "0", "--trace", file.path])
        #expect(status == 1 && out.hasSuffix("0 passed, 1 failed\n"), "\(out)")
        let line = try #require(err.split(separator: "\n").map(String.init).last { $0.hasPrefix("{\"stateRoot\"") }, "\(err)")
        #expect(Self.keys(line) == ["stateRoot", "output", "gasUsed", "pass", "fork", "test", "index", "file", "failure"], "\(line)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(summary["pass"] as? Bool == false && !((summary["failure"] as? String) ?? "").isEmpty, "\(line)")
    }

    /// The summary's `output` is what the transaction returned: add11 with its callee's code
    /// replaced by PUSH1 0x2a PUSH0 MSTORE PUSH1 32 PUSH0 RETURN returns the 32-byte word 0x2a
    /// (the entry then fails its state root, which does not matter here). Mutation testing:
    /// a summary that always said "0x" went unnoticed (the fixtures used return nothing).
    @Test func theSummaryOutputIsWhatTheTransactionReturned() throws {
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.add11))) as? [String: Any])
        let name = try #require(original.keys.first)
        var test = try #require(original[name] as? [String: Any])
        let to = try #require((test["transaction"] as? [String: Any])?["to"] as? String)
        var pre = try #require(test["pre"] as? [String: Any])
        var callee = try #require(pre[to] as? [String: Any])
        callee["code"] = "0x602a5f5260205ff3"
        pre[to] = callee
        test["pre"] = pre
        let dir = try TestFiles.scratchFolder("summaryoutput")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("t.json")
        try JSONSerialization.data(withJSONObject: [name: test]).write(to: file)
        let (_, _, err) = try TestFiles.runSeparately(try TestFiles.eekit(), ["statetest", "--index", "0", "--trace", file.path])
        let line = try #require(err.split(separator: "\n").map(String.init).last { $0.hasPrefix("{\"stateRoot\"") }, "\(err)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(summary["output"] as? String == "0x" + String(repeating: "00", count: 31) + "2a", "\(line)")
    }

    /// `--dump` writes accounts as fixtures write them: balance and nonce as 0x hex quantities,
    /// code as 0x hex; the sender's nonce is its `pre` nonce plus one (the transaction ran).
    @Test func dumpWritesFixtureStyleHex() throws {
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.add11))) as? [String: Any])
        let test = try #require(original.values.first as? [String: Any])
        let pre = try #require(test["pre"] as? [String: Any])
        let tx = try #require(test["transaction"] as? [String: Any])
        let (status, _, err) = try TestFiles.runSeparately(try TestFiles.eekit(), ["statetest", "--index", "0", "--dump", Self.add11])
        #expect(status == 0)
        let dump = try #require(try JSONSerialization.jsonObject(with: Data(err.utf8)) as? [String: Any], "\(err)")
        let accounts = try #require(dump["accounts"] as? [String: [String: Any]])
        #expect(!accounts.isEmpty)
        let quantity = /0x(0|[1-9a-f][0-9a-f]*)/
        for (address, account) in accounts {
            for field in ["balance", "nonce"] {
                let v = try #require(account[field] as? String, "\(address) \(field)")
                #expect(v.wholeMatch(of: quantity) != nil, "\(address) \(field) \(v)")
            }
            #expect((account["code"] as? String)?.hasPrefix("0x") == true)
        }
        // The sender: the account whose nonce went up by one.
        let senderKeys = pre.keys.filter { key in
            guard let p = pre[key] as? [String: Any], let n = p["nonce"] as? String else { return false }
            return (p["code"] as? String).map { $0 == "0x" || $0.isEmpty } ?? true && UInt64(n.dropFirst(2), radix: 16) != nil
        }
        #expect(tx["secretKey"] != nil || tx["sender"] != nil)
        let bumped = senderKeys.filter { key in
            guard let p = pre[key] as? [String: Any], let n = (p["nonce"] as? String).flatMap({ UInt64($0.dropFirst(2), radix: 16) }),
                  let d = accounts[key.lowercased()]?["nonce"] as? String else { return false }
            return d == "0x" + String(n + 1, radix: 16)
        }
        #expect(bumped.count == 1, "\(accounts)")
    }

    /// `note: N tests without FORK entries` before the closing line, for one test as for
    /// several ("1 test", "2 tests"), with the hint that `--fork all` runs every fork's.
    @Test func testsWithoutTheForkAreNoted() throws {
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.add11))) as? [String: Any])
        let name = try #require(original.keys.first)
        var test = try #require(original[name] as? [String: Any])
        let post = try #require(test["post"] as? [String: Any])
        test["post"] = ["Cancun": try #require(post["Cancun"])]
        let dir = try TestFiles.scratchFolder("withoutfork")
        defer { TestFiles.remove(dir) }
        try JSONSerialization.data(withJSONObject: [name: test]).write(to: dir.appendingPathComponent("a.json"))
        let eekit = try TestFiles.eekit()
        let one = try TestFiles.runSeparately(eekit, ["statetest", "--fork", "Berlin", dir.path])
        #expect(one.status == 0 && one.out == "note: 1 test without Berlin entries (--fork all runs every fork's)\n0 passed, 0 failed\n", "\(one.out)")
        try JSONSerialization.data(withJSONObject: [name + "2": test]).write(to: dir.appendingPathComponent("b.json"))
        let two = try TestFiles.runSeparately(eekit, ["statetest", "--fork", "Berlin", dir.path])
        #expect(two.status == 0 && two.out == "note: 2 tests without Berlin entries (--fork all runs every fork's)\n0 passed, 0 failed\n", "\(two.out)")
    }
}
