import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// `eekit rv run` / `rv disasm` behaviour README documents ("`rv run` in detail", the command
/// table) that a mutation-testing round of RVCommand.swift (2026-12-06) found unchecked: each
/// test failed under a small change to the code that every other suite let through.
@Suite("eekit rv run options and exit statuses, edges")
struct RVRunOptionEdgeTests {
    static func eekit() throws -> String { try TestFiles.eekit() }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// eekit exits with the guest's status, all 8 bits of it (README: "Exits with the
    /// guest's status"): exit(200) is status 200, not a signal.
    @Test(arguments: [64, 32])
    func guestStatusAboveOneHundredTwentySevenPassesThrough(xlen: Int) async throws {
        let dir = try TestFiles.scratchFolder("rv-status-\(xlen)")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("exit200").path
        try Data(TestELF.program(xlen: xlen, code: [RVAsm.li(10, 200), RVAsm.li(17, 93), RVAsm.ecall]).bytes)
            .write(to: URL(fileURLWithPath: file))
        let r = try await GuestHarness.runProcess(executable: try Self.eekit(), arguments: ["rv", "run", file], environment: [:])
        #expect(!r.signaled && r.status == 200, "rv\(xlen): \(r.status) \(Self.text(r.stderr))")
    }

    /// Trailing options (after the guest's arguments) are eekit's when each has a valid value:
    /// `--memory 4096` (the top of 1-4096) and `--trace` there are eekit's, so the guest sees
    /// only `x` and every retired instruction is written to stderr.
    @Test func trailingMemoryAtItsLimitAndTraceAreEekits() async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv64/args").path
        let memory = try await GuestHarness.runProcess(
            executable: try Self.eekit(), arguments: ["rv", "run", file, "x", "--memory", "4096"], environment: [:])
        let memoryOut = Self.text(memory.stdout)
        #expect(memory.status == 0 && memoryOut.contains("argc 2\n") && !memoryOut.contains("\"--memory\""), "\(memoryOut)")
        let traced = try await GuestHarness.runProcess(
            executable: try Self.eekit(), arguments: ["rv", "run", file, "x", "--trace"], environment: [:])
        let out = Self.text(traced.stdout), err = Self.text(traced.stderr)
        #expect(traced.status == 0 && out.contains("argc 2\n") && !out.contains("--trace"), "\(out)")
        // One line per retired instruction, each "pc (word) disassembly": the last is the
        // exit's ecall.
        let lines = err.split(separator: "\n")
        #expect(lines.count > 100, "\(lines.count) trace lines")
        #expect(lines.last?.contains(") ecall") == true, "\(lines.last ?? "")")
    }

    /// `rv disasm` gives each executable segment's flags as its program header has them
    /// (a writable one "rwx"), and a file it cannot read exits 2 with one "eekit: " line.
    @Test func disasmFlagsAndUnreadableFile() async throws {
        let dir = try TestFiles.scratchFolder("rv-disasm-rwx")
        defer { TestFiles.remove(dir) }
        let words: [UInt32] = [0x0070_0513, 0x05d0_0893, 0x0000_0073]  // a0 = 7, a7 = 93, ecall
        let elf = TestELF(xlen: 64, entry: 0x11000, segments: [.init(vaddr: 0x11000, bytes: words.flatMap(TestELF.le32), flags: 7)])
        let file = dir.appendingPathComponent("rwx").path
        try Data(elf.bytes).write(to: URL(fileURLWithPath: file))
        let d = try await GuestHarness.runProcess(executable: try Self.eekit(), arguments: ["rv", "disasm", file], environment: [:])
        #expect(d.status == 0)
        #expect(Self.text(d.stdout).hasPrefix("segment 0: 0x11000-0x1100c rwx\n"), "\(Self.text(d.stdout))")
        let missing = dir.appendingPathComponent("no-such-elf").path
        let m = try await GuestHarness.runProcess(executable: try Self.eekit(), arguments: ["rv", "disasm", missing], environment: [:])
        let said = Self.text(m.stderr)
        #expect(!m.signaled && m.status == 2, "\(m.status): \(said)")
        #expect(said.hasPrefix("eekit: ") && said.contains("no-such-elf") && said.split(separator: "\n").count == 1, "\(said)")
        #expect(m.stdout.isEmpty)
    }
}
