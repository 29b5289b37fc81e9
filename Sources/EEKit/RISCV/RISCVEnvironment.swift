import Synchronization

/// The native-contract execution environment: RV32IM / RV64IM ELF programs that talk to the
/// bootloader through the system-call ABI of `Contracts/include/eekit.h` (numbers in
/// `ContractSyscall`).
///
/// One instance runs one frame. The interpreter state (a `RISCVMachine`) lives in the instance:
/// a call or create system call returns `.externalCallRequest` / `.deploymentRequest`, and
/// `continueAfterCall` / `continueAfterDeployment` put the result in a0/a1 and resume the hart
/// right after its `ecall`.
///
/// Resources: the machine's budget is the frame's ergs. Instructions are charged by the core
/// (GasSchedule.riscv*); every system call charges `riscvSyscallErgs` plus the EVM-equivalent
/// gas of its work (see eekit.h), converted with `ergsPerGas`.
///
/// Deployment data is an ELF followed by constructor arguments (`ContractELF.length` finds the
/// split). The ELF runs once as the constructor (a0 = 1 at entry) and is stored as the code.
public final class RISCVEnvironment: RISCVEcallHandler, ExecutionEnvironment {
    public struct Configuration: Sendable, Hashable {
        /// Guest memory per frame (multiple of 4 KiB, 64 KiB...64 MiB). Pages a frame never
        /// touches cost nothing, so 1024 nested frames stay small.
        public var memorySize: UInt64 = 1 << 20
        /// A contract whose image (its segments, .bss included) does not fit `memorySize` with
        /// the stack region gets more, as a PolkaVM program's memory follows its declared
        /// sizes: the image, the stack region and 1 MiB of heap, rounded up to 1 MiB, at most
        /// this (a multiple of 4 KiB, `memorySize`...64 MiB; an image near it keeps what is
        /// left for its heap, down to none). Deterministic per code: every frame of a contract
        /// has the same memory. Set it to `memorySize` for one fixed size.
        public var maxMemorySize: UInt64 = 64 << 20
        /// Stack below the frame block at the top of guest memory (multiple of 4 KiB, at most a
        /// quarter of memory); the block's pages (`frameBlockReserve`, 20 KiB for this stack)
        /// come on top.
        public var stackSize: UInt64 = 64 << 10
        public init() {}

        /// - Throws: `EEError.invalidConfiguration` unless memory is 64 KiB...64 MiB and the
        ///   stack 4 KiB...memory/4, both page multiples.
        public func validate() throws(EEError) {
            let page = RISCVMachine.pageSize
            guard memorySize >= 64 << 10, memorySize <= 64 << 20, memorySize % page == 0,
                stackSize >= page, stackSize % page == 0, stackSize <= memorySize / 4
            else {
                throw .invalidConfiguration(
                    "RISC-V contract memory \(memorySize) / stack \(stackSize) (want 64 KiB...64 MiB, stack 4 KiB...memory/4, page multiples)")
            }
            guard maxMemorySize >= memorySize, maxMemorySize <= 64 << 20, maxMemorySize % page == 0 else {
                throw .invalidConfiguration(
                    "RISC-V contract maximum memory \(maxMemorySize) (want memory \(memorySize)...64 MiB, a page multiple)")
            }
        }
    }

    /// Code deposit for RISC-V contracts: at most 256 KiB of ELF, 200 gas per byte, no 0xEF rule.
    public static let depositRules = CodeDepositRules(maxCodeSize: 256 << 10, gasPerByte: 200, rejectEFPrefix: false)

    public static var kind: EEKind { .riscv }
    public static func isModifierSupported(_ modifier: CallModifier) -> Bool { true }
    /// Every call and create system call preempts the frame.
    public static var makesNestedCalls: Bool { false }

    public let configuration: Configuration
    // `@exclusivity(unchecked)`: these properties are read and written on every state access
    // of every transaction, never re-entrantly (no closure or callback touches a property
    // while it is being modified); the dynamic exclusivity checks on them were about a fifth
    // of a native token transfer's CPU time.
    @exclusivity(unchecked) private var machine: RISCVMachine?
    @exclusivity(unchecked) private var image: ContractImage?
    /// `image?.codeIsWritable`, read by every system call that writes guest memory without
    /// retaining and releasing the image.
    @exclusivity(unchecked) private var codeIsWritable = false
    /// The running transaction's `KeptImage` of this frame's code (its spare machines).
    @exclusivity(unchecked) private var kept: KeptImage?
    /// The frame's launch parameters (valid once `started`). Not optional, so a system call
    /// reads the fields it needs instead of copying the whole struct out of an optional.
    @exclusivity(unchecked) private var launch = LaunchParams(
        resources: .zero, code: Bytecode(kind: .none, bytes: [], hash: .zero), caller: .zero, callee: .zero,
        codeAddress: .zero, modifier: .none, calldata: [], value: .zero, depth: 0, isStatic: false)
    @exclusivity(unchecked) private var started = false
    @exclusivity(unchecked) private var schedule = GasSchedule.default
    @exclusivity(unchecked) private var brk: UInt64 = 0
    @exclusivity(unchecked) private var brkHigh: UInt64 = 0
    @exclusivity(unchecked) private var returndata: Bytes = []
    @exclusivity(unchecked) private var createOutput: UInt64 = 0
    /// The frame ended with SELFDESTRUCT.
    @exclusivity(unchecked) private var destructed = false
    private enum Pending { case none, call, create }
    @exclusivity(unchecked) private var pending = Pending.none
    /// The host of the frame while `run` runs the hart (for in-loop system calls): `run` holds
    /// it for as long as the hart runs, so neither reference retains it. A `Bootloader` (the
    /// host of every transaction) is kept as itself and borrowed with `_withUnsafeGuaranteedRef`:
    /// an existential loaded from an unowned(unsafe) property is retained and released around
    /// every system call (2-3 % of a native token transfer). Other hosts use `activeHost`.
    @exclusivity(unchecked) private var activeBootloader: Unmanaged<Bootloader>?
    @exclusivity(unchecked) private unowned(unsafe) var activeHost: (any EEHost)?
    /// What an in-loop system call ended with when it was not `.next` (a fault): `run`
    /// finishes it when the hart returns.
    @exclusivity(unchecked) private var inlineStep: Step?

    /// Receives every instruction a frame of this EE retires (`eekit call --trace-steps`);
    /// nil: none. A traced frame steps one instruction at a time and makes its system calls
    /// from `run` rather than inside the interpreter loop (the two paths give equal receipts,
    /// which the native_frames fuzz target checks), so it is much slower, and it ends as an
    /// untraced one does: metering is exact.
    private let tracer: ((RISCVFrameTraceStep) -> Void)?

    public init(configuration: Configuration = Configuration(), tracer: ((RISCVFrameTraceStep) -> Void)? = nil) {
        self.configuration = configuration
        self.tracer = tracer
    }

    public var isStaticContext: Bool { started && launch.isStatic }

