/// Deployments: checks, nonce bump, collision rule, the constructor frame and code deposit.
extension Bootloader {
    /// A deployment requested by a running frame.
    func enterDeployment(_ req: DeploymentRequest, from ctx: CallerContext) throws(EEError) -> Entry {
        // No frame runs until the constructor starts (the deployer is made active again when
        // it continues): tracers and preparation see none.
        deactivate()
        if ctx.depth + 1 > maxDepth {
            return .immediate(status: .failure(.callDepthExceeded), output: [], left: req.resources, created: nil)
        }
        if ctx.isStatic {
            return .immediate(status: .failure(.staticViolation), output: [], left: .zero, created: nil)
        }
        if world.balance(req.deployer) < req.value {
            return .immediate(status: .failure(.insufficientBalance), output: [], left: req.resources, created: nil)
        }
        if world.nonce(req.deployer) == UInt64.max {
            return .immediate(status: .failure(.nonceOverflow), output: [], left: req.resources, created: nil)
        }
        // The EE of the code being deployed checks it and derives the address (not the
        // deploying frame's EE): a RISC-V frame deploying EVM init code gets the EVM's rules,
        // and an EE registered later (WASM) is reachable from every EE without changing them.
        guard let eeType = registry[req.kind]?.type else {
            return .immediate(
                status: .failure(.invalidCode("no execution environment for \(req.kind) code")),
                output: [], left: .zero, created: nil)
        }
        let prepared: PreparedDeployment
        // Preparing reads the state but runs no frame (none is active, see above): no write
        // may come from it.
        do {
            prepared = try eeType.prepareDeployment(req, host: self)
        } catch {
            // `invalidCode` says "invalid code: " itself.
            let reason: String
            if case .invalidCode(let why) = error { reason = why } else { reason = "\(error)" }
            return .immediate(status: .failure(.invalidCode(reason)), output: [], left: .zero, created: nil)
        }
        try checkPrepared(prepared, for: req, by: eeType)
        return try enterPreparedDeployment(req, prepared: prepared, from: ctx, bumpNonce: true)
    }

    /// Preparing a deployment wrote nothing, and the constructor gets at most the request's
    /// resources.
    func checkPrepared(
        _ prepared: PreparedDeployment, for req: DeploymentRequest, by ee: any ExecutionEnvironment.Type
    ) throws(EEError) {
        if let e = firstError { throw e }
        if prepared.resources.ergs > req.resources.ergs {
            throw .protocolViolation(
                "the \(ee.kind) environment prepared a deployment with \(prepared.resources.ergs) ergs of the request's \(req.resources.ergs)")
        }
        // CREATE / CREATE2 addresses only (`DeploymentAddress.derive`): any other would let an
        // EE put code on an account it picks (a funded one that never sent, a counterfactual
        // wallet) and run a constructor as it.
        let expected = DeploymentAddress.derive(req, host: self)
        if prepared.address != expected {
            throw .protocolViolation(
                "the \(ee.kind) environment prepared a deployment at \(prepared.address.hex), not its address \(expected.hex)")
        }
        if prepared.constructor.kind != req.kind && !(prepared.constructor.kind == .none && prepared.constructor.bytes.isEmpty) {
            throw .protocolViolation(
                "the \(ee.kind) environment prepared a \(req.kind) deployment with \(prepared.constructor.kind) code")
        }
    }

    /// Runs a prepared deployment: bumps the deployer's nonce (unless the transaction did),
    /// checks for a collision, creates the account with nonce 1 (0 before Spurious Dragon,
    /// EIP-161) and transfers the value, then launches the constructor frame.
    func enterPreparedDeployment(
        _ req: DeploymentRequest, prepared: PreparedDeployment, from ctx: CallerContext, bumpNonce: Bool
    ) throws(EEError) -> Entry {
        let depth = ctx.depth + 1
        if bumpNonce {
            world.setNonce(req.deployer, world.nonce(req.deployer) + 1)
        }
        let address = prepared.address
        _ = world.accessAccount(address)
        if let existing = world.account(address), existing.nonce != 0 || !existing.code.isEmpty {
            return .immediate(status: .failure(.createCollision), output: [], left: .zero, created: nil)
        }
        if world.hasStorage(address) {
            return .immediate(status: .failure(.createCollision), output: [], left: .zero, created: nil)
        }
        let snapshot = world.snapshot
        let nonce: UInt64 = block.fork >= .spuriousDragon ? 1 : 0  // the collision check left it 0
        world.modify(address) { $0.nonce = nonce }
        world.markCreated(address)
        guard world.transfer(from: req.deployer, to: address, req.value) else {
            world.rollBack(to: snapshot)
            return .immediate(status: .failure(.insufficientBalance), output: [], left: prepared.resources, created: nil)
        }
        guard let entry = registry[prepared.constructor.kind == .none ? req.kind : prepared.constructor.kind] else {
            world.rollBack(to: snapshot)
            return .immediate(
                status: .failure(.invalidCode("no execution environment for \(req.kind) code")),
                output: [], left: .zero, created: nil)
        }
        if prepared.constructor.bytes.isEmpty {
            // Nothing to run: the account exists with empty code.
            return .immediate(status: .success, output: [], left: prepared.resources, created: address)
        }
        let launch = LaunchParams(
            resources: prepared.resources, code: prepared.constructor, caller: req.deployer, callee: address,
            codeAddress: address, modifier: .constructor, calldata: prepared.constructorInput, value: req.value,
            depth: depth, isStatic: false)
        return try launchFrame(Frame(ee: entry.make(), launch: launch, snapshot: snapshot, deployment: (address, req.kind)), launch)
    }

    /// Applies the code-deposit rules to a finished constructor frame, which deploys `kind`
    /// code at `address`.
    func finishDeployment(
        _ f: Frame, at address: Address, kind: EEKind, code: Bytes, status: FrameStatus, returndata: Bytes,
        left: Resources
    ) -> FrameEnd {
        switch status {
        case .revert:
            revertFailed(f)
            return FrameEnd(.revert, returndata, left, nil)
        case .failure:
            revertFailed(f)
            return FrameEnd(status, [], .zero, nil)
        case .success:
            break
        }
        let rules = registry[kind]?.deposit ?? .evm
        // EVM code follows the fork: no size limit before Spurious Dragon (EIP-170), and in
        // Frontier a constructor whose code it cannot pay for leaves the account without code.
        let evm = kind == .evm
        if code.count > rules.maxCodeSize && (!evm || block.fork >= .spuriousDragon) {
            revertFailed(f)
            return FrameEnd(.failure(.codeSizeExceeded), [], .zero, nil)
        }
        if rules.rejectEFPrefix && code.first == 0xEF && block.fork >= .london {
            revertFailed(f)
            return FrameEnd(.failure(.invalidCode("code starts with 0xEF (EIP-3541)")), [], .zero, nil)
        }
        let (gas, o1) = UInt64(code.count).multipliedReportingOverflow(by: rules.gasPerByte)
        let (cost, overflow) = gas.multipliedReportingOverflow(by: schedule.ergsPerGas)
        if o1 || overflow || cost > left.ergs {
            if evm && block.fork < .homestead { return FrameEnd(.success, [], left, address) }
            revertFailed(f)
            return FrameEnd(.failure(.outOfResources), [], .zero, nil)
        }
        var rest = left
        rest.ergs -= cost
        world.setCode(address, code, kind: kind)
        return FrameEnd(.success, [], rest, address)
    }
}
