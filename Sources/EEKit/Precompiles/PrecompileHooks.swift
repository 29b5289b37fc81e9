// The Cancun precompiles as system hooks. Each one prices its input first (EVM gas), fails with
// `.outOfResources` when the price exceeds the gas passed, and otherwise runs the pure function
// from `Precompiles`. A refused input fails and consumes all gas passed; ecrecover instead
// returns empty output and charges its 3000 gas.

extension SystemHookResult {
    /// Success when `gas` fits in `gasLimit`, out-of-gas failure otherwise.
    static func charged(_ gas: UInt64, limit: UInt64, _ body: () throws(PrecompileError) -> Bytes) -> SystemHookResult {
        guard gas <= limit else { return .failure(.outOfResources, gasLimit: limit) }
        do {
            return .success(try body(), gasUsed: gas)
        } catch {
            return .failure(.other(error.description), gasLimit: limit)
        }
    }
}

/// 0x01 ecrecover: 3000 gas; an invalid signature gives empty output (success).
public final class ECRecoverPrecompile: SystemHook {
    public let name = "ecrecover"
    public static let gas: UInt64 = 3000
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(Self.gas, limit: gasLimit) { Precompiles.ecrecover(input) }
    }
}

/// 0x02 sha256: 60 + 12 per word.
public final class SHA256Precompile: SystemHook {
    public let name = "sha256"
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(Precompiles.wordGas(input.count, base: 60, perWord: 12), limit: gasLimit) { Precompiles.sha256(input) }
    }
}

/// 0x03 ripemd160: 600 + 120 per word; the 20-byte hash left-padded to 32 bytes.
public final class RIPEMD160Precompile: SystemHook {
    public let name = "ripemd160"
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(Precompiles.wordGas(input.count, base: 600, perWord: 120), limit: gasLimit) {
            Precompiles.ripemd160(input)
        }
    }
}

/// 0x04 identity: 15 + 3 per word.
public final class IdentityPrecompile: SystemHook {
    public let name = "identity"
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(Precompiles.wordGas(input.count, base: 15, perWord: 3), limit: gasLimit) { input }
    }
}

/// 0x05 modexp: EIP-198 layout, EIP-2565 price (EIP-198's before Berlin; from Osaka EIP-7883's,
/// and EIP-7823 fails any length above 1024 bytes). Nothing is allocated before the price
/// (which bounds every operand length) has been checked against the gas passed.
public final class ModExpPrecompile: SystemHook {
    public let name = "modexp"
    /// EIP-7823 (Osaka): the longest base, exponent or modulus.
    public static let maxOperandLength: UInt64 = 1024
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        let header = Precompiles.modexpHeader(input)
        let gas: UInt64
        if context.fork >= .osaka {
            let longest = max(header.base_len, header.exp_len, header.mod_len)
            if longest > Self.maxOperandLength {
                return .failure(.other("modexp operand of \(longest) bytes, above EIP-7823's 1024"), gasLimit: gasLimit)
            }
            gas = header.gas_eip7883
        } else {
            gas = context.fork >= .berlin ? header.gas : header.gas_eip198
        }
        return .charged(gas, limit: gasLimit) { () throws(PrecompileError) -> Bytes in
            try Precompiles.modexp(input, header: header)
        }
    }
}

/// 0x06 bn254 point addition: 150 gas (EIP-1108; 500 before Istanbul).
public final class BN254AddPrecompile: SystemHook {
    public let name = "bn254_add"
    public static let gas: UInt64 = 150
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(context.fork >= .istanbul ? Self.gas : 500, limit: gasLimit) { () throws(PrecompileError) -> Bytes in try Precompiles.bn254Add(input) }
    }
}

/// 0x07 bn254 scalar multiplication: 6000 gas (EIP-1108; 40000 before Istanbul).
public final class BN254MulPrecompile: SystemHook {
    public let name = "bn254_mul"
    public static let gas: UInt64 = 6000
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(context.fork >= .istanbul ? Self.gas : 40000, limit: gasLimit) { () throws(PrecompileError) -> Bytes in try Precompiles.bn254Mul(input) }
    }
}

/// 0x08 bn254 pairing check: 45000 + 34000 per 192-byte pair (EIP-1108; 100000 + 80000 per
/// pair before Istanbul); the result is a 32-byte 0 or 1.
public final class BN254PairingPrecompile: SystemHook {
    public let name = "bn254_pairing"
    public init() {}
    public static func gas(pairs: Int, fork: Fork = .cancun) -> UInt64 {
        let (base, perPair): (UInt64, UInt64) = fork >= .istanbul ? (45000, 34000) : (100_000, 80000)
        let (g, o) = UInt64(max(0, pairs)).multipliedReportingOverflow(by: perPair)
        return o ? .max : g.addingReportingOverflow(base).overflow ? .max : g + base
    }
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(Self.gas(pairs: input.count / 192, fork: context.fork), limit: gasLimit) { () throws(PrecompileError) -> Bytes in
            let ok = try Precompiles.bn254Pairing(input)
            var out = [UInt8](repeating: 0, count: 32)
            out[31] = ok ? 1 : 0
            return out
        }
    }
}

/// 0x09 blake2f: gas = rounds (EIP-152). An input that is not 213 bytes fails before pricing.
public final class Blake2FPrecompile: SystemHook {
    public let name = "blake2f"
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        guard input.count == 213 else {
            return .failure(.other(PrecompileError.invalidLength(input.count).description), gasLimit: gasLimit)
        }
        let rounds = input[0..<4].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return .charged(rounds, limit: gasLimit) { () throws(PrecompileError) -> Bytes in try Precompiles.blake2f(input) }
    }
}

/// 0x0a point evaluation (EIP-4844): 50000 gas; checks a KZG proof over BLS12-381 (EEKit's own
/// C, `bls12_381.c`) and returns FIELD_ELEMENTS_PER_BLOB and BLS_MODULUS. Any refused input
/// (length, versioned hash, field elements, points, the proof itself) fails and consumes all
/// gas passed, as EIP-4844 specifies.
public final class PointEvaluationPrecompile: SystemHook {
    public let name = "point_evaluation"
    public static let gas: UInt64 = 50000
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(Self.gas, limit: gasLimit) { () throws(PrecompileError) -> Bytes in try Precompiles.pointEvaluation(input) }
    }
}
