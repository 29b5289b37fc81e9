/// The frame stack: an array of suspended EE frames, driven by the `Preemption` values the
/// EEs return. No recursion on the native stack: a call request pushes a frame, a completed
/// frame pops and continues its caller.

/// One suspended frame. It keeps what its own calls are made from (`CallerContext`), not
/// the whole `LaunchParams` (code and calldata arrays). A class: the runner reads the innermost
/// frame at every preemption and Array's getter copied the ~200-byte struct each time (and
/// again on every append and growth of the frame stack).
final class Frame {
    let ee: any ExecutionEnvironment
    /// `msg.sender`, `address(this)`, value, depth and static flag of this frame.
    let context: CallerContext
    /// Journal position to revert to if the frame fails or reverts.
    let snapshot: Int
    /// Set for constructor frames: the new account and the EE kind its code gets.
    let deployment: (address: Address, kind: EEKind)?
    /// The most ergs the frame can hold: what it was given, less what it handed to calls and
    /// deployments, plus what they gave back. The EE's own budget is at most this (it also
    /// spends); a request or an end above it is an EE protocol violation.
    var ceiling: UInt64
    /// Host bytes the frame holds besides its EE's memory, counted in `guestMemoryInUse` above
    /// its mark but not against its own `maxFrameMemory`: its calldata and the returndata of
    /// its last call (`holdCalldata`, `holdReturndata`).
    var heldCalldata = 0
    var heldReturndata = 0
    var heldBytes: Int { heldCalldata + heldReturndata }

    init(ee: any ExecutionEnvironment, launch: LaunchParams, snapshot: Int, deployment: (address: Address, kind: EEKind)?) {
        self.ee = ee
        context = CallerContext(launch: launch)
        self.snapshot = snapshot
        self.deployment = deployment
        ceiling = launch.resources.ergs
    }

    /// Takes `ergs` out of the ceiling for a request, or says why the frame cannot hand them out.
    func hand(_ ergs: UInt64, _ what: String) -> String? {
        guard ergs <= ceiling else {
            return "a \(ee.kindName) frame of \(context.address.hex) asked to pass \(ergs) ergs to \(what), holding at most \(ceiling)"
        }
        ceiling -= ergs
        return nil
    }

    /// Puts what a call or deployment gave back into the ceiling.
    func takeBack(_ ergs: UInt64) {
        let (c, o) = ceiling.addingReportingOverflow(ergs)
        ceiling = o ? .max : c
    }
}

/// The context a call is made from (a frame, or the transaction for the top frame).
struct CallerContext {
    /// `msg.sender` of the calling frame (for delegate calls).
    var caller: Address
    /// `address(this)` of the calling frame.
    var address: Address
    /// `msg.value` of the calling frame (for delegate calls).
    var value: U256
    var depth: Int
    var isStatic: Bool

    init(launch: LaunchParams) {
        caller = launch.caller
        address = launch.callee
        value = launch.value
        depth = launch.depth
        isStatic = launch.isStatic
    }

    init(origin: Address) {
        caller = origin
        address = origin
        value = .zero
        depth = -1
        isStatic = false
    }
}

/// How a frame ended, as its caller sees it (a struct, not a tuple: the runner copies it on
/// every frame end, and a tuple with enum and array members was copied through the runtime's
/// generic tuple witnesses).
struct FrameEnd {
    var status: FrameStatus
    var output: Bytes
    var left: Resources
    var created: Address?
    init(_ status: FrameStatus, _ output: Bytes, _ left: Resources, _ created: Address?) {
        self.status = status
        self.output = output
        self.left = left
        self.created = created
    }
}

/// How the outermost frame of a run ended.
public struct ExecutionOutcome: Sendable {
    public var status: FrameStatus
    public var output: Bytes
    public var resourcesLeft: Resources
    /// The deployed address of a successful top-level deployment.
    public var createdAddress: Address?
}

/// The result of entering a call or deployment: answered at once, or a new frame.
enum Entry {
    case immediate(status: FrameStatus, output: Bytes, left: Resources, created: Address?)
    case launched(Frame, Preemption)
}

extension Bootloader {
    /// Runs a message from `origin` to `request.target` through the frame stack.
    /// The value transfer and state changes are reverted if the outermost frame fails.
    func runCall(origin: Address, _ request: CallRequest) throws(EEError) -> ExecutionOutcome {
        let ctx = CallerContext(origin: origin)
        startRun()
        defer { endRun() }
        return try finishRun { () throws(EEError) in try drive(tracedCall(request, from: ctx)) }
    }

