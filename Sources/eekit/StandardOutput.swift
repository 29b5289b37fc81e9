// The C stdio stream behind `print`: Swift 6 refuses a reference to the global `stdout`
// (shared mutable state) unless Glibc is imported @preconcurrency, so only this file does.
@preconcurrency import Glibc

/// Flushes `print`'s buffered output; false when any of it could not be written (now or at an
/// earlier flush: the stream's error flag stays set), with `errno` from the last failure.
func flushStandardOutput() -> Bool {
    fflush(stdout) == 0 && ferror(stdout) == 0
}
