import BundleKit
import CaseEngine
import CaseStorePostgres
import CaseStoreSQLite
import Foundation
import GRDB
import PostgresTesting
import Testing
import WorkCalendar

/// The repository root, found from this file.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let shippedLibrary = BundleLibrary.load(root: repositoryRoot.appendingPathComponent("Bundles").path)

let shippedCalendar: WorkCalendar = {
    do {
        return try WorkCalendar(directory: repositoryRoot.appendingPathComponent("Bundles/calendar").path)
    } catch {
        fatalError("cannot load the shipped calendar: \(error)")
    }
}()

/// The stores every repository test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }
}

/// A real store with an engine on a fixed day: a SQLite file in a temporary directory, or a new
/// database in the test command's PostgreSQL cluster.
struct EngineFixture {
    let kind: StoreKind
    /// The SQLite file (SQLite fixtures).
    let path: String
    /// The PostgreSQL database's address (PostgreSQL fixtures).
    let address: String
    /// The store under test.
    let repository: any CaseRepository & AccessRepository
    private let sqlite: SQLiteCaseStore?
    private let postgres: PostgresCaseStore?

    init(_ kind: StoreKind = .sqlite) async throws {
        self.kind = kind
        path = NSTemporaryDirectory() + "onego-test-\(UUID().uuidString).db"
        switch kind {
        case .sqlite:
            address = ""
            let store = try SQLiteCaseStore(path: path, create: true)
            sqlite = store
            postgres = nil
            repository = store
        case .postgres:
            address = try await TestPostgres.newDatabase()
            // Generous bounds: with the whole suite running on two cores a new session's start-up
            // on a fresh database can outlast the production connect timeout (5 s), and the
            // server then logs "connection to client lost"; these tests are not about timeouts
            // (PostgresStoreTests sets its own where they are).
            let store = try await PostgresCaseStore.open(
                try PostgresAddress(address),
                options: .init(maximumConnections: 4, deadline: .seconds(60), connectTimeout: .seconds(30)))
            sqlite = nil
            postgres = store
            repository = store
        }
    }

    /// The SQLite store (tests of SQLite's own behaviour).
    var store: SQLiteCaseStore {
        guard let sqlite else { fatalError("this test is for the SQLite store") }
        return sqlite
    }

    /// The PostgreSQL store (tests of PostgreSQL's own behaviour).
    var postgresStore: PostgresCaseStore {
        guard let postgres else { fatalError("this test is for the PostgreSQL store") }
        return postgres
    }

    /// An engine on `day` (default 2026-11-23, a Monday) with seeded query codes.
    func engine(on day: String = "2026-11-23", library: BundleLibrary = shippedLibrary) -> CaseEngine {
        CaseEngine(
            repository: repository, library: library, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate(day) ?? CalendarDate(dayNumber: 0)), codes: SeededQueryCodes(seed: 7))
    }

    /// A raw connection for checks and tampering.
    func database() throws -> DatabaseQueue { try DatabaseQueue(path: path) }

    /// Who reviewed each sub-case (schema v13), to carry over a simulated older schema's rebuild.
    func reviewers() throws -> [String: String] {
        try database().read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, reviewed_by FROM subcases WHERE reviewed_by IS NOT NULL") {
                result[row[0]] = row[1]
            }
            return result
        }
    }

    /// Writes back reviewers saved by ``reviewers()``: a file from before v13 never had them, but
    /// the engine of this test recorded them in its audit digests before the schema was reverted.
    func restore(reviewers: [String: String]) throws {
        try database().write { db in
            for (id, reviewer) in reviewers {
                try db.execute(sql: "UPDATE subcases SET reviewed_by = ? WHERE id = ?", arguments: [reviewer, id])
            }
        }
    }

    func remove() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        if let postgres {
            postgres.stop()
            // Dropped on a thread of its own: a test's clean-up does not hold the cooperative pool.
            let address = self.address
            Thread.detachNewThread { TestPostgres.drop(address) }
        }
    }

    /// Changes rows behind the store's back, on either store.
    func tamper(_ sql: String) async throws {
        switch kind {
        case .sqlite: try await database().write { db in try db.execute(sql: sql) }
        case .postgres: try await TestPostgres.query(address, sql)
        }
    }

    /// Deletes a case's row and its sub-cases as someone with the database in hand could, foreign
    /// keys off; its audit events and other rows stay.
    func deleteCaseRow(_ number: String) async throws {
        let sql = "DELETE FROM subcases WHERE case_number = '\(number)'; DELETE FROM cases WHERE number = '\(number)'"
        switch kind {
        case .sqlite:
            try await database().writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF; " + sql)
            }
        case .postgres: try await TestPostgres.query(address, "SET session_replication_role = replica; " + sql)
        }
    }
    /// The single number an SQL query (a count) gives, on either store.
    func count(_ sql: String) async throws -> Int {
        switch kind {
        case .sqlite: return try await database().read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
        case .postgres: return Int(try await TestPostgres.query(address, sql)) ?? -1
        }
    }

    /// The tables ``snapshot()`` counts, on either store.
    static let countedTables = [
        "case_sequences", "plans", "plan_subcases", "cases", "attachments", "subcases", "corrections", "outbox",
        "events",
    ]

    /// Row counts of every table, to prove that a failed call changed nothing.
    func snapshot() async throws -> [String: Int] {
        if kind == .postgres {
            var counts: [String: Int] = [:]
            for table in Self.countedTables {
                counts[table] = try await count("SELECT count(*) FROM \(table)")
            }
            counts["digest"] = try await TestPostgres.query(
                address,
                "SELECT string_agg(id || state || released || coalesce(due_date, ''), '' ORDER BY id) FROM subcases"
            ).hashValue
            return counts
        }
        return try await database().read { db in
            var counts: [String: Int] = [:]
            for table in Self.countedTables {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1
            }
            counts["digest"] = try String.fetchAll(
                db, sql: "SELECT id || state || released || ifnull(due_date, '') FROM subcase_view ORDER BY id"
            ).joined().hashValue
            return counts
        }
    }
}

