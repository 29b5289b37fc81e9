import EEKit
import EEKitTestSupport
import Foundation
import Testing

// The code of the README's "Using EEKit from Swift", run here: every code line of that section
// must appear in this file or in ThirdEETests.swift (`guideCodeIsTested` checks it), so the
// guide cannot drift from what compiles and passes.

struct DemoError: Error { var message: String }

/// Deploys the native token, sends transfer(0xaa, 1000) and returns 0xaa's balance, the
/// transfer's logs and its frames.
func transferDemo(tokenELF: Bytes) throws -> (balance: [String], logs: [Log], frames: [CallTraceNode]) {
    let session = ContractSession()
    let recorder = CallTraceRecorder()
    recorder.attach(to: session.boot)
    let supply = try ABIEncoder.encodeArguments(["uint256"], ["1000000"])
    let deployment = try session.deploy(tokenELF, kind: .riscv, arguments: supply)
    guard deployment.status.isSuccess, let token = deployment.createdAddress else {
        throw DemoError(message: "deployment: \(deployment.status)")
    }
    let bob = "0x00000000000000000000000000000000000000aa"
    let transfer = try session.call(
        token, data: try ABIEncoder.encodeCall(signature: "transfer(address,uint256)", arguments: [bob, "1000"]))
    let balance = try session.call(
        token, data: try ABIEncoder.encodeCall(signature: "balanceOf(address)", arguments: [bob]))
    return (try ABIEncoder.decode(["uint256"], balance.output), transfer.logs, recorder.roots)
}

/// Runs a plain RV32IM / RV64IM Linux program and returns what it printed.
func runProgram(elf: Bytes) throws -> String {
    let options = RISCVRunOptions(maxInstructions: 1_000_000_000, memoryMiB: 64)
    let r = try RISCVPlainRunner.run(elf: elf, arguments: ["Alice"], options: options)
    guard r.exitCode == 0 else { throw DemoError(message: "stopped: \(r.stop)") }
    return String(decoding: r.stdout, as: UTF8.self)
}

/// Runs EVM code as a message call (Cancun, the precompiles installed) and returns its output.
func evmDemo() throws -> Bytes {
    // PUSH1 0x2a PUSH0 MSTORE PUSH1 0x20 PUSH0 RETURN: returns the word 42.
    let code: Bytes = [0x60, 0x2a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]
    let r = try EVMRunner.run(code: code, input: [], gas: 100_000)
    guard r.status.isSuccess else { throw DemoError(message: "EVM: \(r.status)") }
    return r.output
}

/// Runs the Cancun entries of one GeneralStateTests file; returns (passed, failed).
func stateTestDemo(path: String) throws -> (passed: Int, failed: Int) {
    let runner = StateTestRunner(registry: .standard, hooks: Precompiles.cancun())
    var passed = 0, failed = 0
    for test in try StateTestCase.load(path: path) {
        for result in runner.run(test, fork: "Cancun") {
            if result.verdict == .passed { passed += 1 } else { failed += 1 }
        }
    }
    return (passed, failed)
}

/// Prague (EIP-7702): the account of `secretKey` delegates its code to a deployed native
/// contract, then runs it in its own account; returns the account's count after increment().
func delegationDemo(counterELF: Bytes, secretKey: Bytes32) throws -> U256 {
    let session = ContractSession()
    session.boot.useFork(.prague)
    guard let counter = try session.deploy(counterELF, kind: .riscv).createdAddress,
        let account = Address(secretKey: secretKey),
        let authorizations = session.authorizing([(secretKey, counter)])
    else { throw DemoError(message: "deployment or key") }
    let increment = try ABIEncoder.encodeCall(signature: "increment()", arguments: [])
    let r = try session.call(account, data: increment, authorizations: authorizations)
    guard r.status.isSuccess else { throw DemoError(message: "call: \(r.status)") }
    return session.world.storage(account, .zero)  // the count, in the account's own storage
}

/// A block builder under BPO2 (EIP-7892): the next block's excess blob gas from its parent (14
/// blobs, the target, at a base fee of 1 gwei: EIP-7918's reserve price raises it), its blob
/// base fee, and a contract reading it (BLOBBASEFEE, PUSH0, MSTORE, RETURN(0, 32)).
func blobFeeDemo() throws -> U256 {
    let session = ContractSession()
    session.boot.useFork(.bpo2)
    guard let excess = BlobFees.excessBlobGas(
        parentExcess: 100_000_000, parentBlobGasUsed: 14 * BlobFees.gasPerBlob, parentBaseFee: U256(1_000_000_000),
        fork: .bpo2)
    else { throw DemoError(message: "parent header") }
    session.boot.block.blobBaseFee = BlobFees.baseFee(excessBlobGas: excess, fork: .bpo2)
    let initCode: Bytes = [0x60, 0x07, 0x60, 0x0a, 0x5f, 0x39, 0x60, 0x07, 0x5f, 0xf3, 0x4a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]
    guard let probe = try session.deploy(initCode, kind: .evm).createdAddress else { throw DemoError(message: "deployment") }
    return U256(bigEndian: try session.call(probe, data: []).output)
}
// blobFeeDemo() returns 5489 (the excess grows to 100,611,669; without the reserve price it
// would stay 100,000,000, a fee of 5209).