    /// Guest instructions this frame retired (final once the frame ended): what a native
    /// contract's code costs apart from its system calls.
    @exclusivity(unchecked) public private(set) var instructionsRetired: UInt64 = 0
    @exclusivity(unchecked) private var instretAtStart: UInt64 = 0

    /// Images built for the code with this hash while it is cached (other threads' and tests'
    /// contracts do not change it).
    public static func imageLoads(of codeHash: Bytes32) -> Int { ContractImageCache.loadCount(of: codeHash) }
    /// Frame machines built for the cached images of the code with this hash (a frame that
    /// finds none to reuse builds one): a test's view of machine reuse.
    public static func machinesBuilt(of codeHash: Bytes32) -> Int {
        ContractImageCache.count(of: codeHash) { $0.machinesBuilt.withLock { $0 } }
    }
    /// Frame machines parked for reuse in the whole process (pools and running transactions),
    /// at most 2,048.
    public static var parkedMachines: Int { ContractImage.pooledMachines.withLock { $0 } }
    /// Machines the process refused a parking place at the cap (and so unmapped), for tests:
    /// a count that moves during a test means another one filled the places meanwhile.
    public static var parkingRefusals: Int { ContractImage.parkingRefusals.withLock { $0 } }
    /// Parked machines of other images reset to the cached images of this code (when half the
    /// parking places are taken), for tests.
    public static func machinesRetargeted(of codeHash: Bytes32) -> Int {
        ContractImageCache.count(of: codeHash) { $0.machinesRetargeted.withLock { $0 } }
    }

    /// Testing knob (the native_frames fuzz target): false makes every system call return
    /// from the core to `run`, the path before in-loop system calls, so that both paths can be
    /// compared on the same program. Set it only while no frame runs.
    @exclusivity(unchecked) nonisolated(unsafe) static var inLoopSystemCalls = true
    /// From how many parked machines in the process (of at most 2,048) a frame that finds no
    /// machine of its own image resets another image's parked machine instead of building one:
    /// by default 1,024, half the parking places. 0 reuses whenever one of the same memory size
    /// and XLEN is parked, so that reset machines are compared with new and pooled ones (the
    /// native_frames fuzz target, HostWorkTests). Safe to change while frames run: a frame reads
    /// it when it needs a machine. A reset machine runs exactly as a new one.
    public static var reuseOtherImagesMachinesFrom: Int {
        get { reuseThreshold.load(ordering: .relaxed) }
        set { reuseThreshold.store(newValue, ordering: .relaxed) }
    }
    /// Whether a contract image's frames run on the machine it was loaded into, one at a time,
    /// until two run at once (true, the default; `ContractImage.FirstMachine`), or every frame
    /// on a copy of the loaded machine, the template, with released machines pooled (false: the
    /// native_frames fuzz target compares both, and tests of pooled machines use it). Read when
    /// an image is built: images already built keep their way.
    public static var framesRunOnTheLoadedMachine: Bool {
        get { lendLoadedMachine.load(ordering: .relaxed) }
        set { lendLoadedMachine.store(newValue, ordering: .relaxed) }
    }
    private static let lendLoadedMachine = Atomic<Bool>(true)
    /// `reuseOtherImagesMachinesFrom`'s default.
    public static let defaultReuseOtherImagesMachinesFrom = ContractImage.maxPooledMachines / 2
    private static let reuseThreshold = Atomic<Int>(defaultReuseOtherImagesMachinesFrom)

    // MARK: Frame life cycle

    public func start(_ launch: LaunchParams, host: any EEHost) throws(EEError) -> Preemption {
        guard launch.code.kind == .riscv else {
            throw .invalidCode("RISC-V environment cannot run \(launch.code.kind) code")
        }
        // One instance runs one frame: a second start (from a callback of the running frame, a
        // review found) replaced the running machine and launch under the frame.
        guard !started else {
            throw .internalError("RISC-V environment started twice (one instance runs one frame)")
        }
        try configuration.validate()
        // A host's schedule is checked where it is used (a custom host's ergsPerGas of 0
        // divided by zero in GAS_LEFT; the bootloader checks its own per transaction).
        let hostSchedule = host.schedule
        try hostSchedule.validate()
        let c = configuration
        self.launch = launch
        started = true
        instructionsRetired = 0
        // RISC-V prices scaled to the host's rate (the same schedule at 256 ergs per gas).
        schedule = hostSchedule.nativeRated
        if let reason = host.reserveGuestMemory(Int(c.memorySize)) {
            return end(.failure(.limitExceeded(reason)), output: [], host: host)
        }
        let img: ContractImage
        do {
            // On a cache miss the image is built only if this frame can pay its frameErgs and
            // the transaction can keep it.
            switch try ContractImageCache.image(
                for: launch.code, settings: ContractImage.Settings(c, schedule: schedule), ergs: launch.resources.ergs,
                host: host)
            {
            case .image(let i): img = i
            case .unpayable: return end(.failure(.outOfResources), output: [], host: host)
            case .refused(let reason): return end(.failure(.limitExceeded(reason)), output: [], host: host)
            }
        } catch {
            return end(.failure(.invalidCode("\(error)")), output: [], host: host)
        }
        // The image's writable pages and large decoded code (ContractImage.frameErgs), checked
        // before a machine is taken: a frame that cannot pay for them must not make the host
        // copy or restore them either (a 60 MiB .bss is 60 MiB of copying).
        guard let fresh = img.frameErgs, launch.resources.ergs >= fresh else {
            return end(.failure(.outOfResources), output: [], host: host)
        }
        // Kept until the transaction ends (found there if the cache evicts it), within the
        // transaction's cap on prepared code.
        // An image whose pool covers the call depth never needs spares: the image itself is
        // kept (a KeptImage per transaction cost about 60 ns on a one-frame transaction).
        if !img.mayNeedSpares {
            if let reason = host.keep(img, for: launch.code, bytes: img.templateBytes) {
                return end(.failure(.limitExceeded(reason)), output: [], host: host)
            }
        } else if host is Bootloader {
            // A bootloader keeps the image itself too, and swaps in a `KeptImage` only when a
            // frame's machine finds no place in the full pool (`end`): a transaction of a frame
            // or a few never fills it, and a KeptImage per transaction was an allocation and a
            // deallocation on every native transfer (the token's image pool holds 800 machines).
            switch host.keptObject(for: launch.code) {
            case let k as KeptImage: kept = k
            case nil:
                if let reason = host.keep(img, for: launch.code, bytes: img.templateBytes) {
                    return end(.failure(.limitExceeded(reason)), output: [], host: host)
                }
            default: break  // the image itself (no spares yet), or another configuration's object
            }
        } else if let k = host.keptObject(for: launch.code) as? KeptImage {
            kept = k
        } else {
            let k = KeptImage(img)
            if let reason = host.keep(k, for: launch.code, bytes: img.templateBytes) {
                return end(.failure(.limitExceeded(reason)), output: [], host: host)
            }
            kept = k
        }
        // The frame's machine also holds the decoded code (8 host bytes per guest byte of the
        // code range): count it with the guest memory, so that the caps bound what live frames
        // really pin. An executable .bss can make it several times the guest memory. An image
        // that needed more memory than `memorySize` counts the rest too.
        // (An image is built for this configuration, `ContractImage.Settings`, so its memory is
        // at least `memorySize`; checked anyway, as a difference of unsigned sizes.)
        let grown = img.memorySize > c.memorySize ? Int(img.memorySize - c.memorySize) : 0
        if let reason = host.reserveGuestMemory(img.decodedCodeBytes + grown) {
            return end(.failure(.limitExceeded(reason)), output: [], host: host)
        }
        let m = try img.acquire(kept)
        image = img
        codeIsWritable = img.codeIsWritable
        machine = m
        if RISCVEnvironment.inLoopSystemCalls && tracer == nil { m.setUnretainedEcallHandler(self) }
        brk = img.brkStart
        brkHigh = brk
        m.pc = img.image.entry
        // The frame block (eekit.h, eek_frame) at the top of memory, tp pointing at it: a
        // contract reads its calldata, caller, address and value there without system calls.
        guard let block = writeFrameBlock(m, launch) else {
            return end(.failure(.other("cannot write the frame block")), output: [], host: host)
        }
        // The stack starts below the block (sharing its page, so a frame touches one page
        // there), and its guard follows the block down: the stack reaches `stackSize` below the
        // block's page whatever the calldata (`stackSize` to `stackSize` + 4 KiB below sp).
        let blockPage = block & ~(RISCVMachine.pageSize - 1)
        m.setDemandZero((blockPage - configuration.stackSize)..<m.demandZero.upperBound)
        m[register: 2] = block
        m[register: 4] = block
        m[register: 10] = launch.modifier == .constructor ? 1 : 0
        m[register: 11] = UInt64(launch.calldata.count)
        m.budget = launch.resources.ergs - fresh
        instretAtStart = m.instructionsRetired
        return run(m, host: host)
    }

