import Foundation

/// Files the CLI tests need: the eekit executable and scratch folders.
public enum TestFiles {
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

    /// Runs `executable` to completion; its status and its stdout and stderr together.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, out)
    }
}
