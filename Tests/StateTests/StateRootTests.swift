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
