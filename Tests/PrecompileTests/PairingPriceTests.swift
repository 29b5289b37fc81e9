import Testing

@testable import EEKit

/// The bn254 pairing check's price per pair before Istanbul: EIP-197's 100,000 + 80,000 per
/// pair (EIP-1108 lowered it to 45,000 + 34,000). Mutation testing found that the older
/// per-pair price was never charged in a test: the only pre-Istanbul case had no pairs, and
/// the fixtures' bn254 folders (stZeroKnowledge*) are Cancun-only and not in the swift test
/// conformance list. A per-pair price of 34,000 before Istanbul passed every test.
@Suite("bn254 pairing price")
struct PairingPriceTests {
    static func word(_ v: UInt64) -> Bytes { U256(v).bigEndianBytes }

    /// The G1 generator (1, 2) and EIP-197's G2 generator: a valid pair (its pairing is not 1).
    static let pair = word(1) + word(2) + Hex.decode(
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
            + "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")!

    static func gasUsed(pairs: Int, _ fork: Fork) -> UInt64? {
        let ctx = SystemHookContext(caller: .zero, address: Address(low: 8), value: .zero, isStatic: false, fork: fork)
        let input = Array([Bytes](repeating: pair, count: pairs).joined())
        let r = BN254PairingPrecompile().call(input: input, gasLimit: 1_000_000, context: ctx)
        return r.status == .success ? r.gasUsed : nil
    }

    @Test func perPairPriceFollowsTheFork() {
        // The expected prices are typed UInt64: `gasUsed(...) == 100_000 + 80_000` compared
        // through AnyHashable (the sum typed Int), whose reabstraction thunk AddressSanitizer
        // reported as a 9-byte copy out of an 8-byte stack slot.
        func expectPrice(_ pairs: Int, _ fork: Fork, _ price: UInt64) {
            #expect(Self.gasUsed(pairs: pairs, fork) == price, "\(pairs) pairs, \(fork)")
        }
        for fork in [Fork.byzantium, .constantinople, .petersburg] {
            expectPrice(1, fork, 100_000 + 80_000)
            expectPrice(2, fork, 100_000 + 2 * 80_000)
        }
        for fork in [Fork.istanbul, .berlin, .cancun] {
            expectPrice(1, fork, 45_000 + 34_000)
            expectPrice(2, fork, 45_000 + 2 * 34_000)
        }
        #expect(BN254PairingPrecompile.gas(pairs: 3, fork: .byzantium) == 340_000)
    }
}
