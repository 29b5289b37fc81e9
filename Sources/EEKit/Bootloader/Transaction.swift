import CPrecompiles

extension Address {
    /// The account of a secp256k1 secret key (keccak256 of its public key, last 20 bytes); nil
    /// for a key that is zero or not below the group order.
    public init?(secretKey: Bytes32) {
        var pub = [UInt8](repeating: 0, count: 64)
        guard cprec_secret_key_pubkey(secretKey.bytes, &pub) == CPREC_OK else { return nil }
        self.init(Array(Keccak.hash(pub).bytes[12...]))
    }
}

/// An Ethereum transaction (legacy, EIP-2930, EIP-1559, EIP-4844 or EIP-7702), already signed
/// and with its sender recovered.
public struct Transaction: Sendable {
    public enum TxType: UInt8, Sendable {
        case legacy = 0, accessList = 1, dynamicFee = 2, blob = 3, setCode = 4

        /// Legacy and EIP-2930 transactions carry one `gasPrice`; later types a max fee and a
        /// priority fee.
        public var hasGasPrice: Bool { self == .legacy || self == .accessList }
    }

    /// One entry of an EIP-7702 authorization list: the account that signed it (the
    /// authority, recovered from the signature over keccak256(0x05 || rlp([chainId, address,
    /// nonce]))) delegates its code to `address` (or clears its delegation when `address` is
    /// zero). Values are kept wide, as the test vectors give them: an entry out of range is
    /// skipped when the transaction runs, as EIP-7702 skips every invalid authorization.
    public struct Authorization: Sendable, Hashable {
        public var chainId: U256
        public var address: Address
        public var nonce: U256
        public var yParity: U256
        public var r: U256
        public var s: U256
        public init(chainId: U256, address: Address, nonce: U256, yParity: U256, r: U256, s: U256) {
            self.chainId = chainId
            self.address = address
            self.nonce = nonce
            self.yParity = yParity
            self.r = r
            self.s = s
        }

        /// The hash the authority signs: keccak256(0x05 || rlp([chainId, address, nonce])).
        public var signingHash: Bytes32 {
            Keccak.hash([0x05] + RLP.list([.uint(chainId), .address(address), .uint(nonce)]).encoded)
        }

