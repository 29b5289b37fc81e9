extension EERegistry {
    /// The EEs EEKit ships with: EVM (Cancun). Other EEs register themselves the same way.
    public static var standard: EERegistry {
        var r = EERegistry()
        r.register(EVMEnvironment.self, deposit: .evm) { EVMEnvironment() }
        return r
    }
}
