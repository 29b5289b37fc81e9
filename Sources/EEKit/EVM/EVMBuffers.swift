import CEVM
import Synchronization

// The ONLY file of the EVM EE that touches unsafe pointers: it owns every buffer the C core
// (CSources/CEVM) works on, fills the host vtable with @convention(c) thunks, and converts
// between the C types and the Core types.

// MARK: - Conversions between C and Core types

extension U256 {
    init(c v: cevm_u256) { self.init(limbs: (v.w.0, v.w.1, v.w.2, v.w.3)) }
    var c: cevm_u256 { cevm_u256(w: limbs) }
}

extension Address {
    init(c a: cevm_address) {
        self = withUnsafeBytes(of: a.bytes) { Address(bigEndian: $0) }
    }
    var c: cevm_address {
        var a = cevm_address()
        withUnsafeMutableBytes(of: &a.bytes) { store(to: $0) }
        return a
    }
}

extension Bytes32 {
    init(c b: cevm_bytes32) { self = withUnsafeBytes(of: b.bytes) { Bytes32(bigEndian: $0) } }
    var c: cevm_bytes32 {
        var out = cevm_bytes32()
        withUnsafeMutableBytes(of: &out.bytes) { store(to: $0) }
        return out
    }
}

// MARK: - Analysed code, cached by code hash

/// `cevm_analyze_revision` output for one code and fork: the padded code (opcodes the fork
/// does not define replaced) plus its jumpdest bitmap.
final class EVMAnalysis: @unchecked Sendable {
    // Immutable after init; the buffer is only read by the C core.
    let buffer: UnsafeMutableRawBufferPointer
    let codeSize: Int
    /// The host bytes it holds (the analysis buffer and the original code's copy).
    var byteSize: Int { buffer.count + (originalBuffer?.count ?? 0) }
    /// The code as it is, at a stable address for the core, when opcodes were replaced (so
    /// errors and traces name them, and CODECOPY copies the real bytes through the frame's
    /// `code`); nil when the analysis's copy is the code.
    let originalBuffer: UnsafeMutableBufferPointer<UInt8>?

    init(code: Bytes, fork: Fork = .cancun) {
        codeSize = code.count
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: cevm_analysis_size(code.count), alignment: 16)
        self.buffer = buffer
        let replaced = code.withUnsafeBufferPointer { c in
            cevm_analyze_revision(
                c.baseAddress, c.count, fork.cevmRevision, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        if replaced > 0 {
            let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: code.count)
            _ = copy.initialize(from: code)
            originalBuffer = copy
        } else {
            originalBuffer = nil
        }
    }

    /// The opcode at `pc` as the code has it (`byte` is the analysis's).
    func opcode(_ byte: UInt8, at pc: Int) -> UInt8 {
        guard let original = originalBuffer, byte == UInt8(CEVM_OPCODE_NOT_IN_FORK), pc < original.count else {
            return byte
        }
        return original[pc]
    }

    deinit {
        buffer.deallocate()
        originalBuffer?.deallocate()
    }

    var pointer: UnsafePointer<UInt8> { UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
}

extension Fork {
    /// The core's `cevm_revision`: 0 for Osaka (and the blob-parameter-only forks after it,
    /// whose EVM is Osaka's), one more per fork back.
    var cevmRevision: UInt32 { UInt32(Fork.osaka.order - rules.order) }

    /// The fork that introduced the EVM opcode (`.frontier` for the original set), or nil for
    /// a byte no fork up to Osaka defines.
    public static func introducing(opcode: UInt8) -> Fork? {
        let r = cevm_opcode_first_revision(opcode)
        guard r >= 0, r <= Fork.osaka.order else { return nil }
        return Fork.allCases[Fork.osaka.order - Int(r)]
    }
}

/// Analyses shared by all EVM frames, keyed by code hash and the fork's EVM rules (BPO1 shares
/// Osaka's; bounded in entries and bytes; cleared when full). Init code is analysed afresh
/// unless its analysis is already there: it usually runs once (constructor arguments make it
/// unique), and a review saw distinct 48 KiB init codes fill the table to 255 MiB and flush
/// the runtime code's analyses with them.
enum EVMAnalysisCache {
    static let maxEntries = 4096
    static let maxBytes = 64 << 20
    private struct Key: Hashable {
        var hash: Bytes32
        var fork: Fork
    }
    private struct Table {
        var entries: [Key: EVMAnalysis] = [:]
        var bytes = 0
    }
    private static let table = Locked<Table>(Table())

