@testable import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// A mutation round on the native frame life cycle and guest memory management (pools,
/// parking, restore, the image cache, reservations): what each surviving mutation showed was
/// unchecked. Every frame must start from the ELF's initial image with nothing left by an
/// earlier frame (stack, heap, .bss, .data, registers, the frame block), a suspended frame
/// must get exactly its registers and memory back, machines go back to their own image's pool
/// on every end and run at its prices, and the memory caps must be exact. Tests that read process-wide counts (machines built,
/// parked, reset) run in a child process of their own (exit tests), as in `HostWorkTests`.
@Suite struct FrameIsolationTests {
    /// Checks that its .data is as linked, its .bss, fresh heap (calldata[0..4] bytes, little
    /// endian) and the 24 KiB below its stack pointer are zero, then dirties all four. Returns
    /// five u64 counts of wrong bytes (.data, .bss, heap, stack; the fifth stays 0).
    static let dirty = #"""
        #include "eekit.h"
        #define N_DATA (2 * 4096 + 100)
        #define N_BSS (80 * 1024 + 300)
        #define SCAN (24 * 1024)
        #define INIT { [0] = 1, [777] = 2, [4096] = 3, [5000] = 4, [8191] = 5, [8192] = 6, [N_DATA - 1] = 7 }
        static const uint8_t orig[N_DATA] = INIT;
        static uint8_t data[N_DATA] = INIT;
        static uint8_t bss[N_BSS];
        static const volatile char tag[] = TAG;
        static inline uintptr_t get_sp(void) { uintptr_t s; __asm__ volatile("mv %0, sp" : "=r"(s)); return s; }
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          (void)tag[0];
          uint32_t heap_bytes = 0;
          eek_calldata_copy(&heap_bytes, 0, 4);
          uint64_t bad[5] = {0, 0, 0, 0, 0};
          volatile uint8_t *d = data, *b = bss;
          for (unsigned i = 0; i < N_DATA; i++) bad[0] += d[i] != orig[i];
          for (unsigned i = 0; i < N_BSS; i++) bad[1] += b[i] != 0;
          volatile uint8_t *h = eek_alloc(heap_bytes);
          for (unsigned i = 0; i < heap_bytes; i++) bad[2] += h[i] != 0;
          /* Below the stack pointer: nothing of this frame is there (no calls follow). */
          volatile uint8_t *s = (volatile uint8_t *)(get_sp() - SCAN);
          for (unsigned i = 0; i < SCAN; i++) bad[3] += s[i] != 0;
          for (unsigned i = 0; i < N_DATA; i++) d[i] ^= 0x5a;
          for (unsigned i = 0; i < N_BSS; i++) b[i] = 0x77;
          for (unsigned i = 0; i < heap_bytes; i++) h[i] = 0x99;
          for (unsigned i = 0; i < SCAN; i++) s[i] = 0xaa;
          eek_return(bad, sizeof bad);
        }
        """#

    static func le64s(_ b: Bytes) -> [UInt64] {
        stride(from: 0, to: b.count - b.count % 8, by: 8).map { o in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) }
        }
    }

    /// Frame after frame on the same (pooled) machine, with heaps above and below 64 KiB (which
    /// are given back or written), long and short calldata (the frame block moves): no frame sees
    /// a byte an earlier one left in .data, .bss, the heap or the stack (nor the frame block of
    /// a longer calldata, now below the stack pointer). The round's mutations of restore and
    /// of the wiping (.bss, heap, stack, its lowest page, the demand-zero range, a range wiped a
    /// page or a byte short) were each caught before by one or two tests of other suites; this
    /// checks every region in one place, on both XLENs.
    @Test(arguments: [64, 32]) func everyFrameStartsFromTheInitialImage(xlen: Int) throws {
        let s = ContractSession()
        let elf = try Fixtures.contract(Self.dirty, xlen: xlen, flags: ["-DTAG=\"iso\(xlen)\""])
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        func le32(_ v: UInt32) -> Bytes { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let calls: [(UInt32, Int)] = [
            (100 * 1024 + 100, 2000), (100 * 1024 + 100, 0), (10 * 1024, 0), (100 * 1024 + 100, 3000), (7, 0), (0, 0),
        ]
        for (i, (heap, padding)) in calls.enumerated() {
            let r = try s.call(a, data: le32(heap) + Bytes(repeating: 0xee, count: padding))
            #expect(r.status == .success, "rv\(xlen) call \(i): \(r.status)")
            #expect(Self.le64s(r.output) == [0, 0, 0, 0, 0], "rv\(xlen) call \(i) (heap \(heap)): wrong bytes in .data, .bss, heap, stack")
        }
    }

    /// A reentrant chain of the same contract: calldata [depth, max, calls]; each frame, on its
    /// own machine, dirties its .data, .bss, heap and stack, calls itself `calls` times in turn
    /// while depth < max (later calls' frames reuse machines the earlier ones released), and
    /// after each call finds its memory as it left it. Returns the count of wrong bytes (and
    /// 2^20 per failed call) of its whole subtree.
    static let reentrant = #"""
        #include "eekit.h"
        static uint64_t g = 5;
        static uint8_t page[4096];
        static const volatile char tag[] = TAG;
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          (void)tag[0];
          uint8_t c[3] = {0, 0, 0};
          eek_calldata_copy(c, 0, 3);
          uint8_t d = c[0];
          uint64_t bad = 0;
          volatile uint8_t *p = page;
          volatile uint64_t *vg = &g;
          if (*vg != 5) bad += 1000;
          for (int i = 0; i < 4096; i++) bad += p[i] != 0;
          volatile uint8_t *h = eek_alloc(5000);
          for (int i = 0; i < 5000; i++) bad += h[i] != 0;
          volatile uint8_t local[512];
          for (int i = 0; i < 512; i++) local[i] = (uint8_t)(d * 3 + 1);
          *vg = 100 + d;
          for (int i = 0; i < 4096; i++) p[i] = (uint8_t)(d + 1);
          for (int i = 0; i < 5000; i++) h[i] = (uint8_t)(d + 7);
          if (d < c[1]) {
            eek_address self;
            eek_self(&self);
            for (int k = 0; k < c[2]; k++) {
              uint8_t next[3] = {(uint8_t)(d + 1), c[1], c[2]};
              uint64_t below = 99;
              if (eek_call(EEK_CALL, &self, 0, next, 3, EEK_GAS_ALL, 0) != EEK_SUCCESS) bad += 1u << 20;
              else eek_returndata_copy(&below, 0, 8);
              bad += below;
              if (*vg != 100u + d) bad += 1u << 16;
              for (int i = 0; i < 4096; i++) bad += p[i] != (uint8_t)(d + 1);
              for (int i = 0; i < 5000; i++) bad += h[i] != (uint8_t)(d + 7);
              for (int i = 0; i < 512; i++) bad += local[i] != (uint8_t)(d * 3 + 1);
            }
          }
          eek_return(&bad, 8);
        }
        """#

    /// Descents of different depths and breadths in turn, so that machines move between the
    /// image's pool and the transaction's spares in every order.
    @Test(arguments: [64, 32]) func reentrantFramesKeepTheirOwnMemory(xlen: Int) throws {
        let s = ContractSession()
        let elf = try Fixtures.contract(Self.reentrant, xlen: xlen, flags: ["-DTAG=\"re\(xlen)\""])
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        for (max, calls) in [(3, 2), (7, 1), (3, 2), (2, 3), (8, 1)] as [(UInt8, UInt8)] {
            let r = try s.call(a, data: [0, max, calls], gas: 100_000_000)
            #expect(r.status == .success && r.output == Bytes(repeating: 0, count: 8), "rv\(xlen) \(max) deep, \(calls) calls: \(r.status) \(r.output)")
        }
    }

    // MARK: Registers

    /// Stores every register but sp and tp as it is at the entry point (below sp), then sets
    /// them all to garbage, and returns the stored ones: a frame starts with zero registers
    /// (a0: the constructor flag, a1: the calldata size), whatever the frame before left.
    static func registersAtEntry(xlen: Int) -> Bytes {
        let w = xlen / 8, store: UInt32 = xlen == 64 ? 3 : 2
        let saved: [UInt32] = [1, 3] + Array(5...31)
        var code: [UInt32] = saved.map { r in RVAsm.s(-Int32(w) * Int32(r + 1), r, 2, store, 0x23) }
        code += saved.map { r in RVAsm.li(r, 0x55 + Int32(r)) }
        code += [RVAsm.addi(10, 2, -Int32(w) * 32), RVAsm.li(11, Int32(w) * 32), RVAsm.lui(17, 0x10), RVAsm.ecall]
        return TestELF.program(xlen: xlen, code: code).bytes
    }

    /// Found by mutation: a machine restored for the next frame that kept its hart (registers)
    /// went unnoticed, since compiled contracts set every register they read.
    @Test(arguments: [64, 32]) func registersStartAtZeroInEveryFrame(xlen: Int) throws {
        let s = ContractSession()
        let a = try #require(try s.deploy(Self.registersAtEntry(xlen: xlen), kind: .riscv).createdAddress)
        let w = xlen / 8
        for (i, calldata) in [Bytes(), [1, 2, 3], Bytes()].enumerated() {
            let r = try s.call(a, data: calldata)
            #expect(r.status == .success && r.output.count == 32 * w, "rv\(xlen) call \(i): \(r.status)")
            var regs: [Int: UInt64] = [:]
            for reg in [1, 3] + Array(5...31) {
                let o = 32 * w - w * (reg + 1)
                regs[reg] = r.output.bytes(o..<o + w).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            }
            var want: [Int: UInt64] = [:]
            for reg in regs.keys { want[reg] = 0 }
            want[11] = UInt64(calldata.count)
            #expect(regs == want, "rv\(xlen) call \(i): registers at entry")
        }
    }

    /// Sets every register but sp, tp, a0 and a1 to a pattern, calls itself (the callee, on
    /// another machine, sets all its registers to garbage and dirties its stack), and returns
    /// every register and the word it left below sp as they are after the call: the suspended
    /// frame resumes with exactly its registers (a0 = status, a1 = returndata size) and memory.
    static func resumer(xlen: Int) -> Bytes {
        let w = Int32(xlen / 8), store: UInt32 = xlen == 64 ? 3 : 2, load: UInt32 = xlen == 64 ? 3 : 2
        let kept: [UInt32] = [1, 3] + Array(5...9) + Array(12...31)
        // Callee (a1 != 0): garbage in its stack and every register, then return(0, 0).
        var callee: [UInt32] = [RVAsm.li(5, 0x6b)] + (1...40).map { k in RVAsm.s(-Int32(k) * w, 5, 2, store, 0x23) }
        callee += ([1, 3] + Array(5...31)).map { r in RVAsm.li(r, 0x3c0 + Int32(r)) }
        callee += [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]
        // Caller: a sentinel below sp, the pattern, call(CALL, tp + 40, 0, sp - 8, 1, all gas).
        var caller: [UInt32] = [RVAsm.li(5, 0x5e), RVAsm.s(-w, 5, 2, store, 0x23)]
        caller += kept.map { r in RVAsm.li(r, 0x100 + Int32(r)) }
        caller += [RVAsm.li(10, 0), RVAsm.addi(11, 4, 40), RVAsm.li(12, 0), RVAsm.addi(13, 2, -8), RVAsm.li(14, 1), RVAsm.li(15, -1)]
        caller += [RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 0x11), RVAsm.ecall]
        // Store x1..x31 but sp at sp - 32w + w*(r - 1) ... then the sentinel word as the 32nd.
        let all: [UInt32] = [1] + Array(3...31)
        caller += all.map { r in RVAsm.s(-Int32(32 + 8) * w + Int32(r) * w, r, 2, store, 0x23) }
        caller += [RVAsm.i(-w, 2, load, 5, 0x03), RVAsm.s(-8 * w + 0 * w, 5, 2, store, 0x23)]  // sentinel at slot 32
        caller += [RVAsm.addi(10, 2, -40 * w), RVAsm.li(11, 33 * w), RVAsm.lui(17, 0x10), RVAsm.ecall]
        // Entry: a1 (calldata size) != 0 -> callee.
        let toCaller = Int32(4 * (callee.count + 1))
        return TestELF.program(xlen: xlen, code: [RVAsm.b(toCaller, 0, 11, 0)] + callee + caller).bytes
    }

    @Test(arguments: [64, 32]) func aResumedFrameGetsExactlyItsRegistersBack(xlen: Int) throws {
        let s = ContractSession()
        let a = try #require(try s.deploy(Self.resumer(xlen: xlen), kind: .riscv).createdAddress)
        let w = xlen / 8
        for round in 0..<3 {
            let r = try s.call(a, data: [])
            #expect(r.status == .success && r.output.count == 33 * w, "rv\(xlen) round \(round): \(r.status)")
            func slot(_ k: Int) -> UInt64 {
                r.output.bytes(k * w..<(k + 1) * w).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            }
            var got: [Int: UInt64] = [:], want: [Int: UInt64] = [:]
            for reg in [1] + Array(3...31) {
                got[reg] = slot(reg)
                want[reg] = 0x100 + UInt64(reg)
            }
            want[4] = got[4]  // tp: the frame block's address
            want[10] = 0  // status: success
            want[11] = 0  // returndata size
            want[12] = 0; want[13] = got[13]; want[14] = 1; want[15] = xlen == 64 ? .max : 0xffff_ffff
            want[17] = 0x10011
            #expect(got == want, "rv\(xlen) round \(round): registers after the call")
            #expect(slot(32) == 0x5e, "rv\(xlen) round \(round): the word below sp is \(slot(32))")
        }
    }

    // MARK: Decoded code shared copy-on-write

    /// A read-write-execute code range of three pages (its decoded code, 96 KiB, is above the
    /// 68 KiB from which an image's machines after its first map the template's copy-on-write
    /// instead of copying it).
    /// With calldata, it returns the word `li a5, 1` at 0x10004 computes; without, it rewrites
    /// that instruction to `li a5, 2`, calls itself (a frame on a new machine) and returns
    /// what the callee returned.
    static func patcher(xlen: Int) -> Bytes {
        let w = Int32(xlen / 8), store: UInt32 = xlen == 64 ? 3 : 2
        var code: [UInt32] = [RVAsm.b(4 * 7, 0, 11, 0)]  // beq a1, zero, caller
        code += [RVAsm.li(15, 1), RVAsm.s(-w, 15, 2, store, 0x23), RVAsm.addi(10, 2, -w), RVAsm.li(11, w)]
        code += [RVAsm.lui(17, 0x10), RVAsm.ecall]
        // caller: sw (li a5, 2), 4(0x10000); call(CALL, tp + 40, 0, sp - 16, 1, all); return_returndata
        code += [RVAsm.lui(5, 0x10)] + RVAsm.loadConstant(6, UInt64(RVAsm.li(15, 2)), xlen: xlen) + [RVAsm.s(4, 6, 5, 2, 0x23)]
        code += [RVAsm.li(10, 0), RVAsm.addi(11, 4, 40), RVAsm.li(12, 0), RVAsm.addi(13, 2, -16), RVAsm.li(14, 1), RVAsm.li(15, -1)]
        code += [RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 0x11), RVAsm.ecall]
        code += [RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 0x1e), RVAsm.ecall]
        let bytes = code.flatMap { TestELF.le32($0) }
        return TestELF(xlen: xlen, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: bytes, memSize: 0x3000, flags: 7)]).bytes
    }

    /// Found by mutation: machines mapping the template's decoded code shared instead of
    /// private went unnoticed; the caller's rewrite of its own code then reached the template
    /// and the callee's new machine, which ran the rewritten instruction over the original bytes.
    /// (Since the image's first machine copies the code, the rewriting caller's machine here
    /// is a copy; `MachineReuseTests` rewrites code on a machine that maps it.)
    @Test(arguments: [64, 32]) func codeRewrittenByAFrameStaysItsOwn(xlen: Int) throws {
        #expect(RISCVMachine.sharedCodeMinimum < (0x3000 / 4) * 32)
        let s = ContractSession()
        let a = try #require(try s.deploy(Self.patcher(xlen: xlen), kind: .riscv).createdAddress)
        let one = Bytes([1]) + Bytes(repeating: 0, count: xlen / 8 - 1)
        for round in 0..<3 {
            let r = try s.call(a, data: [])
            #expect(r.status == .success && r.output == one, "rv\(xlen) round \(round): \(r.status) \(r.output)")
            let direct = try s.call(a, data: [1])
            #expect(direct.status == .success && direct.output == one, "rv\(xlen) round \(round), direct: \(direct.output)")
        }
    }

    // MARK: Machines back to the pool on every exit path (exit tests: process-wide counts)

    /// calldata[0]: 0 returns, 1 stores to an unmapped page (a trap), 2 reverts, 3 loops until
    /// out of gas, 4 asks for a heap break past the heap's limit (a limit exceeded).
    static let failing = #"""
        #include "eekit.h"
        static const volatile char tag[] = TAG;
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          (void)tag[0];
          uint8_t d = 0;
          eek_calldata_copy(&d, 0, 1);
          if (d == 1) *(volatile int *)0x10 = 1;
          if (d == 2) eek_revert(&d, 1);
          if (d == 3) for (volatile int i = 0;; i++) {}
          if (d == 4) eek_brk((uintptr_t)1 << 30);
          eek_return(&d, 1);
        }
        """#

    /// Found by mutation: a frame that failed (trap, out of gas, a limit) and did not give its
    /// machine back went unnoticed: each later frame built a new machine (a map and a copy of the
    /// image) instead of reusing it. Every frame of one contract, whatever its end, reuses the
    /// machine its constructor's frame parked.
    @Test func everyEndGivesTheMachineBack() async {
        await #expect(processExitsWith: .success) {
            do { try FrameIsolationTests.everyEndScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func everyEndScenario() throws {
        let s = ContractSession()
        let elf = try Fixtures.contract(Self.failing, flags: ["-DTAG=\"ends\""])
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        let hash = Keccak.hash(elf)
        HostWorkTests.must(RISCVEnvironment.machinesBuilt(of: hash) == 1, "the constructor built \(RISCVEnvironment.machinesBuilt(of: hash))")
        let parked = RISCVEnvironment.parkedMachines
        for round in 0..<2 {
            for d: UInt8 in [0, 1, 2, 3, 4, 0] {
                let r = try s.call(a, data: [d], gas: d == 3 ? 200_000 : 1_000_000)
                let ok: Bool
                switch (d, r.status) {
                case (0, .success), (2, .revert), (1, .failure(.trap)), (3, .failure(.outOfResources)), (4, .failure(.limitExceeded)): ok = true
                default: ok = false
                }
                HostWorkTests.must(ok, "round \(round), case \(d): \(r.status)")
                let built = RISCVEnvironment.machinesBuilt(of: hash)
                HostWorkTests.must(built == 1, "round \(round), case \(d): \(built) machines built for one frame at a time")
                HostWorkTests.must(RISCVEnvironment.parkedMachines == parked, "round \(round), case \(d): \(RISCVEnvironment.parkedMachines) parked, not \(parked)")
            }
        }
    }

    /// Found by mutation: taking a parked machine of another image without checking its XLEN
    /// (the reset then refuses it) went unnoticed: the RV32 image lost its parked machine to
    /// an RV64 frame, which built one anyway. With reuse from the first parked machine on, an
    /// RV64 frame takes no RV32 machine (nor resets one), and the RV32 contract keeps its own.
    @Test func framesTakeNoParkedMachineOfAnotherXLEN() async {
        await #expect(processExitsWith: .success) {
            do { try FrameIsolationTests.otherXLENScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func otherXLENScenario() throws {
        RISCVEnvironment.reuseOtherImagesMachinesFrom = 0
        // Machines parked after each frame (images that run their frames on the loaded machine
        // park none while their frames run one at a time).
        RISCVEnvironment.framesRunOnTheLoadedMachine = false
        let s = ContractSession()
        let e32 = try Fixtures.contract(Self.failing, xlen: 32, flags: ["-DTAG=\"x32\""])
        let e64 = try Fixtures.contract(Self.failing, xlen: 64, flags: ["-DTAG=\"x64\""])
        let a32 = try #require(try s.deploy(e32, kind: .riscv).createdAddress)
        HostWorkTests.must(try s.call(a32, data: [0]).status == .success, "rv32 call")
        HostWorkTests.must(RISCVEnvironment.parkedMachines == 1, "\(RISCVEnvironment.parkedMachines) parked")
        let a64 = try #require(try s.deploy(e64, kind: .riscv).createdAddress)
        HostWorkTests.must(try s.call(a64, data: [0]).status == .success, "rv64 call")
        let h32 = Keccak.hash(e32), h64 = Keccak.hash(e64)
        HostWorkTests.must(RISCVEnvironment.machinesBuilt(of: h64) == 1 && RISCVEnvironment.machinesRetargeted(of: h64) == 0,
            "rv64: \(RISCVEnvironment.machinesBuilt(of: h64)) built, \(RISCVEnvironment.machinesRetargeted(of: h64)) reset from others")
        HostWorkTests.must(RISCVEnvironment.parkedMachines == 2, "\(RISCVEnvironment.parkedMachines) parked, not one per contract")
        HostWorkTests.must(try s.call(a32, data: [0]).status == .success, "rv32 call again")
        HostWorkTests.must(RISCVEnvironment.machinesBuilt(of: h32) == 1, "rv32 built \(RISCVEnvironment.machinesBuilt(of: h32)) machines")
        // A second RV64 image does take the first's parked machine (reuse is on from 0).
        let other = try Fixtures.contract(Self.failing, xlen: 64, flags: ["-DTAG=\"y64\""])
        let b64 = try #require(try s.deploy(other, kind: .riscv).createdAddress)
        HostWorkTests.must(try s.call(b64, data: [0]).status == .success, "second rv64 call")
        HostWorkTests.must(RISCVEnvironment.machinesRetargeted(of: Keccak.hash(other)) == 1, "the second rv64 image reset no machine")
    }

    // MARK: Transaction spares and kept images of another configuration

    /// A read-write-execute .bss of 4 MiB: 32 MiB of decoded code, so a machine pins more than
    /// 32 MiB and the image's pool holds one machine (the rest go to the transaction's spares).
    /// It calls (0, 0, with no gas) and then returns its stack pointer.
    static func wideCaller() -> Bytes {
        let code: [UInt32] = [
            RVAsm.li(10, 0), RVAsm.addi(11, 4, 40), RVAsm.li(12, 0), RVAsm.addi(13, 2, -16), RVAsm.li(14, 0), RVAsm.li(15, 0),
            RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 0x11), RVAsm.ecall,
            RVAsm.s(-8, 2, 2, 3, 0x23), RVAsm.addi(10, 2, -8), RVAsm.li(11, 8), RVAsm.lui(17, 0x10), RVAsm.ecall,
        ]
        return TestELF(xlen: 64, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: code.flatMap { TestELF.le32($0) }, memSize: 4 << 20, flags: 7)
        ]).bytes
    }

    /// Found by mutation: a frame taking the transaction's kept image, or a spare machine of it,
    /// built for another RISC-V configuration (a host keeps one object per code) went unnoticed
    /// where the image needs spares (the existing tests' contracts are small, kept as images).
    /// The spares must also hold exactly the one machine the full pool could not take (a
    /// machine parked in both, which then went to two live frames, was caught before only by
    /// the script-parity tests' wrong results).
    /// Two frames of a 1 MiB configuration (grown to fit) end at once, so one machine goes to the
    /// transaction's spares; a frame of an 8 MiB configuration must then run on an 8 MiB machine
    /// of its own image: its stack near the top of 8 MiB.
    @Test func spareMachinesAndKeptImagesStayWithTheirConfiguration() async {
        await #expect(processExitsWith: .success) {
            do { try FrameIsolationTests.sparesScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func sparesScenario() throws {
        let elf = Self.wideCaller()
        let host = KeepingHost()
        func sp(_ p: Preemption) -> UInt64? {
            guard case .completedExecution(let r, _) = p, r.status == .success, r.returndata.count == 8 else { return nil }
            return r.returndata.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        func suspended(_ e: RISCVEnvironment) throws -> Bool {
            if case .externalCallRequest = try e.start(UnsafeAuditTests.launch(elf), host: host) { return true }
            return false
        }
        let small = RISCVEnvironment(), small2 = RISCVEnvironment()
        HostWorkTests.must(try suspended(small) && suspended(small2), "the 1 MiB frames did not call")
        let done = CallResult(status: .success, returndata: [])
        let s1 = sp(try small.continueAfterCall(done, returned: .zero, host: host))
        let s2 = sp(try small2.continueAfterCall(done, returned: .zero, host: host))
        HostWorkTests.must(s1 != nil && s1 == s2, "1 MiB frames: \(String(describing: s1)) \(String(describing: s2))")
        func spares() -> Int { (host.kept[Keccak.hash(elf)] as? KeptImage)?.spares.count ?? -1 }
        HostWorkTests.must(spares() == 1, "\(spares()) spare machines")
        var big = RISCVEnvironment.Configuration()
        big.memorySize = 8 << 20
        let e = RISCVEnvironment(configuration: big)
        HostWorkTests.must(try suspended(e), "the 8 MiB frame did not call")
        let s3 = sp(try e.continueAfterCall(done, returned: .zero, host: host))
        HostWorkTests.must(s3 != nil && s3! > (8 << 20) - (64 << 10) && s3! < 8 << 20, "8 MiB frame's stack pointer \(String(describing: s3)) (1 MiB ones: \(String(describing: s1)))")
        HostWorkTests.must(spares() == 1, "the 8 MiB frame took the 1 MiB image's spare")
        // The transaction's end (the host lets go of what it kept) unparks its spare (found by
        // mutation: a KeptImage that did not went unnoticed; the parking places then ran out).
        let parked = RISCVEnvironment.parkedMachines
        host.kept.removeAll()
        HostWorkTests.must(RISCVEnvironment.parkedMachines == parked - 1, "\(RISCVEnvironment.parkedMachines) parked after the spare went, before \(parked)")
    }

    /// calldata [depth, again]: a self-recursion `depth` deep over a read-only table of `pages`
    /// pages (`HostWorkTests.table`: each machine holds them, so the image's pool is small); then,
    /// if `again`, a second one 7 deep. Returns its stack pointer and the second one's top frame's.
    static func spareOwner(pages: Int) -> String {
        """
            #include "eekit.h"
            \(HostWorkTests.table(pages: pages))
            void eekit_main(int is_constructor) {
              if (is_constructor) return;
              volatile uint64_t sp = (uint64_t)(uintptr_t)&sp;
              uint8_t d[2] = {0, 0};
              size_t n = eek_calldata_size();
              eek_calldata_copy(d, 0, n > 2 ? 2 : n);
              volatile uint8_t sink = table[d[0] % \(pages)][0];
              (void)sink;
              eek_address self;
              eek_self(&self);
              uint64_t out[2] = {sp, 0};
              if (d[0] > 0) {
                uint8_t next[2] = {(uint8_t)(d[0] - 1), 0};
                if (eek_call(EEK_CALL, &self, 0, next, 2, EEK_GAS_ALL, 0) != EEK_SUCCESS) eek_revert(0, 0);
              }
              if (d[1]) {
                uint8_t again[2] = {7, 0};
                if (eek_call(EEK_CALL, &self, 0, again, 2, EEK_GAS_ALL, 0) != EEK_SUCCESS) eek_revert(0, 0);
                eek_returndata_copy(&out[1], 0, 8);
              }
              eek_return(out, 16);
            }
            """
    }

    /// The same with a bootloader, which keeps the image itself and swaps in a `KeptImage` only
    /// when a frame's machine finds the pool full (`RISCVEnvironment.end`). An 8 MiB table makes
    /// the pool hold 7 machines. A registry that changes the RISC-V configuration for frames
    /// 2...9 of a 17-frame recursion (16 MiB of memory there, the default elsewhere): the eight
    /// innermost default frames end first, the last of them into the transaction's new
    /// `KeptImage`; the eight 16 MiB frames end next, the last with its image's pool full too,
    /// and must not leave its machine in the other image's spares. The top frame's second
    /// descent, 8 frames, then takes that `KeptImage`'s spare and the pool's 7: machines of its
    /// own image (the stack pointer of its first frame is the top frame's), and builds none.
    /// Also with 17 other native codes kept first (a caller and 16 others), so that the
    /// bootloader keeps this code past its first 16 (`Bootloader.keptFewMax`, in a dictionary).
    /// Found by mutation: a frame parking its machine in a `KeptImage` of another image, or a
    /// `replaceKept` that did not replace what the dictionary holds (the spares then went with
    /// the frame), went unnoticed (the test above uses a host that is not a bootloader).
    @Test func aBootloaderKeepsSparesOfTheirOwnConfigurationOnly() async {
        await #expect(processExitsWith: .success) {
            do { try FrameIsolationTests.bootloaderSparesScenario(afterOtherCodes: false) } catch {
                HostWorkTests.must(false, "threw \(error)")
            }
        }
    }

    @Test func aBootloaderKeepsSparesOfTheirOwnConfigurationOnlyPastItsFirst16Codes() async {
        await #expect(processExitsWith: .success) {
            do { try FrameIsolationTests.bootloaderSparesScenario(afterOtherCodes: true) } catch {
                HostWorkTests.must(false, "threw \(error)")
            }
        }
    }

    /// Calls 0x7000...0x700f, then 0x5ba7 with [16, 1]; returns what that returned.
    static let sparesCaller = """
        #include "eekit.h"
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          eek_address to = {{0}};
          to.b[18] = 0x70;
          for (int i = 0; i < 16; i++) {
            to.b[19] = (uint8_t)i;
            if (eek_call(EEK_CALL, &to, 0, 0, 0, EEK_GAS_ALL, 0) != EEK_SUCCESS) eek_revert(0, 0);
          }
          to.b[18] = 0x5b;
          to.b[19] = 0xa7;
          uint8_t d[2] = {16, 1};
          if (eek_call(EEK_CALL, &to, 0, d, 2, EEK_GAS_ALL, 0) != EEK_SUCCESS) eek_revert(0, 0);
          eek_return_returndata();
        }
        """

    static func bootloaderSparesScenario(afterOtherCodes: Bool) throws {
        let elf = try Fixtures.contract(Self.spareOwner(pages: 2048))
        let s = ContractSession()
        let a = Address(low: 0x5ba7)
        // 8 MiB of code is above what a deployment stores: installed directly.
        s.world.setAccount(a, Account(nonce: 1, balance: .zero, kind: .riscv, code: elf))
        var target = a, data: Bytes = [16, 1], first = 1  // the recursion's top frame starts as frame `first`
        if afterOtherCodes {
            for i in 0..<16 {  // return(0, 0), each with a byte of its own
                let ret: [UInt32] = [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]
                let other = TestELF(xlen: 64, entry: 0x10000, segments: [
                    .init(vaddr: 0x10000, bytes: ret.flatMap { TestELF.le32($0) }, flags: 5),
                    .init(vaddr: 0x20000, bytes: [UInt8(i + 1)], flags: 4),
                ]).bytes
                try s.install(other, kind: .riscv, at: Address(low: 0x7000 + UInt64(i)))
            }
            target = Address(low: 0x5ba8)
            try s.install(try Fixtures.contract(Self.sparesCaller), kind: .riscv, at: target)
            data = []
            first = 18
        }
        let boot = s.boot
        let standard = boot.registry
        var wide = standard
        var c = RISCVEnvironment.Configuration()
        c.memorySize = 16 << 20
        wide.registerRISCV(c)
        var starts = 0
        boot.tracer = { ev in
            guard case .started = ev else { return }
            starts += 1
            boot.registry = (first + 1...first + 8).contains(starts) ? wide : standard  // for the frame starting now
        }
        let r = try s.call(target, data: data, gas: 30_000_000)
        HostWorkTests.must(r.status == .success && r.output.count == 16, "status \(r.status), \(r.output.count) bytes")
        func le(_ b: ArraySlice<UInt8>) -> UInt64 { b.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        let top = le(r.output[0..<8]), again = le(r.output[8..<16])
        HostWorkTests.must(starts == first + 24, "\(starts) frames")
        // 9 machines of the default configuration and 8 of the other; the second descent built none.
        let built = RISCVEnvironment.machinesBuilt(of: Keccak.hash(elf))
        HostWorkTests.must(built == 17, "\(built) machines built, not 17: the second descent did not take the spare")
        HostWorkTests.must(again == top, "the second descent's stack pointer 0x\(String(again, radix: 16)), the top frame's 0x\(String(top, radix: 16))")
    }

    /// A machine reset from another image's parked one (`reuseOtherImagesMachinesFrom` 0)
    /// holds the new image's read-only pages and zero elsewhere. The donor writes 0xdd over
    /// 0x20000...0x25000; the probe has .bss at 0x20000...0x22000 and 0x23000...0x26000 and a
    /// read-only page of 0x5a at 0x22000, and counts its bytes there that are not as linked.
    /// Found by mutation: a reset copying only the image's writable pages, or zeroing none of a
    /// donor's range below one of the image's pages, went unnoticed (`HostWorkTests`' probe
    /// has no read-only data, and its donors' data does not straddle its pages).
    @Test func machinesOfOtherImagesGetTheWholeImage() async {
        await #expect(processExitsWith: .success) {
            do { try FrameIsolationTests.retargetScenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func retargetScenario() throws {
        RISCVEnvironment.reuseOtherImagesMachinesFrom = 0
        // Machines parked after each frame (images that run their frames on the loaded machine
        // park none while their frames run one at a time).
        RISCVEnvironment.framesRunOnTheLoadedMachine = false
        let ret: [UInt32] = [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]
        let donor = TestELF(xlen: 64, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: ret.flatMap { TestELF.le32($0) }, flags: 5),
            .init(vaddr: 0x20000, bytes: Bytes(repeating: 0xdd, count: 0x5000), flags: 6),
        ]).bytes
        // Three loops over [t0, t1) adding (byte != t4) to t3; then return t3.
        func loop(to end: UInt32, expect: Int32) -> [UInt32] {
            [RVAsm.lui(6, end), RVAsm.li(29, expect),
             RVAsm.i(0, 5, 4, 7, 0x03), RVAsm.r(0x20, 29, 7, 0, 7, 0x33), RVAsm.r(0, 7, 0, 3, 7, 0x33),
             RVAsm.add(28, 28, 7), RVAsm.addi(5, 5, 1), RVAsm.bne(5, 6, -20)]
        }
        let probeCode = [RVAsm.lui(5, 0x20), RVAsm.li(28, 0)] + loop(to: 0x22, expect: 0) + loop(to: 0x23, expect: 0x5a)
            + loop(to: 0x26, expect: 0)
            + [RVAsm.s(-8, 28, 2, 3, 0x23), RVAsm.addi(10, 2, -8), RVAsm.li(11, 8), RVAsm.lui(17, 0x10), RVAsm.ecall]
        let probe = TestELF(xlen: 64, entry: 0x10000, segments: [
            .init(vaddr: 0x10000, bytes: probeCode.flatMap { TestELF.le32($0) }, flags: 5),
            .init(vaddr: 0x20000, bytes: [], memSize: 0x2000, flags: 6),
            .init(vaddr: 0x22000, bytes: Bytes(repeating: 0x5a, count: 0x1000), flags: 4),
            .init(vaddr: 0x23000, bytes: [], memSize: 0x3000, flags: 6),
        ]).bytes
        let s = ContractSession()
        let d = Address(low: 0x6e0), p = Address(low: 0x6e1)
        try s.install(donor, kind: .riscv, at: d)
        try s.install(probe, kind: .riscv, at: p)
        HostWorkTests.must(try s.call(d, data: []).status == .success, "donor call")
        HostWorkTests.must(RISCVEnvironment.parkedMachines == 1, "\(RISCVEnvironment.parkedMachines) parked")
        let r = try s.call(p, data: [])
        HostWorkTests.must(RISCVEnvironment.machinesRetargeted(of: Keccak.hash(probe)) == 1, "the probe ran on a machine of its own")
        HostWorkTests.must(r.status == .success && r.output == Bytes(repeating: 0, count: 8), "probe on the donor's machine: \(r.status) \(r.output)")
        // And on its own machine (pooled) again.
        let again = try s.call(p, data: [])
        HostWorkTests.must(again.output == Bytes(repeating: 0, count: 8), "probe again: \(again.output)")
    }

    // MARK: Memory caps, exactly

    /// return(0, 0) with a 2 MiB .bss: the image does not fit the configured 1 MiB and grows.
    static let grownImage: Bytes = TestELF(xlen: 64, entry: 0x10000, segments: [
        .init(vaddr: 0x10000, bytes: [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall].flatMap { TestELF.le32($0) }, flags: 5),
        .init(vaddr: 0x20000, bytes: [1], memSize: 2 << 20, flags: 6),
    ]).bytes

    /// A native frame reserves its image's whole memory (the configured size and what the image
    /// grew by) and its decoded code: a frame cap of exactly that runs it, one byte less fails
    /// it; the calldata counts toward the total cap, exactly, too. Found by mutation: leaving out
    /// what a grown image adds, or a cap that fails at equality, went unnoticed.
    @Test func frameMemoryCapsAreExact() throws {
        let settings = ContractImage.Settings(RISCVEnvironment.Configuration(), schedule: GasSchedule.default.nativeRated)
        let img = try ContractImage(ContractImage.Layout(elf: Self.grownImage, settings: settings))
        #expect(img.memorySize > 1 << 20, "the image did not grow: \(img.memorySize)")
        let need = Int(img.memorySize) + img.decodedCodeBytes
        let s = ContractSession()
        let a = Address(low: 0x6a0)
        try s.install(Self.grownImage, kind: .riscv, at: a)
        func run(frame: Int = ResourceLimits().maxFrameMemory, total: Int = ResourceLimits().maxTotalGuestMemory, data: Bytes = []) throws -> FrameStatus {
            s.boot.limits.maxFrameMemory = frame
            s.boot.limits.maxTotalGuestMemory = total
            return try s.call(a, data: data).status
        }
        #expect(try run(frame: need) == .success)
        // The calldata counts toward the total only, not toward the frame's own cap (found by
        // mutation: a frame cap counting it went unnoticed).
        #expect(try run(frame: need, data: Bytes(repeating: 1, count: 5000)) == .success)
        guard case .failure(.limitExceeded(let why)) = try run(frame: need - 1) else {
            Issue.record("a frame needing \(need) bytes ran under a cap of \(need - 1)")
            return
        }
        #expect(why.hasPrefix("guest memory of the frame"), "\(why)")
        let data = Bytes(repeating: 7, count: 100)
        #expect(try run(total: need + 100, data: data) == .success)
        guard case .failure(.limitExceeded(let all)) = try run(total: need + 99, data: data) else {
            Issue.record("a frame needing \(need) bytes and 100 of calldata ran under a total of \(need + 99)")
            return
        }
        #expect(all.hasPrefix("guest memory of all frames"), "\(all)")
        #expect(s.boot.guestMemoryInUse == 0)
    }

    /// calldata: target (20 bytes), n, then the callee's calldata: calls target n times and
    /// returns the n status bytes. With n | 0x80, call i sends the one byte at 21 + i instead.
    static let repeater = #"""
        #include "eekit.h"
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t in[64] = {0};
          size_t len = eek_calldata_size();
          if (len > sizeof in) len = sizeof in;
          eek_calldata_copy(in, 0, len);
          eek_address to;
          for (int i = 0; i < 20; i++) to.b[i] = in[i];
          uint8_t out[16] = {0};
          int n = in[20] & 0x7f, each = in[20] & 0x80;
          for (int i = 0; i < n && i < 16; i++)
            out[i] = (uint8_t)eek_call(EEK_CALL, &to, 0, each ? in + 21 + i : in + 21, each ? 1 : len - 21, eek_gas_left() / 4, 0);
          eek_return(out, n);
        }
        """#

    /// What a native frame reserves is released however it ends (success, revert, trap, out of
    /// gas, a limit): under a total cap with room for the caller and one callee, a caller's
    /// calls one after the other all start. Found by mutation: the bootloader keeping a failed
    /// frame's memory, or a call whose calldata did not fit keeping its frame's mark, went
    /// unnoticed (the existing caps tests end each transaction right after such a frame).
    @Test func reservationsComeBackOnEveryEnd() throws {
        let s = ContractSession()
        let caller = Address(low: 0x6b0), callee = Address(low: 0x6b1)
        try s.install(try Fixtures.contract(Self.repeater), kind: .riscv, at: caller)
        try s.install(try Fixtures.contract(Self.failing, flags: ["-DTAG=\"res\""]), kind: .riscv, at: callee)
        let settings = ContractImage.Settings(RISCVEnvironment.Configuration(), schedule: GasSchedule.default.nativeRated)
        func need(_ a: Address) throws -> Int {
            let img = try ContractImage(ContractImage.Layout(elf: s.world.account(a)?.code ?? [], settings: settings))
            return Int(img.memorySize) + img.decodedCodeBytes
        }
        // Each end, then a call that succeeds, three times.
        func calldata(_ d: UInt8) -> Bytes { callee.bytes + [0x86, d, 0, d, 0, d, 0] }
        // The caller and its calldata, one callee frame and its calldata, the last callee's
        // output (one byte) the caller holds; not two callee frames.
        s.boot.limits.maxTotalGuestMemory = try need(caller) + calldata(0).count + need(callee) + 1 + 1
        for d: UInt8 in [0, 1, 2, 3, 4] {
            let r = try s.call(caller, data: calldata(d), gas: 3_000_000)
            let end: UInt8 = d == 0 ? 0 : d == 2 ? 1 : 2
            #expect(r.status == .success && r.output == [end, 0, end, 0, end, 0], "callee case \(d): \(r.status) \(r.output)")
        }
        // Two bytes less (the caller holds the last callee's one byte of output): no callee fits.
        s.boot.limits.maxTotalGuestMemory -= 2
        let r = try s.call(caller, data: calldata(0), gas: 3_000_000)
        #expect(r.status == .success && r.output == Bytes(repeating: 2, count: 6), "\(r.status) \(r.output)")

        // A frame whose callee's calldata does not fit fails that call before the callee starts,
        // and goes on; once it ends, its memory is released too. The top frame calls the caller
        // twice, the caller calls with 10 bytes of calldata one byte over the cap each time: the
        // second call to the caller must fit as the first did.
        let inner = callee.bytes + [1] + Bytes(repeating: 0, count: 10)  // the caller's calldata
        let outer = caller.bytes + [2] + inner  // the top frame's
        s.boot.limits.maxTotalGuestMemory = 2 * (try need(caller)) + outer.count + inner.count + 10 - 1
        let nested = try s.call(caller, data: outer, gas: 3_000_000)
        #expect(nested.status == .success && nested.output == [0, 0], "\(nested.status) \(nested.output)")
        #expect(s.boot.guestMemoryInUse == 0)
    }

    // MARK: The stack's floor

    /// Loads the byte `stackSize` (64 KiB) below the frame block's page, or (with calldata) the
    /// one below it.
    static let stackFloor: Bytes = TestELF.program(xlen: 64, code: [
        RVAsm.i(12, 4, 5, 5, 0x13), RVAsm.i(12, 5, 1, 5, 0x13),  // t0 = tp >> 12 << 12
        RVAsm.lui(6, 0x10), RVAsm.r(0x20, 6, 5, 0, 5, 0x33),  // t0 -= 64 KiB
        RVAsm.b(8, 0, 11, 0), RVAsm.addi(5, 5, -1),  // with calldata: one byte lower
        RVAsm.i(0, 5, 0, 7, 0x03),  // lb t2, 0(t0)
        RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall,
    ]).bytes

    /// The stack reaches exactly `stackSize` below the frame block's page: found by mutation,
    /// a stack one page larger went unnoticed.
    @Test func theStackEndsExactlyStackSizeBelowTheFrameBlock() throws {
        let s = ContractSession()
        let a = Address(low: 0x6c0)
        try s.install(Self.stackFloor, kind: .riscv, at: a)
        #expect(try s.call(a, data: []).status == .success)
        guard case .failure(.trap(let why)) = try s.call(a, data: [1]).status else {
            Issue.record("a load below the stack's floor did not trap")
            return
        }
        #expect(why.hasPrefix("load access fault") && why.contains("below the stack"), "\(why)")
        #expect(try s.call(a, data: []).status == .success)
    }

    // MARK: A new machine runs at the image's prices

    /// Read-write-execute code: with calldata, it rewrites a later instruction of its own
    /// (a code store, re-decoded with the machine's prices) 50 times in a loop, and returns;
    /// without, it calls itself with one byte and returns.
    static func codeStorer(xlen: Int) -> Bytes {
        var code: [UInt32] = [RVAsm.b(4 * 24, 0, 11, 0)]  // beq a1, zero, caller (index 24)
        code += [RVAsm.lui(5, 0x10)] + RVAsm.loadConstant(6, UInt64(RVAsm.li(15, 3)), xlen: xlen)  // indexes 1...
        code += [RVAsm.li(28, 50)]
        let loop = code.count
        code += [RVAsm.s(Int32(4 * (loop + 4)), 6, 5, 2, 0x23), RVAsm.addi(6, 6, 1 << 7), RVAsm.addi(28, 28, -1)]
        code += [RVAsm.bne(28, 0, -12), RVAsm.addi(0, 0, 0)]  // the rewritten word (loop + 4)
        code += [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]
        while code.count < 24 { code.append(RVAsm.addi(0, 0, 0)) }
        precondition(code.count == 24, "caller at \(code.count)")
        code += [RVAsm.li(10, 0), RVAsm.addi(11, 4, 40), RVAsm.li(12, 0), RVAsm.addi(13, 2, -16), RVAsm.li(14, 1), RVAsm.li(15, -1)]
        code += [RVAsm.lui(17, 0x10), RVAsm.addi(17, 17, 0x11), RVAsm.ecall]
        code += [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]
        let bytes = code.flatMap { TestELF.le32($0) }
        return TestELF(xlen: xlen, entry: 0x10000, segments: [.init(vaddr: 0x10000, bytes: bytes, flags: 7)]).bytes
    }

    /// Under a schedule whose prices are not the default ones, a frame on a machine built for
    /// it (the first transaction's inner frame) costs what one on a pooled machine costs, also
    /// when it stores into its code (the core re-decodes it with the machine's prices and
    /// charges the machine's code-store price). Found by mutation: a new machine that kept the
    /// default prices instead of its image's went unnoticed (the decoded code it copies carries
    /// the image's, and a pooled machine takes them back when restored).
    @Test(arguments: [64, 32]) func newMachinesRunAtTheImagesPrices(xlen: Int) throws {
        let s = ContractSession()
        s.boot.schedule.riscvALU *= 4
        s.boot.schedule.riscvStore *= 2
        s.boot.schedule.riscvCodeStore *= 3
        let elf = Self.codeStorer(xlen: xlen)
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        let first = try s.call(a, data: []), second = try s.call(a, data: []), third = try s.call(a, data: [])
        #expect(first.status == .success && second.status == .success)
        #expect(first.gasUsed == second.gasUsed && second.gasUsed == third.gasUsed,
            "rv\(xlen): \(first.gasUsed) gas with a new machine, then \(second.gasUsed), \(third.gasUsed) on pooled ones")
        // And the schedule counts: the default one costs less.
        let d = ContractSession()
        let b = try #require(try d.deploy(elf, kind: .riscv).createdAddress)
        let plain = try d.call(b, data: [])
        #expect(plain.status == .success && plain.gasUsed < first.gasUsed, "rv\(xlen): \(plain.gasUsed) at default prices, \(first.gasUsed)")
    }

    // MARK: RISCVMachine's public reset and restore

    /// `reset` refuses a template of the other XLEN (its decoded code is for another hart):
    /// found by mutation, the check was only reached through the EE, which filters first.
    @Test func resetRefusesATemplateOfAnotherXLEN() throws {
        let a = try MachineProtectRestoreTests.template()
        let b = try RISCVMachine(memorySize: 1 << 20, xlen: 32, schedule: .default)
        #expect(!b.reset(from: a, copy: [0x1000..<0x3000], zero: []))
        #expect(!b.restore(from: a, copy: [], zero: [], restoreCode: true))
        let c = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(c.reset(from: a, copy: [0x1000..<0x3000], zero: []))
    }

    /// `restore` without `restoreCode` still re-decodes the pages whose execute permission
    /// `protect` changed (found by mutation: only `restoreCode: true` was tested, which
    /// re-decodes them anyway).
    @Test func restoreWithoutRestoreCodeStillUndoesExecutePermissions() throws {
        let a = try MachineProtectRestoreTests.template()
        let b = try RISCVMachine(memorySize: 1 << 20, xlen: 64, schedule: .default)
        #expect(b.reset(from: a, copy: [0x1000..<0x3000], zero: []))
        b.protect(0x2000, 0x3000, [.read, .execute])
        b.protect(0x1000, 0x2000, [.read])
        #expect(b.restore(from: a, copy: [], zero: [], restoreCode: false))
        b.pc = 0x2000
        b.budget = 1000
        #expect(b.run() == .trap, "page 0x2000 has no X after restore, yet ran")
        b.pc = 0x1000
        b.budget = 1000
        #expect(b.run() == .ebreak && b[register: 10] == 7, "page 0x1000 is executable again after restore")
    }

    // MARK: The heap's last page

    /// calldata [1]: a break 10 bytes above the heap's start, and the whole page it maps
    /// written (bytes past the break, in its page, are writable); [0]: the first heap page
    /// mapped by a break 4 KiB up, and its bytes other than zero counted (returned as a u64).
    static let pastTheBreak = #"""
        #include "eekit.h"
        static const volatile char tag[] = TAG;
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          (void)tag[0];
          uint8_t d = 0;
          eek_calldata_copy(&d, 0, 1);
          uintptr_t b = eek_brk(0);
          volatile uint8_t *h = (volatile uint8_t *)b;
          uint64_t bad = 0;
          if (d == 1) {
            eek_brk(b + 10);
            for (int i = 0; i < 4096; i++) h[i] = 0xcd;
          } else {
            eek_brk(b + 4096);
            for (int i = 0; i < 4096; i++) bad += h[i] != 0;
          }
          eek_return(&bad, 8);
        }
        """#

    /// Bytes a frame wrote past its break, in the break's page, are gone in the next frame.
    /// Found by mutation: wiping the heap up to the break rather than up to the highest page
    /// it mapped went unnoticed.
    @Test(arguments: [64, 32]) func bytesPastTheBreakDoNotReachTheNextFrame(xlen: Int) throws {
        let s = ContractSession()
        let elf = try Fixtures.contract(Self.pastTheBreak, xlen: xlen, flags: ["-DTAG=\"brk\(xlen)\""])
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        for round in 0..<2 {
            #expect(try s.call(a, data: [1]).status == .success)
            let r = try s.call(a, data: [0])
            #expect(r.status == .success && r.output == Bytes(repeating: 0, count: 8), "rv\(xlen) round \(round): \(r.output)")
        }
    }

    // MARK: Returndata after a failed call

    /// Calls the address in its calldata and returns the status, the size eek_call gave
    /// (retlen) and RETURNDATA_SIZE, as three u64 words.
    static let failedCallProbe = #"""
        #include "eekit.h"
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          eek_address to;
          eek_calldata_copy(&to, 0, 20);
          size_t rl = 77;
          uint64_t out[3];
          out[0] = (uint64_t)eek_call(EEK_CALL, &to, 0, 0, 0, EEK_GAS_ALL, &rl);
          out[1] = rl;
          out[2] = eek_returndata_size();
          eek_return(out, sizeof out);
        }
        """#

    /// A native caller sees no returndata after a failed call, in a1 (eek_call's size) as in
    /// RETURNDATA_SIZE, even when the failed frame's EE handed output back: the bootloader
    /// drops a failed frame's output, as a failed deployment's (found by mutation: a1 taken from
    /// the result's output went unnoticed while the bootloader passed a failure's output on;
    /// the built-in EEs fail without output). A transaction that fails so has no output either.
    @Test func aFailedCallLeavesNoReturndataSize() throws {
        var registry = EERegistry.standard
        registry.register(FailingWithOutputEE.self, deposit: .testEE) {
            FailingWithOutputEE()
        }
        let s = ContractSession(registry: registry)
        let probe = Address(low: 0x6d0), failing = Address(low: 0x6d1)
        try s.install(try Fixtures.contract(Self.failedCallProbe), kind: .riscv, at: probe)
        try s.install([1], kind: .wasm, at: failing)
        let r = try s.call(probe, data: failing.bytes)
        #expect(r.status == .success && Self.le64s(r.output) == [2, 0, 0], "\(r.status) \(Self.le64s(r.output))")
        let direct = try s.call(failing, data: [])
        #expect(direct.status == .failure(.other("fails with output")) && direct.output.isEmpty, "\(direct.status) \(direct.output)")
    }

    /// Creates an EVM contract from init code that reverts with one word, and returns the
    /// status, the size eek_create_rd gave and RETURNDATA_SIZE (three u64 words).
    static let revertedCreateProbe = #"""
        #include "eekit.h"
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          static const uint8_t init[] = {0x60, 0xab, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xfd};
          eek_address made;
          size_t rl = 77;
          uint64_t out[3];
          out[0] = (uint64_t)eek_create_rd(init, sizeof init, 0, 0, EEK_EE_EVM, &made, &rl);
          out[1] = rl;
          out[2] = eek_returndata_size();
          eek_return(out, sizeof out);
        }
        """#

    /// After a deployment whose constructor reverted, a1 (eek_create_rd's size) is the size of
    /// the revert data, as RETURNDATA_SIZE: found by mutation, a1 left at 0 went unnoticed.
    @Test func aRevertedDeploymentGivesItsRevertDataSize() throws {
        let s = ContractSession()
        let a = Address(low: 0x6d2)
        try s.install(try Fixtures.contract(Self.revertedCreateProbe), kind: .riscv, at: a)
        let r = try s.call(a, data: [])
        #expect(r.status == .success && Self.le64s(r.output) == [1, 32, 32], "\(r.status) \(Self.le64s(r.output))")
    }
}

/// An EE whose every call frame fails with three bytes of output.
final class FailingWithOutputEE: ExecutionEnvironment {
    static var kind: EEKind { .wasm }
    var isStaticContext: Bool { false }
    static func isModifierSupported(_ m: CallModifier) -> Bool { true }
    static func prepareDeployment(_ r: DeploymentRequest, host: any EEHost) throws(EEError) -> PreparedDeployment {
        throw .invalidCode("no deployments")
    }
    func start(_ l: LaunchParams, host: any EEHost) throws(EEError) -> Preemption {
        .completedExecution(CallResult(status: .failure(.other("fails with output")), returndata: [1, 2, 3]), resourcesLeft: .zero)
    }
    func continueAfterCall(_ r: CallResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        throw .internalError("never calls")
    }
    func continueAfterDeployment(_ r: DeploymentResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        throw .internalError("never deploys")
    }
}
