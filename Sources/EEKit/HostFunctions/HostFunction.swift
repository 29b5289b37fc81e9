import CHostCall

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Registration of user host functions: C functions from shared libraries, called through
/// libffi at reserved addresses. See `HostFunctionSignature` for the signature language and the
/// calldata / returndata conventions, `HostFunctionGas` for the gas rule.
public enum HostFunctions {
    /// Loads `symbol` from `library` and adds it to `table` at `address`.
    /// - Parameters:
    ///   - library: path of the shared library (passed to dlopen).
    ///   - symbol: the C function's name.
    ///   - address: where EVM/WASM/RISC-V code calls it; must not be an Osaka precompile's (0x01
    ///     to 0x11, 0x100) or already in `table`.
    ///   - signature: the declared signature, e.g. `"(u64,bytes)->bytes"`.
    ///   - gas: the gas rule.
    ///   - maxOutput: capacity of the output buffer for a `bytes` result (at most
    ///     `maxOutputLimit`; a negative value is 0).
    ///   - table: the bootloader's hook table.
    /// - Returns: the new hook (also stored in `table`).
    /// - Throws: `HostFunctionError` for a missing library or symbol, a malformed signature or
    ///   an address collision.
    @discardableResult
    public static func register(
        library: String, symbol: String, address: Address, signature: String, gas: HostFunctionGas,
        maxOutput: Int = HostFunction.defaultMaxOutput, into table: inout [Address: any SystemHook]
    ) throws(HostFunctionError) -> HostFunction {
        if let existing = table[address] { throw .addressCollision(address, existing: existing.name) }
        let hook = try register(
            library: library, symbol: symbol, address: address, signature: signature, gas: gas, maxOutput: maxOutput)
        table[address] = hook
        return hook
    }

    /// Loads `symbol` from `library` as a hook for `address` without adding it to a table.
    /// - Throws: `HostFunctionError` (the address is checked against the precompile range only).
    public static func register(
        library: String, symbol: String, address: Address, signature: String, gas: HostFunctionGas,
        maxOutput: Int = HostFunction.defaultMaxOutput
    ) throws(HostFunctionError) -> HostFunction {
        if Precompiles.osakaAddresses.contains(address) {
            let name = Precompiles.osaka()[address]?.name ?? "a precompile"
            throw .addressCollision(address, existing: "precompile \(name)")
        }
        let sig = try HostFunctionSignature(parsing: signature)
        return try HostFunction(
            library: library, symbol: symbol, address: address, signature: sig, gas: gas, maxOutput: maxOutput)
    }

    /// Registers a host function from a command-line specification (see
    /// `HostFunctionSpecification`).
    @discardableResult
    public static func register(
        specification: String, into table: inout [Address: any SystemHook]
    ) throws(HostFunctionError) -> HostFunction {
        let spec = try HostFunctionSpecification(parsing: specification)
        return try register(
            library: spec.library, symbol: spec.symbol, address: spec.address, signature: spec.signature,
            gas: spec.gas, into: &table)
    }
}

/// `LIB.so:SYMBOL@ADDRESS:SIGNATURE[:GAS]`, the command-line form of a host function, where
/// ADDRESS is hex (up to 40 digits, `0x` optional, left-padded) and GAS is `BASE` or
/// `BASE+PERBYTE` (default 100+3). Example:
/// `./libplugin.so:plugin_sum@0x0000000000000000000000000000000000010001:(u64,u64)->u64:200+3`.
public struct HostFunctionSpecification: Sendable, Equatable {
    public var library: String
    public var symbol: String
    public var address: Address
    public var signature: String
    public var gas: HostFunctionGas

    public static let defaultGas = HostFunctionGas(base: 100, perByte: 3)

    public init(parsing text: String) throws(HostFunctionError) {
        func fail(_ why: String) -> HostFunctionError { .malformedSpecification(text, reason: why) }
        guard let at = text.lastIndex(of: "@") else { throw fail("missing '@ADDRESS'") }
        let left = text[..<at]
        let right = text[text.index(after: at)...]
        guard let colon = left.lastIndex(of: ":") else { throw fail("missing ':SYMBOL' after the library path") }
        library = String(left[..<colon])
        symbol = String(left[left.index(after: colon)...])
        guard !library.isEmpty else { throw fail("empty library path") }
        guard !symbol.isEmpty else { throw fail("empty symbol") }
        let parts = right.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { throw fail("expected ADDRESS:SIGNATURE[:GAS] after '@'") }
        var hex = String(parts[0])
        if hex.hasPrefix("0x") || hex.hasPrefix("0X") { hex.removeFirst(2) }
        // Digits only: Hex.decode would skip spaces and a second "0x" (a review crashed the
        // CLI with "@0x 12" on the 20-byte precondition).
        guard !hex.isEmpty, hex.count <= 40, hex.utf8.allSatisfy({ $0 < 0x80 && Character(Unicode.Scalar($0)).isHexDigit }),
            let raw = Hex.decode(String(repeating: "0", count: 40 - hex.count) + hex), raw.count == 20
        else { throw fail("address '\(parts[0])' is not up to 40 hex digits") }
        address = Address(raw)
        signature = String(parts[1])
        if parts.count == 3 {
            let g = parts[2].split(separator: "+", omittingEmptySubsequences: false)
            guard g.count <= 2, let base = UInt64(g[0]), let per = g.count == 2 ? UInt64(g[1]) : 0 else {
                throw fail("gas '\(parts[2])' is not BASE or BASE+PERBYTE")
            }
            gas = HostFunctionGas(base: base, perByte: per)
        } else {
            gas = Self.defaultGas
        }
    }
}

