@testable import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// The process-wide image cache (`ContractImageCache`, 256 images) evicts the image used
/// longest ago. Until the forty-second session it evicted in the dictionary's hash order: a
/// contract called in every transaction could be evicted (and rebuilt at its next call) while
/// contracts called once stayed.
@Suite struct ImageCacheEvictionTests {
    /// A contract called between 300 one-off deployments, each of which builds and caches an
    /// image, is never rebuilt; the one-off images leave the cache oldest first. Runs in a
    /// child process of its own: the cache and its counts are process-wide.
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
        // 300 one-off images and the hot one through a 256-image cache: the oldest left.
        let cached = hashes.map { ContractImageCache.loadCount(of: $0) > 0 }
        must(!cached[0] && !cached[1], "the oldest one-off images are still cached")
        must(cached.suffix(200).allSatisfy { $0 }, "a recent one-off image was evicted")
        must(cached.filter { $0 }.count == 255, "\(cached.filter { $0 }.count) one-off images cached, not 255")
    }
}