        /// secp256k1's group order n, and n / 2: EIP-7702 takes s only up to it (EIP-2).
        static let secp256k1n = U256(hex: "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!
        static let secp256k1nHalf = U256(hex: "0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")!

        /// The authorization `secretKey` signs for `address` (the zero address clears a
        /// delegation), valid on chain `chainId` (0: on every chain) while the signer's nonce
        /// is `nonce`; nil for a key that is zero or not below the group order.
        public static func signed(chainId: U256, address: Address, nonce: UInt64, secretKey: Bytes32) -> Authorization? {
            var auth = Authorization(chainId: chainId, address: address, nonce: U256(nonce), yParity: .zero, r: .zero, s: .zero)
            var rs = [UInt8](repeating: 0, count: 64)
            var recid: Int32 = 0
            guard cprec_sign_hash(secretKey.bytes, auth.signingHash.bytes, &rs, &recid) == CPREC_OK else { return nil }
            auth.yParity = U256(UInt64(recid))
            auth.r = U256(bigEndian: Array(rs[0..<32]))
            auth.s = U256(bigEndian: Array(rs[32..<64]))
            return auth
        }

        /// The account that signed this authorization, or nil for an invalid signature (y
        /// parity not 0 or 1, r not in 1..<n, s not in 1...n/2, or no key recovers).
        public var authority: Address? {
            guard yParity <= U256(1), !r.isZero, r < Authorization.secp256k1n, !s.isZero,
                s <= Authorization.secp256k1nHalf
            else { return nil }
            var input = signingHash.bytes
            input += U256(27 + (yParity.uint64 ?? 0)).bigEndianBytes
            input += r.bigEndianBytes
            input += s.bigEndianBytes
            let out = Precompiles.ecrecover(input)
            guard out.count == 32 else { return nil }
            return Address(Array(out[12..<32]))
        }
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
    /// EIP-1559 and later types; a legacy or EIP-2930 transaction reads its `gasPrice` here
    /// (what it sets here is kept for another type). Derived on every read: a review found a
    /// legacy transaction whose `gasPrice` was set after `init` paying nothing, the copy
    /// `init` made still 0.
    public var maxFeePerGas: U256 {
        get { type.hasGasPrice ? gasPrice : storedMaxFeePerGas }
        set { storedMaxFeePerGas = newValue }
    }
    /// As `maxFeePerGas`: the gas price for a legacy or EIP-2930 transaction.
    public var maxPriorityFeePerGas: U256 {
        get { type.hasGasPrice ? gasPrice : storedMaxPriorityFeePerGas }
        set { storedMaxPriorityFeePerGas = newValue }
    }
    private var storedMaxFeePerGas: U256
    private var storedMaxPriorityFeePerGas: U256
    public var accessList: [AccessListEntry]
    public var blobVersionedHashes: [Bytes32]
    public var maxFeePerBlobGas: U256
    /// EIP-7702 (type 4): the authorizations applied before the call.
    public var authorizationList: [Authorization]
    /// The EE of a contract this transaction creates (EEKit extension; Ethereum: `.evm`).
    public var deployKind: EEKind

    public init(
        type: TxType = .legacy, sender: Address, nonce: U256 = .zero, gasLimit: U256, to: Address?,
        value: U256 = .zero, data: Bytes = [], gasPrice: U256 = .zero, maxFeePerGas: U256 = .zero,
        maxPriorityFeePerGas: U256 = .zero, accessList: [AccessListEntry] = [],
        blobVersionedHashes: [Bytes32] = [], maxFeePerBlobGas: U256 = .zero,
        authorizationList: [Authorization] = [], deployKind: EEKind = .evm
    ) {
        self.type = type
        self.sender = sender
        self.nonce = nonce
        self.gasLimit = gasLimit
        self.to = to
        self.value = value
        self.data = data
        self.gasPrice = gasPrice
        self.storedMaxFeePerGas = maxFeePerGas
        self.storedMaxPriorityFeePerGas = maxPriorityFeePerGas
        self.accessList = accessList
        self.blobVersionedHashes = blobVersionedHashes
        self.maxFeePerBlobGas = maxFeePerBlobGas
        self.authorizationList = authorizationList
        self.deployKind = deployKind
    }

    public var isCreate: Bool { to == nil }

    /// Intrinsic gas (Cancun): 21000 (+32000 create), calldata 4/16 per zero/non-zero byte,
    /// access list 2400 per address and 1900 per key, EIP-3860 2 per init code word.
    public var intrinsicGas: UInt64 { intrinsicGas(fork: .cancun) }

    /// Intrinsic gas under `fork`'s rules: the creation surcharge from Homestead (EIP-2), 68
    /// gas per non-zero data byte before Istanbul (EIP-2028), the init code word cost from
    /// Shanghai (EIP-3860), 25,000 per EIP-7702 authorization (Prague).
    public func intrinsicGas(fork: Fork) -> UInt64 {
        var g: UInt64 = 21_000
        if isCreate && fork >= .homestead { g += 32_000 }
        let nonZero: UInt64 = fork >= .istanbul ? 16 : 68
        for b in data { g += b == 0 ? 4 : nonZero }
        for e in accessList { g += 2_400 + 1_900 * UInt64(e.storageKeys.count) }
        if isCreate && fork >= .shanghai { g += 2 * ((UInt64(data.count) + 31) / 32) }
        g += Transaction.perEmptyAccountCost * UInt64(authorizationList.count)
        return g
    }

    /// EIP-7702's price of an authorization (paid up front; an authority that already existed
    /// gets 25,000 - 12,500 back as a refund).
    public static let perEmptyAccountCost: UInt64 = 25_000
    public static let perAuthBaseCost: UInt64 = 12_500

    /// EIP-7623 (Prague): the least gas the transaction is charged, 21,000 + 10 per calldata
    /// token (a zero byte is one token, any other byte four); 0 before Prague.
    public func floorGas(fork: Fork) -> UInt64 {
        guard fork >= .prague else { return 0 }
        var tokens: UInt64 = 0
        for b in data { tokens += b == 0 ? 1 : 4 }
        return 21_000 + 10 * tokens
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
    /// EIP-7825 (Osaka): a gas limit above 2^24.
    case gasLimitExceedsMaximum(U256)
    /// EIP-7623: the gas limit is below the calldata floor.
    case intrinsicGasBelowFloor(needed: UInt64, limit: U256)
    /// EIP-7702: a set-code transaction with no authorization.
    case setCodeEmptyAuthorizationList
    /// EIP-7702: a set-code transaction without a target.
    case setCodeContractCreation
    /// A transaction type before the fork that brings it (EIP-2930's 1 in Berlin, EIP-1559's
    /// 2 in London, EIP-4844's 3 in Cancun).
    case typeNotSupported(Transaction.TxType)
    /// A field another transaction type carries (blob hashes outside type 3, authorizations
    /// outside type 4, an access list on a legacy transaction): a `Transaction` built in code,
    /// which no encoding of its type could hold. The string names the field.
    case fieldOfAnotherType(Transaction.TxType, String)

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
        case .intrinsicGasBelowFloor(let n, let l):
            "INTRINSIC_GAS_BELOW_FLOOR_GAS_COST (the calldata floor is \(n) gas, the limit is \(l.decimalString))"
        case .gasLimitExceedsMaximum(let l):
            "GAS_LIMIT_EXCEEDS_MAXIMUM (\(l.decimalString) gas, above EIP-7825's 16777216)"
        case .setCodeEmptyAuthorizationList: "TYPE_4_EMPTY_AUTHORIZATION_LIST"
        case .setCodeContractCreation: "TYPE_4_TX_CONTRACT_CREATION"
        // As execution-spec-tests names it (TYPE_3_TX_PRE_FORK, ...).
        case .typeNotSupported(let t): "TYPE_\(t.rawValue)_TX_PRE_FORK"
        case .fieldOfAnotherType(let t, let field): "TYPE_MISMATCH (a type-\(t.rawValue) transaction carries \(field))"
        }
    }
}

/// A fork's blob parameters: EIP-7840's `blobSchedule` entry (target and maximum blobs per
/// block, and the blob base fee's update fraction). Each fork has its own (`of(_:)`); a chain
/// may set others (`BlockContext.blobSchedule`, a state test's `config.blobSchedule`).
public struct BlobSchedule: Sendable, Hashable, CustomStringConvertible {
    /// Blobs per block the excess blob gas steers towards.
    public var target: UInt64
    /// Blobs a block may hold; a transaction with more cannot be included.
    public var max: UInt64
    /// BLOB_BASE_FEE_UPDATE_FRACTION. Zero prices every blob out (`BlobFees.baseFee` gives
    /// 2^256 - 1 rather than dividing by it); a state test giving zero is refused.
    public var baseFeeUpdateFraction: UInt64