    public func continueAfterCall(_ result: CallResult, returned: Resources, host: any EEHost) throws(EEError)
        -> Preemption
    {
        guard let m = machine, pending == .call else { throw .internalError("RISC-V frame was not waiting for a call") }
        pending = .none
        m.budget = m.budget.addingReportingOverflow(returned.ergs).overflow ? .max : m.budget + returned.ergs
        returndata = result.status.isFailure ? [] : result.returndata
        m[register: 10] = RISCVEnvironment.statusCode(result.status)
        m[register: 11] = UInt64(returndata.count)
        return run(m, host: host)
    }

    public func continueAfterDeployment(_ result: DeploymentResult, returned: Resources, host: any EEHost)
        throws(EEError) -> Preemption
    {
        guard let m = machine, pending == .create else {
            throw .internalError("RISC-V frame was not waiting for a deployment")
        }
        pending = .none
        m.budget = m.budget.addingReportingOverflow(returned.ergs).overflow ? .max : m.budget + returned.ergs
        returndata = result.status == .revert ? result.returndata : []
        var status = result.status
        if status.isSuccess {
            if let a = result.address {
                guard m.write(a.bytes, at: createOutput) else {
                    return end(.failure(.trap("create: output address pointer is not writable")), output: [], host: host)
                }
            } else {
                status = .failure(.other("deployment without an address"))
            }
        }
        m[register: 10] = RISCVEnvironment.statusCode(status)
        m[register: 11] = UInt64(returndata.count)
        return run(m, host: host)
    }

    /// RISC-V deployment data: an ELF (validated: class, machine, no RVC, integer ABI, segments
    /// within the guest memory of the RISC-V EE registered with the host, entry in code) followed
    /// by constructor arguments. The bootloader asks the EE of the code being deployed, whoever
    /// deploys it, so this sees RISC-V deployments only.
    public static func prepareDeployment(_ request: DeploymentRequest, host: any EEHost) throws(EEError)
        -> PreparedDeployment
    {
        guard request.kind == .riscv else {
            throw .unsupported("the RISC-V environment prepares RISC-V deployments, not \(request.kind) code")
        }
        let n = try ContractELF.length(of: request.initcode)
        let elf = Array(request.initcode[0..<n])
        guard elf.count <= depositRules.maxCodeSize else {
            throw .invalidCode("ELF of \(elf.count) bytes exceeds the RISC-V code limit of \(depositRules.maxCodeSize)")
        }
        let code = Bytecode(kind: .riscv, bytes: elf, hash: Keccak.hash(elf))
        let c = configuration(for: host)
        try c.validate()
        try host.schedule.validate()
        let schedule = host.schedule.nativeRated
        // Parses and checks the image, and loads it (caching it for the constructor run) if the
        // constructor's gas pays its frameErgs; otherwise the constructor fails for gas without
        // anything built.
        _ = try ContractImageCache.image(
            for: code, settings: ContractImage.Settings(c, schedule: schedule), ergs: request.resources.ergs, host: host)
        return PreparedDeployment(
            address: DeploymentAddress.derive(request, host: host), constructor: code,
            constructorInput: Array(request.initcode[n...]), resources: request.resources)
    }

    /// The configuration of the RISC-V EE that `host` (a `Bootloader`) runs frames with, so
    /// that deployment checks use the same memory layout as the constructor; the default for
    /// other hosts.
    static func configuration(for host: any EEHost) -> Configuration {
        if let boot = host as? Bootloader, let ee = boot.registry[.riscv]?.make() as? RISCVEnvironment {
            return ee.configuration
        }
        return Configuration()
    }

    static func statusCode(_ s: FrameStatus) -> UInt64 {
        switch s {
        case .success: 0
        case .revert: 1
        case .failure: 2
        }
    }

    /// Calldata up to this size is copied into the frame block; larger calldata is read with
    /// EEK_SYS_CALLDATA_COPY (eekit.h: EEK_FRAME_CALLDATA_MAX). With a small stack the limit
    /// is lower: the block takes at most half of the stack.
    static let frameCalldataMax = 16 << 10

    /// Bytes of the stack region kept for the frame block on top of the stack: the block's
    /// header and the most calldata it can hold, rounded up to pages. The stack below the block
    /// is then at least `stackSize` whatever the calldata (a review found a contract that
    /// trapped with 8 KiB of calldata and ran with 20 KiB, the block having taken its stack).
    static func frameBlockReserve(stackSize: UInt64) -> UInt64 {
        let page = RISCVMachine.pageSize
        let block = UInt64(96 + frameCalldataLimit(stackSize: stackSize))
        return (block + page - 1) & ~(page - 1)
    }

    /// The most calldata the frame block holds with this stack: `frameCalldataMax`, and the
    /// block at most half the stack.
    static func frameCalldataLimit(stackSize: UInt64) -> Int {
        min(frameCalldataMax, Int(stackSize / 2) - 96)
    }

