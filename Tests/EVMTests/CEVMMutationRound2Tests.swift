import Foundation
import Testing

@testable import EEKit

/// A second mutation-testing round on the C core (CSources/CEVM): each test here fails with at
/// least one deliberate bug that the rest of `swift test` let through (the mutation is named in
/// the test's comment). Expected values come from the Yellow Paper and the EIPs; the Cancun
/// ones are also what revm (pyrevm 0.3.7) gives for the same code, input and gas.
@Suite("CEVM mutation round 2")
struct CEVMMutationRound2Tests {
    private static func hex(_ s: String) -> Bytes { Hex.decode(s.filter { !$0.isWhitespace }) ?? [] }

    private static func run(
        _ code: String, input: String = "", gas: UInt64 = 100_000, fork: Fork = .cancun
    ) throws -> EVMRunner.Result {
        var block = BlockContext()
        block.fork = fork
        return try EVMRunner.run(code: hex(code), input: hex(input), gas: gas, block: block)
    }

    /// MSTORE(0, top) RETURN(0, 32).
    static let returnTop = "60005260206000f3"

    private static func word(_ hexWord: String) -> Bytes { hex(String(repeating: "0", count: 64 - hexWord.count) + hexWord) }

    /// Knuth's algorithm D estimates each quotient digit from the top digits and, rarely (about
    /// 2/2^64 of random inputs), the estimate is still one too large after the two-digit check:
    /// the partial remainder goes negative and the divisor is added back. These operands (found
    /// by searching a model of cevm_udivrem) take that path. a / b and a % b are exact integer
    /// division (Yellow Paper); revm gives the same. Mutation: the add-back step skipped.
    @Test("DIV and MOD whose quotient digit needs Knuth D's add-back step")
    func divisionAddBack() throws {
        let a = "7f8000000000000001000000010000000000000000000000010000000000000002"
        let b = "7f000000000000000080000000000000010000000100000000b450a5495e90be04"
        let div = try Self.run(b + a + "04" + Self.returnTop)
        #expect(div.status == .success && div.output == Self.word("ffffffffffffffff"))
        let mod = try Self.run(b + a + "06" + Self.returnTop)
        #expect(mod.status == .success && mod.output == Self.word("80000000000000004baf5ab7a16f41fdb450a5495e90be06"))
    }

    /// An instruction may spend the last unit of gas: the frame fails only when the gas left
    /// would go below zero (Yellow Paper: exceptional halt when gas < the cost). Mutations: the
    /// base charge, a dynamic charge (EXP's byte price) and memory expansion each failing at
    /// exactly 0 left; a frame started with 0 gas treated as out of gas before its STOP.
    @Test("spending exactly the gas given succeeds")
    func exactGas() throws {
        for (code, gas) in [("6001", UInt64(3)), ("6000600052", 12), ("600160020a", 66), ("00", 0)] {
            let r = try Self.run(code, gas: gas)
            #expect(r.status == .success && r.gasUsed == gas, "\(code) with \(gas) gas: \(r.status), \(r.gasUsed)")
            if gas > 0 {
                let short = try Self.run(code, gas: gas - 1)
                #expect(short.status == .failure(.outOfResources), "\(code) with \(gas - 1) gas: \(short.status)")
            }
        }
    }

    /// CALLDATACOPY and CODECOPY write exactly `size` bytes: a 1-byte copy over a word of 0x11
    /// leaves the other 31 bytes alone, though the source has more bytes. EXTCODECOPY of an
    /// account without code writes zeros over what memory held. Mutations: the copy not
    /// clamped to the size; EXTCODECOPY's tail past the code not zeroed.
    @Test("copies write exactly size bytes; EXTCODECOPY past the code writes zeros")
    func copyBounds() throws {
        let elevens = "7f" + String(repeating: "11", count: 32) + "600052"
        let cd = try Self.run(elevens + "6001 6000 6000 37" + "60206000f3", input: "aabbcc")
        #expect(cd.output == Self.hex("aa" + String(repeating: "11", count: 31)))
        let cc = try Self.run(elevens + "6001 6000 6000 39" + "60206000f3")
        #expect(cc.output == Self.hex("7f" + String(repeating: "11", count: 31)))
        let ext = try Self.run("7f" + String(repeating: "ff", count: 32) + "600052" + "6020 6000 6000 60ee 3c" + "60206000f3")
        #expect(ext.status == .success && ext.output == Bytes(repeating: 0, count: 32))
    }

