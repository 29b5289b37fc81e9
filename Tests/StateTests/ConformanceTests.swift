import EEKit
import Foundation
import Testing

/// Ethereum GeneralStateTests (Cancun) through the bootloader and the EVM EE: a representative
/// subset of folders, small enough for CI in debug builds. Any failing post entry fails the test.
/// The full suite runs with `eekit statetest ../shared/fixtures/ethereum-tests`.
@Suite struct ConformanceTests {
    static let folders = [
        "stExample", "stSLoadTest", "stSStoreTest", "stLogTests", "stEIP1559", "stEIP2930", "stEIP3607",
        "stChainId", "stSelfBalance", "stTransactionTest", "stCallCodes", "stRevertTest", "stCreate2",
        "stReturnDataTest", "Cancun", "Shanghai",
    ]

    @Test(arguments: folders)
    func folder(_ name: String) throws {
        let runner = StateTestRunner(registry: .standard, hooks: Precompiles.cancun())
        var passed = 0
        var problems = [String]()
        for file in try StateTestRunner.fixtureFiles([Fixtures.folder(name)]) {
            for test in try StateTestCase.load(path: file) {
                for r in runner.run(test, fork: "Cancun") {
                    switch r.verdict {
                    case .passed: passed += 1
                    case .failed(let why): problems.append("\(r.name) [\(r.index)]: \(why)")
                    case .skipped(let missing): problems.append("\(r.name) [\(r.index)]: needs \(missing)")
                    }
                }
            }
        }
        #expect(problems.isEmpty, Comment(rawValue: "\(problems.count) failures in \(name):\n" + problems.prefix(20).joined(separator: "\n")))
        #expect(passed > 0)
    }
}
