import Testing

@testable import EEKit

private func word(_ v: UInt64) -> Bytes { U256(v).bigEndianBytes }

private func isFailure(_ r: SystemHookResult) -> Bool {
    if case .failure = r.status { return true }
    return false
}

private let g1 = word(1) + word(2)
private let g2 = bytes(
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
        + "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")
private let fieldModulus = bytes("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47")

@Suite("Precompile table")
struct PrecompileTableTests {
    @Test func cancunHasTenPrecompiles() {
        let t = Precompiles.cancun()
        #expect(t.count == 10)
        let names = (1...10).map { t[Address(low: UInt64($0))]?.name ?? "-" }
        #expect(names == [
            "ecrecover", "sha256", "ripemd160", "identity", "modexp", "bn254_add", "bn254_mul", "bn254_pairing",
            "blake2f", "point_evaluation",
        ])
        #expect(Precompiles.cancunAddresses.count == 10)
    }

    @Test func outOfGasConsumesEverything() {
        let t = Precompiles.cancun()
        for (addr, gasNeeded, input) in [
            (1, UInt64(3000), Bytes()), (2, 60, []), (3, 600, []), (4, 15, []), (6, 150, []), (7, 6000, []),
            (8, 45000, []),
        ] {
            let hook = t[Address(low: UInt64(addr))]!
            let r = hook.call(input: input, gasLimit: gasNeeded - 1, context: testContext)
            #expect(r.status == .failure(.outOfResources), "\(hook.name)")
            #expect(r.gasUsed == gasNeeded - 1)
            let ok = hook.call(input: input, gasLimit: gasNeeded, context: testContext)
            #expect(ok.status == .success, "\(hook.name)")
            #expect(ok.gasUsed == gasNeeded)
        }
    }
}

/// A user hook that reports more gas than it was given ran out of gas: its call fails and
/// consumes the gas passed, its output is not returned (a library user's review: it
/// succeeded, with the gas clamped to the limit).
@Test func aHookReportingMoreGasThanItGotRunsOutOfGas() throws {
    final class Greedy: SystemHook {
        let name = "greedy"
        let extra: UInt64
        init(extra: UInt64) { self.extra = extra }
        func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
            .success([1, 2, 3], gasUsed: gasLimit + extra)
        }
    }
    for (extra, expected) in [(UInt64(1), FrameStatus.failure(.outOfResources)), (0, .success)] {
        let s = ContractSession()
        let hookAddress = Address(low: 0x10001)
        s.boot.hooks[hookAddress] = Greedy(extra: extra)
        let direct = try s.call(hookAddress, data: [], gas: 100_000)
        #expect(direct.status == expected)
        #expect(direct.output == (expected == .success ? [1, 2, 3] : []))
        // From EVM code: CALL(gas 5000) pushes the hook's verdict; RETURNDATASIZE is its output.
        let caller = Address(low: 0xca11)
        let code: Bytes = [0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x62, 0x01, 0x00, 0x01, 0x61, 0x13, 0x88, 0xf1,  // CALL
                           0x5f, 0x52, 0x3d, 0x60, 0x20, 0x52, 0x60, 0x40, 0x5f, 0xf3]  // [ok, returndatasize]
        try s.install(code, kind: .evm, at: caller)
        let r = try s.call(caller, data: [], gas: 100_000)
        #expect(r.output == U256(expected == .success ? 1 : 0).bigEndianBytes + U256(expected == .success ? 3 : 0).bigEndianBytes)
    }
}

