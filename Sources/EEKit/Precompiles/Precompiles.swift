import CEVM
import CPrecompiles

/// Why a precompile refused its input. A refused input fails the call and consumes all the gas
/// passed to it (ecrecover is the exception: a bad signature returns empty output).
public enum PrecompileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input length is not allowed (blake2f needs 213 bytes, pairing a multiple of 192).
    case invalidLength(Int)
    /// A field element is not below its modulus (the bn254 base field; for point evaluation the
    /// BLS12-381 base field for point coordinates, the group order for z and y; for EIP-2537 a
    /// 64-byte field element whose top 16 bytes are not zero or whose value is not below p).
    case coordinateOutOfRange
    /// A point is not on the curve (bn254 G1 or its twist G2, BLS12-381 G1 or G2).
    case notOnCurve
    /// A point is on its curve but outside the order-r subgroup (bn254 G2, BLS12-381 G1 or G2).
    case notInSubgroup
    /// blake2f's final-block flag is not 0 or 1.
    case invalidFinalFlag
    /// A modexp operand is longer than `CPREC_MODEXP_MAX_LEN` (4 GiB).
    case operandTooLarge
    /// Point evaluation: the versioned hash is not `0x01 ++ sha256(commitment)[1:]`.
    case versionedHashMismatch
    /// A compressed BLS12-381 point has invalid flag bits (compression flag clear, or an
    /// infinity flag with a sign flag or non-zero x).
    case invalidPointEncoding
    /// Point evaluation: the KZG proof does not verify.
    case invalidProof
    /// An EIP-2537 MSM was given less working memory than it needs (a caller bug; the Swift
    /// wrappers always size it with `cprec_bls12_msm_scratch_size`).
    case scratchTooSmall

    init(code: Int32, length: Int = 0) {
        switch code {
        case Int32(CPREC_ERR_LENGTH): self = .invalidLength(length)
        case Int32(CPREC_ERR_COORDINATE_RANGE): self = .coordinateOutOfRange
        case Int32(CPREC_ERR_NOT_ON_CURVE): self = .notOnCurve
        case Int32(CPREC_ERR_NOT_IN_SUBGROUP): self = .notInSubgroup
        case Int32(CPREC_ERR_FINAL_FLAG): self = .invalidFinalFlag
        case Int32(CPREC_ERR_VERSIONED_HASH): self = .versionedHashMismatch
        case Int32(CPREC_ERR_BAD_ENCODING): self = .invalidPointEncoding
        case Int32(CPREC_ERR_INVALID_PROOF): self = .invalidProof
        case Int32(CPREC_ERR_SCRATCH): self = .scratchTooSmall
        default: self = .operandTooLarge
        }
    }

    public var description: String {
        switch self {
        case .invalidLength(let n): "invalid input length \(n)"
        case .coordinateOutOfRange: "coordinate not below the field modulus"
        case .notOnCurve: "point not on curve"
        case .notInSubgroup: "point not in the prime-order subgroup"
        case .invalidFinalFlag: "final block flag must be 0 or 1"
        case .operandTooLarge: "modexp operand longer than 4 GiB"
        case .versionedHashMismatch: "versioned hash does not match the commitment"
        case .invalidPointEncoding: "invalid compressed point encoding"
        case .invalidProof: "KZG proof does not verify"
        case .scratchTooSmall: "MSM scratch smaller than needed"
        }
    }
}

/// The Ethereum precompiles of the Cancun fork (addresses 0x01 to 0x0a), as system hooks for
/// the bootloader and as pure functions for direct use and benchmarks.
///
/// Libraries: libsecp256k1 (ecrecover), nettle (sha256, ripemd160), GMP (modexp); bn254,
/// BLAKE2 F and BLS12-381 with the KZG check of point evaluation (0x0a, EIP-4844, against the
/// Ethereum trusted setup's [tau]G2) are EEKit's own C (`CPrecompiles`).
public enum Precompiles {
    /// The hooks of the Cancun fork keyed by address (0x01 ... 0x0a).
    public static func cancun() -> [Address: any SystemHook] {
        let hooks: [any SystemHook] = [
            ECRecoverPrecompile(), SHA256Precompile(), RIPEMD160Precompile(), IdentityPrecompile(),
            ModExpPrecompile(), BN254AddPrecompile(), BN254MulPrecompile(), BN254PairingPrecompile(),
            Blake2FPrecompile(), PointEvaluationPrecompile(),
        ]
        var table: [Address: any SystemHook] = [:]
        for (i, hook) in hooks.enumerated() { table[Address(low: UInt64(i + 1))] = hook }
        return table
    }

