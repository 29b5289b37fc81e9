/// Options for running a plain (Linux-like) RISC-V program.
public struct RISCVRunOptions: Sendable {
    /// Instruction budget; nil runs until the program exits or traps.
    public var maxInstructions: UInt64?
    /// Guest memory in MiB (1...4096; default 4096). It is reserved address space (a
    /// MAP_NORESERVE mapping): only the pages the guest touches take host memory, so the default
    /// gives a program what qemu-user does (an image linked at 0x80000000, a heap of gigabytes).
    public var memoryMiB: Int
    /// When the host cannot reserve `memoryMiB` (an address-space limit such as `ulimit -v`, or
    /// strict overcommit), run in the largest of memoryMiB / 2, / 4, ... down to 64 MiB that it
    /// grants and that holds the image (last, in the least size that holds the image with 64
    /// MiB to spare), instead of failing: the default 4096 MiB is a
    /// reservation a constrained host may refuse where 64 MiB would do. False: exactly
    /// `memoryMiB` or `EEError.hostResources` (`eekit rv run --memory N`).
    public var shrinksMemoryWhenUnavailable: Bool = true
    /// The stack's size at most (and at most a quarter of memory): 8 MiB by default, Linux's
    /// default RLIMIT_STACK; `eekit rv run` passes a finite `ulimit -s` above 8 MiB, as
    /// qemu-user takes it.
    public var stackLimit: UInt64 = RISCVProcess.defaultStackLimit
    /// Environment strings (`NAME=value`) the program sees, as bytes (Linux's strings are
    /// bytes: any but NUL); empty by default so that runs are reproducible (`eekit rv run`
    /// passes its own, see `qemuEnvironment`).
    public var environmentBytes: [[UInt8]]
    /// `environmentBytes` as text (bytes that are not UTF-8 read as U+FFFD).
    public var environment: [String] {
        get { environmentBytes.map { String(decoding: $0, as: UTF8.self) } }
        set { environmentBytes = newValue.map { Array($0.utf8) } }
    }
    /// argv[0] (and AT_EXECFN), as bytes.
    public var programNameBytes: [UInt8]
    /// `programNameBytes` as text.
    public var programName: String {
        get { String(decoding: programNameBytes, as: UTF8.self) }
        set { programNameBytes = Array(newValue.utf8) }
    }

    public init(maxInstructions: UInt64? = nil, memoryMiB: Int = 4096, environment: [String] = [], programName: String = "program") {
        self.maxInstructions = maxInstructions
        self.memoryMiB = memoryMiB
        self.environmentBytes = environment.map { Array($0.utf8) }
        self.programNameBytes = Array(programName.utf8)
    }

    /// A change to the environment, in command-line order (qemu-user's -E / -U).
    public enum EnvironmentChange: Sendable, Equatable {
        case set(String)  // NAME=value
        case unset(String)  // NAME
    }

