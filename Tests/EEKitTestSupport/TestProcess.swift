import Foundation

/// The one child-process runner of the tests (`TestFiles.run`, `TestFiles.runSeparately` and
/// RISCVTests' `GuestHarness.runProcessBlocking` are views of it): standard input from bytes,
/// output captured through files (a child writing much to both streams never waits on a full
/// pipe), and an optional deadline after which the child is killed with SIGKILL, which it
/// cannot catch or ignore.
public enum TestProcess {
    public struct Output: Sendable {
        public var stdout: [UInt8]
        /// Empty when the run merged stderr into `stdout`.
        public var stderr: [UInt8]
        /// The exit status, or the signal that ended the process when `signaled`.
        public var status: Int32
        /// The deadline passed and the process was killed.
        public var timedOut: Bool
        public var signaled: Bool
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Runs `executable` to completion and blocks the calling thread meanwhile.
    /// - `environment`: nil inherits this process's.
    /// - `mergeOutput`: stderr goes to the same file as stdout, in the order written.
    /// - `timeout`: seconds; nil waits as long as the child runs.
    public static func run(
        executable: String, arguments: [String], stdin: [UInt8] = [], environment: [String: String]? = nil,
        mergeOutput: Bool = false, timeout: Double? = nil
    ) throws(Failure) -> Output {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("eekit-proc-\(getpid())-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw Failure("cannot create \(dir.path): \(error)")
        }
        defer { try? fm.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("stdin")
        let outURL = dir.appendingPathComponent("stdout")
        let errURL = dir.appendingPathComponent("stderr")
        guard fm.createFile(atPath: inURL.path, contents: Data(stdin)),
              fm.createFile(atPath: outURL.path, contents: nil),
              mergeOutput || fm.createFile(atPath: errURL.path, contents: nil)
        else { throw Failure("cannot create the I/O files in \(dir.path)") }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let inHandle: FileHandle, outHandle: FileHandle, errHandle: FileHandle
        do {
            inHandle = try FileHandle(forReadingFrom: inURL)
            outHandle = try FileHandle(forWritingTo: outURL)
            errHandle = mergeOutput ? outHandle : try FileHandle(forWritingTo: errURL)
        } catch {
            throw Failure("cannot open the I/O files in \(dir.path): \(error)")
        }
        defer {
            try? inHandle.close()
            try? outHandle.close()
            if !mergeOutput { try? errHandle.close() }
        }
        process.standardInput = inHandle
        process.standardOutput = outHandle
        process.standardError = errHandle
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do {
            try process.run()
        } catch {
            throw Failure("cannot start \(executable): \(error)")
        }
        var timedOut = false
        if let timeout {
            if done.wait(timeout: .now() + timeout) == .timedOut {
                timedOut = true
                // Only a child that ends and is reaped in the instant between the wait and
                // this kill could leave its pid to another process (a theoretical race).
                kill(process.processIdentifier, SIGKILL)
                done.wait()
            }
        } else {
            done.wait()
        }
        let out = (try? Data(contentsOf: outURL)).map { [UInt8]($0) } ?? []
        let err = mergeOutput ? [] : (try? Data(contentsOf: errURL)).map { [UInt8]($0) } ?? []
        return Output(
            stdout: out, stderr: err, status: process.terminationStatus, timedOut: timedOut,
            signaled: process.terminationReason == .uncaughtSignal)
    }

    /// `run` moved off the cooperative thread pool, so that waiting for a child never starves
    /// other tests' tasks.
    public static func runAsync(
        executable: String, arguments: [String], stdin: [UInt8] = [], environment: [String: String]? = nil,
        mergeOutput: Bool = false, timeout: Double? = nil
    ) async throws(Failure) -> Output {
        let result: Result<Output, Failure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(Failure) {
                    continuation.resume(returning: .success(try run(
                        executable: executable, arguments: arguments, stdin: stdin, environment: environment,
                        mergeOutput: mergeOutput, timeout: timeout)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
