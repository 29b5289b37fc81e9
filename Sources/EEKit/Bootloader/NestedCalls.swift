import CHostCall
#if canImport(Glibc)
import Glibc
#endif

/// Nested calls and deployments (`EEHost.nestedCall`, `nestedDeployment`): the callee runs
/// through its own frame stack (`runFrames`) while the caller's EE waits on the native stack.
/// For EEs whose runtime calls its imports synchronously (DESIGN's WASM on WasmKit); the
/// bootloader itself still never recurses for frames that preempt.
extension Bootloader {
    public func nestedCall(_ request: CallRequest, from ee: any ExecutionEnvironment) throws(EEError)
        -> (result: CallResult, returned: Resources)
    {
        let f = try nestingFrame(ee, "call")
        if let v = refusal(request, of: f, "a nested call") { throw violation(v) }
        let end = try nested(f) { () throws(EEError) in try self.tracedCall(request, from: f.context) }
        return (CallResult(status: end.status, returndata: end.output), end.left)
    }

    public func nestedDeployment(_ request: DeploymentRequest, from ee: any ExecutionEnvironment) throws(EEError)
        -> (result: DeploymentResult, returned: Resources)
    {
        let f = try nestingFrame(ee, "deployment")
        if let v = refusal(request, of: f, "a nested deployment") { throw violation(v) }
        let end = try nested(f) { () throws(EEError) in try self.tracedDeployment(request, from: f.context) }
        return (DeploymentResult(address: end.created, status: end.status, returndata: end.output), end.left)
    }

    /// The running frame, if `ee` runs it and nothing stopped the run already.
    private func nestingFrame(_ ee: any ExecutionEnvironment, _ what: String) throws(EEError) -> Frame {
        guard let f = runningFrame else { throw violation("a nested \(what) while no frame runs") }
        guard f.ee === ee else {
            throw violation("a nested \(what) from a \(ee.kindName) EE that does not run the active frame (\(f.context.address.hex))")
        }
        // An EE whose calls preempt (the EVM's, RISC-V's) makes none: one in its name comes
        // from a callback holding the EE (a step tracer, a hook), not from the frame (a review:
        // a tracer moved value out of a STOP contract).
        guard type(of: ee).makesNestedCalls else {
            throw violation("a nested \(what) in the name of the running \(ee.kindName) frame, whose calls preempt (from a callback, not its code)")
        }
        if let e = firstError { throw e }
        return f
    }

    /// A protocol break found in a nested call: kept for the runner too, so that the run stops
    /// with it even if the EE swallows the error.
    private func violation(_ what: String) -> EEError {
        noteViolation(what)
        return .protocolViolation(what)  // the first break or not, this call's own is the reason
    }

    /// Enters the call or deployment and runs its frames to the end; the caller `f` is active
    /// again afterwards with what came back in its ceiling.
    private func nested(_ f: Frame, _ enter: @escaping () throws(EEError) -> Entry) throws(EEError) -> FrameEnd {
        let end: FrameEnd
        do {
            end = try onEnoughStack { () throws(EEError) -> FrameEnd in
                switch try enter() {
                case .immediate(let status, let output, let left, let created):
                    return FrameEnd(status, output, left, created)
                case .launched(let callee, let p):
                    return try self.runFrames(callee, p)
                }
            }
        } catch {
            // Kept, so that the run stops with it however the EE goes on; and the caller is
            // the active frame again, so that its own writes are not taken for a break.
            let first = keepFirst(error)
            activate(f)
            throw first
        }
        f.takeBack(end.left.ergs)
        holdReturndata(f, end.output.count)
        activate(f)
        return end
    }

    /// Runs `body` here, or, when this thread's stack has less than
    /// `limits.nestedCallStackReserve` left,
    /// on a thread with a large stack (`LargeStack.Worker`, one per level of such moves, kept
    /// for the bootloader's life) while this one waits: a chain of nested calls as deep as the
    /// depth limit allows never overflows the native stack.
    /// (`body` escapes: the worker's thread releases it after signalling the result, which may
    /// be after this thread went on, so `withoutActuallyEscaping` cannot be used.)
    private func onEnoughStack(_ body: @escaping () throws(EEError) -> FrameEnd) throws(EEError) -> FrameEnd {
        let sp = chost_stack_pointer()
        // Unknown bounds, or a stack pointer outside them (a runtime's own stack): move too,
        // to a thread whose bounds are known (once: not from such a thread).
        if let stack = NativeStack.current(), stack.contains(sp) {
            // At most a quarter of a worker's stack: a fresh worker never moves on at once; at
            // least the default, which a nested level is known to fit (an audit set 0: a
            // 1000-deep chain then never moved and overflowed a 1 MiB thread).
            let reserve = UInt(min(
                max(ResourceLimits.minimumNestedCallStackReserve, limits.nestedCallStackReserve),
                LargeStack.defaultSize / 4))
            if sp - stack.low >= reserve { return try body() }
        } else if stackWorkersBusy > 0 {
            return try body()
        }
        if stackWorkers.count <= stackWorkersBusy {
            guard let w = LargeStack.Worker() else {
                throw .hostResources(
                    "the system refused a thread with a \(LargeStack.defaultSize >> 20) MiB stack for nested frames")
            }
            stackWorkers.append(w)
        }
        let worker = stackWorkers[stackWorkersBusy]
        stackWorkersBusy += 1
        defer { stackWorkersBusy -= 1 }
        nestedStackMoves += 1
        // The waiting thread touches nothing until the worker is done, so the bootloader is
        // used by one thread at a time.
        return try worker.run { () -> Result<FrameEnd, EEError> in
            Result { () throws(EEError) in try body() }
        }.get()
    }
}

/// The bounds of the calling thread's native stack (`chost_stack_bounds`: found once per
/// thread, in thread-local storage, so that a later thread with a reused id and a smaller stack
/// never gets an earlier thread's bounds).
struct NativeStack {
    var low: UInt
    var high: UInt

    func contains(_ sp: UInt) -> Bool { sp >= low && sp < high }

    static func current() -> NativeStack? {
        var low: UInt = 0
        var high: UInt = 0
        guard chost_stack_bounds(&low, &high) == 0, low < high else { return nil }
        return NativeStack(low: low, high: high)
    }
}
