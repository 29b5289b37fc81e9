import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// The outcome of one post entry of a state test.
public struct StateTestResult: Sendable {
    public enum Verdict: Sendable, Equatable {
        case passed
        case failed(String)
        /// Needs precompiles that no hook serves (named).
        case skipped(missing: [Address])
    }
    public var name: String
    public var file: String
    public var fork: String
    public var index: Int
    public var verdict: Verdict
}

/// What one post entry of a state test left behind (`StateTestRunner.observer`).
public struct StateTestEntryOutcome {
    public var name: String
    public var file: String
    public var fork: String
    /// The entry's position under its fork (`[N]` in a failure line).
    public var index: Int
    public var verdict: StateTestResult.Verdict = .failed("not run")
    /// The transaction's receipt; nil when it was rejected or did not run.
    public var receipt: Receipt?
    /// Why the transaction was rejected (a valid one has a receipt).
    public var rejection: TransactionError?
    /// The post-state root; nil when the entry stopped before it (a malformed entry, a store
    /// error).
    public var stateRoot: Bytes32?
    /// The store holding the state after the entry (committed when `stateRoot` is set; the
    /// pre state otherwise).
    public var postState: (any StateStore)?
}

/// Runs Ethereum state tests: for each post entry, the pre state in a fresh in-memory store,
/// the selected transaction through the bootloader, then the post-state root and logs hash
/// compared with the expected ones.
public struct StateTestRunner {
    public var registry: EERegistry
    public var hooks: [Address: any SystemHook]
    /// The metering schedule. State tests hold only EVM code, so one erg per gas: 64-bit ergs
    /// then carry every 64-bit gas limit (with the default 256 ergs per gas, gas above 7.2e16
    /// would be held back, and a chain that fails deep down would burn less than Ethereum).
    public var schedule: GasSchedule = {
        var s = GasSchedule.default
        s.ergsPerGas = 1
        return s
    }()
    /// Called after each post entry with what it left (`eekit statetest --trace` writes the
    /// EIP-3155 summary line from it, `--dump` the post state).
    public var observer: ((StateTestEntryOutcome) -> Void)?
    /// Only the post entries at these positions (`[N]` in a failure line) run; nil: all.
    public var entryIndexes: Set<Int>?
    /// The forks this runner implements, as the fixtures name them.
    public static let supportedForks: Set<String> = Set(Fork.allCases.map(\.description))

    public init(registry: EERegistry, hooks: [Address: any SystemHook]) {
        self.registry = registry
        self.hooks = hooks
    }

    /// Runs every post entry of `test` for `fork` (none if the test has no such fork). The
    /// name is the fixtures' (`Cancun`), or any spelling `Fork(name:)` takes (`cancun`,
    /// `Merge` for Paris): a review found "cancun" gave no results, silently. Entries under
    /// every key that names the fork run (a file with both "Paris" and "Merge" runs both).
    public func run(_ test: StateTestCase, fork name: String) -> [StateTestResult] {
        let rulesAsked = Fork(name: name)
        let keys = test.post.keys.filter { $0 == name || (rulesAsked != nil && Fork(name: $0) == rulesAsked) }.sorted()
        return keys.flatMap { fork -> [StateTestResult] in
            let entries = test.post[fork] ?? []
            guard let rules = Fork(name: fork) else {
                return entries.filter { entryIndexes?.contains($0.index) ?? true }.map { e in
                    StateTestResult(name: test.name, file: test.file, fork: fork, index: e.index,
                                    verdict: .failed("fork \(fork) is not implemented"))
                }
            }
            return entries.filter { entryIndexes?.contains($0.index) ?? true }.map { e in
                var outcome = StateTestEntryOutcome(name: test.name, file: test.file, fork: fork, index: e.index)
                outcome.verdict = run(test, entry: e, fork: rules, outcome: &outcome)
                observer?(outcome)
                return StateTestResult(name: test.name, file: test.file, fork: fork, index: e.index, verdict: outcome.verdict)
            }
        }
    }

    func run(_ test: StateTestCase, entry e: StateTestCase.PostEntry, fork: Fork = .cancun) -> StateTestResult.Verdict {
        var outcome = StateTestEntryOutcome(name: test.name, file: test.file, fork: fork.description, index: e.index)
        return run(test, entry: e, fork: fork, outcome: &outcome)
    }