    /// An environment as qemu-user builds its guest's (what `eekit rv run` passes), so that a
    /// program that looks at its environment prints the same under both: each entry of `host`
    /// (a process's `environ`, unless `clear`) and then each change, in order, goes through
    /// qemu's envlist: an entry without '=' is dropped, a name already there is removed, and
    /// the entry goes to the front (so `host` comes out reversed, a duplicate name keeps its
    /// last value); an unset removes the name.
    public static func qemuEnvironment(host: [String], clear: Bool, changes: [EnvironmentChange]) -> [String] {
        qemuEnvironment(hostBytes: host.map { Array($0.utf8) }, clear: clear, changes: changes)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// The same for a host environment as bytes (a process's `environ` may hold any bytes but
    /// NUL); the result is `environmentBytes`.
    public static func qemuEnvironment(hostBytes host: [[UInt8]], clear: Bool, changes: [EnvironmentChange]) -> [[UInt8]] {
        let equals = UInt8(ascii: "=")
        func name(_ entry: [UInt8]) -> ArraySlice<UInt8> { entry[..<(entry.firstIndex(of: equals) ?? entry.endIndex)] }
        // Linear in the entries (a remove and an insert at the front per entry was quadratic:
        // 20,000 entries took over a minute): entries in the order they were set, nil where
        // one was removed, and where each name's entry is; the front is the end.
        var entries: [[UInt8]?] = []
        var position: [ArraySlice<UInt8>: Int] = [:]
        func remove(_ n: ArraySlice<UInt8>) { if let i = position.removeValue(forKey: n) { entries[i] = nil } }
        func set(_ entry: [UInt8]) {
            guard entry.contains(equals) else { return }
            let n = name(entry)
            remove(n)
            position[n] = entries.count
            entries.append(entry)
        }
        if !clear { host.forEach(set) }
        for change in changes {
            switch change {
            case .set(let entry): set(Array(entry.utf8))
            case .unset(let n): remove(ArraySlice(n.utf8))
            }
        }
        return entries.reversed().compactMap { $0 }
    }

    /// The same with every unset before every set.
    public static func qemuEnvironment(host: [String], clear: Bool, unset: [String], set: [String]) -> [String] {
        qemuEnvironment(host: host, clear: clear, changes: unset.map { .unset($0) } + set.map { .set($0) })
    }
}

/// How a plain program's run ended.
public enum RISCVStop: Sendable, Equatable, CustomStringConvertible {
    /// exit / exit_group; the status as a process sees it (low 8 bits).
    case exited(Int32)
    case trapped(RISCVTrap)
    /// `ebreak` at `pc`.
    case breakpoint(pc: UInt64)
    /// The instruction budget ran out before the instruction at `pc`, whose word is
    /// `instruction` (nil if pc's page cannot be read).
    case budgetExhausted(pc: UInt64, instruction: UInt32?)
    /// A system call the plain ABI does not provide.
    case unsupportedSyscall(number: UInt64, pc: UInt64)

    /// The signal Linux would deliver to a process stopped this way (its number on Linux), nil
    /// for an exit or an exhausted budget: SIGILL for an illegal instruction, SIGTRAP for
    /// `ebreak`, SIGSEGV for an access fault, SIGBUS for a misaligned jump target (Linux's
    /// BUS_ADRALN on a core without C) and SIGSYS for a system call the plain ABI does not
    /// provide (as a seccomp filter that kills: Linux itself would return -ENOSYS, and the run
    /// ends instead). `eekit rv run` dies by it, as qemu-user does on an uncaught signal.
    public var linuxSignal: Int32? {
        switch self {
        case .exited, .budgetExhausted: nil
        case .breakpoint: 5
        case .unsupportedSyscall: 31
        case .trapped(let t): t.linuxSignal
        }
    }

    public var description: String {
        switch self {
        case .exited(let c): "exited with status \(c)"
        case .trapped(let t): t.description
        case .breakpoint(let pc): "breakpoint (ebreak) at pc 0x\(String(pc, radix: 16))"
        case .budgetExhausted(let pc, let word):
            "instruction budget exhausted at pc 0x\(String(pc, radix: 16))"
                + (word.map { " (next instruction \(RISCVTrap.hexWord($0)))" } ?? "")
        case .unsupportedSyscall(let n, let pc):
            "unsupported system call \(n) at pc 0x\(String(pc, radix: 16)) (plain ABI: 63 read, 64 write, 93/94 exit, 214 brk)"
        }
    }
}

public struct RISCVPlainResult: Sendable {
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var instructionsRetired: UInt64
    public var stop: RISCVStop
    /// The exit status for `.exited`, nil otherwise.
    public var exitCode: Int32? {
        if case .exited(let c) = stop { return c }
        return nil
    }
}

/// One retired instruction of a traced run (`eekit rv run --trace`): where it was, its word,
/// and the register it changed, after the system call it made, if any (a read's count).
public struct RISCVTraceStep: Sendable {
    public var pc: UInt64
    /// The instruction word; nil when its page cannot be read (an execute-only page).
    public var instruction: UInt32?
    public var xlen: UInt32
    /// The register the instruction wrote (its rd, even with the value it held), or for an
    /// ecall the one its system call changed, with the new value; nil: none (x0 never is).
    public var written: (register: Int, value: UInt64)?
    /// A load's or store's guest address and width in bytes, and for a store the value stored
    /// (its low `width` bytes).
    public var memory: (address: UInt64, width: Int, stored: UInt64?)?

