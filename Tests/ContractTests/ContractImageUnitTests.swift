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

    /// What an EE keeps lasts until the transaction's run ends, within a byte cap.
    @Test func keptObjectsLastOneTransaction() throws {
        final class Box {}
        let boot = Bootloader(world: WorldState(store: MemoryStore()), registry: .standard)
        let box = Box()
        #expect(boot.keep(box, key: AnyHashable("a"), bytes: 10))
        #expect(boot.keptObject(AnyHashable("a")) === box)
        #expect(!boot.keep(Box(), key: AnyHashable("b"), bytes: Bootloader.maxKeptBytes))
        #expect(boot.keptObject(AnyHashable("b")) == nil)
        // Any transaction ends the keep.
        _ = try boot.execute(Transaction(
            sender: Address(low: 1), nonce: .zero, gasLimit: U256(21_000), to: Address(low: 2), value: .zero, data: [],
            gasPrice: .zero))
        #expect(boot.keptObject(AnyHashable("a")) == nil)
        #expect(boot.keep(Box(), key: AnyHashable("b"), bytes: Bootloader.maxKeptBytes))
    }
}
