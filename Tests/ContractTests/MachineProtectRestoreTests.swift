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
}
