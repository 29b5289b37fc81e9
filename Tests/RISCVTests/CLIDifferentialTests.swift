import EEKit
import Foundation
import Testing

/// `eekit rv run` itself (not only RISCVPlainRunner) against qemu-user: standard input piped
/// to the guest and read as it asks (the CLI used to give every program an empty stdin),
/// argv[0] as the path given, the argument strings' layout, and the exit status.
@Suite("eekit rv run against qemu-user")
struct CLIDifferentialTests {
    /// The eekit executable built next to the test bundle (`swift test` builds every product).
    static func eekit() throws -> String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("eekit").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw GuestHarness.HarnessError("eekit not found next to \(CommandLine.arguments[0]) (swift build first)")
    }

    @Test(arguments: ["stdin_echo", "args"], [64, 32])
    func cliMatchesQemu(program: String, xlen: Int) async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv\(xlen)/\(program)").path
        let qemu = try GuestHarness.qemu(xlen: xlen).get()
        let reference = try await GuestHarness.runProcess(
            executable: qemu, arguments: ["-0", file, file] + GuestHarness.arguments, stdin: GuestHarness.stdin,
            environment: [:])
        let ours = try await GuestHarness.runProcess(
            executable: try Self.eekit(),
            arguments: ["rv", "run", "--max-instructions", "\(GuestHarness.instructionLimit)", file] + GuestHarness.arguments,
            stdin: GuestHarness.stdin, environment: [:])
        let what = "eekit rv run \(program) rv\(xlen)"
        #expect(ours.status == reference.status, "\(what): qemu \(reference.status), eekit \(ours.status): \(String(decoding: ours.stderr, as: UTF8.self))")
        let out = GuestHarness.firstDifference("\(what) stdout", expected: reference.stdout, actual: ours.stdout)
        #expect(out.isEmpty, "\(out)")
        #expect(!ours.stdout.isEmpty)
    }
}

/// The guest's environment: eekit's own, in qemu-user's order, and --env / --unset /
/// --clear-env as qemu-user's -E / -U and env -i (the args program prints envp).
@Suite("eekit rv run environment against qemu-user")
struct CLIEnvironmentTests {
    static let host = ["A": "1", "HOME": "/home/guest", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]

    @Test(arguments: [
        ([], []),
        (["--env", "B=2", "--unset", "PATH", "--env", "HOME=/x"], ["-E", "B=2", "-U", "PATH", "-E", "HOME=/x"]),
        (["--clear-env", "--env", "Z=26"], ["-U", "A", "-U", "HOME", "-U", "PATH", "-U", "LANG", "-E", "Z=26"]),
    ])
    func environmentMatchesQemu(ours options: [String], qemu qemuOptions: [String]) async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv64/args").path
        let qemu = try GuestHarness.qemu(xlen: 64).get()
        let reference = try await GuestHarness.runProcess(
            executable: qemu, arguments: qemuOptions + ["-0", file, file, "x"], environment: Self.host)
        let ours = try await GuestHarness.runProcess(
            executable: try CLIDifferentialTests.eekit(), arguments: ["rv", "run"] + options + [file, "x"],
            environment: Self.host)
        #expect(ours.status == reference.status)
        let out = GuestHarness.firstDifference("eekit rv run \(options)", expected: reference.stdout, actual: ours.stdout)
        #expect(out.isEmpty, "\(out)")
        #expect(String(decoding: ours.stdout, as: UTF8.self).contains("envp["))
    }

    @Test func optionsComposeAsQemuDoes() {
        let host = ["A=1", "B=2", "C=3"]
        #expect(RISCVRunOptions.qemuEnvironment(host: host, clear: false, unset: [], set: []) == ["C=3", "B=2", "A=1"])
        #expect(
            RISCVRunOptions.qemuEnvironment(host: host, clear: false, unset: ["B"], set: ["A=9", "D=4"])
                == ["D=4", "A=9", "C=3"])
        #expect(RISCVRunOptions.qemuEnvironment(host: host, clear: true, unset: [], set: ["X"]) == ["X"])
    }
}
