extension EERegistry {
    /// The EEs EEKit ships with: EVM (Cancun) and native RISC-V contracts. Other EEs
    /// register themselves the same way.
    public static var standard: EERegistry {
        var r = EERegistry()
        r.register(EVMEnvironment.self, deposit: .evm) { EVMEnvironment() }
        r.registerRISCV()
        return r
    }
}
