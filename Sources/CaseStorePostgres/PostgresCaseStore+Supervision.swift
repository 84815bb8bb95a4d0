import BundleKit
import CaseEngine
import Logging
import PostgresNIO
import WorkCalendar

/// The supervision report's figures (the tally and its deltas), ratings and their follow-ups, and
/// the audit events that belong to no case (sign-ins).
extension PostgresCaseStore {
    public func supervisionFigures(
        finishedIn range: DayRange?, open: Bool
    ) async throws(CaseEngineError) -> SupervisionFigures {
        try await foldSupervisionFigures()
        let openStates = SubcaseState.sqlList(of: { !$0.isFinal })
        let from = range?.from.description
        let through = range?.through.description
        return try await read { connection, logger, plans in
            // Finished sub-cases from the kept tally (and the deltas not yet folded); open ones
            // (few) from their rows.
            var queries: [PostgresQuery] = [
                """
                SELECT department, plan_id, position, state, sum(count)::bigint,
                    coalesce(sum(count) FILTER (WHERE on_time), 0)::bigint, 0::bigint
                FROM \(unescaped: PostgresSupervisionTally.current)
                WHERE \(from)::text IS NULL OR finished_on BETWEEN \(from) AND \(through)
                GROUP BY department, plan_id, position, state HAVING sum(count) > 0
                """
            ]
            if open {
                queries.append(
                    """
                    SELECT department, plan_id, position, state, count(*), 0::bigint,
                        count(*) FILTER (WHERE state IN (\(unescaped: openStates)) AND due_provisional)
                    FROM subcases WHERE finished_on IS NULL
                    GROUP BY department, plan_id, position, state
                    """)
            }
            var counts: [SupervisionFigures.StateCount] = []
            for query in queries {
                for row in try await connection.rows(
                    query, logger: logger,
                    {
                        (
                            try $0.text(0), try $0.int64(1), try $0.int(2), try $0.text(3), try $0.int(4),
                            try $0.int(5), try $0.int(6)
                        )
                    }
                ) {
                    guard let state = SubcaseState(rawValue: row.3) else {
                        throw CaseEngineError.corruptRecord("a sub-case of \(row.0) in state '\(row.3)'")
                    }
                    let plan = try await Self.planEntry(
                        row.1, position: row.2, plans: plans, on: connection, logger: logger)
                    counts.append(
                        SupervisionFigures.StateCount(
                            department: row.0, item: plan.item, promisedDays: plan.promisedDays,
                            legalDays: plan.legalDays, state: state, count: row.4, onTime: row.5, provisionalDue: row.6)
                    )
                }
            }
            counts.sort { ($0.department, $0.item) < ($1.department, $1.item) }
            var spans: [SupervisionFigures.IssueSpan] = []
            for row in try await connection.rows(
                """
                SELECT department, plan_id, position, dispatched_on, finished_on, paused_days, sum(count)::bigint
                FROM \(unescaped: PostgresSupervisionTally.current)
                WHERE state = 'issued' AND dispatched_on <> ''
                    AND (\(from)::text IS NULL OR finished_on BETWEEN \(from) AND \(through))
                GROUP BY department, plan_id, position, dispatched_on, finished_on, paused_days HAVING sum(count) > 0
                """, logger: logger,
                {
                    (
                        try $0.text(0), try $0.int64(1), try $0.int(2), try $0.text(3), try $0.text(4), try $0.int(5),
                        try $0.int(6)
                    )
                }
            ) {
                guard let dispatched = CalendarDate(row.3), let finished = CalendarDate(row.4) else { continue }
                let plan = try await Self.planEntry(
                    row.1, position: row.2, plans: plans, on: connection, logger: logger)
                spans.append(
                    SupervisionFigures.IssueSpan(
                        department: row.0, item: plan.item, dispatchedOn: dispatched, finishedOn: finished,
                        pausedDays: row.5, count: row.6))
            }
            return SupervisionFigures(counts: counts, spans: spans)
        }
    }

    /// Moves the deltas the triggers appended into the tally, in one unbounded transaction (the
    /// first fold after a long pause may move many rows); one fold at a time.
    public func foldSupervisionFigures() async throws(CaseEngineError) {
        let logger = self.logger
        try await transaction(bounded: false) { connection in
            try await connection.run(
                "SELECT pg_advisory_xact_lock(\(PostgresSupervisionTally.foldLock))", logger: logger)
            try await connection.run(PostgresQuery(unsafeSQL: PostgresSupervisionTally.fold), logger: logger)
        }
    }

    public func ratingCounts() async throws(CaseEngineError) -> [Int: Int] {
        try await read { connection, logger, _ in
            var counts: [Int: Int] = [:]
            for (grade, count) in try await connection.rows(
                "SELECT grade, count(*) FROM ratings GROUP BY grade", logger: logger, { (try $0.int(0), try $0.int(1)) }
            ) {
                counts[grade] = count
            }
            return counts
        }
    }

    public func rating(caseNumber: String) async throws(CaseEngineError) -> Rating? {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT case_number, grade, channel_id, rated_at FROM ratings WHERE case_number = \(caseNumber)",
                logger: logger, Self.decodeRating)
        }
    }

    public func ratingsAwaitingFollowUp(
        after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<Rating> {
        let ratings = try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT r.case_number, r.grade, r.channel_id, r.rated_at FROM ratings r
                WHERE r.grade >= 4 AND r.case_number > \(cursor ?? "")
                    AND NOT EXISTS (
                        SELECT 1 FROM rating_follow_ups f
                        WHERE f.case_number = r.case_number AND f.followed_up_at >= r.rated_at)
                ORDER BY r.case_number LIMIT \(limit + 1)
                """, logger: logger, Self.decodeRating)
        }
        return Self.page(ratings, limit: limit) { $0.caseNumber }
    }

    public func ratingFollowUps(caseNumber: String) async throws(CaseEngineError) -> [RatingFollowUp] {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT case_number, followed_up_by, followed_up_at, note FROM rating_follow_ups
                WHERE case_number = \(caseNumber) ORDER BY id
                """, logger: logger,
                {
                    RatingFollowUp(
                        caseNumber: try $0.text(0), by: try $0.text(1), at: try $0.text(2), note: try $0.text(3))
                })
        }
    }

    private static func decodeRating(_ row: Cells) throws -> Rating {
        Rating(caseNumber: try row.text(0), grade: try row.int(1), channelID: try row.text(2), at: try row.text(3))
    }

    public func lastAuditEvent() async throws(CaseEngineError) -> StoredAuditEvent? {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT \(unescaped: PostgresEventRow.columns) FROM events ORDER BY seq DESC LIMIT 1", logger: logger,
                PostgresEventRow.decode)
        }
    }

    public func accessEvents(before seq: Int64?, limit: Int) async throws(CaseEngineError) -> [StoredAuditEvent] {
        try await read { connection, logger, _ in
            try await connection.rows(
                """
                SELECT \(unescaped: PostgresEventRow.columns) FROM events
                WHERE case_number = '' AND seq < \(seq ?? Int64.max) ORDER BY seq DESC LIMIT \(limit)
                """, logger: logger, PostgresEventRow.decode)
        }
    }

}
