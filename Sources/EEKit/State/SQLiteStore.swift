import Foundation
import GRDB
#if canImport(Glibc)
    import Glibc
#endif

/// The files (device, inode) an `SQLiteStore` of this process holds. Opening a store checks
/// and registers its file under this lock, so two threads opening one file cannot both pass
/// the check (review finding: the loser then closed a descriptor of the winner's file, which
/// dropped the winner's SQLite POSIX locks).
private let storesOpenInThisProcess = Locked<Set<SQLiteStore.FileID>>([])

/// A state store in one SQLite file, through GRDB.
///
/// Every `commit` is one SQLite transaction (WAL journal): a process killed at any moment
/// leaves the last committed state readable and intact. Tables: `account`, `code` (by hash),
/// `storage` (non-zero slots) and `meta` (format marker, commit counter, caller metadata).
public final class SQLiteStore: StateStore {
    public static let formatMarker = "eekit-state-1"

    let db: DatabaseQueue
    /// Opened with `readOnly`: nothing is ever written to the file (`commit` throws).
    public let isReadOnly: Bool
    private var codeCache: [Bytes32: Bytes] = [:]
    /// The bytes in `codeCache`; it is emptied before it would hold more than `codeCacheLimit`
    /// (it held every code a process ever read, a review found).
    private var codeCacheBytes = 0
    static let codeCacheLimit = 64 << 20
    /// The `code` table has the `checksum` column (every database this version opened for
    /// writing; a read-only store of an older file may lack it).
    private var codeChecksums = false
    /// A descriptor of the database file holding an exclusive `flock` for the store's lifetime.
    private let lockFD: Int32
    /// The file's device and inode, in `storesOpenInThisProcess` while this store is open.
    struct FileID: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        init(_ st: stat) {
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
        }
    }

    private static func alreadyOpen(_ path: String) -> EEError {
        .storage("the state database \(path) is already open in this process: release that SQLiteStore first")
    }
    private let fileID: FileID

    /// How long `init` waits by default for another process's store on the same file to close.
    public static let lockTimeout: Double = 60

    /// Opens (creating if needed) the store at `path`.
    ///
    /// A store owns its file from `init` until it is released: reads and the commit that
    /// follows them are one unit, so a store of another process on the same file waits until
    /// this one is closed (at most `lockTimeout` seconds, then fails), and a second store of
    /// this process on it is refused at once. Without this, two processes both read nonce N,
    /// both committed, and one's transaction was silently lost.
    ///
    /// With `readOnly`, the file is opened for reading only (a file the process may not write,
    /// such as another user's, opens), must already be an EEKit state database, and is never
    /// written: `commit` throws. It holds the file as a writable store does, one store at a
    /// time (a first version let read-only stores share it: overlapping readers then kept a
    /// writer waiting until it gave up).
    /// - Parameters:
    ///   - readOnly: open for reading only.
    ///   - lockTimeout: how long to wait for another process's store on the file, in seconds
    ///     (0 or more; `.infinity` waits for good).
    ///   - whileWaiting: called once, with `path`, if the file is busy and the store starts
    ///     waiting (the `eekit` command line prints a note; the library prints nothing).
    /// - Throws: `EEError.storage` if the file cannot be opened or belongs to something else:
    ///   a file that is not SQLite, or a SQLite database with tables but no EEKit format marker,
    ///   is refused before anything is written to it; also when another store keeps it busy.
    ///   `EEError.invalidConfiguration` for a negative or NaN `lockTimeout`.
    public init(
        path: String, readOnly: Bool = false, lockTimeout: Double = SQLiteStore.lockTimeout,
        whileWaiting: ((String) -> Void)? = nil
    ) throws(EEError) {
        guard !path.isEmpty else { throw .storage("the state database path is empty") }
        // NaN and negative waits acted as 0, with "in use for more than nan s" (a review).
        guard lockTimeout >= 0 else {
            throw .invalidConfiguration("lockTimeout of \(lockTimeout) s: want 0 or more seconds (.infinity waits for good)")
        }
        isReadOnly = readOnly
        (lockFD, fileID) = try SQLiteStore.register(path, readOnly: readOnly)
        try SQLiteStore.lock(lockFD, fileID, path, timeout: lockTimeout, whileWaiting: whileWaiting)
        do {
            var config = Configuration()
            config.readonly = readOnly
            config.busyMode = .timeout(10)
            if !readOnly {
                config.prepareDatabase { db in
                    try db.execute(sql: "PRAGMA synchronous = NORMAL")
                }
            }
            // SQLite reads a name that starts with "file:" as a URI and ":memory:" as no file at
            // all, while the lock above is on the literal file: "./" keeps SQLite on that file
            // (a review lost transactions running "file:x.db" beside "x.db").
            let plain = path.hasPrefix("/") ? path : "./" + path
            if readOnly, let immutable = SQLiteStore.immutableName(path),
                let q = try? DatabaseQueue(path: immutable, configuration: config)
            {
                db = q
            } else {
                db = try DatabaseQueue(path: plain, configuration: config)
            }
        } catch {
            // Not fully initialized: deinit will not run, so the lock is released here.
            Glibc.close(lockFD)
            let id = fileID
            _ = storesOpenInThisProcess.withLock { $0.remove(id) }
            throw .storage("cannot open \(path): \(error)\(SQLiteStore.readOnlyHint(path, readOnly))")
        }
        // From here on a throw runs deinit, which closes SQLite and then the lock (closing it
        // here too would close a descriptor number another thread may have reused).
        do {
            // Read-only check first: switching to WAL or creating tables would modify a
            // database that belongs to something else.
            try db.read { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                // A read-only store creates nothing: a database without tables is no state.
                if tables.isEmpty && readOnly {
                    throw EEError.storage("\(path) is an empty SQLite database, not an EEKit state database")
                }
                guard !tables.isEmpty else { return }
                // A meta table that cannot be read is damage (SQLite's error), not a foreign file.
                let marker = tables.contains("meta")
                    ? try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'") : nil
                guard let marker, String(decoding: marker, as: UTF8.self) == SQLiteStore.formatMarker else {
                    throw EEError.storage(
                        "\(path) is a SQLite database but not an EEKit state database (tables: \(tables.sorted().joined(separator: ", "))); refusing to use it")
                }
                // A state database missing one of its tables is damaged: creating it empty
                // below would read every account, code or slot it held as absent or zero (a
                // review: a dropped account table read as "no such account", silently).
                let missing = ["account", "code", "storage"].filter { !tables.contains($0) }
                guard missing.isEmpty else {
                    throw EEError.storage("\(path) is a damaged EEKit state database: its \(missing.joined(separator: ", ")) table is missing")
                }
            }
            if readOnly {
                codeChecksums = try db.read { db in try SQLiteStore.codeTableHasChecksum(db) }
                return
            }
            try db.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try db.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS account(
                        address BLOB PRIMARY KEY NOT NULL, nonce INTEGER NOT NULL, balance BLOB NOT NULL,
                        kind INTEGER NOT NULL, code_hash BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS code(
                        hash BLOB PRIMARY KEY NOT NULL, code BLOB NOT NULL, checksum INTEGER) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS storage(
                        address BLOB NOT NULL, slot BLOB NOT NULL, value BLOB NOT NULL,
                        PRIMARY KEY(address, slot)) WITHOUT ROWID;
                    """)
                let marker = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'")
                if let marker {
                    guard String(decoding: marker, as: UTF8.self) == SQLiteStore.formatMarker else {
                        throw EEError.storage("\(path) is not an EEKit state database (format \(String(decoding: marker, as: UTF8.self)))")
                    }
                } else {
                    try db.execute(
                        sql: "INSERT INTO meta(key, value) VALUES ('format', ?)",
                        arguments: [Data(SQLiteStore.formatMarker.utf8)])
                }
            }
            // Files of earlier versions get the column; their rows keep NULL (checked by
            // keccak256) until a commit writes an account holding that code. A file this
            // process may not write opens as it did before the column (its reads work; a
            // commit fails there).
            do {
                try db.write { db in
                    if try !SQLiteStore.codeTableHasChecksum(db) {
                        try db.execute(sql: "ALTER TABLE code ADD COLUMN checksum INTEGER")
                    }
                }
            } catch let e as DatabaseError where e.resultCode == .SQLITE_READONLY {
                codeChecksums = try db.read { db in try SQLiteStore.codeTableHasChecksum(db) }
                return
            }
            codeChecksums = true  // the column is there now (the block above added it or found it)
        } catch let e as EEError {
            throw e
        } catch {
            throw .storage("cannot open \(path): \(error)\(SQLiteStore.readOnlyHint(path, readOnly))")
        }
    }

    /// Whether the `code` table has the `checksum` column; a column of that name (in any
    /// case) declared other than INTEGER is damage (a REAL one would round every checksum).
    private static func codeTableHasChecksum(_ db: Database) throws -> Bool {
        for row in try Row.fetchAll(db, sql: "PRAGMA table_info(code)") {
            guard let name = try? row.decode(String.self, atIndex: 1), name.lowercased() == "checksum" else { continue }
            let type = (try? row.decode(String.self, atIndex: 2)) ?? ""
            guard type.uppercased() == "INTEGER" else {
                throw EEError.storage("the code table's \(name) column is declared '\(type)', not INTEGER (a damaged or foreign file)")
            }
            return true
        }
        return false
    }

    /// The check of a stored code blob against damage (a flipped byte ran as other code), in
    /// the `code` table's `checksum` column, about 20 times faster than the keccak256 it
    /// replaces as the check (an account's first read of 120 KB of code took about 450 us,
    /// about half of it hashing). Four lanes start from the row's key (`hash`: a row holding
    /// another row's code and checksum does not match) and take the code's 8-byte words in
    /// turn, each step `rotl(v + w * p2, 31) * p1`, a bijection of the word for any lane value
    /// and of the lane value for any word; the lanes are summed after distinct rotations and
    /// the length, then mixed by bijective steps. So a change confined to one word always
    /// changes the checksum, whatever the other words hold; other damage goes unseen with
    /// odds of about 2^-64. It detects damage, not forgery: whoever can write the file can
    /// write any state. Its value is part of the file format (`codeChecksumKnownAnswers`): a
    /// tool that writes `code` rows itself stores this in their `checksum` column (or NULL,
    /// and the row is checked against its hash).
    public static func codeChecksum(hash: Bytes32, code: Bytes) -> Int64 {
        code.withUnsafeBytes { codeChecksum(hash: hash, $0) }
    }

    static func codeChecksum(hash: Bytes32, _ b: UnsafeRawBufferPointer) -> Int64 {
        let p1: UInt64 = 0x9E37_79B9_7F4A_7C15, p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        let p3: UInt64 = 0x1656_67B1_9E37_79F9, p4: UInt64 = 0xD6E8_FEB8_6659_FD93
        func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
        func round(_ v: UInt64, _ w: UInt64) -> UInt64 { rotl(v &+ w &* p2, 31) &* p1 }
        func word(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
            UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        }
        var (v0, v1, v2, v3): (UInt64, UInt64, UInt64, UInt64) = hash.bytes.withUnsafeBytes { k in
            (word(k, 0) ^ p1, word(k, 8) ^ p2, word(k, 16) ^ p3, word(k, 24) ^ p4)
        }
        let n = b.count
        var i = 0
        while i + 32 <= n {
            v0 = round(v0, word(b, i))
            v1 = round(v1, word(b, i + 8))
            v2 = round(v2, word(b, i + 16))
            v3 = round(v3, word(b, i + 24))
            i += 32
        }
        if i < n {
            // The last 1-31 bytes, zero-padded (the length, mixed in below, tells paddings apart).
            var tail: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &tail) { t in t.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[i...])) }
            v0 = round(v0, UInt64(littleEndian: tail.0))
            v1 = round(v1, UInt64(littleEndian: tail.1))
            v2 = round(v2, UInt64(littleEndian: tail.2))
            v3 = round(v3, UInt64(littleEndian: tail.3))
        }
        var h = rotl(v0, 1) &+ rotl(v1, 7) &+ rotl(v2, 12) &+ rotl(v3, 18)
        h = (h ^ (UInt64(n) &* p3)) &* p4
        h ^= h >> 33
        h = h &* p2
        h ^= h >> 29
        h = h &* p3
        h ^= h >> 32
        return Int64(bitPattern: h)
    }

    /// The name under which a read-only store opens `path` as immutable, or nil when it must
    /// not. A WAL database opened read-only still needs its `-shm` index, which a process that
    /// may not write the folder cannot create, so SQLite refused every read ("attempt to write
    /// a readonly database"). Without a write-ahead log holding transactions, the file itself
    /// holds every committed one, and the lock keeps other EEKit stores out while this one
    /// reads: SQLite is told the file is immutable (a URI of the file's real path,
    /// percent-encoded) and reads it without the index. With such a log the file is opened as
    /// it is, and needs the index; so it is too if this SQLite does not take URIs (Debian's
    /// does; the open then fails, as no file has that name, and the plain open follows).
    static func immutableName(_ path: String) -> String? {
        let real = realPath(path)
        if logHoldsTransactions(real) { return nil }
        var absolute = real
        if !real.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            absolute = String(cString: cwd) + "/" + real
            free(cwd)
        }
        // Every byte but the unreserved ones and "/" percent-encoded ("?", "#" and "%" would end
        // or change the path).
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
        guard let encoded = absolute.addingPercentEncoding(withAllowedCharacters: unreserved) else { return nil }
        return "file:" + encoded + "?immutable=1"
    }

    /// `path` with its symbolic links resolved, as SQLite names the write-ahead log after the
    /// real file (a review: through a symlink, the log beside the link was looked for, not
    /// found, and the immutable open read the file without the transactions in the log); `path`
    /// itself if it cannot be resolved.
    private static func realPath(_ path: String) -> String {
        guard let r = realpath(path, nil) else { return path }
        defer { free(r) }
        return String(cString: r)
    }

    /// True when the write-ahead log beside the real file `path` holds frames, past its
    /// 32-byte header (a process that committed was killed before it closed the file; a log
    /// of the header alone holds nothing).
    private static func logHoldsTransactions(_ path: String) -> Bool {
        var st = stat()
        return stat(path + "-wal", &st) == 0 && st.st_size > 32
    }

    /// What to add to a read-only store's open error when a write-ahead log is the likely cause.
    private static func readOnlyHint(_ path: String, _ readOnly: Bool) -> String {
        let real = realPath(path)
        guard readOnly, logHoldsTransactions(real) else { return "" }
        return " (its write-ahead log \(real)-wal holds transactions not yet in the file; reading them needs \(real)-shm, which this process may not create: open the database once as a user who may write its folder, which creates the index, or with a store that may write, which folds the log into the file)"
    }

    deinit {
        // SQLite first: closing another descriptor of the file while SQLite holds POSIX locks on
        // it would drop them.
        try? db.close()
        Glibc.close(lockFD)
        _ = storesOpenInThisProcess.withLock { $0.remove(fileID) }
    }

    /// Checks that no store of this process holds `path`, refuses a file that is not an
    /// EEKit database (`refuseForeignFile`), opens it (creating it empty if absent, which
    /// SQLite accepts as a new database) and registers it, all under the registry's lock: no
    /// descriptor of a file another store of this process holds is ever opened and closed
    /// here (closing one would drop the POSIX locks SQLite holds on it for that store).
    private static func register(_ path: String, readOnly: Bool) throws(EEError) -> (Int32, FileID) {
        try storesOpenInThisProcess.withLock { (open: inout Set<FileID>) throws(EEError) -> (Int32, FileID) in
            var st = stat()
            if stat(path, &st) == 0, open.contains(FileID(st)) { throw alreadyOpen(path) }
            try refuseForeignFile(path)
            // A read-only store neither creates the file nor asks to write it. A writable one's
            // descriptor only carries the lock, so read-only is enough when writing is not
            // allowed (SQLite then reports the write it refuses); when that fails too because
            // the file does not exist, the reason is the first one (a folder without write
            // permission said "No such file or directory").
            var fd = Glibc.open(path, readOnly ? O_RDONLY | O_CLOEXEC : O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            if fd < 0, !readOnly {
                let first = errno
                fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
                if fd < 0, errno == ENOENT { errno = first }
            }
            guard fd >= 0 else { throw .storage("cannot open \(path): \(String(cString: strerror(errno)))") }
            guard fstat(fd, &st) == 0 else {
                let reason = String(cString: strerror(errno))
                Glibc.close(fd)
                throw .storage("cannot open \(path): \(reason)")
            }
            let id = FileID(st)
            guard open.insert(id).inserted else {
                // The path was replaced by a file a store of this process holds, after the
                // check above: closing this descriptor would drop that store's locks, so it is
                // left open (deliberately leaked; no other path gets here).
                throw alreadyOpen(path)
            }
            // Never 0, 1 or 2: with stdout or stderr closed, open returns that number and the
            // process's own output would then be written into the database (SQLite guards its
            // own descriptors the same way).
            if fd <= 2 {
                let high = fcntl(fd, F_DUPFD_CLOEXEC, 3)
                Glibc.close(fd)
                guard high >= 3 else {
                    open.remove(id)
                    throw .storage("cannot open \(path): \(String(cString: strerror(errno)))")
                }
                fd = high
            }
            return (fd, id)
        }
    }

    /// Takes an exclusive flock on the registered descriptor `fd` (read-only or not), waiting
    /// up to `timeout` seconds for a store of another process. flock locks are separate from
    /// the POSIX locks SQLite uses, so the two do not interfere. On failure the descriptor is
    /// closed and the file unregistered.
    private static func lock(
        _ fd: Int32, _ id: FileID, _ path: String, timeout: Double, whileWaiting: ((String) -> Void)?
    ) throws(EEError) {
        let deadline = Date().addingTimeInterval(timeout)
        var waiting = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno  // before anything else can change it
            guard e == EWOULDBLOCK || e == EINTR, Date() < deadline else {
                let seconds = timeout == timeout.rounded() && abs(timeout) < 1e15 ? "\(Int(timeout))" : "\(timeout)"
                let reason = e == EWOULDBLOCK
                    ? "in use by another process for more than \(seconds) s" : String(cString: strerror(e))
                Glibc.close(fd)
                _ = storesOpenInThisProcess.withLock { $0.remove(id) }
                throw .storage("cannot lock the state database \(path): \(reason)")
            }
            if !waiting {
                waiting = true
                whileWaiting?(path)
            }
            usleep(2_000)
        }
    }

    /// Refuses an existing, non-empty file that does not start with the SQLite header, before
    /// SQLite opens it (SQLite would report "file is not a database" only at the first
    /// statement). Called by `register`, under the registry's lock.
    private static func refuseForeignFile(_ path: String) throws(EEError) {
        // A FIFO or a device would block the read below (or SQLite) forever: only regular
        // files (or none yet) are databases.
        var st = stat()
        if stat(path, &st) == 0, st.st_mode & S_IFMT != S_IFREG {
            throw .storage("\(path) is not a regular file (\(st.st_mode & S_IFMT == S_IFDIR ? "a directory" : "a device, pipe or socket")); refusing to use it")
        }
        guard let h = FileHandle(forReadingAtPath: path) else { return }  // absent: created
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 16)) ?? Data()
        guard !head.isEmpty else { return }  // empty file: a new database
        guard head == Data("SQLite format 3\0".utf8) else {
            throw .storage("\(path) is not a SQLite database (it does not start with the SQLite header); refusing to use it")
        }
    }

    private func wrap<T>(_ what: String, _ body: () throws -> T) throws(EEError) -> T {
        do { return try body() } catch let e as EEError { throw e } catch { throw .storage("\(what): \(error)") }
    }

    public func account(_ address: Address) throws(EEError) -> Account? {
        let row = try wrap("read account") {
            try db.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT nonce, balance, kind, code_hash FROM account WHERE address = ?",
                    arguments: [Data(address.bytes)])
            }
        }
        guard let row else { return nil }
        // `decode` throws on a value of the wrong type (a damaged file), where GRDB's `row[i]`
        // subscripts stop the process.
        let fields = try wrap("read account \(address): damaged row") {
            (try row.decode(Int64.self, atIndex: 0), try row.decode(Data.self, atIndex: 1),
             try row.decode(Int64.self, atIndex: 2), try row.decode(Data.self, atIndex: 3))
        }
        guard fields.1.count == 32 else { throw .storage("corrupt balance for \(address)") }
        guard let kind = EEKind(rawValue: UInt8(truncatingIfNeeded: fields.2)), UInt64(bitPattern: fields.2) <= 255 else {
            throw .storage("corrupt execution environment kind \(fields.2) for \(address)")
        }
        let nonce = UInt64(bitPattern: fields.0)
        let balance = U256(bigEndian: [UInt8](fields.1))
        let hashBytes = [UInt8](fields.3)
        guard hashBytes.count == 32 else { throw .storage("corrupt code hash for \(address)") }
        let hash = Bytes32(hashBytes)
        let code = try self.code(hash)
        return Account(nonce: nonce, balance: balance, kind: kind, code: code, codeHash: hash)
    }

    private func code(_ hash: Bytes32) throws(EEError) -> Bytes {
        if hash == Keccak.empty { return [] }
        if let c = codeCache[hash] { return c }
        let withChecksum = codeChecksums
        // Read in place (SQLite's buffer, no intermediate Data): (code, its stored checksum)
        // or nil for no row.
        let found: (code: Bytes, checksum: Int64?)? = try wrap("read code") {
            try db.read { db in
                let rows = try Row.fetchCursor(
                    db, sql: withChecksum ? "SELECT code, checksum FROM code WHERE hash = ?" : "SELECT code FROM code WHERE hash = ?",
                    arguments: [Data(hash.bytes)])
                guard let row = try rows.next() else { return nil }
                let stored: Int64? = withChecksum && !row.hasNull(atIndex: 1) ? try row.decode(Int64.self, atIndex: 1) : nil
                let bytes: Bytes? = try row.withUnsafeData(atIndex: 0) { data in
                    guard let data else { return nil }
                    return data.withUnsafeBytes { raw in
                        if let stored, SQLiteStore.codeChecksum(hash: hash, raw) != stored { return nil }
                        return Bytes(raw)
                    }
                }
                guard let bytes else {
                    throw EEError.storage(
                        row.hasNull(atIndex: 0) ? "missing code for hash \(hash)"
                            : "code stored under hash \(hash) does not match its checksum (damaged)")
                }
                return (bytes, stored)
            }
        }
        guard let found else { throw .storage("missing code for hash \(hash)") }
        // A damaged blob (one flipped byte) ran as other code and committed its failure. Rows
        // written before the checksum column are checked against their hash.
        if found.checksum == nil, Keccak.hash(found.code) != hash {
            throw .storage("code stored under hash \(hash) does not hash to it (damaged)")
        }
        if codeCacheBytes + found.code.count > SQLiteStore.codeCacheLimit {
            codeCache.removeAll()
            codeCacheBytes = 0
        }
        if found.code.count <= SQLiteStore.codeCacheLimit {
            codeCache[hash] = found.code
            codeCacheBytes += found.code.count
        }
        return found.code
    }

    public func storage(_ address: Address, _ key: U256) throws(EEError) -> U256 {
        let data = try wrap("read storage") {
            try db.read { db in
                try Data.fetchOne(
                    db, sql: "SELECT value FROM storage WHERE address = ? AND slot = ?",
                    arguments: [Data(address.bytes), Data(key.bigEndianBytes)])
            }
        }
        guard let data else { return .zero }
        guard data.count == 32 else { throw .storage("corrupt storage value of \(address) at slot \(key)") }
        return U256(bigEndian: [UInt8](data))
    }

    public func commit(_ changes: StateChangeSet) throws(EEError) {
        try commit(changes, metadata: [:])
    }

    /// Stores `acc`'s code under its hash unless a row with a checksum holds it already. New
    /// rows, and rows of earlier versions (rewritten with a checksum, which repairs damaged
    /// bytes), are checked against the hash first: a checksum over code that does not hash to
    /// its key would make a broken `Account` (a `codeHash` not of its code) read as sound for
    /// good, where the keccak256 check on reading refused it.
    private func writeCode(_ acc: Account, in db: Database) throws {
        let key = Data(acc.codeHash.bytes)
        let existing = try Row.fetchOne(
            db, sql: codeChecksums ? "SELECT checksum IS NOT NULL FROM code WHERE hash = ?" : "SELECT 1 FROM code WHERE hash = ?",
            arguments: [key])
        if let existing, try existing.decode(Bool.self, atIndex: 0) { return }
        guard Keccak.hash(acc.code) == acc.codeHash else {
            throw EEError.storage(
                "code of \(acc.code.count) bytes committed under hash \(acc.codeHash), which is not its hash; nothing was committed")
        }
        guard codeChecksums else {
            try db.execute(sql: "INSERT INTO code(hash, code) VALUES (?, ?)", arguments: [key, Data(acc.code)])
            return
        }
        let sum = acc.code.withUnsafeBytes { SQLiteStore.codeChecksum(hash: acc.codeHash, $0) }
        try db.execute(
            sql: existing == nil
                ? "INSERT INTO code(hash, code, checksum) VALUES (?1, ?2, ?3)"
                : "UPDATE code SET code = ?2, checksum = ?3 WHERE hash = ?1",
            arguments: [key, Data(acc.code), sum])
    }

    /// Commits `changes` and `metadata` (key/value pairs kept in the `meta` table) in one
    /// SQLite transaction, and bumps the commit counter.
    /// - Throws: `EEError.storage` for a metadata key the store keeps itself (`format`,
    ///   `commits`: writing the format marker made every later open refuse the file), before
    ///   anything is written.
    public func commit(_ changes: StateChangeSet, metadata: [String: Bytes]) throws(EEError) {
        if isReadOnly { throw .storage("the state database was opened read-only; nothing was committed") }
        if let k = metadata.keys.first(where: { $0 == "format" || $0 == "commits" }) {
            throw .storage("metadata key '\(k)' is the store's own; nothing was committed")
        }
        try wrap("commit") {
            try db.write { db in
                for a in changes.wipedStorage {
                    try db.execute(sql: "DELETE FROM storage WHERE address = ?", arguments: [Data(a.bytes)])
                }
                for (a, acc) in changes.accounts {
                    let key = Data(a.bytes)
                    guard let acc else {
                        try db.execute(sql: "DELETE FROM account WHERE address = ?", arguments: [key])
                        try db.execute(sql: "DELETE FROM storage WHERE address = ?", arguments: [key])
                        continue
                    }
                    if !acc.code.isEmpty { try writeCode(acc, in: db) }
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO account(address, nonce, balance, kind, code_hash) VALUES (?, ?, ?, ?, ?)",
                        arguments: [key, Int64(bitPattern: acc.nonce), Data(acc.balance.bigEndianBytes),
                                    Int64(acc.kind.rawValue), Data(acc.codeHash.bytes)])
                }
                for (a, kv) in changes.storage {
                    let key = Data(a.bytes)
                    for (k, v) in kv {
                        if v.isZero {
                            try db.execute(
                                sql: "DELETE FROM storage WHERE address = ? AND slot = ?",
                                arguments: [key, Data(k.bigEndianBytes)])
                        } else {
                            try db.execute(
                                sql: "INSERT OR REPLACE INTO storage(address, slot, value) VALUES (?, ?, ?)",
                                arguments: [key, Data(k.bigEndianBytes), Data(v.bigEndianBytes)])
                        }
                    }
                }
                for (k, v) in metadata {
                    try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [k, Data(v)])
                }
                let n = try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'commits'") ?? 0
                // A damaged counter used to stop the process (overflow of n + 1).
                guard n >= 0, n < Int64.max else {
                    throw EEError.storage("the database's commit counter is \(n) (damaged); nothing was committed")
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('commits', CAST(? AS TEXT))", arguments: [n + 1])
            }
        }
    }

    /// A metadata value written by `commit(_:metadata:)`.
    public func metadata(_ key: String) throws(EEError) -> Bytes? {
        try wrap("read metadata") {
            try db.read { db in try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
        }.map { [UInt8]($0) }
    }

    /// How many commits the file has seen.
    public func commitCount() throws(EEError) -> Int {
        let n = try wrap("read commit count") {
            try db.read { db in try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'commits'") }
        }
        return Int(n ?? 0)
    }

    /// SQLite's own consistency check ("ok" when intact).
    public func integrityCheck() throws(EEError) -> String {
        try wrap("integrity check") {
            try db.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
        }
    }

    public func allAccounts() throws(EEError) -> [Address: Account] {
        let rows = try wrap("read accounts") {
            try db.read { db in try Row.fetchAll(db, sql: "SELECT address FROM account") }
        }
        var out = [Address: Account]()
        for r in rows {
            let b = [UInt8](try wrap("read accounts: damaged row") { try r.decode(Data.self, atIndex: 0) })
            guard b.count == 20 else { throw .storage("corrupt address in account table") }
            let a = Address(b)
            if let acc = try account(a) { out[a] = acc }
        }
        return out
    }

    public func allStorage(_ address: Address) throws(EEError) -> [U256: U256] {
        let rows = try wrap("read storage") {
            try db.read { db in
                try Row.fetchAll(db, sql: "SELECT slot, value FROM storage WHERE address = ?", arguments: [Data(address.bytes)])
            }
        }
        var out = [U256: U256]()
        for r in rows {
            let (k, v) = try wrap("read storage of \(address): damaged row") {
                (try r.decode(Data.self, atIndex: 0), try r.decode(Data.self, atIndex: 1))
            }
            guard k.count == 32, v.count == 32 else { throw .storage("corrupt storage entry of \(address)") }
            out[U256(bigEndian: [UInt8](k))] = U256(bigEndian: [UInt8](v))
        }
        return out
    }

    public func hasStorage(_ address: Address) throws(EEError) -> Bool {
        try wrap("read storage") {
            try db.read { db in
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM storage WHERE address = ?)", arguments: [Data(address.bytes)])
            } ?? false
        }
    }
}
