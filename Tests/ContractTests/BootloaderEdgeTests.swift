@testable import EEKit
import Foundation
import Testing

/// Bootloader paths the Ethereum state tests never take (a mutation round on the bootloader
/// core found each of these unchecked): frames of a third EE (`ScriptEE`, see
/// NestedAdversarialTests), preempting and nested, against the resource caps, the failure and
/// revert rules, value transfers, static context, deployments of non-EVM code and traces.
@Suite struct BootloaderEdgeTests {
    let a = Address(low: 0xb1)
    let b = Address(low: 0xb2)
    let c = Address(low: 0xb3)

    /// A session with ScriptEE registered for `.wasm`: code up to 1,024 bytes, 10 gas a byte,
    /// no EIP-3541 rule (`CodeDepositRules.testEE`).
    func session(_ scripts: Scripts) throws -> ContractSession {
        ContractSession(registry: ScriptEE.registry(scripts))
    }

    /// Installs ScriptEE program `id` at each address (`[1: a, 2: b]`).
    func install(_ s: ContractSession, _ programs: [UInt8: Address]) throws {
        for (id, address) in programs { try s.install(ScriptEE.code(id), kind: .wasm, at: address) }
    }

    /// A preempting call request from `ee` passing `give` ergs (taken out of its budget).
    func request(
        _ ee: ScriptEE, _ target: Address, _ data: Bytes = [], value: U256 = .zero, modifier: CallModifier = .none,
        give: UInt64 = 1 << 20
    ) -> Preemption {
        ee.callRequest(target, data, value: value, modifier: modifier, give: give)
    }

    // MARK: caps

    /// Revert data over `maxReturnDataBytes` fails the frame as returned data does: a revert
    /// is no way around the cap.
    @Test func revertDataOverTheCapFailsTheFrame() throws {
        let scripts = Scripts()
        scripts.byID[2] = { ee, _, _ in ee.finish(.revert, Bytes(repeating: 1, count: 100)) }
        let s = try session(scripts)
        try install(s, [2: b])
        s.boot.limits.maxReturnDataBytes = 64
        let r = try s.call(b, data: [])
        #expect(r.status == .failure(.limitExceeded("returndata of 100 bytes exceeds the cap of 64")), "\(r.status)")
        #expect(r.output.isEmpty)
        // Exactly the cap is within it, for returned and for revert data.
        scripts.byID[3] = { ee, _, _ in ee.finish(.revert, Bytes(repeating: 1, count: 64)) }
        scripts.byID[4] = { ee, _, _ in ee.finish(.success, Bytes(repeating: 1, count: 64)) }
        try install(s, [3: a, 4: c])
        #expect(try s.call(a, data: []).status == .revert)
        #expect(try s.call(c, data: []).output.count == 64)
    }

    /// The returndata a preempting frame's last call gave it counts toward the total guest
    /// memory until its next call replaces it (as for nested calls,
    /// `calldataAndReturndataCountTowardTheTotal`).
    @Test func returndataHeldByAPreemptingFrameCountsTowardTheTotal() throws {
        let scripts = Scripts()
        let seen = Holder<[Int]>([])
        scripts.byID[2] = { ee, _, _ in ee.finish(.success, Bytes(repeating: 7, count: ee.launch.calldata.first == 1 ? 7000 : 10)) }
        scripts.byID[1] = { ee, p, host in
            let boot = host as! Bootloader
            ee.counter += 1
            switch ee.counter {
            case 1: return self.request(ee, self.b, [1])
            case 2:
                seen.value.append(boot.guestMemoryInUse)
                return self.request(ee, self.b, [0])
            default:
                seen.value.append(boot.guestMemoryInUse)
                return ee.finish(.success)
            }
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        #expect(try s.call(a, data: []).status == .success)
        #expect(seen.value == [7000, 10], "\(seen.value)")
        #expect(s.boot.guestMemoryInUse == 0)
    }

    /// Calldata over `maxTotalGuestMemory` fails the call before its frame starts, and the
    /// value the call moved goes back with the rest of the frame's changes.
    @Test func calldataOverTheTotalCapUndoesTheValueTransfer() throws {
        let scripts = Scripts()
        let status = Holder<FrameStatus?>(nil)
        scripts.byID[2] = { ee, _, _ in ee.finish(.success) }
        scripts.byID[1] = { ee, p, host in
            if case .afterCall(let r, let back) = p {
                status.value = r.status
                return ee.finish(.success, [back.ergs == 0 ? 1 : 0])
            }
            return self.request(ee, self.b, Bytes(repeating: 1, count: 5000), value: U256(5))
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        _ = s.world.addBalance(a, U256(100))
        s.boot.limits.maxTotalGuestMemory = 4000
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1])
        guard case .failure(.limitExceeded(let why)) = status.value else {
            Issue.record("expected limitExceeded, got \(String(describing: status.value))")
            return
        }
        #expect(why.contains("bytes of calldata"))
        #expect(s.world.balance(b) == .zero)
        #expect(s.world.balance(a) == U256(100))
    }

