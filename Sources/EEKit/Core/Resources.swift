/// The one budget that crosses every frame boundary.
///
/// `ergs` is the shared unit: 1 EVM gas = `GasSchedule.ergsPerGas` ergs (256, as in ZKsync OS).
/// Each EE meters in its own unit and converts at its boundary. `native` is an optional
/// second counter for proving cost; EEs that do not track it leave it unchanged.
public struct Resources: Hashable, Sendable, CustomStringConvertible {
    public var ergs: UInt64
    public var native: UInt64

    public init(ergs: UInt64, native: UInt64 = .max) {
        self.ergs = ergs
        self.native = native
    }

    public static let zero = Resources(ergs: 0, native: 0)

    /// Resources worth `gas` EVM gas (saturating).
    public static func gas(_ gas: UInt64, schedule: GasSchedule = .default) -> Resources {
        let (e, o) = gas.multipliedReportingOverflow(by: schedule.ergsPerGas)
        return Resources(ergs: o ? .max : e)
    }

    /// Whole EVM gas in these ergs (rounded down).
    public func gas(schedule: GasSchedule = .default) -> UInt64 { ergs / schedule.ergsPerGas }

    public var description: String { "\(ergs) ergs" }
}

/// Every metering constant of EEKit, in one place.
///
/// - `ergsPerGas`: 1 EVM gas = 256 ergs.
/// - RISC-V: ergs per retired instruction by class. With the defaults an EVM `ADD`
///   (3 gas = 768 ergs) buys 768 / 4 = 192 RISC-V ALU instructions, which reflects the
///   roughly 100-200x gap between interpreting EVM and running native RISC-V code.
/// - RISC-V memory: `riscvPageErgs` per 4 KiB page a contract's heap grows by (brk).
/// - RISC-V system calls: `riscvSyscallErgs` on top of the `ecall` instruction itself, plus
///   the EVM-equivalent gas of what the call does (storage, logs, keccak), converted to ergs.
public struct GasSchedule: Hashable, Sendable {
    public var ergsPerGas: UInt64 = 256

    public var riscvALU: UInt32 = 4
    public var riscvLoad: UInt32 = 8
    public var riscvStore: UInt32 = 8
    public var riscvBranch: UInt32 = 4
    public var riscvJump: UInt32 = 4
    public var riscvMul: UInt32 = 12
    public var riscvDiv: UInt32 = 32
    public var riscvSystem: UInt32 = 64
    public var riscvPageErgs: UInt64 = 256 * 16
    public var riscvSyscallErgs: UInt64 = 256 * 10

    public init() {}
    public static let `default` = GasSchedule()

    /// A schedule where every RISC-V instruction costs exactly 1, so a budget counts
    /// instructions (used by `eekit rv run --max-instructions`).
    public static var instructionCounting: GasSchedule {
        var s = GasSchedule()
        s.riscvALU = 1; s.riscvLoad = 1; s.riscvStore = 1; s.riscvBranch = 1
        s.riscvJump = 1; s.riscvMul = 1; s.riscvDiv = 1; s.riscvSystem = 1
        return s
    }
}