    static func analysis(for code: Bytecode, fork: Fork = .cancun, keep: Bool = true) -> EVMAnalysis {
        let key = Key(hash: code.hash, fork: fork.rules)
        if let hit = table.withLock({ $0.entries[key] }), hit.codeSize == code.bytes.count { return hit }
        let fresh = EVMAnalysis(code: code.bytes, fork: fork.rules)
        guard keep, fresh.byteSize <= maxBytes else { return fresh }
        table.withLock { t in
            if t.entries.count >= maxEntries || t.bytes + fresh.byteSize > maxBytes {
                t.entries.removeAll(keepingCapacity: true)
                t.bytes = 0
            }
            if let old = t.entries.updateValue(fresh, forKey: key) { t.bytes -= old.byteSize }
            t.bytes += fresh.byteSize
        }
        return fresh
    }
}

// MARK: - One frame's buffers

/// What a trace callback sees before each instruction (EIP-3155 fields).
public struct EVMTraceStep: Sendable {
    public var pc: Int
    public var opcode: UInt8
    public var opName: String
    public var gas: Int64
    /// The gas the instruction consumed (EIP-3155): base cost plus every dynamic part
    /// (memory expansion, cold access, copy words, SSTORE rules, for CALL*/CREATE* the gas
    /// passed to the callee). An instruction that halts exceptionally reports the gas it took
    /// with it (all that was left).
    public var gasCost: Int64
    public var memorySize: Int
    /// Top of the stack last.
    public var stack: [U256]
    /// 1 for the transaction's top frame.
    public var depth: Int
    /// The transaction's refund counter (EIP-3155: global, not the frame's).
    public var refund: Int64
    /// The return data of the frame's last call or create (RETURNDATASIZE's bytes).
    public var returnData: [UInt8] = []
    /// Set on the instruction that ended its frame with an error or a revert ("out of gas",
    /// "execution reverted", ...).
    public var error: String? = nil

    /// The EIP-3155 JSON line (without a trailing newline), fields in the EIP's order.
    public var jsonLine: String {
        let stackText = stack.map { "\"\($0.description)\"" }.joined(separator: ",")
        let refundText = refund < 0 ? "-0x\(String(-refund, radix: 16))" : "0x\(String(refund, radix: 16))"
        var line = "{\"pc\":\(pc),\"op\":\(opcode),\"gas\":\"0x\(String(gas, radix: 16))\","
            + "\"gasCost\":\"0x\(String(gasCost, radix: 16))\",\"memSize\":\(memorySize),"
            + "\"stack\":[\(stackText)],\"depth\":\(depth),\"returnData\":\"0x\(Hex.encode(returnData))\","
            + "\"refund\":\"\(refundText)\",\"opName\":\"\(opName)\""
        if let error { line += ",\"error\":\"\(error)\"" }
        return line + "}"
    }
}

public typealias EVMTracer = (EVMTraceStep) -> Void

/// Names of the opcodes, from the C opcode table.
enum EVMOpcodeTable {
    static let names: [String?] = (0..<256).map { op in
        var info = cevm_opcode_info()
        guard cevm_opcode_get_info(UInt8(op), &info) != 0, let name = info.name else { return nil }
        return String(cString: name)
    }
}

/// The fixed-size part of a frame's memory (the `cevm_frame`, its 1024-item stack and its
/// context) and small first blocks for its memory and calldata, owned by one `EVMBuffers` for
/// its whole life: the buffers objects are pooled, so a transaction's frames allocate nothing
/// of fixed size after the first ones (evmone keeps such state per depth for the same reason).
/// The stack is not cleared between frames: the core never reads above `stack_size`.
struct EVMFrameStorage {
    let frame: UnsafeMutablePointer<cevm_frame>
    let stack: UnsafeMutablePointer<cevm_u256>
    let context: UnsafeMutablePointer<cevm_context>
    /// The frame's first `smallMemory` bytes of EVM memory and up to `smallCalldata` bytes of
    /// calldata: most frames need no more, so they allocate nothing for either.
    let memory: UnsafeMutableRawPointer
    let calldata: UnsafeMutablePointer<UInt8>
    static let smallMemory = 4096
    static let smallCalldata = 1024

