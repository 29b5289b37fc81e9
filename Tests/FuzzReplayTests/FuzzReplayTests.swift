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
}