    // MARK: failure and static rules

    /// A failed frame gives its caller nothing back, whatever its EE says it has left (the
    /// bootloader drops the resources of a failure, for a preempting and a nested caller).
    @Test func aFailedFrameReturnsNoResourcesWhateverItsEESays() throws {
        let scripts = Scripts()
        // b fails, claiming to keep every erg it was given.
        scripts.byID[2] = { ee, _, _ in
            .completedExecution(CallResult(status: .failure(.other("b")), returndata: []), resourcesLeft: Resources(ergs: ee.ergs))
        }
        scripts.byID[1] = { ee, p, host in
            switch p {
            case .start:
                let (r, back) = try ee.nest(host, self.b, [], give: 1 << 20)
                ee.counter = r.status.isFailure && back.ergs == 0 ? 1 : 0
                return self.request(ee, self.b)
            case .afterCall(let r, let back):
                return ee.finish(.success, [UInt8(ee.counter), r.status.isFailure && back.ergs == 0 ? 1 : 0])
            case .afterDeployment:
                return ee.finish(.failure(.other("unexpected")))
            }
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1], "\(r.status) \(r.output)")
    }

    /// CALLCODE with value from a static frame is allowed (EIP-214 forbids a value-moving
    /// CALL only): the value goes from the frame to itself. A CALL with value is refused.
    @Test func callcodeWithValueInAStaticFrameIsAllowed() throws {
        let scripts = Scripts()
        // a: statically called, makes a callcode (calldata [1]) or a call (calldata [2]) with value 3.
        scripts.byID[1] = { ee, p, host in
            if case .afterCall(let r, _) = p { return ee.finish(r.status, r.returndata) }
            let kind: CallModifier = ee.launch.calldata.first == 1 ? .callcode : .none
            return self.request(ee, self.b, value: U256(3), modifier: kind)
        }
        // c: static-calls a with its own calldata.
        scripts.byID[3] = { ee, p, host in
            if case .afterCall(let r, _) = p { return ee.finish(r.status, r.returndata) }
            return self.request(ee, self.a, ee.launch.calldata, modifier: .static, give: 1 << 22)
        }
        let s = try session(scripts)
        try install(s, [1: a, 3: c])
        // b: EVM code returning the byte 0x22 (PUSH1 0x22 PUSH0 MSTORE8 PUSH1 1 PUSH0 RETURN).
        try s.install([0x60, 0x22, 0x5f, 0x53, 0x60, 0x01, 0x5f, 0xf3], kind: .evm, at: b)
        _ = s.world.addBalance(a, U256(10))
        let cc = try s.call(c, data: [1])
        #expect(cc.status == .success && cc.output == [0x22], "\(cc.status)")
        let call = try s.call(c, data: [2])
        #expect(call.status == .failure(.staticViolation), "\(call.status)")
        #expect(s.world.balance(a) == U256(10) && s.world.balance(b) == .zero)
    }

    /// Code whose EE is not registered fails the call, and the value the call moved goes back
    /// (the top frame's too: nothing else reverts it).
    @Test func codeWithoutAnEEFailsTheCallAndKeepsNoValue() throws {
        let s = ContractSession()
        let orphan = Address(low: 0x70)
        try s.install(ScriptEE.code(1), kind: .wasm, at: orphan)
        let r = try s.call(orphan, data: [], value: U256(5))
        #expect(r.status == .failure(.invalidCode("no execution environment for wasm code")))
        #expect(s.world.balance(orphan) == .zero)
    }

    /// A call kind the callee's EE does not take fails the call, which uses all it was given.
    @Test func anUnsupportedCallKindUsesTheCallsResources() throws {
        let scripts = Scripts()
        scripts.byID[2] = { ee, _, _ in ee.finish(.success) }
        scripts.byID[1] = { ee, p, host in
            if case .afterCall(let r, let back) = p {
                return ee.finish(.success, [r.status == .failure(.unsupportedCallKind(.wasm, .callcode)) ? 1 : 0, back.ergs == 0 ? 1 : 0])
            }
            return self.request(ee, self.b, modifier: .callcode)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1], "\(r.status) \(r.output)")
    }

    /// A delegate call requested as `.delegateStatic` runs static, also from a frame that is
    /// not (an EE may ask for one: the modifier, not only the caller's context, says so).
    @Test func aDelegateStaticCallIsStaticFromAnyFrame() throws {
        let scripts = Scripts()
        scripts.byID[2] = { ee, _, _ in ee.finish(.success, [ee.launch.isStatic ? 1 : 0]) }
        scripts.byID[1] = { ee, p, host in
            if case .afterCall(let r, _) = p { return ee.finish(r.status, r.returndata) }
            return self.request(ee, self.b, modifier: ee.launch.calldata.first == 1 ? .delegateStatic : .delegate)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        #expect(try s.call(a, data: [1]).output == [1])
        #expect(try s.call(a, data: [0]).output == [0])
    }

    // MARK: deployments

    /// A nested deployment of `initcode` by `ee` with `value`, passing `give` ergs.
    func deploy(_ ee: ScriptEE, _ host: any EEHost, _ initcode: Bytes, value: U256 = .zero, give: UInt64 = 1 << 22)
        throws(EEError) -> (DeploymentResult, Resources)
    {
        ee.ergs -= give
        let (r, back) = try host.nestedDeployment(
            DeploymentRequest(
                deployer: ee.launch.callee, initcode: initcode, value: value, scheme: .create, kind: .wasm,
                resources: Resources(ergs: give)),
            from: ee)
        ee.ergs += back.ergs
        return (r, back)
    }

    /// The depth limit holds for deployments as for calls: with a cap of 1, the transaction's
    /// frame (depth 0) deploys, its callee (depth 1) does not, and gets back what it passed.
    @Test func deploymentsAreHeldToTheDepthLimit() throws {
        let scripts = Scripts()
        scripts.byID[9] = { ee, _, _ in ee.finish(.success, code: [1, 2, 3]) }
        scripts.byID[2] = { ee, _, host in
            let (r, back) = try self.deploy(ee, host, ScriptEE.code(9), give: 5000)
            return ee.finish(.success, [r.status == .failure(.callDepthExceeded) ? 1 : 0, back.ergs == 5000 ? 1 : 0])
        }
        scripts.byID[1] = { ee, _, host in
            let (d, _) = try self.deploy(ee, host, ScriptEE.code(9))
            let (r, _) = try ee.nest(host, self.b, [], give: 1 << 22)
            return ee.finish(.success, [d.status == .success ? 1 : 0] + r.returndata)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        s.boot.limits.maxCallDepth = 1
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1, 1], "\(r.status) \(r.output)")
    }

    /// A frame in a static context cannot deploy, whatever its EE checks: the deployment fails
    /// and the deployer's nonce stays.
    @Test func aStaticFrameCannotDeploy() throws {
        let scripts = Scripts()
        scripts.byID[9] = { ee, _, _ in ee.finish(.success, code: [1, 2, 3]) }
        scripts.byID[1] = { ee, _, host in
            let (r, _) = try self.deploy(ee, host, ScriptEE.code(9))
            return ee.finish(.success, [r.status == .failure(.staticViolation) ? 1 : 0, r.address == nil ? 1 : 0])
        }
        scripts.byID[3] = { ee, p, host in
            if case .afterCall(let r, _) = p { return ee.finish(r.status, r.returndata) }
            return self.request(ee, self.a, modifier: .static, give: 1 << 23)
        }
        let s = try session(scripts)
        try install(s, [1: a, 3: c])
        let nonce = s.world.nonce(a)
        let r = try s.call(c, data: [])
        #expect(r.status == .success && r.output == [1, 1], "\(r.status) \(r.output)")
        #expect(s.world.nonce(a) == nonce)
    }

    /// A deployment may send the deployer's whole balance.
    @Test func aDeploymentCanSendTheWholeBalance() throws {
        let scripts = Scripts()
        scripts.byID[9] = { ee, _, _ in ee.finish(.success, code: [1, 2, 3]) }
        scripts.byID[1] = { ee, _, host in
            let (r, _) = try self.deploy(ee, host, ScriptEE.code(9), value: U256(10))
            return ee.finish(.success, r.address?.bytes ?? [])
        }
        let s = try session(scripts)
        try install(s, [1: a])
        _ = s.world.addBalance(a, U256(10))
        let r = try s.call(a, data: [])
        try #require(r.status == .success && r.output.count == 20, "\(r.status) \(r.output)")
        #expect(s.world.balance(Address(r.output)) == U256(10))
        #expect(s.world.balance(a) == .zero)
    }

    /// The deploying EE's `CodeDepositRules` apply, not the EVM's: a size cap of exactly
    /// `maxCodeSize` bytes (in every fork: EIP-170's absence before Spurious Dragon is the
    /// EVM's alone), no EIP-3541 refusal of 0xEF when the rules do not ask for it, and the
    /// EE's price per byte.
    @Test func theDeployedEEsDepositRulesApply() throws {
        let scripts = Scripts()
        // Constructors returning n bytes of code, the first being 0xEF.
        for (id, n) in [(11, 0), (12, 100), (13, 1024), (14, 1025)] as [(UInt8, Int)] {
            scripts.byID[id] = { ee, _, _ in ee.finish(.success, code: Array(([0xEF] + Bytes(repeating: 1, count: n)).prefix(n))) }
        }
        let s = try session(scripts)
        func deploy(_ id: UInt8) throws -> Receipt { try s.deploy(ScriptEE.code(id), kind: .wasm) }
        let empty = try deploy(11), hundred = try deploy(12)
        #expect(empty.status == .success && hundred.status == .success)
        // 10 gas per byte (the rules above), not the EVM's 200.
        #expect(hundred.gasUsed - empty.gasUsed == 1000, "\(hundred.gasUsed) \(empty.gasUsed)")
        let atCap = try deploy(13)
        #expect(atCap.status == .success, "\(atCap.status)")
        let created = try #require(atCap.createdAddress)
        #expect(s.world.account(created)?.code.count == 1024)
        #expect(s.world.account(created)?.code.first == 0xEF)
        #expect(try deploy(14).status == .failure(.codeSizeExceeded))
        s.boot.useFork(.frontier)
        #expect(try deploy(14).status == .failure(.codeSizeExceeded))
        #expect(try deploy(13).status == .success)
    }

    /// Empty init code deploys an account without code at once (its address comes back), and
    /// a constructor that reverts gives back what it did not use, with its revert data.
    @Test func emptyAndRevertingConstructors() throws {
        let scripts = Scripts()
        scripts.byID[8] = { ee, _, _ in ee.finish(.revert, [0xbe, 0xef]) }
        scripts.byID[1] = { ee, _, host in
            let nonce = host.nonce(ee.launch.callee)
            let (e, _) = try self.deploy(ee, host, [], give: 100_000)
            let expected = DeploymentAddress.create(deployer: ee.launch.callee, nonce: nonce)
            let (r, back) = try self.deploy(ee, host, ScriptEE.code(8), give: 100_000)
            // The constructor's frame costs the ScriptEE 1,000 ergs.
            return ee.finish(.success, [
                e.status == .success && e.address == expected ? 1 : 0,
                r.status == .revert && r.address == nil && r.returndata == [0xbe, 0xef] ? 1 : 0,
                back.ergs == 99_000 ? 1 : 0,
            ])
        }
        let s = try session(scripts)
        try install(s, [1: a])
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1, 1], "\(r.status) \(r.output)")
    }

    /// A nested deployment is held to the protocol as a preempting one is: a frame deploys as
    /// itself, with at most what it holds.
    @Test func nestedDeploymentsKeepTheProtocol() throws {
        let scripts = Scripts()
        scripts.byID[9] = { ee, _, _ in ee.finish(.success, code: [1]) }
        scripts.byID[1] = { ee, _, host in
            let mode = ee.launch.calldata.first ?? 0
            let give = mode == 1 ? ee.launch.resources.ergs + 1 : 1000
            _ = try host.nestedDeployment(
                DeploymentRequest(
                    deployer: mode == 2 ? self.b : ee.launch.callee, initcode: ScriptEE.code(9), value: .zero,
                    scheme: .create, kind: .wasm, resources: Resources(ergs: give)),
                from: ee)
            return ee.finish(.success)
        }
        let s = try session(scripts)
        try install(s, [1: a])
        for (mode, text) in [(1, "asked to pass"), (2, "requested a nested deployment by")] as [(UInt8, String)] {
            #expect {
                try s.call(self.a, data: [mode])
            } throws: { e in
                guard case .protocolViolation(let why) = e as? EEError else { return false }
                return why.contains(text)
            }
        }
        #expect(s.world.nonce(a) == 1)
        #expect(try s.call(a, data: [0]).status == .success)
        #expect(s.world.nonce(a) == 2)
    }

    // MARK: guest memory and kept code

    /// A frame's own `maxFrameMemory` does not count its calldata or the returndata it holds
    /// (both count toward the total only): with a 4 KiB frame cap, a callee given 3,000 bytes
    /// of calldata, and a caller holding 3,000 bytes of returndata, still reserve 4 KiB each.
    /// `maxTotalGuestMemory` is reached exactly, not one byte before.
    @Test func frameAndTotalMemoryCapsAtTheirEdges() throws {
        let scripts = Scripts()
        scripts.byID[2] = { ee, _, host in
            let ok = host.reserveGuestMemory(4096) == nil
            return ee.finish(.success, Bytes(repeating: ok ? 1 : 0, count: 3000))
        }
        scripts.byID[1] = { ee, _, host in
            let (r, _) = try ee.nest(host, self.b, Bytes(repeating: 9, count: 3000), give: 1 << 20)
            let ok = host.reserveGuestMemory(4096) == nil
            let over = host.reserveGuestMemory(1) != nil
            return ee.finish(.success, [r.returndata.first ?? 0, ok ? 1 : 0, over ? 1 : 0])
        }
        scripts.byID[3] = { ee, _, host in
            let boot = host as! Bootloader
            let room = boot.limits.maxTotalGuestMemory - boot.guestMemoryInUse
            let ok = host.reserveGuestMemory(room) == nil
            let over = host.reserveGuestMemory(1) != nil
            return ee.finish(.success, [ok ? 1 : 0, over ? 1 : 0])
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b, 3: c])
        s.boot.limits.maxFrameMemory = 4096
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1, 1], "\(r.status) \(r.output)")
        s.boot.limits.maxFrameMemory = 1 << 20
        s.boot.limits.maxTotalGuestMemory = 8000
        let t = try s.call(c, data: [1, 2, 3])
        #expect(t.status == .success && t.output == [1, 1], "\(t.status) \(t.output)")
    }

    /// `keep` counts a code once per transaction however often it is kept, and the
    /// transaction's code bytes may reach `maxTransactionCodeBytes` exactly.
    @Test func keptCodeCountsOnceAndReachesTheCapExactly() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, _, host in
            let boot = host as! Bootloader
            let code = ee.launch.code
            let other = Bytecode(kind: .wasm, bytes: [1], hash: Keccak.hash([1]))
            let first = host.keep(ee, for: code, bytes: 600) == nil
            let again = host.keep(ee, for: code, bytes: 600) == nil
            let counted = boot.keptBytes == 600
            let fill = host.keep(ee, for: other, bytes: 400) == nil
            let full = host.keepRefusal(bytes: 1) != nil && host.keepRefusal(bytes: 0) == nil
            return ee.finish(.success, [first ? 1 : 0, again ? 1 : 0, counted ? 1 : 0, fill ? 1 : 0, full ? 1 : 0])
        }
        let s = try session(scripts)
        try install(s, [1: a])
        s.boot.limits.maxTransactionCodeBytes = 1000
        let r = try s.call(a, data: [])
        #expect(r.status == .success && r.output == [1, 1, 1, 1, 1], "\(r.status) \(r.output)")
        #expect(s.boot.keptBytes == 0)
    }

    // MARK: traces

    /// A delegate call's traced value is the calling frame's (what the callee sees), not what
    /// the request says, and the printed trace leaves it out (a delegate call moves nothing);
    /// input and output of 64 bytes print whole, 65 are cut.
    @Test func traceOfADelegateCallAndOfLongData() throws {
        let scripts = Scripts()
        scripts.byID[2] = { ee, _, _ in ee.finish(.success, Bytes(repeating: 0xab, count: Int(ee.launch.calldata.count))) }
        scripts.byID[1] = { ee, p, host in
            if case .afterCall = p { return ee.finish(.success) }
            // Claims no value; the frame was sent 7 wei.
            return self.request(ee, self.b, Bytes(repeating: 0xcd, count: 64), value: .zero, modifier: .delegate)
        }
        let s = try session(scripts)
        try install(s, [1: a, 2: b])
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        #expect(try s.call(a, data: [], value: U256(7)).status == .success)
        let root = try #require(recorder.roots.first)
        let delegate = try #require(root.children.first)
        #expect(root.start.value == U256(7))
        #expect(delegate.start.kind == .call(.delegate) && delegate.start.value == U256(7))
        let lines = root.lines()
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.first?.contains(" value 7 ") == true, "\(lines)")
        let full = "0x" + String(repeating: "cd", count: 64), out = "0x" + String(repeating: "ab", count: 64)
        #expect(lines.count > 1 && lines[1] == "    DELEGATECALL \(a.hex) -> \(b.hex) [wasm] gas \(delegate.start.gas) input \(full)", "\(lines)")
        #expect(lines.count > 2 && lines[2].hasSuffix(", output \(out)"), "\(lines)")
        #expect(CallTraceNode.hex(Bytes(repeating: 1, count: 65)) == "0x" + String(repeating: "01", count: 32) + "... (65 bytes)")
    }

    /// A call answered at once (an account without code, a call past the depth limit) ends in
    /// the trace with the gas it was given left: it used none.
    @Test func traceOfCallsAnsweredAtOnce() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, p, host in
            if case .afterCall = p { return ee.finish(.success) }
            return self.request(ee, Address(low: 0xdead), give: 256 * 5000)
        }
        let s = try session(scripts)
        try install(s, [1: a])
        let recorder = CallTraceRecorder()
        recorder.attach(to: s.boot)
        #expect(try s.call(a, data: []).status == .success)
        let empty = try #require(recorder.roots.first?.children.first)
        #expect(empty.start.target == .noCode && empty.start.gas == 5000)
        #expect(empty.end?.gasLeft == 5000 && empty.gasUsed == 0)
        recorder.reset()
        s.boot.limits.maxCallDepth = 0
        #expect(try s.call(a, data: []).status == .success)
        let refused = try #require(recorder.roots.first?.children.first)
        #expect(refused.end?.status == .failure(.callDepthExceeded) && refused.end?.gasLeft == 5000)
    }

    /// A static call touches its callee as a call does (EIP-161): an empty account it reaches
    /// is gone after the transaction.
    @Test func aStaticCallTouchesAnEmptyCallee() throws {
        let scripts = Scripts()
        let empty = Address(low: 0xe0e0)
        scripts.byID[1] = { ee, p, host in
            if case .afterCall(let r, _) = p { return ee.finish(r.status) }
            return self.request(ee, empty, modifier: .static)
        }
        let s = try session(scripts)
        try install(s, [1: a])
        s.world.setAccount(empty, Account())
        try s.world.commit()
        #expect(s.world.exists(empty))
        #expect(try s.call(a, data: []).status == .success)
        #expect(!s.world.exists(empty))
    }

    /// `maxLogCount` and the total guest memory for calldata are reached exactly, not one
    /// before; a negative reservation is refused (it would lower the frame's use).
    @Test func logAndCalldataCapsAtTheirEdgesAndNegativeReservations() throws {
        let scripts = Scripts()
        scripts.byID[1] = { ee, _, host in
            for _ in 0..<3 { host.emitLog(Log(address: ee.launch.callee, topics: [], data: [])) }
            return ee.finish(.success, [host.reserveGuestMemory(-1) != nil ? 1 : 0])
        }
        let s = try session(scripts)
        try install(s, [1: a])
        s.boot.limits.maxLogCount = 3
        s.boot.limits.maxTotalGuestMemory = 5000
        let r = try s.call(a, data: Bytes(repeating: 1, count: 5000))
        #expect(r.status == .success && r.logs.count == 3 && r.output == [1], "\(r.status) \(r.output)")
        s.boot.limits.maxLogCount = 2
        #expect(try s.call(a, data: []).status == .failure(.limitExceeded("3 logs in the transaction exceed the cap of 2")))
        let over = try s.call(a, data: Bytes(repeating: 1, count: 5001))
        guard case .failure(.limitExceeded(let why)) = over.status else {
            Issue.record("expected limitExceeded, got \(over.status)")
            return
        }
        #expect(why.contains("bytes of calldata"))
    }

    /// A transaction's gas beyond what 2^64 ergs hold (2^44 gas at 2^20 ergs per gas) is held
    /// back and returned unused: a plain transfer given 2^45 gas uses 21,000.
    @Test func gasBeyondTheErgRangeIsHeldBackAndReturned() throws {
        let s = try session(Scripts())
        s.boot.schedule.ergsPerGas = 1 << 20
        s.boot.block.gasLimit = 1 << 50
        let r = try s.call(Address(low: 0xdead), data: [], gas: 1 << 45)
        #expect(r.status == .success && r.gasUsed == 21_000, "\(r.status) \(r.gasUsed)")
    }
}
