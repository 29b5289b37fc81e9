import Synchronization

/// Runs EVM bytecode as a single message call through the bootloader (so CALL/CREATE work),
/// on a fresh in-memory state: what `eekit evm run` and the EVM tests use.
public enum EVMRunner {
    /// The default addresses: the code runs at `target`, called by `caller`.
    public static let defaultTarget = Address(hex: "0xbe7c43a580000000000000000000000000000001") ?? .zero
    public static let defaultCaller = Address(hex: "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b") ?? .zero

    public struct Result: Sendable {
        /// "success", "revert" or the failure reason.
        public var status: FrameStatus
        public var output: Bytes
        /// Execution gas used before the refund (no intrinsic transaction cost).
        public var gasUsed: UInt64
        /// The transaction's refund counter after the call (0 unless it succeeded).
        public var refund: Int64
        public var logs: [Log]
        /// The new contract's address after a successful `prepareCreate` run (nil otherwise).
        public var createdAddress: Address? = nil
    }

    /// The caller's balance on a prepared state: 2^128 wei, or the value sent when that is more.
    static let callerFunds = U256(limbs: (0, 0, 1, 0))
    static func funds(sending value: U256) -> U256 { max(callerFunds, value) }

    /// The last code run and its keccak256: repeated runs of the same code (`--repeat`, the
    /// benchmarks) hash it once, as a client hashes code once when it stores it.
    private static let lastCode = Locked<(code: Bytes, hash: Bytes32)?>(nil)

    private static func codeHash(_ code: Bytes) -> Bytes32 {
        if let hit = lastCode.withLock({ $0 }), hit.code == code { return hit.hash }
        let h = code.isEmpty ? Keccak.empty : Keccak.hash(code)
        lastCode.withLock { $0 = (code, h) }
        return h
    }

    /// Runs `code` at `target` with `input` and `gas`. The caller and target are warm (as for a
    /// transaction), the caller has 2^128 wei (or `value`, if more), `value` is transferred. A `target` that
    /// is the address of one of `hooks` (a precompile) runs that hook, as on Ethereum; a
    /// `caller` equal to `target` calls its own code.
    /// - Parameters:
    ///   - hooks: precompiles and host functions (default: the Prague precompiles, those of
    ///     `block.fork` only, as revm and evmone run them).
    ///   - tracer: receives every executed instruction of every EVM frame.
    /// - Throws: `EEError` for host-level problems only (guest failures are in `Result.status`).
    public static func run(
        code: Bytes, input: Bytes = [], gas: UInt64, value: U256 = .zero,
        target: Address = defaultTarget, caller: Address = defaultCaller,
        block: BlockContext = BlockContext(), hooks: [Address: any SystemHook] = Precompiles.osaka(),
        tracer: EVMTracer? = nil
    ) throws(EEError) -> Result {
        try prepare(
            code: code, input: input, gas: gas, value: value, target: target, caller: caller, block: block,
            hooks: hooks, tracer: tracer
        ).execute()
    }

    /// Builds the fresh state (the code at `target`, a funded `caller`, both warm) and the
    /// bootloader for one run, without running anything: `execute()` then runs the call. The
    /// benchmarks time `execute()` alone, as pyrevm's side times `message_call` on an `EVM`
    /// whose accounts were inserted before the clock started.
    public static func prepare(
        code: Bytes, input: Bytes = [], gas: UInt64, value: U256 = .zero,
        target: Address = defaultTarget, caller: Address = defaultCaller,
        block: BlockContext = BlockContext(), hooks: [Address: any SystemHook] = Precompiles.osaka(),
        tracer: EVMTracer? = nil
    ) -> PreparedCall {
        let world = WorldState(store: MemoryStore())
        let balance = funds(sending: value)
        if caller != target {
            world.setAccount(caller, Account(nonce: 0, balance: balance, kind: .none, code: []))
        }
        // A caller that is the target calls its own code with its funds (the caller's empty
        // account used to replace the code: the run did nothing and succeeded).
        world.setAccount(
            target,
            Account(
                nonce: 1, balance: caller == target ? balance : .zero, kind: code.isEmpty ? .none : .evm, code: code,
                codeHash: codeHash(code)))
        let boot = bootloader(world, caller: caller, block: block, hooks: hooks, tracer: tracer)
        _ = boot.accessAccount(target)
        return PreparedCall(boot: boot, caller: caller, target: target, input: input, gas: gas, value: value)
    }

    /// The bootloader of one run on `world`, as a transaction from `caller` sets it up: the
    /// fork's rules, the origin, the caller (and from Shanghai the coinbase, EIP-3651) warm.
    /// Precompile addresses are warm through `Bootloader.isAlwaysWarm`.
    private static func bootloader(
        _ world: WorldState, caller: Address, block: BlockContext, hooks: [Address: any SystemHook], tracer: EVMTracer?
    ) -> Bootloader {
        var registry = EERegistry.standard
        if let tracer { registry.register(EVMEnvironment.self) { EVMEnvironment(tracer: tracer) } }
        let boot = Bootloader(world: world, registry: registry, hooks: hooks, block: block)
        boot.useFork(block.fork)
        boot.transaction.origin = caller
        _ = boot.accessAccount(caller)
        if block.fork >= .shanghai { _ = boot.accessAccount(block.coinbase) }
        return boot
    }

