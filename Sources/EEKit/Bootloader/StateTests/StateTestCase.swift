import CPrecompiles
import Foundation

/// One Ethereum GeneralStateTests test (filled JSON), parsed.
public struct StateTestCase: Sendable {
    public struct PostEntry: Sendable {
        public var index: Int
        public var dataIndex: Int
        public var gasIndex: Int
        public var valueIndex: Int
        public var hash: Bytes32
        public var logs: Bytes32
        public var expectException: String?
        /// The post state the filler wrote (`state`, which execution-spec-tests fixtures carry
        /// beside `hash`); nil when the entry has none. A root mismatch then names the accounts
        /// and slots that differ.
        public var expectedState: PostState?
    }

    /// A whole state as fixtures write it (`pre`, and `post[fork][i].state`): accounts, and the
    /// non-zero storage slots of each.
    public struct PostState: Sendable {
        public var accounts: [Address: Account]
        public var storage: [Address: [U256: U256]]
        public init(accounts: [Address: Account], storage: [Address: [U256: U256]]) {
            self.accounts = accounts
            self.storage = storage
        }
    }

    public struct TransactionTemplate: Sendable {
        public var type: Transaction.TxType
        public var sender: Address
        public var nonce: U256
        public var to: Address?
        public var data: [Bytes]
        public var gasLimit: [U256]
        public var value: [U256]
        public var gasPrice: U256
        public var maxFeePerGas: U256
        public var maxPriorityFeePerGas: U256
        public var accessLists: [[Transaction.AccessListEntry]?]
        public var blobVersionedHashes: [Bytes32]
        public var maxFeePerBlobGas: U256
        /// EIP-7702 `authorizationList` (a type-4 transaction); nil when the fixture has none.
        public var authorizationList: [Transaction.Authorization]? = nil
    }

    public var name: String
    public var file: String
    /// The block; its `prevrandao` is `currentRandom` (or `currentDifficulty` without it).
    public var block: BlockContext
    /// `currentExcessBlobGas` (0 without it): the blob base fee follows from it and the fork's
    /// update fraction (EIP-7691 changed it in Prague); `block.blobBaseFee` is Cancun's.
    public var excessBlobGas: UInt64 = 0
    /// `config.blobSchedule`'s entries for the forks EEKit implements (execution-spec-tests
    /// fixtures; EIP-7840): a fork's entries run under its entry here, or its own schedule.
    public var blobSchedules: [Fork: BlobSchedule] = [:]
    /// `currentDifficulty`, what DIFFICULTY (0x44) reads before Paris (EIP-4399 turned it into
    /// PREVRANDAO, `currentRandom`); fillings often carry both, with different values.
    public var difficulty: Bytes32?
    public var pre: [Address: Account]
    public var preStorage: [Address: [U256: U256]]
    public var transaction: TransactionTemplate
    public var post: [String: [PostEntry]]

    /// The transaction of one post entry.
    public func transaction(for e: PostEntry) throws(EEError) -> Transaction {
        let t = transaction
        for (field, index, count) in [("data", e.dataIndex, t.data.count), ("gas", e.gasIndex, t.gasLimit.count),
                                      ("value", e.valueIndex, t.value.count)] where !(0..<count).contains(index) {
            throw .malformedInput(
                "\(name): post index \(field) \(index) is out of range (the transaction has \(count) \(field == "gas" ? "gasLimit" : field) entries)")
        }
        // `accessLists` runs parallel to `data` (geth's runner and execution-specs index it so;
        // a shorter one is malformed), or is absent or empty (no list for any index).
        if !t.accessLists.isEmpty, e.dataIndex >= t.accessLists.count {
            throw .malformedInput(
                "\(name): post index data \(e.dataIndex) has no accessLists entry (the transaction has \(t.accessLists.count))")
        }
        let selected = t.accessLists.isEmpty ? [] : t.accessLists[e.dataIndex]
        // A null access list for this data index makes a legacy transaction, not an EIP-2930
        // one with an empty list (its txbytes say so; valid before Berlin, as geth's runner
        // and execution-specs read it: review finding on upstream tests re-run for Istanbul).
        let type = t.type == .accessList && selected == nil ? .legacy : t.type
        return Transaction(
            type: type, sender: t.sender, nonce: t.nonce, gasLimit: t.gasLimit[e.gasIndex], to: t.to,
            value: t.value[e.valueIndex], data: t.data[e.dataIndex], gasPrice: t.gasPrice,
            maxFeePerGas: t.maxFeePerGas, maxPriorityFeePerGas: t.maxPriorityFeePerGas, accessList: selected ?? [],
            // Only the type's own fields, as execution-specs' t8n builds the transaction (a
            // set-code transaction written with blob hashes too carries none).
            blobVersionedHashes: type == .blob ? t.blobVersionedHashes : [],
            maxFeePerBlobGas: type == .blob ? t.maxFeePerBlobGas : .zero,
            authorizationList: type == .setCode ? t.authorizationList ?? [] : [])
    }

