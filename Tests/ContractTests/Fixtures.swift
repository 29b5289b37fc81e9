import EEKit
import EEKitTestSupport
import Foundation

/// Builds Contracts/ once per test process (clang, Contracts/build.sh) and loads the results.
enum Fixtures {
    static let root = TestFiles.root

    struct Built: Sendable {
        var dir: URL
        func elf(_ name: String) -> Bytes { (try? Array(Data(contentsOf: dir.appendingPathComponent(name)))) ?? [] }
    }

    static let built: Result<Built, BuildError> = {
        let dir: URL
        do { dir = try TestFiles.processFolder("contracts") } catch {
            return .failure(BuildError(message: "\(error)", what: "a folder for Contracts/build.sh"))
        }
        if let e = run("/bin/sh", [root.appendingPathComponent("Contracts/build.sh").path, dir.path]) { return .failure(e) }
        return .success(Built(dir: dir))
    }()

    /// Runs a build tool to completion (killed after 900 s); its combined output is the error's
    /// message if it fails.
    static func run(_ executable: String, _ arguments: [String], what: String = "Contracts/build.sh") -> BuildError? {
        do {
            let r = try TestFiles.run(executable, arguments, timeout: 900)
            return r.status == 0 ? nil : BuildError(message: r.out, what: what)
        } catch {
            return BuildError(message: "\(error)", what: what)
        }
    }

    struct BuildError: Error, CustomStringConvertible, Sendable {
        var message: String
        var what = "Contracts/build.sh"
        var description: String { "\(what) failed: \(message)" }
    }

    /// Builds a native contract from C `source` (including eekit_abi.h) as Contracts/build.sh
    /// builds the examples, for RV64IM or RV32IM; `flags` are extra clang flags (-D...).
    /// With `cplusplus` the source is C++, linked with eekit_cxx.cpp as Contracts/README.md says.
    static func contract(_ source: String, xlen: Int = 64, flags: [String] = [], cplusplus: Bool = false) throws -> Bytes {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-src-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent(cplusplus ? "contract.cpp" : "contract.c")
        let out = dir.appendingPathComponent("contract.elf").path
        try source.write(to: src, atomically: true, encoding: .utf8)
        let inc = root.appendingPathComponent("Contracts/include").path
        let target = xlen == 64 ? ["--target=riscv64", "-march=rv64im", "-mabi=lp64"] : ["--target=riscv32", "-march=rv32im", "-mabi=ilp32"]
        if let e = run(
            "/usr/bin/env",
            ["clang"] + target + [
                "-nostdlib", "-ffreestanding", "-static", "-fuse-ld=lld", "-O2", "-I\(inc)", "-o", out,
                "\(inc)/crt0.S", "\(inc)/eekit_rt.c",
            ] + (cplusplus ? ["-fno-exceptions", "-fno-rtti", "\(inc)/eekit_cxx.cpp"] : []) + [src.path] + flags, what: "clang")
        {
            throw e
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    /// `contract(source, xlen:)` as a Result, for a suite's `static let` (built once, its
    /// failure reported by each test that needs it); `suite` names the suite in the error.
    static func contractResult(_ source: String, xlen: Int, suite: String) -> Result<Bytes, BuildError> {
        do { return .success(try contract(source, xlen: xlen)) } catch let e as BuildError {
            return .failure(e)
        } catch {
            return .failure(BuildError(message: "\(error)", what: "clang (\(suite))"))
        }
    }

    static func elf(_ name: String) throws -> Bytes {
        let b = try built.get().elf(name)
        guard !b.isEmpty else { throw BuildError(message: "\(name) missing") }
        return b
    }

    /// The Vyper token's deployment bytecode (Contracts/vyper/Token.bin, committed).
    static func vyperToken() throws -> Bytes { try vyper("Token") }

    /// Deployment bytecode of a committed Vyper contract (Contracts/vyper/NAME.bin).
    static func vyper(_ name: String) throws -> Bytes {
        let hex = try String(contentsOf: root.appendingPathComponent("Contracts/vyper/\(name).bin"), encoding: .utf8)
        guard let b = Hex.decode(hex.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BuildError(message: "\(name).bin is not hex")
        }
        return b
    }
}

/// ABI helpers for the tests.
enum ABI {
    static func word(_ v: UInt64) -> Bytes { U256(v).bigEndianBytes }
    static func word(_ a: Address) -> Bytes { Bytes(repeating: 0, count: 12) + a.bytes }
    static func call(_ selector: UInt32, _ args: [Bytes]) -> Bytes {
        [UInt8(selector >> 24), UInt8(selector >> 16 & 0xff), UInt8(selector >> 8 & 0xff), UInt8(selector & 0xff)]
            + args.flatMap { $0 }
    }
    static let transfer: UInt32 = 0xa905_9cbb
    static let approve: UInt32 = 0x095e_a7b3
    static let transferFrom: UInt32 = 0x23b8_72dd
    static let balanceOf: UInt32 = 0x70a0_8231
    static let allowance: UInt32 = 0xdd62_ed3e
    static let totalSupply: UInt32 = 0x1816_0ddd
    static let name: UInt32 = 0x06fd_de03
    static let symbol: UInt32 = 0x95d8_9b41
    static let decimals: UInt32 = 0x313c_e567
}

/// Hand-written EVM runtime code used by the cross-EE tests.
enum EVMCode {
    /// calldata = target (20 bytes) ++ payload: calls target with payload and all gas; returns
    /// its output or reverts with its revert data.
    static let forwarder: Bytes = Hex.decode(
        "6014360380601 45f37 5f5f825f5f 5f35 60601c 5af1 3d5f5f3e 601f57 3d5ffd 5b3d5ff3"
            .replacingOccurrences(of: " ", with: ""))!
    /// slot0 += 1; returns the new value.
    static let counter: Bytes = Hex.decode("60015f540180 5f55 5f52 60205ff3".replacingOccurrences(of: " ", with: ""))!
    /// Reverts with the word 0xab.
    static let reverter: Bytes = Hex.decode("60ab5f5260205ffd")!
    /// Loops until out of gas.
    static let loop: Bytes = Hex.decode("5b5f56")!
    /// Stores CALLER at slot 5 and returns ADDRESS ++ CALLER (two words).
    static let whoAmI: Bytes = Hex.decode("33600555305f523360205260405ff3")!
    /// calldata = target (20 bytes) ++ payload: DELEGATECALLs target with payload and all gas;
    /// returns its returndata.
    static let delegator: Bytes = Hex.decode(
        "601436038060145f37 5f5f825f 5f3560601c 5af4 3d5f5f3e 3d5ff3".replacingOccurrences(of: " ", with: ""))!
    /// Init code that deploys `runtime` (at most 255 bytes).
    static func deploying(_ runtime: Bytes) -> Bytes {
        [0x60, UInt8(runtime.count), 0x80, 0x60, 0x09, 0x5f, 0x39, 0x5f, 0xf3] + runtime
    }
    /// Calls CALLER with its own calldata and all gas, ignores the result.
    static let pingBack: Bytes = Hex.decode("365f5f375f5f365f5f335af15000")!
}

extension Array where Element == UInt8 {
    /// The bytes in `range`, or none when the array is shorter: a check on a short output then
    /// fails instead of trapping and ending the whole test run.
    func bytes(_ range: Range<Int>) -> [UInt8] { range.upperBound <= count ? Array(self[range]) : [] }
}
