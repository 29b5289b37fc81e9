@testable import EEKit
import Testing

/// A DELEGATECALL made by an EVM frame that runs in a static context reaches the callee's EE
/// as `.delegateStatic` (as the RISC-V EE passes it), not `.delegate`: the bootloader keeps the
/// context static either way, but the callee's EE learns how it was entered from the modifier
/// (`LaunchParams.modifier`, `isModifierSupported`). A mutation round on `EVMEnvironment`
/// passed `.delegate` unnoticed: the EVM-only state tests cannot see the modifier.
@Suite struct EVMDelegateStaticTests {
    @Test func aDelegateCallFromAStaticEVMFrameIsDelegateStatic() throws {
        let a = Address(low: 0xd1), e = Address(low: 0xd2), b = Address(low: 0xd3)
        let seen = Holder<[CallModifier]>([])
        let scripts = Scripts()
        // b: records how it was entered and returns whether its context is static.
        scripts.byID[2] = { ee, _, _ in
            seen.value.append(ee.launch.modifier)
            return ee.finish(.success, [ee.launch.isStatic ? 1 : 0])
        }
        // a: calls e (STATICCALL when its calldata is [1]) and returns what e returned.
        scripts.byID[1] = { ee, p, _ in
            if case .afterCall(let r, _) = p { return ee.finish(r.status, r.returndata) }
            let give: UInt64 = 1 << 26
            ee.ergs -= give
            return .externalCallRequest(CallRequest(
                target: e, modifier: ee.launch.calldata == [1] ? .static : .none, calldata: [], value: .zero,
                resources: Resources(ergs: give)))
        }
        let s = ContractSession(registry: ScriptEE.registry(scripts))
        try s.install(ScriptEE.code(1), kind: .wasm, at: a)
        try s.install(ScriptEE.code(2), kind: .wasm, at: b)
        // e: DELEGATECALL(GAS, b, 0, 0, 0, 1) POP RETURN(0, 1).
        let evm: Bytes = [0x60, 0x01, 0x5f, 0x5f, 0x5f, 0x73] + b.bytes + [0x5a, 0xf4, 0x50, 0x60, 0x01, 0x5f, 0xf3]
        try s.install(evm, kind: .evm, at: e)

        let viaStatic = try s.call(a, data: [1])
        #expect(viaStatic.status == .success && viaStatic.output == [1], "\(viaStatic.status) \(viaStatic.output)")
        #expect(seen.value == [.delegateStatic])
        seen.value = []
        let plain = try s.call(a, data: [0])
        #expect(plain.status == .success && plain.output == [0], "\(plain.status) \(plain.output)")
        #expect(seen.value == [.delegate])
    }
}