/// A hook's answer follows a frame's rules: a failed call hands back no output, and output
/// over `maxReturnDataBytes` fails the call with `limit exceeded` (a mutation round found
/// both bypassed: the failure's bytes reached the caller and the receipt, and 100 bytes passed
/// a 64-byte cap), directly and from EVM code.
@Test func aHooksOutputFollowsTheFrameRules() throws {
    final class Fixed: SystemHook {
        let name = "fixed"
        let status: FrameStatus, size: Int
        init(_ status: FrameStatus, _ size: Int) { (self.status, self.size) = (status, size) }
        func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
            SystemHookResult(status: status, output: Bytes(repeating: 7, count: size), gasUsed: 10)
        }
    }
    let hookAddress = Address(low: 0x10001)
    // CALL(gas 5000) the hook; return [its verdict, RETURNDATASIZE].
    let code: Bytes = [0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x62, 0x01, 0x00, 0x01, 0x61, 0x13, 0x88, 0xf1,
                       0x5f, 0x52, 0x3d, 0x60, 0x20, 0x52, 0x60, 0x40, 0x5f, 0xf3]
    let cases: [(FrameStatus, Int, FrameStatus, Int)] = [
        (.failure(.other("plugin error")), 3, .failure(.other("plugin error")), 0),
        (.success, 100, .failure(.limitExceeded("returndata of 100 bytes exceeds the cap of 64")), 0),
        (.success, 64, .success, 64),
        (.revert, 100, .failure(.limitExceeded("returndata of 100 bytes exceeds the cap of 64")), 0),
        (.revert, 64, .revert, 64),
    ]
    for (status, size, expected, returned) in cases {
        let s = ContractSession()
        s.boot.limits.maxReturnDataBytes = 64
        s.boot.hooks[hookAddress] = Fixed(status, size)
        let direct = try s.call(hookAddress, data: [], gas: 100_000)
        #expect(direct.status == expected, "\(status) \(size)")
        #expect(direct.output == Bytes(repeating: 7, count: returned), "\(status) \(size)")
        let caller = Address(low: 0xca11)
        try s.install(code, kind: .evm, at: caller)
        let r = try s.call(caller, data: [], gas: 100_000)
        #expect(r.status == .success)
        #expect(r.output == U256(expected == .success ? 1 : 0).bigEndianBytes + U256(UInt64(returned)).bigEndianBytes, "\(status) \(size)")
    }
}

@Suite("ecrecover")
struct ECRecoverTests {
    // go-ethereum's ecrecover vector.
    let valid = bytes(
        "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e000000000000000000000000000000000000000000000000000000000000001b"
            + "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e789d1dd423d25f0772d2748d60f7e4b81bb14d086eba8e8e8efb6dcff8a4ae02")

    @Test func recoversKnownAddress() {
        #expect(Hex.encode(Precompiles.ecrecover(valid)) == "000000000000000000000000ceaccac640adf55b2028469bd36ba501f28b699d")
    }

    @Test func invalidSignaturesGiveEmptyOutputAndCharge3000() {
        var badV = valid
        badV[63] = 29
        var vHighByte = valid
        vHighByte[32] = 1
        var rZero = valid
        for i in 64..<96 { rZero[i] = 0 }
        var sOverflow = valid
        for i in 96..<128 { sOverflow[i] = 0xFF }
        for input in [badV, vHighByte, rZero, sOverflow, [], Bytes(repeating: 0, count: 128)] {
            let r = ECRecoverPrecompile().call(input: input, gasLimit: 5000, context: testContext)
            #expect(r.status == .success)
            #expect(r.output.isEmpty)
            #expect(r.gasUsed == 3000)
        }
    }

    @Test func inputIsPaddedAndTruncated() {
        #expect(Precompiles.ecrecover(valid + [1, 2, 3]) == Precompiles.ecrecover(valid))
        // Dropping the last byte of s changes s (it is zero-padded on the right).
        #expect(Precompiles.ecrecover(Array(valid[..<127])) != Precompiles.ecrecover(valid))
    }
}

