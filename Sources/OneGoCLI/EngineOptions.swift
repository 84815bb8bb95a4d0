import ArgumentParser
import BundleKit
import CaseEngine
import CaseStorePostgres
import CaseStoreSQLite
import Foundation
import OneGoClient
import WorkCalendar

/// Options every engine command takes: the database, the bundles, the calendar and "today".
struct EngineOptions: ParsableArguments {
    @OptionGroup var library: LibraryOptions

    @Option(
        name: .long,
        help: """
            The case database: a SQLite file's path, or postgres://user@host:port/database (default: $ONEGO_DB \
            or ./onego.db).
            """)
    var db: String?

    @Option(help: "PostgreSQL only: the most connections this process opens (keep the sum below max_connections).")
    var dbConnections: Int = 16

    @Option(help: "PostgreSQL only: seconds an operation may take, waiting for a connection included.")
    var dbTimeout: Int = 10

    @Flag(
        help: """
            PostgreSQL only: write every step in a transaction that locks what it read, never in the two \
            round trips of a gated step (docs/operations.md).
            """)
    var dbLockingSteps = false

    @Option(
        name: .customLong("test-today"),
        help: """
            Tests and demos only: pretend today is this day, YYYY-MM-DD (default: $ONEGO_TEST_TODAY; \
            otherwise steps are dated by the clock).
            """)
    var testToday: String?

    @Flag(help: "Create the case database if there is none (otherwise 'onego db init' creates one).")
    var create = false

    @Flag(help: "Open the database read-only (an auditor's copy, a read-only mount): changes are refused.")
    var readOnly = false

    @Option(help: "The audit key file (default: $ONEGO_AUDIT_KEY_FILE, else the database's path + .audit-key).")
    var auditKey: String?

    @Option(
        help: """
            Work through this `onego serve` (https://…) with the session of 'onego login' instead of a local \
            database (default: $ONEGO_SERVER).
            """)
    var server: String?

    var databasePath: String { db ?? SQLiteCaseStore.defaultPath }

    /// The database `--db` names.
    func database() throws -> CaseDatabase {
        try CaseDatabase(databasePath)
    }

    /// The pool and deadline for a PostgreSQL database.
    var postgresOptions: PostgresCaseStore.Options {
        PostgresCaseStore.Options(
            maximumConnections: max(1, dbConnections), deadline: .seconds(max(1, dbTimeout)),
            gatedSteps: !dbLockingSteps)
    }

    /// The server commands go to, if any.
    var serverAddress: String? { server ?? ProcessInfo.processInfo.environment["ONEGO_SERVER"] }

    /// The engine in process, or the server with the signed-in session: what staff commands use.
    func service() async throws -> any StaffService {
        guard let serverAddress else { return try await engine() }
        return HTTPStaffClient(connection: try StoredSession.connection(to: serverAddress))
    }

    /// The audit key file named by `--audit-key` or `$ONEGO_AUDIT_KEY_FILE`, if any.
    private var namedAuditKey: String? { auditKey ?? ProcessInfo.processInfo.environment["ONEGO_AUDIT_KEY_FILE"] }

    /// Where the audit key is kept: outside the database. Beside a SQLite file by default; a
    /// PostgreSQL database has no file to sit beside, and every server on it must use the same key,
    /// so it is named (see ``auditKeyFile()``).
    var auditKeyPath: String {
        namedAuditKey ?? databasePath + ".audit-key"
    }

    /// The audit key's path, refusing a PostgreSQL database without a named one.
    func auditKeyFile() throws -> String {
        if namedAuditKey == nil, case .postgres = try database() {
            throw RuntimeError(
                "a PostgreSQL database needs its audit key named: --audit-key FILE or $ONEGO_AUDIT_KEY_FILE, the same"
                    + " file on every server that shares the database (docs/operations.md)")
        }
        return auditKeyPath
    }

    /// Where audit checkpoints are appended: outside the database (beside the audit key for PostgreSQL).
    var checkpointPath: String {
        if let path = ProcessInfo.processInfo.environment["ONEGO_AUDIT_CHECKPOINT_FILE"] { return path }
        if PostgresAddress.isAddress(databasePath) { return auditKeyPath + ".checkpoints" }
        return databasePath + ".audit-checkpoints"
    }

    /// The server's clock; a fixed test day only when asked for by a name that says so.
    func clock() throws -> any EngineClock {
        guard let text = testToday ?? ProcessInfo.processInfo.environment["ONEGO_TEST_TODAY"] else {
            return SystemClock()
        }
        guard let day = CalendarDate(text) else {
            throw UsageError(description: "--test-today must be a date written YYYY-MM-DD, not '\(text)'")
        }
        return FixedClock(day: day)
    }

