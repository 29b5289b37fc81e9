/// The one budget that crosses every frame boundary.
///
/// `ergs` is the shared unit: 1 EVM gas = `GasSchedule.ergsPerGas` ergs (256, as in ZKsync OS).
/// Each EE meters in its own unit and converts at its boundary. `native` is an optional
/// second counter for proving cost; EEs that do not track it leave it unchanged.
public struct Resources: Hashable, Sendable, CustomStringConvertible {
    public var ergs: UInt64
    public var native: UInt64

    public init(ergs: UInt64, native: UInt64 = .max) {
        self.ergs = ergs
        self.native = native
    }

    public static let zero = Resources(ergs: 0, native: 0)

    /// EIP-150's 63/64 rule, for EEs that make calls and deployments: what a frame holding
    /// `ergs` can give away, all but one 64th (EVM: `gas - gas / 64`).
    public static func allButOne64th(of ergs: UInt64) -> UInt64 { ergs - ergs / 64 }

    /// What a call asking for `requested` ergs gets from a frame holding `available`: the
    /// smaller of the two (`requested` nil: all it may give). The value-transfer stipend, if
    /// any, comes on top.
    public static func callAllowance(requested: UInt64?, available: UInt64) -> UInt64 {
        let cap = allButOne64th(of: available)
        return requested.map { min($0, cap) } ?? cap
    }

    /// Resources worth `gas` EVM gas (saturating).
    public static func gas(_ gas: UInt64, schedule: GasSchedule = .default) -> Resources {
        let (e, o) = gas.multipliedReportingOverflow(by: schedule.ergsPerGas)
        return Resources(ergs: o ? .max : e)
    }

    /// Whole EVM gas in these ergs (rounded down).
    public func gas(schedule: GasSchedule = .default) -> UInt64 { ergs / max(1, schedule.ergsPerGas) }

    public var description: String { "\(ergs) ergs" }
}

/// Every metering constant of EEKit, in one place.
///
/// - `ergsPerGas`: 1 EVM gas = 256 ergs.
/// - RISC-V: ergs per retired instruction by class, calibrated on what the interpreter costs so
///   that gas bounds CPU time in either EE: no RISC-V loop gets more CPU per gas than the EVM's
///   dearest common opcodes (about 5 ns per gas on the reference machine: KECCAK256 of one
///   word, MULMOD), so 30M gas of native code runs in a fraction of a second, as EVM code does.
///   Block ends (branches, jumps) cost the most because the interpreter's per-block work is
///   there; an ALU instruction (often run fused with its neighbour) costs a quarter gas. An
///   EVM `ADD` (3 gas) buys 12 ALU instructions, and a native loop still costs 10-40x less gas
///   than the same loop in EVM bytecode, about what the interpreters' speeds differ by
///   (`Benchmarks/RESULTS.md`). The first defaults (4 ergs per ALU instruction, from the
///   100-200x gap of compiled native code) let a `j .` loop burn 140 ns per gas, 4 s of CPU per
///   30M gas.
/// - RISC-V memory: `riscvPageErgs` per 4 KiB page a contract's heap grows by (brk), and a
///   square term on a frame's writable pages beyond 1 MiB (`riscvMemorySquareErgs`).
/// - RISC-V system calls: `riscvSyscallErgs` on top of the `ecall` instruction itself, plus
///   the EVM-equivalent gas of what the call does (storage, logs, keccak), converted to ergs.
/// - Every RISC-V price (instructions, pages, decoded code, system calls, code stores) is in
///   ergs at the reference rate of 256 ergs per gas (`nativeReferenceErgsPerGas`). A schedule
///   with another `ergsPerGas` charges them scaled to its rate, rounded up (`nativeRated`), so
///   native code costs the same gas at any multiple of 256 and more below it (at one erg per
///   gas an ALU instruction costs a whole gas), never getting more CPU per gas. (A review found
///   that at 2^32 ergs per gas unscaled prices made native code nearly free, about 1 ms of CPU
///   per gas; at 1 erg per gas an ALU instruction cost 64 gas.)
public struct GasSchedule: Hashable, Sendable {
    public var ergsPerGas: UInt64 = 256
    /// The most gas 2^64 ergs hold (7.2e16 at 256 ergs per gas): a transaction or call given
    /// more holds the rest back and returns it unused (`validate` requires `ergsPerGas` >= 1).
    /// 1 EVM gas = `ergsPerGas` ergs; RISC-V prices follow it (`nativeRated`).
    public var maxGas: UInt64 { UInt64.max / max(1, ergsPerGas) }