/// A C function of a shared library, called through libffi as a system hook. Immutable after
/// registration: the library handle, the function pointer and the prepared libffi call
/// interface are only read, so one instance may serve several threads.
public final class HostFunction: SystemHook, @unchecked Sendable {
    public static let defaultMaxOutput = 64 * 1024
    /// The largest `maxOutput`: 64 MiB (a call allocates a buffer of that size; a review's
    /// `Int.max` overflowed and `1 << 40` failed the allocation on the first call).
    public static let maxOutputLimit = 64 << 20
    /// Guard bytes after the output buffer; a plugin that writes into them fails the call.
    static let canarySize = 64
    static let canaryByte: UInt8 = 0xA5

    public let name: String
    public let library: String
    public let symbol: String
    public let address: Address
    public let signature: HostFunctionSignature
    public let gas: HostFunctionGas
    public let maxOutput: Int

    private let handle: UnsafeMutableRawPointer
    private let function: @convention(c) () -> Void
    private let cif: UnsafeMutableRawPointer

    init(
        library: String, symbol: String, address: Address, signature: HostFunctionSignature, gas: HostFunctionGas,
        maxOutput: Int
    ) throws(HostFunctionError) {
        guard maxOutput <= Self.maxOutputLimit else { throw .outputCapacityOutOfRange(maxOutput) }
        // dlopen of a FIFO blocks until a writer comes (forever); a path that names anything
        // but a regular file is refused first. A name without a slash is searched for: the
        // LD_LIBRARY_PATH folders are checked the same way (a review hung eekit with a FIFO
        // found there; the run path and ld.so's cache list installed libraries). A missing
        // file is left to dlopen's message.
        let candidates: [String]
        if library.contains("/") {
            candidates = [library]
        } else {
            // In order, an empty entry being the current folder, as ld.so reads the variable.
            let variable = getenv("LD_LIBRARY_PATH").map { String(cString: $0) }
            let folders = variable.map { $0.split(separator: ":", omittingEmptySubsequences: false) } ?? []
            candidates = folders.map { "\($0.isEmpty ? "." : $0)/\(library)" }
        }
        // The first that exists is what dlopen would open.
        for path in candidates {
            var st = stat()
            guard stat(path, &st) == 0 else { continue }
            if st.st_mode & S_IFMT != S_IFREG {
                let what = st.st_mode & S_IFMT == S_IFDIR ? "it is a directory" : "not a regular file (a device, pipe or socket)"
                throw .libraryNotFound(path: library, reason: path == library ? what : "\(path): \(what)")
            }
            break
        }
        guard let h = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            throw .libraryNotFound(path: library, reason: reason)
        }
        _ = dlerror()
        guard let sym = dlsym(h, symbol) else {
            dlclose(h)
            throw .symbolNotFound(symbol: symbol, library: library)
        }
        let kinds: [UInt8] = signature.parameters.map(Self.kind)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: chost_sig_size(), alignment: 16)
        let rc = kinds.withUnsafeBufferPointer {
            chost_sig_prepare(
                OpaquePointer(memory), $0.baseAddress, Int32(kinds.count),
                signature.result.map(Self.kind) ?? UInt8(CHOST_VOID))
        }
        guard rc == 0 else {
            memory.deallocate()
            dlclose(h)
            throw .ffiRejected(signature.description)
        }
        self.handle = h
        self.function = unsafeBitCast(sym, to: (@convention(c) () -> Void).self)
        self.cif = memory
        self.name = "plugin:\(symbol)"
        self.library = library
        self.symbol = symbol
        self.address = address
        self.signature = signature
        self.gas = gas
        self.maxOutput = max(0, maxOutput)
    }

    deinit {
        cif.deallocate()
        dlclose(handle)
    }

    static func kind(_ t: HostFunctionSignature.ValueType) -> UInt8 {
        switch t {
        case .u8: UInt8(CHOST_U8)
        case .u16: UInt8(CHOST_U16)
        case .u32: UInt8(CHOST_U32)
        case .u64: UInt8(CHOST_U64)
        case .i8: UInt8(CHOST_I8)
        case .i16: UInt8(CHOST_I16)
        case .i32: UInt8(CHOST_I32)
        case .i64: UInt8(CHOST_I64)
        case .bytes: UInt8(CHOST_BYTES)
        }
    }

    /// Decoded arguments: integer values, and (offset, length) of bytes arguments in calldata.
    struct Arguments {
        var ints: [UInt64]
        var spans: [(offset: Int, length: Int)]
    }

    /// Why calldata does not decode.
    struct DecodeError: Error { var message: String }

    /// Decodes the ABI-style calldata; the error text says which argument is wrong.
    func decode(_ input: Bytes) -> Result<Arguments, DecodeError> {
        let params = signature.parameters
        guard input.count >= 32 * params.count else {
            return .failure(DecodeError(message: "\(name): calldata has \(input.count) bytes, the \(params.count) head words need \(32 * params.count)"))
        }
        var args = Arguments(ints: .init(repeating: 0, count: params.count), spans: .init(repeating: (0, 0), count: params.count))
        for (i, t) in params.enumerated() {
            let word = input[(32 * i)..<(32 * i + 32)]
            if let bits = t.bitWidth {
                guard let v = Self.integer(word, bits: bits, signed: t.isSigned) else {
                    return .failure(DecodeError(message: "\(name): argument \(i + 1) does not fit \(t.rawValue)"))
                }
                args.ints[i] = v
            } else {
                guard let off = Self.integer(word, bits: 63, signed: false), Int(off) <= input.count - 32,
                    let len = Self.integer(input[Int(off)..<Int(off) + 32], bits: 63, signed: false),
                    Int(len) <= input.count - Int(off) - 32
                else {
                    return .failure(DecodeError(message: "\(name): bytes argument \(i + 1) points outside the calldata"))
                }
                args.spans[i] = (Int(off) + 32, Int(len))
            }
        }
        return .success(args)
    }

    /// The low `bits` of a big-endian word, if the word is the zero (unsigned) or sign
    /// (signed) extension of them.
    static func integer(_ word: ArraySlice<UInt8>, bits: Int, signed: Bool) -> UInt64? {
        let b = Array(word)
        var low: UInt64 = 0
        for byte in b[24..<32] { low = low << 8 | UInt64(byte) }
        let negative = signed && (bits == 64 ? low >> 63 == 1 : (low >> (bits - 1)) & 1 == 1)
        let fill: UInt8 = negative ? 0xFF : 0
        guard b[0..<24].allSatisfy({ $0 == fill }) else { return nil }
        if bits < 64 {
            let upper = low >> bits
            let expected: UInt64 = negative ? (UInt64.max >> bits) : 0
            guard upper == expected else { return nil }
        }
        return low
    }

    /// One ABI word for an integer result (sign-extended when signed).
    static func word(_ value: Int64, signed: Bool) -> Bytes {
        let fill: UInt8 = signed && value < 0 ? 0xFF : 0
        var out = [UInt8](repeating: fill, count: 32)
        let u = UInt64(bitPattern: value)
        for k in 0..<8 { out[31 - k] = UInt8(truncatingIfNeeded: u >> (8 * k)) }
        return out
    }

    public func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
        let (inGas, o1) = gas.perByte.multipliedReportingOverflow(by: UInt64(input.count))
        let (preGas, o2) = gas.base.addingReportingOverflow(inGas)
        guard !o1, !o2, preGas <= gasLimit else { return .failure(.outOfResources, gasLimit: gasLimit) }
        let args: Arguments
        switch decode(input) {
        case .success(let a): args = a
        case .failure(let e): return .failure(.other(e.message), gasLimit: gasLimit)
        }
        let capacity = signature.result == .bytes ? maxOutput : 0
        var buffer = [UInt8](repeating: 0, count: capacity + Self.canarySize)
        for k in capacity..<buffer.count { buffer[k] = Self.canaryByte }
        var ret: Int64 = 0
        input.withUnsafeBufferPointer { inBuf in
            let base = inBuf.baseAddress
            let ptrs: [UnsafePointer<UInt8>?] = args.spans.map { span in base.map { $0 + span.offset } }
            let lens: [UInt64] = args.spans.map { UInt64($0.length) }
            ptrs.withUnsafeBufferPointer { p in
                buffer.withUnsafeMutableBufferPointer { out in
                    chost_call(
                        OpaquePointer(cif), function, args.ints, p.baseAddress, lens, out.baseAddress,
                        UInt64(capacity), &ret)
                }
            }
        }
        guard buffer[capacity...].allSatisfy({ $0 == Self.canaryByte }) else {
            return .failure(.other("\(name): plugin wrote past its \(capacity)-byte output buffer"), gasLimit: gasLimit)
        }
        let output: Bytes
        switch signature.result {
        case nil:
            output = []
        case .bytes:
            if ret < 0 {
                return SystemHookResult(status: .revert, output: Self.word(ret, signed: true), gasUsed: preGas)
            }
            guard ret <= Int64(capacity) else {
                return .failure(
                    .other("\(name): plugin returned length \(ret), beyond its \(capacity)-byte output buffer"),
                    gasLimit: gasLimit)
            }
            output = Array(buffer[0..<Int(ret)])
        case .some(let t):
            output = Self.word(ret, signed: t.isSigned)
        }
        let (outGas, o3) = gas.perByte.multipliedReportingOverflow(by: UInt64(output.count))
        let (total, o4) = preGas.addingReportingOverflow(outGas)
        guard !o3, !o4, total <= gasLimit else { return .failure(.outOfResources, gasLimit: gasLimit) }
        return .success(output, gasUsed: total)
    }
}
