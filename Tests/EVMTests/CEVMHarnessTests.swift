import Foundation
import Testing

/// The CEVM C unit harness (Tests/CEVMHarness/cevm_tests.c: the interpreter's opcodes, gas and
/// host calls against test_host.c, the checks the README counts) built as run_tests.sh builds
/// it, but with -Werror, and run: `swift test` is what CI runs, and run_tests.sh (with its
/// sanitizer builds, keccak tests, fixture benchmarks and pyrevm differential) is not part of
/// it. About 1.5 s (the build; the run takes 10 ms).
@Suite struct CEVMUnitHarnessTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let clang: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/clang"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// Runs `executable` to completion (killed after `timeout` seconds): its status, its
    /// stdout and stderr together, and whether it was killed.
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 120) throws
        -> (status: Int32, out: String, timedOut: Bool)
    {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let killed = Killed()
        let timer = DispatchWorkItem {
            if p.isRunning {
                killed.set()
                p.terminate()
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        timer.cancel()
        return (p.terminationStatus, out, killed.value)
    }

    final class Killed: @unchecked Sendable {
        private let lock = NSLock()
        private var flag = false
        func set() { lock.withLock { flag = true } }
        var value: Bool { lock.withLock { flag } }
    }

    @Test(.enabled(if: clang != nil, "clang not found"))
    func unitHarnessBuildsAndPasses() throws {
        let h = Self.root.appendingPathComponent("Tests/CEVMHarness").path
        let core = Self.root.appendingPathComponent("CSources/CEVM").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-cevm-unit-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        // run_tests.sh's flags (-Wall -Wextra -Wno-unused-parameter) at -O1, with -Werror so
        // that a change of the core's C API the harness does not follow fails here; the test
        // host leaves the newer optional callbacks unset (NULL), hence
        // -Wno-missing-field-initializers.
        let build = try Self.run(Self.clang!, [
            "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-Werror",
            "-I\(core)/include", "-I\(core)", "-I\(h)", "-o", out.path,
            "\(h)/cevm_tests.c", "\(core)/interp.c", "\(core)/keccak.c", "\(h)/test_host.c",
        ])
        try #require(build.status == 0 && !build.timedOut, Comment(rawValue: "CEVM unit harness build failed:\n\(build.out)"))
        let r = try Self.run(out.path, [])
        #expect(r.status == 0 && !r.timedOut, Comment(rawValue: r.out))
        // "N checks, 0 failures", with at least the 1,106 checks the README advertises.
        let summary = r.out.split(separator: "\n").last { $0.hasSuffix(" failures") }.map(String.init) ?? ""
        let words = summary.split(separator: " ")
        let checks = words.first.flatMap { Int($0) } ?? 0
        #expect(summary.hasSuffix(" checks, 0 failures"), Comment(rawValue: r.out))
        #expect(checks >= 1_106, Comment(rawValue: summary))
    }
}