    static func allocate() -> EVMFrameStorage {
        let frame = UnsafeMutablePointer<cevm_frame>.allocate(capacity: 1)
        frame.initialize(to: cevm_frame())
        let stack = UnsafeMutablePointer<cevm_u256>.allocate(capacity: Int(CEVM_STACK_LIMIT))
        let context = UnsafeMutablePointer<cevm_context>.allocate(capacity: 1)
        context.initialize(to: cevm_context())
        return EVMFrameStorage(
            frame: frame, stack: stack, context: context,
            memory: .allocate(byteCount: smallMemory, alignment: 32),
            calldata: .allocate(capacity: smallCalldata))
    }

    func deallocate() {
        frame.deallocate()
        stack.deallocate()
        context.deallocate()
        memory.deallocate()
        calldata.deallocate()
    }
}

/// All memory of one EVM frame: the `cevm_frame`, its stack, memory, calldata, return data and
/// context (`EVMFrameStorage`), and the host table (one shared immutable table per tracing
/// mode). The C core calls back through `host_ctx`, an unretained pointer to this object;
/// `host` is set for the duration of each run.
///
/// Pooled: `take` hands out a recycled object (or a new one), `recycle` returns it when its
/// frame ends. Allocating and freeing the objects, their 33 KiB of storage and the small
/// blocks of every frame past the first ones made glibc return pages and fault them in again,
/// and split and coalesce chunks while a deep call chain kept a thousand frames alive.
/// `@unchecked Sendable`: an object belongs to one frame (one thread) at a time and moves
/// between threads only through the pool's lock.
final class EVMBuffers: @unchecked Sendable {
    static let memoryLimit = 256 << 20

    /// The host vtables, built once: the thunks capture nothing (they find their frame
    /// through `host_ctx`), so every frame can share them. `nonisolated(unsafe)`: written
    /// once by the lazy initializer, only read after.
    nonisolated(unsafe) private static let plainHostTable: UnsafePointer<cevm_host> = makeSharedHostTable(tracing: false)
    nonisolated(unsafe) private static let tracingHostTable: UnsafePointer<cevm_host> = makeSharedHostTable(tracing: true)
    private static func makeSharedHostTable(tracing: Bool) -> UnsafePointer<cevm_host> {
        let p = UnsafeMutablePointer<cevm_host>.allocate(capacity: 1)
        p.initialize(to: makeHostTable(tracing: tracing))
        return UnsafePointer(p)
    }

    /// One per call depth (1024 + the top frame), as evmone keeps per-depth state. A full pool
    /// holds about 39 MiB.
    static let poolLimit = 1025
    private static let pool = Locked<[EVMBuffers]>([])

