import EEKitTestSupport
import Foundation
import Testing

/// The CEVM C unit harness (Tests/CEVMHarness/cevm_tests.c: the interpreter's opcodes, gas and
/// host calls against test_host.c, the checks the README counts) built as run_tests.sh builds
/// it, but with -Werror, and run: `swift test` is what CI runs, and run_tests.sh (with its
/// sanitizer builds, keccak tests, fixture benchmarks and pyrevm differential) is not part of
/// it. About 1.5 s (the build; the run takes 10 ms).
@Suite struct CEVMUnitHarnessTests {
    static let root = TestFiles.root

    static let clang = TestFiles.findExecutable("clang")

    @Test(.enabled(if: clang != nil, "clang not found"))
    func unitHarnessBuildsAndPasses() throws {
        let h = Self.root.appendingPathComponent("Tests/CEVMHarness").path
        let core = Self.root.appendingPathComponent("CSources/CEVM").path
        // run_tests.sh's flags (-Wall -Wextra -Wno-unused-parameter) at -O1, with -Werror so
        // that a change of the core's C API the harness does not follow fails here; the test
        // host leaves the newer optional callbacks unset (NULL), hence
        // -Wno-missing-field-initializers. The run takes under a second normally; a core
        // change that makes it loop fails after 120 s, not in 900.
        let r = try TestFiles.buildAndRunC("cevm-unit", clang: Self.clang!, [
            "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-Werror",
            "-I\(core)/include", "-I\(core)", "-I\(h)",
            "\(h)/cevm_tests.c", "\(core)/interp.c", "\(core)/keccak.c", "\(h)/test_host.c",
        ], timeout: 120)
        try #require(r.buildStatus == 0, Comment(rawValue: "CEVM unit harness build failed:\n\(r.buildOutput)"))
        #expect(r.status == 0, Comment(rawValue: r.out))
        // "N checks, 0 failures", with at least the 2,214 checks the README advertises (every
        // test with the test host's access_storage and sload apart, then with access_sload).
        let summary = r.out.split(separator: "\n").last { $0.hasSuffix(" failures") }.map(String.init) ?? ""
        let words = summary.split(separator: " ")
        let checks = words.first.flatMap { Int($0) } ?? 0
        #expect(summary.hasSuffix(" checks, 0 failures"), Comment(rawValue: r.out))
        #expect(checks >= 2_214, Comment(rawValue: summary))
    }

    /// The keccak-f[1600] harness (Tests/CEVMHarness/keccak_tests.c, which only run_tests.sh ran
    /// before): Keccak-256 known answers, single and multi-block, and the AVX-512VL permutation
    /// and the dispatcher against the portable one on random states (where the CPU has
    /// AVX-512VL; the harness says when it has not). Milliseconds.
    @Test(.enabled(if: clang != nil, "clang not found"))
    func keccakHarnessBuildsAndPasses() throws {
        let h = Self.root.appendingPathComponent("Tests/CEVMHarness").path
        let core = Self.root.appendingPathComponent("CSources/CEVM").path
        let r = try TestFiles.buildAndRunC("keccak-unit", clang: Self.clang!, [
            "-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-I\(core)/include", "-I\(core)",
            "\(h)/keccak_tests.c", "\(core)/keccak.c",
        ], runArguments: ["20000"], timeout: 120)
        try #require(r.buildStatus == 0, Comment(rawValue: "keccak harness build failed:\n\(r.buildOutput)"))
        #expect(r.status == 0, Comment(rawValue: r.out))
        #expect(r.out.contains("20000 random states compared") && r.out.contains(", 0 mismatches"), Comment(rawValue: r.out))
        #expect(r.out.hasSuffix("keccak tests passed\n"), Comment(rawValue: r.out))
    }

    /// The harness runs (this one, CRISCV's and the precompiles') have a timeout: a process
    /// still running then is killed and its run fails, saying so, instead of holding the suite.
    @Test func aHarnessStillRunningAtItsTimeoutIsKilledAndFails() throws {
        let r = try TestFiles.run("/bin/sh", ["-c", "echo started; exec sleep 60"], timeout: 0.5)
        #expect(r.status == SIGKILL)
        #expect(r.out.hasPrefix("started\n") && r.out.contains("[killed: still running after 0.5 s]"), Comment(rawValue: r.out))
        // A process that ends in time is not reported as killed.
        let quick = try TestFiles.run("/bin/sh", ["-c", "echo done"], timeout: 60)
        #expect(quick.status == 0 && quick.out == "done\n")
    }
}
