import EEKit
import EEKitTestSupport
import Testing

/// `reset(from:)` / `restore(from:)` between a lazily decoded machine and another, and `protect`,
/// compared with the same sequence decoded up front (from a review of 7ffad5a, which found the
/// first two and the last differing by a code store: CRV_PERM_NOCODE copied from, or dropped
/// by, what did not decode the page).
@Suite(.serialized) struct LazyDecodeRestoreTests {
    static func schedule() -> GasSchedule {
        var s = GasSchedule.instructionCounting
        s.riscvCodeStore = 10
        return s
    }

    /// Three RWX pages at 0x10000: page 0 the program, page 1 some instructions, page 2 zeros
    /// (no instruction: CRV_PERM_NOCODE when decoded).
    static func machine(_ program: [UInt32], lazy: Bool) throws -> RISCVMachine {
        let m = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: schedule())
        var words = [UInt32](repeating: 0, count: 3 * 1024)
        for (k, w) in program.enumerated() { words[k] = w }
        for k in 1024..<2048 { words[k] = RVAsm.addi(12, 12, 1) }
        #expect(m.load(words.flatMap { TestELF.le32($0) }, at: 0x10000))
        m.protect(0x10000, 0x13000, [.read, .write, .execute])
        m.protect(0x13000, 0x14000, [.read, .write])  // a data page after the code
        try DecodingSettings.with(lazy: lazy) { try m.setCodeRange(0x10000, 0x13000) }
        return m
    }

    static func blank() throws -> RISCVMachine { try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: schedule()) }

    static func used(_ m: RISCVMachine) -> (RISCVMachine.Stop, UInt64) {
        m.pc = 0x10000
        m.budget = 1000
        let s = m.run()
        return (s, 1000 - m.budget)
    }

    // x5 = 0x12000; x6 = 0x55; sw x6, 0(x5); ebreak  (a data store into the page without code)
    static let dataStore: [UInt32] = [RVAsm.lui(5, 0x12), RVAsm.li(6, 0x55), RVAsm.s(0, 6, 5, 2, 0x23), RVAsm.ebreak]

    /// A copy of a lazily decoded template runs a store into its page without instructions
    /// (decoding it: CRV_PERM_NOCODE), is restored from the template, and runs it again.
    @Test func restoredCopyOfALazyTemplate() throws {
        var results: [[UInt64]] = []
        for lazy in [false, true] {
            let a = try Self.machine(Self.dataStore, lazy: lazy)
            let b = try Self.blank()
            #expect(b.reset(from: a, copy: [0x10000..<0x13000], zero: []))
            let (s1, u1) = Self.used(b)
            #expect(b.restore(from: a, copy: [0x10000..<0x13000], zero: [], restoreCode: true))
            let (s2, u2) = Self.used(b)
            #expect(s1 == .ebreak && s2 == .ebreak)
            results.append([u1, u2])
        }
        #expect(results[0] == results[1], "eager \(results[0]) lazy \(results[1]) (ergs used by run 1, run 2)")
    }

    // Writes `addi a0, a0, 1; ebreak` into 0x12000 (a page without instructions) and jumps there.
    static let writeAndRun: [UInt32] = [
        RVAsm.lui(5, 0x12),
        RVAsm.lui(6, 0x00150), RVAsm.addi(6, 6, 0x513),  // 0x00150513: addi a0, a0, 1
        RVAsm.s(0, 6, 5, 2, 0x23),
        RVAsm.lui(7, 0x00100), RVAsm.addi(7, 7, 0x073),  // 0x00100073: ebreak
        RVAsm.s(4, 7, 5, 2, 0x23),
        RVAsm.jalr(0, 5, 0),
    ]

    /// A lazily decoded machine restored from a template decoded up front (same image), then
    /// run: it writes code into the page without instructions and runs it.
    @Test func lazyMachineRestoredFromAnEagerTemplate() throws {
        var results: [[UInt64]] = []
        for lazy in [false, true] {
            let t = try Self.machine(Self.writeAndRun, lazy: false)
            let b = try Self.machine(Self.writeAndRun, lazy: lazy)
            #expect(b.restore(from: t, copy: [0x10000..<0x13000], zero: [], restoreCode: true))
            let (s, u) = Self.used(b)
            #expect(s == .ebreak, "\(b.trap)")
            results.append([u, b[register: 10]])
        }
        #expect(results[0] == results[1], "eager \(results[0]) lazy \(results[1]) (ergs used, a0)")
    }

    /// The same program without any restore, for reference.
    @Test func writeAndRunAlone() throws {
        var results: [[UInt64]] = []
        for lazy in [false, true] {
            let b = try Self.machine(Self.writeAndRun, lazy: lazy)
            let (s, u) = Self.used(b)
            #expect(s == .ebreak, "\(b.trap)")
            results.append([u, b[register: 10]])
        }
        #expect(results[0] == results[1], "eager \(results[0]) lazy \(results[1])")
    }

    /// `protect` of a code page without changing its execute permission (the same RWX again),
    /// then a data store into the page without instructions.
    @Test func protectWithoutExecuteChange() throws {
        var results: [UInt64] = []
        for lazy in [false, true] {
            let b = try Self.machine(Self.dataStore, lazy: lazy)
            b.protect(0x12000, 0x13000, [.read, .write, .execute])
            let (s, u) = Self.used(b)
            #expect(s == .ebreak)
            results.append(u)
        }
        #expect(results[0] == results[1], "eager \(results[0]) lazy \(results[1]) (ergs used)")
    }

    /// The code range set again, decoded a page at a time, over pages an earlier decode found
    /// without instructions: those pages are not decoded now, so they lose CRV_PERM_NOCODE and
    /// the inline stores it allowed (crv_decode_lazy clears it and re-derives the fast-store
    /// bits); the program's store of code into such a page and the jump to it then cost what they
    /// cost with the range decoded up front again. (Mutants: crv_decode_lazy keeping NOCODE, or
    /// not calling crv_perms_sync: the store took the inline path into the undecoded page, which
    /// was then decoded from the new bytes, and the code store the eager decode charges for
    /// running a word written there was never paid. Each survived the suite and the CRISCV
    /// harness, whose ranges are set once.)
    @Test func settingTheCodeRangeAgainLazilyForgetsTheEarlierDecode() throws {
        var results: [[UInt64]] = []
        for lazy in [false, true] {
            let b = try Self.machine(Self.writeAndRun, lazy: false)
            try DecodingSettings.with(lazy: lazy) { try b.setCodeRange(0x10000, 0x13000) }
            #expect(b.undecodedPages == (lazy ? 3 : 0))
            let (s, u) = Self.used(b)
            #expect(s == .ebreak, "\(b.trap)")
            results.append([u, b[register: 10]])
        }
        #expect(results[0] == results[1], "eager \(results[0]) lazy \(results[1]) (ergs used, a0)")
    }
}
