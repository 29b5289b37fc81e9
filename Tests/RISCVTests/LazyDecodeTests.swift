import EEKit
import EEKitTestSupport
import Testing

/// Code ranges of more than a page are decoded a page at a time, when execution first enters
/// one (`crv_decode_lazy`, `RISCVMachine.decodesOnFirstRun`). That must be invisible: every
/// budget stops at the same instruction with the same state as with the whole range decoded up
/// front, stores and host writes into pages not decoded yet are charged as before (a code
/// store, or none on a page without instructions), and pages that never run stay undecoded.
@Suite(.serialized) struct LazyDecodeTests {
    /// Six pages of code at 0x10000 in one read-write-execute segment:
    /// - page 0: the entry and a loop of 40 rounds calling f1 and f2;
    /// - page 1: never runs;
    /// - pages 2-3: f1, straight-line ALU and M work falling through from page 2 into page 3;
    /// - page 4: f2, which on its first call stores `addi x13, x13, 3; jalr x0, 0(x1)` into
    ///   page 5 (zeros: no instruction) and then calls it; later calls store the same words
    ///   (no change) and call it again;
    /// - page 5: what f2 stored (a page without instructions until then). The last word of page
    ///   4 is the `ebreak` the loop ends at.
    static func program(xlen: Int) -> [UInt8] {
        let base: UInt64 = 0x10000
        var words = [UInt32](repeating: 0, count: 6 * 1024)
        func put(_ at: UInt64, _ code: [UInt32]) {
            for (k, w) in code.enumerated() { words[Int((at - base) / 4) + k] = w }
        }
        func jal(from: UInt64, to: UInt64, rd: UInt32 = 1) -> UInt32 { RVAsm.jal(rd, Int32(Int64(to) - Int64(from))) }
        let f1: UInt64 = 0x12000 + 4096 - 5 * 4, f2: UInt64 = 0x14000, stored: UInt64 = 0x15000, end: UInt64 = 0x14ffc
        // page 0
        var entry: [UInt32] = [RVAsm.li(11, 40), RVAsm.li(12, 1), RVAsm.li(13, 0)]
        let loop = base + UInt64(entry.count * 4)
        entry += [jal(from: loop, to: f1), jal(from: loop + 4, to: f2), RVAsm.addi(11, 11, -1),
                  RVAsm.bne(11, 0, -12), jal(from: loop + 16, to: end, rd: 0)]
        put(base, entry)
        // page 1: never runs (an addi would change x12 if it did)
        put(0x11000, [UInt32](repeating: RVAsm.addi(12, 12, 1000), count: 1024))
        // pages 2-3: f1, five instructions on page 2, the rest on page 3
        put(f1, [RVAsm.r(1, 12, 12, 0, 14, 0x33), RVAsm.addi(12, 12, 3), RVAsm.add(12, 12, 11),
                 RVAsm.r(0, 12, 14, 4, 12, 0x33), RVAsm.addi(12, 12, 5),
                 RVAsm.r(1, 11, 12, 0, 12, 0x33), RVAsm.i(9, 12, 5, 15, 0x13), RVAsm.add(12, 12, 15),
                 RVAsm.jalr(0, 1, 0)])
        // page 4: f2 (x5 = the page-5 address, x6/x7 = the two words, stored, then called)
        let addi3 = RVAsm.addi(13, 13, 3), ret = RVAsm.jalr(0, 1, 0)
        var body = RVAsm.loadConstant(5, stored, xlen: xlen, tmp: 31)
        body += RVAsm.loadConstant(6, UInt64(addi3), xlen: xlen, tmp: 31) + [RVAsm.s(0, 6, 5, 2, 0x23)]
        body += RVAsm.loadConstant(7, UInt64(ret), xlen: xlen, tmp: 31) + [RVAsm.s(4, 7, 5, 2, 0x23)]
        body += [RVAsm.addi(28, 1, 0), RVAsm.jalr(1, 5, 0), RVAsm.addi(1, 28, 0), RVAsm.jalr(0, 1, 0)]
        put(f2, body)
        put(end, [RVAsm.ebreak])
        return words.flatMap { TestELF.le32($0) }
    }

