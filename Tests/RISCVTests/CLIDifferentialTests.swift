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
