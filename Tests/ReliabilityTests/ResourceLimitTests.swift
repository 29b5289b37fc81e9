import EEKit
import Testing

/// `Bootloader.limits`: a frame over a cap fails with a reason naming the cap, its effects
/// are reverted, and its caller continues as after any failed call.
@Suite struct ResourceLimitTests {
    static let sender = Address(low: 0x5e5e)
    static let caller = Address(low: 0xca11)
    static let bigReturn = Address(low: 0xb0)
    static let logger = Address(low: 0x10)
    static let recurse = Address(low: 0x4ec)

    /// CALL(gas, calldata word 0, 0, 0, 0, 0, 0); slot 1 = success, slot 2 = RETURNDATASIZE,
    /// slot 3 = 1 (the caller went on); LOG0 of one byte; STOP.
    static let callerCode = hex(
        "600060006000600060006000" + "35" + "5af1" + "600155" + "3d600255" + "6001600355" + "60016000a0" + "00")
    /// RETURN(0, 100).
    static let bigReturnCode = hex("60646000f3")
    /// Three LOG0s of 10 bytes each.
    static let loggerCode = hex("600a6000a0600a6000a0600a6000a000")
    /// Calls itself with all its gas; returns the depth below it plus one (0 when its call fails).
    static let recurseCode = hex("60206000600060006000305af115601f5760005160010160005260206000f35b600060005260206000f3")

    static func hex(_ s: String) -> Bytes { Hex.decode(s) ?? [] }

    struct Chain {
        let world: WorldState
        let boot: Bootloader

        init(_ limits: ResourceLimits = ResourceLimits(), extra: [Address: Account] = [:]) {
            let T = ResourceLimitTests.self
            var accounts: [Address: Account] = [T.sender: Account(balance: U256(1_000_000_000_000))]
            accounts.merge(extra) { a, _ in a }
            for (a, c) in [(T.caller, T.callerCode), (T.bigReturn, T.bigReturnCode), (T.logger, T.loggerCode), (T.recurse, T.recurseCode)] {
                accounts[a] = Account(nonce: 1, kind: .evm, code: c)
            }
            world = WorldState(store: MemoryStore(accounts: accounts))
            var block = BlockContext()
            block.gasLimit = 1 << 40
            boot = Bootloader(world: world, registry: .standard, block: block)
            boot.limits = limits
        }

        func call(_ to: Address, _ data: Bytes = [], gas: UInt64 = 5_000_000) throws -> Receipt {
            let tx = Transaction(
                sender: ResourceLimitTests.sender, nonce: U256(world.nonce(ResourceLimitTests.sender)),
                gasLimit: U256(gas), to: to, data: data)
            return try boot.execute(tx).get()
        }

        /// The caller contract calling `target`.
        func callThrough(_ target: Address) throws -> Receipt {
            try call(ResourceLimitTests.caller, Array(repeating: 0, count: 12) + target.bytes)
        }

        func slot(_ k: UInt64) -> UInt64 { world.storage(ResourceLimitTests.caller, U256(k)).uint64 ?? .max }
    }

    @Test func callerCodeIsWhatTheTestsAssume() throws {
        // Without caps the callee's 100 bytes arrive and the caller logs once.
        let c = Chain()
        let r = try c.callThrough(Self.bigReturn)
        #expect(r.status == .success)
        #expect(c.slot(1) == 1)
        #expect(c.slot(2) == 100)
        #expect(c.slot(3) == 1)
        #expect(r.logs.count == 1)
        let r2 = try Chain().callThrough(Self.logger)
        #expect(r2.logs.count == 4)
    }

    @Test func returndataOverTheCapFailsTheCalleeOnly() throws {
        var l = ResourceLimits()
        l.maxReturnDataBytes = 64
        let c = Chain(l)
        let r = try c.callThrough(Self.bigReturn)
        #expect(r.status == .success)
        #expect(c.slot(1) == 0, "the call should have failed")
        #expect(c.slot(2) == 0, "a failed frame returns no data")
        #expect(c.slot(3) == 1, "the caller should have continued")
        #expect(r.logs.count == 1)
    }

