/// Validation checks `Bootloader.simulate` can leave out, as `eth_call` does and as revm's
/// `CfgEnv` switches (`disable_nonce_check`, `disable_balance_check`, `disable_base_fee`,
/// `disable_eip3607`) do. `execute` always makes every check.
public struct SimulationChecks: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The transaction's nonce need not be the sender's (the sender's nonce still moves by one
    /// during the run, and a CREATE's address comes from it). A nonce of 2^64 - 1 is refused
    /// still: it cannot move.
    public static let nonce = SimulationChecks(rawValue: 1)
    /// The sender may have code (EIP-3607 refuses it in a real transaction).
    public static let senderCode = SimulationChecks(rawValue: 2)
    /// A sender that cannot pay the up-front cost (gas limit x max fee + value + blob fee) is
    /// given what it lacks for the run.
    public static let balance = SimulationChecks(rawValue: 4)
    /// A max fee below the block's base fee: the sender pays its max fee per gas and the
    /// coinbase no tip.
    public static let baseFee = SimulationChecks(rawValue: 8)
    /// All four: `eth_call`'s view of a call.
    public static let all: SimulationChecks = [.nonce, .senderCode, .balance, .baseFee]
}

/// Transaction execution with Ethereum semantics: the block's fork (`block.fork`, Frontier to
/// Osaka).
extension Bootloader {
    /// Largest EIP-3860 init code.
    public static let maxInitcodeSize = 49_152
    /// EIP-7825 (Osaka): the most gas one transaction may ask for, 2^24.
    public static let maxTransactionGas: UInt64 = 16_777_216
    /// EIP-7594 (Osaka): the most blobs one transaction may carry.
    public static let maxBlobsPerTransaction = 6

    /// Checks a transaction against the current state without changing anything.
    /// - Returns: the intrinsic gas on success.
    public func validate(_ tx: Transaction) -> Result<UInt64, TransactionError> {
        validate(tx, skipping: []).map(\.intrinsic)
    }

    /// As `validate`, leaving out `skipping`; also gives the up-front cost (what the sender
    /// must hold), which a simulation without the balance check hands the sender.
    func validate(_ tx: Transaction, skipping: SimulationChecks) -> Result<(intrinsic: UInt64, cost: U256), TransactionError> {
        // EIP-3860 is the EVM's rule; other EEs' `prepareDeployment` check their own sizes
        // (a RISC-V ELF may be up to 256 KiB).
        let fork = block.fork
        // Transaction types arrive with their forks: EIP-2930 in Berlin, EIP-1559 in London,
        // EIP-4844 in Cancun, EIP-7702 in Prague.
        if (tx.type == .accessList && fork < .berlin) || (tx.type == .dynamicFee && fork < .london)
            || (tx.type == .blob && fork < .cancun) || (tx.type == .setCode && fork < .prague)
        {
            return .failure(.typeNotSupported(tx.type))
        }
        // Fields of another type, which only a `Transaction` built in code can carry, are
        // refused rather than half used: a review's legacy transaction with blob hashes passed
        // here (the blob checks and fee are type 3's), BLOBHASH read them, and the gas purchase,
        // which counted their fee, failed unseen, so the sender paid nothing.
        if tx.type != .blob && !tx.blobVersionedHashes.isEmpty {
            return .failure(.fieldOfAnotherType(tx.type, "blob versioned hashes (type 3)"))
        }
        if tx.type != .setCode && !tx.authorizationList.isEmpty {
            return .failure(.fieldOfAnotherType(tx.type, "an authorization list (type 4)"))
        }
        if tx.type == .legacy && !tx.accessList.isEmpty {
            return .failure(.fieldOfAnotherType(tx.type, "an access list (types 1 to 4)"))
        }
        if tx.type == .setCode {
            if tx.isCreate { return .failure(.setCodeContractCreation) }
            if tx.authorizationList.isEmpty { return .failure(.setCodeEmptyAuthorizationList) }
        }
        if tx.isCreate && tx.deployKind == .evm && tx.data.count > Bootloader.maxInitcodeSize && fork >= .shanghai {
            return .failure(.initcodeSizeExceeded(tx.data.count))
        }
        let intrinsic = tx.intrinsicGas(fork: fork)
        if tx.gasLimit < U256(intrinsic) { return .failure(.intrinsicGasTooLow(needed: intrinsic, limit: tx.gasLimit)) }
        let floor = tx.floorGas(fork: fork)
        if tx.gasLimit < U256(floor) { return .failure(.intrinsicGasBelowFloor(needed: floor, limit: tx.gasLimit)) }
        if fork >= .osaka && tx.gasLimit > U256(Bootloader.maxTransactionGas) {
            return .failure(.gasLimitExceedsMaximum(tx.gasLimit))
        }
        guard let gasLimit = tx.gasLimit.uint64, gasLimit <= block.gasLimit else {
            return .failure(.gasAllowanceExceeded)
        }
        if tx.maxFeePerGas < baseFeeInForce && !skipping.contains(.baseFee) { return .failure(.insufficientMaxFeePerGas) }
        if tx.maxPriorityFeePerGas > tx.maxFeePerGas { return .failure(.priorityGreaterThanMaxFee) }
        if tx.type == .blob {
            if tx.isCreate { return .failure(.blobContractCreation) }
            if let e = blobHashesRefusal(tx.blobVersionedHashes) { return .failure(e) }
            // A blob base fee of 2^256 - 1 is a saturated one (`BlobFees.baseFee`: the real
            // price is at least that), which no max fee meets, as execution-specs, computing it
            // unbounded, finds (a review: a max fee of 2^256 - 1 passed here and the
            // transaction was refused for funds instead).
            if tx.maxFeePerBlobGas < block.blobBaseFee || block.blobBaseFee == .max {
                return .failure(.insufficientMaxFeePerBlobGas)
            }
        }
        let account = world.account(tx.sender)
        let nonce = account?.nonce ?? 0
        if nonce == UInt64.max { return .failure(.nonceIsMax) }
        if tx.nonce != U256(nonce) && !skipping.contains(.nonce) {
            return .failure(.nonceMismatch(expected: nonce, got: tx.nonce))
        }
        // EIP-3607; from Prague an account whose code is a delegation designator (EIP-7702)
        // still sends transactions.
        if let account, !account.code.isEmpty, !skipping.contains(.senderCode),
            fork < .prague || Delegation.target(of: account.code) == nil
        {
            return .failure(.senderNotEOA)
        }
        // A cost above 2^256 is refused even when the balance check is skipped: nothing can be
        // given that much.
        guard let cost = upfrontCost(tx, gasLimit: gasLimit) else { return .failure(.insufficientAccountFunds) }
        if (account?.balance ?? .zero) < cost && !skipping.contains(.balance) { return .failure(.insufficientAccountFunds) }
        return .success((intrinsic, cost))
    }

