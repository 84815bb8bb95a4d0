import BundleKit
import CaseEngine
import Logging
import PostgresNIO
import WorkCalendar

extension PostgresCaseStore: CaseRepository {
    // MARK: - Reads

    /// Runs a read on one connection (autocommit: each statement sees what is committed).
    func read<T: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection, Logger, PostgresPlanCache) async throws -> T
    ) async throws(CaseEngineError) -> T {
        let logger = self.logger
        let plans = planEntries
        return try await withConnection { connection in try await work(connection, logger, plans) }
    }

    public func storedSubmission(idempotencyKey: String) async throws(CaseEngineError) -> StoredSubmission? {
        try await read { connection, logger, _ in
            try await Self.submission(idempotencyKey, on: connection, logger: logger)
        }
    }

    public func caseRecord(_ number: String) async throws(CaseEngineError) -> CaseRecord? {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT \(unescaped: PostgresCaseRow.columns) FROM cases WHERE number = \(number)", logger: logger,
                PostgresCaseRow.decode)
        }
    }

    public func subcases(ofCase number: String) async throws(CaseEngineError) -> [Subcase] {
        try await read { connection, logger, plans in
            try await Self.subcases(ofCase: number, locking: false, plans: plans, on: connection, logger: logger)
        }
    }

    public func subcase(_ id: String) async throws(CaseEngineError) -> Subcase? {
        try await subcases(where: "id = $1", id, order: "id", limit: 1).first
    }

    public func openCorrections(ofCase number: String) async throws(CaseEngineError) -> [Correction] {
        try await read { connection, logger, _ in
            try await Self.openCorrections(ofCase: number, on: connection, logger: logger)
        }
    }

    public func caseNumbers(
        matching query: CaseQuery, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<String> {
        var conditions: [String] = []
        var binds = PostgresBindings()
        func add(_ condition: String, _ value: String?) {
            guard let value else { return }
            binds.append(value)
            conditions.append(condition.replacing("?", with: "$\(binds.count)"))
        }
        add("number = ?", query.number)
        add("applicant_name = ?", query.applicantName)
        add("applicant_id_number = ?", query.applicantIDNumber)
        add("applicant_phone = ?", query.applicantPhone)
        add("submitted_on >= ?", query.submittedFrom?.description)
        add("submitted_on <= ?", query.submittedThrough?.description)
        add("status = ?", query.status?.rawValue)
        add(
            "EXISTS (SELECT 1 FROM subcases s WHERE s.case_number = cases.number AND s.department = ?)",
            query.department)
        add("number < ?", cursor)
        binds.append(limit + 1)
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT number FROM cases \(filter) ORDER BY number DESC LIMIT $\(binds.count)"
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        let numbers = try await read { connection, logger, _ in
            try await connection.rows(statement, logger: logger, { try $0.text(0) })
        }
        return Self.page(numbers, limit: limit) { $0 }
    }

    public func openSubcases(
        department: String, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<Subcase> {
        let rows = try await subcases(
            where: """
                department = $1 AND finished_on IS NULL AND id > $2
                    AND state IN (\(SubcaseState.sqlList(of: { !$0.isFinal })))
                """, department, cursor ?? "", order: "id", limit: limit + 1)
        return Self.page(rows, limit: limit) { $0.id }
    }

    public func casesAwaitingMaterials(
        after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<CaseRecord> {
        let open = CaseStatus.allCases.filter { !$0.isFinal }.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let pattern = "%\"\(MaterialStatus.missingWord)\"%"
        let records = try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT \(unescaped: PostgresCaseRow.columns) FROM cases
                WHERE status IN (\(unescaped: open)) AND materials LIKE \(pattern) AND number > \(cursor ?? "")
                ORDER BY number LIMIT \(limit + 1)
                """, logger: logger, PostgresCaseRow.decode)
        }
        return Self.page(records, limit: limit) { $0.number }
    }

    public func subcasesDue(
        through day: CalendarDate, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<Subcase> {
        let parts = cursor?.split(separator: "|", maxSplits: 1).map(String.init) ?? []
        let (afterDue, afterID) = parts.count == 2 ? (parts[0], parts[1]) : ("", "")
        let running = SubcaseState.sqlList(of: { !$0.isFinal && $0 != .waiting && $0 != .correcting })
        let rows = try await subcases(
            where: """
                finished_on IS NULL AND due_date <= $1 AND (due_date > $2 OR (due_date = $2 AND id > $3))
                    AND state IN (\(running))
                """, day.description, afterDue, afterID, order: "due_date, id", limit: limit + 1)
        return Self.page(rows, limit: limit) { ($0.progress.due?.date.description ?? "") + "|" + $0.id }
    }

    public func allSubcases() async throws(CaseEngineError) -> [Subcase] {
        let all = try await subcases(where: "true", order: "id", limit: nil)
        return all.sorted { ($0.plan.department, $0.plan.item) < ($1.plan.department, $1.plan.item) }
    }

    public func subcases(ofCasesAfter after: String, through: String) async throws(CaseEngineError) -> [Subcase] {
        try await subcases(
            where: "case_number > $1 AND case_number <= $2", after, through, order: "case_number, position", limit: nil)
    }

    public func attachmentContent(
        caseNumber: String, material: String, sha256: String
    ) async throws(CaseEngineError) -> AttachmentContent? {
        try await read { connection, logger, _ in
            try await connection.first(
                """
                SELECT sha256, size, media_type, content FROM attachments
                WHERE case_number = \(caseNumber) AND material = \(material) AND sha256 = \(sha256) ORDER BY id LIMIT 1
                """, logger: logger,
                {
                    AttachmentContent(
                        info: AttachmentInfo(sha256: try $0.text(0), size: try $0.int(1), mediaType: try $0.text(2)),
                        bytes: try $0.bytes(3))
                })
        }
    }

    public func attachments(caseNumber: String, material: String) async throws(CaseEngineError) -> [AttachmentInfo] {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT sha256, size, media_type FROM attachments
                WHERE case_number = \(caseNumber) AND material = \(material) ORDER BY id
                """, logger: logger,
                { AttachmentInfo(sha256: try $0.text(0), size: try $0.int(1), mediaType: try $0.text(2)) })
        }
    }

    public func plan(hash: String) async throws(CaseEngineError) -> String? {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT compiled FROM plans WHERE hash = \(hash)", logger: logger, { try $0.text(0) })
        }
    }

    /// PostgreSQL checks its own pages; what can be wrong here is a sub-case without its plan
    /// entry. (Events deleted from the end are the audit checkpoints' to find, as on SQLite: the
    /// chain's head row is only where appends start.)
    public func structuralProblems() async throws(CaseEngineError) -> [String] {
        try await read { connection, logger, _ in
            let orphans =
                try await connection.first(
                    """
                    SELECT count(*) FROM subcases s
                    WHERE NOT EXISTS (SELECT 1 FROM plan_subcases p WHERE p.plan_id = s.plan_id AND p.position = s.position)
                    """, logger: logger, { try $0.int(0) }) ?? 0
            return orphans > 0 ? ["\(orphans) sub-cases have no plan entry"] : []
        }
    }

    public func caseAuditHeaders(after number: String, limit: Int) async throws(CaseEngineError) -> [CaseAuditHeader] {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT number, status, withdrawn, handed_out_at IS NOT NULL FROM cases
                WHERE number > \(number) ORDER BY number LIMIT \(limit)
                """,
                logger: logger
            ) { row in
                let number = try row.text(0)
                guard let status = CaseStatus(rawValue: try row.text(1)) else {
                    throw CaseEngineError.corruptRecord("case \(number)")
                }
                return CaseAuditHeader(
                    number: number, status: status, withdrawn: try row.bool(2), handedOut: try row.bool(3))
            }
        }
    }

    public func auditTraces(
        ofCasesAfter after: String, through: String?
    ) async throws(CaseEngineError) -> [AuditTrace] {
        // In the database's collation, the case index's order: the engine merges these with the
        // cases and sub-cases read in that same order.
        try await read { connection, logger, _ in
            if let through {
                try await connection.rows(
                    """
                    SELECT seq, case_number, action, detail FROM events
                    WHERE case_number > \(after) AND case_number <= \(through) AND \(unescaped: Self.replayedEvents)
                    ORDER BY case_number, seq
                    """, logger: logger, Self.decodeTrace)
            } else {
                try await connection.rows(
                    """
                    SELECT seq, case_number, action, detail FROM events
                    WHERE case_number > \(after) AND \(unescaped: Self.replayedEvents) ORDER BY case_number, seq
                    """, logger: logger, Self.decodeTrace)
            }
        }
    }

    static func decodeTrace(_ row: Cells) throws -> AuditTrace {
        AuditTrace(
            seq: Int64(try row.int(0)), caseNumber: try row.text(1), action: try row.text(2), detail: try row.text(3))
    }

    /// The events the audit replay looks at (see ``AuditTrace``).
    static let replayedEvents =
        "(action IN ('submit', 'withdraw', 'handout') OR strpos(detail, '\(AuditTrace.progressMarker)') > 0)"

    public func auditEvents(ofCase number: String) async throws(CaseEngineError) -> [StoredAuditEvent] {
        try await read { connection, logger, _ in
            try await connection.rows(
                "SELECT \(unescaped: PostgresEventRow.columns) FROM events WHERE case_number = \(number) ORDER BY seq",
                logger: logger, PostgresEventRow.decode)
        }
    }

    public func auditEvents(after seq: Int64, limit: Int) async throws(CaseEngineError) -> [StoredAuditEvent] {
        try await read { connection, logger, _ in
            try await connection.rows(
                "SELECT \(unescaped: PostgresEventRow.columns) FROM events WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)",
                logger: logger, PostgresEventRow.decode)
        }
    }

    public func auditEventSeq(hash: String) async throws(CaseEngineError) -> Int64? {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT seq FROM events WHERE hash = \(hash) ORDER BY seq DESC LIMIT 1", logger: logger
            ) { row in try row.int64(0) }
        }
    }

    // MARK: - Helpers

    /// The first `limit` of `rows` (fetched one more than asked) and the cursor after the last.
    static func page<Row>(_ rows: [Row], limit: Int, cursor: (Row) -> String) -> Page<Row> {
        guard rows.count > limit, let last = rows.prefix(limit).last else { return Page(items: rows, next: nil) }
        return Page(items: Array(rows.prefix(limit)), next: cursor(last))
    }

    /// Sub-cases matching a condition whose `$n` are the given texts, in full.
    private func subcases(
        where condition: String, _ values: String..., order: String, limit: Int?
    ) async throws(CaseEngineError) -> [Subcase] {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        var sql = "SELECT \(PostgresSubcaseRow.columns) FROM subcases WHERE \(condition) ORDER BY \(order)"
        if let limit {
            binds.append(limit)
            sql += " LIMIT $\(binds.count)"
        }
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await read { connection, logger, plans in
            let rows = try await connection.rows(statement, logger: logger, PostgresSubcaseRow.decode)
            return try await Self.subcases(rows, plans: plans, on: connection, logger: logger)
        }
    }

    static func subcases(
        ofCase number: String, locking: Bool, plans: PostgresPlanCache, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [Subcase] {
        let rows = try await connection.rows(
            """
            SELECT \(unescaped: PostgresSubcaseRow.columns) FROM subcases WHERE case_number = \(number)
            ORDER BY position \(unescaped: locking ? "FOR UPDATE" : "")
            """, logger: logger, PostgresSubcaseRow.decode)
        return try await subcases(rows, plans: plans, on: connection, logger: logger)
    }

    /// Joins rows with their plan entries.
    static func subcases(
        _ rows: [PostgresSubcaseRow], plans: PostgresPlanCache, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Subcase] {
        var result: [Subcase] = []
        for row in rows {
            var plan = try await planEntry(
                row.planID, position: row.position, plans: plans, on: connection, logger: logger)
            plan.id = row.id
            plan.caseNumber = row.caseNumber
            result.append(Subcase(plan: plan, progress: row.progress))
        }
        return result
    }

    /// The entry at `position` of plan `id`, reading the plan's entries once per process.
    static func planEntry(
        _ id: Int64, position: Int, plans: PostgresPlanCache, on connection: PostgresConnection, logger: Logger
    ) async throws -> SubcasePlan {
        var entries = plans.entries(id)
        if entries == nil {
            let loaded = try await connection.rows(
                "SELECT \(unescaped: PostgresPlanRow.columns) FROM plan_subcases WHERE plan_id = \(id) ORDER BY position",
                logger: logger, { try PostgresPlanRow.decode($0, planID: id) })
            plans.remember(id, loaded)
            entries = loaded
        }
        guard let entries, position >= 1, position <= entries.count, entries[position - 1].position == position else {
            throw CaseEngineError.corruptRecord("plan \(id) has no sub-case at position \(position)")
        }
        return entries[position - 1]
    }

    static func openCorrections(
        ofCase number: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Correction] {
        try await connection.rows(
            """
            SELECT \(unescaped: PostgresCorrectionRow.columns)
            FROM corrections c JOIN subcases s ON s.id = c.subcase_id
            WHERE s.case_number = \(number) AND c.resolved_on IS NULL ORDER BY c.id
            """, logger: logger, PostgresCorrectionRow.decode)
    }
}

extension SubcaseState {
    /// The quoted raw values of the states that satisfy `include`, for an SQL `IN (…)`.
    static func sqlList(of include: (SubcaseState) -> Bool) -> String {
        allCases.filter(include).map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }
}