    public var riscvALU: UInt32 = 64
    public var riscvLoad: UInt32 = 192
    public var riscvStore: UInt32 = 192
    public var riscvBranch: UInt32 = 192
    public var riscvJump: UInt32 = 192
    public var riscvMul: UInt32 = 192
    public var riscvDiv: UInt32 = 512
    public var riscvSystem: UInt32 = 512
    /// On top of `riscvStore`, for a store that changes code bytes (a writable code page):
    /// the core decodes the slot when it next runs, with the suffix sums of its block, up to a
    /// page of slots, and the frame's end re-decodes the runs of changed words again: up to about 3 us
    /// of CPU, so 640 gas (64 let a loop of such stores run at 20-30 ns per gas, a review
    /// found). A writable executable page without instructions takes stores as data and pays
    /// this once, when a changed word of it runs.
    public var riscvCodeStore: UInt32 = 256 * 640
    /// 64 gas per 4 KiB page: zeroing or copying a page takes 0.1-0.3 us (EVM memory costs
    /// at least 384 gas for the same 4 KiB).
    public var riscvPageErgs: UInt64 = 256 * 64
    /// A frame's writable pages (its image's, .bss included, and its heap) beyond
    /// `riscvMemoryFreePages` also cost (pages - free)^2 x this, as the EVM's memory cost
    /// grows with the square of its size: a frame's working set is what its loads can miss
    /// the caches on, and at 64 gas a page a dependent-load loop over 56 MiB of .bss ran at
    /// 90 ns per gas, 2.7 s per 30M gas (a review); 4 MiB now costs 1.2M gas more, 8 MiB 6.4M,
    /// 16 MiB 29M (30M gas buys a little over 16 MiB; the EVM's a little under 4).
    public var riscvMemorySquareErgs: UInt64 = 256 * 2
    public var riscvMemoryFreePages: UInt64 = 256

    /// The ergs of `pages` writable pages beyond the linear `riscvPageErgs`:
    /// (pages - riscvMemoryFreePages)^2 x riscvMemorySquareErgs, saturating at UInt64.max.
    public func riscvMemorySquareErgs(pages: UInt64) -> UInt64 {
        guard pages > riscvMemoryFreePages else { return 0 }
        let over = pages - riscvMemoryFreePages
        let (square, o1) = over.multipliedReportingOverflow(by: over)
        let (e, o2) = square.multipliedReportingOverflow(by: riscvMemorySquareErgs)
        return o1 || o2 ? .max : e
    }
    /// Per frame, per 4 KiB of the image's decoded code beyond `riscvDecodedFreeBytes` (a
    /// 4-byte instruction decodes to 32 host bytes): a frame that needs a new machine maps the
    /// decoded code copy-on-write (it copied it before) and faults in what it runs. The first
    /// 256 KiB (32 KiB of code range) are free: a 1024-deep warm self-call descent of a 30 KiB
    /// contract then costs what the same descent of a 400-byte one costs (24.9 against 23.4 ms
    /// per process, 67 ms when the code was copied), and a contract that size takes a value
    /// transfer made with the 2,300-gas stipend, as an EVM contract does (with 64 KiB free,
    /// contracts above about 13 KiB of code could not).
    public var riscvDecodedPageErgs: UInt64 = 256 * 128
    public var riscvDecodedFreeBytes: Int = 256 << 10
    /// Read-only image pages that hold file bytes, per frame, beyond this many bytes cost
    /// `riscvPageErgs` each: a frame that needs a new machine copies them (pages only zero
    /// fill covers it does not copy). 64 KiB are free, as the example contracts have a few pages.
    public var riscvImageFreeBytes: Int = 64 << 10
    public var riscvSyscallErgs: UInt64 = 256 * 10

    public init() {}
    public static let `default` = GasSchedule()

    /// The rate the RISC-V prices are written for.
    public static let nativeReferenceErgsPerGas: UInt64 = 256
    /// The highest `ergsPerGas`: the default code-store price (640 gas a word) still fits its
    /// 32-bit field when scaled to it.
    public static let maxErgsPerGas: UInt64 = 1 << 20

