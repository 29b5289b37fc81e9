import Foundation
import Synchronization

/// A native contract's ELF loaded once into a machine: segments copied, permissions set, code
/// decoded (a page at a time as it first runs, for more than a page of code). Frames run on that
/// machine one at a time (`FirstMachine`) and, once two run at once, on machines reset from a
/// template decoded whole (`RISCVMachine.reset`), so a contract is parsed and decoded once per
/// code hash, not once per call.
final class ContractImage: @unchecked Sendable {
    /// What an image is built for besides its code: the RISC-V EE's memory configuration and
    /// the schedule. The cache's key, and what an image kept by a transaction must match to be
    /// reused for a frame: a kept image of another configuration (a tracer or a host that
    /// registers another RISC-V EE mid-transaction, or a custom host keeping by code hash for
    /// two EEs) trapped on the memory difference, or let a larger stack reach pages a released
    /// machine never wipes (an audit's findings).
    struct Settings: Hashable {
        var memorySize: UInt64
        var maxMemorySize: UInt64
        var stackSize: UInt64
        var schedule: GasSchedule

        init(memorySize: UInt64, maxMemorySize: UInt64, stackSize: UInt64, schedule: GasSchedule) {
            self.memorySize = memorySize
            self.maxMemorySize = maxMemorySize
            self.stackSize = stackSize
            self.schedule = schedule
        }

        /// The settings of frames of a RISC-V EE with `configuration` under `schedule`.
        init(_ configuration: RISCVEnvironment.Configuration, schedule: GasSchedule) {
            self.init(
                memorySize: configuration.memorySize, maxMemorySize: configuration.maxMemorySize,
                stackSize: configuration.stackSize, schedule: schedule)
        }
    }
    let settings: Settings
    let image: ELFImage
    /// Whether `ContractImageCache` handed this image out since its eviction scan last passed
    /// it (read and written only under the cache's lock): a second chance before eviction.
    @exclusivity(unchecked) var cacheReferenced = false
    /// The machine new frame machines copy and released ones are restored from, once it exists
    /// (`hasTemplate`): written once, under `firstMachine`'s lock, before `hasTemplate` is set,
    /// and never changed after. Until then the machine the image was loaded into runs the
    /// image's frames itself (`FirstMachine`).
    @exclusivity(unchecked) private var templateMachine: RISCVMachine?
    private let hasTemplate = Atomic<Bool>(false)
    /// The machine the image was loaded into, before the image has a template: its frames run
    /// on it one at a time, each put back as loaded from `snapshot` when it ends, rather than
    /// on copies of it. Copying the decoded code (32 host bytes per instruction slot) into a
    /// new machine's fresh pages, and the page faults that costs, were about a third of the
    /// first call of a contract inside a transaction (which keeps every image it runs: a call
    /// of a contract with 30 KiB of code took 78 ns per gas), and an image kept two machines
    /// where one does. The first time a frame needs a machine while that one runs (recursion,
    /// re-entrance, another thread), the image makes a template: that machine if it is back, else
    /// a new load of the ELF; from then on frames copy it and pool their machines.
    private enum FirstMachine {
        case ready(Owned)
        case lent
        case none
    }
    /// A machine handed between owners under the lock: one owner at a time.
    private struct Owned: @unchecked Sendable { let machine: RISCVMachine }
    private let firstMachine: Locked<FirstMachine>
    /// What the first machine is restored from (nil: the image made its template at once).
    private let snapshot: RISCVMachine.Snapshot?
    /// The first machine ran a frame (it is counted in `machinesBuilt`).
    private let firstLent = Atomic<Bool>(false)
    /// Images whose writable pages with bytes other than zero take more than this build their
    /// template at once, as before (their snapshot would double what the image keeps).
    static let maxSnapshotBytes = 64 << 10
    /// The decoded code's host bytes (what a frame's machine holds of it).
    let decodedCodeBytes: Int
    let xlen: UInt32
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
    /// gas stays deterministic (nil when it overflows: no budget can pay it), computed from the
    /// program headers (`Layout`) so that a frame that cannot pay it is failed before the image
    /// is built:
    /// - the writable image pages (`GasSchedule.riscvPageErgs` each): every frame starts
    ///   from fresh copies of them, copied back when it ends, so a huge .bss costs gas in
    ///   proportion to that host work;
    /// - the read-only pages with file bytes beyond `riscvImageFreeBytes` (`riscvPageErgs`
    ///   each): a frame may need a new machine, which copies them (a review found 800 KiB of
    ///   read-only image copied into every new machine of a deep recursion for free: 3.5 us of
    ///   CPU per gas; zero-fill pages are not copied at all);
    /// - decoded code beyond `riscvDecodedFreeBytes` (`riscvDecodedPageErgs` per 4 KiB, 32 host
    ///   bytes per 4-byte slot of the code range, sentinels not counted): a frame may need a new
    ///   machine, which maps it copy-on-write and faults in what it runs (deep recursion into a
    ///   huge executable segment otherwise burnt microseconds per gas).
    let frameErgs: UInt64?
    /// The image's writable pages (`Layout.writablePages`), for the heap's share of the memory
    /// square term.
    let writablePages: UInt64
    /// Host bytes a machine of this image pins beyond its untouched guest memory: the decoded
    /// code and the image pages it copies or restores (what the pool keeps alive per machine).
    let hostBytes: Int
    /// Host bytes of the template: the decoded code and the pages the loader wrote (those with
    /// file bytes; zero-fill pages stay untouched), what the cache keeps alive per image.
    let templateBytes: Int
    let brkStart: UInt64
    let brkLimit: UInt64
    let stackBottom: UInt64
    let memorySize: UInt64

    /// Machines of released frames (`Locked`, a Mutex: an uncontended lock is one atomic
    /// operation, where NSLock's pthread mutex cost about 4 % of a native call, taken twice per
    /// frame).
    private let pool = Locked<[Pooled]>([])
    /// Machines built for this image (`acquire` found none to reuse), and machines of other
    /// images reset to it, for tests.
    let machinesBuilt = Locked<Int>(0)
    let machinesRetargeted = Locked<Int>(0)

