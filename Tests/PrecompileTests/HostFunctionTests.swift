import Foundation
import Testing

@testable import EEKit
import EEKitTestSupport

private func word(_ v: Int64) -> Bytes { HostFunction.word(v, signed: true) }
private func uword(_ v: UInt64) -> Bytes { HostFunction.word(Int64(bitPattern: v), signed: false) }

/// ABI tail for a bytes argument: length word + data padded to 32 bytes.
private func tail(_ b: Bytes) -> Bytes {
    uword(UInt64(b.count)) + b + Bytes(repeating: 0, count: (32 - b.count % 32) % 32)
}

private let pluginAddress = Address(low: 0x10001)
private let gas = HostFunctionGas(base: 100, perByte: 3)

private func load(_ symbol: String, _ sig: String, maxOutput: Int = HostFunction.defaultMaxOutput) throws -> HostFunction {
    let lib = try #require(TestFiles.examplePlugin, "clang could not build the example plugin")
    return try HostFunctions.register(
        library: lib, symbol: symbol, address: pluginAddress, signature: sig, gas: gas, maxOutput: maxOutput)
}

private func run(_ f: HostFunction, _ input: Bytes, gasLimit: UInt64 = 1_000_000) -> SystemHookResult {
    f.call(input: input, gasLimit: gasLimit, context: testContext)
}

@Suite("Host function signatures")
struct HostFunctionSignatureTests {
    @Test func parsesTheLanguage() throws {
        let s = try HostFunctionSignature(parsing: " ( u8, u16 ,u32,u64,i8,i16,i32,i64,bytes ) -> bytes ")
        #expect(s.parameters == [.u8, .u16, .u32, .u64, .i8, .i16, .i32, .i64, .bytes])
        #expect(s.result == .bytes)
        #expect(s.description == "(u8,u16,u32,u64,i8,i16,i32,i64,bytes)->bytes")
        let v = try HostFunctionSignature(parsing: "()->void")
        #expect(v.parameters.isEmpty && v.result == nil)
    }

    @Test(arguments: [
        "u64->u64", "(u64", "(u64)", "(u64)->", "(u65)->u64", "(u64,)->u64", "(u64)->float", "(u64)=>u64",
        "(" + Array(repeating: "u8", count: 17).joined(separator: ",") + ")->u8",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: HostFunctionError.self) { try HostFunctionSignature(parsing: text) }
    }

    @Test func parsesSpecification() throws {
        let s = try HostFunctionSpecification(parsing: "./lib/libx.so:my_fn@0x10001:(u64,bytes)->bytes:200+5")
        #expect(s.library == "./lib/libx.so")
        #expect(s.symbol == "my_fn")
        #expect(s.address == Address(low: 0x10001))
        #expect(s.signature == "(u64,bytes)->bytes")
        #expect(s.gas == HostFunctionGas(base: 200, perByte: 5))
        let d = try HostFunctionSpecification(parsing: "libx.so:f@10001:()->void")
        #expect(d.gas == HostFunctionSpecification.defaultGas)
        // Also addresses Hex.decode alone would shorten (spaces, a second 0x): they used to
        // trap on Address's 20-byte precondition.
        for bad in ["libx.so@0x1:()->void", "libx.so:f:()->void", "libx.so:f@zz:()->void", "libx.so:f@0x1:()->void:x+1", ":f@1:()->void",
                    "libx.so:f@0x 12:()->void", "libx.so:f@0x0x12:()->void", "libx.so:f@1 2:()->void", "libx.so:f@\u{0663}:()->void"] {
            #expect(throws: HostFunctionError.self) { try HostFunctionSpecification(parsing: bad) }
        }
    }
}

@Suite("Host functions through libffi")
struct HostFunctionCallTests {
    @Test func integersOfEachWidth() throws {
        let f = try load("plugin_add_widths", "(u8,u16,u32,u64)->u64")
        let r = run(f, uword(200) + uword(60000) + uword(4_000_000_000) + uword(1 << 40))
        #expect(r.status == .success)
        #expect(r.output == uword(200 + 60000 + 4_000_000_000 + (1 << 40)))
        #expect(r.gasUsed == 100 + 3 * (128 + 32))
    }