    struct Outcome: Equatable {
        var stop: RISCVMachine.Stop
        var pc: UInt64
        var instret: UInt64
        var budget: UInt64
        var registers: [UInt64]
        var trap: String
    }

    /// A machine with the program loaded and its code range set, decoded up front or not.
    static func machine(xlen: Int, lazy: Bool, codeStore: UInt32) throws -> RISCVMachine {
        var schedule = GasSchedule.instructionCounting
        schedule.riscvMul = 3
        schedule.riscvCodeStore = codeStore
        let m = try RISCVMachine(memorySize: 1 << 20, xlen: UInt32(xlen), schedule: schedule)
        #expect(m.load(program(xlen: xlen), at: 0x10000))
        m.protect(0x10000, 0x16000, [.read, .write, .execute])
        RISCVMachine.decodesOnFirstRun = lazy
        defer { RISCVMachine.decodesOnFirstRun = true }
        try m.setCodeRange(0x10000, 0x16000)
        m.pc = 0x10000
        return m
    }

    static func outcome(_ m: RISCVMachine, _ stop: RISCVMachine.Stop) -> Outcome {
        Outcome(
            stop: stop, pc: m.pc, instret: m.instructionsRetired, budget: m.budget,
            registers: (0..<32).map { m[register: $0] }, trap: stop == .trap ? "\(m.trap)" : "")
    }

    @Test(arguments: [32, 64])
    func everyBudgetStopsWhereTheEagerDecodeStops(xlen: Int) throws {
        for codeStore: UInt32 in [0, 10] {
            let eager = try Self.machine(xlen: xlen, lazy: false, codeStore: codeStore)
            eager.budget = 1 << 30
            let full = Self.outcome(eager, eager.run())
            #expect(full.stop == .ebreak, "rv\(xlen): \(full.trap)")
            #expect(full.registers[13] == 120, "rv\(xlen): f2's stored code ran \(full.registers[13] / 3) times")
            let lazy = try Self.machine(xlen: xlen, lazy: true, codeStore: codeStore)
            #expect(lazy.undecodedPages == 6)
            lazy.budget = 1 << 30
            #expect(Self.outcome(lazy, lazy.run()) == full, "rv\(xlen), code store \(codeStore)")
            // Page 1 never ran and nothing wrote it: still not decoded.
            #expect(lazy.undecodedPages == 1, "rv\(xlen): \(lazy.undecodedPages) pages undecoded")
            // Every budget up to the end stops at the same instruction with the same state,
            // and resumed in small steps ends as one run does.
            var rng = SplitMix64(seed: UInt64(xlen) + UInt64(codeStore))
            let used = (1 << 30) - full.budget
            for budget in [0, 1, 2, 7, codeStore == 0 ? 8 : 40, used - 1, used] + (0..<12).map({ _ in rng.next() % used }) {
                let a = try Self.machine(xlen: xlen, lazy: false, codeStore: codeStore)
                let b = try Self.machine(xlen: xlen, lazy: true, codeStore: codeStore)
                a.budget = budget
                b.budget = budget
                #expect(Self.outcome(b, b.run()) == Self.outcome(a, a.run()), "rv\(xlen), budget \(budget)")
            }
            let stepped = try Self.machine(xlen: xlen, lazy: true, codeStore: codeStore)
            var stop = RISCVMachine.Stop.budgetExhausted
            var given: UInt64 = 0
            while stop == .budgetExhausted, given < used + 100 {
                let add = rng.next() % 23
                stepped.budget += add
                given += add
                stop = stepped.run()
            }
            var got = Self.outcome(stepped, stop)
            got.budget = (1 << 30) - (given - got.budget)
            #expect(got == full, "rv\(xlen): resumed in steps")
        }
    }

