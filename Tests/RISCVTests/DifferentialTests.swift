// Differential tests: every guest program in Tests/RISCVTests/Programs, built for rv64 and
// rv32 at test time, must behave identically under qemu-user and under EEKit's
// RISCVPlainRunner: same stdout bytes, same stderr bytes, same exit status.
//
// Requirements (CI installs them; a missing tool is a test failure, not a skip):
//  - clang with the riscv32/riscv64 targets and ld.lld (Programs/build.sh checks),
//  - qemu-riscv64 and qemu-riscv32 (Debian: qemu-user).

import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// Paths, external tools and process helpers shared by the differential and random-program
/// tests.
enum GuestHarness {
    /// The repository root: this file is <root>/Tests/RISCVTests/DifferentialTests.swift.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // RISCVTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // root

    static let programsDirectory = repoRoot.appendingPathComponent("Tests/RISCVTests/Programs")

    /// argv[1...] given to every program (argv[0] is "program" on both sides).
    static let arguments = ["alpha", "beta gamma", "", "42", "-7", "0x10"]

    /// Standard input given to every program.
    static let stdin: [UInt8] = Array("hello from stdin\nsecond line, with Punctuation!\n\nlast".utf8)

    /// Instruction budget for one EEKit run: far above what any program needs, so a run
    /// that loops forever fails instead of hanging the suite.
    static let instructionLimit: UInt64 = 2_000_000_000

    /// Seconds a qemu run or a compile may take before it is killed (generous: the test
    /// machine may be shared and heavily loaded).
    static let processTimeout: Double = 900

    /// Seconds Programs/build.sh may take.
    static let buildTimeout: Double = 1800

    /// The absolute path of `name` on PATH, or nil.
    static func findExecutable(_ name: String) -> String? { TestFiles.findExecutable(name) }

    /// The qemu-user binary for `xlen`, or a message saying how to get it.
    static func qemu(xlen: Int) -> Result<String, HarnessError> {
        let name = "qemu-riscv\(xlen)"
        if let path = findExecutable(name) { return .success(path) }
        return .failure(HarnessError("\(name) not found on PATH: install qemu-user (apt-get install qemu-user)"))
    }