    /// The integer registers' ABI names, x0 to x31.
    public static let registerNames = [
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    ]

    /// One line: pc, word, disassembly, and `reg=value` for the register written, hex padded to
    /// the XLEN (`0000000000010078 (00a00513) addi a0, zero, 10  a0=000000000000000a`).
    public var line: String {
        let digits = xlen == 64 ? 16 : 8
        func hex(_ v: UInt64, _ n: Int) -> String {
            let h = String(v, radix: 16)
            return String(repeating: "0", count: max(0, n - h.count)) + h
        }
        // The register and memory columns: after the disassembly padded to 28 characters.
        var columns: [String] = []
        if let w = written { columns.append("\(Self.registerNames[w.register])=\(hex(w.value, digits))") }
        if let m = memory {
            columns.append("mem[\(hex(m.address, digits))]" + (m.stored.map { "=" + hex($0, 2 * m.width) } ?? ""))
        }
        var text = hex(pc, digits)
        guard let word = instruction else {
            return ([text + " (unreadable)"] + columns).joined(separator: columns.isEmpty ? "" : "  ")
        }
        let asm = RISCVMachine.disassemble(word, pc: pc, xlen: xlen)
        text += " (" + hex(UInt64(word), 8) + ") " + asm
        guard !columns.isEmpty else { return text }
        return text + String(repeating: " ", count: max(1, 28 - asm.count)) + columns.joined(separator: "  ")
    }
}

/// Runs plain RISC-V programs with the Linux-like system-call ABI:
/// a7 = 63 read(fd 0), 64 write(fd 1, 2), 93 exit, 94 exit_group, 214 brk. Any other
/// number ends the run with `.unsupportedSyscall`. Errors a syscall reports to the guest
/// follow Linux (negative errno in a0: EBADF, EFAULT).
public enum RISCVPlainRunner {
    /// The trace step of the instruction at `pc` (word `word`) whose hart's registers were
    /// `before` it and are `after` it: rd's new value (even one it held),
    /// else the register a system call changed (a0); a load's or store's address, from the
    /// base register as it was before the instruction (a load may overwrite its own base).
    static func traceStep(pc: UInt64, word: UInt32?, xlen: UInt32, before: [UInt64], after now: [UInt64]) -> RISCVTraceStep {
        var target: Int?
        if let w = word {
            let rd = Int((w >> 7) & 31), opcode = w & 0x7f
            let writesRd = [0x03, 0x13, 0x17, 0x1b, 0x33, 0x37, 0x3b, 0x67, 0x6f].contains(opcode)
                || (opcode == 0x73 && (w >> 12) & 7 != 0)
            if writesRd, rd != 0 { target = rd }
        }
        if target == nil { target = (1..<32).first { now[$0] != before[$0] } }
        var memory: (address: UInt64, width: Int, stored: UInt64?)?
        if let w = word, w & 0x7f == 0x03 || w & 0x7f == 0x23 {
            let isStore = w & 0x7f == 0x23
            let funct3 = (w >> 12) & 7
            let immediate = isStore
                ? Int64(Int32(bitPattern: w & 0xfe00_0000) >> 20) | Int64((w >> 7) & 0x1f)
                : Int64(Int32(bitPattern: w) >> 20)
            var address = before[Int((w >> 15) & 31)] &+ UInt64(bitPattern: immediate)
            if xlen == 32 { address &= 0xffff_ffff }
            let width = 1 << Int(funct3 & 3)
            let value = before[Int((w >> 20) & 31)]
            memory = (address, width, isStore ? (width == 8 ? value : value & ((1 << UInt64(8 * width)) - 1)) : nil)
        }
        return RISCVTraceStep(pc: pc, instruction: word, xlen: xlen, written: target.map { ($0, now[$0]) }, memory: memory)
    }