    /// The addresses `cancun()` occupies; host functions may not be registered there.
    public static let cancunAddresses: Set<Address> = Set((1...10).map { Address(low: UInt64($0)) })

    // MARK: Pure functions

    /// ecrecover: the address that signed `hash` (input: hash, v, r, s as 32-byte words; a
    /// shorter input is zero-padded, a longer one truncated).
    /// - Returns: the address left-padded to 32 bytes, or an empty array when the signature is
    ///   invalid (v not 27/28, r or s zero or not below the group order, no recoverable key).
    public static func ecrecover(_ input: Bytes) -> Bytes {
        let padded = fixedSize(input, 128)
        var pubkey = [UInt8](repeating: 0, count: 64)
        let rc = padded.withUnsafeBufferPointer { i in
            pubkey.withUnsafeMutableBufferPointer { cprec_ecrecover(i.baseAddress, $0.baseAddress) }
        }
        guard rc == CPREC_OK else { return [] }
        var hash = [UInt8](repeating: 0, count: 32)
        pubkey.withUnsafeBufferPointer { p in
            hash.withUnsafeMutableBufferPointer { cevm_keccak256(p.baseAddress, 64, $0.baseAddress) }
        }
        return [UInt8](repeating: 0, count: 12) + hash[12...]
    }