    /// Parses every test in one fixture file.
    /// - Throws: `EEError.malformedInput` naming the file and field.
    public static func load(path: String) throws(EEError) -> [StateTestCase] {
        // Regular files only, as the CLI reads its inputs (Foundation read a FIFO as "You don't
        // have permission", a review found).
        let bytes: [UInt8]
        do { bytes = try readRegularFile(path, what: "a state-test file") } catch {
            if error.kind == .directory {
                throw .malformedInput("\(path) is a folder: StateTestRunner.fixtureFiles lists the test files under it")
            }
            throw .malformedInput(error.message)
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            // Foundation's detail (what and where) is in the debug description; the localized
            // one is the same for every syntax error (a review).
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            throw .malformedInput("\(path): not JSON (\(detail))")
        }
        // Foundation keeps the last of two equal keys; revme's parser refuses them, and a
        // first copy that a later one hides is never checked (a review: a post entry with two
        // "hash" keys, the first wrong, passed).
        if let (key, offset) = Self.duplicateKey(bytes) {
            throw .malformedInput("\(path): key \"\(key)\" appears twice in one object (the second at byte \(offset))")
        }
        guard let top = json as? [String: Any] else { throw .malformedInput("\(path): top level is not an object") }
        // A state-test file holds at least one test: an empty object is some other JSON file
        // (a run over it said "0 passed, 0 failed" and exited 0, a review found).
        guard !top.isEmpty else { throw .malformedInput("\(path): an empty object, not a state test (no tests in it)") }
        var out = [StateTestCase]()
        for name in top.keys.sorted() {
            guard let t = top[name] as? [String: Any] else { throw .malformedInput("\(path): \(name) is not an object") }
            do throws(EEError) {
                out.append(try parse(name: name, file: path, t))
            } catch {
                // The inner error's own text, without a second "malformed input: ".
                let inner: String
                if case .malformedInput(let m) = error { inner = m } else { inner = "\(error)" }
                throw .malformedInput("\(path): \(name): \(inner)")
            }
        }
        return out
    }

    /// The first key that appears twice in one object of `json` (valid JSON, as
    /// JSONSerialization accepted it) and the byte offset of its second copy. Keys compare as
    /// the decoded object's keys do: as Swift strings, escapes decoded and canonically
    /// equivalent spellings equal ("caf\u00e9" and "cafe\u0301" are one key to Foundation,
    /// which keeps one of them; a review found the other test silently dropped).
    static func duplicateKey(_ json: [UInt8]) -> (String, Int)? {
        var objects: [Set<String>?] = []  // nil: an array
        var expectingKey = false
        var i = 0
        let n = json.count
        while i < n {
            switch json[i] {
            case UInt8(ascii: "{"):
                objects.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                objects.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = objects.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = objects.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                let start = i + 1
                var j = start
                while j < n, json[j] != UInt8(ascii: "\"") { j += json[j] == UInt8(ascii: "\\") ? 2 : 1 }
                if expectingKey, let last = objects.indices.last, objects[last] != nil {
                    let written = json[start..<min(j, n)]
                    var key = String(decoding: written, as: UTF8.self)
                    // An escaped key is compared decoded: "BPO\u0031" is "BPO1" (a review found
                    // the two loading as one key, Foundation keeping either).
                    if written.contains(UInt8(ascii: "\\")),
                        let text = (try? JSONSerialization.jsonObject(
                            with: Data([UInt8(ascii: "\"")] + written + [UInt8(ascii: "\"")]), options: .fragmentsAllowed)) as? String
                    {
                        key = text
                    }
                    // In place (a copy of the set per key would be quadratic in a large `pre`).
                    if objects[last]?.insert(key).inserted == false {
                        return (String(decoding: written.prefix(80), as: UTF8.self), i)
                    }
                    expectingKey = false
                }
                i = j
            default: break
            }
            i += 1
        }
        return nil
    }

