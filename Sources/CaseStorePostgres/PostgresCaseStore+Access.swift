import CaseEngine
import Logging
import PostgresNIO

extension PostgresCaseStore: AccessRepository {
    /// Runs one statement in its own implicit transaction and counts the rows it returned.
    private func changed(_ query: PostgresQuery) async throws(CaseEngineError) -> Int {
        try await read { connection, logger, _ in try await connection.rows(query, logger: logger, { _ in 1 }).count }
    }

    // MARK: - Clients

    public func enrol(_ client: ClientEnrolment) async throws(CaseEngineError) -> Bool {
        try await changed(
            """
            INSERT INTO clients (id, kind, scope, secret_hash, enrolled_at, revoked)
            VALUES (\(client.id), \(client.kind.rawValue), \(client.scope), \(client.secretHash), \(client.enrolledAt),
                \(client.revoked))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """) == 1
    }

    public func client(_ id: String) async throws(CaseEngineError) -> ClientEnrolment? {
        try await clients(where: "id = $1", id).first
    }

    public func clients() async throws(CaseEngineError) -> [ClientEnrolment] {
        try await clients(where: "true")
    }

    private func clients(
        where condition: String, _ values: String...
    ) async throws(CaseEngineError) -> [ClientEnrolment] {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        let query = PostgresQuery(
            unsafeSQL:
                "SELECT id, kind, scope, secret_hash, enrolled_at, revoked FROM clients WHERE \(condition) ORDER BY id",
            binds: binds)
        return try await read { connection, logger, _ in
            try await connection.rows(query, logger: logger) { row in
                guard let kind = ClientEnrolment.Kind(rawValue: try row.text(1)) else {
                    throw CaseEngineError.corruptRecord("client \(try row.text(0))")
                }
                return ClientEnrolment(
                    id: try row.text(0), kind: kind, scope: try row.text(2), secretHash: try row.text(3),
                    enrolledAt: try row.text(4), revoked: try row.bool(5))
            }
        }
    }

    public func revokeClient(_ id: String) async throws(CaseEngineError) -> Bool {
        try await changed("UPDATE clients SET revoked = true WHERE id = \(id) RETURNING id") == 1
    }

    // MARK: - Staff and sessions

    public func addStaff(_ account: StaffAccount) async throws(CaseEngineError) -> Bool {
        try await changed(
            """
            INSERT INTO staff (id, name, role, department, site, password_hash, failed_logins, last_failure_at, disabled)
            VALUES (\(account.id), \(account.name), \(account.role.rawValue), \(account.department), \(account.site),
                \(account.passwordHash), \(account.failedLogins), \(account.lastFailureAt), \(account.disabled))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """) == 1
    }

    public func staff(_ id: String) async throws(CaseEngineError) -> StaffAccount? {
        try await accounts(where: "id = $1", id).first
    }

    public func staffAccounts() async throws(CaseEngineError) -> [StaffAccount] {
        try await accounts(where: "true")
    }

