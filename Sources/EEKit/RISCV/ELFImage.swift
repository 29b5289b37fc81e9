import CElf

/// A static RISC-V executable, parsed and validated with libelf. No guest memory is
/// touched here: `RISCVProcess` (plain programs) and `ContractImage.Layout` (contracts) place
/// the image, `RISCVMachine` copies it in.
public struct ELFImage: Sendable {
    public struct Segment: Sendable, Equatable {
        public var vaddr: UInt64
        public var memSize: UInt64
        public var fileOffset: UInt64
        public var fileSize: UInt64
        public var readable: Bool
        public var writable: Bool
        public var executable: Bool
        /// Its index among the file's program headers (as ELF errors number segments).
        public var programHeader: Int = 0
    }

    /// 32 or 64.
    public let xlen: UInt32
    public let entry: UInt64
    public let segments: [Segment]
    /// What was added to the file's addresses (modulo 2^xlen): 0 for ET_EXEC, for a static PIE
    /// `dynamicBase` minus its lowest page. `entry` and `segments` are the placed addresses.
    public let loadBias: UInt64
    /// The program header table's address for AT_PHDR, as qemu-user computes it for ET_EXEC:
    /// the page of the lowest PT_LOAD address (after the move of a PIE) plus e_phoff (wrapping at xlen bits). Nil
    /// without PT_LOAD segments (such files are refused).
    public let phdrAddress: UInt64?
    public let phdrEntrySize: UInt64
    public let phdrCount: UInt64
    /// A PT_INTERP program header names a dynamic linker: the file is dynamically linked.
    /// Running it (`RISCVProcess`, a native contract) is refused (`ELFError.needsInterpreter`);
    /// disassembling it is fine.
    public let needsInterpreter: Bool
    /// A PT_TLS program header with a non-empty template: the program has thread-local
    /// variables, addressed from `tp` (refused for native contracts, whose `tp` is the frame block).
    public let hasThreadLocalStorage: Bool
    /// The PT_DYNAMIC segment's file range (a static PIE's relocation tables are found through it).
    public let dynamicSection: (offset: UInt64, size: UInt64)?
    /// ET_DYN: a position-independent executable.
    public let isPositionIndependent: Bool
    /// The file bytes (segments are copied from here).
    public let bytes: [UInt8]

    /// Where a position-independent executable (ET_DYN) is placed: its lowest page goes
    /// here, the address lld gives a static executable's first segment.
    public static let dynamicBase: UInt64 = 0x10000

    /// The end of the highest segment (where the brk heap starts, page aligned by the layout).
    public var imageEnd: UInt64 { segments.map { $0.vaddr + $0.memSize }.max() ?? 0 }

    /// Parses and validates `bytes` as a static RV32/RV64 ELF executable: ET_EXEC at its link
    /// addresses, or a static PIE (ET_DYN with an entry point) moved to `dynamicBase`.
    /// - Throws: `EEError.elf` naming what is wrong: not an ELF, truncated, wrong class,
    ///   machine or type, the RVC flag, a float ABI, bad or overlapping segments, an entry
    ///   point outside every executable segment.
    public init(bytes: [UInt8]) throws(EEError) {
        self.bytes = bytes
        guard bytes.count >= 4, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else {
            throw .elf(.notELF)
        }
        guard bytes.count >= 16 else { throw .elf(.truncated("identification")) }
        let cls = bytes[4]
        guard cls == 1 || cls == 2 else { throw .elf(.wrongClass(cls)) }
        guard bytes[5] == 1 else { throw .elf(.wrongEndianness) }
        let headerSize = cls == 1 ? 52 : 64
        guard bytes.count >= headerSize else { throw .elf(.truncated("ELF header")) }

        if elf_version(UInt32(EV_CURRENT)) == UInt32(EV_NONE) { throw .elf(.libelf("library initialisation failed")) }
        let parsed: Result<Parsed, ELFError> = bytes.withUnsafeBufferPointer { buf in
            // libelf takes a mutable pointer but, opened for reading, never writes through it.
            let base = UnsafeMutableRawPointer(mutating: buf.baseAddress!).assumingMemoryBound(to: CChar.self)
            guard let elf = elf_memory(base, buf.count) else {
                return .failure(.libelf(String(cString: elf_errmsg(-1))))
            }
            defer { elf_end(elf) }
            return ELFImage.parse(elf, fileSize: UInt64(buf.count))
        }
        let p: Parsed
        switch parsed {
        case .success(let v): p = v
        case .failure(let e): throw .elf(e)
        }
        xlen = p.xlen
        entry = p.entry
        segments = p.segments
        loadBias = p.loadBias
        phdrAddress = p.phdrAddress
        phdrEntrySize = p.phdrEntrySize
        phdrCount = p.phdrCount
        needsInterpreter = p.needsInterpreter
        hasThreadLocalStorage = p.hasThreadLocalStorage
        dynamicSection = p.dynamicSection
        isPositionIndependent = p.isPositionIndependent
    }

