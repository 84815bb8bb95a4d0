import BundleKit
import CaseEngine
import Foundation
import GRDB
import WorkCalendar

/// The store's write path: a submission inserted, and a step's transition read, decided and
/// written in one transaction (``CaseRepository/insert(_:)`` and ``CaseRepository/transact(_:_:)``
/// call these).
extension SQLiteCaseStore {
    // MARK: - Writing

    func insertNow(_ newCase: NewCase) async throws(CaseEngineError) -> Insertion {
        let storedPlanID = storedPlans.id(of: newCase.planHash)
        let (insertion, planID): (Insertion, Int64?) = try await write { db in
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

    func transactNow(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) async throws(CaseEngineError) -> Transition {
        try await write { db in
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
            // Only the columns that changed (most steps: the state alone; all without `before`).
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
}
