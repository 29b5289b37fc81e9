@testable import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// How native frames get machines without mapping or decoding anew: spares of evicted images,
/// and the template's decoded code shared copy-on-write.
@Suite struct MachineReuseTests {
    /// calldata: an address (8 bytes, little endian); loads the byte there and returns it.
    static let reader = #"""
        #include "eekit.h"
        static const volatile char tag[] = TAG;
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t d[8] = {0};
          eek_calldata_copy(d, 0, 8);
          (void)tag[0];
          uint64_t a = 0;
          for (int i = 7; i >= 0; i--) a = a << 8 | d[i];
          uint8_t v = *(volatile uint8_t *)(uintptr_t)a;
          eek_return(&v, 1);
        }
        """#

    /// A donor: 16 pages of .data, each with bytes that are not zero, where the checksum
    /// contract (HostWorkTests.checksum) has its .data, .bss and heap, and 24 pages of .bss above
    /// them that it writes (readable and writable pages where the checksum and reader contracts
    /// have none). Its file and writable pages stay below `SpareMachines.residentImageLimit`, so
    /// that its spares keep their pages and must be zeroed where it wrote (with more, the spares
    /// give every page back and the test no longer sees a missed zeroing).
    static let donor = #"""
        #include "eekit.h"
        static const volatile char tag[] = TAG;
        static volatile uint8_t fill[16][4096] = {
          [0][9] = 1, [0][2048] = 1, [1][9] = 2, [1][2048] = 2, [2][9] = 3, [2][2048] = 3, [3][9] = 4, [3][2048] = 4,
          [4][9] = 5, [4][2048] = 5, [5][9] = 6, [5][2048] = 6, [6][9] = 7, [6][2048] = 7, [7][9] = 8, [7][2048] = 8,
          [8][9] = 9, [8][2048] = 9, [9][9] = 10, [9][2048] = 10, [10][9] = 11, [10][2048] = 11, [11][9] = 12,
          [11][2048] = 12, [12][9] = 13, [12][2048] = 13, [13][9] = 14, [13][2048] = 14, [14][9] = 15,
          [14][2048] = 15, [15][9] = 16, [15][2048] = 16};
        static volatile uint8_t big[24][4096];
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t d = 0;
          if (eek_calldata_size()) eek_calldata_copy(&d, 0, 1);
          (void)tag[0];
          uint64_t s = 0;
          for (int p = 0; p < 16; p++) { s += fill[p][d % 16]; fill[p][100] ^= 0xee; }
          for (int p = 0; p < 24; p++) { s += big[p][d]; big[p][d] = 0xdd; }
          eek_address self;
          eek_self(&self);
          if (d > 0) { uint8_t n = (uint8_t)(d - 1); eek_call(EEK_CALL, &self, 0, &n, 1, EEK_GAS_ALL, 0); }
          eek_return(&s, 8);
        }
        """#

    /// Machines of images that left the cache are wiped and kept as spares (`SpareMachines`),
    /// and new images' templates and first frames are built on them. A spare must run exactly
    /// as a new machine: the same memory contents (the donors' data lay where the probe has its
    /// .data, .bss and heap), and no permission left behind (a page the donor could read is a
    /// fault for the probe). Runs in a child process of its own: the counts are process-wide.
    @Test func sparesOfEvictedImagesRunAsNewMachines() async {
        await #expect(processExitsWith: .success) {
            do { try MachineReuseTests.scenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func scenario() throws {
        func must(_ ok: Bool, _ why: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
            HostWorkTests.must(ok, why(), sourceLocation: sourceLocation)
        }
        let s = ContractSession()
        func deploy(_ source: String, _ tag: String, xlen: Int = 64) throws -> Address {
            let elf = try Fixtures.contract(source, xlen: xlen, flags: ["-DTAG=\"\(tag)\""])
            let d = try s.deploy(elf, kind: .riscv)
            must(d.createdAddress != nil, "deploying \(tag) failed: \(d.status)")
            return d.createdAddress!
        }
        func read(_ a: Address, _ address: UInt64) throws -> Receipt {
            try s.call(a, data: withUnsafeBytes(of: address.littleEndian, Array.init))
        }
        // The reference results on new machines, from RV32 builds (the sums do not depend on
        // XLEN), whose machines cannot be the RV64 contracts' spares.
        must(SpareMachines.count == 0, "spares before any eviction")
        let reference = try deploy(HostWorkTests.checksum, "ref", xlen: 32)
        let sum = try s.call(reference, data: [6], gas: 1_000_000_000)
        must(sum.status == .success && sum.output.count == 8, "reference: \(sum.status)")
        // An address the donors' .bss covers and the reader's memory does not.
        let donorPage: UInt64 = 0x3_0000
        let unmapped = try read(try deploy(reader, "ref", xlen: 32), donorPage)
        must(!unmapped.status.isSuccess, "the reference read 0x30000: \(unmapped.status)")
        // RV64 donors, seven frames each: their templates and parked machines hold their .data.
        for tag in ["d1", "d2", "d3"] {
            let a = try deploy(donor, tag)
            let r = try s.call(a, data: [6], gas: 1_000_000_000)
            must(r.status == .success, "donor \(tag): \(r.status)")
            // Small enough for its spares to keep their pages (else nothing needs zeroing).
            let pages = ContractImageCache.count(of: s.world.account(a)?.codeHash ?? Keccak.empty) { Int($0.imagePageBytes) }
            must(pages > 0 && pages <= Int(SpareMachines.residentImageLimit), "donor \(tag): \(pages) bytes of image pages")
        }
        ContractImageCache.evictAll()
        let spares = SpareMachines.count
        must(spares >= 8, "only \(spares) spares after evicting the donors' images")
        // The RV64 contracts' templates and frame machines are the donors' (the only RV64 spares).
        let probe = try deploy(HostWorkTests.checksum, "probe")
        must(SpareMachines.count < spares, "the probe took no spare")
        let again = try s.call(probe, data: [6], gas: 1_000_000_000)
        must(again.status == .success && again.output == sum.output, "probe on spares: \(again.status), \(again.output) against \(sum.output)")
        let left = SpareMachines.count
        let fault = try read(try deploy(reader, "reader"), donorPage)
        must(SpareMachines.count < left, "the reader took no spare")
        must(!fault.status.isSuccess, "a spare kept a donor's page readable: \(fault.status)")
    }

    /// Machines reset with the template's shared decoded code (`shareDecodedCode`, made when
    /// an image needs its second machine) map it copy-on-write: code one machine rewrites (and
    /// so re-decodes) stays its own; the next machine mapping the file, and the template, run
    /// the original instruction. (A shared mapping instead of a private one passed every other
    /// test.)
    @Test func codeRewrittenOnAMachineMappingSharedCodeStaysItsOwn() throws {
        func li(_ v: Int32) -> [UInt8] { TestELF.le32(RVAsm.li(10, v)) }
        let ebreak = TestELF.le32(0x0010_0073)
        let a = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(a.load(li(7) + ebreak, at: 0x1000))
        a.protect(0x1000, 0x4000, [.read, .write, .execute])
        try a.setCodeRange(0x1000, 0x4000)  // 3 pages: 96 KiB decoded, above sharedCodeMinimum
        let shared = try #require(a.shareDecodedCode())
        func run(_ m: RISCVMachine) -> UInt64 {
            m.pc = 0x1000
            m.budget = 1000
            #expect(m.run() == .ebreak)
            return m[register: 10]
        }
        let b = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(b.reset(from: a, copy: [0x1000..<0x4000], zero: [], sharing: shared))
        #expect(run(b) == 7)
        #expect(b.load(li(9), at: 0x1000))
        #expect(run(b) == 9, "the rewrite was not decoded")
        let c = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(c.reset(from: a, copy: [0x1000..<0x4000], zero: [], sharing: shared))
        #expect(run(c) == 7, "another machine's rewrite reached this one's decoded code")
        #expect(run(a) == 7, "a machine's rewrite reached the template")
    }

    /// calldata [depth]: recurses `depth` frames deep, then returns.
    static let recurser = #"""
        #include "eekit.h"
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t d = 0;
          if (eek_calldata_size()) eek_calldata_copy(&d, 0, 1);
          if (d > 0) {
            eek_address self;
            eek_self(&self);
            uint8_t n = (uint8_t)(d - 1);
            eek_call(EEK_CALL, &self, 0, &n, 1, EEK_GAS_ALL, 0);
          }
          uint64_t ok = 1;
          eek_return(&ok, 8);
        }
        """#

    /// `elf` (ELF64) with `segments` more read-only PT_LOADs from `base` up, each mapping the
    /// same appended blob of `blobPages` pages (all but the last page have bytes other than zero).
    static func inflate(_ elf: Bytes, blobPages: Int, segments: Int, base: UInt64) -> Bytes {
        func rd(_ b: Bytes, _ o: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(b[o + i]) << (8 * UInt64(i)) }
            return v
        }
        func wr(_ b: inout Bytes, _ o: Int, _ n: Int, _ v: UInt64) {
            for i in 0..<n { b[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        }
        var out = elf
        while out.count % 4096 != 0 { out.append(0) }
        let blobOffset = out.count
        for p in 0..<blobPages {
            var page = Bytes(repeating: 0, count: 4096)
            if p < blobPages - 1 { for i in stride(from: 0, to: 4096, by: 64) { page[i] = UInt8(1 + p % 200) } }
            out += page
        }
        let phoff = Int(rd(elf, 32, 8)), phnum = Int(rd(elf, 56, 2))
        let newPhoff = out.count
        out += Array(elf[phoff..<phoff + 56 * phnum])
        for i in 0..<segments {
            var ph = Bytes(repeating: 0, count: 56)
            wr(&ph, 0, 4, 1)  // PT_LOAD
            wr(&ph, 4, 4, 4)  // PF_R
            wr(&ph, 8, 8, UInt64(blobOffset))
            let va = base + UInt64(i * blobPages * 4096)
            wr(&ph, 16, 8, va)
            wr(&ph, 24, 8, va)
            wr(&ph, 32, 8, UInt64(blobPages * 4096))
            wr(&ph, 40, 8, UInt64(blobPages * 4096))
            wr(&ph, 48, 8, 4096)
            out += ph
        }
        wr(&out, 32, 8, UInt64(newPhoff))
        wr(&out, 56, 2, UInt64(phnum + segments))
        return out
    }

    static func residentBytes() -> Int {
        let s = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let f = s.split(separator: " ")
        return (Int(f.count > 1 ? f[1] : "0") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// A review's finding: one transaction recursing 24 frames deep into a contract whose ELF
    /// (under 100 KiB, within the 256 KiB deposit limit) maps 24 MiB of read-only file pages
    /// (362 segments over the same file bytes). Its machines become spares when the
    /// transaction ends and the image is evicted; they kept 521 MiB resident with the cache
    /// empty. A large image's spares now keep no page resident.
    @Test func sparesOfLargeImagesKeepNoPageResident() async {
        await #expect(processExitsWith: .success) {
            do { try MachineReuseTests.residentScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func residentScenario() throws {
        let s = ContractSession()
        let base = try Fixtures.contract(recurser)
        let elf = inflate(base, blobPages: 17, segments: 362, base: 0x40_0000)
        HostWorkTests.must(elf.count < 256 << 10, "ELF of \(elf.count) bytes")
        let d = try s.deploy(elf, kind: .riscv, gas: 100_000_000)
        HostWorkTests.must(d.createdAddress != nil, "deploy: \(d.status)")
        let a = d.createdAddress!
        ContractImageCache.evictAll()
        let before = residentBytes()
        let r = try s.call(a, data: [23], gas: 100_000_000)
        HostWorkTests.must(r.status == .success, "call: \(r.status)")
        let afterTx = residentBytes()
        ContractImageCache.evictAll()
        let afterEvict = residentBytes()
        let spares = SpareMachines.count
        HostWorkTests.must(afterEvict - before < 32 << 20, "spares keep \((afterEvict - before) >> 20) MiB resident with the cache empty (\(spares) spares; ELF \(elf.count) B, call gas \(r.gasUsed), resident MiB before \(before >> 20), after tx \(afterTx >> 20), after eviction \(afterEvict >> 20))")
    }

    /// A review's finding: 64 machines of a memory size no other contract uses (one
    /// transaction's spares) filled SpareMachines for good, and every later evicted image's
    /// machines were unmapped. The oldest spare now makes room for a new one.
    @Test func theOldestSpareMakesRoomForANewOne() async {
        await #expect(processExitsWith: .success) {
            do { try MachineReuseTests.fillScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func fillScenario() throws {
        let s = ContractSession()
        let base = try Fixtures.contract(recurser)
        // 2 MiB of read-only file pages: the image gets 8 MiB of memory (not the default 1 MiB).
        let big = inflate(base, blobPages: 17, segments: 30, base: 0x40_0000)
        let a = try s.deploy(big, kind: .riscv, gas: 100_000_000).createdAddress!
        let r = try s.call(a, data: [80], gas: 200_000_000)
        HostWorkTests.must(r.status == .success, "call: \(r.status)")
        ContractImageCache.evictAll()
        let full = SpareMachines.count
        HostWorkTests.must(full == SpareMachines.limit, "\(full) spares after an 81-frame descent")
        // A normal contract (1 MiB memory): its machines replace the oldest.
        let small = try s.deploy(base, kind: .riscv).createdAddress!
        _ = try s.call(small, data: [3])
        ContractImageCache.evictAll()
        let oneMiB = try SpareMachines.take(memorySize: 1 << 20, xlen: 64, schedule: .default)
        HostWorkTests.must(oneMiB != nil, "gas \(r.gasUsed); spares: \(full) after the big contract; no 1 MiB spare kept after evicting a normal contract (count \(SpareMachines.count))")
    }
}