    /// A machine from this image's pool for another image (`acquire` past the parking cap),
    /// with the pages where it may hold bytes other than zero.
    func donateParked() -> (RISCVMachine, [Range<UInt64>])? {
        popPooled().map { ($0, initialRanges) }
    }

    /// A machine from this image's pool (already reset by `release`), no longer counted as parked.
    private func popPooled() -> RISCVMachine? {
        guard let p = pool.withLock({ $0.popLast() }) else { return nil }
        ContractImage.unpark()
        return p.machine
    }

    /// The pages of sorted, page-aligned `a` that are not in `b`.
    static func pages(_ a: [Range<UInt64>], minus b: [Range<UInt64>]) -> [Range<UInt64>] {
        var out: [Range<UInt64>] = []
        for r in a {
            var lo = r.lowerBound
            for x in b where x.upperBound > lo && x.lowerBound < r.upperBound {
                if x.lowerBound > lo { out.append(lo..<x.lowerBound) }
                lo = max(lo, x.upperBound)
            }
            if lo < r.upperBound { out.append(lo..<r.upperBound) }
        }
        return out
    }
    /// A machine handed from one frame to the next through the pool: only one frame uses it
    /// at a time.
    private struct Pooled: @unchecked Sendable { let machine: RISCVMachine }
    /// At most 1,024 pooled machines (the call depth), and at most 64 MiB of `hostBytes` (at
    /// least one machine): an image with a huge executable range must not keep gigabytes in
    /// its pool.
    private let poolLimit: Int
    /// The pool cannot hold a machine per possible frame (1,024): a transaction's frames may
    /// release more machines than it takes, and the transaction keeps them (`KeptImage`).
    var mayNeedSpares: Bool { poolLimit < 1024 }
    /// Machines parked in all pools and all transactions' `KeptImage`s, and their cap: each is
    /// two mappings (vm.max_map_count) and keeps some pages resident.
    static let pooledMachines = Locked<Int>(0)
    static let maxPooledMachines = 2048

    /// Machines refused a parking place at the cap (and so unmapped), for tests.
    static let parkingRefusals = Locked<Int>(0)

    /// Counts one more parked machine if the process-wide cap allows it.
    static func admitParked() -> Bool {
        let admitted = pooledMachines.withLock { n in
            guard n < maxPooledMachines else { return false }
            n += 1
            return true
        }
        if !admitted { parkingRefusals.withLock { $0 += 1 } }
        return admitted
    }
    /// `n` parked machines left their pool or transaction (reused or dropped).
    static func unpark(_ n: Int = 1) { pooledMachines.withLock { $0 -= n } }

    deinit {
        // The parked machines and the template hold this image's state (zero outside
        // `initialRanges`): wiped, they are the next images' spares.
        var parked = pool.withLock { p in
            defer { p.removeAll() }
            return p
        }
        ContractImage.unpark(parked.count)
        while let p = parked.popLast() { spare(p.machine) }
        if var t = templateMachine.take(), isKnownUniquelyReferenced(&t) { spare(t) }
        let first = firstMachine.withLock { f -> RISCVMachine? in
            defer { f = .none }
            if case .ready(let o) = f { return o.machine }
            return nil
        }
        if let first { spare(first) }
    }

    /// A new machine with `image` loaded: segments copied, permissions set, the code range
    /// decoded, the stack's top page mapped and the rest of the stack demand-zero.
    private static func load(
        _ image: ELFImage, memorySize: UInt64, stackBottom: UInt64, schedule: GasSchedule
    ) throws(EEError) -> (RISCVMachine, (all: Range<UInt64>, code: Range<UInt64>)) {
        let page = RISCVMachine.pageSize
        let m = try SpareMachines.takeOrMake(memorySize: memorySize, xlen: image.xlen, schedule: schedule)
        let placed = try m.place(image, below: stackBottom)
        // The stack's top page is mapped; the rest is demand-zero, so that a released machine
        // wipes only the stack pages its frame touched, not the whole stack.
        let stackTop = memorySize - page
        m.protect(stackTop, memorySize, [.read, .write])
        m.setDemandZero(stackBottom..<stackTop)
        guard !placed.code.isEmpty else { throw .elf(.entryNotExecutable(image.entry)) }
        return (m, placed)
    }

    /// The template: made of the first machine if it is back (`FirstMachine.ready`), else
    /// loaded from the ELF anew (the first machine runs a frame; it is restored from the
    /// template when that ends).
    private func templateForCopies() throws(EEError) -> RISCVMachine {
        if hasTemplate.load(ordering: .acquiring) { return templateMachine! }
        let ready = firstMachine.withLock { f -> RISCVMachine? in
            guard case .ready(let o) = f else { return nil }
            f = .none
            return o.machine
        }
        // A template is decoded whole: the machines copying it run what it holds (a loaded
        // machine decodes a page when it first runs it).
        if let ready {
            ready.decodeAll()
            return install(ready)
        }
        // Loaded outside the lock (it decodes the code); a racing loader's machine is spared.
        let (m, _) = try ContractImage.load(
            image, memorySize: memorySize, stackBottom: stackBottom, schedule: settings.schedule)
        m.decodeAll()
        return install(m)
    }

    /// Makes `m` (in this image's freshly loaded state) the template unless another thread
    /// made one first (`m` is then spared); returns the template.
    private func install(_ m: RISCVMachine) -> RISCVMachine {
        // The first machine may have come back (`.ready`) while `m` was loaded: it is in the
        // loaded state, so it is pooled like any released machine (a review found it dropped,
        // and unmapped inside the lock).
        var displaced: RISCVMachine? = nil
        let installed = firstMachine.withLock { f -> Bool in
            if hasTemplate.load(ordering: .relaxed) { return false }
            if case .ready(let o) = f { displaced = o.machine }
            f = .none
            templateMachine = m
            hasTemplate.store(true, ordering: .releasing)
            return true
        }
        if !installed { spare(m) }
        if let d = displaced, let unpooled = pool(d, kept: nil) { spare(unpooled) }
        return templateMachine!
    }

