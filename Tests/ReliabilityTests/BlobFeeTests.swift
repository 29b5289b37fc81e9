import EEKit
import Testing

/// EIP-4844's fake_exponential for the blob base fee, against values from the EIP's Python
/// definition (arbitrary-precision integers), up to and past the 2^256 boundary.
@Suite struct BlobFeeTests {
    let fraction: UInt64 = BlobFees.updateFraction

    @Test func matchesTheEIPDefinition() {
        let cases: [(UInt64, String)] = [
            (0, "1"), (1, "1"), (fraction, "2"), (10 * fraction, "560a"), (39_321_600, "1fd58"),
            (100 * fraction, "13494a9b170f4017245d9f2bd5e3328913efc"),
            (177 * fraction, "a3f09605ad675c8eedbed5b070355a3f671691a4cfe68384dfaf98762032c6d0"),
            (177 * fraction + 1_485_000, "ffc75c6ebee968402ab7c795d5d75078f3d5905d04cc40ed4bce656926447562"),
        ]
        for (excess, hex) in cases {
            #expect(BlobFees.baseFee(excessBlobGas: excess) == U256(hex: hex), "excess \(excess)")
        }
    }

    /// A fee beyond 2^256 - 1 saturates (no blob transaction can pay it), and the computation
    /// stays cheap for every 64-bit excess: the state-test fuzzer once spent seconds here
    /// (Fuzz/regressions/statetest_json/huge-excess-blob-gas).
    @Test func saturatesPast256Bits() {
        for excess: UInt64 in [177 * fraction + 1_490_000, 178 * fraction - 1, 178 * fraction,
                               274_984_858_328, .max] {
            #expect(BlobFees.baseFee(excessBlobGas: excess) == .max, "excess \(excess)")
        }
    }
}
