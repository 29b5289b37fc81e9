import Foundation
import ArgumentParser
import EEKit

/// `eekit bootbench`: bootloader overhead and transaction throughput (release builds).
/// Benchmarks/bootloader/bench.py runs it next to the same workloads on pyrevm.
struct BootBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootbench",
        abstract: "Measure per-call overhead and token-transfer throughput of the bootloader.")

    @Option(help: "Token transfers per measurement.")
    var transfers = 5000

    @Option(help: "Calls in the empty-call loop.")
    var calls = 20000

    @Option(help: "Transactions per SQLite commit (a block).")
    var block = 100

    @Flag(help: "Print JSON (for bench.py).")
    var json = false

    /// Each measurement divides by its count (a review: --block 0 stopped the process, SIGILL).
    func validate() throws {
        for (name, v) in [("--transfers", transfers), ("--calls", calls), ("--block", block)] where v < 1 {
            throw ValidationError("\(name) must be at least 1, got \(v)")
        }
    }

    func run() throws {
        let (transfers, calls, block) = (self.transfers, self.calls, self.block)
        let data = try LargeStack.run { () -> Result<Data, EEError> in
            do throws(EEError) {
                let r = try BootBench(transfers: transfers, calls: calls, block: block).runAll()
                guard let d = try? JSONSerialization.data(withJSONObject: r, options: [.sortedKeys]) else {
                    return .failure(.internalError("cannot encode results"))
                }
                return .success(d)
            } catch { return .failure(error) }
        }.get()
        guard let r = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        if json {
            let data = try JSONSerialization.data(withJSONObject: r, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for k in r.keys.sorted() where !k.hasPrefix("code_") { print("\(k): \(r[k] ?? "")") }
        }
    }
}

/// The workloads; their bytecode is printed in the JSON so pyrevm runs the very same code.
struct BootBench: @unchecked Sendable {
    let transfers: Int
    let calls: Int
    let block: Int

    static let sender = Address(low: 0x1000)
    static let empty = Address(low: 0x2000)
    static let looper = Address(low: 0x3000)
    static let chain = Address(low: 0x4000)
    static let token = Address(low: 0x5000)

    /// STOP.
    static let emptyCode: Bytes = [0x00]
    /// Calls `empty` calldataload(0) times: loop { CALL(gas, empty, 0, 0, 0, 0, 0) }.
    static var loopCode: Bytes {
        var c: Bytes = [0x60, 0x00, 0x35]  // n
        let loop = c.count
        c += [0x5b, 0x80, 0x15, 0x60, 0x00, 0x57]  // JUMPDEST DUP1 ISZERO PUSH1 end JUMPI
        let endFix = c.count - 2
        c += [0x60, 0x00, 0x80, 0x80, 0x80, 0x80, 0x73] + empty.bytes + [0x5a, 0xf1, 0x50]
        c += [0x60, 0x01, 0x90, 0x03, 0x60, UInt8(loop), 0x56]
        c[endFix] = UInt8(c.count)
        c += [0x5b, 0x00]
        return c
    }
    /// Calls itself with calldataload(0) - 1 until it reaches 0.
    static var chainCode: Bytes {
        var c: Bytes = [0x60, 0x00, 0x35, 0x80, 0x15, 0x60, 0x00, 0x57]
        let endFix = c.count - 2
        c += [0x60, 0x01, 0x90, 0x03, 0x60, 0x00, 0x52]  // mem[0] = d - 1
        c += [0x60, 0x00, 0x60, 0x00, 0x60, 0x20, 0x60, 0x00, 0x60, 0x00, 0x30, 0x5a, 0xf1, 0x50, 0x00]
        c[endFix] = UInt8(c.count)
        c += [0x5b, 0x00]
        return c
    }
    /// transfer(to = calldata[0:32], amount = calldata[32:64]) over balances in storage slots
    /// keyed by address, with a Transfer log; reverts on insufficient balance.
    static var tokenCode: Bytes {
        var c: Bytes = [0x60, 0x20, 0x35, 0x33, 0x54, 0x81, 0x81, 0x10, 0x60, 0x00, 0x57]
        let revFix = c.count - 2
        c += [0x81, 0x90, 0x03, 0x33, 0x55]  // sstore(caller, bal - amount)
        c += [0x60, 0x00, 0x35, 0x80, 0x54, 0x82, 0x01, 0x90, 0x55]  // sstore(to, balTo + amount)
        c += [0x60, 0x00, 0x52]  // mstore(0, amount)
        c += [0x60, 0x00, 0x35, 0x33, 0x7f] + Keccak.hash(Array("Transfer(address,address,uint256)".utf8)).bytes
        c += [0x60, 0x20, 0x60, 0x00, 0xa3, 0x00]
        c[revFix] = UInt8(c.count)
        c += [0x5b, 0x60, 0x00, 0x80, 0xfd]
        return c
    }

    func makeBoot(store: any StateStore) -> (Bootloader, WorldState) {
        let world = WorldState(store: store)
        var b = BlockContext()
        b.gasLimit = 1 << 40
        b.coinbase = Address(low: 0xc0)
        let boot = Bootloader(world: world, registry: .standard, hooks: Precompiles.cancun(), block: b)
        return (boot, world)
    }