    /// The rules on a blob transaction's versioned hashes alone (EIP-4844, EIP-7594): at least
    /// one, each of version 0x01, and no more than this block's blob gas and, from Osaka, a
    /// transaction's blob count allow; nil when they pass. `validate` applies them; a caller
    /// can check hashes before sending anything else.
    public func blobHashesRefusal(_ hashes: [Bytes32]) -> TransactionError? {
        if hashes.isEmpty { return .blobEmpty }
        if hashes.contains(where: { $0.bytes[0] != 0x01 }) { return .blobVersionInvalid }
        let (gas, o) = UInt64(hashes.count).multipliedReportingOverflow(by: BlobFees.gasPerBlob)
        if o || gas > block.blobParameters.maxBlobGasPerBlock
            || (block.fork >= .osaka && hashes.count > Bootloader.maxBlobsPerTransaction)
        {
            return .blobGasExceeded
        }
        return nil
    }

    /// What the sender must hold: gasLimit * maxFee + value + blobGas * maxFeePerBlobGas (nil
    /// above 2^256).
    private func upfrontCost(_ tx: Transaction, gasLimit: UInt64) -> U256? {
        var (cost, o1) = U256(gasLimit).multipliedReportingOverflow(by: tx.maxFeePerGas)
        var o2 = false, o3 = false, o4 = false
        (cost, o2) = cost.addingReportingOverflow(tx.value)
        if tx.type == .blob {
            let blobCost: U256
            (blobCost, o3) = U256(tx.blobGas).multipliedReportingOverflow(by: tx.maxFeePerBlobGas)
            (cost, o4) = cost.addingReportingOverflow(blobCost)
        }
        return o1 || o2 || o3 || o4 ? nil : cost
    }

    /// The base fee transactions pay and burn: the block's from London (EIP-1559), none
    /// before (a review found a pre-London block's base fee enforced and burned for direct
    /// callers; the state-test runner already zeroed it).
    var baseFeeInForce: U256 { block.baseFeeInForce }

    /// The gas price the sender pays: min(maxFee, baseFee + priority fee).
    public func effectiveGasPrice(_ tx: Transaction) -> U256 {
        let (sum, o) = baseFeeInForce.addingReportingOverflow(tx.maxPriorityFeePerGas)
        return o || sum > tx.maxFeePerGas ? tx.maxFeePerGas : sum
    }

