import Foundation
import EEKit
import EEKitTestSupport
import Testing

/// Native-contract system calls run inside the interpreter loop (`RISCVMachine.setEcallHandler`):
/// the hart does not return to Swift for them. These cases check what that path must keep from
/// the return-to-host path: code a system call writes is re-decoded before it runs, and a
/// fault inside the loop ends the frame with its reason.
@Suite struct InLoopSyscallTests {
    typealias A = RVAsm
    static let a0: UInt32 = 10, a1: UInt32 = 11, a2: UInt32 = 12, a7: UInt32 = 17, t0: UInt32 = 5

    /// An RWX contract: calldata_copy(0x10040, 0, 4) writes the calldata's first 4 bytes over
    /// the instruction at 0x10040, then jumps there; that instruction is `li a0, 1` unless
    /// patched, and the contract returns a0 (8 bytes on RV64, 4 on RV32).
    static func selfPatching(xlen: Int) -> Bytes {
        let nop = A.addi(0, 0, 0)
        var code: [UInt32] = [
            A.lui(a7, 0x10), A.addi(a7, a7, 3),  // a7 = EEK_SYS_CALLDATA_COPY
            A.lui(a0, 0x10), A.addi(a0, a0, 0x40),  // dst = 0x10040
            A.li(a1, 0), A.li(a2, 4), 0x0000_0073,  // ecall
            A.jal(0, (16 - 7) * 4),
        ]
        code += Array(repeating: nop, count: 16 - code.count)
        code += [
            A.li(a0, 1),  // 0x10040: patched by the system call
            A.lui(t0, 0x10), A.addi(t0, t0, 0x100),
            xlen == 64 ? A.s(0, a0, t0, 3, 0x23) : A.s(0, a0, t0, 2, 0x23),  // sd / sw a0, 0(t0)
            A.addi(a0, t0, 0), A.li(a1, Int32(xlen / 8)),
            A.lui(a7, 0x10), 0x0000_0073,  // return(t0, xlen / 8)
        ]
        let bytes = code.flatMap { TestELF.le32($0) }
        return TestELF(
            xlen: xlen, entry: 0x10000,
            segments: [.init(vaddr: 0x10000, bytes: bytes, memSize: 0x200, flags: 7)]
        ).bytes
    }

    func install(_ code: Bytes) -> (ContractSession, Address) {
        let s = ContractSession()
        let a = Address(low: 0xc0de)
        s.world.setAccount(a, Account(nonce: 1, balance: .zero, kind: .riscv, code: code))
        return (s, a)
    }

    @Test(arguments: [64, 32])
    func codeWrittenByASystemCallIsDecodedBeforeItRuns(xlen: Int) throws {
        let (s, a) = install(Self.selfPatching(xlen: xlen))
        let unpatched = try s.call(a, data: TestELF.le32(A.li(Self.a0, 1)))
        #expect(unpatched.status == .success)
        #expect(unpatched.output == [1] + Bytes(repeating: 0, count: xlen / 8 - 1))
        let patched = try s.call(a, data: TestELF.le32(A.li(Self.a0, 42)))
        #expect(patched.status == .success)
        #expect(patched.output == [42] + Bytes(repeating: 0, count: xlen / 8 - 1))
        // The next frame runs the code as deployed again (its image is restored).
        let again = try s.call(a, data: TestELF.le32(A.li(Self.a0, 1)))
        #expect(again.output == unpatched.output)
        // A word that is no instruction, written by the system call, traps where it was written.
        let illegal = try s.call(a, data: [0, 0, 0, 0])
        guard case .failure(let reason) = illegal.status else {
            Issue.record("expected a trap, got \(illegal.status)")
            return
        }
        #expect(reason.description.contains("illegal instruction at pc 0x10040"), "\(reason)")
    }

    @Test func aFaultingSystemCallInsideTheLoopEndsTheFrameWithItsReason() throws {
        // calldata_copy to an address outside guest memory, then (never reached) return.
        let code: [UInt32] = [
            A.lui(Self.a7, 0x10), A.addi(Self.a7, Self.a7, 3),
            A.lui(Self.a0, 0x7ffff), A.li(Self.a1, 0), A.li(Self.a2, 4), 0x0000_0073,
            A.lui(Self.a7, 0x10), 0x0000_0073,
        ]
        let elf = TestELF.program(xlen: 64, code: code).bytes
        let (s, a) = install(elf)
        let r = try s.call(a, data: [1, 2, 3, 4], gas: 100_000)
        guard case .failure(let reason) = r.status else {
            Issue.record("expected a failure, got \(r.status)")
            return
        }
        #expect(reason.description.contains("calldata_copy"), "\(reason)")
        #expect(r.gasUsed == 100_000)
    }
}

/// The CRISCV C unit harness (Tests/CRISCVHarness/unit.c: API edge cases, the disassembler,
/// metering corner cases) built as its run.sh builds it, with -Wall -Wextra -Werror, so that a
/// change of the core's C API that the harness does not follow fails here too (run.sh itself,
/// with the qemu programs and sanitizers, is not part of `swift test`).
@Suite struct CRISCVUnitHarnessTests {
    static let clang = GuestHarness.findExecutable("clang")

    @Test(.enabled(if: clang != nil, "clang not found"))
    func unitHarnessBuildsAndPasses() async throws {
        let root = GuestHarness.repoRoot.path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-crv-unit-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let build = try await GuestHarness.runProcess(executable: Self.clang!, arguments: [
            "-std=gnu11", "-O1", "-fno-strict-aliasing", "-Wall", "-Wextra", "-Werror", "-o", out.path,
            "\(root)/Tests/CRISCVHarness/unit.c", "\(root)/CSources/CRISCV/crv_run.c",
            "\(root)/CSources/CRISCV/crv_decode.c",
        ])
        let buildLog = String(decoding: build.stdout + build.stderr, as: UTF8.self)
        try #require(build.status == 0 && !build.timedOut, Comment(rawValue: "unit harness build failed:\n\(buildLog)"))
        // The harness runs in under a second (0.4 s on this VM); a core change that makes one of
        // its loops spin must fail here in minutes, not hold the suite for the 900 s default.
        let r = try await GuestHarness.runProcess(executable: out.path, arguments: [], timeout: 120)
        let log = String(decoding: r.stdout + r.stderr, as: UTF8.self)
        #expect(r.status == 0 && !r.timedOut, Comment(rawValue: log))
        #expect(log.contains(" 0 failed"), Comment(rawValue: log))
    }
}