@Suite("hashes and identity")
struct HashTests {
    @Test func sha256OfABC() {
        #expect(Hex.encode(Precompiles.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
    @Test func ripemd160IsLeftPadded() {
        #expect(Hex.encode(Precompiles.ripemd160([])) == "0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31")
    }
    @Test func gasPerWord() {
        let r = SHA256Precompile().call(input: Bytes(repeating: 1, count: 33), gasLimit: 1000, context: testContext)
        #expect(r.gasUsed == 60 + 2 * 12)
        let i = IdentityPrecompile().call(input: Bytes(repeating: 7, count: 65), gasLimit: 1000, context: testContext)
        #expect(i.gasUsed == 15 + 3 * 3)
        #expect(i.output == Bytes(repeating: 7, count: 65))
        let rp = RIPEMD160Precompile().call(input: Bytes(repeating: 1, count: 32), gasLimit: 1000, context: testContext)
        #expect(rp.gasUsed == 720)
    }
}

@Suite("modexp")
struct ModExpTests {
    @Test func fermatLittleTheorem() throws {
        // 3^(p-1) mod p = 1 for the secp256k1 field prime (EIP-198 example).
        let p = bytes("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f")
        let pm1 = bytes("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e")
        let input = word(32) + word(32) + word(32) + word(3) + pm1 + p
        #expect(try Precompiles.modexp(input) == word(1))
        #expect(Precompiles.modexpGas(input) == 1360)
    }

    @Test func minimumGasIs200() {
        #expect(Precompiles.modexpGas([]) == 200)
        #expect(Precompiles.modexpGas(word(1) + word(1) + word(1) + [2, 3, 5]) == 200)
    }

    @Test func hugeDeclaredLengthsFailOutOfGasWithoutAllocating() {
        let cases: [Bytes] = [
            Bytes(repeating: 0xFF, count: 32) + word(1) + word(1),  // base_len 2^256 - 1
            word(1) + word(1) + [0x01] + Bytes(repeating: 0, count: 31),  // mod_len 2^248
            word(1) + bytes("0000000000000000000000000000000000000000000000000000010000000000") + word(1),  // exp_len 2^40
        ]
        for input in cases {
            #expect(Precompiles.modexpGas(input) > 30_000_000)
            let r = ModExpPrecompile().call(input: input, gasLimit: 30_000_000, context: testContext)
            #expect(r.status == .failure(.outOfResources))
            #expect(r.gasUsed == 30_000_000)
        }
        #expect(Precompiles.modexpGas(Bytes(repeating: 0xFF, count: 96)) == UInt64.max)
    }

    @Test func operandsBeyondFourGiBAreRefusedByThePureFunction() {
        let input = word(1) + word(1) + word(UInt64(1) << 33)
        #expect(throws: PrecompileError.operandTooLarge) { try Precompiles.modexp(input) }
    }

    @Test func zeroModulusAndEmptyModulus() throws {
        #expect(try Precompiles.modexp(word(1) + word(1) + word(3) + [2, 5, 0, 0, 0]) == [0, 0, 0])
        #expect(try Precompiles.modexp(word(0) + word(0) + word(0)).isEmpty)
        // mod_len 0 with an absurd exponent length: empty output, nothing computed.
        #expect(try Precompiles.modexp(word(0) + Bytes(repeating: 0xFF, count: 32) + word(0)).isEmpty)
    }

    @Test func missingBytesReadAsZero() throws {
        // base = 0x02, exp = 0x03, mod = 0x0b00 (second mod byte missing from the input) -> 8.
        #expect(try Precompiles.modexp(word(1) + word(1) + word(2) + [2, 3, 0x0b]) == [0, 8])
        // 2^3 = 8 is below both 0x0b00 and 0x0b, so the case above passes even when the missing
        // byte is dropped instead of read as zero (mutation testing). 2^5 = 32 tells them
        // apart: 32 mod 0x0b00 = 0x20, 32 mod 0x0b = 10 (pyrevm 0.3.7: 0x0020, 200 gas).
        #expect(try Precompiles.modexp(word(1) + word(1) + word(2) + [2, 5, 0x0b]) == [0, 0x20])
    }
}

@Suite("bn254")
struct BN254Tests {
    @Test func addGeneratorTwiceEqualsDoubling() throws {
        let sum = try Precompiles.bn254Add(g1 + g1)
        let dbl = try Precompiles.bn254Mul(g1 + word(2))
        #expect(sum == dbl)
        #expect(Hex.encode(sum) == "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd315ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4")
    }