    static func parse(name: String, file: String, _ t: [String: Any]) throws(EEError) -> StateTestCase {
        let f = JSONFields(t)
        let env = JSONFields(try f.object("env"))
        var block = BlockContext()
        block.coinbase = try env.address("currentCoinbase")
        block.number = try env.u64("currentNumber")
        block.timestamp = try env.u64("currentTimestamp")
        block.gasLimit = try env.u64("currentGasLimit")
        let difficulty = env.has("currentDifficulty") ? Bytes32(try env.u256("currentDifficulty").bigEndianBytes) : nil
        if env.has("currentRandom") {
            block.prevrandao = Bytes32(try env.u256("currentRandom").bigEndianBytes)
        } else if let difficulty {
            block.prevrandao = difficulty
        }
        // Without currentBaseFee, 10: the genesis base fee retesteth fills with, which geth's
        // state-test runner also assumes.
        block.baseFee = env.has("currentBaseFee") ? try env.u256("currentBaseFee") : U256(10)
        let excess = env.has("currentExcessBlobGas") ? try env.u64("currentExcessBlobGas") : 0
        block.blobBaseFee = BlobFees.baseFee(excessBlobGas: excess)
        block.chainId = U256(1)
        // execution-spec-tests fixtures carry `config`: the chain id CHAINID reads, and each
        // fork's blob parameters (EIP-7840), which the entries of that fork run under (a review
        // found the chain id ignored: 5 still read 1). Entries for forks EEKit does not
        // implement are not read.
        var blobSchedules: [Fork: BlobSchedule] = [:]
        if f.has("config") {
            let config = JSONFields(try f.object("config"))
            if config.has("chainid") { block.chainId = try config.u256("chainid") }
            if config.has("blobSchedule") {
                // Its keys are fork names as the post's keys are (any letter case, aliases such
                // as Fusaka): a review found `osaka` or `Fusaka` ignored here while the same key
                // ran the post entries. Forks before Cancun have no blob parameters and forks
                // EEKit does not implement are not read; two keys of one fork are an error.
                var keyOf: [Fork: String] = [:]
                for (key, value) in try config.object("blobSchedule") {
                    guard let fork = Fork(name: key), fork >= .cancun else { continue }
                    let path = "config.blobSchedule.\(key)"
                    if let other = keyOf[fork] {
                        throw .malformedInput("\(path): \(fork) already has a blob schedule (config.blobSchedule.\(other))")
                    }
                    keyOf[fork] = key
                    let values: BlobSchedule
                    do throws(EEError) {
                        guard let object = value as? [String: Any] else { throw .malformedInput("not an object") }
                        let given = JSONFields(object)
                        // Strings as fixtures write them, or JSON integers as geth's genesis
                        // and t8n's parse_hex_or_int also take them.
                        values = BlobSchedule(
                            target: try given.u64Number("target"), max: try given.u64Number("max"),
                            baseFeeUpdateFraction: try given.u64Number("baseFeeUpdateFraction"))
                    } catch {
                        if case .malformedInput(let why) = error { throw .malformedInput("\(path): \(why)") }
                        throw error
                    }
                    guard values.baseFeeUpdateFraction > 0 else {
                        throw .malformedInput("\(path): baseFeeUpdateFraction is 0 (the blob base fee divides by it)")
                    }
                    blobSchedules[fork] = values
                }
            }
        }

        let preState = try parseAlloc(try f.object("pre"), what: "pre")
        let (pre, preStorage) = (preState.accounts, preState.storage)

        let tx = JSONFields(try f.object("transaction"))
        let toText = try tx.string("to")
        let to: Address?
        if toText.isEmpty { to = nil } else {
            guard let a = Address(hex: toText) else { throw .malformedInput("transaction.to: \(toText)") }
            to = a
        }
        var accessLists = [[Transaction.AccessListEntry]?]()
        if tx.has("accessLists") {
            guard let lists = tx.raw("accessLists") as? [Any] else { throw .malformedInput("accessLists is not an array") }
            for l in lists {
                if l is NSNull { accessLists.append(nil); continue }
                guard let entries = l as? [[String: Any]] else {
                    throw .malformedInput("accessLists: an element is neither null nor a list of entries")
                }
                var list = [Transaction.AccessListEntry]()
                for e in entries {
                    let ef = JSONFields(e)
                    let keys = try ef.array("storageKeys").map { (k: Any) throws(EEError) -> U256 in
                        guard let s = k as? String, let v = U256(hex: s) else { throw .malformedInput("accessLists: key") }
                        return v
                    }
                    list.append(Transaction.AccessListEntry(address: try ef.address("address"), storageKeys: keys))
                }
                accessLists.append(list)
            }
        }
        var blobs = [Bytes32]()
        if tx.has("blobVersionedHashes") {
            guard let hs = tx.raw("blobVersionedHashes") as? [String] else {
                throw .malformedInput("blobVersionedHashes is not an array of strings")
            }
            for h in hs {
                guard let b = Bytes32(hex: h) else { throw .malformedInput("blobVersionedHashes: \(h)") }
                blobs.append(b)
            }
        }
        var authorizations: [Transaction.Authorization]?
        if tx.has("authorizationList") {
            guard let list = tx.raw("authorizationList") as? [[String: Any]] else {
                throw .malformedInput("authorizationList is not an array of objects")
            }
            authorizations = try list.map { (e: [String: Any]) throws(EEError) -> Transaction.Authorization in
                let a = JSONFields(e)
                // execution-spec-tests write both `v` and `yParity` (equal); `signer` is
                // informative: the authority is recovered from the signature.
                return Transaction.Authorization(
                    chainId: try a.u256("chainId"), address: try a.address("address"), nonce: try a.u256("nonce"),
                    yParity: try a.u256(a.has("yParity") ? "yParity" : "v"), r: try a.u256("r"), s: try a.u256("s"))
            }
        }
        let type: Transaction.TxType =
            authorizations != nil ? .setCode
            : tx.has("blobVersionedHashes") ? .blob
            : tx.has("maxFeePerGas") ? .dynamicFee
            : tx.has("accessLists") ? .accessList : .legacy
        // A legacy or access-list transaction has a price (geth: "no gas price provided"); it
        // used to read as 0 and fail as a fee too low (a review).
        if type.hasGasPrice, !tx.has("gasPrice") {
            throw .malformedInput("transaction has neither gasPrice nor maxFeePerGas")
        }
        let template = TransactionTemplate(
            type: type, sender: try Self.sender(tx), nonce: try tx.u256("nonce"), to: to,
            data: try tx.array("data").map { (d: Any) throws(EEError) -> Bytes in
                guard let s = d as? String else {
                    throw .malformedInput("transaction.data has \(JSONFields.describe(d)), not a hex string")
                }
                guard let b = Hex.decode(s) else { throw .malformedInput("transaction.data is not hex: \(s.prefix(80))") }
                return b
            },
            gasLimit: try tx.u256Array("gasLimit"), value: try tx.u256Array("value", clampOverflow: true),
            gasPrice: tx.has("gasPrice") ? try tx.u256("gasPrice") : .zero,
            maxFeePerGas: tx.has("maxFeePerGas") ? try tx.u256("maxFeePerGas") : .zero,
            maxPriorityFeePerGas: tx.has("maxPriorityFeePerGas") ? try tx.u256("maxPriorityFeePerGas") : .zero,
            accessLists: accessLists, blobVersionedHashes: blobs,
            maxFeePerBlobGas: tx.has("maxFeePerBlobGas") ? try tx.u256("maxFeePerBlobGas") : .zero,
            authorizationList: authorizations)

        var post = [String: [PostEntry]]()
        for (fork, v) in try f.object("post") {
            guard let entries = v as? [[String: Any]] else {
                let what = (v as? [Any]).map { a in
                    "an element is \(a.first { !($0 is [String: Any]) }.map(JSONFields.describe) ?? "not an object")"
                } ?? "it is \(JSONFields.describe(v))"
                throw .malformedInput("post.\(fork) is not a list of entries: \(what)")
            }
            var list = [PostEntry]()
            for (i, e) in entries.enumerated() {
                let ef = JSONFields(e)
                let idx = JSONFields(try ef.object("indexes"))
                if let x = e["expectException"], !(x is NSNull), !(x is String) {
                    throw .malformedInput("post.\(fork)[\(i)].expectException is not a string")
                }
                list.append(PostEntry(
                    index: i, dataIndex: try idx.int("data"), gasIndex: try idx.int("gas"), valueIndex: try idx.int("value"),
                    hash: try ef.hash("hash"), logs: try ef.hash("logs"),
                    // "" is no exception, as geth reads it.
                    expectException: (e["expectException"] as? String).flatMap { $0.isEmpty ? nil : $0 },
                    expectedState: try ef.has("state")
                        ? parseAlloc(try ef.object("state"), what: "post.\(fork)[\(i)].state") : nil))
            }
            post[fork] = list
        }
        return StateTestCase(
            name: name, file: file, block: block, excessBlobGas: excess, blobSchedules: blobSchedules, difficulty: difficulty,
            pre: pre, preStorage: preStorage,
            transaction: template, post: post)
    }
}

