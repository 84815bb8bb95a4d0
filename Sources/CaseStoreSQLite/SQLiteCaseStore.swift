import CNative
import CaseEngine
import Foundation
import GRDB
import GRDBSQLite

/// The embedded case store: one SQLite file in WAL mode, opened through GRDB, implementing
/// ``CaseRepository``.
///
/// The schema is created and upgraded by migrations (`Migrations.swift`; docs/case-engine.md
/// lists it). Every transition of the engine is one `write` transaction together with its audit
/// events, its outbox rows and the sub-cases it releases. The hot path (submit and the department
/// steps) binds and steps GRDB-prepared statements directly (`Database+Raw.swift`).
public final class SQLiteCaseStore: Sendable {
    /// How durable a commit is.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// WAL with synchronous=NORMAL: a committed case survives a process crash.
        case normal
        /// synchronous=FULL: a committed case also survives a power cut.
        case full
    }

    /// The default database file: `$ONEGO_DB`, else `onego.db` in the working directory.
    public static var defaultPath: String {
        ProcessInfo.processInfo.environment["ONEGO_DB"] ?? "onego.db"
    }

    /// The database for writing, and reading when writable; `nil` for a read-only store.
    let pool: DatabasePool?
    /// The writer's checkpoints, off its commits; `nil` for a read-only store.
    let checkpoints: Checkpoints?
    /// Where reads go: the pool, or a read-only connection.
    let reader: any DatabaseReader
    /// Whether the store was opened read-only (an auditor's copy, a read-only mount): every change
    /// is refused with ``StorageFault/readOnly``.
    public let isReadOnly: Bool
    /// The file.
    public let path: String
    /// The audit chain's last hash as this store last committed it.
    let chainHead = ChainHead()
    /// The plans this process has committed (a plan is stored once, by hash).
    let storedPlans = StoredPlans()
    /// The key the audit chain's new events are hashed with (HMAC-SHA256); `nil` hashes with plain
    /// SHA-256.
    let auditKey: AuditKey?
    /// The plans' sub-case entries, decoded once per plan.
    let planEntries = PlanEntries()

    /// SQLite's process-wide settings, made once before the first connection opens (see
    /// `onego_sqlite_configure`).
    private static let sqliteConfigured: Int32 = onego_sqlite_configure()

    deinit {
        // The writer's WAL hook points at the checkpoints, which go with this store.
        if let pool, let checkpoints { pool.writeWithoutTransaction { db in checkpoints.remove(from: db) } }
    }

    /// Opens and migrates the database at `path`.
    ///
    /// - Parameters:
    ///   - create: create the file when there is none. Only the commands meant to create a
    ///     database pass it (the kiosk's first start, `onego db init`, `--create`): a mistyped path
    ///     is otherwise reported, not answered with an empty database.
    ///   - readOnly: open without writing anything, not even the WAL files: for an auditor's copy or
    ///     a read-only mount. A file or directory this process may not write is opened so anyway.
    ///   - maximumPages: a limit on the file's size in pages (SQLite's `max_page_count`), to keep a
    ///     kiosk's file bounded; past it a write fails as a full disk does.
    ///   - auditKey: the key new audit events are hashed with (see ``AuditKey``).
    public init(
        path: String, create: Bool = false, readOnly: Bool = false, synchronous: Synchronous = .normal,
        maximumPages: Int? = nil, auditKey: AuditKey? = nil
    ) throws(CaseEngineError) {
        self.auditKey = auditKey
        _ = Self.sqliteConfigured
        let exists = FileManager.default.fileExists(atPath: path)
        guard create || exists else {
            throw CaseEngineError.storage(.noDatabase(path: path))
        }
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if readOnly
            || (exists
                && !(FileManager.default.isWritableFile(atPath: path)
                    && FileManager.default.isWritableFile(atPath: directory.isEmpty ? "." : directory)))
        {
            pool = nil
            checkpoints = nil
            isReadOnly = true
            reader = try Self.openReadOnly(path)
            return
        }
        isReadOnly = false
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let pragma = synchronous == .full ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(pragma)")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // 16 MiB of page cache (SQLite's default is 2 MiB): the pages a step touches (the
            // sub-case, the case, the ends of the event and outbox tables) stay in memory as the
            // file grows, instead of being read back from the OS on every transaction.
            try db.execute(sql: "PRAGMA cache_size = -16384")
            if let maximumPages { _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(maximumPages)") }
        }
        do {
            let (pool, checkpoints) = try withOpeningLock(forDatabaseAt: path) {
                let pool = try DatabasePool(path: path, configuration: configuration)
                // GRDB sets synchronous=NORMAL on the writer after `prepareDatabase` when it enables
                // WAL, so the wanted level is set again on the (only) writing connection.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(pragma)") }
                try Self.migrator.migrate(pool)
                let checkpoints = try Checkpoints(path: path, synchronous: pragma)
                pool.writeWithoutTransaction { db in
                    checkpoints.install(on: db)
                    // Another process's write lock is waited for by suspending (`write`), not in
                    // SQLite's busy handler on the writer's thread.
                    sqlite3_busy_timeout(db.sqliteConnection, 0)
                }
                return (pool, checkpoints)
            }
            self.pool = pool
            self.checkpoints = checkpoints
            reader = pool
        } catch {
            throw CaseEngineError.storage(Self.fault(error, path: path))
        }
    }

    /// A read-only connection that writes nothing next to the file (`immutable`: nobody writes
    /// an auditor's copy); a file of an older schema cannot be upgraded there and is refused.
    private static func openReadOnly(_ path: String) throws(CaseEngineError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            let queue = try DatabaseQueue(
                path: "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? absolute)
                    + "?immutable=1",
                configuration: configuration)
            let current = try queue.read { db in try migrator.hasCompletedMigrations(db) }
            guard current else { throw CaseEngineError.storage(.readOnly) }
            return queue
        } catch let error as CaseEngineError {
            throw error
        } catch {
            throw CaseEngineError.storage(fault(error, path: path))
        }
    }

    /// What a database error means for the caller (its message keeps no SQL arguments).
    static func fault(_ error: any Error, path: String) -> StorageFault {
        guard let error = error as? DatabaseError else { return .other(describe(error)) }
        switch error.resultCode.primaryResultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
        case .SQLITE_FULL: return .diskFull
        case .SQLITE_IOERR: return .ioError
        case .SQLITE_READONLY: return .readOnly
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .damaged
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH: return .cannotOpen(path: path)
        default: return .other(describe(error))
        }
    }

    /// A database error in words, without SQL arguments (which may hold personal data).
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "\(error.resultCode): \(error.message ?? "")"
        }
        if let error = error as? CaseEngineError { return error.description }
        return String(describing: type(of: error))
    }

    /// Runs `work` in one write transaction: all or nothing.
    ///
    /// While another process holds the file's write lock (an `onego` command, a script), the
    /// caller suspends and tries again every few milliseconds, for up to ``lockWait``, instead of
    /// waiting in SQLite's busy handler: that wait would hold the calling thread, and on Swift's
    /// pool of one thread a core two such writes held every thread a server's other requests need.
    func write<T>(_ work: (Database) throws -> T) async throws(CaseEngineError) -> T {
        var waited: Duration = .zero
        var attempt = 0
        while true {
            if case .done(let result) = try writeUnlessLocked(work) { return result }
            guard waited < Self.lockWait else { throw CaseEngineError.storage(.busy) }
            let pause = Duration.milliseconds(attempt < 4 ? [1, 2, 5, 10][attempt] : 20)
            do {
                try await Task.sleep(for: pause)
            } catch {
                throw CaseEngineError.storage(.busy)  // the caller gave up waiting
            }
            waited += pause
            attempt += 1
        }
    }

    /// How long a write waits for another process's write lock before it answers busy (SQLite's
    /// busy timeout for the store's other connections is the same).
    static let lockWait: Duration = .seconds(10)

    /// What one try at a write transaction came to.
    private enum WriteAttempt<T> {
        case done(T)
        /// Another process holds the write lock; nothing was done.
        case locked
    }

    /// One try: `work` in one write transaction, or ``WriteAttempt/locked`` at once when another
    /// process holds the write lock (the writer's busy timeout is 0, set when the store opens).
    private func writeUnlessLocked<T>(_ work: (Database) throws -> T) throws(CaseEngineError) -> WriteAttempt<T> {
        do {
            // BEGIN IMMEDIATE … COMMIT on the writer, stepped directly like the statements of the
            // hot path: the same guarantees as `pool.write`, with less machinery per transaction.
            guard let pool else { throw CaseEngineError.storage(.readOnly) }
            return try pool.writeWithoutTransaction { db in
                do {
                    try db.execute(.begin)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    return .locked
                }
                do {
                    let result = try work(db)
                    try db.execute(.commit)
                    chainHead.didCommit(version: db.dataVersion)
                    return .done(result)
                } catch {
                    chainHead.didRollBack()
                    if !db.isInsideTransaction {
                        throw error
                    }
                    try? db.execute(sql: "ROLLBACK")
                    throw error
                }
            }
        } catch let error as CaseEngineError {
            throw error
        } catch {
            throw CaseEngineError.storage(Self.fault(error, path: path))
        }
    }

    /// Runs a short read on the writing connection, outside a transaction (autocommit).
    func readOnWriter<T>(_ work: (Database) throws -> T) throws(CaseEngineError) -> T {
        guard let pool else { return try read(work) }
        do {
            return try pool.writeWithoutTransaction(work)
        } catch let error as CaseEngineError {
            throw error
        } catch {
            throw CaseEngineError.storage(Self.fault(error, path: path))
        }
    }

    /// Runs `work` on a read-only snapshot.
    func read<T>(_ work: (Database) throws -> T) throws(CaseEngineError) -> T {
        do {
            return try reader.read(work)
        } catch let error as CaseEngineError {
            throw error
        } catch {
            throw CaseEngineError.storage(Self.fault(error, path: path))
        }
    }

    /// The writer's `PRAGMA synchronous` level: 1 NORMAL, 2 FULL.
    public func synchronousLevel() throws(CaseEngineError) -> Int {
        do {
            guard let pool else { throw CaseEngineError.storage(.readOnly) }
            return try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
        } catch {
            throw CaseEngineError.storage(Self.fault(error, path: path))
        }
    }

    /// The newest audit event's sequence number, 0 with none.
    public func lastEventSeq() throws(CaseEngineError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0 }
    }

    /// `PRAGMA quick_check`: no problems when the file's pages and records are sound.
    public func quickCheck() throws(CaseEngineError) -> [String] {
        let lines = try read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        return lines == ["ok"] ? [] : lines
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws(CaseEngineError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }
}

