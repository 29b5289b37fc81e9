import EEKitTestSupport
import Foundation
import Testing

/// `eekit statetest --run REGEX` runs only the tests whose name matches (as geth's `evm
/// statetest --run`): the closing line counts exactly their Cancun entries, which the test
/// counts itself from the fixture JSON.
@Suite struct StateTestRunFilterTests {
    static let folder = Fixtures.folder("stExample")

    static func run(_ arguments: [String]) throws -> (status: Int32, out: String) {
        try TestFiles.run(try TestFiles.eekit(), arguments)
    }

    /// Cancun post entries of the tests in `folder` whose name `pattern` matches (anywhere in
    /// the name), read straight from the JSON files.
    static func cancunEntries(matching pattern: String) throws -> (tests: Int, entries: Int) {
        let regex = try NSRegularExpression(pattern: pattern)
        var tests = 0, entries = 0
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(file))
            let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(file)")
            for (name, value) in doc {
                guard regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil else { continue }
                let test = try #require(value as? [String: Any], "\(file): \(name)")
                let post = try #require(test["post"] as? [String: Any], "\(file): \(name)")
                tests += 1
                entries += (post["Cancun"] as? [Any])?.count ?? 0
            }
        }
        return (tests, entries)
    }

    @Test func runSelectsTheMatchingTestsOnly() throws {
        // The whole folder, to show that the filter below leaves most of it out.
        let all = try Self.cancunEntries(matching: ".")
        let whole = try Self.run(["statetest", Self.folder])
        #expect(whole.status == 0 && whole.out.hasSuffix("\(all.entries) passed, 0 failed\n"), "\(whole.out)")

        let add11 = try Self.cancunEntries(matching: "^add11$")
        #expect(add11.tests == 1 && add11.entries >= 1 && add11.entries < all.entries)
        let one = try Self.run(["statetest", "--run", "^add11$", Self.folder])
        let lines = one.out.split(separator: "\n").map(String.init)
        #expect(one.status == 0 && lines.last == "\(add11.entries) passed, 0 failed", "\(one.out)")

        // A pattern matches anywhere in the name: "Example$" is seven tests of the folder.
        let examples = try Self.cancunEntries(matching: "Example$")
        #expect(examples.tests > 1 && examples.entries < all.entries)
        let some = try Self.run(["statetest", "--run", "Example$", Self.folder])
        #expect(some.status == 0 && some.out.split(separator: "\n").last.map(String.init) == "\(examples.entries) passed, 0 failed",
                "\(some.out)")
    }

    /// A pattern that matches no test runs nothing: "0 passed, 0 failed", exit 0 (nothing
    /// failed), and no note of tests without Cancun entries (none was looked at).
    @Test func runMatchingNothingRunsNothing() throws {
        #expect(try Self.cancunEntries(matching: "^no such test$").tests == 0)
        let r = try Self.run(["statetest", "--run", "^no such test$", Self.folder])
        #expect(r.status == 0, "\(r.out)")
        #expect(r.out == "0 passed, 0 failed\n", "\(r.out)")
        // An invalid pattern is a command-line error.
        let bad = try Self.run(["statetest", "--run", "(", Self.folder])
        #expect(bad.status == 64 && bad.out.contains("--run: invalid regular expression ("), "\(bad.out)")
    }
}