    @Test func signedIntegers() throws {
        let f = try load("plugin_signed_mix", "(i8,i16,i32,i64)->i64")
        let r = run(f, word(-100) + word(-300) + word(-7) + word(1_000_000_000_000))
        #expect(r.status == .success)
        #expect(r.output == word(-100 * -300 + -7 - 1_000_000_000_000))
        let neg = try load("plugin_i8_neg", "(i8)->i8")
        #expect(run(neg, word(5)).output == word(-5))
        #expect(run(neg, word(-128)).output == word(-128))  // wraps in int8_t
    }

    @Test func narrowResultsWrap() throws {
        let f = try load("plugin_u8_add", "(u8,u8)->u8")
        #expect(run(f, uword(200) + uword(100)).output == uword(44))
        let m = try load("plugin_u32_mul", "(u16,u32)->u32")
        #expect(run(m, uword(0xFFFF) + uword(0x10001)).output == uword(UInt64(UInt32(truncatingIfNeeded: 0xFFFF * 0x10001))))
    }

    @Test func argumentsOutOfRangeFail() throws {
        let f = try load("plugin_add_widths", "(u8,u16,u32,u64)->u64")
        let r = run(f, uword(256) + uword(0) + uword(0) + uword(0), gasLimit: 50_000)
        guard case .failure(.other(let why)) = r.status else {
            Issue.record("expected failure")
            return
        }
        #expect(why.contains("argument 1"))
        #expect(r.gasUsed == 50_000)
        let s = try load("plugin_i8_neg", "(i8)->i8")
        #expect(!run(s, uword(200)).status.isSuccess)  // 200 is not a sign-extended int8
        #expect(!run(f, uword(1)).status.isSuccess)  // calldata too short
    }

    @Test func byteBuffers() throws {
        let rev = try load("plugin_reverse", "(bytes)->bytes")
        let data: Bytes = Array(0..<100)
        let r = run(rev, uword(32) + tail(data))
        #expect(r.status == .success)
        #expect(r.output == data.reversed())
        let sum = try load("plugin_sum_bytes", "(bytes)->u64")
        #expect(run(sum, uword(32) + tail([1, 2, 3, 250])).output == uword(256))
        #expect(run(sum, uword(32) + tail([])).output == uword(0))
    }

    @Test func severalArgumentsMixed() throws {
        let join = try load("plugin_join", "(bytes,u8,bytes)->bytes")
        let a = Array("hello".utf8), b = Array("world".utf8)
        // head: offset(a), sep, offset(b); tails follow.
        let input = uword(96) + uword(0x2C) + uword(96 + 64) + tail(a) + tail(b)
        let r = run(join, input)
        #expect(r.status == .success)
        #expect(String(decoding: r.output, as: UTF8.self) == "hello,world")
        #expect(r.gasUsed == 100 + 3 * UInt64(input.count + 11))
    }

    @Test func badOffsetsFail() throws {
        let rev = try load("plugin_reverse", "(bytes)->bytes")
        #expect(!run(rev, uword(1_000)).status.isSuccess)
        #expect(!run(rev, uword(32) + uword(1_000)).status.isSuccess)  // length beyond calldata
        #expect(!run(rev, uword(UInt64.max)).status.isSuccess)
    }

    @Test func pluginErrorsRevertWithTheStatus() throws {
        let f = try load("plugin_fail", "(u64)->bytes")
        let r = run(f, uword(42))
        #expect(r.status == .revert)
        #expect(r.output == word(-42))
        #expect(r.gasUsed == 100 + 3 * 32)
        let ok = run(f, uword(0))
        #expect(ok.status == .success && ok.output.isEmpty)
        let rev = try load("plugin_reverse", "(bytes)->bytes", maxOutput: 10)
        #expect(run(rev, uword(32) + tail(Array(0..<11))).output == word(-2))
    }

    @Test func garbageReturnLengthFailsCleanly() throws {
        let f = try load("plugin_bad_length", "()->bytes", maxOutput: 128)
        let r = run(f, [], gasLimit: 9_999)
        guard case .failure(.other(let why)) = r.status else {
            Issue.record("expected failure")
            return
        }
        #expect(why.contains("1128"))
        #expect(r.gasUsed == 9_999)
        #expect(r.output.isEmpty)
    }

    @Test func bufferOverrunIsDetected() throws {
        let f = try load("plugin_overrun", "()->bytes", maxOutput: 64)
        let r = run(f, [])
        guard case .failure(.other(let why)) = r.status else {
            Issue.record("expected failure")
            return
        }
        #expect(why.contains("past"))
    }