    public init(target: UInt64, max: UInt64, baseFeeUpdateFraction: UInt64) {
        self.target = target
        self.max = max
        self.baseFeeUpdateFraction = baseFeeUpdateFraction
    }

    /// Blob gas a block may use (`max` blobs of 131,072 gas; saturates at 2^64 - 1).
    public var maxBlobGasPerBlock: UInt64 {
        let (g, o) = max.multipliedReportingOverflow(by: BlobFees.gasPerBlob)
        return o ? .max : g
    }

    /// The fork's own: 3 / 6 / 3,338,477 in Cancun (EIP-4844; earlier forks have no blobs, and
    /// get Cancun's), 6 / 9 / 5,007,716 in Prague and Osaka (EIP-7691), 10 / 15 / 8,346,193 in
    /// BPO1 and 14 / 21 / 11,684,671 in BPO2 (EIP-7892's first two mainnet changes).
    public static func of(_ fork: Fork) -> BlobSchedule {
        switch fork {
        case .bpo2: BlobSchedule(target: 14, max: 21, baseFeeUpdateFraction: 11_684_671)
        case .bpo1: BlobSchedule(target: 10, max: 15, baseFeeUpdateFraction: 8_346_193)
        case .prague, .osaka: BlobSchedule(target: 6, max: 9, baseFeeUpdateFraction: 5_007_716)
        default: BlobSchedule(target: 3, max: 6, baseFeeUpdateFraction: BlobFees.updateFraction)
        }
    }

