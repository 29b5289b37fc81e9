@testable import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// The process-wide image cache (`ContractImageCache`, 256 images) evicts in the dictionary's
/// hash order with a second chance for images found since the scan last passed them. Until the
/// forty-second session plain hash order could evict a contract called in every transaction
/// (rebuilt at its next call) while contracts called once stayed.
@Suite struct ImageCacheEvictionTests {
    /// A contract called between 300 one-off deployments, each of which builds and caches an
    /// image, is never rebuilt; the cache (lowered to 2 images) stays full of the others. Runs in
    /// a child process of its own: the cache, its limit and its counts are process-wide.
    @Test func theImageCalledEveryTimeStaysWhileOneOffImagesLeave() async {
        await #expect(processExitsWith: .success) {
            do { try ImageCacheEvictionTests.scenario() } catch { HostWorkTests.must(false, "threw \(error)") }
        }
    }

    static func scenario() throws {
        func must(_ ok: Bool, _ why: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
            HostWorkTests.must(ok, why(), sourceLocation: sourceLocation)
        }
        ContractImageCache.evictAll()
        // Two images, the hot one and one other: plain hash order evicts the hot one whenever
        // its bucket comes first, about every other deployment.
        ContractImageCache.limit = 2
        let s = ContractSession()
        // Distinct code per tag: the same program with a data segment holding the tag.
        func elf(_ tag: Int) -> Bytes {
            TestELF.program(xlen: 64, code: AdversarialNativeTests.returnEmpty, data: [UInt8(tag & 0xff), UInt8(tag >> 8), 1]).bytes
        }
        let hot = elf(0)
        let hotHash = Keccak.hash(hot)
        let a = try s.deploy(hot, kind: .riscv).createdAddress
        must(a != nil, "the hot contract did not deploy")
        must(try s.call(a!, data: []).status == .success, "the hot contract's first call failed")
        let builds = ContractImageCache.loadCount(of: hotHash)
        must(builds >= 1, "the hot contract's image was not cached")
        var hashes: [Bytes32] = []
        for tag in 1...300 {
            let code = elf(tag)
            hashes.append(Keccak.hash(code))
            let d = try s.deploy(code, kind: .riscv)
            must(d.status == .success, "deployment \(tag): \(d.status)")
            must(try s.call(a!, data: []).status == .success, "call after deployment \(tag) failed")
            must(ContractImageCache.loadCount(of: hotHash) == builds,
                 "the hot image was rebuilt after deployment \(tag)")
        }
        // 300 one-off images and the hot one through a 2-image cache.
        let cached = hashes.map { ContractImageCache.loadCount(of: $0) > 0 }
        must(cached.last!, "the newest one-off image is not cached")
        must(cached.filter { $0 }.count == 1, "\(cached.filter { $0 }.count) one-off images cached, not 1")
    }
}
