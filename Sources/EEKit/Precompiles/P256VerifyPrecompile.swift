import CPrecompiles

/// 0x100 P256VERIFY (EIP-7951, Osaka): verifies a secp256r1 (NIST P-256) ECDSA signature.
/// Input h(32) r(32) s(32) qx(32) qy(32); 6,900 gas whatever the input. A valid signature
/// returns the word 1; anything else (another length, r or s outside 1..n-1, a key coordinate
/// not below p, the point (0, 0) or off the curve, a signature that does not verify) returns
/// nothing, and the call still succeeds, as ecrecover does.
public final class P256VerifyPrecompile: SystemHook {
    public let name = "p256verify"
    public static let gas: UInt64 = 6_900
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        .charged(Self.gas, limit: gasLimit) { Precompiles.p256Verify(input) ? U256(1).bigEndianBytes : [] }
    }
}

extension Precompiles {
    /// The hooks of the Osaka fork: `prague()` and P256VERIFY at 0x100 (EIP-7951). The default
    /// table of `Bootloader`, `EVMRunner` and `ContractSession`; a bootloader under an older
    /// fork sets the later ones aside (`Bootloader.useFork`).
    public static func osaka() -> [Address: any SystemHook] {
        var table = prague()
        table[p256VerifyAddress] = P256VerifyPrecompile()
        return table
    }

    /// P256VERIFY's address, 0x100.
    public static let p256VerifyAddress = Address(low: 0x100)

    /// The addresses `osaka()` occupies (0x01 ... 0x11 and 0x100); host functions may not be
    /// registered there.
    public static let osakaAddresses: Set<Address> = pragueAddresses.union([p256VerifyAddress])

    /// Whether `input` (160 bytes: h, r, s, qx, qy) holds a valid secp256r1 signature of h by
    /// the key (qx, qy), with EIP-7951's checks; false for any other length.
    public static func p256Verify(_ input: Bytes) -> Bool {
        guard input.count == 160 else { return false }
        return input.withUnsafeBufferPointer { cprec_p256_verify($0.baseAddress!) } == 1
    }
}
