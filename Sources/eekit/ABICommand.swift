import ArgumentParser
import EEKit
import Foundation

/// Solidity ABI encoding and decoding on the command line, as cast calldata / abi-encode /
/// abi-decode do it: the same encoder `eekit call --sig` uses.
struct ABICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abi",
        abstract: "Encode call data from a signature and arguments, or decode ABI-encoded data.",
        subcommands: [Encode.self, Decode.self, Selector.self, Topic.self])

    /// `body`'s result, with an encoder failure as a command-line error (exit 64), its message
    /// after `option`'s name when one is given.
    static func validating<T>(_ option: String? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as ABIEncoder.Failure {
            throw ValidationError(option.map { "\($0): \(e.message)" } ?? e.message)
        }
    }

    /// `--c`: a hash as a C initializer, for contracts written with the SDK.
    static func cBytes(_ b: [UInt8]) -> String {
        "{" + b.map { String(format: "0x%02x", $0) }.joined(separator: ", ") + "}"
    }

    struct Selector: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a function's 4-byte selector (as cast sig), from its signature in any spelling.",
            discussion: """
                Example: eekit abi selector 'function transfer(address to, uint256 amount)' prints 0xa9059cbb; --c prints 0xa9059cbbu, as a native contract compares abi_selector() with it.
                """)

        @Argument(help: "Function signature, e.g. 'transfer(address,uint256)'.")
        var signature: String

        @Flag(name: .customLong("c"), help: "Print it as a C constant (0x...u).")
        var c = false

        func run() throws {
            let canonical = try ABICommand.validating { try ABIEncoder.callParts(signature).canonical }
            let hex = Hex.encode(ABIEncoder.selector(canonical))
            print(c ? "0x\(hex)u" : "0x\(hex)")
        }
    }

    struct Topic: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an event's first topic (as cast sig-event), from its signature as Solidity declares it.",
            discussion: """
                Example: eekit abi topic 'Transfer(address indexed from, address indexed to, uint256 value)' prints 0xddf252ad...; --c prints it as an eek_word initializer ({{0xdd, 0xf2, ...}}).
                """)

        @Argument(help: "Event signature, e.g. 'Transfer(address indexed,address indexed,uint256)'.")
        var signature: String

        @Flag(name: .customLong("c"), help: "Print it as a C initializer of an eek_word.")
        var c = false

        func run() throws {
            let topic = try ABICommand.validating { try ABIEncoder.eventTopic(signature) }
            print(c ? "{\(ABICommand.cBytes(Array(topic.bytes)))}" : topic.hex)
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the call data of a signature and its arguments (as cast calldata).",
            discussion: """
                Types: uintN, intN, address, bool, bytesN, bytes, string, arrays (T[], T[k]) and \
                tuples ((T1,T2)), nested; Solidity's spelling works too ('function transfer(address \
                to, uint256 amount)'). Arrays are written [v1,v2], tuples (v1,v2); a string may be \
                quoted, "..." or '...', and inside them must be to hold a comma, bracket or quote. \
                Example:
                  eekit abi encode 'f(uint256[],(bool,string))' '[1,2]' '(true,"hi")'
                """)

        @Argument(help: "Function signature, e.g. 'transfer(address,uint256)'.")
        var signature: String

        @Argument(help: "Its arguments (put negative integers after --).")
        var arguments: [String] = []

        @Flag(name: .customLong("no-selector"), help: "Leave out the 4-byte selector: the arguments alone (as cast abi-encode; constructor arguments).")
        var noSelector = false

        func run() throws {
            let data = try ABICommand.validating { try ABIEncoder.encodeCall(signature: signature, arguments: arguments) }
            print("0x" + Hex.encode(Array(data.dropFirst(noSelector ? 4 : 0))))
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode ABI-encoded data (as cast abi-decode): one value per line.",
            discussion: """
                TYPES is a list in parentheses, '(uint256,string[])', or a signature with output \
                types, 'balanceOf(address)(uint256)', whose outputs are decoded. With --input the \
                data is call data: its selector is checked against the signature and its \
                arguments are decoded.
                """)

        @Argument(help: "The types: '(type,...)' or 'name(type,...)(type,...)'.")
        var types: String

        @Argument(help: "The data (hex, 0x optional).")
        var data: String

        @Flag(help: "Decode call data (selector and the signature's arguments) instead of output.")
        var input = false

        func run() throws {
            guard let bytes = Hex.decode(data) else { throw ValidationError("data is not hex (\(Hex.problem(data)))") }
            guard types.contains("(") else {
                throw ValidationError("give the types in parentheses, '(\(types))', or a signature with output types")
            }
            do {
                let list: [String]
                var payload = bytes
                if input {
                    let (_, inputs, canonical) = try ABIEncoder.callParts(types)
                    let selector = ABIEncoder.selector(canonical)
                    guard bytes.count >= 4, Array(bytes[0..<4]) == selector else {
                        throw dataFailure("the data does not start with the selector 0x\(Hex.encode(selector)) of \(canonical)")
                    }
                    list = inputs
                    payload = Array(bytes[4...])
                } else {
                    // Output types when the signature has them ('f()(uint256)', '()(uint256)');
                    // a bare list '(uint256,bool)' is the types themselves.
                    let (call, outputs) = try ABIEncoder.splitSignature(types)
                    if let outputs {
                        list = outputs
                    } else if call.hasPrefix("(") {
                        list = try ABIEncoder.callParts(types).types
                    } else {
                        throw ValidationError("give the output types after the signature, e.g. 'balanceOf(address)(uint256)', or a list '(uint256,bool)'")
                    }
                }
                do {
                    for v in try ABIEncoder.decode(list, payload) { print(v) }
                } catch let e as ABIEncoder.Failure {
                    throw dataFailure(e.message)
                }
            } catch let e as ABIEncoder.Failure {
                throw ValidationError(e.message)
            }
        }
    }
}

/// The types were fine, the data is not what they describe: exit 1 with the reason (as a
/// failed call's output), not a usage error.
private func dataFailure(_ message: String) -> ExitCode {
    reportError(message)
    return ExitCode(1)
}
