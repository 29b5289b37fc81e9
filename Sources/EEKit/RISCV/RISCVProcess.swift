#if canImport(Glibc)
    import Glibc
#endif
/// An ELF image placed in a fresh `RISCVMachine`: segments copied with their page
/// permissions, .bss zeroed, the decoded cache built, a stack at the top of memory and a
/// brk heap after the image.
///
/// Memory map (guest addresses, `size` = configured memory):
/// ```
/// 0 .. first segment        unmapped (null dereferences fault)
/// segments                  as the ELF says (R / RW / RX)
/// brkStart .. brk           heap, grows with brk(2), RW
/// brkLimit .. stackBottom   guard gap, unmapped (Linux's stack_guard_gap: 1 MiB, or a
///                           quarter of the stack when that is smaller)
/// stackBottom .. size       stack, RW (min(8 MiB, size / 4))
/// ```
public final class RISCVProcess {
    public let image: ELFImage
    public let machine: RISCVMachine
    public let brkStart: UInt64
    public private(set) var brk: UInt64
    public let brkLimit: UInt64
    public let stackBottom: UInt64

    /// - Throws: `EEError.elf(.needsInterpreter)` for a dynamically linked image,
    ///   `EEError.elf(.imageTooLarge)` / `.segmentOutOfRange` when the image does not
    ///   fit the configured memory (checked before the memory is reserved),
    ///   `EEError.invalidConfiguration` for a bad memory size, `EEError.hostResources` when the
    ///   host cannot reserve the memory.
    /// - Parameter stackLimit: the stack's size at most (and at most a quarter of memory):
    ///   Linux's and qemu-user's default RLIMIT_STACK, 8 MiB, unless a caller passes a larger
    ///   `ulimit -s` as they take it.
    public init(
        image: ELFImage, memorySize: UInt64, schedule: GasSchedule, stackLimit: UInt64 = RISCVProcess.defaultStackLimit
    ) throws(EEError) {
        let page = RISCVMachine.pageSize
        try RISCVMachine.validate(memorySize: memorySize, xlen: image.xlen, schedule: schedule)
        let stackSize = Self.stackSize(memorySize: memorySize, limit: stackLimit)
        let stackBottom = memorySize - stackSize
        let end = image.imageEnd
        // Before the memory is reserved: an image that the size cannot hold says so rather than
        // that the host refused the reservation (a review: under `ulimit -v` an ELF linked above
        // 4 GiB reported `cannot reserve 4294967296 bytes`, which no limit could have helped).
        guard Self.fits(image, memorySize: memorySize, stackLimit: stackLimit) else {
            throw .elf(.imageTooLarge(needed: RISCVMachine.neededBytes(imageEnd: end, stackSize: stackSize), available: memorySize))
        }
        let m = try RISCVMachine(memorySize: memorySize, xlen: image.xlen, schedule: schedule)
        let brkStart = (end + page - 1) & ~(page - 1)
        try m.place(image, below: stackBottom)
        m.protect(stackBottom, memorySize, [.read, .write])
        self.image = image
        machine = m
        self.brkStart = brkStart
        brk = brkStart
        // A frame that overruns the stack faults in the gap instead of writing into the heap
        // (review finding: with one guard page, a 9 MiB alloca jumped it and overwrote the heap,
        // where qemu faults). The gap may lie over the image's end: the heap is then empty.
        let gap = max(page, min(1 << 20, stackSize / 4) & ~(page - 1))
        brkLimit = stackBottom - gap
        self.stackBottom = stackBottom
        m.pc = image.entry
    }

    /// The stack's size limit unless a caller gives another: 8 MiB, Linux's default
    /// RLIMIT_STACK and qemu-user's guest stack.
    public static let defaultStackLimit: UInt64 = 8 << 20

    /// The stack: min(`limit`, a quarter of memory), whole pages.
    static func stackSize(memorySize: UInt64, limit: UInt64 = defaultStackLimit) -> UInt64 {
        min(limit, memorySize / 4) & ~(RISCVMachine.pageSize - 1)
    }

    /// Whether the image, a page after it and the stack fit `memorySize` bytes.
    static func fits(_ image: ELFImage, memorySize: UInt64, stackLimit: UInt64 = defaultStackLimit) -> Bool {
        let page = RISCVMachine.pageSize
        let stackBottom = memorySize - stackSize(memorySize: memorySize, limit: stackLimit)
        let end = image.imageEnd
        // imageEnd may be anywhere below 2^64: compare before rounding it up.
        return end <= stackBottom && (end + page - 1) & ~(page - 1) + page <= stackBottom
    }

    /// The least whole number of MiB of memory (1...4096, as `eekit rv run --memory` takes it)
    /// that holds the image, nil when none does. The stack grows with memory up to
    /// `stackLimit`, so the bytes an `imageTooLarge` error names at one size are not always
    /// enough.
    public static func smallestMemoryMiB(fitting image: ELFImage, stackLimit: UInt64 = defaultStackLimit) -> Int? {
        (1...4096).first { fits(image, memorySize: UInt64($0) << 20, stackLimit: stackLimit) }
    }

