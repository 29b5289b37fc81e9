import CEVM
import CRISCV
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one type that holds unsafe pointers for the RISC-V EE: guest memory, page
/// permissions, the decoded-instruction cache and the hart state, passed to CRISCV.
///
/// Every host-side access to guest memory goes through the bounds-checked helpers here;
/// the C core checks guest accesses itself.
public final class RISCVMachine {
    public static let pageSize: UInt64 = UInt64(CRV_PAGE_SIZE)
    /// The largest guest memory accepted (4 GiB: the whole RV32 address space).
    public static let maxMemory: UInt64 = 4 << 30

    public let memorySize: UInt64
    public let xlen: UInt32
    private let data: UnsafeMutablePointer<UInt8>
    private let perms: UnsafeMutablePointer<UInt8>
    // `@exclusivity(unchecked)`: these properties are read and written on every state access
    // of every transaction, never re-entrantly (no closure or callback touches a property
    // while it is being modified); the dynamic exclusivity checks on them were about a fifth
    // of a native token transfer's CPU time.
    @exclusivity(unchecked) private var code: UnsafeMutablePointer<crv_insn>?
    /// Bytes of `code` that are a mapping (munmap'ed), 0 when it came from the heap.
    @exclusivity(unchecked) private var codeMappedBytes = 0
    /// The `calloc` block holding the decoded code when it was allocated zeroed (the code starts
    /// at its first 64-byte boundary).
    @exclusivity(unchecked) private var codeBlock: UnsafeMutableRawPointer?
    // The core's structs live in memory of their own (not in stored properties), so that
    // `crv_run` and an in-loop system-call handler (`setEcallHandler`) see the same hart
    // state, and no inout access is open while the core runs.
    private let mem: UnsafeMutablePointer<crv_memory>
    private let cpu: UnsafeMutablePointer<crv_cpu>
    private let costs: UnsafeMutablePointer<crv_costs>

    /// The configuration checks of `init`, which reserve nothing: `EEError.invalidConfiguration`
    /// for a bad size, xlen or schedule.
    static func validate(memorySize: UInt64, xlen: UInt32, schedule: GasSchedule) throws(EEError) {
        guard xlen == 32 || xlen == 64 else { throw .invalidConfiguration("xlen \(xlen)") }
        try schedule.validate()
        guard memorySize >= RISCVMachine.pageSize * 16, memorySize % RISCVMachine.pageSize == 0,
            memorySize <= RISCVMachine.maxMemory
        else {
            throw .invalidConfiguration(
                "guest memory of \(memorySize) bytes (want a multiple of 4 KiB between 64 KiB and 4 GiB)")
        }
    }

    /// - Parameters:
    ///   - memorySize: guest memory in bytes, a multiple of 4 KiB, at most `maxMemory`.
    ///   - xlen: 32 or 64.
    ///   - schedule: instruction costs (the budget is in the same unit).
    /// - Throws: `EEError.invalidConfiguration` for a bad size, xlen or schedule
    ///   (`GasSchedule.validate`); `EEError.hostResources` when the host cannot reserve the
    ///   memory (an address-space limit such as `ulimit -v`, or strict overcommit).
    public init(memorySize: UInt64, xlen: UInt32, schedule: GasSchedule) throws(EEError) {
        try Self.validate(memorySize: memorySize, xlen: xlen, schedule: schedule)
        // mmap, not calloc: the kernel's zero pages back only what the guest touches. calloc
        // of 1 MiB comes from the heap once glibc's mmap threshold has grown (after large
        // frees) and is then zeroed by memset: 1 MiB per new frame machine, which made deep
        // native recursion cost ~100x more CPU per gas than the EVM (review finding).
        let raw = mmap(nil, Int(memorySize), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let d = raw, d != MAP_FAILED else {
            throw .hostResources("cannot reserve \(memorySize) bytes of guest memory: \(String(cString: strerror(errno)))")
        }
        let pages = Int(memorySize / RISCVMachine.pageSize)
        guard let p = calloc(pages, 1) else {
            munmap(d, Int(memorySize))
            throw .hostResources("cannot allocate the page table of \(memorySize) bytes of guest memory")
        }
        self.memorySize = memorySize
        self.xlen = xlen
        data = d.assumingMemoryBound(to: UInt8.self)
        perms = p.assumingMemoryBound(to: UInt8.self)
        mem = .allocate(capacity: 1)
        mem.initialize(to: crv_memory(
            data: data, size: memorySize, perms: perms, code: nil, code_lo: 0, code_hi: 0, ecall: nil, ecall_ctx: nil))
        costs = .allocate(capacity: 1)
        costs.initialize(to: RISCVMachine.costs(schedule))
        cpu = .allocate(capacity: 1)
        cpu.initialize(to: crv_cpu())
        cpu.pointee.xlen = xlen
    }

    /// The core's instruction costs under `schedule`.
    private static func costs(_ schedule: GasSchedule) -> crv_costs {
        crv_costs(
            alu: schedule.riscvALU, load: schedule.riscvLoad, store: schedule.riscvStore,
            branch: schedule.riscvBranch, jump: schedule.riscvJump, mul: schedule.riscvMul,
            div: schedule.riscvDiv, system: schedule.riscvSystem, code_store: schedule.riscvCodeStore)
    }

    deinit {
        munmap(data, Int(memorySize))
        free(perms)
        releaseCode()
        mem.deallocate()
        cpu.deallocate()
        costs.deallocate()
    }

    // MARK: Permissions and code

    public struct Permissions: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let read = Permissions(rawValue: UInt8(CRV_PERM_R))
        public static let write = Permissions(rawValue: UInt8(CRV_PERM_W))
        public static let execute = Permissions(rawValue: UInt8(CRV_PERM_X))
    }

    /// Sets the permissions of every page overlapping [start, end), or adds to them. Pages
    /// inside the code range (`setCodeRange`) are decoded again, so a page made executable
    /// after the code range was set runs its instructions.
    public func protect(_ start: UInt64, _ end: UInt64, _ p: Permissions, adding: Bool = false) {
        guard start < end, start < memorySize else { return }
        let first = Int(start / RISCVMachine.pageSize)
        let last = Int(min(end, memorySize).addingReportingOverflow(RISCVMachine.pageSize - 1).partialValue / RISCVMachine.pageSize)
        let x = UInt8(CRV_PERM_X)
        var executionChanged = false
        for i in first..<max(first, last) {
            let old = perms[i]
            // CRV_PERM_LAZY stays (it describes this machine's decoded code, not the page), and
            // so do the bits a decode derives while X stays: the page's decoding does not change
            // (dropping CRV_PERM_NOCODE made stores into a page without instructions pay a code
            // store after a `protect` that only added W; a lazily decoded page got it back).
            let keep = UInt8(CRV_PERM_LAZY) | ((old ^ p.rawValue) & x == 0 ? UInt8(CRV_PERM_NOCODE) | UInt8(CRV_PERM_NOCODE_RAN) : 0)
            perms[i] = adding ? old | p.rawValue : old & keep | p.rawValue
            if (old ^ perms[i]) & x != 0 { executionChanged = true }
        }
        // Let the core re-derive its fast-path bits for these pages and their neighbour
        // (lead: required by the direct-threaded CRISCV; without it accesses take the slow path).
        crv_perms_sync(mem, start, end)
        // A decoded slot records whether its page was executable (review finding: code made
        // executable after setCodeRange trapped with an instruction access fault). Only a
        // change of X inside the code range decodes again (a stack or heap page never does).
        if executionChanged, code != nil, start < mem.pointee.code_hi, end > mem.pointee.code_lo {
            crv_decode(mem, costs, xlen, max(start, mem.pointee.code_lo), min(end, mem.pointee.code_hi))
            executePermissionsChanged = true
        }
    }

    /// `protect` changed the execute permission of a page in the code range since the last
    /// `reset` / `restore` (which then decodes such pages again; contracts never do it).
    @exclusivity(unchecked) private var executePermissionsChanged = false

