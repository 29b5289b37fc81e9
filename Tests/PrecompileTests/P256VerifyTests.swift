import EEKitTestSupport
import Testing

@testable import EEKit

/// P256VERIFY (0x100, EIP-7951): a signature made for these tests with Python's `cryptography`
/// (`TestVectors.p256Valid`), which execution-specs' `secp256r1_verify` accepts, and each of
/// EIP-7951's refusals.
struct P256VerifyTests {
    static let valid = TestVectors.p256Valid
    static let n = Hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")!
    static let p = Hex.decode("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")!

    static func run(_ input: Bytes, gas: UInt64 = 100_000) -> SystemHookResult {
        let ctx = SystemHookContext(caller: .zero, address: Address(low: 0x100), value: .zero, isStatic: false, fork: .osaka)
        return P256VerifyPrecompile().call(input: input, gasLimit: gas, context: ctx)
    }

    static func replacing(_ field: Int, with bytes: Bytes) -> Bytes {
        var b = valid
        b.replaceSubrange(32 * field..<32 * field + 32, with: bytes)
        return b
    }

    @Test func aValidSignatureReturnsOne() {
        let r = Self.run(Self.valid)
        #expect(r.status == .success && r.gasUsed == 6_900 && r.output == U256(1).bigEndianBytes)
        // No low-s rule: n - s verifies too.
        let s = U256(bigEndian: Self.valid[64..<96])
        let highS = U256(bigEndian: Self.n) &- s
        #expect(Self.run(Self.replacing(2, with: highS.bigEndianBytes)).output == U256(1).bigEndianBytes)
        // Too little gas: out of gas.
        #expect(Self.run(Self.valid, gas: 6_899).status.isFailure)
    }

    @Test func everyRefusalSucceedsWithNoOutput() {
        var flippedHash = Self.valid
        flippedHash[0] ^= 1
        var offCurve = Self.valid
        offCurve[159] ^= 1
        let refused: [Bytes] = [
            [], Array(Self.valid.dropLast()), Self.valid + [0], flippedHash, offCurve,
            Self.replacing(1, with: Bytes(repeating: 0, count: 32)),  // r = 0
            Self.replacing(1, with: Self.n),  // r = n
            Self.replacing(2, with: Bytes(repeating: 0, count: 32)),  // s = 0
            Self.replacing(2, with: Self.n),  // s = n
            Self.replacing(3, with: Self.p),  // qx = p
            Self.replacing(4, with: Self.p),  // qy = p
            Self.replacing(3, with: Bytes(repeating: 0, count: 32)).prefix(128) + Bytes(repeating: 0, count: 32),  // (0, 0)
        ]
        for input in refused {
            let r = Self.run(Bytes(input))
            #expect(r.status == .success && r.gasUsed == 6_900 && r.output.isEmpty, "\(Hex.encode(Bytes(input)).prefix(40))")
        }
    }
}
