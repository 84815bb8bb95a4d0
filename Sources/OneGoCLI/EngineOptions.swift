import ArgumentParser
import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import OneGoClient
import WorkCalendar

/// Options every engine command takes: the database, the bundles, the calendar and "today".
struct EngineOptions: ParsableArguments {
    @OptionGroup var library: LibraryOptions

    @Option(name: .long, help: "The case database (default: $ONEGO_DB or ./onego.db).")
    var db: String?

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

    /// The server commands go to, if any.
    var serverAddress: String? { server ?? ProcessInfo.processInfo.environment["ONEGO_SERVER"] }

    /// The engine in process, or the server with the signed-in session: what staff commands use.
    func service() throws -> any StaffService {
        guard let serverAddress else { return try engine() }
        return HTTPStaffClient(connection: try StoredSession.connection(to: serverAddress))
    }

    /// Where the audit key is kept: outside the database.
    var auditKeyPath: String {
        auditKey ?? ProcessInfo.processInfo.environment["ONEGO_AUDIT_KEY_FILE"] ?? databasePath + ".audit-key"
    }

    /// Where audit checkpoints are appended: outside the database.
    var checkpointPath: String {
        ProcessInfo.processInfo.environment["ONEGO_AUDIT_CHECKPOINT_FILE"] ?? databasePath + ".audit-checkpoints"
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
    func engine(createsDatabase: Bool = false) throws -> CaseEngine {
        if serverAddress != nil {
            throw RuntimeError("this command works on a local database only; it has no --server form")
        }
        let loaded = try library.load()
        if loaded.diagnostics.contains(where: { $0.severity == .error }) {
            throw RuntimeError(
                "the bundle library has errors; run 'onego bundle lint':\n"
                    + DiagnosticRenderer(sources: loaded.sources).renderAll(loaded.diagnostics))
        }
        let creates = (create || createsDatabase) && !readOnly
        guard creates || readOnly || FileManager.default.fileExists(atPath: databasePath) else {
            throw CaseEngineError.storage(.noDatabase(path: databasePath))
        }
        // The key that hashes new audit events: created, beside nothing in the database, on first
        // use by a writer; from the next event on every event must be keyed (recorded outside).
        var key = try AuditKey.load(at: auditKeyPath)
        var keyCreated = false
        if key == nil && !readOnly {
            (key, keyCreated) = try AuditKey.loadOrCreate(at: auditKeyPath)
        }
        let store = try SQLiteCaseStore(path: databasePath, create: creates, readOnly: readOnly, auditKey: key)
        if keyCreated { try AuditCheckpoints.append("keyed-from \(try store.lastEventSeq() + 1)", to: checkpointPath) }
        return CaseEngine(repository: store, library: loaded, calendar: try calendar(), clock: try clock())
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