    public var description: String { "target \(target), max \(max), baseFeeUpdateFraction \(baseFeeUpdateFraction)" }
}

extension BlockContext {
    /// The blob parameters in force: `blobSchedule`, or the fork's own.
    public var blobParameters: BlobSchedule { blobSchedule ?? .of(fork) }
}

/// EIP-4844 blob gas constants and the blob base fee (Cancun's; later forks' limits and update
/// fractions are in `BlobSchedule.of(_:)`).
public enum BlobFees {
    public static let gasPerBlob: UInt64 = 131_072
    public static let maxBlobGasPerBlock: UInt64 = 786_432
    public static let minBaseFee: UInt64 = 1
    public static let updateFraction: UInt64 = 3_338_477

    /// The blob base fee under `fork`'s own update fraction (`BlobSchedule.of(fork)`).
    public static func baseFee(excessBlobGas: UInt64, fork: Fork) -> U256 {
        baseFee(excessBlobGas: excessBlobGas, schedule: .of(fork))
    }

    /// The blob base fee under `schedule`'s update fraction.
    public static func baseFee(excessBlobGas: UInt64, schedule: BlobSchedule) -> U256 {
        baseFee(excessBlobGas: excessBlobGas, updateFraction: schedule.baseFeeUpdateFraction)
    }

    /// fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas, BLOB_BASE_FEE_UPDATE_FRACTION)
    /// (EIP-4844), exact for every excess whose fee fits in 256 bits; a fee beyond 2^256 - 1
    /// (excess above about 178 x the update fraction) saturates at `U256.max`, so no blob
    /// transaction can pay it (its cost overflows) and BLOBBASEFEE reads 2^256 - 1.
    /// Runs in a few hundred rounds of multi-word arithmetic, whatever the input.
    public static func baseFee(excessBlobGas: UInt64) -> U256 {
        baseFee(excessBlobGas: excessBlobGas, updateFraction: updateFraction)
    }

    static func baseFee(excessBlobGas: UInt64, updateFraction: UInt64) -> U256 {
        guard updateFraction > 0 else { return .max }  // a schedule's zero: no blob can pay
        // e^178 > 2^256: every excess from here on saturates (the series only undershoots
        // e^x by its truncations, far less than the factor e between 177 and 178).
        if excessBlobGas / updateFraction >= 178 { return .max }
        let numerator = excessBlobGas  // < 178 x the fraction
        // Little-endian 64-bit limbs. With any fraction F below 2^64 the largest accumulator is
        // about F e^178 < 2^322 and its product with the numerator (< 178 F) below 2^394, so
        // eight limbs never overflow. Dividing by F and then by i gives floor(a / (F i)) without
        // forming F i, which a chain's large fraction would overflow.
        var acc = WideUInt(minBaseFee).multiplied(by: updateFraction)
        var output = WideUInt(0)
        var i: UInt64 = 1
        while !acc.isZero {
            output.add(acc)
            acc = acc.multiplied(by: numerator).divided(by: updateFraction).divided(by: i)
            i += 1
        }
        return output.divided(by: updateFraction).u256 ?? .max
    }

    /// BLOB_BASE_COST (EIP-7918, from Osaka): the execution gas a blob is worth at least, which
    /// `excessBlobGas` weighs against the blob base fee.
    public static let blobBaseCost: UInt64 = 1 << 13