    /// Gives a machine of this image (in the template's state: its bytes other than zero lie in
    /// `initialRanges`) to `SpareMachines`. An image whose pages with file bytes and writable
    /// pages take at most `SpareMachines.residentImageLimit` keeps them resident, zeroed (with
    /// at most 64 KiB each of heap and stack: larger ranges were given back, the stack pages its
    /// frames mapped below the top 64 KiB are given back now); a larger image's machine gives
    /// every page back (a review loaded 24 MiB of read-only segments mapping the same file
    /// bytes, and 25 such spares kept 521 MiB resident).
    func spare(_ m: RISCVMachine) {
        let small = imagePageBytes <= SpareMachines.residentImageLimit
        SpareMachines.give(m, dirty: small ? initialRanges : nil, giveBackBelow: memorySize - min(memorySize, 64 << 10))
    }
    /// The image's pages with file bytes and its writable pages: what a machine of it may keep
    /// resident besides heap and stack.
    let imagePageBytes: UInt64

    /// Decoded code of a contract (32 host bytes per 4-byte slot of the code range): 32 MiB, a
    /// 4 MiB code range. Contract ELFs are at most 256 KiB, so only an executable .bss (GNU ld
    /// -N links .bss into the one read-write-execute segment) or a gap between executable
    /// segments comes near it. Building an image decodes the whole range (a 60 MiB one took a
    /// second); this bounds one build to tens of milliseconds, which its frames pay for
    /// (`riscvDecodedPageErgs`).
    static let maxDecodedBytes: UInt64 = 32 << 20
    /// An image that would leave less heap than this in the configured memory gets grown memory
    /// (1 MiB of heap) instead: without it, an image ending 4 KiB lower than one that grew had
    /// no heap at all (a review's finding).
    static let minimumHeap: UInt64 = 64 << 10

    /// The guest memory of an image that needs `needed` bytes (its end, a guard page and the
    /// stack region): `memorySize` if that holds it with `minimumHeap` to spare, else the image,
    /// the stack region and 1 MiB of heap rounded up to 1 MiB, at most `maxMemorySize`; nil if
    /// not even the image fits that.
    static func memory(needed: UInt64, memorySize: UInt64, maxMemorySize: UInt64) -> UInt64? {
        if needed <= memorySize, memorySize - needed >= minimumHeap || maxMemorySize <= memorySize { return memorySize }
        guard needed <= maxMemorySize else { return nil }
        // needed <= maxMemorySize <= 64 MiB: no overflow.
        let mib: UInt64 = 1 << 20
        return min((needed + mib + mib - 1) & ~(mib - 1), maxMemorySize)
    }

    /// What the program headers alone say about an image: where it goes, how much memory it
    /// gets, and what each frame of it pays (`frameErgs`). Computed without touching guest
    /// memory, so a frame that cannot pay is failed before anything is built: a template of a
    /// 60 MiB executable range took a second to decode (a review's 136-byte ELF, deployed with
    /// 60k gas).
    struct Layout {
        let settings: Settings
        let image: ELFImage
        let memorySize: UInt64
        let stackBottom: UInt64
        let brkStart: UInt64
        /// Pages that received file bytes (sorted, merged): the only ones that can hold a byte
        /// other than zero.
        let filePages: [Range<UInt64>]
        let frameErgs: UInt64?
        /// The image's writable pages (.data and .bss): with the heap's, what the memory square
        /// term (`GasSchedule.riscvMemorySquareErgs`) counts.
        let writablePages: UInt64
        /// The template's host bytes (`ContractImage.templateBytes`): the decoded code range,
        /// the pages with file bytes and the stack's top page.
        let templateBytes: Int

