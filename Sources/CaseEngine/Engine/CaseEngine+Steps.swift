import BundleKit
import Foundation
import GRDB
import WorkCalendar

extension CaseEngine {
    // MARK: - Department steps

    /// Accepts a sub-case (受理).
    @discardableResult
    public func accept(_ subcase: String, department: String, actor: Actor) throws(CaseEngineError) -> SubcaseSummary {
        try moveState(.accept, subcase, to: .accepted, department: department, actor: actor)
    }

    /// Reviews a sub-case (审核).
    @discardableResult
    public func review(_ subcase: String, department: String, actor: Actor) throws(CaseEngineError) -> SubcaseSummary {
        try moveState(.review, subcase, to: .reviewed, department: department, actor: actor)
    }

    /// Approves a sub-case (批准); only once its inputs have arrived.
    @discardableResult
    public func approve(_ subcase: String, department: String, actor: Actor) throws(CaseEngineError) -> SubcaseSummary {
        try moveState(.approve, subcase, to: .approved, department: department, actor: actor)
    }

    /// Issues a sub-case's result (发证/办结) with its item's outputs, validated; releases the
    /// dependants whose inputs are now all issued. An immediate item may be issued at once.
    ///
    /// - Parameter overrideWarnings: accept outputs that only fail a warning check (a credit code
    ///   whose check character does not match: real codes exist that fail it).
    @discardableResult
    public func issue(
        _ subcase: String,
        department: String,
        outputs: [String: String],
        overrideWarnings: Bool = false,
        actor: Actor
    ) throws(CaseEngineError) -> SubcaseSummary {
        let catalog = library.catalog
        let calendar = self.calendar
        let context = StepContext(today: clock.today(), timestamp: clock.timestamp(), actor: actor)
        return try store.write { db in
            let head = try Self.head(of: subcase, for: .issue, by: department, in: db)
            let outputElements = head.outputElements
            var problems: [String] = []
            for element in outputElements {
                guard let value = outputs[element]?.trimmed, !value.isEmpty else {
                    problems.append("output '\(element)' is missing")
                    continue
                }
                if let type = catalog.elements[element]?.type, let issue = FieldValidator.validate(value, type: type) {
                    if issue.severity == .error || !overrideWarnings {
                        problems.append("output '\(element)': \(issue.message.en)")
                    }
                }
            }
            for element in outputs.keys.sorted() where !outputElements.contains(element) {
                problems.append("'\(element)' is not an output of \(head.item)")
            }
            guard problems.isEmpty else {
                throw CaseEngineError.invalidStep(
                    case: head.caseNumber, subcase: subcase, step: "issue", problems: problems)
            }
            let before = head.state
            head.state = .issued
            try db.execute(
                .issueSubcase, .text(SubcaseState.issued.rawValue), .text(SubcaseRecord.encode(outputs)),
                .text(context.today.description), .text(subcase))
            let released =
                head.hasDependants
                ? try Self.releaseDependants(
                    ofCase: head.caseNumber, item: head.item, outputs: outputs, calendar: calendar, context: context,
                    in: db) : []
            // Issuing ends the case only when it was the last open sub-case; otherwise the status
            // (in progress, or awaiting another item's correction) stands.
            let open = try db.fetchFirst(
                .openSubcaseCount, .text(head.caseNumber), .text(head.caseNumber), row: { $0.int(0) })
            if open == 0 {
                try Self.refreshStatus(of: head.caseNumber, on: context.today, in: db)
            }
            try AuditLog.append(
                AuditEvent(
                    at: context.timestamp, actor: actor, action: SubcaseStep.issue.rawValue,
                    caseNumber: head.caseNumber, subcaseID: subcase, before: before.rawValue,
                    after: head.state.rawValue,
                    detail: "outputs=" + outputElements.joined(separator: ",")
                        + (released.isEmpty ? "" : " released=" + released.joined(separator: ","))),
                in: db, head: store.chainHead)
            return head.summary
        }
    }

