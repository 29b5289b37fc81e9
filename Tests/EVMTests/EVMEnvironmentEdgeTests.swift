import Testing

@testable import EEKit

/// What a mutation round on `EVMEnvironment` and `EVMRunner` found unchecked: the EVM frame's
/// conversion of ergs to gas and back (the ergs below one gas, the gas above the core's Int64
/// at one erg per gas, the `native` counter), the returndata of a failed call, the refund in
/// the trace of a callee, and the state `EVMRunner` prepares (the caller's funds and warmth,
/// the origin, the coinbase from Shanghai, CREATE's nonce, EIP-3860 from Shanghai).
@Suite struct EVMEnvironmentEdgeTests {
    private static func hex(_ s: String) -> Bytes { Hex.decode(s) ?? [] }

    /// MSTORE(0, top) RETURN(0, 32).
    private static let returnTop = "5f5260205ff3"

    private func word(_ r: EVMRunner.Result) -> U256? {
        r.status == .success && r.output.count == 32 ? U256(bigEndian: r.output) : nil
    }

    /// A call of `code` at the default target with `resources`, as an EE passes them (not
    /// whole gas): the outcome, with what the frame gave back.
    private func runWith(_ code: String, _ resources: Resources) throws -> ExecutionOutcome {
        let call = EVMRunner.prepare(code: Self.hex(code), gas: 0)
        return try call.boot.runCall(
            origin: EVMRunner.defaultCaller,
            CallRequest(
                target: EVMRunner.defaultTarget, modifier: .none, calldata: [], value: .zero, resources: resources))
    }

    // MARK: ergs and gas

    /// An EVM frame given ergs that are not whole gas keeps the ergs below one gas aside and
    /// gives them back with its leftover; the `native` counter, which the EVM does not meter,
    /// comes back as it was given (Resources: "EEs that do not track it leave it unchanged").
    @Test func theErgsBelowOneGasAndTheNativeCounterComeBack() throws {
        let perGas = GasSchedule.default.ergsPerGas
        for extra: UInt64 in [0, 1, 100, perGas - 1] {
            let given = Resources(ergs: 10_000 * perGas + extra, native: 777)
            let out = try runWith("600100", given)  // PUSH1 1 STOP: 3 gas
            #expect(out.status == .success)
            #expect(out.resourcesLeft == Resources(ergs: (10_000 - 3) * perGas + extra, native: 777), "extra \(extra)")
        }
        // A failure consumes everything, the fraction too.
        let failed = try runWith("fe", Resources(ergs: 10_000 * perGas + 5, native: 777))
        #expect(failed.status == .failure(.invalidOpcode(0xfe)) && failed.resourcesLeft.ergs == 0)
    }

    /// At one erg per gas, a frame can hold more gas than the core's Int64: the excess is
    /// held aside and returned at the end (not burned), and after a call the core is filled
    /// up to Int64.max again from it, no further (GAS says exactly Int64.max minus the POP and
    /// the GAS after the call; more would overflow the core's counter).
    @Test func gasAboveTheCoresInt64IsKeptAsideAndRefillsTheCoreAfterACall() throws {
        // CALL(0xffff gas, cold empty 0xee, no value, no data) POP GAS, returned as a word.
        let code = "5f5f5f5f5f" + "60ee" + "61ffff" + "f1" + "50" + "5a" + Self.returnTop
        let call = EVMRunner.prepare(code: Self.hex(code), gas: .max)
        call.boot.schedule.ergsPerGas = 1
        let r = try call.execute()
        #expect(r.status == .success, "\(r.status)")
        #expect(word(r) == U256(UInt64(Int64.max) - 4), "\(r.output)")
        // 5 PUSH0 + PUSH1 + PUSH2, the cold CALL (2600; all 0xffff come back), POP, GAS,
        // PUSH0 MSTORE (3 + 3 for a word) PUSH1 PUSH0 RETURN.
        #expect(r.gasUsed == 10 + 3 + 3 + 2600 + 2 + 2 + 2 + 6 + 3 + 2, "\(r.gasUsed)")
        // Without a call: everything above the 3 gas comes back.
        let plain = EVMRunner.prepare(code: Self.hex("6001"), gas: .max)
        plain.boot.schedule.ergsPerGas = 1
        #expect(try plain.execute().gasUsed == 3)
    }

    // MARK: calls