    /// Runs a transaction's deployment by `request.deployer` through the frame stack. The
    /// deployer's nonce has already been bumped (the transaction does that, as for any sender).
    func runDeployment(_ request: DeploymentRequest, prepared: PreparedDeployment) throws(EEError) -> ExecutionOutcome {
        let ctx = CallerContext(origin: request.deployer)
        startRun()
        defer { endRun() }
        return try finishRun { () throws(EEError) in
            try drive(tracedPreparedDeployment(request, prepared: prepared, from: ctx, bumpNonce: false))
        }
    }

    /// Runs a transaction's frames and throws the run's first error (`firstError`) if there is
    /// one, also one that came after the last frame ended: from an EE's deinit, or from that of
    /// what EEs kept for the transaction (released here, before the check).
    private func finishRun(_ run: () throws(EEError) -> ExecutionOutcome) throws(EEError) -> ExecutionOutcome {
        let outcome: ExecutionOutcome
        do { outcome = try run() } catch { throw firstError ?? error }
        resetGuestMemory()
        if let e = firstError { throw e }
        return outcome
    }

    /// The runner loop of a transaction's outermost frame.
    private func drive(_ first: Entry) throws(EEError) -> ExecutionOutcome {
        switch first {
        case .immediate(let status, let output, let left, let created):
            return ExecutionOutcome(status: status, output: output, resourcesLeft: left, createdAddress: created)
        case .launched(let f, let p):
            let end = try runFrames(f, p)
            return ExecutionOutcome(status: end.status, output: end.output, resourcesLeft: end.left, createdAddress: end.created)
        }
    }

    /// Runs `bottom`, which `first` came from, and every frame it calls through the frame
    /// stack, until `bottom` ends. The outermost frame of a run, or the callee of a nested call
    /// (`nestedCall`), whose caller waits on the native stack.
    func runFrames(_ bottom: Frame, _ first: Preemption) throws(EEError) -> FrameEnd {
        var frames: [Frame] = []
        frames.reserveCapacity(64)  // one allocation (`[bottom]` would allocate twice)
        frames.append(bottom)
        var next = first
        // The innermost frame is read in place (`frames[top]`), never copied out.
        do throws(EEError) {
            while true {
                // What the EE that just ran did through the host (`Bootloader.mayWrite`), or a
                // host-level error of a nested call that the EE did not pass on.
                if let e = firstError { throw e }
                let top = frames.count - 1
                switch next {
                case .externalCallRequest(let req):
                    let f = frames[top]
                    if let v = refusal(req, of: f, "a call") { throw .protocolViolation(v) }
                    switch try tracedCall(req, from: f.context) {
                    case .immediate(let status, let output, let left, _):
                        next = try resume(f, wasDeployment: false, FrameEnd(status, output, left, nil))
                    case .launched(let callee, let p):
                        frames.append(callee)
                        next = p
                    }
                case .deploymentRequest(let req):
                    let f = frames[top]
                    if let v = refusal(req, of: f, "a deployment") { throw .protocolViolation(v) }
                    switch try tracedDeployment(req, from: f.context) {
                    case .immediate(let status, let output, let left, let created):
                        next = try resume(f, wasDeployment: true, FrameEnd(status, output, left, created))
                    case .launched(let constructor, let p):
                        frames.append(constructor)
                        next = p
                    }
                case .completedExecution(let result, let left):
                    // The ended frame (and its EE, unless kept elsewhere) is released inside
                    // `endFrame`, while no frame is active.
                    deactivate()
                    let end = try endFrame(
                        frames.removeLast(), deployment: false, code: [], status: result.status, output: result.returndata,
                        left: left)
                    if frames.isEmpty { return end }
                    next = try resume(frames[frames.count - 1], wasDeployment: false, end)
                case .completedDeployment(let code, let status, let returndata, let left):
                    deactivate()
                    let end = try endFrame(
                        frames.removeLast(), deployment: true, code: code, status: status, output: returndata, left: left)
                    if frames.isEmpty { return end }
                    next = try resume(frames[frames.count - 1], wasDeployment: true, end)
                }
            }
        } catch {
            // A host-level error abandons the transaction: the frames still on the stack end
            // in the trace, innermost first, so that every start has its end.
            // The run's first error wins over what an EE threw after swallowing it, and is
            // recorded before the stack's frames go (their EEs' deinits may call the host);
            // no frame is active then.
            let first = keepFirst(error)
            deactivate()
            if tracer != nil { for f in frames.reversed() { traceAbort(depth: f.context.depth, first) } }
            throw first
        }
    }

