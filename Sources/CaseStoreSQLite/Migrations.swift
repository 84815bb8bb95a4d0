import CaseEngine
import Foundation
import GRDB

extension SQLiteCaseStore {
    /// The schema's migrations, in order. A migration is a snapshot of its time: it spells out
    /// its tables instead of reading constants that could drift.
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
        migrator.registerMigration("v7-json-lists") { db in
            try LegacyEncoding.migrateToJSON(db)
        }
        migrator.registerMigration("v8-plan-subcases") { db in
            // What the plan fixed for a sub-case (names, department, limits, dependencies, lists) is
            // the same for every case submitted under the same plan: it is stored once per plan and
            // position (`plan_subcases`, keyed by the plan's new integer id), and decoded once per plan
            // by the store. A sub-case is then one narrow row: its case, plan and position, its
            // department (for inboxes) and its progress, which moves back from `subcase_progress`
            // (split out by v5 when the plan columns made the row wide). A step reads and rewrites
            // that one row. Tables are rebuilt as v5 did (create, copy, drop, rename).
            try db.execute(
                sql: """
                    CREATE TABLE plans_numbered (
                        id INTEGER PRIMARY KEY,
                        hash TEXT NOT NULL UNIQUE,
                        bundle TEXT NOT NULL,
                        version TEXT NOT NULL,
                        compiled TEXT NOT NULL
                    );
                    INSERT INTO plans_numbered (hash, bundle, version, compiled)
                        SELECT hash, bundle, version, compiled FROM plans ORDER BY rowid;
                    DROP TABLE plans;
                    ALTER TABLE plans_numbered RENAME TO plans;
                    CREATE TABLE plan_subcases (
                        plan_id INTEGER NOT NULL REFERENCES plans(id),
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
                        PRIMARY KEY (plan_id, position)
                    ) WITHOUT ROWID;
                    INSERT OR IGNORE INTO plan_subcases
                        SELECT p.id, s.position, s.item, s.item_name_zh, s.item_name_en, s.department,
                            s.department_name_zh, s.department_name_en, s.kind, s.promised_days, s.legal_days,
                            s.early_start, s.after_items, s.input_flows, s.output_elements, s.dependant_items, s.fields,
                            s.materials
                        FROM subcases s JOIN cases c ON c.number = s.case_number JOIN plans p ON p.hash = c.plan_hash;
                    CREATE TABLE subcases_narrow (
                        id TEXT PRIMARY KEY,
                        case_number TEXT NOT NULL REFERENCES cases(number),
                        plan_id INTEGER NOT NULL,
                        position INTEGER NOT NULL,
                        department TEXT NOT NULL,
                        state TEXT NOT NULL,
                        resume_state TEXT,
                        released INTEGER NOT NULL,
                        inputs TEXT NOT NULL,
                        outputs TEXT NOT NULL,
                        dispatched_on TEXT,
                        due_date TEXT,
                        due_provisional INTEGER NOT NULL,
                        days_used_before_pause INTEGER NOT NULL,
                        paused_days INTEGER NOT NULL,
                        paused_on TEXT,
                        finished_on TEXT,
                        reason TEXT
                    ) WITHOUT ROWID;
                    INSERT INTO subcases_narrow
                        SELECT s.id, s.case_number, p.id, s.position, s.department, g.state, g.resume_state, g.released,
                            g.inputs, g.outputs, g.dispatched_on, g.due_date, g.due_provisional,
                            g.days_used_before_pause, g.paused_days, g.paused_on, g.finished_on, g.reason
                        FROM subcases s JOIN subcase_progress g ON g.id = s.id
                        JOIN cases c ON c.number = s.case_number JOIN plans p ON p.hash = c.plan_hash;
                    DROP VIEW subcase_view;
                    DROP TABLE subcase_progress;
                    DROP TABLE subcases;
                    ALTER TABLE subcases_narrow RENAME TO subcases;
                    CREATE INDEX subcases_by_case ON subcases(case_number, position);
                    CREATE INDEX subcases_by_department ON subcases(department);
                    CREATE VIEW subcase_view AS
                        SELECT
                            s.id, s.case_number, s.position, p.item, p.item_name_zh, p.item_name_en, s.department,
                            p.department_name_zh, p.department_name_en, p.kind, p.promised_days, p.legal_days,
                            p.early_start, p.after_items, p.input_flows, p.output_elements, p.dependant_items, p.fields,
                            p.materials, s.state, s.resume_state, s.released, s.inputs, s.outputs, s.dispatched_on,
                            s.due_date, s.due_provisional, s.days_used_before_pause, s.paused_days, s.paused_on,
                            s.finished_on, s.reason
                        FROM subcases s JOIN plan_subcases p ON p.plan_id = s.plan_id AND p.position = s.position;
                    """)
        }
        migrator.registerMigration("v9-handout-recipient") { db in
            // Who collected a case's results (统一出件): name and ID number (shown masked).
            try db.execute(
                sql: """
                    ALTER TABLE cases ADD COLUMN handed_out_to_name TEXT;
                    ALTER TABLE cases ADD COLUMN handed_out_to_id_number TEXT;
                    """)
        }
        migrator.registerMigration("v10-search-indexes") { db in
            // Window staff find a case by applicant, phone, day or status, newest first (each index
            // ends with the number so a page is read in order). Departments page their open
            // sub-cases, supervisors the running ones by due date: an open sub-case is one not yet
            // finished (`finished_on IS NULL`), so these indexes change only when a sub-case is
            // dispatched or finishes, not at accept, review or approve (an index or partial index on
            // the state costs every step an index write; measured in BENCHMARKS.md).
            try db.execute(
                sql: """
                    CREATE INDEX cases_by_applicant_id ON cases(applicant_id_number, number);
                    CREATE INDEX cases_by_applicant_name ON cases(applicant_name, number);
                    CREATE INDEX cases_by_applicant_phone ON cases(applicant_phone, number);
                    CREATE INDEX cases_by_day ON cases(submitted_on, number);
                    CREATE INDEX cases_by_status ON cases(status, number);
                    DROP INDEX subcases_by_department;
                    CREATE INDEX subcases_by_department ON subcases(department, finished_on, id);
                    CREATE INDEX subcases_by_due_date ON subcases(finished_on, due_date, id);
                    DROP INDEX outbox_pending;
                    CREATE INDEX outbox_pending ON outbox(department, subcase_id) WHERE delivered_at IS NULL;
                    """)
        }
        migrator.registerMigration("v11-keyed-audit") { db in
            // Events hashed with the audit key (HMAC-SHA256) say so; earlier ones stay plain SHA-256.
            try db.execute(sql: "ALTER TABLE events ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v12-access") { db in
            // Who may call `onego serve`: clients (kiosks, department systems) and sessions by a hash
            // of their secret, staff by a slow password hash; wrong query codes per case; the stored
            // responses of idempotent steps.
            try db.execute(
                sql: """
                    CREATE TABLE clients (
                        id TEXT PRIMARY KEY, kind TEXT NOT NULL, scope TEXT NOT NULL, secret_hash TEXT NOT NULL,
                        enrolled_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0
                    ) STRICT;
                    CREATE TABLE staff (
                        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, department TEXT NOT NULL,
                        site TEXT NOT NULL, password_hash TEXT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0,
                        last_failure_at INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0
                    ) STRICT;
                    CREATE TABLE sessions (
                        token_hash TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES staff(id),
                        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX sessions_by_expiry ON sessions(expires_at);
                    CREATE TABLE query_failures (
                        case_number TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE idempotent_responses (
                        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
                        stored_at INTEGER NOT NULL
                    ) STRICT;
                    """)
        }
        migrator.registerMigration("v13-reviewer") { db in
            // Who reviewed a sub-case, so that by default the same person cannot approve it.
            try db.execute(sql: "ALTER TABLE subcases ADD COLUMN reviewed_by TEXT")
        }
        migrator.registerMigration("v14-audit-origin") { db in
            // Which kiosk, client or session an actor came through, and the request's id.
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN via TEXT NOT NULL DEFAULT '';
                    ALTER TABLE events ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
                    """)
        }
        migrator.registerMigration("v15-webhooks") { db in
            // Department systems' webhook endpoints and the deliveries of each outbox row to them,
            // written in the change's transaction (docs/departments.md). The outbox keeps the
            // sub-case's state after the change, for the payload and the pull feed.
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT '';
                    CREATE INDEX outbox_by_department ON outbox(department, id);
                    CREATE TABLE webhook_endpoints (
                        id TEXT PRIMARY KEY, department TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL,
                        secret TEXT NOT NULL, previous_secret TEXT, previous_secret_until INTEGER,
                        status TEXT NOT NULL, disabled_reason TEXT, created_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX webhook_endpoints_by_department ON webhook_endpoints(department);
                    CREATE TABLE deliveries (
                        id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL REFERENCES outbox(id),
                        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id), subcase_id TEXT NOT NULL,
                        status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,
                        last_status INTEGER, last_error TEXT
                    ) STRICT;
                    CREATE INDEX deliveries_due ON deliveries(next_attempt_at, id) WHERE status = 'pending';
                    CREATE INDEX deliveries_in_order ON deliveries(endpoint_id, subcase_id, id)
                        WHERE status = 'pending';
                    CREATE INDEX deliveries_by_status ON deliveries(status, id);
                    CREATE INDEX deliveries_by_event ON deliveries(outbox_id);
                    """)
        }
        migrator.registerMigration("v16-events-by-case") { db in
            // A case's timeline (the console's case page, `GET /v1/cases/{number}`) read its events by
            // scanning the whole chain: 540 ms on 100,000 cases (BENCHMARKS.md). PostgreSQL had it.
            // seq is the rowid: an index on the case number alone keeps each case's events in order.
            try db.execute(sql: "CREATE INDEX events_by_case ON events(case_number)")
        }
        migrator.registerMigration("v17-rating-follow-ups") { db in
            // What supervisors did about bad ratings (差评回访整改); a rating counts as followed up by
            // one recorded at or after it was given.
            try db.execute(
                sql: """
                    CREATE TABLE rating_follow_ups (
                        id INTEGER PRIMARY KEY,
                        case_number TEXT NOT NULL REFERENCES cases(number),
                        followed_up_by TEXT NOT NULL,
                        followed_up_at TEXT NOT NULL,
                        note TEXT NOT NULL
                    );
                    CREATE INDEX rating_follow_ups_by_case ON rating_follow_ups(case_number, followed_up_at);
                    """)
        }
        migrator.registerMigration("v18-supervision-tally") { db in
            // The supervision report read every sub-case (2 s at 100,000 cases, BENCHMARKS.md): the
            // figures of finished sub-cases are now kept as they finish (SupervisionTally).
            try db.execute(sql: SupervisionTally.schema)
        }
        migrator.registerMigration("v19-open-subcase-indexes") { db in
            // Every query through these two indexes asks for open sub-cases (a department's inbox,
            // the overdue list, the report's open counts): they now hold only those. A sub-case
            // that finishes leaves them (one page written in each, where moving its entry to the
            // finished ones wrote two), and the files shrink by the entries of every finished one.
            try db.execute(
                sql: """
                    DROP INDEX subcases_by_department;
                    DROP INDEX subcases_by_due_date;
                    CREATE INDEX subcases_by_department ON subcases(department, id) WHERE finished_on IS NULL;
                    CREATE INDEX subcases_by_due_date ON subcases(due_date, id) WHERE finished_on IS NULL;
                    """)
        }
        migrator.registerMigration("v20-fewer-pages-a-dispatch") { db in
            // Pages a transaction writes (BENCHMARKS.md, session 14). The overdue list asks only for
            // sub-cases with a due date: those waiting for another item's result have none and no
            // longer enter the due-date index at submission, to move when they are dispatched (the
            // report counts open sub-cases through the department index, which holds them all).
            // An acknowledgement names its sub-cases: undelivered dispatches are found by
            // sub-case, whose ids keep a case's together, so the six dispatches a business licence
            // releases share a page instead of taking one in each department's range.
            try db.execute(
                sql: """
                    DROP INDEX subcases_by_due_date;
                    CREATE INDEX subcases_by_due_date ON subcases(due_date, id)
                        WHERE finished_on IS NULL AND due_date IS NOT NULL;
                    DROP INDEX outbox_pending;
                    CREATE INDEX outbox_pending ON outbox(subcase_id) WHERE delivered_at IS NULL;
                    """)
        }
        return migrator
    }
}