    private let storage = EVMFrameStorage.allocate()
    var frame: UnsafeMutablePointer<cevm_frame> { storage.frame }
    private var stack: UnsafeMutablePointer<cevm_u256> { storage.stack }
    private var context: UnsafeMutablePointer<cevm_context> { storage.context }
    // `@exclusivity(unchecked)`: these properties are read and written on every state access
    // of every transaction, never re-entrantly (no closure or callback touches a property
    // while it is being modified); the dynamic exclusivity checks on them were about a fifth
    // of a native token transfer's CPU time.
    @exclusivity(unchecked) private var blobHashes: UnsafeMutablePointer<cevm_bytes32>?
    /// The frame's EVM memory: nil until the first expansion, then the storage's small block,
    /// then (past `EVMFrameStorage.smallMemory`) an allocation of its own.
    @exclusivity(unchecked) private var memory: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var memoryCapacity = 0
    /// The calldata copy: the storage's small block, or an allocation for large calldata.
    @exclusivity(unchecked) private var calldata: UnsafeMutablePointer<UInt8>?
    @exclusivity(unchecked) private var returnData: UnsafeMutablePointer<UInt8>?
    /// The frame's analysed code (kept alive while the frame runs).
    @exclusivity(unchecked) private var analysis: EVMAnalysis?
    /// Valid while the core runs.
    @exclusivity(unchecked) var host: (any EEHost)? {
        didSet {
            // A Bootloader (every transaction's host) is also kept unretained, for the host
            // callbacks to borrow (`withHost`): loading the existential from this property
            // retained and released it, and the buffers too, around every callback.
            if let h = host, ObjectIdentifier(type(of: h)) == ObjectIdentifier(Bootloader.self) {
                hostBootloader = Unmanaged.passUnretained(unsafeDowncast(h, to: Bootloader.self))
            } else {
                hostBootloader = nil
            }
        }
    }
    @exclusivity(unchecked) private var hostBootloader: Unmanaged<Bootloader>?
    @exclusivity(unchecked) var tracer: EVMTracer?
    /// The last traced instruction, held until the gas it consumed is known (the next
    /// instruction of this frame, or the core returning to the host).
    @exclusivity(unchecked) private var pendingStep: EVMTraceStep?
    /// The part of the frame's refund counter already added to the host's (the EE flushes it
    /// at every preemption): a step's global refund is the host's plus the rest.
    @exclusivity(unchecked) var flushedRefund: Int64 = 0

    private init() {}

    /// Buffers for a new frame, set up to run `analysis` with `launch`'s message.
    static func take(
        analysis: EVMAnalysis, launch: LaunchParams, gas: Int64, host: any EEHost, tracer: EVMTracer?
    ) -> EVMBuffers {
        let b = pool.withLock { $0.popLast() } ?? EVMBuffers()
        b.start(analysis: analysis, launch: launch, gas: gas, host: host, tracer: tracer)
        return b
    }

    /// Gives the buffers back when their frame has ended (the frame's EE is going away):
    /// what the frame allocated beyond the storage is freed, the rest waits for the next frame.
    func recycle() {
        releaseFrameAllocations()
        analysis = nil
        host = nil
        tracer = nil
        pendingStep = nil
        memoryRefusal = nil
        EVMBuffers.pool.withLock { p in
            guard p.count < EVMBuffers.poolLimit else { return }
            if p.capacity < EVMBuffers.poolLimit { p.reserveCapacity(EVMBuffers.poolLimit) }
            p.append(self)
        }
    }

    private func releaseFrameAllocations() {
        blobHashes?.deallocate()
        blobHashes = nil
        if let memory, memory != storage.memory { memory.deallocate() }
        memory = nil
        memoryCapacity = 0
        if let calldata, calldata != storage.calldata { calldata.deallocate() }
        calldata = nil
        returnData?.deallocate()
        returnData = nil
    }