    /// Validates and executes a transaction atomically. An invalid transaction changes
    /// nothing. A valid one always bumps the nonce and charges gas, even if its execution fails.
    /// The transaction's effects stay in `world` (uncommitted) until `world.commit()`.
    /// - Throws: `EEError` for host-level problems (the transaction's changes are discarded).
    public func execute(_ tx: Transaction) throws(EEError) -> Result<Receipt, TransactionError> {
        try execute(tx, keepingEffects: true)
    }

    /// Runs a transaction as `execute` does and returns its receipt (output, status, gas,
    /// logs), then undoes everything it did, the nonce bump and the fees included: a read-only
    /// call (`eth_call`, revm's `transact` without commit). Earlier uncommitted changes stay.
    /// - Parameter skipping: validation checks to leave out (`.all` for `eth_call`'s rules: any
    ///   nonce, a sender with code, no funds needed, a max fee below the base fee).
    public func simulate(_ tx: Transaction, skipping: SimulationChecks = []) throws(EEError)
        -> Result<Receipt, TransactionError>
    {
        try execute(tx, keepingEffects: false, skipping: skipping)
    }

    private func execute(_ tx: Transaction, keepingEffects: Bool, skipping: SimulationChecks = [])
        throws(EEError) -> Result<Receipt, TransactionError>
    {
        // One transaction at a time: one started from inside another (an EE, a tracer or a
        // hook calling back) would finish the outer one's journal under it.
        guard !executing else {
            // Also the running transaction's first error: it is abandoned even if the caller
            // (an EE, a hook) swallows this one.
            let why = "execute called while a transaction runs on this bootloader"
            noteViolation(why)
            throw .protocolViolation(why)
        }
        // One transaction at a time on a world state too: another bootloader's transaction
        // running on it (this one started from its hook or tracer) would be finished under it.
        guard !world.transactionIsOpen else {
            let why = "execute called while another bootloader runs a transaction on this world state"
            world.refuseDuringTransaction(why)
            throw .protocolViolation(why)
        }
        executing = true
        world.transactionIsOpen = true
        world.refusedDuringTransaction = nil
        defer {
            executing = false
            world.transactionIsOpen = false
        }
        // Every gas/erg conversion divides or multiplies by ergsPerGas (0 divided by zero; a
        // value above 2^32 overflowed the 2300-gas stipend's ergs); zero-cost RISC-V block ends
        // let a loop run forever.
        try schedule.validate()
        try limits.validate()
        resetTransactionNotes()
        world.openTransactionScope()
        world.touchCreatesAccounts = block.fork < .spuriousDragon  // EIP-161's absence
        let intrinsic: UInt64, upfront: U256
        switch validate(tx, skipping: skipping) {
        case .failure(let e): return .failure(e)
        case .success(let v): (intrinsic, upfront) = v
        }
        guard let gasLimit = tx.gasLimit.uint64 else { return .failure(.gasAllowanceExceeded) }
        let txStart = world.snapshot
        // A simulation without the balance check gives the sender what it lacks (undone with
        // the rest; validate refused a cost above 2^256).
        if skipping.contains(.balance) {
            let have = world.balance(tx.sender)
            if have < upfront { world.addBalance(tx.sender, upfront &- have) }
        }
        let price = effectiveGasPrice(tx)
        transaction = TransactionContext()
        transaction.origin = tx.sender
        transaction.gasPrice = price
        transaction.blobHashes = tx.blobVersionedHashes

        // Buy gas (and burn the blob fee).
        let blobFee = U256(tx.blobGas) &* block.blobBaseFee
        // Validation made the sender hold at least this (gasLimit x max fee and blob gas x max
        // blob fee); a purchase that fails all the same refuses the transaction instead of
        // running it unpaid (its result used to be ignored).
        guard world.subBalance(tx.sender, U256(gasLimit) &* price &+ blobFee) else {
            world.rollBack(to: txStart)
            return .failure(.insufficientAccountFunds)
        }
        world.touch(tx.sender)

        // Contract address before the nonce bump.
        var prepared: PreparedDeployment?
        var deployRequest: DeploymentRequest?
        // Ergs are 64-bit: gas beyond UInt64.max / ergsPerGas (7.2e16 by default, far above
        // any real block) is held back and returned unused.
        let execGas = gasLimit - intrinsic
        let maxGas = schedule.maxGas  // ergsPerGas at least 1: checked at the top
        let heldBack = execGas > maxGas ? execGas - maxGas : 0
        let execResources = Resources.gas(execGas - heldBack, schedule: schedule)
        if tx.isCreate {
            guard let entry = registry[tx.deployKind] else {
                world.rollBack(to: txStart)
                throw .noEnvironment(for: tx.deployKind)
            }
            let req = DeploymentRequest(
                deployer: tx.sender, initcode: tx.data, value: tx.value, scheme: .create, kind: tx.deployKind,
                resources: execResources)
            do throws(EEError) {
                startRun()
                let p = try entry.type.prepareDeployment(req, host: self)
                try checkPrepared(p, for: req, by: entry.type)
                prepared = p
            } catch {
                world.rollBack(to: txStart)
                throw error
            }
            deployRequest = req
        }
        world.setNonce(tx.sender, world.nonce(tx.sender) + 1)

        // EIP-2929 / EIP-2930 / EIP-3651 (Shanghai) warm set. Precompile and hook addresses are
        // warm without entering it (`isAlwaysWarm`).
        _ = accessAccount(tx.sender)
        if let to = tx.to { _ = accessAccount(to) }
        if block.fork >= .shanghai { _ = accessAccount(block.coinbase) }
        for e in tx.accessList {
            _ = accessAccount(e.address)
            for k in e.storageKeys { _ = world.accessStorage(e.address, k) }
        }
        // EIP-7702: the authorizations take effect after the sender's nonce moved and before
        // the call, and stay whatever the call does; their refund too.
        let authorizationRefund = applyAuthorizations(tx.authorizationList)

        let outcome: ExecutionOutcome
        do throws(EEError) {
            if let prepared, let deployRequest {
                outcome = try runDeployment(deployRequest, prepared: prepared)
            } else if let to = tx.to {
                outcome = try runCall(
                    origin: tx.sender,
                    CallRequest(target: to, modifier: .none, calldata: tx.data, value: tx.value, resources: execResources))
            } else {
                throw EEError.internalError("creation without a prepared deployment")
            }
        } catch {
            world.abandonTransaction(since: txStart)
            throw error
        }
        // A commit, discard or second transaction was refused under this one (from a hook, a
        // tracer or a host function): the transaction ends with it, as with any protocol break.
        if let why = world.refusedDuringTransaction {
            world.abandonTransaction(since: txStart)
            throw .protocolViolation(why)
        }

        // Refund (EIP-3529, London: at most a fifth of the gas used; half before) and fees.
        let gasLeft = min(outcome.resourcesLeft.gas(schedule: schedule) + heldBack, execGas)
        let used = gasLimit - gasLeft
        let refundCounter = max(0, world.refund) + Int64(authorizationRefund)
        let refund = UInt64(min(refundCounter, Int64(used / (block.fork >= .london ? 5 : 2))))
        // EIP-7623 (Prague): a transaction is charged at least its calldata floor.
        let charged = max(used - refund, tx.floorGas(fork: block.fork))
        world.addBalance(tx.sender, U256(gasLimit - charged) &* price)
        // No tip when the price is below the base fee (only a simulation without the base-fee
        // check gets here with one).
        let baseFee = baseFeeInForce
        let tip = price > baseFee ? price &- baseFee : .zero
        world.addBalance(block.coinbase, U256(charged) &* tip)

        if let e = world.storeError {
            world.abandonTransaction(since: txStart)
            throw e
        }
        let logs: [Log]
        if keepingEffects {
            logs = world.closeTransactionScope()
        } else {
            logs = world.logs
            world.abandonTransaction(since: txStart)
        }
        return .success(Receipt(
            status: outcome.status, gasUsed: charged, refund: refund, logs: logs, output: outcome.output,
            createdAddress: outcome.createdAddress, blobGasUsed: tx.blobGas))
    }
}

