// libFuzzer entry for the Swift side of EEKit. Fuzz/build_swift.sh compiles this file into the
// EEKit module itself (so internal API is reachable) with `-sanitize=fuzzer,address`; libFuzzer
// supplies main(). EEKIT_FUZZ_TARGET selects the target:
//
//   elf_loader      the input is an ELF file: ELFImage (libelf validation), the plain runner
//                   (RISCVProcess + a bounded run), the contract image and a RISC-V deployment
//                   through the bootloader.
//   evm_frames      byte 0 flags (bit 0: deploy the code as init code instead of calling it,
//                   bit 1: call the second account, bit 2: record a call trace and check its
//                   shape, bit 3: an older fork (Frontier...Shanghai, from byte 1; else Cancun...BPO2 from byte 2), bits 4-7: value), bytes 1-2 gas / 16, byte 3 calldata length,
//                   then calldata, then code. Two accounts hold the code, so calls recurse into
//                   fuzzed code; runs through Bootloader.execute with the standard registry and
//                   the Cancun precompiles.
//   statetest_json  the input is a state-test JSON file: the decoder, every post entry's
//                   transaction, and (when every gas limit is small) the run itself.
//   native_frames   the input is turned into a native RISC-V contract (NativeProgram below:
//                   ALU, load/store, branch and jump templates, system calls 0x10000-0x1001f (the last one unknown)
//                   with pointers into its data page, raw words) installed at two addresses
//                   that can call each other. Each input runs four times on the same state:
//                   twice with in-loop system calls (the second frame gets a pooled machine,
//                   so anything a frame leaves behind shows; the second run is traced), once
//                   with every system call returning to Swift, and once single-stepped by a
//                   native-frame tracer (`--trace-steps`); the four receipts must be equal.
//                   For a third of the inputs the first run's image is built on spare machines
//                   (other images' wiped ones) and the third run's on new ones.
//
//   nested_frames   a fuzz EE (NestEE below, registered as .wasm) runs the input as a program
//                   of one-byte operations from the offset its calldata names: nested and
//                   preempting calls (plain, static, delegate) into two copies of itself and an
//                   EVM forwarder, nested CREATE / CREATE2 of the rest of the program, storage,
//                   transient storage, logs, returns, reverts and failures; an operation with
//                   argument 15 may break the protocol on purpose. Each input runs three
//                   times on the same state: plainly, traced, and on a thread with a 1 MiB
//                   stack (nested frames move to a large-stack thread); the receipts must be
//                   equal, a thrown error must be a protocol break the program asked for, and
//                   it must leave the sender's nonce unchanged.
//
//   abi_text        the CLI's ABI text paths: byte 0 picks output types (arrays and tuples
//                   among them), the rest is call output for ABIEncoder.decode and revertReason,
//                   topics and data of a log for decodeEvent, and as text a signature with
//                   arguments for splitSignature / encodeCall / decodeEvent.
//                   Decoded integers must re-encode to their word, and decoded values must
//                   encode again and decode to the same text.
//
// Every input must end in a value or a typed error: a Swift trap, a sanitizer report or a
// broken invariant (abort) is a finding.
//
// The test target FuzzReplayTests (Tests/FuzzReplayTests, where FuzzEntry.swift is a link to
// this file) compiles it with EEKIT_FUZZ_REPLAY defined and replays every seed and saved
// finding through these functions, so `swift test` runs the harness's own oracles on them (an
// earlier replay in the tests re-implemented three of the six targets, with weaker checks).
// The globals below are `nonisolated(unsafe)`: libFuzzer and the replay run one input at a
// time on one thread.
import Foundation

#if EEKIT_FUZZ_REPLAY
@testable import EEKit
import EEKitTestSupport
#endif

enum FuzzTarget { case elf, evm, stateTest, native, nested, abi }