    /// Linux brk(2): moves the break within [brkStart, brkLimit] and returns the new break,
    /// or the old one when the request is out of range. Pages that leave the heap are zeroed
    /// so that growing again yields zero memory, as on Linux; bytes after the new break in its
    /// last page keep their values (Linux unmaps whole pages only).
    @discardableResult
    public func setBreak(_ request: UInt64) -> UInt64 {
        guard request >= brkStart, request <= brkLimit else { return brk }
        let page = RISCVMachine.pageSize
        let oldTop = (brk + page - 1) & ~(page - 1)
        let newTop = (request + page - 1) & ~(page - 1)
        if newTop > oldTop {
            machine.protect(oldTop, newTop, [.read, .write])
        } else if newTop < oldTop {
            machine.zero(newTop, oldTop - newTop)
            machine.protect(newTop, oldTop, [])
        }
        brk = request
        return brk
    }

    /// Builds the Linux initial stack (argc, argv, envp, auxv, strings) and sets sp.
    /// - Throws: `EEError.invalidConfiguration` if the arguments do not fit the stack.
    public func setUpStack(arguments: [String], environment: [String]) throws(EEError) {
        try setUpStack(argumentBytes: arguments.map { Array($0.utf8) }, environmentBytes: environment.map { Array($0.utf8) })
    }

