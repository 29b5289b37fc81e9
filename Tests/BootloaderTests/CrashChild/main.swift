// Child process for the SIGKILL durability test (BootloaderTests/SQLiteCrashTests.swift).
//
// Usage: StateCrashChild DBPATH
// Writes batches of account and storage changes to a fresh SQLite state store, forever.
// Before committing batch k it prints "k ROOT" (the state root the store must have once
// the commit counter reads k) and flushes, so the parent can kill it at any moment and
// check that the reopened store matches the last committed batch exactly.
import EEKit
import Foundation

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: StateCrashChild DBPATH\n".utf8))
    exit(2)
}
do {
    let store = try SQLiteStore(path: CommandLine.arguments[1])
    let world = WorldState(store: store)
    var k = try store.commitCount()
    var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    while true {
        k += 1
        for _ in 0..<40 {
            let a = Address(low: next() % 500 + 1)
            world.modify(a) { $0.balance = U256(next() % 1_000_000); $0.nonce += 1 }
            for _ in 0..<10 {
                let v = next() % 4 == 0 ? U256.zero : U256(next())
                world.setStorage(a, U256(next() % 64), v)
            }
            if next() % 16 == 0 { world.setCode(a, (0..<(next() % 64 + 1)).map { _ in UInt8(truncatingIfNeeded: next()) }, kind: .evm) }
            if next() % 32 == 0 { world.setAccount(a, nil) }
        }
        world.finishTransaction()
        let root = try world.stateRoot()
        FileHandle.standardOutput.write(Data("\(k) \(root.hex)\n".utf8))
        try world.commit()
    }
} catch {
    FileHandle.standardError.write(Data("StateCrashChild: \(error)\n".utf8))
    exit(1)
}
