@testable import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// A contract image's first frame runs on the machine the image was loaded into
/// (`ContractImage.FirstMachine`), which then becomes the template: it must leave that machine
/// exactly as loaded, and frames that need machines while it runs must get the loaded state too.
@Suite struct FirstMachineTests {
    /// calldata [d]: returns the sum of two .data words, two .bss words, 3,000 stack bytes and
    /// 64 heap bytes (all as loaded: 0x3333), after changing every one of them; with d > 0 it
    /// first calls itself with d - 1 and adds what that returns. With d = 0xff it loads a byte
    /// of the heap's first page without asking for it (a fault: no page is there as loaded).
    static let source = #"""
        #include "eekit.h"
        static const volatile char tag[] = TAG;
        static volatile uint64_t data[600] = {[0] = 0x1111, [599] = 0x2222};
        static volatile uint64_t bss[1024];
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t d = 0;
          if (eek_calldata_size()) eek_calldata_copy(&d, 0, 1);
          (void)tag[0];
          /* 0xff: a load from the heap's first page, which this frame did not ask for */
          if (d == 0xff) { uint8_t v = *(volatile uint8_t *)eek_brk(0); eek_return(&v, 1); }
          volatile uint8_t stack[3000];
          volatile uint8_t *heap = eek_alloc(64);
          uint64_t s = data[0] + data[599] + bss[5] + bss[1000];
          for (int i = 0; i < 3000; i++) { s += stack[i]; stack[i] = 0x5a; }
          for (int i = 0; i < 64; i++) { s += heap[i]; heap[i] = 0xa5; }
          data[0] = 0xdead; data[599] = 0xbeef; bss[5] = 7; bss[1000] = 9;
          if (d > 0) {
            eek_address self;
            eek_self(&self);
            uint8_t n = (uint8_t)(d - 1);
            if (eek_call(EEK_CALL, &self, 0, &n, 1, EEK_GAS_ALL, 0) != 0 || eek_returndata_size() != 8) eek_revert(0, 0);
            uint64_t inner;
            eek_returndata_copy(&inner, 0, 8);
            s += inner;
          }
          eek_return(&s, 8);
        }
        """#

    @Test func theFirstFrameLeavesItsMachineAsLoaded() async {
        await #expect(processExitsWith: .success) {
            do { try FirstMachineTests.scenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func scenario() throws {
        func must(_ ok: Bool, _ why: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
            HostWorkTests.must(ok, why(), sourceLocation: sourceLocation)
        }
        let s = ContractSession()
        let elf = try Fixtures.contract(source, flags: ["-DTAG=\"first\""])
        let hash = Keccak.hash(elf)
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        func call(_ d: UInt8, _ what: String) throws {
            let r = try s.call(a, data: [d], gas: 10_000_000)
            let want = UInt64(0x3333) * (UInt64(d) + 1)
            must(r.status == .success && r.output == withUnsafeBytes(of: want.littleEndian, Array.init),
                "\(what): \(r.status), \(r.output) against \(want)")
        }
        func built() -> Int { RISCVEnvironment.machinesBuilt(of: hash) }
        // The constructor ran on the loaded machine, and every later frame one at a time too:
        // each found it as loaded (a missed copy of .data or zeroing of .bss, heap or stack
        // shows in the sums), and no other machine was made.
        must(built() == 1, "the constructor: \(built()) machines")
        for i in 0..<3 { try call(0, "frame \(i + 1) after the constructor") }
        must(built() == 1, "three calls one after the other: \(built()) machines")
        let heap = try s.call(a, data: [0xff], gas: 10_000_000)
        must(!heap.status.isSuccess, "the heap page an earlier frame asked for stayed readable: \(heap.status)")
        // A new image of the same code: its first call runs on its loaded machine.
        ContractImageCache.evictAll()
        try call(0, "the first frame of a new image")
        try call(0, "its second frame")
        must(built() == 1, "two calls of a new image: \(built()) machines")
        // Recursing while the loaded machine runs: the image makes its template from the ELF,
        // the inner frames run on copies of it, and the loaded machine, when its frame ends, is
        // restored from the template and pooled.
        try call(3, "recursion on the loaded machine")
        must(built() == 4, "four frames at once: \(built()) machines")
        try call(3, "recursion on pooled machines")
        try call(0, "a pooled machine")
        must(built() == 4, "pooled machines reused: \(built()) machines")
        // A new image whose first frame recurses at once.
        ContractImageCache.evictAll()
        try call(2, "a new image recursing at once")
        must(built() == 3, "three frames at once on a new image: \(built()) machines")
        try call(0, "after it")
        must(built() == 3, "after it: \(built()) machines")
    }

    // MARK: Found by mutation (a round on the loaded machine)

    /// A read-write-execute image (one segment): with calldata it returns the a5 that `li a5, 1`
    /// at 0x10008 computes; without, it first rewrites that instruction to `li a5, 2`. A frame
    /// that rewrites its code must leave the next frame the image's code: an image with writable
    /// code makes its template at once, and released machines re-decode what differs from it
    /// (`restoreCode`); the loaded machine's snapshot has bytes and permissions, not decoded
    /// code. (Mutant: `!codeIsWritable` dropped from the condition for running frames on the
    /// loaded machine, which then ran the rewritten instruction over the restored bytes;
    /// AdversarialTests' gas comparison of code stores caught it too, by a gas difference.)
    static func rewriter() -> Bytes {
        typealias A = RVAsm
        var code: [UInt32] = [A.bne(10, 0, 0), A.b(0, 0, 11, 0)]  // patched below
        let value = code.count * 4  // 0x10008
        code += [A.li(15, 1), A.s(-8, 15, 2, 3, 0x23), A.addi(10, 2, -8), A.li(11, 8), A.lui(17, 0x10), A.ecall]
        let patch = code.count * 4
        code += [A.lui(5, 0x10)] + A.loadConstant(6, UInt64(A.li(15, 2)), xlen: 64) + [A.s(Int32(value), 6, 5, 2, 0x23)]
        code.append(A.jal(0, Int32(value - code.count * 4)))
        let constructor = code.count * 4
        code += [A.li(10, 0), A.li(11, 0), A.lui(17, 0x10), A.ecall]
        code[0] = A.bne(10, 0, Int32(constructor))  // the constructor returns at once
        code[1] = A.b(Int32(patch - 4), 0, 11, 0)  // beq a1, zero, patch (no calldata)
        return TestELF(xlen: 64, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: code.flatMap { TestELF.le32($0) }, memSize: 0x2000, flags: 7),
        ]).bytes
    }

    @Test func aFrameThatRewritesItsCodeLeavesTheNextOneTheImage() throws {
        let s = ContractSession()
        let a = try #require(try s.deploy(Self.rewriter(), kind: .riscv).createdAddress)
        func le(_ v: UInt64) -> Bytes { withUnsafeBytes(of: v.littleEndian, Array.init) }
        for round in 0..<3 {
            let direct = try s.call(a, data: [1])
            #expect(direct.status == .success && direct.output == le(1), "round \(round), as loaded: \(direct.status) \(direct.output)")
            let patched = try s.call(a, data: [])
            #expect(patched.status == .success && patched.output == le(2), "round \(round), rewritten: \(patched.status) \(patched.output)")
        }
    }

    /// `restore(snapshot:)` refuses a machine whose execute permissions `protect` changed since
    /// (its decoded code may no longer be the image's), and puts back the demand-zero range the
    /// frame's stack shrank. (Mutants: the `executePermissionsChanged` guard dropped, the
    /// demand-zero range not restored; contracts never change X, and their frames' stacks are
    /// zeroed whatever the range says, so the suite saw neither.)
    @Test func aSnapshotRestoresTheDemandZeroRangeAndRefusesChangedExecution() throws {
        func machine() throws -> RISCVMachine {
            let m = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
            #expect(m.load([0x13, 0x05, 0x70, 0x00, 0x73, 0x00, 0x10, 0x00], at: 0x10000))  // addi a0, x0, 7; ebreak
            m.protect(0x10000, 0x12000, [.read, .execute])
            m.protect(0x20000, 0x21000, [.read, .write])
            try m.setCodeRange(0x10000, 0x12000)
            m.setDemandZero(0x80000..<0xf0000)
            return m
        }
        let m = try machine()
        let s = try #require(m.snapshot(copy: [0x20000..<0x21000]))
        #expect(m.mapDemandZero(covering: 0xe0010))
        #expect(m.demandZero == 0x80000..<0xe0000)
        #expect(m.restore(snapshot: s, zero: [], alsoZero: 0..<0, zeroResident: 0xe0000..<0xf0000))
        #expect(m.demandZero == 0x80000..<0xf0000)
        #expect(m.permissions(at: 0xe0000) == [])
        // Execution changed on a code page: refused, whatever else matches.
        let n = try machine()
        let t = try #require(n.snapshot(copy: [0x20000..<0x21000]))
        n.protect(0x11000, 0x12000, [.read, .write])  // X taken away
        #expect(!n.restore(snapshot: t, zero: [], alsoZero: 0..<0, zeroResident: 0..<0))
    }
}
