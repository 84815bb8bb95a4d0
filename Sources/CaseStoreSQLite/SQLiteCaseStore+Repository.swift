import BundleKit
import CaseEngine
import Foundation
import GRDB
import WorkCalendar

extension SQLiteCaseStore: CaseRepository {
    // The protocol's methods are `async` for stores on a network database; this store runs each
    // on the calling task without suspending (an SQLite transaction of the engine takes
    // microseconds), through synchronous helpers (the write path in SQLiteCaseStore+Writing.swift).

    // MARK: - Changes

    public func insert(_ newCase: NewCase) async throws(CaseEngineError) -> Insertion {
        try await insertNow(newCase)
    }

    public func transact(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) async throws(CaseEngineError) -> Transition {
        try await transactNow(scope, decide)
    }

    public func acknowledgeDispatches(
        department: String, subcases: [String], at timestamp: String
    ) async throws(CaseEngineError) -> Int {
        try await write { db in
            var count = 0
            for id in subcases {
                try db.execute(.acknowledgeDispatch, .text(timestamp), .text(department), .text(id))
                count += db.changesCount
            }
            return count
        }
    }

    // MARK: - Reads

    public func storedSubmission(idempotencyKey: String) async throws(CaseEngineError) -> StoredSubmission? {
        // On the writer, whose page cache is warm: a reader connection re-reads every page the last
        // commit changed, and a submission asks this before every insert.
        try readOnWriter { db in
            try db.fetchFirst(
                .caseByIdempotencyKey, .text(idempotencyKey),
                row: { StoredSubmission(number: $0.text(0), fingerprint: $0.text(1)) })
        }
    }

    public func caseRecord(_ number: String) async throws(CaseEngineError) -> CaseRecord? {
        try read { db in try Self.caseRecord(number, in: db) }
    }

    public func subcases(ofCase number: String) async throws(CaseEngineError) -> [Subcase] {
        try read { db in try subcases(ofCase: number, in: db) }
    }

    public func subcase(_ id: String) async throws(CaseEngineError) -> Subcase? {
        try read { db in try subcase(id, in: db) }
    }

    public func openCorrections(ofCase number: String) async throws(CaseEngineError) -> [Correction] {
        try read { db in try Self.openCorrections(ofCase: number, in: db) }
    }