    /// Asks for a correction (补正): every material and field to fix, in one notice. The sub-case
    /// waits and its clock stops until the window or kiosk supplies them.
    @discardableResult
    public func requestCorrection(
        _ subcase: String,
        department: String,
        materials: [String],
        fields: [String],
        note: String,
        actor: Actor
    ) throws(CaseEngineError) -> SubcaseSummary {
        let calendar = self.calendar
        return try step(.correct, subcase, department: department, actor: actor) { record, db, context in
            var problems: [String] = []
            if materials.isEmpty && fields.isEmpty { problems.append("name at least one material or field") }
            for material in materials where !record.materials.contains(material) {
                problems.append(
                    "material '\(material)' is not one of this item's (\(record.materials.joined(separator: ", ")))")
            }
            for field in fields where !record.fields.contains(field) {
                problems.append("field '\(field)' is not one of this item's")
            }
            guard problems.isEmpty else {
                throw CaseEngineError.invalidStep(
                    case: record.caseNumber, subcase: record.id, step: "correct", problems: problems)
            }
            try db.run(
                "INSERT INTO corrections (subcase_id, requested_on, materials, fields, note) VALUES (?, ?, ?, ?, ?)",
                [
                    record.id, context.today.description, materials.joined(separator: ","),
                    fields.joined(separator: ","), note,
                ])
            record.resumeState = record.state == .dispatched ? .dispatched : record.state
            record.state = .correcting
            if let start = record.dispatchedOn, record.released {
                record.daysUsedBeforePause =
                    record.daysUsedBeforePause + calendar.workingDays(after: start, through: context.today)
            }
            record.pausedOn = context.today
            try record.save(in: db)
            return "materials=\(materials.joined(separator: ",")) fields=\(fields.joined(separator: ","))"
        }
    }

    /// Rejects a sub-case with a reason; dependants that can no longer proceed are cancelled,
    /// independent siblings go on.
    @discardableResult
    public func reject(
        _ subcase: String, department: String, reason: String, actor: Actor
    ) throws(CaseEngineError)
        -> SubcaseSummary
    {
        try step(.reject, subcase, department: department, actor: actor) { record, db, context in
            guard !reason.trimmed.isEmpty else {
                throw CaseEngineError.invalidStep(
                    case: record.caseNumber, subcase: record.id, step: "reject", problems: ["give a reason"])
            }
            record.state = .rejected
            record.reason = reason
            record.finishedOn = context.today
            try record.save(in: db)
            let cancelled = try Self.cancelDependants(of: record, context: context, in: db)
            return cancelled.isEmpty ? "" : "cancelled=" + cancelled.joined(separator: ",")
        }
    }

    // MARK: - Window and citizen steps

