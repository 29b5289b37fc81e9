import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// A review of the day's diff: protect re-decodes code pages whose X bit changes, and `restore(from:)` copied
/// the template's permissions back without re-decoding those pages, so the decoded code
/// disagreed with the permissions.
@Suite struct MachineProtectRestoreTests {
    // addi a0, x0, 7; ebreak
    static let code: [UInt8] = [0x13, 0x05, 0x70, 0x00, 0x73, 0x00, 0x10, 0x00]

    static func template() throws -> RISCVMachine {
        let a = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(a.load(code, at: 0x1000) && a.load(code, at: 0x2000))
        a.protect(0x1000, 0x2000, [.read, .execute])
        a.protect(0x2000, 0x3000, [.read])  // in the code range, not executable
        try a.setCodeRange(0x1000, 0x3000)
        return a
    }

    /// A page the frame made executable is not executable in the template: after restore it
    /// must fault, as on a fresh reset.
    @Test func restoreAfterAddingExecuteKeepsThePageExecutable() throws {
        let a = try Self.template()
        let b = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(b.reset(from: a, copy: [0x1000..<0x3000], zero: []))
        b.pc = 0x2000; b.budget = 1000
        #expect(b.run() == .trap, "not executable in the template")
        b.protect(0x2000, 0x3000, [.read, .execute])
        b.pc = 0x2000; b.budget = 1000
        #expect(b.run() == .ebreak)
        #expect(b.restore(from: a, copy: [], zero: [], restoreCode: true))
        #expect(!b.permissions(at: 0x2000).contains(.execute))
        b.pc = 0x2000; b.budget = 1000
        let stop = b.run()
        #expect(stop == .trap, "page 0x2000 has no X after restore, yet ran: \(stop), a0 = \(b[register: 10])")
    }

    /// The reverse: a page the frame made non-executable stays decoded as a fetch fault.
    @Test func restoreAfterRemovingExecuteLeavesThePageFaulting() throws {
        let a = try Self.template()
        let b = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(b.reset(from: a, copy: [0x1000..<0x3000], zero: []))
        b.protect(0x1000, 0x2000, [.read])
        #expect(b.restore(from: a, copy: [], zero: [], restoreCode: true))
        #expect(b.permissions(at: 0x1000).contains(.execute))
        b.pc = 0x1000; b.budget = 1000
        let stop = b.run()
        #expect(stop == .ebreak, "page 0x1000 is executable after restore, yet: \(stop)")
    }

    /// `restore` re-decodes only the runs of changed words of each code page (the whole page
    /// past four runs): a machine whose code was patched in 1-10 random places (other
    /// immediates, new block ends) and then restored runs exactly as a fresh one, to the
    /// instruction and the erg, for any budget (stops inside the blocks around the patches
    /// included).
    @Test func restoreAfterCodeChangesRunsAsAFreshMachine() throws {
        var rng = SplitMix64(seed: 0x5eed)
        let a = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        // 1,500 instructions over two pages: addi a0, a0, k (a1 too, now and then), then ebreak.
        var words: [UInt32] = (0..<1500).map { i in
            RVAsm.addi(i % 7 == 0 ? 11 : 10, i % 7 == 0 ? 11 : 10, Int32(rng.next() % 2000) - 1000)
        }
        words.append(0x0010_0073)
        #expect(a.load(words.flatMap(TestELF.le32), at: 0x1000))
        a.protect(0x1000, 0x3000, [.read, .write, .execute])
        try a.setCodeRange(0x1000, 0x3000)
        func run(_ m: RISCVMachine, budget: UInt64) -> String {
            m.pc = 0x1000
            m[register: 10] = 0
            m[register: 11] = 0
            m.budget = budget
            let stop = m.run()
            return "\(stop) pc \(m.pc) a0 \(m[register: 10]) a1 \(m[register: 11]) left \(m.budget)"
        }
        for round in 0..<40 {
            let b = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
            #expect(b.reset(from: a, copy: [0x1000..<0x3000], zero: []))
            for _ in 0..<(1 + Int(rng.next() % 10)) {
                let slot = UInt64(rng.next() % 1500)
                let patch: UInt32 = switch rng.next() % 3 {
                case 0: RVAsm.addi(10, 10, Int32(rng.next() % 100))
                case 1: RVAsm.jal(0, 4)  // a new block end, same flow
                default: RVAsm.addi(12, 12, 1)
                }
                #expect(b.load(TestELF.le32(patch), at: 0x1000 + 4 * slot))
            }
            _ = run(b, budget: 1 << 30)
            #expect(b.restore(from: a, copy: [0x1000..<0x3000], zero: [], restoreCode: true))
            let fresh = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
            #expect(fresh.reset(from: a, copy: [0x1000..<0x3000], zero: []))
            for budget in [UInt64(1) << 30, rng.next() % 400_000, rng.next() % 40_000] {
                let got = run(b, budget: budget), want = run(fresh, budget: budget)
                #expect(got == want, "round \(round), budget \(budget)")
            }
        }
    }