    /// Writes the frame block below the top of guest memory (16-byte aligned, inside
    /// `frameBlockReserve`) and returns its address, where the stack starts below it:
    /// calldata size (u64), 1 if the calldata follows (u64), caller (20 bytes, 4 of padding),
    /// this address (20 + 4), the value (32-byte big-endian word), the calldata.
    /// `launch` is `start`'s (borrowed: reading `self.launch` retained and released its calldata).
    private func writeFrameBlock(_ m: RISCVMachine, _ launch: LaunchParams) -> UInt64? {
        let cd = launch.calldata
        let limit = RISCVEnvironment.frameCalldataLimit(stackSize: configuration.stackSize)
        let included = cd.count <= limit
        let size = UInt64(96 + (included ? cd.count : 0))
        let p = (m.memorySize - size) & ~15
        guard m.writeUInt64(UInt64(cd.count), at: p), m.writeUInt64(included ? 1 : 0, at: p + 8),
            m.writeAddress(launch.caller, at: p + 16), m.writeAddress(launch.callee, at: p + 40),
            m.writeWord(launch.value, at: p + 64), !included || m.write(cd, from: 0, count: cd.count, at: p + 96)
        else { return nil }
        return p
    }

    // MARK: Running

    /// `m` is the frame's machine (`machine`), borrowed from the caller.
    private func run(_ m: RISCVMachine, host: any EEHost) -> Preemption {
        activeHost = host
        activeBootloader = (host as? Bootloader).map { Unmanaged.passUnretained($0) }
        // Only while the hart runs: a `handleEcall` from anywhere else finds no host (an audit
        // reached a freed host through this public method after the frame).
        defer {
            activeHost = nil
            activeBootloader = nil
        }
        // Tracing: the step of the instruction that ran last, reported once its effects are in
        // the registers (after its system call, for an ecall), at the next step or the end.
        var pending: (pc: UInt64, word: UInt32?, registers: [UInt64], ergs: UInt64)?
        func flush() {
            guard let tracer, let p = pending else { return }
            pending = nil
            // A frame that ended has given its machine back: its registers are no longer this
            // frame's (the step of a RETURN or REVERT shows no register).
            let live = machine === m
            tracer(RISCVFrameTraceStep(
                step: RISCVPlainRunner.traceStep(
                    pc: p.pc, word: p.word, xlen: m.xlen, before: p.registers,
                    after: live ? (0..<32).map { m[register: $0] } : p.registers),
                address: launch.callee, depth: launch.depth, ergsBefore: p.ergs))
        }
        defer { flush() }
        while true {
            let outcome: RISCVMachine.Stop
            if tracer != nil {
                flush()
                let total = m.budget, before = m.instructionsRetired
                let pc = m.pc
                // The price comes from the word whatever its page's permissions; the trace shows
                // the word only where the guest could read it.
                let raw = m.instructionWord(at: pc)
                let word = m.isAccessible(pc, 4, .read) ? raw : nil
                let cost = raw.map { m.instructionCost(of: $0, at: pc) }
                let registers = (0..<32).map { m[register: $0] }
                // Exactly the instruction's price runs it and stops before the next; a store
                // into code also pays the code-store surcharge; without progress (or a price
                // the budget cannot pay) the run goes on with all of it, as untraced.
                var stepOutcome = RISCVMachine.Stop.budgetExhausted
                for price in [cost, cost.map { $0 &+ m.codeStoreCost }, total] {
                    guard let price, price <= total else { continue }
                    m.budget = price
                    stepOutcome = m.run()
                    m.budget = total &- (price &- m.budget)
                    if m.instructionsRetired != before { break }
                    if case .budgetExhausted = stepOutcome { continue }
                    break
                }
                outcome = stepOutcome
                if m.instructionsRetired != before { pending = (pc, word, registers, total) }
                // One step done and budget left: not the frame's end.
                if case .budgetExhausted = outcome, m.instructionsRetired != before, m.budget > 0 { continue }
            } else {
                outcome = m.run()
            }
            switch outcome {
            case .budgetExhausted:
                return end(.failure(.outOfResources), output: [], host: host)
            case .trap:
                // A load or store in the demand-zero stack maps its pages; the faulting
                // instruction was not charged, so resuming meters it exactly once.
                let t = m.trap
                if t.cause == RISCVTrap.loadFault || t.cause == RISCVTrap.storeFault, m.mapDemandZero(covering: t.value) {
                    continue
                }
                var reason = t.description
                // Between the heap's limit and the stack's floor (`stackSize` below the frame
                // block, which `start` set as the demand-zero range's lower bound): a frame that
                // ran out of stack faults there, and the address alone did not say so (a review).
                if t.cause == RISCVTrap.loadFault || t.cause == RISCVTrap.storeFault, let img = image,
                    (img.brkLimit..<m.demandZero.lowerBound).contains(t.value)
                {
                    reason += ": below the stack (a stack overflow; \(configuration.stackSize >> 10) KiB of stack)"
                }
                return end(.failure(.trap(reason)), output: [], host: host)
            case .ebreak:
                return end(.failure(.trap("ebreak at pc 0x\(String(m.pc &- 4, radix: 16))")), output: [], host: host)
            case .ecall:
                if let step = inlineStep {
                    inlineStep = nil
                    switch step {
                    case .next: continue
                    case .preempt(let p): return p
                    case .end(let status, let output): return end(status, output: output, host: host)
                    }
                }
                do {
                    switch try syscall(m, host: host) {
                    case .next: continue
                    case .preempt(let p): return p
                    case .end(let status, let output): return end(status, output: output, host: host)
                    }
                } catch {
                    return end(.failure(error.reason), output: [], host: host)
                }
            }
        }
    }

    private func end(_ status: FrameStatus, output: Bytes, host: any EEHost) -> Preemption {
        // Moved out of the properties (no retain and release around the frame's end).
        let machine = self.machine.take(), kept = self.kept.take()
        let left: Resources
        if status.isFailure {
            left = .zero
        } else {
            left = Resources(ergs: machine?.budget ?? 0, native: started ? launch.resources.native : .max)
        }
        if let m = machine {
            m.setUnretainedEcallHandler(nil)
            instructionsRetired = m.instructionsRetired &- instretAtStart
            if let image, let unplaced = image.release(m, brk: brkHigh, kept: kept), kept == nil, image.mayNeedSpares,
                let boot = host as? Bootloader
            {
                // The pool is full: the transaction keeps the machine as a spare for its next
                // frames of this image. `start` kept the image itself (a bootloader's host), or
                // found it kept, and an inner frame may have swapped in a KeptImage since.
                let spares: KeptImage?
                switch boot.keptObject(for: launch.code) {
                case let k as KeptImage where k.image === image: spares = k
                case let o? where o === image:
                    let k = KeptImage(image)
                    spares = boot.replaceKept(image, with: k, for: launch.code) ? k : nil
                default: spares = nil
                }
                if let spares, ContractImage.admitParked() { spares.spares.append(unplaced) }
            }
        }
        guard started else {
            return .completedExecution(CallResult(status: status, returndata: output), resourcesLeft: left)
        }
        if launch.modifier == .constructor {
            // A constructor that self-destructs deposits no code (as EVM init code that
            // self-destructs returns none): the account is deleted when the transaction ends.
            return .completedDeployment(
                code: status.isSuccess && !destructed ? launch.code.bytes : [], status: status,
                returndata: status == .revert ? output : [], resourcesLeft: left)
        }
        return .completedExecution(CallResult(status: status, returndata: output), resourcesLeft: left)
    }

