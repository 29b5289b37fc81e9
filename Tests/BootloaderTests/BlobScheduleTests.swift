import EEKitTestSupport
import Foundation
import Testing

@testable import EEKit

/// Blob schedules (EIP-7840, EIP-7892): the blob-parameter-only forks BPO1 and BPO2, a chain's
/// own schedule on `BlockContext.blobSchedule`, and a state test's `config.blobSchedule`.
struct BlobScheduleTests {
    static func blobs(_ n: Int) -> Transaction {
        Transaction(
            type: .blob, sender: PragueTests.sender, nonce: .zero, gasLimit: U256(100_000), to: Address(low: 0xee),
            maxFeePerGas: U256(1), blobVersionedHashes: Array(repeating: Bytes32([1] + Bytes(repeating: 0, count: 31)), count: n),
            maxFeePerBlobGas: U256(1))
    }

    /// Each fork's own schedule, as the EIPs and execution-specs' fork modules give them.
    @Test func eachForksSchedule() {
        let expected: [(Fork, UInt64, UInt64, UInt64)] = [
            (.cancun, 3, 6, 3_338_477), (.prague, 6, 9, 5_007_716), (.osaka, 6, 9, 5_007_716),
            (.bpo1, 10, 15, 8_346_193), (.bpo2, 14, 21, 11_684_671),
        ]
        for (fork, target, max, fraction) in expected {
            #expect(BlobSchedule.of(fork) == BlobSchedule(target: target, max: max, baseFeeUpdateFraction: fraction), "\(fork)")
            #expect(BlobSchedule.of(fork).maxBlobGasPerBlock == max * 131_072)
        }
        #expect(Fork(name: "BPO1") == .bpo1 && Fork(name: "bpo2") == .bpo2 && Fork.newest == .bpo2)
        #expect(Fork(name: "OSAKA") == .osaka && Fork(name: "Osa\u{212A}a") == nil)
        #expect(Fork.bpo1.rules == .osaka && Fork.bpo2.rules == .osaka && Fork.cancun.rules == .cancun)
        #expect(Fork.bpo2.cevmRevision == Fork.osaka.cevmRevision)
    }

