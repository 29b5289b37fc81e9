import CHostCall

/// Nested calls and deployments (`EEHost.nestedCall`, `nestedDeployment`): the callee runs
/// through its own frame stack (`runFrames`) while the caller's EE waits on the native stack.
/// For EEs whose runtime calls its imports synchronously (DESIGN's WASM on WasmKit); the
/// bootloader itself still never recurses for frames that preempt.
extension Bootloader {
    public func nestedCall(_ request: CallRequest, from ee: any ExecutionEnvironment) throws(EEError)
        -> (result: CallResult, returned: Resources)
    {
        let f = try nestingFrame(ee, "call")
        if request.modifier == .constructor {
            throw violation("a \(f.ee.kindName) frame made a nested call with the constructor modifier")
        }
        if let v = f.hand(request.resources.ergs, "a nested call") { throw violation(v) }
        let end = try nested(f) { () throws(EEError) in try self.tracedCall(request, from: f.context) }
        return (CallResult(status: end.status, returndata: end.output), end.left)
    }

    public func nestedDeployment(_ request: DeploymentRequest, from ee: any ExecutionEnvironment) throws(EEError)
        -> (result: DeploymentResult, returned: Resources)
    {
        let f = try nestingFrame(ee, "deployment")
        do throws(EEError) { try checkDeployer(request, of: f) } catch {
            if case .protocolViolation(let v) = error { noteViolation(v) }
            throw error
        }
        if let v = f.hand(request.resources.ergs, "a nested deployment") { throw violation(v) }
        let end = try nested(f) { () throws(EEError) in try self.tracedDeployment(request, from: f.context) }
        return (DeploymentResult(address: end.created, status: end.status, returndata: end.output), end.left)
    }

    /// The running frame, if `ee` runs it and nothing stopped the run already.
    private func nestingFrame(_ ee: any ExecutionEnvironment, _ what: String) throws(EEError) -> Frame {
        guard let f = runningFrame else { throw violation("a nested \(what) while no frame runs") }
        guard f.ee === ee else {
            throw violation("a nested \(what) from a \(ee.kindName) EE that does not run the active frame (\(f.context.address.hex))")
        }
        if let v = protocolViolation { throw .protocolViolation(v) }
        if let e = pendingError { throw e }
        return f
    }

    /// A protocol break found in a nested call: kept for the runner too, so that the run stops
    /// with it even if the EE swallows the error.
    private func violation(_ what: String) -> EEError {
        noteViolation(what)
        return .protocolViolation(what)
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
            if pendingError == nil { pendingError = error }
            throw error
        }
        f.takeBack(end.left.ergs)
        activate(f)
        return end
    }

    /// Runs `body` here, or, when this thread's stack has less than `NativeStack.reserve` left,
    /// on a new thread with a large stack (`LargeStack`) while this one waits: a chain of
    /// nested calls as deep as the depth limit allows never overflows the native stack.
    /// (`body` escapes: the new thread's closure is released when that thread exits, which
    /// may be after this one went on, so `withoutActuallyEscaping` cannot be used.)
    private func onEnoughStack(_ body: @escaping () throws(EEError) -> FrameEnd) throws(EEError) -> FrameEnd {
        let sp = NativeStack.approximatePointer()
        if nativeStack.map({ !$0.contains(sp) }) ?? true { nativeStack = NativeStack.current() }
        guard let stack = nativeStack, stack.contains(sp), sp - stack.low < NativeStack.reserve else { return try body() }
        let saved = nativeStack
        defer { nativeStack = saved }
        nestedStackMoves += 1
        // The waiting thread touches nothing until the new one is done (`LargeStack.run` waits
        // on a semaphore), so the bootloader is used by one thread at a time.
        let task = Unchecked(body)
        let owner = Unchecked(self)
        let result = LargeStack.run { () -> Unchecked<Result<FrameEnd, EEError>> in
            owner.value.nativeStack = NativeStack.current()
            do throws(EEError) {
                return Unchecked(.success(try task.value()))
            } catch {
                return Unchecked(.failure(error))
            }
        }
        return try result.value.get()
    }
}

/// A value handed to the thread `LargeStack.run` starts, which the calling thread does not
/// touch until that thread is done.
private struct Unchecked<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// The bounds of the calling thread's native stack (`chost_stack_bounds`).
struct NativeStack {
    var low: UInt
    var high: UInt
    /// Stack a nested frame may use before its own nested calls (its EE's start-up and
    /// interpreter frames, the bootloader's): below this much, the next nested call moves to
    /// a new thread.
    static let reserve: UInt = 256 << 10

    func contains(_ sp: UInt) -> Bool { sp >= low && sp < high }

    static func current() -> NativeStack? {
        var low: UInt = 0
        var high: UInt = 0
        guard chost_stack_bounds(&low, &high) == 0, low < high else { return nil }
        return NativeStack(low: low, high: high)
    }

    /// An address in the caller's stack frame, close to the stack pointer.
    @inline(never) static func approximatePointer() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }
}