    private func start(analysis: EVMAnalysis, launch: LaunchParams, gas: Int64, host: any EEHost, tracer: EVMTracer?) {
        self.analysis = analysis
        self.tracer = tracer
        flushedRefund = 0
        // A recycled frame and context hold the previous frame's values: start from zero.
        frame.initialize(to: cevm_frame())
        context.initialize(to: cevm_context())

        // Block / transaction context, filled once.
        let b = host.block, t = host.transaction
        context.pointee.origin = t.origin.c
        context.pointee.coinbase = b.coinbase.c
        context.pointee.gas_price = t.gasPrice.c
        context.pointee.chain_id = b.chainId.c
        context.pointee.base_fee = b.baseFee.c
        context.pointee.blob_base_fee = b.blobBaseFee.c
        context.pointee.prevrandao = b.prevrandao.c
        context.pointee.number = b.number
        context.pointee.timestamp = b.timestamp
        context.pointee.gas_limit = b.gasLimit
        context.pointee.revision = b.fork.cevmRevision
        if !t.blobHashes.isEmpty {
            let p = UnsafeMutablePointer<cevm_bytes32>.allocate(capacity: t.blobHashes.count)
            for (i, h) in t.blobHashes.enumerated() { (p + i).initialize(to: h.c) }
            blobHashes = p
            context.pointee.blob_hashes = UnsafePointer(p)
            context.pointee.blob_hash_count = t.blobHashes.count
        }

        if !launch.calldata.isEmpty {
            let n = launch.calldata.count
            let p = n <= EVMFrameStorage.smallCalldata ? storage.calldata : .allocate(capacity: n)
            p.update(from: launch.calldata, count: n)
            calldata = p
        }

        cevm_frame_init(frame)
        frame.pointee.analysis = analysis.pointer
        frame.pointee.code_size = analysis.codeSize
        frame.pointee.code = analysis.originalBuffer.map { UnsafePointer($0.baseAddress!) }
        frame.pointee.calldata = UnsafePointer(calldata)
        frame.pointee.calldata_size = launch.calldata.count
        frame.pointee.msg.caller = launch.caller.c
        frame.pointee.msg.address = launch.callee.c
        frame.pointee.msg.value = launch.value.c
        frame.pointee.msg.is_static = launch.isStatic ? 1 : 0
        frame.pointee.msg.depth = Int32(clamping: launch.depth)
        frame.pointee.context = UnsafePointer(context)
        frame.pointee.host = tracer != nil ? EVMBuffers.tracingHostTable : EVMBuffers.plainHostTable
        frame.pointee.stack = stack
        frame.pointee.memory = nil
        frame.pointee.memory_capacity = 0
        frame.pointee.gas = gas
        frame.pointee.host_ctx = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        releaseFrameAllocations()
        storage.deallocate()
    }

    // MARK: Running

    func run(host: any EEHost) -> Int32 {
        self.host = host
        defer { self.host = nil }
        let status = cevm_run(frame)
        if pendingStep != nil { flushTrace(gasAfter: frame.pointee.gas, status: status) }
        return status
    }

    func resumeCall(success: Bool, gasLeft: Int64, returndata: Bytes, host: any EEHost) -> Int32 {
        self.host = host
        defer { self.host = nil }
        let p = setReturnData(returndata)
        let status = cevm_resume_call(frame, success ? 1 : 0, gasLeft, p, returndata.count)
        if pendingStep != nil { flushTrace(gasAfter: frame.pointee.gas, status: status) }
        return status
    }

    func resumeCreate(address: Address?, gasLeft: Int64, returndata: Bytes, host: any EEHost) -> Int32 {
        self.host = host
        defer { self.host = nil }
        let p = setReturnData(returndata)
        let status: Int32
        if let address {
            var a = address.c
            status = cevm_resume_create(frame, &a, gasLeft, p, returndata.count)
        } else {
            status = cevm_resume_create(frame, nil, gasLeft, p, returndata.count)
        }
        if pendingStep != nil { flushTrace(gasAfter: frame.pointee.gas, status: status) }
        return status
    }

    private func setReturnData(_ bytes: Bytes) -> UnsafePointer<UInt8>? {
        returnData?.deallocate()
        returnData = nil
        guard !bytes.isEmpty else { return nil }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        p.initialize(from: bytes, count: bytes.count)
        returnData = p
        return UnsafePointer(p)
    }

    // MARK: Reading the frame

    var gas: Int64 { frame.pointee.gas }
    var refund: Int64 { frame.pointee.refund }
    var request: cevm_request { frame.pointee.request }
    var pc: Int { frame.pointee.pc }
    var pending: UInt32 { frame.pointee.pending }