    /// Loads and runs `elf`, collecting its output.
    /// - Parameters:
    ///   - elf: a static RV32IM or RV64IM executable.
    ///   - arguments: argv[1...]; argv[0] is `options.programName`.
    ///   - stdin: what read(0, ...) returns.
    /// - Throws: `EEError.elf` for a malformed or unsupported image, `.invalidConfiguration`
    ///   for bad options.
    public static func run(
        elf: [UInt8], arguments: [String], stdin: [UInt8] = [], options: RISCVRunOptions = .init()
    ) throws(EEError) -> RISCVPlainResult {
        var out: [UInt8] = []
        var err: [UInt8] = []
        let r = try run(elf: elf, arguments: arguments, stdin: stdin, options: options) { fd, bytes in
            if fd == 1 { out += bytes } else { err += bytes }
        }
        return RISCVPlainResult(stdout: out, stderr: err, instructionsRetired: r.instructions, stop: r.stop)
    }

    /// Loads and runs `elf`, handing every write to fd 1 or 2 to `output` as it happens.
    public static func run(
        elf: [UInt8], arguments: [String], stdin: [UInt8] = [], options: RISCVRunOptions,
        output: (Int32, [UInt8]) -> Void
    ) throws(EEError) -> (stop: RISCVStop, instructions: UInt64) {
        var offset = 0
        return try run(elf: elf, arguments: arguments, options: options, input: { n in
            let k = min(n, stdin.count - offset)
            defer { offset += k }
            return Array(stdin[offset..<offset + k])
        }, output: output)
    }

    /// Loads and runs `elf`; every read(0, buf, n) asks `input` for at most n bytes when the
    /// guest makes it (empty = end of file), so a pipe or a terminal is read as the program
    /// goes, as under Linux; every write to fd 1 or 2 goes to `output`.
    public static func run(
        elf: [UInt8], arguments: [String], options: RISCVRunOptions, input: (Int) -> [UInt8],
        output: (Int32, [UInt8]) -> Void
    ) throws(EEError) -> (stop: RISCVStop, instructions: UInt64) {
        try run(
            elf: elf, arguments: arguments, options: options,
            read: { buf in
                let bytes = input(buf.count).prefix(buf.count)
                buf.copyBytes(from: bytes)  // an empty result (end of file) copies nothing
                return bytes.count
            },
            write: { fd, bytes in
                output(fd, bytes)
                return bytes.count
            })
    }

    /// As `run(elf:arguments:options:input:output:)`, but the host side reports what Linux
    /// would: `read` fills the guest's buffer in place (the whole buffer is checked writable
    /// first) and returns the count read (0 = end of file) or -errno (EBADF for a closed stdin,
    /// EISDIR...), one host read per guest read; `write` returns the count written (possibly short) or
    /// -errno (EPIPE for a closed pipe, ENOSPC...). The guest's read / write return that, as
    /// Linux and qemu-user do, so a program that writes until its write fails (`yes | head -1`
    /// with SIGPIPE ignored) ends instead of writing into the void forever, and one that
    /// retries a short write resends only the rest.
    public static func run(
        elf: [UInt8], arguments: [String], options: RISCVRunOptions, read: (UnsafeMutableRawBufferPointer) -> Int,
        write: (Int32, [UInt8]) -> Int
    ) throws(EEError) -> (stop: RISCVStop, instructions: UInt64) {
        try run(elf: elf, argumentBytes: arguments.map { Array($0.utf8) }, options: options, read: read, write: write)
    }

