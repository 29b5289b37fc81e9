import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// exit_group (a7 = 94) ends a guest as exit (93) does, through the library and through
/// `eekit rv run`; a file that cannot be loaded makes `eekit rv run` exit 2 (README's command
/// table), with a line on stderr, not a signal.
@Suite struct ExitAndLoadTests {
    /// li a0, 7; li a7, 94; ecall, then an ebreak a run that does not stop at the ecall hits.
    static func exitGroup(xlen: Int) -> TestELF {
        TestELF.program(xlen: xlen, code: [RVAsm.li(10, 7), RVAsm.li(17, 94), RVAsm.ecall, RVAsm.ebreak])
    }

    /// Writes `bytes` to a file named `name` in `dir`; its path.
    static func write(_ bytes: [UInt8], named name: String, in dir: URL) throws -> String {
        let file = dir.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }

    @Test(arguments: [64, 32])
    func exitGroupExitsThroughTheLibrary(xlen: Int) throws {
        let r = try RISCVPlainRunner.run(elf: Self.exitGroup(xlen: xlen).bytes, arguments: [])
        #expect(r.stop == .exited(7), "rv\(xlen): \(r.stop)")
        #expect(r.exitCode == 7)
        // Three instructions retired: the two li and the ecall.
        #expect(r.instructionsRetired == 3, "rv\(xlen)")
        // Only the low 8 bits are the status, as for exit.
        let wide = TestELF.program(xlen: xlen, code: [RVAsm.li(10, 0x107), RVAsm.li(17, 94), RVAsm.ecall, RVAsm.ebreak])
        #expect(try RISCVPlainRunner.run(elf: wide.bytes, arguments: []).stop == .exited(7), "rv\(xlen)")
    }

    @Test(arguments: [64, 32])
    func exitGroupExitsThroughTheCLI(xlen: Int) async throws {
        let dir = try TestFiles.scratchFolder("exit-group-\(xlen)")
        defer { TestFiles.remove(dir) }
        let file = try Self.write(Self.exitGroup(xlen: xlen).bytes, named: "exit_group", in: dir)
        let r = try await GuestHarness.runProcess(
            executable: try TestFiles.eekit(), arguments: ["rv", "run", file], environment: [:], timeout: 60)
        #expect(!r.signaled && r.status == 7,
                "rv\(xlen): status \(r.status), signaled \(r.signaled): \(String(decoding: r.stderr, as: UTF8.self))")
        #expect(r.stderr.isEmpty, "\(String(decoding: r.stderr, as: UTF8.self))")
    }

    /// A text file, an empty file, a missing file and a dynamically linked ELF (one with a
    /// PT_INTERP header) cannot be loaded: exit 2, no signal, one "eekit: " line naming the
    /// problem.
    @Test func unloadableFilesExitTwo() async throws {
        let dir = try TestFiles.scratchFolder("rv-unloadable")
        defer { TestFiles.remove(dir) }
        let text = try Self.write(Array("#!/bin/sh\necho this is not an ELF\n".utf8), named: "script.sh", in: dir)
        let empty = try Self.write([], named: "empty", in: dir)
        var dynamic = TestELF.program(xlen: 64, code: [RVAsm.li(10, 0), RVAsm.li(17, 93), RVAsm.ecall])
        dynamic.segments.append(.init(vaddr: 0x30000, bytes: Array("/lib/ld-linux-riscv64-lp64d.so.1\0".utf8), flags: 4, type: 3))
        let interp = try Self.write(dynamic.bytes, named: "dynamic", in: dir)
        // The same file without the PT_INTERP header runs (exit 0): the header is the problem.
        var plain = dynamic
        plain.segments.removeLast()
        let runs = try Self.write(plain.bytes, named: "static", in: dir)
        let missing = dir.appendingPathComponent("no-such-file").path

        let eekit = try TestFiles.eekit()
        let ok = try await GuestHarness.runProcess(executable: eekit, arguments: ["rv", "run", runs], environment: [:], timeout: 60)
        #expect(!ok.signaled && ok.status == 0, "static twin: \(ok.status)")

        let cases: [(String, String)] = [
            (text, "not an ELF"), (empty, "not an ELF"), (interp, "dynamically linked"), (missing, "no-such-file"),
        ]
        for (file, problem) in cases {
            let r = try await GuestHarness.runProcess(executable: eekit, arguments: ["rv", "run", file], environment: [:], timeout: 60)
            let said = String(decoding: r.stderr, as: UTF8.self)
            #expect(!r.signaled && r.status == 2, "\(file): status \(r.status), signaled \(r.signaled): \(said)")
            #expect(said.hasPrefix("eekit: ") && said.hasSuffix("\n") && said.split(separator: "\n").count == 1, "\(file): \(said)")
            #expect(said.lowercased().contains(problem.lowercased()), "\(file): \(said)")
            #expect(r.stdout.isEmpty, "\(file)")
        }
    }
}