extension StateTestCase {
    /// Accounts as fixtures write them (`pre`, and the `state` of a post entry): address ->
    /// {balance, nonce, code, storage{slot: value}}; zero slots are left out of the result.
    /// - Throws: `EEError.malformedInput` naming `what` and the account.
    static func parseAlloc(_ object: [String: Any], what: String) throws(EEError) -> PostState {
        var accounts = [Address: Account]()
        var storage = [Address: [U256: U256]]()
        for (k, v) in object {
            guard let a = Address(hex: k), let o = v as? [String: Any] else { throw .malformedInput("\(what): bad account \(k)") }
            // The same address twice (in other letter cases): which entry won depended on the
            // dictionary's order, so the result changed between runs.
            guard accounts[a] == nil else { throw .malformedInput("\(what): account \(a.hex) is listed twice") }
            let af = JSONFields(o)
            let code = try af.bytes("code")
            accounts[a] = Account(nonce: try af.u64("nonce"), balance: try af.u256("balance"), kind: .evm, code: code)
            var st = [U256: U256]()
            var seen = Set<U256>()
            if let x = o["storage"], !(x is NSNull), !(x is [String: Any]) {
                throw .malformedInput("\(what): storage of \(k) is not an object")
            }
            for (sk, sv) in (o["storage"] as? [String: Any]) ?? [:] {
                guard let key = U256(hex: sk), let s = sv as? String, let val = U256(hex: s) else {
                    throw .malformedInput("\(what): bad storage entry \(sk) of \(k)")
                }
                guard seen.insert(key).inserted else {
                    throw .malformedInput("\(what): storage slot \(key) of \(k) is listed twice")
                }
                if !val.isZero { st[key] = val }
            }
            if !st.isEmpty { storage[a] = st }
        }
        return PostState(accounts: accounts, storage: storage)
    }
}

