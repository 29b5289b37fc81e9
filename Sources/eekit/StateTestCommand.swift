import Foundation
import ArgumentParser
import EEKit

/// `eekit statetest`: runs Ethereum GeneralStateTests fixtures.
struct StateTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statetest",
        abstract: "Run Ethereum state tests (filled GeneralStateTests JSON) through the bootloader.",
        discussion: """
            Each post entry runs the selected transaction on the test's pre state, then compares the \
            post-state root and the logs hash. The last line is "N passed, N failed", followed by \
            ", N skipped" when some entries need a precompile that is not available (each named). \
            Note lines before it count what did not run: "note: N files not loaded" when some files \
            are not state tests (each is named on an ERROR line), "note: N tests without FORK entries" \
            when some tests have post entries for other forks only, and with --fork all "note: N \
            entries of forks not implemented (FORK N, ...) not run" when some post entries are for \
            forks after BPO2 (Amsterdam, ...).
            """)

    @Argument(help: "Fixture files or folders (searched recursively for *.json; a folder without any is an error).")
    var paths: [String]

    @Option(help: "Fork whose post entries to run, under its rules: Frontier, Homestead, EIP150, EIP158, Byzantium, Constantinople, ConstantinopleFix, Istanbul, Berlin, London, Paris, Shanghai, Cancun (the default, the newest in the fixtures), Prague, Osaka, BPO1 or BPO2 (Osaka's rules with more blobs; a test's config.blobSchedule, when it has one, sets each fork's blob parameters) (forks also go by the names Petersburg, SpuriousDragon, TangerineWhistle, Merge, Pectra, Fusaka), or 'all' for every one of these a test has.")
    var fork: String = "Cancun"

    /// The forks to run, as the fixtures name them (any letter case on the command line).
    /// `StateTestRunner.run` also finds a fork's entries under another name of it (Paris's
    /// under "Merge", as older fixtures call it).
    var forks: [String] {
        let names = fork.lowercased() == "all" ? Fork.allCases : [Fork(argument: fork)].compactMap { $0 }
        return names.map(\.description)
    }

    @Option(name: .customLong("run"), help: "Only run tests whose name matches this regular expression.")
    var runFilter: String?

    @Flag(help: "Print the results as JSON on standard output.")
    var json = false

    @Option(name: .customLong("index"), help: ArgumentHelp(
        "Only run the post entries at this position under their fork (the N of a failure line's [N]); repeatable.",
        valueName: "N"))
    var indexes: [Int] = []

    @Flag(help: "Write an EIP-3155 trace of every entry run to stderr: one JSON object per EVM instruction, then a summary line (stateRoot, output, gasUsed, pass, fork, test, index, file; error for a rejected transaction, failure for a failed entry).")
    var trace = false

    @Option(help: ArgumentHelp(
        "Fixture files run at a time, each on a thread of its own (results are reported in file order). Default: the number of processors. --trace and --dump run one at a time.",
        valueName: "N"))
    var jobs: Int?

    @Flag(help: "Write the post state of every entry run to stderr, one JSON object per entry (test, index, fork, file, stateRoot, accounts with balance, nonce, code and storage, as fixtures write them).")
    var dump = false

    func validate() throws {
        guard fork.lowercased() == "all" || Fork(argument: fork) != nil else {
            throw ValidationError(
                "fork \(fork) is not supported (supported: \(Fork.allCases.map(\.description).joined(separator: ", ")), or all)")
        }
        if let runFilter, (try? NSRegularExpression(pattern: runFilter)) == nil {
            throw ValidationError("--run: invalid regular expression \(runFilter)")
        }
        if let jobs, !(1...1024).contains(jobs) { throw ValidationError("--jobs: \(jobs) is not 1 to 1024") }
        if let bad = indexes.first(where: { $0 < 0 }) { throw ValidationError("--index: \(bad) is not a position (0 or more)") }
    }

    func run() throws {
        var found: [String] = []
        // Per path: a folder without test files is an error, not "0 passed, 0 failed" (a CI step
        // pointed at a wrong or empty folder passed silently).
        for path in paths {
            let under: [String]
            do { under = try StateTestRunner.fixtureFiles([path]) } catch { throw RuntimeError("\(error)") }
            if under.isEmpty { throw RuntimeError("no *.json files under the folder \(path)") }
            found += under
        }
        let files = found
        let pattern = runFilter
        let forks = self.forks
        let all = fork.lowercased() == "all"
        let json = self.json
        let output = Output(indexes: indexes.isEmpty ? nil : Set(indexes), trace: trace, dump: dump)
        let jobs = self.jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let summary = LargeStack.run { () -> Summary in
            let filter = pattern.flatMap { try? NSRegularExpression(pattern: $0) }
            return StateTestCommand.runAll(
                files: files, forks: forks, all: all, filter: filter, json: json, output: output, jobs: jobs)
        }
        if summary.failed > 0 || summary.loadErrors > 0 { throw ExitCode(1) }
    }

    struct Summary: Sendable {
        var passed = 0, failed = 0, skipped = 0, loadErrors = 0
        /// Tests with no post entry for the fork (other forks only): nothing of them ran.
        var withoutFork = 0
        /// With `all`: post entries of forks EEKit does not implement (Prague...), by fork.
        var unimplemented: [String: Int] = [:]
    }

    /// What to run and write beside the results: `--index`, `--trace`, `--dump`.
    struct Output: Sendable {
        var indexes: Set<Int>?
        var trace = false
        var dump = false
    }

    /// What one fixture file gave.
    struct FileResult: Sendable {
        var passed = 0, failed = 0, skipped = 0, withoutFork = 0
        var unimplemented: [String: Int] = [:]
        var failures: [StateTestResult] = []
        var skips: [StateTestResult] = []
        var loadError: String?
    }

    /// `all`: the forks are every implemented one (failures name their fork). `jobs` files run
    /// at a time, each worker with its own runner; results are reported in file order either
    /// way.
    static func runAll(
        files: [String], forks: [String], all: Bool = false, filter: NSRegularExpression?, json: Bool,
        output: Output = Output(), jobs: Int = 1
    ) -> Summary {
        let hooks = Precompiles.osaka()
        /// "0x…0a (point_evaluation)".
        func precompileName(_ a: Address) -> String {
            hooks[a].map { "\(a.hex) (\($0.name))" } ?? a.hex
        }
        // No bar beside --trace / --dump lines, which it would run into on a terminal.
        let progress = ProgressBar(total: files.count, enabled: isatty(2) == 1 && !output.trace && !output.dump)
        var results = [FileResult](repeating: FileResult(), count: files.count)
        // Traces and dumps are written as entries end: one worker keeps them in order.
        let workers = output.trace || output.dump ? 1 : max(1, min(jobs, files.count))
        if workers == 1 {
            let runner = makeRunner(output)
            for (i, file) in files.enumerated() {
                progress.update(i, label: (file as NSString).lastPathComponent)
                results[i] = runFile(file, runner: runner, forks: forks, all: all, filter: filter)
            }
        } else {
            let shared = SharedResults(count: files.count)
            let pattern = filter?.pattern
            // Each worker on a large stack of its own, as the single-worker run has (LargeStack).
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                _ = LargeStack.run { () -> Bool in
                    let runner = makeRunner(output)
                    let filter = pattern.flatMap { try? NSRegularExpression(pattern: $0) }
                    while let i = shared.next() {
                        let done = shared.store(runFile(files[i], runner: runner, forks: forks, all: all, filter: filter), at: i)
                        progress.update(done, label: (files[i] as NSString).lastPathComponent)
                    }
                    return true
                }
            }
            results = shared.results()
        }
        var summary = Summary()
        var failures = [StateTestResult]()
        var skips = [StateTestResult]()
        var loadErrors = [String]()
        for r in results {
            summary.passed += r.passed
            summary.failed += r.failed
            summary.skipped += r.skipped
            summary.withoutFork += r.withoutFork
            summary.unimplemented.merge(r.unimplemented, uniquingKeysWith: +)
            failures += r.failures
            skips += r.skips
            if let e = r.loadError { loadErrors.append(e) }
        }
        progress.finish()
        summary.loadErrors = loadErrors.count
        if json {
            printJSON(summary: summary, failures: failures, skips: skips, loadErrors: loadErrors)
        } else {
            for e in loadErrors { print("ERROR \(e)") }
            for f in failures {
                let which = all ? " \(f.fork)" : ""
                if case .failed(let why) = f.verdict { print("FAIL \(f.name) [\(f.index)]\(which) (\(f.file)): \(why)") }
            }
            for s in skips {
                if case .skipped(let missing) = s.verdict {
                    print("SKIP \(s.name) [\(s.index)]: needs precompile \(missing.map(precompileName).joined(separator: ", "))")
                }
            }
        }
        if !skips.isEmpty {
            // One line per missing precompile with its reason.
            var seen = Set<Address>()
            for s in skips { if case .skipped(let m) = s.verdict { seen.formUnion(m) } }
            for a in seen.sorted() {
                let why = (hooks[a] as? any UnavailableSystemHook)?.unavailability ?? "no precompile is registered there"
                let line = "skipped cases need precompile \(precompileName(a)): \(why)"
                if json { writeToStandardError(Data((line + "\n").utf8)) } else { print(line) }
            }
        }
        // What did not run, on note lines before the closing line, which keeps exactly the form
        // "N passed, N failed[, N skipped]" (issue 5; a grader parsing it found these counts
        // appended to it).
        var notes: [String] = []
        if summary.loadErrors > 0 {
            notes.append("\(summary.loadErrors) \(summary.loadErrors == 1 ? "file" : "files") not loaded (named on the ERROR lines)")
        }
        if summary.withoutFork > 0 {
            let which = all ? "Frontier...BPO2" : forks[0]
            let hint = all ? "" : " (--fork all runs every fork's)"
            notes.append("\(summary.withoutFork) \(summary.withoutFork == 1 ? "test" : "tests") without \(which) entries\(hint)")
        }
        if !summary.unimplemented.isEmpty {
            let n = summary.unimplemented.values.reduce(0, +)
            let forks = summary.unimplemented.sorted { $0.key < $1.key }.map { "\($0.key.isEmpty ? "\"\"" : $0.key) \($0.value)" }
                .joined(separator: ", ")
            notes.append("\(n) \(n == 1 ? "entry" : "entries") of forks not implemented (\(forks)) not run")
        }
        if let indexes = output.indexes, summary.passed + summary.failed + summary.skipped == 0,
            summary.loadErrors < files.count
        {
            let list = indexes.sorted().map(String.init).joined(separator: ", ")
            notes.append("no post entry at --index \(list) ran (positions count from 0 under each fork)")
        }
        var line = "\(summary.passed) passed, \(summary.failed) failed"
        if summary.skipped > 0 { line += ", \(summary.skipped) skipped" }
        for text in notes.map({ "note: \($0)" }) + [line] {
            if json { writeToStandardError(Data((text + "\n").utf8)) } else { print(text) }
        }
        return summary
    }

    /// A runner with the `--index`, `--trace` and `--dump` settings (one per worker: their EEs
    /// and precompiles are not shared between threads).
    static func makeRunner(_ output: Output) -> StateTestRunner {
        var registry = EERegistry.standard
        // The step lines of an entry are collected and written in blocks (one write per step
        // took most of a traced run's time in the kernel), the last with the entry's summary.
        let lines = TraceBuffer()
        if output.trace {
            registry.register(EVMEnvironment.self) {
                EVMEnvironment(tracer: { step in lines.append(step.jsonLine) })
            }
        }
        var runner = StateTestRunner(registry: registry, hooks: Precompiles.osaka())
        runner.entryIndexes = output.indexes
        if output.trace || output.dump {
            runner.observer = { outcome in
                if output.trace { lines.append(traceSummary(outcome)) }
                if output.dump { lines.append(stateDump(outcome)) }
                lines.flush()
            }
        }
        return runner
    }

    /// Runs every selected entry of one fixture file.
    static func runFile(
        _ file: String, runner: StateTestRunner, forks: [String], all: Bool, filter: NSRegularExpression?
    ) -> FileResult {
        var r = FileResult()
        let tests: [StateTestCase]
        do { tests = try StateTestCase.load(path: file) } catch {
            r.loadError = "\(error)"
            return r
        }
        for t in tests {
            if let filter, filter.firstMatch(in: t.name, range: NSRange(t.name.startIndex..., in: t.name)) == nil {
                continue
            }
            // A post key counts as the fork it names by any of its names ("Merge" is Paris).
            let selected = { (key: String) -> Bool in Fork(name: key).map { forks.contains($0.description) } ?? false }
            if !t.post.contains(where: { selected($0.key) && !$0.value.isEmpty }) { r.withoutFork += 1 }
            if all {
                for (fork, entries) in t.post where !selected(fork) {
                    let counted = entries.filter { runner.entryIndexes?.contains($0.index) ?? true }.count
                    if counted > 0 { r.unimplemented[fork, default: 0] += counted }
                }
            }
            for fork in forks { for result in runner.run(t, fork: fork) {
                switch result.verdict {
                case .passed: r.passed += 1
                case .failed: r.failed += 1; r.failures.append(result)
                case .skipped: r.skipped += 1; r.skips.append(result)
                }
            } }
        }
        return r
    }

    /// EIP-3155's summary line for one entry, its fields in the EIP's order, then which entry.
    static func traceSummary(_ o: StateTestEntryOutcome) -> String {
        var pairs: [(String, Any)] = []
        if let root = o.stateRoot { pairs.append(("stateRoot", root.hex)) }
        pairs += [
            ("output", "0x" + Hex.encode(o.receipt?.output ?? [])),
            ("gasUsed", hexQuantity(o.receipt?.gasUsed ?? 0)), ("pass", o.verdict == .passed),
            ("fork", o.fork), ("test", o.name), ("index", o.index), ("file", o.file),
        ]
        if let r = o.rejection { pairs.append(("error", "\(r)")) }
        if case .failed(let why) = o.verdict { pairs.append(("failure", why)) }
        return jsonLine(ordered: pairs)
    }

    /// The post state of one entry as one JSON object (accounts as fixtures write them, in
    /// address and slot order).
    static func stateDump(_ o: StateTestEntryOutcome) -> String {
        func text(_ s: String) -> String {
            let data = (try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed])) ?? Data("null".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        var accounts: [String] = []
        var problem: String?
        if let store = o.postState {
            do {
                for (a, acc) in try store.allAccounts().sorted(by: { $0.key < $1.key }) {
                    let slots = try store.allStorage(a).filter { !$0.value.isZero }.sorted { $0.key < $1.key }
                    let storage = slots.map { "\"\($0.key.quantityHex)\":\"\($0.value.quantityHex)\"" }.joined(separator: ",")
                    accounts.append(
                        "\"\(a.hex)\":{\"balance\":\"\(acc.balance.quantityHex)\",\"code\":\"0x\(Hex.encode(acc.code))\","
                            + "\"nonce\":\"0x\(String(acc.nonce, radix: 16))\",\"storage\":{\(storage)}}")
                }
            } catch { problem = "\(error)" }
        }
        var fields = [
            "\"test\":\(text(o.name))", "\"index\":\(o.index)", "\"fork\":\(text(o.fork))", "\"file\":\(text(o.file))",
        ]
        if let root = o.stateRoot { fields.append("\"stateRoot\":\"\(root.hex)\"") }
        if let problem { fields.append("\"error\":\(text(problem))") }
        fields.append("\"accounts\":{\(accounts.joined(separator: ","))}")
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func printJSON(summary: Summary, failures: [StateTestResult], skips: [StateTestResult], loadErrors: [String]) {
        func entry(_ r: StateTestResult) -> [String: Any] {
            var d: [String: Any] = ["name": r.name, "index": r.index, "file": r.file, "fork": r.fork]
            switch r.verdict {
            case .passed: break
            case .failed(let why): d["reason"] = why
            case .skipped(let m): d["missingPrecompiles"] = m.map(\.hex)
            }
            return d
        }
        let doc: [String: Any] = [
            "passed": summary.passed, "failed": summary.failed, "skipped": summary.skipped, "withoutFork": summary.withoutFork,
            "notImplementedForks": summary.unimplemented,
            "failures": failures.map(entry), "skips": skips.map(entry), "loadErrors": loadErrors,
        ]
        if let data = try? JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// A one-line progress bar on standard error (only when it is a terminal); `statetest --jobs`
/// workers update it in turn.
final class ProgressBar: @unchecked Sendable {
    let total: Int
    let enabled: Bool
    private let lock = NSLock()
    init(total: Int, enabled: Bool) {
        self.total = max(total, 1)
        self.enabled = enabled
    }
    func update(_ done: Int, label: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = "\r[\(bar)] \(done)/\(total) \(label.prefix(40))\u{1B}[K"
        writeToStandardError(Data(text.utf8))
    }
    func finish() {
        guard enabled else { return }
        writeToStandardError(Data("\r\u{1B}[K".utf8))
    }
}

/// The files still to run and the results so far, shared by `statetest --jobs` workers.
private final class SharedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var done = 0
    private var stored: [StateTestCommand.FileResult]

    init(count: Int) { stored = Array(repeating: StateTestCommand.FileResult(), count: count) }

    /// The next file's index, or nil when every file has been taken.
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < stored.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    /// Stores a file's result; how many files are done.
    @discardableResult
    func store(_ r: StateTestCommand.FileResult, at i: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        stored[i] = r
        done += 1
        return done
    }

    func results() -> [StateTestCommand.FileResult] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
