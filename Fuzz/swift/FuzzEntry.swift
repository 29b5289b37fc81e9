// libFuzzer entry for the Swift side of EEKit. Fuzz/build_swift.sh compiles this file into the
// EEKit module itself (so internal API is reachable) with `-sanitize=fuzzer,address`; libFuzzer
// supplies main(). EEKIT_FUZZ_TARGET selects the target:
//
//   elf_loader      the input is an ELF file: ELFImage (libelf validation), the plain runner
//                   (RISCVProcess + a bounded run), the contract image and a RISC-V deployment
//                   through the bootloader.
//   evm_frames      byte 0 flags (bit 0: deploy the code as init code instead of calling it,
//                   bit 1: call the second account), bytes 1-2 gas / 16, byte 3 calldata length,
//                   then calldata, then code. Two accounts hold the code, so calls recurse into
//                   fuzzed code; runs through Bootloader.execute with the standard registry and
//                   the Cancun precompiles.
//   statetest_json  the input is a state-test JSON file: the decoder, every post entry's
//                   transaction, and (when every gas limit is small) the run itself.
//
// Every input must end in a value or a typed error: a Swift trap, a sanitizer report or a
// broken invariant (abort) is a finding.
import Foundation

private enum FuzzTarget { case elf, evm, stateTest }

private let fuzzTarget: FuzzTarget = {
    switch ProcessInfo.processInfo.environment["EEKIT_FUZZ_TARGET"] ?? "" {
    case "elf_loader": return .elf
    case "evm_frames": return .evm
    case "statetest_json": return .stateTest
    default:
        FileHandle.standardError.write("EEKIT_FUZZ_TARGET must be elf_loader, evm_frames or statetest_json\n".data(using: .utf8)!)
        exit(2)
    }
}()

private func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok {
        FileHandle.standardError.write("invariant broken: \(what())\n".data(using: .utf8)!)
        abort()
    }
}

/// One session reused across inputs; each input's changes are discarded afterwards, so runs
/// do not depend on earlier inputs.
private let session: ContractSession = {
    let s = ContractSession()
    s.commitEachTransaction = false
    return s
}()

private let stateTestRunner = StateTestRunner(registry: EERegistry.standard, hooks: Precompiles.cancun())

private func fuzzELF(_ bytes: [UInt8]) {
    var parsed: ELFImage? = nil
    do {
        let image = try ELFImage(bytes: bytes)
        for s in image.segments {
            check(s.fileOffset + s.fileSize <= UInt64(bytes.count) && s.fileSize <= s.memSize, "segment outside the file")
        }
        parsed = image
    } catch {}
    do {
        let r = try RISCVPlainRunner.run(
            elf: bytes, arguments: ["fuzz", "arg"], stdin: [1, 2, 3, 4],
            options: RISCVRunOptions(maxInstructions: 20_000, memoryMiB: 1))
        check(parsed != nil, "plain runner accepted an ELF that ELFImage refused")
        check(r.instructionsRetired <= 20_000, "budget overrun: \(r.instructionsRetired)")
    } catch {}
    do {
        _ = try ContractImage(elf: bytes, memorySize: 1 << 20, stackSize: 64 << 10, schedule: .default)
        check(parsed != nil, "contract image accepted an ELF that ELFImage refused")
    } catch {}
    // A deployment through the bootloader (the RISC-V EE's deploy checks and constructor run),
    // with the intrinsic gas plus 30,000 gas for the constructor (7.68M ergs, about 2M
    // instructions), so a looping constructor ends in well under libFuzzer's timeout.
    do {
        let limit = UInt64(53_000 + 16 * bytes.count + 2 * ((bytes.count + 31) / 32) + 30_000)
        let receipt = try session.deploy(bytes, kind: .riscv, gas: limit)
        check(receipt.gasUsed <= limit, "gas used above the limit")
    } catch {}
    session.world.discardUncommitted()
}

private let evmA = Address(low: 0x1001)
private let evmB = Address(low: 0x1002)

private func fuzzEVM(_ d: [UInt8]) {
    guard d.count >= 4 else { return }
    let flags = d[0]
    let gas = (UInt64(d[1]) << 8 | UInt64(d[2])) * 16
    let cdLen = min(Int(d[3]), d.count - 4)
    let calldata = Array(d[4..<4 + cdLen])
    let code = Array(d[(4 + cdLen)...])
    let world = session.world
    world.setCode(evmA, code, kind: .evm)
    world.setCode(evmB, code, kind: .evm)
    world.setNonce(evmA, 1)
    world.setNonce(evmB, 1)
    _ = world.addBalance(evmA, U256(1000))
    let limit = 60_000 + gas
    do {
        let r: Receipt
        if flags & 1 != 0 {
            r = try session.deploy(code + calldata, kind: .evm, value: U256(UInt64(flags >> 4)), gas: limit)
        } else {
            r = try session.send(to: flags & 2 != 0 ? evmB : evmA, data: calldata, value: U256(UInt64(flags >> 4)), gas: limit)
        }
        check(r.gasUsed <= limit, "gas used \(r.gasUsed) above the limit \(limit)")
    } catch {}
    world.discardUncommitted()
}

private func fuzzStateTest(_ d: [UInt8]) {
    guard let json = try? JSONSerialization.jsonObject(with: Data(d)), let top = json as? [String: Any] else { return }
    for name in top.keys.sorted() {
        guard let t = top[name] as? [String: Any] else { continue }
        guard let test = try? StateTestCase.parse(name: name, file: "fuzz", t) else { continue }
        var small = true
        for g in test.transaction.gasLimit where (g.uint64 ?? .max) > 3_000_000 { small = false }
        for (fork, entries) in test.post {
            for e in entries {
                _ = try? test.transaction(for: e)
            }
            if small && StateTestRunner.supportedForks.contains(fork) && entries.count <= 8 {
                _ = stateTestRunner.run(test, fork: fork)
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func eekitFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    switch fuzzTarget {
    case .elf: fuzzELF(bytes)
    case .evm: fuzzEVM(bytes)
    case .stateTest: fuzzStateTest(bytes)
    }
    return 0
}
