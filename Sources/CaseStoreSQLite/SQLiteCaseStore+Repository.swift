import BundleKit
import CaseEngine
import Foundation
import GRDB
import WorkCalendar

extension SQLiteCaseStore: CaseRepository {
    // The protocol's methods are `async` for stores on a network database; this store runs each
    // on the calling task without suspending (an SQLite transaction of the engine takes
    // microseconds), through the synchronous helpers below.

    // MARK: - Changes

    public func insert(_ newCase: NewCase) async throws(CaseEngineError) -> Insertion {
        try insertNow(newCase)
    }

    public func transact(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) async throws(CaseEngineError) -> Transition {
        try transactNow(scope, decide)
    }

    public func acknowledgeDispatches(
        department: String, subcases: [String], at timestamp: String
    ) async throws(CaseEngineError) -> Int {
        try write { db in
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

    // MARK: - Writing

    private func insertNow(_ newCase: NewCase) throws(CaseEngineError) -> Insertion {
        let storedPlanID = storedPlans.id(of: newCase.planHash)
        let (insertion, planID): (Insertion, Int64?) = try write { db in
            if let (existing, fingerprint) = try db.fetchFirst(
                .caseByIdempotencyKey, .text(newCase.idempotencyKey), row: { ($0.text(0), $0.text(1)) })
            {
                return (.existing(number: existing, fingerprint: fingerprint), nil)
            }
            let sequence = try db.fetchFirst(.nextCaseSequence, .text(newCase.day.description), row: { $0.int(0) }) ?? 1
            let numbered = newCase.numbered(sequence)
            let record = numbered.record
            let planID: Int64
            if let storedPlanID {
                planID = storedPlanID
            } else {
                try db.execute(
                    .insertPlan, .text(newCase.planHash), .text(record.bundle), .text(record.version),
                    .text(newCase.planJSON))
                guard let id = try db.fetchFirst(.planID, .text(newCase.planHash), row: { Int64($0.int(0)) }) else {
                    throw CaseEngineError.corruptRecord("plan \(newCase.planHash.prefix(16))")
                }
                planID = id
            }
            try db.execute(
                .insertCase,
                .text(record.number), .text(record.queryCode), .text(record.bundle), .text(record.version),
                .text(record.bundleName.zh), .text(record.bundleName.en), .text(record.planHash),
                .text(record.status.rawValue), .text(record.applicant.name), .text(record.applicant.idNumber),
                .text(record.applicant.phone), .text(record.channel.kind.rawValue), .text(record.channel.id),
                .text(record.idempotencyKey), .text(record.fingerprint), .text(StoredJSON.encode(record.answers)),
                .text(record.submittedOn.description), .text(record.submittedAt),
                .text(record.promised.date.description),
                .bool(record.promised.provisional), .text(StoredJSON.encode(record.form)),
                .text(StoredJSON.encode(record.materials)))
            for attachment in numbered.attachments {
                try Self.store(attachment, caseNumber: record.number, at: record.submittedAt, in: db)
            }
            if storedPlanID == nil {
                for subcase in numbered.subcases {
                    let plan = subcase.plan
                    try db.execute(
                        .insertPlanSubcase,
                        .integer(planID), .int(plan.position), .text(plan.item), .text(plan.itemName.zh),
                        .text(plan.itemName.en), .text(plan.department), .text(plan.departmentName.zh),
                        .text(plan.departmentName.en), .text(plan.kind.rawValue), .int(plan.promisedDays),
                        .int(plan.legalDays), .bool(plan.earlyStart), .text(StoredJSON.encode(plan.after)),
                        .text(StoredJSON.encode(plan.inputFlows)), .text(StoredJSON.encode(plan.outputElements)),
                        .text(StoredJSON.encode(plan.dependants)), .text(StoredJSON.encode(plan.fields)),
                        .text(StoredJSON.encode(plan.materials)))
                }
            }
            for subcase in numbered.subcases {
                let plan = subcase.plan
                var values: [SQLValue] = [
                    .text(plan.id), .text(plan.caseNumber), .integer(planID), .int(plan.position),
                    .text(plan.department),
                ]
                values += SubcaseRow.progressValues(subcase).dropLast()
                try db.execute(.insertSubcase, values: values)
                try SupervisionTally.record(before: nil, after: subcase, in: db)
            }
            for dispatch in numbered.dispatches { try Self.enqueue(dispatch, in: db) }
            try append(numbered.event, in: db)
            return (.inserted(number: record.number), planID)
        }
        // Remembered only once committed: a plan row of a rolled-back transaction does not exist.
        if storedPlanID == nil, let planID { storedPlans.remember(newCase.planHash, id: planID) }
        return insertion
    }

    private func transactNow(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) throws(CaseEngineError) -> Transition {
        try write { db in
            let snapshot = try snapshot(scope, in: db)
            let transition = try decide(snapshot)
            try persist(transition, after: snapshot, in: db)
            return transition
        }
    }

    private func persist(_ transition: Transition, after snapshot: CaseSnapshot, in db: Database) throws {
        let number = transition.caseNumber
        for subcase in transition.subcases {
            let before =
                snapshot.subcase?.id == subcase.id
                ? snapshot.subcase?.progress
                : try snapshot.subcases.first { $0.id == subcase.id }?.progress
                    ?? db.fetchFirst(.subcase, .text(subcase.id), row: SubcaseRow.decode)?.progress
            try SupervisionTally.record(before: before, after: subcase, in: db)
            guard let before else {
                try db.execute(.saveSubcaseProgress, values: SubcaseRow.progressValues(subcase))
                continue
            }
            // Only the columns that changed (most steps: the state alone).
            let changed = SubcaseRow.changedProgress(from: before, to: subcase.progress, id: subcase.id)
            if changed.mask != 0 { try db.execute(.saveSubcaseColumns(changed.mask), values: changed.values) }
        }
        let update = transition.caseUpdate
        if let status = update.status {
            try db.execute(
                .updateCaseStatus, .text(status.rawValue), .text(update.closedOn?.description), .text(number))
        }
        if update.withdrawn { try db.execute(.withdrawCase, .text(number)) }
        if let handedOutAt = update.handedOutAt {
            try db.execute(
                .handOutCase, .text(handedOutAt), .text(update.handedOutTo?.name),
                .text(update.handedOutTo?.idNumber), .text(number))
        }
        if let form = update.form { try db.execute(.saveCaseForm, .text(StoredJSON.encode(form)), .text(number)) }
        if let materials = update.materials {
            try db.execute(.saveCaseMaterials, .text(StoredJSON.encode(materials)), .text(number))
        }
        for correction in transition.corrections {
            if let id = correction.id {
                try db.execute(
                    .saveCorrection, .text(StoredJSON.encode(correction.suppliedMaterials)),
                    .text(StoredJSON.encode(correction.suppliedFields)), .text(correction.resolvedOn?.description),
                    .integer(id))
            } else {
                try db.execute(
                    .insertCorrection, .text(correction.subcaseID), .text(correction.requestedOn.description),
                    .text(StoredJSON.encode(correction.materials)), .text(StoredJSON.encode(correction.fields)),
                    .text(correction.note), .text(StoredJSON.encode(correction.suppliedMaterials)),
                    .text(StoredJSON.encode(correction.suppliedFields)), .text(correction.resolvedOn?.description))
            }
        }
        let timestamp = transition.events.first?.at ?? ""
        for attachment in transition.attachments {
            try Self.store(attachment, caseNumber: number, at: timestamp, in: db)
        }
        for dispatch in transition.dispatches { try Self.enqueue(dispatch, in: db) }
        if let rating = transition.rating {
            try db.execute(
                .saveRating, .text(rating.caseNumber), .int(rating.grade), .text(rating.channelID), .text(rating.at))
        }
        if let followUp = transition.ratingFollowUp {
            try db.execute(
                .saveRatingFollowUp, .text(followUp.caseNumber), .text(followUp.by), .text(followUp.at),
                .text(followUp.note))
        }
        for event in transition.events { try append(event, in: db) }
    }

    /// Appends an event to the audit chain inside the open transaction; the chain head spares
    /// reading the last hash back while no other connection has written.
    func append(_ event: AuditEvent, in db: Database) throws {
        let previous =
            try chainHead.previous(in: db) ?? db.fetchFirst(.lastEventHash, row: { $0.text(0) }) ?? AuditChain.genesis
        let hash = event.hash(after: previous, key: auditKey)
        try db.execute(
            .insertEvent, .text(event.at), .text(event.principal.id), .text(event.principal.role.rawValue),
            .text(event.action), .text(event.caseNumber), .text(event.subcaseID), .text(event.before),
            .text(event.after), .text(event.detail), .text(previous), .text(hash), .bool(auditKey != nil),
            .text(event.principal.via), .text(event.principal.requestID))
        chainHead.appended(hash)
    }

    private static func enqueue(_ dispatch: Dispatch, in db: Database) throws {
        try db.execute(
            .insertOutbox, .text(dispatch.department), .text(dispatch.subcase), .text(dispatch.kind.rawValue),
            .text(dispatch.state.rawValue), .text(dispatch.at))
        try db.execute(
            .insertDeliveries, .integer(db.lastInsertedRowID), .text(dispatch.subcase), .text(dispatch.department),
            .text("," + DepartmentEvent.EventType(dispatch.kind).rawValue + ","))
    }

    private static func store(
        _ attachment: Attachment, caseNumber: String, at timestamp: String, in db: Database
    )
        throws
    {
        try db.cachedStatement(sql: SQL.insertAttachment.text).execute(arguments: [
            caseNumber, attachment.material, SHA256.hex(attachment.content), attachment.content.count,
            attachment.mediaType, Data(attachment.content), timestamp,
        ])
    }

    // MARK: - Reading inside a transaction

    private func snapshot(_ scope: SnapshotScope, in db: Database) throws -> CaseSnapshot {
        switch scope {
        case .subcase(let id):
            return CaseSnapshot(subcase: try subcase(id, in: db))
        case .subcaseInCase(let id):
            guard let subcase = try subcase(id, in: db) else { return CaseSnapshot() }
            let number = subcase.caseNumber
            let (status, withdrawn, materials) = try Self.caseStatus(number, in: db)
            var states: [String: SubcaseState] = [:]
            for (sibling, state) in try db.fetch(.subcaseStatesOfCase, .text(number), row: { ($0.text(0), $0.text(1)) })
            {
                guard let state = SubcaseState(rawValue: state) else {
                    throw CaseEngineError.corruptRecord("sub-case \(sibling)")
                }
                states[sibling] = state
            }
            // Siblings in full only when a step on this sub-case can release or cancel them.
            let siblings = subcase.plan.dependants.isEmpty ? [] : try subcases(ofCase: number, in: db)
            return CaseSnapshot(
                subcase: subcase, subcases: siblings, siblingStates: states, status: status, withdrawn: withdrawn,
                caseMaterials: materials)
        case .wholeCase(let number):
            guard let record = try Self.caseRecord(number, in: db) else { return CaseSnapshot() }
            return CaseSnapshot(
                subcases: try subcases(ofCase: number, in: db), status: record.status, withdrawn: record.withdrawn,
                record: record, openCorrections: try Self.openCorrections(ofCase: number, in: db))
        }
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

    private static func caseStatus(
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
