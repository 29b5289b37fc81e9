import EEKit

/// Inputs several test targets share.
public enum TestVectors {
    /// A valid P256VERIFY (EIP-7951) input, h r s qx qy: made with Python's `cryptography` (key
    /// d = 0x519b...b464, h = sha256("EEKit P256VERIFY")); execution-specs' `secp256r1_verify`
    /// accepts it. Benchmarks/precompiles/inputs.py and Fuzz/statetest_diff/gen.py carry it too.
    public static let p256Valid: Bytes = Hex.decode(
        "c66c563e8a8562362bfb33e6bfdcd4affe6d34fce8f896574aa9064a389eeee9fcc709d1038d8a9e6d7a2264fa3ed987f8a894a2093136b9094d6b7f6ffc886b47d92ccfdfc3ae71157cc05421416a17b975da5dc9912dffbd8ba0eb12872b641ccbe91c075fc7f4f033bfa248db8fccd3565de94bbfb12f3c59ff46c271bf83ce4014c68811f9a21a1fdb2c0e6113e06db7ca93b7404e78dc7ccd5ca89a4ca9"
    )!
}
