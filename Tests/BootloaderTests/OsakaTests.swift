import EEKitTestSupport
import Testing

@testable import EEKit

/// Osaka's rules that the EVM and the transactions see, each pinned to its EIP: CLZ (EIP-7939),
/// the transaction gas cap (EIP-7825) and six blobs per transaction (EIP-7594). (MODEXP's
/// bounds and prices and P256VERIFY are PrecompileTests'.)
struct OsakaTests {
    /// CLZ (0x1e): the leading zero bits of a word, 256 for zero, for 5 gas; before Osaka 0x1e
    /// is undefined and fails the frame.
    @Test func countLeadingZeros() throws {
        let cases: [(U256, UInt64)] = [
            (.zero, 256), (U256(1), 255), (U256(2), 254), (U256(UInt64.max), 192), (U256(limbs: (0, 1, 0, 0)), 191),
            (U256(limbs: (0, 0, 0, 1 << 63)), 0), (.max, 0), (U256(limbs: (5, 0, 1, 0)), 127), (U256(limbs: (0, 0, 0, 0xff)), 56),
        ]
        for (x, expected) in cases {
            // PUSH32 x, CLZ, PUSH0, SSTORE, STOP
            let code: Bytes = [0x7f] + x.bigEndianBytes + [0x1e, Op.push0, Op.sstore, Op.stop]
            let (world, boot) = PragueTests.world([0xc1: code], fork: .osaka)
            let r = try boot.execute(PragueTests.call(Address(low: 0xc1), nonce: 0)).get()
            #expect(r.status == .success && world.storage(Address(low: 0xc1), .zero) == U256(expected), "clz(\(x))")
            if expected != 0 {
                // PUSH32 (3) + CLZ (5) + PUSH0 (2) + a new cold slot (22,100).
                #expect(r.gasUsed == 21_000 + 3 + 5 + 2 + 22_100, "\(r.gasUsed)")
            }
        }
        let (world, boot) = PragueTests.world([0xc1: [Op.push1, 1, 0x1e, Op.push0, Op.sstore, Op.stop]], fork: .prague)
        let r = try boot.execute(PragueTests.call(Address(low: 0xc1), nonce: 0)).get()
        #expect(r.status.isFailure && world.storage(Address(low: 0xc1), .zero).isZero)
        #expect(Fork.introducing(opcode: 0x1e) == .osaka)
    }

    /// EIP-7825: no transaction above 2^24 gas from Osaka, whatever the block allows.
    @Test func transactionGasCap() throws {
        let (_, osaka) = PragueTests.world([:], fork: .osaka)
        let to = Address(low: 0xee)
        #expect(osaka.validate(PragueTests.call(to, nonce: 0, gas: 16_777_216)) == .success(21_000))
        #expect(osaka.validate(PragueTests.call(to, nonce: 0, gas: 16_777_217)) == .failure(.gasLimitExceedsMaximum(U256(16_777_217))))
        let (_, prague) = PragueTests.world([:], fork: .prague)
        #expect(prague.validate(PragueTests.call(to, nonce: 0, gas: 16_777_217)) == .success(21_000))
    }

    /// A `ContractSession`'s transactions default to 30,000,000 gas, and from Osaka to the cap:
    /// with 30,000,000 every default transaction of an Osaka session was rejected.
    @Test func sessionDefaultGasFollowsTheCap() throws {
        let session = ContractSession()
        #expect(session.defaultGasLimit == 30_000_000)
        session.boot.useFork(.osaka)
        #expect(session.defaultGasLimit == 16_777_216)
        // PUSH1 1, PUSH0, SSTORE as init code (deploys empty code).
        let r = try session.deploy([Op.push1, 1, Op.push0, Op.sstore], kind: .evm)
        #expect(r.status.isSuccess)
        session.gasLimit = 20_000_000
        #expect(throws: EEError.self) { try session.deploy([Op.stop], kind: .evm) }
        // And never above the block's gas limit (a review: a 10M block rejected every default
        // transaction).
        session.gasLimit = nil
        session.boot.block.gasLimit = 10_000_000
        #expect(session.defaultGasLimit == 10_000_000)
        #expect(try session.deploy([Op.stop], kind: .evm).status.isSuccess)
        session.boot.useFork(.cancun)
        #expect(session.defaultGasLimit == 10_000_000)
    }

    /// EIP-7594: at most six blobs per transaction from Osaka (the block still takes nine).
    @Test func sixBlobsPerTransaction() throws {
        func blobs(_ n: Int) -> Transaction {
            Transaction(
                type: .blob, sender: PragueTests.sender, nonce: .zero, gasLimit: U256(100_000), to: Address(low: 0xee),
                maxFeePerGas: U256(1), blobVersionedHashes: Array(repeating: Bytes32([1] + Bytes(repeating: 0, count: 31)), count: n),
                maxFeePerBlobGas: U256(1))
        }
        let (_, osaka) = PragueTests.world([:], fork: .osaka)
        #expect(osaka.validate(blobs(6)).isSuccess && osaka.validate(blobs(7)) == .failure(.blobGasExceeded))
        let (_, prague) = PragueTests.world([:], fork: .prague)
        #expect(prague.validate(blobs(7)).isSuccess)
    }

    /// P256VERIFY answers at 0x100 from Osaka (the default table, `Precompiles.osaka()`); under
    /// Prague 0x100 is an ordinary address (code stored there runs), and an embedder's own hook
    /// at 0x100 is not set aside under older forks.
    @Test func p256VerifyIsAtItsAddressFromOsaka() throws {
        let input = TestVectors.p256Valid  // a signature execution-specs accepts
        let code: Bytes = [Op.push1, 7, Op.push0, Op.mstore, Op.push1, 32, Op.push0, Op.ret]  // returns 7
        for fork in [Fork.prague, .osaka] {
            let world = WorldState(store: MemoryStore(accounts: [
                PragueTests.sender: Account(balance: U256(1_000_000_000_000_000)), Address(low: 0x100): Account(nonce: 1, kind: .evm, code: code),
            ], storage: [:]))
            var block = BlockContext()
            block.fork = fork
            let boot = Bootloader(world: world, registry: .standard, block: block)
            let r = try boot.execute(PragueTests.call(Address(low: 0x100), nonce: 0, data: input)).get()
            #expect(r.output == U256(fork == .osaka ? 1 : 7).bigEndianBytes, "\(fork)")
        }
    }
}
