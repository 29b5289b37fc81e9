import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// `eekit statetest`'s reporting where a mutation round on StateTestCommand (and the fixture
/// listing it calls) found the suite silent: the FAIL line's fields, load errors that neither
/// stop the run nor pass it, the `--json` document, the folder walk, `--run` in either worker
/// mode, the notes for what did not run (empty fork lists, filtered tests, forks after Cancun
/// across files and under `--index`, "Merge" as Paris), option bounds, and `--trace` / `--dump`
/// in file order with several files. The fixtures are add11 (stExample) rewritten: its Cancun
/// entry passes under Cancun (its expected root is Cancun's), and the same entry with the
/// root 0x11...11 fails under any fork, so every expected count follows from the files alone.
@Suite struct StateTestCLIMutationRoundTests {
    static let wrongRoot = "0x" + String(repeating: "11", count: 32)

    /// add11's test (pre, env, transaction) and its passing Cancun entry.
    static var add11: (test: [String: Any], entry: [String: Any]) {
        let path = Fixtures.folder("stExample") + "/add11.json"
        let doc = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any]
        let test = doc?["add11"] as? [String: Any] ?? [:]
        let entry = ((test["post"] as? [String: Any])?["Cancun"] as? [[String: Any]])?.first ?? [:]
        return (test, entry)
    }

    /// The passing entry, and the failing one.
    static var good: [String: Any] { add11.entry }
    static var bad: [String: Any] {
        var e = add11.entry
        e["hash"] = wrongRoot
        return e
    }

    /// Writes a fixture file of tests (name: post entries by fork key), all add11 but the post;
    /// returns its path.
    @discardableResult
    static func write(_ tests: [String: [String: [[String: Any]]]], _ dir: URL, _ name: String) throws -> String {
        let base = add11.test
        try #require(!base.isEmpty && !add11.entry.isEmpty)
        var doc: [String: Any] = [:]
        for (testName, post) in tests {
            var t = base
            t["post"] = post
            doc[testName] = t
        }
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: doc).write(to: url)
        return url.path
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try TestFiles.runSeparately(try TestFiles.eekit(), ["statetest"] + arguments)
    }

    static func lines(_ text: String) -> [String] { text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }

    /// A failed entry's line names the test, its position `[N]`, the fork with `--fork all`
    /// only, the file, and why (README: "the `[N]` of a FAIL line"); the closing line counts
    /// both entries and the exit status is 1.
    @Test func failLinesNameTestIndexForkFileAndReason() throws {
        let dir = try TestFiles.scratchFolder("mut-faillines")
        defer { TestFiles.remove(dir) }
        let file = try Self.write(["mixed": ["Cancun": [Self.good, Self.bad]]], dir, "f.json")
        for (arguments, fork) in [([file], ""), (["--fork", "all", file], " Cancun"), (["--jobs", "1", "--fork", "cancun", file], "")] {
            let r = try Self.run(arguments)
            let lines = Self.lines(r.out)
            #expect(r.status == 1 && lines.count == 2 && lines.last == "1 passed, 1 failed", "\(arguments): \(r.out)")
            let fail = lines.first ?? ""
            #expect(fail.hasPrefix("FAIL mixed [1]\(fork) (\(file)): state root ") && fail.contains(" != expected \(Self.wrongRoot)"),
                    "\(arguments): \(fail)")
        }
    }

    /// A file that is not a state test is named on an ERROR line and counted on a note ("1
    /// file", "2 files"); the other files still run, and the exit status is 1 even though no
    /// entry failed.
    @Test func loadErrorsAreNamedAndFailTheRunWithoutStoppingIt() throws {
        let dir = try TestFiles.scratchFolder("mut-loaderrors")
        defer { TestFiles.remove(dir) }
        try Self.write(["fine": ["Cancun": [Self.good]]], dir, "a.json")
        let broken = dir.appendingPathComponent("b.json")
        try Data("{ not json".utf8).write(to: broken)
        let one = try Self.run([dir.path])
        var lines = Self.lines(one.out)
        #expect(one.status == 1 && lines.count == 3, "\(one.out)")
        #expect(lines.first?.hasPrefix("ERROR ") == true && lines.first?.contains(broken.path) == true, "\(one.out)")
        #expect(Array(lines.dropFirst()) == ["note: 1 file not loaded (named on the ERROR lines)", "1 passed, 0 failed"], "\(one.out)")
        let array = dir.appendingPathComponent("sub/c.json")
        try FileManager.default.createDirectory(at: array.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("[]".utf8).write(to: array)
        let two = try Self.run(["--jobs", "1", dir.path])
        lines = Self.lines(two.out)
        #expect(two.status == 1 && lines.count == 4, "\(two.out)")
        #expect(lines.prefix(2).allSatisfy { $0.hasPrefix("ERROR ") } && lines[0].contains(broken.path) && lines[1].contains(array.path),
                "\(two.out)")
        #expect(Array(lines.suffix(2)) == ["note: 2 files not loaded (named on the ERROR lines)", "1 passed, 0 failed"], "\(two.out)")
    }

    /// `--json`: stdout is one JSON document (the counts, `withoutFork`, `notImplementedForks`,
    /// the failures with their reason, the load errors), and the notes and the closing line go
    /// to stderr, as README says. The same run in text names the same things on its lines.
    @Test func jsonDocumentAndTextReportTheSameRun() throws {
        let dir = try TestFiles.scratchFolder("mut-json")
        defer { TestFiles.remove(dir) }
        let a = try Self.write(["mixed": ["Cancun": [Self.good, Self.bad]]], dir, "a.json")
        try Self.write(["future": ["Amsterdam": [Self.bad]]], dir, "b.json")
        let broken = dir.appendingPathComponent("c.json")
        try Data("{ not json".utf8).write(to: broken)
        let notes = [
            "note: 1 file not loaded (named on the ERROR lines)", "note: 1 test without Frontier...BPO2 entries",
            "note: 1 entry of forks not implemented (Amsterdam 1) not run",
        ]
        let r = try Self.run(["--json", "--fork", "all", dir.path])
        #expect(r.status == 1)
        #expect(Self.lines(r.err) == notes + ["1 passed, 1 failed"], "\(r.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r.out)")
        #expect(doc["passed"] as? Int == 1 && doc["failed"] as? Int == 1 && doc["skipped"] as? Int == 0, "\(r.out)")
        let later = doc["notImplementedForks"] as? [String: Any]
        #expect(doc["withoutFork"] as? Int == 1 && later?.count == 1 && later?["Amsterdam"] as? Int == 1, "\(r.out)")
        #expect((doc["skips"] as? [Any])?.isEmpty == true, "\(r.out)")
        let errors = try #require(doc["loadErrors"] as? [String], "\(r.out)")
        #expect(errors.count == 1 && errors[0].contains(broken.path), "\(r.out)")
        let failures = try #require(doc["failures"] as? [[String: Any]], "\(r.out)")
        try #require(failures.count == 1, "\(r.out)")
        #expect(failures[0]["name"] as? String == "mixed" && failures[0]["index"] as? Int == 1, "\(r.out)")
        #expect(failures[0]["fork"] as? String == "Cancun" && failures[0]["file"] as? String == a, "\(r.out)")
        #expect((failures[0]["reason"] as? String)?.hasPrefix("state root ") == true, "\(r.out)")

        let text = try Self.run(["--fork", "all", dir.path])
        let lines = Self.lines(text.out)
        #expect(text.status == 1 && lines.count == 6 && text.err.isEmpty, "\(text.out)\(text.err)")
        #expect(lines.first?.hasPrefix("ERROR ") == true && lines.first?.contains(broken.path) == true, "\(text.out)")
        #expect(lines.count > 1 && lines[1].hasPrefix("FAIL mixed [1] Cancun (\(a)): state root "), "\(text.out)")
        #expect(Array(lines.suffix(4)) == notes + ["1 passed, 1 failed"], "\(text.out)")
    }

    /// Folders are walked for `*.json` files, down every level, in path order, whatever the
    /// number of workers: other files are not read (they would be load errors), and a link
    /// to a folder is not followed (StateTestRunner.fixtureFiles, as revme's walk). Several
    /// paths all run.
    @Test func foldersAreWalkedForJSONFilesInPathOrder() throws {
        let dir = try TestFiles.scratchFolder("mut-walk")
        defer { TestFiles.remove(dir) }
        let tree = dir.appendingPathComponent("tree")
        let deep = try Self.write(["deep": ["Cancun": [Self.bad]]], tree, "a/b/deep.json")
        let top = try Self.write(["top": ["Cancun": [Self.bad]]], tree, "top.json")
        try Data("not a state test".utf8).write(to: tree.appendingPathComponent("notes.txt"))
        try Data("{ not json".utf8).write(to: tree.appendingPathComponent("a/old.json.bak"))
        try Self.write(["linked": ["Cancun": [Self.bad]]], dir, "outside/linked.json")
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("link").path,
                                                   withDestinationPath: dir.appendingPathComponent("outside").path)
        for jobs in ["1", "2"] {
            let r = try Self.run(["--jobs", jobs, tree.path])
            let lines = Self.lines(r.out)
            #expect(r.status == 1 && lines.count == 3 && lines.last == "0 passed, 2 failed", "--jobs \(jobs): \(r.out)")
            #expect(lines.first?.hasPrefix("FAIL deep [0] (\(deep)): ") == true && lines.dropFirst().first?.hasPrefix("FAIL top [0] (\(top)): ") == true,
                    "--jobs \(jobs): \(r.out)")
        }
        let other = try Self.write(["other": ["Cancun": [Self.good]]], dir, "other/x.json")
        let both = try Self.run([top, URL(fileURLWithPath: other).deletingLastPathComponent().path])
        let lines = Self.lines(both.out)
        #expect(both.status == 1 && lines.count == 2 && lines.first?.hasPrefix("FAIL top [0] (\(top)): ") == true
                && lines.last == "1 passed, 1 failed", "\(both.out)")
    }

    /// `--run` selects tests by a match anywhere in the name, with one worker or several and
    /// with one file; a test it leaves out is not noted as lacking the fork either.
    @Test func runFilterAppliesInEveryWorkerMode() throws {
        let dir = try TestFiles.scratchFolder("mut-runfilter")
        defer { TestFiles.remove(dir) }
        let a = try Self.write(["keepOne": ["Cancun": [Self.bad]], "dropOne": ["Cancun": [Self.bad]], "dropOld": ["Berlin": [Self.bad]]],
                               dir, "a.json")
        try Self.write(["keepTwo": ["Cancun": [Self.good]], "dropTwo": ["Cancun": [Self.bad]]], dir, "b.json")
        for jobs in ["1", "2"] {
            let r = try Self.run(["--jobs", jobs, "--run", "^keep", dir.path])
            let lines = Self.lines(r.out)
            #expect(r.status == 1 && lines.count == 2 && lines.first?.hasPrefix("FAIL keepOne [0] (\(a)): ") == true
                    && lines.last == "1 passed, 1 failed", "--jobs \(jobs): \(r.out)")
            let suffix = try Self.run(["--jobs", jobs, "--run", "Two$", dir.path])
            #expect(suffix.status == 1 && Self.lines(suffix.out).last == "1 passed, 1 failed"
                    && suffix.out.contains("FAIL dropTwo [0] ") && !suffix.out.contains("note:"), "--jobs \(jobs): \(suffix.out)")
        }
        let single = try Self.run(["--run", "^keep", a])
        #expect(single.status == 1 && Self.lines(single.out).count == 2 && Self.lines(single.out).last == "0 passed, 1 failed", "\(single.out)")
        let whole = try Self.run([a])
        #expect(whole.out.hasSuffix("note: 1 test without Cancun entries (--fork all runs every fork's)\n0 passed, 2 failed\n"), "\(whole.out)")
    }

    /// A test whose entries for the fork are an empty list has none to run: it is noted like a
    /// test without the key. The note names the fork as the fixtures do, whatever the case it
    /// was given in on the command line.
    @Test func testsWithoutEntriesForTheForkAreNotedByItsName() throws {
        let dir = try TestFiles.scratchFolder("mut-withoutfork")
        defer { TestFiles.remove(dir) }
        let empty = try Self.write(["emptyCancun": ["Cancun": [], "Berlin": [Self.bad]]], dir, "e.json")
        let r = try Self.run([empty])
        #expect(r.status == 0 && r.out == "note: 1 test without Cancun entries (--fork all runs every fork's)\n0 passed, 0 failed\n", "\(r.out)")
        let cancun = try Self.write(["onlyCancun": ["Cancun": [Self.good]]], dir, "c.json")
        let lower = try Self.run(["--fork", "berlin", cancun])
        #expect(lower.status == 0 && lower.out == "note: 1 test without Berlin entries (--fork all runs every fork's)\n0 passed, 0 failed\n",
                "\(lower.out)")
        let json = try Self.run(["--json", "--fork", "BERLIN", cancun])
        #expect(json.err == "note: 1 test without Berlin entries (--fork all runs every fork's)\n0 passed, 0 failed\n", "\(json.err)")
    }

    /// With `--fork all`, the entries of forks after Osaka are counted over every file (per
    /// fork, sorted by name; the total is of entries, not forks), only at the `--index`
    /// positions asked for, and only with `--fork all`.
    @Test func entriesOfLaterForksAreCountedAcrossFilesAndIndexes() throws {
        let dir = try TestFiles.scratchFolder("mut-later")
        defer { TestFiles.remove(dir) }
        try Self.write(["p1": ["Cancun": [Self.good], "Glamsterdam": [Self.bad, Self.bad]]], dir, "a.json")
        try Self.write(["p2": ["Cancun": [Self.good], "Glamsterdam": [Self.bad], "Amsterdam": [Self.bad]]], dir, "b.json")
        for jobs in ["1", "2"] {
            let all = try Self.run(["--jobs", jobs, "--fork", "all", dir.path])
            #expect(all.status == 0 && all.out == "note: 4 entries of forks not implemented (Amsterdam 1, Glamsterdam 3) not run\n2 passed, 0 failed\n",
                    "--jobs \(jobs): \(all.out)")
        }
        let first = try Self.run(["--fork", "all", "--index", "0", dir.path])
        #expect(first.status == 0 && first.out == "note: 3 entries of forks not implemented (Amsterdam 1, Glamsterdam 2) not run\n2 passed, 0 failed\n",
                "\(first.out)")
        let cancun = try Self.run(["--fork", "Cancun", dir.path])
        #expect(cancun.status == 0 && cancun.out == "2 passed, 0 failed\n", "\(cancun.out)")
    }

    /// "Merge" is Paris's older name (README): its entries run under Paris, with `--fork all`
    /// and `--fork Paris` alike, and are neither a fork not implemented nor missing.
    @Test func mergeEntriesAreParisEntries() throws {
        let dir = try TestFiles.scratchFolder("mut-merge")
        defer { TestFiles.remove(dir) }
        let file = try Self.write(["merged": ["Merge": [Self.bad]]], dir, "m.json")
        let all = try Self.run(["--fork", "all", file])
        let lines = Self.lines(all.out)
        #expect(all.status == 1 && lines.count == 2 && lines.first?.hasPrefix("FAIL merged [0] Merge (\(file)): state root ") == true
                && lines.last == "0 passed, 1 failed", "\(all.out)")
        let paris = try Self.run(["--fork", "Paris", file])
        #expect(paris.status == 1 && Self.lines(paris.out).count == 2 && paris.out.hasSuffix("\n0 passed, 1 failed\n"), "\(paris.out)")
    }

    /// The note that no entry ran at `--index` appears only when none did.
    @Test func indexNoteOnlyWhenNothingRan() throws {
        let dir = try TestFiles.scratchFolder("mut-indexnote")
        defer { TestFiles.remove(dir) }
        let file = try Self.write(["t": ["Cancun": [Self.good, Self.bad]]], dir, "t.json")
        let zero = try Self.run(["--index", "0", file])
        #expect(zero.status == 0 && zero.out == "1 passed, 0 failed\n", "\(zero.out)")
        let seven = try Self.run(["--index", "7", file])
        #expect(seven.status == 0 && seven.out == "note: no post entry at --index 7 ran (positions count from 0 under each fork)\n0 passed, 0 failed\n",
                "\(seven.out)")
    }

    /// `--jobs` takes 1 to 1024 and `--index` a position from 0: anything else is a usage error
    /// (exit 64) naming the option.
    @Test func jobsAndIndexBoundsAreUsageErrors() throws {
        let dir = try TestFiles.scratchFolder("mut-bounds")
        defer { TestFiles.remove(dir) }
        let file = try Self.write(["t": ["Cancun": [Self.good]]], dir, "t.json")
        for (arguments, message) in [(["--jobs", "0"], "--jobs: 0 is not 1 to 1024"), (["--jobs", "1025"], "--jobs: 1025 is not 1 to 1024"),
                                     (["--index=-1"], "--index: -1 is not a position (0 or more)")] {
            let r = try Self.run(arguments + [file])
            #expect(r.status == 64 && r.err.contains(message) && r.out.isEmpty, "\(arguments): \(r.out)\(r.err)")
        }
        let most = try Self.run(["--jobs", "1024", file])
        #expect(most.status == 0 && most.out == "1 passed, 0 failed\n", "\(most.out)\(most.err)")
    }

    /// `--trace` and `--dump` run one file at a time whatever `--jobs` says (README): with a
    /// long file first, its entries' lines all come before the short second file's.
    @Test func traceAndDumpKeepFileOrderWithSeveralJobs() throws {
        let dir = try TestFiles.scratchFolder("mut-traceorder")
        defer { TestFiles.remove(dir) }
        try Self.write(["many": ["Cancun": Array(repeating: Self.good, count: 12)]], dir, "a.json")
        try Self.write(["one": ["Cancun": [Self.good]]], dir, "b.json")
        let expected = Array(repeating: "many", count: 12) + ["one"]
        let trace = try Self.run(["--jobs", "2", "--trace", dir.path])
        #expect(trace.status == 0 && trace.out == "13 passed, 0 failed\n", "\(trace.out)")
        let summaries = Self.lines(trace.err).filter { $0.hasPrefix("{\"stateRoot\"") }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["test"] as? String
        }
        #expect(summaries == expected, "\(summaries)")
        let dump = try Self.run(["--jobs", "2", "--dump", dir.path])
        #expect(dump.status == 0 && dump.out == "13 passed, 0 failed\n", "\(dump.out)")
        let dumped = Self.lines(dump.err).compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["test"] as? String }
        #expect(dumped == expected, "\(dumped)")
    }
}