    /// SHA-256 of `input` (32 bytes).
    public static func sha256(_ input: Bytes) -> Bytes {
        var out = [UInt8](repeating: 0, count: 32)
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { cprec_sha256(i.baseAddress, i.count, $0.baseAddress) }
        }
        return out
    }

    /// RIPEMD-160 of `input`, left-padded with zeros to 32 bytes as the precompile returns it.
    public static func ripemd160(_ input: Bytes) -> Bytes {
        var out = [UInt8](repeating: 0, count: 32)
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { cprec_ripemd160(i.baseAddress, i.count, $0.baseAddress! + 12) }
        }
        return out
    }

    /// The EIP-2565 price of a modexp call (minimum 200; saturates at `UInt64.max` for absurd
    /// declared lengths). Reads only the header and the exponent's first 32 bytes.
    public static func modexpGas(_ input: Bytes) -> UInt64 { modexpHeader(input).gas }

    static func modexpHeader(_ input: Bytes) -> cprec_modexp_header {
        var h = cprec_modexp_header()
        input.withUnsafeBufferPointer { cprec_modexp_header_parse($0.baseAddress, $0.count, &h) }
        return h
    }

    /// modexp: `base ^ exp mod mod` with the EIP-198 input layout, left-padded to `mod_len`
    /// bytes. Call it only for inputs whose `modexpGas` you accept: the operand lengths are
    /// bounded by that price, not by the input size.
    /// - Throws: `PrecompileError.operandTooLarge` for lengths beyond 4 GiB.
    public static func modexp(_ input: Bytes) throws(PrecompileError) -> Bytes {
        try modexp(input, header: modexpHeader(input))
    }

    /// Longest modexp operand accepted (`CPREC_MODEXP_MAX_LEN`, 4 GiB); any real gas limit
    /// refuses far shorter ones.
    public static let modexpMaxLength: UInt64 = 1 << 32

    static func modexp(_ input: Bytes, header h: cprec_modexp_header) throws(PrecompileError) -> Bytes {
        if h.mod_len == 0 { return [] }
        guard h.mod_len <= modexpMaxLength, h.base_len <= modexpMaxLength, h.exp_len <= modexpMaxLength
        else { throw .operandTooLarge }
        var out = [UInt8](repeating: 0, count: Int(h.mod_len))
        var header = h
        let rc = input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { cprec_modexp(i.baseAddress, i.count, &header, $0.baseAddress) }
        }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc) }
        return out
    }

    /// bn254 (alt_bn128) point addition, EIP-196: two 64-byte G1 points (input padded or
    /// truncated to 128 bytes); (0, 0) is the point at infinity.
    /// - Throws: `coordinateOutOfRange` or `notOnCurve`.
    public static func bn254Add(_ input: Bytes) throws(PrecompileError) -> Bytes {
        let padded = fixedSize(input, 128)
        var out = [UInt8](repeating: 0, count: 64)
        let rc = padded.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { cprec_bn254_add(i.baseAddress, $0.baseAddress) }
        }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc) }
        return out
    }

    /// bn254 scalar multiplication, EIP-196: a G1 point and a 32-byte scalar (input padded or
    /// truncated to 96 bytes).
    /// - Throws: `coordinateOutOfRange` or `notOnCurve`.
    public static func bn254Mul(_ input: Bytes) throws(PrecompileError) -> Bytes {
        let padded = fixedSize(input, 96)
        var out = [UInt8](repeating: 0, count: 64)
        let rc = padded.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { cprec_bn254_mul(i.baseAddress, $0.baseAddress) }
        }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc) }
        return out
    }

    /// bn254 pairing check, EIP-197: whether the product of the pairings of the (G1, G2) pairs
    /// is one. Each pair is 192 bytes: G1 (x, y), then G2 (x_imaginary, x_real, y_imaginary,
    /// y_real). Empty input is true.
    /// - Throws: `invalidLength`, `coordinateOutOfRange`, `notOnCurve`, `notInSubgroup`.
    public static func bn254Pairing(_ input: Bytes) throws(PrecompileError) -> Bool {
        var result: Int32 = 0
        let rc = input.withUnsafeBufferPointer { cprec_bn254_pairing($0.baseAddress, $0.count, &result) }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc, length: input.count) }
        return result == 1
    }

    /// BLAKE2b compression function F, EIP-152: exactly 213 bytes (rounds as 4 big-endian
    /// bytes, h, m, t, final flag). Returns the new 64-byte state.
    /// - Throws: `invalidLength` or `invalidFinalFlag`.
    public static func blake2f(_ input: Bytes) throws(PrecompileError) -> Bytes {
        var out = [UInt8](repeating: 0, count: 64)
        let rc = input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { cprec_blake2f(i.baseAddress, i.count, $0.baseAddress) }
        }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc, length: input.count) }
        return out
    }

    /// Point evaluation, EIP-4844: exactly 192 bytes, `versioned_hash | z | y | commitment |
    /// proof` (32, 32, 32, 48, 48). Verifies that the polynomial committed to by `commitment`
    /// evaluates to `y` at `z` (a KZG proof over BLS12-381 against the Ethereum trusted setup)
    /// and returns FIELD_ELEMENTS_PER_BLOB (4096) and BLS_MODULUS as two 32-byte words.
    /// - Throws: `invalidLength`, `versionedHashMismatch`, `coordinateOutOfRange` (z or y not
    ///   below the BLS12-381 group order, or a point's x not below the base field modulus),
    ///   `invalidPointEncoding`, `notOnCurve`, `notInSubgroup`, `invalidProof`.
    public static func pointEvaluation(_ input: Bytes) throws(PrecompileError) -> Bytes {
        var out = [UInt8](repeating: 0, count: 64)
        let rc = input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { cprec_point_evaluation(i.baseAddress, i.count, $0.baseAddress) }
        }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc, length: input.count) }
        return out
    }

    /// The first `n` bytes of `input`, zero-padded when shorter.
    static func fixedSize(_ input: Bytes, _ n: Int) -> Bytes {
        if input.count == n { return input }
        if input.count > n { return Array(input[..<n]) }
        return input + [UInt8](repeating: 0, count: n - input.count)
    }

    /// Gas for `count` bytes at `perWord` per started 32-byte word plus `base`.
    static func wordGas(_ count: Int, base: UInt64, perWord: UInt64) -> UInt64 {
        base + perWord * UInt64((count + 31) / 32)
    }
}
