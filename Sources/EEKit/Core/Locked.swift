import Synchronization

#if EEKIT_TSAN
import Glibc

/// The process-wide caches and pools (native images and machines, EVM analyses and buffers)
/// are shared by every bootloader in the process, behind one lock each.
///
/// Normally that lock is `Synchronization.Mutex` (a futex: one atomic operation when
/// uncontended). ThreadSanitizer cannot see the ordering it provides on Linux (the
/// Synchronization module is not instrumented) and reports every guarded access as a race, so
/// `Scripts/sanitize.sh thread` builds with EEKIT_TSAN, which swaps in this pthread mutex, one
/// that ThreadSanitizer intercepts.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
#else
/// The lock of the process-wide caches and pools (see the EEKIT_TSAN variant above).
typealias Locked<Value> = Mutex<Value>
#endif
