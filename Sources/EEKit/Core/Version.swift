/// EEKit's version, as `eekit --version` prints it: semantic versioning, 0.x while the EE
/// protocol and the native contract ABI may still change (WASM comes in a later wave).
public enum EEKitVersion {
    public static let string = "0.1.0"
    /// What this version runs, for bug reports.
    public static let summary = "EVM Frontier to Osaka (and BPO1, BPO2), RISC-V RV32IM/RV64IM; WASM not yet"
}
