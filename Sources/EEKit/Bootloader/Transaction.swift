/// An Ethereum transaction (legacy, EIP-2930, EIP-1559 or EIP-4844), already signed and
/// with its sender recovered.
public struct Transaction: Sendable {
    public enum TxType: UInt8, Sendable {
        case legacy = 0, accessList = 1, dynamicFee = 2, blob = 3
    }

    public struct AccessListEntry: Sendable {
        public var address: Address
        public var storageKeys: [U256]
        public init(address: Address, storageKeys: [U256]) {
            self.address = address
            self.storageKeys = storageKeys
        }
    }

    public var type: TxType
    public var sender: Address
    /// Kept wide so that out-of-range values from test vectors become validation errors.
    public var nonce: U256
    public var gasLimit: U256
    /// nil for contract creation.
    public var to: Address?
    public var value: U256
    public var data: Bytes
    /// Legacy and EIP-2930.
    public var gasPrice: U256
    /// EIP-1559 and EIP-4844.
    public var maxFeePerGas: U256
    public var maxPriorityFeePerGas: U256
    public var accessList: [AccessListEntry]
    public var blobVersionedHashes: [Bytes32]
    public var maxFeePerBlobGas: U256
    /// The EE of a contract this transaction creates (EEKit extension; Ethereum: `.evm`).
    public var deployKind: EEKind

    public init(
        type: TxType = .legacy, sender: Address, nonce: U256 = .zero, gasLimit: U256, to: Address?,
        value: U256 = .zero, data: Bytes = [], gasPrice: U256 = .zero, maxFeePerGas: U256 = .zero,
        maxPriorityFeePerGas: U256 = .zero, accessList: [AccessListEntry] = [],
        blobVersionedHashes: [Bytes32] = [], maxFeePerBlobGas: U256 = .zero, deployKind: EEKind = .evm
    ) {
        self.type = type
        self.sender = sender
        self.nonce = nonce
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
        self.gasPrice = gasPrice
        self.maxFeePerGas = type == .legacy || type == .accessList ? gasPrice : maxFeePerGas
        self.maxPriorityFeePerGas = type == .legacy || type == .accessList ? gasPrice : maxPriorityFeePerGas
        self.accessList = accessList
        self.blobVersionedHashes = blobVersionedHashes
        self.maxFeePerBlobGas = maxFeePerBlobGas
        self.deployKind = deployKind
    }

    public var isCreate: Bool { to == nil }

    /// Intrinsic gas (Cancun): 21000 (+32000 create), calldata 4/16 per zero/non-zero byte,
    /// access list 2400 per address and 1900 per key, EIP-3860 2 per init code word.
    public var intrinsicGas: UInt64 { intrinsicGas(fork: .cancun) }

    /// Intrinsic gas under `fork`'s rules: the creation surcharge from Homestead (EIP-2), 68
    /// gas per non-zero data byte before Istanbul (EIP-2028), the init code word cost from
    /// Shanghai (EIP-3860).
    public func intrinsicGas(fork: Fork) -> UInt64 {
        var g: UInt64 = 21_000
        if isCreate && fork >= .homestead { g += 32_000 }
        let nonZero: UInt64 = fork >= .istanbul ? 16 : 68
        for b in data { g += b == 0 ? 4 : nonZero }
        for e in accessList { g += 2_400 + 1_900 * UInt64(e.storageKeys.count) }
        if isCreate && fork >= .shanghai { g += 2 * ((UInt64(data.count) + 31) / 32) }
        return g
    }

    public var blobGas: UInt64 { UInt64(blobVersionedHashes.count) * BlobFees.gasPerBlob }
}

/// Why a transaction is invalid; named as the Ethereum test fixtures name them.
public enum TransactionError: Error, Sendable, Equatable, CustomStringConvertible {
    case intrinsicGasTooLow(needed: UInt64, limit: U256)
    case gasAllowanceExceeded
    case nonceMismatch(expected: UInt64, got: U256)
    case nonceIsMax
    case senderNotEOA
    case insufficientAccountFunds
    case insufficientMaxFeePerGas
    case priorityGreaterThanMaxFee
    case initcodeSizeExceeded(Int)
    case blobContractCreation
    case blobEmpty
    case blobVersionInvalid
    case blobGasExceeded
    case insufficientMaxFeePerBlobGas
    /// A transaction type before the fork that brings it (EIP-2930's 1 in Berlin, EIP-1559's
    /// 2 in London, EIP-4844's 3 in Cancun).
    case typeNotSupported(Transaction.TxType)

