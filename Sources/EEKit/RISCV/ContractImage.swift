import Foundation
import Synchronization

/// A native contract's ELF loaded once into a template machine: segments copied, permissions
/// set, code decoded. Frames run on machines reset from the template (`RISCVMachine.reset`),
/// so a contract is parsed and decoded once per code hash, not once per call.
final class ContractImage: @unchecked Sendable {
    let image: ELFImage
    let template: RISCVMachine
    /// Guest bytes a new frame machine copies from the template: the segments' pages that are
    /// not all zero (a new machine's memory is zero, so zero-filled pages, such as a large
    /// read-only .bss, cost a frame nothing).
    let initialRanges: [Range<UInt64>]
    /// The writable image pages (lo..<brkStart) are all a frame can change there (read-only
    /// pages are written neither by the guest nor by system calls), so all a released machine
    /// restores: it copies back from the template those holding a byte other than zero there,
    /// and zeroes the others (.bss; a large range gives its pages back instead of copying the
    /// template's zeros over them).
    let restoreCopy: [Range<UInt64>]
    let restoreZero: [Range<UInt64>]
    /// True if some code page is writable: stores may then re-decode code, and a released
    /// machine must copy the template's decoded code back.
    let codeIsWritable: Bool
    /// What every frame of this image pays before its first instruction, fixed per image so that
    /// gas stays deterministic (nil when it overflows: no budget can pay it):
    /// - the writable image pages (`GasSchedule.riscvPageErgs` each): every frame starts
    ///   from fresh copies of them, copied back when it ends, so a huge .bss costs gas in
    ///   proportion to that host work;
    /// - the read-only pages of `initialRanges` beyond `riscvImageFreeBytes` (`riscvPageErgs`
    ///   each): a frame may need a new machine, which copies them (a review found 800 KiB of
    ///   read-only image copied into every new machine of a deep recursion for free: 3.5 us of
    ///   CPU per gas; such zero pages are no longer copied at all);
    /// - decoded code beyond `riscvDecodedFreeBytes` (`riscvDecodedPageErgs` per 4 KiB, 32 host
    ///   bytes per 4-byte slot of the code range, sentinels not counted): a frame may need a new
    ///   machine, which copies it (deep recursion into a huge executable segment otherwise burnt
    ///   microseconds per gas).
    let frameErgs: UInt64?
    /// Host bytes a machine of this image pins beyond its untouched guest memory: the decoded
    /// code and the image pages it copies or restores (what the pool keeps alive per machine).
    let hostBytes: Int
    /// Host bytes of the template: the decoded code and every image page (the loader writes
    /// them all, zero-fill included), what the cache keeps alive per image.
    let templateBytes: Int
    let brkStart: UInt64
    let brkLimit: UInt64
    let stackBottom: UInt64
    let memorySize: UInt64

    /// Machines of released frames (`Locked`, a Mutex: an uncontended lock is one atomic
    /// operation, where NSLock's pthread mutex cost about 4 % of a native call, taken twice per
    /// frame).
    private let pool = Locked<[Pooled]>([])
    /// A machine handed from one frame to the next through the pool: only one frame uses it
    /// at a time.
    private struct Pooled: @unchecked Sendable { let machine: RISCVMachine }
    /// At most 1,024 pooled machines (the call depth), and at most 64 MiB of `hostBytes` (at
    /// least one machine): an image with a huge executable range must not keep gigabytes in
    /// its pool.
    private let poolLimit: Int
    /// Machines in all pools, and their cap.
    static let pooledMachines = Locked<Int>(0)
    static let maxPooledMachines = 2048

    deinit {
        let n = pool.withLock { $0.count }
        ContractImage.pooledMachines.withLock { $0 -= n }
    }

    /// The guest memory of an image that needs `needed` bytes (its end, a guard page and the
    /// stack region): `memorySize` if that holds it, else the image, the stack region and 1 MiB
    /// of heap rounded up to 1 MiB, at most `maxMemorySize`; nil if not even that holds it.
    static func memory(needed: UInt64, memorySize: UInt64, maxMemorySize: UInt64) -> UInt64? {
        if needed <= memorySize { return memorySize }
        guard needed <= maxMemorySize else { return nil }
        let mib: UInt64 = 1 << 20
        let grown = needed > maxMemorySize - mib ? maxMemorySize : (needed + mib + mib - 1) & ~(mib - 1)
        return min(grown, maxMemorySize)
    }

