import CPrecompiles

// EIP-2537 (Prague): the seven BLS12-381 precompiles at 0x0b ... 0x11, as pure functions and as
// system hooks. The arithmetic is EEKit's own C (`CPrecompiles/bls12_381.c`).
//
// Encodings: a field element is 64 big-endian bytes whose top 16 bytes are zero, below p; an Fp2
// element is c0 || c1; a G1 point is x || y (128 bytes), a G2 point x || y (256 bytes), all zeros
// the point at infinity; a scalar is 32 big-endian bytes, any 256-bit value. Addition checks
// that the points are on their curve; MSM and pairing also check the order-r subgroup. Every
// refused input (length, k = 0, encoding, curve, subgroup) fails the call and consumes all the
// gas passed to it.

extension Precompiles {
    /// The addresses of the EIP-2537 precompiles (0x0b ... 0x11).
    public static let bls12381Addresses: ClosedRange<UInt64> = 0x0b...0x11

    /// The hooks of the Prague fork keyed by address: `cancun()` plus the seven BLS12-381
    /// precompiles of EIP-2537 (0x0b ... 0x11).
    public static func prague() -> [Address: any SystemHook] {
        var table = cancun()
        let bls: [any SystemHook] = [
            BLS12G1AddPrecompile(), BLS12G1MSMPrecompile(), BLS12G2AddPrecompile(), BLS12G2MSMPrecompile(),
            BLS12PairingPrecompile(), BLS12MapFpToG1Precompile(), BLS12MapFp2ToG2Precompile(),
        ]
        for (i, hook) in bls.enumerated() { table[Address(low: bls12381Addresses.lowerBound + UInt64(i))] = hook }
        return table
    }

    /// The addresses `prague()` occupies (0x01 ... 0x11); host functions may not be registered there.
    public static let pragueAddresses: Set<Address> = Set((1...0x11).map { Address(low: UInt64($0)) })

    // MARK: Pure functions

    /// BLS12-381 G1 addition (EIP-2537 G1ADD): exactly 256 bytes, two G1 points; returns their
    /// sum (128 bytes). No subgroup check.
    /// - Throws: `invalidLength`, `coordinateOutOfRange`, `notOnCurve`.
    public static func bls12G1Add(_ input: Bytes) throws(PrecompileError) -> Bytes {
        try blsCall(input, outputCount: 128) { cprec_bls12_g1_add($0, $1, $2) }
    }

    /// BLS12-381 G2 addition (EIP-2537 G2ADD): exactly 512 bytes, two G2 points; returns their
    /// sum (256 bytes). No subgroup check.
    /// - Throws: `invalidLength`, `coordinateOutOfRange`, `notOnCurve`.
    public static func bls12G2Add(_ input: Bytes) throws(PrecompileError) -> Bytes {
        try blsCall(input, outputCount: 256) { cprec_bls12_g2_add($0, $1, $2) }
    }

    /// BLS12-381 G1 multi-scalar multiplication (EIP-2537 G1MSM): k >= 1 pairs of a G1 point
    /// (128 bytes) and a scalar (32 bytes); returns sum [s_i]P_i (128 bytes).
    /// - Throws: `invalidLength` (empty or not a multiple of 160), `coordinateOutOfRange`,
    ///   `notOnCurve`, `notInSubgroup`.
    public static func bls12G1MSM(_ input: Bytes) throws(PrecompileError) -> Bytes {
        try blsMSM(input, g2: false)
    }

    /// BLS12-381 G2 multi-scalar multiplication (EIP-2537 G2MSM): k >= 1 pairs of a G2 point
    /// (256 bytes) and a scalar (32 bytes); returns sum [s_i]Q_i (256 bytes).
    /// - Throws: `invalidLength` (empty or not a multiple of 288), `coordinateOutOfRange`,
    ///   `notOnCurve`, `notInSubgroup`.
    public static func bls12G2MSM(_ input: Bytes) throws(PrecompileError) -> Bytes {
        try blsMSM(input, g2: true)
    }

