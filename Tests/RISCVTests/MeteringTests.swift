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

    /// The instruction prices, in ergs, as Contracts/README.md documents them: "Instructions
    /// cost `GasSchedule.riscv*` ergs each (ALU 64, i.e. a quarter gas; load, store, branch,
    /// jump and mul 192; div and system 512)". Written here, not read from `GasSchedule`, so
    /// that a price change fails this test until the test and that table change with it.
    static let documentedPrices: [(cls: String, ergs: UInt64)] = [
        ("ALU", 64), ("load", 192), ("store", 192), ("branch", 192), ("jump", 192), ("mul", 192),
        ("div", 512), ("system", 512),
    ]

    /// The sentence of Contracts/README.md that `documentedPrices` copies.
    @Test func documentedPricesAreTheReadmes() throws {
        let readme = try String(
            contentsOf: GuestHarness.repoRoot.appendingPathComponent("Contracts/README.md"), encoding: .utf8)
        let text = readme.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let p = Dictionary(uniqueKeysWithValues: Self.documentedPrices.map { ($0.cls, $0.ergs) })
        #expect(p["load"] == p["store"] && p["load"] == p["branch"] && p["load"] == p["jump"] && p["load"] == p["mul"])
        #expect(p["div"] == p["system"])
        let sentence = "Instructions cost `GasSchedule.riscv*` ergs each (ALU \(p["ALU"]!), i.e. a quarter gas; "
            + "load, store, branch, jump and mul \(p["load"]!); div and system \(p["div"]!))"
        let documented = text.contains(sentence)
        #expect(documented, "Contracts/README.md no longer says: \(sentence)")
    }

    /// Every cost class of the default schedule at its documented price: with n instructions
    /// of the class in a row, a budget of n * price - 1 stops before the n-th (n - 1 retired,
    /// the rest of the budget left unspent), and n * price runs exactly n, leaving nothing.
    @Test(arguments: [32, 64])
    func everyClassCostsItsDocumentedPrice(xlen: Int) throws {
        typealias A = RVAsm
        let base: UInt64 = 0x10000
        let n = 3
        // x6 = 7, x7 = 3 (operands), x10 = the data page, x11 = 1 (taken branches), x12 = the
        // code's start (jalr targets).
        let registers: [Int: UInt64] = [6: 7, 7: 3, 10: Snippet.dataAddress, 11: 1, 12: base]
        let classes: [String: [UInt32]] = [
            "ALU": Array(repeating: A.addi(5, 5, 1), count: n),
            "load": Array(repeating: A.i(0, 10, 2, 5, 0x03), count: n),  // lw x5, 0(x10)
            "store": Array(repeating: A.s(0, 6, 10, 2, 0x23), count: n),  // sw x6, 0(x10)
            // bne x11, x0, +4 (taken) and bne x0, x0, +4 (not taken), alternately.
            "branch": (0..<n).map { $0 % 2 == 0 ? A.bne(11, 0, 4) : A.bne(0, 0, 4) },
            // jal x0, +4 and jalr x0, 4 * (i + 1)(x12): each jumps to the next instruction.
            "jump": (0..<n).map { $0 % 2 == 0 ? A.jal(0, 4) : A.jalr(0, 12, Int32(4 * ($0 + 1))) },
            "mul": Array(repeating: A.r(1, 7, 6, 0, 5, 0x33), count: n),  // mul x5, x6, x7
            "div": (0..<n).map { A.r(1, 7, 6, [4, 5, 6][$0 % 3], 5, 0x33) },  // div, divu, rem
            "system": Array(repeating: A.csrr(5, 0xC02), count: n),  // rdinstret x5
        ]
        #expect(Set(classes.keys) == Set(Self.documentedPrices.map(\.cls)))
        for (cls, price) in Self.documentedPrices {
            let code = try #require(classes[cls]) + [A.ebreak]
            let image = try ELFImage(bytes: TestELF.program(xlen: xlen, code: code, data: [UInt8](repeating: 0, count: 64)).bytes)
            for k in 1...n {
                for (budget, ran) in [(UInt64(k) * price - 1, k - 1), (UInt64(k) * price, k)] {
                    let p = try RISCVProcess(image: image, memorySize: 1 << 20, schedule: .default)
                    for (r, v) in registers { p.machine[register: r] = v }
                    p.machine.budget = budget
                    let what = "rv\(xlen) \(cls) x\(k), budget \(budget)"
                    #expect(p.machine.run() == .budgetExhausted, "\(what)")
                    #expect(p.machine.instructionsRetired == UInt64(ran), "\(what)")
                    #expect(p.machine.pc == base + 4 * UInt64(ran), "\(what)")
                    #expect(p.machine.budget == budget - UInt64(ran) * price, "\(what)")
                }
            }
        }
        // ecall and ebreak (system): one each, each stopping the run when it retires.
        let system = try #require(Self.documentedPrices.first { $0.cls == "system" }?.ergs)
        for (word, stop) in [(A.ecall, RISCVMachine.Stop.ecall), (A.ebreak, .ebreak)] {
            let image = try ELFImage(bytes: TestELF.program(xlen: xlen, code: [word, A.ebreak]).bytes)
            for (budget, ran) in [(system - 1, 0), (system, 1)] {
                let p = try RISCVProcess(image: image, memorySize: 1 << 20, schedule: .default)
                p.machine.budget = budget
                #expect(p.machine.run() == (ran == 0 ? .budgetExhausted : stop), "rv\(xlen) \(word) budget \(budget)")
                #expect(p.machine.instructionsRetired == UInt64(ran), "rv\(xlen) \(word) budget \(budget)")
                #expect(p.machine.budget == budget - UInt64(ran) * system, "rv\(xlen) \(word) budget \(budget)")
            }
        }
    }
}