    /// Builds a fresh state (a funded, warm `caller` with nonce 0) and the bootloader for one
    /// contract creation, without running anything: `execute()` then runs `initcode` (with
    /// `input` appended, as constructor arguments follow init code) as a CREATE by `caller`,
    /// as geth's `evm run --create` does. The creation's address is CREATE's (`caller`, nonce
    /// 0), and `Result.output` is the code it deployed. As in `prepare`, no intrinsic
    /// transaction cost is charged; the deployment's own rules apply (EIP-3860's init code
    /// limit, EIP-170's code size, EIP-3541's 0xEF refusal, 200 gas per deployed byte).
    public static func prepareCreate(
        initcode: Bytes, input: Bytes = [], gas: UInt64, value: U256 = .zero, caller: Address = defaultCaller,
        block: BlockContext = BlockContext(), hooks: [Address: any SystemHook] = Precompiles.osaka(),
        tracer: EVMTracer? = nil
    ) -> PreparedCall {
        let world = WorldState(store: MemoryStore())
        world.setAccount(caller, Account(nonce: 0, balance: funds(sending: value), kind: .none, code: []))
        let boot = bootloader(world, caller: caller, block: block, hooks: hooks, tracer: tracer)
        return PreparedCall(
            boot: boot, caller: caller, target: nil, input: initcode + input, gas: gas, value: value)
    }

    /// One message call ready to run on its own fresh state (see `prepare`). Run it once.
    public final class PreparedCall {
        let boot: Bootloader
        let caller: Address
        /// nil for a creation (`prepareCreate`): `input` is then the init code.
        let target: Address?
        let input: Bytes
        let gas: UInt64
        let value: U256
        private var used = false

        init(boot: Bootloader, caller: Address, target: Address?, input: Bytes, gas: UInt64, value: U256) {
            self.boot = boot
            self.caller = caller
            self.target = target
            self.input = input
            self.gas = gas
            self.value = value
        }

        /// The state root after the call (the EIP-3155 summary's `stateRoot`): the prepared
        /// accounts with what the call changed, before any transaction-end processing.
        public func stateRoot() throws(EEError) -> Bytes32 { try boot.world.stateRoot() }

        /// Runs the call.
        /// - Throws: `EEError` for host-level problems, or when the call was already run (its
        ///   state is no longer fresh).
        public func execute() throws(EEError) -> Result {
            guard !used else { throw .internalError("a prepared EVM call runs once; prepare another") }
            used = true
            // Gas beyond what 2^64 ergs hold is held back and returned unused, as a transaction
            // does (TransactionProcessor); Resources.gas would cap it and count it as spent.
            let maxGas = boot.schedule.maxGas
            let heldBack = gas > maxGas ? gas - maxGas : 0
            let resources = Resources.gas(gas - heldBack, schedule: boot.schedule)
            let outcome: ExecutionOutcome
            var output: Bytes
            if let target {
                outcome = try boot.runCall(
                    origin: caller,
                    CallRequest(target: target, modifier: .none, calldata: input, value: value, resources: resources))
                output = outcome.output
            } else {
                outcome = try create(resources)
                // A successful creation's output is the code it deployed (geth's `--create`
                // prints it); a failed one's is its revert data.
                output = outcome.output
                if let created = outcome.createdAddress, outcome.status.isSuccess {
                    output = boot.world.account(created)?.code ?? []
                }
            }
            let left = outcome.resourcesLeft.gas(schedule: boot.schedule) + heldBack
            let world = boot.world
            let refund = outcome.status.isSuccess ? world.refund : 0
            return Result(
                status: outcome.status, output: output, gasUsed: gas - min(gas, left), refund: refund,
                logs: outcome.status.isSuccess ? world.logs : [],
                createdAddress: outcome.status.isSuccess ? outcome.createdAddress : nil)
        }

        /// The creation of `prepareCreate`: prepared and checked as a creation transaction's
        /// (the EVM EE refuses init code above EIP-3860's limit here, as a failed frame), the
        /// caller's nonce bumped, then the constructor run.
        private func create(_ resources: Resources) throws(EEError) -> ExecutionOutcome {
            let req = DeploymentRequest(
                deployer: caller, initcode: input, value: value, scheme: .create, kind: .evm, resources: resources)
            guard let entry = boot.registry[.evm] else {
                throw .noEnvironment(for: .evm)
            }
            boot.startRun()
            let prepared: PreparedDeployment
            do throws(EEError) {
                prepared = try entry.type.prepareDeployment(req, host: boot)
                try boot.checkPrepared(prepared, for: req, by: entry.type)
            } catch {
                boot.endRun()
                switch error {
                case .invalidCode:
                    // As CREATE with such init code (EIP-3860): the creation fails and uses
                    // all its gas.
                    return ExecutionOutcome(
                        status: .failure(.initcodeSizeExceeded), output: [], resourcesLeft: .zero, createdAddress: nil)
                default: throw error
                }
            }
            boot.world.setNonce(caller, boot.world.nonce(caller) + 1)
            return try boot.runDeployment(req, prepared: prepared)
        }
    }
}