    /// This schedule with its RISC-V prices scaled from the reference rate (256 ergs per gas)
    /// to `ergsPerGas`, each rounded up (a non-zero price stays at least 1 erg; a scaled
    /// instruction price above 2^32 - 1 ergs is capped there): what the RISC-V EE charges.
    /// The same schedule at 256 ergs per gas.
    public var nativeRated: GasSchedule {
        let rate = ergsPerGas, reference = GasSchedule.nativeReferenceErgsPerGas
        guard rate != reference, rate >= 1 else { return self }
        func scaled(_ p: UInt64) -> UInt64 {
            guard p != 0 else { return 0 }
            // ceil(p * rate / reference) from the full 128-bit product, saturating at
            // UInt64.max (an overflowing product gave UInt64.max / reference: a price set
            // huge to make something unaffordable cost half of it at 2 ergs per gas).
            let product = p.multipliedFullWidth(by: rate)
            guard product.high < reference else { return .max }
            let (q, r) = reference.dividingFullWidth(product)
            return r == 0 ? q : (q == .max ? .max : q + 1)
        }
        func scaled(_ p: UInt32) -> UInt32 { UInt32(clamping: scaled(UInt64(p))) }
        var s = self
        s.riscvALU = scaled(riscvALU); s.riscvLoad = scaled(riscvLoad); s.riscvStore = scaled(riscvStore)
        s.riscvBranch = scaled(riscvBranch); s.riscvJump = scaled(riscvJump); s.riscvMul = scaled(riscvMul)
        s.riscvDiv = scaled(riscvDiv); s.riscvSystem = scaled(riscvSystem); s.riscvCodeStore = scaled(riscvCodeStore)
        s.riscvPageErgs = scaled(riscvPageErgs); s.riscvDecodedPageErgs = scaled(riscvDecodedPageErgs)
        s.riscvMemorySquareErgs = scaled(riscvMemorySquareErgs)
        s.riscvSyscallErgs = scaled(riscvSyscallErgs)
        return s
    }

    /// Checks what every conversion and loop relies on: `ergsPerGas` in 1...2^20 (gas/erg
    /// conversions divide by it and multiply the 2,300-gas stipend by it; RISC-V prices are
    /// scaled by it, `nativeRated`) and non-zero `riscvBranch` and `riscvJump` (every guest loop
    /// ends a block with one: at zero a `j .` loop ran forever on any budget).
    /// - Throws: `EEError.invalidConfiguration` naming the bad field.
    public func validate() throws(EEError) {
        guard ergsPerGas >= 1, ergsPerGas <= GasSchedule.maxErgsPerGas else {
            throw .invalidConfiguration("GasSchedule.ergsPerGas must be 1...2^20, got \(ergsPerGas)")
        }
        guard riscvBranch >= 1, riscvJump >= 1 else {
            throw .invalidConfiguration(
                "GasSchedule.riscvBranch and riscvJump must be at least 1 (a loop of free instructions never ends), got \(riscvBranch) and \(riscvJump)")
        }
    }

    /// A schedule where every RISC-V instruction costs exactly 1, so a budget counts
    /// instructions (used by `eekit rv run --max-instructions`).
    public static var instructionCounting: GasSchedule {
        var s = GasSchedule()
        s.riscvALU = 1; s.riscvLoad = 1; s.riscvStore = 1; s.riscvBranch = 1
        s.riscvJump = 1; s.riscvMul = 1; s.riscvDiv = 1; s.riscvSystem = 1; s.riscvCodeStore = 0
        return s
    }
}

