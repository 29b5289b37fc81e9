import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// `readRegularFile`'s limits and error kinds as its documentation states them (the FileInput
/// mutation round): a file of exactly `limit` bytes is read, one byte more is `.tooLarge` with
/// the limit in MiB, a file longer than it says (under /proc) is cut off at the limit as
/// `.tooLarge`, a folder is `.directory`.
@Suite struct FileInputTests {
    /// "KIND: MESSAGE" of a read that must fail ("read" when it succeeded).
    static func failure(_ read: () throws -> [UInt8]) -> String {
        do {
            _ = try read()
            return "read"
        } catch let e as FileReadError { return "\(e.kind): \(e.message)" } catch { return "another error: \(error)" }
    }

    @Test func aFileOfExactlyTheLimitIsRead() throws {
        let dir = try TestFiles.scratchFolder("fileinput")
        defer { TestFiles.remove(dir) }
        let path = dir.appendingPathComponent("ten").path
        try Data((0..<10).map { UInt8($0) }).write(to: URL(fileURLWithPath: path))
        #expect(try readRegularFile(path, limit: 10) == (0..<10).map { UInt8($0) })
        #expect(Self.failure { try readRegularFile(path, limit: 9, what: "the test") } == "tooLarge: cannot read \(path): more than the test takes (0 MiB)")
        let mib = dir.appendingPathComponent("mib").path
        try Data(count: (1 << 20) + 1).write(to: URL(fileURLWithPath: mib))
        #expect(Self.failure { try readRegularFile(mib, limit: 1 << 20, what: "the loader") } == "tooLarge: cannot read \(mib): more than the loader takes (1 MiB)")
        #expect(try readRegularFile(mib, limit: (1 << 20) + 1).count == (1 << 20) + 1)
    }

    /// /proc files say they are empty (st_size 0) and are read to their end, but never past
    /// the limit.
    @Test func aFileLongerThanItSaysStopsAtTheLimit() throws {
        let whole = try readRegularFile("/proc/self/status")
        #expect(whole.count > 64 && String(decoding: whole, as: UTF8.self).hasPrefix("Name:"))
        #expect(Self.failure { try readRegularFile("/proc/self/status", limit: 16) } == "tooLarge: cannot read /proc/self/status: more than this command takes (0 MiB)")
    }

    @Test func aFolderIsReportedAsOne() throws {
        let dir = try TestFiles.scratchFolder("fileinput-dir")
        defer { TestFiles.remove(dir) }
        #expect(Self.failure { try readRegularFile(dir.path) } == "directory: cannot read \(dir.path): it is a directory")
    }
}