    /// As `setUpStack(arguments:environment:)` with the strings as bytes, as Linux passes
    /// them (any bytes but NUL; a NUL ends a string early, as it would in C).
    public func setUpStack(argumentBytes arguments: [[UInt8]], environmentBytes environment: [[UInt8]]) throws(EEError) {
        let m = machine
        let w = UInt64(image.xlen / 8)
        var sp = m.memorySize
        func push(_ bytes: [UInt8]) throws(EEError) -> UInt64 {
            guard sp >= stackBottom + UInt64(bytes.count) + 4096 else {
                throw .invalidConfiguration("arguments and environment do not fit the stack")
            }
            sp -= UInt64(bytes.count)
            m.load(bytes, at: sp)
            return sp
        }
        // As Linux lays it out: at the top (below one reserved pointer) the argument strings,
        // then the environment strings, then the file name (AT_EXECFN), back to back in
        // ascending order; below them, 16-byte aligned, the AT_RANDOM bytes, then argc, argv,
        // envp and auxv.
        var strings: [UInt8] = []
        var argOffsets: [Int] = [], envOffsets: [Int] = []
        func cString(_ b: [UInt8]) -> [UInt8] { Array(b.prefix { $0 != 0 }) + [0] }
        for a in arguments { argOffsets.append(strings.count); strings += cString(a) }
        for e in environment { envOffsets.append(strings.count); strings += cString(e) }
        let execfnOffset = strings.count
        strings += cString(arguments.first ?? [])
        // The reserved pointer is 8 bytes for both XLENs, as qemu-user reserves a host pointer
        // and a 64-bit kernel running an RV32 program reserves its own (a review: 4 on RV32
        // moved every string and, one time in four, argc by 4 and 16 bytes from qemu's).
        sp -= 8
        let base = try push(strings)
        let argPtrs = argOffsets.map { base + UInt64($0) }
        let envPtrs = envOffsets.map { base + UInt64($0) }
        // AT_RANDOM: 16 bytes, 16-byte aligned (Linux aligns the stack first,
        // arch_align_stack; so does qemu); deterministic so that runs are reproducible.
        sp &= ~15
        let random = try push((0..<16).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        // qemu-user's order and values (linux-user/elfload.c, create_elf_tables), so that a
        // program printing its auxiliary vector prints what it prints under qemu, except
        // AT_HWCAP: a bit per single-letter extension ('a' = bit 0), here I and M only (qemu
        // reports its default CPU's IMAFDC). AT_UID...AT_EGID are the host process's, as qemu
        // passes them.
        var aux: [(UInt64, UInt64)] = []
        if let ph = image.phdrAddress { aux.append((3, ph)) }  // AT_PHDR
        aux += [
            (4, image.phdrEntrySize),  // AT_PHENT
            (5, image.phdrCount),  // AT_PHNUM
            (6, RISCVMachine.pageSize),  // AT_PAGESZ
            (7, 0),  // AT_BASE
            (8, 0),  // AT_FLAGS
            (9, image.entry),  // AT_ENTRY
            (11, UInt64(getuid())), (12, UInt64(geteuid())),  // AT_UID, AT_EUID
            (13, UInt64(getgid())), (14, UInt64(getegid())),  // AT_GID, AT_EGID
            (16, 1 << 8 | 1 << 12),  // AT_HWCAP
            (17, 100),  // AT_CLKTCK
            (25, random),  // AT_RANDOM
            (23, 0),  // AT_SECURE
            (31, base + UInt64(execfnOffset)),  // AT_EXECFN
        ]
        aux.append((0, 0))  // AT_NULL
        var words: [UInt64] = [UInt64(arguments.count)] + argPtrs + [0] + envPtrs + [0]
        for (k, v) in aux { words += [k, v] }
        let total = UInt64(words.count) * w
        guard sp >= stackBottom + total + 4096 else {
            throw .invalidConfiguration("arguments and environment do not fit the stack")
        }
        sp = (sp - total) & ~15
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(total))
        for v in words {
            for i in 0..<Int(w) { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
        }
        m.load(bytes, at: sp)
        m[register: 2] = sp
    }
}

extension RISCVMachine {
    /// Copies `image`'s segments into guest memory, gives their pages the segments'
    /// permissions (a page shared by segments gets the union) and decodes the executable pages.
    /// - Returns: the page-aligned extent of all segments and of the executable ones (empty
    ///   when no segment is executable; nothing is decoded then).
    /// - Throws: `EEError.elf(.needsInterpreter)` for a dynamically linked image,
    ///   `.segmentOutOfRange` for a segment that reaches past `limit`.
    @discardableResult
    func place(_ image: ELFImage, below limit: UInt64) throws(EEError) -> (all: Range<UInt64>, code: Range<UInt64>) {
        // Every image that runs is placed here (plain programs and contracts): a dynamically
        // linked one is refused here, while rv disasm can still parse it.
        if image.needsInterpreter { throw .elf(.needsInterpreter) }
        let page = RISCVMachine.pageSize
        var lo = UInt64.max, hi: UInt64 = 0, codeLo = UInt64.max, codeHi: UInt64 = 0
        for (i, s) in image.segments.enumerated() {
            guard s.vaddr + s.memSize <= limit else {
                throw .elf(.segmentOutOfRange(index: i, vaddr: s.vaddr, size: s.memSize))
            }
            // Whole pages, as Linux and qemu-user map them, in segment order (a later segment
            // replaces what an earlier one put on a shared page): file bytes from the start of
            // the segment's first page (the file offset and the address agree within a page,
            // ELFImage checks it), to the end of its last page when it has no .bss; the .bss
            // zeroed from its first byte to the end of its last page (as qemu-user's zero_bss;
            // bytes before it on its first page stay), or from its first page's start when the
            // segment has no file bytes at all.
            let pageMask = Int(page - 1)
            if s.fileSize > 0 {
                // Within the file (ELFImage checks it); a segment without file bytes may have any
                // offset, so it is read only here.
                let start = Int(s.fileOffset), lead = Int(s.vaddr & (page - 1))
                let fileEnd = start + Int(s.fileSize)
                let mapEnd = s.memSize > s.fileSize ? fileEnd : min(image.bytes.count, (fileEnd + pageMask) & ~pageMask)
                load(image.bytes[(start - lead)..<mapEnd], at: s.vaddr - UInt64(lead))
                // A last page that runs past the end of the file reads zeros there, as mmap gives
                // them (a review: an earlier segment's bytes stayed).
                let loadedEnd = s.vaddr - UInt64(lead) + UInt64(mapEnd - (start - lead))
                let pageEnd = (s.vaddr + s.fileSize + page - 1) & ~(page - 1)
                if s.memSize <= s.fileSize, loadedEnd < pageEnd { zero(loadedEnd, pageEnd - loadedEnd) }
            }
            if s.memSize > s.fileSize {
                // A segment without file bytes gets fresh zero pages, the whole of its first page
                // included, as qemu-user 7.2 and Linux 6.7 map anonymous pages over it (bytes an
                // earlier segment put there are gone); after file bytes the zeroing starts at
                // their end.
                let z0 = s.fileSize == 0 ? s.vaddr & ~(page - 1) : s.vaddr + s.fileSize
                zero(z0, ((s.vaddr + s.memSize + page - 1) & ~(page - 1)) - z0)
            }
            var p: Permissions = []
            if s.readable { p.insert(.read) }
            if s.writable { p.insert(.write) }
            let first = s.vaddr & ~(page - 1), end = (s.vaddr + s.memSize + page - 1) & ~(page - 1)
            if s.executable {
                // Execute implies read, as Linux maps PROT_EXEC on RISC-V (and qemu-user does):
                // a program may read constants from an execute-only segment.
                p.insert(.execute)
                p.insert(.read)
                codeLo = min(codeLo, first)
                codeHi = max(codeHi, end)
            }
            lo = min(lo, first)
            hi = max(hi, end)
            // A segment without file bytes gets fresh pages with its own permissions, as qemu 7.2
            // maps anonymous pages over them (Linux 6.7 maps them as brk memory, read-write);
            // other pages shared by segments get the union.
            protect(s.vaddr, s.vaddr + s.memSize, p, adding: s.fileSize > 0)
        }
        let code = codeLo < codeHi ? codeLo..<codeHi : 0..<0
        if !code.isEmpty { try setCodeRange(code.lowerBound, code.upperBound) }
        return (lo < hi ? lo..<hi : 0..<0, code)
    }
}
