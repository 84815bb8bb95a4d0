import CaseEngine
import Logging
import NIOCore
import PostgresNIO

/// A table `onego db copy` moves: its columns (the same on both stores) and the key it is read in
/// order of, a page at a time.
public struct CopiedTable: Sendable {
    public let name: String
    public let columns: [String]
    public let key: [String]
}

extension PostgresCaseStore {
    /// Every table of the case database, parents before children.
    public static let copiedTables: [CopiedTable] = [
        CopiedTable(name: "plans", columns: ["id", "hash", "bundle", "version", "compiled"], key: ["id"]),
        CopiedTable(
            name: "plan_subcases",
            columns: ["plan_id"] + PostgresPlanRow.columns.split(separator: ",").map(trimmed),
            key: ["plan_id", "position"]),
        CopiedTable(name: "case_sequences", columns: ["day", "last"], key: ["day"]),
        CopiedTable(
            name: "cases", columns: PostgresCaseRow.columns.split(separator: ",").map(trimmed), key: ["number"]),
        CopiedTable(
            name: "attachments",
            columns: ["id", "case_number", "material", "sha256", "size", "media_type", "content", "added_at"],
            key: ["id"]),
        CopiedTable(
            name: "subcases",
            columns: PostgresSubcaseRow.columns.split(separator: ",").map(trimmed).flatMap {
                $0 == "position" ? ["position", "department"] : [$0]
            }, key: ["id"]),
        CopiedTable(
            name: "corrections",
            columns: PostgresCorrectionRow.columns.split(separator: ",").map { trimmed($0).replacing("c.", with: "") },
            key: ["id"]),
        CopiedTable(
            name: "outbox",
            columns: ["id", "department", "subcase_id", "kind", "state", "created_at", "delivered_at"], key: ["id"]),
        CopiedTable(
            name: "webhook_endpoints",
            columns: [
                "id", "department", "url", "events", "secret", "previous_secret", "previous_secret_until", "status",
                "disabled_reason", "created_at",
            ], key: ["id"]),
        CopiedTable(
            name: "deliveries",
            columns: [
                "id", "outbox_id", "endpoint_id", "subcase_id", "status", "attempts", "next_attempt_at", "locked_until",
                "last_status", "last_error",
            ], key: ["id"]),
        CopiedTable(name: "events", columns: PostgresEventRow.columns.split(separator: ",").map(trimmed), key: ["seq"]),
        CopiedTable(
            name: "ratings", columns: ["case_number", "grade", "channel_id", "rated_at"], key: ["case_number"]),
        CopiedTable(
            name: "rating_follow_ups", columns: ["id", "case_number", "followed_up_by", "followed_up_at", "note"],
            key: ["id"]),
        CopiedTable(
            name: "clients", columns: ["id", "kind", "scope", "secret_hash", "enrolled_at", "revoked"], key: ["id"]),
        CopiedTable(
            name: "staff",
            columns: [
                "id", "name", "role", "department", "site", "password_hash", "failed_logins", "last_failure_at",
                "disabled",
            ], key: ["id"]),
        CopiedTable(
            name: "sessions", columns: ["token_hash", "account", "created_at", "expires_at"], key: ["token_hash"]),
        CopiedTable(name: "query_failures", columns: ["case_number", "failures", "last_at"], key: ["case_number"]),
        CopiedTable(
            name: "idempotent_responses", columns: ["key", "fingerprint", "status", "body", "stored_at"], key: ["key"]),
    ]

    /// A column name of a comma-separated column list.
    private static func trimmed(_ text: Substring) -> String {
        text.filter { !$0.isWhitespace }
    }

    /// Rows in the tables a copy fills; a copy goes only into an empty database.
    public func rowCounts() async throws(CaseEngineError) -> [String: Int] {
        try await read { connection, logger, _ in
            var counts: [String: Int] = [:]
            for table in Self.copiedTables {
                counts[table.name] =
                    try await connection.first(
                        PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table.name)"), logger: logger,
                        { try $0.int(0) })
                    ?? 0
            }
            return counts
        }
    }

    /// Copies every table from `source` (a page of rows after a key, in key order) in one
    /// transaction: all of it, or nothing. Then the audit head is set to the last event copied and
    /// the id sequences are moved past the copied ids. Returns the rows copied per table.
    public func importTables(
        pageSize: Int = 500,
        from source: @escaping @Sendable (CopiedTable, [CopiedValue]?) throws -> [[CopiedValue]]
    ) async throws(CaseEngineError) -> [String: Int] {
        let logger = self.logger
        return try await transaction(bounded: false) { connection in
            var copied: [String: Int] = [:]
            for table in Self.copiedTables {
                let types = try await connection.rows(
                    """
                    SELECT column_name, data_type FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = \(table.name)
                    """, logger: logger, { (try $0.text(0), try $0.text(1)) })
                let typeOf = Dictionary(types, uniquingKeysWith: { first, _ in first })
                let columnTypes = try table.columns.map { column in
                    guard let type = typeOf[column] else {
                        throw CaseEngineError.storage(
                            .other("the PostgreSQL table \(table.name) has no column \(column)"))
                    }
                    return type
                }
                let keyIndexes = table.key.compactMap { table.columns.firstIndex(of: $0) }
                var after: [CopiedValue]? = nil
                var count = 0
                while true {
                    let rows = try source(table, after)
                    if rows.isEmpty { break }
                    try await Self.insert(rows, into: table, types: columnTypes, on: connection, logger: logger)
                    count += rows.count
                    after = keyIndexes.map { rows[rows.count - 1][$0] }
                    if rows.count < pageSize { break }
                }
                copied[table.name] = count
            }
            try await connection.run(
                """
                UPDATE audit_head SET seq = coalesce((SELECT max(seq) FROM events), 0),
                    hash = coalesce((SELECT hash FROM events ORDER BY seq DESC LIMIT 1), \(AuditChain.genesis))
                """, logger: logger)
            for table in ["plans", "attachments", "corrections", "outbox", "deliveries", "rating_follow_ups"] {
                try await connection.run(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT setval(pg_get_serial_sequence('\(table)', 'id'),
                                coalesce((SELECT max(id) FROM \(table)), 0) + 1, false)
                            """), logger: logger)
            }
            return copied
        }
    }

    /// One multi-row INSERT of a page, each value converted to its column's type.
    private static func insert(
        _ rows: [[CopiedValue]], into table: CopiedTable, types: [String], on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        var binds = PostgresBindings()
        var tuples: [String] = []
        for row in rows {
            var placeholders: [String] = []
            for (value, type) in zip(row, types) {
                switch (value, type) {
                case (.null, _): binds.appendNull()
                case (.integer(let number), "boolean"): binds.append(number != 0)
                case (.text(let text), "boolean"): binds.append(text == "1" || text == "true")
                case (.integer(let number), "bigint"), (.integer(let number), "integer"): binds.append(number)
                case (.text(let text), "bigint"), (.text(let text), "integer"): binds.append(Int64(text) ?? 0)
                case (.integer(let number), _): binds.append(String(number))
                case (.text(let text), "bytea"): binds.append(ByteBuffer(string: text))
                case (.text(let text), _): binds.append(text)
                case (.bytes(let bytes), "bytea"): binds.append(ByteBuffer(bytes: bytes))
                case (.bytes(let bytes), _): binds.append(String(decoding: bytes, as: UTF8.self))
                }
                placeholders.append("$\(binds.count)")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let sql =
            "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES "
            + tuples.joined(separator: ", ")
        try await connection.run(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }
}