    @Test func voidAndGas() throws {
        let f = try load("plugin_noop", "()->void")
        let r = run(f, [1, 2, 3])
        #expect(r.status == .success && r.output.isEmpty && r.gasUsed == 109)
        #expect(run(f, [], gasLimit: 99).status == .failure(.outOfResources))
        // output gas: 100 + 3*32 for input, + 3*100 for output exceeds 450.
        let rev = try load("plugin_reverse", "(bytes)->bytes")
        let input = uword(32) + tail(Array(repeating: 1, count: 100))
        #expect(run(rev, input, gasLimit: 100 + 3 * UInt64(input.count) + 299).status == .failure(.outOfResources))
        #expect(run(rev, input, gasLimit: 100 + 3 * UInt64(input.count) + 300).status == .success)
    }

    // Found by mutation testing (a round on CHostCall and HostFunctions): each of the four
    // tests below failed with one plausible mutation that every other test let pass.

    /// The price before the call may use all the gas passed: exactly base + perByte * calldata
    /// succeeds, one less runs out of gas (a `<` for `<=` passed voidAndGas, which gives far
    /// more gas or far less).
    @Test func priceEqualToTheGasPassedIsEnough() throws {
        let f = try load("plugin_noop", "()->void")
        let exact = run(f, [1, 2, 3], gasLimit: 109)
        #expect(exact.status == .success)
        #expect(exact.gasUsed == 109)
        let short = run(f, [1, 2, 3], gasLimit: 108)
        #expect(short.status == .failure(.outOfResources))
        #expect(short.gasUsed == 108)
    }

    /// A `bytes` argument must end inside the calldata: a length one byte beyond the data fails
    /// the call before the plugin runs (a bound that forgot the 32-byte length word let the
    /// plugin read up to 32 bytes past the end of the calldata buffer).
    @Test func bytesArgumentEndingOneBytePastTheCalldataFails() throws {
        let sum = try load("plugin_sum_bytes", "(bytes)->u64")
        let data: Bytes = [1, 2, 3, 4]
        #expect(run(sum, uword(32) + uword(4) + data).output == uword(10))  // ends exactly at the end
        let over = run(sum, uword(32) + uword(5) + data, gasLimit: 50_000)
        guard case .failure(.other(let why)) = over.status else {
            Issue.record("a bytes argument reaching past the calldata was accepted: \(over.status)")
            return
        }
        #expect(why.contains("outside the calldata"))
        #expect(over.gasUsed == 50_000)
        #expect(run(sum, uword(32) + uword(36) + data + Bytes(repeating: 0, count: 28)).status != .success)
    }

    /// A signed 32-bit result is sign-extended to the ABI word. plugin_u32_mul returns a
    /// uint32_t; declared `i32` (the same register and bits) its 0xFFFFFFFF is -1. Reading an
    /// `i32` result as unsigned gave 0x00000000FFFFFFFF, and no other test had an `i32` result.
    @Test func signedThirtyTwoBitResultIsSignExtended() throws {
        let f = try load("plugin_u32_mul", "(u16,u32)->i32")
        #expect(run(f, uword(0xFFFF) + uword(0x10001)).output == word(-1))
        #expect(run(f, uword(2) + uword(3)).output == word(6))
    }

    /// The int64_t a `bytes` function returns keeps all 64 bits: a status below -2^31 reverts
    /// with that status, not with its low 32 bits (a 32-bit libffi return type made -2^32 a
    /// success with empty output, and -(2^40 + 7) a revert with -7).
    @Test func statusesBeyondThirtyTwoBitsKeepAllSixtyFourBits() throws {
        let f = try load("plugin_fail", "(u64)->bytes")
        for code: Int64 in [1 << 32, (1 << 40) + 7, Int64.max] {
            let r = run(f, uword(UInt64(code)))
            #expect(r.status == .revert, "status -\(code)")
            #expect(r.output == word(-code), "status -\(code)")
            #expect(r.gasUsed == 100 + 3 * 32)
        }
    }
}