    /// Why frame `f` may not make call `req` (`how`: "a call", "a nested call"), or nil, and
    /// then the ergs are out of its ceiling. The bootloader derives the call's context from the
    /// frame; the request only says where, with what and how much, and never `.constructor`.
    func refusal(_ req: CallRequest, of f: Frame, _ how: String) -> String? {
        if req.modifier == .constructor { return "a \(f.ee.kindName) frame requested \(how) with the constructor modifier" }
        return f.hand(req.resources.ergs, how)
    }

    /// Why frame `f` may not make deployment `req`, or nil, and then the ergs are out of its
    /// ceiling: a frame deploys as itself.
    func refusal(_ req: DeploymentRequest, of f: Frame, _ how: String) -> String? {
        if req.deployer != f.context.address {
            return "a \(f.ee.kindName) frame of \(f.context.address.hex) requested \(how) by \(req.deployer.hex)"
        }
        return f.hand(req.resources.ergs, how)
    }

    /// Keeps `error` as the run's first error unless one came before, and returns the first.
    /// Called before the frames a throw releases can go: their EEs' deinits may call the host.
    func keepFirst(_ error: EEError) -> EEError {
        if let first = firstError { return first }
        firstError = error
        return error
    }

    /// Reverts the state changes of a frame that failed or reverted (`WorldState.revertFrame`:
    /// the RIPEMD-160 exemption for frames below the transaction's).
    func revertFailed(_ f: Frame) {
        world.rollBackFrame(to: f.snapshot, callee: f.context.address, isTransactionFrame: f.context.depth == 0)
    }

    /// Fails a completed frame that broke a `ResourceLimits` cap (returndata size, logs held
    /// by the transaction): its changes are reverted and its caller sees a failed call.
    private func enforceLimits(
        _ f: Frame, _ end: FrameEnd
    ) -> FrameEnd {
        if end.status.isFailure { return end }
        guard let reason = limits.violation(
            returndata: end.output.count, logCount: world.logs.count, logBytes: world.logBytes)
        else { return end }
        revertFailed(f)
        return FrameEnd(.failure(.limitExceeded(reason)), [], .zero, nil)
    }

    private func resume(_ parent: Frame, wasDeployment: Bool, _ end: FrameEnd) throws(EEError) -> Preemption {
        parent.takeBack(end.left.ergs)
        holdReturndata(parent, end.output.count)
        activate(parent)
        if wasDeployment {
            return try parent.ee.continueAfterDeployment(
                DeploymentResult(address: end.created, status: end.status, returndata: end.output), returned: end.left, host: self)
        }
        return try parent.ee.continueAfterCall(CallResult(status: end.status, returndata: end.output), returned: end.left, host: self)
    }

    /// The frame the host's next calls come from (`Bootloader.mayWrite`, `nestedCall`).
    @inline(__always) func activate(_ f: Frame) {
        active = ActiveFrame(address: f.context.address, isStatic: f.context.isStatic)
        runningFrameRef = Unmanaged.passUnretained(f)
    }

    /// Opens a new frame's memory account with its calldata and runs it to its first
    /// preemption; calldata over `maxTotalGuestMemory` fails the call before the frame starts
    /// (its state reverted to the frame's snapshot, all its resources used).
    func launchFrame(_ frame: Frame, _ launch: LaunchParams) throws(EEError) -> Entry {
        markFrameMemory()
        if let reason = holdCalldata(frame, launch.calldata.count) {
            releaseFrameMemory()
            world.rollBack(to: frame.snapshot)
            return .immediate(status: .failure(.limitExceeded(reason)), output: [], left: .zero, created: nil)
        }
        return .launched(frame, try start(frame, launch))
    }

    /// Runs a new frame's EE to its first preemption; an error leaves no frame active before
    /// `frame` can go.
    func start(_ frame: Frame, _ launch: LaunchParams) throws(EEError) -> Preemption {
        activate(frame)
        do { return try frame.ee.start(launch, host: self) } catch {
            let first = keepFirst(error)  // before `frame` goes
            deactivate()
            throw first
        }
    }

    /// No frame runs: every write is refused, and no nested call is taken.
    @inline(__always) func deactivate() {
        active = .none
        runningFrameRef = nil
    }

    /// Before a run (or a transaction's deployment preparation): no frame, no error noted.
    func startRun() {
        resetGuestMemory()
        deactivate()
        firstError = nil
    }

    /// After a run, also one a host-level error stopped with frames left: what they kept is
    /// released with no frame active.
    func endRun() {
        deactivate()
        resetGuestMemory()
    }