    /// A read-write-execute page without instructions (CRV_PERM_NOCODE: globals linked with
    /// -Wl,-N) takes stores as data, and `restore` leaves its slots alone; but once a changed
    /// word of it ran, its slot holds that word, and `restore` must re-decode it: a restored
    /// machine then traps there as a fresh one does, on the same word with the same budget
    /// left (a stale slot would first pay a code store to re-decode).
    @Test func restoreAfterADataWordRanMatchesAFreshMachine() throws {
        let a = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        // 0x1000: jal x0, 0x1000 (to 0x2000); 0x2000: a page of zeros (no instruction).
        #expect(a.load(TestELF.le32(RVAsm.jal(0, 0x1000)), at: 0x1000))
        a.protect(0x1000, 0x3000, [.read, .write, .execute])
        try a.setCodeRange(0x1000, 0x3000)
        func run(_ m: RISCVMachine) -> String {
            m.pc = 0x1000
            m.budget = 1 << 30
            let stop = m.run()
            return "\(stop) \(m.trap) left \(m.budget)"
        }
        for (runsTheWord, writesItBack) in [(false, false), (true, false), (true, true)] {
            let b = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
            #expect(b.reset(from: a, copy: [0x1000..<0x3000], zero: []))
            #expect(b.load([0xff, 0xff, 0xff, 0xff], at: 0x2000))  // an illegal word, as data
            #expect(b.load([1, 2, 3, 4], at: 0x2ff0))
            if runsTheWord { _ = run(b) }
            // The template's word again: the bytes match, the slot ran the frame's word.
            if writesItBack { #expect(b.load([0, 0, 0, 0], at: 0x2000)) }
            #expect(b.restore(from: a, copy: [0x1000..<0x3000], zero: [], restoreCode: true))
            let fresh = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
            #expect(fresh.reset(from: a, copy: [0x1000..<0x3000], zero: []))
            #expect(run(b) == run(fresh), "the changed word ran: \(runsTheWord), written back: \(writesItBack)")
        }
    }

    /// A store straddling a code page's last word and the first word of a page without
    /// instructions (CRV_PERM_NOCODE) re-decodes the code page's part only: the data page's
    /// slots stay as its last whole-page decode left them (review finding: the straddling store
    /// decoded the data page's slot, so a restored machine that skips such pages paid a code
    /// store before trapping where a fresh one traps at once; and a valid instruction stored
    /// that way cleared the page's bit, leaving a `ret` written there as data undecoded, which
    /// then trapped).
    @Test func storesStraddlingIntoADataPageLeaveItsSlotsAlone() throws {
        let a = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        func program(storing value: UInt64) -> [UInt8] {
            let code = RVAsm.loadConstant(5, 0x1ffc, xlen: 64) + RVAsm.loadConstant(6, value, xlen: 64)
                + [RVAsm.s(0, 6, 5, 3, 0x23), 0x0010_0073]  // sd t1, 0(t0); ebreak
            return code.flatMap(TestELF.le32)
        }
        #expect(a.load(program(storing: 0), at: 0x1000))
        a.protect(0x1000, 0x3000, [.read, .write, .execute])
        try a.setCodeRange(0x1000, 0x3000)
        func machine() throws -> RISCVMachine {
            let m = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
            #expect(m.reset(from: a, copy: [0x1000..<0x3000], zero: []))
            return m
        }
        func run(_ m: RISCVMachine, from pc: UInt64) -> String {
            m.pc = pc
            m.budget = 1 << 30
            m[register: 1] = 0x1000 + UInt64(program(storing: 0).count) - 4  // ra: the ebreak
            let stop = m.run()
            return "\(stop) \(m.pc) \(stop == .trap ? "\(m.trap)" : "") left \(m.budget)"
        }
        // An illegal word into the data page's first slot (a nop into the code page's last),
        // then restore: the next frame traps at 0x2000 as a fresh machine does.
        let b = try machine()
        #expect(b.load(program(storing: 0xffff_ffff_0000_0013), at: 0x1000))
        _ = run(b, from: 0x1000)
        #expect(b.restore(from: a, copy: [0x1000..<0x3000], zero: [], restoreCode: true))
        #expect(run(b, from: 0x2000) == run(try machine(), from: 0x2000))
        // A `ret` written as data at 0x2008, then a nop stored across into 0x2000: the `ret` runs.
        let c = try machine()
        #expect(c.load(program(storing: 0x0000_0013_0000_0013), at: 0x1000))
        #expect(c.load([0x67, 0x80, 0x00, 0x00], at: 0x2008))
        _ = run(c, from: 0x1000)
        #expect(run(c, from: 0x2008).hasPrefix("ebreak"), "\(run(c, from: 0x2008))")
    }
}
