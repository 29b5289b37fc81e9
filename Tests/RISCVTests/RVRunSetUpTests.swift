import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// `eekit rv run`'s process set-up and option handling, as README's "`rv run` in detail"
/// documents them, where the qemu comparisons elsewhere do not pin them down (found by
/// mutation testing: each test here failed under a small change to the code that the other
/// suites let through).
@Suite("eekit rv run set-up and options")
struct RVRunSetUpTests {
    static func eekit() throws -> String { try TestFiles.eekit() }

    /// The initial stack read word by word: argc, argv, envp, the auxiliary vector with
    /// AT_HWCAP saying I and M only (Linux's hwcap: bit `letter - 'a'`, so 1 << 8 | 1 << 12;
    /// args.c only checks M, which qemu's IMAFDC also has), the strings ending 8 bytes below the
    /// top of memory and AT_RANDOM's 16 bytes 16-byte aligned right below them.
    @Test(arguments: [64, 32])
    func initialStackAndAuxiliaryVector(xlen: Int) throws {
        let elf = TestELF.program(xlen: xlen, code: [RVAsm.li(10, 0), RVAsm.li(17, 93), RVAsm.ecall])
        let image = try ELFImage(bytes: elf.bytes)
        let memory: UInt64 = 4 << 20
        // Several string lengths, so that an 8-byte alignment cannot pass by chance.
        for extra in 0..<16 {
            let process = try RISCVProcess(image: image, memorySize: memory, schedule: .instructionCounting)
            let args = ["prog", String(repeating: "a", count: extra + 1)]
            let env = ["X=1", "LONGER=22"]
            try process.setUpStack(arguments: args, environment: env)
            let m = process.machine
            let w = xlen / 8
            let sp = m[register: 2]
            #expect(sp % 16 == 0)
            func word(_ i: Int) throws -> UInt64 {
                let bytes = try #require(m.read(sp + UInt64(i * w), count: w))
                return bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
            }
            #expect(try word(0) == 2)
            let argv0 = try word(1)
            #expect(try word(3) == 0 && word(6) == 0)  // argv[2], envp[2]
            var aux: [(UInt64, UInt64)] = []
            var i = 7
            while aux.count < 64 {
                let pair = (try word(i), try word(i + 1))
                aux.append(pair)
                i += 2
                if pair.0 == 0 { break }
            }
            #expect(aux.last?.0 == 0, "AT_NULL ends the vector")
            let keys = aux.map(\.0)
            let value = Dictionary(aux, uniquingKeysWith: { a, _ in a })
            // qemu-user's order (linux-user/elfload.c, create_elf_tables); AT_PHDR first.
            #expect(keys == [3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 25, 23, 31, 0], "\(keys)")
            #expect(value[16] == 1 << 8 | 1 << 12, "AT_HWCAP \(String(value[16] ?? 0, radix: 2)): I and M only")
            #expect(value[6] == 4096 && value[9] == image.entry && value[17] == 100)
            // Strings: argv, envp, then AT_EXECFN, back to back, the last NUL 8 bytes below the top.
            let stringBytes = (args + env + [args[0]]).reduce(0) { $0 + $1.utf8.count + 1 }
            #expect(argv0 == memory - 8 - UInt64(stringBytes), "rv\(xlen) strings end at the top - 8")
            let execfn = try #require(value[31])
            #expect(execfn == memory - 8 - UInt64(args[0].utf8.count + 1))
            let random = try #require(value[25])
            #expect(random % 16 == 0 && random + 16 == argv0 & ~15, "rv\(xlen) AT_RANDOM at 0x\(String(random, radix: 16)), strings at 0x\(String(argv0, radix: 16))")
        }
    }