    @Test func infinityIsNeutral() throws {
        #expect(try Precompiles.bn254Add(g1 + Bytes(repeating: 0, count: 64)) == g1)
        #expect(try Precompiles.bn254Add([]) == Bytes(repeating: 0, count: 64))
        #expect(try Precompiles.bn254Mul(g1 + word(0)) == Bytes(repeating: 0, count: 64))
    }

    @Test func scalarMultipleOfOrderIsInfinity() throws {
        let r = bytes("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001")
        #expect(try Precompiles.bn254Mul(g1 + r) == Bytes(repeating: 0, count: 64))
    }

    @Test func invalidPointsFail() {
        #expect(throws: PrecompileError.notOnCurve) { try Precompiles.bn254Add(word(1) + word(3) + g1) }
        #expect(throws: PrecompileError.notOnCurve) { try Precompiles.bn254Mul(word(1) + word(3) + word(0)) }
        #expect(throws: PrecompileError.coordinateOutOfRange) { try Precompiles.bn254Add(fieldModulus + word(2)) }
        let r = BN254AddPrecompile().call(input: word(1) + word(3), gasLimit: 1000, context: testContext)
        #expect(isFailure(r))
        #expect(r.gasUsed == 1000)
    }

    @Test func pairingChecks() throws {
        #expect(try Precompiles.bn254Pairing([]))
        #expect(try Precompiles.bn254Pairing(g1 + g2) == false)
        // e(P, Q) * e(-P, Q) = 1
        let negP = word(1) + bytes("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45")
        #expect(try Precompiles.bn254Pairing(g1 + g2 + negP + g2))
        // e(2P, Q) * e(-P, Q) * e(-P, Q) = 1
        let twoP = try Precompiles.bn254Mul(g1 + word(2))
        #expect(try Precompiles.bn254Pairing(twoP + g2 + negP + g2 + negP + g2))
        #expect(try Precompiles.bn254Pairing(twoP + g2 + negP + g2) == false)
    }

    @Test func pairingMalformedInputs() {
        #expect(throws: PrecompileError.invalidLength(191)) { try Precompiles.bn254Pairing(Array((g1 + g2)[..<191])) }
        #expect(throws: PrecompileError.invalidLength(193)) { try Precompiles.bn254Pairing(g1 + g2 + [0]) }
        var badG2 = g2
        badG2[127] ^= 1
        #expect(throws: PrecompileError.notOnCurve) { try Precompiles.bn254Pairing(g1 + badG2) }
        let swapped = Array(g2[32..<64] + g2[0..<32] + g2[96..<128] + g2[64..<96])
        #expect(throws: (any Error).self) { try Precompiles.bn254Pairing(g1 + swapped) }
        #expect(throws: PrecompileError.coordinateOutOfRange) {
            try Precompiles.bn254Pairing(g1 + fieldModulus + Array(g2[32...]))
        }
    }

    /// An input that is not whole pairs is priced by the whole pairs in it (as geth's
    /// `RequiredGas`, len / 192), then refused for its length: with the gas for that price the
    /// failure names the length, not an out-of-gas a rounded-up price would give.
    @Test func aPartialPairIsRefusedForItsLengthNotPriced() {
        let r = BN254PairingPrecompile().call(input: g1 + g2 + [0, 0, 0], gasLimit: 79_000, context: testContext)
        #expect(r.status == .failure(.other(PrecompileError.invalidLength(195).description)), "\(r.status)")
        #expect(r.gasUsed == 79_000)
        let short = BN254PairingPrecompile().call(input: Array(g1.prefix(40)), gasLimit: 45_000, context: testContext)
        #expect(short.status == .failure(.other(PrecompileError.invalidLength(40).description)), "\(short.status)")
    }