    private func run(
        _ test: StateTestCase, entry e: StateTestCase.PostEntry, fork: Fork, outcome: inout StateTestEntryOutcome
    ) -> StateTestResult.Verdict {
        let store = MemoryStore(accounts: test.pre, storage: test.preStorage)
        let world = WorldState(store: store)
        outcome.postState = store
        var block = test.block
        if fork < .paris, let d = test.difficulty { block.prevrandao = d }  // DIFFICULTY before EIP-4399
        // The fixture's blob schedule for the fork, or the fork's own (EIP-7691, EIP-7892).
        let blobs = test.blobSchedules[fork] ?? .of(fork)
        block.blobSchedule = blobs
        block.blobBaseFee = BlobFees.baseFee(excessBlobGas: test.excessBlobGas, schedule: blobs)
        let boot = Bootloader(world: world, registry: registry, hooks: hooks, block: block, schedule: schedule)
        boot.useFork(fork)
        let tx: Transaction
        do { tx = try test.transaction(for: e) } catch { return .failed("\(error)") }
        var note = ""
        var rejection: String?
        var logsMismatch: String?
        do {
            switch try boot.execute(tx) {
            case .failure(let err):
                outcome.rejection = err
                // Fillings from before `expectException` (testeth, 2018) mark a rejected
                // transaction by the unchanged state alone: one is accepted when the expected
                // root is the state left as it was. A valid transaction always bumps the
                // sender's nonce, so its expected root can never be that one.
                if e.expectException == nil { rejection = "transaction rejected: \(err)" }
                // The fillers (geth's state-test runner) add a zero reward to the coinbase after
                // every transaction, a rejected one too; before Spurious Dragon that creates it
                // (stTransactionTest/ValueOverflow's Frontier to EIP150 entries). From EIP-161 on
                // the empty account it would create is cleared again.
                if fork < .spuriousDragon && !world.exists(block.coinbase) {
                    world.setAccount(block.coinbase, .empty)
                }
            case .success(let receipt):
                outcome.receipt = receipt
                if let x = e.expectException {
                    // The state the transaction left, for the observer (`--dump` wrote the pre
                    // state under the post state's name, `--trace`'s summary had no stateRoot).
                    if (try? world.commit()) != nil { outcome.stateRoot = try? world.stateRoot() }
                    return .failed("expected \(x), but the transaction was valid")
                }
                note = " (status \(receipt.status), gas used \(receipt.gasUsed))"
                let logs = WorldState.logsHash(receipt.logs)
                if logs != e.logs { logsMismatch = "logs hash \(logs) != expected \(e.logs)\(note)" }
            }
            try world.commit()
            let root = try world.stateRoot()
            outcome.stateRoot = root
            // The logs are checked first; the root is computed anyway, for the observer.
            if let logsMismatch { return verdictForMismatch(boot, logsMismatch) }
            if root != e.hash {
                if let rejection { return .failed(rejection) }
                var diff = ""
                if let expected = e.expectedState {
                    diff = try StateTestRunner.differences(store, expected).map { "; differs from the entry's state: \($0)" } ?? ""
                }
                return verdictForMismatch(boot, "state root \(root) != expected \(e.hash)\(note)\(diff)")
            }
            return .passed
        } catch {
            return .failed("error: \(error)")
        }
    }

    /// Where `store` (the post state, committed) differs from a fixture's expected state: the
    /// first few accounts and slots, or nil when they agree (then only the root differs, as a
    /// fixture whose `state` and `hash` disagree would have it).
    static func differences(_ store: any StateStore, _ expected: StateTestCase.PostState) throws(EEError) -> String? {
        let actual = try store.allAccounts()
        var found: [String] = []
        var count = 0
        func note(_ text: String) {
            count += 1
            if found.count < 8 { found.append(text) }
        }
        func hex(_ v: U256) -> String { v.quantityHex }
        for a in Set(actual.keys).union(expected.accounts.keys).sorted() {
            guard let got = actual[a] else { note("\(a.hex) absent, expected"); continue }
            guard let want = expected.accounts[a] else { note("\(a.hex) present, not expected"); continue }
            if got.balance != want.balance { note("\(a.hex) balance \(hex(got.balance)) != expected \(hex(want.balance))") }
            if got.nonce != want.nonce { note("\(a.hex) nonce \(got.nonce) != expected \(want.nonce)") }
            if got.code != want.code {
                // Equal lengths: where they part ("code of 9 bytes != expected 9 bytes" said nothing).
                let at = zip(got.code, want.code).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.code.count, want.code.count)
                note("\(a.hex) code of \(got.code.count) bytes != expected \(want.code.count) bytes (first difference at byte \(at))")
            }
            let have = try store.allStorage(a).filter { !$0.value.isZero }
            let should = expected.storage[a] ?? [:]
            for k in Set(have.keys).union(should.keys).sorted() where have[k] != should[k] {
                note("\(a.hex) storage[\(hex(k))] \(hex(have[k] ?? .zero)) != expected \(hex(should[k] ?? .zero))")
            }
        }
        guard count > 0 else { return nil }
        return found.joined(separator: ", ") + (count > found.count ? " (and \(count - found.count) more)" : "")
    }

    private func verdictForMismatch(_ boot: Bootloader, _ reason: String) -> StateTestResult.Verdict {
        let missing = boot.missingPrecompilesCalled.sorted()
        return missing.isEmpty ? .failed(reason) : .skipped(missing: missing)
    }

    /// Fixture files under `paths` (files, or folders searched recursively for `*.json`).
    public static func fixtureFiles(_ paths: [String]) throws(EEError) -> [String] {
        var out = [String]()
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                // stat tells why: a symbolic-link loop or a folder that may not be searched
                // is not a missing file.
                var st = stat()
                let reason = stat(p, &st) != 0 && errno != ENOENT ? String(cString: strerror(errno)) : "no such file or folder"
                throw .malformedInput("\(reason): \(p)")
            }
            if !isDir.boolValue { out.append(p); continue }
            var found = [String]()
            try collect(p, into: &found)
            out.append(contentsOf: found.sorted())
        }
        return out
    }

    /// The `*.json` files below `folder`. A folder that cannot be listed is an error, not an
    /// empty folder (FileManager's enumerator skipped it silently, so an unreadable fixture
    /// tree ran as "0 passed, 0 failed"); symbolic links to folders are not followed.
    private static func collect(_ folder: String, into found: inout [String]) throws(EEError) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            let reason = access(folder, R_OK | X_OK) != 0 ? String(cString: strerror(errno)) : "\(error)"
            throw .malformedInput("cannot list the folder \(folder): \(reason)")
        }
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFDIR {
                try collect(path, into: &found)
            } else if name.hasSuffix(".json") {
                found.append(path)
            }
        }
    }
}