    /// - Throws: `EEError.elf` if the image is malformed or does not fit `maxMemorySize`.
    init(elf: Bytes, memorySize configured: UInt64, maxMemorySize: UInt64, stackSize: UInt64, schedule: GasSchedule)
        throws(EEError)
    {
        let image = try ELFImage(bytes: elf)
        // `rv run` runs a moved static PIE (its libc relocates it); contracts have no such code.
        if image.loadBias != 0 { throw .elf(.positionIndependentContract(bias: image.loadBias)) }
        let page = RISCVMachine.pageSize
        // The stack region: the frame block's pages at the top, the stack below them.
        let region = stackSize + RISCVEnvironment.frameBlockReserve(stackSize: stackSize)
        let end = image.imageEnd
        // imageEnd may be anywhere below 2^64 (neededBytes saturates).
        let needed = RISCVMachine.neededBytes(imageEnd: end, stackSize: region)
        guard let memorySize = ContractImage.memory(needed: needed, memorySize: configured, maxMemorySize: maxMemorySize)
        else {
            throw .elf(.imageTooLarge(needed: needed, available: maxMemorySize))
        }
        let m = try RISCVMachine(memorySize: memorySize, xlen: image.xlen, schedule: schedule)
        let stackBottom = memorySize - region
        let brkStart = (end + page - 1) & ~(page - 1)
        let placed = try m.place(image, below: stackBottom)
        // The stack's top page is mapped; the rest is demand-zero, so that a released machine
        // wipes only the stack pages its frame touched, not the whole stack.
        let stackTop = memorySize - page
        m.protect(stackTop, memorySize, [.read, .write])
        m.setDemandZero(stackBottom..<stackTop)
        guard !placed.code.isEmpty else { throw .elf(.entryNotExecutable(image.entry)) }
        let lo = placed.all.lowerBound
        let writable = m.pages(lo, brkStart) { m.permissions(at: $0).contains(.write) }
        codeIsWritable = !m.pages(placed.code.lowerBound, placed.code.upperBound) { m.permissions(at: $0).contains(.write) }.isEmpty
        let writablePages = writable.reduce(0) { $0 + UInt64($1.count) } / page
        let (pageErgs, o1) = writablePages.multipliedReportingOverflow(by: schedule.riscvPageErgs)
        let decodedBytes = Int(m.codeRange.count) * 8
        let decodedPages = UInt64(max(0, decodedBytes - schedule.riscvDecodedFreeBytes) + 4095) / 4096
        let (decodedErgs, o2) = decodedPages.multipliedReportingOverflow(by: schedule.riscvDecodedPageErgs)
        // Only pages that received file bytes can hold one other than zero: the .bss pages
        // beyond them are not even read (reading 60 MiB of untouched .bss faulted in a page
        // each, tens of milliseconds before the frame had paid for anything).
        var filePages: [Range<UInt64>] = []
        for seg in image.segments.sorted(by: { $0.vaddr < $1.vaddr }) where seg.fileSize > 0 {
            let a = seg.vaddr & ~(page - 1), b = (seg.vaddr + seg.fileSize + page - 1) & ~(page - 1)
            if let last = filePages.last, a <= last.upperBound {
                filePages[filePages.count - 1] = last.lowerBound..<max(last.upperBound, b)
            } else {
                filePages.append(a..<b)
            }
        }
        let initial = filePages.flatMap { m.nonZeroPages(max($0.lowerBound, lo), min($0.upperBound, brkStart)) }
        // `pages` visits ascending addresses and `initial` is sorted: one sweep each.
        var next = 0
        func isInitial(_ a: UInt64) -> Bool {
            while next < initial.count, initial[next].upperBound <= a { next += 1 }
            return next < initial.count && initial[next].contains(a)
        }
        restoreCopy = m.pages(lo, brkStart) { m.permissions(at: $0).contains(.write) && isInitial($0) }
        next = 0
        restoreZero = m.pages(lo, brkStart) { m.permissions(at: $0).contains(.write) && !isInitial($0) }
        let readOnlyBytes = initial.reduce(0) { n, r in
            n + m.pages(r.lowerBound, r.upperBound) { !m.permissions(at: $0).contains(.write) }.reduce(0) { $0 + $1.count }
        }
        let readOnlyPages = UInt64(max(0, readOnlyBytes - schedule.riscvImageFreeBytes) + 4095) / 4096
        let (readOnlyErgs, o4) = readOnlyPages.multipliedReportingOverflow(by: schedule.riscvPageErgs)
        let (ergs0, o3) = pageErgs.addingReportingOverflow(decodedErgs)
        let (ergs, o5) = ergs0.addingReportingOverflow(readOnlyErgs)
        frameErgs = o1 || o2 || o3 || o4 || o5 ? nil : ergs
        // The image pages a machine holds: those it copies and the writable ones (restored by
        // copying); untouched zero pages take no host memory.
        let writableBytes = writable.reduce(0) { $0 + $1.count }
        hostBytes = m.decodedCodeBytes + readOnlyBytes + Int(writableBytes) + Int(page)  // + the stack's top page
        templateBytes = m.decodedCodeBytes + Int(brkStart - lo) + Int(page)
        // Up to the call-depth limit, so that deep recursion reuses machines after its first
        // descent (a new machine copies the decoded code); at most 64 MiB per image.
        poolLimit = max(1, min(1024, (64 << 20) / max(hostBytes, 1)))
        self.image = image
        m.prepareHandlers()
        template = m
        initialRanges = initial
        self.brkStart = brkStart
        brkLimit = stackBottom - page
        self.stackBottom = stackBottom
        self.memorySize = memorySize
    }

