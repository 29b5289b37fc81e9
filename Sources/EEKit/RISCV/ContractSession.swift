/// A convenience front end over a `Bootloader` for deploying and calling contracts of any EE
/// (used by `eekit deploy / call / run`, the contract tests and benchmarks): it builds the
/// transactions (nonce, gas, gas price) and commits each one.
public final class ContractSession {
    public let world: WorldState
    public let boot: Bootloader
    /// The default sender of `send`, `deploy` and `call`.
    public static let defaultSender = Address(low: 0xe0a)
    /// `send` gives a sender without balance 2^64 wei plus the transaction's up-front charge
    /// (tool and test accounts never run dry); false: senders pay from their own balance, so
    /// a transaction they cannot pay for is rejected (`EEError.rejected`).
    public var fundsSenders = true
    /// Gas per transaction unless a call says otherwise; nil: `defaultGasLimit`.
    public var gasLimit: UInt64? = nil
    /// The gas of a transaction when neither the call nor `gasLimit` sets it: 30,000,000, or
    /// from Osaka EIP-7825's cap, 16,777,216 (a transaction above it is invalid there; the
    /// session's 30,000,000 made every default transaction under Osaka a rejected one); and at
    /// most the block's gas limit (a block of 10M gas rejected every default transaction as
    /// asking for more, a review found).
    public var defaultGasLimit: UInt64 {
        min(boot.block.fork >= .osaka ? Bootloader.maxTransactionGas : 30_000_000, boot.block.gasLimit)
    }
    /// Commit after each transaction (to the store; SQLite stores persist it).
    public var commitEachTransaction = true
    /// Gas price of the transactions (legacy transactions); nil: the block's base fee, so that
    /// every transaction is valid under any base fee (0 by default: gas costs the sender nothing).
    public var gasPrice: U256?

    /// - Parameters:
    ///   - store: the state store (in memory by default).
    ///   - registry: EEs to use; default: `EERegistry.standard` (EVM and RISC-V). A registry
    ///     without a RISC-V EE gets one.
    ///   - riscv: the RISC-V EE's configuration: given, it replaces the registry's RISC-V EE
    ///     (the standard one's included; a review found it ignored whenever the registry had
    ///     one); nil keeps the registry's, or the default configuration.
    ///   - hooks: precompiles and host functions; default: the Osaka precompiles (those of the
    ///     block's fork only).
    public init(
        store: any StateStore = MemoryStore(), registry: EERegistry? = nil,
        riscv: RISCVEnvironment.Configuration? = nil, hooks: [Address: any SystemHook] = Precompiles.osaka()
    ) {
        world = WorldState(store: store)
        var r = registry ?? EERegistry.standard
        if let riscv { r.registerRISCV(riscv) } else if r[.riscv] == nil { r.registerRISCV() }
        var block = BlockContext()
        block.gasLimit = 1 << 42
        block.number = 1
        block.timestamp = 1_700_000_000
        boot = Bootloader(world: world, registry: r, hooks: hooks, block: block)
    }

    /// Registers a host function from its command-line form
    /// `LIB.so:SYMBOL@ADDRESS:SIGNATURE[:GAS]` (see `HostFunctionSpecification`); every EE of
    /// this session can then call it at ADDRESS (`eekit --hook` takes the same form, loading
    /// every hook before it opens a state database).
    /// - Throws: `HostFunctionError` for a malformed specification or signature, a library or
    ///   symbol that cannot be loaded, or an address taken by a precompile or another hook.
    @discardableResult
    public func registerHostFunction(_ specification: String) throws(HostFunctionError) -> HostFunction {
        try HostFunctions.register(specification: specification, into: &boot.hooks)
    }

    /// Gives `address` `amount` wei if it has no balance (test and tool accounts); an address
    /// with a balance keeps it. Like any change outside a transaction, it reaches the store
    /// with the next commit (the next transaction's, or `world.commit()`).
    public func fund(_ address: Address, _ amount: U256 = U256(limbs: (0, 1, 0, 0))) {
        if world.balance(address).isZero { _ = world.addBalance(address, amount) }
    }