    private func accounts(where condition: String, _ values: String...) async throws(CaseEngineError) -> [StaffAccount]
    {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT id, name, role, department, site, password_hash, failed_logins, last_failure_at, disabled
                FROM staff WHERE \(condition) ORDER BY id
                """, binds: binds)
        return try await read { connection, logger, _ in
            try await connection.rows(query, logger: logger) { row in
                guard let role = StaffAccount.Role(rawValue: try row.text(2)) else {
                    throw CaseEngineError.corruptRecord("staff account \(try row.text(0))")
                }
                return StaffAccount(
                    id: try row.text(0), name: try row.text(1), role: role, department: try row.text(3),
                    site: try row.text(4), passwordHash: try row.text(5), failedLogins: try row.int(6),
                    lastFailureAt: try row.int64(7), disabled: try row.bool(8))
            }
        }
    }

    public func recordLoginFailure(_ id: String, at time: Int64) async throws(CaseEngineError) -> Int {
        try await read { connection, logger, _ in
            try await connection.first(
                """
                UPDATE staff SET failed_logins = failed_logins + 1, last_failure_at = \(time) WHERE id = \(id)
                RETURNING failed_logins
                """, logger: logger, { try $0.int(0) }) ?? 0
        }
    }

    public func clearLoginFailures(_ id: String) async throws(CaseEngineError) {
        _ = try await changed("UPDATE staff SET failed_logins = 0 WHERE id = \(id) AND failed_logins > 0 RETURNING id")
    }

    public func disableStaff(_ id: String) async throws(CaseEngineError) -> Bool {
        let logger = self.logger
        return try await transaction { connection in
            let changed = try await connection.rows(
                "UPDATE staff SET disabled = true WHERE id = \(id) RETURNING id", logger: logger, { _ in 1 }
            ).count
            try await connection.run("DELETE FROM sessions WHERE account = \(id)", logger: logger)
            return changed == 1
        }
    }

    public func openSession(_ session: StaffSession) async throws(CaseEngineError) {
        let logger = self.logger
        try await transaction { connection -> Void in
            try await connection.run("DELETE FROM sessions WHERE expires_at <= \(session.createdAt)", logger: logger)
            try await connection.run(
                """
                INSERT INTO sessions (token_hash, account, created_at, expires_at)
                VALUES (\(session.tokenHash), \(session.account), \(session.createdAt), \(session.expiresAt))
                """, logger: logger)
        }
    }

    public func session(tokenHash: String) async throws(CaseEngineError) -> StaffSession? {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT token_hash, account, created_at, expires_at FROM sessions WHERE token_hash = \(tokenHash)",
                logger: logger,
                {
                    StaffSession(
                        tokenHash: try $0.text(0), account: try $0.text(1), createdAt: try $0.int64(2),
                        expiresAt: try $0.int64(3))
                })
        }
    }

    public func closeSession(tokenHash: String) async throws(CaseEngineError) {
        _ = try await changed("DELETE FROM sessions WHERE token_hash = \(tokenHash) RETURNING token_hash")
    }

    // MARK: - Query codes

    public func queryCodeFailures(caseNumber: String) async throws(CaseEngineError) -> QueryCodeFailures {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT failures, last_at FROM query_failures WHERE case_number = \(caseNumber)", logger: logger,
                { QueryCodeFailures(count: try $0.int(0), lastAt: try $0.int64(1)) })
                ?? QueryCodeFailures(
                    count: 0, lastAt: 0)
        }
    }

    public func recordQueryCodeFailure(
        caseNumber: String, at time: Int64
    ) async throws(CaseEngineError) -> QueryCodeFailures {
        try await read { connection, logger, _ in
            try await connection.first(
                """
                INSERT INTO query_failures (case_number, failures, last_at) VALUES (\(caseNumber), 1, \(time))
                ON CONFLICT (case_number) DO UPDATE
                    SET failures = query_failures.failures + 1, last_at = excluded.last_at
                RETURNING failures, last_at
                """, logger: logger, { QueryCodeFailures(count: try $0.int(0), lastAt: try $0.int64(1)) })
                ?? QueryCodeFailures(count: 1, lastAt: time)
        }
    }

    public func clearQueryCodeFailures(caseNumber: String) async throws(CaseEngineError) {
        _ = try await changed("DELETE FROM query_failures WHERE case_number = \(caseNumber) RETURNING case_number")
    }

    // MARK: - Idempotent responses

    public func storedResponse(key: String) async throws(CaseEngineError) -> StoredResponse? {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT key, fingerprint, status, body, stored_at FROM idempotent_responses WHERE key = \(key)",
                logger: logger,
                {
                    StoredResponse(
                        key: try $0.text(0), fingerprint: try $0.text(1), status: try $0.int(2), body: try $0.text(3),
                        storedAt: try $0.int64(4))
                })
        }
    }

    public func storeResponse(_ response: StoredResponse) async throws(CaseEngineError) {
        _ = try await changed(
            """
            INSERT INTO idempotent_responses (key, fingerprint, status, body, stored_at)
            VALUES (\(response.key), \(response.fingerprint), \(response.status), \(response.body), \(response.storedAt))
            ON CONFLICT (key) DO NOTHING RETURNING key
            """)
    }
}