    @Test func returndataOverTheCapAtTheTopNamesTheCap() throws {
        var l = ResourceLimits()
        l.maxReturnDataBytes = 64
        let r = try Chain(l).call(Self.bigReturn)
        guard case .failure(.limitExceeded(let why)) = r.status else {
            Issue.record("expected limitExceeded, got \(r.status)")
            return
        }
        #expect(why == "returndata of 100 bytes exceeds the cap of 64")
        #expect(r.output.isEmpty)
    }

    @Test func logCountOverTheCapFailsTheLoggerOnly() throws {
        var l = ResourceLimits()
        l.maxLogCount = 2
        let c = Chain(l)
        let r = try c.callThrough(Self.logger)
        #expect(r.status == .success)
        #expect(c.slot(1) == 0)
        #expect(c.slot(3) == 1)
        #expect(r.logs.count == 1, "the logger's logs are reverted, the caller's own log stays")
        #expect(r.logs.first?.address == Self.caller)
    }

    @Test func logBytesOverTheCapFailsTheLoggerOnly() throws {
        var l = ResourceLimits()
        l.maxLogBytes = 25
        let c = Chain(l)
        let r = try c.callThrough(Self.logger)
        #expect(c.slot(1) == 0)
        #expect(c.slot(3) == 1)
        #expect(r.logs.count == 1)
        let top = try Chain(l).call(Self.logger)
        guard case .failure(.limitExceeded(let why)) = top.status else {
            Issue.record("expected limitExceeded, got \(top.status)")
            return
        }
        #expect(why == "30 bytes of logs in the transaction exceed the cap of 25")
        #expect(top.logs.isEmpty)
    }

