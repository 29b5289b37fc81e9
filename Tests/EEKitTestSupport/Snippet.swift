import EEKit

/// Runs a snippet of machine code (followed by `ebreak`) with preset registers and returns
/// the machine, for instruction-level unit tests.
public enum Snippet {
    public static let dataAddress: UInt64 = 0x20000

    public static func run(
        xlen: Int, code: [UInt32], registers: [Int: UInt64] = [:], data: [UInt8] = [UInt8](repeating: 0, count: 64),
        budget: UInt64 = 1_000_000
    ) throws -> (machine: RISCVMachine, stop: RISCVMachine.Stop) {
        let elf = TestELF.program(xlen: xlen, code: code + [RVAsm.ebreak], data: data)
        let image = try ELFImage(bytes: elf.bytes)
        let process = try RISCVProcess(image: image, memorySize: 1 << 20, schedule: .instructionCounting)
        let m = process.machine
        for (r, v) in registers { m[register: r] = v }
        m.budget = budget
        let stop = m.run()
        return (m, stop)
    }
}
