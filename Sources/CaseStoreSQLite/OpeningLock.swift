#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An advisory lock on the directory that holds a database, held while a store opens and migrates
/// it, so that several processes opening a new database at once (kiosks, window commands) run the
/// migrations once, one after the other, instead of racing them ("table already exists").
///
/// It locks the directory, not the database file: closing a second descriptor of the database file
/// would drop SQLite's own POSIX locks on it. `flock` locks are separate from those. When the
/// directory cannot be opened, `body` runs without the lock.
func withOpeningLock<T>(forDatabaseAt path: String, _ body: () throws -> T) rethrows -> T {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let descriptor = open(directory, O_RDONLY)
    if descriptor >= 0 { _ = flock(descriptor, LOCK_EX) }
    defer {
        if descriptor >= 0 {
            _ = flock(descriptor, LOCK_UN)
            _ = close(descriptor)
        }
    }
    return try body()
}