    public func permissions(at address: UInt64) -> Permissions {
        guard address < memorySize else { return [] }
        return Permissions(rawValue: perms[Int(address / RISCVMachine.pageSize)] & UInt8(CRV_PERM_MASK))
    }

    /// Frees or unmaps the decoded code.
    private func releaseCode() {
        if let c = code {
            if codeMappedBytes > 0 {
                munmap(c, codeMappedBytes)
            } else if let base = codeBlock {
                free(base)
            } else {
                c.deallocate()
            }
        }
        code = nil
        codeMappedBytes = 0
        codeBlock = nil
    }

    /// This machine's decoded code copied into a fresh, unlinked shared-memory file, which
    /// machines reset from this one (`reset(from:copy:zero:sharing:)`) map copy-on-write instead
    /// of copying the code; nil without code, at most `sharedCodeMinimum` or above 64 MiB of
    /// it, or where shared memory is unavailable (they copy it then). Only reads this machine:
    /// a contract image makes it from its template while other threads reset machines from it.
    func shareDecodedCode() -> SharedDecodedCode? {
        guard let c = code else { return nil }
        let bytes = decodedCodeBytes
        guard let (p, fd, size) = RISCVMachine.sharedCode(bytes: bytes) else { return nil }
        memcpy(p, c, bytes)
        munmap(p, size)
        return SharedDecodedCode(fd: fd, size: size)
    }

    /// A zeroed MAP_SHARED mapping of a fresh, unlinked shared-memory file of `bytes` (rounded
    /// up to whole pages). Nil where shared memory is unavailable.
    private static func sharedCode(bytes: Int) -> (UnsafeMutableRawPointer, Int32, Int)? {
        let size = (max(bytes, 1) + 4095) & ~4095
        // Contracts decode to a few MiB at most; a larger range (an executable .bss) stays on
        // the heap, and /dev/shm may be small (64 MiB in a default Docker container). So does
        // a small one: a file, its mapping and the page faults of each machine's copy-on-write
        // mapping cost more than copying 68 KiB (review finding: the first call of each of
        // 2,000 small contracts took 180 us, a quarter of it in the shared file).
        guard size > sharedCodeMinimum, size <= 64 << 20 else { return nil }
        let name = "/eekit-code-\(getpid())-\(sharedCodeCounter.add(1, ordering: .relaxed).newValue)"
        var fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        shm_unlink(name)
        // Never 0, 1 or 2 (review finding): with stdin or stdout closed the file took that
        // number, and a guest's read(0) / write(1) in `rv run` read or overwrote the decoded
        // code (host pointers included) instead of failing with EBADF as under Linux.
        if fd <= 2 {
            let high = fcntl(fd, F_DUPFD_CLOEXEC, 3)
            close(fd)
            guard high >= 3 else { return nil }
            fd = high
        }
        // Reserved up front: a page the file system cannot back would otherwise be a SIGBUS
        // when decoding writes it; without room the code comes from the heap.
        guard ftruncate(fd, off_t(size)) == 0, posix_fallocate(fd, 0, off_t(size)) == 0,
            let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED
        else {
            close(fd)
            return nil
        }
        return (p, fd, size)
    }
    private static let sharedCodeCounter = Atomic<Int>(0)
    /// Decoded code up to this size (a code range of two pages: 2,048 slots and the core's two
    /// more, 32 bytes each, in whole pages) is copied, not shared.
    static let sharedCodeMinimum = 68 << 10

    /// Storage for `n` decoded-instruction units, 64-byte aligned: a 4-byte slot's 32 bytes then
    /// never straddle two cache lines (with malloc's 16-byte alignment half of the slots did
    /// whenever the block started 16 bytes past a line, as large blocks do).
    /// Nil when the host cannot allocate it (freed by `releaseCode`, with `free`).
    static func allocateCode(_ n: Int) -> UnsafeMutablePointer<crv_insn>? {
        aligned_alloc(64, n * MemoryLayout<crv_insn>.stride)?.bindMemory(to: crv_insn.self, capacity: n)
    }

    /// The most host memory a decoded-instruction cache may take: 3 GiB, a code range of about
    /// 384 MiB (a 256 MiB executable .bss, as `-Wl,-N` links it, takes 2.4 s and 2.4 GB). The
    /// cache covers the whole range from the lowest to the highest executable page and is
    /// decoded up front, so two executable segments 1 GiB apart took 8 GiB and 20 s before
    /// the first instruction, and a wider range crashed on the allocation.
    public static let maxDecodedBytes: UInt64 = 3 << 30

    /// Allocates the decoded-instruction cache for [lo, hi) (page aligned) and decodes it.
    /// Call after the code is in memory.
    /// - Throws: `EEError.elf(.codeRangeTooLarge)` above `maxDecodedBytes`,
    ///   `EEError.hostResources` when the host cannot allocate it.
    public func setCodeRange(_ lo: UInt64, _ hi: UInt64) throws(EEError) {
        guard !running else { throw .invalidConfiguration("setCodeRange while the machine runs (from its ecall handler)") }
        let page = RISCVMachine.pageSize
        guard lo <= hi, hi <= memorySize, lo % page == 0, hi % page == 0 else {
            throw .invalidConfiguration("code range 0x\(String(lo, radix: 16))-0x\(String(hi, radix: 16)) is not page-aligned within guest memory")
        }
        let n = crv_code_entries(lo, hi)
        let bytes = UInt64(max(n, 1)) * UInt64(MemoryLayout<crv_insn>.stride)
        guard bytes <= RISCVMachine.maxDecodedBytes else {
            throw .elf(.codeRangeTooLarge(low: lo, high: hi, decodedBytes: bytes, limit: RISCVMachine.maxDecodedBytes))
        }
        releaseCode()
        // More than a page of code (`lazyDecodingFromPages`) is decoded a page at a time as
        // execution first enters it (`crv_decode_lazy`), into a zeroed buffer, as the core needs:
        // calloc leaves the pages the allocator maps fresh untouched (they cost nothing until a
        // page is decoded) and zeroes a reused block (resident already: no page faults). The
        // first call of a contract with 8 pages of code decoded all of them and faulted in 256
        // KiB of decoded code to run one or two, about two thirds of the call.
        // A smaller range is decoded whole into a block from the heap, not zeroed first
        // (crv_decode writes every slot, the sentinel and the header). Either way a contract
        // image's template shares its code (`shareDecodedCode`) only once the image needs a
        // second machine: decoding into a shared-memory file up front (its fallocate, page faults
        // and, with the image, its removal) was three quarters of the first call of a contract
        // with 5 pages of code, 190 us.
        let lazy = hi - lo >= UInt64(max(1, RISCVMachine.lazyDecodingFromPages)) * page && RISCVMachine.decodesOnFirstRun
        var c: UnsafeMutablePointer<crv_insn>?
        if !lazy {
            c = RISCVMachine.allocateCode(max(n, 1))
        } else if let block = calloc(Int(bytes) + 64, 1) {
            let aligned = UnsafeMutableRawPointer(bitPattern: (UInt(bitPattern: block) + 63) & ~63)!
            c = aligned.bindMemory(to: crv_insn.self, capacity: max(n, 1))
            codeBlock = block
        }
        guard let c else {
            // Within the limit, but the host has not the memory (a review ran under `ulimit -v`
            // and read "would take 786496 KiB ... more than the 3145728 KiB EEKit decodes").
            throw .hostResources(
                "cannot allocate \(bytes >> 10) KiB for the decoded code of 0x\(String(lo, radix: 16))-0x\(String(hi, radix: 16)) (32 host bytes per 4-byte instruction slot)")
        }
        code = c
        mem.pointee.code = c
        mem.pointee.code_lo = lo
        mem.pointee.code_hi = hi
        if lazy {
            crv_decode_lazy(mem, costs, xlen, lo, hi)
        } else {
            crv_decode(mem, costs, xlen, lo, hi)
        }
    }

    public var codeRange: Range<UInt64> { mem.pointee.code_lo..<mem.pointee.code_hi }