    /// The opcode at the frame's pc (0 past the end).
    var opcodeAtPC: UInt8 {
        let pc = frame.pointee.pc
        guard pc < frame.pointee.code_size, let code = frame.pointee.analysis else { return 0 }
        return analysis?.opcode(code[pc], at: pc) ?? code[pc]
    }

    /// Bytes `[offset, offset + size)` of frame memory (the core has expanded memory to cover them).
    func memoryBytes(offset: Int, size: Int) -> Bytes {
        guard size > 0, let memory, offset >= 0, offset + size <= frame.pointee.memory_size else { return [] }
        return Array(UnsafeRawBufferPointer(start: memory + offset, count: size))
    }

    var output: Bytes { memoryBytes(offset: frame.pointee.output_offset, size: frame.pointee.output_size) }

    /// Why the last memory expansion was refused: this EE's own ceiling (`memoryLimit`, with
    /// the size asked) or the host's `ResourceLimits` (via `EEHost.reserveGuestMemory`).
    private(set) var memoryRefusal: String?

    /// Grows the memory buffer to hold `needed` bytes. The capacity doubles (clamped to what
    /// the host grants: the whole capacity is reserved as guest memory of the frame).
    fileprivate func grow(to needed: Int) -> Bool {
        guard needed <= EVMBuffers.memoryLimit else {
            memoryRefusal = "EVM memory of \(needed) bytes is above this EE's \(EVMBuffers.memoryLimit)-byte cap"
            return false
        }
        var cap = max(memoryCapacity, 4096)
        while cap < needed { cap *= 2 }
        cap = min(cap, EVMBuffers.memoryLimit)
        if let host, host.reserveGuestMemory(cap - memoryCapacity) != nil {
            // Not the doubled capacity: try exactly what the expansion needs.
            cap = needed
            if let reason = host.reserveGuestMemory(cap - memoryCapacity) {
                memoryRefusal = reason
                return false
            }
        }
        let fresh =
            memory == nil && cap <= EVMFrameStorage.smallMemory
            ? storage.memory : UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 32)
        let used = frame.pointee.memory_size
        if let memory {
            if used > 0 { fresh.copyMemory(from: memory, byteCount: used) }
            if memory != storage.memory { memory.deallocate() }
        }
        memory = fresh
        memoryCapacity = cap
        frame.pointee.memory = fresh.assumingMemoryBound(to: UInt8.self)
        frame.pointee.memory_capacity = cap
        return true
    }

    /// Emits the held step with its full cost: the frame's gas before it minus the gas after
    /// it (at the next instruction, or where the core stopped: a CALL*/CREATE* request has
    /// already charged the callee's gas, a finished frame has its final gas, a failed one 0).
    /// `status`: where the core stopped, when it did (the step that ended the frame gets the
    /// error of a failure or a revert, as geth reports them).
    private func flushTrace(gasAfter: Int64, status: Int32? = nil) {
        guard var step = pendingStep, let tracer else { return }
        pendingStep = nil
        step.gasCost = step.gas - gasAfter
        if let status {
            if status == Int32(CEVM_STATUS_REVERT.rawValue) {
                step.error = "execution reverted"
            } else if status == Int32(CEVM_STATUS_MEMORY_LIMIT.rawValue), let why = memoryRefusal {
                // The cap that refused it, as the frame's failure names it (a review: the trace
                // said the EE's 256 MiB cap where the total of all frames had refused).
                step.error = "\(FailureReason.limitExceeded(why))"
            } else if cevm_status_is_failure(status) != 0 {
                step.error = "\(EVMEnvironment.failureReason(status, opcode: step.opcode))"
            }
        }
        tracer(step)
    }