@Suite("Host function registration errors")
struct HostFunctionRegistrationTests {
    @Test func missingLibrary() {
        #expect {
            _ = try HostFunctions.register(
                library: "/nonexistent/libnope.so", symbol: "f", address: pluginAddress, signature: "()->void", gas: gas)
        } throws: { e in
            guard case HostFunctionError.libraryNotFound(let p, _) = e else { return false }
            return p == "/nonexistent/libnope.so"
        }
    }

    /// A FIFO as the library blocked dlopen until a writer came (forever under `eekit call
    /// --hook`, holding the state database's lock); a directory or a device is refused too.
    @Test func libraryThatIsNotARegularFileIsRefusedWithoutOpeningIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("lib.so").path
        try #require(mkfifo(fifo, 0o600) == 0)
        for (path, reason) in [
            (fifo, "not a regular file (a device, pipe or socket)"), (dir.path, "it is a directory"),
            ("/dev/zero", "not a regular file (a device, pipe or socket)"),
        ] {
            #expect(throws: HostFunctionError.libraryNotFound(path: path, reason: reason)) {
                _ = try HostFunctions.register(library: path, symbol: "f", address: pluginAddress, signature: "()->void", gas: gas)
            }
        }
    }

    /// A name without a slash is found through LD_LIBRARY_PATH (the first folder holding it
    /// decides, as for dlopen); a FIFO found there hung dlopen too (a review). In a child
    /// process: setenv beside other threads' getenv is a data race.
    @Test func aFIFOFoundThroughTheLibraryPathIsRefused() async {
        await #expect(processExitsWith: .success) {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-fifo-path-\(UUID().uuidString)")
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            // exit() skips `defer`: the folder is removed before each exit (it used to stay
            // behind, one per run).
            func end(_ status: Int32) -> Never {
                try? FileManager.default.removeItem(at: dir)
                exit(status)
            }
            guard mkfifo(dir.appendingPathComponent("lib.so").path, 0o600) == 0 else { end(2) }
            setenv("LD_LIBRARY_PATH", "/nonexistent::\(dir.path)", 1)  // the empty entry: "."
            do {
                _ = try HostFunctions.register(
                    library: "lib.so", symbol: "f", address: Address(low: 0x10001), signature: "()->void",
                    gas: HostFunctionGas(base: 100, perByte: 3))
                end(3)
            } catch {
                let expected = HostFunctionError.libraryNotFound(
                    path: "lib.so", reason: "\(dir.path)/lib.so: not a regular file (a device, pipe or socket)")
                end((error as? HostFunctionError) == expected ? 0 : 4)
            }
        }
    }

    @Test func missingSymbol() throws {
        let lib = try #require(TestFiles.examplePlugin)
        #expect(throws: HostFunctionError.symbolNotFound(symbol: "no_such_fn", library: lib)) {
            _ = try HostFunctions.register(library: lib, symbol: "no_such_fn", address: pluginAddress, signature: "()->void", gas: gas)
        }
    }

    @Test func malformedSignature() throws {
        let lib = try #require(TestFiles.examplePlugin)
        #expect {
            _ = try HostFunctions.register(library: lib, symbol: "plugin_noop", address: pluginAddress, signature: "(x)->void", gas: gas)
        } throws: { e in
            if case HostFunctionError.malformedSignature = e { return true }
            return false
        }
    }

    @Test func addressCollisions() throws {
        let lib = try #require(TestFiles.examplePlugin)
        var table = Precompiles.cancun()
        #expect {
            try HostFunctions.register(
                library: lib, symbol: "plugin_noop", address: Address(low: 1), signature: "()->void", gas: gas, into: &table)
        } throws: { e in
            guard case HostFunctionError.addressCollision(_, let existing) = e else { return false }
            return existing.contains("ecrecover")
        }
        try HostFunctions.register(
            library: lib, symbol: "plugin_noop", address: pluginAddress, signature: "()->void", gas: gas, into: &table)
        #expect(table[pluginAddress]?.name == "plugin:plugin_noop")
        #expect(throws: HostFunctionError.addressCollision(pluginAddress, existing: "plugin:plugin_noop")) {
            try HostFunctions.register(
                library: lib, symbol: "plugin_u8_add", address: pluginAddress, signature: "(u8,u8)->u8", gas: gas, into: &table)
        }
    }

    @Test func registersFromSpecification() throws {
        let lib = try #require(TestFiles.examplePlugin)
        var table: [Address: any SystemHook] = [:]
        let hook = try HostFunctions.register(specification: "\(lib):plugin_u8_add@0x10002:(u8,u8)->u8:10+1", into: &table)
        #expect(hook.gas == HostFunctionGas(base: 10, perByte: 1))
        let r = table[Address(low: 0x10002)]!.call(input: uword(1) + uword(2), gasLimit: 1000, context: testContext)
        #expect(r.output == uword(3))
        #expect(r.gasUsed == 10 + 64 + 32)
    }
}