    /// Supplies what open corrections ask for: materials now provided (with optional scans) and
    /// corrected field values. A sub-case resumes once everything its notice asked is supplied.
    @discardableResult
    public func supply(
        caseNumber: String,
        materials: [String],
        values: [String: String],
        attachments: [Attachment] = [],
        actor: Actor
    ) throws(CaseEngineError) -> CaseSummary {
        let timestamp = clock.timestamp()
        let today = clock.today()
        let calendar = self.calendar
        let fieldTypes = try pinnedFieldTypes(of: caseNumber)
        try store.write { db in
            let status = try Self.openCase(caseNumber, step: "supply", in: db)
            let open = try db.rows(
                """
                SELECT c.id, c.subcase_id, c.materials, c.fields, c.supplied_materials, c.supplied_fields
                FROM corrections c JOIN subcases s ON s.id = c.subcase_id
                WHERE s.case_number = ? AND c.resolved_on IS NULL ORDER BY c.id
                """, [caseNumber])
            guard !open.isEmpty else {
                throw CaseEngineError.caseNotOpen(
                    case: caseNumber, step: "supply (no correction is open)", status: status)
            }
            let asked = Set(open.flatMap { SubcaseRecord.list($0["materials"]) + SubcaseRecord.list($0["fields"]) })
            var problems: [String] = []
            for item in materials + Array(values.keys) where !asked.contains(item) {
                problems.append("'\(item)' was not asked for by any open correction")
            }
            for (element, value) in values.sorted(by: { $0.key < $1.key }) {
                guard let (type, constraints) = fieldTypes[element] else { continue }
                if let issue = FieldValidator.validate(value, type: type, constraints: constraints),
                    issue.severity == .error
                {
                    problems.append("\(element): \(issue.message.en)")
                }
            }
            guard problems.isEmpty else {
                throw CaseEngineError.invalidStep(case: caseNumber, subcase: "", step: "supply", problems: problems)
            }
            if !materials.isEmpty {
                var checklist = try CaseMaterials.load(caseNumber, in: db)
                for material in materials { checklist.markProvided(material) }
                try checklist.save(caseNumber, in: db)
            }
            for attachment in attachments {
                try Self.storeAttachment(attachment, caseNumber: caseNumber, at: timestamp, in: db)
            }
            if !values.isEmpty {
                var form = try CaseForm.load(caseNumber, in: db)
                for (element, value) in values.sorted(by: { $0.key < $1.key }) { form.set(element, to: value) }
                try form.save(caseNumber, in: db)
            }
            for correction in open {
                let wantedMaterials = SubcaseRecord.list(correction["materials"])
                let wantedFields = SubcaseRecord.list(correction["fields"])
                let suppliedMaterials = Set(SubcaseRecord.list(correction["supplied_materials"]) + materials)
                    .intersection(wantedMaterials)
                let suppliedFields = Set(SubcaseRecord.list(correction["supplied_fields"]) + values.keys)
                    .intersection(wantedFields)
                let complete =
                    suppliedMaterials.count == wantedMaterials.count && suppliedFields.count == wantedFields.count
                let id: Int64 = correction["id"]
                try db.run(
                    "UPDATE corrections SET supplied_materials = ?, supplied_fields = ?, resolved_on = ? WHERE id = ?",
                    [
                        suppliedMaterials.sorted().joined(separator: ","),
                        suppliedFields.sorted().joined(separator: ","),
                        complete ? today.description : nil, id,
                    ])
                guard complete, var record = try SubcaseRecord.find(correction["subcase_id"], in: db) else { continue }
                let before = record.state
                record.state = record.resumeState ?? .dispatched
                record.resumeState = nil
                if let paused = record.pausedOn {
                    record.pausedDays += calendar.workingDays(after: paused, through: today)
                }
                record.pausedOn = nil
                if record.released {
                    let remaining = max(0, record.promisedDays - record.daysUsedBeforePause)
                    record.due = calendar.deadline(acceptedOn: today, workingDays: remaining)
                }
                try record.save(in: db)
                try Self.enqueue(
                    department: record.department, subcase: record.id, kind: "resumed", at: timestamp, in: db)
                try AuditLog.append(
                    AuditEvent(
                        at: timestamp, actor: actor, action: "resume", caseNumber: caseNumber, subcaseID: record.id,
                        before: before.rawValue, after: record.state.rawValue,
                        detail: "due=\(record.due?.description ?? "")"), in: db, head: store.chainHead)
            }
            let (before, after) = try Self.refreshStatus(of: caseNumber, on: today, in: db)
            try AuditLog.append(
                AuditEvent(
                    at: timestamp, actor: actor, action: "supply", caseNumber: caseNumber, subcaseID: "",
                    before: before.rawValue, after: after.rawValue,
                    detail:
                        "materials=\(materials.sorted().joined(separator: ",")) fields=\(values.keys.sorted().joined(separator: ","))"
                ), in: db, head: store.chainHead)
        }
        return try caseSummary(caseNumber)
    }

    /// Withdraws a case at the applicant's request before it ends: every open sub-case is cancelled.
    @discardableResult
    public func withdraw(caseNumber: String, reason: String, actor: Actor) throws(CaseEngineError) -> CaseSummary {
        let timestamp = clock.timestamp()
        let today = clock.today()
        try store.write { db in
            let status = try Self.openCase(caseNumber, step: "withdraw", in: db)
            for var record in try SubcaseRecord.all(ofCase: caseNumber, in: db) {
                guard !record.state.isFinal else { continue }
                record.state = .cancelled
                record.reason = "withdrawn by the applicant"
                record.finishedOn = today
                try record.save(in: db)
                try Self.enqueue(
                    department: record.department, subcase: record.id, kind: "cancelled", at: timestamp, in: db)
            }
            try db.run("UPDATE cases SET withdrawn = 1 WHERE number = ?", [caseNumber])
            let (_, after) = try Self.refreshStatus(of: caseNumber, on: today, in: db)
            try AuditLog.append(
                AuditEvent(
                    at: timestamp, actor: actor, action: "withdraw", caseNumber: caseNumber, subcaseID: "",
                    before: status.rawValue, after: after.rawValue, detail: "reason given"), in: db,
                head: store.chainHead)
        }
        return try caseSummary(caseNumber)
    }

