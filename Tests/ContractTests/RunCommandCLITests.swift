import EEKitTestSupport
import Foundation
import Testing

/// `eekit run FILE --ee evm`: deploy and call on an in-memory state, with `--deploy-gas` (the
/// deployment's own gas limit, default `--gas`) and `--deploy-value` (the constructor's value)
/// kept apart from the call's `--gas` and `--value`.
@Suite struct RunCommandCLITests {
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String) {
        try TestFiles.run(try TestFiles.eekit(), arguments)
    }

    /// Runtime code: SELFBALANCE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN (the contract's balance
    /// as one word).
    static let runtime = "4760005260206000f3"

    /// Init code that returns `runtime`: PUSH9 <runtime> PUSH1 0 MSTORE (right-aligned in the
    /// first word), RETURN(32 - 9 = 23, 9); with `store`, first PUSH1 1 PUSH1 0 SSTORE, a
    /// 22,100-gas cold write to a fresh slot (EIP-2929 + EIP-2200).
    static func initCode(store: Bool) -> String {
        (store ? "6001600055" : "") + "68" + runtime + "600052" + "6009" + "6017" + "f3"
    }

    static func write(_ hex: String, _ name: String, in dir: URL) throws -> String {
        let file = dir.appendingPathComponent(name)
        try Data(hex.utf8).write(to: file)
        return file.path
    }

    /// Number options take decimal or 0x hex (as cast does): `--gas`, `--deploy-gas`, the block
    /// options, `evm run --gas` and `rv run --max-instructions`; anything else is a usage error.
    @Test func numberOptionsTakeDecimalOrHex() throws {
        let dir = try TestFiles.scratchFolder("run-hex-numbers")
        defer { TestFiles.remove(dir) }
        // Runtime NUMBER PUSH0 MSTORE TIMESTAMP PUSH1 32 MSTORE GASLIMIT PUSH1 64 MSTORE
        // RETURN(0, 96), behind CODECOPY init code.
        let runtime = "435f52426020524560405260605ff3"
        let file = try Self.write("600f600a5f39600f5ff3" + runtime, "env.hex", in: dir)
        let word = { (v: String) in String(repeating: "0", count: 64 - v.count) + v }
        let hex = try Self.run(["run", file, "--ee", "evm", "--gas", "0x30d40", "--deploy-gas", "0X30D40",
                                "--block-number", "0x10", "--timestamp", "0x65", "--block-gas-limit", "0x1c9c380"])
        #expect(hex.status == 0 && hex.out.hasSuffix("output: 0x" + word("10") + word("65") + word("1c9c380") + "\n"), "\(hex.out)")
        let dec = try Self.run(["run", file, "--ee", "evm", "--gas", "200000", "--block-number", "16", "--timestamp", "101",
                                "--block-gas-limit", "30000000"])
        #expect(dec.status == 0 && dec.out.hasSuffix(String(hex.out.split(separator: "\n").last!) + "\n"), "\(dec.out)")
        for bad in ["0x", "0xzz", "0x1ffffffffffffffff", "1_000", "-1", "+5", "1e6", " 5", "0x-1"] {
            let r = try Self.run(["run", file, "--ee", "evm", "--gas=" + bad])
            #expect(r.status == 64 && r.out.contains("is invalid for '--gas <gas>'"), "--gas \(bad): \(r.out)")
        }
        let evm = try Self.run(["evm", "run", "--code", "5a5f5260205ff3", "--gas", "0x64"])  // GAS: 100 - 2
        #expect(evm.status == 0 && evm.out.contains("output: 0x" + word("62")), "\(evm.out)")
    }

    /// `run --blob-hash` / `--authorize` send the call (not the deployment) as a blob or a
    /// set-code transaction, as `call` does (they were `call`'s only).
    @Test func runSendsBlobAndSetCodeCalls() throws {
        let dir = try TestFiles.scratchFolder("run-tx-types")
        defer { TestFiles.remove(dir) }
        // Runtime PUSH0 BLOBHASH PUSH0 MSTORE RETURN(0, 32), behind CODECOPY init code.
        let blobhash = try Self.write("6008600a5f3960085ff3" + "5f495f5260205ff3", "bh.hex", in: dir)
        let hash = "0x01" + String(repeating: "0", count: 61) + "5"
        let b = try Self.run(["run", blobhash, "--ee", "evm", "--blob-hash", hash])
        #expect(b.status == 0 && b.out.hasSuffix("output: \(hash)\n"), "\(b.out)")
        #expect(try Self.run(["run", blobhash, "--ee", "evm", "--blob-hash", hash, "--fork", "Shanghai"]).status == 64)
        // Hashes the chain refuses (version 2; seven blobs in Osaka, EIP-7594's six per
        // transaction) are refused as `call` refuses them (exit 3), before the deployment (it
        // used to deploy and then fail the call).
        let v2 = try Self.run(["run", blobhash, "--ee", "evm", "--blob-hash", "0x02" + String(repeating: "0", count: 62)])
        #expect(v2.status == 3 && v2.out.contains("TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH") && !v2.out.contains("== deploy"), "\(v2.out)")
        let seven = Array(repeating: ["--blob-hash", hash], count: 7).flatMap { $0 }
        let many = try Self.run(["run", blobhash, "--ee", "evm", "--fork", "Osaka"] + seven)
        #expect(many.status == 3 && many.out.contains("TYPE_3_TX_BLOB_COUNT_EXCEEDED") && !many.out.contains("== deploy"), "\(many.out)")
        let six = try Self.run(["run", blobhash, "--ee", "evm", "--fork", "Osaka"] + Array(seven.dropLast(2)))
        #expect(six.status == 0 && six.out.hasSuffix("output: \(hash)\n"), "\(six.out)")
        // Runtime EXTCODESIZE(the address of secret key 1) as a word: 23, a delegation
        // designator, once the call's authorization took effect; 0 without it.
        let ext = try Self.write(
            "601c600a5f39601c5ff3" + "737e5f4552091a69125d5dfcb7b8c2659029395bdf3b5f5260205ff3", "ext.hex", in: dir)
        let key = "0x" + String(repeating: "0", count: 63) + "1"
        let a = try Self.run(["run", ext, "--ee", "evm", "--fork", "Prague", "--authorize", key + ":0x00000000000000000000000000000000000000aa"])
        #expect(a.status == 0 && a.out.hasSuffix("output: 0x" + String(repeating: "0", count: 62) + "17\n"), "\(a.out)")
        let plain = try Self.run(["run", ext, "--ee", "evm", "--fork", "Prague"])
        #expect(plain.status == 0 && plain.out.hasSuffix("output: 0x" + String(repeating: "0", count: 64) + "\n"), "\(plain.out)")
        // A bad key or an earlier fork is refused before anything is sent.
        let zero = try Self.run(["run", ext, "--ee", "evm", "--fork", "Prague", "--authorize", "0x0:0xaa"])
        #expect(zero.status == 64 && !zero.out.contains("== deploy"), "\(zero.out)")
        #expect(try Self.run(["run", ext, "--ee", "evm", "--authorize", key + ":0xaa"]).status == 64)
    }

    /// The deployment of the SSTORE constructor costs about 77,000 gas: 21,000 + 32,000 for a
    /// creation, 23 bytes of init code, 22,100 for the SSTORE, 200 per deployed byte. 60,000
    /// covers the intrinsic cost but not the constructor.
    @Test func deployGasLimitsTheDeploymentAlone() throws {
        let dir = try TestFiles.scratchFolder("run-deploy-gas")
        defer { TestFiles.remove(dir) }
        let file = try Self.write(Self.initCode(store: true), "store.hex", in: dir)

        // --gas alone (30,000,000): deployed and called.
        let ok = try Self.run(["run", file, "--ee", "evm"])
        #expect(ok.status == 0 && ok.out.contains("== call\n"), "\(ok.out)")
        // What the deployment takes: 21,000 + 32,000 (a creation) + the init code as call data
        // (19 nonzero bytes at 16, 4 zero bytes at 4) + EIP-3860's 2 per word of init code;
        // then 4 PUSH1 and a PUSH9 at 3, the SSTORE's 22,100, MSTORE 3 + 3 for its memory word,
        // RETURN 0; and 200 for each of the 9 deployed bytes (EIP-170's deposit).
        let intrinsic = 21_000 + 32_000 + 19 * 16 + 4 * 4 + 2
        let execution = 6 * 3 + 22_100 + (3 + 3)
        #expect(Self.initCode(store: true).count == 2 * 23)
        #expect(ok.out.hasPrefix("== deploy\nstatus: success\n") && ok.out.contains("gas used: \(intrinsic + execution + 9 * 200)\n"),
                "\(ok.out)")
        // --deploy-gas 60000 starves the constructor (an out-of-gas failure, exit 2), whatever --gas.
        let starved = try Self.run(["run", file, "--ee", "evm", "--gas", "30000000", "--deploy-gas", "60000"])
        #expect(starved.status == 2, "\(starved.out)")
        #expect(starved.out.contains("status: failure") && starved.out.contains("gas used: 60000\n"), "\(starved.out)")
        #expect(!starved.out.contains("== call"), "\(starved.out)")
        // And the other way round: --gas 60000 is enough for the call (21,000 + a few), not for
        // the deployment, which --deploy-gas lets through.
        let call = try Self.run(["run", file, "--ee", "evm", "--gas", "60000", "--deploy-gas", "200000"])
        #expect(call.status == 0 && call.out.contains("== call\n"), "\(call.out)")
        let both = try Self.run(["run", file, "--ee", "evm", "--gas", "60000"])
        #expect(both.status == 2 && !both.out.contains("== call"), "\(both.out)")
    }

    /// --deploy-value is the constructor's value: the new contract's balance, which its code
    /// returns (SELFBALANCE) when called; --value adds the call's own.
    @Test func deployValueFundsTheNewContract() throws {
        let dir = try TestFiles.scratchFolder("run-deploy-value")
        defer { TestFiles.remove(dir) }
        let file = try Self.write(Self.initCode(store: false), "balance.hex", in: dir)
        func word(_ n: Int) -> String { "0x" + String(repeating: "0", count: 62) + String(format: "%02x", n) }

        let funded = try Self.run(["run", file, "--ee", "evm", "--deploy-value", "5", "--json"])
        #expect(funded.status == 0, "\(funded.out)")
        let receipts = funded.out.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(receipts.count == 2, "\(funded.out)")
        let call = try #require(
            try receipts.last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }, "\(funded.out)")
        #expect((call["output"] as? String) == word(5), "\(funded.out)")

        let text = try Self.run(["run", file, "--ee", "evm", "--deploy-value", "5", "--value", "3"])
        #expect(text.status == 0 && text.out.hasSuffix("output: \(word(8))\n"), "\(text.out)")
        let none = try Self.run(["run", file, "--ee", "evm"])
        #expect(none.status == 0 && none.out.hasSuffix("output: \(word(0))\n"), "\(none.out)")
        // Values beyond the 2^64 wei a sender used to get (about 18.4 ether): the sender is
        // funded for both transactions, values included (both were refused for funds, the
        // call after the deployment).
        let big = try Self.run(["run", file, "--ee", "evm", "--deploy-value", "100ether", "--value", "50ether"])
        // 150 ether = 0x821ab0d4414980000 wei.
        #expect(big.status == 0 && big.out.hasSuffix("output: 0x" + String(repeating: "0", count: 47) + "821ab0d4414980000\n"),
                "\(big.out)")
    }

    /// A call the chain refuses is refused before the deployment (exit 3, as `call` refuses
    /// it), so `run` leaves no deployment behind a call that could not be sent: too little gas
    /// for its call data, a saturated blob base fee.
    @Test func aRefusedCallIsFoundBeforeTheDeployment() throws {
        let dir = try TestFiles.scratchFolder("run-refused-call")
        defer { TestFiles.remove(dir) }
        let file = try Self.write(Self.initCode(store: false), "balance.hex", in: dir)
        let intrinsic = try Self.run(["run", file, "--ee", "evm", "--gas", "21000", "--deploy-gas", "200000", "--data", "0x01"])
        #expect(intrinsic.status == 3 && intrinsic.out.contains("INTRINSIC_GAS_TOO_LOW") && !intrinsic.out.contains("== deploy"),
                "\(intrinsic.out)")
        let hash = "0x01" + String(repeating: "0", count: 62)
        let fee = try Self.run(["run", file, "--ee", "evm", "--blob-hash", hash, "--blob-base-fee", "0x" + String(repeating: "f", count: 64)])
        #expect(fee.status == 3 && fee.out.contains("INSUFFICIENT_MAX_FEE_PER_BLOB_GAS") && !fee.out.contains("== deploy"), "\(fee.out)")
        #expect(intrinsic.out.contains("the call: ") && intrinsic.out.contains("nothing was deployed"), "\(intrinsic.out)")
        // A deployment the chain refuses is reported as the deployment's refusal, as before.
        let deploy = try Self.run(["run", file, "--ee", "evm", "--gas", "1000"])
        #expect(deploy.status == 3 && deploy.out.contains("== deploy") && deploy.out.contains("INTRINSIC_GAS_TOO_LOW (needs 53")
                    && !deploy.out.contains("the call"), "\(deploy.out)")
        let json = try Self.run(["run", file, "--ee", "evm", "--gas", "21000", "--deploy-gas", "200000", "--data", "0x01", "--json"])
        #expect(json.status == 3 && !json.out.contains("\"address\"") && json.out.contains("\"error\""), "\(json.out)")
        // Two values that no balance holds together (each alone could be paid): refused before
        // the deployment too (the first version deployed, then refused the call for funds).
        let half = "0x8" + String(repeating: "0", count: 63)
        let twice = try Self.run(["run", file, "--ee", "evm", "--value", half, "--deploy-value", half])
        #expect(twice.status == 3 && twice.out.contains("INSUFFICIENT_ACCOUNT_FUNDS") && !twice.out.contains("== deploy"), "\(twice.out)")
        // The same call data with gas for its intrinsic cost (21,000 + 16) and its run is sent
        // after the deployment.
        let ok = try Self.run(["run", file, "--ee", "evm", "--gas", "60000", "--deploy-gas", "200000", "--data", "0x01"])
        #expect(ok.status == 0 && ok.out.contains("== deploy") && ok.out.contains("== call"), "\(ok.out)")
    }

    /// `--trace-steps` writes one stderr line per instruction: native steps as
    /// `[riscv depth N ADDRESS gas G] ...` text, or with `--json` as JSON lines with the same
    /// pc, word and gas (so the whole stream is JSON lines, as EVM steps are EIP-3155 JSON);
    /// the receipts are the same either way and with no trace.
    @Test func traceStepsAsTextAndAsJSON() throws {
        let dir = try TestFiles.scratchFolder("trace-steps")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("counter.elf")
        try Data(try Fixtures.elf("counter.elf")).write(to: file)
        let base = ["run", file.path, "--ee", "riscv", "--sig", "increment()"]
        let text = try TestFiles.runSeparately(try TestFiles.eekit(), base + ["--trace-steps"])
        let json = try TestFiles.runSeparately(try TestFiles.eekit(), base + ["--trace-steps", "--json"])
        let plain = try TestFiles.runSeparately(try TestFiles.eekit(), base + ["--json"])
        #expect(text.status == 0 && json.status == 0 && plain.status == 0, "\(text.err)\(json.err)")
        #expect(json.out == plain.out, "receipts differ when traced")
        let textLines = text.err.split(separator: "\n").map(String.init)
        let jsonLines = json.err.split(separator: "\n").map(String.init)
        #expect(!textLines.isEmpty && textLines.count == jsonLines.count, "\(textLines.count) text, \(jsonLines.count) JSON lines")
        for (t, j) in zip(textLines, jsonLines) {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(j.utf8)) as? [String: Any], "\(j)")
            #expect(o["ee"] as? String == "riscv" && o["depth"] as? Int == 1, "\(j)")
            // [riscv depth 1 ADDRESS gas G] PC (WORD) ...: the same pc, word and gas.
            let words = t.split(separator: " ")
            let gas = try #require(UInt64(words[5].dropLast()), "\(t)")
            let pc = try #require(UInt64(words[6], radix: 16), "\(t)")
            let word = try #require(UInt64(words[7].dropFirst().dropLast(), radix: 16), "\(t)")
            #expect(words[0] == "[riscv" && o["address"] as? String == String(words[3]), "\(t)")
            #expect((o["pc"] as? NSNumber)?.uint64Value == pc && (o["op"] as? NSNumber)?.uint64Value == word, "\(t) / \(j)")
            #expect(o["gas"] as? String == "0x" + String(gas, radix: 16), "\(t) / \(j)")
        }
        // The call's last step is its exit ecall (a7 = the RETURN system call).
        #expect(jsonLines.last?.contains("\"opName\":\"ecall\"") == true, "\(jsonLines.last ?? "")")
    }
}