    /// BPO1 and BPO2 run Osaka's rules (CLZ, the 2^24 gas cap, six blobs per transaction) with
    /// their own blob base fee: BLOBBASEFEE under the same excess blob gas follows each fork's
    /// update fraction (values from EIP-4844's fake_exponential).
    @Test func bpoForksAreOsakaWithTheirBlobFee() throws {
        for (fork, fee) in [(Fork.osaka, U256(470_442_149)), (.bpo1, U256(159_773)), (.bpo2, U256(5_209))] {
            // BLOBBASEFEE, PUSH0, SSTORE, PUSH1 1, CLZ, PUSH1 1, SSTORE, STOP
            let code: Bytes = [0x4a, Op.push0, Op.sstore, Op.push1, 1, 0x1e, Op.push1, 1, Op.sstore, Op.stop]
            let w = EVMWorld(contracts: [0xc1: code], fork: fork)
            w.boot.block.blobBaseFee = BlobFees.baseFee(excessBlobGas: 100_000_000, fork: fork)
            let r = try w.boot.execute(PragueTests.call(Address(low: 0xc1), nonce: 0)).get()
            #expect(r.status == .success, "\(fork)")
            #expect(w.world.storage(Address(low: 0xc1), .zero) == fee, "\(fork)")
            #expect(w.world.storage(Address(low: 0xc1), U256(1)) == U256(255), "\(fork): CLZ(1)")
            #expect(w.boot.validate(PragueTests.call(Address(low: 0xee), nonce: 1, gas: 16_777_217))
                == .failure(.gasLimitExceedsMaximum(U256(16_777_217))))
            let fresh = EVMWorld(contracts: [:], fork: fork)
            #expect(fresh.boot.validate(Self.blobs(6)).isSuccess && fresh.boot.validate(Self.blobs(7)) == .failure(.blobGasExceeded))
        }
    }

    /// A chain's own schedule limits the blobs of a transaction; nil is the fork's.
    @Test func aChainsOwnScheduleLimitsBlobs() {
        let w = EVMWorld(contracts: [:], fork: .prague)
        #expect(w.boot.validate(Self.blobs(9)).isSuccess)
        w.boot.block.blobSchedule = BlobSchedule(target: 1, max: 2, baseFeeUpdateFraction: 1_000)
        #expect(w.boot.block.blobParameters.max == 2)
        #expect(w.boot.validate(Self.blobs(2)).isSuccess && w.boot.validate(Self.blobs(3)) == .failure(.blobGasExceeded))
        w.boot.block.blobSchedule = nil
        #expect(w.boot.validate(Self.blobs(9)).isSuccess && w.boot.validate(Self.blobs(10)) == .failure(.blobGasExceeded))
    }

    /// The blob base fee for any update fraction a chain may set: exact against EIP-4844's
    /// fake_exponential (computed with Python's integers), saturating past 2^256 - 1, and
    /// 2^256 - 1 (no blob can pay) for a zero fraction instead of a division by zero.
    @Test func baseFeeForAnyFraction() {
        let big = UInt64(1) << 56
        // fake_exponential(1, 177 * 2^56, 2^56), just below 2^256 (the fraction times the round
        // number passes 2^64 in the loop, which divides by them one after the other).
        #expect(BlobFees.baseFee(excessBlobGas: 177 * big, updateFraction: big)
            == U256(hex: "0xa3f09605b4237516a526fda24141dee8f0c329e65237ad9f33418fb3ea78e5ac"))
        #expect(BlobFees.baseFee(excessBlobGas: 177 * big + big - 1, updateFraction: big) == .max)
        #expect(BlobFees.baseFee(excessBlobGas: 177, updateFraction: 1)
            == U256(decimal: "74149706136313717636432824801193834870097785191721245871950585387062543475577"))
        #expect(BlobFees.baseFee(excessBlobGas: UInt64.max, updateFraction: 1) == .max)
        #expect(BlobFees.baseFee(excessBlobGas: 7_766_279_631_452_241_925, updateFraction: 1 << 62) == U256(5))
        #expect(BlobFees.baseFee(excessBlobGas: 200_000_000, updateFraction: 8_346_193) == U256(25_527_476_631))
        #expect(BlobFees.baseFee(excessBlobGas: 0, updateFraction: 0) == .max)
    }

    /// `config.blobSchedule` sets the blob parameters of the entries of each fork it names:
    /// the fee and the blob limit follow it (checked against execution-specs' t8n with the same
    /// `blobParams`), and a zero update fraction is refused when the file loads.
    @Test func stateTestConfigSchedule() throws {
        let dir = try TestFiles.scratchFolder("blobschedule")
        defer { TestFiles.remove(dir) }
        let file = dir.appendingPathComponent("t.json")
        let sender = "0xa94f5374fce5edbac8e5a8f1b4e6d7c42ae6ce74"  // secret key 0x45a9...8a8
        func test(_ schedule: [String: Any]?, fork: String, blobs: Int) throws -> (StateTestCase, StateTestEntryOutcome) {
            var t: [String: Any] = [
                "env": [
                    "currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba", "currentGasLimit": "0x1000000",
                    "currentNumber": "0x01", "currentTimestamp": "0x03e8", "currentRandom": "0x" + String(repeating: "0", count: 64),
                    "currentBaseFee": "0x07", "currentExcessBlobGas": "0x05f5e100",
                ],
                "pre": [
                    sender: ["balance": "0x3635c9adc5dea00000", "nonce": "0x00", "code": "0x", "storage": [:]],
                    // BLOBBASEFEE, PUSH0, SSTORE
                    "0x00000000000000000000000000000000000000c1": ["balance": "0x00", "nonce": "0x01", "code": "0x4a5f55", "storage": [:]],
                ],
                "transaction": [
                    "data": ["0x"], "gasLimit": ["0x0186a0"], "value": ["0x00"], "nonce": "0x00",
                    "to": "0x00000000000000000000000000000000000000c1", "maxFeePerGas": "0x0a", "maxPriorityFeePerGas": "0x00",
                    "maxFeePerBlobGas": "0x3b9aca00",
                    "blobVersionedHashes": Array(repeating: "0x01" + String(repeating: "0", count: 62), count: blobs),
                    "secretKey": "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8",
                    "sender": sender,
                ],
                "post": [fork: [["indexes": ["data": 0, "gas": 0, "value": 0], "hash": "0x" + String(repeating: "0", count: 64),
                                 "logs": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"]]],
            ]
            if let schedule { t["config"] = ["blobSchedule": schedule] }
            try JSONSerialization.data(withJSONObject: ["t": t]).write(to: file)
            let c = try #require(try StateTestCase.load(path: file.path).first)
            var runner = StateTestRunner(registry: .standard, hooks: Precompiles.osaka())
            var outcome: StateTestEntryOutcome?
            runner.observer = { outcome = $0 }
            _ = runner.run(c, fork: fork)
            return (c, try #require(outcome))
        }
        let own: [String: Any] = ["target": "0x01", "max": "0x02", "baseFeeUpdateFraction": "0x01312d00"]
        // Under its own schedule BPO1's fee is 159,773; under fraction 20,000,000 it is 148.
        let (c1, bpo1) = try test(nil, fork: "BPO1", blobs: 1)
        #expect(c1.blobSchedules.isEmpty)
        #expect(bpo1.rejection == nil)
        #expect(try bpo1.postState?.storage(Address(low: 0xc1), .zero) == U256(159_773))
        let (c2, mine) = try test(["BPO1": own, "Amsterdam": own], fork: "BPO1", blobs: 2)
        #expect(c2.blobSchedules == [.bpo1: BlobSchedule(target: 1, max: 2, baseFeeUpdateFraction: 20_000_000)])
        #expect(mine.rejection == nil)
        #expect(try mine.postState?.storage(Address(low: 0xc1), .zero) == U256(148))
        let (_, three) = try test(["BPO1": own], fork: "BPO1", blobs: 3)
        #expect(three.rejection == .blobGasExceeded, "\(String(describing: three.rejection))")
        var zero = own
        zero["baseFeeUpdateFraction"] = "0x00"
        #expect(throws: EEError.self) { try test(["Cancun": zero], fork: "Cancun", blobs: 1) }
        // Schedule keys are fork names as post keys are (a review: `bpo1` or `Fusaka` ran the
        // post entries and was skipped here); two keys of one fork, a pre-Cancun fork's
        // entry and a malformed entry's path.
        let (c3, lower) = try test(["bpo1": own], fork: "bpo1", blobs: 2)
        #expect(c3.blobSchedules == [.bpo1: BlobSchedule(target: 1, max: 2, baseFeeUpdateFraction: 20_000_000)])
        #expect(try lower.postState?.storage(Address(low: 0xc1), .zero) == U256(148))
        let (c4, _) = try test(["Fusaka": own, "Shanghai": zero], fork: "Osaka", blobs: 1)
        #expect(c4.blobSchedules == [.osaka: BlobSchedule(target: 1, max: 2, baseFeeUpdateFraction: 20_000_000)])
        do {
            _ = try test(["Fusaka": own, "osaka": own], fork: "Osaka", blobs: 1)
            Issue.record("two schedules of Osaka loaded")
        } catch {
            #expect("\(error)".contains("Osaka already has a blob schedule"), "\(error)")
        }
        // JSON integers, as geth's genesis and t8n take them (a review found them refused);
        // not booleans, fractions or negative numbers.
        let numbers: [String: Any] = ["target": 1, "max": 2, "baseFeeUpdateFraction": 20_000_000]
        let (c5, _) = try test(["Prague": numbers], fork: "Prague", blobs: 1)
        #expect(c5.blobSchedules == [.prague: BlobSchedule(target: 1, max: 2, baseFeeUpdateFraction: 20_000_000)])
        let (c6, _) = try test(["Prague": ["target": 1, "max": 2, "baseFeeUpdateFraction": UInt64.max]], fork: "Prague", blobs: 1)
        #expect(c6.blobSchedules[.prague]?.baseFeeUpdateFraction == UInt64.max)
        for bad: Any in [true, 6.5, -1] {
            var numeric = own
            numeric["target"] = bad
            do {
                _ = try test(["Prague": numeric], fork: "Prague", blobs: 1)
                Issue.record("a target of \(bad) loaded")
            } catch {
                #expect("\(error)".contains("config.blobSchedule.Prague: 'target' is not a non-negative 64-bit integer"), "\(error)")
            }
        }
    }

    /// A saturated blob base fee (2^256 - 1 stands for a larger one) is above every max fee:
    /// the transaction is refused for its max fee, as execution-specs refuses it, not for funds.
    @Test func saturatedBlobFeeRefusesEveryMaxFee() {
        let w = EVMWorld(contracts: [:], fork: .cancun)
        w.boot.block.blobBaseFee = BlobFees.baseFee(excessBlobGas: 592_400_000)
        #expect(w.boot.block.blobBaseFee == .max)
        var tx = Self.blobs(1)
        tx.maxFeePerBlobGas = .max
        #expect(w.boot.validate(tx) == .failure(.insufficientMaxFeePerBlobGas))
        // Below saturation the max fee decides as before.
        w.boot.block.blobBaseFee = U256.max &- U256(1)
        #expect(w.boot.validate(tx) != .failure(.insufficientMaxFeePerBlobGas))
    }

    /// Fixture numbers with leading zeros: the value's bits count, not the digits (geth's
    /// reading; a review found 0x, 62 zeros and 5f5e100 refused as not a 256-bit number).
    @Test func numbersWithLeadingZeros() {
        #expect(JSONFields.number("0x" + String(repeating: "0", count: 62) + "5f5e100") == U256(100_000_000))
        #expect(JSONFields.number("0x" + String(repeating: "0", count: 100)) == .zero)
        #expect(JSONFields.number("0x") == .zero && JSONFields.number("") == .zero)
        #expect(JSONFields.number("0x1" + String(repeating: "0", count: 64)) == nil)
        #expect(JSONFields.number("0x00" + String(repeating: "f", count: 64)) == .max)
        #expect(JSONFields.number("0x0x5") == nil && JSONFields.number("0xg") == nil)
        // A second prefix after leading zeros (a review: these loaded as 10).
        #expect(JSONFields.number("0x00x0a") == nil && JSONFields.number("0x000000000x0a") == nil && JSONFields.number("0x00X0a") == nil)
        #expect(JSONFields.number("0X0A") == U256(10) && JSONFields.number("0x000a") == U256(10) && JSONFields.number("10") == U256(10))
    }

    /// The next block's excess blob gas (EIP-4844's calc_excess_blob_gas; EIP-7918's reserve
    /// price from Osaka), against execution-specs' own `calculate_excess_blob_gas` of each fork
    /// (ethereum-execution 2.20.0, random parents: up to four of each fork's plain, zero and
    /// reserve-price results).
    @Test func nextExcessBlobGasMatchesExecutionSpecs() {
        // (fork, parent excess, parent blob gas used, parent base fee, expected)
        let vectors: [(Fork, UInt64, UInt64, UInt64, UInt64)] = [
            (.bpo1, 0, 2500422, 0, 1189702),
            (.bpo1, 436887918, 0, 1000000000000, 435577198),
            (.bpo1, 217728570, 2785128, 1000000000, 219202978),
            (.bpo1, 786432, 1179648, 7, 655360),
            (.bpo1, 786432, 1703936, 1099511627776, 1354410),
            (.bpo1, 100000000, 0, 1000000000000, 100000000),
            (.bpo1, 100000000, 917504, 15612427275761279737, 100305834),
            (.bpo1, 10000000, 1284355, 1099511627776, 10428118),
            (.bpo1, 0, 0, 11124164967303553062, 0),
            (.bpo1, 393216, 0, 1000000000000, 0),
            (.bpo1, 0, 786432, 1000000000, 0),
            (.bpo1, 131072, 0, 6728027845903362813, 0),
            (.bpo2, 10000000, 1179648, 1, 9344640),
            (.bpo2, 393216, 2322754, 7, 880962),
            (.bpo2, 507040843, 667675, 1000000000, 505873510),
            (.bpo2, 187839776, 2621440, 0, 188626208),
            (.bpo2, 10000000, 1591524, 8660616162424299319, 10530508),
            (.bpo2, 13704615, 1833808, 1000000000, 14315884),
            (.bpo2, 10000000, 0, 1000000000000, 10000000),
            (.bpo2, 100000000, 0, 12251653369699692717, 100000000),
            (.bpo2, 393216, 0, 1099511627776, 0),
            (.bpo2, 393216, 0, 1099511627776, 0),
            (.bpo2, 0, 0, 624618352763604040, 0),
            (.bpo2, 393216, 1310720, 7, 0),
            (.cancun, 10000000, 393216, 7, 10000000),
            (.cancun, 10000000, 0, 1099511627776, 9606784),
            (.cancun, 918247487, 1952875, 7, 919807146),
            (.cancun, 533492027, 0, 1000000000000, 533098811),
            (.cancun, 131072, 0, 1000000000, 0),
            (.cancun, 0, 380477, 1000000000000, 0),
            (.cancun, 0, 195381, 1000000000, 0),
            (.cancun, 393216, 0, 1000000000000, 0),
            (.osaka, 393216, 917504, 0, 524288),
            (.osaka, 786432, 1048576, 0, 1048576),
            (.osaka, 131072, 1676702, 1, 1021342),
            (.osaka, 100000000, 536731, 7, 99750299),
            (.osaka, 131072, 1966080, 1099511627776, 786432),
            (.osaka, 786432, 2621440, 1099511627776, 1660245),
            (.osaka, 786432, 0, 4985045315179136818, 786432),
            (.osaka, 786432, 1966080, 1349155747158275577, 1441792),
            (.osaka, 0, 786432, 7, 0),
            (.osaka, 786432, 0, 7, 0),
            (.osaka, 0, 0, 1000000000000, 0),
            (.osaka, 786432, 0, 1, 0),
            (.prague, 131072, 1048576, 1, 393216),
            (.prague, 10000000, 1572864, 0, 10786432),
            (.prague, 0, 1310720, 1000000000, 524288),
            (.prague, 10000000, 1239224, 1185955884618306797, 10452792),
            (.prague, 131072, 0, 1099511627776, 0),
            (.prague, 0, 262144, 15122221490586160539, 0),
            (.prague, 786432, 0, 7, 0),
            (.prague, 0, 0, 1000000000000, 0),
        ]
        for (fork, excess, used, baseFee, expected) in vectors {
            #expect(
                BlobFees.excessBlobGas(parentExcess: excess, parentBlobGasUsed: used, parentBaseFee: U256(baseFee), fork: fork) == expected,
                "\(fork) \(excess) \(used) \(baseFee)")
        }
        // Where the reference raises: a sum past 2^64 - 1; under the reserve price a max of 0.
        #expect(BlobFees.excessBlobGas(parentExcess: .max, parentBlobGasUsed: 1, parentBaseFee: .zero, fork: .cancun) == nil)
        // and, under the reserve price, blob gas used x (max - target) past 2^64 - 1 (U64 there).
        #expect(BlobFees.excessBlobGas(parentExcess: 0, parentBlobGasUsed: .max, parentBaseFee: U256(1_000_000_000), fork: .osaka) == nil)
        #expect(BlobFees.excessBlobGas(parentExcess: 0, parentBlobGasUsed: UInt64.max / 3, parentBaseFee: U256(1_000_000_000), fork: .osaka)
            == UInt64.max / 3 * 3 / 9)
        let broken = BlobSchedule(target: 0, max: 0, baseFeeUpdateFraction: 1)
        #expect(BlobFees.excessBlobGas(parentExcess: 0, parentBlobGasUsed: 131_072, parentBaseFee: U256(1 << 40), fork: .osaka, schedule: broken) == nil)
        // A chain's own schedule: the same parent under a target of 1 blob.
        let own = BlobSchedule(target: 1, max: 2, baseFeeUpdateFraction: 20_000_000)
        #expect(BlobFees.excessBlobGas(parentExcess: 10_000_000, parentBlobGasUsed: 262_144, parentBaseFee: .zero, fork: .osaka, schedule: own) == 10_131_072)
        // The reserve price: 1 + 262,144 x (2 - 1) / 2 under a base fee the blob fee (1) is below.
        #expect(BlobFees.excessBlobGas(parentExcess: 1, parentBlobGasUsed: 262_144, parentBaseFee: U256(1 << 40), fork: .osaka, schedule: own) == 131_073)
    }
}