    // MARK: System calls

    /// In-loop system calls (`RISCVEcallHandler`): every system call that neither ends nor
    /// preempts the frame runs inside the core, without the hart returning to `run`. A fault
    /// is kept in `inlineStep` for `run` to end the frame with.
    public override func handleEcall(_ m: RISCVMachine) -> Bool {
        guard m === machine else { return false }  // another machine's ecall: not this frame's
        let n = m[register: 17]
        if RISCVEnvironment.endsOrPreempts(n) { return false }  // `run` does these
        if let boot = activeBootloader { return boot._withUnsafeGuaranteedRef { inLoopSyscall(m, n, host: $0) } }
        guard let host = activeHost else { return false }
        return inLoopSyscall(m, n, host: host)
    }

    /// `handleEcall`'s system call `n`, with the host it was given.
    @inline(__always) private func inLoopSyscall(_ m: RISCVMachine, _ n: UInt64, host: any EEHost) -> Bool {
        do {
            try simpleSyscall(m, n, host: host)
            return true
        } catch {
            inlineStep = .end(.failure(error.reason), [])
            return false
        }
    }

    struct Fault: Error { var reason: FailureReason }
    private enum Step {
        case next
        case preempt(Preemption)
        case end(FrameStatus, Bytes)
    }

    private func charge(_ m: RISCVMachine, gas: UInt64) throws(Fault) {
        let (g, o1) = gas.multipliedReportingOverflow(by: schedule.ergsPerGas)
        let (total, o2) = g.addingReportingOverflow(schedule.riscvSyscallErgs)
        guard !o1, !o2, m.budget >= total else {
            m.budget = 0
            throw Fault(reason: .outOfResources)
        }
        m.budget -= total
    }

    private static func words(_ n: UInt64) -> UInt64 { (n &+ 31) / 32 }

    /// A system call's write into code re-decodes what it covers (the host keeps the decoded
    /// code in step with the bytes): it pays `riscvCodeStore` per 32-byte word of it, as a guest
    /// store that changes code pays per store (a review found CALLDATA_COPY rewriting 128 KiB
    /// of code for 3 gas a word: 60-80 ns of CPU per gas). Writes into pages without
    /// instructions (the globals of a read-write-execute image) re-decode nothing and pay
    /// nothing, as guest stores there. Called before the write; images without writable code
    /// pay nothing.
    private func chargeCodeWrite(_ m: RISCVMachine, _ p: UInt64, _ n: Int) throws(Fault) {
        guard n > 0, codeIsWritable else { return }
        let bytes = m.decodedBytes(in: p, count: UInt64(n))
        guard bytes > 0 else { return }
        let (ergs, o) = ((bytes + 31) / 32).multipliedReportingOverflow(by: UInt64(schedule.riscvCodeStore))
        guard !o, m.budget >= ergs else {
            m.budget = 0
            throw Fault(reason: .outOfResources)
        }
        m.budget -= ergs
    }

    private func length(_ m: RISCVMachine, _ n: UInt64, _ what: String) throws(Fault) -> Int {
        guard n <= m.memorySize else {
            throw Fault(reason: .trap("\(what): length \(n) exceeds guest memory"))
        }
        return Int(n)
    }

    private func read(_ m: RISCVMachine, _ p: UInt64, _ n: Int, _ what: String) throws(Fault) -> Bytes {
        guard let b = m.read(p, count: n) else {
            throw Fault(reason: .trap("\(what): \(n) bytes at 0x\(String(p, radix: 16)) are not readable guest memory"))
        }
        return b
    }

    private func write(_ m: RISCVMachine, _ b: Bytes, _ p: UInt64, _ what: String) throws(Fault) {
        try chargeCodeWrite(m, p, b.count)
        guard m.write(b, at: p) else {
            throw Fault(reason: .trap("\(what): \(b.count) bytes at 0x\(String(p, radix: 16)) are not writable guest memory"))
        }
    }

    /// A 20-byte address argument.
    private func address(_ m: RISCVMachine, _ p: UInt64, _ what: String) throws(Fault) -> Address {
        Address(try read(m, p, 20, what))
    }

    /// EIP-2929 account access: warms `a`; 100 gas if it was warm already, else 2600.
    private static func accessGas(_ a: Address, host: any EEHost) -> UInt64 { host.accessAccount(a) ? 100 : 2600 }

    private func word(_ m: RISCVMachine, _ p: UInt64, littleEndian: Bool = false, _ what: String) throws(Fault) -> U256 {
        guard let w = m.readWord(p, littleEndian: littleEndian) else {
            throw Fault(reason: .trap("\(what): 32 bytes at 0x\(String(p, radix: 16)) are not readable guest memory"))
        }
        return w
    }

    private func write(
        _ m: RISCVMachine, word v: U256, _ p: UInt64, littleEndian: Bool = false, _ what: String
    ) throws(Fault) {
        try chargeCodeWrite(m, p, 32)
        guard m.writeWord(v, at: p, littleEndian: littleEndian) else {
            throw Fault(reason: .trap("\(what): 32 bytes at 0x\(String(p, radix: 16)) are not writable guest memory"))
        }
    }

    private func requireWritable(_ what: String) throws(Fault) {
        if started && launch.isStatic { throw Fault(reason: .staticViolation) }
    }

