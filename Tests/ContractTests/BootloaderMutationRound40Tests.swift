import EEKit
import Foundation
import Testing

/// Bootloader rules the 40th mutation round (gas translation between EEs, hooks, value and
/// static rules, journal rollback, deployments) found untested: each test fails with the
/// mutation named in its comment and passes without it. Expected values come from the EIPs,
/// execution-specs or the README's documented rules, worked out by hand, never from EEKit's
/// own output. ScriptEE (NestedAdversarialTests) gives exact control over the ergs a frame
/// passes and gets back.
@Suite struct BootloaderMutationRound40Tests {
    let a = Address(low: 0xa401)
    let b = Address(low: 0xa402)
    let c = Address(low: 0xa403)
    let hook = Address(low: 0x0c40)

    func session(_ scripts: Scripts) -> ContractSession {
        ContractSession(registry: ScriptEE.registry(scripts))
    }

    func install(_ s: ContractSession, _ programs: [UInt8: Address]) throws {
        for (id, address) in programs { try s.install(ScriptEE.code(id), kind: .wasm, at: address) }
    }

    /// A hook that uses `gas` gas and ends with `status` (output [7] unless it fails).
    final class FixedHook: SystemHook {
        let name = "fixed"
        let status: FrameStatus
        let gas: UInt64
        init(_ status: FrameStatus, gas: UInt64) {
            self.status = status
            self.gas = gas
        }
        func call(input: Bytes, gasLimit: UInt64, context: SystemHookContext) -> SystemHookResult {
            SystemHookResult(status: status, output: status.isFailure ? [] : [7], gasUsed: gas)
        }
    }

    // MARK: hooks

    /// A hook is priced in whole gas (`SystemHook`: the bootloader converts from and to
    /// ergs), but what the caller passed below one gas is not the hook's to take: a caller
    /// passing 1,000 gas + 77 ergs to a hook that uses 10 gas gets back 990 gas + 77 ergs,
    /// after a success and after a revert alike (only `.failure` consumes all it was given).
    /// Pins `runHook`'s `left.ergs -= gasUsed x ergsPerGas` (recomputing what is left from the
    /// hook's whole gas dropped the 77 ergs).
    @Test(arguments: [FrameStatus.success, .revert]) func aHookGivesBackTheErgsBelowOneGas(status: FrameStatus) throws {
        let scripts = Scripts()
        let back = Holder<UInt64?>(nil)
        let seen = Holder<FrameStatus?>(nil)
        scripts.byID[1] = { ee, p, _ in
            if case .afterCall(let r, let returned) = p {
                back.value = returned.ergs
                seen.value = r.status
                return ee.finish(.success)
            }
            return ee.callRequest(self.hook, [], give: 1000 * 256 + 77)
        }
        let s = session(scripts)
        s.boot.hooks[hook] = FixedHook(status, gas: 10)
        try install(s, [1: a])
        #expect(try s.call(a, data: []).status == .success)
        #expect(seen.value == status)
        #expect(back.value == 990 * 256 + 77)
    }

    /// A hook that reverts takes back the value its call moved, as any reverted frame does
    /// (execution-specs `process_message`: a precompile's error or revert rolls the state back
    /// to before the transfer): an EVM contract holding 5 wei CALLs the hook with 3; the
    /// hook reverts; the contract keeps all 5. (A successful hook keeps what it was sent.)
    /// Pins `runHook`'s roll-back of everything but a success (keeping the state of a
    /// reverting hook left the 3 wei at its address).
    @Test(arguments: [FrameStatus.success, .revert]) func aRevertingHookTakesBackTheValue(status: FrameStatus) throws {
        let s = ContractSession()
        s.boot.hooks[hook] = FixedHook(status, gas: 10)
        // CALL(gas, hook, 3, 0, 0, 0, 0); SSTORE(0, success); STOP.
        let code: Bytes = [0x5f, 0x5f, 0x5f, 0x5f, 0x60, 3, 0x61, 0x0c, 0x40, 0x5a, 0xf1, 0x5f, 0x55, 0x00]
        let caller = Address(low: 0xa410)
        try s.install(code, kind: .evm, at: caller)
        s.world.setAccount(caller, Account(nonce: 1, balance: U256(5), kind: .evm, code: code))
        try s.world.commit()
        #expect(try s.call(caller, data: []).status == .success)
        let ok = status == .success
        #expect(s.world.storage(caller, .zero) == (ok ? .one : .zero))
        #expect(s.world.balance(caller) == U256(ok ? 2 : 5))
        #expect(s.world.balance(hook) == U256(ok ? 3 : 0))
    }