    /// Ends a completed frame, off the stack already: checks it (`checkEnd`; a break traces its
    /// end here, the frames still on the stack are traced by the runner), reverts it if it did
    /// not succeed, deposits a constructor's code, applies the limits and traces the end.
    private func endFrame(
        _ f: Frame, deployment: Bool, code: Bytes, status: FrameStatus, output: Bytes, left: Resources
    ) throws(EEError) -> FrameEnd {
        do { try checkEnd(f, left: left, status: status, deployment: deployment) } catch {
            let first = keepFirst(error)  // before `f` goes
            if tracer != nil { traceAbort(depth: f.context.depth, first) }
            throw first
        }
        releaseFrameMemory()
        var end: FrameEnd
        if let (address, kind) = f.deployment {  // a constructor frame: `checkEnd` matched the completion
            end = finishDeployment(f, at: address, kind: kind, code: code, status: status, returndata: output, left: left)
        } else {
            if !status.isSuccess { revertFailed(f) }
            // A failed frame hands back no returndata, as a failed deployment does (the EVM's
            // exceptional halt): an EE that fails with output would otherwise give its caller
            // bytes no limit was applied to (`enforceLimits` skips failures) and keep them
            // counted against `maxTotalGuestMemory` until the caller's next call (a review).
            end = FrameEnd(status, status.isFailure ? [] : output, status.isFailure ? .zero : left, nil)
        }
        end = enforceLimits(f, end)
        if tracer != nil { traceFrameEnd(f, end) }
        return end
    }

    /// An ending frame keeps the protocol: the completion of its kind (a constructor frame
    /// `completedDeployment`, a call frame `completedExecution`) and, unless it failed (a
    /// failed frame's resources are dropped), no more resources than it holds. (What it did
    /// through the host was checked at the top of the runner loop.)
    private func checkEnd(_ f: Frame, left: Resources, status: FrameStatus, deployment: Bool) throws(EEError) {
        if deployment != (f.deployment != nil) {
            throw .protocolViolation(
                deployment
                    ? "a \(f.ee.kindName) call frame of \(f.context.address.hex) ended with completedDeployment"
                    : "a \(f.ee.kindName) constructor frame of \(f.context.address.hex) ended with completedExecution")
        }
        if left.ergs > f.ceiling && !status.isFailure {
            throw .protocolViolation(
                "a \(f.ee.kindName) frame of \(f.context.address.hex) returned \(left.ergs) ergs, holding at most \(f.ceiling)")
        }
    }

    // MARK: Calls