    private func syscall(_ m: RISCVMachine, host: any EEHost) throws(Fault) -> Step {
        guard started else { throw Fault(reason: .other("frame not started")) }
        let n = m[register: 17]
        let a0 = m[register: 10], a1 = m[register: 11], a2 = m[register: 12]
        switch n {
        case ContractSyscall.ret, ContractSyscall.revert:
            let what = n == ContractSyscall.ret ? "return" : "revert"
            let len = try length(m, a1, what)
            try charge(m, gas: 3 * RISCVEnvironment.words(a1))
            let out = try read(m, a0, len, what)
            return .end(n == ContractSyscall.ret ? .success : .revert, out)

        case ContractSyscall.revertReturndata, ContractSyscall.returnReturndata:
            // The last callee's returndata passed on without a copy through guest memory, whatever
            // its size: a failed callee's revert data (Solidity's and Vyper's RETURNDATACOPY +
            // REVERT), or a proxy's forwarded output (RETURNDATACOPY + RETURN).
            try charge(m, gas: 3 * RISCVEnvironment.words(UInt64(returndata.count)))
            return .end(n == ContractSyscall.returnReturndata ? .success : .revert, returndata)

        case ContractSyscall.call:
            let a3 = m[register: 13], a4 = m[register: 14], a5 = m[register: 15]
            return .preempt(try call(m, kind: a0, target: a1, value: a2, data: a3, len: a4, gas: a5, host: host))

        case ContractSyscall.create:
            let a3 = m[register: 13], a4 = m[register: 14], a5 = m[register: 15]
            return .preempt(try create(m, code: a0, len: a1, value: a2, salt: a3, out: a4, ee: a5, host: host))

        case ContractSyscall.selfdestruct:
            // EIP-6780 (the world state deletes the account only if this transaction created
            // it); gas as the EVM's: 5000, + 2600 for a cold beneficiary (EIP-2929), + 25000
            // for sending a balance to an empty account (EIP-161).
            try requireWritable("selfdestruct")
            let beneficiary = try address(m, a0, "selfdestruct")
            var gas: UInt64 = 5000
            if !host.accessAccount(beneficiary) { gas += 2600 }
            if !host.balance(launch.callee).isZero && host.isEmpty(beneficiary) { gas += 25000 }
            try charge(m, gas: gas)
            host.selfDestruct(launch.callee, beneficiary: beneficiary)
            destructed = true
            return .end(.success, [])

        default:
            try simpleSyscall(m, n, host: host)
            return .next
        }
    }

    /// True for the system calls that end or preempt the frame (`syscall` handles them; the
    /// others are `simpleSyscall`s).
    private static func endsOrPreempts(_ n: UInt64) -> Bool {
        n == ContractSyscall.ret || n == ContractSyscall.revert || n == ContractSyscall.call
            || n == ContractSyscall.create || n == ContractSyscall.selfdestruct || n == ContractSyscall.revertReturndata
            || n == ContractSyscall.returnReturndata
    }

    /// A system call that neither ends nor preempts the frame: it returns to the contract
    /// (or faults).
    private func simpleSyscall(_ m: RISCVMachine, _ n: UInt64, host: any EEHost) throws(Fault) {
        guard started else { throw Fault(reason: .other("frame not started")) }
        let a0 = m[register: 10], a1 = m[register: 11], a2 = m[register: 12]
        let me = launch.callee
        switch n {
        case ContractSyscall.calldataSize:
            try charge(m, gas: 0)
            m[register: 10] = UInt64(launch.calldata.count)

        case ContractSyscall.calldataCopy:
            let len = try length(m, a2, "calldata_copy")
            try charge(m, gas: 3 * RISCVEnvironment.words(a2))
            try chargeCodeWrite(m, a0, len)
            guard m.write(launch.calldata, from: a1, count: len, at: a0) else {
                throw Fault(reason: .trap("calldata_copy: \(len) bytes at 0x\(String(a0, radix: 16)) are not writable guest memory"))
            }

        case ContractSyscall.caller:
            try charge(m, gas: 0)
            try write(m, launch.caller.bytes, a0, "caller")
        case ContractSyscall.address:
            try charge(m, gas: 0)
            try write(m, me.bytes, a0, "address")
        case ContractSyscall.callvalue:
            try charge(m, gas: 0)
            try write(m, word: launch.value, a0, "callvalue")

        case ContractSyscall.context:
            try charge(m, gas: a0 == ContractSyscall.ctxSelfBalance ? 5 : 0)
            let b = host.block, t = host.transaction
            let v: U256
            switch a0 {
            case 0: v = b.chainId
            case 1: v = U256(b.number)
            case 2: v = U256(b.timestamp)
            case 3: v = b.coinbase.word
            case 4: v = U256(b.gasLimit)
            case 5: v = b.baseFeeInForce
            case 6: v = b.prevrandao.word
            case 7: v = t.origin.word
            case 8: v = t.gasPrice
            case 9: v = launch.codeAddress.word
            case 10: v = U256(launch.modifier == .constructor ? 1 : 0)
            case 11: v = U256(launch.isStatic ? 1 : 0)
            case 12: v = U256(UInt64(max(0, launch.depth)))
            case 13: v = host.balance(me)
            case 14: v = b.blobBaseFeeInForce
            default: throw Fault(reason: .trap("context: unknown id \(a0)"))
            }
            try write(m, word: v, a1, "context")

        case ContractSyscall.gasLeft:
            try charge(m, gas: 0)
            let g = m.budget / schedule.ergsPerGas
            if m.xlen == 32 {
                m[register: 10] = g & 0xffff_ffff
                m[register: 11] = g >> 32
            } else {
                m[register: 10] = g
            }

        case ContractSyscall.sload, ContractSyscall.sloadLE:
            let key = try word(m, a0, "sload")
            let slot = host.accessStorageValues(me, key)
            try charge(m, gas: slot.wasWarm ? 100 : 2100)
            try write(m, word: slot.current, a1, littleEndian: n == ContractSyscall.sloadLE, "sload")

        case ContractSyscall.sstore, ContractSyscall.sstoreLE:
            try requireWritable("sstore")
            let key = try word(m, a0, "sstore")
            let value = try word(m, a1, littleEndian: n == ContractSyscall.sstoreLE, "sstore")
            try sstore(m, key, value, host: host)

        case ContractSyscall.tload:
            try charge(m, gas: 100)
            let key = try word(m, a0, "tload")
            try write(m, word: host.transientStorage(me, key), a1, "tload")

        case ContractSyscall.tstore:
            try requireWritable("tstore")
            try charge(m, gas: 100)
            host.setTransientStorage(me, try word(m, a0, "tstore"), try word(m, a1, "tstore"))

        case ContractSyscall.log:
            try requireWritable("log")
            guard a1 <= 4 else { throw Fault(reason: .trap("log: \(a1) topics (at most 4)")) }
            let a3 = m[register: 13]
            let len = try length(m, a3, "log")
            try charge(m, gas: 375 + 375 * a1 + 8 * a3)
            let t = try read(m, a0, Int(a1) * 32, "log topics")
            // Read in place (an Array per topic was an allocation and a slice copy each).
            let topics = t.withUnsafeBytes { raw in
                (0..<Int(a1)).map { Bytes32(bigEndian: UnsafeRawBufferPointer(rebasing: raw[$0 * 32..<$0 * 32 + 32])) }
            }
            host.emitLog(Log(address: me, topics: topics, data: try read(m, a2, len, "log data")))

        case ContractSyscall.keccak256:
            let len = try length(m, a1, "keccak256")
            try charge(m, gas: 30 + 6 * RISCVEnvironment.words(a1))
            try chargeCodeWrite(m, a2, 32)
            guard m.keccak256(a0, count: len, into: a2) else {
                throw Fault(reason: .trap("keccak256: \(len) bytes at 0x\(String(a0, radix: 16)) or the result at 0x\(String(a2, radix: 16)) are not accessible guest memory"))
            }

        case ContractSyscall.returndataSize:
            try charge(m, gas: 0)
            m[register: 10] = UInt64(returndata.count)

        case ContractSyscall.returndataCopy:
            let len = try length(m, a2, "returndata_copy")
            try charge(m, gas: 3 * RISCVEnvironment.words(a2))
            let (stop, o) = a1.addingReportingOverflow(a2)
            guard !o, stop <= UInt64(returndata.count) else {
                throw Fault(reason: .trap("returndata_copy: \(a2) bytes at offset \(a1) go past the end of \(returndata.count) bytes"))
            }
            try chargeCodeWrite(m, a0, len)
            guard m.write(returndata, from: a1, count: len, at: a0) else {
                throw Fault(reason: .trap("returndata_copy: \(len) bytes at 0x\(String(a0, radix: 16)) are not writable guest memory"))
            }

        case ContractSyscall.balance:
            let a = try address(m, a0, "balance")
            try charge(m, gas: RISCVEnvironment.accessGas(a, host: host))
            try write(m, word: host.balance(a), a1, "balance")

        case ContractSyscall.brk:
            try charge(m, gas: 0)
            m[register: 10] = try setBreak(m, a0)

        case ContractSyscall.codeSize:
            let a = try address(m, a0, "code_size")
            try charge(m, gas: RISCVEnvironment.accessGas(a, host: host))
            m[register: 10] = UInt64(host.codeSize(a))

        case ContractSyscall.codeHash:
            let a = try address(m, a0, "code_hash")
            try charge(m, gas: RISCVEnvironment.accessGas(a, host: host))
            try write(m, host.codeHash(a).bytes, a1, "code_hash")

        case ContractSyscall.codeCopy:
            let a = try address(m, a0, "code_copy")
            let a3 = m[register: 13]
            let len = try length(m, a3, "code_copy")
            try charge(m, gas: RISCVEnvironment.accessGas(a, host: host) + 3 * RISCVEnvironment.words(a3))
            try chargeCodeWrite(m, a1, len)
            guard m.write(host.code(a).bytes, from: a2, count: len, at: a1) else {
                throw Fault(reason: .trap("code_copy: \(len) bytes at 0x\(String(a1, radix: 16)) are not writable guest memory"))
            }

        case ContractSyscall.blockHash:
            try charge(m, gas: 20)
            try write(m, host.blockHash(a0).bytes, a1, "block_hash")

        case ContractSyscall.blobHash:
            try charge(m, gas: 3)
            let hashes = host.transaction.blobHashes
            try write(m, a0 < UInt64(hashes.count) ? hashes[Int(a0)].bytes : Bytes(repeating: 0, count: 32), a1, "blob_hash")

        default:
            throw Fault(reason: .trap("unknown system call 0x\(String(n, radix: 16)) at pc 0x\(String(m.pc &- 4, radix: 16))"))
        }
    }