    /// A machine in the freshly loaded state (from the pool, or new).
    func acquire() throws(EEError) -> RISCVMachine {
        if let reused = pool.withLock({ $0.popLast() }) {  // already reset by `release`
            ContractImage.pooledMachines.withLock { $0 -= 1 }
            return reused.machine
        }
        let m = try RISCVMachine(memorySize: memorySize, xlen: template.xlen, schedule: .default)
        m.reset(from: template, copy: initialRanges, zero: [])
        return m
    }

    /// Returns a machine after its frame ended, restoring what the frame could have changed:
    /// the writable segment pages, the heap up to `brk`, the stack pages it mapped, page
    /// permissions, the hart
    /// (and the decoded code if code pages are writable). A machine that cannot be restored
    /// is dropped.
    func release(_ m: RISCVMachine, brk: UInt64) {
        // Stack pages below the demand-zero range were never mapped, so they are still zero.
        let stackUsed = max(stackBottom, min(m.demandZero.upperBound, memorySize - RISCVMachine.pageSize))..<memorySize
        let frameRanges = [brkStart..<max(brkStart, brk), stackUsed]
        guard m.restore(
            from: template, copy: restoreCopy, zero: restoreZero.isEmpty ? frameRanges : restoreZero + frameRanges,
            restoreCode: codeIsWritable)
        else { return }
        let p = Pooled(machine: m)
        let limit = poolLimit
        pool.withLock {
            guard $0.count < limit else { return }
            // Process-wide cap too: every pooled machine is a mapping (vm.max_map_count) and
            // keeps its image pages and up to 64 KiB of heap and stack resident.
            let admitted = ContractImage.pooledMachines.withLock { n in
                guard n < ContractImage.maxPooledMachines else { return false }
                n += 1
                return true
            }
            if admitted { $0.append(p) }
        }
    }
}

/// Parsed-and-decoded contract images by code hash and memory configuration (process-wide).
enum ContractImageCache {
    private struct Key: Hashable {
        var hash: Bytes32
        var memorySize: UInt64
        var maxMemorySize: UInt64
        var stackSize: UInt64
        var schedule: GasSchedule
    }
    private struct State {
        var images: [Key: ContractImage] = [:]
        var last: (Key, ContractImage)?
        /// Images built (cache misses) since start, for tests and benchmarks.
        var loads = 0
        /// Images built per code hash while they are cached (emptied with the cache): tests
        /// that run next to others check their own code's loads here.
        var loadsByHash: [Bytes32: Int] = [:]
        /// `templateBytes` of the cached images.
        var bytes = 0
    }
    private static let state = Locked(State())
    /// At most 256 images and 512 MiB of their `templateBytes`; the cache is emptied when a new
    /// image would pass either (images in use stay alive with their frames).
    private static let limit = 256
    private static let byteLimit = 512 << 20