    /// A negative cap is refused before the transaction runs, as a bad gas schedule is (a
    /// library user's review: every transaction failed with all gas burned, "exceeds the cap
    /// of -5 bytes"), and nothing changes.
    @Test func negativeCapsAreAConfigurationError() throws {
        var l = ResourceLimits()
        l.maxReturnDataBytes = -5
        let c = Chain(l)
        let nonce = c.world.nonce(Self.sender)
        #expect(throws: EEError.invalidConfiguration("ResourceLimits.maxReturnDataBytes is -5; a cap cannot be negative")) {
            try c.call(Self.recurse, gas: 1_000_000)
        }
        #expect(c.world.nonce(Self.sender) == nonce)
        l = ResourceLimits()
        (l.maxLogCount, l.maxCallDepth) = (0, 3)  // zero is a cap
        #expect(try Chain(l).call(Self.recurse, gas: 100_000_000).status == .success)
    }

    @Test func callDepthCapIsConfigurable() throws {
        for depth in [3, 10, 1024] {
            var l = ResourceLimits()
            l.maxCallDepth = depth
            let c = Chain(l)
            #expect(c.boot.maxDepth == depth)
            let r = try c.call(Self.recurse, gas: 100_000_000_000)
            #expect(r.status == .success)
            #expect(U256(bigEndian: r.output).uint64 == UInt64(depth), "depth \(depth)")
        }
    }

    // MARK: Guest memory

    static let memHog = Address(low: 0x4e4)
    static let twiceCaller = Address(low: 0xca22)
    static let native = Address(low: 0x4ac)
    /// MLOAD at calldata word 0: memory grows to that offset + 32.
    static let memHogCode = hex("600035515000")
    /// Calls word 0 of its calldata twice with 1M gas each (a failed call uses it all), each
    /// time passing word 1 as the callee's calldata; slot 1 and slot 2 = success of each call,
    /// slot 3 = 1.
    static let twiceCallerCode = hex(
        "60206020600037"
            + "60006000602060006000600035620f4240f1600155"
            + "60006000602060006000600035620f4240f1600255"
            + "6001600355" + "00")

    func memoryChain(_ limits: ResourceLimits) -> Chain {
        Chain(limits, extra: [
            Self.memHog: Account(nonce: 1, kind: .evm, code: Self.memHogCode),
            Self.twiceCaller: Account(nonce: 1, kind: .evm, code: Self.twiceCallerCode),
            // Not a valid ELF: the frame's memory is reserved before its code is loaded.
            Self.native: Account(nonce: 1, kind: .riscv, code: [0x7f, 0x45, 0x4c, 0x46]),
        ])
    }

    static func word(_ v: UInt64) -> Bytes { U256(v).bigEndianBytes }
    static func twice(_ target: Address, _ arg: UInt64) -> Bytes {
        Array(repeating: 0, count: 12) + target.bytes + word(arg)
    }

    func limitReason(_ r: Receipt) -> String? {
        if case .failure(.limitExceeded(let why)) = r.status { return why }
        return nil
    }

    @Test func frameMemoryCapFailsTheFrameThatCrossesIt() throws {
        var l = ResourceLimits()
        l.maxFrameMemory = 64 << 10
        let c = memoryChain(l)
        #expect(try c.call(Self.memHog, Self.word(60_000)).status == .success)
        let r = try c.call(Self.memHog, Self.word(100_000))
        #expect(limitReason(r)?.hasPrefix("guest memory of the frame") == true, "\(r.status)")
        // Below a caller: the callee fails, the caller goes on.
        let t = try c.call(Self.twiceCaller, Self.twice(Self.memHog, 100_000))
        #expect(t.status == .success)
        #expect(c.world.storage(Self.twiceCaller, U256(1)) == .zero)
        #expect(c.world.storage(Self.twiceCaller, U256(3)) == U256(1))
        // A native frame reserves its whole configured memory (1 MiB by default) when it starts.
        let n = try c.call(Self.native)
        #expect(limitReason(n)?.hasPrefix("guest memory of the frame") == true, "\(n.status)")
    }

    @Test func evmMemoryCeilingNamesTheSizeAsked() throws {
        // 300 MiB of memory costs about 190G gas: the EE's own 256 MiB ceiling comes first.
        let c = memoryChain(ResourceLimits())
        let r = try c.call(Self.memHog, Self.word(300 << 20), gas: 200_000_000_000)
        #expect(limitReason(r) == "EVM memory of \((300 << 20) + 32) bytes is above this EE's \(256 << 20)-byte cap")
    }

    @Test func totalMemoryCapCountsLiveFramesAndReleasesEndedOnes() throws {
        var l = ResourceLimits()
        l.maxTotalGuestMemory = 200_000
        let c = memoryChain(l)
        // The caller holds 4 KiB; one callee of 150 KB fits beside it, and so does a second
        // one after the first has ended.
        let ok = try c.call(Self.twiceCaller, Self.twice(Self.memHog, 150_000))
        #expect(ok.status == .success)
        #expect(c.world.storage(Self.twiceCaller, U256(1)) == U256(1))
        #expect(c.world.storage(Self.twiceCaller, U256(2)) == U256(1), "the first callee's memory was not released")
        #expect(c.boot.guestMemoryInUse == 0)
        // 4 KiB + 199 KB does not fit: both calls fail, the caller continues.
        let over = try c.call(Self.twiceCaller, Self.twice(Self.memHog, 199_000))
        #expect(over.status == .success)
        #expect(c.world.storage(Self.twiceCaller, U256(1)) == .zero)
        #expect(c.world.storage(Self.twiceCaller, U256(2)) == .zero)
        #expect(c.world.storage(Self.twiceCaller, U256(3)) == U256(1))
        // Alone, 199 KB fits.
        #expect(try c.call(Self.memHog, Self.word(199_000)).status == .success)
        // A native frame's 1 MiB does not fit under 200,000 bytes in all.
        let n = try c.call(Self.native)
        #expect(limitReason(n)?.hasPrefix("guest memory of all frames") == true, "\(n.status)")
        // With room for it, the same account fails for its code instead.
        let roomy = memoryChain(ResourceLimits())
        guard case .failure(let why) = try roomy.call(Self.native).status else {
            Issue.record("an invalid ELF ran")
            return
        }
        #expect(!"\(why)".contains("guest memory"))
    }

    @Test func defaultsLeaveEthereumSizedWorkAlone() {
        let l = ResourceLimits.default
        // 30M gas buys about 4 MB of EVM memory, 80,000 LOG0s and 3.75 MB of log data.
        #expect(l.maxReturnDataBytes >= 4 << 20)
        #expect(l.maxLogCount >= 80_000)
        #expect(l.maxLogBytes >= 4 << 20)
        #expect(l.maxCallDepth == 1024)
        #expect(l.violation(returndata: 4 << 20, logCount: 80_000, logBytes: 4 << 20) == nil)
    }
}