/// Runs one input through `target`'s harness.
func fuzzOne(_ target: FuzzTarget, _ bytes: [UInt8]) {
    switch target {
    case .elf: fuzzELF(bytes)
    case .evm: fuzzEVM(bytes)
    case .stateTest: fuzzStateTest(bytes)
    case .native: fuzzNative(bytes)
    case .nested: fuzzNested(bytes)
    case .abi: fuzzABI(bytes)
    }
}

#if !EEKIT_FUZZ_REPLAY
private let fuzzTarget: FuzzTarget = {
    switch ProcessInfo.processInfo.environment["EEKIT_FUZZ_TARGET"] ?? "" {
    case "elf_loader": return .elf
    case "evm_frames": return .evm
    case "statetest_json": return .stateTest
    case "native_frames": return .native
    case "nested_frames": return .nested
    case "abi_text": return .abi
    default:
        FileHandle.standardError.write(
            "EEKIT_FUZZ_TARGET must be elf_loader, evm_frames, statetest_json, native_frames, nested_frames or abi_text\n"
                .data(using: .utf8)!)
        exit(2)
    }
}()
#endif

private func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok {
        FileHandle.standardError.write("invariant broken: \(what())\n".data(using: .utf8)!)
        abort()
    }
}

/// One session reused across inputs; each input's changes are discarded afterwards, so runs
/// do not depend on earlier inputs.
nonisolated(unsafe) private let session: ContractSession = {
    let s = ContractSession()
    s.commitEachTransaction = false
    return s
}()

/// With a recorder attached: one tree per transaction, every frame ended, depths nested,
/// the root's status the receipt's.
nonisolated(unsafe) private let recorder = CallTraceRecorder()

private func checkTrace(_ r: Receipt) {
    func walk(_ n: CallTraceNode, depth: Int) {
        check(n.start.depth == depth, "trace depth \(n.start.depth) at \(depth)")
        check(n.end != nil && n.end?.depth == depth, "trace frame without its end")
        check((n.gasUsed ?? 0) <= n.start.gas, "trace gas used above the frame's gas")
        for c in n.children { walk(c, depth: depth + 1) }
    }
    check(recorder.roots.count == 1, "\(recorder.roots.count) trace roots for one transaction")
    guard let root = recorder.roots.first else { return }
    walk(root, depth: 0)
    check(root.end?.status == r.status, "trace root ended \(String(describing: root.end?.status)), receipt \(r.status)")
}

nonisolated(unsafe) private let stateTestRunner = StateTestRunner(registry: EERegistry.standard, hooks: Precompiles.cancun())

