import CaseEngine
import Logging
import PostgresNIO

/// Webhook endpoints and deliveries on PostgreSQL. Relays of several servers claim with
/// `FOR UPDATE SKIP LOCKED` and a lease (`locked_until`): a row another relay is claiming is
/// skipped, a row another relay holds is not due, and a row whose relay died is claimable again
/// once its lease has passed.
extension PostgresCaseStore: DeliveryRepository {
    private static let endpointColumns =
        "e.id, e.department, e.url, e.events, e.secret, e.previous_secret, e.previous_secret_until, e.status, e.disabled_reason, e.created_at"

    // MARK: - Endpoints

    public func addEndpoint(_ endpoint: WebhookEndpoint) async throws(CaseEngineError) -> Bool {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                INSERT INTO webhook_endpoints (id, department, url, events, secret, previous_secret,
                    previous_secret_until, status, disabled_reason, created_at)
                VALUES (\(endpoint.id), \(endpoint.department), \(endpoint.url), \(endpoint.storedEvents),
                    \(endpoint.secret), \(endpoint.previousSecret), \(endpoint.previousSecretUntil),
                    \(endpoint.status.rawValue), \(endpoint.disabledReason), \(endpoint.createdAt))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger, { _ in 1 }
            ).count == 1
        }
    }

    public func endpoint(_ id: String) async throws(CaseEngineError) -> WebhookEndpoint? {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints e WHERE e.id = \(id)", logger: logger,
                { try Self.endpoint($0, from: 0) })
        }
    }

    public func endpoints(department: String?) async throws(CaseEngineError) -> [WebhookEndpoint] {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints e
                WHERE \(department)::text IS NULL OR e.department = \(department) ORDER BY e.id
                """, logger: logger, { try Self.endpoint($0, from: 0) })
        }
    }

    public func updateEndpoint(_ endpoint: WebhookEndpoint) async throws(CaseEngineError) -> Bool {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                UPDATE webhook_endpoints SET department = \(endpoint.department), url = \(endpoint.url),
                    events = \(endpoint.storedEvents), secret = \(endpoint.secret),
                    previous_secret = \(endpoint.previousSecret), previous_secret_until = \(endpoint.previousSecretUntil),
                    status = \(endpoint.status.rawValue), disabled_reason = \(endpoint.disabledReason)
                WHERE id = \(endpoint.id) RETURNING id
                """, logger: logger, { _ in 1 }
            ).count == 1
        }
    }

    public func removeEndpoint(_ id: String) async throws(CaseEngineError) -> Bool {
        try await transaction { connection in
            try await connection.run("DELETE FROM deliveries WHERE endpoint_id = \(id)", logger: self.logger)
            return try await connection.rows(
                "DELETE FROM webhook_endpoints WHERE id = \(id) RETURNING id", logger: self.logger, { _ in 1 }
            ).count == 1
        }
    }

    // MARK: - Deliveries

    /// The enabled endpoints are a subquery, not a join: joined, the planner misjudges how many rows
    /// remain and sorts the whole backlog on every claim instead of reading the due index in order
    /// (BENCHMARKS.md).
    public func claimDeliveries(_ request: ClaimRequest) async throws(CaseEngineError) -> [Delivery] {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                WITH claimed AS (
                    UPDATE deliveries SET locked_until = \(request.leaseUntil), attempts = attempts + 1
                    WHERE id IN (
                        SELECT d.id FROM deliveries d
                        WHERE d.status = 'pending' AND d.next_attempt_at <= \(request.now)
                            AND d.locked_until <= \(request.now)
                            AND d.endpoint_id IN (SELECT id FROM webhook_endpoints WHERE status = 'enabled')
                            AND d.endpoint_id <> ALL(\(request.busyEndpoints))
                            AND NOT EXISTS (
                                SELECT 1 FROM deliveries p
                                WHERE p.endpoint_id = d.endpoint_id AND p.subcase_id = d.subcase_id
                                    AND p.status = 'pending' AND p.id < d.id)
                        ORDER BY d.next_attempt_at, d.id LIMIT \(request.limit)
                        FOR UPDATE OF d SKIP LOCKED)
                    RETURNING id, attempts, outbox_id, endpoint_id, next_attempt_at)
                SELECT c.id, c.attempts, o.id, o.department, o.subcase_id, o.kind, o.state, o.created_at,
                    \(unescaped: Self.endpointColumns)
                FROM claimed c JOIN outbox o ON o.id = c.outbox_id JOIN webhook_endpoints e ON e.id = c.endpoint_id
                ORDER BY c.next_attempt_at, c.id
                """, logger: logger
            ) { row in
                Delivery(
                    id: try row.int64(0), event: try Self.event(row, from: 2),
                    endpoint: try Self.endpoint(row, from: 8),
                    attempts: try row.int(1))
            }
        }
    }

    public func finish(_ outcomes: [DeliveryOutcome], at now: Int64) async throws(CaseEngineError) {
        guard !outcomes.isEmpty else { return }
        var ids: [Int64] = []
        var states: [String] = []
        var nexts: [Int64] = []
        var codes: [Int] = []
        var errors: [String] = []
        var gone: [String] = []
        for outcome in outcomes {
            let (state, next) = outcome.stored(at: now)
            if outcome.result == .endpointGone { gone.append(outcome.endpointID) }
            ids.append(outcome.id)
            states.append(state.rawValue)
            nexts.append(next)
            codes.append(outcome.status ?? 0)
            errors.append(outcome.error ?? "")
        }
        let logger = self.logger
        try await transaction { [ids, states, nexts, codes, errors, gone] connection in
            try await connection.run(
                """
                UPDATE deliveries d SET status = u.status, next_attempt_at = u.next, locked_until = 0,
                    last_status = NULLIF(u.code, 0), last_error = NULLIF(u.error, '')
                FROM unnest(\(ids)::bigint[], \(states)::text[], \(nexts)::bigint[], \(codes)::integer[],
                    \(errors)::text[]) AS u(id, status, next, code, error)
                WHERE d.id = u.id
                """, logger: logger)
            if !gone.isEmpty {
                try await connection.run(
                    """
                    UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = '410 Gone'
                    WHERE id = ANY(\(gone))
                    """, logger: logger)
            }
        }
    }

    public func deliveries(in states: [Delivery.Status], limit: Int) async throws(CaseEngineError) -> [DeliveryRecord] {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT d.id, d.endpoint_id, e.department, e.url, d.outbox_id, o.kind, d.subcase_id, d.status,
                    d.attempts, d.last_status, d.last_error, o.created_at, d.next_attempt_at
                FROM deliveries d JOIN outbox o ON o.id = d.outbox_id JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.status = ANY(\(states.map(\.rawValue))) ORDER BY d.id DESC LIMIT \(limit)
                """, logger: logger
            ) { row in
                guard let kind = Dispatch.Kind(rawValue: try row.text(5)),
                    let status = Delivery.Status(rawValue: try row.text(7))
                else { throw CaseEngineError.corruptRecord("delivery \(try row.int64(0)) is unreadable") }
                return DeliveryRecord(
                    id: try row.int64(0), endpointID: try row.text(1), department: try row.text(2),
                    url: try row.text(3),
                    sequence: try row.int64(4), type: .init(kind), subcase: try row.text(6), status: status,
                    attempts: try row.int(8), lastStatus: try row.optionalInt(9), lastError: try row.optionalText(10),
                    createdAt: try row.text(11), nextAttemptAt: try row.int64(12))
            }
        }
    }

    public func replay(_ selection: ReplaySelection, at now: Int64) async throws(CaseEngineError) -> Int {
        let set = "UPDATE deliveries SET status = 'pending', attempts = 0, locked_until = 0, next_attempt_at ="
        let query: PostgresQuery
        switch selection {
        case .one(let id): query = "\(unescaped: set) \(now) WHERE id = \(id) RETURNING id"
        case .range(let first, let last):
            query = "\(unescaped: set) \(now) WHERE id BETWEEN \(first) AND \(last) RETURNING id"
        case .since(let time):
            query = """
                \(unescaped: set) \(now) WHERE outbox_id IN (SELECT id FROM outbox WHERE created_at >= \(time))
                RETURNING id
                """
        }
        return try await read { connection, logger, _ in
            try await connection.rows(query, logger: logger, { _ in 1 }).count
        }
    }

    public func departmentEvents(
        department: String, after sequence: Int64, limit: Int
    ) async throws(CaseEngineError) -> [DepartmentEvent] {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT id, department, subcase_id, kind, state, created_at FROM outbox
                WHERE department = \(department) AND id > \(sequence) ORDER BY id LIMIT \(limit)
                """, logger: logger, { try Self.event($0, from: 0) })
        }
    }

    // MARK: - Rows

    /// An event from six columns: id, department, subcase_id, kind, state, created_at.
    private static func event(_ row: Cells, from first: Int) throws -> DepartmentEvent {
        guard let kind = Dispatch.Kind(rawValue: try row.text(first + 3)) else {
            throw CaseEngineError.corruptRecord("outbox row \(try row.int64(first)) has an unknown kind")
        }
        return DepartmentEvent(
            sequence: try row.int64(first), department: try row.text(first + 1), subcase: try row.text(first + 2),
            type: .init(kind), state: try row.text(first + 4), at: try row.text(first + 5))
    }

    /// An endpoint from ``endpointColumns``.
    private static func endpoint(_ row: Cells, from first: Int) throws -> WebhookEndpoint {
        guard let status = WebhookEndpoint.Status(rawValue: try row.text(first + 7)) else {
            throw CaseEngineError.corruptRecord("webhook endpoint \(try row.text(first)) has an unknown status")
        }
        return WebhookEndpoint(
            id: try row.text(first), department: try row.text(first + 1), url: try row.text(first + 2),
            events: WebhookEndpoint.events(stored: try row.text(first + 3)), secret: try row.text(first + 4),
            previousSecret: try row.optionalText(first + 5),
            previousSecretUntil: try row.optionalInt64(first + 6), status: status,
            disabledReason: try row.optionalText(first + 8), createdAt: try row.int64(first + 9))
    }
}
