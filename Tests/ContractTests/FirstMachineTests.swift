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
}