    fileprivate func traceStep(_ f: UnsafePointer<cevm_frame>, opcode: UInt8, cost: Int64) {
        guard tracer != nil else { return }
        if pendingStep != nil { flushTrace(gasAfter: f.pointee.gas) }
        let n = Int(f.pointee.stack_size)
        var items: [U256] = []
        items.reserveCapacity(n)
        if let stack = f.pointee.stack {
            for i in 0..<n { items.append(U256(c: stack[i])) }
        }
        let op = analysis?.opcode(opcode, at: f.pointee.pc) ?? opcode  // as the code has it
        pendingStep = EVMTraceStep(
            pc: f.pointee.pc, opcode: op,
            opName: EVMOpcodeTable.names[Int(op)] ?? "0x" + Hex.encode([op]),
            gas: f.pointee.gas, gasCost: cost, memorySize: f.pointee.memory_size, stack: items,
            depth: Int(f.pointee.msg.depth) + 1,
            refund: (host?.refundCounter ?? 0) &+ f.pointee.refund &- flushedRefund,
            returnData: f.pointee.return_data.map { Array(UnsafeBufferPointer(start: $0, count: f.pointee.return_data_size)) } ?? [])
    }

    // MARK: Host thunks

    /// The buffers of a callback's `ctx`, borrowed: the core's frame holds them unretained
    /// while it runs, and `run` / `resume*` hold them.
    @inline(__always)
    private static func withMe<R>(_ ctx: UnsafeMutableRawPointer?, _ body: (EVMBuffers) -> R) -> R {
        Unmanaged<EVMBuffers>.fromOpaque(ctx!)._withUnsafeGuaranteedRef(body)
    }

    /// The host of a callback's frame, borrowed (no retain and release per callback; `run` /
    /// `resume*` hold it while the core runs).
    @inline(__always)
    private static func withHost<R>(_ ctx: UnsafeMutableRawPointer?, _ body: (any EEHost) -> R) -> R {
        withMe(ctx) { me in
            if let boot = me.hostBootloader { return boot._withUnsafeGuaranteedRef { body($0) } }
            return body(me.host!)
        }
    }

    private static func makeHostTable(tracing: Bool) -> cevm_host {
        var h = cevm_host()
        h.access_account = { ctx, addr in
            EVMBuffers.withHost(ctx) { $0.accessAccount(Address(c: addr!.pointee)) } ? 1 : 0
        }
        h.access_storage = { ctx, addr, key in
            EVMBuffers.withHost(ctx) { $0.accessStorage(Address(c: addr!.pointee), U256(c: key!.pointee)) } ? 1 : 0
        }
        h.sload = { ctx, addr, key, value, original in
            let a = Address(c: addr!.pointee), k = U256(c: key!.pointee)
            EVMBuffers.withHost(ctx) { host in
                if let original {
                    let (cur, orig) = host.storageValues(a, k)
                    value!.pointee = cur.c
                    original.pointee = orig.c
                } else {
                    value!.pointee = host.storage(a, k).c
                }
            }
        }
        h.access_sload = { ctx, addr, key, value, original in
            let r = EVMBuffers.withHost(ctx) { $0.accessStorageValues(Address(c: addr!.pointee), U256(c: key!.pointee)) }
            value!.pointee = r.current.c
            if let original { original.pointee = r.original.c }
            return r.wasWarm ? 1 : 0
        }
        h.sstore = { ctx, addr, key, value in
            EVMBuffers.withHost(ctx) { $0.setStorage(Address(c: addr!.pointee), U256(c: key!.pointee), U256(c: value!.pointee)) }
        }
        h.tload = { ctx, addr, key, value in
            value!.pointee = EVMBuffers.withHost(ctx) { $0.transientStorage(Address(c: addr!.pointee), U256(c: key!.pointee)).c }
        }
        h.tstore = { ctx, addr, key, value in
            EVMBuffers.withHost(ctx) {
                $0.setTransientStorage(Address(c: addr!.pointee), U256(c: key!.pointee), U256(c: value!.pointee))
            }
        }
        h.balance = { ctx, addr, out in
            out!.pointee = EVMBuffers.withHost(ctx) { $0.balance(Address(c: addr!.pointee)).c }
        }
        h.code_size = { ctx, addr in
            EVMBuffers.withHost(ctx) { $0.codeSize(Address(c: addr!.pointee)) }
        }
        h.code_copy = { ctx, addr, offset, dst, len in
            let code = EVMBuffers.withHost(ctx) { $0.code(Address(c: addr!.pointee)).bytes }
            // size_t arrives as Int: an offset or length above Int.max is negative here.
            guard offset >= 0, len > 0, offset < code.count, let dst else { return 0 }
            let n = min(len, code.count - offset)
            code.withUnsafeBufferPointer { src in
                dst.update(from: src.baseAddress! + offset, count: n)
            }
            return n
        }
        h.code_hash = { ctx, addr, out in
            out!.pointee = EVMBuffers.withHost(ctx) { $0.codeHash(Address(c: addr!.pointee)).c }
        }
        h.block_hash = { ctx, number, out in
            out!.pointee = EVMBuffers.withHost(ctx) { $0.blockHash(number).c }
        }
        h.account_is_empty = { ctx, addr in
            EVMBuffers.withHost(ctx) { $0.countsAsNewAccount(Address(c: addr!.pointee)) } ? 1 : 0
        }
        h.emit_log = { ctx, addr, topics, count, data, size in
            let t = (0..<count).map { Bytes32(c: topics![$0]) }  // one allocation (appends grew it 3 times)
            let d: Bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
            EVMBuffers.withHost(ctx) { $0.emitLog(Log(address: Address(c: addr!.pointee), topics: t, data: d)) }
        }
        h.selfdestruct = { ctx, addr, beneficiary in
            EVMBuffers.withHost(ctx) { $0.selfDestruct(Address(c: addr!.pointee), beneficiary: Address(c: beneficiary!.pointee)) }
        }
        h.memory_grow = { ctx, _, needed in
            EVMBuffers.withMe(ctx) { $0.grow(to: needed) } ? 1 : 0
        }
        if tracing {
            h.trace = { ctx, frame, opcode, cost in
                EVMBuffers.withMe(ctx) { $0.traceStep(frame!, opcode: opcode, cost: cost) }
            }
        }
        return h
    }
}