    /// Sends a transaction and commits its effects. With `authorizations` (Prague on) it is an
    /// EIP-7702 set-code transaction: they apply before the call (`authorizing` signs them).
    /// With `blobHashes` (Cancun on) it is an EIP-4844 blob transaction carrying those
    /// versioned hashes (BLOBHASH reads them), whose max fee per blob gas is the block's blob
    /// base fee; a transaction cannot be both (`EEError.malformedInput`).
    /// - Throws: `EEError.rejected` for a transaction the chain rejects (nonce, funds, intrinsic
    ///   gas, ...), another `EEError` for host-level errors.
    @discardableResult
    public func send(
        from: Address = ContractSession.defaultSender, to: Address?, data: Bytes, value: U256 = .zero,
        gas: UInt64? = nil, kind: EEKind = .evm, authorizations: [Transaction.Authorization] = [],
        blobHashes: [Bytes32] = []
    ) throws(EEError) -> Receipt {
        if !authorizations.isEmpty && !blobHashes.isEmpty { throw ContractSession.setCodeWithBlobs }
        // Changes made outside a transaction (`fund`, the world's setters) are committed first,
        // so that what a failure below discards is this transaction alone (review finding: a
        // store error also dropped the caller's funding).
        if commitEachTransaction { try commitOrDiscard() }
        let r = try run(
            prepare(
                from: from, to: to, data: data, value: value, gas: gas, kind: kind, authorizations: authorizations,
                blobHashes: blobHashes),
            simulating: nil)
        // A commit that fails leaves nothing of the transaction (review finding: it stayed in
        // the overlay and the next transaction committed it, so a retried transfer was paid
        // twice).
        if commitEachTransaction { try commitOrDiscard() }
        return r
    }

    /// Executes (or simulates) `tx`: its receipt, or `EEError.rejected` for a transaction the
    /// chain refuses, which changed nothing (earlier transactions not committed yet stay).
    private func run(_ tx: Transaction, simulating: SimulationChecks?) throws(EEError) -> Receipt {
        let result: Result<Receipt, TransactionError>
        do {
            if let skipping = simulating { result = try boot.simulate(tx, skipping: skipping) } else { result = try boot.execute(tx) }
        } catch {
            // A store that failed under the transaction: with every earlier change committed,
            // the overlay (and the values read while the store failed) goes and the next
            // transaction reads the store again. Otherwise the caller decides
            // (`world.discardUncommitted()`).
            if commitEachTransaction, world.storeError != nil { world.discardUncommitted() }
            throw error
        }
        switch result {
        case .success(let r): return r
        case .failure(let e): throw .rejected(e)
        }
    }

    /// Commits the world; if the store refuses, discards what was not committed and throws.
    private func commitOrDiscard() throws(EEError) {
        do { try world.commit() } catch {
            world.discardUncommitted()
            throw error
        }
    }

    static let setCodeWithBlobs = EEError.malformedInput(
        "a transaction carries either authorizations (EIP-7702, type 4) or blob hashes (EIP-4844, type 3), not both")

    /// The up-front charge of a transaction this session would send with this gas limit (nil:
    /// the session's), value and number of blob hashes: gas limit x gas price + value + blob gas
    /// x the block's blob base fee, what the sender must hold for the chain to accept it; nil
    /// above 2^256 - 1.
    public func upfrontCharge(gas: UInt64? = nil, value: U256 = .zero, blobs: Int = 0) -> U256? {
        let limit = U256(gas ?? gasLimit ?? defaultGasLimit), price = gasPrice ?? boot.block.baseFee
        let (cost, o1) = limit.multipliedReportingOverflow(by: price)
        let (blobGas, o2) = U256(UInt64(blobs) &* BlobFees.gasPerBlob).multipliedReportingOverflow(by: boot.block.blobBaseFee)
        let (both, o3) = cost.addingReportingOverflow(blobGas)
        let (all, o4) = both.addingReportingOverflow(value)
        return o1 || o2 || o3 || o4 ? nil : all
    }

    /// What `send` gives a sender without balance: 2^64 wei plus `charge` (2^256 - 1 for none).
    public static func funding(covering charge: U256?) -> U256 {
        guard let charge else { return .max }
        let (amount, o) = U256(limbs: (0, 1, 0, 0)).addingReportingOverflow(charge)
        return o ? .max : amount
    }

