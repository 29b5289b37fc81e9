import EEKit
import EEKitTestSupport
import Testing

/// Host work that gas must pay for (a CPU-per-gas review): these check the mechanisms that bound
/// it, not timings (the review's figures are in Benchmarks/RESULTS.md).
@Suite struct HostWorkTests {
    /// calldata = [pages, depth] descends `depth` frames deep, each reading one page of a
    /// read-only table with `pages` pages of file bytes; [pages, depth, n] runs n such descents.
    static func source(pages: Int) -> String {
        let initializers = (0..<pages).map { "[\($0)][0] = \($0 % 200 + 1)" }.joined(separator: ", ")
        return """
            #include "eekit.h"
            static const uint8_t table[\(pages)][4096] = { \(initializers) };
            void eekit_main(int is_constructor) {
              if (is_constructor) return;
              uint8_t d[3] = {0, 0, 0};
              size_t n = eek_calldata_size();
              eek_calldata_copy(d, 0, n > 3 ? 3 : n);
              eek_address self;
              eek_self(&self);
              volatile uint8_t sink = table[d[1] % \(pages)][0];
              (void)sink;
              if (n == 3) {
                for (int i = 0; i < d[2]; i++) {
                  uint8_t next[2] = {d[0], d[1]};
                  if (eek_call(EEK_CALL, &self, 0, next, 2, EEK_GAS_ALL, 0) != EEK_SUCCESS) eek_revert(0, 0);
                }
              } else if (d[1] > 0) {
                uint8_t next[2] = {d[0], (uint8_t)(d[1] - 1)};
                if (eek_call(EEK_CALL, &self, 0, next, 2, EEK_GAS_ALL, 0) != EEK_SUCCESS) eek_revert(0, 0);
              }
              eek_return(0, 0);
            }
            """
    }

    /// A 2 MiB table makes each machine hold 2 MiB, so the image's pool keeps 31 of them. Three
    /// 40-deep descents in one transaction (41 frames at once with the top one) used to build
    /// 41 machines and then 10 more per descent (those the pool could not take were unmapped
    /// and rebuilt): 61; the transaction now keeps them, and builds only as many as it has
    /// frames at once.
    @Test func aTransactionBuildsAMachinePerSimultaneousFrameOnly() throws {
        let pages = 512
        let elf = try Fixtures.contract(Self.source(pages: pages))
        let s = ContractSession()
        let a = Address(low: 0x4057)
        // 2 MiB of code is above what a deployment stores: installed directly.
        s.world.setAccount(a, Account(nonce: 1, balance: .zero, kind: .riscv, code: elf))
        let hash = Keccak.hash(elf)
        // Parked machines (pools and transactions' spares) are capped at 2,048 per process;
        // suites running beside this one may hold most of them, and then a spare is unmapped
        // as before. The counts are checked only with room for this test's 41.
        let room = RISCVEnvironment.parkedMachines < 2048 - 100
        let r = try s.call(a, data: [UInt8(pages & 0xff), 39, 3], gas: 30_000_000)
        #expect(r.status == .success, "\(r.status)")
        guard room, RISCVEnvironment.parkedMachines < 2048 - 50 else { return }
        // 0 if the cache dropped the image meanwhile (suites run beside this one).
        let built = RISCVEnvironment.machinesBuilt(of: hash)
        #expect(built <= 41, "\(built) machines for 41 simultaneous frames")
        // A second transaction reuses the pool's and builds the other 10 again, once (30 before).
        _ = try s.call(a, data: [UInt8(pages & 0xff), 39, 3], gas: 30_000_000)
        #expect(RISCVEnvironment.machinesBuilt(of: hash) - built <= 12)
    }

    /// BRK that shrinks the heap zeroes the pages it gives up and keeps them (they were paid
    /// for): the bytes read back as zero after regrowing, on RV64 and RV32.
    @Test(arguments: [64, 32]) func heapShrinkZeroesWhatItGivesUp(xlen: Int) throws {
        let source = #"""
            #include "eekit.h"
            void eekit_main(int is_constructor) {
              if (is_constructor) return;
              uintptr_t b = eek_brk(0);
              uint64_t bad = 0;
              for (int round = 0; round < 3; round++) {
                eek_brk(b + 40 * 4096 + 100);
                for (uintptr_t i = 512; i < 40 * 4096 + 100; i += 512) bad += ((volatile uint8_t *)b)[i];
                for (uintptr_t i = 512; i < 40 * 4096 + 100; i += 512) ((volatile uint8_t *)b)[i] = 0x5a;
                eek_brk(b + 10);
                for (uintptr_t i = 10; i < 4096; i += 64) bad += ((volatile uint8_t *)b)[i];
              }
              eek_return(&bad, 8);
            }
            """#
        let s = ContractSession()
        let c = try #require(try s.deploy(try Fixtures.contract(source, xlen: xlen), kind: .riscv).createdAddress)
        for _ in 0..<2 {
            let r = try s.call(c, data: [])
            #expect(r.status == .success && r.output == Bytes(repeating: 0, count: 8), "rv\(xlen): \(r.status) \(r.output)")
        }
    }
}