/// Caps on what the frames of one transaction may use besides ergs (set on
/// `Bootloader.limits`). A frame that goes over a cap fails with
/// `FailureReason.limitExceeded` naming the cap, its state changes are reverted, and its
/// caller continues as after any failed call.
///
/// The defaults are far above what Ethereum gas allows (30M gas buys about 4 MB of EVM memory,
/// 80,000 LOG0s or 3.75 MB of log data), so they never change the result of a valid Ethereum
/// transaction; they bound what a contract can make the host hold when gas is cheap or
/// unlimited (native contracts, `eekit run` with a large gas limit).
///
/// Caps that live elsewhere: code size per EE (`CodeDepositRules.maxCodeSize` in the
/// registry, EIP-170 24,576 bytes for EVM, 256 KiB for RISC-V) and init code (EIP-3860,
/// 49,152 bytes); each EE's own ceiling on a frame's memory (EVM: 256 MiB,
/// `EVMBuffers.memoryLimit`; RISC-V: the frame size in `RISCVEnvironment.Configuration`, 64 MiB
/// at most), which `maxFrameMemory` can only lower.
public struct ResourceLimits: Hashable, Sendable {
    /// Largest call depth: frames at this depth may not call further (Ethereum: 1024).
    public var maxCallDepth: Int = 1024
    /// Bytes a frame may return (output or revert data); more fails the frame.
    public var maxReturnDataBytes: Int = 16 << 20
    /// Logs a transaction may hold; a frame that completes with more fails.
    public var maxLogCount: Int = 1 << 18
    /// Bytes of log data plus 32 per topic a transaction may hold; a frame that completes
    /// with more fails.
    public var maxLogBytes: Int = 64 << 20
    /// Guest memory one frame may hold (EVM memory as it expands; a RISC-V frame's whole
    /// configured memory when it starts); a frame that asks for more fails.
    public var maxFrameMemory: Int = 256 << 20
    /// Guest memory all live frames of a transaction may hold together (the caller frames of a
    /// deep call chain keep theirs); the frame whose request crosses it fails, its caller
    /// continues. The default fits 1,024 RISC-V frames of 1 MiB plus EVM frames.
    public var maxTotalGuestMemory: Int = 2 << 30
    /// Host bytes of prepared code a transaction may run (`EEHost.keep`: a native contract's
    /// decoded code and image pages, kept until the transaction ends); the frame whose code would
    /// cross it fails, its caller continues. 128 MiB: about 1,500 distinct contracts the size of
    /// the example token (the EVM's analysed code is not counted); a transaction touching that
    /// many peaks at about 250 MB of host memory.
    public var maxTransactionCodeBytes: Int = 128 << 20
    /// Native stack a nested call (`EEHost.nestedCall`) must find left on its thread; with
    /// less, the nested frames continue on a large-stack thread. Raise it for an EE that
    /// recurses deeply on the native stack between its host calls (WasmKit: about 10 KB per
    /// nested WASM frame in a release build, 32 KB in a debug one). At most a quarter of
    /// `LargeStack.defaultSize` counts (64 MiB), and at least `minimumNestedCallStackReserve`
    /// (256 KiB, the default): with less, nested calls overflowed the native stack.
    public var nestedCallStackReserve: Int = ResourceLimits.minimumNestedCallStackReserve
    /// The least `nestedCallStackReserve` that counts: 256 KiB.
    public static let minimumNestedCallStackReserve = 256 << 10

    public init() {}
    public static let `default` = ResourceLimits()

    /// Checked by `Bootloader.execute` / `simulate` before a transaction runs, as the gas
    /// schedule is (negative caps used to fail every transaction with "exceeds the cap of -5").
    /// - Throws: `EEError.invalidConfiguration` naming a negative cap (0 is allowed: no logs,
    ///   no returndata, a call depth of 0 lets only the transaction's own frame run).
    public func validate() throws(EEError) {
        // Once per transaction: the common case allocates nothing (the list below cost 0.07 us
        // a transaction).
        if min(
            maxCallDepth, maxReturnDataBytes, maxLogCount, maxLogBytes, maxFrameMemory, maxTotalGuestMemory,
            maxTransactionCodeBytes, nestedCallStackReserve) >= 0
        {
            return
        }
        let caps: [(String, Int)] = [
            ("maxCallDepth", maxCallDepth), ("maxReturnDataBytes", maxReturnDataBytes), ("maxLogCount", maxLogCount),
            ("maxLogBytes", maxLogBytes), ("maxFrameMemory", maxFrameMemory), ("maxTotalGuestMemory", maxTotalGuestMemory),
            ("maxTransactionCodeBytes", maxTransactionCodeBytes), ("nestedCallStackReserve", nestedCallStackReserve),
        ]
        for (name, value) in caps where value < 0 {
            throw .invalidConfiguration("ResourceLimits.\(name) is \(value); a cap cannot be negative")
        }
    }

    /// Why a frame that completed with `returndata`, with `logCount` logs and `logBytes` log
    /// bytes in the transaction, breaks a cap; nil when it does not.
    public func violation(returndata: Int, logCount: Int, logBytes: Int) -> String? {
        if returndata > maxReturnDataBytes {
            return "returndata of \(returndata) bytes exceeds the cap of \(maxReturnDataBytes)"
        }
        if logCount > maxLogCount {
            return "\(logCount) logs in the transaction exceed the cap of \(maxLogCount)"
        }
        if logBytes > maxLogBytes {
            return "\(logBytes) bytes of logs in the transaction exceed the cap of \(maxLogBytes)"
        }
        return nil
    }
}
