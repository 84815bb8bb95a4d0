import CaseEngine
import GRDB

extension SQLiteCaseStore: AccessRepository {
    // MARK: - Clients

    public func enrol(_ client: ClientEnrolment) async throws(CaseEngineError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO clients (id, kind, scope, secret_hash, enrolled_at, revoked) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO NOTHING
                    """,
                arguments: [
                    client.id, client.kind.rawValue, client.scope, client.secretHash, client.enrolledAt, client.revoked,
                ])
            return db.changesCount == 1
        }
    }

    public func client(_ id: String) async throws(CaseEngineError) -> ClientEnrolment? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM clients WHERE id = ?", arguments: [id]) }
            .map { row throws(CaseEngineError) in try Self.client(row) }
    }

    public func clients() async throws(CaseEngineError) -> [ClientEnrolment] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM clients ORDER BY id") }
            .map { row throws(CaseEngineError) in try Self.client(row) }
    }

    public func revokeClient(_ id: String) async throws(CaseEngineError) -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE clients SET revoked = 1 WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    // MARK: - Staff and sessions

    public func addStaff(_ account: StaffAccount) async throws(CaseEngineError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO staff (id, name, role, department, site, password_hash, failed_logins,
                        last_failure_at, disabled)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                    """,
                arguments: [
                    account.id, account.name, account.role.rawValue, account.department, account.site,
                    account.passwordHash, account.failedLogins, account.lastFailureAt, account.disabled,
                ])
            return db.changesCount == 1
        }
    }

    public func staff(_ id: String) async throws(CaseEngineError) -> StaffAccount? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM staff WHERE id = ?", arguments: [id]) }
            .map { row throws(CaseEngineError) in try Self.account(row) }
    }

    public func staffAccounts() async throws(CaseEngineError) -> [StaffAccount] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM staff ORDER BY id") }
            .map { row throws(CaseEngineError) in try Self.account(row) }
    }

    public func recordLoginFailure(_ id: String, at time: Int64) async throws(CaseEngineError) -> Int {
        try await write { db in
            try Int.fetchOne(
                db,
                sql: """
                    UPDATE staff SET failed_logins = failed_logins + 1, last_failure_at = ? WHERE id = ?
                    RETURNING failed_logins
                    """, arguments: [time, id]) ?? 0
        }
    }

    public func clearLoginFailures(_ id: String) async throws(CaseEngineError) {
        try await write { db in
            try db.execute(
                sql: "UPDATE staff SET failed_logins = 0 WHERE id = ? AND failed_logins > 0", arguments: [id])
        }
    }

    public func disableStaff(_ id: String) async throws(CaseEngineError) -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE staff SET disabled = 1 WHERE id = ?", arguments: [id])
            let changed = db.changesCount == 1
            try db.execute(sql: "DELETE FROM sessions WHERE account = ?", arguments: [id])
            return changed
        }
    }

    public func openSession(_ session: StaffSession) async throws(CaseEngineError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at <= ?", arguments: [session.createdAt])
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, account, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [session.tokenHash, session.account, session.createdAt, session.expiresAt])
        }
    }

    public func session(tokenHash: String) async throws(CaseEngineError) -> StaffSession? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE token_hash = ?", arguments: [tokenHash])
        }.map { row in
            StaffSession(
                tokenHash: row["token_hash"], account: row["account"], createdAt: row["created_at"],
                expiresAt: row["expires_at"])
        }
    }

    public func closeSession(tokenHash: String) async throws(CaseEngineError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE token_hash = ?", arguments: [tokenHash])
        }
    }

    // MARK: - Query codes

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
        try await write { db in
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
        try await write { db in
            try db.execute(sql: "DELETE FROM query_failures WHERE case_number = ?", arguments: [caseNumber])
        }
    }

    // MARK: - Idempotent responses

    public func storedResponse(key: String) async throws(CaseEngineError) -> StoredResponse? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM idempotent_responses WHERE key = ?", arguments: [key])
        }.map { row in
            StoredResponse(
                key: row["key"], fingerprint: row["fingerprint"], status: row["status"], body: row["body"],
                storedAt: row["stored_at"])
        }
    }

    public func storeResponse(_ response: StoredResponse) async throws(CaseEngineError) {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO idempotent_responses (key, fingerprint, status, body, stored_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO NOTHING
                    """,
                arguments: [response.key, response.fingerprint, response.status, response.body, response.storedAt])
        }
    }

    // MARK: - Rows

    private static func client(_ row: Row) throws(CaseEngineError) -> ClientEnrolment {
        guard let kind = ClientEnrolment.Kind(rawValue: row["kind"]) else {
            throw CaseEngineError.corruptRecord("client \(row["id"] as String? ?? "")")
        }
        return ClientEnrolment(
            id: row["id"], kind: kind, scope: row["scope"],
            secretHash: row["secret_hash"], enrolledAt: row["enrolled_at"], revoked: row["revoked"])
    }

    private static func account(_ row: Row) throws(CaseEngineError) -> StaffAccount {
        guard let role = StaffAccount.Role(rawValue: row["role"]) else {
            throw CaseEngineError.corruptRecord("staff account \(row["id"] as String? ?? "")")
        }
        return StaffAccount(
            id: row["id"], name: row["name"], role: role,
            department: row["department"], site: row["site"], passwordHash: row["password_hash"],
            failedLogins: row["failed_logins"], lastFailureAt: row["last_failure_at"], disabled: row["disabled"])
    }
}
