import EEKit
import EEKitTestSupport
import Testing

/// Ways of linking a native contract that used to run with wrong results without any error (a
/// contract-author review): a static PIE linked at 0x10000 ran with its pointers left zero
/// (lld leaves them to R_RISCV_RELATIVE entries that nothing applied), and thread-local
/// variables sat on the frame block that `tp` points at.
@Suite struct ContractLinkingTests {
    /// Pointers everywhere: a constructor in .init_array, a table of function pointers, a
    /// pointer to a string, each of which a PIE reaches through relocations.
    static let pointers = #"""
        #include "eekit.h"
        static uint64_t g;
        __attribute__((constructor)) static void init(void) { g = 40 + eek_calldata_size(); }
        static uint64_t twice(uint64_t x) { return 2 * x; }
        static uint64_t plus3(uint64_t x) { return x + 3; }
        static uint64_t (*const ops[])(uint64_t) = { twice, plus3 };
        static const char *const text = "pie";
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint64_t v = ops[1](ops[0](g)) + (uint64_t)text[1];
          uint8_t w[32] = {0};
          for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)(v >> (8 * i));
          eek_return(w, 32);
        }
        """#

    static let threadLocal = #"""
        #include "eekit.h"
        static _Thread_local uint64_t counter = 5;
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          counter += 1;
          eek_return(&counter, 8);
        }
        """#

    static let pie = ["-fPIE", "-Wl,-pie", "-Wl,--image-base=0x10000"]

    @Test(arguments: [64, 32]) func staticPIEsLinkedAt0x10000GetTheirRelocations(xlen: Int) throws {
        // 2 * (40 + 2) + 3 + 'i'
        let expected = U256(2 * 42 + 3 + 0x69).bigEndianBytes
        for flags in [[], Self.pie, Self.pie + ["-Wl,-z,pack-relative-relocs"]] {
            let s = ContractSession()
            let elf = try Fixtures.contract(Self.pointers, xlen: xlen, flags: flags)
            #expect(flags.isEmpty ? elf[16] == 2 : elf[16] == 3, "e_type \(elf[16]) with \(flags)")
            let c = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
            let r = try s.call(c, data: [1, 2])
            #expect(r.status == .success && r.output == expected, "rv\(xlen) \(flags): \(r.status) \(r.output)")
        }
    }

    @Test(arguments: [64, 32]) func threadLocalVariablesAreRefused(xlen: Int) throws {
        let elf = try Fixtures.contract(Self.threadLocal, xlen: xlen)
        #expect(throws: EEError.elf(.threadLocalStorage)) { try ContractSession().deploy(elf, kind: .riscv) }
    }

    /// A hand-made ET_DYN: code at 0x10000 returns the word at 0x20060, which one RELA entry
    /// of type `type` fills with 0x123456789abc.
    static func relocated(type: UInt64, table: UInt64 = 0x20040, entrySize: UInt64 = 24, tableSize: UInt64 = 24) -> Bytes {
        func le64(_ v: UInt64) -> Bytes { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        let code: [UInt32] = [
            0x0002_0537,  // lui a0, 0x20
            0x0605_0513,  // addi a0, a0, 0x60
            0x0080_0593,  // addi a1, zero, 8
            0x0001_08b7,  // lui a7, 0x10 (RETURN)
            0x0000_0073,  // ecall
        ]
        let dynamic = le64(7) + le64(table) + le64(8) + le64(tableSize) + le64(9) + le64(entrySize) + le64(0) + le64(0)
        let rela = le64(0x20060) + le64(type) + le64(0x1234_5678_9abc)
        let data = dynamic + rela + Bytes(repeating: 0, count: 8) + le64(0)
        var elf = TestELF(xlen: 64, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: code.flatMap { TestELF.le32($0) }, flags: 5),
            .init(vaddr: 0x20000, bytes: data, flags: 6),
            .init(vaddr: 0x20000, bytes: dynamic, flags: 6, type: 2),  // PT_DYNAMIC
        ])
        elf.type = 3
        return elf.bytes
    }

    @Test func onlyRelativeRelocationsAreApplied() throws {
        let s = ContractSession()
        let c = try #require(try s.deploy(Self.relocated(type: 3), kind: .riscv).createdAddress)
        #expect(try s.call(c, data: []).output == [0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12, 0, 0])
        // R_RISCV_64 names a symbol: nothing here can resolve it. A table outside the file.
        #expect(refusal(Self.relocated(type: 2))?.hasPrefix("relocation type 2 in .rela.dyn") == true)
        #expect(refusal(Self.relocated(type: 3, table: 0x30000))?.contains("not in the file bytes of a loaded segment") == true)
    }

    /// Found by mutation testing the relocations: R_RISCV_NONE entries are skipped (the slot
    /// keeps the file's zeros); a DT_RELAENT or DT_RELASZ that does not describe whole
    /// Elf64_Rela entries, and an ELF64 r_info whose type (its low 32 bits, not its low byte)
    /// is not R_RISCV_RELATIVE, are refused.
    @Test func noneEntriesAreSkippedAndMalformedTablesRefused() throws {
        let s = ContractSession()
        let c = try #require(try s.deploy(Self.relocated(type: 0), kind: .riscv).createdAddress)
        #expect(try s.call(c, data: []).output == Bytes(repeating: 0, count: 8))
        #expect(refusal(Self.relocated(type: 3, entrySize: 16)) == "DT_RELAENT 16, not 24")
        #expect(refusal(Self.relocated(type: 3, tableSize: 32)) == ".rela.dyn size 32 is not a multiple of 24")
        #expect(refusal(Self.relocated(type: 0x103))?.hasPrefix("relocation type 259 in .rela.dyn") == true)
    }

    /// A review's static PIE whose first R_RISCV_RELATIVE entry targets the ELF header (in the
    /// first segment's file bytes) was refused as "not an ELF file", which it is: the refusal
    /// now names the relocations that broke it.
    @Test func aRelocationOverTheHeadersIsNamed() throws {
        var elf = try Fixtures.contract(Self.pointers, xlen: 64, flags: Self.pie)
        func le(_ at: Int, _ n: Int) -> UInt64 { (0..<n).reduce(0) { $0 | UInt64(elf[at + $1]) << (8 * UInt64($1)) } }
        let phoff = Int(le(0x20, 8)), phentsize = Int(le(0x36, 2)), phnum = Int(le(0x38, 2))
        let headers = (0..<phnum).map { phoff + $0 * phentsize }
        func offset(of address: UInt64) -> Int? {
            for h in headers where le(h, 4) == 1 {  // PT_LOAD
                let off = le(h + 8, 8), vaddr = le(h + 0x10, 8), filesz = le(h + 0x20, 8)
                if address >= vaddr && address < vaddr + filesz { return Int(off + address - vaddr) }
            }
            return nil
        }
        let dynamic = try #require(headers.first { le($0, 4) == 2 }.map { Int(le($0 + 8, 8)) })
        var rela: UInt64?
        for k in stride(from: dynamic, to: elf.count - 15, by: 16) where le(k, 8) == 7 { rela = le(k + 8, 8); break }
        let relaAddress = try #require(rela)
        let table = try #require(offset(of: relaAddress))
        #expect(offset(of: 0x10000) == 0, "the first segment maps the ELF header")
        for i in 0..<8 { elf[table + i] = UInt8(truncatingIfNeeded: UInt64(0x10000) >> (8 * UInt64(i))) }
        let why = refusal(elf)
        #expect(why?.hasPrefix("the image they make is not loadable: ") == true, "\(why ?? "not refused as a relocation")")
    }

    func refusal(_ elf: Bytes) -> String? {
        let result = Result { () throws(EEError) -> Receipt in try ContractSession().deploy(elf, kind: .riscv) }
        guard case .failure(.elf(.dynamicRelocation(let why))) = result else {
            Issue.record("\(result)")
            return nil
        }
        return why
    }
}
