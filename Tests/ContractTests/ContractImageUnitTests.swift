@testable import EEKit
import Testing

/// Internals of native images and the bootloader's per-transaction keep (review findings).
@Suite struct ContractImageUnitTests {
    /// An image that leaves less than 64 KiB of heap in the configured memory grows (a review
    /// found an image ending 4 KiB lower than one that grew left no heap at all); a maximum below
    /// 1 MiB is a cap, not an underflow.
    @Test func memoryLeavesAHeap() {
        let mib: UInt64 = 1 << 20
        #expect(ContractImage.memory(needed: mib - (64 << 10), memorySize: mib, maxMemorySize: 64 * mib) == mib)
        #expect(ContractImage.memory(needed: mib - 4096, memorySize: mib, maxMemorySize: 64 * mib) == 2 * mib)
        #expect(ContractImage.memory(needed: mib + 1, memorySize: mib, maxMemorySize: 64 * mib) == 3 * mib)
        #expect(ContractImage.memory(needed: mib - 4096, memorySize: mib, maxMemorySize: mib) == mib)  // fixed size
        #expect(ContractImage.memory(needed: 100 << 10, memorySize: 64 << 10, maxMemorySize: 512 << 10) == 512 << 10)
        #expect(ContractImage.memory(needed: 64 * mib + 1, memorySize: mib, maxMemorySize: 64 * mib) == nil)
    }

    /// A contract's heap stops a guard page below its stack region (found by mutation testing:
    /// a heap reaching the stack's first page went unnoticed).
    @Test func heapStopsAPageBelowTheStack() throws {
        let e = Self.elf64(code: [0x73, 0x00, 0x10, 0x00])  // ebreak
        let image = try ContractImage(ContractImage.Layout(
            elf: e, settings: ContractImage.Settings(RISCVEnvironment.Configuration(), schedule: .default)))
        #expect(image.brkStart == 0x11000 && image.brkLimit == image.stackBottom - RISCVMachine.pageSize)
    }

    /// A minimal RV64 ET_EXEC: one R+X segment at 0x10000 (file offset 0x1000) holding `code`.
    static func elf64(code: [UInt8]) -> [UInt8] {
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        var b: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        b += le(2, 2) + le(243, 2) + le(1, 4) + le(0x10000, 8) + le(64, 8) + le(0, 8)
        b += le(0, 4) + le(64, 2) + le(56, 2) + le(1, 2) + le(64, 2) + le(0, 2) + le(0, 2)
        b += le(1, 4) + le(5, 4) + le(0x1000, 8) + le(0x10000, 8) + le(0x10000, 8)
        b += le(UInt64(code.count), 8) + le(UInt64(code.count), 8) + le(0x1000, 8)
        return b + [UInt8](repeating: 0, count: 0x1000 - b.count) + code
    }

    /// What an EE keeps lasts until the transaction's run ends, within the transaction's cap
    /// on prepared code.
    @Test func keptCodeLastsOneTransaction() throws {
        final class Box {}
        let boot = Bootloader(world: WorldState(store: MemoryStore()), registry: .standard)
        let box = Box()
        let a = Bytecode(kind: .riscv, bytes: [1], hash: Keccak.hash([1]))
        let b = Bytecode(kind: .riscv, bytes: [2], hash: Keccak.hash([2]))
        #expect(boot.keep(box, for: a, bytes: 10) == nil)
        #expect(boot.keptObject(for: a) === box)
        #expect(boot.keep(Box(), for: a, bytes: 1 << 40) == nil)  // already kept: nothing added
        #expect(boot.keptObject(for: Bytecode(kind: .evm, bytes: [1], hash: a.hash)) == nil)  // per EE kind
        #expect(boot.keep(Box(), for: b, bytes: boot.limits.maxTransactionCodeBytes) != nil)
        #expect(boot.keptObject(for: b) == nil && boot.keptBytes == 10)
        // Past the first 16 (a list) the rest go to a map: all are found.
        let many = (0..<40).map { i in Bytecode(kind: .riscv, bytes: [UInt8(i), 9], hash: Keccak.hash([UInt8(i), 9])) }
        let boxes = many.map { _ in Box() }
        for (c, o) in zip(many, boxes) { #expect(boot.keep(o, for: c, bytes: 1) == nil) }
        for (c, o) in zip(many, boxes) { #expect(boot.keptObject(for: c) === o) }
        #expect(boot.keptBytes == 50)
        // Any transaction's run ends the keep.
        _ = try boot.execute(Transaction(
            sender: Address(low: 1), nonce: .zero, gasLimit: U256(21_000), to: Address(low: 2), value: .zero, data: [],
            gasPrice: .zero))
        #expect(boot.keptObject(for: a) == nil && boot.keptBytes == 0)
        #expect(many.allSatisfy { boot.keptObject(for: $0) == nil })
    }

    /// A frame whose image would take the transaction's prepared code past the cap fails with
    /// the reason; its caller continues, and the next transaction starts from nothing.
    @Test func framePastTheCodeCapFails() throws {
        let s = ContractSession()
        let caller = Address(low: 0x51), counter = Address(low: 0x53)
        try s.install(try Fixtures.elf("caller.elf"), kind: .riscv, at: caller)
        try s.install(try Fixtures.elf("counter.elf"), kind: .riscv, at: counter)
        let get: Bytes = [0x6d, 0x4c, 0xe6, 0x3c]
        #expect(try s.call(counter, data: get).output == ABI.word(0))
        let one = s.boot.keptBytes  // 0 again: the run ended
        #expect(one == 0)
        let viaCaller: Bytes = [2] + counter.bytes + Bytes(repeating: 0, count: 8) + get
        #expect(try s.call(caller, data: viaCaller).output == ABI.word(0) + ABI.word(0))  // status, then the output
        s.boot.limits.maxTransactionCodeBytes = 100 << 10  // one small image, not two
        let r = try s.call(caller, data: viaCaller)
        #expect(r.status == .success && r.output == ABI.word(2), "the callee should fail: \(r.status) \(r.output)")
        #expect(try s.call(counter, data: get).output == ABI.word(0))
        s.boot.limits.maxTransactionCodeBytes = 10 << 10
        guard case .failure(.limitExceeded(let why)) = try s.call(counter, data: get).status else {
            Issue.record("an image over the cap ran")
            return
        }
        #expect(why.hasPrefix("prepared code of the transaction"), "\(why)")
    }
}
