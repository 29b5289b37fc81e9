import Foundation

/// Folders `processFolder` made, removed when the test process exits (nil until the first).
/// An NSLock, which ThreadSanitizer sees (it does not see Synchronization.Mutex on Linux).
private final class ExitFolders: @unchecked Sendable {
    let lock = NSLock()
    var paths: [String]?
}
private let foldersRemovedAtExit = ExitFolders()

/// Files the tests need: the eekit executable, scratch folders, the example plugin.
public enum TestFiles {
    /// The repository's root folder.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The eekit executable built next to the test bundle (`swift build --build-tests` and
    /// `swift test` build every product).
    public static func eekit() throws -> String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("eekit").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Missing(description: "eekit not found next to \(CommandLine.arguments[0]) (swift build first)")
    }

    /// A fresh empty folder for this process (`defer { TestFiles.remove(dir) }` after it).
    public static func scratchFolder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    public static func remove(_ dir: URL) { try? FileManager.default.removeItem(at: dir) }

    /// A fresh empty folder for what this process builds once and its tests share (contracts,
    /// programs, plugins). It is removed when the process exits, so runs leave nothing in /tmp.
    public static func processFolder(_ name: String) throws -> URL {
        let dir = try scratchFolder(name)
        foldersRemovedAtExit.lock.withLock {
            if foldersRemovedAtExit.paths == nil {
                atexit {
                    let paths = foldersRemovedAtExit.lock.withLock { foldersRemovedAtExit.paths ?? [] }
                    for path in paths { try? FileManager.default.removeItem(atPath: path) }
                }
            }
            foldersRemovedAtExit.paths = (foldersRemovedAtExit.paths ?? []) + [dir.path]
        }
        return dir
    }

    /// Contracts/plugins/example_plugin.c built as a shared library once per process (clang
    /// -shared -fPIC), or nil if clang cannot build it.
    public static let examplePlugin: String? = {
        guard let dir = try? processFolder("plugin") else { return nil }
        let out = dir.appendingPathComponent("libexample_plugin.so").path
        let source = root.appendingPathComponent("Contracts/plugins/example_plugin.c").path
        guard let result = try? run("/usr/bin/env", ["clang", "-shared", "-fPIC", "-O2", "-o", out, source]) else { return nil }
        return result.status == 0 ? out : nil
    }()

    /// Runs `executable` to completion (`TestProcess.run`); its status, stdout and stderr apart.
    public static func runSeparately(
        _ executable: String, _ arguments: [String]
    ) throws -> (status: Int32, out: String, err: String) {
        let r = try TestProcess.run(executable: executable, arguments: arguments)
        return (r.status, String(decoding: r.stdout, as: UTF8.self), String(decoding: r.stderr, as: UTF8.self))
    }

    /// The first executable file called `name` on PATH (as a shell finds it), or nil.
    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A C harness built and run by `buildAndRunC`.
    public struct CHarnessRun {
        /// clang's status and output (stdout and stderr together).
        public var buildStatus: Int32
        public var buildOutput: String
        /// The harness's status and output (stdout and stderr together); -1 and empty when the
        /// build failed.
        public var status: Int32
        public var out: String
    }

    /// Builds a C harness with `clang` (`arguments`: flags, sources and libraries; the output
    /// file is added) into a temporary executable named after `name`, runs it with
    /// `runArguments`, and removes it. The build, and the run, are each killed after `timeout`
    /// seconds (`run`), so a harness that loops fails its test instead of holding the suite.
    public static func buildAndRunC(
        _ name: String, clang: String, _ arguments: [String], runArguments: [String] = [], timeout: Double
    ) throws -> CHarnessRun {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-\(name)-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let build = try run(clang, arguments + ["-o", out.path], timeout: timeout)
        guard build.status == 0 else {
            return CHarnessRun(buildStatus: build.status, buildOutput: build.out, status: -1, out: "")
        }
        let r = try run(out.path, runArguments, timeout: timeout)
        return CHarnessRun(buildStatus: build.status, buildOutput: build.out, status: r.status, out: r.out)
    }

    /// Runs `executable` to completion (`TestProcess.run`); its status and its stdout and stderr
    /// together. With a `timeout` (seconds) a process still running then is killed (SIGKILL,
    /// which the status shows, and the output says so): a C harness whose core change makes it
    /// loop fails the test instead of holding the whole run.
    public static func run(
        _ executable: String, _ arguments: [String], timeout: Double? = nil
    ) throws -> (status: Int32, out: String) {
        let r = try TestProcess.run(executable: executable, arguments: arguments, mergeOutput: true, timeout: timeout)
        var out = String(decoding: r.stdout, as: UTF8.self)
        if let timeout, r.timedOut { out += "\n[killed: still running after \(timeout) s]\n" }
        return (r.status, out)
    }
}