    /// Why the chain would refuse the transaction `send` would send now with these arguments
    /// (nil: it would be accepted; `to: nil` and `kind`: a deployment), sending nothing and
    /// changing nothing: the checks `Bootloader.validate` makes, except the sender's nonce,
    /// which the transactions sent before it move. The sender's balance is checked as it is
    /// now, with what `send` would give a sender without one. Not checked: the deployed EE's
    /// own checks of the code (an ELF's headers, say), which run when the deployment is sent.
    /// `eekit run` checks its call so before it deploys the contract (a call the chain
    /// refused, for its value or blob fee say, used to leave the deployment behind it).
    /// - Throws: what `send` throws before sending anything: `EEError.malformedInput` for
    ///   authorizations with blob hashes, `EEError.unsupported` for a deployment of a kind no
    ///   EE is registered for.
    public func refusal(
        from: Address = ContractSession.defaultSender, to: Address?, data: Bytes, value: U256 = .zero,
        gas: UInt64? = nil, kind: EEKind = .evm, authorizations: [Transaction.Authorization] = [],
        blobHashes: [Bytes32] = []
    ) throws(EEError) -> TransactionError? {
        if !authorizations.isEmpty && !blobHashes.isEmpty { throw ContractSession.setCodeWithBlobs }
        if to == nil && boot.registry[kind] == nil {
            throw .noEnvironment(for: kind)
        }
        let tx = transaction(
            from: from, to: to, data: data, value: value, gas: gas, kind: kind, authorizations: authorizations,
            blobHashes: blobHashes)
        let unfunded = fundsSenders && world.balance(from).isZero
        let skipping: SimulationChecks = unfunded ? [.nonce, .balance] : [.nonce]
        // An unfunded sender would be given at least the charge (a charge above 2^256 - 1 is
        // refused with the balance check skipped too).
        if case .failure(let e) = boot.validate(tx, skipping: skipping) { return e }
        return nil
    }

    /// The transaction `send` and `view` run, after funding its sender (`fundsSenders`).
    private func prepare(
        from: Address, to: Address?, data: Bytes, value: U256, gas: UInt64?, kind: EEKind,
        authorizations: [Transaction.Authorization] = [], blobHashes: [Bytes32] = []
    ) -> Transaction {
        // 2^64 wei plus the whole up-front charge, so that any base fee, gas price or value
        // works (review finding: with 2^64 alone, a base fee of 615 gwei at 30M gas was
        // refused; and until the fortieth session the value was left out, so a fresh sender
        // could not send 100 ether).
        if fundsSenders {
            fund(from, ContractSession.funding(covering: upfrontCharge(gas: gas, value: value, blobs: blobHashes.count)))
        }
        return transaction(
            from: from, to: to, data: data, value: value, gas: gas, kind: kind, authorizations: authorizations,
            blobHashes: blobHashes)
    }

    /// The transaction itself, at the sender's current nonce.
    private func transaction(
        from: Address, to: Address?, data: Bytes, value: U256, gas: UInt64?, kind: EEKind,
        authorizations: [Transaction.Authorization], blobHashes: [Bytes32]
    ) -> Transaction {
        let limit = U256(gas ?? gasLimit ?? defaultGasLimit), price = gasPrice ?? boot.block.baseFee
        if !blobHashes.isEmpty {
            return Transaction(
                type: .blob, sender: from, nonce: U256(world.nonce(from)), gasLimit: limit, to: to, value: value,
                data: data, maxFeePerGas: price, maxPriorityFeePerGas: price, blobVersionedHashes: blobHashes,
                maxFeePerBlobGas: boot.block.blobBaseFee)
        }
        if !authorizations.isEmpty {
            return Transaction(
                type: .setCode, sender: from, nonce: U256(world.nonce(from)), gasLimit: limit, to: to, value: value,
                data: data, maxFeePerGas: price, maxPriorityFeePerGas: price, authorizationList: authorizations)
        }
        return Transaction(
            sender: from, nonce: U256(world.nonce(from)), gasLimit: limit, to: to, value: value,
            data: data, gasPrice: price, deployKind: kind)
    }

    /// EIP-7702 authorizations signed by the secret keys, each delegating its account to the
    /// address beside it (the zero address clears a delegation), for this session's chain and
    /// at the nonces they will have when a transaction from `sender` applies them (the
    /// sender's own nonce moves first; an authority named twice counts its first
    /// authorization). Nil for a key that is zero or not below the secp256k1 order, and for an
    /// authorization whose nonce would be 2^64 - 1 or more, which EIP-7702 makes invalid (a
    /// review found an authority at nonce 2^64 - 1 trapping here on the overflow).
    public func authorizing(
        _ delegations: [(secretKey: Bytes32, delegate: Address)], sender: Address = ContractSession.defaultSender
    ) -> [Transaction.Authorization]? {
        var next: [Address: UInt64] = [:]
        var out: [Transaction.Authorization] = []
        for (key, delegate) in delegations {
            guard let authority = Address(secretKey: key) else { return nil }
            let nonce: UInt64
            if let n = next[authority] {
                nonce = n
            } else {
                let (n, overflow) = world.nonce(authority).addingReportingOverflow(authority == sender ? 1 : 0)
                if overflow { return nil }
                nonce = n
            }
            guard nonce < UInt64.max,
                let auth = Transaction.Authorization.signed(chainId: boot.block.chainId, address: delegate, nonce: nonce, secretKey: key)
            else { return nil }
            next[authority] = nonce + 1
            out.append(auth)
        }
        return out
    }