    /// A host write (a system call's output) into a page not decoded yet is charged and
    /// handled as with the page decoded: `decodedBytes` counts it on a page with instructions,
    /// and the page then runs what was written.
    @Test func hostWritesIntoUndecodedPagesAreChargedAsDecodedOnes() throws {
        let eager = try Self.machine(xlen: 64, lazy: false, codeStore: 10)
        let lazy = try Self.machine(xlen: 64, lazy: true, codeStore: 10)
        // Page 1 holds instructions, page 5 none.
        #expect(lazy.decodedBytes(in: 0x11000, count: 8) == eager.decodedBytes(in: 0x11000, count: 8))
        #expect(eager.decodedBytes(in: 0x11000, count: 8) == 8)
        #expect(lazy.decodedBytes(in: 0x15000, count: 8) == eager.decodedBytes(in: 0x15000, count: 8))
        // The entry's first instruction rewritten (li x11, 1: one round) by the host.
        for m in [eager, lazy] { #expect(m.write(TestELF.le32(RVAsm.li(11, 1)), at: 0x10000)) }
        eager.budget = 1 << 30
        lazy.budget = 1 << 30
        #expect(Self.outcome(lazy, lazy.run()) == Self.outcome(eager, eager.run()))
        #expect(lazy[register: 13] == 3)
    }

    /// A machine restored from another keeps its own pages not decoded yet, without the bits
    /// the other derived when it decoded them: a CRV_PERM_NOCODE taken from a template whose
    /// page 1 held no instruction let the guest's stores into that page take the inline path
    /// without decoding it first, and the changed words then ran without the code store an
    /// eager decode charges.
    @Test(arguments: [32, 64])
    func restoredUndecodedPagesTakeNoDecodeBitsFromTheSource(xlen: Int) throws {
        // 0x10000: store `addi a0, a0, 5; ebreak` at 0x11000 and jump there (page 1: zeros, RWX).
        var code = RVAsm.loadConstant(5, 0x11000, xlen: xlen)
        code += RVAsm.loadConstant(6, UInt64(RVAsm.addi(10, 10, 5)), xlen: xlen) + [RVAsm.s(0, 6, 5, 2, 0x23)]
        code += RVAsm.loadConstant(6, UInt64(RVAsm.ebreak), xlen: xlen) + [RVAsm.s(4, 6, 5, 2, 0x23), RVAsm.jalr(0, 5, 0)]
        var schedule = GasSchedule.instructionCounting
        schedule.riscvCodeStore = 10
        func machine(lazy: Bool) throws -> RISCVMachine {
            let m = try RISCVMachine(memorySize: 1 << 20, xlen: UInt32(xlen), schedule: schedule)
            #expect(m.load(code.flatMap { TestELF.le32($0) }, at: 0x10000))
            m.protect(0x10000, 0x12000, [.read, .write, .execute])
            // Page 2 writable data: stores into page 1 may then take the inline path, which a
            // page without instructions (CRV_PERM_NOCODE) allows.
            m.protect(0x12000, 0x13000, [.read, .write])
            RISCVMachine.decodesOnFirstRun = lazy
            defer { RISCVMachine.decodesOnFirstRun = true }
            try m.setCodeRange(0x10000, 0x12000)
            return m
        }
        let template = try machine(lazy: false), eager = try machine(lazy: false)
        let lazy = try machine(lazy: true)
        #expect(lazy.restore(from: template, copy: [], zero: [], restoreCode: false))
        #expect(lazy.undecodedPages == 2)
        for m in [eager, lazy] {
            m.pc = 0x10000
            m.budget = 1000
        }
        let want = Self.outcome(eager, eager.run())
        #expect(want.stop == .ebreak && want.registers[10] == 5)
        #expect(Self.outcome(lazy, lazy.run()) == want, "rv\(xlen)")
    }
}

