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
    public var intrinsicGas: UInt64 {
        var g: UInt64 = 21_000
        if isCreate { g += 32_000 }
        for b in data { g += b == 0 ? 4 : 16 }
        for e in accessList { g += 2_400 + 1_900 * UInt64(e.storageKeys.count) }
        if isCreate { g += 2 * ((UInt64(data.count) + 31) / 32) }
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
    case typeNotSupported

    public var description: String {
        switch self {
        case .intrinsicGasTooLow(let n, let l): "INTRINSIC_GAS_TOO_LOW (needs \(n), limit \(l))"
        case .gasAllowanceExceeded: "GAS_ALLOWANCE_EXCEEDED"
        case .nonceMismatch(let e, let g): "NONCE_MISMATCH (account \(e), tx \(g))"
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
        case .typeNotSupported: "TYPE_NOT_SUPPORTED"
        }
    }
}

/// EIP-4844 blob gas constants and the blob base fee.
public enum BlobFees {
    public static let gasPerBlob: UInt64 = 131_072
    public static let maxBlobGasPerBlock: UInt64 = 786_432
    public static let minBaseFee: UInt64 = 1
    public static let updateFraction: UInt64 = 3_338_477

    /// fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas, BLOB_BASE_FEE_UPDATE_FRACTION).
    public static func baseFee(excessBlobGas: UInt64) -> U256 {
        let factor = U256(minBaseFee), numerator = U256(excessBlobGas), denominator = U256(updateFraction)
        var i: UInt64 = 1
        var output = U256.zero
        var acc = factor &* denominator
        while !acc.isZero && i < 10_000 {
            output = output &+ acc
            acc = divide(acc &* numerator, by: denominator &* U256(i))
            i += 1
        }
        return divide(output, by: denominator)
    }

    /// Long division (quotient only); the divisor must not be zero.
    static func divide(_ a: U256, by b: U256) -> U256 {
        if b.isZero { return .zero }
        var q = [UInt64](repeating: 0, count: 4)
        var r = U256.zero
        let aw = a.words
        for bit in stride(from: 255, through: 0, by: -1) {
            // r = r << 1 | bit
            var w = r.words
            w[3] = w[3] << 1 | w[2] >> 63
            w[2] = w[2] << 1 | w[1] >> 63
            w[1] = w[1] << 1 | w[0] >> 63
            w[0] = w[0] << 1 | (aw[bit / 64] >> UInt64(bit % 64)) & 1
            r = U256(words: w)
            if !(r < b) {
                r = r &- b
                q[bit / 64] |= 1 << UInt64(bit % 64)
            }
        }
        return U256(words: q)
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