    /// The process in `options.memoryMiB` of guest memory, or (`shrinksMemoryWhenUnavailable`)
    /// in the largest halving of it down to 64 MiB that the host can reserve and that holds the
    /// image; when the halvings stop holding the image, last, in the least size that holds it
    /// with 64 MiB to spare, in whole 64 MiB (an image linked at 0x80000000 needs 2057 MiB,
    /// which 2048 does not give). Each size depends on the image and the host's refusals only.
    /// Nothing of the guest has run when a size is refused, so the smaller run is the same run
    /// with a lower stack and heap limit.
    static func makeProcess(_ image: ELFImage, options: RISCVRunOptions) throws(EEError) -> RISCVProcess {
        let mib: UInt64 = 1 << 20
        var size = UInt64(options.memoryMiB) * mib
        var lastResortTried = false
        while true {
            do {
                return try RISCVProcess(
                    image: image, memorySize: size, schedule: .instructionCounting, stackLimit: options.stackLimit)
            } catch {
                guard case .hostResources = error, options.shrinksMemoryWhenUnavailable else { throw error }
                let smaller = size / 2
                if smaller >= 64 * mib, RISCVProcess.fits(image, memorySize: smaller, stackLimit: options.stackLimit) {
                    size = smaller
                    continue
                }
                guard !lastResortTried,
                    let least = RISCVProcess.smallestMemoryMiB(fitting: image, stackLimit: options.stackLimit)
                else { throw error }
                lastResortTried = true
                let spared = min(4096, (UInt64(least) + 64 + 63) / 64 * 64) * mib
                guard spared < size else { throw error }
                size = spared
            }
        }
    }