    public func caseNumbers(
        matching query: CaseQuery, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<String> {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(condition)
            arguments.append(value)
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
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        // Case numbers carry their day and sequence: newest first is descending number order.
        let numbers: [String] = try read { db in
            try String.fetchAll(
                db, sql: "SELECT number FROM cases \(filter) ORDER BY number DESC LIMIT ?",
                arguments: StatementArguments(arguments + [limit + 1]))
        }
        let page = Self.page(numbers, limit: limit) { $0 }
        return Page(items: page.items, next: page.next)
    }

    public func openSubcases(
        department: String, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<Subcase> {
        let rows: [SubcaseRow] = try read { db in
            try db.fetch(
                .openSubcasesOfDepartment, .text(department), .text(cursor ?? ""), .int(limit + 1),
                row: SubcaseRow.decode)
        }
        let page = Self.page(rows, limit: limit) { $0.id }
        return Page(items: try read { db in try subcases(page.items, in: db) }, next: page.next)
    }

    public func casesAwaitingMaterials(
        after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<CaseRecord> {
        let records: [CaseRecord] = try read { db in
            try db.fetch(.casesAwaitingMaterials, .text(cursor ?? ""), .int(limit + 1), row: CaseRow.decode)
        }
        let page = Self.page(records, limit: limit) { $0.number }
        return Page(items: page.items, next: page.next)
    }

    public func subcasesDue(
        through day: CalendarDate, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<Subcase> {
        let parts = cursor?.split(separator: "|", maxSplits: 1).map(String.init) ?? []
        let (afterDue, afterID) = parts.count == 2 ? (parts[0], parts[1]) : ("", "")
        let rows: [SubcaseRow] = try read { db in
            try db.fetch(
                .subcasesDue, .text(day.description), .text(afterDue), .text(afterDue), .text(afterID),
                .int(limit + 1), row: SubcaseRow.decode)
        }
        let page = Self.page(rows, limit: limit) { ($0.progress.due?.date.description ?? "") + "|" + $0.id }
        return Page(items: try read { db in try subcases(page.items, in: db) }, next: page.next)
    }

    /// The first `limit` of `rows` (fetched one more than asked) and the cursor after the last,
    /// when more remain.
    static func page<Row>(_ rows: [Row], limit: Int, cursor: (Row) -> String) -> (items: [Row], next: String?) {
        guard rows.count > limit, let last = rows.prefix(limit).last else { return (rows, nil) }
        return (Array(rows.prefix(limit)), cursor(last))
    }

    public func allSubcases() async throws(CaseEngineError) -> [Subcase] {
        try read { db in try subcases(db.fetch(.allSubcases, row: SubcaseRow.decode), in: db) }
    }

    public func supervisionFigures(
        finishedIn range: DayRange?, open: Bool
    ) async throws(CaseEngineError) -> SupervisionFigures {
        let from = SQLValue.text(range?.from.description)
        let through = SQLValue.text(range?.through.description)
        return try read { db in
            func state(_ text: String, of department: String) throws -> SubcaseState {
                guard let state = SubcaseState(rawValue: text) else {
                    throw CaseEngineError.corruptRecord("a sub-case of \(department) in state '\(text)'")
                }
                return state
            }
            // Finished sub-cases from the kept tally.
            var counts = try db.fetch(.supervisionCounts, from, through) { row in
                SupervisionFigures.StateCount(
                    department: row.text(0), item: row.text(1), promisedDays: row.int(2),
                    legalDays: row.int(3) < 0 ? nil : row.int(3), state: try state(row.text(4), of: row.text(0)),
                    count: row.int(5), onTime: row.int(6), provisionalDue: 0)
            }
            // Open ones (few) from their rows; items and limits from the plan entries.
            if open {
                for row in try db.fetch(
                    .supervisionOpenCounts,
                    row: { ($0.text(0), Int64($0.int(1)), $0.int(2), $0.text(3), $0.int(4), $0.int(5)) })
                {
                    let plan = try planEntries.entry(row.1, position: row.2) { id in
                        try db.fetch(.planSubcases, .integer(id)) { row in try PlanSubcaseRow.decode(row, planID: id) }
                    }
                    counts.append(
                        SupervisionFigures.StateCount(
                            department: row.0, item: plan.item, promisedDays: plan.promisedDays,
                            legalDays: plan.legalDays, state: try state(row.3, of: row.0), count: row.4, onTime: 0,
                            provisionalDue: row.5))
                }
            }
            counts.sort { ($0.department, $0.item) < ($1.department, $1.item) }
            let spans = try db.fetch(.supervisionSpans, from, through) { row -> SupervisionFigures.IssueSpan? in
                guard let dispatched = CalendarDate(row.text(2)), let finished = CalendarDate(row.text(3)) else {
                    return nil
                }
                return SupervisionFigures.IssueSpan(
                    department: row.text(0), item: row.text(1), dispatchedOn: dispatched, finishedOn: finished,
                    pausedDays: row.int(4), count: row.int(5))
            }.compactMap { $0 }
            return SupervisionFigures(counts: counts, spans: spans)
        }
    }

    public func attachmentContent(
        caseNumber: String, material: String, sha256: String
    ) async throws(CaseEngineError) -> AttachmentContent? {
        try read { db in
            try db.rows(
                """
                SELECT sha256, size, media_type, content FROM attachments
                WHERE case_number = ? AND material = ? AND sha256 = ? ORDER BY id LIMIT 1
                """, [caseNumber, material, sha256]
            ).first.map { row in
                AttachmentContent(
                    info: AttachmentInfo(sha256: row["sha256"], size: row["size"], mediaType: row["media_type"]),
                    bytes: [UInt8]((row["content"] as Data?) ?? Data()))
            }
        }
    }

    public func attachments(caseNumber: String, material: String) async throws(CaseEngineError) -> [AttachmentInfo] {
        try read { db in
            try db.rows(
                "SELECT sha256, size, media_type FROM attachments WHERE case_number = ? AND material = ? ORDER BY id",
                [caseNumber, material]
            ).map { AttachmentInfo(sha256: $0["sha256"], size: $0["size"], mediaType: $0["media_type"]) }
        }
    }

    public func plan(hash: String) async throws(CaseEngineError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT compiled FROM plans WHERE hash = ?", arguments: [hash]) }
    }

    public func caseAuditHeaders(after number: String, limit: Int) async throws(CaseEngineError) -> [CaseAuditHeader] {
        try read { db in
            try db.fetch(.caseAuditHeaders, .text(number), .int(limit)) { row throws(CaseEngineError) in
                let number = row.text(0)
                guard let status = CaseStatus(rawValue: row.text(1)) else {
                    throw CaseEngineError.corruptRecord("case \(number)")
                }
                return CaseAuditHeader(number: number, status: status, withdrawn: row.bool(2), handedOut: row.bool(3))
            }
        }
    }

    public func auditTraces(
        ofCasesAfter after: String, through: String?
    ) async throws(CaseEngineError) -> [AuditTrace] {
        // Case numbers are ASCII: U+FFFF sorts after every one of them.
        try read { db in
            try db.fetch(.tracesOfCases, .text(after), .text(through ?? "\u{FFFF}")) { row in
                AuditTrace(seq: Int64(row.int(0)), caseNumber: row.text(1), action: row.text(2), detail: row.text(3))
            }
        }
    }

    public func structuralProblems() async throws(CaseEngineError) -> [String] {
        try quickCheck()
    }

    public func auditEventSeq(hash: String) async throws(CaseEngineError) -> Int64? {
        try read { db in try db.fetchFirst(.eventSeqOfHash, .text(hash)) { row in Int64(row.int(0)) } }
    }

    public func auditEvents(ofCase number: String) async throws(CaseEngineError) -> [StoredAuditEvent] {
        try read { db in try db.fetch(.eventsOfCase, .text(number), row: Self.decodeEvent) }
    }

    public func auditEvents(after seq: Int64, limit: Int) async throws(CaseEngineError) -> [StoredAuditEvent] {
        try read { db in try db.fetch(.eventsAfter, .integer(seq), .int(limit), row: Self.decodeEvent) }
    }

    public func subcases(ofCasesAfter after: String, through: String) async throws(CaseEngineError) -> [Subcase] {
        try read { db in
            try subcases(db.fetch(.subcasesOfCases, .text(after), .text(through), row: SubcaseRow.decode), in: db)
        }
    }

    static func decodeEvent(_ row: SQLRow) throws(CaseEngineError) -> StoredAuditEvent {
        guard let role = Principal.Role(rawValue: row.text(3)) else {
            throw CaseEngineError.corruptRecord("audit event \(row.int(0))")
        }
        return StoredAuditEvent(
            seq: Int64(row.int(0)),
            event: AuditEvent(
                at: row.text(1),
                principal: Principal(id: row.text(2), role: role, via: row.text(13), requestID: row.text(14)),
                action: row.text(4),
                caseNumber: row.text(5), subcaseID: row.text(6), before: row.text(7), after: row.text(8),
                detail: row.text(9)),
            previousHash: row.text(10), hash: row.text(11), keyed: row.bool(12))
    }

    // MARK: - Sub-cases from their rows and the plan entries

    func subcase(_ id: String, in db: Database) throws -> Subcase? {
        guard let row = try db.fetchFirst(.subcase, .text(id), row: SubcaseRow.decode) else { return nil }
        return try subcases([row], in: db).first
    }

    func subcases(ofCase number: String, in db: Database) throws -> [Subcase] {
        try subcases(db.fetch(.subcasesOfCase, .text(number), row: SubcaseRow.decode), in: db)
    }

    /// Joins rows with their plan entries, read once per plan and kept (`PlanEntries`).
    func subcases(_ rows: [SubcaseRow], in db: Database) throws -> [Subcase] {
        try rows.map { row in
            var plan = try planEntries.entry(row.planID, position: row.position) { id in
                try db.fetch(.planSubcases, .integer(id)) { row in try PlanSubcaseRow.decode(row, planID: id) }
            }
            plan.id = row.id
            plan.caseNumber = row.caseNumber
            return Subcase(plan: plan, progress: row.progress)
        }
    }

    static func caseStatus(
        _ number: String, in db: Database
    ) throws -> (CaseStatus, Bool, [CaseMaterial]) {
        guard
            let (text, withdrawn, materials) = try db.fetchFirst(
                .caseStatusAndWithdrawal, .text(number), row: { ($0.text(0), $0.bool(1), $0.text(2)) })
        else { throw CaseEngineError.unknownCase(number) }
        guard let status = CaseStatus(rawValue: text) else { throw CaseEngineError.corruptRecord("case \(number)") }
        return (status, withdrawn, try StoredJSON.materials(materials, "case \(number)"))
    }

    static func caseRecord(_ number: String, in db: Database) throws -> CaseRecord? {
        try db.fetchFirst(.caseRecord, .text(number), row: CaseRow.decode)
    }

    static func openCorrections(ofCase number: String, in db: Database) throws -> [Correction] {
        try db.fetch(.openCorrectionsOfCase, .text(number), row: CorrectionRow.decode)
    }
}