// MARK: - Table and disassembler access for the command-line tool and tests

/// The opcode table, as the C core defines it.
public struct EVMOpcodeInfo: Sendable, Hashable {
    public var opcode: UInt8
    public var name: String
    public var baseGas: Int
    public var stackIn: Int
    public var stackOut: Int
    public var immediateSize: Int
    public var terminates: Bool
    public var writesState: Bool

    /// Info for a defined opcode, nil for an undefined one.
    public static func lookup(_ opcode: UInt8) -> EVMOpcodeInfo? {
        var info = cevm_opcode_info()
        guard cevm_opcode_get_info(opcode, &info) != 0, let name = info.name else { return nil }
        return EVMOpcodeInfo(
            opcode: opcode, name: String(cString: name), baseGas: Int(info.base_gas), stackIn: Int(info.stack_in),
            stackOut: Int(info.stack_out), immediateSize: Int(info.immediate_size),
            terminates: Int(info.flags) & Int(CEVM_OPF_TERMINATES) != 0,
            writesState: Int(info.flags) & Int(CEVM_OPF_WRITES_STATE) != 0)
    }
}

public enum EVMDisassembler {
    /// One line per instruction: "pc: NAME[ 0xIMM]".
    public static func disassemble(_ code: Bytes) -> String {
        String(decoding: disassembledBytes(code), as: UTF8.self)
    }

    /// The listing as UTF-8 bytes (no copy into a String, for large code).
    public static func disassembledBytes(_ code: Bytes) -> [UInt8] {
        code.withUnsafeBufferPointer { c in
            let needed = cevm_disasm(c.baseAddress, c.count, nil, 0)
            var out = [UInt8](repeating: 0, count: needed + 1)
            _ = out.withUnsafeMutableBufferPointer { o in
                o.withMemoryRebound(to: CChar.self) { cevm_disasm(c.baseAddress, c.count, $0.baseAddress, $0.count) }
            }
            out.removeLast()
            return out
        }
    }
}

/// Short name of a core status code ("OUT_OF_GAS", ...).
func evmStatusName(_ status: Int32) -> String { String(cString: cevm_status_name(status)) }