    // MARK: value and static rules

    /// c (the transaction's frame, depth 0) static-calls a, which holds `balance` and asks for
    /// a CALL of b with `value` and 2^20 ergs, under a call-depth limit of `depthLimit`: what a
    /// got back (status, ergs). a's and b's balances must not move.
    func staticValueCall(value: U256, balance: U256, depthLimit: Int = 1024) throws -> (FrameStatus, UInt64) {
        let scripts = Scripts()
        let outcome = Holder<(FrameStatus, UInt64)?>(nil)
        scripts.byID[1] = { ee, p, _ in
            if case .afterCall(let r, let returned) = p {
                outcome.value = (r.status, returned.ergs)
                return ee.finish(.success)
            }
            return ee.callRequest(self.b, [], value: value, give: 1 << 20)
        }
        scripts.byID[2] = { ee, _, _ in ee.finish(.success) }
        scripts.byID[3] = { ee, p, _ in
            if case .afterCall(let r, _) = p { return ee.finish(r.status) }
            return ee.callRequest(self.a, [], modifier: .static, give: 1 << 22)
        }
        let s = session(scripts)
        s.boot.limits.maxCallDepth = depthLimit
        try install(s, [1: a, 2: b, 3: c])
        _ = s.world.addBalance(a, balance)
        #expect(try s.call(c, data: []).status == .success)
        #expect(s.world.balance(a) == balance && s.world.balance(b) == .zero)
        return try #require(outcome.value)
    }

    /// EIP-214: a CALL with value from a static context is an exceptional halt whatever the
    /// balance (the EVM refuses it before it looks at the balance; execution-specs `call`
    /// raises WriteInStaticContext before `sender_balance < value` is tested). A frame of
    /// another EE asking for it with less balance than the value gets `staticViolation` and
    /// nothing back, not `insufficientBalance` with its ergs returned. Pins the order of the
    /// two checks in `enterCall` (the balance check first answered insufficientBalance).
    @Test func aValueCallInAStaticContextIsAStaticViolationBeforeABalanceFailure() throws {
        let (status, back) = try staticValueCall(value: U256(50), balance: U256(10))
        #expect(status == .failure(.staticViolation), "\(status)")
        #expect(back == 0)
    }

    /// The same order against the depth limit: a static frame at the limit (a, at depth 1
    /// under a limit of 1) asking for a value CALL is a static violation (nothing back), as
    /// EIP-214 halts the EVM before execution-specs' `generic_call` looks at the depth; a
    /// value-free CALL there is the depth failure with its ergs back. Pins the static check
    /// before the depth check in `enterCall` (the depth check came first).
    @Test(arguments: [U256(50), .zero]) func aStaticFrameAtTheDepthLimitIsAStaticViolationFirst(value: U256) throws {
        let (status, back) = try staticValueCall(value: value, balance: U256(100), depthLimit: 1)
        if value.isZero {
            #expect(status == .failure(.callDepthExceeded) && back == 1 << 20, "\(status) \(back)")
        } else {
            #expect(status == .failure(.staticViolation) && back == 0, "\(status) \(back)")
        }
    }

    // MARK: frame ends and ceilings