@Suite struct LibraryGuideTests {
    @Test func transferDemoRuns() throws {
        let demo = try transferDemo(tokenELF: try Fixtures.elf("token.elf"))
        #expect(demo.balance == ["1000"])
        #expect(demo.logs.count == 1)
        #expect(demo.logs.first?.topics.count == 3)
        // The deployment and the two calls: one frame each, none nested.
        #expect(demo.frames.count == 3)
        #expect(demo.frames.allSatisfy { $0.children.isEmpty && $0.end?.status == .success })
        // A node prints as `eekit --trace` prints the tree.
        let text = demo.frames[1].description
        #expect(text.hasPrefix("  CALL 0x0000000000000000000000000000000000000e0a -> ") && text.contains(" [riscv] gas "), "\(text)")
        #expect(text.contains("\n  └ success, gas used "), "\(text)")
    }

    @Test func plainProgramRuns() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-guide-\(getpid())")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: out) }
        let rt = Fixtures.root.appendingPathComponent("Tests/RISCVTests/Programs/runtime").path
        let elf = out.appendingPathComponent("hello").path
        if let e = Fixtures.run(
            "/usr/bin/env",
            [
                "clang", "--target=riscv64", "-march=rv64im", "-mabi=lp64", "-O2", "-ffreestanding", "-fno-builtin",
                "-fno-stack-protector", "-nostdlib", "-static", "-fuse-ld=lld", "-I", rt, rt + "/crt0.S", rt + "/rt.c",
                Fixtures.root.appendingPathComponent("Examples/hello/hello.c").path, "-o", elf,
            ], what: "clang (Examples/hello)")
        {
            throw e
        }
        let printed = try runProgram(elf: Array(try Data(contentsOf: URL(fileURLWithPath: elf))))
        #expect(printed == "hello, Alice\nprimes below 20000: 2262\n")
    }

    @Test func delegationDemoRuns() throws {
        let key = Bytes32(hex: "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8")!
        #expect(try delegationDemo(counterELF: try Fixtures.elf("counter.elf"), secretKey: key) == U256(1))
    }

    @Test func blobFeeDemoRuns() throws {
        #expect(try blobFeeDemo() == U256(5489))
    }

    @Test func evmDemoRuns() throws {
        #expect(try evmDemo() == U256(42).bigEndianBytes)
    }

    @Test func stateTestDemoRuns() throws {
        let file = Fixtures.root.deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/ethereum-tests/GeneralStateTests/stExample/add11.json").path
        try #require(FileManager.default.fileExists(atPath: file), "the fixtures are not beside the checkout")
        let r = try stateTestDemo(path: file)
        #expect(r.passed > 0 && r.failed == 0)
        // Any spelling of the fork runs the same entries (review finding: "cancun" gave none);
        // a folder says how to list its files.
        let runner = StateTestRunner(registry: .standard, hooks: Precompiles.cancun())
        let test = try #require(try StateTestCase.load(path: file).first)
        #expect(runner.run(test, fork: "cancun").map(\.fork) == runner.run(test, fork: "Cancun").map(\.fork))
        #expect(!runner.run(test, fork: "CANCUN").isEmpty && runner.run(test, fork: "Prague").isEmpty)
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        #expect(throws: EEError.malformedInput("\(folder) is a folder: StateTestRunner.fixtureFiles lists the test files under it")) {
            try StateTestCase.load(path: folder)
        }
        #expect(throws: EEError.self) { try StateTestCase.load(path: folder + "/absent.json") }
        // A device is refused, as the CLI refuses one (it used to say "permission").
        #expect(throws: EEError.malformedInput("cannot read /dev/null: not a regular file (a device, pipe or socket)")) {
            try StateTestCase.load(path: "/dev/null")
        }
    }

    /// Every code line of the README's guide is in this file or in ThirdEETests.swift.
    @Test func guideCodeIsTested() throws {
        let readme = try String(contentsOf: Fixtures.root.appendingPathComponent("README.md"), encoding: .utf8)
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let tested = try ["LibraryGuideTests.swift", "ThirdEETests.swift"]
            .map { try String(contentsOf: here.appendingPathComponent($0), encoding: .utf8) }
            .joined(separator: "\n")
        let testedLines = Set(tested.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let section = try #require(readme.components(separatedBy: "## Using EEKit from Swift").dropFirst().first)
            .components(separatedBy: "\n## ").first ?? ""
        var inSwift = false
        var checked = 0
        for raw in section.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                inSwift = line == "```swift"
                continue
            }
            guard inSwift, !line.isEmpty, !line.hasPrefix("//"), line != "import EEKit", line != "import Foundation"
            else { continue }
            let tested = testedLines.contains(line)
            #expect(tested, "README guide line not in the tests: \(line)")
            checked += 1
        }
        #expect(checked > 30)
    }
}