    /// EXTCODECOPY's copy price is 3 per word, rounded up: 1 byte of a cold account costs 100 +
    /// 2500 (EIP-2929) + 3 (copy) + 3 (one word of memory) after four PUSHes (2618 in all, as
    /// revm). Mutation: the words rounded down.
    @Test("EXTCODECOPY charges a partial word")
    func extcodecopyWordGas() throws {
        #expect(try Self.run("6001 6000 6000 60ee 3c 00").gasUsed == 2618)
        #expect(try Self.run("6021 6000 6000 60ee 3c 00").gasUsed == 2624)
    }

    /// RETURNDATACOPY (EIP-211) halts when offset + size exceeds RETURNDATASIZE, the sum taken
    /// on 256-bit words: an offset of 2^64 with size 0, and an offset of 2^64 - 1 with size 2
    /// (which wraps to 1 in 64 bits), both halt; copying exactly all 32 bytes does not.
    /// The return data is the identity precompile's echo of 32 zero bytes. Mutations: the
    /// offset's upper limbs ignored; the 64-bit sum wrapping.
    @Test("RETURNDATACOPY bounds on the full word")
    func returndatacopyBounds() throws {
        let identity = "5f5f60205f5f60045af150"  // CALL(gas, 0x04, 0, 0, 32, 0, 0); POP
        let all = try Self.run(identity + "6020 5f 5f 3e 00")
        #expect(all.status == .success && all.gasUsed == 152)
        for tail in ["5f 68010000000000000000 5f 3e 00", "6002 67ffffffffffffffff 5f 3e 00", "6021 5f 5f 3e 00"] {
            let r = try Self.run(identity + tail)
            #expect(r.status == .failure(.invalidMemoryAccess) && r.gasUsed == 100_000, "\(tail): \(r.status)")
        }
    }

    /// A fork's analysis replaces the opcodes it does not define, but not the bytes of PUSH
    /// data: in Paris (before PUSH0, EIP-3855) PUSH1 0x5f still pushes 0x5f. Mutation: the
    /// older fork's scan not skipping PUSH data.
    @Test("PUSH data is not rewritten by an older fork's analysis")
    func pushDataInAnOlderFork() throws {
        let r = try Self.run("605f" + Self.returnTop, fork: .paris)
        #expect(r.status == .success && r.output == Self.word("5f"))
    }

    /// JUMPI jumps when its condition is any non-zero word (2^64 here); JUMP to 2^64 + 12
    /// (a JUMPDEST's offset plus 2^64) is an invalid destination (Yellow Paper). Mutations: the
    /// condition's and the destination's upper limbs ignored.
    @Test("JUMPI condition and JUMP destination are whole words")
    func jumpOperandsAreWords() throws {
        let taken = try Self.run("68010000000000000000 600e 57 00 5b 602a" + Self.returnTop)
        #expect(taken.status == .success && taken.output == Self.word("2a"))
        // PUSH9 d; JUMP; STOP; JUMPDEST (offset 12); STOP
        let near = try Self.run("6800000000000000000c 56 00 5b 00")
        #expect(near.status == .success && near.gasUsed == 3 + 8 + 1)
        let far = try Self.run("6801000000000000000c 56 00 5b 00")
        #expect(far.status == .failure(.invalidJump) && far.gasUsed == 100_000)
    }

    /// Code runs as if followed by zeros: a PUSH32 that is the last byte pushes 0 and the next
    /// instruction is STOP. Sixteen JUMPDESTs before it fill the analysis buffer's jump bitmap
    /// with 0xff bytes (SELFDESTRUCT if read as code). 16 + 3 gas, as revm. Mutation: the code
    /// padding one byte short, so execution ran into the bitmap.
    @Test("PUSH32 as the last byte of code, then an implicit STOP")
    func pushAtTheEndOfCode() throws {
        let r = try Self.run(String(repeating: "5b", count: 16) + "7f")
        #expect(r.status == .success && r.gasUsed == 19)
    }

