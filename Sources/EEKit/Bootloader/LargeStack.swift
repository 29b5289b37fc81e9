import Foundation

/// Runs work on a thread with a large native stack and waits for it. The bootloader itself
/// never recurses per frame, but EEs that nest natively (WASM imports) and deep EE-internal
/// work need room; the default thread stack (8 MiB main, 512 KiB secondary) may be too small.
public enum LargeStack {
    /// Default: 256 MiB (virtual; only touched pages are committed).
    public static let defaultSize = 256 << 20

    /// Runs `body` on a new thread with `size` bytes of stack and returns its result.
    public static func run<T: Sendable>(size: Int = defaultSize, _ body: @escaping @Sendable () -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.stackSize = min(max(size, 1 << 20), 1 << 32)  // a size Thread refuses would never start it
        thread.start()
        done.wait()
        guard let v = box.value else { preconditionFailure("large-stack thread ended without a result") }
        return v
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
