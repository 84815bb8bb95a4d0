import CNative
import Foundation
import GRDB

/// Where cases live: one SQLite file in WAL mode, opened through GRDB.
///
/// The schema is created and upgraded by migrations (docs/case-engine.md lists it). Every state
/// change of the engine is one `write` transaction together with its audit event, its outbox rows
/// and the sub-cases it releases.
public final class CaseStore: Sendable {
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

    /// The database.
    let pool: DatabasePool
    /// The file.
    public let path: String
    /// The audit chain's last hash as this store last committed it.
    let chainHead = ChainHead()

    /// SQLite's process-wide settings, made once before the first connection opens (see
    /// `onego_sqlite_configure`).
    private static let sqliteConfigured: Int32 = onego_sqlite_configure()

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String, synchronous: Synchronous = .normal) throws(CaseEngineError) {
        _ = Self.sqliteConfigured
        self.path = path
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
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets synchronous=NORMAL on the writer after `prepareDatabase` when it enables
            // WAL, so the wanted level is set again on the (only) writing connection.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(pragma)") }
            try Self.migrator.migrate(pool)
        } catch {
            throw CaseEngineError.storage("cannot open the case database at \(path): \(Self.describe(error))")
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
    func write<T>(_ work: @Sendable (Database) throws -> T) throws(CaseEngineError) -> T {
        do {
            // BEGIN IMMEDIATE … COMMIT on the writer, stepped directly like the statements of the
            // hot path: the same guarantees as `pool.write`, with less machinery per transaction.
            return try pool.writeWithoutTransaction { db in
                try db.execute(.begin)
                do {
                    let result = try work(db)
                    try db.execute(.commit)
                    chainHead.didCommit(version: db.dataVersion)
                    return result
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
            throw CaseEngineError.storage(Self.describe(error))
        }
    }

    /// Runs `work` on a read-only snapshot.
    func read<T>(_ work: @Sendable (Database) throws -> T) throws(CaseEngineError) -> T {
        do {
            return try pool.read(work)
        } catch let error as CaseEngineError {
            throw error
        } catch {
            throw CaseEngineError.storage(Self.describe(error))
        }
    }

    /// The writer's `PRAGMA synchronous` level: 1 NORMAL, 2 FULL.
    public func synchronousLevel() throws(CaseEngineError) -> Int {
        do {
            return try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
        } catch {
            throw CaseEngineError.storage(Self.describe(error))
        }
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws(CaseEngineError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    // MARK: - Schema

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE case_sequences (
                        day TEXT PRIMARY KEY,
                        last INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE plans (
                        hash TEXT PRIMARY KEY,
                        bundle TEXT NOT NULL,
                        version TEXT NOT NULL,
                        compiled TEXT NOT NULL
                    );
                    CREATE TABLE cases (
                        number TEXT PRIMARY KEY,
                        query_code TEXT NOT NULL,
                        bundle TEXT NOT NULL,
                        version TEXT NOT NULL,
                        bundle_name_zh TEXT NOT NULL,
                        bundle_name_en TEXT NOT NULL,
                        plan_hash TEXT NOT NULL REFERENCES plans(hash),
                        status TEXT NOT NULL,
                        withdrawn INTEGER NOT NULL DEFAULT 0,
                        applicant_name TEXT NOT NULL,
                        applicant_id_number TEXT NOT NULL,
                        applicant_phone TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        channel_id TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL UNIQUE,
                        fingerprint TEXT NOT NULL,
                        answers TEXT NOT NULL,
                        submitted_on TEXT NOT NULL,
                        submitted_at TEXT NOT NULL,
                        promised_date TEXT NOT NULL,
                        promised_provisional INTEGER NOT NULL,
                        handed_out_at TEXT,
                        closed_on TEXT
                    );
                    CREATE TABLE form_values (
                        case_number TEXT NOT NULL REFERENCES cases(number),
                        element TEXT NOT NULL,
                        label_zh TEXT NOT NULL,
                        label_en TEXT NOT NULL,
                        sensitive INTEGER NOT NULL,
                        value TEXT NOT NULL,
                        PRIMARY KEY (case_number, element)
                    ) WITHOUT ROWID;
                    CREATE TABLE case_materials (
                        case_number TEXT NOT NULL REFERENCES cases(number),
                        material TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        name_zh TEXT NOT NULL,
                        name_en TEXT NOT NULL,
                        status TEXT NOT NULL,
                        promised_by TEXT,
                        PRIMARY KEY (case_number, material)
                    ) WITHOUT ROWID;
                    CREATE TABLE attachments (
                        id INTEGER PRIMARY KEY,
                        case_number TEXT NOT NULL REFERENCES cases(number),
                        material TEXT NOT NULL,
                        sha256 TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        media_type TEXT NOT NULL,
                        content BLOB NOT NULL,
                        added_at TEXT NOT NULL
                    );
                    CREATE INDEX attachments_by_case ON attachments(case_number, material);
                    CREATE TABLE subcases (
                        id TEXT PRIMARY KEY,
                        case_number TEXT NOT NULL REFERENCES cases(number),
                        position INTEGER NOT NULL,
                        item TEXT NOT NULL,
                        item_name_zh TEXT NOT NULL,
                        item_name_en TEXT NOT NULL,
                        department TEXT NOT NULL,
                        department_name_zh TEXT NOT NULL,
                        department_name_en TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        promised_days INTEGER NOT NULL,
                        legal_days INTEGER,
                        early_start INTEGER NOT NULL,
                        after_items TEXT NOT NULL,
                        input_flows TEXT NOT NULL,
                        output_elements TEXT NOT NULL,
                        dependant_items TEXT NOT NULL,
                        fields TEXT NOT NULL,
                        materials TEXT NOT NULL,
                        state TEXT NOT NULL,
                        resume_state TEXT,
                        released INTEGER NOT NULL,
                        inputs TEXT NOT NULL DEFAULT '',
                        outputs TEXT NOT NULL DEFAULT '',
                        dispatched_on TEXT,
                        due_date TEXT,
                        due_provisional INTEGER NOT NULL DEFAULT 0,
                        days_used_before_pause INTEGER NOT NULL DEFAULT 0,
                        paused_days INTEGER NOT NULL DEFAULT 0,
                        paused_on TEXT,
                        finished_on TEXT,
                        reason TEXT
                    ) WITHOUT ROWID;
                    CREATE INDEX subcases_by_department ON subcases(department);
                    CREATE TABLE corrections (
                        id INTEGER PRIMARY KEY,
                        subcase_id TEXT NOT NULL REFERENCES subcases(id),
                        requested_on TEXT NOT NULL,
                        materials TEXT NOT NULL,
                        fields TEXT NOT NULL,
                        note TEXT NOT NULL,
                        supplied_materials TEXT NOT NULL DEFAULT '',
                        supplied_fields TEXT NOT NULL DEFAULT '',
                        resolved_on TEXT
                    );
                    CREATE INDEX corrections_open ON corrections(subcase_id, resolved_on);
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY,
                        department TEXT NOT NULL,
                        subcase_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        delivered_at TEXT
                    );
                    CREATE INDEX outbox_pending ON outbox(department, delivered_at);
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY,
                        at TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        role TEXT NOT NULL,
                        action TEXT NOT NULL,
                        case_number TEXT NOT NULL,
                        subcase_id TEXT NOT NULL,
                        before TEXT NOT NULL,
                        after TEXT NOT NULL,
                        detail TEXT NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-ratings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ratings (
                        case_number TEXT PRIMARY KEY REFERENCES cases(number),
                        grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 5),
                        channel_id TEXT NOT NULL,
                        rated_at TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v3-form-documents") { db in
            // One form document per case instead of one row per field (see CaseForm).
            try db.execute(
                sql: """
                    CREATE TABLE case_forms (
                        case_number TEXT PRIMARY KEY REFERENCES cases(number),
                        fields TEXT NOT NULL
                    ) WITHOUT ROWID;
                    INSERT INTO case_forms (case_number, fields)
                        SELECT case_number, json_group_array(json_array(element, label_zh, label_en,
                            json(CASE WHEN sensitive THEN 'true' ELSE 'false' END), value))
                        FROM form_values GROUP BY case_number;
                    DROP TABLE form_values;
                    """)
        }
        migrator.registerMigration("v4-form-in-case") { db in
            // The form document moves into its case's row: a submission writes one row less, and a
            // document of a few kilobytes no longer spills into overflow pages of a WITHOUT ROWID
            // table (a page and more per case).
            try db.execute(
                sql: """
                    ALTER TABLE cases ADD COLUMN form TEXT NOT NULL DEFAULT '[]';
                    UPDATE cases SET form = (SELECT fields FROM case_forms WHERE case_number = cases.number)
                        WHERE number IN (SELECT case_number FROM case_forms);
                    DROP TABLE case_forms;
                    """)
        }
        migrator.registerMigration("v5-subcase-progress") { db in
            // A sub-case's plan data (names, limits, dependencies, lists) is written once; its
            // progress changes at every step. Progress moves to a narrow table of its own, so a step
            // rewrites a row of 14 columns instead of 32 (SQLite rebuilds the whole row on UPDATE).
            // `subcase_view` joins the two for reading. The sub-case table is rebuilt without the
            // progress columns (SQLite's create, copy, drop, rename; foreign keys are checked after
            // the migration, and `corrections` and `subcase_progress` refer to the new table by name).
            try db.execute(
                sql: """
                    CREATE TABLE subcase_progress (
                        id TEXT PRIMARY KEY REFERENCES subcases(id),
                        state TEXT NOT NULL,
                        resume_state TEXT,
                        released INTEGER NOT NULL,
                        inputs TEXT NOT NULL DEFAULT '',
                        outputs TEXT NOT NULL DEFAULT '',
                        dispatched_on TEXT,
                        due_date TEXT,
                        due_provisional INTEGER NOT NULL DEFAULT 0,
                        days_used_before_pause INTEGER NOT NULL DEFAULT 0,
                        paused_days INTEGER NOT NULL DEFAULT 0,
                        paused_on TEXT,
                        finished_on TEXT,
                        reason TEXT
                    ) WITHOUT ROWID;
                    INSERT INTO subcase_progress
                        SELECT id, state, resume_state, released, inputs, outputs, dispatched_on, due_date,
                            due_provisional, days_used_before_pause, paused_days, paused_on, finished_on, reason
                        FROM subcases;
                    CREATE TABLE subcases_plan (
                        id TEXT PRIMARY KEY,
                        case_number TEXT NOT NULL REFERENCES cases(number),
                        position INTEGER NOT NULL,
                        item TEXT NOT NULL,
                        item_name_zh TEXT NOT NULL,
                        item_name_en TEXT NOT NULL,
                        department TEXT NOT NULL,
                        department_name_zh TEXT NOT NULL,
                        department_name_en TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        promised_days INTEGER NOT NULL,
                        legal_days INTEGER,
                        early_start INTEGER NOT NULL,
                        after_items TEXT NOT NULL,
                        input_flows TEXT NOT NULL,
                        output_elements TEXT NOT NULL,
                        dependant_items TEXT NOT NULL,
                        fields TEXT NOT NULL,
                        materials TEXT NOT NULL
                    ) WITHOUT ROWID;
                    INSERT INTO subcases_plan
                        SELECT id, case_number, position, item, item_name_zh, item_name_en, department,
                            department_name_zh, department_name_en, kind, promised_days, legal_days, early_start,
                            after_items, input_flows, output_elements, dependant_items, fields, materials
                        FROM subcases;
                    DROP TABLE subcases;
                    ALTER TABLE subcases_plan RENAME TO subcases;
                    CREATE INDEX subcases_by_department ON subcases(department);
                    CREATE VIEW subcase_view AS
                        SELECT
                            s.id,
                            s.case_number,
                            s.position,
                            s.item,
                            s.item_name_zh,
                            s.item_name_en,
                            s.department,
                            s.department_name_zh,
                            s.department_name_en,
                            s.kind,
                            s.promised_days,
                            s.legal_days,
                            s.early_start,
                            s.after_items,
                            s.input_flows,
                            s.output_elements,
                            s.dependant_items,
                            s.fields,
                            s.materials,
                            p.state,
                            p.resume_state,
                            p.released,
                            p.inputs,
                            p.outputs,
                            p.dispatched_on,
                            p.due_date,
                            p.due_provisional,
                            p.days_used_before_pause,
                            p.paused_days,
                            p.paused_on,
                            p.finished_on,
                            p.reason
                        FROM subcases s JOIN subcase_progress p ON p.id = s.id;
                    """)
        }
        migrator.registerMigration("v6-materials-in-case") { db in
            // The material checklist moves into its case's row, like the form (see CaseMaterials):
            // a submission writes one row for the case instead of one more per material.
            try db.execute(
                sql: """
                    ALTER TABLE cases ADD COLUMN materials TEXT NOT NULL DEFAULT '[]';
                    UPDATE cases SET materials = (
                        SELECT json_group_array(json_array(material, name_zh, name_en, status, promised_by))
                        FROM (SELECT * FROM case_materials m WHERE m.case_number = cases.number ORDER BY position))
                    WHERE number IN (SELECT case_number FROM case_materials);
                    DROP TABLE case_materials;
                    """)
        }
        return migrator
    }
}

extension CaseStore {
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
