import Testing

@testable import EEKit

/// modexp from Osaka: EIP-7883's price and EIP-7823's 1024-byte bound on each length. Expected
/// prices are execution-specs' (ethereum-execution 2.20.0, `forks.osaka` and `forks.prague`
/// `modexp.gas_cost`) for the same lengths and exponent heads.
@Suite("modexp under Osaka")
struct OsakaModExpTests {
    static func word(_ v: UInt64) -> Bytes { U256(v).bigEndianBytes }

    static func input(base: Int, exp: Bytes, mod: Int) -> Bytes {
        word(UInt64(base)) + word(UInt64(exp.count)) + word(UInt64(mod)) + Bytes(repeating: 7, count: base) + exp
            + Bytes(repeating: 0xfe, count: mod)
    }

    static func run(_ input: Bytes, _ fork: Fork, gas: UInt64 = 1 << 40) -> SystemHookResult {
        let ctx = SystemHookContext(caller: .zero, address: Address(low: 5), value: .zero, isStatic: false, fork: fork)
        return ModExpPrecompile().call(input: input, gasLimit: gas, context: ctx)
    }

    @Test func eip7883Prices() {
        let cases: [(Bytes, UInt64, UInt64)] = [
            // 1-byte operands, exponent 3: complexity 16 x 1 iteration, below the 500 minimum
            // (EIP-2565: 200).
            (Self.input(base: 1, exp: [3], mod: 1), 500, 200),
            // 64-byte operands, a 64-byte exponent of ones: 2 x 8^2 = 128 x (16 x 32 + 255).
            (Self.input(base: 64, exp: Bytes(repeating: 0xff, count: 64), mod: 64), 98_176, 10_901),
            // 32-byte operands, a 40-byte exponent whose head is 1: 16 x 16 x 8 = 2048.
            (Self.input(base: 32, exp: Bytes(repeating: 0, count: 31) + [1] + Bytes(repeating: 9, count: 8), mod: 32), 2_048, 341),
            // The bound itself: three 1024-byte operands, the exponent's top bit set.
            (Self.input(base: 1024, exp: [0x80] + Bytes(repeating: 0, count: 1023), mod: 1024), 528_449_536, 44_733_781),
        ]
        for (input, osaka, prague) in cases {
            let o = Self.run(input, .osaka), p = Self.run(input, .prague)
            #expect(o.status == .success && o.gasUsed == osaka, "\(o.gasUsed)")
            #expect(p.status == .success && p.gasUsed == prague, "\(p.gasUsed)")
            #expect(o.output == p.output)
        }
        // Empty input: three zero lengths, the minimum, no output.
        let empty = Self.run([], .osaka)
        #expect(empty.status == .success && empty.gasUsed == 500 && empty.output.isEmpty)
    }

    /// EIP-7823: any length above 1024 fails the call with all its gas, before pricing (even a
    /// zero modulus, which returns nothing before Osaka); 1024 itself is allowed.
    @Test func eip7823Bounds() {
        for (b, e, m) in [(1025, 1, 1), (1, 1025, 1), (1, 1, 1025), (0, 0, 1025)] {
            let input = Self.word(UInt64(b)) + Self.word(UInt64(e)) + Self.word(UInt64(m))
            let r = Self.run(input, .osaka, gas: 1_000_000)
            #expect(r.status.isFailure && r.gasUsed == 1_000_000, "\(b) \(e) \(m)")
            #expect(Self.run(input, .prague, gas: 1_000_000_000).status == .success)
        }
        // A length word above 2^64 is out of bounds too.
        let huge = Bytes(repeating: 0xff, count: 32) + Self.word(0) + Self.word(0)
        #expect(Self.run(huge, .osaka, gas: 1_000_000).status.isFailure)
    }
}
