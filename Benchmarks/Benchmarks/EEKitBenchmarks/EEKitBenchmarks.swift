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

func evmCase(_ name: String) -> (code: [UInt8], input: [UInt8])? {
    guard let hex = try? String(contentsOf: fixtures.appendingPathComponent("code/\(name).hex"), encoding: .utf8),
        let code = Hex.decode(hex),
        let data = try? Data(contentsOf: fixtures.appendingPathComponent("expected.json")),
        let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
        let cases = root["cases"] as? [[String: Any]],
        let c = cases.first(where: { ($0["bench"] as? String) == name }),
        let input = Hex.decode((c["calldata"] as? String) ?? "")
    else { return nil }
    return (code, input)
}

let benchmarks: @Sendable () -> Void = {
    let elf = aluLoopELF(iterations: 10_000_000)
    Benchmark(
        "riscv/execute/alu-loop-10M", configuration: .init(metrics: [.wallClock, .mallocCountTotal, .instructions], maxIterations: 5)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try RISCVPlainRunner.run(elf: elf, arguments: []))
        }
    }
    Benchmark("riscv/analyse/load-and-decode", configuration: .init(metrics: [.wallClock, .mallocCountTotal])) {
        benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try RISCVPlainRunner.run(elf: aluLoopELF(iterations: 1), arguments: []))
        }
    }
    for name in ["snailtracer", "blake2b_shifts", "sha1_divs", "weierstrudel"] {
        guard let c = evmCase(name) else { continue }
        Benchmark("evm/execute/main/\(name)", configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxIterations: 5)) {
            benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try EVMRunner.run(code: c.code, input: c.input, gas: 1_000_000_000))
            }
        }
    }
}