    private struct Parsed {
        var xlen: UInt32
        var entry: UInt64
        var segments: [Segment]
        var loadBias: UInt64
        var phdrAddress: UInt64?
        var phdrEntrySize: UInt64
        var phdrCount: UInt64
        var needsInterpreter: Bool
        var hasThreadLocalStorage = false
        var dynamicSection: (offset: UInt64, size: UInt64)?
        var isPositionIndependent = false
    }

    private static func parse(_ elf: OpaquePointer, fileSize: UInt64) -> Result<Parsed, ELFError> {
        guard elf_kind(elf) == ELF_K_ELF else { return .failure(.notELF) }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else { return .failure(.truncated("ELF header")) }
        let xlen: UInt32 = gelf_getclass(elf) == ELFCLASS32 ? 32 : 64
        guard ehdr.e_machine == UInt16(EM_RISCV) else { return .failure(.wrongMachine(ehdr.e_machine)) }
        // qemu-user refuses any other header size too (Linux does not check it). A 64-bit file
        // whose class byte says ELFCLASS32 is read with the 32-bit layout and fails here.
        guard ehdr.e_ehsize == (xlen == 32 ? 52 : 64) else { return .failure(.headerSize(ehdr.e_ehsize, xlen: Int(xlen))) }
        // ET_DYN is a position-independent executable (or a shared object, refused below for
        // its missing entry point); it is placed at `dynamicBase` as a whole.
        let dynamic = ehdr.e_type == UInt16(ET_DYN)
        guard ehdr.e_type == UInt16(ET_EXEC) || dynamic else {
            return .failure(.notExecutable(ehdr.e_type))
        }
        if ehdr.e_flags & UInt32(EF_RISCV_RVC) != 0 { return .failure(.compressedInstructions) }
        if ehdr.e_flags & UInt32(EF_RISCV_FLOAT_ABI) != 0 { return .failure(.unsupportedFloatABI(ehdr.e_flags)) }
        if ehdr.e_flags & 0x8 != 0 { return .failure(.embeddedABI) }  // EF_RISCV_RVE

        // The header's own count first: libelf quietly reports 0 program headers when the
        // table lies beyond the end of the file.
        var phnum = Int(ehdr.e_phnum)
        if phnum == 0xffff {  // PN_XNUM: the real count is in section 0
            guard elf_getphdrnum(elf, &phnum) == 0 else { return .failure(.truncated("program header count")) }
        }
        let phentsize = UInt64(ehdr.e_phentsize)
        // Linux (load_elf_phdrs) and qemu-user refuse any other entry size.
        guard phnum == 0 || phentsize == (xlen == 32 ? 32 : 56) else {
            return .failure(.programHeaderSize(ehdr.e_phentsize))
        }
        let (phEnd, o1) = ehdr.e_phoff.addingReportingOverflow(UInt64(phnum) &* phentsize)
        guard !o1, phnum < 65536, phEnd <= fileSize else { return .failure(.truncated("program headers")) }
        var available = 0
        guard phnum == 0 || (elf_getphdrnum(elf, &available) == 0 && available >= phnum) else {
            return .failure(.truncated("program headers"))
        }

        var segs: [Segment] = []
        var headerIndex: [Int] = []  // each segment's program header number, for the errors
        // AT_PHDR as qemu-user gives it for ET_EXEC: the page of the lowest PT_LOAD address
        // plus e_phoff, whether or not a segment covers the table.
        var loadAddress: UInt64? = nil
        var interpreter = false
        var threadLocal = false
        var dynamicSection: (offset: UInt64, size: UInt64)?
        let limit: UInt64 = xlen == 32 ? 1 << 32 : .max
        for i in 0..<phnum {
            var ph = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &ph) != nil else { return .failure(.truncated("program header \(i)")) }
            // Linux hands such a file to its interpreter (qemu-user too, and fails without it);
            // run alone, its calls into shared libraries would jump to address 0.
            if ph.p_type == UInt32(PT_INTERP) { interpreter = true }
            if ph.p_type == UInt32(PT_TLS), ph.p_memsz > 0 { threadLocal = true }
            if ph.p_type == UInt32(PT_DYNAMIC), ph.p_filesz > 0 { dynamicSection = (ph.p_offset, ph.p_filesz) }
            guard ph.p_type == UInt32(PT_LOAD) else { continue }
            loadAddress = min(loadAddress ?? .max, ph.p_vaddr & ~UInt64(4095))
            // Segments are mapped from whole file pages (as Linux and qemu map them), so the
            // offset and the address must agree within a page.
            // Not for a segment without file bytes: nothing of the file is mapped for it.
            guard (ph.p_vaddr &- ph.p_offset) % 4096 == 0 || ph.p_memsz == 0 || ph.p_filesz == 0 else {
                return .failure(.segmentMisaligned(index: i))
            }
            let (fend, fo) = ph.p_offset.addingReportingOverflow(ph.p_filesz)
            // A segment without file bytes maps nothing from the file (Linux's elf_map, qemu):
            // its offset is not checked against the file's size.
            guard ph.p_filesz == 0 || (!fo && fend <= fileSize), ph.p_filesz <= ph.p_memsz else {
                return .failure(.segmentFileRange(index: i))
            }
            if ph.p_memsz == 0 { continue }  // nothing to map (file bytes with memsz 0 are refused above)
            let (mend, mo) = ph.p_vaddr.addingReportingOverflow(ph.p_memsz)
            guard !mo, mend <= limit else {
                return .failure(.segmentOutOfRange(index: i, vaddr: ph.p_vaddr, size: ph.p_memsz))
            }
            let seg = Segment(
                vaddr: ph.p_vaddr, memSize: ph.p_memsz, fileOffset: ph.p_offset, fileSize: ph.p_filesz,
                // Writable implies readable: RISC-V page tables have no write-only pages, and
                // Linux and qemu map PF_W alone as read-write.
                readable: ph.p_flags & UInt32(PF_R | PF_W) != 0, writable: ph.p_flags & UInt32(PF_W) != 0,
                executable: ph.p_flags & UInt32(PF_X) != 0, programHeader: i)
            segs.append(seg)
            headerIndex.append(i)
        }
        guard !segs.isEmpty else { return .failure(.noLoadableSegments) }
        let order = segs.indices.sorted { segs[$0].vaddr < segs[$1].vaddr }
        for k in 1..<max(order.count, 1) {
            let a = segs[order[k - 1]], b = segs[order[k]]
            if a.vaddr + a.memSize > b.vaddr {
                return .failure(.overlappingSegments(headerIndex[order[k - 1]], headerIndex[order[k]]))
            }
        }
        // Checked at the file's own addresses, so that errors name what the file says.
        let fileEntry = ehdr.e_entry
        func runsCode(at address: UInt64) -> Bool {
            segs.contains { $0.executable && address >= $0.vaddr && address < $0.vaddr + $0.memSize }
        }
        // ET_DYN whose entry is 0 and not code: a shared object (lld and ld link them so).
        if dynamic && fileEntry == 0 && !runsCode(at: 0) { return .failure(.notExecutable(ehdr.e_type)) }
        guard fileEntry % 4 == 0 else { return .failure(.entryMisaligned(fileEntry)) }
        guard runsCode(at: fileEntry) else { return .failure(.entryNotExecutable(fileEntry)) }
        var entry = fileEntry, bias: UInt64 = 0
        if dynamic {
            // Linux adds one load bias to every address of an ET_DYN image and leaves the
            // relocations to the program (a static PIE's start-up code applies its own
            // R_RISCV_RELATIVE entries); a dynamically linked PIE is refused when placed
            // (needsInterpreter). The bias is fixed, so runs are reproducible. The image keeps
            // its span from `dynamicBase` up; one that does not fit below the top of the
            // address space is refused (nothing wraps around to page 0).
            let mask: UInt64 = xlen == 32 ? 0xffff_ffff : .max
            let low = segs.map { $0.vaddr & ~UInt64(4095) }.min()!
            for i in segs.indices {
                let (v, o1) = dynamicBase.addingReportingOverflow(segs[i].vaddr - low)
                let (end, o2) = v.addingReportingOverflow(segs[i].memSize)
                guard !o1, !o2, end <= limit else {
                    return .failure(.segmentOutOfRange(index: headerIndex[i], vaddr: segs[i].vaddr, size: segs[i].memSize))
                }
                segs[i].vaddr = v
            }
            bias = (dynamicBase &- low) & mask
            entry = (entry &+ bias) & mask
            loadAddress = loadAddress.map { ($0 &+ bias) & mask }
        }
        return .success(
            Parsed(
                xlen: xlen, entry: entry, segments: segs, loadBias: bias,
                phdrAddress: loadAddress.map { ($0 &+ ehdr.e_phoff) & (xlen == 32 ? 0xffff_ffff : .max) },
                phdrEntrySize: phentsize, phdrCount: UInt64(phnum), needsInterpreter: interpreter,
                hasThreadLocalStorage: threadLocal, dynamicSection: dynamicSection, isPositionIndependent: dynamic))
    }
}