    /// Whether `setCodeRange` of more than a page defers decoding each page until execution
    /// first enters it (true, the default) or decodes the whole range at once (false: tests
    /// and the fuzz targets compare both). Read by `setCodeRange`.
    public static var decodesOnFirstRun: Bool {
        get { lazyDecoding.load(ordering: .relaxed) }
        set { lazyDecoding.store(newValue, ordering: .relaxed) }
    }
    private static let lazyDecoding = Atomic<Bool>(true)
    /// The smallest code range, in pages, whose decoding `setCodeRange` defers: 2 (a one-page
    /// range runs its page anyway, and a zeroed buffer costs more than a reused one written
    /// whole); tests and the fuzz targets set 1 to defer every range.
    public static var lazyDecodingFromPages: Int {
        get { lazyFrom.load(ordering: .relaxed) }
        set { lazyFrom.store(newValue, ordering: .relaxed) }
    }
    private static let lazyFrom = Atomic<Int>(defaultLazyDecodingFromPages)
    /// `lazyDecodingFromPages` as the process starts.
    public static let defaultLazyDecodingFromPages = 2

    /// Pages of the code range not decoded yet (`setCodeRange` defers them until they run).
    public var undecodedPages: Int {
        guard code != nil else { return 0 }
        var n = 0
        var p = mem.pointee.code_lo
        while p < mem.pointee.code_hi, p < memorySize {
            if perms[Int(p / RISCVMachine.pageSize)] & UInt8(CRV_PERM_LAZY) != 0 { n += 1 }
            p += RISCVMachine.pageSize
        }
        return n
    }

    /// Decodes every page of the code range not decoded yet and writes every handler (a machine
    /// about to be a contract image's template, which other machines copy whole).
    func decodeAll() {
        guard code != nil else { return }
        if undecodedPages > 0 { crv_decode_pending(mem, costs, xlen, mem.pointee.code_lo, mem.pointee.code_hi) }
        prepareHandlers()
    }

