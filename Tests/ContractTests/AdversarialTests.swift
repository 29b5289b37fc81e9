import EEKit
import EEKitTestSupport
import Testing

/// Hostile native contracts found in an adversarial review: what they must not be able to do.
@Suite(.serialized) struct AdversarialNativeTests {
    /// return(0, 0)
    static let returnEmpty: [UInt32] = [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]

    /// A native ELF above EIP-3860's 49,152 bytes (within the RISC-V code limit of 256 KiB)
    /// deploys from a transaction as it does through CREATE; EVM init code keeps the limit.
    @Test func nativeDeploymentsAreNotHeldToTheEVMInitcodeLimit() throws {
        let s = ContractSession()
        let elf = TestELF.program(xlen: 64, code: Self.returnEmpty, data: Bytes(repeating: 0xab, count: 60 << 10)).bytes
        #expect(elf.count > Bootloader.maxInitcodeSize)
        let r = try s.deploy(elf, kind: .riscv)
        #expect(r.status == .success)
        let a = try #require(r.createdAddress)
        #expect(s.world.account(a)?.code == elf)
        #expect(try s.call(a, data: []).status == .success)
        #expect(throws: EEError.rejected(.initcodeSizeExceeded(49_153))) {
            try s.deploy(Bytes(repeating: 0, count: 49_153), kind: .evm)
        }
    }

    /// Images larger than 1 MiB of memory (a review of the memory that grows to fit them):
    /// what a frame pays for an image follows from the program headers, so a frame that cannot
    /// pay is failed before the image is built (a 136-byte ELF with a 60 MiB executable .bss,
    /// deployed with 60k gas, cost a second of decoding); a contract's code range is at most
    /// 4 MiB; a segment without file bytes may point past the file.
    /// In a child process of its own (an exit test; its issues reach the parent), so that the
    /// process-wide image count is exact.
    @Test func largeImagesAreCheckedBeforeTheyAreBuilt() async {
        await #expect(processExitsWith: .success) { try AdversarialNativeTests.largeImagesScenario() }
    }

    static func largeImagesScenario() throws {
        let code = Self.returnEmpty.flatMap { TestELF.le32($0) }
        func rwx(_ memSize: UInt64) -> Bytes {
            TestELF(xlen: 64, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: code, memSize: memSize, flags: 7)]).bytes
        }
        let s = ContractSession()
        let three = rwx(3 << 20)
        let starved = try s.deploy(three, kind: .riscv, gas: 100_000)
        #expect(starved.status == .failure(.outOfResources), "\(starved.status)")
        #expect(RISCVEnvironment.imageLoads(of: Keccak.hash(three)) == 0, "built for a frame that could not pay")
        let ok = try s.deploy(three, kind: .riscv)
        #expect(ok.status == .success)
        // Built once, for the deployment that could pay.
        #expect(RISCVEnvironment.imageLoads(of: Keccak.hash(three)) == 1)
        // Every frame pays for 768 writable pages and 24 MiB of decoded code.
        let called = try s.call(try #require(ok.createdAddress), data: [])
        #expect(called.status == .success && called.gasUsed > 21_000 + 768 * 64 + 6000 * 128, "\(called.gasUsed)")

        do {
            _ = try s.deploy(rwx(5 << 20), kind: .riscv)
            Issue.record("a 5 MiB code range deployed")
        } catch {
            if case .elf(.codeRangeTooLarge(_, _, let n, let limit)) = error {
                #expect(n >= 40 << 20 && limit == 32 << 20)
            } else {
                Issue.record("\(error)")
            }
        }

        // A maximum below 1 MiB: the image gets the maximum (this trapped in the growth's
        // rounding).
        var c = RISCVEnvironment.Configuration()
        c.memorySize = 64 << 10
        c.stackSize = 4 << 10
        c.maxMemorySize = 512 << 10
        let small = ContractSession(riscv: c)
        let program = TestELF.program(xlen: 64, code: Self.returnEmpty).bytes  // at 0x10000: needs > 64 KiB
        let deployed = try small.deploy(program, kind: .riscv)
        #expect(deployed.status == .success)
        #expect(try small.call(try #require(deployed.createdAddress), data: []).status == .success)

        // A .bss-only segment whose file offset is past the end of the file loads, as on Linux.
        var elf = TestELF.program(xlen: 64, code: Self.returnEmpty, data: [1])
        elf.segments[1] = .init(vaddr: 0x20000, bytes: [], memSize: 4096, flags: 6)
        var bytes = elf.bytes
        let offset = 64 + 56 + 8  // the second program header's p_offset
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: UInt64(0xFFFF_0000) >> (8 * UInt64(i))) }
        let image = try ELFImage(bytes: bytes)
        #expect(image.segments.count == 2 && image.segments[1].fileOffset == 0xFFFF_0000)
        #expect(try s.deploy(bytes, kind: .riscv).status == .success)
    }

    /// A frame's machine holds the decoded code, 32 host bytes per 4-byte slot of the code
    /// range: an executable .bss of 832 KiB (a 200-byte ELF) pins 6.5 MiB of host memory per
    /// frame, so a 1024-deep self-call used to take about 7 GB. That memory counts against the
    /// guest memory caps now: the frame that crosses one fails and its caller continues.
    @Test func decodedCodeCountsAgainstTheMemoryCaps() throws {
        let s = ContractSession()
        let code = Self.returnEmpty.flatMap { TestELF.le32($0) }
        let wide = TestELF(
            xlen: 64, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: code, memSize: 0xD0000, flags: 7)]
        ).bytes
        let wideAt = try #require(try s.deploy(wide, kind: .riscv).createdAddress)
        let smallAt = try #require(try s.deploy(TestELF.program(xlen: 64, code: Self.returnEmpty).bytes, kind: .riscv).createdAddress)
        let caller = Address(low: 0x51)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: caller)

        s.boot.limits.maxFrameMemory = 4 << 20
        #expect(try s.call(smallAt, data: []).status == .success)
        let r = try s.call(wideAt, data: [])
        guard case .failure(.limitExceeded(let why)) = r.status else {
            Issue.record("a frame with 6.5 MiB of decoded code ran under a 4 MiB cap: \(r.status)")
            return
        }
        #expect(why.hasPrefix("guest memory of the frame"), "\(why)")

        // All live frames: the caller (1 MiB and its code) fits under 6 MiB, the callee does not.
        s.boot.limits = ResourceLimits()
        s.boot.limits.maxTotalGuestMemory = 6 << 20
        let mode2: (Address) -> Bytes = { [2] + $0.bytes + Bytes(repeating: 0, count: 8) }
        let failed = try s.call(caller, data: mode2(wideAt))
        #expect(failed.status == .success && failed.output == ABI.word(2), "\(failed.status)")
        let fine = try s.call(caller, data: mode2(smallAt))
        #expect(fine.status == .success && fine.output == ABI.word(0), "\(fine.status)")
        #expect(s.boot.guestMemoryInUse == 0)
    }

    /// A store that changes code bytes (a writable code page) makes the core re-decode the slot
    /// and walk back through its block, up to a page of slots: it costs `riscvCodeStore` on top
    /// of a store. At a plain store's price (8 ergs then), 30M gas of such stores used to take over
    /// half an hour; the frame now runs out of gas instead.
    ///
    /// Stores into an executable page that holds no instruction (the .bss or .data of a
    /// read-write-execute segment, as GNU ld links by default) are plain stores: such a page
    /// is re-decoded, once, only when something runs there again (see below).
    @Test(arguments: [true, false])
    func storesThatChangeCodePayForTheRedecode(intoCodePage: Bool) throws {
        let s = ContractSession()
        let iterations: Int32 = 100
        // sw rs2, 0x700(t0): 0x10700 is in the first page, among instructions; 0x11700 in the
        // second, which holds none.
        let sw = { (rs2: UInt32) in RVAsm.s(0x700, rs2, 5, 2, 0x23) }
        let code: [UInt32] = [
            RVAsm.bne(10, 0, 40),  // the constructor returns at once
            RVAsm.lui(5, intoCodePage ? 0x10 : 0x11),
            RVAsm.li(6, 0x13),  // t1 = nop
            RVAsm.lui(7, 0x100), RVAsm.addi(7, 7, 0x93),  // t2 = addi ra, zero, 1
            RVAsm.li(28, iterations),
            sw(7), sw(6),  // two code changes per round
            RVAsm.addi(28, 28, -1), RVAsm.bne(28, 0, -12),
        ] + Self.returnEmpty
        let elf = TestELF(
            xlen: 64, entry: 0x10000,
            segments: [.init(vaddr: 0x10000, bytes: code.flatMap { TestELF.le32($0) }, memSize: 0x2000, flags: 7)]
        ).bytes
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        let r = try s.call(a, data: [])
        #expect(r.status == .success)
        let codeStoreGas = UInt64(GasSchedule.default.riscvCodeStore) / GasSchedule.default.ergsPerGas
        let changes = 2 * UInt64(iterations)
        // Besides the code stores: 100 rounds of two stores, an addi and a branch (2.5 gas a
        // round) and the writable segment's two pages (64 gas each).
        let paid = intoCodePage ? changes * codeStoreGas : 0
        #expect(r.gasUsed >= 21_000 + paid && r.gasUsed < 21_000 + paid + 500, "gas used \(r.gasUsed), code stores \(paid)")
        // Again on the pooled machine, its code restored from the template: the same.
        let again = try s.call(a, data: [])
        #expect(again.gasUsed == r.gasUsed)
    }

    /// Every frame starts from fresh copies of the image's writable pages (they are copied back
    /// when it ends), so each of them costs a heap page's gas: a contract with 512 KiB of .bss
    /// pays 128 pages more per call than one without, and fails when the gas cannot pay.
    @Test func writableImagePagesArePaidForPerFrame() throws {
        let s = ContractSession()
        let code = Self.returnEmpty.flatMap { TestELF.le32($0) }
        let plain = TestELF(xlen: 64, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: code, flags: 5)]).bytes
        let bss = TestELF(xlen: 64, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: code, flags: 5), .init(vaddr: 0x20000, bytes: [1], memSize: 512 << 10, flags: 6),
        ]).bytes
        let p = try #require(try s.deploy(plain, kind: .riscv).createdAddress)
        let b = try #require(try s.deploy(bss, kind: .riscv).createdAddress)
        let gp = try s.call(p, data: []), gb = try s.call(b, data: [])
        #expect(gp.status == .success && gb.status == .success)
        let perPage = GasSchedule.default.riscvPageErgs / GasSchedule.default.ergsPerGas
        #expect(gb.gasUsed - gp.gasUsed == 128 * perPage)
        // Too little gas for the pages: the frame fails before its first instruction.
        let short = try s.call(b, data: [], gas: gp.gasUsed + 64 * perPage)
        #expect(short.status == .failure(.outOfResources))
    }

    /// A new frame machine copies the image's pages that are not all zero (its own memory is
    /// zero); read-only ones beyond 64 KiB cost a heap page's gas per frame, as writable ones
    /// do. A review found 800 KiB of read-only zero-fill copied into every new machine of a
    /// deep self-call for free (3.5 us of CPU per gas): nothing copies zero pages now, and 96
    /// KiB of read-only data pays for what passes the free part. Read-only zero fill costs a
    /// page's gas per frame all the same (thirty-sixth session: a later review read a byte a
    /// page of 56 MiB of it at 350 ns per gas, each read faulting a page in).
    @Test func readOnlyImagePagesArePaidForWhenNewMachinesCopyThem() throws {
        let s = ContractSession()
        let code = Self.returnEmpty.flatMap { TestELF.le32($0) }
        func image(_ extra: TestELF.Segment?) -> Bytes {
            TestELF(xlen: 64, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: code, flags: 5)] + (extra.map { [$0] } ?? [])).bytes
        }
        let plain = try #require(try s.deploy(image(nil), kind: .riscv).createdAddress)
        let zeros = try #require(try s.deploy(image(.init(vaddr: 0x20000, bytes: [0], memSize: 768 << 10, flags: 4)), kind: .riscv).createdAddress)
        let data = try #require(try s.deploy(image(.init(vaddr: 0x20000, bytes: Bytes(repeating: 7, count: 96 << 10), flags: 4)), kind: .riscv).createdAddress)
        let gp = try s.call(plain, data: []), gz = try s.call(zeros, data: []), gd = try s.call(data, data: [])
        #expect(gp.status == .success && gz.status == .success && gd.status == .success)
        let perPage = GasSchedule.default.riscvPageErgs / GasSchedule.default.ergsPerGas
        // 768 KiB: one page with the file's byte (read-only data, within the free 64 KiB),
        // 191 of zero fill.
        #expect(gz.gasUsed - gp.gasUsed == 191 * perPage, "\(gz.gasUsed) \(gp.gasUsed)")
        // Its code page and the 24 pages of data: 25 read-only pages, 9 beyond the free 16.
        #expect(gd.gasUsed - gp.gasUsed == 9 * perPage)
    }

    /// A system call that writes into code makes the host re-decode what it wrote, so it pays
    /// `riscvCodeStore` per 32-byte word of it, as a guest store that changes code does per
    /// store. A review found CALLDATA_COPY rewriting 128 KiB of code at 3 gas a word (60-80 ns
    /// of CPU per gas). The same copy into the stack, or into a page of the writable code
    /// segment that holds no instruction (the globals of an image linked `-Wl,-N`), pays nothing
    /// extra: nothing is re-decoded there (such a page is checked when it runs).
    @Test func systemCallWritesIntoCodePayForTheRedecode() throws {
        let s = ContractSession()
        enum Target { case code, dataPage, stack }
        // calldata_copy(dest, 0, 64), then return(0, 0).
        func contract(_ t: Target) throws -> Address {
            var code: [UInt32] = [RVAsm.bne(10, 0, 32)]  // the constructor returns at once
            switch t {
            case .code: code += [RVAsm.lui(10, 0x10), RVAsm.addi(10, 10, 0x700)]  // the code's page
            case .dataPage: code += [RVAsm.lui(10, 0x11), RVAsm.addi(10, 10, 0x700)]  // no instruction
            case .stack: code += [RVAsm.addi(10, 2, -128), RVAsm.addi(0, 0, 0)]
            }
            code += [RVAsm.li(11, 0), RVAsm.li(12, 64), RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 3), RVAsm.ecall]
            code += Self.returnEmpty
            let elf = TestELF(
                xlen: 64, entry: 0x10000,
                segments: [.init(vaddr: 0x10000, bytes: code.flatMap { TestELF.le32($0) }, memSize: 0x2000, flags: 7)]
            ).bytes
            return try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        }
        let data = Bytes(repeating: 0x13, count: 64)
        let inCode = try s.call(try contract(.code), data: data)
        let inData = try s.call(try contract(.dataPage), data: data)
        let inStack = try s.call(try contract(.stack), data: data)
        #expect(inCode.status == .success && inData.status == .success && inStack.status == .success)
        let codeStoreGas = UInt64(GasSchedule.default.riscvCodeStore) / GasSchedule.default.ergsPerGas
        #expect(inCode.gasUsed - inStack.gasUsed == 2 * codeStoreGas, "in code \(inCode.gasUsed), in the stack \(inStack.gasUsed)")
        #expect(inData.gasUsed == inStack.gasUsed)
    }

    /// Code that a system call writes into a page without instructions (not re-decoded then)
    /// runs as written: the page's slots are checked against its words when it runs.
    @Test func codeWrittenBySystemCallIntoAnInstructionFreePageRuns() throws {
        let s = ContractSession()
        let sd = { (rs2: UInt32, off: Int32) in RVAsm.s(off, rs2, 2, 3, 0x23) }  // sd rs2, off(sp)
        let code: [UInt32] = [
            RVAsm.bne(10, 0, 56),  // the constructor returns at once
            RVAsm.lui(10, 0x11), RVAsm.li(11, 0), RVAsm.li(12, 8), RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 3),
            RVAsm.ecall,  // calldata_copy(0x11000, 0, 8)
            RVAsm.lui(5, 0x11), RVAsm.jalr(1, 5, 0),  // call 0x11000
            sd(15, -8), RVAsm.addi(10, 2, -8), RVAsm.li(11, 8), RVAsm.lui(17, 0x10),
            RVAsm.ecall,  // return(sp - 8, 8): a5
        ] + Self.returnEmpty
        #expect(code.count == 18)
        let elf = TestELF(
            xlen: 64, entry: 0x10000,
            segments: [.init(vaddr: 0x10000, bytes: code.flatMap { TestELF.le32($0) }, memSize: 0x2000, flags: 7)]
        ).bytes
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        for v: Int32 in [42, 7] {
            let r = try s.call(a, data: TestELF.le32(RVAsm.li(15, v)) + TestELF.le32(RVAsm.jalr(0, 1, 0)))
            #expect(r.status == .success, "\(r.status)")
            #expect(r.output == [UInt8(v)] + Bytes(repeating: 0, count: 7))
        }
    }

    /// Zero-length ranges never touch guest memory, wherever they point (as in the EVM, where a
    /// zero-length range costs nothing and reads nothing): keccak256 of 0 bytes, a log without
    /// topics or data and return(p, 0) succeed with pointers far outside memory, on both XLENs.
    /// A frame that runs out of stack fails with a reason that says so: a fault between the
    /// stack's floor and the heap's limit (a review saw only "store access fault at pc ...
    /// (address ...)").
    /// A fault elsewhere does not get the note.
    @Test func stackOverflowIsNamedInTheFailure() throws {
        let source = """
            #include "eekit.h"
            static volatile int sink;
            static int deep(int n) { volatile char pad[512]; pad[0] = (char)n; sink = pad[0]; return n ? deep(n + 1) + 1 : 0; }
            void eekit_main(int is_constructor) {
              if (is_constructor) return;
              if (eek_calldata_size() == 1) *(volatile int *)0x10 = 1;  /* unmapped page 0 */
              sink = deep(1);
            }
            """
        let s = ContractSession()
        let a = Address(low: 0x5ac)
        try s.install(try Fixtures.contract(source), kind: .riscv, at: a)
        let r = try s.call(a, data: [])
        guard case .failure(.trap(let why)) = r.status else { Issue.record("\(r.status)"); return }
        #expect(why.hasPrefix("store access fault") && why.hasSuffix(": below the stack (a stack overflow; 64 KiB of stack)"), "\(why)")
        let other = try s.call(a, data: [1])
        guard case .failure(.trap(let plain)) = other.status else { Issue.record("\(other.status)"); return }
        #expect(plain.hasPrefix("store access fault") && !plain.contains("stack"), "\(plain)")
    }

    @Test(arguments: [32, 64]) func zeroLengthRangesIgnoreTheirPointers(xlen: Int) throws {
        let s = ContractSession()
        let bad: UInt64 = xlen == 64 ? 0xdead_beef_0000 : 0xfff0_0000
        func sys(_ n: Int32) -> [UInt32] { [RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, n)] }
        var code = RVAsm.loadConstant(10, bad, xlen: xlen) + [RVAsm.li(11, 0), RVAsm.addi(12, 2, -64)] + sys(0xE)
        code += [RVAsm.ecall]  // keccak256(bad, 0, sp - 64)
        code += RVAsm.loadConstant(10, bad, xlen: xlen) + [RVAsm.li(11, 0)] + RVAsm.loadConstant(12, bad, xlen: xlen)
        code += [RVAsm.li(13, 0)] + sys(0xD) + [RVAsm.ecall]  // log(bad, 0 topics, bad, 0)
        code += [RVAsm.addi(10, 2, -64), RVAsm.li(11, 32)] + sys(0) + [RVAsm.ecall]  // return(sp - 64, 32)
        let hasher = try #require(try s.deploy(TestELF.program(xlen: xlen, code: code).bytes, kind: .riscv).createdAddress)
        let r = try s.call(hasher, data: [])
        #expect(r.status == .success, "\(r.status)")
        #expect(r.output == Keccak.hash([]).bytes)
        #expect(r.logs.count == 1 && r.logs.first?.topics.isEmpty == true && r.logs.first?.data.isEmpty == true)

        let empty = RVAsm.loadConstant(10, bad, xlen: xlen) + [RVAsm.li(11, 0)] + sys(0) + [RVAsm.ecall]
        let quiet = try #require(try s.deploy(TestELF.program(xlen: xlen, code: empty).bytes, kind: .riscv).createdAddress)
        let q = try s.call(quiet, data: [])
        #expect(q.status == .success && q.output.isEmpty, "\(q.status)")
    }

    /// RETURNDATA_COPY past the end of the returndata fails even with length 0 (EIP-211); at
    /// offset 0 it succeeds, wherever the destination points.
    @Test(arguments: [32, 64]) func returndataCopyPastTheEndFailsEvenWhenEmpty(xlen: Int) throws {
        let s = ContractSession()
        let bad: UInt64 = xlen == 64 ? 1 << 63 : 0xffff_fff0
        func program(offset: Int32) -> Bytes {
            let code = RVAsm.loadConstant(10, bad, xlen: xlen) + [RVAsm.li(11, offset), RVAsm.li(12, 0)]
                + SelfDestructTests.sys(0x10) + [RVAsm.ecall, RVAsm.li(10, 0), RVAsm.li(11, 0)]
                + SelfDestructTests.sys(0) + [RVAsm.ecall]
            return TestELF.program(xlen: xlen, code: code).bytes
        }
        let a = Address(low: 0x1111), b = Address(low: 0x2222)
        s.world.setAccount(a, Account(nonce: 1, kind: .riscv, code: program(offset: 1)))
        s.world.setAccount(b, Account(nonce: 1, kind: .riscv, code: program(offset: 0)))
        try s.world.commit()
        guard case .failure = try s.call(a, data: []).status else { Issue.record("offset 1 of 0 bytes succeeded"); return }
        #expect(try s.call(b, data: []).status == .success)
    }
}
