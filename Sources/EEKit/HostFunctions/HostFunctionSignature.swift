/// The declared C signature of a host function, in a small language:
///
/// ```
/// signature := "(" [ type { "," type } ] ")" "->" result
/// type      := "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "bytes"
/// result    := type | "void"
/// ```
///
/// Spaces are allowed anywhere; at most 16 parameters. Examples: `(u64,u64)->u64`,
/// `(bytes)->bytes`, `(u8,i16,bytes,u32)->bytes`, `()->void`.
///
/// **Calldata** is ABI-encoded like a Solidity call without a selector: one 32-byte head word per
/// parameter. An integer parameter is its word (big-endian; unsigned values must fit the width,
/// signed values must be the sign extension of their width, or the call fails). A `bytes`
/// parameter's head word is the offset of its tail: a 32-byte length followed by the data.
///
/// **C side.** Integers map to `uint8_t` ... `int64_t`. A `bytes` parameter is two C
/// parameters: `const uint8_t *data, uint64_t length` (valid only during the call). For an
/// integer result the C function returns that type and the returndata is one ABI word
/// (sign-extended for signed types); `void` returns nothing and the returndata is empty. For a
/// `bytes` result the C function takes two more parameters, `uint8_t *out, uint64_t capacity`,
/// and returns `int64_t`: the number of bytes it wrote (the returndata, raw, not ABI-encoded), or
/// a negative status to report an error, which makes the call revert with that status as one
/// signed 32-byte word of revert data.
///
/// ```c
/// uint64_t add3(uint8_t a, uint32_t b, uint64_t c);                 // (u8,u32,u64)->u64
/// int64_t  reverse(const uint8_t *p, uint64_t n,
///                  uint8_t *out, uint64_t cap);                     // (bytes)->bytes
/// ```
public struct HostFunctionSignature: Sendable, Equatable, CustomStringConvertible {
    public enum ValueType: String, Sendable, Equatable, CaseIterable {
        case u8, u16, u32, u64, i8, i16, i32, i64, bytes

        /// Bit width of an integer type, nil for `bytes`.
        public var bitWidth: Int? {
            switch self {
            case .u8, .i8: 8
            case .u16, .i16: 16
            case .u32, .i32: 32
            case .u64, .i64: 64
            case .bytes: nil
            }
        }
        public var isSigned: Bool { self == .i8 || self == .i16 || self == .i32 || self == .i64 }
    }

    /// `nil` result type means `void`.
    public var parameters: [ValueType]
    public var result: ValueType?

    public static let maxParameters = 16

    public init(parameters: [ValueType], result: ValueType?) {
        self.parameters = parameters
        self.result = result
    }

    /// Parses the signature language above.
    /// - Throws: `HostFunctionError.malformedSignature` naming what is wrong.
    public init(parsing text: String) throws(HostFunctionError) {
        let s = text.filter { !$0.isWhitespace }
        func fail(_ why: String) -> HostFunctionError { .malformedSignature(text, reason: why) }
        guard s.hasPrefix("(") else { throw fail("expected '(' at the start") }
        guard let close = s.firstIndex(of: ")") else { throw fail("missing ')'") }
        let inner = s[s.index(after: s.startIndex)..<close]
        let rest = s[s.index(after: close)...]
        guard rest.hasPrefix("->") else { throw fail("expected '->' after the parameter list") }
        let resultText = rest.dropFirst(2)
        var params: [ValueType] = []
        if !inner.isEmpty {
            for (i, part) in inner.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                guard !part.isEmpty else { throw fail("empty parameter \(i + 1)") }
                guard let t = ValueType(rawValue: String(part)) else {
                    throw fail("unknown parameter type '\(part)' (use u8, u16, u32, u64, i8, i16, i32, i64, bytes)")
                }
                params.append(t)
            }
        }
        guard params.count <= Self.maxParameters else {
            throw fail("\(params.count) parameters, at most \(Self.maxParameters)")
        }
        let result: ValueType?
        if resultText == "void" {
            result = nil
        } else if let t = ValueType(rawValue: String(resultText)) {
            result = t
        } else {
            throw fail(resultText.isEmpty ? "missing result type" : "unknown result type '\(resultText)'")
        }
        self.init(parameters: params, result: result)
    }

    public var description: String {
        "(" + parameters.map(\.rawValue).joined(separator: ",") + ")->" + (result?.rawValue ?? "void")
    }
}

/// Gas rule of a host function: `base + perByte * (calldata bytes + returndata bytes)`, in EVM
/// gas. The base and calldata part is checked before the call, the returndata part after it.
public struct HostFunctionGas: Sendable, Equatable {
    public var base: UInt64
    public var perByte: UInt64
    public init(base: UInt64, perByte: UInt64 = 0) {
        self.base = base
        self.perByte = perByte
    }
}

/// Errors when registering a host function.
public enum HostFunctionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// dlopen refused the library; `reason` is dlerror's text.
    case libraryNotFound(path: String, reason: String)
    /// The library has no such symbol.
    case symbolNotFound(symbol: String, library: String)
    /// The signature text does not parse.
    case malformedSignature(String, reason: String)
    /// The address is a precompile's or already has a hook (`existing` names it).
    case addressCollision(Address, existing: String)
    /// A `LIB:SYMBOL@ADDRESS:SIGNATURE[:GAS]` specification that does not parse.
    case malformedSpecification(String, reason: String)
    /// libffi could not prepare a call interface for the signature.
    case ffiRejected(String)
    /// `maxOutput` above `HostFunction.maxOutputLimit` (the buffer is allocated per call).
    case outputCapacityOutOfRange(Int)

    public var description: String {
        switch self {
        case .libraryNotFound(let p, let r): "cannot load library \(p): \(r)"
        case .symbolNotFound(let s, let l): "symbol \(s) not found in \(l)"
        case .malformedSignature(let s, let r): "malformed signature '\(s)': \(r)"
        case .addressCollision(let a, let e): "address \(a) is already taken by \(e)"
        case .malformedSpecification(let s, let r): "malformed host function '\(s)': \(r)"
        case .ffiRejected(let s): "libffi rejected signature \(s)"
        case .outputCapacityOutOfRange(let n):
            "output capacity (maxOutput) of \(n) bytes is above the limit, \(HostFunction.maxOutputLimit) bytes"
        }
    }
}
