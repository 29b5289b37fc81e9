import EEKit
import Foundation
import Testing

/// Replays the fuzz seed corpora and every saved finding (Fuzz/corpus/<target>/,
/// Fuzz/regressions/<target>/) through the same code the Swift fuzz targets drive
/// (Fuzz/swift/FuzzEntry.swift): each input must end in a value or a typed error.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func inputs(_ target: String) -> [URL] {
        var out: [URL] = []
        for dir in ["Fuzz/corpus/\(target)", "Fuzz/regressions/\(target)"] {
            let d = root.appendingPathComponent(dir)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []
            // open-*: known findings not fixed yet (they would crash this process); see
            // README, "Reliability".
            out += names.sorted().filter { !$0.hasPrefix("open-") }.map { d.appendingPathComponent($0) }
        }
        return out
    }

    @Test func elfInputs() throws {
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

    @Test func evmFrameInputs() throws {
        let files = Self.inputs("evm_frames")
        #expect(!files.isEmpty)
        var receipts = 0
        for f in files {
            let d = [UInt8](try Data(contentsOf: f))
            guard d.count >= 4 else { continue }
            let gas = (UInt64(d[1]) << 8 | UInt64(d[2])) * 16 + 60_000
            let cd = min(Int(d[3]), d.count - 4)
            let code = Array(d[(4 + cd)...])
            let s = ContractSession()
            s.world.setCode(Address(low: 0x1001), code, kind: .evm)
            s.world.setCode(Address(low: 0x1002), code, kind: .evm)
            if let r = try? s.send(to: Address(low: 0x1001), data: Array(d[4..<4 + cd]), gas: gas) {
                #expect(r.gasUsed <= gas)
                receipts += 1
            }
        }
        #expect(receipts > 0, "no input ran")
    }

    @Test func stateTestInputs() throws {
        let files = Self.inputs("statetest_json")
        #expect(!files.isEmpty)
        let runner = StateTestRunner(registry: .standard, hooks: Precompiles.cancun())
        var ran = 0
        for f in files {
            guard let tests = try? StateTestCase.load(path: f.path) else { continue }
            for t in tests { ran += runner.run(t, fork: "Cancun").count }
        }
        #expect(ran > 0)
    }
}
