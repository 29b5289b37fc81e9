import ArgumentParser
import Foundation

/// `eekit bench rv`: runs the RISC-V benchmark suite (Benchmarks/rv/run.sh) with this very
/// eekit binary, against qemu-user and the native build of the same C.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run EEKit's benchmark suites against their peers.",
        subcommands: [RV.self])

    struct RV: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "RISC-V mix (rv64im/rv32im): EEKit vs qemu-riscv64/32 vs native; prints a Markdown table.",
            discussion: "Needs the source checkout eekit was built from (for Benchmarks/rv), clang and qemu-user. Use a release build.")

        @Option(help: "Runs per measurement; the best is reported.")
        var reps: Int = 3

        @Option(help: "Guest widths to run: 64, 32 or both.")
        var xlen: [Int] = [64, 32]

        @Argument(help: "Benchmark names (default: all).")
        var programs: [String] = []

        /// Usage errors (exit 64) as `contract-bench` and `bootbench` give them (a review: `--reps 0`
        /// built everything and printed a row of empty times, `--xlen 16` a qemu failure).
        func validate() throws {
            guard reps >= 1 else { throw ValidationError("--reps must be at least 1, got \(reps)") }
            guard !xlen.isEmpty else { throw ValidationError("--xlen needs 64 or 32") }
            for x in xlen where x != 32 && x != 64 {
                throw ValidationError("--xlen takes 64 or 32 (RV64IM, RV32IM), got \(x)")
            }
        }

        func run() throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let script = root.appendingPathComponent("Benchmarks/rv/run.sh").path
            guard FileManager.default.fileExists(atPath: script) else {
                throw ValidationError("Benchmarks/rv/run.sh not found under \(root.path): run from the source checkout")
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [script] + programs
            var env = ProcessInfo.processInfo.environment
            // This executable's own path (/proc/self/exe): argv[0] is a bare name when eekit was
            // found through PATH, and run.sh resolved it against the current folder (a review).
            let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
            env["EEKIT"] = URL(fileURLWithPath: me).standardizedFileURL.resolvingSymlinksInPath().path
            env["REPS"] = String(reps)
            env["XLENS"] = xlen.map(String.init).joined(separator: " ")
            p.environment = env
            try p.run()
            p.waitUntilExit()
            if p.terminationStatus != 0 { throw ExitCode(p.terminationStatus) }
        }
    }
}
