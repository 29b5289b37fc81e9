import EEKit
import Foundation

/// `RISCVMachine.decodesOnFirstRun` and `RISCVMachine.lazyDecodingFromPages` are process-wide,
/// and test suites run in parallel: a test that sets them, or counts undecoded pages under
/// them, does so inside `DecodingSettings.with`, which holds one lock for its body, so that no
/// other such test changes them in between (two suites setting them around `setCodeRange`
/// could otherwise see each other's value). Not re-entrant.
public enum DecodingSettings {
    private static let lock = NSLock()

    /// Runs `body` with the two settings as given, then puts back what they were.
    public static func with<T>(lazy: Bool, fromPages: Int = 2, _ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        let saved = (RISCVMachine.decodesOnFirstRun, RISCVMachine.lazyDecodingFromPages)
        RISCVMachine.decodesOnFirstRun = lazy
        RISCVMachine.lazyDecodingFromPages = fromPages
        defer { (RISCVMachine.decodesOnFirstRun, RISCVMachine.lazyDecodingFromPages) = saved }
        return try body()
    }
}
