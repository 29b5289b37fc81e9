import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// The contract commands where a mutation round of ContractCommands.swift found the suite
/// silent (docs/REVIEWS.md): option conflicts that must be refused, the text and `--json`
/// receipt lines README lists (no output line for a deployment, the refund, topics, the
/// error object of a rejected transaction), `deploy --value`, `run --deploy-value` against
/// `--value`, `run --hook`, and `account`'s EE and code hash of code-less accounts. Expected
/// values are worked out by hand from hand-built EVM code.
@Suite struct ContractCLIMutationRoundTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String) {
        try TestFiles.run(try TestFiles.eekit(), arguments)
    }

    /// `--constructor-arg` belongs to `--constructor-sig`, and `--data` / `--data-file` exclude
    /// `--sig`: each alone would be dropped silently, so eekit refuses them (exit 64).
    @Test func conflictingOrOrphanedDataOptionsAreRefused() throws {
        let dir = try TestFiles.scratchFolder("mut-conflicts")
        defer { TestFiles.remove(dir) }
        let file = try ContractCLITextTests.hexFile(dir, "stop.hex", ContractCLITextTests.deploying([0x00]))
        for command in ["deploy", "run"] {
            let r = try Self.run([command, file, "--ee", "evm", "--constructor-arg", "5"])
            #expect(r.status == 64 && r.out.contains("--constructor-arg needs --constructor-sig"), "\(command): \(r.out)")
        }
        let to = "0x00000000000000000000000000000000000000bb"
        let both = try Self.run(["call", to, "--data", "00", "--sig", "f()"])
        #expect(both.status == 64 && both.out.contains("give either --data or --sig, not both"), "\(both.out)")
        let data = try ContractCLITextTests.hexFile(dir, "data.hex", [0x00])
        let fileAndSig = try Self.run(["call", to, "--data-file", data, "--sig", "f()"])
        #expect(fileAndSig.status == 64 && fileAndSig.out.contains("give only one of --data, --data-file and --sig"), "\(fileAndSig.out)")
    }

    /// A receipt as README shows it: a successful deployment prints its address and no output
    /// line (the output is the deployed code), a refund is noted after the gas used and is
    /// `refund` in `--json`. The runtime SSTOREs 1 then 0 into slot 0 (Cancun): 21000 + 3 + 2 +
    /// 22100 (cold, 0 to 1) + 2 + 2 + 100 = 43209 gas before the refund, and the 19900 refunded
    /// for restoring the slot is capped at a fifth (EIP-3529): 8641, so 34568 is used.
    @Test func deploymentsPrintNoOutputAndRefundsAreShown() throws {
        let dir = try TestFiles.scratchFolder("mut-refund")
        defer { TestFiles.remove(dir) }
        let file = try ContractCLITextTests.hexFile(dir, "refund.hex", ContractCLITextTests.deploying([0x60, 0x01, 0x5f, 0x55, 0x5f, 0x5f, 0x55, 0x00]))
        let text = try Self.run(["run", file, "--ee", "evm", "--data", ""])
        #expect(text.status == 0 && text.out.contains("\n== call\nstatus: success\ngas used: 34568 (after a refund of 8641)\noutput: 0x\n"), "\(text.out)")
        let deployPart = try #require(text.out.components(separatedBy: "== call").first)
        #expect(deployPart.contains("\naddress: 0x") && !deployPart.contains("output:"), "\(text.out)")
        let json = try Self.run(["run", file, "--ee", "evm", "--data", "", "--json"])
        let lines = json.out.split(separator: "\n")
        #expect(json.status == 0 && lines.count == 2, "\(json.out)")
        #expect(lines.last?.contains("\"gasUsed\":34568") == true && lines.last?.contains("\"refund\":8641") == true, "\(json.out)")
        #expect(lines.first?.contains("\"refund\":0") == true, "\(json.out)")
    }

    /// Each log prints its topics as `  topic: 0x…` lines (README), decoded or not: the token's
    /// mint is Transfer(0, sender, supply).
    @Test func logsPrintTheirTopics() throws {
        let token = try Fixtures.built.get().dir.appendingPathComponent("token.elf").path
        let r = try Self.run(["deploy", token, "--ee", "riscv", "--constructor-sig", "constructor(uint256)", "--constructor-arg", "1000"])
        let transfer = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
        let topics = "  topic: \(transfer)\n  topic: 0x" + String(repeating: "0", count: 64)
            + "\n  topic: 0x" + String(repeating: "0", count: 61) + "e0a\n  data: 0x" + Hex.encode(ABI.word(1000)) + "\n"
        #expect(r.status == 0 && r.out.contains(topics), "\(r.out)")
    }

    /// A transaction the chain rejects exits 3 and, with `--json`, prints an `error` object on
    /// stdout (README), so that a script reading JSON lines sees why.
    @Test func rejectedTransactionsPrintAJSONError() throws {
        let r = try TestFiles.runSeparately(try TestFiles.eekit(), ["call", "0x00000000000000000000000000000000000000bb", "--gas", "100", "--json"])
        #expect(r.status == 3, "\(r.out)\(r.err)")
        #expect(r.out == "{\"error\":\"transaction rejected: INTRINSIC_GAS_TOO_LOW (needs 21000 gas, the limit is 100)\"}\n", "\(r.out)")
    }

    /// `deploy --value` endows the new contract; `run --deploy-value` goes to the constructor
    /// and `--value` to the call. The runtime returns CALLVALUE and SELFBALANCE.
    @Test func deployAndCallValuesGoWhereTheySay() throws {
        let dir = try TestFiles.scratchFolder("mut-values")
        defer { TestFiles.remove(dir) }
        let runtime: Bytes = [0x34, 0x5f, 0x52, 0x47, 0x60, 0x20, 0x52, 0x60, 0x40, 0x5f, 0xf3]
        let file = try ContractCLITextTests.hexFile(dir, "values.hex", ContractCLITextTests.deploying(runtime))
        let r = try Self.run(["run", file, "--ee", "evm", "--deploy-value", "3", "--value", "5", "--sig", "f()(uint256,uint256)"])
        #expect(r.status == 0 && r.out.contains("returns uint256: 5\nreturns uint256: 8\n"), "\(r.out)")
        let db = dir.appendingPathComponent("state.db").path
        let d = try Self.run(["deploy", file, "--ee", "evm", "--value", "1gwei", "--state", db])
        let address = try ContractCLITextTests.deployedAddress(d.out)
        let a = try Self.run(["account", address, "--state", db])
        #expect(d.status == 0 && a.out.contains("\nbalance: 1000000000\n"), "\(d.out)\n\(a.out)")
    }

    /// `run --hook` installs the host function: the EVM runtime forwards its call data to
    /// 0x10001 (README's plugin_add_widths) and returns the answer, 1 + 2 + 3 + 4.
    @Test func runInstallsHooks() throws {
        let lib = try #require(TestFiles.examplePlugin, "clang could not build Contracts/plugins/example_plugin.c")
        let dir = try TestFiles.scratchFolder("mut-runhook")
        defer { TestFiles.remove(dir) }
        // CALLDATACOPY(0, 0, CALLDATASIZE); CALL(GAS, 0x10001, 0, 0, CALLDATASIZE, 0, 32); POP; RETURN(0, 32)
        let runtime = Hex.decode("365f5f3760205f365f5f620100015af15060205ff3")!
        let file = try ContractCLITextTests.hexFile(dir, "caller.hex", ContractCLITextTests.deploying(runtime))
        let data = [1, 2, 3, 4].map { Hex.encode(ABI.word($0)) }.joined()
        let r = try Self.run(["run", file, "--ee", "evm", "--data", data, "--hook", "\(lib):plugin_add_widths@0x10001:(u8,u16,u32,u64)->u64"])
        #expect(r.status == 0 && r.out.hasSuffix("\noutput: 0x" + Hex.encode(ABI.word(10)) + "\n"), "\(r.out)")
    }

    /// `account` of accounts without code: a deployed contract whose init code returned nothing
    /// has EE none (its nonce is 1, so its code hash is keccak256 of no code); an empty account
    /// that exists (a pre-EIP-158 fork keeps one a call touched) has code hash 0, as EXTCODEHASH
    /// answers for an empty account (EIP-1052, EIP-161).
    @Test func codelessAccountsEEAndCodeHash() throws {
        let dir = try TestFiles.scratchFolder("mut-codeless")
        defer { TestFiles.remove(dir) }
        let db = dir.appendingPathComponent("state.db").path
        let file = try ContractCLITextTests.hexFile(dir, "nothing.hex", [0x00])
        let d = try Self.run(["deploy", file, "--ee", "evm", "--state", db])
        let address = try ContractCLITextTests.deployedAddress(d.out)
        let a = try Self.run(["account", address, "--state", db])
        #expect(a.status == 0 && a.out.contains("\nnonce: 1\nee: none\ncode size: 0\ncode hash: \(Keccak.empty.hex)\n"), "\(a.out)")
        let touched = "0x00000000000000000000000000000000000000bb"
        #expect(try Self.run(["call", touched, "--fork", "Homestead", "--state", db]).status == 0)
        let e = try Self.run(["account", touched, "--state", db])
        #expect(e.status == 0 && e.out.hasPrefix("address: \(touched)\nbalance: 0\nnonce: 0\n"), "\(e.out)")
        #expect(e.out.contains("\ncode hash: 0x" + String(repeating: "0", count: 64) + "\n"), "\(e.out)")
        // A row that names the EVM for an account without code (a database another program
        // wrote) still prints no EE: there is no code for one to run.
        try ContractCLITests.execute("UPDATE account SET kind = \(EEKind.evm.rawValue) WHERE address = X'\(touched.dropFirst(2))'", in: db)
        let kinded = try Self.run(["account", touched, "--state", db])
        #expect(kinded.status == 0 && kinded.out.contains("\nee: none\ncode size: 0\n"), "\(kinded.out)")
    }
}
