import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import ArgumentParser
import EEKit

@main
struct EEKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eekit",
        abstract: "Run EVM bytecode and native RISC-V programs and contracts under one bootloader.",
        version: "eekit \(EEKitVersion.string) (\(EEKitVersion.summary))",
        subcommands: [RVCommand.self, EVMCommand.self, StateTestCommand.self, BootBenchCommand.self,
                      DeployCommand.self, CallCommand.self, AccountCommand.self, RunContractCommand.self, ContractBenchCommand.self,
                      BenchCommand.self, ABICommand.self])

    /// ArgumentParser's main, except that `rv run` hands the guest's arguments (everything
    /// after FILE) over without parsing them: its pass-through capture is quadratic in their
    /// number (8,000 arguments took 2.7 s, 20,000 over 20 s; qemu-user takes 0.03 s).
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        var guest: [String]? = nil
        var fileIndex: Int? = nil  // rv run's or rv disasm's FILE in argv
        if args.count > 2, args[0] == "rv", args[1] == "run", let f = RVCommand.Run.scan(Array(args[2...])).file {
            guest = Array(args[(f + 3)...])
            args = Array(args[..<(f + 3)])
            fileIndex = f + 3
        } else if args.count == 3, args[0] == "rv", args[1] == "disasm", !args[2].hasPrefix("-") {
            fileIndex = 3  // rv disasm FILE
        } else if args.count == 4, args[0] == "rv", args[1] == "disasm", args[2] == "--" {
            fileIndex = 4  // rv disasm -- FILE (a name that starts with "-")
        }
        // Swift's CommandLine.arguments turns bytes that are not UTF-8 into U+FFFD: a --state
        // path silently named another file, an ABI string other bytes. Such an argument is
        // refused, except the FILE of `rv run` / `rv disasm` and the guest's arguments (used as
        // their bytes).
        for i in 1..<min(Int(CommandLine.argc), args.count + 1) where i != fileIndex {
            guard let raw = CommandLine.unsafeArgv[i], String(validatingCString: raw) == nil else { continue }
            let shown = cStringBytes(raw).map { $0 >= 0x20 && $0 < 0x7f ? String(UnicodeScalar($0)) : "\\x" + String(format: "%02x", $0) }
            writeToStandardError(Data(
                "eekit: argument \(i) is not UTF-8 text (\"\(shown.joined())\"); eekit's own arguments must be UTF-8 (a quoted ABI string, \"...\", spells any byte as \\xNN; `rv run FILE ARGS...` may be any bytes)\n".utf8))
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        var parsed: ParsableCommand.Type? = nil
        do {
            var command = try parseAsRoot(args)
            parsed = type(of: command)
            if let guest, var run = command as? RVCommand.Run {
                run.arguments = guest
                command = run
            }
            try command.run()
            exitUnlessOutputLost(0)
        } catch let code as ExitCode {
            exitUnlessOutputLost(code.rawValue)
        } catch {
            // A ValidationError from a subcommand's `run` would come with the top-level usage
            // ("eekit <subcommand>"), as ArgumentParser no longer knows which command threw it.
            if let parsed, parsed != EEKitCommand.self, let v = error as? ValidationError {
                let path = (commandPath(to: parsed) ?? [parsed._commandName]).joined(separator: " ")
                writeToStandardError(Data("""
                    Error: \(printable(v.message))
                    Usage: \(usageString(for: parsed))
                      See 'eekit \(path) --help' for more information.

                    """.utf8))
                Glibc.exit(ExitCode.validationFailure.rawValue)
            }
            // Help and other clean exits print as ArgumentParser prints them; an error message
            // quotes the user's input, whose control characters (a terminal's escape sequences,
            // NUL from a binary file) are shown escaped and whose length is capped.
            let status = exitCode(for: error)
            if status == .success {
                // --help and --version: printed as ArgumentParser prints them, but a lost
                // output exits 74 as every other command's does (a review: `eekit --version
                // > /dev/full` exited 0).
                print(fullMessage(for: error))
                exitUnlessOutputLost(0)
            }
            writeToStandardError(Data((printable(fullMessage(for: error)) + "\n").utf8))
            Glibc.exit(status.rawValue)
        }
    }

    /// `text` with control characters but newline and tab written as \xNN (C1 controls as
    /// \u{NN}), at most 4,096 characters of each line (the usage lines after a long quoted
    /// input stay).
    static func printable(_ text: String) -> String {
        var out = ""
        var count = 0, cut = 0
        for u in text.unicodeScalars {
            if u == "\n" {
                if cut > 0 { out += "... (\(cut) more characters)" }
                count = 0
                cut = 0
            } else if count == 4096 {
                cut += 1
                continue
            } else {
                count += 1
            }
            switch u.value {
            case 0x0a, 0x09: out.unicodeScalars.append(u)
            case 0..<0x20, 0x7f: out += "\\x" + String(format: "%02x", u.value)
            case 0x80..<0xa0: out += "\\u{" + String(u.value, radix: 16) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        if cut > 0 { out += "... (\(cut) more characters)" }
        return out
    }

    /// Exits with `status` once `print`'s output is written; exits 74 (sysexits' EX_IOERR)
    /// when some of it could not be (a full disk, /dev/full): the command ran, and a committed
    /// transaction's receipt or a deployed address must not vanish with its exit status.
    static func exitUnlessOutputLost(_ status: Int32) -> Never {
        errno = 0
        if !flushStandardOutput() {
            let reason = errno == 0 ? "write error" : String(cString: strerror(errno))
            writeToStandardError(Data("eekit: cannot write the output: \(reason) (the command ran; exit status \(status) before this)\n".utf8))
            Glibc.exit(74)
        }
        Glibc.exit(status)
    }

    /// The subcommand names from the root to `target` ("rv", "run"), nil if it is not in the tree.
    static func commandPath(to target: ParsableCommand.Type, from node: ParsableCommand.Type = EEKitCommand.self)
        -> [String]?
    {
        for sub in node.configuration.subcommands {
            if sub == target { return [sub._commandName] }
            if let rest = commandPath(to: target, from: sub) { return [sub._commandName] + rest }
        }
        return nil
    }
}

/// A C string's bytes (an argv or environ entry: any bytes but NUL).
func cStringBytes(_ p: UnsafePointer<CChar>) -> [UInt8] { Array(UnsafeRawBufferPointer(start: p, count: strlen(p))) }

/// argv[i] as the bytes eekit was given, when Swift's text of it (bytes that are not UTF-8
/// read as U+FFFD) is `text`; otherwise `text` as UTF-8 (a command parsed in-process, whose
/// argv is another program's).
func argumentBytes(_ i: Int, as text: String) -> [UInt8] {
    guard i >= 1, i < Int(CommandLine.argc), let p = CommandLine.unsafeArgv[i] else { return Array(text.utf8) }
    let raw = cStringBytes(p)
    return String(decoding: raw, as: UTF8.self) == text ? raw : Array(text.utf8)
}

/// Writes to fd 2, ignoring errors: a closed or broken stderr must not stop eekit (Foundation's
/// FileHandle.write traps on EBADF / EPIPE).
func writeToStandardError(_ data: Data) { data.withUnsafeBytes { _ = writeAll(fd: 2, $0) } }

/// Writes all of `b` to `fd` (retrying short writes and EINTR), stopping at an error; false
/// then, with errno set.
@discardableResult
func writeAll(fd: Int32, _ b: UnsafeRawBufferPointer) -> Bool {
    var off = 0
    while off < b.count {
        let n = Glibc.write(fd, b.baseAddress! + off, b.count - off)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        off += n
    }
    return true
}

/// One JSON object as a line of text, keys sorted ("{}" if `object` cannot be serialized).
/// How a frame ended, as the JSON outputs give it: `status` ("success", "revert" or
/// "failure"), `reason` for a failure, `revertReason` for revert data that decodes (Error,
/// Panic, or one of the `errors` signatures).
func statusJSON(_ status: FrameStatus, output: Bytes, errors: [String] = []) -> [String: Any] {
    var doc: [String: Any] = ["status": status.isSuccess ? "success" : status == .revert ? "revert" : "failure"]
    if case .failure(let reason) = status { doc["reason"] = "\(reason)" }
    if status == .revert, let reason = ABIEncoder.revertReason(output, errors: errors) { doc["revertReason"] = reason }
    return doc
}

func jsonLine(_ object: [String: Any]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// A number as EIP-3155 writes quantities (gas, gasUsed): lower-case hex with 0x, no padding.
func hexQuantity(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// One JSON object with its keys in the given order (strings, numbers and booleans).
func jsonLine(ordered pairs: [(String, Any)]) -> String {
    func fragment(_ v: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }
    return "{" + pairs.map { fragment($0.0) + ":" + fragment($0.1) }.joined(separator: ",") + "}"
}

/// A number option (gas, block number, timestamp, instruction count) given in decimal or as 0x
/// hex, as cast and geth's tools take them.
struct Quantity: ExpressibleByArgument, ExpressibleByIntegerLiteral, CustomStringConvertible, Equatable, Sendable {
    var value: UInt64
    init(_ value: UInt64) { self.value = value }
    init(integerLiteral value: UInt64) { self.value = value }
    init?(argument: String) {
        if argument.hasPrefix("0x") || argument.hasPrefix("0X") {
            let digits = argument.dropFirst(2)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                let v = UInt64(digits, radix: 16)
            else { return nil }
            value = v
        } else {
            guard !argument.isEmpty, argument.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt64(argument) else {
                return nil
            }
            value = v
        }
    }
    var description: String { String(value) }
}

/// A failure while doing the work (unreadable file, invalid code, rejected transaction):
/// printed as "Error: ..." without the usage text that a `ValidationError` (a malformed
/// command line) gets, exit status 1.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// For deploy / call / run, whose exit statuses 1-4 describe the transaction: prints
/// "Error: message" and returns exit status 5 (a file or the state database could not be
/// used: nothing was sent, or nothing of the transaction was kept). Output lost after a
/// command ran is 74 (`exitUnlessOutputLost`).
func environmentFailure(_ message: String) -> ExitCode {
    reportError(message)
    return ExitCode(5)
}

/// "Error: MESSAGE" on stderr after what was printed before (both may go to one pipe), the
/// message's control characters escaped and its lines capped (`EEKitCommand.printable`).
func reportError(_ message: String) {
    fflush(nil)
    writeToStandardError(Data("Error: \(EEKitCommand.printable(message))\n".utf8))
}

/// Reads a file into bytes, with a clear error (`readRegularFile`: regular files only, at most
/// `limit` bytes).
func readFile(_ path: String, limit: Int = 1 << 30, what: String = "this command") throws -> [UInt8] {
    do { return try readRegularFile(path, limit: limit, what: what) } catch { throw RuntimeError(error.message) }
}

/// `--fork NAME`: the names the Ethereum fixtures use, in any letter case.
extension Fork: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }

    public static var allValueStrings: [String] { Fork.allCases.map(\.description) }
}