    /// A frame may pass on everything it holds: `Frame.ceiling` is "the most ergs the frame
    /// can hold", and only "a request above it" breaks the protocol. ScriptEE a passes
    /// exactly the ergs it was given to b (preempting) and the run goes on. Pins the `<=` of
    /// `Frame.hand` (a strict `<` abandoned the transaction with a protocol violation).
    @Test func aFrameMayPassExactlyItsCeiling() throws {
        let scripts = Scripts()
        scripts.byID[2] = { ee, _, _ in ee.finish(.success, [9]) }
        scripts.byID[1] = { ee, p, _ in
            if case .afterCall(let r, _) = p { return ee.finish(r.status, r.returndata) }
            ee.ergs = 0
            return .externalCallRequest(CallRequest(
                target: self.b, modifier: .none, calldata: [], value: .zero, resources: ee.launch.resources))
        }
        let s = session(scripts)
        try install(s, [1: a, 2: b])
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [9], "\(r.status) \(r.output)")
    }

    /// A failed frame's resources are dropped, so what its EE claims to have left is not
    /// checked against its ceiling (Runner `checkEnd`: "unless it failed ... no more resources
    /// than it holds"): ScriptEE b fails claiming 2^64 - 1 ergs; its caller sees a failed
    /// call with nothing back and the transaction goes on. Pins the `!status.isFailure` of
    /// `checkEnd` (without it the claim abandoned the transaction as a protocol violation).
    @Test func aFailedFrameClaimingMoreThanItHeldIsJustAFailure() throws {
        let scripts = Scripts()
        scripts.byID[2] = { _, _, _ in
            .completedExecution(CallResult(status: .failure(.other("b")), returndata: []), resourcesLeft: Resources(ergs: .max))
        }
        scripts.byID[1] = { ee, p, _ in
            if case .afterCall(let r, let back) = p {
                return ee.finish(.success, [r.status.isFailure ? 1 : 0, back.ergs == 0 ? 1 : 0])
            }
            return ee.callRequest(self.b, [], give: 1 << 20)
        }
        let s = session(scripts)
        try install(s, [1: a, 2: b])
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1], "\(r.status) \(r.output)")
    }

    // MARK: SELFDESTRUCT

    /// Before London (EIP-3529) SELFDESTRUCT refunds 24,000 gas once per account destroyed
    /// in the transaction, not once per SELFDESTRUCT (yellow paper: the refund counts the
    /// self-destruct set; Bootloader `selfDestruct`: "the first SELFDESTRUCT of an account in
    /// a transaction refunded 24,000 gas"). Under Berlin, C writes four fresh slots (so that
    /// half the gas used is above 48,000 and the cap does not hide a second refund) and calls
    /// D twice; D self-destructs each time (its code stays until the transaction ends). The
    /// receipt's refund is 24,000. Pins the `first &&` of `Bootloader.selfDestruct` (without
    /// it the refund was 48,000).
    @Test func aRepeatedSelfDestructRefundsOnceBeforeLondon() throws {
        let s = ContractSession()
        s.boot.useFork(.berlin)
        let d = Address(low: 0xa4d0), cAddress = Address(low: 0xa4c0)
        let beneficiary = Address(low: 0xa4be)
        // D: SELFDESTRUCT(beneficiary).
        try s.install([0x73] + beneficiary.bytes + [0xff], kind: .evm, at: d)
        // C: SSTORE(k, 1) for k = 1...4, then CALL(gas, D, 0, 0, 0, 0, 0) twice (no PUSH0 in Berlin).
        var code: Bytes = []
        for k: UInt8 in 1...4 { code += [0x60, 1, 0x60, k, 0x55] }
        let call: Bytes = [0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x73] + d.bytes + [0x5a, 0xf1, 0x50]
        code += call + call + [0x00]
        try s.install(code, kind: .evm, at: cAddress)
        let r = try s.call(cAddress, data: [], gas: 1_000_000)
        #expect(r.status == .success)
        try #require((r.gasUsed + r.refund) / 2 > 48_000, "gas used \(r.gasUsed + r.refund)")
        #expect(r.refund == 24_000)
    }

    // MARK: native calls

    /// The 2,300-gas stipend a native CALL with value adds is gas, so its ergs follow the
    /// schedule's rate (GasSchedule.validate: conversions "multiply the 2,300-gas stipend by"
    /// `ergsPerGas`). At 512 ergs per gas the probe contract CALLs an EVM contract returning
    /// GAS with 1 wei and a request of 50,000 gas: the callee sees 50,000 + 2,300 - 2 (as at
    /// the default rate, NativeVsEVMTests). Pins `2300 * schedule.ergsPerGas` in the RISC-V
    /// EE's call (at the reference rate's 256 ergs the callee saw 50,000 + 1,150 - 2).
    @Test func theNativeCallStipendFollowsTheErgRate() throws {
        let s = ContractSession()
        s.boot.schedule.ergsPerGas = 512
        let probe = Address(low: 0xa470), reporter = Address(low: 0xa471)
        let elf = try ProbeContract.elf.get()
        try s.install(elf, kind: .riscv, at: probe)
        s.world.setAccount(probe, Account(nonce: 1, balance: U256(10), kind: .riscv, code: elf))
        // GAS; PUSH0 MSTORE; RETURN(0, 32).
        try s.install(Hex.decode("5a5f5260205ff3")!, kind: .evm, at: reporter)
        let r = try #require(ProbeContract.decode(
            try s.call(probe, data: ProbeContract.call(kind: 0, reporter, value: U256(1), gas: 50_000))))
        #expect(r.status == 0)
        #expect(U256(bigEndian: r.returndata) == U256(50_000 + 2300 - 2))
    }
}
