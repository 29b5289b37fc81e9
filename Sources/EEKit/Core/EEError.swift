/// Errors EEKit throws to its host program (bad input before anything runs, host-level
/// problems). A guest that misbehaves while running does not throw: its frame ends with
/// `FrameStatus.failure(reason)`.
public enum EEError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The ELF image was refused; see `ELFError` for the reason.
    case elf(ELFError)
    /// Code that cannot be deployed or run (format, size, prefix rules).
    case invalidCode(String)
    /// A configuration value out of its range (memory size, limits).
    case invalidConfiguration(String)
    /// A feature that is not implemented; the message names it.
    case unsupported(String)
    /// Input data (JSON, hex, RLP, transactions) that cannot be parsed.
    case malformedInput(String)
    /// A state store problem (I/O, corruption, foreign file).
    case storage(String)
    /// An object used out of its order: an EE resumed (`continueAfterCall` /
    /// `continueAfterDeployment`) while it is not waiting for that, or before `start`; a
    /// prepared `EVMRunner` call run a second time. From EEKit's own bootloader it is a bug
    /// in EEKit; from a host program driving these objects itself, a bug in that program.
    /// The message says what was out of order.
    case internalError(String)
    /// An execution environment broke the EE protocol (`ExecutionEnvironment`): handed out or
    /// returned more resources than its frame was given, wrote state outside its frame, in a
    /// static one or while none ran, made a request with a field only the bootloader may set,
    /// prepared a deployment at another address, ended a frame with the wrong kind of
    /// completion, or started a transaction inside one. Always a bug in that EE (or in the host
    /// program, for a nested `execute`); the transaction is abandoned and changes nothing.
    case protocolViolation(String)
    /// The host refused a resource EEKit needs to go on (a thread with a large stack for nested
    /// frames); the transaction is abandoned and changes nothing.
    case hostResources(String)
    /// The chain refused the transaction before it ran (`Bootloader.execute`'s `.failure`,
    /// thrown by `ContractSession`): it changed nothing.
    case rejected(TransactionError)

    public var description: String {
        switch self {
        case .elf(let e): "ELF: \(e)"
        case .invalidCode(let s): "invalid code: \(s)"
        case .invalidConfiguration(let s): "invalid configuration: \(s)"
        case .unsupported(let s): "unsupported: \(s)"
        case .malformedInput(let s): "malformed input: \(s)"
        case .storage(let s): "state store: \(s)"
        case .internalError(let s): "internal error: \(s)"
        case .protocolViolation(let s): "EE protocol violation: \(s)"
        case .hostResources(let s): "host resources: \(s)"
        case .rejected(let e): "transaction rejected: \(e)"
        }
    }
}

/// Why an ELF image was refused.
public enum ELFError: Error, Sendable, Equatable, CustomStringConvertible {
    case notELF
    case truncated(String)
    case wrongClass(UInt8)
    case wrongEndianness
    case wrongMachine(UInt16)
    case notExecutable(UInt16)
    case compressedInstructions
    case unsupportedFloatABI(UInt32)
    case noLoadableSegments
    case segmentOutOfRange(index: Int, vaddr: UInt64, size: UInt64)
    case overlappingSegments(Int, Int)
    case segmentFileRange(index: Int)
    case entryNotExecutable(UInt64)
    case entryMisaligned(UInt64)
    case programHeaderSize(UInt16)
    /// e_ehsize is not the header size of the file's class (52 for ELF32, 64 for ELF64).
    case headerSize(UInt16, xlen: Int)
    case segmentMisaligned(index: Int)
    case embeddedABI
    case needsInterpreter
    /// A native contract that is a static PIE linked away from 0x10000: its absolute pointers
    /// would need relocations that no contract start-up code applies.
    case positionIndependentContract(bias: UInt64)
    /// A native contract with thread-local variables (PT_TLS): they are addressed from `tp`,
    /// which points at the frame block.
    case threadLocalStorage
    /// A native static PIE whose dynamic relocations cannot be applied (not R_RISCV_RELATIVE,
    /// or a table outside the file).
    case dynamicRelocation(String)
    case imageTooLarge(needed: UInt64, available: UInt64)
    /// `limit`: the decoded bytes allowed (`RISCVMachine.maxDecodedBytes` for a program,
    /// `ContractImage.maxDecodedBytes` for a native contract).
    case codeRangeTooLarge(low: UInt64, high: UInt64, decodedBytes: UInt64, limit: UInt64)
    case libelf(String)