        /// - Throws: `EEError.elf` if the image is malformed, position independent, has no
        ///   executable segment or does not fit `maxMemorySize`.
        init(elf: Bytes, settings: Settings) throws(EEError) {
            self.settings = settings
            let configured = settings.memorySize, maxMemorySize = settings.maxMemorySize
            let stackSize = settings.stackSize, schedule = settings.schedule
            var image = try ELFImage(bytes: elf)
            // A static PIE at its link addresses: its R_RISCV_RELATIVE entries are applied here
            // (before the checks, which then see the headers as the image has them).
            if let relocated = try image.contractRelocatedBytes() {
                // A relocation may patch the headers themselves: say so, not only what the
                // patched headers look like ("not an ELF file" for a file that is one).
                do throws(EEError) {
                    image = try ELFImage(bytes: relocated)
                } catch {
                    throw .elf(.dynamicRelocation("the image they make is not loadable: \(error)"))
                }
            }
            // `rv run` runs a moved static PIE (its libc relocates it); contracts have no such code.
            if image.loadBias != 0 { throw .elf(.positionIndependentContract(bias: image.loadBias)) }
            if image.needsInterpreter { throw .elf(.needsInterpreter) }
            if image.hasThreadLocalStorage { throw .elf(.threadLocalStorage) }
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
            // From here every segment ends below memorySize - region (so no sum overflows).
            func pagesOf(_ a: UInt64, _ n: UInt64) -> Range<UInt64> { (a & ~(page - 1))..<((a + n + page - 1) & ~(page - 1)) }
            func merged(_ rs: [Range<UInt64>]) -> [Range<UInt64>] {
                var out: [Range<UInt64>] = []
                for r in rs.sorted(by: { $0.lowerBound < $1.lowerBound }) where !r.isEmpty {
                    if let last = out.last, r.lowerBound <= last.upperBound {
                        out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
                    } else {
                        out.append(r)
                    }
                }
                return out
            }
            func bytes(_ rs: [Range<UInt64>]) -> UInt64 { rs.reduce(0) { $0 + UInt64($1.count) } }
            let segs = image.segments.filter { $0.memSize > 0 }
            let code = segs.filter(\.executable).map { pagesOf($0.vaddr, $0.memSize) }
            guard let codeLo = code.map(\.lowerBound).min(), let codeHi = code.map(\.upperBound).max() else {
                throw .elf(.entryNotExecutable(image.entry))
            }
            let writable = merged(segs.filter(\.writable).map { pagesOf($0.vaddr, $0.memSize) })
            filePages = merged(image.segments.filter { $0.fileSize > 0 }.map { pagesOf($0.vaddr, $0.fileSize) })
            // Read-only pages with file bytes: a new machine copies them (those that are all
            // zero too, to keep this a function of the headers).
            var readOnly: UInt64 = 0
            var isWritable = AscendingRanges(writable)
            for r in filePages {
                for a in stride(from: r.lowerBound, to: r.upperBound, by: Int(page)) where !isWritable.contains(a) {
                    readOnly += page
                }
            }
            // GasSchedule.riscvPageErgs per writable page (every frame starts from fresh copies
            // of them) and per read-only file page beyond riscvImageFreeBytes (a new machine
            // copies them); riscvDecodedPageErgs per 4 KiB of decoded code (32 host bytes per
            // 4-byte slot of the code range) beyond riscvDecodedFreeBytes (a new machine maps it).
            let decoded = (codeHi - codeLo) * 8
            guard decoded <= ContractImage.maxDecodedBytes else {
                throw .elf(.codeRangeTooLarge(low: codeLo, high: codeHi, decodedBytes: decoded, limit: ContractImage.maxDecodedBytes))
            }
            let decodedPages = (decoded - min(decoded, UInt64(max(0, schedule.riscvDecodedFreeBytes))) + 4095) / 4096
            let freeReadOnly = UInt64(max(0, schedule.riscvImageFreeBytes))
            let readOnlyPages = (readOnly - min(readOnly, freeReadOnly) + 4095) / 4096
            let (e1, o1) = (bytes(writable) / page).multipliedReportingOverflow(by: schedule.riscvPageErgs)
            let (e2, o2) = decodedPages.multipliedReportingOverflow(by: schedule.riscvDecodedPageErgs)
            let (e3, o3) = readOnlyPages.multipliedReportingOverflow(by: schedule.riscvPageErgs)
            let (e12, o4) = e1.addingReportingOverflow(e2)
            let (e123, o5) = e12.addingReportingOverflow(e3)
            // Read-only pages without file bytes (a non-executable segment's zero fill): every
            // frame may fault them in, so they are priced as writable pages are (a review's 56
            // MiB of read-only zero fill read a byte a page at 350 ns per gas, for free).
            var zeroReadOnly: UInt64 = 0
            var inFile = AscendingRanges(filePages), inWritable = AscendingRanges(writable), inCode = AscendingRanges(merged(code))
            for r in merged(segs.filter { !$0.writable && !$0.executable }.map { pagesOf($0.vaddr, $0.memSize) }) {
                for a in stride(from: r.lowerBound, to: r.upperBound, by: Int(page))
                where !inFile.contains(a) && !inWritable.contains(a) && !inCode.contains(a) {
                    zeroReadOnly += 1
                }
            }
            let (ez, o8) = zeroReadOnly.multipliedReportingOverflow(by: schedule.riscvPageErgs)
            let (e123z, o7) = e123.addingReportingOverflow(ez)
            // The square term on the writable and zero-fill pages beyond the free ones (the
            // heap adds to it).
            writablePages = bytes(writable) / page + zeroReadOnly
            let (e, o6) = e123z.addingReportingOverflow(schedule.riscvMemorySquareErgs(pages: writablePages))
            frameErgs = o1 || o2 || o3 || o4 || o5 || o6 || o7 || o8 ? nil : e
            // + what the loaded machine's snapshot may hold (`ContractImage.FirstMachine`): the
            // writable pages with file bytes, up to `maxSnapshotBytes`, and a permission byte
            // per page (a review: up to 20 MiB over 256 images went uncounted).
            let writableFile = bytes(filePages.flatMap { f in writable.compactMap { w -> Range<UInt64>? in
                let lo = max(f.lowerBound, w.lowerBound), hi = min(f.upperBound, w.upperBound)
                return lo < hi ? lo..<hi : nil
            } })
            let snapshot = min(writableFile, UInt64(ContractImage.maxSnapshotBytes)) + memorySize / page
            templateBytes = Int(decoded + bytes(filePages) + page + snapshot)
            self.image = image
            self.memorySize = memorySize
            stackBottom = memorySize - region
            brkStart = (end + page - 1) & ~(page - 1)
        }
    }