    @Test func pairingGas() {
        let r = BN254PairingPrecompile().call(input: g1 + g2 + g1 + g2, gasLimit: 200_000, context: testContext)
        #expect(r.gasUsed == 45_000 + 2 * 34_000)
        let oog = BN254PairingPrecompile().call(input: g1 + g2, gasLimit: 78_999, context: testContext)
        #expect(oog.status == .failure(.outOfResources))
    }
}

@Suite("blake2f")
struct Blake2FTests {
    // EIP-152 test vector 5 (12 rounds, final block of "abc").
    let vector5 = bytes(
        "0000000c48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b"
            + "61626300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            + "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            + "0300000000000000000000000000000001")

    @Test func eip152Vector5() throws {
        #expect(vector5.count == 213)
        #expect(Hex.encode(try Precompiles.blake2f(vector5)) == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
        let r = Blake2FPrecompile().call(input: vector5, gasLimit: 12, context: testContext)
        #expect(r.gasUsed == 12)
        #expect(Blake2FPrecompile().call(input: vector5, gasLimit: 11, context: testContext).status == .failure(.outOfResources))
    }

    @Test func malformedInputs() {
        #expect(throws: PrecompileError.invalidLength(212)) { try Precompiles.blake2f(Array(vector5[..<212])) }
        #expect(throws: PrecompileError.invalidLength(214)) { try Precompiles.blake2f(vector5 + [0]) }
        var flag = vector5
        flag[212] = 2
        #expect(throws: PrecompileError.invalidFinalFlag) { try Precompiles.blake2f(flag) }
        let r = Blake2FPrecompile().call(input: flag, gasLimit: 100, context: testContext)
        #expect(isFailure(r))
        #expect(r.gasUsed == 100)
    }

    /// EIP-152: the final block indicator flag must be 0 or 1; 0x80 and 0xFF fail like 2 (pyrevm
    /// 0.3.7 refuses both, consuming all gas). Mutation testing: the flag read as a signed byte
    /// (0x80 to 0xFF negative, so "not above 1") passed malformedInputs, which tries only 2.
    @Test func finalFlagWithTheHighBitSetFails() {
        for f: UInt8 in [0x80, 0xFF] {
            var input = vector5
            input[212] = f
            #expect(throws: PrecompileError.invalidFinalFlag, "flag \(f)") { try Precompiles.blake2f(input) }
            let r = Blake2FPrecompile().call(input: input, gasLimit: 100, context: testContext)
            #expect(isFailure(r), "flag \(f)")
            #expect(r.gasUsed == 100)
            #expect(r.output.isEmpty)
        }
    }

    /// EIP-152: an input that is not 213 bytes fails for its length before any price (geth's
    /// `RequiredGas` is 0 for it): a huge round count in its first four bytes does not turn
    /// the failure into an out-of-gas.
    @Test func aWrongLengthFailsBeforeTheRoundsArePriced() {
        var input = vector5
        input[0] = 0xFF; input[1] = 0xFF; input[2] = 0xFF; input[3] = 0xFF
        for bad in [Array(input[..<212]), input + [0]] {
            let r = Blake2FPrecompile().call(input: bad, gasLimit: 1000, context: testContext)
            #expect(r.status == .failure(.other(PrecompileError.invalidLength(bad.count).description)), "\(r.status)")
            #expect(r.gasUsed == 1000)
        }
    }

    @Test func hugeRoundCountIsOutOfGas() {
        var input = vector5
        input[0] = 0xFF; input[1] = 0xFF; input[2] = 0xFF; input[3] = 0xFF
        let r = Blake2FPrecompile().call(input: input, gasLimit: 30_000_000, context: testContext)
        #expect(r.status == .failure(.outOfResources))
    }
}
