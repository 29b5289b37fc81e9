import Foundation
import Testing

@testable import EEKit

/// The square memory term (`GasSchedule.riscvMemorySquareErgs`): a frame's writable pages (its
/// image's and its heap's) beyond 256 (1 MiB) cost 2 gas x (pages - 256)^2 on top of the 64
/// gas a page, as the EVM's memory grows with its square. A review's dependent-load loop over
/// 56 MiB of .bss ran at 90 ns per gas with the linear price alone.
@Suite struct NativeMemoryPriceTests {
    @Test func theSquareTermStartsAtOneMiB() {
        let s = GasSchedule.default
        #expect(s.riscvMemorySquareErgs(pages: 0) == 0 && s.riscvMemorySquareErgs(pages: 256) == 0)
        #expect(s.riscvMemorySquareErgs(pages: 257) == 2 * 256)
        #expect(s.riscvMemorySquareErgs(pages: 1024) == 2 * 768 * 768 * 256)  // 4 MiB: 1.18M gas
        #expect(s.riscvMemorySquareErgs(pages: .max) == .max)
        var cheap = s
        cheap.ergsPerGas = 1
        #expect(cheap.nativeRated.riscvMemorySquareErgs(pages: 257) == 2)
    }

    /// A contract whose .bss is `kib` KiB and whose call grows its heap by `grow` pages: the
    /// frame's gas differs by exactly the linear and square prices of the extra pages.
    func gasUsed(bssKiB: Int, grow: Int) throws -> UInt64 {
        let source = """
            #include "eekit.h"
            static volatile uint8_t big[\(bssKiB) << 10] __attribute__((aligned(4096)));
            void eekit_main(int is_constructor) {
              if (is_constructor) return;
              big[0] = 1;
              uintptr_t top = eek_brk(0);
              if (\(grow)) eek_brk(top + 4096u * \(grow));
              eek_return(0, 0);
            }
            """
        let elf = try Fixtures.contract(source)
        let s = ContractSession()
        let d = try s.deploy(elf, kind: .riscv)
        let a = try #require(d.createdAddress, "\(d.status)")
        let r = try s.call(a, data: [])
        #expect(r.status == .success, "\(r.status)")
        return r.gasUsed
    }

    /// Read-only zero fill (a non-executable segment's memory beyond its file bytes) is priced
    /// as writable pages are: a review read a byte a page of 56 MiB of it at 350 ns per gas,
    /// for free.
    @Test func readOnlyZeroFillIsPricedAsMemory() throws {
        func gasUsed(kib: Int) throws -> UInt64 {
            let source = """
                #include "eekit.h"
                __asm__(".section .robss,\\"a\\",@nobits\\n.p2align 12\\n.globl ro\\nro:\\n.zero \(kib << 10)\\n.text");
                extern const volatile uint8_t ro[];
                void eekit_main(int is_constructor) {
                  if (is_constructor) return;
                  uint8_t x = ro[0];
                  eek_return(&x, 1);
                }
                """
            let elf = try Fixtures.contract(source)
            let s = ContractSession()
            let d = try s.deploy(elf, kind: .riscv)
            let a = try #require(d.createdAddress, "\(d.status)")
            let r = try s.call(a, data: [])
            #expect(r.status == .success && r.output == [0], "\(r.status)")
            return r.gasUsed
        }
        let small = try gasUsed(kib: 4), large = try gasUsed(kib: 2048)
        // 511 more pages, 64 gas each, and the square term past 256 pages.
        #expect(large - small >= 511 * 64 + 2 * 255 * 255, "\(large) \(small)")
    }

    @Test func framesPayTheSquareOfTheirWritablePagesBeyondOneMiB() throws {
        // The contract's only writable image pages are its .bss: 255 and 256 pages differ by
        // the linear 64 gas (no square term up to 256), 256 and 512 by 256 x 64 + 2 x 256^2.
        let below = try gasUsed(bssKiB: 1020, grow: 0), atFree = try gasUsed(bssKiB: 1024, grow: 0)
        #expect(atFree - below == 64, "\(atFree) \(below)")
        let twice = try gasUsed(bssKiB: 2048, grow: 0)
        #expect(twice - atFree == 256 * 64 + 2 * 256 * 256, "\(twice) \(atFree)")
        // Heap growth pays the square term's growth too: 256 pages of heap on 512 of .bss cost
        // what 768 pages of .bss cost, plus the growing call's own system-call price.
        let grown = try gasUsed(bssKiB: 2048, grow: 256), bigger = try gasUsed(bssKiB: 3072, grow: 0)
        #expect(grown > bigger && grown - bigger < 64, "\(grown) \(bigger)")
        // 17 MiB of .bss cannot be had for 30M gas (the EVM's memory stops near 4 MiB).
        let s = ContractSession()
        let elf = try Fixtures.contract("""
            #include "eekit.h"
            static volatile uint8_t big[17 << 20];
            void eekit_main(int is_constructor) { big[0] = 1; }
            """)
        let d = try s.deploy(elf, kind: .riscv, gas: 30_000_000)
        #expect(d.status == .failure(.outOfResources), "\(d.status)")
    }
}