    /// Runs `body` (which copies permission bytes from another machine or a snapshot) keeping
    /// the CRV_PERM_LAZY bits of the code range's pages as they were, whatever the copied bytes
    /// say: they describe this machine's decoded code, which a restore keeps (a page the copy
    /// called decoded would hold this machine's zero slots, and a snapshot taken before a page
    /// ran calls it not decoded).
    private func keepingLazyBits(source: UnsafePointer<UInt8>, _ body: () -> Void) {
        let page = RISCVMachine.pageSize, lazy = UInt8(CRV_PERM_LAZY)
        let lo = Int(mem.pointee.code_lo / page), hi = Int(min(mem.pointee.code_hi, memorySize) / page)
        // Nothing to keep when neither this machine nor the source has the bit there (a contract
        // image's template is decoded whole, and a snapshot drops it).
        guard code != nil, lo < hi, (lo..<hi).contains(where: { (perms[$0] | source[$0]) & lazy != 0 }) else {
            body()
            return
        }
        // The bits a decode derives (CRV_PERM_NOCODE, _RAN) follow the decoding too: a page not
        // decoded here has none (as crv_decode_lazy leaves it: a NOCODE copied from a source that
        // decoded the page let stores into it take the inline path undecoded), and a page decoded
        // here but not in the copy keeps its own (without them a store into a page with no
        // instruction paid a code store: a review).
        let derived = UInt8(CRV_PERM_NOCODE) | UInt8(CRV_PERM_NOCODE_RAN)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: hi - lo) { own in
            for i in lo..<hi { own[i - lo] = perms[i] & (lazy | derived) }
            body()
            var differed = false
            for i in lo..<hi {
                let mine = own[i - lo], copied = perms[i]
                if mine & lazy != 0 {
                    if copied & (lazy | derived) != lazy { differed = true }
                    perms[i] = copied & ~derived | lazy
                } else if copied & lazy != 0 {
                    differed = true
                    perms[i] = copied & ~(lazy | derived) | mine
                }
            }
            if differed { crv_perms_sync(mem, UInt64(lo) * page, UInt64(hi) * page) }
        }
    }

    /// Host bytes of the decoded-instruction cache: one 32-byte slot per 4 bytes of the code
    /// range (executable or not, so an executable .bss or a gap between executable segments
    /// counts), all of it written. 0 without a code range.
    public var decodedCodeBytes: Int {
        guard code != nil else { return 0 }
        return max(crv_code_entries(mem.pointee.code_lo, mem.pointee.code_hi), 1) * MemoryLayout<crv_insn>.stride
    }

    /// The in-loop system-call handler: while set, `run` calls its `handleEcall` at each ecall
    /// (arguments in a0...a7, pc after the ecall, the budget as usual) and keeps the hart
    /// running when it returns true, so system calls that neither end nor preempt the program
    /// cost no return from the core. The handler may use every accessor of this machine
    /// (registers a0 and a1, the budget, lowered only, guest memory, permissions), but must not
    /// call `run`, `reset`, `restore` or `setCodeRange` on it: the core is running on its
    /// decoded code and hart state (CRISCV.h says the same of the C callback), so `run` stops
    /// the process with a precondition failure, `reset` and `restore` return false and
    /// `setCodeRange` throws; when it
    /// returns false, `run` returns `.ecall` for that ecall as without a handler. The machine
    /// keeps the handler alive until it is replaced or cleared (a handler that holds the
    /// machine makes a cycle until then). It used to be unretained, so a caller that let its
    /// handler go crashed at the next `run` (an audit's finding).
    public func setEcallHandler(_ handler: RISCVEcallHandler?) {
        installEcallHandler(handler)
        retainedEcallHandler = handler
    }

    /// `setEcallHandler` without keeping the handler alive, for an owner that clears it before
    /// it goes away (the RISC-V EE, whose machine it holds: a cycle otherwise, and a leaked
    /// machine if the frame is abandoned).
    func setUnretainedEcallHandler(_ handler: RISCVEcallHandler?) {
        installEcallHandler(handler)
        retainedEcallHandler = nil
    }

    private func installEcallHandler(_ handler: RISCVEcallHandler?) {
        ecallHandler = handler.map { Unmanaged.passUnretained($0) }
        mem.pointee.ecall = handler == nil ? nil : RISCVMachine.ecallThunk
        mem.pointee.ecall_ctx = handler == nil ? nil : Unmanaged.passUnretained(self).toOpaque()
    }
    @exclusivity(unchecked) private var ecallHandler: Unmanaged<RISCVEcallHandler>?
    @exclusivity(unchecked) private var retainedEcallHandler: RISCVEcallHandler?

    private static let ecallThunk: crv_ecall_fn = { ctx, _ in
        // Borrowed references only: no reference counting on a system call's path.
        Unmanaged<RISCVMachine>.fromOpaque(ctx!)._withUnsafeGuaranteedRef { m in
            guard let h = m.ecallHandler, h._withUnsafeGuaranteedRef({ $0.handleEcall(m) }) else {
                return Int32(CRV_ECALL_EXIT)
            }
            return Int32(CRV_ECALL_CONTINUE)
        }
    }

    /// Guest memory an image ending at `imageEnd` needs: the image rounded up to a page, one
    /// page more (a contract's is the guard page between heap and stack, so a contract's heap
    /// may be empty), and the stack (saturating at 2^64 - 1 for absurd images).
    static func neededBytes(imageEnd: UInt64, stackSize: UInt64) -> UInt64 {
        let page = pageSize
        let (rounded, o1) = imageEnd.addingReportingOverflow(page - 1)
        let (a, o2) = (rounded & ~(page - 1)).addingReportingOverflow(page)
        let (b, o3) = a.addingReportingOverflow(stackSize)
        return o1 || o2 || o3 ? UInt64.max : b
    }

    // MARK: Host access to guest memory

    private func inRange(_ address: UInt64, _ count: Int) -> Bool {
        let (end, o) = address.addingReportingOverflow(UInt64(count))
        return !o && end <= memorySize
    }

    /// True if every page of [address, address + count) has `needed`. An empty range is always
    /// accessible, wherever it points (as in the EVM, where a zero-length range never touches
    /// memory, and in Linux, where write(fd, p, 0) does not read p).
    public func isAccessible(_ address: UInt64, _ count: Int, _ needed: Permissions) -> Bool {
        if count == 0 { return true }
        guard count > 0 else { return false }
        guard inRange(address, count) else { return false }
        if hasPermissions(address, count, needed) { return true }
        // A system call touching demand-zero pages maps them, as a guest access would.
        let end = address + UInt64(count)
        guard needed.isSubset(of: [.read, .write]), address < demandZero.upperBound, end > demandZero.lowerBound,
            mapDemandZero(covering: max(address, demandZero.lowerBound))
        else { return false }
        return hasPermissions(address, count, needed)
    }

    private func hasPermissions(_ address: UInt64, _ count: Int, _ needed: Permissions) -> Bool {
        var page = address / RISCVMachine.pageSize
        let last = (address + UInt64(count) - 1) / RISCVMachine.pageSize
        while page <= last {
            if perms[Int(page)] & needed.rawValue != needed.rawValue { return false }
            page += 1
        }
        return true
    }

    // MARK: Demand-zero pages (native-contract stacks)

    /// Unmapped pages that become readable and writable when first touched: by the guest (the
    /// load or store fault comes back to the host, which calls `mapDemandZero` and resumes the
    /// hart: the faulting instruction was not charged, so metering is as if the pages had been
    /// mapped all along) or by a system call (`isAccessible` maps them). The range shrinks
    /// from the top: pages are mapped from the touched one up to `upperBound`. It must hold
    /// zeros, so a frame only has to wipe the pages it mapped. Empty by default.
    @exclusivity(unchecked) public private(set) var demandZero: Range<UInt64> = 0..<0
    /// The lowest page `mapDemandZero` mapped since this machine was made or wiped (`UInt64.max`:
    /// none): the pages from there up may be resident (`wipe`).
    @exclusivity(unchecked) private var deepestDemandZero = UInt64.max

    /// Sets the demand-zero range (page aligned, within memory); its pages should be unmapped
    /// and zero.
    public func setDemandZero(_ r: Range<UInt64>) {
        let page = RISCVMachine.pageSize
        guard r.lowerBound % page == 0, r.upperBound % page == 0, r.upperBound <= memorySize else { return }
        demandZero = r
    }

    /// Maps the demand-zero pages from the one holding `address` to the top of the range
    /// read-write. Returns false (and maps nothing) if `address` is not in the range.
    @discardableResult
    public func mapDemandZero(covering address: UInt64) -> Bool {
        guard demandZero.contains(address) else { return false }
        let first = address & ~(RISCVMachine.pageSize - 1)
        deepestDemandZero = min(deepestDemandZero, first)
        protect(first, demandZero.upperBound, [.read, .write])
        demandZero = demandZero.lowerBound..<first
        return true
    }

    /// Copies bytes into guest memory, ignoring page permissions (loader, stack set-up) but
    /// never its bounds; re-decodes code pages it touches. Returns false if out of range.
    @discardableResult
    public func load(_ bytes: some Collection<UInt8>, at address: UInt64) -> Bool {
        guard inRange(address, bytes.count) else { return false }
        decodePending(address, UInt64(bytes.count))
        let copied: Void? = bytes.withContiguousStorageIfAvailable { buf in
            if let base = buf.baseAddress { memcpy(data + Int(address), base, buf.count) }
        }
        if copied == nil {
            var i = Int(address)
            for b in bytes {
                data[i] = b
                i += 1
            }
        }
        invalidateCode(address, UInt64(bytes.count))
        return true
    }

    /// Zero-fills [address, address + count) (bounds-checked).
    /// - Parameter resident: write the zeros whatever the size, keeping the pages (a contract's
    ///   heap shrinking: giving pages back made every regrowth fault them in again, a host
    ///   cost the heap's page price did not cover).
    public func zero(_ address: UInt64, _ count: UInt64, resident: Bool = false) {
        guard count > 0, inRange(address, Int(clamping: count)) else { return }
        decodePending(address, count)
        // Large ranges give their whole pages back rather than writing them: a loader's 60 MiB
        // .bss is not faulted in before anything runs.
        if resident {
            memset(data + Int(address), 0, Int(count))
        } else {
            zeroGuestMemory(address..<address + count)
        }
        invalidateCode(address, count)
    }

    /// Decodes the deferred pages of the code range that [address, address + count) overlaps
    /// (`crv_decode_pending`), before a host write changes their bytes: each is decoded from
    /// the bytes it had when the code range was set, and the write is then charged
    /// (`decodedBytes`) and re-decoded as with the whole range decoded up front.
    private func decodePending(_ address: UInt64, _ count: UInt64) {
        guard code != nil, count > 0, address < mem.pointee.code_hi, address &+ count > mem.pointee.code_lo else { return }
        crv_decode_pending(mem, costs, xlen, address, address &+ count < address ? .max : address + count)
    }

    private func invalidateCode(_ address: UInt64, _ count: UInt64) {
        // Only the written slots and their neighbours' handlers (crv_decode would make the
        // core rewrite every handler of the code range before it runs on).
        forEachDecodedRun(address, count) { lo, n in crv_redecode(mem, costs, xlen, lo, n) }
    }

    /// Calls `body` for each run of [address, address + count) whose decoded code depends on
    /// the bytes written there: executable pages of the code range that hold instructions, as
    /// the core re-decodes after a guest store. The slots of other pages do not change with
    /// their bytes, and a CRV_PERM_NOCODE page (the .data or .bss of a read-write-execute
    /// segment) compares each word with its slot when it runs, so a write there needs nothing.
    private func forEachDecodedRun(_ address: UInt64, _ count: UInt64, _ body: (UInt64, UInt64) -> Void) {
        let codeLo = mem.pointee.code_lo, codeHi = mem.pointee.code_hi
        guard code != nil, count > 0, address < codeHi, address &+ count > codeLo, address &+ count > address else { return }
        decodePending(address, count)
        let page = RISCVMachine.pageSize
        let x = UInt8(CRV_PERM_X), nocode = UInt8(CRV_PERM_NOCODE)
        let lo = max(address, codeLo), hi = min(address + count, codeHi)
        var runStart: UInt64? = nil
        var p = lo & ~(page - 1)
        while p < hi {
            // (No page here is still CRV_PERM_LAZY: `decodePending` above decoded them.)
            let decoded = perms[Int(p / page)] & (x | nocode) == x
            let from = max(p, lo), to = min(p + page, hi)
            if decoded {
                if runStart == nil { runStart = from }
            } else if let s = runStart {
                body(s, from - s)
                runStart = nil
            }
            if to == hi, let s = runStart { body(s, to - s) }
            p += page
        }
    }

    /// Bytes of [address, address + count) whose write makes the host re-decode code (see
    /// `forEachDecodedRun`): what a system call writing there pays for.
    public func decodedBytes(in address: UInt64, count: UInt64) -> UInt64 {
        var n: UInt64 = 0
        forEachDecodedRun(address, count) { _, len in n += len }
        return n
    }

    /// Reads guest bytes for a system call: needs read permission on every page.
    public func read(_ address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, isAccessible(address, count, .read) else { return nil }
        if count == 0 { return [] }
        return Array(UnsafeBufferPointer(start: data + Int(address), count: count))
    }

    /// Writes guest bytes for a system call: needs write permission on every page.
    public func write(_ bytes: [UInt8], at address: UInt64) -> Bool {
        guard isAccessible(address, bytes.count, .write) else { return false }
        return bytes.isEmpty || load(bytes, at: address)
    }

    /// Lets `body` write guest bytes in place for a system call such as read(2): the whole
    /// range [address, address + count) must be writable, and is checked before `body` runs
    /// (as qemu-user checks a read buffer before reading, so a bad buffer consumes no input).
    /// `body` gets the range and returns how many bytes it wrote, or a negative value (an
    /// error: nothing written). Returns nil, without calling `body`, when the range is not
    /// writable; otherwise what `body` returned.
    public func fill(_ address: UInt64, count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) -> Int? {
        guard count >= 0, isAccessible(address, count, .write) else { return nil }
        decodePending(address, UInt64(count))
        let n = body(UnsafeMutableRawBufferPointer(start: count == 0 ? nil : data + Int(address), count: count))
        if n > 0 { invalidateCode(address, UInt64(min(n, count))) }
        return n
    }

    /// Reads a 32-byte word for a system call (needs read permission), big-endian (as the EVM
    /// stores numbers) or little-endian, without an intermediate array.
    public func readWord(_ address: UInt64, littleEndian: Bool = false) -> U256? {
        guard isAccessible(address, 32, .read) else { return nil }
        let p = UnsafeRawPointer(data + Int(address))
        func limb(_ k: Int) -> UInt64 { p.loadUnaligned(fromByteOffset: k, as: UInt64.self) }
        if littleEndian {
            return U256(limbs: (
                UInt64(littleEndian: limb(0)), UInt64(littleEndian: limb(8)), UInt64(littleEndian: limb(16)),
                UInt64(littleEndian: limb(24))))
        }
        return U256(limbs: (
            UInt64(bigEndian: limb(24)), UInt64(bigEndian: limb(16)), UInt64(bigEndian: limb(8)),
            UInt64(bigEndian: limb(0))))
    }

    /// Writes a 32-byte word for a system call (needs write permission), big- or little-endian.
    public func writeWord(_ v: U256, at address: UInt64, littleEndian: Bool = false) -> Bool {
        guard isAccessible(address, 32, .write) else { return false }
        decodePending(address, 32)
        let p = UnsafeMutableRawPointer(data + Int(address))
        if littleEndian {
            p.storeBytes(of: v.limbs.0.littleEndian, toByteOffset: 0, as: UInt64.self)
            p.storeBytes(of: v.limbs.1.littleEndian, toByteOffset: 8, as: UInt64.self)
            p.storeBytes(of: v.limbs.2.littleEndian, toByteOffset: 16, as: UInt64.self)
            p.storeBytes(of: v.limbs.3.littleEndian, toByteOffset: 24, as: UInt64.self)
        } else {
            p.storeBytes(of: v.limbs.3.bigEndian, toByteOffset: 0, as: UInt64.self)
            p.storeBytes(of: v.limbs.2.bigEndian, toByteOffset: 8, as: UInt64.self)
            p.storeBytes(of: v.limbs.1.bigEndian, toByteOffset: 16, as: UInt64.self)
            p.storeBytes(of: v.limbs.0.bigEndian, toByteOffset: 24, as: UInt64.self)
        }
        invalidateCode(address, 32)
        return true
    }

    /// Writes a 20-byte address (its bytes in order) for the host (needs write permission).
    public func writeAddress(_ a: Address, at address: UInt64) -> Bool {
        guard isAccessible(address, 20, .write) else { return false }
        decodePending(address, 20)
        let p = UnsafeMutableRawPointer(data + Int(address))
        p.storeBytes(of: a.hi.bigEndian, toByteOffset: 0, as: UInt32.self)
        p.storeBytes(of: a.mid.bigEndian, toByteOffset: 4, as: UInt64.self)
        p.storeBytes(of: a.lo.bigEndian, toByteOffset: 12, as: UInt64.self)
        invalidateCode(address, 20)
        return true
    }

    /// Writes a little-endian 64-bit number for the host (needs write permission).
    public func writeUInt64(_ v: UInt64, at address: UInt64) -> Bool {
        guard isAccessible(address, 8, .write) else { return false }
        decodePending(address, 8)
        UnsafeMutableRawPointer(data + Int(address)).storeBytes(of: v.littleEndian, as: UInt64.self)
        invalidateCode(address, 8)
        return true
    }

    /// Writes `count` bytes of `source` starting at `offset` (bytes past its end read as zero)
    /// for a system call such as calldata_copy (needs write permission), without an
    /// intermediate array.
    public func write(_ source: [UInt8], from offset: UInt64, count: Int, at address: UInt64) -> Bool {
        guard count >= 0, isAccessible(address, count, .write) else { return false }
        if count == 0 { return true }
        decodePending(address, UInt64(count))
        let dst = data + Int(address)
        var n = 0
        if offset < UInt64(source.count) {
            n = min(count, source.count - Int(offset))
            _ = source.withUnsafeBufferPointer { memcpy(dst, $0.baseAddress! + Int(offset), n) }
        }
        if n < count { memset(dst + n, 0, count - n) }
        invalidateCode(address, UInt64(count))
        return true
    }

    /// keccak256 of `count` guest bytes at `source`, written to the 32 bytes at `destination`
    /// (read and write permission needed), computed in place by the C keccak of CEVM.
    public func keccak256(_ source: UInt64, count: Int, into destination: UInt64) -> Bool {
        guard count >= 0, isAccessible(source, count, .read), isAccessible(destination, 32, .write) else {
            return false
        }
        decodePending(destination, 32)
        var h = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &h) { out in
            cevm_keccak256(count == 0 ? data : data + Int(source), count, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            memcpy(data + Int(destination), out.baseAddress!, 32)
        }
        invalidateCode(destination, 32)
        return true
    }

    /// The pages of [lo, hi) (page aligned) holding a byte other than zero, merged into ranges:
    /// all a machine with fresh (zero) memory has to copy from this one to match it there.
    func nonZeroPages(_ lo: UInt64, _ hi: UInt64) -> [Range<UInt64>] {
        pages(lo, hi) { a in
            let p = UnsafeRawPointer(data + Int(a))
            var k = 0
            while k < Int(RISCVMachine.pageSize) {
                if p.loadUnaligned(fromByteOffset: k, as: UInt64.self) != 0 { return true }
                k += 8
            }
            return false
        }
    }

    /// The pages of [lo, hi) (page aligned, clipped to memory) for which `selected(address)`
    /// holds, merged into ranges.
    func pages(_ lo: UInt64, _ hi: UInt64, where selected: (UInt64) -> Bool) -> [Range<UInt64>] {
        let page = RISCVMachine.pageSize
        var out: [Range<UInt64>] = []
        var a = lo
        while a < min(hi, memorySize) {
            if selected(a) {
                if let last = out.last, last.upperBound == a {
                    out[out.count - 1] = last.lowerBound..<a + page
                } else {
                    out.append(a..<a + page)
                }
            }
            a += page
        }
        return out
    }

    /// What retiring the instruction `word` at `address` costs: its class's price as the core
    /// charges it (a store that changes code pays `codeStoreCost` on top).
    func instructionCost(of word: UInt32, at address: UInt64) -> UInt64 {
        crv_insn_cost(mem, costs, xlen, word, address)
    }

    /// The surcharge of a store that changes code bytes (`GasSchedule.riscvCodeStore`).
    var codeStoreCost: UInt64 { UInt64(costs.pointee.code_store) }

    /// The 4-byte little-endian word at `address`, regardless of permissions (what a message
    /// names as the instruction there), nil out of range.
    func instructionWord(at address: UInt64) -> UInt32? {
        peek(address, count: 4).map { b in UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24 }
    }

    /// Reads guest bytes regardless of permissions (disassembler, debugging).
    public func peek(_ address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, inRange(address, count) else { return nil }
        return Array(UnsafeBufferPointer(start: data + Int(address), count: count))
    }

    // MARK: Reuse (native contracts)

    /// Makes this machine a fresh copy of `template` for running a cached contract image
    /// again without re-decoding: copies guest bytes in `copy`, zeroes `zero`, copies every
    /// page permission, the demand-zero range and the decoded-instruction cache, and resets
    /// the hart (registers, pc, budget, counters), and takes the template's costs. Both
    /// machines must have the same memory size and xlen. Returns false (and changes nothing)
    /// if they do not match, a range is out of bounds, or `template` is this machine; also
    /// false if the host cannot allocate the decoded code, after guest memory and permissions
    /// were copied, with the machine left without code: drop it.
    @discardableResult
    public func reset(from template: RISCVMachine, copy: [Range<UInt64>], zero: [Range<UInt64>]) -> Bool {
        reset(from: template, copy: copy, zero: zero, sharing: nil)
    }

    /// `reset`, with the decoded code mapped copy-on-write from `sharing` (the template's
    /// `shareDecodedCode`) instead of copied; copied when `sharing` is nil or cannot be mapped.
    @discardableResult
    func reset(
        from template: RISCVMachine, copy: [Range<UInt64>], zero: [Range<UInt64>], sharing: SharedDecodedCode?
    ) -> Bool {
        // Resetting from itself released the code it was about to share (review finding: the
        // deinit then freed an mmap'ed buffer).
        guard !running, template !== self, template.memorySize == memorySize, template.xlen == xlen,
            copy.allSatisfy({ $0.upperBound <= memorySize }), zero.allSatisfy({ $0.upperBound <= memorySize })
        else { return false }
        for c in copy where !c.isEmpty {
            memcpy(data + Int(c.lowerBound), template.data + Int(c.lowerBound), c.count)
        }
        for z in zero where !z.isEmpty { memset(data + Int(z.lowerBound), 0, z.count) }
        memcpy(perms, template.perms, Int(memorySize / RISCVMachine.pageSize))
        let lo = template.mem.pointee.code_lo, hi = template.mem.pointee.code_hi
        if let sharing, template.code != nil,
            let p = mmap(nil, sharing.size, PROT_READ | PROT_WRITE, MAP_PRIVATE, sharing.fd, 0),
            p != MAP_FAILED
        {
            // Copy-on-write: the template's decoded code, shared until this machine writes a
            // page of it (a budget-stop patch, re-decoded code). A frame that needs a new
            // machine maps it instead of copying 32 bytes per instruction of the code range.
            releaseCode()
            code = p.bindMemory(to: crv_insn.self, capacity: max(crv_code_entries(lo, hi), 1))
            codeMappedBytes = sharing.size
        } else if let tc = template.code {
            let n = max(crv_code_entries(lo, hi), 1)
            if code == nil || codeMappedBytes > 0 || mem.pointee.code_lo != lo || mem.pointee.code_hi != hi {
                releaseCode()
                // The template's cache of the same size was allocated: only a host out of
                // memory (or of mappings, when the copy-on-write map above failed too) fails
                // here. The machine is then left without code, so that nothing runs the
                // released buffer, and the caller drops it (it used to stop the process).
                guard let c = RISCVMachine.allocateCode(n) else {
                    mem.pointee.code = nil
                    mem.pointee.code_lo = 0
                    mem.pointee.code_hi = 0
                    return false
                }
                code = c
            }
            code!.update(from: tc, count: n)
        } else {
            releaseCode()
        }
        mem.pointee.code = code
        mem.pointee.code_lo = lo
        mem.pointee.code_hi = hi
        costs.pointee = template.costs.pointee
        demandZero = template.demandZero
        resetHart()
        executePermissionsChanged = false
        return true
    }

    /// Makes this machine what `init(memorySize:xlen:schedule:)` of its size and xlen makes,
    /// except that its guest pages stay mapped: zeroes `dirty` (the caller's account of where it
    /// may hold a byte other than zero; large ranges give their pages back) and gives back the
    /// demand-zero pages (a stack) it mapped below `giveBackBelow` (zero already, but perhaps
    /// resident: a frame that used a large stack), or with `dirty` nil gives back every guest
    /// page (none stays resident), clears every page
    /// permission, the decoded code (unmapped or freed), the demand-zero range, the system-call
    /// handler and the hart, and takes the default schedule's costs (`adopt` sets others). A new
    /// machine maps its guest memory and faults in every page it touches; a machine of an image
    /// that left the cache is wiped and built on instead (`SpareMachines`). Returns false (and
    /// changes nothing) while it runs or if a range is out of bounds.
    func wipe(dirty: [Range<UInt64>]?, giveBackBelow: UInt64 = 0) -> Bool {
        guard !running, (dirty ?? []).allSatisfy({ $0.upperBound <= memorySize }) else { return false }
        if let dirty {
            for r in dirty where !r.isEmpty { zeroGuestMemory(r) }
            let hi = min(giveBackBelow, memorySize) & ~(RISCVMachine.pageSize - 1)
            if deepestDemandZero < hi,
                madvise(data + Int(deepestDemandZero), Int(hi - deepestDemandZero), MADV_DONTNEED) != 0
            {
                memset(data + Int(deepestDemandZero), 0, Int(hi - deepestDemandZero))
            }
        } else if madvise(data, Int(memorySize), MADV_DONTNEED) != 0 {
            memset(data, 0, Int(memorySize))
        }
        deepestDemandZero = .max
        memset(perms, 0, Int(memorySize / RISCVMachine.pageSize))
        releaseCode()
        installEcallHandler(nil)
        retainedEcallHandler = nil
        mem.pointee = crv_memory(
            data: data, size: memorySize, perms: perms, code: nil, code_lo: 0, code_hi: 0, ecall: nil, ecall_ctx: nil)
        costs.pointee = RISCVMachine.costs(.default)
        demandZero = 0..<0
        resetHart()
        executePermissionsChanged = false
        return true
    }

    /// The hart as a new machine has it: registers, pc, budget and counters zero.
    private func resetHart() {
        cpu.pointee = crv_cpu()
        cpu.pointee.xlen = xlen
    }

    /// Takes `schedule`'s instruction costs (a wiped machine becoming a template).
    func adopt(_ schedule: GasSchedule) { costs.pointee = RISCVMachine.costs(schedule) }

    /// A cheaper `reset` for a machine whose previous reset was from the same `template`:
    /// copies back only `copy` (the ranges the frame could have written: the template's
    /// writable pages), zeroes `zero`, restores every page permission, the demand-zero range
    /// and the hart. When `restoreCode` (some code page is writable, so stores may have
    /// changed code), the code pages whose bytes differ from the template's are re-decoded
    /// once copied back (every decoded slot then matches its bytes or is marked stale, to be
    /// decoded when it runs: the core's mark for a slot a store changed), rather than copying the
    /// whole decoded-instruction cache, which also made the next run rewrite every handler:
    /// a frame of a contract with a large writable code range cost time in proportion to it.
    /// Returns false (and changes nothing) on a mismatch, or when `template` is this machine.
    /// `alsoZero` is zeroed as `zero` is (one more range without building an array: this runs
    /// at every native frame's end); `zeroResident` by writing, whatever its size (its pages stay).
    @discardableResult
    public func restore(
        from template: RISCVMachine, copy: [Range<UInt64>], zero: [Range<UInt64>], alsoZero: Range<UInt64> = 0..<0,
        zeroResident: Range<UInt64> = 0..<0, restoreCode: Bool
    ) -> Bool {
        guard !running, template !== self, template.memorySize == memorySize, template.xlen == xlen,
            mem.pointee.code_lo == template.mem.pointee.code_lo, mem.pointee.code_hi == template.mem.pointee.code_hi,
            (code == nil) == (template.code == nil),
            copy.allSatisfy({ $0.upperBound <= memorySize }), zero.allSatisfy({ $0.upperBound <= memorySize }),
            alsoZero.upperBound <= memorySize, zeroResident.upperBound <= memorySize
        else { return false }
        let page = RISCVMachine.pageSize
        var changed: [Range<UInt64>] = []
        if code != nil, restoreCode || executePermissionsChanged {
            // Pages whose execute permission `protect` changed since (review finding: their
            // slots kept the frame's decoding once the template's permissions were back, so a
            // page no longer executable ran), whole. With `restoreCode`, of a page whose bytes
            // differ, the runs of words that differ (review finding: a frame that changed one
            // word on each of 8 code pages had all 8 re-decoded, about 25 ns of CPU per gas it
            // paid), or the whole page when there are many; nothing on a page without
            // instructions in the template that still has none (CRV_PERM_NOCODE: stores there
            // re-decode nothing), which a frame writes as plain data (review finding: 94 ns of
            // CPU per gas otherwise), unless a changed word of it ran (CRV_PERM_NOCODE_RAN:
            // its slot then holds that word; the frame paid a code store for it).
            let x = UInt8(CRV_PERM_X), noCode = UInt8(CRV_PERM_NOCODE), ran = UInt8(CRV_PERM_NOCODE_RAN)
            var p = mem.pointee.code_lo
            while p < mem.pointee.code_hi {
                let i = Int(p / page)
                if executePermissionsChanged && (perms[i] ^ template.perms[i]) & x != 0 || perms[i] & ran != 0 {
                    // (A page whose changed word ran may hold a slot decoded from a word the
                    // frame wrote back since: its bytes no longer tell, so all of it.)
                    changed.append(p..<p + page)
                } else if restoreCode, perms[i] & template.perms[i] & noCode == 0,
                    memcmp(data + Int(p), template.data + Int(p), Int(page)) != 0
                {
                    differingRuns(from: template, page: p, into: &changed)
                }
                p += page
            }
        }
        executePermissionsChanged = false
        for c in copy where !c.isEmpty {
            memcpy(data + Int(c.lowerBound), template.data + Int(c.lowerBound), c.count)
        }
        zeroAfterFrame(zero, alsoZero, zeroResident)
        keepingLazyBits(source: template.perms) { _ = memcpy(perms, template.perms, Int(memorySize / RISCVMachine.pageSize)) }
        costs.pointee = template.costs.pointee
        for r in changed { crv_redecode(mem, costs, xlen, r.lowerBound, r.upperBound - r.lowerBound) }
        demandZero = template.demandZero
        resetHart()
        return true
    }

    /// What `restore(snapshot:...)` needs to put a machine back in the state it had when
    /// `snapshot(copy:)` was taken without a template to copy from: the bytes of `copy` (the
    /// writable pages holding a byte other than zero), every page permission and the
    /// demand-zero range. The decoded code is not in it: a machine restored this way must not
    /// have changed it (no writable code page, no execute permission changed).
    struct Snapshot {
        fileprivate let ranges: [Range<UInt64>]
        fileprivate let bytes: [UInt8]
        fileprivate let perms: [UInt8]
        fileprivate let demandZero: Range<UInt64>
    }

    /// This machine's `copy` ranges, permissions and demand-zero range now (nil if a range is
    /// out of bounds).
    func snapshot(copy: [Range<UInt64>]) -> Snapshot? {
        guard copy.allSatisfy({ $0.upperBound <= memorySize }) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(copy.reduce(0) { $0 + $1.count })
        for r in copy where !r.isEmpty {
            bytes.append(contentsOf: UnsafeBufferPointer(start: data + Int(r.lowerBound), count: r.count))
        }
        // Without CRV_PERM_LAZY: which pages a machine has decoded is its own (`keepingLazyBits`).
        let p = UnsafeBufferPointer(start: perms, count: Int(memorySize / RISCVMachine.pageSize)).map {
            $0 & ~UInt8(CRV_PERM_LAZY)
        }
        return Snapshot(ranges: copy, bytes: bytes, perms: p, demandZero: demandZero)
    }

    /// `restore` without a template: `snapshot`'s bytes copied back into its ranges, `zero`,
    /// `alsoZero` and `zeroResident` zeroed as `restore` zeroes them, the permissions, the
    /// demand-zero range and the hart as the snapshot has them. For a contract image's first
    /// machine, which runs the image's first frame before any template exists
    /// (`ContractImage.acquire`). Returns false (and changes nothing) while it runs, on a range
    /// out of bounds, a snapshot of another memory size, or when `protect` changed an execute
    /// permission since the snapshot (its decoded code may no longer be the image's: drop it).
    func restore(
        snapshot s: Snapshot, zero: [Range<UInt64>], alsoZero: Range<UInt64>, zeroResident: Range<UInt64>
    ) -> Bool {
        guard !running, !executePermissionsChanged, s.perms.count == Int(memorySize / RISCVMachine.pageSize),
            zero.allSatisfy({ $0.upperBound <= memorySize }), alsoZero.upperBound <= memorySize,
            zeroResident.upperBound <= memorySize
        else { return false }
        var offset = 0
        s.bytes.withUnsafeBufferPointer { b in
            for r in s.ranges where !r.isEmpty {
                memcpy(data + Int(r.lowerBound), b.baseAddress! + offset, r.count)
                offset += r.count
            }
        }
        zeroAfterFrame(zero, alsoZero, zeroResident)
        s.perms.withUnsafeBufferPointer { p in
            keepingLazyBits(source: p.baseAddress!) { _ = memcpy(perms, p.baseAddress!, p.count) }
        }
        demandZero = s.demandZero
        resetHart()
        return true
    }

    /// A restore's zeroing: `zero` and `alsoZero` as `zeroGuestMemory` zeroes (large ranges give
    /// their pages back), `zeroResident` by writing, whatever its size (its pages stay).
    private func zeroAfterFrame(_ zero: [Range<UInt64>], _ alsoZero: Range<UInt64>, _ zeroResident: Range<UInt64>) {
        for z in zero where !z.isEmpty { zeroGuestMemory(z) }
        if !alsoZero.isEmpty { zeroGuestMemory(alsoZero) }
        if !zeroResident.isEmpty { memset(data + Int(zeroResident.lowerBound), 0, zeroResident.count) }
    }

    /// Appends the runs of 8-byte words of the page at `p` that differ from the template's, or
    /// the whole page when there are more than `maxRedecodeRuns` of them: re-decoding a run
    /// walks back through its block (up to a page of slots), and a frame paid a code store
    /// (`riscvCodeStore`) for each run it made, so the work stays within what it paid.
    private func differingRuns(from template: RISCVMachine, page p: UInt64, into runs: inout [Range<UInt64>]) {
        let words = Int(RISCVMachine.pageSize / 8)
        let mine = UnsafeRawPointer(data + Int(p)), theirs = UnsafeRawPointer(template.data + Int(p))
        func differs(_ w: Int) -> Bool {
            mine.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self)
                != theirs.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self)
        }
        let start = runs.count
        var w = 0
        while w < words {
            guard differs(w) else {
                w += 1
                continue
            }
            var end = w + 1
            while end < words, differs(end) { end += 1 }
            if runs.count - start == RISCVMachine.maxRedecodeRuns {
                runs.removeSubrange(start...)
                runs.append(p..<p + RISCVMachine.pageSize)
                return
            }
            runs.append(p + UInt64(8 * w)..<p + UInt64(8 * end))
            w = end
        }
    }
    static let maxRedecodeRuns = 4

    // MARK: Hart state

    /// Register `i` (0...31); writes to x0 are ignored. RV32 values are zero-extended.
    public subscript(register i: Int) -> UInt64 {
        get {
            guard i > 0 && i < 32 else { return 0 }
            // x is crv_cpu's first member (checked by a static assertion in crv_run.c).
            return UnsafeRawPointer(cpu).load(fromByteOffset: i * 8, as: UInt64.self)
        }
        set {
            guard i > 0 && i < 32 else { return }
            let v = xlen == 32 ? newValue & 0xffff_ffff : newValue
            UnsafeMutableRawPointer(cpu).storeBytes(of: v, toByteOffset: i * 8, as: UInt64.self)
        }
    }

    public var pc: UInt64 {
        get { cpu.pointee.pc }
        set { cpu.pointee.pc = newValue }
    }
    public var budget: UInt64 {
        get { cpu.pointee.budget }
        set { cpu.pointee.budget = newValue }
    }
    public var instructionsRetired: UInt64 { cpu.pointee.instret }

    /// Why the last `run` stopped with a trap.
    public var trap: RISCVTrap {
        let c = cpu.pointee
        var word = c.trap_insn
        if word == 0, let w = instructionWord(at: c.pc) { word = w }
        return RISCVTrap(cause: c.trap_cause, pc: c.pc, value: c.trap_value, instruction: word)
    }

    public enum Stop: Sendable, Equatable {
        case ecall
        case ebreak
        case budgetExhausted
        case trap
    }

    /// The core runs this machine now (inside `run`): what the ecall handler must not call
    /// (`run`, `reset`, `restore`, `setCodeRange`) is refused instead of freeing or replacing
    /// the decoded code and hart the core is using (an audit: a handler's `setCodeRange` was a
    /// use after free).
    @exclusivity(unchecked) private var running = false

    /// Runs the hart until ecall, ebreak, budget exhaustion or a trap.
    /// - Precondition: not called from this machine's own ecall handler (see `setEcallHandler`).
    public func run() -> Stop {
        precondition(!running, "RISCVMachine.run called while the machine runs (from its own ecall handler)")
        running = true
        defer { running = false }
        let status = crv_run(cpu, mem, costs)
        switch status {
        case CRV_STATUS_ECALL: return .ecall
        case CRV_STATUS_EBREAK: return .ebreak
        case CRV_STATUS_BUDGET: return .budgetExhausted
        default: return .trap
        }
    }

    /// Zeroes guest memory. Ranges over 64 KiB give their whole pages back to the kernel
    /// (MADV_DONTNEED: they read as zero and cost nothing until touched again), so a pooled
    /// machine does not keep the heap or deep stack its last frame used resident.
    func zeroGuestMemory(_ r: Range<UInt64>) {
        let page = RISCVMachine.pageSize
        guard r.count > 64 << 10 else {
            memset(data + Int(r.lowerBound), 0, r.count)
            return
        }
        let lo = (r.lowerBound + page - 1) & ~(page - 1), hi = r.upperBound & ~(page - 1)
        memset(data + Int(r.lowerBound), 0, Int(lo - r.lowerBound))
        memset(data + Int(hi), 0, Int(r.upperBound - hi))
        if madvise(data + Int(lo), Int(hi - lo), MADV_DONTNEED) != 0 {
            memset(data + Int(lo), 0, Int(hi - lo))
        }
    }

    /// Writes the core's handler pointers into the decoded code now (crv_run does it on its
    /// first run of a buffer), so that machines copied from this one (a contract image's
    /// template) start with them: filling a large code range took most of a new machine's
    /// set-up. Runs the core from a misaligned pc, which traps before any instruction (crv_run
    /// fills the handlers first), and leaves the hart as it was. (It used to start at the code
    /// with a zero budget, which ran the first blocks of a schedule whose instruction classes
    /// cost 0, changing the template's memory after its initial pages were recorded: a review.)
    public func prepareHandlers() {
        guard code != nil else { return }
        let saved = cpu.pointee
        cpu.pointee.budget = 0
        cpu.pointee.pc = mem.pointee.code_lo | 2
        _ = crv_run(cpu, mem, costs)
        cpu.pointee = saved
    }

    /// Disassembles one instruction word.
    public static func disassemble(_ word: UInt32, pc: UInt64, xlen: UInt32) -> String {
        var buf = [CChar](repeating: 0, count: 96)
        let n = crv_disasm(word, pc, xlen, &buf, buf.count)
        return String(decoding: buf[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Handles system calls inside `RISCVMachine.run` (see `RISCVMachine.setEcallHandler`).
/// A class to subclass rather than a protocol, so that the core's call into it needs no
/// reference counting.
open class RISCVEcallHandler {
    public init() {}
    /// Does the system call in a7 and returns true to keep the hart running, or returns false
    /// to make `run` return `.ecall`.
    open func handleEcall(_ machine: RISCVMachine) -> Bool { false }
}

/// A RISC-V trap: cause (mcause numbering), pc, trap value and instruction word.
public struct RISCVTrap: Sendable, Equatable, CustomStringConvertible {
    /// An instruction word as messages print it: 0x and 8 hex digits.
    static func hexWord(_ word: UInt32) -> String {
        let hex = String(word, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    public var cause: UInt32
    public var pc: UInt64
    public var value: UInt64
    public var instruction: UInt32

    public static let loadFault = UInt32(CRV_TRAP_LOAD_FAULT.rawValue)
    public static let storeFault = UInt32(CRV_TRAP_STORE_FAULT.rawValue)

    public var causeName: String {
        switch cause {
        case UInt32(CRV_TRAP_FETCH_MISALIGNED.rawValue): "instruction address misaligned"
        case UInt32(CRV_TRAP_FETCH_FAULT.rawValue): "instruction access fault"
        case UInt32(CRV_TRAP_ILLEGAL_INSN.rawValue): "illegal instruction"
        case UInt32(CRV_TRAP_LOAD_FAULT.rawValue): "load access fault"
        case UInt32(CRV_TRAP_STORE_FAULT.rawValue): "store access fault"
        default: "trap cause \(cause)"
        }
    }

    /// The signal Linux delivers for this trap: SIGILL (4) for an illegal instruction, SIGBUS
    /// (7) for a misaligned jump target, SIGSEGV (11) for an access fault.
    public var linuxSignal: Int32 {
        switch cause {
        case UInt32(CRV_TRAP_ILLEGAL_INSN.rawValue): 4
        case UInt32(CRV_TRAP_FETCH_MISALIGNED.rawValue): 7
        default: 11
        }
    }

    public var description: String {
        let insn = "instruction \(RISCVTrap.hexWord(instruction))"
        // The trap value is the instruction word for an illegal instruction (said once, with
        // what kind of instruction it is), else the faulting address (a misaligned jump's target).
        if cause == UInt32(CRV_TRAP_ILLEGAL_INSN.rawValue) {
            let hint = Self.unsupportedKind(instruction).map { ": \($0); EEKit runs RV32IM / RV64IM" } ?? ""
            return "\(causeName) at pc 0x\(String(pc, radix: 16)) (\(insn)\(hint))"
        }
        // A fetch that faults has no instruction: the word at pc is whatever data is there (a
        // review: a jump onto the stack printed an environment string's bytes as one).
        if cause == UInt32(CRV_TRAP_FETCH_FAULT.rawValue) {
            return "\(causeName) at pc 0x\(String(pc, radix: 16)) (address 0x\(String(value, radix: 16)))"
        }
        return "\(causeName) at pc 0x\(String(pc, radix: 16)) (address 0x\(String(value, radix: 16)), \(insn))"
    }

    /// What an instruction word that RV32IM / RV64IM does not have belongs to, when its opcode
    /// says (a compiler's -march with an extension the core lacks is the usual cause).
    static func unsupportedKind(_ w: UInt32) -> String? {
        if w == 0 { return "the all-zero word, illegal by definition: execution reached zeroed memory" }
        if w & 3 != 3 { return "a compressed (C extension) instruction" }
        let funct3 = (w >> 12) & 7
        switch w & 0x7f {
        case 0x2f: return "an atomic (A extension) instruction"
        case 0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53: return "a floating-point (F / D) instruction"
        case 0x57: return "a vector (V extension) instruction"
        case 0x73:
            return funct3 == 0 || funct3 == 4
                ? nil : "a CSR instruction (only reads of the cycle, time and instret counters are supported)"
        case 0x13, 0x33, 0x1b, 0x3b:
            // Illegal with these opcodes: an *W form or a 64-bit shift in RV32 code, a reserved
            // encoding, or an instruction of a bit-manipulation extension (Zba / Zbb / Zbs ...).
            return "not an RV32IM / RV64IM encoding (RV64-only in RV32 code, or a bit-manipulation extension)"
        default: return nil
        }
    }
}

/// A machine's decoded code in an unlinked shared-memory file (`RISCVMachine.shareDecodedCode`):
/// machines map it copy-on-write. The file goes with the last mapping once this is released.
final class SharedDecodedCode: Sendable {
    let fd: Int32
    let size: Int
    init(fd: Int32, size: Int) {
        self.fd = fd
        self.size = size
    }
    deinit { close(fd) }
}