    /// The stack holds 1024 items (Yellow Paper): 1024 PUSH0 succeed, a 1025th overflows.
    /// Mutation: the overflow check one item early.
    @Test("the stack holds exactly 1024 items")
    func stackLimit() throws {
        let full = try Self.run(String(repeating: "5f", count: 1024) + "00")
        #expect(full.status == .success && full.gasUsed == 2048)
        let over = try Self.run(String(repeating: "5f", count: 1025) + "00")
        #expect(over.status == .failure(.stackOverflow))
    }

    /// EIP-2200: SSTORE fails when the gas left is less than or equal to the stipend (2300),
    /// even for a warm no-op that costs 100. SLOAD 0 first (3 + 2100 + 2), then SSTORE(0, 0):
    /// 2111 + 2300 gas fails, one more succeeds (as revm). In Constantinople (EIP-1283, no
    /// stipend rule; EIP-1706 came with EIP-2200 in Istanbul) a no-op SSTORE with 200 gas left
    /// succeeds. Mutations: `<` for `<=`; the rule applied from Constantinople on.
    @Test("SSTORE and the call stipend (EIP-2200, EIP-1283)")
    func sstoreStipend() throws {
        let code = "600054 50 6000 6000 55 00"
        let atStipend = try Self.run(code, gas: 2111 + 2300)
        #expect(atStipend.status == .failure(.outOfResources))
        let above = try Self.run(code, gas: 2111 + 2301)
        #expect(above.status == .success && above.gasUsed == 2211)
        let constantinople = try Self.run("6000 6000 55 00", gas: 206, fork: .constantinople)
        #expect(constantinople.status == .success && constantinople.gasUsed == 206, "\(constantinople.status)")
    }

    /// EIP-150: a CALL passes min(requested, all but a 64th of what is left), compared as
    /// 256-bit numbers. Asking for 2^64 + 5 passes all but a 64th, enough for the identity
    /// precompile (15 gas), which succeeds (revm: 1). Mutation: the request taken mod 2^64 (5).
    @Test("CALL with a gas request of 2^64 + 5")
    func callGasRequestAbove64Bits() throws {
        let r = try Self.run("5f5f5f5f5f 6004 68010000000000000005 f1" + Self.returnTop)
        #expect(r.status == .success && r.output == Self.word("1"))
    }

    /// Before EIP-150 a CALL's gas is charged in full with it: asking for exactly the gas left
    /// (after GAS, SUB and CALL's 40) is allowed, one more is out of gas (Yellow Paper,
    /// Frontier). The callee (the same code, called by itself) stops at once. Mutation: asking
    /// for exactly all of it failing.
    @Test("Frontier CALL may ask for exactly the gas left")
    func frontierCallAllGas() throws {
        // CALLER ADDRESS EQ JUMPI(stop) | CALL(GAS - k, ADDRESS, 0, 0, 0, 0, 0) | return the result
        func code(_ k: Int) -> String {
            "333014601e57" + "6000600060006000600030" + String(format: "60%02x", k) + "5a03f1" + Self.returnTop + "5b00"
        }
        let exact = try Self.run(code(43), fork: .frontier)
        #expect(exact.status == .success && exact.output == Self.word("1"), "\(exact.status)")
        let over = try Self.run(code(42), fork: .frontier)
        #expect(over.status == .failure(.outOfResources), "\(over.status)")
    }

    /// EIP-150 (Tangerine Whistle) also caps CREATE at all but a 64th: init code that is INVALID
    /// burns what it got and the creator keeps its 64th, enough to POP. Mutation: the cap from
    /// Spurious Dragon on only (the creator left with nothing).
    @Test("Tangerine Whistle CREATE keeps a 64th")
    func tangerineWhistleCreate() throws {
        // MSTORE8(0, 0xfe); CREATE(0, 0, 1); POP; STOP
        let r = try Self.run("60fe600053 6001 6000 6000 f0 50 00", gas: 100_000, fork: .tangerineWhistle)
        // Before CREATE: PUSH1, PUSH1, MSTORE8 with a word of memory, three PUSH1, CREATE.
        let spent: UInt64 = 3 + 3 + 3 + 3 + 9 + 32_000
        let kept = (100_000 - spent) / 64
        #expect(r.status == .success && r.gasUsed == 100_000 - (kept - 2), "\(r.status) \(r.gasUsed)")
    }