    /// Loads the image into a template machine (copies the segments, sets the permissions,
    /// decodes the code range).
    init(_ layout: Layout) throws(EEError) {
        settings = layout.settings
        let schedule = layout.settings.schedule
        let image = layout.image, memorySize = layout.memorySize, stackBottom = layout.stackBottom
        let brkStart = layout.brkStart
        let page = RISCVMachine.pageSize
        let (m, placed) = try ContractImage.load(image, memorySize: memorySize, stackBottom: stackBottom, schedule: schedule)
        let lo = placed.all.lowerBound
        codeIsWritable = !m.pages(placed.code.lowerBound, placed.code.upperBound) { m.permissions(at: $0).contains(.write) }.isEmpty
        // Only pages that received file bytes can hold one other than zero: the .bss pages
        // beyond them are not even read (reading 60 MiB of untouched .bss faulted in a page
        // each).
        let initial = layout.filePages.flatMap { m.nonZeroPages(max($0.lowerBound, lo), min($0.upperBound, brkStart)) }
        // `pages` visits ascending addresses and `initial` is sorted: one sweep each.
        var inCopy = AscendingRanges(initial), inZero = AscendingRanges(initial)
        restoreCopy = m.pages(lo, brkStart) { m.permissions(at: $0).contains(.write) && inCopy.contains($0) }
        restoreZero = m.pages(lo, brkStart) { m.permissions(at: $0).contains(.write) && !inZero.contains($0) }
        frameErgs = layout.frameErgs
        writablePages = layout.writablePages
        imagePageBytes = layout.filePages.reduce(0) { $0 + UInt64($1.count) } + layout.writablePages * page
        // The image pages a machine holds: those it copies and those it restores by copying;
        // untouched zero pages (a .bss) take no host memory.
        let copied = initial.reduce(0) { $0 + $1.count }
        let restored = restoreCopy.reduce(0) { $0 + $1.count }
        hostBytes = m.decodedCodeBytes + copied + restored + Int(page)  // + the stack's top page
        // The template holds its decoded code and the pages the loader wrote (file pages); from
        // the headers, as the transaction's cap on prepared code is checked before building.
        templateBytes = layout.templateBytes
        // Up to the call-depth limit, so that deep recursion reuses machines after its first
        // descent (a new machine copies the decoded code); at most 64 MiB per image.
        poolLimit = max(1, min(1024, (64 << 20) / max(hostBytes, 1)))
        self.image = image
        m.prepareHandlers()
        decodedCodeBytes = m.decodedCodeBytes
        xlen = m.xlen
        let restoredBytes = restoreCopy.reduce(0) { $0 + $1.count }
        if RISCVEnvironment.framesRunOnTheLoadedMachine, !codeIsWritable, restoredBytes <= ContractImage.maxSnapshotBytes,
            let snapshot = m.snapshot(copy: restoreCopy)
        {
            firstMachine = Locked(.ready(Owned(machine: m)))
            self.snapshot = snapshot
        } else {
            // Writable code (a released machine re-decodes what differs from the template's),
            // a large snapshot, or frames asked to run on copies.
            firstMachine = Locked(.none)
            snapshot = nil
            m.decodeAll()
            templateMachine = m
            hasTemplate.store(true, ordering: .releasing)
        }
        initialRanges = initial
        self.brkStart = brkStart
        brkLimit = stackBottom - page
        self.stackBottom = stackBottom
        self.memorySize = memorySize
    }

    /// The template's decoded code in a shared-memory file (`RISCVMachine.shareDecodedCode`),
    /// made when the image sets up its second machine: machines from then on map it
    /// copy-on-write, and fault in only the pages they run, instead of copying all of it (a
    /// 1024-deep first descent of a 30 KiB contract took 67 ms copying, 25 ms mapping). The
    /// first machine copies: most contracts never need a second, and a file per image made the
    /// first call of a contract with 5 pages of code cost 190 us.
    private func sharedCode() -> SharedDecodedCode? {
        guard decodedCodeBytes > RISCVMachine.sharedCodeMinimum, let template = templateMachine else { return nil }
        // (The first machine's frames count as one machine built, and never copied it.)
        let earlier = machinesBuilt.withLock { $0 } + machinesRetargeted.withLock { $0 } - (firstLent.load(ordering: .relaxed) ? 1 : 0)
        guard earlier > 0 else { return nil }
        return sharing.withLock { s in
            if case .none = s { s = .some(template.shareDecodedCode()) }
            return s!
        }
    }
    /// nil until `sharedCode` first needs it; then the file, or .some(nil) when shared memory
    /// failed (machines copy then).
    private let sharing = Locked<SharedDecodedCode??>(nil)

    /// A machine in the freshly loaded state: one the running transaction set aside, one from
    /// the pool, or a new one.
    func acquire(_ kept: KeptImage?) throws(EEError) -> RISCVMachine {
        if let kept, kept.image === self, let spare = kept.spares.popLast() {
            ContractImage.unpark()
            return spare
        }
        // Before the image has a template: the first machine, if no frame runs on it.
        if !hasTemplate.load(ordering: .acquiring) {
            let first = firstMachine.withLock { f -> RISCVMachine? in
                guard case .ready(let o) = f else { return nil }
                f = .lent
                return o.machine
            }
            if let first {
                // Counted once as built (tests count machines per simultaneous frame), never as
                // a copy (`sharedCode`).
                if !firstLent.load(ordering: .relaxed), !firstLent.exchange(true, ordering: .relaxed) {
                    machinesBuilt.withLock { $0 += 1 }
                }
                return first
            }
        }
        if let reused = popPooled() { return reused }
        let template = try templateForCopies()
        // With half the parking places taken, the machines this image's frames release may not
        // be kept (a deep recursion releases up to 1,024): take a parked machine of another
        // image (its guest memory mapping and resident pages) and reset it to this image,
        // instead of building one that is unmapped later (review finding: past the cap,
        // recursing into 200 contracts in turn built and unmapped a machine per frame, 62 ns
        // of CPU per gas). The parked count then stays where it was.
        if ContractImage.pooledMachines.withLock({ $0 }) >= RISCVEnvironment.reuseOtherImagesMachinesFrom,
            let (m, donorPages) = ContractImageCache.parkedMachine(memorySize: memorySize, xlen: xlen, notOf: self)
        {
            // The donor's machine holds its template's state: zero except its initial pages.
            if m.reset(
                from: template, copy: initialRanges, zero: ContractImage.pages(donorPages, minus: initialRanges),
                sharing: sharedCode())
            {
                machinesRetargeted.withLock { $0 += 1 }
                return m
            }
        }
        let m = try SpareMachines.takeOrMake(memorySize: memorySize, xlen: xlen, schedule: .default)
        let sharing = sharedCode()
        machinesBuilt.withLock { $0 += 1 }
        guard m.reset(from: template, copy: initialRanges, zero: [], sharing: sharing) else {
            throw .hostResources("cannot allocate the decoded code of a new frame machine (\(decodedCodeBytes) bytes)")
        }
        return m
    }

