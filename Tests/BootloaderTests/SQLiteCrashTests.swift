import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// The SQLite store survives SIGKILL at random moments: after reopening, the state is
/// intact and equals the state of the last committed batch.
@Suite struct SQLiteCrashTests {
    /// The child binary, built next to the test bundle (BootloaderTests depends on it).
    static func childPath() -> String? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let c = dir.appendingPathComponent("StateCrashChild").path
            if FileManager.default.isExecutableFile(atPath: c) { return c }
            dir = dir.deletingLastPathComponent()
        }
        for a in Bundle.allBundles {
            let c = a.bundleURL.deletingLastPathComponent().appendingPathComponent("StateCrashChild").path
            if FileManager.default.isExecutableFile(atPath: c) { return c }
        }
        return nil
    }

    /// Starts the child on `db`; before committing batch k it prints "k ROOT" on the pipe.
    static func startChild(_ child: String, db: String) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: child)
        p.arguments = [db]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        return (p, out)
    }

    @Test func survivesSIGKILLDuringBatches() throws {
        let child = try #require(Self.childPath(), "StateCrashChild binary not found next to the tests")
        let dir = try TestFiles.scratchFolder("crash")
        defer { TestFiles.remove(dir) }
        let db = dir.appendingPathComponent("state.sqlite").path
        var roots = [Int: String]()
        var seed: UInt64 = 12345
        for round in 0..<6 {
            let (p, out) = try Self.startChild(child, db: db)
            // Let the child print a pseudo-random number of batch roots (1...4), then kill it
            // after a further pseudo-random pause of 0...40 ms: kills land before, inside and
            // after commits.
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let wantLines = Int((seed >> 33) % 4) + 1
            let pause = Double((seed >> 45) % 41) / 1000.0
            // When the kill lands depends on the machine: a failure says which round it was.
            let at = "round \(round) (kill after \(wantLines) roots and \(pause) s)"
            var text = ""
            let reader = out.fileHandleForReading
            let deadline = Date().addingTimeInterval(60)
            while text.filter({ $0 == "\n" }).count < wantLines && Date() < deadline {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            Thread.sleep(forTimeInterval: pause)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal, "\(at): the child ended by itself")
            text += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let k = Int(parts[0]) { roots[k] = String(parts[1]) }
            }
            let store = try SQLiteStore(path: db)
            #expect(try store.integrityCheck() == "ok", "\(at)")
            let committed = try store.commitCount()
            let root = try WorldState(store: store).stateRoot()
            if committed == 0 {
                #expect(root == Keccak.emptyTrieRoot, "\(at)")
            } else {
                let expected = try #require(roots[committed], "\(at): no root printed for commit \(committed)")
                #expect(root.hex == expected, "\(at): commit \(committed)")
            }
        }
        #expect(roots.count >= 2, "the child committed too few batches to test anything")
    }

    /// While another EEKit process holds a store on the file, a store here waits for it and
    /// gives up after its `lockTimeout` (README: a store owns its file until released; two
    /// processes that both read nonce N and both committed lost a transaction). The child
    /// holds its store and commits batches. Mutation testing: a shared flock, which lets two
    /// EEKit processes in at once, went unnoticed (the tests held the file with flock(1)'s
    /// exclusive lock, which a shared request still waits for).
    @Test func aStoreOfAnotherEEKitProcessKeepsTheFile() throws {
        let child = try #require(Self.childPath(), "StateCrashChild binary not found next to the tests")
        let dir = try TestFiles.scratchFolder("owner")
        defer { TestFiles.remove(dir) }
        let db = dir.appendingPathComponent("state.sqlite").path
        let (p, out) = try Self.startChild(child, db: db)
        defer {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        // The child prints its first root once its store is open.
        let first = out.fileHandleForReading.availableData
        try #require(!first.isEmpty, "the child ended before opening its store")
        #expect(throws: EEError.storage("cannot lock the state database \(db): in use by another process for more than 0.3 s")) {
            try SQLiteStore(path: db, lockTimeout: 0.3)
        }
        #expect(throws: EEError.storage("cannot lock the state database \(db): in use by another process for more than 0.3 s")) {
            try SQLiteStore(path: db, readOnly: true, lockTimeout: 0.3)
        }
    }
}
