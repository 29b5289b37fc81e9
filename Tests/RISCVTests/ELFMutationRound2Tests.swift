import EEKit
import EEKitTestSupport
import Testing

/// Found by a second mutation-testing round on the ELF loader's validation (ELFImage,
/// RISCVProcess): each test pins a rule of the System V gABI, the RISC-V psABI or Linux's
/// loader (binfmt_elf) that a mutation of the loader broke without any test noticing.
struct ELFMutationRound2Tests {
    static let valid = TestELF.program(xlen: 64, code: [RVAsm.li(10, 0), RVAsm.li(17, 93), RVAsm.ecall])

    func error(_ bytes: [UInt8]) -> ELFError? {
        do {
            _ = try ELFImage(bytes: bytes)
            return nil
        } catch {
            if case .elf(let e) = error { return e }
            Issue.record("not an ELF error: \(error)")
            return nil
        }
    }

    /// Writes `value` little-endian into `n` bytes at `offset`.
    func put(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt64, _ n: Int) {
        for i in 0..<n { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    /// gABI: an ELF file starts with the four bytes 0x7f 'E' 'L' 'F'. A file whose fourth byte
    /// differs is not an ELF, however short it is (without the loader's own check of byte 3, a
    /// short one was reported truncated; libelf only refuses longer ones).
    @Test func fourthMagicByteMatters() {
        for n in [4, 8, 15, 16, 64] {
            var b = Self.valid.bytes
            b[3] = 0x58  // 'X'
            #expect(error(Array(b.prefix(n))) == .notELF, "\(n) bytes")
        }
        // The identification is 16 bytes (EI_NIDENT): a file with the magic cut inside them is
        // truncated there, before its class is read.
        for n in [4, 6, 15] {
            #expect(error(Array(Self.valid.bytes.prefix(n))) == .truncated("identification"), "\(n) bytes")
        }
    }

    /// psABI: EF_RISCV_FLOAT_ABI is the two bits 0x6: SINGLE (0x2), DOUBLE (0x4) and QUAD (0x6)
    /// all pass floating-point arguments in F registers, which RV32IM/RV64IM code lacks. The
    /// existing test tried DOUBLE only (a mask of 0x4 survived).
    @Test func everyFloatABIIsRefused() {
        for flags: UInt32 in [0x2, 0x4, 0x6] {
            for xlen in [32, 64] {
                var e = Self.valid
                e.xlen = xlen
                e.eFlags = flags
                #expect(error(e.bytes) == .unsupportedFloatABI(flags), "rv\(xlen) e_flags \(flags)")
            }
        }
        // EF_RISCV_TSO (0x10) says nothing about the ABI: such a file loads.
        var tso = Self.valid
        tso.eFlags = 0x10
        #expect(error(tso.bytes) == nil)
    }

    /// gABI e_type: only ET_EXEC (2) and ET_DYN (3) are executables; ET_NONE (0), ET_REL (1),
    /// ET_CORE (4) and the OS/processor-specific ranges are not (only ET_REL was tried).
    /// psABI: EF_RISCV_RVC means the same in ELF32 and ELF64 files (only RV64 was tried).
    @Test func otherFileTypesAndRV32CompressedCodeAreRefused() {
        for xlen in [32, 64] {
            for type: UInt16 in [0, 1, 4, 0xfe00, 0xff00] {
                var e = Self.valid
                e.xlen = xlen
                e.type = type
                #expect(error(e.bytes) == .notExecutable(type), "rv\(xlen) e_type \(type)")
            }
            var c = Self.valid
            c.xlen = xlen
            c.eFlags = 0x1  // EF_RISCV_RVC
            #expect(error(c.bytes) == .compressedInstructions, "rv\(xlen)")
        }
    }

    /// gABI: the program header table is e_phnum entries of e_phentsize bytes at e_phoff; a
    /// file may end right after it (a segment without file bytes maps nothing from the file).
    /// A bound of "ends before the file's end" survived.
    @Test func fileMayEndAtTheEndOfTheProgramHeaders() throws {
        for xlen in [32, 64] {
            var e = TestELF(xlen: xlen, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: [], memSize: 0x1000, flags: 5)])
            e.xlen = xlen
            let end = xlen == 64 ? 64 + 56 : 52 + 32
            let bytes = Array(e.bytes.prefix(end))
            let image = try ELFImage(bytes: bytes)
            #expect(image.segments.count == 1 && image.segments[0].memSize == 0x1000, "rv\(xlen)")
            // One byte less cuts the table.
            guard case .truncated? = error(Array(bytes.dropLast())) else {
                Issue.record("rv\(xlen) cut table: \(String(describing: error(Array(bytes.dropLast()))))")
                continue
            }
        }
    }

    /// gABI: PT_TLS's p_memsz is the thread-local template's size; a template of .tbss alone
    /// has p_filesz 0 and is thread-local storage all the same (a test of p_filesz survived).
    @Test func zeroInitialisedThreadLocalsAreThreadLocalStorage() throws {
        var e = Self.valid
        e.segments.append(.init(vaddr: 0x20000, bytes: [], memSize: 8, flags: 4, type: 7))  // PT_TLS
        #expect(try ELFImage(bytes: e.bytes).hasThreadLocalStorage)
    }

