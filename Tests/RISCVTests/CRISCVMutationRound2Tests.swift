import EEKit
import EEKitTestSupport
import Testing

/// The second mutation-testing round on the CRISCV core (crv_run.c, crv_decode.c): each test
/// here catches deliberate bugs that the rest of `swift test` let through. Expected values are
/// the RISC-V unprivileged ISA manual's, checked against qemu-riscv64 / qemu-riscv32 (7.2)
/// where qemu can run the case; metering expectations are CRISCV.h's documented rules.
struct CRISCVMutationRound2Tests {
    typealias A = RVAsm

    /// Reserved encodings of RV32IM / RV64IM (the unprivileged manual's opcode map and
    /// instruction listings: only the funct3 / funct7 / funct6 values it lists exist; RV32
    /// has no LWU or SD; without the F extension LOAD-FP is not an instruction; ECALL and
    /// EBREAK are exact words; a CSR instruction that writes (CSRRCI with uimm != 0) a
    /// read-only counter, an unimplemented counter (hpmcounter3) and cycleh on RV64 raise
    /// illegal instruction). Every word below is SIGILL under qemu-riscv64 / qemu-riscv32
    /// (flw with `-cpu rv64,f=false,d=false`). Illegal instruction: cause 2, tval = the word,
    /// pc = the word's address, only the li before it retired.
    /// Mutation testing: each of these decoded as some neighbouring instruction unnoticed.
    static let reserved: [(xlen: Int, word: UInt32, what: String)] = [
        (64, 0x0205_161b, "slliw with shamt[5] = 1"),
        (64, 0x4205_561b, "sraiw with shamt[5] = 1"),
        (64, 0x40b5_163b, "OP-32 funct7 0100000 funct3 001"),
        (64, 0x02b5_163b, "OP-32 funct7 0000001 funct3 001 (no mulw variant)"),
        (64, 0x0075_7603, "LOAD funct3 111"),
        (64, 0x44b5_0633, "OP funct7 0100010 funct3 000"),
        (64, 0x4005_1613, "slli with funct6 010000"),
        (64, 0xc800_2673, "csrr cycleh on RV64"),
        (32, 0x0065_6603, "lwu on RV32"),
        (32, 0x00b5_3023, "sd on RV32"),
        (32, 0x44b5_0633, "OP funct7 0100010 funct3 000"),
    ] + [32, 64].flatMap { xlen in
        [
            (xlen, UInt32(0x00b5_2463), "BRANCH funct3 010"),
            (xlen, 0x0000_200f, "MISC-MEM funct3 010"),
            (xlen, 0x0000_700f, "MISC-MEM funct3 111"),
            (xlen, 0x0010_00f3, "ebreak with rd = 1"),
            (xlen, 0x0015_0073, "ebreak with rs1 = 10"),
            (xlen, 0xc000_f673, "csrrci x12, cycle, 1 (a write)"),
            (xlen, 0xc030_2673, "csrr hpmcounter3"),
            (xlen, 0x0005_2607, "flw (no F extension)"),
        ]
    }

    @Test func reservedEncodingsAreIllegal() throws {
        for c in Self.reserved {
            // x10 = the data page (so that a word run as a load or store would not fault), x11 = 3.
            let (m, stop) = try Snippet.run(
                xlen: c.xlen, code: [A.li(5, 1), c.word], registers: [10: Snippet.dataAddress, 11: 3])
            let what = "rv\(c.xlen) 0x\(String(c.word, radix: 16)) \(c.what)"
            #expect(stop == .trap, "\(what): \(stop)")
            #expect(m.trap.cause == 2 && m.trap.value == UInt64(c.word) && m.trap.instruction == c.word, "\(what): \(m.trap)")
            #expect(m.pc == 0x10004 && m.instructionsRetired == 1, "\(what)")
        }
    }

