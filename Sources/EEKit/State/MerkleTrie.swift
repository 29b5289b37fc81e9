/// The root of a Merkle-Patricia trie (Ethereum yellow paper, appendix D), built in one pass
/// from all its entries. EEKit computes roots on demand, so no node database is kept.
public enum MerkleTrie {
    /// The root hash over `entries` (keys are byte strings, values non-empty byte strings).
    /// Duplicate keys keep the last value. Recursive in the key length: thousands of keys that
    /// are prefixes of one another (unbounded raw keys) can exhaust the stack; `secureRoot`'s
    /// 32-byte hashed keys, what Ethereum's state and storage tries use, cannot.
    public static func root(_ entries: [(key: Bytes, value: Bytes)]) -> Bytes32 {
        if entries.isEmpty { return Keccak.emptyTrieRoot }
        var byKey = [Bytes: Bytes]()
        for e in entries { byKey[e.key] = e.value }
        let items: [(nibbles: [UInt8], value: Bytes)] = byKey.map { (nibbles(of: $0.key), $0.value) }
            .sorted { $0.nibbles.lexicographicallyPrecedes($1.nibbles) }
        let node = encodeNode(items[...], depth: 0)
        return Keccak.hash(node)
    }

    /// The secure-trie root: every key is replaced by its keccak256 first.
    public static func secureRoot(_ entries: [(key: Bytes, value: Bytes)]) -> Bytes32 {
        root(entries.map { (Keccak.hash($0.key).bytes, $0.value) })
    }

    static func nibbles(of key: Bytes) -> [UInt8] {
        var n = [UInt8]()
        n.reserveCapacity(key.count * 2)
        for b in key { n.append(b >> 4); n.append(b & 0x0f) }
        return n
    }

    /// Hex-prefix encoding of a nibble path (appendix C).
    static func hexPrefix(_ path: ArraySlice<UInt8>, leaf: Bool) -> Bytes {
        var out = Bytes()
        let flag: UInt8 = leaf ? 2 : 0
        var i = path.startIndex
        if path.count % 2 == 1 {
            out.append((flag + 1) << 4 | path[i])
            i += 1
        } else {
            out.append(flag << 4)
        }
        while i < path.endIndex {
            out.append(path[i] << 4 | path[i + 1])
            i += 2
        }
        return out
    }

    /// How a child is referenced from its parent: inline if its encoding is shorter than
    /// 32 bytes, else by hash.
    static func reference(_ encodedNode: Bytes) -> RLP {
        encodedNode.count < 32 ? .encoded(encodedNode) : .bytes(Keccak.hash(encodedNode).bytes)
    }

    /// Encodes the node for sorted `items` that share their first `depth` nibbles.
    static func encodeNode(_ items: ArraySlice<(nibbles: [UInt8], value: Bytes)>, depth: Int) -> Bytes {
        let first = items[items.startIndex]
        if items.count == 1 {
            return RLP.list([.bytes(hexPrefix(first.nibbles[depth...], leaf: true)), .bytes(first.value)]).encoded
        }
        // Longest common prefix beyond depth (items are sorted: compare first and last).
        let last = items[items.endIndex - 1]
        var common = depth
        let limit = min(first.nibbles.count, last.nibbles.count)
        while common < limit && first.nibbles[common] == last.nibbles[common] { common += 1 }
        if common > depth {
            let child = encodeNode(items, depth: common)
            return RLP.list([.bytes(hexPrefix(first.nibbles[depth..<common], leaf: false)), reference(child)]).encoded
        }
        // Branch.
        var children = [RLP](repeating: .bytes([]), count: 17)
        var i = items.startIndex
        while i < items.endIndex {
            if items[i].nibbles.count == depth {
                children[16] = .bytes(items[i].value)
                i += 1
                continue
            }
            let nib = items[i].nibbles[depth]
            var j = i + 1
            while j < items.endIndex && items[j].nibbles.count > depth && items[j].nibbles[depth] == nib { j += 1 }
            children[Int(nib)] = reference(encodeNode(items[i..<j], depth: depth + 1))
            i = j
        }
        return RLP.list(children).encoded
    }
}