/// The home-made encodings of schema v1–v6 (commas, `from:a|b`, U+001E/U+001F), read once by
/// migration v7 to rewrite them as JSON (see `StoredJSON`); nothing else reads them.
enum LegacyEncoding {
    static func list(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: ",").map(String.init)
    }

    static func flows(_ text: String) -> [InputFlow] {
        list(text).map { flow in
            let parts = flow.split(separator: ":", maxSplits: 1)
            return InputFlow(
                from: String(parts[0]), elements: parts.count > 1 ? parts[1].split(separator: "|").map(String.init) : []
            )
        }
    }

    static func map(_ text: String) -> [String: String] {
        guard !text.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for entry in text.split(separator: "\u{1E}") {
            let parts = entry.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    /// Rewrites every list, map and flow column as JSON, and indexes sub-cases by their case (a
    /// case's sub-cases were found by an id range that assumed byte-order collation).
    static func migrateToJSON(_ db: Database) throws {
        for row in try Row.fetchAll(
            db,
            sql:
                "SELECT id, after_items, input_flows, output_elements, dependant_items, fields, materials FROM subcases"
        ) {
            try db.execute(
                sql: """
                    UPDATE subcases SET after_items = ?, input_flows = ?, output_elements = ?, dependant_items = ?,
                        fields = ?, materials = ?
                    WHERE id = ?
                    """,
                arguments: [
                    StoredJSON.encode(list(row["after_items"])), StoredJSON.encode(flows(row["input_flows"])),
                    StoredJSON.encode(list(row["output_elements"])), StoredJSON.encode(list(row["dependant_items"])),
                    StoredJSON.encode(list(row["fields"])), StoredJSON.encode(list(row["materials"])),
                    row["id"] as String,
                ])
        }
        for row in try Row.fetchAll(db, sql: "SELECT id, inputs, outputs FROM subcase_progress") {
            try db.execute(
                sql: "UPDATE subcase_progress SET inputs = ?, outputs = ? WHERE id = ?",
                arguments: [
                    StoredJSON.encode(map(row["inputs"])), StoredJSON.encode(map(row["outputs"])), row["id"] as String,
                ])
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT id, materials, fields, supplied_materials, supplied_fields FROM corrections")
        {
            try db.execute(
                sql: """
                    UPDATE corrections SET materials = ?, fields = ?, supplied_materials = ?, supplied_fields = ?
                    WHERE id = ?
                    """,
                arguments: [
                    StoredJSON.encode(list(row["materials"])), StoredJSON.encode(list(row["fields"])),
                    StoredJSON.encode(list(row["supplied_materials"])), StoredJSON.encode(list(row["supplied_fields"])),
                    row["id"] as Int64,
                ])
        }
        try db.execute(
            sql: """
                CREATE INDEX subcases_by_case ON subcases(case_number, position);
                CREATE INDEX corrections_by_subcase_open ON corrections(subcase_id) WHERE resolved_on IS NULL;
                """)
    }
}
