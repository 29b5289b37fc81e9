@testable import EEKit
import EEKitTestSupport
import Foundation
import Synchronization
import Testing

/// Frames on the loaded machine (`ContractImage.FirstMachine`), from an adversarial review of
/// b0247e2: failing frames leave it as loaded, sessions on six threads (with evictions) share
/// one contract, receipts agree with frames on copies, and the hart starts clear. The thread
/// test uses `Thread`s: `concurrentPerform` ran two sessions at once on a 2-core machine and
/// went through the first machine 3 times, threads thousands (LEND_ITER=1500 runs longer).
@Suite struct LoadedMachineAdversarialTests {
    /// calldata [mode, arg]: sums .data, .bss, 20,000 stack bytes and 128 KiB of heap (a
    /// byte every 512) as loaded (0x3333 expected), dirties all of them, then:
    /// 0 return the sum, 1 store fault, 2 loop (out of gas), 3 revert, 4 brk past its limit,
    /// 5 call itself with mode arg (result ignored) and return the sum, 6 ebreak,
    /// 7 shrink the heap to nothing then store fault, 8 (before anything) read the heap's
    /// first page without asking (must fault), 9 return the low 12 bits of every register at
    /// entry ORed (0 expected: nothing but sp, tp, a0, a1, gp, ra... set by crt0).
    static let source = #"""
        #include "eekit.h"
        static const volatile char tag[] = TAG;
        static volatile uint64_t data[600] = {[0] = 0x1111, [599] = 0x2222};
        static volatile uint64_t bss[1024];
        __attribute__((noinline)) static uint64_t scan_stack(void) {
          volatile uint8_t st[20000];
          uint64_t s = 0;
          for (int i = 0; i < 20000; i++) { s += st[i]; st[i] = 0x77; }
          return s;
        }
        void eekit_main(int is_constructor) {
          if (is_constructor) return;
          uint8_t d[2] = {0, 0};
          eek_calldata_copy(d, 0, 2);
          (void)tag[0];
          uintptr_t b0 = eek_brk(0);
          if (d[0] == 8) { uint8_t v = *(volatile uint8_t *)b0; eek_return(&v, 1); }
          uint64_t s = data[0] + data[599] + bss[5] + bss[1000];
          s += scan_stack();
          s += b0 & 0xfff;
          volatile uint8_t *h = (volatile uint8_t *)b0;
          eek_brk(b0 + 131072);
          for (int i = 0; i < 131072; i += 512) { s += h[i]; h[i] = 0x99; }
          data[0] = 0xdead; data[599] = 0xbeef; bss[5] = 7; bss[1000] = 9;
          switch (d[0]) {
          case 0: eek_return(&s, 8);
          case 1: *(volatile uint8_t *)(uintptr_t)8 = 1; break;
          case 2: for (;;) __asm__ volatile("");
          case 3: eek_revert(&s, 8);
          case 4: eek_brk((uintptr_t)1 << 40); break;
          case 5: {
            eek_address self;
            eek_self(&self);
            uint8_t n[2] = {d[1], 0};
            uint64_t st = eek_call(EEK_CALL, &self, 0, n, 2, EEK_GAS_ALL, 0);
            s += st << 32;
            eek_return(&s, 8);
          }
          case 6: __asm__ volatile("ebreak"); break;
          case 7: eek_brk(b0); *(volatile uint8_t *)(uintptr_t)8 = 1; break;
          }
          eek_return(&s, 8);
        }
        """#

    static func must(_ ok: Bool, _ why: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        HostWorkTests.must(ok, why(), sourceLocation: sourceLocation)
    }
    static let good = withUnsafeBytes(of: UInt64(0x3333).littleEndian, Array.init)

    // MARK: 1. failing frames on the loaded machine

    @Test func failingFramesLeaveTheLoadedMachineAsLoaded() async {
        await #expect(processExitsWith: .success) {
            do { try LoadedMachineAdversarialTests.failures() } catch { LoadedMachineAdversarialTests.must(false, "threw \(error)") }
        }
    }

    static func failures() throws {
        let s = ContractSession()
        let elf = try Fixtures.contract(source, flags: ["-DTAG=\"lend1\""])
        let hash = Keccak.hash(elf)
        let a = try #require(try s.deploy(elf, kind: .riscv).createdAddress)
        func check(_ what: String) throws {
            let r = try s.call(a, data: [0, 0], gas: 30_000_000)
            must(r.status == .success && r.output == good, "\(what): \(r.status) \(r.output)")
            let p = try s.call(a, data: [8, 0], gas: 30_000_000)
            must(!p.status.isSuccess, "\(what): the heap page stayed readable")
        }
        try check("first")
        for round in 0..<2 {
            for mode: UInt8 in [1, 2, 3, 4, 6, 7] {
                let r = try s.call(a, data: [mode, 0], gas: 3_000_000)
                must(!r.status.isSuccess, "mode \(mode) succeeded")
                try check("round \(round) after mode \(mode)")
            }
            // Failing before the first instruction (too little gas for frameErgs or intrinsic).
            for g: UInt64 in [21_100, 21_500, 22_000, 30_000] {
                _ = try s.call(a, data: [0, 0], gas: g)
                try check("round \(round) after gas \(g)")
            }
            if round == 0 {
                must(RISCVEnvironment.machinesBuilt(of: hash) == 1, "serial failures built \(RISCVEnvironment.machinesBuilt(of: hash)) machines")
                // Nested failing frames: a template made while the loaded machine runs.
                for mode: UInt8 in [1, 2, 3, 4, 6, 7, 0] {
                    let r = try s.call(a, data: [5, mode], gas: 30_000_000)
                    must(r.status.isSuccess, "nested mode \(mode): \(r.status)")
                    try check("after nested mode \(mode)")
                }
            }
        }
        ContractImageCache.evictAll()
        for mode: UInt8 in [1, 2, 3, 4, 6, 7] {
            _ = try s.call(a, data: [mode, 0], gas: 3_000_000)
            try check("new image after mode \(mode)")
        }
        must(RISCVEnvironment.machinesBuilt(of: hash) == 1, "a new image's serial failures built \(RISCVEnvironment.machinesBuilt(of: hash)) machines")
    }

    // MARK: 2. threads

    @Test func sessionsOnEightThreadsCallingOneContract() async {
        await #expect(processExitsWith: .success) {
            do { try LoadedMachineAdversarialTests.threads() } catch { LoadedMachineAdversarialTests.must(false, "threw \(error)") }
        }
    }

    static func threads() throws {
        let elf = try Fixtures.contract(source, flags: ["-DTAG=\"lend2\""])
        let errors = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        let threads = 6
        let iterations = Int(ProcessInfo.processInfo.environment["LEND_ITER"] ?? "60") ?? 60
        let group = DispatchGroup()
        let done = Atomic<Int>(0)
        for t in 0...threads {
          group.enter()
          let th = Thread {
            defer { group.leave() }
            if t == threads {
                // Evicts now and then while the others run.
                var n = 0
                while !stop.load(ordering: .relaxed) {
                    usleep(UInt32(200 + (n % 7) * 300))
                    ContractImageCache.evictAll()
                    n += 1
                }
                return
            }
            do {
                let s = ContractSession()
                guard let a = try s.deploy(elf, kind: .riscv).createdAddress else {
                    errors.withLock { $0.append("thread \(t): deploy failed") }
                    return
                }
                for i in 0..<iterations {
                    let pattern: [(UInt8, UInt8)] = [(0, 0), (5, 0), (1, 0), (0, 0), (5, 3), (8, 0), (2, 0), (0, 0), (5, 1)]
                    let (m, arg) = pattern[(i + t) % pattern.count]
                    let r = try s.call(a, data: [m, arg], gas: m == 2 ? 3_000_000 : 30_000_000)
                    switch m {
                    case 0:
                        if !(r.status == .success && r.output == good) {
                            errors.withLock { $0.append("thread \(t) iteration \(i): \(r.status) \(r.output)") }
                        }
                    case 5:
                        let want = UInt64(0x3333) | UInt64(arg == 0 ? 0 : arg == 3 ? 1 : 2) << 32
                        if !(r.status == .success && r.output == withUnsafeBytes(of: want.littleEndian, Array.init)) {
                            errors.withLock { $0.append("thread \(t) iteration \(i) nested \(arg): \(r.status) \(r.output)") }
                        }
                    case 8:
                        if r.status.isSuccess { errors.withLock { $0.append("thread \(t) iteration \(i): heap page readable") } }
                    default:
                        if r.status.isSuccess { errors.withLock { $0.append("thread \(t) iteration \(i): mode \(m) succeeded") } }
                    }
                }
            } catch {
                errors.withLock { $0.append("thread \(t): \(error)") }
            }
            if done.add(1, ordering: .relaxed).newValue == threads { stop.store(true, ordering: .relaxed) }
          }
          th.stackSize = 8 << 20
          th.start()
        }
        group.wait()
        let all = errors.withLock { $0 }
        must(all.isEmpty, "\(all.count) errors: \(all.prefix(10))")
        ContractImageCache.evictAll()
        must(RISCVEnvironment.parkedMachines == 0, "\(RISCVEnvironment.parkedMachines) machines still counted as parked with no image and no transaction")
        must(SpareMachines.count <= SpareMachines.limit, "\(SpareMachines.count) spares")
    }

    // MARK: 4. determinism

    /// (Runs in a process of its own: it switches process-wide settings.)
    @Test func receiptsAgreeOnLoadedMachinesAndCopies() async {
        await #expect(processExitsWith: .success) {
            do { try LoadedMachineAdversarialTests.determinism() } catch { LoadedMachineAdversarialTests.must(false, "threw \(error)") }
        }
    }

    struct Line: Equatable, CustomStringConvertible {
        var status: String, gas: UInt64, output: Bytes, logs: Int
        var description: String { "\(status) gas \(gas) out \(output.prefix(16)) logs \(logs)" }
    }

    static func script(_ elves: [String: Bytes]) throws -> [Line] {
        let s = ContractSession()
        var lines: [Line] = []
        func rec(_ r: Receipt) {
            lines.append(Line(status: "\(r.status)", gas: r.gasUsed, output: r.output, logs: r.logs.count))
        }
        let supply = U256(1_000_000).bigEndianBytes
        func deploy(_ name: String, _ args: Bytes = []) throws -> Address {
            let d = try s.deploy(elves[name]!, kind: .riscv, arguments: args)
            rec(d)
            return d.createdAddress ?? Address(low: 0)
        }
        let lend = try deploy("lend")
        let mal = try deploy("malicious")
        let token = try deploy("token", supply)
        let counter = try deploy("counter")
        let compute = try deploy("compute")
        let caller = try deploy("caller")
        let vault = try deploy("vault", ABI.word(token))
        for m: UInt8 in [0, 5, 1, 0, 2, 0, 3, 4, 6, 7, 8, 0, 5, 5] {
            rec(try s.call(lend, data: [m, m == 5 ? 1 : 0], gas: m == 2 ? 2_000_000 : 30_000_000))
        }
        for op: UInt8 in [12, 1, 12, 2, 3, 12, 4, 5, 6, 7, 8, 9, 10, 11, 11, 12, 13, 12, 0] {
            rec(try s.call(mal, data: [op], gas: op == 3 ? 1_000_000 : 10_000_000))
        }
        for g: UInt64 in [21_100, 23_000, 40_000, 100_000] { rec(try s.call(mal, data: [12], gas: g)) }
        for i in 0..<5 {
            rec(try s.call(token, data: ABI.call(ABI.transfer, [ABI.word(Address(low: 0x7000 + UInt64(i))), ABI.word(UInt64(i + 1))])))
            rec(try s.call(counter, data: ABI.call(0xd09d_e08a, [])))
        }
        rec(try s.call(counter, data: ABI.call(0x6d4c_e63c, [])))
        rec(try s.call(compute, data: ABI.call(0x6c4f_555a, [ABI.word(7), ABI.word(5000)])))
        rec(try s.call(compute, data: ABI.call(0x86d6_62c7, [ABI.word(50)])))
        rec(try s.call(compute, data: ABI.call(0x6c4f_555a, [ABI.word(7), ABI.word(5000)]), gas: 60_000))
        // The caller calling itself (ping-pong to depth), the counter, the malicious contract.
        let gas0 = Bytes(repeating: 0, count: 8)
        rec(try s.call(caller, data: [3] + caller.bytes + gas0, gas: 30_000_000))
        rec(try s.call(caller, data: [2] + counter.bytes + gas0 + ABI.call(0xd09d_e08a, []), gas: 30_000_000))
        rec(try s.call(caller, data: [2] + mal.bytes + gas0 + [12], gas: 30_000_000))
        rec(try s.call(caller, data: [2] + mal.bytes + gas0 + [1], gas: 30_000_000))
        rec(try s.call(caller, data: [2] + lend.bytes + gas0 + [5, 2], gas: 30_000_000))
        rec(try s.call(caller, data: [2] + lend.bytes + gas0 + [0, 0], gas: 30_000_000))
        rec(try s.call(token, data: ABI.call(0x095e_a7b3, [ABI.word(vault), ABI.word(1000)])))
        rec(try s.call(vault, data: ABI.call(0xb6b5_5f25, [ABI.word(400)])))
        rec(try s.call(vault, data: ABI.call(0x2e1a_7d4d, [ABI.word(100)])))
        rec(try s.call(vault, data: ABI.call(0xa285_aed7, [])))
        return lines
    }

    static func determinism() throws {
        var elves: [String: Bytes] = [:]
        for n in ["malicious", "token", "counter", "compute", "caller", "vault"] { elves[n] = try Fixtures.elf("\(n).elf") }
        elves["lend"] = try Fixtures.contract(source, flags: ["-DTAG=\"lend3\""])
        var runs: [[Line]] = []
        for loaded in [true, false, true, false] {
            ContractImageCache.evictAll()
            RISCVEnvironment.framesRunOnTheLoadedMachine = loaded
            // And code decoded a page at a time as it first runs (every range, one page
            // included) against code decoded up front.
            RISCVMachine.decodesOnFirstRun = loaded
            RISCVMachine.lazyDecodingFromPages = loaded ? 1 : 2
            runs.append(try script(elves))
            // Again on the same (now warm) images.
            runs.append(try script(elves))
        }
        if let path = ProcessInfo.processInfo.environment["LEND_PRINT"] { try? runs.map { $0.map { "\($0)" }.joined(separator: "\n") }.joined(separator: "\n----\n").write(toFile: path, atomically: true, encoding: .utf8) }
        for (k, r) in runs.enumerated().dropFirst() {
            must(r.count == runs[0].count, "run \(k): \(r.count) lines")
            for (i, (x, y)) in zip(runs[0], r).enumerated() where x != y {
                must(false, "run \(k) line \(i): \(x) vs \(y)")
            }
        }
    }

    // MARK: registers and instret

    @Test func theHartStartsClearAfterAFailedFrame() async {
        await #expect(processExitsWith: .success) {
            do { try LoadedMachineAdversarialTests.registers() } catch { LoadedMachineAdversarialTests.must(false, "threw \(error)") }
        }
    }

    static func registerProgram() -> Bytes {
        typealias A = RVAsm
        var code: [UInt32] = []
        let others: [UInt32] = [1, 3, 6, 7, 8, 9] + Array(12...31)
        for n in others { code.append(A.r(0, n, 5, 6, 5, 0x33)) }  // or x5, x5, xn
        code.append(A.csrr(6, 0xC02))  // rdinstret
        code.append(A.lui(7, 0x20))
        code.append(A.s(0, 5, 7, 3, 0x23))
        code.append(A.s(8, 6, 7, 3, 0x23))
        code.append(A.i(16, 7, 3, 8, 0x03))
        code.append(A.s(24, 8, 7, 3, 0x23))
        let branch = code.count
        code.append(0)
        code += [A.addi(10, 7, 0), A.li(11, 32), A.lui(17, 0x10), A.ecall]
        code[branch] = A.bne(11, 0, Int32((code.count - branch) * 4))
        code += [A.li(9, -1), A.s(16, 9, 7, 3, 0x23)]
        for n in others + [2, 4, 5, 10, 11] { code.append(A.li(n, -1)) }
        code.append(0)
        var data = Bytes(repeating: 0, count: 4096)
        data[0x800] = 1
        return TestELF.program(xlen: 64, code: code, data: data).bytes
    }

    static func registers() throws {
        let s = ContractSession()
        let a = try #require(try s.deploy(registerProgram(), kind: .riscv).createdAddress)
        func le(_ v: UInt64) -> Bytes { withUnsafeBytes(of: v.littleEndian, Array.init) }
        let want = le(0) + le(26) + le(0) + le(0)
        for i in 0..<4 {
            let r = try s.call(a, data: [], gas: 1_000_000)
            must(r.status == .success && r.output == want, "call \(i): \(r.status) \(r.output)")
            let f = try s.call(a, data: [1], gas: 1_000_000)
            must(!f.status.isSuccess, "the dirtying call succeeded")
        }
    }
}