    /// Results that RV64 sign-extends from bit 31 (the *W forms) or RV32 holds as negative
    /// 32-bit values, checked on their own and through a signed compare (slt x13, x12, x0:
    /// 1 when x12 is negative at XLEN bits), which sees a value kept with the wrong upper bits
    /// inside the core even when the register read back at the end looks right. From the
    /// unprivileged manual (sltiu sign-extends its immediate, then compares unsigned; DIVUW /
    /// REMUW sign-extend their 32-bit results; AUIPC and MULHU on RV32 are plain 32-bit
    /// results), each checked under qemu. Mutation testing: the RV32 auipc kept unextended
    /// went unnoticed; the others were caught only by the random qemu differentials.
    static let signCases: [(xlen: Int, what: String, code: [UInt32], regs: [Int: UInt64], x12: UInt64, x13: UInt64)] = [
        // sltiu x12, x10, -1: the immediate is 2^64 - 1, so 2^32 is below it.
        (64, "sltiu imm -1 vs 2^32", [A.i(-1, 10, 3, 12, 0x13), A.r(0, 0, 12, 2, 13, 0x33)], [10: 1 << 32], 1, 0),
        // divuw x12, x10, x11: 0xfffffffe / 1, sign-extended.
        (64, "divuw sign-extends", [A.r(1, 11, 10, 5, 12, 0x3b), A.r(0, 0, 12, 2, 13, 0x33)],
         [10: 0xffff_fffe, 11: 1], 0xffff_ffff_ffff_fffe, 1),
        // remuw x12, x10, x11: 0xfffffffe % 0xffffffff, sign-extended.
        (64, "remuw sign-extends", [A.r(1, 11, 10, 7, 12, 0x3b), A.r(0, 0, 12, 2, 13, 0x33)],
         [10: 0xffff_fffe, 11: 0xffff_ffff], 0xffff_ffff_ffff_fffe, 1),
        // auipc x12, 0x7fff0 at 0x10000: 0x80000000, negative on RV32.
        (32, "auipc into bit 31", [A.auipc(12, 0x7fff0), A.r(0, 0, 12, 2, 13, 0x33)], [:], 0x8000_0000, 1),
        // mulhu x12, x10, x11: 0xffffffff * 0xffffffff >> 32 = 0xfffffffe, negative on RV32.
        (32, "mulhu into bit 31", [A.r(1, 11, 10, 3, 12, 0x33), A.r(0, 0, 12, 2, 13, 0x33)],
         [10: 0xffff_ffff, 11: 0xffff_ffff], 0xffff_fffe, 1),
        // addi x12, x12, 1 from 0x7fffffff: 0x80000000, negative on RV32.
        (32, "addi rd = rs1 into bit 31", [A.addi(12, 12, 1), A.r(0, 0, 12, 2, 13, 0x33)], [12: 0x7fff_ffff], 0x8000_0000, 1),
    ]