    /// Returns a machine after its frame ended, restoring what the frame could have changed:
    /// the writable segment pages, the heap up to `brk`, the stack pages it mapped, page
    /// permissions, the hart
    /// (and the decoded code if code pages are writable). A machine that cannot be restored
    /// is dropped. One the pool has no room for goes to `kept`, the running transaction's, so
    /// that the transaction builds at most as many machines of an image as it has frames of it
    /// at once (review finding: a 700-deep recursion of a contract with 30 KiB of code, whose
    /// pool holds 256, built and unmapped 440 machines per descent, 130 ns of CPU per gas).
    /// Returns the machine when it was restored but neither pool nor `kept` took it (the caller
    /// may park it as a spare elsewhere, or let it go).
    @discardableResult
    func release(_ m: consuming RISCVMachine, brk: UInt64, kept: KeptImage?) -> RISCVMachine? {
        // Stack pages below the demand-zero range were never mapped, so they are still zero.
        // Written rather than given back (review finding: once a frame had touched the whole
        // stack, above the 64 KiB at which zeroing unmaps, every later frame on the machine
        // faulted its stack in again, for free: 140 ns of CPU per gas); at most the stack
        // region, a few microseconds.
        let stackUsed = max(stackBottom, min(m.demandZero.upperBound, memorySize - RISCVMachine.pageSize))..<memorySize
        let heap = brkStart..<max(brkStart, brk)
        // No template yet: this is the first machine (or, racing with the template's making,
        // one loaded for it), put back as loaded from the snapshot and made ready for the next
        // frame, unless a template was made meanwhile (it is then pooled as any other).
        if let snapshot, !hasTemplate.load(ordering: .acquiring) {
            guard m.restore(snapshot: snapshot, zero: restoreZero, alsoZero: heap, zeroResident: stackUsed) else { return nil }
            var back = Optional(m)
            let readied = firstMachine.withLock { f -> Bool in
                guard !hasTemplate.load(ordering: .relaxed), case .lent = f else { return false }
                f = .ready(Owned(machine: back.take()!))
                return true
            }
            guard !readied, let m = back.take() else { return nil }
            return pool(m, kept: kept)
        }
        guard hasTemplate.load(ordering: .acquiring), let template = templateMachine,
            m.restore(
                from: template, copy: restoreCopy, zero: restoreZero, alsoZero: heap, zeroResident: stackUsed,
                restoreCode: codeIsWritable)
        else { return nil }
        return pool(m, kept: kept)
    }

    /// Parks a released machine (in the template's state) in the pool, or in `kept`; returns it
    /// when neither takes it.
    private func pool(_ m: consuming RISCVMachine, kept: KeptImage?) -> RISCVMachine? {
        // Moved (not copied) into the pool: no retain and release of the machine.
        var slot = Optional(m)
        let limit = poolLimit
        let pooled = pool.withLock { (pool: inout [Pooled]) -> Bool in
            guard pool.count < limit else { return false }
            // Process-wide cap too: every pooled machine is two mappings (vm.max_map_count) and
            // keeps its image pages, up to 64 KiB of heap and its used stack resident.
            guard ContractImage.admitParked() else { return false }
            pool.append(Pooled(machine: slot.take()!))
            return true
        }
        // The transaction's spares count against the same cap (review finding: uncapped, a
        // transaction recursing into 200 contracts in turn parked 60,000 machines and ran out
        // of mappings, a host error); past it the machine is unmapped, as before.
        guard !pooled, let m = slot.take() else { return nil }
        if let kept, kept.image === self {
            if ContractImage.admitParked() { kept.spares.append(m) }
            return nil
        }
        return m
    }
}

/// What a transaction keeps of a native contract (`EEHost.keep`): its image, and the machines
/// its frames released when the image's pool was full, reused by its next frames and dropped
/// with the transaction. Used by the transaction's thread only.
final class KeptImage {
    let image: ContractImage
    @exclusivity(unchecked) var spares: [RISCVMachine] = []
    init(_ image: ContractImage) { self.image = image }
    deinit {
        if !spares.isEmpty { ContractImage.unpark(spares.count) }
        while let m = spares.popLast() { image.spare(m) }
    }
}

/// Machines wiped to a new machine's state (`RISCVMachine.wipe`) with their guest memory still
/// mapped: the templates and parked machines of images that left the cache, and transactions'
/// spare machines. A new image's template and its frames' first machines are built on them
/// rather than on new mappings: a new machine's mmap, the page faults of every page it touches
/// and its munmap when its image was evicted were about half of the first call of a small
/// contract not run before in the process (40 us of a counter's first get(), where a call of a
/// cached one takes 1.5 us).
enum SpareMachines {
    /// Handed from the machine's last owner to its next through the list: one owner at a time.
    private struct Spare: @unchecked Sendable { let machine: RISCVMachine }
    private static let spares = Locked<[Spare]>([])
    /// At most this many, the oldest dropped (unmapped) for a new one, so that spares of a
    /// memory size nothing takes do not stay for good (a review filled the list with 8 MiB
    /// machines, and every later eviction unmapped its machines). One guest memory mapping
    /// each, with at most `residentImageLimit` of image pages and 64 KiB each of heap and stack
    /// resident: about 24 MiB for 64 spares at worst.
    static let limit = 64
    /// Images whose pages with file bytes and writable pages take more than this leave spares
    /// with no page resident.
    static let residentImageLimit: UInt64 = 256 << 10

    /// Spares kept now (tests).
    static var count: Int { spares.withLock { $0.count } }
    /// While true, `take` finds none (the native_frames fuzz target compares images and frames
    /// built on spares with ones built on new machines).
    static var bypassed: Bool {
        get { bypass.load(ordering: .relaxed) }
        set { bypass.store(newValue, ordering: .relaxed) }
    }
    private static let bypass = Atomic<Bool>(false)