    public var description: String {
        switch self {
        case .notELF: "not an ELF file"
        case .truncated(let w): "truncated file (\(w))"
        case .wrongClass(let c): "unsupported ELF class \(c) (want ELFCLASS32 or ELFCLASS64)"
        case .wrongEndianness: "not little-endian"
        case .wrongMachine(let m): "wrong machine \(m) (want EM_RISCV = 243)"
        case .notExecutable(let t):
            t == 3
                ? "ELF type 3 (ET_DYN) without an entry point: a shared object, not an executable"
                : "ELF type \(t)\(t == 1 ? " (ET_REL: an object file, not linked)" : "") is not an executable (ET_EXEC, or ET_DYN for a static PIE)"
        case .compressedInstructions: "compressed instructions (RVC flag set); EEKit runs RV32IM/RV64IM without C"
        case .unsupportedFloatABI(let f): "floating-point ABI in e_flags 0x\(String(f, radix: 16)); EEKit runs integer-only code"
        case .noLoadableSegments: "no PT_LOAD segments"
        case .segmentOutOfRange(let i, let v, let s):
            "program header \(i): a segment at 0x\(String(v, radix: 16)) of size 0x\(String(s, radix: 16)) does not fit in the address space (if it is a static PIE: its addresses count from 0x10000, where it is placed)"
        case .overlappingSegments(let a, let b): "segments \(a) and \(b) overlap (program header numbers)"
        case .segmentFileRange(let i): "segment \(i) file range lies outside the file or exceeds its memory size"
        case .entryNotExecutable(let e): "entry point 0x\(String(e, radix: 16)) is not in an executable segment"
        case .entryMisaligned(let e): "entry point 0x\(String(e, radix: 16)) is not 4-byte aligned (RV32IM/RV64IM have no 2-byte instructions)"
        case .segmentMisaligned(let i): "segment \(i)'s file offset and address differ modulo the 4 KiB page size (the ELF specification requires them equal when the segment has file bytes; Linux refuses such files)"
        case .positionIndependentContract(let b):
            "a position-independent executable (ET_DYN) placed \(Int64(bitPattern: b) < 0 ? "-0x" + String(0 &- b, radix: 16) : "0x" + String(b, radix: 16)) from its link addresses: a contract's image goes at 0x10000, and only a static PIE linked there is relocated (its R_RISCV_RELATIVE entries), so link it with -Wl,--image-base=0x10000, or with -static -no-pie"
        case .threadLocalStorage:
            "thread-local variables (a PT_TLS segment): a native contract's tp register points at its frame block, so they would overwrite it; use ordinary globals (a frame has one thread)"
        case .dynamicRelocation(let why): "dynamic relocations of a static PIE: \(why)"
        case .needsInterpreter: "dynamically linked (a PT_INTERP program header names a dynamic linker); EEKit runs static executables only: link with -static"
        case .embeddedABI: "RV32E / RV64E (the RVE flag: 16 registers, system call number in t0); EEKit runs RV32IM/RV64IM"
        case .headerSize(let n, let xlen):
            "ELF header size \(n) (e_ehsize) is not the ELF\(xlen) header's \(xlen == 32 ? 52 : 64) bytes: a wrong class byte (EI_CLASS), or a damaged header"
        case .programHeaderSize(let n): "program header entries of \(n) bytes (e_phentsize; want 32 for ELF32, 56 for ELF64)"
        case .imageTooLarge(let n, let a):
            n == .max
                ? "image reaches past the end of the address space (at most \(a) bytes of guest memory available)"
                : n >= 1 << 32
                    // Beyond any memory EEKit gives a guest: a segment placed near the top of
                    // the address space or a huge p_memsz; the address says which.
                    ? "image and its stack need 0x\(String(n, radix: 16)) bytes of address space, beyond the \(a) bytes of guest memory available (a segment placed too high or sized too large)"
                    : "image needs \(n) bytes of guest memory, more than the \(a) available"
        case .codeRangeTooLarge(let lo, let hi, let n, let limit):
            "the executable range 0x\(String(lo, radix: 16))-0x\(String(hi, radix: 16)) (from the lowest to the highest executable page, gaps and executable .bss included) would take \(n >> 10) KiB of decoded instructions (32 bytes per 4-byte slot), more than the \(limit >> 10) KiB (a \(limit >> 13) KiB range) EEKit decodes\(limit == ContractImage.maxDecodedBytes ? " for a native contract" : "")"
        case .libelf(let s): "libelf: \(s)"
        }
    }
}

extension EEError {
    /// A deployment of a kind no registered EE runs (`Bootloader.execute`, `EVMRunner`'s
    /// creation and `ContractSession.refusal` throw it alike).
    static func noEnvironment(for kind: EEKind) -> EEError {
        .unsupported("no execution environment registered for \(kind) deployments")
    }
}