extension SQLiteCaseStore {
    /// The number of audit events.
    public func eventCount() throws(CaseEngineError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }

    /// The number of cases with a status.
    public func caseCount(status: CaseStatus) throws(CaseEngineError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE status = ?", arguments: [status.rawValue]) ?? 0
        }
    }

    /// The number of cases and the number of cases whose sub-cases do not match their plan's count
    /// (or lack their progress rows).
    public func consistencyReport() throws(CaseEngineError) -> (cases: Int, partial: Int) {
        try read { db in
            let cases = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases") ?? 0
            let partial =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM cases c
                        WHERE (SELECT COUNT(*) FROM subcases s WHERE s.case_number = c.number) = 0
                           OR (SELECT COUNT(*) FROM subcases s WHERE s.case_number = c.number)
                              <> (SELECT MAX(position) FROM subcases s WHERE s.case_number = c.number)
                           OR (SELECT COUNT(*) FROM subcases s WHERE s.case_number = c.number)
                              <> (SELECT COUNT(*) FROM subcase_view v WHERE v.case_number = c.number)
                        """) ?? 0
            return (cases, partial)
        }
    }
}

/// The ids of the plans this process has stored, by hash: a submission under a known plan writes
/// neither the plan nor its sub-case entries again.
final class StoredPlans: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: Int64] = [:]

    func id(of hash: String) -> Int64? {
        lock.lock()
        defer { lock.unlock() }
        return ids[hash]
    }

    func remember(_ hash: String, id: Int64) {
        lock.lock()
        if ids.count >= 1024 { ids.removeAll() }
        ids[hash] = id
        lock.unlock()
    }
}

/// The sub-case entries of the plans this process has read, decoded once per plan: a plan never
/// changes once stored, so an entry is never stale. Bounded: past 1,024 plans it starts again.
final class PlanEntries: @unchecked Sendable {
    private let lock = NSLock()
    private var plans: [Int64: [SubcasePlan]] = [:]

    /// The entry at `position` of the plan `id`, loading the plan's entries with `load` once.
    func entry(
        _ id: Int64, position: Int, load: (Int64) throws -> [SubcasePlan]
    ) throws -> SubcasePlan {
        lock.lock()
        let cached = plans[id]
        lock.unlock()
        let entries = try cached ?? load(id)
        if cached == nil {
            lock.lock()
            if plans.count >= 1024 { plans.removeAll() }
            plans[id] = entries
            lock.unlock()
        }
        guard position >= 1, position <= entries.count, entries[position - 1].position == position else {
            throw CaseEngineError.corruptRecord("plan \(id) has no sub-case at position \(position)")
        }
        return entries[position - 1]
    }
}
