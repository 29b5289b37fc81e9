import EEKit
import Foundation
import Testing

/// Where the shared fixtures live: <repo>/../shared/fixtures.
enum Fixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // StateTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repo
    static let generalStateTests = repoRoot
        .appendingPathComponent("../shared/fixtures/ethereum-tests/GeneralStateTests").standardized

    static func folder(_ name: String) -> String { generalStateTests.appendingPathComponent(name).path }

    /// Writes the first test of the fixture file at `path` into `dir/t.json` with its first
    /// Cancun post entry changed by `edit`, and returns that file.
    static func withFirstCancunEntry(
        of path: String, editedBy edit: (inout [String: Any]) -> Void, into dir: URL
    ) throws -> URL {
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let name = try #require(original.keys.first)
        var test = try #require(original[name] as? [String: Any])
        var post = try #require(test["post"] as? [String: Any])
        var cancun = try #require(post["Cancun"] as? [[String: Any]])
        try #require(!cancun.isEmpty)
        edit(&cancun[0])
        post["Cancun"] = cancun
        test["post"] = post
        let file = dir.appendingPathComponent("t.json")
        try JSONSerialization.data(withJSONObject: [name: test]).write(to: file)
        return file
    }
}

/// RLP, Merkle-Patricia trie and state-root checks that need no EE.
@Suite struct StateRootTests {
    @Test func rlpVectors() {
        #expect(RLP.bytes([]).encoded == [0x80])
        #expect(RLP.bytes([0x7f]).encoded == [0x7f])
        #expect(RLP.bytes([0x80]).encoded == [0x81, 0x80])
        #expect(RLP.list([]).encoded == [0xc0])
        #expect(RLP.uint(UInt64(1024)).encoded == [0x82, 0x04, 0x00])
        #expect(RLP.list([.bytes(Array("cat".utf8)), .bytes(Array("dog".utf8))]).encoded
            == [0xc8, 0x83, 0x63, 0x61, 0x74, 0x83, 0x64, 0x6f, 0x67])
        let long = Bytes(repeating: 0x61, count: 56)
        #expect(RLP.bytes(long).encoded.prefix(2) == [0xb8, 56])
    }

    @Test func trieVectors() {
        #expect(MerkleTrie.root([]) == Keccak.emptyTrieRoot)
        // From the Ethereum trie tests (trietest.json "branchingTests"/"emptyValues" style):
        // {"do": "verb", "dog": "puppy", "doge": "coin", "horse": "stallion"}.
        let entries: [(key: Bytes, value: Bytes)] = [
            (Array("do".utf8), Array("verb".utf8)), (Array("dog".utf8), Array("puppy".utf8)),
            (Array("doge".utf8), Array("coin".utf8)), (Array("horse".utf8), Array("stallion".utf8)),
        ]
        #expect(MerkleTrie.root(entries).hex == "0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84")
        #expect(WorldState.logsHash([]) == Keccak.emptyListHash)
    }

    /// RLP edge cases from the Yellow Paper (appendix B) where one byte of the encoding
    /// changes: a single byte below 0x80 is itself (0x00 too), 55 bytes is the last short
    /// length and 56 the first long one (for strings and lists alike), a 1024-byte length
    /// takes two length bytes, and nested empty lists (the "set theoretical representation of
    /// three" of the Ethereum wiki's RLP page). Mutation testing: 0x00 encoded as 0x81 0x00
    /// went unnoticed (a one-byte zero log payload then changed the logs hash).
    @Test func rlpLengthBoundaries() {
        #expect(RLP.bytes([0x00]).encoded == [0x00])
        #expect(RLP.bytes([0x01]).encoded == [0x01])
        #expect(RLP.bytes([0xff]).encoded == [0x81, 0xff])
        #expect(RLP.uint(UInt64(0)).encoded == [0x80])
        #expect(RLP.uint(UInt64(15)).encoded == [0x0f])
        let s55 = Bytes(repeating: 0x61, count: 55), s56 = Bytes(repeating: 0x61, count: 56)
        #expect(RLP.bytes(s55).encoded == [0xb7] + s55)
        #expect(RLP.bytes(s56).encoded == [0xb8, 0x38] + s56)
        let s1024 = Bytes(repeating: 0x62, count: 1024)
        #expect(RLP.bytes(s1024).encoded == [0xb9, 0x04, 0x00] + s1024)
        // Lists whose payload is 55 and 56 bytes: a 54-byte string (55 encoded) and a
        // 55-byte one (56 encoded).
        let s54 = Bytes(repeating: 0x61, count: 54)
        #expect(RLP.list([.bytes(s54)]).encoded == [0xf7, 0xb6] + s54)
        #expect(RLP.list([.bytes(s55)]).encoded == [0xf8, 0x38, 0xb7] + s55)
        // [ [], [[]], [ [], [[]] ] ]
        let three = RLP.list([.list([]), .list([.list([])]), .list([.list([]), .list([.list([])])])])
        #expect(three.encoded == [0xc7, 0xc0, 0xc1, 0xc0, 0xc3, 0xc0, 0xc1, 0xc0])
        // A log with the one-byte payload 0x00: [address, [], 0x00].
        let log = Log(address: Address(low: 1), topics: [], data: [0x00])
        let body: Bytes = [0x94] + Address(low: 1).bytes + [0xc0, 0x00]
        #expect(WorldState.logsHash([log]) == Keccak.hash([0xc0 + UInt8(body.count + 1), 0xc0 + UInt8(body.count)] + body))
    }

    /// Roots from ethereum/tests TrieTests (trieanyorder.json and the final states of
    /// trietest.json), each a different node layout: extensions into branches with values,
    /// leaves inlined in their parent (encodings under 32 bytes) and hashed ones, binary keys.
    /// Mutation testing: inlining a node of exactly 32 bytes went unnoticed by the state
    /// tests (secure keys make such nodes rare).
    @Test func publishedTrieRoots() {
        func root(_ pairs: [(String, String)]) -> String {
            func bytes(_ s: String) -> Bytes { s.hasPrefix("0x") ? Hex.decode(String(s.dropFirst(2)))! : Array(s.utf8) }
            return MerkleTrie.root(pairs.map { (bytes($0.0), bytes($0.1)) }).hex
        }
        #expect(root([("doe", "reindeer"), ("dog", "puppy"), ("dogglesworth", "cat")])
            == "0x8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3")
        #expect(root([("foo", "bar"), ("food", "bass")])
            == "0x17beaa1648bafa633cda809c90c04af50fc8aed3cb40d16efbddee6fdf63c4c3")
        #expect(root([("be", "e"), ("dog", "puppy"), ("bed", "d")])
            == "0x3f67c7a47520f79faa29255d2d3c084a7a6df0453116ed7232ff10277a8be68b")
        #expect(root([("test", "test"), ("te", "testy")])
            == "0x8452568af70d8d140f58d941338542f645fcca50094b20f3c3d8c3df49337928")
        #expect(root([("0x0045", "0x0123456789"), ("0x4500", "0x9876543210")])
            == "0x285505fcabe84badc8aa310e2aae17eddc7d120aabec8a476902c8184b3a3503")
        #expect(root([("abc", "abc"), ("abcd", "abcd")])
            == "0x7a320748f780ad9ad5b0837302075ce0eeba6c26e3d8562c67ccc0f1b273298a")
        #expect(root([
            ("key1aa", "0123456789012345678901234567890123456789xxx"),
            ("key1", "0123456789012345678901234567890123456789Very_Long"),
            ("key2bb", "aval3"), ("key2", "short"), ("key3cc", "aval3"), ("key3", "1234567890123456789012345678901"),
        ]) == "0xcb65032e2f76c48b82b5c24b3db8f670ce73982869d38cd39a624f23d62a9e89")
        // Duplicate keys keep the last value (as MerkleTrie.root documents).
        #expect(root([("foo", "old"), ("foo", "bar"), ("food", "bass")])
            == "0x17beaa1648bafa633cda809c90c04af50fc8aed3cb40d16efbddee6fdf63c4c3")
    }

    /// The root commits to the EE kind of each account's code: the same bytes as EVM code and
    /// as a native contract give different roots (a design review: the Ethereum leaf alone made
    /// them equal). EVM and code-less accounts keep Ethereum's leaf.
    @Test func rootCommitsToTheEEKind() throws {
        let a = Address(low: 0xabc), code: Bytes = [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01]
        func root(_ kind: EEKind) throws -> Bytes32 {
            try WorldState(store: MemoryStore(accounts: [a: Account(nonce: 1, balance: U256(5), kind: kind, code: code)]))
                .stateRoot()
        }
        let evm = try root(.evm), riscv = try root(.riscv), wasm = try root(.wasm)
        #expect(evm != riscv && evm != wasm && riscv != wasm)
        let leaf = Account(nonce: 1, balance: U256(5), kind: .evm, code: code).trieLeaf(storageRoot: Keccak.emptyTrieRoot)
        #expect(leaf == RLP.list([.uint(UInt64(1)), .uint(U256(5)), .hash(Keccak.emptyTrieRoot), .hash(Keccak.hash(code))]).encoded)
        let native = Account(nonce: 1, balance: U256(5), kind: .riscv, code: code).trieLeaf(storageRoot: Keccak.emptyTrieRoot)
        #expect(native == RLP.list([.uint(UInt64(1)), .uint(U256(5)), .hash(Keccak.emptyTrieRoot), .hash(Keccak.hash(code)), .uint(UInt64(3))]).encoded)
    }

    /// Every invalid-transaction entry's `hash` is the root of the unchanged pre state: that
    /// checks the state trie, account encoding and storage tries over many real states.
    @Test(arguments: ["stExample", "stTransactionTest", "stEIP1559", "Cancun", "stEIP3607"])
    func preStateRootsOfInvalidTransactions(_ folder: String) throws {
        let files = try StateTestRunner.fixtureFiles([Fixtures.folder(folder)])
        var checked = 0
        for f in files {
            for t in try StateTestCase.load(path: f) {
                for e in t.post["Cancun"] ?? [] where e.expectException != nil {
                    let world = WorldState(store: MemoryStore(accounts: t.pre, storage: t.preStorage))
                    #expect(try world.stateRoot() == e.hash, "\(t.name) [\(e.index)]")
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }
}
