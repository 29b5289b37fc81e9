import EEKit

/// Runs a snippet of machine code (followed by `ebreak`) with preset registers and returns
/// the machine, for instruction-level unit tests.
public enum Snippet {
    public static let dataAddress: UInt64 = 0x20000

    /// `prepare` runs last before the machine does (memory, permissions, anything the
    /// registers and budget do not cover).
    public static func run(
        xlen: Int, code: [UInt32], registers: [Int: UInt64] = [:], data: [UInt8] = [UInt8](repeating: 0, count: 64),
        schedule: GasSchedule = .instructionCounting, budget: UInt64 = 1_000_000,
        prepare: (RISCVMachine) -> Void = { _ in }
    ) throws -> (machine: RISCVMachine, stop: RISCVMachine.Stop) {
        let elf = TestELF.program(xlen: xlen, code: code + [RVAsm.ebreak], data: data)
        let image = try ELFImage(bytes: elf.bytes)
        let process = try RISCVProcess(image: image, memorySize: 1 << 20, schedule: schedule)
        let m = process.machine
        for (r, v) in registers { m[register: r] = v }
        m.budget = budget
        prepare(m)
        let stop = m.run()
        return (m, stop)
    }
}
