import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// The state-test loader's field rules and the runner's verdicts where the conformance suites
/// (every fixture well formed, every entry passing) cannot tell a wrong rule from a right one.
/// Found by the StateTestCase / StateTestRunner / ContractSession / FileInput mutation round:
/// each test fails under at least one mutation that the whole suite let through.
@Suite struct StateTestLoaderRulesTests {
    static let add11 = Fixtures.folder("stExample") + "/add11.json"

    /// add11's first test, as JSON, with `edit` applied, written to a scratch file and loaded;
    /// the load error's text when it fails.
    static func load(_ edit: (inout [String: Any]) -> Void) throws -> Result<StateTestCase, EEError> {
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: add11))) as? [String: Any])
        let name = try #require(original.keys.first)
        var test = try #require(original[name] as? [String: Any])
        edit(&test)
        // A folder of its own: the tests of this suite run in parallel.
        let dir = try TestFiles.scratchFolder("loaderrules-\(UUID().uuidString)")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("t.json")
        try JSONSerialization.data(withJSONObject: [name: test]).write(to: file)
        do { return .success(try #require(try StateTestCase.load(path: file.path).first)) } catch let e as EEError {
            return .failure(e)
        }
    }

    /// `edit` applied to the object under `key` (env, transaction, pre, ...).
    static func editing(_ key: String, _ body: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
        { test in
            var o = test[key] as! [String: Any]
            body(&o)
            test[key] = o
        }
    }

    static func error(_ r: Result<StateTestCase, EEError>) -> String {
        switch r {
        case .success: return "loaded"
        case .failure(let e): return "\(e)"
        }
    }

    /// A post index equal to the number of entries is out of range (the last valid one is
    /// count - 1): an error naming it, not a trap on the array subscript.
    @Test func anIndexOnePastTheLastEntryIsOutOfRange() throws {
        let test = try #require(try StateTestCase.load(path: Self.add11).first)
        let entry = try #require(test.post["Cancun"]?.first)
        #expect(test.transaction.data.count == 1 && test.transaction.gasLimit.count == 1 && test.transaction.value.count == 1)
        _ = try test.transaction(for: entry)
        for field in ["data", "gas", "value"] {
            var e = entry
            switch field {
            case "data": e.dataIndex = 1
            case "gas": e.gasIndex = 1
            default: e.valueIndex = 1
            }
            #expect(throws: EEError.self, "\(field) index 1 of 1") { try test.transaction(for: e) }
        }
    }

    /// A duplicate key is located at its second copy's opening quote (the byte offset an
    /// editor jumps to).
    @Test func aDuplicateKeyIsLocatedAtItsSecondCopy() throws {
        let dir = try TestFiles.scratchFolder("dupoffset")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("dup.json")
        // {"a": 1, "a": 2}: the second "a" opens at byte 9.
        try Data(#"{"a": 1, "a": 2}"#.utf8).write(to: file)
        #expect(throws: EEError.malformedInput(#"\#(file.path): key "a" appears twice in one object (the second at byte 9)"#)) {
            try StateTestCase.load(path: file.path)
        }
    }

    /// An escaped quote does not end a key: `"k\""` twice is a duplicate.
    @Test func aKeyWithAnEscapedQuoteIsComparedWhole() throws {
        let dir = try TestFiles.scratchFolder("dupescape")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("dup.json")
        try Data(#"{"k\"": 1, "k\"": 2}"#.utf8).write(to: file)
        #expect(throws: EEError.malformedInput(#"\#(file.path): key "k\"" appears twice in one object (the second at byte 11)"#)) {
            try StateTestCase.load(path: file.path)
        }
    }

    /// Keys are compared decoded: `"BPO\u0031"` after `"BPO1"` is the same key written twice
    /// (a review found both loading, Foundation keeping one).
    @Test func anEscapedSpellingOfAKeyIsADuplicate() throws {
        let dir = try TestFiles.scratchFolder("dupunicode")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("dup.json")
        try Data(#"{"BPO1": 1, "BPO\u0031": 2}"#.utf8).write(to: file)
        #expect(throws: EEError.malformedInput(#"\#(file.path): key "BPO\u0031" appears twice in one object (the second at byte 12)"#)) {
            try StateTestCase.load(path: file.path)
        }
    }

    /// Keys are compared as Swift strings, which Foundation's objects key by: a composed
    /// "café" and a decomposed one (e + U+0301) are one key (a review found the second test of
    /// such a pair silently dropped).
    @Test func canonicallyEquivalentKeysAreDuplicates() throws {
        let dir = try TestFiles.scratchFolder("dupcanonical")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("dup.json")
        try Data("{\"caf\u{E9}\": 1, \"cafe\u{301}\": 2}".utf8).write(to: file)
        #expect(throws: EEError.malformedInput("\(file.path): key \"cafe\u{301}\" appears twice in one object (the second at byte 13)")) {
            try StateTestCase.load(path: file.path)
        }
        try Data(#"{"caf\u00e9": 1, "cafe\u0301": 2}"#.utf8).write(to: file)
        #expect(throws: EEError.self) { try StateTestCase.load(path: file.path) }
    }

    /// Each block field comes from its own `env` key (add11: number 1, timestamp 1000, gas
    /// limit 0xff112233445566, base fee 10, coinbase 0x2adc...).
    @Test func blockFieldsAreReadFromTheirOwnKeys() throws {
        let test = try #require(try StateTestCase.load(path: Self.add11).first)
        #expect(test.block.number == 1 && test.block.timestamp == 1000 && test.block.gasLimit == 0xff11_2233_4455_66)
        #expect(test.block.baseFee == U256(10) && test.block.coinbase == Address(hex: "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba"))
        let later = try Self.load(Self.editing("env") { $0["currentTimestamp"] = "0x0100" }).get()
        #expect(later.block.timestamp == 256 && later.block.number == 1)
    }

    /// PREVRANDAO reads `currentRandom`; without it, `currentDifficulty` (older fillings);
    /// DIFFICULTY keeps `currentDifficulty` either way.
    @Test func prevrandaoIsCurrentRandomElseCurrentDifficulty() throws {
        let difficulty = try #require(Bytes32(hex: "0x" + String(repeating: "0", count: 58) + "020000"))
        let random = try #require(Bytes32(hex: "0x" + String(repeating: "ab", count: 32)))
        let both = try Self.load(Self.editing("env") { $0["currentRandom"] = random.hex }).get()
        #expect(both.block.prevrandao == random && both.difficulty == difficulty)
        let noRandom = try Self.load(Self.editing("env") { $0["currentRandom"] = nil }).get()
        #expect(noRandom.block.prevrandao == difficulty && noRandom.difficulty == difficulty)
    }

    /// Numbers as geth's HexOrDecimal reads them: an upper-case `0X` prefix is hex too; a
    /// 64-bit field (block number) given more than 64 bits is an error, not truncated.
    @Test func numberPrefixesAndSixtyFourBitFields() throws {
        let upper = try Self.load(Self.editing("env") { $0["currentNumber"] = "0X0A" }).get()
        #expect(upper.block.number == 10)
        let big = Self.error(try Self.load(Self.editing("env") { $0["currentNumber"] = "0x010000000000000001" }))
        #expect(big.contains("'currentNumber' does not fit in 64 bits"), "\(big)")
    }

    /// A malformed blob versioned hash is an error (not dropped, which would run a blob
    /// transaction with fewer blobs than the fixture gives).
    @Test func blobVersionedHashesMustBeHashes() throws {
        let good = "0x01" + String(repeating: "00", count: 31)
        func blobTx(_ hashes: [String]) -> (inout [String: Any]) -> Void {
            Self.editing("transaction") { tx in
                tx["gasPrice"] = nil
                tx["maxFeePerGas"] = "0x0a"
                tx["maxPriorityFeePerGas"] = "0x00"
                tx["maxFeePerBlobGas"] = "0x01"
                tx["blobVersionedHashes"] = hashes
            }
        }
        let loaded = try Self.load(blobTx([good, good])).get()
        #expect(loaded.transaction.type == .blob && loaded.transaction.blobVersionedHashes.count == 2)
        for bad in ["0xzz", "0x01" + String(repeating: "00", count: 30)] {
            let m = Self.error(try Self.load(blobTx([good, bad])))
            #expect(m.contains("blobVersionedHashes: \(bad)"), "\(m)")
        }
    }

    /// An access-list (type 1) transaction has a price, as a legacy one does (geth: "no gas
    /// price provided"); without `gasPrice` and `maxFeePerGas` it is malformed.
    @Test func anAccessListTransactionNeedsAGasPrice() throws {
        let withPrice = try Self.load(Self.editing("transaction") { $0["accessLists"] = [[Any]()] }).get()
        #expect(withPrice.transaction.type == .accessList && withPrice.transaction.gasPrice == U256(10))
        let m = Self.error(try Self.load(Self.editing("transaction") { tx in
            tx["accessLists"] = [[Any]()]
            tx["gasPrice"] = nil
        }))
        #expect(m.hasSuffix("transaction has neither gasPrice nor maxFeePerGas"), "\(m)")
    }

    /// `expectException` is a string (or null); a number is malformed, not "no exception".
    @Test func expectExceptionMustBeAString() throws {
        let m = Self.error(try Self.load { test in
            var post = test["post"] as! [String: Any]
            var cancun = post["Cancun"] as! [[String: Any]]
            cancun[0]["expectException"] = 5
            post["Cancun"] = cancun
            test["post"] = post
        })
        #expect(m.hasSuffix("post.Cancun[0].expectException is not a string"), "\(m)")
    }

    /// A fork's post value that is not a list of entry objects says what it is instead.
    @Test func postEntriesMustBeAListOfObjects() throws {
        for (value, why) in [([String: Any](), "it is an object"), ([NSNull()], "an element is null")] as [(Any, String)] {
            let m = Self.error(try Self.load { test in
                var post = test["post"] as! [String: Any]
                post["Cancun"] = value
                test["post"] = post
            })
            #expect(m.hasSuffix("post.Cancun is not a list of entries: \(why)"), "\(m)")
        }
    }

    /// `pre` storage: zero slots are left out (a zero slot is no slot, as in the trie), and a
    /// `storage` that is not an object is malformed, not an empty storage.
    @Test func preStorageDropsZeroSlotsAndMustBeAnObject() throws {
        let target = "0x095e7baea6a6c7c4c2dfeb977efac326af552d87"
        let address = try #require(Address(hex: target))
        func withStorage(_ storage: Any) -> (inout [String: Any]) -> Void {
            Self.editing("pre") { pre in
                var a = pre[target] as! [String: Any]
                a["storage"] = storage
                pre[target] = a
            }
        }
        let loaded = try Self.load(withStorage(["0x01": "0x00", "0x02": "0x05"])).get()
        #expect(loaded.preStorage[address] == [U256(2): U256(5)])
        let onlyZero = try Self.load(withStorage(["0x01": "0x00"])).get()
        #expect(onlyZero.preStorage[address] == nil)
        let m = Self.error(try Self.load(withStorage("0x01")))
        #expect(m.contains("pre: storage of \(target) is not an object"), "\(m)")
    }

    /// A file holding an empty object is not a state test: it is refused by name, and the CLI
    /// reports it on an ERROR line and exits 1 (a review: "0 passed, 0 failed", exit 0).
    @Test func anEmptyObjectIsNotAStateTest() throws {
        let dir = try TestFiles.scratchFolder("emptyobject")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("empty.json")
        try Data("{ }".utf8).write(to: file)
        do {
            _ = try StateTestCase.load(path: file.path)
            Issue.record("an empty object loaded as a state-test file")
        } catch {
            #expect("\(error)".contains("an empty object, not a state test"), "\(error)")
        }
        let r = try StateTestCLIMutationRoundTests.run([file.path])
        #expect(r.status == 1 && r.out.hasPrefix("ERROR ") && r.out.contains("not a state test"), "\(r.out)")
    }

    /// `sender` comes first: with both `sender` and `secretKey`, the sender is `sender`, as
    /// geth's state-test runner takes it (the key's address is only for fillings without one).
    @Test func senderTakesPrecedenceOverSecretKey() throws {
        let reference = try #require(try StateTestCase.load(path: Self.add11).first)
        let other = Address(low: 0x5e4d)
        let loaded = try Self.load(Self.editing("transaction") { $0["sender"] = other.hex }).get()
        #expect(loaded.transaction.sender == other && reference.transaction.sender != other)
    }

    // MARK: the runner's verdicts

    static func runOne(_ test: StateTestCase, fork: String = "Cancun") -> (StateTestResult.Verdict?, [StateTestEntryOutcome]) {
        var runner = StateTestRunner(registry: .standard, hooks: Precompiles.cancun())
        var seen: [StateTestEntryOutcome] = []
        runner.observer = { seen.append($0) }
        let results = runner.run(test, fork: fork)
        return (results.count == 1 ? results[0].verdict : nil, seen)
    }

    /// The logs hash is checked: an entry whose root matches but whose logs hash does not
    /// fails, naming the logs hash.
    @Test func aWrongLogsHashFailsTheEntry() throws {
        var test = try #require(try StateTestCase.load(path: Self.add11).first)
        var entry = try #require(test.post["Cancun"]?.first)
        #expect(Self.runOne(test).0 == .passed)
        entry.logs = try #require(Bytes32(hex: "0x" + String(repeating: "22", count: 32)))
        test.post["Cancun"] = [entry]
        guard case .failed(let why)? = Self.runOne(test).0 else {
            Issue.record("a wrong logs hash passed")
            return
        }
        #expect(why.hasPrefix("logs hash ") && why.contains("!= expected 0x2222"), "\(why)")
    }

    /// Entries under a fork key this runner does not implement are reported, one failure per
    /// entry ("fork NAME is not implemented"), not dropped.
    @Test func entriesOfAnUnimplementedForkAreReported() throws {
        var test = try #require(try StateTestCase.load(path: Self.add11).first)
        #expect(Fork(name: "Amsterdam") == nil)
        let entry = try #require(test.post["Cancun"]?.first)
        var second = entry
        second.index = 1
        test.post = ["Amsterdam": [entry, second]]
        let results = StateTestRunner(registry: .standard, hooks: Precompiles.cancun()).run(test, fork: "Amsterdam")
        #expect(results.map(\.index) == [0, 1])
        #expect(results.allSatisfy { $0.verdict == .failed("fork Amsterdam is not implemented") && $0.fork == "Amsterdam" })
    }

    /// A mismatch in a transaction that called a precompile no hook serves is a skip naming
    /// it, not a failure: the point-evaluation entries with 0x0a made unavailable.
    @Test func aMismatchAfterAnUnavailablePrecompileIsASkip() throws {
        var hooks = Precompiles.cancun()
        hooks[Address(low: 0x0a)] = UnavailablePrecompile(name: "point_evaluation", reason: "disabled for this test")
        let runner = StateTestRunner(registry: .standard, hooks: hooks)
        var skipped = 0, failed = [String]()
        for file in try StateTestRunner.fixtureFiles([Fixtures.folder("Pyspecs/cancun/eip4844_blobs")])
        where file.contains("point_evaluation_precompile") {
            for test in try StateTestCase.load(path: file) {
                for r in runner.run(test, fork: "Cancun") {
                    switch r.verdict {
                    case .skipped(let missing):
                        #expect(missing == [Address(low: 0x0a)])
                        skipped += 1
                    case .failed(let why): failed.append("\(r.name): \(why)")
                    case .passed: break
                    }
                }
            }
        }
        #expect(skipped > 0 && failed.isEmpty, "\(skipped) skipped; \(failed.prefix(3))")
    }

    /// The expected-state report names each kind of difference: nonce, balance, code (where
    /// it first differs), and beyond eight differences says how many more there are.
    @Test func theExpectedStateReportNamesEveryKindOfDifference() throws {
        var test = try #require(try StateTestCase.load(path: Self.add11).first)
        var entry = try #require(test.post["Cancun"]?.first)
        let (_, seen) = Self.runOne(test)
        let store = try #require(seen.first?.postState)
        var accounts = try store.allAccounts()
        var storage = [Address: [U256: U256]]()
        for a in accounts.keys {
            let s = try store.allStorage(a).filter { !$0.value.isZero }
            if !s.isEmpty { storage[a] = s }
        }
        let sender = test.transaction.sender
        let target = try #require(test.transaction.to)
        accounts[sender]?.nonce += 6
        let old = try #require(accounts[target])
        let code = old.code
        #expect(code.count > 3)
        var changed = code
        changed[2] ^= 0xff
        accounts[target] = Account(nonce: old.nonce, balance: U256(0x77), kind: old.kind, code: changed)
        entry.hash = try #require(Bytes32(hex: "0x" + String(repeating: "11", count: 32)))
        entry.expectedState = StateTestCase.PostState(accounts: accounts, storage: storage)
        test.post["Cancun"] = [entry]
        guard case .failed(let why)? = Self.runOne(test).0 else {
            Issue.record("the wrong root passed")
            return
        }
        let nonce = try #require(seen.first?.postState?.allAccounts()[sender]?.nonce)
        for part in [
            "\(sender.hex) nonce \(nonce) != expected \(nonce + 6)",
            "\(target.hex) balance ",
            "!= expected 0x77",
            "\(target.hex) code of \(code.count) bytes != expected \(code.count) bytes (first difference at byte 2)",
        ] { #expect(why.contains(part), "\(part): \(why)") }
        #expect(!why.contains("more)"))
        // Twelve accounts the expected state lacks: eight named, "(and 4 more)".
        var expectedAccounts = try store.allAccounts()
        for i in 1...12 { expectedAccounts[Address(low: UInt64(0xee00 + i))] = Account(balance: U256(1)) }
        entry.expectedState = StateTestCase.PostState(accounts: expectedAccounts, storage: storage)
        test.post["Cancun"] = [entry]
        guard case .failed(let many)? = Self.runOne(test).0 else {
            Issue.record("the wrong root passed")
            return
        }
        #expect(many.components(separatedBy: " absent, expected").count - 1 == 8 && many.hasSuffix(" (and 4 more)"), "\(many)")
    }

    /// `fixtureFiles` on a folder: the `*.json` files below it, sub-folders included, sorted,
    /// other files left out, symbolic links to folders not followed.
    @Test func fixtureFilesListsJSONFilesSortedWithoutFollowingLinks() throws {
        let dir = try TestFiles.scratchFolder("fixturefiles")
        defer { TestFiles.remove(dir) }
        let other = try TestFiles.scratchFolder("fixturefiles-linked")
        defer { TestFiles.remove(other) }
        try Data("{}".utf8).write(to: other.appendingPathComponent("linked.json"))
        var rng = SplitMix64(seed: 7)
        let names = (0..<16).map { String(format: "t%02d.json", $0) }.shuffled(using: &rng)
        for name in names { try Data("{}".utf8).write(to: dir.appendingPathComponent(name)) }
        try Data("x".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        try Data("x".utf8).write(to: dir.appendingPathComponent("t.json.bak"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: false)
        try Data("{}".utf8).write(to: dir.appendingPathComponent("sub/inner.json"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link").path, withDestinationPath: other.path)
        let found = try StateTestRunner.fixtureFiles([dir.path])
        let expected = (names + ["sub/inner.json"]).map { dir.appendingPathComponent($0).path }.sorted()
        #expect(found == expected, "\(found.map { ($0 as NSString).lastPathComponent })")
    }
}
