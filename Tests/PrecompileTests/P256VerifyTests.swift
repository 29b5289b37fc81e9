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

    /// R' = u1 G + u2 Q where the two points are equal (R' = 2 u1 G: a signature made with
    /// k = 2d for key d), the same with Q = G and Q = -G, where they are opposite (R' is the
    /// point at infinity), and with h = n (u1 = 0, R' = u2 Q). Each made with Python's
    /// `cryptography` and checked by OpenSSL; a review found the doubling ones refused (nettle's
    /// ecdsa_verify cannot add a point to itself).
    @Test func equalOppositeAndVanishingTerms() {
        let cases: [(String, Bool)] = [
            ("5ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c5ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c9487ede0c42206d8db4ff50e1387f643d8d1785082265085a36987a8d8bbb5636b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5", true),
            ("c7a0293023bd685cbca7f2006c09e8e30113e63ffa206fbe08ab34aafee0328d8e533b6fa0bf7b4625bb30667c01fb607ef9f8b8a80fef5b300628703187b2a3a6c00bc42ec866f65a7920926802d4d3081f88a5d837f62621c9af16b4fcd54b51590b7a515140d2d784c85608668fdfef8c82fd1f5be52421554a0dc3d033ede0c17da8904a727d8ae1bf36bf8a79260d012f00d4d80888d1d0bb44fda16da4", true),
            ("c12eec4777c4b3a7f9c7c8624f3de325a672cbdd81c755c5b08638ef87a703803ed113b7883b4c590638379db0c21cda16742ed0255048bf433391d374bc21d10bd9fc6a2d0c7dc15bf5c757b1511206de8b82a41fadbb5dacd8f7eb4789b76d6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a", true),
            ("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc623434000000000000000000000000000000000000000000000000000000000000303900000000000000000000000000000000000000000000000000000000000002a651590b7a515140d2d784c85608668fdfef8c82fd1f5be52421554a0dc3d033ede0c17da8904a727d8ae1bf36bf8a79260d012f00d4d80888d1d0bb44fda16da4", false),
            ("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551177c837ae0ac495a61805df2d85ee2fc792e284b65ead58a98e15d9d46072c018669e4de7428818dcd58de946e69134c34ed05bf6c4b04623cca6350b8a8e0ebea68d7b6fedf0b71878938d51d71f8729e0acb8c2c6df8b3d79e8a4b90949ee02a2744c972c9fce787014a964a8ea0c84d714feaa4de823fe85a224a4dd048fa", true),
        ]
        for (i, (hex, valid)) in cases.enumerated() {
            let r = Self.run(Hex.decode(hex)!)
            #expect(r.status == .success && r.gasUsed == 6_900, "case \(i)")
            #expect(r.output == (valid ? U256(1).bigEndianBytes : []), "case \(i)")
        }
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
