import CEVM

/// Keccak-256 as Ethereum uses it (the original padding, not SHA3-256), from the CEVM core.
public enum Keccak {
    /// keccak256 of `data`.
    public static func hash<C: Collection>(_ data: C) -> Bytes32 where C.Element == UInt8 {
        // Straight into a stack buffer: no array for the result.
        var out: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &out) { o in
            let dst = o.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let done: Void? = data.withContiguousStorageIfAvailable { buf in
                cevm_keccak256(buf.baseAddress, buf.count, dst)
            }
            if done == nil {
                let copy = Array(data)
                copy.withUnsafeBufferPointer { buf in cevm_keccak256(buf.baseAddress, buf.count, dst) }
            }
        }
        return withUnsafeBytes(of: out) { Bytes32(bigEndian: $0) }
    }

    /// keccak256 of the empty string: the code hash of an account without code.
    public static let empty = Bytes32(Hex.decode("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")!)
    /// keccak256(rlp("")): the root of an empty trie.
    public static let emptyTrieRoot = Bytes32(Hex.decode("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")!)
    /// keccak256(rlp([])): the logs hash of a transaction without logs.
    public static let emptyListHash = Bytes32(Hex.decode("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")!)
}
