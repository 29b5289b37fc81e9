/// Call traces: every frame the bootloader enters and how it ends, across EEs (as revm's
/// inspectors and `cast run --trace` show them). Set `Bootloader.tracer` to receive the
/// events, or use `CallTraceRecorder` for the tree. With no tracer the runner only tests the
/// optional at each frame's start and end.

/// What a traced frame runs.
public enum TraceTarget: Sendable, Hashable, CustomStringConvertible {
    /// Code of this EE (for a deployment: the EE of the new contract).
    case code(EEKind)
    /// A precompile or host function (`Bootloader.hooks`).
    case systemHook
    /// An account without code: the call only moves value.
    case noCode

    public var description: String {
        switch self {
        case .code(let kind): "\(kind)"
        case .systemHook: "precompile"
        case .noCode: "no code"
        }
    }
}

/// How a traced frame was entered.
public enum TraceFrameKind: Sendable, Hashable, CustomStringConvertible {
    case call(CallModifier)
    case create(DeploymentScheme)

    public var description: String {
        switch self {
        case .call(.none): "CALL"
        case .call(.static): "STATICCALL"
        case .call(.delegate), .call(.delegateStatic): "DELEGATECALL"
        case .call(.callcode): "CALLCODE"
        case .call(.constructor): "CALL (constructor)"
        case .create(.create): "CREATE"
        case .create(.create2): "CREATE2"
        }
    }
}

/// A frame being entered (before any of its checks: a call refused for depth or balance is
/// entered and ends at once).
public struct TraceFrameStart: Sendable {
    /// 0 for the transaction's own frame.
    public var depth: Int
    public var kind: TraceFrameKind
    /// The calling frame's address (the deployer for a deployment).
    public var from: Address
    /// The address whose code runs (for DELEGATECALL and CALLCODE it runs on `from`'s
    /// storage); nil for a deployment (see `TraceFrameEnd.created`).
    public var to: Address?
    public var target: TraceTarget
    public var value: U256
    /// Gas the frame is given (its resources in gas units of the schedule).
    public var gas: UInt64
    /// Call data, or the deployment data (init code / ELF and constructor arguments).
    public var input: Bytes
}

/// How a traced frame ended, as its caller sees it.
public struct TraceFrameEnd: Sendable {
    public var depth: Int
    public var status: FrameStatus
    /// Gas handed back to the caller.
    public var gasLeft: UInt64
    /// Return or revert data (empty for a successful deployment).
    public var output: Bytes
    /// The new account of a successful deployment.
    public var created: Address?
}

public enum CallTraceEvent: Sendable {
    case started(TraceFrameStart)
    case ended(TraceFrameEnd)
}

/// One frame of a recorded trace and the frames it entered, in order.
public struct CallTraceNode: Sendable {
    public var start: TraceFrameStart
    /// Nil only while the frame runs. A frame a host-level error stopped (the transaction is
    /// abandoned) ends as a failure "aborted by a host error".
    public var end: TraceFrameEnd?
    public var children: [CallTraceNode]

    /// Gas the frame used (given minus handed back).
    public var gasUsed: UInt64? { end.map { start.gas &- min($0.gasLeft, start.gas) } }
}

extension CallTraceNode: CustomStringConvertible {
    /// The frame tree as `eekit --trace` prints it: one line per frame start (call kind,
    /// caller -> callee, EE, value, gas, input) and one per end (status with the decoded revert
    /// reason, gas used, created address, output), two spaces of indent per depth; inputs and
    /// outputs above 64 bytes are cut with their length named.
    public var description: String { lines().joined(separator: "\n") }

    /// `description` as lines; revert data that starts with the selector of one of `errors`
    /// (custom error signatures) prints decoded (`ABIEncoder.revertReason`).
    public func lines(errors: [String] = [], indent: String = "  ") -> [String] {
        let s = start
        var head = "\(indent)\(s.kind) \(s.from.hex) -> \(s.to?.hex ?? "new contract") [\(s.target)]"
        // A delegate call moves no value (its frame only shows its caller's): not printed.
        let delegate = s.kind == .call(.delegate) || s.kind == .call(.delegateStatic)
        if !s.value.isZero && !delegate { head += " value \(s.value.decimalString)" }
        head += " gas \(s.gas) input \(CallTraceNode.hex(s.input))"
        var out = [head]
        for child in children { out += child.lines(errors: errors, indent: indent + "  ") }
        guard let end else { return out + ["\(indent)└ did not end (the transaction stopped)"] }
        var tail = "\(indent)└ \(CallTraceNode.status(end, errors: errors)), gas used \(gasUsed ?? 0)"
        if let created = end.created { tail += ", created \(created.hex)" }
        if !end.output.isEmpty { tail += ", output \(CallTraceNode.hex(end.output))" }
        return out + [tail]
    }

    /// Hex of `bytes`, cut after 64 bytes with the full length named.
    static func hex(_ bytes: Bytes) -> String {
        if bytes.count <= 64 { return "0x" + Hex.encode(bytes) }
        return "0x" + Hex.encode(Array(bytes.prefix(32))) + "... (\(bytes.count) bytes)"
    }

    /// The end of a frame as one phrase: "success", "revert: reason", "failure (out of gas)".
    static func status(_ end: TraceFrameEnd, errors: [String]) -> String {
        switch end.status {
        case .success: return "success"
        case .revert:
            if let reason = ABIEncoder.revertReason(end.output, errors: errors) { return "revert: \(reason)" }
            return "revert"
        case .failure(let why): return "failure (\(why))"
        }
    }
}

/// Builds the frame tree from a bootloader's trace events: install it with `attach(to:)`,
/// run transactions, read `roots` (one per transaction since the last `reset()`).
public final class CallTraceRecorder {
    public private(set) var roots: [CallTraceNode] = []
    private var open: [CallTraceNode] = []

