/// A tiny RISC-V instruction encoder for unit tests (RV32I/RV64I + M, Zicsr reads).
public enum RVAsm {
    public static func r(_ f7: UInt32, _ rs2: UInt32, _ rs1: UInt32, _ f3: UInt32, _ rd: UInt32, _ op: UInt32) -> UInt32 {
        f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    }
    public static func i(_ imm: Int32, _ rs1: UInt32, _ f3: UInt32, _ rd: UInt32, _ op: UInt32) -> UInt32 {
        (UInt32(bitPattern: imm) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    }
    public static func s(_ imm: Int32, _ rs2: UInt32, _ rs1: UInt32, _ f3: UInt32, _ op: UInt32) -> UInt32 {
        let u = UInt32(bitPattern: imm)
        return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op
    }
    public static func b(_ imm: Int32, _ rs2: UInt32, _ rs1: UInt32, _ f3: UInt32) -> UInt32 {
        let u = UInt32(bitPattern: imm)
        return (u >> 12 & 1) << 31 | (u >> 5 & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12
            | (u >> 1 & 0xf) << 8 | (u >> 11 & 1) << 7 | 0x63
    }
    public static func u(_ imm20: UInt32, _ rd: UInt32, _ op: UInt32) -> UInt32 { (imm20 & 0xfffff) << 12 | rd << 7 | op }
    public static func j(_ imm: Int32, _ rd: UInt32) -> UInt32 {
        let u = UInt32(bitPattern: imm)
        return (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 | (u >> 12 & 0xff) << 12 | rd << 7 | 0x6f
    }

    // Common mnemonics.
    public static func addi(_ rd: UInt32, _ rs1: UInt32, _ imm: Int32) -> UInt32 { i(imm, rs1, 0, rd, 0x13) }
    public static func li(_ rd: UInt32, _ imm: Int32) -> UInt32 { addi(rd, 0, imm) }
    public static func lui(_ rd: UInt32, _ imm20: UInt32) -> UInt32 { u(imm20, rd, 0x37) }
    public static func auipc(_ rd: UInt32, _ imm20: UInt32) -> UInt32 { u(imm20, rd, 0x17) }
    public static func add(_ rd: UInt32, _ a: UInt32, _ b: UInt32) -> UInt32 { r(0, b, a, 0, rd, 0x33) }
    public static func jal(_ rd: UInt32, _ off: Int32) -> UInt32 { j(off, rd) }
    public static func jalr(_ rd: UInt32, _ rs1: UInt32, _ imm: Int32) -> UInt32 { i(imm, rs1, 0, rd, 0x67) }
    public static func bne(_ a: UInt32, _ b: UInt32, _ off: Int32) -> UInt32 { Self.b(off, b, a, 1) }
    public static let ecall: UInt32 = 0x73
    public static let ebreak: UInt32 = 0x0010_0073
    public static let fence: UInt32 = 0x0ff0_000f
    public static let fenceI: UInt32 = 0x0000_100f
    public static func csrr(_ rd: UInt32, _ csr: UInt32) -> UInt32 { csr << 20 | 2 << 12 | rd << 7 | 0x73 }

    /// Loads an arbitrary 64-bit constant into `rd` (RV64) using `tmp`; RV32 uses the low 32 bits.
    public static func loadConstant(_ rd: UInt32, _ value: UInt64, xlen: Int, tmp: UInt32 = 31) -> [UInt32] {
        func load32(_ reg: UInt32, _ v: UInt32) -> [UInt32] {
            let lo = Int32(bitPattern: v << 20) >> 20
            let hi = (v &- UInt32(bitPattern: lo)) >> 12
            return [lui(reg, hi), addiw32(reg, lo, xlen: xlen)]
        }
        if xlen == 32 { return load32(rd, UInt32(truncatingIfNeeded: value)) }
        // rd = hi32 << 32 + lo32 (zero-extended)
        var code = load32(rd, UInt32(truncatingIfNeeded: value >> 32))
        code.append(i(32, rd, 1, rd, 0x13))  // slli rd, rd, 32
        code += load32(tmp, UInt32(truncatingIfNeeded: value))
        code.append(i(32, tmp, 1, tmp, 0x13))  // slli tmp, tmp, 32
        code.append(i(32, tmp, 5, tmp, 0x13))  // srli tmp, tmp, 32
        code.append(add(rd, rd, tmp))
        return code
    }

    private static func addiw32(_ reg: UInt32, _ lo: Int32, xlen: Int) -> UInt32 {
        // addiw on RV64 keeps lui+addiw a 32-bit sign-extended pattern; addi on RV32.
        xlen == 64 ? i(lo, reg, 0, reg, 0x1b) : addi(reg, reg, lo)
    }
}