    /// Keeps `machine` (its last owner's only reference) wiped (`RISCVMachine.wipe`: it may
    /// hold a byte other than zero only in `dirty`; nil gives back every page), dropping the
    /// oldest spare when there are `limit`. A machine that cannot be wiped is dropped.
    static func give(_ machine: RISCVMachine, dirty: [Range<UInt64>]?, giveBackBelow: UInt64) {
        guard machine.wipe(dirty: dirty, giveBackBelow: giveBackBelow) else { return }
        // Unmapped after the lock.
        let dropped = spares.withLock { s -> Spare? in
            s.append(Spare(machine: machine))
            return s.count > limit ? s.removeFirst() : nil
        }
        withExtendedLifetime(dropped) {}
    }

    /// A spare of this memory size and xlen with `schedule`'s costs, else a new machine.
    /// - Throws: what `RISCVMachine.init` throws.
    static func takeOrMake(memorySize: UInt64, xlen: UInt32, schedule: GasSchedule) throws(EEError) -> RISCVMachine {
        if let spare = try take(memorySize: memorySize, xlen: xlen, schedule: schedule) { return spare }
        return try RISCVMachine(memorySize: memorySize, xlen: xlen, schedule: schedule)
    }

    /// A spare of this memory size and xlen with `schedule`'s costs, or nil (build a new one).
    /// - Throws: what `RISCVMachine.init` throws for a bad configuration.
    static func take(memorySize: UInt64, xlen: UInt32, schedule: GasSchedule) throws(EEError) -> RISCVMachine? {
        try RISCVMachine.validate(memorySize: memorySize, xlen: xlen, schedule: schedule)
        if bypassed { return nil }
        let m = spares.withLock { s -> RISCVMachine? in
            guard let i = s.lastIndex(where: { $0.machine.memorySize == memorySize && $0.machine.xlen == xlen }) else {
                return nil
            }
            return s.remove(at: i).machine
        }
        m?.adopt(schedule)
        return m
    }
}

/// Membership in sorted, disjoint ranges for ascending queries: one sweep over the ranges.
struct AscendingRanges {
    private let ranges: [Range<UInt64>]
    private var next = 0
    init(_ ranges: [Range<UInt64>]) { self.ranges = ranges }
    mutating func contains(_ a: UInt64) -> Bool {
        while next < ranges.count, ranges[next].upperBound <= a { next += 1 }
        return next < ranges.count && ranges[next].contains(a)
    }
}

/// Parsed-and-decoded contract images by code hash and memory configuration (process-wide).
enum ContractImageCache {
    private struct Key: Hashable {
        var hash: Bytes32
        var settings: ContractImage.Settings
    }
    private struct State {
        var images: [Key: ContractImage] = [:]
        /// The last image found or built (nil: none) and its key, apart: an optional tuple was
        /// copied out (a memmove of the key) on every frame's lookup.
        var lastImage: ContractImage?
        var lastKey = Key(hash: .zero, settings: ContractImage.Settings(RISCVEnvironment.Configuration(), schedule: .default))
        /// Images built per code hash while they are cached (emptied with the cache), for tests.
        var loadsByHash: [Bytes32: Int] = [:]
        /// `templateBytes` of the cached images.
        var bytes = 0
        /// frameErgs (nil: unpayable) and templateBytes of images not built because a frame
        /// could not pay them or its transaction could not keep them, so that calls that keep
        /// failing do not parse the headers again each time (a review's 224 KB ELF with 4,000
        /// program headers: 180 us per one-gas call).
        var charges: [Key: (ergs: UInt64?, bytes: Int)] = [:]
    }
    private static let state = Locked(State())
    /// At most 256 images and 512 MiB of their `templateBytes`; a new image that would pass
    /// either evicts cached ones until it fits (images in use stay alive with their frames), in
    /// the dictionary's (hash) order but with a second chance: an image found since the scan
    /// last passed it is skipped once. Emptying the whole cache, as before, let a transaction
    /// that cycles through one image more than fits rebuild every image at every call; plain
    /// hash order could evict the image every call uses while images called once stayed; and
    /// evicting the image used longest ago (tried in the forty-second session) made the first
    /// call of a contract 13.5 -> 17.5 us when every call is a first one: the machine of the
    /// oldest image is the coldest in the CPU's caches when a new image is built on it, and the
    /// scan of all 256 images took about 0.8 us more.
    private static let defaultLimit = 256
    /// The number of images kept (`defaultLimit`; a test lowers it in a child process of its own
    /// to reach eviction in a few calls).
    nonisolated(unsafe) static var limit = defaultLimit
    private static let byteLimit = 512 << 20

    /// The image of `code`, built on a cache miss only if a frame with `ergs` can pay its
    /// `frameErgs` and `host`'s transaction can keep it (both checked from the program
    /// headers): `.unpayable` / `.refused(reason)` otherwise, and nothing is built.
    /// On a miss the image `host`'s running transaction keeps (`EEHost.keep`: every frame keeps
    /// its image) is taken: a transaction that cycles through more images than this cache holds
    /// builds each once (its first, cold, access pays), not at every call (a review's 300 small
    /// contracts: 2.8 s for one transaction; 700: 42 s).
    /// - Throws: `EEError.elf` if the ELF is malformed or does not fit `maxMemorySize`.
    enum Outcome {
        case image(ContractImage)
        case unpayable
        case refused(String)
    }