extension StateTestCase {
    /// The transaction's sender: its `sender` field, or, in fillings without one, the address
    /// of `secretKey` (as geth's state-test runner does: `sender` first).
    static func sender(_ tx: JSONFields) throws(EEError) -> Address {
        if tx.has("sender") { return try tx.address("sender") }
        guard tx.has("secretKey") else { throw .malformedInput("transaction: neither 'sender' nor 'secretKey'") }
        guard let a = Address(secretKey: try tx.hash("secretKey")) else {
            throw .malformedInput("transaction.secretKey is not a valid secp256k1 secret key")
        }
        return a
    }
}

/// Typed access to a JSON object with clear errors.
struct JSONFields {
    let o: [String: Any]
    init(_ o: [String: Any]) { self.o = o }

    func has(_ k: String) -> Bool { o[k] != nil && !(o[k] is NSNull) }
    func raw(_ k: String) -> Any? { o[k] }

    func object(_ k: String) throws(EEError) -> [String: Any] {
        guard let v = o[k] as? [String: Any] else { throw wrongType(k, "an object") }
        return v
    }
    func array(_ k: String) throws(EEError) -> [Any] {
        guard let v = o[k] as? [Any] else { throw wrongType(k, "an array") }
        return v
    }
    func string(_ k: String) throws(EEError) -> String {
        guard let v = o[k] as? String else { throw wrongType(k, "a string") }
        return v
    }
    /// "missing string 'nonce'", or "'nonce' is true, not a string" when the key is there.
    private func wrongType(_ k: String, _ expected: String) -> EEError {
        guard let v = o[k] else { return .malformedInput("missing \(expected.split(separator: " ").last ?? "") '\(k)'") }
        return .malformedInput("'\(k)' is \(JSONFields.describe(v)), not \(expected)")
    }
    /// A JSON value as the file writes it (Foundation hands booleans out as NSNumber).
    static func describe(_ v: Any) -> String {
        switch v {
        case is NSNull: return "null"
        case let s as String: return "\"\(s.prefix(80))\""
        case let n as NSNumber: return String(cString: n.objCType) == "c" ? (n.boolValue ? "true" : "false") : "\(n)"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(type(of: v))"
        }
    }
    /// A number as the fillers write them and geth reads them (HexOrDecimal): `0x` and hex
    /// digits, or decimal digits ("10" is ten); "0x" and "" are zero. Leading zeros do not
    /// count against the 256 bits, in hex as in decimal (geth checks the value's bit length;
    /// a review found 0x followed by 62 zeros and 5f5e100 refused as not a 256-bit number).
    static func number(_ s: String) -> U256? {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty || t == "0x" || t == "0X" { return .zero }
        // `literal` takes only hex digits after the prefix (a second "0x" after leading zeros,
        // "0x00x0a", loaded as 10, a review found; geth refuses it) and skips leading zeros.
        return U256(literal: t)
    }
    func u256(_ k: String) throws(EEError) -> U256 {
        let s = try string(k)
        guard let v = JSONFields.number(s) else { throw .malformedInput("'\(k)' is not a 256-bit number: \(s)") }
        return v
    }
    /// - Parameter clampOverflow: values of more than 256 bits (test vectors for unencodable
    ///   transactions) become `U256.max`, which no sender can afford, so the transaction is invalid.
    func u256Array(_ k: String, clampOverflow: Bool = false) throws(EEError) -> [U256] {
        try array(k).map { (x: Any) throws(EEError) -> U256 in
            guard let s = x as? String else {
                throw .malformedInput("'\(k)' has a bad element: \(JSONFields.describe(x)), not a string")
            }
            if let v = JSONFields.number(s) { return v }
            // The fillers write such values as "0x:bigint 0x<more than 64 digits>".
            if clampOverflow, s.hasPrefix("0x:bigint ") { return .max }
            throw .malformedInput("'\(k)' has a bad element: \(s.prefix(80))")
        }
    }
    func u64(_ k: String) throws(EEError) -> UInt64 {
        guard let v = try u256(k).uint64 else { throw .malformedInput("'\(k)' does not fit in 64 bits") }
        return v
    }
    /// A 64-bit number written as a string (`u64`) or as a JSON integer (not a boolean, a
    /// fraction or a negative number).
    func u64Number(_ k: String) throws(EEError) -> UInt64 {
        guard let n = o[k] as? NSNumber else { return try u64(k) }
        let type = String(cString: n.objCType)
        if type == "Q" { return n.uint64Value }
        guard type != "c", type != "d", type != "f", n.int64Value >= 0 else {
            throw .malformedInput("'\(k)' is not a non-negative 64-bit integer: \(JSONFields.describe(n))")
        }
        return UInt64(n.int64Value)
    }
    /// A non-negative integer: a JSON integer (not a boolean or a fraction, which Foundation
    /// would also hand out as Int) or a hex string.
    func int(_ k: String) throws(EEError) -> Int {
        if let n = o[k] as? NSNumber {
            // objCType: "c" for JSON booleans, "d" for numbers with a fraction or exponent.
            let type = String(cString: n.objCType)
            guard type != "c", type != "d", type != "f", n.int64Value >= 0, let v = Int(exactly: n.int64Value),
                type != "Q" || n.uint64Value <= UInt64(Int.max)
            else { throw .malformedInput("'\(k)' is not a non-negative integer: \(JSONFields.describe(n))") }
            return v
        }
        guard o[k] != nil else { throw .malformedInput("missing integer '\(k)'") }
        let v = try u64(k)
        guard v <= UInt64(Int.max) else { throw .malformedInput("'\(k)' too large") }
        return Int(v)
    }
    func address(_ k: String) throws(EEError) -> Address {
        let s = try string(k)
        guard let a = Address(hex: s) else { throw .malformedInput("'\(k)' is not an address: \(s)") }
        return a
    }
    func hash(_ k: String) throws(EEError) -> Bytes32 {
        let s = try string(k)
        guard let h = Bytes32(hex: s) else { throw .malformedInput("'\(k)' is not a 32-byte hash: \(s)") }
        return h
    }
    func bytes(_ k: String) throws(EEError) -> Bytes {
        let s = try string(k)
        guard let b = Hex.decode(s) else { throw .malformedInput("'\(k)' is not hex") }
        return b
    }
}