    /// `--env` / `--unset` apply in command-line order, as qemu-user's -E / -U do (a set and
    /// then an unset of the same name leaves it unset), and each takes a comma-separated list.
    @Test func environmentChangesInOrderAndCommaListsMatchQemu() async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv64/args").path
        let qemu = try GuestHarness.qemu(xlen: 64).get()
        let cases: [([String], [String])] = [
            (["--env", "Q=5", "--unset", "Q", "--env", "B=2,C=3"], ["-E", "Q=5", "-U", "Q", "-E", "B=2,C=3"]),
            (["--unset", "A", "--env", "A=7", "--unset", "HOME,PATH"], ["-U", "A", "-E", "A=7", "-U", "HOME,PATH"]),
        ]
        for (ours, theirs) in cases {
            let reference = try await GuestHarness.runProcess(
                executable: qemu, arguments: theirs + ["-0", file, file, "x"], environment: CLIEnvironmentTests.host)
            let run = try await GuestHarness.runProcess(
                executable: try Self.eekit(), arguments: ["rv", "run"] + ours + [file, "x"], environment: CLIEnvironmentTests.host)
            let out = String(decoding: run.stdout, as: UTF8.self)
            #expect(run.status == reference.status && run.stdout == reference.stdout, "eekit \(ours):\n\(out)\nqemu \(theirs):\n\(String(decoding: reference.stdout, as: UTF8.self))")
        }
        // Independently of qemu: the first case leaves Q out and sets B and C.
        let run = try await GuestHarness.runProcess(
            executable: try Self.eekit(), arguments: ["rv", "run"] + cases[0].0 + [file], environment: ["A": "1"])
        let out = String(decoding: run.stdout, as: UTF8.self)
        #expect(out.contains("envc 3\n") && out.contains("envp[0] = \"C=3\"") && out.contains("envp[1] = \"B=2\"")
                && out.contains("envp[2] = \"A=1\"") && !out.contains("Q=5"), "\(out)")
    }

    /// `--unset NAME` removes that exact name (README: qemu 7.2's `-U A` also removes the first
    /// entry whose name merely starts with `A`; eekit does not).
    @Test func unsetRemovesTheExactNameOnly() async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv64/args").path
        let run = try await GuestHarness.runProcess(
            executable: try Self.eekit(), arguments: ["rv", "run", "--unset", "A", file], environment: ["AB": "2"])
        let out = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.status == 0 && out.contains("envc 1\n") && out.contains("envp[0] = \"AB=2\""), "\(out)")
    }

    /// Options after the guest's arguments: `--clear-env` there clears the environment too
    /// (before the `--env` with it), and a trailing option wins over the same option before FILE.
    @Test func trailingOptionsClearAndWin() async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv64/args").path
        let eekit = try Self.eekit()
        let cleared = try await GuestHarness.runProcess(
            executable: eekit, arguments: ["rv", "run", file, "x", "--env", "Z=26", "--clear-env"],
            environment: CLIEnvironmentTests.host)
        let out = String(decoding: cleared.stdout, as: UTF8.self)
        #expect(cleared.status == 0 && out.contains("argc 2\n") && out.contains("envc 1\n") && out.contains("envp[0] = \"Z=26\""), "\(out)")
        // The budget: 100 instructions do not finish the program, two billion do.
        let trailingLarger = try await GuestHarness.runProcess(
            executable: eekit, arguments: ["rv", "run", "--max-instructions", "100", file, "x", "--max-instructions", "2000000000"],
            environment: [:])
        #expect(trailingLarger.status == 0 && !trailingLarger.signaled, "\(String(decoding: trailingLarger.stderr, as: UTF8.self))")
        let trailingSmaller = try await GuestHarness.runProcess(
            executable: eekit, arguments: ["rv", "run", "--max-instructions", "2000000000", file, "x", "--max-instructions", "100"],
            environment: [:])
        #expect(trailingSmaller.status == 124, "\(String(decoding: trailingSmaller.stderr, as: UTF8.self))")
    }

    /// A trailing run of eekit's options is at most 64 words: the longest such suffix within
    /// the last 64 arguments is eekit's, the words before it the guest's.
    @Test func trailingOptionsTakeAtMostSixtyFourWords() async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv64/args").path
        // 33 `--env Vn=n` pairs: 66 words, of which the last 64 (V2...V33) are eekit's.
        let pairs = (1...33).flatMap { ["--env", "V\($0)=\($0)"] }
        let run = try await GuestHarness.runProcess(
            executable: try Self.eekit(), arguments: ["rv", "run", file, "x"] + pairs, environment: [:])
        let out = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.status == 0 && out.contains("argc 4\n") && out.contains("argv[2] = \"--env\"") && out.contains("argv[3] = \"V1=1\""), "\(out)")
        #expect(out.contains("envc 32\n") && out.contains("envp[0] = \"V33=33\"") && out.contains("envp[31] = \"V2=2\""), "\(out)")
        // 20 words: all eekit's.
        let short = try await GuestHarness.runProcess(
            executable: try Self.eekit(), arguments: ["rv", "run", file, "x"] + pairs.prefix(20), environment: [:])
        let shortOut = String(decoding: short.stdout, as: UTF8.self)
        #expect(short.status == 0 && shortOut.contains("argc 2\n") && shortOut.contains("envc 10\n"), "\(shortOut)")
    }

    /// One host read per guest read: a pipe that has 2 bytes when the guest asks for 4 gives
    /// 2, as under Linux and qemu-user (a read that waited to fill the buffer would give 4 and
    /// hang a program talking to another over a pipe).
    @Test func aReadReturnsWhatThePipeHasNow() async throws {
        let dir = try await GuestHarness.builtPrograms()
        let file = dir.appendingPathComponent("rv64/read_buffers").path
        // $0: the runner; the second part arrives five seconds after the first, a margin for
        // a loaded machine to start the runner and reach the first read (qemu is held to the
        // same, so a start slower than that shows as a difference in the reference too).
        let script = #"(printf ab; sleep 5; printf cdefgh) | $0 "$1""#
        let qemu = try GuestHarness.qemu(xlen: 64).get()
        let reference = try await GuestHarness.runProcess(executable: "/bin/sh", arguments: ["-c", script, "\(qemu)", file], environment: [:])
        let ours = try await GuestHarness.runProcess(
            executable: "/bin/sh", arguments: ["-c", script, "\(try Self.eekit()) rv run", file], environment: [:])
        let expected = String(decoding: reference.stdout, as: UTF8.self)
        #expect(expected.contains("then 4 bytes: 2 'ab'\n"), "qemu: \(expected)")
        let out = String(decoding: ours.stdout, as: UTF8.self)
        #expect(ours.status == reference.status && out.contains("then 4 bytes: 2 'ab'\n") && out.contains("one big read: 6 bytes"), "\(out)")
    }

    /// `--stats`: instructions (exactly the retired count), seconds and MIPS, wall clock then
    /// CPU time, MIPS being millions of instructions per second of each.
    @Test func statsReportsTheCountAndItsRate() async throws {
        // t0 = 0x300000; loop: t0 -= 1; bnez t0, loop; exit(0): 1 + 2 * 0x300000 + 3 instructions.
        let code = [RVAsm.lui(5, 0x300), RVAsm.addi(5, 5, -1), RVAsm.bne(5, 0, -4), RVAsm.li(10, 0), RVAsm.li(17, 93), RVAsm.ecall]
        let dir = try TestFiles.scratchFolder("stats")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("loop").path
        try Data(TestELF.program(xlen: 64, code: code).bytes).write(to: URL(fileURLWithPath: file))
        let run = try await GuestHarness.runProcess(executable: try Self.eekit(), arguments: ["rv", "run", "--stats", file], environment: [:])
        let line = String(decoding: run.stderr, as: UTF8.self)
        #expect(run.status == 0)
        let match = try #require(
            line.wholeMatch(of: /instructions: (\d+)  seconds: ([0-9.]+)  MIPS: ([0-9.]+)  cpu-seconds: ([0-9.]+)  cpu-MIPS: ([0-9.]+)\n/),
            "\(line)")
        let instructions = try #require(Double(match.1)), seconds = try #require(Double(match.2)), mips = try #require(Double(match.3))
        let cpuSeconds = try #require(Double(match.4)), cpuMIPS = try #require(Double(match.5))
        #expect(instructions == Double(1 + 2 * 0x300000 + 3))
        func close(_ printed: Double, _ count: Double, _ secs: Double) -> Bool {
            guard secs > 0 else { return true }
            let rate = count / secs / 1e6
            return abs(printed - rate) <= 0.05 + rate * 0.01
        }
        #expect(close(mips, instructions, seconds), "\(line)")
        #expect(close(cpuMIPS, instructions, cpuSeconds), "\(line)")
    }
}