    func enterCall(_ req: CallRequest, from ctx: CallerContext) throws(EEError) -> Entry {
        // Until the callee starts no frame runs: the callee's EE is asked about the call kind
        // and made with nobody's writes allowed (the caller is made active again when it
        // continues).
        deactivate()
        let depth = ctx.depth + 1
        let caller: Address, callee: Address, value: U256, transfers: Bool
        switch req.modifier {
        case .none, .constructor:
            (caller, callee, value, transfers) = (ctx.address, req.target, req.value, true)
        case .static:
            (caller, callee, value, transfers) = (ctx.address, req.target, .zero, false)
        case .callcode:
            (caller, callee, value, transfers) = (ctx.address, ctx.address, req.value, true)
        case .delegate, .delegateStatic:
            // The calling frame's own value (msg.value carries through), whatever the request says.
            (caller, callee, value, transfers) = (ctx.caller, ctx.address, ctx.value, false)
        }
        let isStatic = ctx.isStatic || req.modifier.isStatic
        // EIP-214's order: a value CALL from a static context halts the caller whatever its
        // depth or balance (execution-specs' CALL raises WriteInStaticContext before
        // `generic_call` looks at the depth; a review found an EE other than the two at the
        // depth limit given callDepthExceeded and its ergs back). The EVM and RISC-V EEs refuse
        // it themselves before asking.
        if ctx.isStatic && transfers && !value.isZero && req.modifier != .callcode {
            return .immediate(status: .failure(.staticViolation), output: [], left: .zero, created: nil)
        }
        if depth > maxDepth {
            return .immediate(status: .failure(.callDepthExceeded), output: [], left: req.resources, created: nil)
        }
        if transfers && !value.isZero && world.balance(ctx.address) < value {
            return .immediate(status: .failure(.insufficientBalance), output: [], left: req.resources, created: nil)
        }

        // EIP-7702 (Prague): an account holding a delegation designator runs its delegate's
        // code, never a hook's or precompile's (execution-specs' `disable_precompiles`). The
        // caller paid for the delegate's access and warmed it (the EVM's CALL*, a native
        // contract's call); a transaction's own call warms it here, for free. Before Prague
        // the designator is code like any other (0xef: an invalid instruction).
        var codeAddress = req.target
        var delegatedCode: Bytecode?
        if let delegate = delegate(of: codeAddress) {
            _ = accessAccount(delegate)
            codeAddress = delegate
            // A precompile or hook address as delegate runs nothing, not even code stored
            // there: execution-specs skips both when precompiles are disabled.
            delegatedCode = isAlwaysWarm(delegate) ? Bytecode(kind: .none, bytes: [], hash: Keccak.empty) : self.code(delegate)
        }

        let snapshot = world.snapshot
        switch req.modifier {
        case .none, .constructor:
            guard world.transfer(from: ctx.address, to: callee, value) else {
                world.rollBack(to: snapshot)
                return .immediate(status: .failure(.insufficientBalance), output: [], left: req.resources, created: nil)
            }
        case .static:
            world.touch(callee)
        case .callcode:
            world.touch(callee)
        case .delegate, .delegateStatic:
            break
        }

        // Hooks and precompiles are all always-warm addresses: most targets skip both lookups.
        if delegatedCode == nil, isAlwaysWarm(codeAddress) {
            if let hook = hooks[codeAddress] {
                noteHookCall(codeAddress)
                return runHook(
                    hook, req, caller: caller, callee: callee, value: value, isStatic: isStatic, snapshot: snapshot, depth: depth)
            }
            if precompileAddresses.contains(codeAddress) { noteMissingPrecompile(codeAddress) }
        }

        let code = delegatedCode ?? self.code(codeAddress)
        if code.bytes.isEmpty {
            return .immediate(status: .success, output: [], left: req.resources, created: nil)
        }
        guard let entry = registry[code.kind] else {
            world.rollBack(to: snapshot)
            return .immediate(
                status: .failure(.invalidCode("no execution environment for \(code.kind) code")),
                output: [], left: .zero, created: nil)
        }
        guard entry.type.isModifierSupported(req.modifier) else {
            world.rollBack(to: snapshot)
            return .immediate(
                status: .failure(.unsupportedCallKind(code.kind, req.modifier)),
                output: [], left: .zero, created: nil)
        }
        let launch = LaunchParams(
            resources: req.resources, code: code, caller: caller, callee: callee, codeAddress: codeAddress,
            modifier: req.modifier, calldata: req.calldata, value: value, depth: depth, isStatic: isStatic)
        return try launchFrame(Frame(ee: entry.make(), launch: launch, snapshot: snapshot, deployment: nil), launch)
    }

    private func runHook(
        _ hook: any SystemHook, _ req: CallRequest, caller: Address, callee: Address, value: U256,
        isStatic: Bool, snapshot: Int, depth: Int
    ) -> Entry {
        // At least 1: `execute` checked the schedule, but a tracer may change it mid-transaction.
        let perGas = max(1, schedule.ergsPerGas)
        let gasLimit = req.resources.ergs / perGas
        let ctx = SystemHookContext(caller: caller, address: callee, value: value, isStatic: isStatic, fork: block.fork)
        var r = hook.call(input: req.calldata, gasLimit: gasLimit, context: ctx)
        // A hook that reports more gas than it was given ran out of gas: its output is not
        // returned (it used to be, with the gas clamped to the limit).
        if r.gasUsed > gasLimit, !r.status.isFailure {
            r = .failure(.outOfResources, gasLimit: gasLimit)
        }
        // A hook's answer follows a frame's rules (`endFrame`, `enforceLimits`): output over
        // `maxReturnDataBytes` fails the call, and a failed call hands back no output (a
        // hook failing with output used to give it to its caller, and output of any size
        // passed the cap).
        if !r.status.isFailure, let reason = limits.violation(returndata: r.output.count, logCount: 0, logBytes: 0) {
            r = .failure(.limitExceeded(reason), gasLimit: gasLimit)
        }
        if r.status.isFailure { r.output = [] }
        var left = req.resources
        switch r.status {
        case .success, .revert: left.ergs -= r.gasUsed * perGas
        case .failure: left = .zero
        }
        if r.status == .success {
            world.noteCallEnded(callee: callee)
        } else {
            world.rollBackFrame(to: snapshot, callee: callee, isTransactionFrame: depth == 0)
        }
        return .immediate(status: r.status, output: r.output, left: left, created: nil)
    }
}

extension ExecutionEnvironment {
    /// The EE's kind as text, for messages about a frame (`any ExecutionEnvironment` included).
    var kindName: String { Self.kind.description }
}