    /// KECCAK256 of 135, 136 (one full 136-byte block: padding goes in a second block) and 137
    /// bytes 0, 1, 2, ... (from the calldata), as revm hashes them. Mutation: a final full
    /// block absorbed together with the padding.
    @Test("KECCAK256 at the rate boundary: 135, 136, 137 bytes")
    func keccakAtTheRate() throws {
        let want = [
            135: "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62",
            136: "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e",
            137: "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db",
        ]
        for (n, digest) in want {
            let input = (0..<n).map { String(format: "%02x", $0 % 256) }.joined()
            let r = try Self.run("36600060003736600020" + Self.returnTop, input: input)
            #expect(r.status == .success && Hex.encode(r.output) == digest, "\(n) bytes")
        }
    }

    /// Each opcode is defined from its fork on and undefined in the fork before: SHL
    /// (Constantinople, EIP-145), CHAINID and SELFBALANCE (Istanbul, EIP-1344, EIP-1884),
    /// BASEFEE (London, EIP-3198), PUSH0 (Shanghai, EIP-3855). Mutations: each one's first
    /// fork moved one later.
    @Test("opcodes at their first fork and the fork before")
    func forkGatedOpcodes() throws {
        let cases: [(UInt8, String, Fork, Fork)] = [
            (0x1b, "600160011b00", .constantinople, .byzantium),
            (0x46, "4600", .istanbul, .petersburg),
            (0x47, "4700", .istanbul, .petersburg),
            (0x48, "4800", .london, .berlin),
            (0x5f, "5f00", .shanghai, .paris),
        ]
        for (op, code, first, before) in cases {
            let ok = try Self.run(code, fork: first)
            #expect(ok.status == .success, "0x\(String(op, radix: 16)) in \(first): \(ok.status)")
            let no = try Self.run(code, fork: before)
            #expect(no.status == .failure(.invalidOpcode(op)), "0x\(String(op, radix: 16)) in \(before): \(no.status)")
        }
    }

    /// BLOBHASH(i) is the i-th versioned hash for i < the count and 0 otherwise, i a whole
    /// word (EIP-4844): with one hash, index 2^64 gives 0. BLOCKHASH(n) is the hash of one of
    /// the 256 most recent blocks (number - 256 <= n < number) and 0 otherwise, n a whole word:
    /// at block 300, block 44 has a hash (keccak256("44"), revm's and the ethereum-tests'
    /// convention), 43 and 2^64 + 299 give 0. Mutations: the indexes' upper limbs ignored; the
    /// 256th ancestor left out.
    @Test("BLOBHASH and BLOCKHASH indexes")
    func blobhashAndBlockhash() throws {
        let h = Bytes32([UInt8](repeating: 0xab, count: 32))
        for (index, want) in [("5f", Bytes(repeating: 0xab, count: 32)), ("68010000000000000000", Bytes(repeating: 0, count: 32))] {
            let call = EVMRunner.prepare(code: Self.hex(index + "49" + Self.returnTop), gas: 100_000)
            call.boot.transaction.blobHashes = [h]
            let r = try call.execute()
            #expect(r.status == .success && r.output == want, "BLOBHASH(\(index))")
        }
        var block = BlockContext()
        block.number = 300
        let blockHash = { (n: String) throws -> String in
            Hex.encode(try EVMRunner.run(code: Self.hex(n + "40" + Self.returnTop), gas: 100_000, block: block).output)
        }
        #expect(try blockHash("602c") == "2e9b7c94e032d8b3b8b30bd825717a5ac74958b53e7c37a892a4fd7dc56e4975")
        #expect(try blockHash("602b") == String(repeating: "0", count: 64))
        #expect(try blockHash("6801000000000000012b") == String(repeating: "0", count: 64))
    }
}