    public var description: String {
        switch self {
        case .intrinsicGasTooLow(let n, let l): "INTRINSIC_GAS_TOO_LOW (needs \(n) gas, the limit is \(l.decimalString))"
        case .gasAllowanceExceeded: "GAS_ALLOWANCE_EXCEEDED (the gas limit is above the block's)"
        case .nonceMismatch(let e, let g): "NONCE_MISMATCH (account \(e), tx \(g.decimalString))"
        case .nonceIsMax: "NONCE_IS_MAX"
        case .senderNotEOA: "SENDER_NOT_EOA"
        case .insufficientAccountFunds: "INSUFFICIENT_ACCOUNT_FUNDS"
        case .insufficientMaxFeePerGas: "INSUFFICIENT_MAX_FEE_PER_GAS"
        case .priorityGreaterThanMaxFee: "PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS"
        case .initcodeSizeExceeded(let n): "INITCODE_SIZE_EXCEEDED (\(n) bytes)"
        case .blobContractCreation: "TYPE_3_TX_CONTRACT_CREATION"
        case .blobEmpty: "TYPE_3_TX_ZERO_BLOBS"
        case .blobVersionInvalid: "TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH"
        case .blobGasExceeded: "TYPE_3_TX_BLOB_COUNT_EXCEEDED"
        case .insufficientMaxFeePerBlobGas: "INSUFFICIENT_MAX_FEE_PER_BLOB_GAS"
        // As execution-spec-tests names it (TYPE_3_TX_PRE_FORK, ...).
        case .typeNotSupported(let t): "TYPE_\(t.rawValue)_TX_PRE_FORK"
        }
    }
}

/// EIP-4844 blob gas constants and the blob base fee.
public enum BlobFees {
    public static let gasPerBlob: UInt64 = 131_072
    public static let maxBlobGasPerBlock: UInt64 = 786_432
    public static let minBaseFee: UInt64 = 1
    public static let updateFraction: UInt64 = 3_338_477

    /// fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas, BLOB_BASE_FEE_UPDATE_FRACTION)
    /// (EIP-4844), exact for every excess whose fee fits in 256 bits; a fee beyond 2^256 - 1
    /// (excess above about 178 x the update fraction) saturates at `U256.max`, so no blob
    /// transaction can pay it (its cost overflows) and BLOBBASEFEE reads 2^256 - 1.
    /// Runs in a few hundred rounds of multi-word arithmetic, whatever the input.
    public static func baseFee(excessBlobGas: UInt64) -> U256 {
        // e^178 > 2^256: every excess from here on saturates (the series only undershoots
        // e^x by its truncations, far less than the factor e between 177 and 178).
        if excessBlobGas / updateFraction >= 178 { return .max }
        let numerator = excessBlobGas  // < 178 * 3,338,477 < 2^30
        // Little-endian 64-bit limbs; the largest accumulator is about 2^280 (den * e^178)
        // and its product with the numerator below 2^310, so six limbs never overflow.
        var acc = WideUInt(minBaseFee).multiplied(by: updateFraction)
        var output = WideUInt(0)
        var i: UInt64 = 1
        while !acc.isZero {
            output.add(acc)
            acc = acc.multiplied(by: numerator).divided(by: updateFraction * i)
            i += 1
        }
        return output.divided(by: updateFraction).u256 ?? .max
    }

    /// A 384-bit unsigned integer with the three operations `baseFee` needs.
    struct WideUInt {
        var w: [UInt64]
        init(_ v: UInt64) { w = [v, 0, 0, 0, 0, 0] }
        var isZero: Bool { w.allSatisfy { $0 == 0 } }
        /// Wraps past 2^384 (never reached by `baseFee`).
        mutating func add(_ o: WideUInt) {
            var carry: UInt64 = 0
            for k in 0..<6 {
                let (s1, c1) = w[k].addingReportingOverflow(o.w[k])
                let (s2, c2) = s1.addingReportingOverflow(carry)
                w[k] = s2
                carry = (c1 ? 1 : 0) + (c2 ? 1 : 0)
            }
        }
        func multiplied(by m: UInt64) -> WideUInt {
            var r = WideUInt(0)
            var carry: UInt64 = 0
            for k in 0..<6 {
                let (hi, lo) = w[k].multipliedFullWidth(by: m)
                let (s, c) = lo.addingReportingOverflow(carry)
                r.w[k] = s
                carry = hi &+ (c ? 1 : 0)
            }
            return r
        }
        /// Quotient; `d` must not be zero.
        func divided(by d: UInt64) -> WideUInt {
            var r = WideUInt(0)
            var rem: UInt64 = 0
            for k in stride(from: 5, through: 0, by: -1) {
                let (q, rr) = d.dividingFullWidth((rem, w[k]))
                r.w[k] = q
                rem = rr
            }
            return r
        }
        /// The value as a U256, nil when it needs more than 256 bits.
        var u256: U256? { w[4] == 0 && w[5] == 0 ? U256(words: Array(w[0..<4])) : nil }
    }
}

/// The outcome of a valid transaction.
public struct Receipt: Sendable {
    public var status: FrameStatus
    /// Gas used after the refund.
    public var gasUsed: UInt64
    public var refund: UInt64
    public var logs: [Log]
    public var output: Bytes
    public var createdAddress: Address?
    public var blobGasUsed: UInt64
}
