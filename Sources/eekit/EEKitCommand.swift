import Foundation
import ArgumentParser
import EEKit

@main
struct EEKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eekit",
        abstract: "Run EVM bytecode and native RISC-V programs and contracts under one bootloader.",
        subcommands: [RVCommand.self, EVMCommand.self, StateTestCommand.self, BootBenchCommand.self,
                      DeployCommand.self, CallCommand.self, RunContractCommand.self, ContractBenchCommand.self,
                      BenchCommand.self])
}

/// Reads a file into bytes, with a clear error.
func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read \(path)")
    }
    return [UInt8](data)
}
