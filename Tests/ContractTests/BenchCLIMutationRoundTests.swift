import EEKitTestSupport
import Foundation
import Testing

/// `eekit bench rv` where a mutation round on the command line found the suite silent: with
/// no `--xlen` it runs both guest widths (64 then 32, as its help and run.sh's XLENS default
/// say), not only the first; `BenchDriverTests.benchRVRunsWhatItIsAsked` gives one width only.
@Suite struct BenchCLIMutationRoundTests {
    @Test(.enabled(if: BenchDriverTests.haveQemu)) func benchRVRunsBothWidthsByDefault() throws {
        let dir = try TestFiles.scratchFolder("benchrv-widths")
        defer { TestFiles.remove(dir) }
        let r = try TestFiles.runSeparately(
            "/usr/bin/env", ["OUT=\(dir.appendingPathComponent("out").path)", try TestFiles.eekit(), "bench", "rv", "--reps", "1", "sieve"])
        try #require(r.status == 0, "\(r.out)\n\(r.err)")
        let rows = r.out.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| program") }
        let widths = rows.map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }.map { $0.count > 1 ? $0[0] + " " + $0[1] : "" }
        #expect(widths == ["sieve 64", "sieve 32"], "\(r.out)")
        #expect(r.out.contains("rv64: geometric mean EEKit/qemu = ") && r.out.contains("rv32: geometric mean EEKit/qemu = "), "\(r.out)")
    }
}
