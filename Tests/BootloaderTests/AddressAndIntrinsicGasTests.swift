import EEKit
import Testing

/// CREATE and CREATE2 addresses against published vectors: the other tests take their
/// expected addresses from `DeploymentAddress` itself, so a wrong derivation would agree with
/// itself there.
@Suite struct DeploymentAddressTests {
    static func address(_ hex: String) -> Address { Address(hex: hex)! }

    /// keccak256(rlp([sender, nonce]))[12:] (Yellow Paper, eq. 85): nonce 0 is the empty string
    /// (0x80), 1...0x7f a single byte, from 0x80 a length-prefixed string. The first four are
    /// the well-known vectors for sender 0x6ac7...dbf0; the rest were computed with pycryptodome's
    /// keccak and a hand-written RLP.
    @Test func createAddressesFollowTheRLPOfTheNonce() {
        let sender = Self.address("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0")
        let cases: [(UInt64, String)] = [
            (0, "0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d"),
            (1, "0x343c43a37d37dff08ae8c4a11544c718abb4fcf8"),
            (2, "0xf778b86fa74e846c4f0a1fbd1335fe81c00a0c91"),
            (3, "0xfffd933a0bc612844eaf0c6fe3e5b8e9b6c1d19c"),
            (0x7f, "0x06d9a77f5e4b311bae8d559db9cdb4df94104aa0"),
            (0x80, "0x08e190dcb7b73f5fcdabb43e102215c83659a76d"),
            (0x100, "0x3837c1ae70354f670550c746580199ac6a73cb0a"),
            (UInt64.max - 1, "0x9ab3917bcc9efbcf7de35bced143ed95c3b3cbf5"),
        ]
        for (nonce, want) in cases {
            #expect(DeploymentAddress.create(deployer: sender, nonce: nonce) == Self.address(want), "nonce \(nonce)")
        }
    }

    /// keccak256(0xff ++ deployer ++ salt ++ keccak256(init_code))[12:]: the seven examples of
    /// EIP-1014, empty init code included.
    @Test func create2AddressesAreEIP1014sExamples() {
        let zero20 = "0x0000000000000000000000000000000000000000"
        let beef = "0xdeadbeef00000000000000000000000000000000", beefLow = "0x00000000000000000000000000000000deadbeef"
        let zeroSalt = Bytes32.zero
        let feed = Bytes32(hex: "0x000000000000000000000000feed000000000000000000000000000000000000")!
        let cafe = Bytes32(hex: "0x00000000000000000000000000000000000000000000000000000000cafebabe")!
        let cases: [(String, Bytes32, Bytes, String)] = [
            (zero20, zeroSalt, [0x00], "0x4d1a2e2bb4f88f0250f26ffff098b0b30b26bf38"),
            (beef, zeroSalt, [0x00], "0xb928f69bb1d91cd65274e3c79d8986362984fda3"),
            (beef, feed, [0x00], "0xd04116cdd17bebe565eb2422f2497e06cc1c9833"),
            (zero20, zeroSalt, [0xde, 0xad, 0xbe, 0xef], "0x70f2b2914a2a4b783faefb75f459a580616fcb5e"),
            (beefLow, cafe, [0xde, 0xad, 0xbe, 0xef], "0x60f3f640a8508fc6a86d45df051962668e1e8ac7"),
            (beefLow, cafe, Array([Bytes](repeating: [0xde, 0xad, 0xbe, 0xef], count: 11).joined()),
             "0x1d8bfdc5d46dc4f61d6b6115972536ebe6a8854c"),
            (zero20, zeroSalt, [], "0xe33c0c7f7df4809055c3eba6c09cfe4baf1bd9e0"),
        ]
        for (i, (deployer, salt, initcode, want)) in cases.enumerated() {
            let got = DeploymentAddress.create2(deployer: Self.address(deployer), salt: salt, initcode: initcode)
            #expect(got == Self.address(want), "EIP-1014 example \(i)")
        }
    }

