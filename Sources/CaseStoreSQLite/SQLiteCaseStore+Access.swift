import CaseEngine
import GRDB

extension SQLiteCaseStore: AccessRepository {
    public func enrol(_ kiosk: KioskEnrolment) async throws(CaseEngineError) -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO kiosks (id, site, secret_hash, enrolled_at, revoked) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO NOTHING
                    """,
                arguments: [kiosk.id, kiosk.site, kiosk.secretHash, kiosk.enrolledAt, kiosk.revoked])
            return db.changesCount == 1
        }
    }

    public func kiosk(_ id: String) async throws(CaseEngineError) -> KioskEnrolment? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM kiosks WHERE id = ?", arguments: [id]).map(Self.enrolment)
        }
    }

    public func kiosks() async throws(CaseEngineError) -> [KioskEnrolment] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM kiosks ORDER BY id").map(Self.enrolment) }
    }

    public func revokeKiosk(_ id: String) async throws(CaseEngineError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE kiosks SET revoked = 1 WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    public func queryCodeFailures(caseNumber: String) async throws(CaseEngineError) -> QueryCodeFailures {
        try read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT failures, last_at FROM query_failures WHERE case_number = ?", arguments: [caseNumber])
            return QueryCodeFailures(count: row?[0] ?? 0, lastAt: row?[1] ?? 0)
        }
    }

    public func recordQueryCodeFailure(
        caseNumber: String, at time: Int64
    ) async throws(CaseEngineError) -> QueryCodeFailures {
        try write { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    INSERT INTO query_failures (case_number, failures, last_at) VALUES (?, 1, ?)
                    ON CONFLICT (case_number) DO UPDATE SET failures = failures + 1, last_at = excluded.last_at
                    RETURNING failures, last_at
                    """,
                arguments: [caseNumber, time])
            return QueryCodeFailures(count: row?[0] ?? 1, lastAt: row?[1] ?? time)
        }
    }

    public func clearQueryCodeFailures(caseNumber: String) async throws(CaseEngineError) {
        try write { db in
            try db.execute(sql: "DELETE FROM query_failures WHERE case_number = ?", arguments: [caseNumber])
        }
    }

    private static func enrolment(_ row: Row) -> KioskEnrolment {
        KioskEnrolment(
            id: row["id"], site: row["site"], secretHash: row["secret_hash"], enrolledAt: row["enrolled_at"],
            revoked: row["revoked"])
    }
}