    /// Records that the results were handed out (统一出件); the case must have ended with results.
    @discardableResult
    public func handout(caseNumber: String, actor: Actor) throws(CaseEngineError) -> CaseSummary {
        let timestamp = clock.timestamp()
        try store.write { db in
            guard let row = try db.row("SELECT status, handed_out_at FROM cases WHERE number = ?", [caseNumber]) else {
                throw CaseEngineError.unknownCase(caseNumber)
            }
            let status = CaseStatus(rawValue: row["status"]) ?? .inProgress
            guard status == .completed || status == .partiallyCompleted, (row["handed_out_at"] as String?) == nil else {
                throw CaseEngineError.caseNotOpen(case: caseNumber, step: "hand out", status: status)
            }
            try db.run("UPDATE cases SET handed_out_at = ? WHERE number = ?", [timestamp, caseNumber])
            try AuditLog.append(
                AuditEvent(
                    at: timestamp, actor: actor, action: "handout", caseNumber: caseNumber, subcaseID: "",
                    before: status.rawValue, after: status.rawValue, detail: ""), in: db, head: store.chainHead)
        }
        return try caseSummary(caseNumber)
    }

    // MARK: - The step machinery

    struct StepContext {
        var today: CalendarDate
        var timestamp: String
        var actor: Actor
    }

    /// Accept, review and approve: checks department and state on the sub-case's head, changes
    /// the state and appends the audit event, in one transaction. The case status cannot change
    /// (no final state, no correction), so it is not refreshed.
    func moveState(
        _ step: SubcaseStep,
        _ id: String,
        to state: SubcaseState,
        department: String,
        actor: Actor
    ) throws(CaseEngineError) -> SubcaseSummary {
        let timestamp = clock.timestamp()
        return try store.write { db in
            let head = try Self.head(of: id, for: step, by: department, in: db)
            let before = head.state
            head.state = state
            try db.execute(.updateSubcaseState, .text(state.rawValue), .text(id))
            try AuditLog.append(
                AuditEvent(
                    at: timestamp, actor: actor, action: step.rawValue, caseNumber: head.caseNumber, subcaseID: id,
                    before: before.rawValue, after: state.rawValue, detail: ""), in: db, head: store.chainHead)
            return head.summary
        }
    }

    /// Loads a sub-case, checks department and state, applies `change` (which saves the record),
    /// refreshes the case status when it may have changed and appends the audit event, all in one
    /// transaction.
    func step(
        _ step: SubcaseStep,
        _ id: String,
        department: String,
        actor: Actor,
        change: @escaping @Sendable (inout SubcaseRecord, Database, StepContext) throws -> String
    ) throws(CaseEngineError) -> SubcaseSummary {
        let context = StepContext(today: clock.today(), timestamp: clock.timestamp(), actor: actor)
        return try store.write { db in
            guard var record = try SubcaseRecord.find(id, in: db) else {
                throw CaseEngineError.unknownSubcase(id)
            }
            try Self.check(
                step, on: id, caseNumber: record.caseNumber, item: record.item, owner: record.department,
                state: record.state, allowed: record.allowedSteps, by: department)
            let before = record.state
            let detail = try change(&record, db, context)
            if record.state.isFinal || record.state == .correcting || before == .correcting {
                try Self.refreshStatus(of: record.caseNumber, on: context.today, in: db)
            }
            try AuditLog.append(
                AuditEvent(
                    at: context.timestamp, actor: actor, action: step.rawValue, caseNumber: record.caseNumber,
                    subcaseID: id, before: before.rawValue, after: record.state.rawValue, detail: detail), in: db,
                head: store.chainHead)
            return record.summary
        }
    }

    /// A sub-case's head, once the department is known to own it and the step to be allowed.
    private static func head(
        of id: String, for step: SubcaseStep, by department: String, in db: Database
    ) throws -> SubcaseHead {
        guard let head = try db.fetchFirst(.subcaseHead, .text(id), row: { SubcaseHead(id: id, $0) }) else {
            throw CaseEngineError.unknownSubcase(id)
        }
        try check(
            step, on: id, caseNumber: head.caseNumber, item: head.item, owner: head.department, state: head.state,
            allowed: head.allowedSteps, by: department)
        return head
    }