    /// The names (file name without extension) of every guest program.
    static let programNames: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: programsDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".c") || $0.hasSuffix(".S") }
            .map { String($0.dropLast(2)) }
            .sorted()
    }()

    /// Builds every guest program once per test process (Programs/build.sh into a fresh
    /// temporary directory) and returns that directory. Concurrent callers share one build;
    /// waiting for it never blocks a thread of the cooperative pool.
    static func builtPrograms() async throws(HarnessError) -> URL {
        try await ProgramBuild.shared.directory().get()
    }

    private actor ProgramBuild {
        static let shared = ProgramBuild()
        private var build: Task<Result<URL, HarnessError>, Never>?

        func directory() async -> Result<URL, HarnessError> {
            if let build { return await build.value }
            let task = Task { await GuestHarness.buildPrograms() }
            build = task
            return await task.value
        }
    }

    private static func buildPrograms() async -> Result<URL, HarnessError> {
        let out: URL
        do {
            out = try TestFiles.processFolder("rv-programs")
        } catch {
            return .failure(HarnessError("cannot create a folder for the programs: \(error)"))
        }
        let script = programsDirectory.appendingPathComponent("build.sh").path
        let result: ProcessOutput
        do throws(HarnessError) {
            result = try await runProcess(executable: "/bin/bash", arguments: [script, out.path], timeout: buildTimeout)
        } catch {
            return .failure(error)
        }
        if result.timedOut {
            return .failure(HarnessError("Programs/build.sh did not finish within \(Int(buildTimeout)) s"))
        }
        guard result.status == 0 else {
            return .failure(HarnessError(
                "Programs/build.sh failed (status \(result.status)):\n\(String(decoding: result.stderr, as: UTF8.self))"))
        }
        return .success(out)
    }

    /// Builds one program of `Programs/` on its own with extra compiler and linker `flags`
    /// (`-static` or `-static-pie` among them; `linuxTarget`: the riscvNN-linux-gnu triple, which `-static-pie` needs) into a fresh
    /// folder, and returns the file; nil (with an issue recorded) when clang is missing or fails.
    static func buildOne(_ source: String, xlen: Int, flags: [String], linuxTarget: Bool = false) async throws -> String? {
        guard let clang = findExecutable("clang") else {
            Issue.record("clang not found on PATH")
            return nil
        }
        let name = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        let dir = FileManager.default.temporaryDirectory
            // Unique per build: tests running in parallel may build one source with other flags
            // (the same folder had one test delete or overwrite another's file).
            .appendingPathComponent("eekit-\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(xlen)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(name).path
        let cc = try await runProcess(executable: clang, arguments: [
            "--target=riscv\(xlen)\(linuxTarget ? "-linux-gnu" : "")", "-march=rv\(xlen)im", "-mabi=\(xlen == 64 ? "lp64" : "ilp32")",
            "-O2", "-nostdlib", "-ffreestanding", "-fno-builtin", "-fuse-ld=lld",
        ] + flags + [programsDirectory.appendingPathComponent(source).path, "-o", file])
        guard cc.status == 0 else {
            Issue.record("clang failed: \(String(decoding: cc.stderr, as: UTF8.self))")
            try? FileManager.default.removeItem(at: dir)
            return nil
        }
        return file
    }

    /// /bin/sh's arguments that run `command` under `ulimit LIMIT` ("-v 1500000", "-s 65536"):
    /// the shell sets the limit and execs the command, whose status is then the shell's.
    static func underLimit(_ limit: String, _ command: [String]) -> [String] {
        ["-c", "ulimit \(limit) && exec \"$@\"", "sh"] + command
    }

    struct HarnessError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    typealias ProcessOutput = TestProcess.Output

    /// `TestProcess.run` with `stdin` as standard input, killed after `timeout` seconds.
    /// Blocks the calling thread.
    static func runProcessBlocking(
        executable: String, arguments: [String], stdin: [UInt8] = [], environment: [String: String]? = nil,
        timeout: Double = processTimeout
    ) throws(HarnessError) -> ProcessOutput {
        do throws(TestProcess.Failure) {
            return try TestProcess.run(
                executable: executable, arguments: arguments, stdin: stdin, environment: environment, timeout: timeout)
        } catch {
            throw HarnessError(error.description)
        }
    }

    /// `runProcessBlocking` moved off the cooperative thread pool, so that waiting for a child
    /// process never starves other tests' tasks.
    static func runProcess(
        executable: String, arguments: [String], stdin: [UInt8] = [], environment: [String: String]? = nil,
        timeout: Double = processTimeout
    ) async throws(HarnessError) -> ProcessOutput {
        do throws(TestProcess.Failure) {
            return try await TestProcess.runAsync(
                executable: executable, arguments: arguments, stdin: stdin, environment: environment, timeout: timeout)
        } catch {
            throw HarnessError(error.description)
        }
    }

    /// Runs `file` under qemu-user with argv[0] = "program" and an empty environment (the
    /// same as RISCVPlainRunner's defaults).
    static func runQemu(xlen: Int, file: String, arguments: [String], stdin: [UInt8]) async throws(HarnessError)
        -> ProcessOutput
    {
        let qemu = try qemu(xlen: xlen).get()
        let result = try await runProcess(
            executable: qemu, arguments: ["-0", "program", file] + arguments, stdin: stdin, environment: [:])
        if result.timedOut {
            throw HarnessError("qemu-riscv\(xlen) \(file) did not finish within \(Int(processTimeout)) s")
        }
        return result
    }

    /// A short description of where two outputs first differ: line number and both lines,
    /// plus the sizes. Empty when they are equal.
    static func firstDifference(_ label: String, expected: [UInt8], actual: [UInt8]) -> String {
        if expected == actual { return "" }
        let e = expected.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let a = actual.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var line = 0
        while line < min(e.count, a.count) && e[line] == a[line] { line += 1 }
        func show(_ lines: [ArraySlice<UInt8>], _ i: Int) -> String {
            guard i < lines.count else { return "<end of output>" }
            let text = String(decoding: lines[i].prefix(300), as: UTF8.self)
            return lines[i].count > 300 ? text + "..." : text
        }
        var text = "\(label) differs (qemu \(expected.count) bytes, EEKit \(actual.count) bytes), first at line \(line + 1):\n"
        if line > 0 { text += "  both: \(show(e, line - 1))\n" }
        text += "  qemu:  \(show(e, line))\n  EEKit: \(show(a, line))"
        return text
    }
}