    @Test func resultsKeepTheirSignAtXLEN() throws {
        for c in Self.signCases {
            let (m, stop) = try Snippet.run(xlen: c.xlen, code: c.code, registers: c.regs)
            #expect(stop == .ebreak, "rv\(c.xlen) \(c.what)")
            #expect(m[register: 12] == c.x12 && m[register: 13] == c.x13,
                    "rv\(c.xlen) \(c.what): x12 0x\(String(m[register: 12], radix: 16)) x13 \(m[register: 13])")
        }
    }

    /// The last bytes of memory (the top of the stack page, RW) load and store like any
    /// others, and an access reaching past the end faults with its address (load access
    /// fault 5, store access fault 7). Mutation testing: the bounds check refusing an access
    /// that ends exactly at the last byte, and the inline path taking an 8-byte access that
    /// starts 7 bytes below the end, both went unnoticed.
    @Test(arguments: [32, 64])
    func lastBytesOfMemory(xlen: Int) throws {
        let size: UInt64 = 1 << 20
        let top = RVAsm.loadConstant(10, size - 1, xlen: xlen)
        let wide: UInt32 = xlen == 64 ? 3 : 2  // ld / lw (sd / sw)
        let n = Int32(xlen / 8)
        let prepare: (RISCVMachine) -> Void = { m in
            _ = m.write([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88], at: size - 8)
        }
        // lbu x12, 0(x10); ld/lw x13, -(n - 1)(x10): the last byte and the last n bytes.
        let (m, stop) = try Snippet.run(xlen: xlen, code: top + [A.i(0, 10, 4, 12, 0x03), A.i(1 - n, 10, wide, 13, 0x03)], prepare: prepare)
        #expect(stop == .ebreak, "rv\(xlen): \(m.trap)")
        #expect(m[register: 12] == 0x88)
        #expect(m[register: 13] == (xlen == 64 ? 0x8877_6655_4433_2211 : 0x8877_6655))
        // Stores there, read back: sb x11, 0(x10); sd/sw x11, -(n - 1)(x10) over it.
        let (s, sstop) = try Snippet.run(
            xlen: xlen,
            code: top + [A.li(11, -2), A.s(0, 11, 10, 0, 0x23), A.i(0, 10, 4, 12, 0x03), A.li(11, 0x123),
                   A.s(1 - n, 11, 10, wide, 0x23), A.i(0, 10, 4, 13, 0x03)])
        #expect(sstop == .ebreak, "rv\(xlen): \(s.trap)")
        #expect(s[register: 12] == 0xfe && s[register: 13] == 0)
        #expect(s.read(size - UInt64(n), count: Int(n)) == [0x23, 0x01] + [UInt8](repeating: 0, count: Int(n) - 2))
        // One byte further: the n-byte access at size - (n - 1) reaches past the end.
        for (word, cause) in [(A.i(2 - n, 10, wide, 13, 0x03), UInt32(5)), (A.s(2 - n, 0, 10, wide, 0x23), 7)] {
            let (f, fstop) = try Snippet.run(xlen: xlen, code: top + [word], prepare: prepare)
            #expect(fstop == .trap && f.trap.cause == cause && f.trap.value == size - UInt64(n) + 1, "rv\(xlen): \(f.trap)")
            #expect(f.pc == 0x10000 + 4 * UInt64(top.count))
        }
    }

    /// RV32 addresses are 32 bits: a store to 0xfffffff0 (rs1 = -16) faults with tval
    /// 0xfffffff0, a jump there fetch-faults at pc 0xfffffff0, and jal -0x20000 from 0x10000
    /// goes to 0xffff0000 (the target wraps; qemu-riscv32 faults there too). Mutation testing:
    /// each of these kept the 64-bit sign-extended value unnoticed (only lw was tested).
    @Test func rv32AddressesWrapAt32Bits() throws {
        let high = RVAsm.loadConstant(10, 0xffff_fff0, xlen: 32)
        let at = 0x10000 + 4 * UInt64(high.count)
        let (s, sstop) = try Snippet.run(xlen: 32, code: high + [A.s(0, 0, 10, 2, 0x23)])
        #expect(sstop == .trap && s.trap.cause == 7 && s.trap.value == 0xffff_fff0 && s.pc == at, "\(s.trap)")
        let (b, bstop) = try Snippet.run(xlen: 32, code: high + [A.s(0, 0, 10, 0, 0x23)])
        #expect(bstop == .trap && b.trap.cause == 7 && b.trap.value == 0xffff_fff0 && b.pc == at, "\(b.trap)")
        let (j, jstop) = try Snippet.run(xlen: 32, code: high + [A.jalr(1, 10, 0)])
        #expect(jstop == .trap && j.trap.cause == 1 && j.pc == 0xffff_fff0 && j.trap.value == 0xffff_fff0, "\(j.trap)")
        #expect(j[register: 1] == at + 4, "the jump retired and linked")
        let (l, lstop) = try Snippet.run(xlen: 32, code: [A.jal(1, -0x20000)])
        #expect(lstop == .trap && l.trap.cause == 1 && l.pc == 0xffff_0000 && l.trap.value == 0xffff_0000, "\(l.trap)")
        #expect(l[register: 1] == 0x10004)
    }

    /// Taking a page's permissions away also takes them from accesses that straddle into it
    /// from the page before: after protect(0x20000..<0x22000, rw) and then
    /// protect(0x21000..<0x22000, none), lw from 0x20ffe and sw to 0x20ffe fault (5 / 7, tval
    /// 0x20ffe). Mutation testing: crv_perms_sync leaving the page before with its fast-path
    /// bit (so the load and store ran inline) went unnoticed.
    @Test(arguments: [32, 64])
    func revokingAPageFaultsAccessesStraddlingIntoIt(xlen: Int) throws {
        let set = RVAsm.loadConstant(10, 0x20ffe, xlen: xlen)
        for (word, cause) in [(A.i(0, 10, 2, 12, 0x03), UInt32(5)), (A.s(0, 10, 10, 2, 0x23), 7)] {
            let (m, stop) = try Snippet.run(xlen: xlen, code: set + [word]) { m in
                m.protect(0x20000, 0x22000, [.read, .write])
                m.protect(0x21000, 0x22000, [])
            }
            #expect(stop == .trap && m.trap.cause == cause && m.trap.value == 0x20ffe, "rv\(xlen): \(m.trap)")
            // Given back, the same access runs.
            let (ok, okStop) = try Snippet.run(xlen: xlen, code: set + [word]) { m in
                m.protect(0x20000, 0x22000, [.read, .write])
            }
            #expect(okStop == .ebreak, "rv\(xlen): \(ok.trap)")
        }
    }

    /// An in-loop system call's results: the handler writes a0 (-1, as a system call's error
    /// return) and a1, and the hart runs on with both (CRISCV.h: the core reloads a0 and a1;
    /// RISCVMachine's handler may set them); on RV32, a0 = 0xffffffff is -1 to slt
    /// (unprivileged manual). Mutation testing: a1 not reloaded, and a0 reloaded without the
    /// sign extension the core keeps RV32 registers in, both went unnoticed.
    final class ResultHandler: RISCVEcallHandler {
        override func handleEcall(_ machine: RISCVMachine) -> Bool {
            machine[register: 10] = machine.xlen == 32 ? 0xffff_ffff : .max
            machine[register: 11] = 5
            return true
        }
    }

    @Test(arguments: [32, 64])
    func inLoopSystemCallResultsReachTheHart(xlen: Int) throws {
        // ecall; slt x12, x10, x0; add x13, x11, x0; ebreak
        let code = [A.ecall, A.r(0, 0, 10, 2, 12, 0x33), A.add(13, 11, 0)]
        let (m, stop) = try Snippet.run(xlen: xlen, code: code) { m in
            m[register: 10] = 1
            m[register: 11] = 2
            m.setEcallHandler(ResultHandler())
        }
        #expect(stop == .ebreak, "rv\(xlen): \(stop)")
        #expect(m[register: 12] == 1 && m[register: 13] == 5, "rv\(xlen): x12 \(m[register: 12]) x13 \(m[register: 13])")
        #expect(m[register: 10] == (xlen == 32 ? 0xffff_ffff : .max) && m[register: 11] == 5)
        m.setEcallHandler(nil)
    }

    /// Code stored into a writable, executable page that held no instruction (a .bss page of an
    /// RWX segment, CRV_PERM_NOCODE) is decoded when it first runs, for one code_store
    /// (CRISCV.h); a budget that covers exactly that charge pays it, as a budget of exactly an
    /// instruction's price runs the instruction (MeteringTests), and the run then stops before
    /// the new instructions it cannot pay for. With code_store = 10 and every instruction 1:
    /// after the N set-up instructions (two stores of `li x12, 7; ebreak` at 0x11000 and a
    /// jump there), a budget of N + 10 stops at 0x11000 with nothing left; 2 more run the two.
    /// Mutation testing: the re-decode demanding more than code_store went unnoticed.
    @Test(arguments: [32, 64])
    func budgetOfExactlyCodeStorePaysForRunningStoredCode(xlen: Int) throws {
        var code = RVAsm.loadConstant(5, 0x11000, xlen: xlen)
        code += RVAsm.loadConstant(6, UInt64(A.li(12, 7)), xlen: xlen) + [A.s(0, 6, 5, 2, 0x23)]
        code += RVAsm.loadConstant(6, UInt64(A.ebreak), xlen: xlen) + [A.s(4, 6, 5, 2, 0x23), A.jalr(0, 5, 0)]
        let elf = TestELF(xlen: xlen, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: code.flatMap { TestELF.le32($0) }, memSize: 0x2000, flags: 7)])
        var schedule = GasSchedule.instructionCounting
        schedule.riscvCodeStore = 10
        let process = try RISCVProcess(image: try ELFImage(bytes: elf.bytes), memorySize: 1 << 20, schedule: schedule)
        let m = process.machine
        let n = UInt64(code.count)
        m.budget = n + 10
        #expect(m.run() == .budgetExhausted, "rv\(xlen): \(m.trap)")
        #expect(m.pc == 0x11000 && m.budget == 0 && m.instructionsRetired == n, "rv\(xlen): budget \(m.budget)")
        m.budget = 2
        #expect(m.run() == .ebreak, "rv\(xlen): \(m.trap)")
        #expect(m[register: 12] == 7 && m.budget == 0 && m.instructionsRetired == n + 2, "rv\(xlen): budget \(m.budget)")
    }

    /// Each M instruction, on both XLENs, is charged its class (CRISCV.h, crv_costs: mul for
    /// mul, mulh, mulhsu, mulhu, mulw; div for div, divu, rem, remu and their W forms), and a
    /// branch whose target the decoder cannot resolve (misaligned, not taken) is a branch
    /// ("taken or not"), under a schedule where every class has its own price: a budget of the
    /// price minus 1 stops before the instruction, the price runs it. Mutation testing: the RV32
    /// mulhsu charged as ALU, remuw / RV32 remu as mul and the unresolved branch as a jump all
    /// went unnoticed (MeteringTests prices one instruction per class).
    @Test(arguments: [32, 64])
    func everyMInstructionAndUnresolvedBranchPaysItsClass(xlen: Int) throws {
        var schedule = GasSchedule.instructionCounting
        schedule.riscvALU = 2; schedule.riscvLoad = 3; schedule.riscvStore = 4; schedule.riscvBranch = 5
        schedule.riscvJump = 6; schedule.riscvMul = 7; schedule.riscvDiv = 8; schedule.riscvSystem = 9
        // rd = x12, rs1 = x10, rs2 = x11
        var cases: [(String, UInt32, UInt64)] = [
            ("mul", A.r(1, 11, 10, 0, 12, 0x33), 7), ("mulh", A.r(1, 11, 10, 1, 12, 0x33), 7),
            ("mulhsu", A.r(1, 11, 10, 2, 12, 0x33), 7), ("mulhu", A.r(1, 11, 10, 3, 12, 0x33), 7),
            ("div", A.r(1, 11, 10, 4, 12, 0x33), 8), ("divu", A.r(1, 11, 10, 5, 12, 0x33), 8),
            ("rem", A.r(1, 11, 10, 6, 12, 0x33), 8), ("remu", A.r(1, 11, 10, 7, 12, 0x33), 8),
            ("bne +6, not taken", A.b(6, 10, 10, 1), 5),
        ]
        if xlen == 64 {
            cases += [
                ("mulw", A.r(1, 11, 10, 0, 12, 0x3b), 7), ("divw", A.r(1, 11, 10, 4, 12, 0x3b), 8),
                ("divuw", A.r(1, 11, 10, 5, 12, 0x3b), 8), ("remw", A.r(1, 11, 10, 6, 12, 0x3b), 8),
                ("remuw", A.r(1, 11, 10, 7, 12, 0x3b), 8),
            ]
        }
        for (name, word, price) in cases {
            for (budget, ran) in [(price - 1, UInt64(0)), (price, 1)] {
                let (m, stop) = try Snippet.run(xlen: xlen, code: [word], schedule: schedule, budget: budget) { m in
                    m[register: 10] = 7
                    m[register: 11] = 3
                }
                let what = "rv\(xlen) \(name) budget \(budget)"
                #expect(stop == .budgetExhausted, "\(what): \(stop)")
                #expect(m.instructionsRetired == ran && m.pc == 0x10000 + 4 * ran, "\(what)")
                #expect(m.budget == budget - ran * price, "\(what): \(m.budget)")
            }
        }
    }
}