extension Bootloader {
    /// EIP-7702's authorizations, in order: each valid one (chain id 0 or the block's, nonce
    /// below 2^64 - 1, a signature that recovers, an authority without code or with a
    /// delegation already, the authority's current nonce) warms the authority, writes the
    /// designator (or clears the code for the zero address) and moves the authority's nonce;
    /// an invalid one is skipped. Returns the refund: 12,500 gas for each applied authorization
    /// whose authority existed before.
    func applyAuthorizations(_ list: [Transaction.Authorization]) -> UInt64 {
        var refund: UInt64 = 0
        for auth in list {
            guard auth.chainId.isZero || auth.chainId == block.chainId else { continue }
            guard let nonce = auth.nonce.uint64, nonce < UInt64.max else { continue }
            guard let authority = auth.authority else { continue }
            _ = accessAccount(authority)
            let code = world.account(authority)?.code ?? []
            guard code.isEmpty || Delegation.target(of: code) != nil else { continue }
            guard world.nonce(authority) == nonce else { continue }
            if world.exists(authority) { refund += Transaction.perEmptyAccountCost - Transaction.perAuthBaseCost }
            world.setCode(authority, auth.address == .zero ? [] : Delegation.designator(for: auth.address), kind: .evm)
            world.setNonce(authority, nonce + 1)
        }
        return refund
    }
}