    /// BLS12-381 pairing check (EIP-2537 PAIRING_CHECK): k >= 1 pairs of a G1 point (128 bytes)
    /// and a G2 point (256 bytes); whether prod e(P_i, Q_i) is one.
    /// - Throws: `invalidLength` (empty or not a multiple of 384), `coordinateOutOfRange`,
    ///   `notOnCurve`, `notInSubgroup`.
    public static func bls12Pairing(_ input: Bytes) throws(PrecompileError) -> Bool {
        var result: Int32 = 0
        let rc = input.withUnsafeBufferPointer { cprec_bls12_pairing_check($0.baseAddress, $0.count, &result) }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc, length: input.count) }
        return result == 1
    }

    /// BLS12-381 MAP_FP_TO_G1 (EIP-2537): exactly 64 bytes, a field element u; returns
    /// clear_cofactor(map_to_curve(u)) of RFC 9380's BLS12381G1_XMD:SHA-256_SSWU_RO_ suite
    /// (simplified SWU, 11-isogeny, [1 - x]; no hashing), 128 bytes.
    /// - Throws: `invalidLength`, `coordinateOutOfRange`.
    public static func bls12MapFpToG1(_ input: Bytes) throws(PrecompileError) -> Bytes {
        try blsCall(input, outputCount: 128) { cprec_bls12_map_fp_to_g1($0, $1, $2) }
    }

    /// BLS12-381 MAP_FP2_TO_G2 (EIP-2537): exactly 128 bytes, an Fp2 element u (c0 || c1);
    /// returns clear_cofactor(map_to_curve(u)) of RFC 9380's G2 suite (simplified SWU,
    /// 3-isogeny, psi-based cofactor clearing), 256 bytes.
    /// - Throws: `invalidLength`, `coordinateOutOfRange`.
    public static func bls12MapFp2ToG2(_ input: Bytes) throws(PrecompileError) -> Bytes {
        try blsCall(input, outputCount: 256) { cprec_bls12_map_fp2_to_g2($0, $1, $2) }
    }

    private static func blsCall(
        _ input: Bytes, outputCount: Int,
        _ body: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?) -> Int32
    ) throws(PrecompileError) -> Bytes {
        var out = [UInt8](repeating: 0, count: outputCount)
        let rc = input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { body(i.baseAddress, i.count, $0.baseAddress) }
        }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc, length: input.count) }
        return out
    }

    /// The MSMs' working memory (points, digits, buckets) is one temporary allocation per call,
    /// sized by the C side; the C loops allocate nothing.
    private static func blsMSM(_ input: Bytes, g2: Bool) throws(PrecompileError) -> Bytes {
        let stride = g2 ? 288 : 160
        guard !input.isEmpty, input.count % stride == 0 else { throw .invalidLength(input.count) }
        let scratch = cprec_bls12_msm_scratch_size(input.count / stride, g2 ? 1 : 0)
        guard scratch > 0 else { throw .invalidLength(input.count) }
        var out = [UInt8](repeating: 0, count: g2 ? 256 : 128)
        let rc = withUnsafeTemporaryAllocation(byteCount: scratch, alignment: 16) { s in
            input.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    g2
                        ? cprec_bls12_g2_msm(i.baseAddress, i.count, o.baseAddress, s.baseAddress, s.count)
                        : cprec_bls12_g1_msm(i.baseAddress, i.count, o.baseAddress, s.baseAddress, s.count)
                }
            }
        }
        guard rc == CPREC_OK else { throw PrecompileError(code: rc, length: input.count) }
        return out
    }

    // MARK: Gas (EIP-2537)

    /// The per-k discount table of G1MSM (permille, k = 1 ... 128; beyond 128 the last entry).
    public static let bls12G1MSMDiscount: [UInt64] = [
        1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669, 665, 661,
        658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627, 625, 623, 621, 619, 617, 615, 613, 611,
        609, 608, 606, 604, 603, 601, 599, 598, 596, 595, 593, 592, 591, 589, 588, 586, 585, 584, 582, 581,
        580, 579, 577, 576, 575, 574, 573, 572, 570, 569, 568, 567, 566, 565, 564, 563, 562, 561, 560, 559,
        558, 557, 556, 555, 554, 553, 552, 551, 550, 549, 548, 547, 547, 546, 545, 544, 543, 542, 541, 540,
        540, 539, 538, 537, 536, 536, 535, 534, 533, 532, 532, 531, 530, 529, 528, 528, 527, 526, 525, 525,
        524, 523, 522, 522, 521, 520, 520, 519,
    ]

    /// The per-k discount table of G2MSM (permille, k = 1 ... 128; beyond 128 the last entry).
    public static let bls12G2MSMDiscount: [UInt64] = [
        1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717, 711, 704, 699, 693,
        688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646, 643, 640, 637, 634, 632, 629, 627, 624,
        622, 620, 618, 615, 613, 611, 609, 607, 606, 604, 602, 600, 598, 597, 595, 593, 592, 590, 589, 587,
        586, 584, 583, 582, 580, 579, 578, 576, 575, 574, 573, 571, 570, 569, 568, 567, 566, 565, 563, 562,
        561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 552, 551, 550, 549, 548, 547, 546, 545, 545, 544,
        543, 542, 541, 541, 540, 539, 538, 537, 537, 536, 535, 535, 534, 533, 532, 532, 531, 530, 530, 529,
        528, 528, 527, 526, 526, 525, 524, 524,
    ]

    /// EIP-2537 MSM price: k * base * discount(k) / 1000 (base 12000 for G1, 22500 for G2);
    /// 0 for k = 0 (an input the call refuses anyway); saturates at `UInt64.max`.
    public static func bls12MSMGas(pairs k: Int, g2: Bool) -> UInt64 {
        guard k > 0 else { return 0 }
        let table = g2 ? bls12G2MSMDiscount : bls12G1MSMDiscount
        let discount = table[min(k, table.count) - 1]
        let (a, o1) = UInt64(k).multipliedReportingOverflow(by: g2 ? 22500 : 12000)
        let (b, o2) = a.multipliedReportingOverflow(by: discount)
        return o1 || o2 ? .max : b / 1000
    }

    /// EIP-2537 pairing price: 32600 k + 37700 (saturating).
    public static func bls12PairingGas(pairs k: Int) -> UInt64 {
        let (a, o) = UInt64(max(0, k)).multipliedReportingOverflow(by: 32600)
        return o || a > .max - 37700 ? .max : a + 37700
    }
}

