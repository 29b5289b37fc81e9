import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// EIP-7702 across EEs: an externally owned account delegating its code to a native RISC-V
/// contract runs that contract in its own account (its storage, its balance), from a
/// transaction and from an EVM contract's CALL; through the library (`ContractSession.authorizing`)
/// and the command line (`eekit call --authorize KEY:ADDRESS`).
@Suite struct DelegationTests {
    static let key = Bytes32(hex: "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8")!
    static let authority = Address(hex: "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b")!

    @Test func anAccountDelegatingToANativeContractRunsItInItsOwnAccount() throws {
        let counter = try Fixtures.built.get().elf("counter.elf")
        let s = ContractSession()
        s.boot.useFork(.prague)
        s.boot.block.fork = .prague
        let c = try #require(try s.deploy(counter, kind: .riscv).createdAddress)
        let auths = try #require(s.authorizing([(Self.key, c)]))
        #expect(auths.first?.authority == Self.authority)
        let increment = Hex.decode("d09de08a")!
        let r = try s.call(Self.authority, data: increment, authorizations: auths)
        #expect(r.status == .success && r.output == U256(1).bigEndianBytes)
        #expect(s.world.storage(Self.authority, .zero) == U256(1) && s.world.storage(c, .zero).isZero)
        #expect(s.world.account(Self.authority)?.code == Delegation.designator(for: c) && s.world.nonce(Self.authority) == 1)
        // A later plain call runs it again; an EVM contract's CALL too (CALL(gas, authority,
        // 0, 0, 0, 0, 0), then return the authority's count read back through get()).
        _ = try s.call(Self.authority, data: increment)
        #expect(s.world.storage(Self.authority, .zero) == U256(2))
        let caller: Bytes = [0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x73] + Self.authority.bytes + [0x5a, 0xf1, 0x00]
        try s.install(caller, kind: .evm, at: Address(low: 0xca11))
        #expect(try s.call(Address(low: 0xca11), data: []).status == .success)
        #expect(s.world.storage(Self.authority, .zero) == U256(3))
        // The authority clears its delegation (the zero address): calls then run nothing.
        let clear = try #require(s.authorizing([(Self.key, .zero)]))
        _ = try s.call(Self.authority, data: increment, authorizations: clear)
        #expect(s.world.account(Self.authority)?.code.isEmpty == true && s.world.storage(Self.authority, .zero) == U256(3))
    }

    @Test func commandLineAuthorize() throws {
        let dir = try TestFiles.scratchFolder("delegation")
        defer { TestFiles.remove(dir) }
        let db = dir.appendingPathComponent("state.db").path
        let eekit = try TestFiles.eekit()
        let counter = try Fixtures.built.get().dir.appendingPathComponent("counter.elf").path
        let d = try TestFiles.run(eekit, ["deploy", counter, "--ee", "riscv", "--state", db, "--fork", "Prague"])
        let c = try ContractCLITextTests.deployedAddress(d.out)
        let key = Self.key.hex, who = Self.authority.hex
        let first = try TestFiles.run(eekit, ["call", who, "--authorize", "\(key):\(c)", "--fork", "Prague", "--state", db, "--sig", "add(uint256)(uint256)", "41"])
        #expect(first.status == 0 && first.out.contains("returns uint256: 41"), "\(first.out)")
        let account = try TestFiles.run(eekit, ["account", who, "--state", db, "--slot", "0"])
        #expect(account.out.contains("delegates to: \(c)") && account.out.contains("nonce: 1"), "\(account.out)")
        // Before Prague the option is refused, and the designator is no code a fork runs.
        let old = try TestFiles.run(eekit, ["call", who, "--authorize", "\(key):\(c)", "--state", db])
        #expect(old.status == 64 && old.out.contains("came with Prague"), "\(old.out)")
        let cancun = try TestFiles.run(eekit, ["call", who, "--state", db, "--sig", "get()"])
        #expect(cancun.status == 2 && cancun.out.contains("invalid opcode 0xef"), "\(cancun.out)")
        let bad = try TestFiles.run(eekit, ["call", who, "--authorize", "\(key)", "--fork", "Prague", "--state", db])
        #expect(bad.status == 64 && bad.out.contains("SECRETKEY:ADDRESS"), "\(bad.out)")
        // --trace labels the frame by the code that runs, the delegate's (it said [evm], the
        // designator's kind), with --json too.
        let traced = try TestFiles.run(eekit, ["call", who, "--fork", "Prague", "--state", db, "--sig", "get()", "--trace"])
        #expect(traced.status == 0 && traced.out.contains("-> \(who.lowercased()) [riscv]"), "\(traced.out)")
        let json = try TestFiles.run(eekit, ["call", who, "--fork", "Prague", "--state", db, "--sig", "get()", "--trace", "--json"])
        #expect(json.out.contains("\"target\":\"riscv\""), "\(json.out)")
        // The help's short zero address clears the delegation.
        let clear = try TestFiles.run(eekit, ["call", who, "--authorize", "\(key):0x0", "--fork", "Prague", "--state", db])
        #expect(clear.status == 0, "\(clear.out)")
        let cleared = try TestFiles.run(eekit, ["account", who, "--state", db])
        #expect(!cleared.out.contains("delegates to") && cleared.out.contains("nonce: 2"), "\(cleared.out)")
    }

    /// A native contract's call into a delegated account pays for the delegate as the EVM's
    /// CALL does: 2,600 more than the same call into an account holding the delegate's code
    /// itself (both targets cold, no zero byte in either address, the same storage write).
    @Test func nativeCallsPayForTheDelegate() throws {
        let built = try Fixtures.built.get()
        let s = ContractSession()
        s.boot.useFork(.prague)
        let counter = try #require(try s.deploy(built.elf("counter.elf"), kind: .riscv).createdAddress)
        let caller = try #require(try s.deploy(built.elf("caller.elf"), kind: .riscv).createdAddress)
        _ = try s.call(Self.authority, data: [], authorizations: try #require(s.authorizing([(Self.key, counter)])))
        let twin = Address(hex: "0x1111111111111111111111111111111111111111")!
        try s.install(built.elf("counter.elf"), kind: .riscv, at: twin)
        // caller.c mode 0: call the target with all gas and the payload increment().
        func via(_ target: Address) throws -> Receipt {
            try s.call(caller, data: [0] + target.bytes + Bytes(repeating: 0, count: 8) + Hex.decode("d09de08a")!)
        }
        _ = try via(twin)  // both counts at 1 first: the measured writes are 1 -> 2 on both
        let delegated = try via(Self.authority), direct = try via(twin)
        #expect(delegated.status == .success && direct.status == .success)
        #expect(s.world.storage(Self.authority, .zero) == U256(2) && s.world.storage(twin, .zero) == U256(2))
        #expect(delegated.gasUsed == direct.gasUsed + 2_600, "\(delegated.gasUsed) \(direct.gasUsed)")
    }
}
