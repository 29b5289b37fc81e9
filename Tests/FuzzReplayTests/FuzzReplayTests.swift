import EEKit
import Foundation
import Testing

/// Replays every seed (Fuzz/corpus/<target>/) and saved finding (Fuzz/regressions/<target>/)
/// of the six Swift fuzz targets through the harness's own code (FuzzEntry.swift, the file
/// libFuzzer drives), with its oracles: receipts equal across the native_frames and
/// nested_frames runs, trace shapes, protocol checks, ABI round trips. Each target runs in a
/// process of its own: a broken invariant aborts, as it does under libFuzzer, and the harness
/// keeps one session for all inputs, as there.
@Suite struct FuzzReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The inputs of `target`, sorted; `open-*` files are known findings not fixed yet (none
    /// today; see docs/FUZZING.md), which would abort the replay.
    static func inputs(_ target: String) -> [URL] {
        var out: [URL] = []
        for dir in ["Fuzz/corpus/\(target)", "Fuzz/regressions/\(target)"] {
            let d = root.appendingPathComponent(dir)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []
            out += names.sorted().filter { !$0.hasPrefix("open-") && !$0.hasPrefix(".") }.map { d.appendingPathComponent($0) }
        }
        return out
    }

    static func replay(_ target: FuzzTarget, _ name: String) {
        let files = inputs(name)
        if files.isEmpty {
            FileHandle.standardError.write(Data("no inputs for \(name) under \(root.path)/Fuzz\n".utf8))
            exit(1)
        }
        for f in files {
            guard let bytes = try? Data(contentsOf: f) else {
                FileHandle.standardError.write(Data("cannot read \(f.path)\n".utf8))
                exit(1)
            }
            // A broken invariant names itself on stderr and aborts this child process.
            fuzzOne(target, [UInt8](bytes))
        }
    }

    @Test func elfLoader() async { await #expect(processExitsWith: .success) { FuzzReplayTests.replay(.elf, "elf_loader") } }
    @Test func evmFrames() async { await #expect(processExitsWith: .success) { FuzzReplayTests.replay(.evm, "evm_frames") } }
    @Test func stateTestJSON() async {
        await #expect(processExitsWith: .success) { FuzzReplayTests.replay(.stateTest, "statetest_json") }
    }
    @Test func nativeFrames() async {
        await #expect(processExitsWith: .success) { FuzzReplayTests.replay(.native, "native_frames") }
    }
    @Test func nestedFrames() async {
        await #expect(processExitsWith: .success) { FuzzReplayTests.replay(.nested, "nested_frames") }
    }
    @Test func abiText() async { await #expect(processExitsWith: .success) { FuzzReplayTests.replay(.abi, "abi_text") } }

    /// Corpus-level checks of the elf_loader inputs, beyond each input's own: some are valid
    /// ELFs, and every deployment of one is a receipt or a typed ELF refusal.
    @Test func elfLoaderCorpusHoldsValidAndRefusedELFs() throws {
        let files = Self.inputs("elf_loader")
        #expect(!files.isEmpty)
        var accepted = 0, receipts = 0, refusals = 0
        for f in files {
            let bytes = [UInt8](try Data(contentsOf: f))
            let parsed = (try? ELFImage(bytes: bytes)) != nil
            if parsed { accepted += 1 }
            do {
                let r = try RISCVPlainRunner.run(
                    elf: bytes, arguments: ["fuzz"], stdin: [1, 2, 3],
                    options: RISCVRunOptions(maxInstructions: 20_000, memoryMiB: 1))
                #expect(parsed, "\(f.lastPathComponent): the runner accepted what ELFImage refused")
                #expect(r.instructionsRetired <= 20_000)
            } catch {
                if case .elf = error {} else if case .invalidConfiguration = error {} else {
                    Issue.record("\(f.lastPathComponent): unexpected error \(error)")
                }
            }
            let s = ContractSession()
            let limit = UInt64(53_000 + 16 * bytes.count + 2 * ((bytes.count + 31) / 32) + 30_000)
            do {
                let r = try s.deploy(bytes, kind: .riscv, gas: limit)
                #expect(r.gasUsed <= limit)
                receipts += 1
            } catch {
                // Preparation refuses a bad ELF with its typed error before the transaction.
                if case .elf = error { refusals += 1 } else { Issue.record("\(f.lastPathComponent): deploy threw \(error)") }
            }
        }
        #expect(accepted > 0, "no valid ELF among the seeds")
        // Each deployment is a transaction with a receipt or an ELF refusal (a test review: had
        // every one thrown, the gas check above would have run on none).
        #expect(receipts > 0 && receipts + refusals == files.count, "\(receipts) receipts, \(refusals) refusals")
    }
}
