import CaseEngine
import Foundation
import GRDB

/// Ratings and their follow-ups, and the audit events that belong to no case (sign-ins).
extension SQLiteCaseStore {
    public func ratingCounts() async throws(CaseEngineError) -> [Int: Int] {
        try read { db in
            var counts: [Int: Int] = [:]
            for row in try db.rows("SELECT grade, COUNT(*) FROM ratings GROUP BY grade") { counts[row[0]] = row[1] }
            return counts
        }
    }

    public func rating(caseNumber: String) async throws(CaseEngineError) -> Rating? {
        try read { db in try db.fetchFirst(.ratingOfCase, .text(caseNumber), row: Self.decodeRating) }
    }

    public func ratingsAwaitingFollowUp(
        after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<Rating> {
        let ratings = try read { db in
            try db.fetch(.ratingsAwaitingFollowUp, .text(cursor ?? ""), .int(limit + 1), row: Self.decodeRating)
        }
        let page = Self.page(ratings, limit: limit) { $0.caseNumber }
        return Page(items: page.items, next: page.next)
    }

    public func ratingFollowUps(caseNumber: String) async throws(CaseEngineError) -> [RatingFollowUp] {
        try read { db in
            try db.fetch(.ratingFollowUpsOfCase, .text(caseNumber)) { row in
                RatingFollowUp(caseNumber: row.text(0), by: row.text(1), at: row.text(2), note: row.text(3))
            }
        }
    }

    private static func decodeRating(_ row: SQLRow) -> Rating {
        Rating(caseNumber: row.text(0), grade: row.int(1), channelID: row.text(2), at: row.text(3))
    }

    /// The tally is exact after every commit (triggers in the writing transaction): nothing to fold.
    public func foldSupervisionFigures() async throws(CaseEngineError) {}

    public func appendAuditEvents(_ events: [AuditEvent]) async throws(CaseEngineError) {
        guard !events.isEmpty else { return }
        try await write { db in for event in events { try append(event, in: db) } }
    }

    public func lastAuditEvent() async throws(CaseEngineError) -> StoredAuditEvent? {
        try read { db in try db.fetchFirst(.lastEvent, row: Self.decodeEvent) }
    }

    public func accessEvents(before seq: Int64?, limit: Int) async throws(CaseEngineError) -> [StoredAuditEvent] {
        try read { db in
            try db.fetch(.accessEvents, .integer(seq ?? Int64.max), .int(limit), row: Self.decodeEvent)
        }
    }
}