    /// SSTORE with EIP-2929 access costs, EIP-2200 net metering and EIP-3529 refunds.
    private func sstore(_ m: RISCVMachine, _ key: U256, _ value: U256, host: any EEHost) throws(Fault) {
        let me = launch.callee
        guard m.budget > 2300 * schedule.ergsPerGas else { throw Fault(reason: .outOfResources) }
        let (wasWarm, current, original) = host.accessStorageValues(me, key)
        let cold = !wasWarm
        var gas: UInt64 = cold ? 2100 : 0
        var refund: Int64 = 0
        if current == value {
            gas += 100
        } else if original == current {
            if original.isZero {
                gas += 20000
            } else {
                gas += 2900
                if value.isZero { refund += 4800 }
            }
        } else {
            gas += 100
            if !original.isZero {
                if current.isZero { refund -= 4800 }
                if value.isZero { refund += 4800 }
            }
            if original == value { refund += original.isZero ? 19900 : 2800 }
        }
        try charge(m, gas: gas)
        if refund != 0 { host.addRefund(refund) }
        host.setStorage(me, key, value)
    }

    private func setBreak(_ m: RISCVMachine, _ request: UInt64) throws(Fault) -> UInt64 {
        guard let image else { return 0 }
        if request == 0 { return brk }
        guard request >= image.brkStart, request <= image.brkLimit else {
            throw Fault(reason: .limitExceeded(
                "heap break 0x\(String(request, radix: 16)) requested; the heap spans 0x\(String(image.brkStart, radix: 16))...0x\(String(image.brkLimit, radix: 16))"))
        }
        let page = RISCVMachine.pageSize
        let oldTop = (brk + page - 1) & ~(page - 1)
        let newTop = (request + page - 1) & ~(page - 1)
        if newTop > oldTop {
            // Every growth pays for its pages, also pages a shrink gave up: the shrink zeroed
            // them for free, and this charge is what pays for that (review finding: with
            // regrowth free, a shrink-regrow loop zeroed about 1 MiB for 25 gas).
            let (linear, o) = ((newTop - oldTop) / page).multipliedReportingOverflow(by: schedule.riscvPageErgs)
            // The square term grows with the frame's writable pages, the heap's included.
            let before = schedule.riscvMemorySquareErgs(pages: image.writablePages + (oldTop - image.brkStart) / page)
            let after = schedule.riscvMemorySquareErgs(pages: image.writablePages + (newTop - image.brkStart) / page)
            let (e, o2) = linear.addingReportingOverflow(after - before)
            guard !o, !o2, m.budget >= e else { throw Fault(reason: .outOfResources) }
            m.budget -= e
            m.protect(oldTop, newTop, [.read, .write])
        } else if newTop < oldTop {
            // Written, not given back: the pages were paid for, and regrowing costs no fault.
            m.zero(newTop, oldTop - newTop, resident: true)
            m.protect(newTop, oldTop, [])
        }
        if request < brk { m.zero(request, min(brk, newTop) - request, resident: true) }
        brk = request
        brkHigh = max(brkHigh, newTop)
        return brk
    }

