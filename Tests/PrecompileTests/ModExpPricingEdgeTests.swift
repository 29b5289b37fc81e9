import Testing

@testable import EEKit

/// modexp prices the fixtures leave unpinned (found by mutation testing: each mutation below
/// passed every test before these). Every expected price is worked out by hand from the EIP
/// text in the comments; pyrevm 0.3.7 charges the same (spec "Istanbul" for EIP-198's:
/// 52275, 665, 1894; its default for EIP-2565's: 21845, 341).
@Suite("modexp pricing edges")
struct ModExpPricingEdgeTests {
    static func word(_ v: UInt64) -> Bytes { U256(v).bigEndianBytes }

    /// Runs 0x05 under `fork` with plenty of gas; nil unless it succeeds.
    static func run(_ input: Bytes, _ fork: Fork) -> (gas: UInt64, output: Bytes)? {
        let ctx = SystemHookContext(caller: .zero, address: Address(low: 5), value: .zero, isStatic: false, fork: fork)
        let r = ModExpPrecompile().call(input: input, gasLimit: 10_000_000, context: ctx)
        return r.status == .success ? (r.gasUsed, r.output) : nil
    }

    /// EIP-198 (Byzantium to Istanbul): floor(mult_complexity(max(base_len, mod_len)) *
    /// max(adjusted_exponent_length, 1) / 20), where mult_complexity(x) is x^2 for x <= 64,
    /// x^2/4 + 96x - 3072 for x <= 1024, and x^2/16 + 480x - 199680 above. Each band once (a
    /// mutated constant of the top band went unnoticed: only 64-byte operands were priced).
    @Test func eip198PriceInEachBand() {
        // EIP-198's own example: 3^(p-1) mod p, p the secp256k1 field prime, base_len 1:
        // mult_complexity(32) = 1024, adjusted exponent length 255: 1024 * 255 / 20 = 13056.
        let pm1 = Hex.decode("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e")!
        let p = Hex.decode("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f")!
        let fermat = Self.word(1) + Self.word(32) + Self.word(32) + [3] + pm1 + p
        #expect(Self.run(fermat, .byzantium)?.gas == 13056)
        #expect(Self.run(fermat, .byzantium)?.output == Self.word(1))
        // 128-byte operands, exponent 3 (bit length 2: adjusted length 1):
        // 128^2/4 + 96*128 - 3072 = 4096 + 12288 - 3072 = 13312; 13312 / 20 = 665.
        let mid = Self.word(128) + Self.word(1) + Self.word(128) + Bytes(repeating: 0, count: 128) + [3]
        #expect(Self.run(mid, .istanbul)?.gas == 665)
        // 2048-byte operands, exponent 3: 2048^2/16 + 480*2048 - 199680 = 262144 + 983040
        // - 199680 = 1045504; 1045504 / 20 = 52275. The modulus is missing (zero): 2048 zero bytes.
        let top = Self.word(2048) + Self.word(1) + Self.word(2048) + Bytes(repeating: 0, count: 2048) + [3]
        let r = Self.run(top, .istanbul)
        #expect(r?.gas == 52275 && r?.output == Bytes(repeating: 0, count: 2048))
        // EIP-2565 from Berlin for the same input: ceil(2048 / 8)^2 = 65536; 65536 / 3 = 21845.
        #expect(Self.run(top, .berlin)?.gas == 21845)
    }

    /// The header (three 32-byte lengths) is read like the operands: bytes past the end of the
    /// input are zeros, also inside a length word (EIP-198: "the input is right-padded with
    /// zeros"). A header word cut short is not zero: its present bytes count.
    @Test func aHeaderCutShortIsZeroPadded() throws {
        // 31 bytes: base_len's word without its last byte, whose byte 30 is 1: 0x0100 = 256.
        // EIP-2565: ceil(256 / 8)^2 = 1024, one iteration: 1024 / 3 = 341. mod_len 0: empty output.
        var base = Bytes(repeating: 0, count: 31)
        base[30] = 1
        #expect(Precompiles.modexpGas(base) == 341)
        #expect(Self.run(base, .cancun)?.gas == 341 && Self.run(base, .cancun)?.output == [])
        // 95 bytes: base_len 1, exp_len 1, mod_len's word without its last byte: mod_len 256.
        // Same price (max(1, 256) = 256): 341; EIP-198: 256^2/4 + 96*256 - 3072 = 37888, / 20
        // = 1894. Base, exponent and modulus are all missing: 256 zero bytes.
        let mod = Self.word(1) + Self.word(1) + base
        #expect(mod.count == 95)
        #expect(Precompiles.modexpGas(mod) == 341)
        #expect(Self.run(mod, .cancun)?.gas == 341 && Self.run(mod, .cancun)?.output == Bytes(repeating: 0, count: 256))
        #expect(Self.run(mod, .istanbul)?.gas == 1894)
    }
}