let clerk = Principal(id: "staff-023", role: .window)

func officer(_ department: String) -> Principal { Principal(id: "\(department)-officer", role: .department) }

/// A second clerk of a department: the one who approves what ``officer(_:)`` reviewed.
func approver(_ department: String) -> Principal { Principal(id: "\(department)-approver", role: .department) }

/// A valid company-opening application; `change` adjusts it.
func companyApplication(key: String = "key-1", _ change: (inout Application) -> Void = { _ in }) -> Application {
    var application = Application(
        bundle: "company-opening",
        answers: ["applicantRole": "legal-rep", "premises": "rented", "hiresStaff": "yes", "needsBankAccount": "yes"],
        values: [
            "company.name": "安阳市示例科技有限公司", "company.type": "llc", "company.registeredCapital": "100",
            "company.businessScope": "软件开发", "company.address": "河南省安阳市文峰区中华路 1 号",
            "company.divisionCode": "410502", "legalRep.name": "张三", "legalRep.idNumber": "11010519491231002X",
            "legalRep.phone": "13812345678", "taxOfficer.name": "李四", "taxOfficer.phone": "13912345678",
            "seal.set": "basic", "invoice.type": "ordinary", "invoice.monthlyQuantity": "50",
            "company.employeeCount": "5", "providentFund.depositRate": "12", "bank.branch": "中国银行安阳文峰支行",
        ],
        materials: [
            "registration-application": .provided, "articles-of-association": .provided,
            "appointment-documents": .provided, "id-card": .provided, "lease-contract": .provided,
            "employee-list": .provided, "company-seal": .provided,
        ],
        attachments: [
            Attachment(material: "lease-contract", content: Array("lease".utf8), mediaType: "application/pdf")
        ],
        applicant: Applicant(name: "张三", idNumber: "11010519491231002X", phone: "13812345678"),
        channel: Channel(kind: .window, id: "staff-023"), idempotencyKey: key)
    change(&application)
    return application
}

/// Puts a file's sub-cases back as schema v7 kept them (every plan column in each sub-case row) and
/// takes away v10's indexes, so that a test of an earlier migration can then put back what that
/// migration changed; v8 and v10 run again on reopening. Foreign
/// keys are off while the table is rebuilt, as they are during a migration.
func revertPlanSubcases(_ fixture: EngineFixture) throws {
    try fixture.database().writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA foreign_keys = OFF")
        try db.inTransaction {
            try revertPlanSubcases(in: db)
            return .commit
        }
        try db.execute(sql: "PRAGMA foreign_keys = ON")
    }
}

private func revertPlanSubcases(in db: Database) throws {
    try db.execute(
        sql: """
            CREATE TABLE subcases_wide (
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
            INSERT INTO subcases_wide
                SELECT s.id, s.case_number, s.position, p.item, p.item_name_zh, p.item_name_en, s.department,
                    p.department_name_zh, p.department_name_en, p.kind, p.promised_days, p.legal_days, p.early_start,
                    p.after_items, p.input_flows, p.output_elements, p.dependant_items, p.fields, p.materials
                FROM subcases s JOIN plan_subcases p ON p.plan_id = s.plan_id AND p.position = s.position;
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
                SELECT id, state, resume_state, released, inputs, outputs, dispatched_on, due_date, due_provisional,
                    days_used_before_pause, paused_days, paused_on, finished_on, reason
                FROM subcases;
            DROP VIEW subcase_view;
            DROP TABLE subcases;
            DROP TABLE plan_subcases;
            ALTER TABLE subcases_wide RENAME TO subcases;
            CREATE INDEX subcases_by_case ON subcases(case_number, position);
            CREATE INDEX subcases_by_department ON subcases(department);
            CREATE VIEW subcase_view AS
                SELECT s.*, p.state, p.resume_state, p.released, p.inputs, p.outputs, p.dispatched_on, p.due_date,
                    p.due_provisional, p.days_used_before_pause, p.paused_days, p.paused_on, p.finished_on, p.reason
                FROM subcases s JOIN subcase_progress p ON p.id = s.id;
            DELETE FROM grdb_migrations WHERE identifier = 'v8-plan-subcases';
            DROP INDEX cases_by_applicant_id;
            DROP INDEX cases_by_applicant_name;
            DROP INDEX cases_by_applicant_phone;
            DROP INDEX cases_by_day;
            DROP INDEX cases_by_status;
            DROP INDEX outbox_pending;
            CREATE INDEX outbox_pending ON outbox(department, delivered_at);
            DELETE FROM grdb_migrations WHERE identifier = 'v10-search-indexes';
            DELETE FROM grdb_migrations WHERE identifier = 'v13-reviewer';
            """)
}
