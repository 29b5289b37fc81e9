@testable import EEKit
import EEKitTestSupport
import Testing

/// Found by a second mutation-testing round on native-contract deployment validation
/// (ContractImage.Layout, ContractELF.length, RISCVEnvironment.prepareDeployment): each test
/// pins a rule of Contracts/README.md, the README's Limits or the ELF gABI that a mutation
/// broke without any test noticing.
@Suite struct ELFDeployMutationRound2Tests {
    /// return(0, 0)
    static let returnEmpty: [UInt32] = [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]
    static let valid = TestELF.program(xlen: 64, code: returnEmpty)

    func put(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt64, _ n: Int) {
        for i in 0..<n { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    func lengthError(_ b: Bytes) -> ELFError? {
        do { _ = try ContractELF.length(of: b) } catch { if case .elf(let e) = error { return e } }
        return nil
    }

    /// README (Limits): "as a native contract a PIE is refused unless it is linked at 0x10000";
    /// one linked at 0x20000 would move by -0x10000 (nothing caught dropping the refusal).
    @Test func positionIndependentContractLinkedElsewhereIsRefused() {
        var e = Self.valid
        e.type = 3
        e.segments[0].vaddr = 0x20000
        e.entry = 0x20000
        #expect(throws: EEError.elf(.positionIndependentContract(bias: 0x10000 &- 0x20000))) {
            try ContractSession().deploy(e.bytes, kind: .riscv)
        }
    }

    /// A dynamically linked ELF (PT_INTERP) is refused at deployment as at `rv run` (nothing
    /// caught dropping the deployment's own check).
    @Test func dynamicallyLinkedContractIsRefused() {
        var e = Self.valid
        e.segments.append(.init(vaddr: 0x30000, bytes: Array("/lib/ld-linux-riscv64-lp64.so.1\0".utf8), flags: 4, type: 3))
        #expect(throws: EEError.elf(.needsInterpreter)) { try ContractSession().deploy(e.bytes, kind: .riscv) }
        // Refused before anything is charged or built (Contracts/README.md: deployment data that
        // fails validation gets a typed error), also when the constructor's gas could not pay
        // for a large image: left to the machine's placement, it failed for gas instead.
        let code = Self.returnEmpty.flatMap { TestELF.le32($0) }
        let large = TestELF(xlen: 64, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: code, memSize: 3 << 20, flags: 7),
            .init(vaddr: 0x40_0000, bytes: Array("/lib/ld.so\0".utf8), flags: 4, type: 3),
        ])
        #expect(throws: EEError.elf(.needsInterpreter)) {
            try ContractSession().deploy(large.bytes, kind: .riscv, gas: 100_000)
        }
    }

    /// Contracts/README.md: a contract's code range "is at most 4 MiB (32 MiB decoded)": exactly
    /// 4 MiB is accepted, a page more refused (a strict bound survived).
    @Test func codeRangeOfExactlyFourMiBIsAccepted() throws {
        let settings = ContractImage.Settings(RISCVEnvironment.Configuration(), schedule: .default)
        let code = Self.returnEmpty.flatMap { TestELF.le32($0) }
        for (size, ok) in [(UInt64(4 << 20), true), ((4 << 20) + 4096, false)] {
            let elf = TestELF(xlen: 64, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: code, memSize: size, flags: 7)])
            do {
                _ = try ContractImage.Layout(elf: elf.bytes, settings: settings)
                #expect(ok, "a code range of \(size) bytes was accepted")
            } catch {
                guard case .elf(.codeRangeTooLarge(_, _, let decoded, let limit)) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(!ok && decoded == size * 8 && limit == 32 << 20, "\(size): \(decoded) \(limit)")
            }
        }
    }

    /// Contracts/README.md: memory grows to the image, the stack region and 1 MiB of heap "at
    /// most maxMemorySize", and "an image that needs nearly all of the 64 MiB keeps only what is
    /// left for its heap, down to none: it deploys"; an image that leaves "at least 64 KiB of
    /// heap" in the configured memory keeps it. Both bounds are inclusive (strict ones survived).
    @Test func memoryBoundsAreInclusive() {
        let mib: UInt64 = 1 << 20
        #expect(ContractImage.memory(needed: 64 * mib, memorySize: mib, maxMemorySize: 64 * mib) == 64 * mib)
        #expect(ContractImage.memory(needed: 64 * mib + 1, memorySize: mib, maxMemorySize: 64 * mib) == nil)
        #expect(ContractImage.memory(needed: mib - (64 << 10), memorySize: mib, maxMemorySize: 64 * mib) == mib)
        #expect(ContractImage.memory(needed: mib - (64 << 10) + 1, memorySize: mib, maxMemorySize: 64 * mib) == 2 * mib)
    }

    /// The heap starts at the image's end rounded up to a page (Linux: start_brk =
    /// ELF_PAGEALIGN(end of .bss)); an image ending on a page boundary starts it right there,
    /// not a page later (rounding end + page survived: only unaligned ends were tested).
    @Test func heapStartsAtAPageAlignedImageEnd() throws {
        let settings = ContractImage.Settings(RISCVEnvironment.Configuration(), schedule: .default)
        let code = Self.returnEmpty.flatMap { TestELF.le32($0) }
        for (memSize, brk) in [(UInt64(0x1000), UInt64(0x11000)), (0x1004, 0x12000), (0x2000, 0x12000)] {
            let elf = TestELF(xlen: 64, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: code, memSize: memSize, flags: 7)])
            let layout = try ContractImage.Layout(elf: elf.bytes, settings: settings)
            #expect(layout.brkStart == brk, "image end 0x\(String(0x10000 + memSize, radix: 16))")
        }
    }

    /// Contracts/README.md: the stored code is "at most 256 KiB": an ELF of exactly 262,144
    /// bytes passes the size check, one byte more is refused (a strict bound survived).
    @Test func elfOfExactly256KiBPassesTheCodeLimit() throws {
        let base = TestELF.program(xlen: 64, code: Self.returnEmpty, data: [1]).bytes.count - 1
        for (size, ok) in [(256 << 10, true), ((256 << 10) + 1, false)] {
            let elf = TestELF.program(xlen: 64, code: Self.returnEmpty, data: Bytes(repeating: 7, count: size - base)).bytes
            #expect(elf.count == size)
            do {
                _ = try ContractSession().deploy(elf, kind: .riscv)
                #expect(ok, "an ELF of \(size) bytes was not refused")
            } catch {
                guard case .invalidCode(let why) = error else {
                    Issue.record("\(size): \(error)")
                    continue
                }
                #expect(!ok && why.contains("exceeds the RISC-V code limit of 262144"), "\(size): \(why)")
            }
        }
    }

    /// ContractELF.length reads "a 32- or 64-bit little-endian ELF": another class byte or a
    /// big-endian file gets the loader's typed errors, not a reading as ELF64 (which survived).
    @Test func lengthRefusesOtherClassesAndBigEndian() {
        var b = Self.valid.bytes
        for cls: UInt8 in [0, 3] {
            b[4] = cls
            #expect(lengthError(b) == .wrongClass(cls))
        }
        b = Self.valid.bytes
        b[5] = 2  // ELFDATA2MSB
        #expect(lengthError(b) == .wrongEndianness)
    }

    /// An ELF header cut short is truncated, for either class (reading the fields of a cut
    /// header went past the data).
    @Test func cutHeaderIsTruncated() {
        for xlen in [64, 32] {
            var e = Self.valid
            e.xlen = xlen
            for n in [16, 40, xlen == 64 ? 63 : 51] {
                #expect(lengthError(Array(e.bytes.prefix(n))) == .truncated("ELF header"), "rv\(xlen) \(n) bytes")
            }
        }
    }

    /// gABI: the program header table occupies e_phnum * e_phentsize bytes; a table placed
    /// last in the file ends the ELF, and the constructor arguments start after its last entry.
    @Test func programHeaderTableAtTheEndOfTheFileEndsTheELF() throws {
        for xlen in [64, 32] {
            var e = TestELF.program(xlen: xlen, code: Self.returnEmpty, data: [1, 2, 3])
            e.xlen = xlen
            var elf = e.bytes
            let phoff = xlen == 64 ? 64 : 52, size = (xlen == 64 ? 56 : 32) * 2
            let table = Array(elf[phoff..<(phoff + size)])
            let at = elf.count
            elf += table
            put(&elf, xlen == 64 ? 32 : 28, UInt64(at), xlen / 8)  // e_phoff
            #expect(try ContractELF.length(of: elf + [9, 9, 9]) == elf.count, "rv\(xlen)")
            #expect(try ELFImage(bytes: elf).segments.count == 2, "rv\(xlen)")
        }
    }

    /// gABI: a section of size 0 occupies no bytes of the file, wherever sh_offset points; its
    /// header still counts. And a section header table with entries smaller than Elf64_Shdr is
    /// refused, not read past its entries.
    @Test func emptySectionsTakeNoFileBytesAndShortSectionHeadersAreRefused() throws {
        var elf = ContractImageUnitTests.elf64(code: [0x73, 0x00, 0x10, 0x00])
        let shoff = elf.count
        var section = Bytes(repeating: 0, count: 64)
        section[4] = 1  // SHT_PROGBITS
        put(&section, 24, 0x7fff_fff0, 8)  // sh_offset, far past the file
        elf += section  // sh_size 0
        put(&elf, 40, UInt64(shoff), 8)  // e_shoff
        elf[60] = 1  // e_shnum
        #expect(try ContractELF.length(of: elf + [1, 2, 3]) == elf.count)
        for entrySize: UInt8 in [0, 40, 63] {  // Elf64_Shdr is 64 bytes (40 is Elf32_Shdr)
            var short = elf
            short[58] = entrySize  // e_shentsize
            short[59] = 0
            #expect(lengthError(short + [1, 2, 3]) == .truncated("section header size"), "e_shentsize \(entrySize)")
        }
    }

    /// A PT_DYNAMIC whose file range lies outside the file (ELFImage checks only PT_LOAD
    /// ranges) is refused with a typed error when the static PIE's relocations are read, not
    /// read past the file's end (dropping the check survived). A deployment meets
    /// ContractELF.length's check first; code that reaches an image otherwise (state written
    /// directly, a genesis) meets this one.
    @Test func dynamicSegmentOutsideTheFileIsRefused() {
        let settings = ContractImage.Settings(RISCVEnvironment.Configuration(), schedule: .default)
        let ph2 = 64 + 2 * 56
        for (offset, size) in [(UInt64(0x7fff_0000), UInt64(64)), (0x2000, 0x7fff_0000)] {
            var elf = ContractLinkingTests.relocated(type: 3)
            put(&elf, ph2 + 8, offset, 8)  // PT_DYNAMIC's p_offset
            put(&elf, ph2 + 32, size, 8)  // p_filesz
            #expect(lengthError(elf) != nil)
            let result = Result { () throws(EEError) -> ContractImage.Layout in try ContractImage.Layout(elf: elf, settings: settings) }
            guard case .failure(.elf(.dynamicRelocation(let why))) = result else {
                Issue.record("offset 0x\(String(offset, radix: 16)) size 0x\(String(size, radix: 16)): \(result)")
                continue
            }
            #expect(why == "PT_DYNAMIC lies outside the file")
        }
    }

    /// A 64-bit p_offset + p_filesz that wraps past 2^64 does not end inside the data: the ELF
    /// is truncated (dropping the overflow test survived).
    @Test func segmentRangeThatWrapsIsTruncated() {
        var e = Self.valid
        e.segments.append(.init(vaddr: 0x20000, bytes: Bytes(repeating: 1, count: 16), flags: 6))
        var b = e.bytes
        let ph1 = 64 + 56
        put(&b, ph1 + 8, 0xffff_ffff_ffff_fff0, 8)  // p_offset
        put(&b, ph1 + 32, 0x20, 8)  // p_filesz: the end wraps to 0x10
        guard case .truncated(let what)? = lengthError(b) else {
            Issue.record("\(String(describing: lengthError(b)))")
            return
        }
        #expect(what.hasPrefix("segment 1"))
    }
}