    /// gABI: "p_vaddr should equal p_offset, modulo p_align" (Linux and qemu map whole pages:
    /// 4 KiB). An offset 1 KiB off the address is refused, not only one 4 bytes off (a check
    /// modulo 1 KiB survived).
    @Test func offsetOneKiBOffTheAddressIsMisaligned() {
        for xlen in [32, 64] {
            var e = Self.valid
            e.xlen = xlen
            var bytes = e.bytes
            let at = xlen == 64 ? 64 + 8 : 52 + 4  // segment 0's p_offset (0x1000)
            put(&bytes, at, 0x1000 - 0x400, xlen / 8)
            #expect(error(bytes) == .segmentMisaligned(index: 0), "rv\(xlen)")
        }
    }

    /// A 64-bit p_offset + p_filesz that wraps past 2^64 is outside the file, not a small
    /// offset inside it (dropping the overflow test survived; the copy would then read far out
    /// of the file).
    @Test func segmentFileRangeThatWrapsIsRefused() {
        var e = Self.valid
        e.segments.append(.init(vaddr: 0x20000, bytes: Bytes(repeating: 1, count: 16), memSize: 0x2000, flags: 6))
        var bytes = e.bytes
        let ph1 = 64 + 56
        put(&bytes, ph1 + 8, 0xffff_ffff_ffff_f000, 8)  // p_offset: congruent with 0x20000
        put(&bytes, ph1 + 32, 0x2000, 8)  // p_filesz: offset + filesz wraps to 0x1000
        #expect(error(bytes) == .segmentFileRange(index: 1))
    }

    /// A PT_LOAD with p_memsz 0 maps nothing (Linux's elf_map returns at once for a zero
    /// size; qemu skips it), so it overlaps nothing even inside another segment (keeping it in
    /// the overlap check survived).
    @Test func emptyLoadSegmentInsideAnotherIsIgnored() throws {
        for xlen in [32, 64] {
            var e = Self.valid
            e.xlen = xlen
            e.segments.append(.init(vaddr: 0x10004, bytes: [], memSize: 0, flags: 6))
            let image = try ELFImage(bytes: e.bytes)
            #expect(image.segments.count == 1, "rv\(xlen)")
            #expect(try RISCVPlainRunner.run(elf: e.bytes, arguments: []).stop == .exited(0), "rv\(xlen)")
        }
    }

    /// A static PIE (ET_DYN with a nonzero entry) whose entry is outside its code is an
    /// executable with a bad entry point, not a shared object: only an ET_DYN whose entry is 0
    /// and not code is one (README, Limits).
    @Test func positionIndependentEntryOutsideCodeIsNotASharedObject() {
        var e = Self.valid
        e.type = 3
        e.segments.append(.init(vaddr: 0x20000, bytes: [1, 2, 3, 4], flags: 6))
        e.entry = 0x20000
        #expect(error(e.bytes) == .entryNotExecutable(0x20000))
    }

    /// A PT_INTERP without file bytes still makes the file dynamically linked: Linux refuses
    /// such a header (p_filesz < 2: ENOEXEC) rather than running the file alone.
    @Test func emptyInterpreterHeaderIsRefused() {
        var e = Self.valid
        e.segments.append(.init(vaddr: 0x30000, bytes: [], memSize: 0, flags: 4, type: 3))
        #expect((try? ELFImage(bytes: e.bytes).needsInterpreter) == true)
        #expect(throws: EEError.elf(.needsInterpreter)) {
            try RISCVPlainRunner.run(elf: e.bytes, arguments: [])
        }
    }

    /// No program headers at all: the entry size is not read (gABI: e_phentsize describes the
    /// table's entries, and there are none), and the file is refused for what it lacks.
    @Test func withoutProgramHeadersTheEntrySizeIsNotChecked() {
        for xlen in [32, 64] {
            var e = Self.valid
            e.xlen = xlen
            e.segments = []
            e.phentsizeField = 0
            #expect(error(e.bytes) == .noLoadableSegments, "rv\(xlen)")
        }
    }

    /// RISCVProcess: the image, one page after it and the stack must fit (the heap's first
    /// page; README: the stack is a quarter of a 1 MiB memory, 256 KiB at 0xC0000). An image
    /// ending a page below the stack loads, one ending at the stack does not.
    @Test func imageNeedsAPageBeforeTheStack() throws {
        for (end, fits) in [(UInt64(0xBF000), true), (0xC0000, false)] {
            var e = Self.valid
            e.segments.append(.init(vaddr: 0x20000, bytes: [], memSize: end - 0x20000, flags: 6))
            let image = try ELFImage(bytes: e.bytes)
            let result = Result { () throws(EEError) -> RISCVProcess in
                try RISCVProcess(image: image, memorySize: 1 << 20, schedule: .instructionCounting)
            }
            switch result {
            case .success: #expect(fits, "image ending at 0x\(String(end, radix: 16)) loaded")
            case .failure(.elf(.imageTooLarge)): #expect(!fits, "image ending at 0x\(String(end, radix: 16)) refused")
            case .failure(let other): Issue.record("\(other)")
            }
        }
    }
}