    public init() {}

    /// Makes `boot` send its events here, in place of its tracer until now (one tracer per
    /// bootloader; to feed two, set `boot.tracer` to a closure that calls both). The
    /// bootloader's tracer keeps the recorder alive (the recorder holds nothing of the
    /// bootloader's, so there is no cycle). A tracer that captures the bootloader or its
    /// session makes a cycle that keeps both (and a `SQLiteStore`'s file) until it is cleared.
    public func attach(to boot: Bootloader) {
        boot.tracer = { event in self.record(event) }
    }

    public func reset() {
        roots = []
        open = []
    }

    public func record(_ event: CallTraceEvent) {
        switch event {
        case .started(let s):
            open.append(CallTraceNode(start: s, end: nil, children: []))
        case .ended(let e):
            guard var node = open.popLast() else { return }
            node.end = e
            if open.isEmpty { roots.append(node) } else { open[open.count - 1].children.append(node) }
        }
    }
}

extension Bootloader {
    private func gasUnits(_ r: Resources) -> UInt64 { r.ergs / max(schedule.ergsPerGas, 1) }

    private func traceEnd(_ depth: Int, _ entry: Entry) {
        if case .immediate(let status, let output, let left, let created) = entry {
            tracer?(.ended(TraceFrameEnd(depth: depth, status: status, gasLeft: gasUnits(left), output: output, created: created)))
        }
    }

    /// `enterCall`, with its start (and, answered at once, its end) traced.
    func tracedCall(_ req: CallRequest, from ctx: CallerContext) throws(EEError) -> Entry {
        guard let tracer else { return try enterCall(req, from: ctx) }
        deactivate()  // the tracer runs with no frame active, as the entry does
        let target: TraceTarget
        if let delegate = delegate(of: req.target) {
            // EIP-7702: the delegate's code runs (as `enterCall` resolves it; a precompile or
            // hook delegate runs nothing). A review found a native delegate's frame labelled
            // by the designator's kind, evm.
            let code = isAlwaysWarm(delegate) ? nil : self.code(delegate)
            target = code.map { $0.bytes.isEmpty ? .noCode : .code($0.kind) } ?? .noCode
        } else if hooks[req.target] != nil {
            target = .systemHook
        } else {
            let code = self.code(req.target)
            target = code.bytes.isEmpty ? .noCode : .code(code.kind)
        }
        tracer(.started(TraceFrameStart(
            depth: ctx.depth + 1, kind: .call(req.modifier), from: ctx.address, to: req.target, target: target,
            // What the callee sees: a delegate call shows its caller's value, a static call none
            // (whatever the request's value field says).
            value: req.modifier == .delegate || req.modifier == .delegateStatic
                ? ctx.value : req.modifier == .static ? .zero : req.value,
            gas: gasUnits(req.resources), input: req.calldata)))
        return try traceEntry(depth: ctx.depth + 1) { () throws(EEError) in try enterCall(req, from: ctx) }
    }

    /// Runs `enter` for a frame whose start was traced, and traces its end when it is answered
    /// at once or a host-level error stops it.
    private func traceEntry(depth: Int, _ enter: () throws(EEError) -> Entry) throws(EEError) -> Entry {
        let entry: Entry
        do { entry = try enter() } catch {
            traceAbort(depth: depth, error)
            throw error
        }
        traceEnd(depth, entry)
        return entry
    }

    /// A frame that a host-level error stopped before it could end (the transaction is
    /// abandoned): it ends as a failure, so every start has its end.
    func traceAbort(depth: Int, _ error: EEError) {
        tracer?(.ended(TraceFrameEnd(
            depth: depth, status: .failure(.other("aborted by a host error: \(error)")), gasLeft: 0, output: [],
            created: nil)))
    }

    /// `enterDeployment` (a frame's CREATE / CREATE2), traced.
    func tracedDeployment(_ req: DeploymentRequest, from ctx: CallerContext) throws(EEError) -> Entry {
        guard tracer != nil else { return try enterDeployment(req, from: ctx) }
        deactivate()  // the tracer runs with no frame active, as the entry does
        traceDeploymentStart(req, depth: ctx.depth + 1)
        return try traceEntry(depth: ctx.depth + 1) { () throws(EEError) in try enterDeployment(req, from: ctx) }
    }

    /// `enterPreparedDeployment` (a deploying transaction), traced.
    func tracedPreparedDeployment(
        _ req: DeploymentRequest, prepared: PreparedDeployment, from ctx: CallerContext, bumpNonce: Bool
    ) throws(EEError) -> Entry {
        guard tracer != nil else {
            return try enterPreparedDeployment(req, prepared: prepared, from: ctx, bumpNonce: bumpNonce)
        }
        traceDeploymentStart(req, depth: ctx.depth + 1)
        return try traceEntry(depth: ctx.depth + 1) { () throws(EEError) in
            try enterPreparedDeployment(req, prepared: prepared, from: ctx, bumpNonce: bumpNonce)
        }
    }

    private func traceDeploymentStart(_ req: DeploymentRequest, depth: Int) {
        tracer?(.started(TraceFrameStart(
            depth: depth, kind: .create(req.scheme), from: req.deployer, to: nil, target: .code(req.kind),
            value: req.value, gas: gasUnits(req.resources), input: req.initcode)))
    }

    /// The end of a launched frame, after the code deposit and the limits.
    func traceFrameEnd(_ f: Frame, _ end: FrameEnd) {
        tracer?(.ended(TraceFrameEnd(
            depth: f.context.depth, status: end.status, gasLeft: gasUnits(end.left), output: end.output,
            created: end.created)))
    }
}