    /// Puts runtime `code` of `kind` at `address` without running a constructor (as anvil's
    /// `anvil_setCode` or revm's `insert_account_info`): the account keeps its balance and
    /// storage, its nonce becomes at least 1 (EIP-161: an account with code), and the change
    /// is committed. The code is checked when it first runs (a native ELF that does not load
    /// fails that frame).
    /// - Throws: `EEError.invalidCode` for code of kind `.none` (an account's code needs an EE;
    ///   it used to become EVM code silently).
    public func install(_ code: Bytes, kind: EEKind, at address: Address) throws(EEError) {
        if kind == .none, !code.isEmpty {
            throw .invalidCode("code of kind .none: name the EE that runs it (.evm, .riscv, .wasm)")
        }
        let old = world.account(address)
        world.setAccount(
            address, Account(nonce: max(old?.nonce ?? 0, 1), balance: old?.balance ?? .zero, kind: kind, code: code))
        try world.commit()
    }

    /// Deploys `code` (EVM init code, an ELF, or code of any EE registered with `boot`)
    /// followed by `arguments`.
    /// - Throws: `EEError.unsupported` when no EE is registered for `kind`; as `send` otherwise.
    public func deploy(
        _ code: Bytes, kind: EEKind, arguments: Bytes = [], from: Address = ContractSession.defaultSender,
        value: U256 = .zero, gas: UInt64? = nil
    ) throws(EEError) -> Receipt {
        guard boot.registry[kind] != nil else {
            let note = kind == .wasm ? " (EEKit's WASM environment is not implemented yet)" : ""
            throw .unsupported("no execution environment is registered for \(kind) contracts\(note)")
        }
        return try send(from: from, to: nil, data: code + arguments, value: value, gas: gas, kind: kind)
    }

    public func call(
        _ address: Address, data: Bytes, from: Address = ContractSession.defaultSender, value: U256 = .zero,
        gas: UInt64? = nil, authorizations: [Transaction.Authorization] = [], blobHashes: [Bytes32] = []
    ) throws(EEError) -> Receipt {
        try send(
            from: from, to: address, data: data, value: value, gas: gas, authorizations: authorizations,
            blobHashes: blobHashes)
    }

    /// A read-only call: runs the call as `call` does and returns its receipt, but keeps
    /// nothing of it, neither its state changes nor the sender's nonce, fees or funding
    /// (`fundsSenders`). By default it checks what `eth_call` checks: any sender, a contract
    /// too, and no funds needed (`skipping: .all`; `[]` validates it as a transaction that is
    /// sent). Earlier changes stay as they were; with `commitEachTransaction` those made
    /// outside a transaction are committed first, as by `send`.
    /// - Throws: as `send`.
    public func view(
        _ address: Address, data: Bytes, from: Address = ContractSession.defaultSender, value: U256 = .zero,
        gas: UInt64? = nil, skipping: SimulationChecks = .all, authorizations: [Transaction.Authorization] = [],
        blobHashes: [Bytes32] = []
    ) throws(EEError) -> Receipt {
        if !authorizations.isEmpty && !blobHashes.isEmpty { throw ContractSession.setCodeWithBlobs }
        if commitEachTransaction { try commitOrDiscard() }
        let before = world.account(from)
        // A value read while the store failed is no value to restore (it would delete the
        // sender from the overlay).
        let beforeIsReal = world.storeError == nil
        let mark = world.changeMark()
        let tx = prepare(
            from: from, to: address, data: data, value: value, gas: gas, kind: .evm, authorizations: authorizations,
            blobHashes: blobHashes)
        defer {
            if fundsSenders, beforeIsReal, world.account(from) != before { world.restore(from, before) }
            // The simulation reverted its changes (so does the bootloader for a transaction that
            // throws; a rejected one or one that threw before it ran changed nothing) and the
            // funding is put back: nothing is left to commit, unless the store failed (the
            // values read meanwhile are not the store's; they stay marked). Without this the
            // sender and the slots it wrote stayed marked as changed, so the next commit wrote
            // them again, and on a read-only store every second view threw.
            if beforeIsReal, world.storeError == nil { world.forgetRestoredChanges(since: mark) }
        }
        return try run(tx, simulating: skipping)
    }
}