    private func call(
        _ m: RISCVMachine, kind: UInt64, target: UInt64, value vp: UInt64, data: UInt64, len: UInt64, gas: UInt64,
        host: any EEHost
    ) throws(Fault) -> Preemption {
        guard started else { throw Fault(reason: .other("frame not started")) }
        let to = try address(m, target, "call target")
        let modifier: CallModifier
        switch kind {
        case 0: modifier = .none
        case 1: modifier = .static
        case 2: modifier = launch.isStatic ? .delegateStatic : .delegate
        case 3: modifier = .callcode
        default: throw Fault(reason: .trap("call: unknown call kind \(kind)"))
        }
        // The value word is read only for the kinds that send one (eekit.h: a static call sends
        // none and a delegate call keeps this frame's value, whatever the pointer).
        var value = U256.zero
        if vp != 0 && (modifier == .none || modifier == .callcode) { value = try word(m, vp, "call value") }
        let transfers = (modifier == .none || modifier == .callcode) && !value.isZero
        if modifier == .none && transfers && launch.isStatic { throw Fault(reason: .staticViolation) }
        if modifier == .delegate || modifier == .delegateStatic { value = launch.value }
        let n = try length(m, len, "call data")
        var cost = RISCVEnvironment.accessGas(to, host: host)
        // EIP-7702 (Prague), as the EVM's CALL*: a target holding a delegation designator runs
        // its delegate's code, and the call pays for accessing the delegate too.
        if let delegate = host.delegate(of: to) { cost += RISCVEnvironment.accessGas(delegate, host: host) }
        cost += 3 * RISCVEnvironment.words(len)
        if transfers {
            cost += 9000
            if modifier == .none && host.isEmpty(to) { cost += 25000 }
        }
        try charge(m, gas: cost)
        let input = try read(m, data, n, "call data")
        // EEK_GAS_ALL (and a request above 2^64 ergs) asks for all the frame may give.
        let all = m.xlen == 32 ? gas >= 0xffff_ffff : gas == .max
        let (e, o) = gas.multipliedReportingOverflow(by: schedule.ergsPerGas)
        var pass = Resources.callAllowance(requested: all || o ? nil : e, available: m.budget)
        m.budget -= pass
        if transfers { pass = pass &+ 2300 * schedule.ergsPerGas }
        returndata = []
        pending = .call
        return .externalCallRequest(CallRequest(
            target: to, modifier: modifier, calldata: input, value: value,
            resources: Resources(ergs: pass, native: launch.resources.native)))
    }

    private func create(
        _ m: RISCVMachine, code: UInt64, len: UInt64, value vp: UInt64, salt sp: UInt64, out: UInt64, ee: UInt64,
        host: any EEHost
    ) throws(Fault) -> Preemption {
        guard started else { throw Fault(reason: .other("frame not started")) }
        try requireWritable("create")
        // Any EE kind (eekit.h EEK_EE_*): the bootloader deploys it with the EE registered for
        // it, and a kind without one (WASM until its EE lands) is a failed deployment the
        // frame sees as EEK_FAILED, as a call to code no EE runs is.
        guard ee <= UInt64(UInt8.max), let kind = EEKind(rawValue: UInt8(ee)), kind != .none else {
            throw Fault(reason: .trap("create: unknown EE kind \(ee) (1 EVM, 2 WASM, 3 RISC-V)"))
        }
        // EIP-3860: EVM init code above 49,152 bytes aborts the creating frame, as CREATE in the
        // EVM does (before any charge; native deployments have the 256 KiB code limit instead).
        if kind == .evm && len > UInt64(Bootloader.maxInitcodeSize) && host.block.fork >= .shanghai {
            throw Fault(reason: .initcodeSizeExceeded)
        }
        let n = try length(m, len, "create code")
        let w = RISCVEnvironment.words(len)
        // 32000, EIP-3860's 2 per word (from Shanghai, as the EVM's CREATE), 3 per word for the
        // copy out of guest memory (as CALL's calldata), and CREATE2's 6 per word of hashing.
        let initcodeWord: UInt64 = host.block.fork >= .shanghai ? 2 : 0
        try charge(m, gas: 32000 + initcodeWord * w + 3 * w + (sp == 0 ? 0 : 6 * w))
        let initcode = try read(m, code, n, "create code")
        let value = try vp == 0 ? U256.zero : word(m, vp, "create value")
        let scheme: DeploymentScheme = try sp == 0 ? .create : .create2(salt: Bytes32(read(m, sp, 32, "create salt")))
        guard m.isAccessible(out, 20, .write) else {
            throw Fault(reason: .trap("create: 20 bytes at 0x\(String(out, radix: 16)) are not writable guest memory"))
        }
        try chargeCodeWrite(m, out, 20)  // the address written there when the deployment succeeds
        createOutput = out
        let pass = Resources.allButOne64th(of: m.budget)
        m.budget -= pass
        returndata = []
        pending = .create
        return .deploymentRequest(DeploymentRequest(
            deployer: launch.callee, initcode: initcode, value: value, scheme: scheme, kind: kind,
            resources: Resources(ergs: pass, native: launch.resources.native)))
    }
}

/// System-call numbers of native contracts (a7); the same as `EEK_SYS_*` in eekit.h.
public enum ContractSyscall {
    public static let ret: UInt64 = 0x10000
    public static let revert: UInt64 = 0x10001
    public static let calldataSize: UInt64 = 0x10002
    public static let calldataCopy: UInt64 = 0x10003
    public static let caller: UInt64 = 0x10004
    public static let address: UInt64 = 0x10005
    public static let callvalue: UInt64 = 0x10006
    public static let context: UInt64 = 0x10007
    public static let gasLeft: UInt64 = 0x10008
    public static let sload: UInt64 = 0x10009
    public static let sstore: UInt64 = 0x1000A
    public static let tload: UInt64 = 0x1000B
    public static let tstore: UInt64 = 0x1000C
    public static let log: UInt64 = 0x1000D
    public static let keccak256: UInt64 = 0x1000E
    public static let returndataSize: UInt64 = 0x1000F
    public static let returndataCopy: UInt64 = 0x10010
    public static let call: UInt64 = 0x10011
    public static let create: UInt64 = 0x10012
    public static let balance: UInt64 = 0x10013
    public static let brk: UInt64 = 0x10014
    public static let sloadLE: UInt64 = 0x10015
    public static let sstoreLE: UInt64 = 0x10016
    public static let codeSize: UInt64 = 0x10017
    public static let codeHash: UInt64 = 0x10018
    public static let codeCopy: UInt64 = 0x10019
    public static let blockHash: UInt64 = 0x1001A
    public static let blobHash: UInt64 = 0x1001B
    public static let selfdestruct: UInt64 = 0x1001C
    public static let revertReturndata: UInt64 = 0x1001D
    public static let returnReturndata: UInt64 = 0x1001E
    static let ctxSelfBalance: UInt64 = 13
}

extension EERegistry {
    /// Registers the native RISC-V EE (kind 3) with its code-deposit rules.
    /// `tracer`: every instruction the EE's frames retire (`RISCVEnvironment(tracer:)`).
    public mutating func registerRISCV(
        _ configuration: RISCVEnvironment.Configuration = .init(), tracer: ((RISCVFrameTraceStep) -> Void)? = nil
    ) {
        register(RISCVEnvironment.self, deposit: RISCVEnvironment.depositRules) {
            RISCVEnvironment(configuration: configuration, tracer: tracer)
        }
    }
}

/// One instruction a native frame retired (`RISCVEnvironment(tracer:)`): the step, the frame's
/// contract and depth (0 for a transaction's frame), and the ergs the frame had before the
/// instruction (as EIP-3155's `gas` is the gas before the operation).
public struct RISCVFrameTraceStep: Sendable {
    public var step: RISCVTraceStep
    public var address: Address
    public var depth: Int
    public var ergsBefore: UInt64
}