    func genesis(_ world: WorldState) {
        world.setAccount(BootBench.sender, Account(balance: U256(1) &* U256(1 << 62)))
        world.setAccount(BootBench.empty, Account(nonce: 1, kind: .evm, code: BootBench.emptyCode))
        world.setAccount(BootBench.looper, Account(nonce: 1, kind: .evm, code: BootBench.loopCode))
        world.setAccount(BootBench.chain, Account(nonce: 1, kind: .evm, code: BootBench.chainCode))
        world.setAccount(BootBench.token, Account(nonce: 1, kind: .evm, code: BootBench.tokenCode))
        world.setStorage(BootBench.token, BootBench.sender.word, U256(1 << 60))
        world.finishTransaction()
    }

    func tx(_ world: WorldState, to: Address, data: Bytes, gas: UInt64) -> Transaction {
        Transaction(sender: BootBench.sender, nonce: U256(world.nonce(BootBench.sender)), gasLimit: U256(gas), to: to, data: data)
    }

    static func word(_ v: UInt64) -> Bytes { U256(v).bigEndianBytes }

    /// Process CPU time of `body` in seconds (the machine may be shared; see `wallTime` for the
    /// SQLite figures, where waiting for the disk counts).
    func time(_ body: () throws(EEError) -> Void) throws(EEError) -> Double {
        let t0 = EVMCommand.processCPUTime()
        try body()
        return EVMCommand.processCPUTime() - t0
    }

    func wallTime(_ body: () throws(EEError) -> Void) throws(EEError) -> (cpu: Double, wall: Double) {
        let w0 = DispatchTime.now().uptimeNanoseconds
        let cpu = try time(body)
        return (cpu, Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9)
    }

    func runAll() throws(EEError) -> [String: Any] {
        var out: [String: Any] = [
            "code_empty": Hex.encode(BootBench.emptyCode), "code_loop": Hex.encode(BootBench.loopCode),
            "code_chain": Hex.encode(BootBench.chainCode), "code_token": Hex.encode(BootBench.tokenCode),
            "transfers": transfers, "calls": calls, "block": block,
        ]
        let (boot, world) = makeBoot(store: MemoryStore())
        genesis(world)
        func check(_ r: Result<Receipt, TransactionError>) throws(EEError) {
            switch r {
            case .success(let rc) where rc.status == .success: return
            case .success(let rc): throw .internalError("benchmark transaction ended with \(rc.status)")
            case .failure(let e): throw .internalError("benchmark transaction invalid: \(e)")
            }
        }
        // Per-call overhead: a loop of `calls` CALLs minus the same loop with 0 calls.
        let tLoop = try time { () throws(EEError) in
            try check(boot.execute(tx(world, to: BootBench.looper, data: BootBench.word(UInt64(calls)), gas: 1 << 36)))
        }
        let tBase = try time { () throws(EEError) in
            for _ in 0..<100 { try check(boot.execute(tx(world, to: BootBench.looper, data: BootBench.word(0), gas: 1 << 30))) }
        } / 100
        out["empty_call_ns"] = (tLoop - tBase) / Double(calls) * 1e9
        // 1000-deep chain, after one untimed chain (as bench.py's pyrevm side does): the first
        // also allocates the depth-pooled frame buffers, which every later chain reuses.
        try check(boot.execute(tx(world, to: BootBench.chain, data: BootBench.word(1000), gas: 1 << 36)))
        let reps = 20
        let tChain = try time { () throws(EEError) in
            for _ in 0..<reps { try check(boot.execute(tx(world, to: BootBench.chain, data: BootBench.word(1000), gas: 1 << 36))) }
        } / Double(reps)
        out["chain1000_ms"] = tChain * 1e3
        out["chain1000_per_frame_ns"] = tChain / 1000 * 1e9
        // Token transfers in memory.
        let tMem = try time { () throws(EEError) in
            for i in 0..<transfers {
                let to = Address(low: 0x10_0000 + UInt64(i % 1000))
                try check(boot.execute(tx(world, to: BootBench.token, data: to.word.bigEndianBytes + BootBench.word(1), gas: 100_000)))
            }
        }
        out["token_memory_tps"] = Double(transfers) / tMem
        // Token transfers on SQLite: one commit per block of `block` transactions, and per tx.
        for (label, perCommit) in [("token_sqlite_block_tps", block), ("token_sqlite_tx_tps", 1)] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("eekit-bench-\(getpid()).sqlite").path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            let store = try SQLiteStore(path: path)
            let (sb, sw) = makeBoot(store: store)
            genesis(sw)
            try sw.commit()
            let n = perCommit == 1 ? min(transfers, 2000) : transfers
            let t = try wallTime { () throws(EEError) in
                for i in 0..<n {
                    let to = Address(low: 0x10_0000 + UInt64(i % 1000))
                    try check(sb.execute(tx(sw, to: BootBench.token, data: to.word.bigEndianBytes + BootBench.word(1), gas: 100_000)))
                    if (i + 1) % perCommit == 0 { try sw.commit() }
                }
                try sw.commit()
            }
            out[label] = Double(n) / t.cpu
            out[label + "_wall"] = Double(n) / t.wall
        }
        return out
    }
}
