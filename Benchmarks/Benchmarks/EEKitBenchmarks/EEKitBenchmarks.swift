import Benchmark
import EEKit
import Foundation

/// A hand-encoded RV64 loop: `n` iterations of addi / xor / slli / add / addi / bne, then exit(0).
func aluLoopELF(iterations n: Int32) -> [UInt8] {
    func i(_ imm: Int32, _ rs1: UInt32, _ f3: UInt32, _ rd: UInt32, _ op: UInt32) -> UInt32 {
        (UInt32(bitPattern: imm) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    }
    func r(_ f7: UInt32, _ rs2: UInt32, _ rs1: UInt32, _ f3: UInt32, _ rd: UInt32) -> UInt32 {
        f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x33
    }
    let hi = UInt32(bitPattern: (n + 0x800) >> 12) & 0xfffff
    let lo = n - Int32(bitPattern: hi << 12)
    let code: [UInt32] = [
        hi << 12 | 5 << 7 | 0x37,  // lui t0, hi
        i(lo, 5, 0, 5, 0x1b),  // addiw t0, t0, lo
        i(1, 10, 0, 10, 0x13),  // loop: addi a0, a0, 1
        r(0, 10, 11, 4, 11),  // xor a1, a1, a0
        i(3, 11, 1, 12, 0x13),  // slli a2, a1, 3
        r(0, 12, 13, 0, 13),  // add a3, a3, a2
        i(-1, 5, 0, 5, 0x13),  // addi t0, t0, -1
        // bne t0, x0, -20
        (1 << 31) | (0x3f << 25) | (0 << 20) | (5 << 15) | (1 << 12) | (0x6 << 8) | (1 << 7) | 0x63,
        i(0, 0, 0, 10, 0x13),  // li a0, 0
        i(93, 0, 0, 17, 0x13),  // li a7, 93
        0x73,  // ecall
    ]
    let text = code.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
    var elf: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
    func le(_ v: UInt64, _ n: Int) { for k in 0..<n { elf.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
    // One R+X segment mapping the file from offset 0 (headers included) at 0x10000, so that
    // its offset and address agree modulo the page size, as the ELF specification and the
    // loader require; the code follows the 120 bytes of headers.
    let size = UInt64(120 + text.count)
    le(2, 2); le(243, 2); le(1, 4); le(0x10000 + 120, 8); le(64, 8); le(0, 8)
    le(0, 4); le(64, 2); le(56, 2); le(1, 2); le(64, 2); le(0, 2); le(0, 2)
    le(1, 4); le(5, 4); le(0, 8); le(0x10000, 8); le(0x10000, 8)
    le(size, 8); le(size, 8); le(0x1000, 8)
    return elf + text
}

/// The fixtures folder beside the repository checkout.
let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("shared/fixtures/evm-benchmarks")

/// A case of the fixtures' `expected.json`: the code, the call data, and what the call must give
/// (output and execution gas before the refund, as evmone and revm report it).
struct EVMCase {
    var code: [UInt8], input: [UInt8], output: [UInt8], gas: UInt64
}

func evmCase(_ name: String) -> EVMCase? {
    guard let hex = try? String(contentsOf: fixtures.appendingPathComponent("code/\(name).hex"), encoding: .utf8),
        let code = Hex.decode(hex),
        let data = try? Data(contentsOf: fixtures.appendingPathComponent("expected.json")),
        let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
        let cases = root["cases"] as? [[String: Any]],
        let c = cases.first(where: { ($0["bench"] as? String) == name }),
        c["status"] as? String == "Return",
        let input = Hex.decode((c["calldata"] as? String) ?? ""),
        let output = Hex.decode((c["output"] as? String) ?? ""),
        let gas = (c["exec_gas_before_refund"] as? NSNumber)?.uint64Value
    else { return nil }
    return EVMCase(code: code, input: input, output: output, gas: gas)
}

/// Thrown from a benchmark whose run did not end as it must: the framework reports the
/// benchmark as failed instead of timing a broken workload.
struct WrongResult: Error, CustomStringConvertible {
    var description: String
}

let benchmarks: @Sendable () -> Void = {
    let iterations: Int32 = 10_000_000
    let elf = aluLoopELF(iterations: iterations)
    // lui, addiw; six instructions per iteration; li, li, ecall.
    let aluInstructions = UInt64(2 + 6 * Int(iterations) + 3)
    func check(_ r: RISCVPlainResult, instructions: UInt64) throws {
        guard r.stop == .exited(0), r.instructionsRetired == instructions else {
            throw WrongResult(description: "the ALU loop ended with \(r.stop) after \(r.instructionsRetired) instructions, not exit 0 after \(instructions)")
        }
    }
    Benchmark(
        "riscv/execute/alu-loop-10M", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .instructions], maxIterations: 5)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let r = try RISCVPlainRunner.run(elf: elf, arguments: [])
            try check(r, instructions: aluInstructions)
            blackHole(r)
        }
    }
    Benchmark("riscv/analyse/load-and-decode", configuration: .init(metrics: [.wallClock, .mallocCountTotal])) {
        benchmark in
        for _ in benchmark.scaledIterations {
            let r = try RISCVPlainRunner.run(elf: aluLoopELF(iterations: 1), arguments: [])
            try check(r, instructions: 2 + 6 + 3)
            blackHole(r)
        }
    }
    for name in ["snailtracer", "blake2b_shifts", "sha1_divs", "weierstrudel"] {
        guard let c = evmCase(name) else {
            print("evm/execute/main/\(name): not in \(fixtures.path) (code/\(name).hex and a Return case in expected.json); not run")
            continue
        }
        Benchmark("evm/execute/main/\(name)", configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxIterations: 5)) {
            benchmark in
            for _ in benchmark.scaledIterations {
                let r = try EVMRunner.run(code: c.code, input: c.input, gas: 1_000_000_000)
                guard r.status == .success, r.output == c.output, r.gasUsed == c.gas else {
                    throw WrongResult(description: "\(name): \(r.status), \(r.output.count) bytes of output, \(r.gasUsed) gas; expected success, the fixture's \(c.output.count) bytes, \(c.gas) gas")
                }
                blackHole(r)
            }
        }
    }
}
