import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs work on a thread with a large native stack and waits for it. The bootloader itself
/// never recurses per frame that preempts; nested calls (WASM imports that call back
/// synchronously) and deep EE-internal work need room, and the default thread stack (8 MiB
/// main, 512 KiB secondary) may be too small.
public enum LargeStack {
    /// Default: 256 MiB (virtual; only touched pages are committed).
    public static let defaultSize = 256 << 20

    /// Runs `body` on a new thread with `size` bytes of stack (1 MiB to 4 GiB) and returns its
    /// result. If the system refuses the thread (address space or thread limits), `body` runs
    /// on the calling thread instead.
    public static func run<T: Sendable>(size: Int = defaultSize, _ body: @escaping @Sendable () -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let started = startThread(size: size) {
            box.value = body()
            done.signal()
        }
        guard started else { return body() }
        done.wait()
        guard let v = box.value else { preconditionFailure("large-stack thread ended without a result") }
        return v
    }

    /// Starts a detached thread with `size` bytes of stack running `body`; false if the system
    /// refused it (pthread_create's error: Foundation's Thread would fail silently, and a
    /// caller waiting for it would hang).
    static func startThread(size: Int, _ body: @escaping () -> Void) -> Bool {
        var attr = pthread_attr_t()
        guard pthread_attr_init(&attr) == 0 else { return false }
        defer { pthread_attr_destroy(&attr) }
        guard pthread_attr_setstacksize(&attr, min(max(size, 1 << 20), 1 << 32)) == 0,
            pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED)) == 0
        else { return false }
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            guard let raw else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        if rc != 0 {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            return false
        }
        return true
    }
}

private final class ThreadBody {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

extension LargeStack {
    /// A thread with a large stack that runs one job at a time for a caller that waits: made
    /// once and reused (a bootloader's nested calls move to one when the stack they run on gets
    /// low, possibly thousands of times in a transaction; a new thread each time cost tens of
    /// microseconds, and far more under ASan). Its thread ends when the worker is released.
    final class Worker: @unchecked Sendable {
        /// What the worker and its thread share; the thread holds only this, so the worker's
        /// owner can release it (and so end the thread) at any time it runs no job.
        private final class Shared: @unchecked Sendable {
            let lock = NSCondition()
            var job: (() -> Void)?
            var finished = false
            var stopping = false
        }
        private let shared = Shared()

        /// Nil if the system refuses the thread.
        init?(size: Int = LargeStack.defaultSize) {
            let shared = self.shared
            let started = LargeStack.startThread(size: size) {
                shared.lock.lock()
                while true {
                    while shared.job == nil && !shared.stopping { shared.lock.wait() }
                    guard let task = shared.job else { break }  // stopping
                    shared.job = nil
                    shared.lock.unlock()
                    task()
                    // `task` (and what it holds, which may be the worker's last owner, whose
                    // deinit takes the lock) is released here, before the lock is taken again.
                    _ = consume task
                    shared.lock.lock()
                    shared.finished = true
                    shared.lock.broadcast()
                }
                shared.lock.unlock()
            }
            if !started { return nil }
        }

        /// Runs `body` on the worker's thread and returns its result; the calling thread waits
        /// (so whatever `body` touches is used by one thread at a time).
        func run<T>(_ body: @escaping () -> T) -> T {
            let box = ResultBox<T>()
            shared.lock.lock()
            shared.finished = false
            shared.job = { box.value = body() }
            shared.lock.broadcast()
            while !shared.finished { shared.lock.wait() }
            shared.lock.unlock()
            guard let v = box.value else { preconditionFailure("large-stack worker ended a job without a result") }
            return v
        }

        deinit {
            shared.lock.lock()
            shared.stopping = true
            shared.lock.broadcast()
            shared.lock.unlock()
        }
    }
}
