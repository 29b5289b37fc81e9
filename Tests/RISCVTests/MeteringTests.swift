import EEKit
import EEKitTestSupport
import Testing

/// Metering is charged per basic block but must be exact: the same budget stops at the
/// same instruction, and stopping and resuming gives the same result as one run.
struct MeteringTests {
    /// A loop with inner branches, loads/stores and M instructions; x12 accumulates.
    static func program(xlen: Int) -> [UInt32] {
        var code = RVAsm.loadConstant(10, Snippet.dataAddress, xlen: xlen)
        code += [
            RVAsm.li(11, 300),  // counter
            RVAsm.li(12, 1),
            // loop:
            RVAsm.r(1, 11, 12, 0, 12, 0x33),  // mul x12, x12, x11
            RVAsm.addi(12, 12, 7),
            RVAsm.s(0, 12, 10, 2, 0x23),  // sw x12, 0(x10)
            RVAsm.i(0, 10, 4, 13, 0x03),  // lbu x13, 0(x10)
            RVAsm.b(8, 0, 13, 0),  // beq x13, x0, +8
            RVAsm.r(1, 13, 12, 5, 12, 0x33),  // divu x12, x12, x13
            RVAsm.addi(11, 11, -1),
            RVAsm.bne(11, 0, -28),
        ]
        return code
    }

    @Test(arguments: [32, 64])
    func sameBudgetStopsAtSameInstruction(xlen: Int) throws {
        let full = try Snippet.run(xlen: xlen, code: Self.program(xlen: xlen))
        #expect(full.stop == .ebreak)
        let total = full.machine.instructionsRetired
        #expect(total > 2000)
        for budget in [UInt64(0), 1, 2, 5, 17, 100, 1001, total - 1] {
            let a = try Snippet.run(xlen: xlen, code: Self.program(xlen: xlen), budget: budget)
            let b = try Snippet.run(xlen: xlen, code: Self.program(xlen: xlen), budget: budget)
            #expect(a.stop == .budgetExhausted)
            // Every instruction costs 1 here, so exactly `budget` instructions ran.
            #expect(a.machine.instructionsRetired == budget)
            #expect(a.machine.pc == b.machine.pc)
            #expect(a.machine[register: 12] == b.machine[register: 12])
            #expect(a.machine.budget == 0)
        }
    }

    @Test(arguments: [32, 64])
    func stopAndResumeEqualsOneRun(xlen: Int) throws {
        let full = try Snippet.run(xlen: xlen, code: Self.program(xlen: xlen))
        var rng = SplitMix64(seed: UInt64(xlen))
        for _ in 0..<5 {
            let (m, _) = try Snippet.run(xlen: xlen, code: Self.program(xlen: xlen), budget: 0)
            var stop = RISCVMachine.Stop.budgetExhausted
            var steps = 0
            while stop == .budgetExhausted {
                m.budget = rng.next() % 97
                stop = m.run()
                steps += 1
            }
            #expect(stop == .ebreak)
            #expect(steps > 10)
            #expect(m.instructionsRetired == full.machine.instructionsRetired)
            #expect(m.pc == full.machine.pc)
            for r in 1..<32 { #expect(m[register: r] == full.machine[register: r]) }
        }
    }

    @Test func costsFollowTheSchedule() throws {
        // 3 ALU + ebreak with the default schedule: budget for 3 ALU stops before ebreak.
        let schedule = GasSchedule.default
        let code = [RVAsm.li(5, 1), RVAsm.li(6, 2), RVAsm.li(7, 3), RVAsm.ebreak]
        let image = try ELFImage(bytes: TestELF.program(xlen: 64, code: code).bytes)
        let p = try RISCVProcess(image: image, memorySize: 1 << 20, schedule: schedule)
        p.machine.budget = UInt64(schedule.riscvALU) * 3
        #expect(p.machine.run() == .budgetExhausted)
        #expect(p.machine.instructionsRetired == 3)
        #expect(p.machine.pc == 0x1000c)
        p.machine.budget = UInt64(schedule.riscvSystem)
        #expect(p.machine.run() == .ebreak)
        #expect(p.machine.budget == 0)
    }
}