    /// A hook (a host function) may fail with output; the EVM frame that called it sees no
    /// returndata, as after any failed call (RETURNDATASIZE 0).
    @Test func aFailedHookCallLeavesNoReturndata() throws {
        final class FailsWithOutput: SystemHook {
            let name = "fails-with-output"
            func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
                SystemHookResult(status: .failure(.other("refused")), output: [1, 2, 3], gasUsed: gasLimit)
            }
        }
        // CALL(0xffff, 0x77, 0, 0, 0, 0, 0), then [success, RETURNDATASIZE] as two words.
        let code = "5f5f5f5f5f6077" + "61ffff" + "f1" + "5f52" + "3d" + "602052" + "60405ff3"
        let r = try EVMRunner.run(code: Self.hex(code), gas: 1_000_000, hooks: [Address(low: 0x77): FailsWithOutput()])
        #expect(r.status == .success)
        #expect(r.output == U256.zero.bigEndianBytes + U256.zero.bigEndianBytes, "\(r.output)")
    }

    /// EIP-3155's refund is the transaction's counter: a callee's steps include what its
    /// caller's frame earned before the call (the caller flushes it at the CALL), and the
    /// caller's steps after the call count it once.
    @Test func aCalleesTraceSeesItsCallersRefund() throws {
        // No calldata: SSTORE(0, 1) SSTORE(0, 0) (refund 19,900), CALL self with 1 byte, STOP.
        // With calldata: JUMPDEST STOP.
        let code = "36601557" + "60015f55" + "5f5f55" + "5f5f60015f5f305af1" + "00" + "5b00"
        var steps: [EVMTraceStep] = []
        let r = try EVMRunner.run(code: Self.hex(code), gas: 1_000_000, tracer: { steps.append($0) })
        #expect(r.status == .success && r.refund == 19_900)
        let callee = steps.filter { $0.depth == 2 }
        #expect(callee.map(\.opName) == ["CALLDATASIZE", "PUSH1", "JUMPI", "JUMPDEST", "STOP"])
        #expect(callee.allSatisfy { $0.refund == 19_900 }, "\(callee.map(\.refund))")
        let last = try #require(steps.last)
        #expect(last.depth == 1 && last.opName == "STOP" && last.refund == 19_900, "\(last.jsonLine)")
    }

    /// More than 1,024 stack items is a stack overflow (not another failure), and it takes
    /// all the gas.
    @Test func aStackOverflowIsNamedAsSuch() throws {
        let r = try EVMRunner.run(code: Self.hex("5b5f5f56"), gas: 100_000)  // JUMPDEST PUSH0 PUSH0 JUMP(0), forever
        #expect(r.status == .failure(.stackOverflow) && r.gasUsed == 100_000, "\(r.status)")
    }

    // MARK: memory

    /// The EE's own ceiling is 256 MiB of EVM memory: exactly that much is allowed, a word
    /// more is refused with the size asked (`evmMemoryCeilingNamesTheSizeAsked` tries 300 MiB).
    @Test func evmMemoryUpToExactly256MiB() throws {
        // PUSH4 offset MLOAD STOP: memory grows to offset + 32 (rounded up to a word).
        let exact = try EVMRunner.run(code: Self.hex("630fffffe05100"), gas: 200_000_000_000)
        #expect(exact.status == .success, "\(exact.status)")
        let over = try EVMRunner.run(code: Self.hex("630fffffe15100"), gas: 200_000_000_000)
        #expect(over.status == .failure(.limitExceeded("EVM memory of \((256 << 20) + 32) bytes is above this EE's \(256 << 20)-byte cap")), "\(over.status)")
    }

    /// A frame's memory reservation grows by what the capacity grows, not by the whole new
    /// capacity: a caller that grew its memory twice (4 KiB, then 8 KiB) holds 8 KiB, and a
    /// callee needing 4 KiB more (3,040 bytes exactly) fits under a total cap of 14,000 bytes
    /// (beside the byte of calldata), and does not under 11,000 (8 KiB + 1 + 3,040 is 11,233).
    @Test func memoryReservationsCountEachByteOnce() throws {
        // No calldata: MSTORE at 0 and at 5000, CALL self with 1 byte, return the success flag.
        // With calldata: MLOAD at 3000, STOP.
        let code = "36601d57" + "60015f52" + "600161138852" + "5f5f60015f5f305af1" + "5f5260205ff3" + "5b610bb85100"
        for (cap, fits) in [(14_000, true), (11_000, false)] {
            let call = EVMRunner.prepare(code: Self.hex(code), gas: 1_000_000)
            call.boot.limits.maxTotalGuestMemory = cap
            let r = try call.execute()
            #expect(word(r) == U256(fits ? 1 : 0), "cap \(cap): \(r.status)")
            #expect(call.boot.guestMemoryInUse == 0)
        }
    }

    // MARK: traces

    /// A frame refused memory by the host's limits fails naming that limit, and so does its
    /// last trace step (not the EE's own 256 MiB ceiling).
    @Test func aTracedMemoryRefusalNamesTheHostsLimit() throws {
        var steps: [EVMTraceStep] = []
        let call = EVMRunner.prepare(code: Self.hex("620186a05100"), gas: 1_000_000, tracer: { steps.append($0) })  // MLOAD(100,000)
        call.boot.limits.maxFrameMemory = 64 << 10
        let r = try call.execute()
        guard case .failure(.limitExceeded(let why)) = r.status else {
            Issue.record("expected limitExceeded, got \(r.status)")
            return
        }
        #expect(why.hasPrefix("guest memory of the frame"), "\(why)")
        #expect(steps.last?.opName == "MLOAD" && steps.last?.error == "limit exceeded: \(why)", "\(steps.last?.jsonLine ?? "")")
    }

    /// An opcode the fork does not define is traced as the code has it (PUSH0 before
    /// Shanghai: opcode 0x5f, not the analysis's placeholder).
    @Test func anOpcodeOutsideTheForkIsTracedAsWritten() throws {
        var block = BlockContext()
        block.fork = .paris
        var steps: [EVMTraceStep] = []
        let r = try EVMRunner.run(code: Self.hex("60015f"), gas: 1_000, block: block, tracer: { steps.append($0) })
        #expect(r.status == .failure(.invalidOpcode(0x5f)))
        #expect(steps.map(\.opcode) == [0x60, 0x5f])
        #expect(steps.last?.opName == "PUSH0", "\(steps.last?.jsonLine ?? "")")
        #expect(steps.last?.error == "invalid opcode 0x5f (PUSH0 comes with Shanghai)", "\(steps.last?.jsonLine ?? "")")
    }

    // MARK: what EVMRunner prepares

    /// The caller has 2^128 wei (minus the value sent), is warm (BALANCE costs 100) and is
    /// the origin; a caller that is the target runs its own code with those funds.
    @Test func theCallerIsFundedWarmAndTheOrigin() throws {
        let two128 = U256(limbs: (0, 0, 1, 0))
        // BALANCE(CALLER)
        #expect(word(try EVMRunner.run(code: Self.hex("3331" + Self.returnTop), gas: 100_000)) == two128)
        let sent = try EVMRunner.run(code: Self.hex("3331" + Self.returnTop), gas: 100_000, value: U256(5))
        #expect(word(sent) == two128 &- U256(5))
        // CALLER BALANCE STOP: 2 + 100 (warm).
        #expect(try EVMRunner.run(code: Self.hex("333100"), gas: 100_000).gasUsed == 102)
        // ORIGIN is the caller.
        let origin = try EVMRunner.run(code: Self.hex("32" + Self.returnTop), gas: 100_000)
        #expect(word(origin) == U256(bigEndian: Bytes(repeating: 0, count: 12) + EVMRunner.defaultCaller.bytes))
        // SELFBALANCE of a target that is its own caller: its funds, with the value sent to itself.
        let me = EVMRunner.defaultTarget
        let own = try EVMRunner.run(code: Self.hex("47" + Self.returnTop), gas: 100_000, value: U256(5), target: me, caller: me)
        #expect(word(own) == two128, "\(own.status)")
        // A reverted run reports no refund (SSTORE 1 then 0 earned 19,900 before the revert).
        let reverted = try EVMRunner.run(code: Self.hex("60015f55" + "5f5f55" + "5f5ffd"), gas: 100_000)
        #expect(reverted.status == .revert && reverted.refund == 0)
    }

    /// From Shanghai the coinbase is warm (EIP-3651): BALANCE(COINBASE) costs 100, before
    /// it 2,600.
    @Test func theCoinbaseIsWarmFromShanghai() throws {
        for fork in [Fork.london, .paris, .shanghai, .cancun] {
            var block = BlockContext()
            block.fork = fork
            block.coinbase = Address(low: 0xc0)
            let r = try EVMRunner.run(code: Self.hex("413100"), gas: 100_000, block: block)  // COINBASE BALANCE STOP
            #expect(r.status == .success && r.gasUsed == 2 + (fork >= .shanghai ? 100 : 2600), "\(fork): \(r.gasUsed)")
        }
    }

    /// `prepareCreate` runs a creation as a transaction does: the caller's nonce goes from 0
    /// to 1 (the state root of the EIP-3155 summary includes it), and EIP-3860's init code
    /// limit applies from Shanghai only (before it, 49,153 zero bytes deploy empty code).
    @Test func aPreparedCreationBumpsTheNonceAndLimitsInitCodeFromShanghai() throws {
        let ok = EVMRunner.prepareCreate(initcode: Self.hex("00"), gas: 100_000)
        let created = try ok.execute()
        #expect(created.status == .success && created.createdAddress != nil)
        #expect(ok.boot.world.nonce(EVMRunner.defaultCaller) == 1)
        // A reverted creation creates nothing.
        let reverted = try EVMRunner.prepareCreate(initcode: Self.hex("5f5ffd"), gas: 100_000).execute()
        #expect(reverted.status == .revert && reverted.createdAddress == nil)
        for fork in [Fork.paris, .shanghai, .cancun] {
            var block = BlockContext()
            block.fork = fork
            let big = try EVMRunner.prepareCreate(initcode: Bytes(repeating: 0, count: 49_153), gas: 1_000_000, block: block)
                .execute()
            if fork >= .shanghai {
                #expect(big.status == .failure(.initcodeSizeExceeded) && big.gasUsed == 1_000_000, "\(fork): \(big.status)")
            } else {
                #expect(big.status == .success && big.createdAddress != nil, "\(fork): \(big.status)")
            }
            let limit = try EVMRunner.prepareCreate(initcode: Bytes(repeating: 0, count: 49_152), gas: 1_000_000, block: block)
                .execute()
            #expect(limit.status == .success, "\(fork): \(limit.status)")
        }
    }
}