    func calendar() throws -> WorkCalendar {
        try WorkCalendar(directory: (library.root as NSString).appendingPathComponent("calendar"))
    }

    /// Opens the engine; reports bundle-library errors instead of running on a broken library.
    /// `createsDatabase`: the command is one meant to create a database (the kiosk).
    /// `onlyReads`: the command appends no event, so it never creates the audit key (an audit
    /// reading a database whose writers have no key must not start keying behind them).
    func engine(createsDatabase: Bool = false, onlyReads: Bool = false) async throws -> CaseEngine {
        if serverAddress != nil {
            throw RuntimeError("this command works on a local database only; it has no --server form")
        }
        let loaded = try library.load()
        if loaded.diagnostics.contains(where: { $0.severity == .error }) {
            throw RuntimeError(
                "the bundle library has errors; run 'onego bundle lint':\n"
                    + DiagnosticRenderer(sources: loaded.sources).renderAll(loaded.diagnostics))
        }
        let store = try await openStore(createsDatabase: createsDatabase, onlyReads: onlyReads)
        return CaseEngine(repository: store, library: loaded, calendar: try calendar(), clock: try clock())
    }

    /// Opens the store `--db` names with the audit key that hashes new events: created, beside
    /// nothing in the database, on first use by a writer; from the next event on every event must
    /// be keyed (recorded outside, in the checkpoint file).
    func openStore(
        createsDatabase: Bool = false, onlyReads: Bool = false
    ) async throws -> any CaseRepository & AccessRepository {
        let keyPath = try auditKeyFile()
        switch try database() {
        case .sqlite(let path):
            let creates = (create || createsDatabase) && !readOnly
            guard creates || readOnly || FileManager.default.fileExists(atPath: path) else {
                throw CaseEngineError.storage(.noDatabase(path: path))
            }
            let (key, keyCreated) = try loadAuditKey(at: keyPath, creating: !onlyReads)
            let store = try SQLiteCaseStore(path: path, create: creates, readOnly: readOnly, auditKey: key)
            if keyCreated {
                try AuditCheckpoints.append("keyed-from \(try store.lastEventSeq() + 1)", to: checkpointPath)
            }
            return store
        case .postgres(let address):
            if readOnly {
                throw RuntimeError(
                    "--read-only is for a SQLite file; on PostgreSQL connect as a role that may only read")
            }
            let (key, keyCreated) = try loadAuditKey(at: keyPath, creating: !onlyReads)
            let store = try await PostgresCaseStore.open(address, auditKey: key, options: postgresOptions)
            if keyCreated {
                try AuditCheckpoints.append("keyed-from \(try await store.lastEventSeq() + 1)", to: checkpointPath)
            }
            return store
        }
    }

    private func loadAuditKey(at path: String, creating: Bool) throws -> (AuditKey?, created: Bool) {
        if let key = try AuditKey.load(at: path) { return (key, false) }
        if readOnly || !creating { return (nil, false) }
        let (key, created) = try AuditKey.loadOrCreate(at: path)
        return (key, created)
    }
}

/// The case database a `--db` names: a PostgreSQL address, or else a SQLite file's path.
enum CaseDatabase {
    case sqlite(path: String)
    case postgres(PostgresAddress)

    init(_ text: String) throws {
        guard PostgresAddress.isAddress(text) else {
            self = .sqlite(path: text)
            return
        }
        do {
            self = .postgres(try PostgresAddress(text))
        } catch {
            throw ValidationError("--db: \(error.description)")
        }
    }
}

/// Parses repeated KEY=VALUE options.
func keyValues(_ pairs: [String], option: String) throws -> [String: String] {
    var result: [String: String] = [:]
    for pair in pairs {
        let parts = pair.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else {
            throw UsageError(description: "\(option) is written KEY=VALUE, not '\(pair)'")
        }
        result[String(parts[0])] = String(parts[1])
    }
    return result
}

/// `--limit` and `--after` for every list: one page at a time, and how to get the next.
struct PagingOptions: ParsableArguments {
    @Option(help: "At most this many (1–\(maximumPageSize)).") var limit: Int = 50
    @Option(help: "Continue after this cursor (printed at the end of the previous page).") var after: String?

    func validate() throws {
        guard (1...maximumPageSize).contains(limit) else {
            throw ValidationError("--limit is 1 to \(maximumPageSize), not \(limit)")
        }
    }

    /// Says that more remain, and how to see them.
    func printMore(_ next: String?) {
        guard let next else { return }
        print("more: --after \(next)")
    }
}
