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
        try DecodingSettings.with(lazy: lazy) { try m.setCodeRange(0x10000, 0x16000) }
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
            try DecodingSettings.with(lazy: lazy) { try m.setCodeRange(0x10000, 0x12000) }
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

    // MARK: Found by mutation (a round on the lazy decoding)

    /// Three read-write-execute pages at 0x10000 (page 0 `prefix` then `ebreak`s, page 1
    /// instructions, page 2 zeros: no instruction) and a fourth, `fourth`, all in the code range.
    static func fourPages(_ prefix: [UInt32], lazy: Bool) throws -> RISCVMachine {
        var schedule = GasSchedule.instructionCounting
        schedule.riscvCodeStore = 10
        let m = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: schedule)
        var words = [UInt32](repeating: RVAsm.ebreak, count: 1024) + [UInt32](repeating: RVAsm.addi(12, 12, 1), count: 1024)
            + [UInt32](repeating: 0, count: 2048)
        for (k, w) in prefix.enumerated() { words[k] = w }
        #expect(m.load(words.flatMap { TestELF.le32($0) }, at: 0x10000))
        m.protect(0x10000, 0x14000, [.read, .write, .execute])
        try DecodingSettings.with(lazy: lazy) { try m.setCodeRange(0x10000, 0x14000) }
        m.pc = 0x10000
        return m
    }

    /// Every host write helper decodes the pages not decoded yet that it is about to change
    /// (`crv_decode_pending`) before it changes them, as its doc says: decoded after the write
    /// instead, a page took the written bytes for the ones it had when the code range was set.
    /// Written with an instruction, the page without one (page 2) then lost CRV_PERM_NOCODE: the
    /// write and every later store into it paid a code store that the eager decode does not
    /// charge (and the written word ran without the one it charges); zeroed whole, the page of
    /// instructions (page 1) became CRV_PERM_NOCODE, and a store of code into it was free.
    /// Mutants: the `decodePending` call removed from `zero` or `keccak256` survived the suite (a
    /// write into a page that holds instructions decodes the same either way); removed from
    /// `load`, only MachineProtectRestoreTests saw it. Every helper that writes is checked here.
    @Test func everyHostWriteDecodesAPageBeforeChangingIt() throws {
        let addi = RVAsm.addi(10, 10, 7)
        let word = TestELF.le32(addi) + TestELF.le32(RVAsm.ebreak)  // 8 bytes: addi a0, a0, 7; ebreak
        // An input whose keccak256 holds an instruction in one of its 4-byte words.
        let input = (0..<256).map { [UInt8($0)] }.first { b in
            let h = Keccak.hash(b).bytes
            return (0..<8).contains { k in
                let w = UInt32(h[4 * k]) | UInt32(h[4 * k + 1]) << 8 | UInt32(h[4 * k + 2]) << 16 | UInt32(h[4 * k + 3]) << 24
                return !RISCVMachine.disassemble(w, pc: 0, xlen: 64).hasPrefix("unknown")
            }
        }!
        let page2: UInt64 = 0x12000
        let writes: [(String, (RISCVMachine) -> Bool)] = [
            ("load", { $0.load(word, at: page2) }),
            ("write", { $0.write(word, at: page2) }),
            ("write(from:count:)", { $0.write([0xff] + word, from: 1, count: 8, at: page2) }),
            ("writeUInt64", { $0.writeUInt64(UInt64(addi) | UInt64(RVAsm.ebreak) << 32, at: page2) }),
            ("writeWord", { $0.writeWord(U256(bigEndian: word + Bytes(repeating: 0, count: 24)), at: page2) }),
            ("writeAddress", { $0.writeAddress(Address(word + Bytes(repeating: 0, count: 12)), at: page2) }),
            ("fill", { m in
                m.fill(page2, count: 8) { b in
                    for (k, x) in word.enumerated() { b[k] = x }
                    return 8
                } == 8
            }),
            ("keccak256", { m in m.load(input, at: 0x13000) && m.keccak256(0x13000, count: 1, into: page2) }),
            // Page 1's instructions zeroed whole: no instruction left there.
            ("zero", { m in
                m.zero(0x11000, 0x1000)
                return true
            }),
        ]
        for (name, write) in writes {
            var seen: [[UInt64]] = []
            for lazy in [false, true] {
                let m = try Self.fourPages([], lazy: lazy)
                #expect(write(m), "\(name)")
                // What the host would charge for writing each page again (0: no decoded code).
                seen.append([0x11000, 0x12000].map { m.decodedBytes(in: $0, count: 4096) })
            }
            #expect(seen[0] == seen[1], "\(name): eager \(seen[0]), lazy \(seen[1]) (decoded bytes of pages 1 and 2)")
        }
        // And what runs: the written word, run where it was written (eager: a code store for
        // running a word written into a page without instructions).
        var ran: [Outcome] = []
        for lazy in [false, true] {
            let m = try Self.fourPages([RVAsm.lui(5, 0x12), RVAsm.jalr(0, 5, 0)], lazy: lazy)
            #expect(m.load(word, at: page2))
            m.budget = 1000
            ran.append(Self.outcome(m, m.run()))
        }
        #expect(ran[0].stop == .ebreak && ran[0].registers[10] == 7)
        #expect(ran[1] == ran[0])
    }

    /// A guest store into a page not decoded yet decodes it and the page after it, even when it
    /// changes no byte (whether stores into a page take the inline path depends on the next
    /// page's decoding: a review found a written .bss page before an untouched one kept every
    /// store on the slow path, half the speed). Mutants: store_slow decoding only the store's
    /// own bytes (`a + n`), and decoding after the unchanged-bytes exit; both survived.
    @Test func aStoreDecodesItsPageAndTheNext() throws {
        // sd zero, 8(x5) into page 2 (zeros: no byte changes), or sd x6, 16(x5) into page 1
        // (an instruction changes), then ebreak.
        for (changes, page, store) in [(false, UInt32(0x12), RVAsm.s(8, 0, 5, 3, 0x23)), (true, 0x11, RVAsm.s(16, 6, 5, 3, 0x23))] {
            let m = try Self.fourPages([RVAsm.lui(5, page), RVAsm.li(6, 5), store], lazy: true)
            #expect(m.undecodedPages == 4)
            m.budget = 1000
            #expect(m.run() == .ebreak)
            // Page 0 ran, the store's page and the next one were decoded: one page is left.
            #expect(m.undecodedPages == 1, "store changing bytes: \(changes): \(m.undecodedPages) pages undecoded")
        }
    }

    /// `lazyDecodingFromPages` (2 by default) is the smallest range decoded a page at a time:
    /// a range of exactly that many pages is deferred, one page less is decoded up front
    /// (mutant: `>` for `>=` in setCodeRange, which decoded every two-page range whole).
    @Test func twoPageRangesAreDeferredAndOnePageRangesAreNot() throws {
        #expect(RISCVMachine.defaultLazyDecodingFromPages == 2)
        for pages in [1, 2, 3] {
            let m = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .instructionCounting)
            m.protect(0x10000, 0x10000 + UInt64(pages) * 0x1000, [.read, .execute])
            try DecodingSettings.with(lazy: true, fromPages: RISCVMachine.defaultLazyDecodingFromPages) {
                try m.setCodeRange(0x10000, 0x10000 + UInt64(pages) * 0x1000)
            }
            #expect(m.undecodedPages == (pages >= 2 ? pages : 0), "\(pages) pages: \(m.undecodedPages) undecoded")
        }
    }
}