    static func image(
        for code: Bytecode, settings: ContractImage.Settings, ergs: UInt64, host: any EEHost
    ) throws(EEError) -> Outcome {
        let key = Key(hash: code.hash, settings: settings)
        enum Lookup { case hit(ContractImage), known(ergs: UInt64?, bytes: Int), miss }
        let found: Lookup = state.withLock { s in
            // The last hit first: comparing a key is cheaper than hashing it.
            if let img = s.lastImage, s.lastKey == key {
                img.cacheReferenced = true
                return .hit(img)
            }
            if let img = s.images[key] {
                s.lastKey = key
                s.lastImage = img
                img.cacheReferenced = true
                return .hit(img)
            }
            if let c = s.charges[key] { return .known(ergs: c.ergs, bytes: c.bytes) }
            return .miss
        }
        func check(_ charge: UInt64?, _ bytes: Int) -> Outcome? {
            guard let charge, ergs >= charge else { return .unpayable }
            if let reason = host.keepRefusal(bytes: bytes) { return .refused(reason) }
            return nil
        }
        if case .hit(let img) = found { return .image(img) }
        // What the transaction keeps for this code, if it was built for these settings (a host
        // keeps one object per code; another RISC-V configuration in the same transaction
        // builds or finds its own image).
        switch host.keptObject(for: code) {
        case let kept as KeptImage where kept.image.settings == settings: return .image(kept.image)
        case let kept as ContractImage where kept.settings == settings: return .image(kept)
        default: break
        }
        if case .known(let charge, let bytes) = found, let no = check(charge, bytes) { return no }
        let layout = try ContractImage.Layout(elf: code.bytes, settings: settings)
        if let no = check(layout.frameErgs, layout.templateBytes) {
            state.withLock { s in
                if s.charges.count >= 4096, s.charges[key] == nil { s.charges.remove(at: s.charges.startIndex) }
                s.charges[key] = (layout.frameErgs, layout.templateBytes)
            }
            return no
        }
        // Built outside the lock (parsing and decoding take a while); a racing builder of the
        // same image wastes only its work.
        let img = try ContractImage(layout)
        // Evicted images are released after the lock: an image's deinit unmaps the machines
        // of its pool (up to 1,024), which must not stall every thread's lookups (a review).
        var evicted: [ContractImage] = []
        defer { withExtendedLifetime(evicted) {} }
        state.withLock { s in
            while !s.images.isEmpty, s.images.count >= limit || s.bytes + img.templateBytes > byteLimit {
                // The first image in the dictionary's order not found since the scan last
                // passed it (the scan clears the bits it passes); the first of all if every
                // one was.
                var victim = s.images.startIndex
                var i = s.images.startIndex
                while i != s.images.endIndex {
                    let candidate = s.images.values[i]
                    if !candidate.cacheReferenced { victim = i; break }
                    candidate.cacheReferenced = false
                    i = s.images.index(after: i)
                }
                let (k, old) = s.images[victim]
                s.images.removeValue(forKey: k)
                evicted.append(old)
                s.bytes -= old.templateBytes
                s.loadsByHash[k.hash] = nil
                if s.lastImage != nil, s.lastKey == k { s.lastImage = nil }
            }
            if s.images.updateValue(img, forKey: key) == nil { s.bytes += img.templateBytes }
            s.lastKey = key
            s.lastImage = img
            s.loadsByHash[code.hash, default: 0] += 1
        }
        return .image(img)
    }

    static func loadCount(of hash: Bytes32) -> Int { state.withLock { $0.loadsByHash[hash] ?? 0 } }

    /// Empties the cache, as evicting every image one by one would (tests: the machines of
    /// images nothing else holds become spares).
    static func evictAll() {
        let evicted = state.withLock { s in
            defer {
                s.images.removeAll()
                s.bytes = 0
                s.loadsByHash.removeAll()
                s.lastImage = nil
            }
            return Array(s.images.values)
        }
        withExtendedLifetime(evicted) {}
    }
    /// A parked machine of some other cached image with the same memory size and xlen.
    static func parkedMachine(memorySize: UInt64, xlen: UInt32, notOf image: ContractImage)
        -> (RISCVMachine, [Range<UInt64>])?
    {
        let candidates = state.withLock { s in
            s.images.values.filter { $0 !== image && $0.memorySize == memorySize && $0.xlen == xlen }
        }
        for c in candidates { if let m = c.donateParked() { return m } }
        return nil
    }

    /// The sum of one counter over the cached images of the code with this hash (tests).
    static func count(of hash: Bytes32, _ counter: (ContractImage) -> Int) -> Int {
        let images = state.withLock { s in s.images.filter { $0.key.hash == hash }.map(\.value) }
        return images.reduce(0) { $0 + counter($1) }
    }
}

/// Where an ELF file ends inside deployment data (the constructor arguments follow it).
public enum ContractELF {
    /// max(end of the ELF header, of the program and section header tables, of every
    /// segment's file range, of every section's file range) for a 32- or 64-bit little-endian
    /// ELF at the start of `data`.
    /// - Throws: `EEError.elf` if the headers are truncated or point past the data.
    public static func length(of data: Bytes) throws(EEError) -> Int {
        guard data.count >= 4, data[0] == 0x7f, data[1] == 0x45, data[2] == 0x4c, data[3] == 0x46 else {
            throw .elf(.notELF)
        }
        guard data.count >= 16 else { throw .elf(.truncated("identification")) }
        let is64: Bool
        switch data[4] {
        case 1: is64 = false
        case 2: is64 = true
        default: throw .elf(.wrongClass(data[4]))
        }
        guard data[5] == 1 else { throw .elf(.wrongEndianness) }
        let ehsize = is64 ? 64 : 52
        guard data.count >= ehsize else { throw .elf(.truncated("ELF header")) }
        // The loader's own checks first where they decide how the rest is read (a review found
        // a wrong class byte reported as "truncated file (program header size)").
        let declaredHeader = UInt16(data[is64 ? 52 : 40]) | UInt16(data[is64 ? 53 : 41]) << 8
        guard Int(declaredHeader) == ehsize else { throw .elf(.headerSize(declaredHeader, xlen: is64 ? 64 : 32)) }
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
            guard phentsize == (is64 ? 56 : 32) else { throw .elf(.programHeaderSize(UInt16(phentsize))) }
            try extend(phoff, phentsize &* phnum, "program headers")
            for i in 0..<phnum {
                let b = Int(phoff + i * phentsize)
                let off = is64 ? u(b + 8, 8) : u(b + 4, 4)
                let filesz = is64 ? u(b + 32, 8) : u(b + 16, 4)
                if filesz > 0 { try extend(off, filesz, "segment \(i): its file bytes end past the \(size) bytes given") }
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
