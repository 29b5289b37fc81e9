#if canImport(Glibc)
    import Glibc
#endif

/// Why `readRegularFile` refused a file; `message` names the path ("cannot read PATH: ...").
public struct FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// open, fstat or read failed (`message` has strerror's text).
        case system
        case directory
        /// A device, pipe or socket.
        case notRegular
        /// Larger than the caller's limit.
        case tooLarge
    }
    public let kind: Kind
    public let message: String
    public var description: String { message }
}

/// Reads a whole regular file, with a clear error for anything else: a directory, a device, a
/// pipe or a socket (opened without blocking, so a FIFO does not wait for a writer, and checked
/// as opened), or a file larger than `limit` bytes, refused before anything is read (a 2 GB
/// file used to be read whole before "not an ELF file"). Reads to the end (a file may be
/// longer than it says, as under /proc), never past `limit`. `what` names the reader in the
/// size message ("more than WHAT takes").
public func readRegularFile(_ path: String, limit: Int = 1 << 30, what: String = "this command") throws(FileReadError)
    -> [UInt8]
{
    try readRegularFile(pathBytes: Array(path.utf8), limit: limit, what: what)
}

/// As `readRegularFile(_:limit:what:)` for a path given as bytes, as Linux takes paths (a
/// file name need not be UTF-8; messages show such bytes as U+FFFD).
public func readRegularFile(pathBytes: [UInt8], limit: Int = 1 << 30, what: String = "this command")
    throws(FileReadError) -> [UInt8]
{
    let path = String(decoding: pathBytes, as: UTF8.self)
    func fail(_ kind: FileReadError.Kind, _ reason: String) -> FileReadError {
        FileReadError(kind: kind, message: "cannot read \(path): \(reason)")
    }
    let fd = (pathBytes.prefix { $0 != 0 } + [0]).withUnsafeBufferPointer { p in
        p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_RDONLY | O_NONBLOCK) }
    }
    guard fd >= 0 else { throw fail(.system, String(cString: strerror(errno))) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw fail(.system, String(cString: strerror(errno))) }
    switch st.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw fail(.directory, "it is a directory")
    default: throw fail(.notRegular, "not a regular file (a device, pipe or socket)")
    }
    let tooLarge = fail(.tooLarge, "more than \(what) takes (\(limit >> 20) MiB)")
    guard st.st_size <= limit else { throw tooLarge }
    var bytes = [UInt8]()
    bytes.reserveCapacity(Int(st.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let r = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if r < 0 && (errno == EINTR || errno == EAGAIN) { continue }
        if r < 0 { throw fail(.system, String(cString: strerror(errno))) }
        if r == 0 { break }
        guard bytes.count + r <= limit else { throw tooLarge }
        bytes.append(contentsOf: chunk[0..<r])
    }
    return bytes
}