    static func image(
        for code: Bytecode, memorySize: UInt64, maxMemorySize: UInt64, stackSize: UInt64, schedule: GasSchedule
    ) throws(EEError) -> ContractImage {
        let key = Key(
            hash: code.hash, memorySize: memorySize, maxMemorySize: maxMemorySize, stackSize: stackSize,
            schedule: schedule)
        let hit: ContractImage? = state.withLock { s in
            // The last hit first: comparing a key is cheaper than hashing it.
            if let (k, img) = s.last, k == key { return img }
            guard let img = s.images[key] else { return nil }
            s.last = (key, img)
            return img
        }
        if let hit { return hit }
        // Built outside the lock (parsing and decoding take a while); a racing builder of the
        // same image wastes only its work.
        let img = try ContractImage(
            elf: code.bytes, memorySize: memorySize, maxMemorySize: maxMemorySize, stackSize: stackSize,
            schedule: schedule)
        state.withLock { s in
            if s.images.count >= limit || s.bytes + img.templateBytes > byteLimit {
                s.images.removeAll(keepingCapacity: true)
                s.loadsByHash.removeAll(keepingCapacity: true)
                s.bytes = 0
            }
            if s.images.updateValue(img, forKey: key) == nil { s.bytes += img.templateBytes }
            s.last = (key, img)
            s.loads += 1
            s.loadsByHash[code.hash, default: 0] += 1
        }
        return img
    }

    static var loadCount: Int { state.withLock { $0.loads } }
    static func loadCount(of hash: Bytes32) -> Int { state.withLock { $0.loadsByHash[hash] ?? 0 } }
}

/// Where an ELF file ends inside deployment data (the constructor arguments follow it).
public enum ContractELF {
    /// max(end of the ELF header, of the program and section header tables, of every
    /// segment's file range, of every section's file range) for a 32- or 64-bit little-endian
    /// ELF at the start of `data`.
    /// - Throws: `EEError.elf` if the headers are truncated or point past the data.
    public static func length(of data: Bytes) throws(EEError) -> Int {
        guard data.count >= 16, data[0] == 0x7f, data[1] == 0x45, data[2] == 0x4c, data[3] == 0x46 else {
            throw .elf(.notELF)
        }
        let is64: Bool
        switch data[4] {
        case 1: is64 = false
        case 2: is64 = true
        default: throw .elf(.wrongClass(data[4]))
        }
        guard data[5] == 1 else { throw .elf(.wrongEndianness) }
        let ehsize = is64 ? 64 : 52
        guard data.count >= ehsize else { throw .elf(.truncated("ELF header")) }
        func u(_ off: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(data[off + i]) << (8 * UInt64(i)) }
            return v
        }
        let w = is64 ? 8 : 4
        let phoff = u(is64 ? 32 : 28, w), shoff = u(is64 ? 40 : 32, w)
        let phentsize = u(is64 ? 54 : 42, 2), phnum = u(is64 ? 56 : 44, 2)
        let shentsize = u(is64 ? 58 : 46, 2), shnum = u(is64 ? 60 : 48, 2)
        let size = UInt64(data.count)
        var end = UInt64(ehsize)
        func extend(_ off: UInt64, _ len: UInt64, _ what: String) throws(EEError) {
            let (e, o) = off.addingReportingOverflow(len)
            guard !o, e <= size else { throw .elf(.truncated(what)) }
            end = max(end, e)
        }
        if phnum > 0 {
            try extend(phoff, phentsize &* phnum, "program headers")
            guard phentsize >= (is64 ? 56 : 32) else { throw .elf(.truncated("program header size")) }
            for i in 0..<phnum {
                let b = Int(phoff + i * phentsize)
                let off = is64 ? u(b + 8, 8) : u(b + 4, 4)
                let filesz = is64 ? u(b + 32, 8) : u(b + 16, 4)
                if filesz > 0 { try extend(off, filesz, "segment \(i)") }
            }
        }
        if shnum > 0 {
            try extend(shoff, shentsize &* shnum, "section headers")
            guard shentsize >= (is64 ? 64 : 40) else { throw .elf(.truncated("section header size")) }
            for i in 0..<shnum {
                let b = Int(shoff + i * shentsize)
                let type = u(b + 4, 4)
                if type == 8 || type == 0 { continue }  // SHT_NOBITS, SHT_NULL
                let off = is64 ? u(b + 24, 8) : u(b + 16, 4)
                let sz = is64 ? u(b + 32, 8) : u(b + 20, 4)
                if sz > 0 { try extend(off, sz, "section \(i)") }
            }
        }
        return Int(end)
    }
}