    /// A contract-creation transaction lands at CREATE(sender, the sender's nonce before the
    /// transaction), and a second one at the next nonce (the derivation reads the nonce the
    /// sender has when its frame deploys, not one more).
    @Test func creationTransactionsLandAtTheSendersNonce() throws {
        let w = EVMWorld(contracts: [:])
        // Init code returning one byte of code: PUSH1 1 PUSH1 0 RETURN (the byte at 0 is 0x00).
        let initcode: Bytes = [0x60, 0x01, 0x60, 0x00, 0xf3]
        for nonce: UInt64 in [0, 1] {
            #expect(w.world.nonce(EVMWorld.sender) == nonce)
            let tx = Transaction(sender: EVMWorld.sender, nonce: U256(nonce), gasLimit: U256(200_000), to: nil, data: initcode)
            guard case .success(let r) = try w.boot.execute(tx) else {
                Issue.record("nonce \(nonce): rejected")
                return
            }
            #expect(r.status == .success)
            let want = DeploymentAddress.create(deployer: EVMWorld.sender, nonce: nonce)
            #expect(r.createdAddress == want)
            #expect(w.world.account(want)?.code == [0x00])
        }
    }
}

/// Intrinsic gas per EIP-2 (the creation surcharge from Homestead), EIP-2028 (16 gas per
/// non-zero data byte from Istanbul), EIP-2930 (2,400 per address, 1,900 per storage key) and
/// EIP-3860 (2 per 32-byte word of init code, rounded up, from Shanghai), at each boundary.
@Suite struct IntrinsicGasTests {
    static let sender = Address(low: 0x5e5e)

    @Test func dataBytesAndTheCreationSurchargeAtTheirForks() {
        let call = Transaction(sender: Self.sender, gasLimit: U256(1), to: Address(low: 1), data: [0, 1, 0, 0xff])
        #expect(call.intrinsicGas(fork: .petersburg) == 21_000 + 4 + 68 + 4 + 68)
        #expect(call.intrinsicGas(fork: .istanbul) == 21_000 + 4 + 16 + 4 + 16)
        #expect(call.intrinsicGas == 21_040)
        let create = Transaction(sender: Self.sender, gasLimit: U256(1), to: nil)
        #expect(create.intrinsicGas(fork: .frontier) == 21_000)
        #expect(create.intrinsicGas(fork: .homestead) == 53_000)
    }

    /// EIP-3860's word cost rounds up (33 bytes are two words) and starts at Shanghai itself.
    @Test func initCodeWordsRoundUpFromShanghai() {
        func create(_ n: Int) -> Transaction {
            Transaction(sender: Self.sender, gasLimit: U256(1), to: nil, data: Bytes(repeating: 1, count: n))
        }
        #expect(create(33).intrinsicGas(fork: .paris) == 53_000 + 33 * 16)
        #expect(create(33).intrinsicGas(fork: .shanghai) == 53_000 + 33 * 16 + 2 * 2)
        #expect(create(32).intrinsicGas(fork: .shanghai) == 53_000 + 32 * 16 + 2)
        #expect(create(1).intrinsicGas(fork: .cancun) == 53_000 + 16 + 2)
        #expect(create(0).intrinsicGas(fork: .cancun) == 53_000)
    }

    /// 2,400 per address and 1,900 per key: two addresses, one with three keys.
    @Test func accessListAddressesAndKeys() {
        let tx = Transaction(
            type: .accessList, sender: Self.sender, gasLimit: U256(1), to: Address(low: 1),
            accessList: [
                .init(address: Address(low: 2), storageKeys: []),
                .init(address: Address(low: 3), storageKeys: [U256(1), U256(2), U256(3)]),
            ])
        #expect(tx.intrinsicGas == 21_000 + 2 * 2_400 + 3 * 1_900)
    }

    /// Legacy and EIP-2930 transactions pay `gasPrice` as both fee caps (EIP-1559's rule for
    /// the older types); EIP-1559 and EIP-4844 ones keep their own.
    @Test func feeCapsOfEachType() {
        for type in [Transaction.TxType.legacy, .accessList] {
            let tx = Transaction(
                type: type, sender: Self.sender, gasLimit: U256(1), to: nil, gasPrice: U256(7), maxFeePerGas: U256(99),
                maxPriorityFeePerGas: U256(98))
            #expect(tx.maxFeePerGas == U256(7) && tx.maxPriorityFeePerGas == U256(7), "\(type)")
        }
        for type in [Transaction.TxType.dynamicFee, .blob] {
            let tx = Transaction(
                type: type, sender: Self.sender, gasLimit: U256(1), to: nil, gasPrice: U256(7), maxFeePerGas: U256(99),
                maxPriorityFeePerGas: U256(98))
            #expect(tx.maxFeePerGas == U256(99) && tx.maxPriorityFeePerGas == U256(98), "\(type)")
        }
    }
}