@Suite("RISC-V differential tests against qemu-user")
struct DifferentialTests {
    @Test("guest programs exist and build")
    func programsBuild() async throws {
        #expect(GuestHarness.programNames.count >= 10, "expected the guest programs in \(GuestHarness.programsDirectory.path)")
        let dir = try await GuestHarness.builtPrograms()
        for name in GuestHarness.programNames {
            for xlen in [64, 32] {
                let path = dir.appendingPathComponent("rv\(xlen)/\(name)").path
                #expect(FileManager.default.fileExists(atPath: path), "missing \(path)")
            }
        }
    }

    @Test("program behaves like under qemu", arguments: GuestHarness.programNames, [64, 32])
    func matchesQemu(program: String, xlen: Int) async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv\(xlen)/\(program)").path
        let elf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))

        let reference = try await GuestHarness.runQemu(
            xlen: xlen, file: file, arguments: GuestHarness.arguments, stdin: GuestHarness.stdin)

        let result = try RISCVPlainRunner.run(
            elf: elf, arguments: GuestHarness.arguments, stdin: GuestHarness.stdin,
            options: RISCVRunOptions(maxInstructions: GuestHarness.instructionLimit))

        let what = "\(program) rv\(xlen)"
        #expect(!reference.stdout.isEmpty, "\(what): qemu printed nothing (status \(reference.status)): \(String(decoding: reference.stderr.prefix(500), as: UTF8.self))")
        #expect(result.exitCode == reference.status,
                "\(what): qemu exited with \(reference.status), EEKit stopped with: \(result.stop)")
        let out = GuestHarness.firstDifference("\(what) stdout", expected: reference.stdout, actual: result.stdout)
        #expect(out.isEmpty, "\(out)")
        let err = GuestHarness.firstDifference("\(what) stderr", expected: reference.stderr, actual: result.stderr)
        #expect(err.isEmpty, "\(err)")
        #expect(result.instructionsRetired > 0)
    }

    /// A static PIE (ET_DYN without an interpreter, as `-static-pie` links it) loads at
    /// `ELFImage.dynamicBase`, relocates itself and must print what it prints under qemu,
    /// which places it elsewhere: its output names no address.
    @Test("static PIE behaves like under qemu", arguments: [64, 32])
    func staticPIEMatchesQemu(xlen: Int) async throws {
        guard let file = try await GuestHarness.buildOne(
            "pie/static_pie.c", xlen: xlen, flags: ["-fPIE", "-static-pie"], linuxTarget: true)
        else { return }
        defer { try? FileManager.default.removeItem(at: URL(fileURLWithPath: file).deletingLastPathComponent()) }
        let elf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(elf.count > 16 && elf[16] == 3, "clang did not link an ET_DYN file")
        let image = try ELFImage(bytes: elf)
        #expect(!image.needsInterpreter)
        #expect(image.segments.map(\.vaddr).min().map { $0 & ~4095 } == ELFImage.dynamicBase)

        let reference = try await GuestHarness.runQemu(
            xlen: xlen, file: file, arguments: GuestHarness.arguments, stdin: [])
        let result = try RISCVPlainRunner.run(
            elf: elf, arguments: GuestHarness.arguments, stdin: [],
            options: RISCVRunOptions(maxInstructions: GuestHarness.instructionLimit))
        let text = String(decoding: reference.stdout, as: UTF8.self)
        #expect(text.hasPrefix("relocated\n") && text.contains("entry ok"), "qemu printed: \(text)")
        #expect(reference.status == 3 && result.exitCode == 3, "qemu \(reference.status), EEKit \(result.stop)")
        let out = GuestHarness.firstDifference("static PIE rv\(xlen) stdout", expected: reference.stdout, actual: result.stdout)
        #expect(out.isEmpty, "\(out)")
    }

    /// A program linked at 0x80000000 (bare-metal RISC-V's RAM base) that grows its heap by
    /// 96 MiB runs under `eekit rv run` and `RISCVPlainRunner` with their default memory as under
    /// qemu-user: the default was 64 MiB until 2026-12-07, which refused the image at load
    /// (exit 2) and would have refused the heap.
    @Test("a high image and a large heap run with the default memory", arguments: [64, 32])
    func highImageAndLargeHeapMatchQemu(xlen: Int) async throws {
        guard let file = try await GuestHarness.buildOne(
            "high/high_heap.c", xlen: xlen, flags: ["-static", "-Wl,-Ttext=0x80000000"] + (xlen == 64 ? ["-mcmodel=medany"] : []))
        else { return }
        defer { try? FileManager.default.removeItem(at: URL(fileURLWithPath: file).deletingLastPathComponent()) }
        let elf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(try ELFImage(bytes: elf).segments.map(\.vaddr).contains(0x8000_0000))  // the code; the headers stay at 0x10000
        let reference = try await GuestHarness.runQemu(xlen: xlen, file: file, arguments: [], stdin: [])
        let text = String(decoding: reference.stdout, as: UTF8.self)
        #expect(reference.status == 5 && text.hasPrefix("linked high\ndata high\npages 24576 zero 24576 sum ")
                && text.hasSuffix("\nshrunk and zeroed\n"), "qemu \(reference.status): \(text)")
        let library = try RISCVPlainRunner.run(elf: elf, arguments: [], stdin: [], options: RISCVRunOptions())
        #expect(library.exitCode == 5, "\(library.stop)")
        #expect(GuestHarness.firstDifference("RISCVPlainRunner rv\(xlen)", expected: reference.stdout, actual: library.stdout).isEmpty)
        let cli = try await GuestHarness.runProcess(executable: try TestFiles.eekit(), arguments: ["rv", "run", file], environment: [:])
        #expect(cli.status == 5, "\(String(decoding: cli.stderr, as: UTF8.self))")
        let out = GuestHarness.firstDifference("eekit rv run rv\(xlen)", expected: reference.stdout, actual: cli.stdout)
        #expect(out.isEmpty, "\(out)")
        // The old default still refuses the image, naming the memory it needs.
        let small = try await GuestHarness.runProcess(
            executable: try TestFiles.eekit(), arguments: ["rv", "run", "--memory", "64", file], environment: [:])
        #expect(small.status == 2 && String(decoding: small.stderr, as: UTF8.self).contains("--memory 2057 is the least that holds it"))
    }

    /// Whether a process under `ulimit -v 1500000` (1.5 GB of address space) can start eekit at
    /// all: a sanitizer build (Scripts/sanitize.sh) reserves terabytes of shadow memory and cannot.
    static let startsUnderAddressSpaceLimit: Bool = {
        guard let eekit = try? TestFiles.eekit(),
            let r = try? TestFiles.runSeparately("/bin/sh", GuestHarness.underLimit("-v 1500000", [eekit, "--version"]))
        else { return false }
        return r.status == 0
    }()

    /// The default memory (4096 MiB) is a reservation a host may refuse (`ulimit -v`, strict
    /// overcommit): `eekit rv run` then runs in the largest halving down to 64 MiB that the host
    /// grants and that holds the image, so a program that ran with the old 64 MiB default still
    /// runs, or last in the least size that holds the image with 64 MiB to spare; a size given
    /// with `--memory` is used exactly or refused (exit 2, naming the reservation).
    @Test(.enabled(if: startsUnderAddressSpaceLimit, "eekit cannot start under ulimit -v (a sanitizer build)"),
          arguments: [64, 32])
    func defaultMemoryShrinksUnderAnAddressSpaceLimit(xlen: Int) async throws {
        guard let file = try await GuestHarness.buildOne("memory/stack_top.c", xlen: xlen, flags: ["-static"]) else { return }
        defer { try? FileManager.default.removeItem(at: URL(fileURLWithPath: file).deletingLastPathComponent()) }
        let eekit = try TestFiles.eekit()
        func run(limit: Int?, _ options: [String]) throws -> (status: Int32, out: String, err: String) {
            let command = [eekit, "rv", "run"] + options + [file]
            guard let limit else { return try TestFiles.runSeparately(eekit, Array(command.dropFirst())) }
            return try TestFiles.runSeparately("/bin/sh", GuestHarness.underLimit("-v \(limit)", command))
        }
        let free = try run(limit: nil, [])
        #expect(free.status == 0 && free.out == "memory MiB 4096\n", "\(free)")
        let limited = try run(limit: 1_500_000, [])
        #expect(limited.status == 0 && limited.out == "memory MiB 1024\n" && limited.err.isEmpty, "\(limited)")
        let given = try run(limit: 1_500_000, ["--memory", "4096"])
        #expect(given.status == 2 && given.err.contains("cannot reserve 4294967296 bytes of guest memory"), "\(given)")
        let small = try run(limit: 1_500_000, ["--memory", "64"])
        #expect(small.status == 0 && small.out == "memory MiB 64\n", "\(small)")
        // Linked at 0x80000000 it needs 2057 MiB, which the halving to 2048 does not hold: last,
        // the least size that holds it with 64 MiB to spare, in whole 64 MiB: 2176.
        guard let high = try await GuestHarness.buildOne(
            "memory/stack_top.c", xlen: xlen, flags: ["-static", "-Wl,-Ttext=0x80000000"] + (xlen == 64 ? ["-mcmodel=medany"] : []))
        else { return }
        defer { try? FileManager.default.removeItem(at: URL(fileURLWithPath: high).deletingLastPathComponent()) }
        let spared = try TestFiles.runSeparately("/bin/sh", GuestHarness.underLimit("-v 3000000", [eekit, "rv", "run", high]))
        #expect(spared.status == 0 && spared.out == "memory MiB 2176\n", "\(spared)")
    }

    /// An image that no size holds (linked above 4 GiB) says so under an address-space limit
    /// too, as without one: the reservation refused used to be the error (`cannot reserve
    /// 4294967296 bytes of guest memory`), which no `ulimit -v` could have helped.
    @Test(.enabled(if: startsUnderAddressSpaceLimit, "eekit cannot start under ulimit -v (a sanitizer build)"))
    func imageAbove4GiBIsTooLargeUnderAnAddressSpaceLimit() async throws {
        guard let file = try await GuestHarness.buildOne(
            "memory/stack_top.c", xlen: 64, flags: ["-static", "-mcmodel=medany", "-Wl,-Ttext=0x100000000"])
        else { return }
        defer { try? FileManager.default.removeItem(at: URL(fileURLWithPath: file).deletingLastPathComponent()) }
        let r = try TestFiles.runSeparately(
            "/bin/sh", GuestHarness.underLimit("-v 1500000", [try TestFiles.eekit(), "rv", "run", file]))
        #expect(r.status == 2 && r.err.contains("no --memory up to 4096 MiB holds it") && !r.err.contains("cannot reserve"), "\(r)")
    }

    /// The guest stack is 8 MiB unless eekit's own RLIMIT_STACK is finite and larger, as
    /// qemu-user (and Linux) take it: a 12 MB recursion overflows under `ulimit -s 8192` and
    /// `unlimited` (qemu keeps its default then) and runs under `ulimit -s 65536`, under both.
    @Test(arguments: [64, 32])
    func stackFollowsALargerStackLimitAsUnderQemu(xlen: Int) async throws {
        guard let file = try await GuestHarness.buildOne("memory/recurse.c", xlen: xlen, flags: ["-static"]) else { return }
        defer { try? FileManager.default.removeItem(at: URL(fileURLWithPath: file).deletingLastPathComponent()) }
        let qemu = try GuestHarness.qemu(xlen: xlen).get(), eekit = try TestFiles.eekit()
        for (limit, runs) in [("8192", false), ("65536", true), ("unlimited", false)] {
            func run(_ command: [String]) throws -> TestProcess.Output {
                try TestProcess.run(executable: "/bin/sh", arguments: GuestHarness.underLimit("-s \(limit)", command))
            }
            let reference = try run([qemu, file]), ours = try run([eekit, "rv", "run", file])
            let what = "rv\(xlen) ulimit -s \(limit)"
            #expect(reference.stdout == (runs ? Array("recursed\n".utf8) : []) && reference.signaled == !runs, "\(what): qemu \(reference)")
            #expect(ours.stdout == reference.stdout && ours.signaled == reference.signaled && ours.status == reference.status,
                    "\(what): qemu \(reference.status) (signal: \(reference.signaled)), eekit \(ours.status) (signal: \(ours.signaled)): \(String(decoding: ours.stderr, as: UTF8.self))")
        }
    }

    @Test("qemu-user is installed", arguments: [64, 32])
    func qemuPresent(xlen: Int) throws {
        _ = try GuestHarness.qemu(xlen: xlen).get()
    }
}