    /// The excess blob gas of the block after `parent` (EIP-4844's calc_excess_blob_gas): the
    /// parent's excess plus its blob gas, less the target (`schedule`, or `fork`'s own: the
    /// child's), never below 0. From Osaka (EIP-7918), while the parent's blob base fee is
    /// worth less than `blobBaseCost` x its base fee per blob, the excess instead grows by the
    /// parent's blob gas x (max - target) / max, so the blob fee climbs back to that reserve.
    /// Block builders set the result as `currentExcessBlobGas`, and `baseFee(excessBlobGas:schedule:)`
    /// of it as `BlockContext.blobBaseFee`. State tests give the excess outright; this is not
    /// applied by the bootloader.
    /// - Returns: nil where execution-specs raises: the parent's excess plus its blob gas, the
    ///   target blob gas or the result above 2^64 - 1, or under EIP-7918 a schedule whose max is
    ///   0 or below its target.
    public static func excessBlobGas(
        parentExcess: UInt64, parentBlobGasUsed: UInt64, parentBaseFee: U256, fork: Fork, schedule: BlobSchedule? = nil
    ) -> UInt64? {
        let blobs = schedule ?? .of(fork)
        let (parentBlobGas, over) = parentExcess.addingReportingOverflow(parentBlobGasUsed)
        if over { return nil }
        let (target, big) = blobs.target.multipliedReportingOverflow(by: gasPerBlob)
        if big { return nil }
        if parentBlobGas < target { return 0 }
        if fork >= .osaka {
            // BLOB_BASE_COST x base fee against GAS_PER_BLOB x blob base fee, in 512 bits (a
            // saturated fee, 2^256 - 1, stands for a larger one: the reserve branch is not taken
            // for either).
            let price = baseFee(excessBlobGas: parentExcess, schedule: blobs)
            let reserve = WideUInt(parentBaseFee).multiplied(by: blobBaseCost)
            if reserve.isGreater(than: WideUInt(price).multiplied(by: gasPerBlob)) {
                guard blobs.max > 0, blobs.max >= blobs.target else { return nil }
                // execution-specs multiplies in U64 and raises past 2^64 (a review found a value
                // returned there), so the product must fit too, not only the quotient.
                let (product, big) = parentBlobGasUsed.multipliedReportingOverflow(by: blobs.max - blobs.target)
                if big { return nil }
                let grown = product / blobs.max
                let (excess, o) = parentExcess.addingReportingOverflow(grown)
                return o ? nil : excess
            }
        }
        return parentBlobGas - target
    }

    /// A 512-bit unsigned integer with the operations `baseFee` and `excessBlobGas` need.
    struct WideUInt {
        static let limbs = 8
        var w: [UInt64]
        init(_ v: UInt64) { w = [v] + Array(repeating: 0, count: WideUInt.limbs - 1) }
        init(_ v: U256) { w = v.words + Array(repeating: 0, count: WideUInt.limbs - 4) }
        func isGreater(than o: WideUInt) -> Bool {
            for k in stride(from: WideUInt.limbs - 1, through: 0, by: -1) where w[k] != o.w[k] { return w[k] > o.w[k] }
            return false
        }
        var isZero: Bool { w.allSatisfy { $0 == 0 } }
        /// Wraps past 2^512 (never reached by `baseFee`).
        mutating func add(_ o: WideUInt) {
            var carry: UInt64 = 0
            for k in 0..<WideUInt.limbs {
                let (s1, c1) = w[k].addingReportingOverflow(o.w[k])
                let (s2, c2) = s1.addingReportingOverflow(carry)
                w[k] = s2
                carry = (c1 ? 1 : 0) + (c2 ? 1 : 0)
            }
        }
        func multiplied(by m: UInt64) -> WideUInt {
            var r = WideUInt(0)
            var carry: UInt64 = 0
            for k in 0..<WideUInt.limbs {
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
            for k in stride(from: WideUInt.limbs - 1, through: 0, by: -1) {
                let (q, rr) = d.dividingFullWidth((rem, w[k]))
                r.w[k] = q
                rem = rr
            }
            return r
        }
        /// The value as a U256, nil when it needs more than 256 bits.
        var u256: U256? { w[4...].allSatisfy { $0 == 0 } ? U256(words: Array(w[0..<4])) : nil }
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