    /// As `run(elf:arguments:options:read:write:)` with argv[1...] as bytes, as Linux passes
    /// them (`eekit rv run` hands on its own arguments' bytes, UTF-8 or not, as qemu-user does).
    ///
    /// `trace`, when given, receives every retired instruction in order (the run then steps one
    /// instruction at a time, about a million a second, and stops where it would stop
    /// without it: metering is exact).
    public static func run(
        elf: [UInt8], argumentBytes arguments: [[UInt8]], options: RISCVRunOptions,
        read: (UnsafeMutableRawBufferPointer) -> Int, write: (Int32, [UInt8]) -> Int,
        trace: ((RISCVTraceStep) -> Void)? = nil
    ) throws(EEError) -> (stop: RISCVStop, instructions: UInt64) {
        guard options.memoryMiB >= 1, options.memoryMiB <= 4096 else {
            throw .invalidConfiguration("the guest memory (memoryMiB, --memory) must be between 1 and 4096 MiB, got \(options.memoryMiB)")
        }
        let image = try ELFImage(bytes: elf)
        let process = try makeProcess(image, options: options)
        try process.setUpStack(
            argumentBytes: [options.programNameBytes] + arguments, environmentBytes: options.environmentBytes)
        let m = process.machine
        m.budget = options.maxInstructions ?? .max
        let EBADF: UInt64 = 9, EFAULT: UInt64 = 14
        func fail(_ errno: UInt64) -> UInt64 { 0 &- errno }
        // Linux checks a buffer with access_ok even when nothing is copied: a zero-length read
        // or write whose address lies above the user address space is -EFAULT (one below it
        // is not looked at; a review found 0 returned for a pointer of -1). The first address
        // refused is qemu-user 7.2's: past the start of the last page below 2^47 on RV64,
        // the last page below 2^32 on RV32.
        let userLimit: UInt64 = image.xlen == 64 ? (1 << 47) - 4096 + 1 : 0xffff_f000

        // Tracing: one instruction per `m.run()`, its step reported once its effects are in
        // the registers (after the system call an ecall makes), at the next step or the end.
        var pending: (pc: UInt64, word: UInt32?, registers: [UInt64])?
        func registers() -> [UInt64] { (0..<32).map { m[register: $0] } }
        func flush() {
            guard let trace, let p = pending else { return }
            pending = nil
            trace(traceStep(pc: p.pc, word: p.word, xlen: image.xlen, before: p.registers, after: registers()))
        }
        defer { flush() }

        while true {
            let outcome: RISCVMachine.Stop
            if trace != nil {
                flush()
                let left = m.budget, before = m.instructionsRetired
                if left == 0 {
                    outcome = m.run()
                } else {
                    let pc = m.pc
                    let word = m.isAccessible(pc, 4, .read) ? m.instructionWord(at: pc) : nil
                    let snapshot = registers()
                    m.budget = 1
                    outcome = m.run()
                    let ran = m.instructionsRetired &- before
                    m.budget = left &- ran
                    if ran > 0 { pending = (pc, word, snapshot) }
                    // One instruction done, more budget left: not the run's end. (Without progress
                    // the stop is reported as it is, never retried.)
                    if case .budgetExhausted = outcome, ran > 0, m.budget > 0 { continue }
                }
            } else {
                outcome = m.run()
            }
            switch outcome {
            case .budgetExhausted:
                // The word of the instruction that did not run, as a trap names its own (the
                // foundation issue: "cause, pc, instruction"); none when pc's page cannot be
                // read (executable pages can, as Linux maps them on RISC-V).
                let word = m.isAccessible(m.pc, 4, .read) ? m.instructionWord(at: m.pc) : nil
                return (.budgetExhausted(pc: m.pc, instruction: word), m.instructionsRetired)
            case .trap:
                return (.trapped(m.trap), m.instructionsRetired)
            case .ebreak:
                return (.breakpoint(pc: m.pc &- 4), m.instructionsRetired)
            case .ecall:
                let number = m[register: 17]
                let a0 = m[register: 10], a1 = m[register: 11], a2 = m[register: 12]
                let fd = UInt32(truncatingIfNeeded: a0)  // Linux: unsigned int fd
                switch number {
                case 64:  // write(fd, buf, count)
                    if fd != 1 && fd != 2 {
                        m[register: 10] = fail(EBADF)
                    } else if a2 == 0 && a1 >= userLimit {
                        // The descriptor first, as Linux checks it (a closed stdout: EBADF); the
                        // host write of nothing tells (a pipe returns 0 without a reader).
                        m[register: 10] = write(Int32(fd), []) == -Int(EBADF) ? fail(EBADF) : fail(EFAULT)
                    } else if a2 > Int.max / 2 {
                        m[register: 10] = fail(EFAULT)
                    } else if let bytes = m.read(a1, count: Int(a2)) {
                        // A count (at most a2) or -errno, sign-extended as Linux returns it. A
                        // zero-length write goes to the host too: Linux checks the descriptor
                        // (EBADF for a closed one, ENOSPC on /dev/full) even then.
                        let r = max(-4095, min(write(Int32(fd), bytes), bytes.count))
                        m[register: 10] = UInt64(bitPattern: Int64(r))
                    } else {
                        m[register: 10] = fail(EFAULT)
                    }
                case 63:  // read(fd, buf, count)
                    if fd != 0 {
                        m[register: 10] = fail(EBADF)
                    } else if a2 == 0 {
                        // Not the guest's buffer (Linux does not touch it), but the host read:
                        // EBADF for a closed stdin, EISDIR for a directory, else 0; an address
                        // above the user address space is EFAULT after the descriptor's EBADF.
                        let r = read(UnsafeMutableRawBufferPointer(start: nil, count: 0))
                        m[register: 10] =
                            a1 >= userLimit && r != -Int(EBADF) ? fail(EFAULT) : UInt64(bitPattern: Int64(max(-4095, min(r, 0))))
                    } else {
                        // One host read straight into the buffer, which must be writable as a
                        // whole first (as qemu-user checks it): a bad buffer consumes no input.
                        // A count or -errno, sign-extended as Linux returns it.
                        let r = a2 > m.memorySize ? nil : m.fill(a1, count: Int(a2)) { max(-4095, min(read($0), $0.count)) }
                        if let r {
                            m[register: 10] = UInt64(bitPattern: Int64(r))
                        } else {
                            // A bad buffer on a closed stdin is EBADF, as Linux checks the
                            // descriptor first (as for the other descriptors), and on a directory
                            // EISDIR, as Linux fails such a read before it copies; a zero-length
                            // host read says which, consuming nothing.
                            let probe = read(UnsafeMutableRawBufferPointer(start: nil, count: 0))
                            m[register: 10] = probe < 0 ? UInt64(bitPattern: Int64(max(-4095, probe))) : fail(EFAULT)
                        }
                    }
                case 93, 94:  // exit, exit_group
                    return (.exited(Int32(a0 & 0xff)), m.instructionsRetired)
                case 214:  // brk
                    m[register: 10] = process.setBreak(a0)
                default:
                    return (.unsupportedSyscall(number: number, pc: m.pc &- 4), m.instructionsRetired)
                }
            }
        }
    }
}
