import EEKit
import EEKitTestSupport
import Testing

/// Instruction semantics on both XLENs, with the edge cases of the ISA manual. Expected
/// values are written out by hand from the specification.
struct InstructionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var xlen: Int
        var word: UInt32
        var a: UInt64
        var b: UInt64
        var expected: UInt64
        var testDescription: String { "\(name) rv\(xlen) a=0x\(String(a, radix: 16)) b=0x\(String(b, radix: 16))" }
    }

    // rd = x12, rs1 = x10, rs2 = x11
    static func rr(_ f7: UInt32, _ f3: UInt32, op: UInt32 = 0x33) -> UInt32 { RVAsm.r(f7, 11, 10, f3, 12, op) }
    static func ri(_ imm: Int32, _ f3: UInt32, op: UInt32 = 0x13) -> UInt32 { RVAsm.i(imm, 10, f3, 12, op) }
    static func sh(_ f6: UInt32, _ shamt: UInt32, _ f3: UInt32, op: UInt32 = 0x13) -> UInt32 {
        f6 << 26 | shamt << 20 | 10 << 15 | f3 << 12 | 12 << 7 | op
    }

    static let m64 = UInt64.max
    static let min64: UInt64 = 1 << 63
    static let cases: [Case] = [
        // RV64 base ALU
        Case(name: "add", xlen: 64, word: rr(0, 0), a: m64, b: 1, expected: 0),
        Case(name: "sub", xlen: 64, word: rr(0x20, 0), a: 0, b: 1, expected: m64),
        Case(name: "sll", xlen: 64, word: rr(0, 1), a: 1, b: 63, expected: min64),
        Case(name: "sll masks shamt", xlen: 64, word: rr(0, 1), a: 1, b: 64 + 3, expected: 8),
        Case(name: "slt", xlen: 64, word: rr(0, 2), a: m64, b: 0, expected: 1),
        Case(name: "sltu", xlen: 64, word: rr(0, 3), a: m64, b: 0, expected: 0),
        Case(name: "xor", xlen: 64, word: rr(0, 4), a: 0xff00, b: 0x0ff0, expected: 0xf0f0),
        Case(name: "srl", xlen: 64, word: rr(0, 5), a: min64, b: 63, expected: 1),
        Case(name: "sra", xlen: 64, word: rr(0x20, 5), a: min64, b: 63, expected: m64),
        Case(name: "or", xlen: 64, word: rr(0, 6), a: 0xf0, b: 0x0f, expected: 0xff),
        Case(name: "and", xlen: 64, word: rr(0, 7), a: 0xf0, b: 0x3c, expected: 0x30),
        Case(name: "addi negative", xlen: 64, word: ri(-1, 0), a: 0, b: 0, expected: m64),
        Case(name: "slti", xlen: 64, word: ri(-1, 2), a: min64, b: 0, expected: 1),
        Case(name: "sltiu -1 is max", xlen: 64, word: ri(-1, 3), a: 5, b: 0, expected: 1),
        Case(name: "xori -1 is not", xlen: 64, word: ri(-1, 4), a: 0x1234, b: 0, expected: ~UInt64(0x1234)),
        Case(name: "andi sign-extends", xlen: 64, word: ri(-16, 7), a: m64, b: 0, expected: m64 << 4),
        Case(name: "slli 63", xlen: 64, word: sh(0, 63, 1), a: 3, b: 0, expected: min64),
        Case(name: "srli 63", xlen: 64, word: sh(0, 63, 5), a: m64, b: 0, expected: 1),
        Case(name: "srai 62", xlen: 64, word: sh(0x10, 62, 5), a: min64, b: 0, expected: m64 - 1),
        // RV64 M
        Case(name: "mul wraps", xlen: 64, word: rr(1, 0), a: m64, b: m64, expected: 1),
        Case(name: "mulh -1*-1", xlen: 64, word: rr(1, 1), a: m64, b: m64, expected: 0),
        Case(name: "mulh min*min", xlen: 64, word: rr(1, 1), a: min64, b: min64, expected: 1 << 62),
        Case(name: "mulhsu -1*max", xlen: 64, word: rr(1, 2), a: m64, b: m64, expected: m64),
        Case(name: "mulhu max*max", xlen: 64, word: rr(1, 3), a: m64, b: m64, expected: m64 - 1),
        Case(name: "div by zero", xlen: 64, word: rr(1, 4), a: 7, b: 0, expected: m64),
        Case(name: "div overflow", xlen: 64, word: rr(1, 4), a: min64, b: m64, expected: min64),
        Case(name: "div truncates", xlen: 64, word: rr(1, 4), a: UInt64(bitPattern: -7), b: 2, expected: UInt64(bitPattern: -3)),
        Case(name: "divu by zero", xlen: 64, word: rr(1, 5), a: 7, b: 0, expected: m64),
        Case(name: "rem by zero", xlen: 64, word: rr(1, 6), a: 7, b: 0, expected: 7),
        Case(name: "rem overflow", xlen: 64, word: rr(1, 6), a: min64, b: m64, expected: 0),
        Case(name: "rem sign of dividend", xlen: 64, word: rr(1, 6), a: UInt64(bitPattern: -7), b: 2, expected: m64),
        Case(name: "remu by zero", xlen: 64, word: rr(1, 7), a: 9, b: 0, expected: 9),
        // RV64 W forms
        Case(name: "addw sign-extends", xlen: 64, word: rr(0, 0, op: 0x3b), a: 0x7fff_ffff, b: 1, expected: 0xffff_ffff_8000_0000),
        Case(name: "subw", xlen: 64, word: rr(0x20, 0, op: 0x3b), a: 0, b: 1, expected: m64),
        Case(name: "sllw masks 5 bits", xlen: 64, word: rr(0, 1, op: 0x3b), a: 1, b: 32 + 31, expected: 0xffff_ffff_8000_0000),
        Case(name: "srlw", xlen: 64, word: rr(0, 5, op: 0x3b), a: 0xffff_ffff_8000_0000, b: 31, expected: 1),
        Case(name: "sraw", xlen: 64, word: rr(0x20, 5, op: 0x3b), a: 0x8000_0000, b: 31, expected: m64),
        Case(name: "addiw", xlen: 64, word: ri(1, 0, op: 0x1b), a: 0xffff_ffff, b: 0, expected: 0),
        Case(name: "slliw", xlen: 64, word: sh(0, 31, 1, op: 0x1b), a: 1, b: 0, expected: 0xffff_ffff_8000_0000),
        Case(name: "srliw", xlen: 64, word: sh(0, 0, 5, op: 0x1b), a: 0x1_8000_0000, b: 0, expected: 0xffff_ffff_8000_0000),
        Case(name: "sraiw", xlen: 64, word: sh(0x10, 4, 5, op: 0x1b), a: 0x8000_0000, b: 0, expected: 0xffff_ffff_f800_0000),
        Case(name: "mulw", xlen: 64, word: rr(1, 0, op: 0x3b), a: 0x10000, b: 0x8000, expected: 0xffff_ffff_8000_0000),
        Case(name: "divw overflow", xlen: 64, word: rr(1, 4, op: 0x3b), a: 0x8000_0000, b: m64, expected: 0xffff_ffff_8000_0000),
        Case(name: "divw by zero", xlen: 64, word: rr(1, 4, op: 0x3b), a: 5, b: 0x1_0000_0000, expected: m64),
        Case(name: "divuw", xlen: 64, word: rr(1, 5, op: 0x3b), a: 0xffff_fffe, b: 2, expected: 0x7fff_ffff),
        Case(name: "remw overflow", xlen: 64, word: rr(1, 6, op: 0x3b), a: 0x8000_0000, b: m64, expected: 0),
        // Division by zero in a W form looks at the divisor's low word only, and the result
        // (the dividend's low word) is sign-extended (mutation testing: remw by zero without
        // the sign extension was caught by the qemu differentials alone).
        Case(name: "remw by zero sign-extends", xlen: 64, word: rr(1, 6, op: 0x3b), a: 0xdead_beef_8000_0001, b: 0x1_0000_0000, expected: 0xffff_ffff_8000_0001),
        Case(name: "remw by zero positive", xlen: 64, word: rr(1, 6, op: 0x3b), a: 0xdead_beef_0000_0007, b: 0, expected: 7),
        Case(name: "remuw by zero sign-extends", xlen: 64, word: rr(1, 7, op: 0x3b), a: 0x1_8000_0000, b: 0xffff_ffff_0000_0000, expected: 0xffff_ffff_8000_0000),
        Case(name: "divuw by zero", xlen: 64, word: rr(1, 5, op: 0x3b), a: 5, b: 0x1_0000_0000, expected: m64),
        Case(name: "remuw by zero", xlen: 64, word: rr(1, 7, op: 0x3b), a: 0xffff_ffff, b: 0, expected: m64),
        // RV32
        Case(name: "add wraps", xlen: 32, word: rr(0, 0), a: 0xffff_ffff, b: 2, expected: 1),
        Case(name: "sll masks 5 bits", xlen: 32, word: rr(0, 1), a: 1, b: 33, expected: 2),
        Case(name: "sra", xlen: 32, word: rr(0x20, 5), a: 0x8000_0000, b: 31, expected: 0xffff_ffff),
        Case(name: "slt", xlen: 32, word: rr(0, 2), a: 0x8000_0000, b: 0, expected: 1),
        Case(name: "sltu", xlen: 32, word: rr(0, 3), a: 0x8000_0000, b: 0, expected: 0),
        Case(name: "srai 31", xlen: 32, word: sh(0x10, 31, 5), a: 0x8000_0000, b: 0, expected: 0xffff_ffff),
        Case(name: "mul", xlen: 32, word: rr(1, 0), a: 0xffff_ffff, b: 0xffff_ffff, expected: 1),
        Case(name: "mulh", xlen: 32, word: rr(1, 1), a: 0x8000_0000, b: 0x8000_0000, expected: 0x4000_0000),
        Case(name: "mulhsu", xlen: 32, word: rr(1, 2), a: 0xffff_ffff, b: 0xffff_ffff, expected: 0xffff_ffff),
        Case(name: "mulhu", xlen: 32, word: rr(1, 3), a: 0xffff_ffff, b: 0xffff_ffff, expected: 0xffff_fffe),
        Case(name: "div overflow", xlen: 32, word: rr(1, 4), a: 0x8000_0000, b: 0xffff_ffff, expected: 0x8000_0000),
        Case(name: "div by zero", xlen: 32, word: rr(1, 4), a: 1, b: 0, expected: 0xffff_ffff),
        Case(name: "rem overflow", xlen: 32, word: rr(1, 6), a: 0x8000_0000, b: 0xffff_ffff, expected: 0),
        Case(name: "remu by zero", xlen: 32, word: rr(1, 7), a: 0x1234, b: 0, expected: 0x1234),
        Case(name: "rem by zero", xlen: 32, word: rr(1, 6), a: 0x8000_0001, b: 0, expected: 0x8000_0001),
        Case(name: "divu by zero", xlen: 32, word: rr(1, 5), a: 3, b: 0, expected: 0xffff_ffff),
        Case(name: "addi", xlen: 32, word: ri(-2048, 0), a: 0, b: 0, expected: 0xffff_f800),
    ]

    @Test(arguments: cases)
    func alu(_ c: Case) throws {
        let (m, stop) = try Snippet.run(xlen: c.xlen, code: [c.word], registers: [10: c.a, 11: c.b])
        #expect(stop == .ebreak)
        #expect(m[register: 12] == c.expected)
    }

    @Test(arguments: [32, 64])
    func writesToX0AreDiscarded(xlen: Int) throws {
        let (m, stop) = try Snippet.run(
            xlen: xlen, code: [RVAsm.addi(0, 0, 5), RVAsm.add(0, 10, 10), RVAsm.add(12, 0, 0)], registers: [10: 7])
        #expect(stop == .ebreak)
        #expect(m[register: 0] == 0)
        #expect(m[register: 12] == 0)
    }

    @Test(arguments: [32, 64])
    func luiAndAuipc(xlen: Int) throws {
        let (m, _) = try Snippet.run(xlen: xlen, code: [RVAsm.lui(12, 0x80000), RVAsm.auipc(13, 1)])
        #expect(m[register: 12] == (xlen == 64 ? 0xffff_ffff_8000_0000 : 0x8000_0000))
        #expect(m[register: 13] == 0x10004 + 0x1000)
    }

    /// Loads of every width with sign extension, from the data segment at 0x20000.
    @Test(arguments: [32, 64])
    func loadSignExtension(xlen: Int) throws {
        let data: [UInt8] = [0x80, 0xff, 0xff, 0x8f, 0x01, 0x02, 0x03, 0x84] + [UInt8](repeating: 0, count: 56)
        var code = RVAsm.loadConstant(10, Snippet.dataAddress, xlen: xlen)
        code += [
            RVAsm.i(0, 10, 0, 12, 0x03),  // lb
            RVAsm.i(0, 10, 4, 13, 0x03),  // lbu
            RVAsm.i(0, 10, 1, 14, 0x03),  // lh
            RVAsm.i(0, 10, 5, 15, 0x03),  // lhu
            RVAsm.i(0, 10, 2, 16, 0x03),  // lw
            RVAsm.i(1, 10, 2, 17, 0x03),  // lw misaligned (bytes 1..4)
        ]
        if xlen == 64 {
            code += [RVAsm.i(0, 10, 6, 18, 0x03), RVAsm.i(0, 10, 3, 19, 0x03)]  // lwu, ld
        }
        let (m, stop) = try Snippet.run(xlen: xlen, code: code, data: data)
        #expect(stop == .ebreak)
        let ones: UInt64 = xlen == 64 ? .max : 0xffff_ffff
        #expect(m[register: 12] == ones & ~0x7f)
        #expect(m[register: 13] == 0x80)
        #expect(m[register: 14] == ones & ~0x7f)
        #expect(m[register: 15] == 0xff80)
        #expect(m[register: 16] == (xlen == 64 ? 0xffff_ffff_8fff_ff80 : 0x8fff_ff80))
        #expect(m[register: 17] == 0x018f_ffff)
        if xlen == 64 {
            #expect(m[register: 18] == 0x8fff_ff80)
            #expect(m[register: 19] == 0x8403_0201_8fff_ff80)
        }
    }

    @Test(arguments: [32, 64])
    func storesOfEveryWidth(xlen: Int) throws {
        var code = RVAsm.loadConstant(10, Snippet.dataAddress, xlen: xlen)
        code += RVAsm.loadConstant(11, 0x1122_3344_5566_7788, xlen: xlen)
        code += [
            RVAsm.s(0, 11, 10, 0, 0x23),  // sb  -> [0]
            RVAsm.s(2, 11, 10, 1, 0x23),  // sh  -> [2..3]
            RVAsm.s(5, 11, 10, 2, 0x23),  // sw misaligned -> [5..8]
            RVAsm.i(0, 10, 4, 12, 0x03),  // lbu [0]
            RVAsm.i(2, 10, 5, 13, 0x03),  // lhu [2]
            RVAsm.i(5, 10, 2, 14, 0x03),  // lw [5]
        ]
        if xlen == 64 { code += [RVAsm.s(16, 11, 10, 3, 0x23), RVAsm.i(16, 10, 3, 15, 0x03)] }
        let (m, stop) = try Snippet.run(xlen: xlen, code: code)
        #expect(stop == .ebreak)
        #expect(m[register: 12] == 0x88)
        #expect(m[register: 13] == 0x7788)
        #expect(m[register: 14] == 0x5566_7788)
        if xlen == 64 { #expect(m[register: 15] == 0x1122_3344_5566_7788) }
    }

    /// Each of the six branches (funct3) taken and not taken, on signed/unsigned boundaries.
    static func branchTable(xlen: Int) -> [(f3: UInt32, a: UInt64, b: UInt64, taken: Bool)] {
        let negOne: UInt64 = xlen == 64 ? .max : 0xffff_ffff
        return [
            (0, 5, 5, true), (0, 5, 6, false),  // beq
            (1, 5, 6, true), (1, 5, 5, false),  // bne
            (4, negOne, 0, true), (4, 0, negOne, false),  // blt signed
            (5, 0, negOne, true), (5, negOne, 0, false),  // bge signed
            (6, 0, negOne, true), (6, negOne, 0, false),  // bltu
            (7, negOne, 0, true), (7, 0, negOne, false),  // bgeu
            (5, 7, 7, true), (7, 7, 7, true),  // bge/bgeu equal
        ]
    }

    /// All six branches, each taken and not taken, on signed/unsigned boundaries.
    @Test(arguments: [32, 64])
    func branches(xlen: Int) throws {
        // For each branch: x12 += 1 if taken (the fall-through path skips the increment).
        for t in Self.branchTable(xlen: xlen) {
            // branch +8 over "jal x0, +8"; taken path: addi x12, x12, 1
            let code: [UInt32] = [RVAsm.b(8, 11, 10, t.f3), RVAsm.jal(0, 8), RVAsm.addi(12, 12, 1)]
            let (m, stop) = try Snippet.run(xlen: xlen, code: code, registers: [10: t.a, 11: t.b])
            #expect(stop == .ebreak)
            #expect(m[register: 12] == (t.taken ? 1 : 0), "f3=\(t.f3) a=\(t.a) b=\(t.b)")
        }
    }

    /// beq / bne against x0, which the decoder turns into its own compare-with-zero handlers:
    /// taken and not taken, with a value that is non-zero only in its top bit and, on RV64,
    /// only above bit 31 (mutation testing: the bne-with-zero handler was caught by the qemu
    /// differentials alone). Both with a target the decoder resolves and one it cannot.
    @Test(arguments: [32, 64])
    func branchesAgainstZero(xlen: Int) throws {
        let top: UInt64 = xlen == 64 ? 1 << 63 : 0x8000_0000
        var values: [UInt64] = [0, 1, top]
        if xlen == 64 { values.append(0x1_0000_0000) }
        for (f3, takenIfZero) in [(UInt32(0), true), (UInt32(1), false)] {
            for a in values {
                let taken = (a == 0) == takenIfZero
                let what = "rv\(xlen) f3=\(f3) a=0x\(String(a, radix: 16))"
                // rs1 = x10, rs2 = x0
                let code: [UInt32] = [RVAsm.b(8, 0, 10, f3), RVAsm.jal(0, 8), RVAsm.addi(12, 12, 1)]
                let (m, stop) = try Snippet.run(xlen: xlen, code: code, registers: [10: a])
                #expect(stop == .ebreak, "\(what)")
                #expect(m[register: 12] == (taken ? 1 : 0), "\(what)")
                let (u, ustop) = try Snippet.run(xlen: xlen, code: [RVAsm.b(6, 0, 10, f3)], registers: [10: a])
                if taken {
                    #expect(ustop == .trap && u.trap.cause == 0 && u.trap.value == 0x10006, "\(what) +6: \(u.trap)")
                } else {
                    #expect(ustop == .ebreak && u.instructionsRetired == 2, "\(what) +6")
                }
            }
        }
    }

    /// The six branches again with targets the decoder cannot resolve to a slot, so they
    /// compare at run time by funct3: a misaligned target (+6; taken, the branch raises
    /// instruction-address-misaligned, cause 0) and one below the code (-4096 = 0xf000; taken,
    /// the fetch there faults, cause 1). Signed and unsigned compares must still differ
    /// (mutation testing: bltu compared signed on this path and no test saw it).
    @Test(arguments: [32, 64])
    func branchesToUnresolvableTargetsCompareByFunct3(xlen: Int) throws {
        for t in Self.branchTable(xlen: xlen) {
            for (offset, cause, target) in [(Int32(6), UInt32(0), UInt64(0x10006)), (Int32(-4096), UInt32(1), UInt64(0xf000))] {
                let (m, stop) = try Snippet.run(
                    xlen: xlen, code: [RVAsm.b(offset, 11, 10, t.f3)], registers: [10: t.a, 11: t.b])
                let what = "rv\(xlen) f3=\(t.f3) a=\(t.a) b=\(t.b) offset \(offset)"
                if t.taken {
                    #expect(stop == .trap && m.trap.cause == cause && m.trap.value == target, "\(what): \(m.trap)")
                } else {
                    #expect(stop == .ebreak && m.instructionsRetired == 2, "\(what)")
                }
            }
        }
    }

    @Test(arguments: [32, 64])
    func jalrClearsBitZeroAndLinks(xlen: Int) throws {
        // x10 = 0x1003e; jalr x1, 3(x10) -> 0x10041 -> target 0x10040 (bit 0 cleared)
        var code = RVAsm.loadConstant(10, 0x1003e, xlen: xlen)
        let jalrIndex = code.count
        code += [RVAsm.jalr(1, 10, 3)]
        // pad to 0x10040 then addi x12, x0, 9
        while 0x10000 + 4 * code.count < 0x10040 { code.append(RVAsm.li(13, 1)) }
        code.append(RVAsm.li(12, 9))
        let (m, stop) = try Snippet.run(xlen: xlen, code: code)
        #expect(stop == .ebreak)
        #expect(m[register: 12] == 9)
        #expect(m[register: 1] == UInt64(0x10000 + 4 * jalrIndex + 4))
        #expect(m[register: 13] == 0, "instructions between jalr and its target must not run")
    }

    @Test(arguments: [32, 64])
    func counterCSRsReadInstret(xlen: Int) throws {
        let (m, stop) = try Snippet.run(
            xlen: xlen, code: [RVAsm.li(5, 1), RVAsm.li(6, 2), RVAsm.csrr(12, 0xC02), RVAsm.csrr(13, 0xC00)])
        #expect(stop == .ebreak)
        // instret counts retired instructions (Zicntr), and a CSR read happens before the
        // reading instruction itself retires, so it counts the instructions before it: 2 (the
        // two li), then 3 for rdcycle one instruction later (EEKit's cycle counts retired
        // instructions too, so that it is deterministic).
        #expect(m[register: 12] == 2)
        #expect(m[register: 13] == 3)
    }

    /// fence.i ends its block; the instructions after it are charged and counted like any
    /// others (Zicntr: instret counts every retired instruction; a counter read sees the ones
    /// retired before it). Mutation testing: fence.i falling through into the next block
    /// without charging it went unnoticed.
    @Test(arguments: [32, 64])
    func instructionsAfterFenceIRetire(xlen: Int) throws {
        let (m, stop) = try Snippet.run(
            xlen: xlen, code: [RVAsm.li(5, 1), RVAsm.fenceI, RVAsm.li(6, 2), RVAsm.csrr(7, 0xC02)], budget: 100)
        #expect(stop == .ebreak)
        #expect(m[register: 6] == 2)
        #expect(m[register: 7] == 3)
        #expect(m.instructionsRetired == 5)
        #expect(m.budget == 100 - 5, "one unit per instruction under .instructionCounting")
    }

    /// A store that rewrites the second instruction of a pair the core fuses (add; add), then
    /// fence.i, then the pair runs: the new instruction (sub) must run, not the old op on the
    /// new operands (mutation testing: the slot before a rewritten one kept its fused handler).
    @Test(arguments: [32, 64])
    func rewritingTheSecondOfAFusedPairRunsTheNewInstruction(xlen: Int) throws {
        let sub = RVAsm.r(0x20, 11, 12, 0, 13, 0x33)  // sub x13, x12, x11
        func program(pairAt: UInt64) -> [UInt32] {
            RVAsm.loadConstant(5, pairAt + 4, xlen: xlen) + RVAsm.loadConstant(6, UInt64(sub), xlen: xlen)
                + [RVAsm.li(10, 7), RVAsm.li(11, 2), RVAsm.s(0, 6, 5, 2, 0x23), RVAsm.fenceI]
        }
        let pairAt = 0x10000 + 4 * UInt64(program(pairAt: 0x10000).count)
        let code = program(pairAt: pairAt) + [RVAsm.add(12, 10, 11), RVAsm.add(13, 12, 11), RVAsm.ebreak]
        #expect(0x10000 + 4 * UInt64(code.count - 3) == pairAt)
        let (m, stop) = try Self.runRWX(xlen: xlen, code)
        #expect(stop == .ebreak, "rv\(xlen): \(m.trap)")
        #expect(m[register: 12] == 9)
        #expect(m[register: 13] == 7, "rv\(xlen): sub ran as add")
    }

    /// Loads and stores that straddle from an accessible page into one without the access's
    /// permission fault (load access fault 5, store access fault 7, tval the access address):
    /// the load from the last bytes of the code page (R-X) into the unmapped 0x11000, the
    /// store from the last bytes of the data page (RW) into the unmapped 0x21000 (the heap
    /// is still empty). Mutation testing: checks of the first page only went unnoticed.
    @Test(arguments: [32, 64])
    func accessesStraddlingIntoAnInaccessiblePageFault(xlen: Int) throws {
        let cases: [(code: [UInt32], cause: UInt32, value: UInt64)] = [
            (RVAsm.loadConstant(10, 0x10ffe, xlen: xlen) + [RVAsm.i(0, 10, 2, 12, 0x03)], 5, 0x10ffe),  // lw
            (RVAsm.loadConstant(10, 0x10fff, xlen: xlen) + [RVAsm.i(0, 10, 1, 12, 0x03)], 5, 0x10fff),  // lh
            (RVAsm.loadConstant(10, 0x20ffe, xlen: xlen) + [RVAsm.s(0, 10, 10, 2, 0x23)], 7, 0x20ffe),  // sw
            (RVAsm.loadConstant(10, 0x20fff, xlen: xlen) + [RVAsm.s(0, 10, 10, 1, 0x23)], 7, 0x20fff),  // sh
        ]
        for c in cases {
            let (m, stop) = try Snippet.run(xlen: xlen, code: c.code)
            #expect(stop == .trap && m.trap.cause == c.cause && m.trap.value == c.value, "rv\(xlen): \(m.trap)")
            #expect(m.pc == UInt64(0x10000 + 4 * (c.code.count - 1)))
        }
    }

    @Test(arguments: [32, 64])
    func illegalInstructionTraps(xlen: Int) throws {
        // The last: jalr's funct3 must be 000 (RISC-V unprivileged ISA, 2.5.1: JALR is I-type
        // with funct3 = 0; other funct3 values of its opcode are reserved).
        for word: UInt32 in [0, 0xffff_ffff, 0x0000_4501 /* c.li: compressed */, RVAsm.r(0x7f, 1, 1, 0, 1, 0x33),
                             RVAsm.i(0, 10, 1, 1, 0x67)] {
            let (m, stop) = try Snippet.run(xlen: xlen, code: [RVAsm.li(5, 1), word])
            #expect(stop == .trap)
            #expect(m.trap.cause == 2)
            #expect(m.trap.pc == 0x10004)
            #expect(m.trap.instruction == word || word == 0)
        }
    }

    @Test func rv64OnlyInstructionsAreIllegalOnRV32() throws {
        for word in [RVAsm.i(0, 10, 3, 12, 0x03) /* ld */, RVAsm.i(0, 10, 0, 12, 0x1b) /* addiw */, Self.sh(0, 32, 1) /* slli 32 */] {
            let (m, stop) = try Snippet.run(xlen: 32, code: [word])
            #expect(stop == .trap)
            #expect(m.trap.cause == 2)
        }
    }

    @Test(arguments: [32, 64])
    func memoryFaultsTrapWithAddress(xlen: Int) throws {
        // Load from address 0 (unmapped), store into the code segment (read-only), load past memory end.
        let cases: [(code: [UInt32], cause: UInt32, value: UInt64)] = [
            ([RVAsm.i(8, 0, 2, 12, 0x03)], 5, 8),
            (RVAsm.loadConstant(10, 0x10000, xlen: xlen) + [RVAsm.s(0, 0, 10, 2, 0x23)], 7, 0x10000),
            (RVAsm.loadConstant(10, 0xffff_fff0, xlen: xlen) + [RVAsm.i(0, 10, 2, 12, 0x03)], 5, 0xffff_fff0),
        ]
        for c in cases {
            let (m, stop) = try Snippet.run(xlen: xlen, code: c.code)
            #expect(stop == .trap)
            #expect(m.trap.cause == c.cause)
            #expect(m.trap.value == c.value)
        }
    }

    @Test(arguments: [32, 64])
    func jumpOutsideCodeFaults(xlen: Int) throws {
        let (m, stop) = try Snippet.run(xlen: xlen, code: RVAsm.loadConstant(10, 0x20000, xlen: xlen) + [RVAsm.jalr(0, 10, 0)])
        #expect(stop == .trap)
        #expect(m.trap.cause == 1)
        #expect(m.pc == 0x20000)
    }

    /// Instruction-address-misaligned (RISC-V privileged spec: cause 0, tval = the target
    /// address; without the C extension, targets must be 4-byte aligned): raised by the jump
    /// or taken branch itself, which does not retire, so its link register is not written.
    @Test(arguments: [32, 64])
    func misalignedJumpTargetTraps(xlen: Int) throws {
        let setup = RVAsm.loadConstant(10, 0x10000, xlen: xlen)
        let at = UInt64(0x10000 + 4 * setup.count)
        let cases: [(what: String, jump: UInt32, target: UInt64)] = [
            ("jalr x1, 2(x10)", RVAsm.jalr(1, 10, 2), 0x10002),
            // jalr clears bit 0 of the sum first: 0x10003 -> 0x10002, still misaligned.
            ("jalr x1, 3(x10)", RVAsm.jalr(1, 10, 3), 0x10002),
            ("jal x1, +6", RVAsm.jal(1, 6), at + 6),
            ("bne x10, x0, +6 (taken)", RVAsm.bne(10, 0, 6), at + 6),
        ]
        for c in cases {
            let (m, stop) = try Snippet.run(xlen: xlen, code: setup + [c.jump, RVAsm.li(1, 5)])
            let what = "rv\(xlen) \(c.what)"
            #expect(stop == .trap, "\(what)")
            #expect(m.trap.cause == 0, "\(what)")
            #expect(m.trap.value == c.target, "\(what)")
            #expect(m.trap.pc == at && m.pc == at, "\(what)")
            #expect(m.trap.instruction == c.jump, "\(what)")
            #expect(m[register: 1] == 0, "\(what): the jump did not link")
            #expect(m.instructionsRetired == UInt64(setup.count), "\(what): the jump did not retire")
        }
        // Not taken, a branch to a misaligned target does nothing.
        let (m, stop) = try Snippet.run(xlen: xlen, code: setup + [RVAsm.bne(0, 0, 6), RVAsm.li(1, 5)])
        #expect(stop == .ebreak && m[register: 1] == 5)
    }

    /// Runs `program` at 0x10000 in a two-page read-write-execute segment (the second page all
    /// zero), with 1000 instructions of budget.
    static func runRWX(xlen: Int, _ program: [UInt32]) throws -> (RISCVMachine, RISCVMachine.Stop) {
        let elf = TestELF(xlen: xlen, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: program.flatMap { TestELF.le32($0) }, memSize: 0x2000, flags: 7)])
        let process = try RISCVProcess(image: try ELFImage(bytes: elf.bytes), memorySize: 1 << 20, schedule: .instructionCounting)
        process.machine.budget = 1000
        let stop = process.machine.run()
        return (process.machine, stop)
    }

    /// A read-write-execute segment's page that holds no instruction (its .bss, as GNU ld links
    /// by default) takes stores on the fast path without re-decoding (review finding: every
    /// store there re-decoded, 125 MIPS instead of 1,200); code stored there still runs, the
    /// page being re-decoded when execution reaches a changed word, and an unchanged illegal
    /// word still traps. Exact metering either way.
    @Test(arguments: [32, 64])
    func codeWrittenIntoAnInstructionFreePageRuns(xlen: Int) throws {
        // At 0x11000 (the second, all-zero page of an RWX segment): addi a0, zero, 42; ebreak.
        let words: [UInt32] = [RVAsm.addi(10, 0, 42), RVAsm.ebreak]
        var code = RVAsm.loadConstant(5, 0x11000, xlen: xlen)
        for (i, w) in words.enumerated() {
            code += RVAsm.loadConstant(6, UInt64(w), xlen: xlen) + [RVAsm.s(Int32(4 * i), 6, 5, 2, 0x23)]
        }
        let jump = code + [RVAsm.jalr(0, 5, 0)]
        // A changed word that is still illegal traps with the new word (the page stays
        // instruction-free, so later stores stay fast).
        let illegal = RVAsm.loadConstant(5, 0x11000, xlen: xlen) + RVAsm.loadConstant(6, 0xffff_ffff, xlen: xlen)
            + [RVAsm.s(0, 6, 5, 2, 0x23), RVAsm.jalr(0, 5, 0)]
        let (m, stop) = try Self.runRWX(xlen: xlen, illegal)
        #expect(stop == .trap && m.trap.cause == 2 && m.pc == 0x11000 && m.trap.value == 0xffff_ffff, "rv\(xlen): \(m.trap)")
        for (program, runsStored) in [(jump, true), (RVAsm.loadConstant(5, 0x11008, xlen: xlen) + [RVAsm.jalr(0, 5, 0)], false)] {
            let (m, stop) = try Self.runRWX(xlen: xlen, program)
            if runsStored {
                #expect(stop == .ebreak, "rv\(xlen): \(m.trap)")
                #expect(m[register: 10] == 42)
                // Every instruction retired once: the program, then addi and ebreak (which
                // retires), none twice for the re-decode.
                #expect(m.instructionsRetired == UInt64(program.count + 2), "rv\(xlen)")
            } else {
                #expect(stop == .trap && m.trap.cause == 2 && m.pc == 0x11008, "rv\(xlen): \(m.trap)")
            }
        }
    }
}
