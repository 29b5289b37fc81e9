import CEVM

/// Keccak-256 as Ethereum uses it (the original padding, not SHA3-256), from the CEVM core.
public enum Keccak {
    /// keccak256 of `data`.
    public static func hash<C: Collection>(_ data: C) -> Bytes32 where C.Element == UInt8 {
        var out = [UInt8](repeating: 0, count: 32)
        let done: Void? = data.withContiguousStorageIfAvailable { buf in
            out.withUnsafeMutableBufferPointer { o in
                cevm_keccak256(buf.baseAddress, buf.count, o.baseAddress)
            }
        }
        if done == nil {
            let copy = Array(data)
            copy.withUnsafeBufferPointer { buf in
                out.withUnsafeMutableBufferPointer { o in cevm_keccak256(buf.baseAddress, buf.count, o.baseAddress) }
            }
        }
        return Bytes32(out)
    }

    /// keccak256 of the empty string: the code hash of an account without code.
    public static let empty = Bytes32(Hex.decode("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")!)
    /// keccak256(rlp("")): the root of an empty trie.
    public static let emptyTrieRoot = Bytes32(Hex.decode("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")!)
    /// keccak256(rlp([])): the logs hash of a transaction without logs.
    public static let emptyListHash = Bytes32(Hex.decode("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")!)
}
