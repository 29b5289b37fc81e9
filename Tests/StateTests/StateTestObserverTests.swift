import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// What `StateTestRunner.observer` (behind `eekit statetest --trace` and `--dump`) is told
/// about an entry that expects an exception but whose transaction was valid: the entry fails,
/// and the outcome still carries the post state and its root, so that the summary line has a
/// stateRoot and the dump is the post state, not the pre state. Mutation testing found that
/// leaving the root (and the commit) out on that path failed no test.
@Suite struct StateTestObserverTests {
    @Test func aValidTransactionThatShouldHaveFailedStillReportsItsPostState() throws {
        let path = Fixtures.folder("stExample") + "/add11.json"
        let entries = try #require(try StateTestCase.load(path: path).first?.post["Cancun"])
        // The fixture's own entry 0, marked as expecting an exception it does not raise.
        let dir = try TestFiles.scratchFolder("observer")
        defer { TestFiles.remove(dir) }
        let file = try Fixtures.withFirstCancunEntry(
            of: path, editedBy: { $0["expectException"] = "TransactionException.INTRINSIC_GAS_TOO_LOW" }, into: dir)
        let loaded = try #require(try StateTestCase.load(path: file.path).first)

        var runner = StateTestRunner(registry: .standard, hooks: Precompiles.cancun())
        runner.entryIndexes = [0]
        var seen: [StateTestEntryOutcome] = []
        runner.observer = { seen.append($0) }
        let results = runner.run(loaded, fork: "Cancun")
        #expect(results.count == 1)
        guard case .failed(let why)? = results.first?.verdict else {
            Issue.record("the entry did not fail: \(String(describing: results.first?.verdict))")
            return
        }
        #expect(why.contains("but the transaction was valid"), "\(why)")
        #expect(seen.count == 1)
        let outcome = try #require(seen.first)
        #expect(outcome.receipt != nil && outcome.rejection == nil)
        // The post state is the one the unmodified fixture expects: its root is the entry's hash.
        #expect(outcome.stateRoot == entries[0].hash)
        let store = try #require(outcome.postState)
        #expect(try WorldState(store: store).stateRoot() == entries[0].hash)
    }
}