private func fuzzELF(_ bytes: [UInt8]) {
    var parsed: ELFImage? = nil
    do {
        let image = try ELFImage(bytes: bytes)
        for s in image.segments {
            // A segment without file bytes maps nothing from the file: its offset may be anything.
            check(
                (s.fileSize == 0 || s.fileOffset + s.fileSize <= UInt64(bytes.count)) && s.fileSize <= s.memSize,
                "segment outside the file")
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
        let layout = try ContractImage.Layout(
            elf: bytes,
            settings: ContractImage.Settings(memorySize: 1 << 20, maxMemorySize: 8 << 20, stackSize: 64 << 10, schedule: .default))
        let image = try ContractImage(layout)
        check(image.frameErgs == layout.frameErgs, "frame ergs differ from the layout's")
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
    let limit = 21_000 + 68 * UInt64(calldata.count) + gas  // 68: a non-zero byte before Istanbul
    let traced = flags & 4 != 0
    // Bit 3: an older fork's rules (Frontier...Shanghai: opcodes replaced in the analysis,
    // other prices, refunds, account rules and precompiles); otherwise Cancun, Prague, Osaka, BPO1 or BPO2
    // by byte 2 (CLZ, delegated targets, the later precompiles).
    let older = Fork.allCases.filter { $0 < .cancun }
    let newer = Fork.allCases.filter { $0 >= .cancun }
    session.boot.useFork(flags & 8 != 0 ? older[Int(d[1]) % older.count] : newer[Int(d[2]) % newer.count])
    defer { session.boot.useFork(.cancun) }
    if traced {
        recorder.reset()
        recorder.attach(to: session.boot)
    }
    defer { session.boot.tracer = nil }
    do {
        let r: Receipt
        if flags & 1 != 0 {
            r = try session.deploy(code + calldata, kind: .evm, value: U256(UInt64(flags >> 4)), gas: limit)
        } else {
            r = try session.send(to: flags & 2 != 0 ? evmB : evmA, data: calldata, value: U256(UInt64(flags >> 4)), gas: limit)
        }
        check(r.gasUsed <= limit, "gas used \(r.gasUsed) above the limit \(limit)")
        if traced { checkTrace(r) }
    } catch {
        checkProtocol(error)
    }
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

/// A native contract built from fuzz bytes: byte 0 flags (bit 0 RV32, bit 1 code page also
/// writable, bits 4-7 calldata length / 8), byte 1 gas / 64 (at most 16,320 gas for the
/// frames, about 1M instructions: a looping program must end fast), byte 2 unused, the calldata, then one
/// instruction template per 4 bytes. s0 holds the data page (0x20000, RW, 4 KiB: the callee's
/// address at 0x100, its own at 0x120); the program ends with return(s0, 32).
private enum NativeProgram {
    typealias A = RVAsm  // Tests/EEKitTestSupport, compiled into this fuzz build
    static let data: UInt32 = 0x20000

    /// (ELF, calldata, gas) from fuzz bytes.
    static func build(_ d: [UInt8], callee: Address, me: Address) -> (Bytes, Bytes, UInt64)? {
        guard d.count >= 3 else { return nil }
        let rv32 = d[0] & 1 != 0, rwx = d[0] & 2 != 0
        let cdLen = min(Int(d[0] >> 4) * 8, d.count - 3)
        let calldata = Array(d[3..<3 + cdLen])
        let gas = UInt64(d[1]) * 64
        var code: [UInt32] = [A.lui(8, data >> 12)]  // s0 = data page
        let body = Array(d[(3 + cdLen)...])
        var k = 0
        while k + 4 <= body.count && code.count < 900 {
            let c0 = body[k], c1 = UInt32(body[k + 1]), c2 = UInt32(body[k + 2]), c3 = UInt32(body[k + 3])
            k += 4
            let rd = c1 & 31, rs1 = c2 & 31, rs2 = c3 & 31
            let imm = Int32(Int8(bitPattern: UInt8(c3))) * 8
            switch c0 & 15 {
            case 0: code.append(A.addi(rd, rs1, imm))
            case 1: code.append(A.lui(rd, c2 << 8 | c3))
            case 2:  // OP / OP-32 with funct7 0 (add...), 0x20 (sub, sra) or 1 (M)
                let f7: UInt32 = [0, 0x20, 1][Int(c0 >> 4) % 3]
                code.append(A.r(f7, rs2, rs1, UInt32(c0 >> 4) & 7, rd, c3 >> 7 == 0 ? 0x33 : 0x3b))
            case 3: code.append(A.i(Int32(c3) * 4, 8, UInt32([0, 1, 2, 3, 4, 5, 6][Int(c2) % 7]), rd, 0x03))  // load from data
            case 4: code.append(A.s(Int32(c3) * 4, rs2, 8, c2 & 3, 0x23))  // store into data
            case 5: code.append(A.b((Int32(Int8(bitPattern: UInt8(c3))) | 1) * 4 & ~3, rs2, rs1, [0, 1, 4, 5, 6, 7][Int(c2) % 6]))
            case 6: code.append(A.i(Int32(c3) * 4, 8, 0, 10 + c1 % 6, 0x13))  // aN = data + 4 * c3
            case 7: code.append(A.addi(10 + c1 % 6, 0, Int32(c3) % 80))  // aN = small length / id
            case 8, 9, 10:  // a system call
                code.append(A.lui(17, 0x10))
                code.append(A.addi(17, 17, Int32(c1 % 0x20)))  // 0x1001f: unknown
                if c2 & 1 != 0 { code.append(A.addi(11, 8, 0x100)) }  // a1 = the callee's address
                code.append(0x0000_0073)
            case 11: code.append(UInt32(c1) | c2 << 8 | c3 << 16 | UInt32(c0 & 0xf0) << 24)  // raw word
            default: code.append(A.addi(10 + c1 % 6, 10 + c2 % 6, imm))
            }
        }
        code += [A.addi(10, 8, 0), A.addi(11, 0, 32), A.lui(17, 0x10), 0x0000_0073]  // return(s0, 32)
        var page = Bytes(repeating: 0, count: 4096)
        page.replaceSubrange(0x100..<0x114, with: callee.bytes)
        page.replaceSubrange(0x120..<0x134, with: me.bytes)
        let elf = TestELF(
            xlen: rv32 ? 32 : 64, entry: 0x10000,
            segments: [
                .init(vaddr: 0x10000, bytes: code.flatMap(TestELF.le32), flags: rwx ? 7 : 5),
                .init(vaddr: UInt64(data), bytes: page, flags: 6),
            ])
        return (elf.bytes, calldata, gas)
    }
}

private let nativeA = Address(low: 0x2001)
private let nativeB = Address(low: 0x2002)

private func fuzzNative(_ d: [UInt8]) {
    guard let (elf, calldata, gas) = NativeProgram.build(d, callee: nativeB, me: nativeA) else { return }
    let world = session.world
    let limit = 21_000 + 68 * UInt64(calldata.count) + gas  // 68: a non-zero byte before Istanbul
    var receipts: [Receipt] = []
    // The second run is traced: tracing must not change the receipt. The fourth single-steps
    // every native frame (`RISCVEnvironment(tracer:)`, `--trace-steps`). For half the inputs
    // the first run, whose frames find no machine of their new image, takes machines of
    // earlier inputs' images and resets them (as under parking pressure); the others use
    // pooled ones.
    // For a third of the inputs the first run builds the image on spare machines (the cache is
    // emptied first, so earlier inputs' wiped machines are the spares) and the third run
    // rebuilds it on new machines: anything a spare kept of its last image shows as a difference.
    // For another third the first run builds the image anew too, and its frames run on the
    // machine it was loaded into (`framesRunOnTheLoadedMachine`), while the third run's image,
    // built anew, runs every frame on a copy of its template, decoded up front: a frame's
    // leftovers on the loaded machine (its snapshot restore), or a page decoded when it first
    // runs differing from one decoded up front, show as a difference. (The program calls a second account
    // with the same code: the same image, a template made while the loaded machine runs.)
    let spareCheck = d.count % 3 == 1, rebuild = d.count % 3 != 0
    for (run, (inLoop, traced, stepped)) in [(true, false, false), (true, true, false), (false, false, false), (true, false, true)].enumerated() {
        if rebuild && (run == 0 || run == 2) { ContractImageCache.evictAll() }
        SpareMachines.bypassed = spareCheck && run == 2
        RISCVEnvironment.framesRunOnTheLoadedMachine = !(rebuild && run == 2)
        // The third run of those inputs decodes the whole code range up front; the others
        // decode each page when it first runs, one-page ranges included.
        RISCVMachine.decodesOnFirstRun = !(rebuild && run == 2)
        RISCVMachine.lazyDecodingFromPages = 1
        defer {
            SpareMachines.bypassed = false
            RISCVEnvironment.framesRunOnTheLoadedMachine = true
            RISCVMachine.decodesOnFirstRun = true
            RISCVMachine.lazyDecodingFromPages = 2
        }
        if stepped {
            session.boot.registry.registerRISCV(tracer: { _ in })
        }
        defer { if stepped { session.boot.registry.registerRISCV() } }
        RISCVEnvironment.inLoopSystemCalls = inLoop
        RISCVEnvironment.reuseOtherImagesMachinesFrom =
            !traced && inLoop && d.count % 2 == 0 ? 0 : RISCVEnvironment.defaultReuseOtherImagesMachinesFrom
        recorder.reset()
        if traced { recorder.attach(to: session.boot) } else { session.boot.tracer = nil }
        world.setAccount(nativeA, Account(nonce: 1, balance: U256(1000), kind: .riscv, code: elf))
        world.setAccount(nativeB, Account(nonce: 1, balance: .zero, kind: .riscv, code: elf))
        do {
            let r = try session.call(nativeA, data: calldata, gas: limit)
            check(r.gasUsed <= limit, "gas used \(r.gasUsed) above the limit \(limit)")
            if traced { checkTrace(r) }
            receipts.append(r)
        } catch {
            checkProtocol(error)
        }
        world.discardUncommitted()
    }
    RISCVEnvironment.inLoopSystemCalls = true
    RISCVEnvironment.reuseOtherImagesMachinesFrom = RISCVEnvironment.defaultReuseOtherImagesMachinesFrom
    session.boot.tracer = nil
    guard receipts.count == 4 else {
        check(receipts.isEmpty, "a run threw where another did not")
        return
    }
    for r in receipts.dropFirst() {
        let a = receipts[0]
        check(r.status == a.status && r.gasUsed == a.gasUsed && r.output == a.output && r.logs == a.logs,
              "runs differ: \(a.status) \(a.gasUsed) vs \(r.status) \(r.gasUsed)")
    }
}

/// The nested_frames EE: its code is the fuzz input; a frame runs it from the offset in the
/// first two calldata bytes, one byte per operation (low nibble the operation, high nibble its
/// argument), 1,000 ergs each, until it ends or the code does (a success with the last
/// returndata). Calls pass calldata naming the next offset, so the callee runs the rest of the
/// program. Argument 15 of operations 9 and 10 breaks the protocol (`NestEE.breaks`).
final class NestEE: ExecutionEnvironment {
    static var kind: EEKind { .wasm }
    static let stepCost: UInt64 = 1000
    private var launch: LaunchParams?
    private var code: Bytes = []
    private var pc = 0
    private var ergs: UInt64 = 0
    private var last: Bytes = []
    private var lastOK = true
    private var swallow = false
    var isStaticContext: Bool { launch?.isStatic ?? false }
    static func isModifierSupported(_ m: CallModifier) -> Bool { m != .callcode }

    /// Whether running `code` may break the protocol on purpose.
    static func breaks(_ code: Bytes) -> Bool { code.contains { ($0 & 15 == 9 || $0 & 15 == 10) && $0 >> 4 == 15 } }

    static func prepareDeployment(_ r: DeploymentRequest, host: any EEHost) throws(EEError) -> PreparedDeployment {
        guard r.initcode.count < 4096 else { throw .invalidCode("nest code above 4 KiB") }
        return PreparedDeployment(
            address: DeploymentAddress.derive(r, host: host),
            constructor: Bytecode(kind: .wasm, bytes: r.initcode, hash: Keccak.hash(r.initcode)),
            constructorInput: [], resources: r.resources)
    }

    private func finish(_ status: FrameStatus, _ output: Bytes) -> Preemption {
        let rest = status.isFailure ? Resources.zero : Resources(ergs: ergs)
        if launch?.modifier == .constructor {
            return .completedDeployment(
                code: status.isSuccess ? code : [], status: status, returndata: status == .revert ? output : [], resourcesLeft: rest)
        }
        return .completedExecution(CallResult(status: status, returndata: output), resourcesLeft: rest)
    }

    func start(_ l: LaunchParams, host: any EEHost) throws(EEError) -> Preemption {
        launch = l
        code = l.code.bytes
        ergs = l.resources.ergs
        // A constructor runs its code from 0 and keeps it; a call starts where its calldata says.
        pc = l.modifier == .constructor || l.calldata.count < 2 ? 0 : Int(l.calldata[0]) << 8 | Int(l.calldata[1])
        return try run(host)
    }

    func continueAfterCall(_ r: CallResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        ergs += returned.ergs
        last = r.returndata
        lastOK = r.status.isSuccess
        return try run(host)
    }

    func continueAfterDeployment(_ r: DeploymentResult, returned: Resources, host: any EEHost) throws(EEError) -> Preemption {
        ergs += returned.ergs
        last = r.address?.bytes ?? r.returndata
        lastOK = r.status.isSuccess
        return try run(host)
    }

    private static let targets = [Address(low: 0x3001), Address(low: 0x3002), Address(low: 0x3003)]

    private func run(_ host: any EEHost) throws(EEError) -> Preemption {
        guard let l = launch else { throw .internalError("not started") }
        while pc < code.count {
            guard ergs >= NestEE.stepCost else { return finish(.failure(.outOfResources), []) }
            ergs -= NestEE.stepCost
            let op = code[pc] & 15, arg = Int(code[pc] >> 4)
            pc += 1
            let next: Bytes = [UInt8(pc >> 8 & 0xff), UInt8(pc & 0xff)]
            let give = ergs / 16 * UInt64(arg + 1)
            switch op {
            case 0, 1, 13, 14:  // nested call, preempting call, nested static call, nested delegate call
                let modifier: CallModifier = op == 13 ? .static : op == 14 ? .delegate : .none
                let req = CallRequest(
                    target: NestEE.targets[arg % 3], modifier: modifier, calldata: next, value: .zero,
                    resources: Resources(ergs: give))
                ergs -= give
                if op == 1 { return .externalCallRequest(req) }
                do {
                    let (r, returned) = try host.nestedCall(req, from: self)
                    ergs += returned.ergs
                    last = r.returndata
                    lastOK = r.status.isSuccess
                } catch {
                    if !swallow { throw error }
                    lastOK = false
                }
                // A frame that made a call skips the rest its callee ran.
                return finish(lastOK ? .success : .revert, last)
            case 2:  // nested CREATE (even argument) or CREATE2 of the rest of the program
                let req = DeploymentRequest(
                    deployer: l.callee, initcode: Array(code[pc...]), value: .zero,
                    scheme: arg & 1 == 0 ? .create : .create2(salt: Bytes32(U256(UInt64(arg)).bigEndianBytes)), kind: .wasm,
                    resources: Resources(ergs: give))
                ergs -= give
                if arg & 2 != 0 { return .deploymentRequest(req) }
                do {
                    let (r, returned) = try host.nestedDeployment(req, from: self)
                    ergs += returned.ergs
                    last = r.address?.bytes ?? r.returndata
                    lastOK = r.status.isSuccess
                } catch {
                    if !swallow { throw error }
                    lastOK = false
                }
            case 3:
                if l.isStatic { return finish(.failure(.staticViolation), []) }
                host.setStorage(l.callee, U256(UInt64(arg)), U256(UInt64(pc)))
            case 4:
                if l.isStatic { return finish(.failure(.staticViolation), []) }
                host.emitLog(Log(address: l.callee, topics: [], data: last))
            case 5: return finish(.success, last)
            case 6: return finish(.revert, last)
            case 7: return finish(.failure(.other("nest: failed on purpose")), [])
            case 8: if !lastOK { return finish(.failure(.other("nest: a call failed")), []) }
            case 9 where arg == 15:  // breaks: passes more than the frame was given
                _ = try? host.nestedCall(
                    CallRequest(target: NestEE.targets[0], modifier: .none, calldata: next, value: .zero,
                                resources: Resources(ergs: l.resources.ergs + 1)), from: self)
            case 10 where arg == 15:  // breaks: a call in another EE's name
                _ = try? host.nestedCall(
                    CallRequest(target: NestEE.targets[0], modifier: .none, calldata: next, value: .zero, resources: .zero),
                    from: NestEE())
            case 11: swallow.toggle()
            case 12:
                if l.isStatic { return finish(.failure(.staticViolation), []) }
                host.setTransientStorage(l.callee, U256(UInt64(arg)), host.transientStorage(l.callee, U256(UInt64(arg))) &+ .one)
            default: break
            }
        }
        return finish(.success, last)
    }
}

nonisolated(unsafe) private let nestSession: ContractSession = {
    var registry = EERegistry.standard
    registry.register(NestEE.self, deposit: CodeDepositRules(maxCodeSize: 4096, gasPerByte: 10, rejectEFPrefix: false)) {
        NestEE()
    }
    let s = ContractSession(registry: registry)
    s.commitEachTransaction = false
    return s
}()

/// CALLDATACOPY the calldata to 0, CALL 0x3002 with it and all gas, RETURNDATACOPY, RETURN:
/// an EVM frame between two nested ones.
private let evmForwarder: Bytes = [
    0x36, 0x5f, 0x5f, 0x37,  // CALLDATACOPY(0, 0, CALLDATASIZE)
    0x5f, 0x5f, 0x36, 0x5f, 0x5f, 0x61, 0x30, 0x02, 0x5a, 0xf1, 0x50,  // CALL(gas, 0x3002, 0, 0, size, 0, 0); POP
    0x3d, 0x5f, 0x5f, 0x3e, 0x3d, 0x5f, 0xf3,  // RETURNDATACOPY(0, 0, size); RETURN(0, size)
]

private func fuzzNested(_ d: [UInt8]) {
    guard d.count >= 3, d.count < 4096 else { return }
    let gas = UInt64(d[0]) << 8 + 20_000
    let code = Array(d[1...])
    let world = nestSession.world
    let limit = 21_000 + 16 * 2 + gas
    let sender = ContractSession.defaultSender
    var outcomes: [String] = []
    for mode in 0..<3 {
        world.setAccount(Address(low: 0x3001), Account(nonce: 1, balance: U256(1000), kind: .wasm, code: code))
        world.setAccount(Address(low: 0x3002), Account(nonce: 1, balance: .zero, kind: .wasm, code: code))
        world.setAccount(Address(low: 0x3003), Account(nonce: 1, balance: .zero, kind: .evm, code: evmForwarder))
        recorder.reset()
        if mode == 1 { recorder.attach(to: nestSession.boot) } else { nestSession.boot.tracer = nil }
        let nonce = world.nonce(sender)
        let run = { () -> String in
            do {
                let r = try nestSession.call(Address(low: 0x3001), data: [0, 0], gas: limit)
                check(r.gasUsed <= limit, "gas used \(r.gasUsed) above the limit \(limit)")
                if mode == 1 { checkTrace(r) }
                return "\(r.status) \(r.gasUsed) \(r.output) \(r.logs.count)"
            } catch {
                let deliberate: Bool
                if let e = error as? EEError, case .protocolViolation = e { deliberate = NestEE.breaks(code) } else { deliberate = false }
                check(deliberate, "\(error)")
                check(world.nonce(sender) == nonce, "a thrown transaction bumped the nonce")
                return "threw"
            }
        }
        if mode == 2 {
            let box = NestBox(run)
            outcomes.append(LargeStack.run(size: 1 << 20) { box.value() })
        } else {
            outcomes.append(run())
        }
        world.discardUncommitted()
    }
    nestSession.boot.tracer = nil
    check(outcomes[1] == outcomes[0] && outcomes[2] == outcomes[0], "runs differ: \(outcomes)")
}

private final class NestBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The EVM and RISC-V EEs never break the EE protocol (the bootloader's checks would throw).
private func checkProtocol(_ error: any Error) {
    if let e = error as? EEError, case .protocolViolation = e { check(false, "\(e)") }
}

#if !EEKIT_FUZZ_REPLAY
@_cdecl("LLVMFuzzerTestOneInput")
public func eekitFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    fuzzOne(fuzzTarget, bytes)
    return 0
}
#endif

private let abiTypeSets: [[String]] = [
    ["uint256"], ["int8"], ["address", "bool"], ["string"], ["bytes"], ["bytes3", "int256", "uint64"],
    ["string", "bytes", "uint8"], ["bool", "bool", "string"], [], ["int16", "bytes32", "bytes"],
    ["uint256[]"], ["string[]", "bool"], ["(uint8,string)[2]"], ["uint16[][]"], ["(bytes,(int8,address)[])"],
    ["bytes2[3][]", "string"],
]

private func fuzzABI(_ bytes: [UInt8]) {
    guard let first = bytes.first else { return }
    let data = Array(bytes.dropFirst())
    let types = abiTypeSets[Int(first) % abiTypeSets.count]
    if let values = try? ABIEncoder.decode(types, data) {
        check(values.count == types.count, "decode gave \(values.count) values for \(types)")
        // Static integers re-encode to the word they came from.
        for (i, (t, v)) in zip(types, values).enumerated()
        where (t.hasPrefix("uint") || t.hasPrefix("int")) && !t.hasSuffix("]") {
            let word = (try? ABIEncoder.encodeStatic(t, v)) ?? []
            check(word == Array(data[32 * i..<32 * i + 32]), "\(t) \(v) does not re-encode")
        }
    }
    // Printed values are valid argument text: they encode again, and that encoding decodes to
    // the same text (the data itself need not come back: offsets may differ). Strings that are
    // not UTF-8 print their bytes as \x80-\xff, which read back as characters: skipped.
    if let values = try? ABIEncoder.decode(types, data), !types.isEmpty {
        let sig = "f(" + types.joined(separator: ",") + ")"
        let again = try? ABIEncoder.encodeCall(signature: sig, arguments: values)
        check(again != nil, "decoded values \(values) of \(types) do not encode")
        let bytesEscaped = values.contains { v in "89abcdef".contains { v.contains("\\x\($0)") } }
        if let again, !bytesEscaped {
            let back = try? ABIEncoder.decode(types, Array(again.dropFirst(4)))
            check(back == values, "\(types): \(values) encodes and decodes to \(back ?? [])")
        }
    }
    _ = ABIEncoder.revertReason(data)
    // A log of one of a few events: its hash, 0-3 topics from the input, the rest as data.
    let event = abiEvents[Int(first) % abiEvents.count]
    if let canonical = try? ABIEncoder.callParts(event.signature).canonical {
        let n = min(Int(first >> 4) % 4, data.count / 32)
        let topics = [Keccak.hash(Array(canonical.utf8))] + (0..<n).map { Bytes32(Array(data[32 * $0..<32 * $0 + 32])) }
        if let text = try? ABIEncoder.decodeEvent(signature: event.signature, topics: topics, data: Array(data[(32 * n)...])) {
            check(n == event.indexed && text.hasPrefix(event.name + "("), "\(event.signature) decoded \(n) topics as \(text)")
        }
    }
    let text = String(decoding: data, as: UTF8.self)
    let parts = text.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
    if let sig = parts.first {
        _ = try? ABIEncoder.splitSignature(sig)
        _ = try? ABIEncoder.encodeCall(signature: sig, arguments: Array(parts.dropFirst()))
        _ = try? ABIEncoder.decodeEvent(signature: sig, topics: [], data: data)
    }
}

private let abiEvents: [(signature: String, name: String, indexed: Int)] = [
    ("event E(uint8 indexed a, string indexed s, (bool,bytes)[] t)", "E", 2),
    ("T(address indexed, int16 indexed, bytes, uint256[2] indexed)", "T", 3),
    ("N(bool indexed flag, string note)", "N", 1), ("Z()", "Z", 0),
]