/// A BLS12-381 precompile whose input length must be one of a fixed set: a wrong length fails
/// (consuming all the gas passed) before pricing, as EIP-2537 specifies.
private func blsFixed(
    _ input: Bytes, length: Int, gas: UInt64, limit: UInt64, _ body: (Bytes) throws(PrecompileError) -> Bytes
) -> SystemHookResult {
    guard input.count == length else {
        return .failure(.other(PrecompileError.invalidLength(input.count).description), gasLimit: limit)
    }
    return .charged(gas, limit: limit) { () throws(PrecompileError) -> Bytes in try body(input) }
}

/// A BLS12-381 precompile taking k >= 1 records of `stride` bytes.
private func blsRecords(
    _ input: Bytes, stride: Int, gas: (Int) -> UInt64, limit: UInt64, _ body: (Bytes) throws(PrecompileError) -> Bytes
) -> SystemHookResult {
    guard !input.isEmpty, input.count % stride == 0 else {
        return .failure(.other(PrecompileError.invalidLength(input.count).description), gasLimit: limit)
    }
    return .charged(gas(input.count / stride), limit: limit) { () throws(PrecompileError) -> Bytes in try body(input) }
}

/// 0x0b BLS12_G1ADD (EIP-2537): 375 gas; 256 bytes in, 128 out.
public final class BLS12G1AddPrecompile: SystemHook {
    public let name = "bls12_g1add"
    public static let gas: UInt64 = 375
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        blsFixed(input, length: 256, gas: Self.gas, limit: gasLimit) { i throws(PrecompileError) in try Precompiles.bls12G1Add(i) }
    }
}

/// 0x0c BLS12_G1MSM (EIP-2537): k * 12000 * discount(k) / 1000 gas; 160 k bytes in, 128 out.
public final class BLS12G1MSMPrecompile: SystemHook {
    public let name = "bls12_g1msm"
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        blsRecords(input, stride: 160, gas: { Precompiles.bls12MSMGas(pairs: $0, g2: false) }, limit: gasLimit) {
            i throws(PrecompileError) in try Precompiles.bls12G1MSM(i)
        }
    }
}

/// 0x0d BLS12_G2ADD (EIP-2537): 600 gas; 512 bytes in, 256 out.
public final class BLS12G2AddPrecompile: SystemHook {
    public let name = "bls12_g2add"
    public static let gas: UInt64 = 600
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        blsFixed(input, length: 512, gas: Self.gas, limit: gasLimit) { i throws(PrecompileError) in try Precompiles.bls12G2Add(i) }
    }
}

/// 0x0e BLS12_G2MSM (EIP-2537): k * 22500 * discount(k) / 1000 gas; 288 k bytes in, 256 out.
public final class BLS12G2MSMPrecompile: SystemHook {
    public let name = "bls12_g2msm"
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        blsRecords(input, stride: 288, gas: { Precompiles.bls12MSMGas(pairs: $0, g2: true) }, limit: gasLimit) {
            i throws(PrecompileError) in try Precompiles.bls12G2MSM(i)
        }
    }
}

/// 0x0f BLS12_PAIRING_CHECK (EIP-2537): 32600 k + 37700 gas; 384 k bytes in, a 32-byte 0 or 1 out.
public final class BLS12PairingPrecompile: SystemHook {
    public let name = "bls12_pairing_check"
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        blsRecords(input, stride: 384, gas: { Precompiles.bls12PairingGas(pairs: $0) }, limit: gasLimit) {
            i throws(PrecompileError) in
            var out = [UInt8](repeating: 0, count: 32)
            out[31] = try Precompiles.bls12Pairing(i) ? 1 : 0
            return out
        }
    }
}

/// 0x10 BLS12_MAP_FP_TO_G1 (EIP-2537): 5500 gas; 64 bytes in, 128 out.
public final class BLS12MapFpToG1Precompile: SystemHook {
    public let name = "bls12_map_fp_to_g1"
    public static let gas: UInt64 = 5500
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        blsFixed(input, length: 64, gas: Self.gas, limit: gasLimit) { i throws(PrecompileError) in try Precompiles.bls12MapFpToG1(i) }
    }
}

/// 0x11 BLS12_MAP_FP2_TO_G2 (EIP-2537): 23800 gas; 128 bytes in, 256 out.
public final class BLS12MapFp2ToG2Precompile: SystemHook {
    public let name = "bls12_map_fp2_to_g2"
    public static let gas: UInt64 = 23800
    public init() {}
    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        blsFixed(input, length: 128, gas: Self.gas, limit: gasLimit) { i throws(PrecompileError) in try Precompiles.bls12MapFp2ToG2(i) }
    }
}
