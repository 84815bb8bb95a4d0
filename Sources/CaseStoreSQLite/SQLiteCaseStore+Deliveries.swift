import CaseEngine
import GRDB

/// Webhook endpoints and deliveries on SQLite: the one writer claims, so no two relays of one
/// file ever hold the same delivery (a SQLite file has one server).
extension SQLiteCaseStore: DeliveryRepository {
    // MARK: - Endpoints

    public func addEndpoint(_ endpoint: WebhookEndpoint) async throws(CaseEngineError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhook_endpoints (id, department, url, events, secret, previous_secret,
                        previous_secret_until, status, disabled_reason, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                    """, arguments: StatementArguments(Self.arguments(endpoint)))
            return db.changesCount == 1
        }
    }

    public func endpoint(_ id: String) async throws(CaseEngineError) -> WebhookEndpoint? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM webhook_endpoints WHERE id = ?", arguments: [id]) }
            .map(Self.endpoint)
    }

    public func endpoints(department: String?) async throws(CaseEngineError) -> [WebhookEndpoint] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM webhook_endpoints WHERE ? IS NULL OR department = ? ORDER BY id",
                arguments: [department, department])
        }.map(Self.endpoint)
    }

    public func updateEndpoint(_ endpoint: WebhookEndpoint) async throws(CaseEngineError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_endpoints SET department = ?, url = ?, events = ?, secret = ?, previous_secret = ?,
                        previous_secret_until = ?, status = ?, disabled_reason = ?, created_at = ?
                    WHERE id = ?
                    """, arguments: StatementArguments(Array(Self.arguments(endpoint).dropFirst()) + [endpoint.id]))
            return db.changesCount == 1
        }
    }

    public func removeEndpoint(_ id: String) async throws(CaseEngineError) -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM deliveries WHERE endpoint_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM webhook_endpoints WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
    }

    // MARK: - Deliveries

    /// The indexes are named: left to itself, SQLite's planner reads every pending delivery for each
    /// candidate's "no older one pending" check (quadratic in the backlog; BENCHMARKS.md).
    public func claimDeliveries(_ request: ClaimRequest) async throws(CaseEngineError) -> [Delivery] {
        try await write { db -> [Row] in
            let busy =
                request.busyEndpoints.isEmpty
                ? "" : "AND d.endpoint_id NOT IN (\(databaseQuestionMarks(count: request.busyEndpoints.count)))"
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT d.id FROM deliveries d INDEXED BY deliveries_due JOIN webhook_endpoints e ON e.id = d.endpoint_id
                    WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.locked_until <= ?
                        AND e.status = 'enabled' \(busy)
                        AND NOT EXISTS (
                            SELECT 1 FROM deliveries p INDEXED BY deliveries_in_order
                            WHERE p.endpoint_id = d.endpoint_id AND p.subcase_id = d.subcase_id
                                AND p.status = 'pending' AND p.id < d.id)
                    ORDER BY d.next_attempt_at, d.id LIMIT ?
                    """,
                arguments: StatementArguments([request.now, request.now] + request.busyEndpoints + [request.limit]))
            guard !ids.isEmpty else { return [] }
            let marks = databaseQuestionMarks(count: ids.count)
            try db.execute(
                sql: "UPDATE deliveries SET locked_until = ?, attempts = attempts + 1 WHERE id IN (\(marks))",
                arguments: StatementArguments([request.leaseUntil] + ids))
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id AS delivery_id, d.attempts, o.id AS sequence, o.department AS event_department,
                        o.subcase_id, o.kind, o.state, o.created_at AS event_at, e.*
                    FROM deliveries d JOIN outbox o ON o.id = d.outbox_id JOIN webhook_endpoints e ON e.id = d.endpoint_id
                    WHERE d.id IN (\(marks)) ORDER BY d.next_attempt_at, d.id
                    """, arguments: StatementArguments(ids))
        }.map { row throws(CaseEngineError) in
            Delivery(
                id: row["delivery_id"], event: try Self.event(row, department: "event_department", at: "event_at"),
                endpoint: try Self.endpoint(row), attempts: row["attempts"])
        }
    }

    public func finish(_ outcomes: [DeliveryOutcome], at now: Int64) async throws(CaseEngineError) {
        guard !outcomes.isEmpty else { return }
        try await write { db in
            for outcome in outcomes {
                let (status, next) = outcome.stored(at: now)
                if outcome.result == .endpointGone {
                    try db.execute(
                        sql: "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ? WHERE id = ?",
                        arguments: ["410 Gone", outcome.endpointID])
                }
                try db.execute(
                    sql: """
                        UPDATE deliveries SET status = ?, next_attempt_at = ?, locked_until = 0, last_status = ?,
                            last_error = ?
                        WHERE id = ?
                        """, arguments: [status.rawValue, next, outcome.status, outcome.error, outcome.id])
            }
        }
    }

    public func deliveries(in states: [Delivery.Status], limit: Int) async throws(CaseEngineError) -> [DeliveryRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, e.department, e.url, o.kind, o.created_at AS event_at
                    FROM deliveries d JOIN outbox o ON o.id = d.outbox_id JOIN webhook_endpoints e ON e.id = d.endpoint_id
                    WHERE d.status IN (\(databaseQuestionMarks(count: states.count)))
                    ORDER BY d.id DESC LIMIT ?
                    """, arguments: StatementArguments(states.map(\.rawValue) + [limit]))
        }.map(Self.record)
    }

    public func replay(_ selection: ReplaySelection, at now: Int64) async throws(CaseEngineError) -> Int {
        let (condition, arguments): (String, StatementArguments)
        switch selection {
        case .one(let id): (condition, arguments) = ("id = ?", [id])
        case .range(let first, let last): (condition, arguments) = ("id BETWEEN ? AND ?", [first, last])
        case .since(let time):
            (condition, arguments) = ("outbox_id IN (SELECT id FROM outbox WHERE created_at >= ?)", [time])
        }
        return try await write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, locked_until = 0
                    WHERE \(condition)
                    """, arguments: [now] + arguments)
            return db.changesCount
        }
    }

    public func departmentEvents(
        department: String, after sequence: Int64, limit: Int
    ) async throws(CaseEngineError) -> [DepartmentEvent] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id AS sequence, department, subcase_id, kind, state, created_at FROM outbox
                    WHERE department = ? AND id > ? ORDER BY id LIMIT ?
                    """, arguments: [department, sequence, limit])
        }.map { row throws(CaseEngineError) in try Self.event(row, department: "department", at: "created_at") }
    }

    // MARK: - Rows

    private static func arguments(_ endpoint: WebhookEndpoint) -> [(any DatabaseValueConvertible)?] {
        [
            endpoint.id, endpoint.department, endpoint.url, endpoint.storedEvents, endpoint.secret,
            endpoint.previousSecret, endpoint.previousSecretUntil, endpoint.status.rawValue, endpoint.disabledReason,
            endpoint.createdAt,
        ]
    }

    private static func endpoint(_ row: Row) throws(CaseEngineError) -> WebhookEndpoint {
        guard let status = WebhookEndpoint.Status(rawValue: row["status"]) else {
            throw CaseEngineError.corruptRecord("webhook endpoint \(row["id"] as String? ?? "?") has an unknown status")
        }
        return WebhookEndpoint(
            id: row["id"], department: row["department"], url: row["url"],
            events: WebhookEndpoint.events(stored: row["events"]), secret: row["secret"],
            previousSecret: row["previous_secret"], previousSecretUntil: row["previous_secret_until"], status: status,
            disabledReason: row["disabled_reason"], createdAt: row["created_at"])
    }

    private static func event(_ row: Row, department: String, at: String) throws(CaseEngineError) -> DepartmentEvent {
        guard let kind = Dispatch.Kind(rawValue: row["kind"]) else {
            throw CaseEngineError.corruptRecord("outbox row \(row["sequence"] as Int64? ?? 0) has an unknown kind")
        }
        return DepartmentEvent(
            sequence: row["sequence"], department: row[department], subcase: row["subcase_id"], type: .init(kind),
            state: row["state"], at: row[at])
    }

    private static func record(_ row: Row) throws(CaseEngineError) -> DeliveryRecord {
        guard let kind = Dispatch.Kind(rawValue: row["kind"]), let status = Delivery.Status(rawValue: row["status"])
        else { throw CaseEngineError.corruptRecord("delivery \(row["id"] as Int64? ?? 0) is unreadable") }
        return DeliveryRecord(
            id: row["id"], endpointID: row["endpoint_id"], department: row["department"], url: row["url"],
            sequence: row["outbox_id"], type: .init(kind), subcase: row["subcase_id"], status: status,
            attempts: row["attempts"], lastStatus: row["last_status"], lastError: row["last_error"],
            createdAt: row["event_at"], nextAttemptAt: row["next_attempt_at"])
    }
}
