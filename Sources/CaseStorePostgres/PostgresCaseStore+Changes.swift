import BundleKit
import CaseEngine
import Logging
import NIOCore
import PostgresNIO
import WorkCalendar

extension PostgresCaseStore {
    // MARK: - Submissions

    public func insert(_ newCase: NewCase) async throws(CaseEngineError) -> Insertion {
        let logger = self.logger
        let auditKey = self.auditKey
        let insertion: Insertion? = try await transaction(outcome: { connection -> Outcome<Insertion?> in
            if let existing = try await Self.submission(newCase.idempotencyKey, on: connection, logger: logger) {
                return .commit(.existing(number: existing.number, fingerprint: existing.fingerprint))
            }
            // The day's counter row is locked until commit: numbers never repeat across processes.
            let sequence =
                try await connection.first(
                    """
                    INSERT INTO case_sequences (day, last) VALUES (\(newCase.day.description), 1)
                    ON CONFLICT (day) DO UPDATE SET last = case_sequences.last + 1 RETURNING last
                    """, logger: logger, { try $0.int(0) }) ?? 1
            let numbered = newCase.numbered(sequence)
            let record = numbered.record
            let planID = try await Self.storePlan(newCase, numbered: numbered, on: connection, logger: logger)
            let inserted = try await connection.first(
                """
                INSERT INTO cases (number, query_code, bundle, version, bundle_name_zh, bundle_name_en, plan_hash,
                    status, applicant_name, applicant_id_number, applicant_phone, channel, channel_id,
                    idempotency_key, fingerprint, answers, submitted_on, submitted_at, promised_date,
                    promised_provisional, form, materials)
                VALUES (\(record.number), \(record.queryCode), \(record.bundle), \(record.version),
                    \(record.bundleName.zh), \(record.bundleName.en), \(record.planHash), \(record.status.rawValue),
                    \(record.applicant.name), \(record.applicant.idNumber), \(record.applicant.phone),
                    \(record.channel.kind.rawValue), \(record.channel.id), \(record.idempotencyKey),
                    \(record.fingerprint), \(StoredJSON.encode(record.answers)), \(record.submittedOn.description),
                    \(record.submittedAt), \(record.promised.date.description), \(record.promised.provisional),
                    \(StoredJSON.encode(record.form)), \(StoredJSON.encode(record.materials)))
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING number
                """, logger: logger, { try $0.text(0) })
            // Another process committed a case under this key while this one numbered its own:
            // this transaction is undone and the other's case returned.
            guard inserted != nil else { return .rollback(nil) }
            for attachment in numbered.attachments {
                try await Self.store(
                    attachment, caseNumber: record.number, at: record.submittedAt, on: connection, logger: logger)
            }
            for subcase in numbered.subcases {
                try await Self.insertSubcase(subcase, planID: planID, on: connection, logger: logger)
            }
            for dispatch in numbered.dispatches { try await Self.enqueue(dispatch, on: connection, logger: logger) }
            try await Self.append([numbered.event], key: auditKey, on: connection, logger: logger)
            return .commit(.inserted(number: record.number))
        })
        if let insertion { return insertion }
        guard let existing = try await storedSubmission(idempotencyKey: newCase.idempotencyKey) else {
            throw CaseEngineError.storage(.busy)
        }
        return .existing(number: existing.number, fingerprint: existing.fingerprint)
    }

