import EEKit
import EEKitTestSupport
import Foundation
import Synchronization
import Testing

/// Tools that link EEKit may run several bootloaders on several threads. They share only the
/// process-wide caches and pools (native images and their machine pools, EVM analyses and
/// frame buffers), which are behind locks: sessions on four threads running the same native and
/// EVM tokens must end with the same balances as one session running the same transfers alone.
@Suite struct ConcurrencyTests {
    static let transfers = 150

    /// One session: deploys both tokens, sends `transfers` transfers to each (to 8 receivers),
    /// returns the receivers' balances on both tokens.
    static func run(_ elf: Bytes, _ evm: Bytes) throws -> [U256] {
        let s = ContractSession()
        let supply = U256(1_000_000).bigEndianBytes
        var balances: [U256] = []
        for (code, kind) in [(elf, EEKind.riscv), (evm, EEKind.evm)] {
            let d = try s.deploy(code, kind: kind, arguments: supply)
            guard let token = d.createdAddress else { throw EEError.internalError("deployment failed: \(d.status)") }
            for i in 0..<transfers {
                let to = Address(low: 0x7000 + UInt64(i % 8))
                let r = try s.call(token, data: ABI.call(ABI.transfer, [ABI.word(to), ABI.word(UInt64(i + 1))]))
                guard r.status == .success else { throw EEError.internalError("transfer \(i) on \(kind): \(r.status)") }
            }
            for k in 0..<8 {
                let r = try s.call(token, data: ABI.call(0x70a0_8231, [ABI.word(Address(low: 0x7000 + UInt64(k)))]))
                balances.append(U256(bigEndian: r.output))
            }
        }
        return balances
    }

    @Test func sessionsOnFourThreadsAgreeWithOneAlone() throws {
        let elf = try Fixtures.elf("token.elf")
        let evm = try Fixtures.vyperToken()
        let expected = try Self.run(elf, evm)
        let results = Mutex<[Result<[U256], any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let r = Result { try Self.run(elf, evm) }
            results.withLock { $0.append(r) }
        }
        let all = results.withLock { $0 }
        #expect(all.count == 4)
        for r in all {
            switch r {
            case .success(let b): #expect(b == expected)
            case .failure(let e): Issue.record("a concurrent session failed: \(e)")
            }
        }
    }

    /// Sessions on four threads that miss the native image cache: 360 distinct ELFs in all, more
    /// than its 256 entries, so it is emptied while other threads use its images (which stay
    /// alive with their frames), each called three times on pooled machines.
    static func distinctImages(_ thread: Int) throws -> Int {
        let s = ContractSession()
        var ok = 0
        for k in 0..<90 {
            let xlen = k % 2 == 0 ? 32 : 64
            let code = [RVAsm.li(10, 0), RVAsm.li(11, 0), RVAsm.lui(17, 0x10), RVAsm.ecall]
            // Distinct data per (thread, k): a distinct code hash, a distinct image.
            let data = Bytes(repeating: UInt8(thread + 1), count: 1) + U256(UInt64(k)).bigEndianBytes
            let d = try s.deploy(TestELF.program(xlen: xlen, code: code, data: data).bytes, kind: .riscv)
            guard let a = d.createdAddress else { continue }
            for _ in 0..<3 where try s.call(a, data: []).status == .success { ok += 1 }
        }
        return ok
    }

    @Test func imageCacheMissesAndEvictionsOnFourThreads() throws {
        let results = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let r = (try? Self.distinctImages(i)) ?? -1
            results.withLock { $0.append(r) }
        }
        #expect(results.withLock { $0 } == [270, 270, 270, 270])
    }
}