    /// The department owns the sub-case and the step is allowed from its state.
    private static func check(
        _ step: SubcaseStep, on id: String, caseNumber: String, item: String, owner: String, state: SubcaseState,
        allowed: [SubcaseStep], by department: String
    ) throws {
        guard owner == department else {
            throw CaseEngineError.wrongDepartment(subcase: id, department: department, owner: owner)
        }
        guard allowed.contains(step) else {
            throw CaseEngineError.stepNotAllowed(
                case: caseNumber, subcase: id, item: item, step: step.rawValue, state: state,
                allowed: allowed.map(\.rawValue))
        }
    }

    /// Dependants whose every predecessor is now issued receive their inputs and are dispatched.
    static func releaseDependants(
        ofCase caseNumber: String,
        item issuedItem: String,
        outputs issuedOutputs: [String: String],
        calendar: WorkCalendar,
        context: StepContext,
        in db: Database
    ) throws -> [String] {
        // Only the columns release needs: this runs for every issue on the hot path.
        struct Sibling {
            var id: String
            var item: String
            var department: String
            var state: SubcaseState
            var released: Bool
            var promisedDays: Int
            var after: [String]
            var inputFlows: String
            var outputs: String
        }
        let siblings = try db.fetch(
            .siblingsForRelease, .text(caseNumber), .text(caseNumber)
        ) { row in
            Sibling(
                id: row.text(0), item: row.text(1), department: row.text(2),
                state: SubcaseState(rawValue: row.text(3)) ?? .waiting, released: row.bool(4),
                promisedDays: row.int(5), after: SubcaseRecord.list(row.text(6)), inputFlows: row.text(7),
                outputs: row.text(8))
        }
        let byItem = Dictionary(siblings.map { ($0.item, $0) }) { first, _ in first }
        var released: [String] = []
        for sibling in siblings where sibling.after.contains(issuedItem) && !sibling.released {
            guard !sibling.state.isFinal else { continue }
            guard sibling.after.allSatisfy({ byItem[$0]?.state == .issued || $0 == issuedItem }) else { continue }
            var inputs: [String: String] = [:]
            for flow in SubcaseRecord.flows(sibling.inputFlows) {
                let outputs =
                    flow.from == issuedItem ? issuedOutputs : SubcaseRecord.map(byItem[flow.from]?.outputs ?? "")
                for element in flow.elements { inputs[element] = outputs[element] ?? "" }
            }
            let deadline = calendar.deadline(acceptedOn: context.today, workingDays: sibling.promisedDays)
            try db.execute(
                .releaseSubcase,
                .text((sibling.state == .waiting ? SubcaseState.dispatched : sibling.state).rawValue),
                .text(SubcaseRecord.encode(inputs)), .text(context.today.description),
                .text(deadline.date.description), .bool(deadline.provisional), .text(sibling.id))
            try enqueue(
                department: sibling.department, subcase: sibling.id, kind: "dispatched", at: context.timestamp, in: db)
            released.append(sibling.item)
        }
        return released
    }

    /// Cancels, transitively, the open sub-cases that wait for a rejected one.
    static func cancelDependants(of rejected: SubcaseRecord, context: StepContext, in db: Database) throws -> [String] {
        var records = try SubcaseRecord.all(ofCase: rejected.caseNumber, in: db)
        var blocked: Set<String> = [rejected.item]
        var cancelled: [String] = []
        var changed = true
        while changed {
            changed = false
            for index in records.indices where !records[index].state.isFinal && !blocked.contains(records[index].item) {
                guard records[index].after.contains(where: blocked.contains) else { continue }
                records[index].state = .cancelled
                records[index].reason = "cannot proceed: \(rejected.item) was rejected"
                records[index].finishedOn = context.today
                try records[index].save(in: db)
                try enqueue(
                    department: records[index].department, subcase: records[index].id, kind: "cancelled",
                    at: context.timestamp, in: db)
                blocked.insert(records[index].item)
                cancelled.append(records[index].item)
                changed = true
            }
        }
        return cancelled
    }

    /// The case's status, or an error if the case is unknown or has ended.
    static func openCase(_ number: String, step: String, in db: Database) throws -> CaseStatus {
        guard
            let status = try db.fetchFirst(
                .caseStatus, .text(number),
                row: { CaseStatus(rawValue: $0.text(0)) ?? .inProgress })
        else { throw CaseEngineError.unknownCase(number) }
        guard !status.isFinal else { throw CaseEngineError.caseNotOpen(case: number, step: step, status: status) }
        return status
    }
}