    static func submission(
        _ key: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> StoredSubmission? {
        try await connection.first(
            "SELECT number, fingerprint FROM cases WHERE idempotency_key = \(key)", logger: logger,
            { StoredSubmission(number: try $0.text(0), fingerprint: try $0.text(1)) })
    }

    /// The plan's id, storing the plan and its sub-case entries the first time (a second process
    /// storing the same plan at once waits on the unique hash and then finds it).
    private static func storePlan(
        _ newCase: NewCase, numbered: NumberedCase, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int64 {
        if let id = try await connection.first(
            "SELECT id FROM plans WHERE hash = \(newCase.planHash)", logger: logger, { try $0.int64(0) })
        {
            return id
        }
        let record = numbered.record
        guard
            let id = try await connection.first(
                """
                INSERT INTO plans (hash, bundle, version, compiled)
                VALUES (\(newCase.planHash), \(record.bundle), \(record.version), \(newCase.planJSON))
                ON CONFLICT (hash) DO NOTHING RETURNING id
                """, logger: logger, { try $0.int64(0) })
        else {
            guard
                let id = try await connection.first(
                    "SELECT id FROM plans WHERE hash = \(newCase.planHash)", logger: logger, { try $0.int64(0) })
            else { throw CaseEngineError.corruptRecord("plan \(newCase.planHash.prefix(16))") }
            return id
        }
        for subcase in numbered.subcases {
            let plan = subcase.plan
            try await connection.run(
                """
                INSERT INTO plan_subcases (plan_id, \(unescaped: PostgresPlanRow.columns))
                VALUES (\(id), \(plan.position), \(plan.item), \(plan.itemName.zh), \(plan.itemName.en),
                    \(plan.department), \(plan.departmentName.zh), \(plan.departmentName.en), \(plan.kind.rawValue),
                    \(plan.promisedDays), \(plan.legalDays), \(plan.earlyStart), \(StoredJSON.encode(plan.after)),
                    \(StoredJSON.encode(plan.inputFlows)), \(StoredJSON.encode(plan.outputElements)),
                    \(StoredJSON.encode(plan.dependants)), \(StoredJSON.encode(plan.fields)),
                    \(StoredJSON.encode(plan.materials)))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        return id
    }

    private static func insertSubcase(
        _ subcase: Subcase, planID: Int64, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let progress = subcase.progress
        try await connection.run(
            """
            INSERT INTO subcases (id, case_number, plan_id, position, department, state, resume_state, released, inputs,
                outputs, dispatched_on, due_date, due_provisional, days_used_before_pause, paused_days, paused_on,
                finished_on, reason, reviewed_by)
            VALUES (\(subcase.id), \(subcase.caseNumber), \(planID), \(subcase.plan.position),
                \(subcase.plan.department), \(progress.state.rawValue), \(progress.resumeState?.rawValue),
                \(progress.released), \(StoredJSON.encode(progress.inputs)), \(StoredJSON.encode(progress.outputs)),
                \(progress.dispatchedOn?.description), \(progress.due?.date.description),
                \(progress.due?.provisional ?? false), \(progress.daysUsedBeforePause), \(progress.pausedDays),
                \(progress.pausedOn?.description), \(progress.finishedOn?.description), \(progress.reason),
                \(progress.reviewedBy))
            """, logger: logger)
    }

    // MARK: - Steps

    public func transact(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) async throws(CaseEngineError) -> Transition {
        let logger = self.logger
        let auditKey = self.auditKey
        let plans = planEntries
        return try await transaction { connection in
            let snapshot = try await Self.snapshot(scope, plans: plans, on: connection, logger: logger)
            let transition = try decide(snapshot)
            try await Self.persist(transition, after: snapshot, key: auditKey, on: connection, logger: logger)
            return transition
        }
    }

    /// Reads what a step decides on, locking what it may change: the case's row first (for the
    /// scopes that read the case), then its sub-cases' rows, always in that order.
    private static func snapshot(
        _ scope: SnapshotScope, plans: PostgresPlanCache, on connection: PostgresConnection, logger: Logger
    ) async throws -> CaseSnapshot {
        switch scope {
        case .subcase(let id):
            let rows = try await connection.rows(
                "SELECT \(unescaped: PostgresSubcaseRow.columns) FROM subcases WHERE id = \(id) FOR UPDATE",
                logger: logger, PostgresSubcaseRow.decode)
            return CaseSnapshot(subcase: try await subcases(rows, plans: plans, on: connection, logger: logger).first)
        case .subcaseInCase(let id):
            guard
                let number = try await connection.first(
                    "SELECT case_number FROM subcases WHERE id = \(id)", logger: logger, { try $0.text(0) })
            else { return CaseSnapshot() }
            guard
                let (status, withdrawn, materials) = try await connection.first(
                    "SELECT status, withdrawn, materials FROM cases WHERE number = \(number) FOR UPDATE",
                    logger: logger, { (try $0.text(0), try $0.bool(1), try $0.text(2)) })
            else { throw CaseEngineError.unknownCase(number) }
            guard let status = CaseStatus(rawValue: status) else {
                throw CaseEngineError.corruptRecord("case \(number)")
            }
            let all = try await subcases(ofCase: number, locking: true, plans: plans, on: connection, logger: logger)
            guard let subcase = all.first(where: { $0.id == id }) else { return CaseSnapshot() }
            return CaseSnapshot(
                subcase: subcase, subcases: subcase.plan.dependants.isEmpty ? [] : all,
                siblingStates: Dictionary(all.map { ($0.id, $0.state) }, uniquingKeysWith: { first, _ in first }),
                status: status, withdrawn: withdrawn,
                caseMaterials: try StoredJSON.materials(materials, "case \(number)"))
        case .wholeCase(let number):
            guard
                let record = try await connection.first(
                    "SELECT \(unescaped: PostgresCaseRow.columns) FROM cases WHERE number = \(number) FOR UPDATE",
                    logger: logger, PostgresCaseRow.decode)
            else { return CaseSnapshot() }
            let all = try await subcases(ofCase: number, locking: true, plans: plans, on: connection, logger: logger)
            return CaseSnapshot(
                subcases: all, status: record.status, withdrawn: record.withdrawn, record: record,
                openCorrections: try await openCorrections(ofCase: number, on: connection, logger: logger))
        }
    }

    private static func persist(
        _ transition: Transition, after snapshot: CaseSnapshot, key: AuditKey?, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let number = transition.caseNumber
        for subcase in transition.subcases {
            var stateOnly = subcase.progress
            if let before = snapshot.subcase, before.id == subcase.id {
                stateOnly.state = before.progress.state
                if stateOnly == before.progress {
                    try await connection.run(
                        "UPDATE subcases SET state = \(subcase.progress.state.rawValue) WHERE id = \(subcase.id)",
                        logger: logger)
                    continue
                }
            }
            let progress = subcase.progress
            try await connection.run(
                """
                UPDATE subcases SET state = \(progress.state.rawValue), resume_state = \(progress.resumeState?.rawValue),
                    released = \(progress.released), inputs = \(StoredJSON.encode(progress.inputs)),
                    outputs = \(StoredJSON.encode(progress.outputs)), dispatched_on = \(progress.dispatchedOn?.description),
                    due_date = \(progress.due?.date.description), due_provisional = \(progress.due?.provisional ?? false),
                    days_used_before_pause = \(progress.daysUsedBeforePause), paused_days = \(progress.pausedDays),
                    paused_on = \(progress.pausedOn?.description), finished_on = \(progress.finishedOn?.description),
                    reason = \(progress.reason), reviewed_by = \(progress.reviewedBy)
                WHERE id = \(subcase.id)
                """, logger: logger)
        }
        let update = transition.caseUpdate
        if let status = update.status {
            try await connection.run(
                "UPDATE cases SET status = \(status.rawValue), closed_on = \(update.closedOn?.description) WHERE number = \(number)",
                logger: logger)
        }
        if update.withdrawn {
            try await connection.run("UPDATE cases SET withdrawn = true WHERE number = \(number)", logger: logger)
        }
        if let handedOutAt = update.handedOutAt {
            try await connection.run(
                """
                UPDATE cases SET handed_out_at = \(handedOutAt), handed_out_to_name = \(update.handedOutTo?.name),
                    handed_out_to_id_number = \(update.handedOutTo?.idNumber)
                WHERE number = \(number)
                """, logger: logger)
        }
        if let form = update.form {
            try await connection.run(
                "UPDATE cases SET form = \(StoredJSON.encode(form)) WHERE number = \(number)", logger: logger)
        }
        if let materials = update.materials {
            try await connection.run(
                "UPDATE cases SET materials = \(StoredJSON.encode(materials)) WHERE number = \(number)", logger: logger)
        }
        for correction in transition.corrections {
            if let id = correction.id {
                try await connection.run(
                    """
                    UPDATE corrections SET supplied_materials = \(StoredJSON.encode(correction.suppliedMaterials)),
                        supplied_fields = \(StoredJSON.encode(correction.suppliedFields)),
                        resolved_on = \(correction.resolvedOn?.description)
                    WHERE id = \(id)
                    """, logger: logger)
            } else {
                try await connection.run(
                    """
                    INSERT INTO corrections (subcase_id, requested_on, materials, fields, note, supplied_materials,
                        supplied_fields, resolved_on)
                    VALUES (\(correction.subcaseID), \(correction.requestedOn.description),
                        \(StoredJSON.encode(correction.materials)), \(StoredJSON.encode(correction.fields)),
                        \(correction.note), \(StoredJSON.encode(correction.suppliedMaterials)),
                        \(StoredJSON.encode(correction.suppliedFields)), \(correction.resolvedOn?.description))
                    """, logger: logger)
            }
        }
        let timestamp = transition.events.first?.at ?? ""
        for attachment in transition.attachments {
            try await store(attachment, caseNumber: number, at: timestamp, on: connection, logger: logger)
        }
        for dispatch in transition.dispatches { try await enqueue(dispatch, on: connection, logger: logger) }
        if let rating = transition.rating {
            try await connection.run(
                """
                INSERT INTO ratings (case_number, grade, channel_id, rated_at)
                VALUES (\(rating.caseNumber), \(rating.grade), \(rating.channelID), \(rating.at))
                ON CONFLICT (case_number) DO UPDATE
                    SET grade = excluded.grade, channel_id = excluded.channel_id, rated_at = excluded.rated_at
                """, logger: logger)
        }
        try await append(transition.events, key: key, on: connection, logger: logger)
    }

    /// Appends events to the one audit chain: the head row is locked until this transaction
    /// commits, so appends of all processes form one chain and sequence numbers have no gaps.
    /// Taken last in a transaction, after the case's and sub-cases' rows.
    static func append(
        _ events: [AuditEvent], key: AuditKey?, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !events.isEmpty else { return }
        guard
            var (seq, previous) = try await connection.first(
                "SELECT seq, hash FROM audit_head FOR UPDATE", logger: logger, { (try $0.int64(0), try $0.text(1)) })
        else { throw CaseEngineError.corruptRecord("the audit chain's head row is missing") }
        for (index, event) in events.enumerated() {
            seq += 1
            let hash = event.hash(after: previous, key: key)
            let insert: PostgresQuery = """
                INSERT INTO events (\(unescaped: PostgresEventRow.columns))
                VALUES (\(seq), \(event.at), \(event.principal.id), \(event.principal.role.rawValue), \(event.action),
                    \(event.caseNumber), \(event.subcaseID), \(event.before), \(event.after), \(event.detail),
                    \(previous), \(hash), \(key != nil), \(event.principal.via), \(event.principal.requestID))
                """
            if index == events.count - 1 {
                // The last event and the new head in one round trip.
                var query = insert
                query.sql = "WITH appended AS (\(query.sql)) UPDATE audit_head SET seq = $16, hash = $17"
                try query.binds.append(seq, context: .default)
                try query.binds.append(hash, context: .default)
                try await connection.run(query, logger: logger)
            } else {
                try await connection.run(insert, logger: logger)
            }
            previous = hash
        }
    }

    private static func enqueue(_ dispatch: Dispatch, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.run(
            """
            INSERT INTO outbox (department, subcase_id, kind, created_at)
            VALUES (\(dispatch.department), \(dispatch.subcase), \(dispatch.kind.rawValue), \(dispatch.at))
            """, logger: logger)
    }

    private static func store(
        _ attachment: Attachment, caseNumber: String, at timestamp: String, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.run(
            """
            INSERT INTO attachments (case_number, material, sha256, size, media_type, content, added_at)
            VALUES (\(caseNumber), \(attachment.material), \(SHA256.hex(attachment.content)),
                \(attachment.content.count), \(attachment.mediaType), \(ByteBuffer(bytes: attachment.content)),
                \(timestamp))
            """, logger: logger)
    }

    // MARK: - Outbox

    public func acknowledgeDispatches(
        department: String, subcases: [String], at timestamp: String
    ) async throws(CaseEngineError) -> Int {
        let logger = self.logger
        return try await transaction { connection in
            var count = 0
            for id in subcases {
                count += try await connection.rows(
                    """
                    UPDATE outbox SET delivered_at = \(timestamp)
                    WHERE department = \(department) AND subcase_id = \(id) AND delivered_at IS NULL RETURNING id
                    """, logger: logger, { try $0.int64(0) }
                ).count
            }
            return count
        }
    }
}
