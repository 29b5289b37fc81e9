/// EIP-7702 (Prague) delegation designators: the code `0xef 0x01 0x00 || address` that a set-code
/// transaction writes into an externally owned account. From Prague on a call to such an account
/// runs the delegate's code in the account's context (the delegate's own code, never a further
/// delegation and never a precompile); EXTCODESIZE, EXTCODECOPY and EXTCODEHASH read the 23
/// bytes themselves.
public enum Delegation {
    /// The three bytes that open a designator.
    public static let prefix: [UInt8] = [0xef, 0x01, 0x00]
    /// A designator's length: the prefix and a 20-byte address.
    public static let size = 23

    /// The delegate named by `code` when it is a delegation designator, else nil.
    @inlinable public static func target(of code: Bytes) -> Address? {
        guard code.count == 23, code[0] == 0xef, code[1] == 0x01, code[2] == 0x00 else { return nil }
        return code.withUnsafeBytes { Address(bigEndian: UnsafeRawBufferPointer(rebasing: $0[3...])) }
    }

    /// The designator that delegates to `address`.
    public static func designator(for address: Address) -> Bytes { prefix + address.bytes }
}

extension EEHost {
    /// The delegate whose code a call to `address` runs under the block's fork: the address its
    /// delegation designator names from Prague on; nil when it holds none, or before Prague.
    /// (Only a 23-byte code is read, so other calls pay one size lookup.)
    public func delegate(of address: Address) -> Address? {
        guard block.fork >= .prague, codeSize(address) == Delegation.size else { return nil }
        return Delegation.target(of: code(address).bytes)
    }
}
