import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// Host work that gas must pay for (a CPU-per-gas review): these check the mechanisms that bound
/// it, not timings (the review's figures are in Benchmarks/RESULTS.md).
// The two tests that count frame machines read process-wide numbers (parking places, the image
// cache, machines built and reset), which suites running beside them in the same process moved:
// their checks were skipped under load, and one failed CI. Each now runs in a child process of
// its own (a Swift Testing exit test), where nothing else runs, so every count is exact and
// every check runs; issues the child records reach the parent.
@Suite struct HostWorkTests {
    /// A check inside an exit test's child: records `why` and ends the child with status 1.
    static func must(_ ok: Bool, _ why: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard !ok else { return }
        Issue.record(Comment(rawValue: why()), sourceLocation: sourceLocation)
        exit(1)
    }

    /// calldata = [pages, depth] descends `depth` frames deep, each reading one page of a
    /// read-only table with `pages` pages of file bytes; [pages, depth, n] runs n such descents.
    static func source(pages: Int) -> String {
        """
            #include "eekit.h"
            \(table(pages: pages))
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

    /// `table`, `pages` pages of read-only file bytes (none all zero): each machine of the image
    /// holds them, so its pool keeps about 64 MiB / (4 KiB `pages`) machines.
    static func table(pages: Int) -> String {
        let initializers = (0..<pages).map { "[\($0)][0] = \($0 % 200 + 1)" }.joined(separator: ", ")
        return "static const uint8_t table[\(pages)][4096] = { \(initializers) };"
    }

    /// A 2 MiB table makes each machine hold 2 MiB, so the image's pool keeps 31 of them. Three
    /// 40-deep descents in one transaction (41 frames at once with the top one) used to build
    /// 41 machines and then 10 more per descent (those the pool could not take were unmapped
    /// and rebuilt): 61; the transaction now keeps them, and builds only as many as it has
    /// frames at once.
    @Test func aTransactionBuildsAMachinePerSimultaneousFrameOnly() async {
        await #expect(processExitsWith: .success) {
            do { try HostWorkTests.simultaneousFramesScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func simultaneousFramesScenario() throws {
        let pages = 512
        let elf = try Fixtures.contract(Self.source(pages: pages))
        let s = ContractSession()
        let a = Address(low: 0x4057)
        // 2 MiB of code is above what a deployment stores: installed directly.
        s.world.setAccount(a, Account(nonce: 1, balance: .zero, kind: .riscv, code: elf))
        let hash = Keccak.hash(elf)
        let r = try s.call(a, data: [UInt8(pages & 0xff), 39, 3], gas: 30_000_000)
        must(r.status == .success, "first transaction: \(r.status)")
        must(RISCVEnvironment.parkingRefusals == 0, "parking refused in a process of its own")
        let built = RISCVEnvironment.machinesBuilt(of: hash)
        must(built == 41, "\(built) machines built for 41 simultaneous frames")
        // A second transaction reuses the pool's 31 and builds the other 10 again, once (30
        // before the transaction kept its spares).
        let again = try s.call(a, data: [UInt8(pages & 0xff), 39, 3], gas: 30_000_000)
        must(again.status == .success, "second transaction: \(again.status)")
        let more = RISCVEnvironment.machinesBuilt(of: hash) - built
        must(more == 10, "the second transaction built \(more) machines, not 10")
    }

    /// Self-recursion `calldata[0]` deep; `TAG` only makes the code (and its hash) differ. Its
    /// 64 KiB of writable data, a byte other than zero on every page, lie where the checksum
    /// contract has its .bss and heap.
    static let recursive = #"""
        #include "eekit.h"
        static const volatile char tag[] = TAG;
        static volatile uint8_t fill[16][4096] = {[0][9] = 1, [1][9] = 1, [2][9] = 1, [3][9] = 1, [4][9] = 1,
          [5][9] = 1, [6][9] = 1, [7][9] = 1, [8][9] = 1, [9][9] = 1, [10][9] = 1, [11][9] = 1, [12][9] = 1,
          [13][9] = 1, [14][9] = 1, [15][9] = 1};
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t d = 0;
          if (eek_calldata_size()) eek_calldata_copy(&d, 0, 1);
          (void)tag[0];
          (void)fill[d % 16][9];
          eek_address self;
          eek_self(&self);
          if (d > 0) { uint8_t n = (uint8_t)(d - 1); eek_call(EEK_CALL, &self, 0, &n, 1, EEK_GAS_ALL, 0); }
          eek_return(0, 0);
        }
        """#

    /// Sums its initial .data, .bss and fresh heap, then dirties all three, recursing
    /// `calldata[0]` deep and adding what the frame below returns: the result shows any byte a
    /// reused machine failed to reset.
    static let checksum = #"""
        #include "eekit.h"
        static const volatile char tag[] = TAG;
        static uint8_t data[3 * 4096] = {[0] = 1, [5000] = 2, [9000] = 3, [12287] = 4};
        static uint8_t bss[2 * 4096];
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t d = 0;
          if (eek_calldata_size()) eek_calldata_copy(&d, 0, 1);
          (void)tag[0];
          uint64_t sum = 0;
          for (unsigned i = 0; i < sizeof data; i++) sum = sum * 31 + data[i];
          for (unsigned i = 0; i < sizeof bss; i++) sum += (uint64_t)bss[i] * 7;
          uint8_t *h = eek_alloc(3 * 4096);
          for (unsigned i = 0; i < 3 * 4096; i++) sum += (uint64_t)h[i] * 11;
          for (unsigned i = 0; i < sizeof data; i++) data[i] ^= 0x5a;
          for (unsigned i = 0; i < sizeof bss; i++) bss[i] = 0x77;
          for (unsigned i = 0; i < 3 * 4096; i++) h[i] = 0x99;
          if (d > 0) {
            eek_address self;
            eek_self(&self);
            uint8_t n = (uint8_t)(d - 1);
            uint64_t below = 0;
            if (eek_call(EEK_CALL, &self, 0, &n, 1, EEK_GAS_ALL, 0) == EEK_SUCCESS) eek_returndata_copy(&below, 0, 8);
            sum += below;
          }
          eek_return(&sum, 8);
        }
        """#

    /// A frame that finds no machine of its own image may reset another image's parked machine
    /// instead of building one (by default once half of the 2,048 parking places are taken).
    /// Such a machine must run exactly as a fresh one: the same sums of .data, .bss and heap at
    /// every depth. The donors are the recursive contracts, whose writable data lies where the
    /// checksum contract has its .bss and heap.
    @Test func machinesResetFromAnotherImageRunAsNewOnes() async {
        await #expect(processExitsWith: .success) {
            do { try HostWorkTests.retargetScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func retargetScenario() throws {
        let s = ContractSession()
        func deploy(_ source: String, _ tag: String, xlen: Int = 64) throws -> Address {
            let elf = try Fixtures.contract(source, xlen: xlen, flags: ["-DTAG=\"\(tag)\""])
            let address = try s.deploy(elf, kind: .riscv).createdAddress
            must(address != nil, "deploying \(tag) failed")
            return address!
        }
        // The reference is RV32: its machines cannot be donors of the RV64 probe (the sums do
        // not depend on XLEN), so the probe's come from the recursive contracts.
        let reference = try deploy(Self.checksum, "ref", xlen: 32), probe = try deploy(Self.checksum, "probe")
        let first = try s.call(reference, data: [40], gas: 1_000_000_000)
        must(first.status == .success && first.output.count == 8, "reference: \(first.status)")
        // Five recursions park about 1,250 machines between them: past half the parking
        // places, where a frame without a machine of its own takes another image's.
        for tag in ["r1", "r2", "r3", "r4", "r5"] {
            let r = try s.call(try deploy(Self.recursive, tag), data: [250], gas: 1_000_000_000)
            must(r.status == .success, "recursion \(tag): \(r.status)")
        }
        let parked = RISCVEnvironment.parkedMachines
        must(parked >= RISCVEnvironment.reuseOtherImagesMachinesFrom, "only \(parked) machines parked")
        let again = try s.call(probe, data: [40], gas: 1_000_000_000)
        must(again.status == .success && again.output == first.output, "probe on reset machines: \(again.status)")
        // 41 frames: the machine its constructor parked, unless a recursion took that one as a
        // donor too (the donor is the first cached image with a parked machine, in the
        // dictionary's per-process hash order: seen in CI), then reset ones; none built.
        let probeHash = s.world.account(probe)?.codeHash ?? Keccak.empty
        let retargeted = RISCVEnvironment.machinesRetargeted(of: probeHash)
        must(retargeted == 40 || retargeted == 41, "\(retargeted) machines of other images reset for the probe's 41 frames")
        must(RISCVEnvironment.machinesBuilt(of: probeHash) == 1, "the probe built machines past its constructor's")
        // And a second round on the now pooled machines.
        let pooled = try s.call(probe, data: [40], gas: 1_000_000_000)
        must(pooled.output == first.output, "probe on pooled machines: \(pooled.status)")
    }

    /// BRK that shrinks the heap zeroes the pages it gives up and keeps them (they were paid
    /// for): the bytes read back as zero after regrowing, on RV64 and RV32. Regrowing pays for
    /// the pages again (64 gas a page): that pays for the zeroing, which a shrink-regrow loop
    /// would otherwise get for nothing.
    @Test(arguments: [64, 32]) func heapShrinkZeroesWhatItGivesUp(xlen: Int) throws {
        let source = #"""
            #include "eekit.h"
            void eekit_main(int is_constructor) {
              if (is_constructor) return;
              uintptr_t b = eek_brk(0);
              uint64_t out[3] = {0, 0, 0}; /* bad bytes, gas of the first growth, of the last */
              uint64_t bad = 0;
              for (int round = 0; round < 3; round++) {
                uint64_t g = eek_gas_left();
                eek_brk(b + 40 * 4096 + 100);
                g -= eek_gas_left();
                if (round == 0) out[1] = g;
                if (round == 2) out[2] = g;
                for (uintptr_t i = 512; i < 40 * 4096 + 100; i += 512) bad += ((volatile uint8_t *)b)[i];
                for (uintptr_t i = 512; i < 40 * 4096 + 100; i += 512) ((volatile uint8_t *)b)[i] = 0x5a;
                eek_brk(b + 10);
                for (uintptr_t i = 10; i < 4096; i += 64) bad += ((volatile uint8_t *)b)[i];
              }
              out[0] = bad;
              eek_return(out, sizeof out);
            }
            """#
        let s = ContractSession()
        let c = try #require(try s.deploy(try Fixtures.contract(source, xlen: xlen), kind: .riscv).createdAddress)
        func le(_ b: ArraySlice<UInt8>) -> UInt64 { b.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        for _ in 0..<2 {
            let r = try s.call(c, data: [])
            #expect(r.status == .success && r.output.count == 24, "rv\(xlen): \(r.status) \(r.output)")
            guard r.output.count == 24 else { continue }
            #expect(le(r.output[0..<8]) == 0, "rv\(xlen): nonzero bytes after regrowing")
            let first = le(r.output[8..<16]), last = le(r.output[16..<24])
            #expect(first >= 40 * 64 && last >= 40 * 64, "rv\(xlen): growth cost \(first) gas, regrowth \(last)")
        }
    }
}
