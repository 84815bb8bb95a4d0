import BundleKit
import WorkCalendar

/// The one state machine of a case and its sub-cases: every step, of a department, the window,
/// the kiosk or the citizen, is decided here and nowhere else.
///
/// ``apply(_:to:in:)`` is pure: it reads a ``CaseSnapshot`` and returns the ``Transition`` —
/// the new progress of the sub-case acted on, the siblings it releases or cancels, the corrections,
/// the case's row, the dispatches and the audit events — or throws without side effects. A store
/// writes the transition in the transaction it read the snapshot in.
///
/// ```swift
/// let machine = SubcaseMachine(calendar: calendar, catalog: library.catalog)
/// let transition = try machine.apply(.accept, to: "OG20261123-000001-01", in: StepContext(…, snapshot: snapshot))
/// ```
public struct SubcaseMachine: Sendable {
    /// The working-day calendar deadlines are counted on.
    public let calendar: WorkCalendar
    /// The catalog (element types of outputs).
    public let catalog: Catalog

    /// Creates the machine.
    public init(calendar: WorkCalendar, catalog: Catalog) {
        self.calendar = calendar
        self.catalog = catalog
    }

    /// Who acts, when, and what they see.
    public struct Context: Sendable {
        /// The day (server time).
        public var today: CalendarDate
        /// The instant (server time, ISO 8601).
        public var timestamp: String
        /// Who acts.
        public var principal: Principal
        /// The department acting, for department steps.
        public var department: String
        /// The case's field types and constraints from its pinned plan (supply validates with them).
        public var fieldTypes: [String: FieldType]

        /// Creates a context.
        public init(
            today: CalendarDate, timestamp: String, principal: Principal, department: String = "",
            fieldTypes: [String: FieldType] = [:]
        ) {
            self.today = today
            self.timestamp = timestamp
            self.principal = principal
            self.department = department
            self.fieldTypes = fieldTypes
        }
    }

    /// An element's type and merged constraints, from a compiled plan.
    public struct FieldType: Sendable, Equatable {
        /// The type.
        public var type: ElementType
        /// The constraints.
        public var constraints: FieldConstraints

        /// Creates a field type.
        public init(type: ElementType, constraints: FieldConstraints) {
            self.type = type
            self.constraints = constraints
        }
    }

    /// Decides `step` on `target` (a sub-case id for department steps, else a case number). The
    /// transaction's last audit event records the digests of the sub-cases it changes.
    public func apply(
        _ step: Step, to target: String, in snapshot: CaseSnapshot, context: Context
    ) throws(CaseEngineError) -> Transition {
        var transition = try decide(step, to: target, in: snapshot, context: context)
        if let last = transition.events.indices.last {
            var latest: [String: Subcase] = [:]
            for subcase in transition.subcases { latest[subcase.id] = subcase }
            transition.events[last] = transition.events[last].recordingProgress(
                of: latest.values.sorted { $0.id < $1.id })
        }
        return transition
    }

    private func decide(
        _ step: Step, to target: String, in snapshot: CaseSnapshot, context: Context
    ) throws(CaseEngineError) -> Transition {
        if let kind = step.subcaseStep {
            guard let subcase = snapshot.subcase else { throw CaseEngineError.unknownSubcase(target) }
            try check(kind, on: subcase, by: context.department)
            let progress = subcase.progress
            if let last = [progress.dispatchedOn, progress.pausedOn, progress.finishedOn].compactMap({ $0 }).max(),
                context.today < last
            {
                throw CaseEngineError.invalidStep(
                    case: subcase.caseNumber, subcase: subcase.id, step: kind.rawValue,
                    problems: ["a step cannot be dated before the step it follows (\(last))"])
            }
            return try applyDepartmentStep(step, kind, to: subcase, in: snapshot, context: context)
        }
        guard let record = snapshot.record else { throw CaseEngineError.unknownCase(target) }
        let last =
            ([record.submittedOn, record.closedOn]
            + snapshot.subcases.flatMap {
                [$0.progress.dispatchedOn, $0.progress.pausedOn, $0.progress.finishedOn]
            }).compactMap { $0 }.max()
        if let last, context.today < last {
            throw CaseEngineError.invalidStep(
                case: record.number, subcase: "", step: step.name,
                problems: ["a step cannot be dated before the step it follows (\(last))"])
        }
        switch step {
        case .supply(let materials, let values, let attachments):
            return try supply(materials, values, attachments, to: record, in: snapshot, context: context)
        case .withdraw:
            return try withdraw(record, in: snapshot, context: context)
        case .handout(let recipient):
            return try handout(record, to: recipient, context: context)
        case .rate(let grade):
            return try rate(record, grade: grade, context: context)
        case .followUp(let note):
            return try followUp(record, note: note, context: context)
        case .accept, .review, .approve, .issue, .correct, .reject:
            preconditionFailure("department steps are handled above")
        }
    }

    // MARK: - Department steps

    private func applyDepartmentStep(
        _ step: Step, _ kind: SubcaseStep, to subcase: Subcase, in snapshot: CaseSnapshot, context: Context
    ) throws(CaseEngineError) -> Transition {
        var updated = subcase
        var transition = Transition(caseNumber: subcase.caseNumber)
        var detail = ""
        var siblings = snapshot.subcases
        switch step {
        case .accept:
            updated.progress.state = .accepted
        case .review:
            updated.progress.state = .reviewed
            updated.progress.reviewedBy = context.principal.id
        case .approve:
            if let reviewer = subcase.progress.reviewedBy, reviewer == context.principal.id,
                catalog.items[subcase.plan.item]?.sameReviewerMayApprove != true
            {
                throw CaseEngineError.separationOfDuties(
                    case: subcase.caseNumber, subcase: subcase.id, item: subcase.plan.item, person: reviewer)
            }
            updated.progress.state = .approved
        case .issue(let outputs, let overrideWarnings):
            try checkAwaitedMaterials(of: subcase, in: snapshot)
            try checkOutputs(outputs, of: subcase, overrideWarnings: overrideWarnings)
            updated.progress.state = .issued
            updated.progress.outputs = outputs
            updated.progress.finishedOn = context.today
            replace(updated, in: &siblings)
            let released = release(after: updated, in: &siblings, context: context, into: &transition)
            detail =
                "outputs=" + subcase.plan.outputElements.joined(separator: ",")
                + (released.isEmpty ? "" : " released=" + released.joined(separator: ","))
        case .correct(let materials, let fields, let note):
            try checkCorrection(materials: materials, fields: fields, of: subcase)
            transition.corrections.append(
                Correction(
                    subcaseID: subcase.id, requestedOn: context.today, materials: materials, fields: fields,
                    note: note))
            updated.progress.resumeState = subcase.state
            updated.progress.state = .correcting
            if let start = subcase.progress.dispatchedOn, subcase.progress.released {
                updated.progress.daysUsedBeforePause += calendar.workingDays(after: start, through: context.today)
            }
            updated.progress.pausedOn = context.today
            detail = "materials=\(materials.joined(separator: ",")) fields=\(fields.joined(separator: ","))"
        case .reject(let reason):
            guard !reason.trimmingWhitespace.isEmpty else {
                throw CaseEngineError.invalidStep(
                    case: subcase.caseNumber, subcase: subcase.id, step: "reject", problems: ["give a reason"])
            }
            updated.progress.state = .rejected
            updated.progress.reason = reason
            updated.progress.finishedOn = context.today
            replace(updated, in: &siblings)
            let cancelled = cancelDependants(of: updated, in: &siblings, context: context, into: &transition)
            detail = cancelled.isEmpty ? "" : "cancelled=" + cancelled.joined(separator: ",")
        case .supply, .withdraw, .handout, .rate, .followUp:
            preconditionFailure("case steps are handled by apply")
        }
        transition.subcases.insert(updated, at: 0)
        if case .subcaseInCase = step.scope(subcase.id), let status = snapshot.status {
            var states = snapshot.siblingStates
            for changed in transition.subcases { states[changed.id] = changed.state }
            refreshStatus(
                from: status, withdrawn: snapshot.withdrawn, Array(states.values), context: context, into: &transition)
        }
        transition.events.append(
            AuditEvent(
                at: context.timestamp, principal: context.principal, action: kind.rawValue,
                caseNumber: subcase.caseNumber, subcaseID: subcase.id, before: subcase.state.rawValue,
                after: updated.state.rawValue, detail: detail))
        return transition
    }

    /// The department owns the sub-case and the step is allowed from its state.
    private func check(_ step: SubcaseStep, on subcase: Subcase, by department: String) throws(CaseEngineError) {
        guard subcase.plan.department == department else {
            throw CaseEngineError.wrongDepartment(
                subcase: subcase.id, department: department, owner: subcase.plan.department)
        }
        let allowed = subcase.allowedSteps
        guard allowed.contains(step) else {
            throw CaseEngineError.stepNotAllowed(
                case: subcase.caseNumber, subcase: subcase.id, item: subcase.plan.item, step: step.rawValue,
                state: subcase.state, allowed: allowed.map(\.rawValue))
        }
    }

    /// An item is not issued while a material it needs is still awaited under 容缺.
    private func checkAwaitedMaterials(of subcase: Subcase, in snapshot: CaseSnapshot) throws(CaseEngineError) {
        if catalog.items[subcase.plan.item]?.issueWhileAwaiting == true { return }
        let awaited = snapshot.caseMaterials.filter {
            $0.status == MaterialStatus.missingWord && subcase.plan.materials.contains($0.id)
        }
        guard awaited.isEmpty else {
            throw CaseEngineError.invalidStep(
                case: subcase.caseNumber, subcase: subcase.id, step: "issue",
                problems: awaited.map {
                    "\($0.name.en) (\($0.id)), accepted under 容缺, has not arrived"
                        + ($0.promisedBy.map { " (promised by \($0))" } ?? "")
                        + "; record its arrival with 'onego case supply \(subcase.caseNumber) --material \($0.id)'"
                })
        }
    }

    private func checkOutputs(
        _ outputs: [String: String], of subcase: Subcase, overrideWarnings: Bool
    ) throws(CaseEngineError) {
        var problems: [String] = []
        for element in subcase.plan.outputElements {
            guard let value = outputs[element]?.trimmingWhitespace, !value.isEmpty else {
                problems.append("output '\(element)' is missing")
                continue
            }
            if let type = catalog.elements[element]?.type, let issue = FieldValidator.validate(value, type: type) {
                if issue.severity == .error || !overrideWarnings {
                    problems.append("output '\(element)': \(issue.message.en)")
                }
            }
        }
        for element in outputs.keys.sorted() where !subcase.plan.outputElements.contains(element) {
            problems.append("'\(element)' is not an output of \(subcase.plan.item)")
        }
        guard problems.isEmpty else {
            throw CaseEngineError.invalidStep(
                case: subcase.caseNumber, subcase: subcase.id, step: "issue", problems: problems)
        }
    }

    private func checkCorrection(
        materials: [String], fields: [String], of subcase: Subcase
    ) throws(CaseEngineError) {
        var problems: [String] = []
        if materials.isEmpty && fields.isEmpty { problems.append("name at least one material or field") }
        for material in materials where !subcase.plan.materials.contains(material) {
            problems.append(
                "material '\(material)' is not one of this item's (\(subcase.plan.materials.joined(separator: ", ")))")
        }
        for field in fields where !subcase.plan.fields.contains(field) {
            problems.append("field '\(field)' is not one of this item's")
        }
        guard problems.isEmpty else {
            throw CaseEngineError.invalidStep(
                case: subcase.caseNumber, subcase: subcase.id, step: "correct", problems: problems)
        }
    }

    /// Dependants whose every predecessor is now issued receive their inputs and are dispatched.
    private func release(
        after issued: Subcase, in siblings: inout [Subcase], context: Context, into transition: inout Transition
    ) -> [String] {
        guard !issued.plan.dependants.isEmpty else { return [] }
        var byItem: [String: Subcase] = [:]
        for sibling in siblings where byItem[sibling.plan.item] == nil { byItem[sibling.plan.item] = sibling }
        var released: [String] = []
        for index in siblings.indices {
            let sibling = siblings[index]
            guard sibling.plan.after.contains(issued.plan.item), !sibling.progress.released, !sibling.state.isFinal
            else { continue }
            guard sibling.plan.after.allSatisfy({ byItem[$0]?.state == .issued }) else { continue }
            var inputs: [String: String] = [:]
            for flow in sibling.plan.inputFlows {
                let outputs = byItem[flow.from]?.progress.outputs ?? [:]
                for element in flow.elements { inputs[element] = outputs[element] ?? "" }
            }
            var progress = sibling.progress
            if progress.state == .waiting { progress.state = .dispatched }
            progress.released = true
            progress.inputs = inputs
            progress.dispatchedOn = context.today
            progress.due = calendar.deadline(acceptedOn: context.today, workingDays: sibling.plan.promisedDays)
            siblings[index].progress = progress
            transition.subcases.append(siblings[index])
            transition.dispatches.append(
                Dispatch(
                    department: sibling.plan.department, subcase: sibling.id, kind: .dispatched, state: progress.state,
                    at: context.timestamp))
            released.append(sibling.plan.item)
        }
        return released
    }

    /// Cancels, transitively, the open sub-cases that wait for a rejected one.
    private func cancelDependants(
        of rejected: Subcase, in siblings: inout [Subcase], context: Context, into transition: inout Transition
    ) -> [String] {
        var blocked: Set<String> = [rejected.plan.item]
        var cancelled: [String] = []
        var changed = true
        while changed {
            changed = false
            for index in siblings.indices
            where !siblings[index].state.isFinal && !blocked.contains(siblings[index].plan.item) {
                guard siblings[index].plan.after.contains(where: blocked.contains) else { continue }
                let known = siblings[index].progress.isKnownToDepartment
                siblings[index].progress.state = .cancelled
                siblings[index].progress.reason = "cannot proceed: \(rejected.plan.item) was rejected"
                siblings[index].progress.finishedOn = context.today
                transition.subcases.append(siblings[index])
                if known {
                    transition.dispatches.append(
                        Dispatch(
                            department: siblings[index].plan.department, subcase: siblings[index].id,
                            kind: .cancelled, state: .cancelled, at: context.timestamp))
                }
                blocked.insert(siblings[index].plan.item)
                cancelled.append(siblings[index].plan.item)
                changed = true
            }
        }
        return cancelled
    }

    // MARK: - Case steps

    private func supply(
        _ materials: [String], _ values: [String: String], _ attachments: [Attachment], to record: CaseRecord,
        in snapshot: CaseSnapshot, context: Context
    ) throws(CaseEngineError) -> Transition {
        try checkOpen(record, step: "supply")
        let open = snapshot.openCorrections
        // Materials accepted under 容缺 are awaited as well: their arrival is recorded the same way.
        let awaited = Set(record.materials.filter { $0.status == MaterialStatus.missingWord }.map(\.id))
        guard !open.isEmpty || !awaited.isEmpty else {
            throw CaseEngineError.caseNotOpen(
                case: record.number, step: "supply (no correction is open)", status: record.status)
        }
        let asked = Set(open.flatMap { $0.materials + $0.fields }).union(awaited)
        var problems: [String] = []
        for item in materials + Array(values.keys) where !asked.contains(item) {
            problems.append(
                awaited.isEmpty
                    ? "'\(item)' was not asked for by any open correction"
                    : "'\(item)' was not asked for by any open correction nor awaited under 容缺")
        }
        for (element, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let field = context.fieldTypes[element] else { continue }
            if let issue = FieldValidator.validate(value, type: field.type, constraints: field.constraints),
                issue.severity == .error
            {
                problems.append("\(element): \(issue.message.en)")
            }
        }
        guard problems.isEmpty else {
            throw CaseEngineError.invalidStep(case: record.number, subcase: "", step: "supply", problems: problems)
        }
        var transition = Transition(caseNumber: record.number)
        if !materials.isEmpty {
            var checklist = record.materials
            for index in checklist.indices where materials.contains(checklist[index].id) {
                checklist[index].status = MaterialStatus.provided.word
                checklist[index].promisedBy = nil
            }
            transition.caseUpdate.materials = checklist
        }
        transition.attachments = attachments
        if !values.isEmpty {
            var form = record.form
            for (element, value) in values.sorted(by: { $0.key < $1.key }) {
                if let index = form.firstIndex(where: { $0.element == element }) {
                    form[index].value = value
                } else {
                    form.append(
                        FormEntry(
                            element: element, label: LocalizedText(zh: element, en: element), sensitive: false,
                            value: value))
                }
            }
            transition.caseUpdate.form = form
        }
        var subcases = snapshot.subcases
        for var correction in open {
            correction.suppliedMaterials = Set(correction.suppliedMaterials + materials)
                .intersection(correction.materials).sorted()
            correction.suppliedFields = Set(correction.suppliedFields + values.keys)
                .intersection(correction.fields).sorted()
            let complete =
                correction.suppliedMaterials.count == Set(correction.materials).count
                && correction.suppliedFields.count == Set(correction.fields).count
            if complete { correction.resolvedOn = context.today }
            transition.corrections.append(correction)
            guard complete, let index = subcases.firstIndex(where: { $0.id == correction.subcaseID }),
                subcases[index].state == .correcting
            else { continue }
            let before = subcases[index].state
            var progress = subcases[index].progress
            progress.state = progress.resumeState ?? .dispatched
            progress.resumeState = nil
            if let paused = progress.pausedOn {
                progress.pausedDays += calendar.workingDays(after: paused, through: context.today)
            }
            progress.pausedOn = nil
            if progress.released {
                let remaining = max(0, subcases[index].plan.promisedDays - progress.daysUsedBeforePause)
                progress.due = calendar.deadline(acceptedOn: context.today, workingDays: remaining)
            }
            subcases[index].progress = progress
            transition.subcases.append(subcases[index])
            transition.dispatches.append(
                Dispatch(
                    department: subcases[index].plan.department, subcase: subcases[index].id, kind: .resumed,
                    state: progress.state, at: context.timestamp))
            transition.events.append(
                AuditEvent(
                    at: context.timestamp, principal: context.principal, action: "resume", caseNumber: record.number,
                    subcaseID: subcases[index].id, before: before.rawValue, after: progress.state.rawValue,
                    detail: "due=\(progress.due?.date.description ?? "")"))
        }
        let after = refreshStatus(
            from: record.status, withdrawn: record.withdrawn, subcases.map(\.state), context: context,
            into: &transition)
        transition.events.append(
            AuditEvent(
                at: context.timestamp, principal: context.principal, action: "supply", caseNumber: record.number,
                subcaseID: "", before: record.status.rawValue, after: after.rawValue,
                detail:
                    "materials=\(materials.sorted().joined(separator: ",")) fields=\(values.keys.sorted().joined(separator: ","))"
            ))
        return transition
    }

    private func withdraw(
        _ record: CaseRecord, in snapshot: CaseSnapshot, context: Context
    ) throws(CaseEngineError) -> Transition {
        try checkOpen(record, step: "withdraw")
        var transition = Transition(caseNumber: record.number)
        var subcases = snapshot.subcases
        for index in subcases.indices where !subcases[index].state.isFinal {
            let known = subcases[index].progress.isKnownToDepartment
            subcases[index].progress.state = .cancelled
            subcases[index].progress.reason = "withdrawn by the applicant"
            subcases[index].progress.finishedOn = context.today
            transition.subcases.append(subcases[index])
            if known {
                transition.dispatches.append(
                    Dispatch(
                        department: subcases[index].plan.department, subcase: subcases[index].id, kind: .withdrawn,
                        state: .cancelled, at: context.timestamp))
            }
        }
        transition.caseUpdate.withdrawn = true
        let after = refreshStatus(
            from: record.status, withdrawn: true, subcases.map(\.state), context: context, into: &transition)
        transition.events.append(
            AuditEvent(
                at: context.timestamp, principal: context.principal, action: "withdraw", caseNumber: record.number,
                subcaseID: "", before: record.status.rawValue, after: after.rawValue, detail: "reason given"))
        return transition
    }

    private func handout(
        _ record: CaseRecord, to recipient: Recipient, context: Context
    ) throws(CaseEngineError) -> Transition {
        if let at = record.handedOutAt {
            throw CaseEngineError.alreadyHandedOut(
                case: record.number, on: String(at.prefix(10)), to: record.handedOutTo?.name ?? "")
        }
        guard record.status == .completed || record.status == .partiallyCompleted else {
            throw CaseEngineError.caseNotOpen(case: record.number, step: "hand out", status: record.status)
        }
        var problems: [String] = []
        let name = recipient.name.trimmingWhitespace
        if name.count < 2 || name.count > 50 || TextSafety.hasControlCharacters(recipient.name) {
            problems.append("give the name of the person who collects the results (2 to 50 characters)")
        }
        if let idNumber = recipient.idNumber, FieldValidator.validate(idNumber, type: .idNumber) != nil {
            problems.append("the recipient's ID number is not valid")
        }
        guard problems.isEmpty else {
            throw CaseEngineError.invalidStep(case: record.number, subcase: "", step: "hand out", problems: problems)
        }
        var transition = Transition(caseNumber: record.number)
        transition.caseUpdate.handedOutAt = context.timestamp
        transition.caseUpdate.handedOutTo = Recipient(
            name: name, idNumber: recipient.idNumber.map { Application.normalizedIDNumber($0.trimmingWhitespace) })
        transition.events.append(
            AuditEvent(
                at: context.timestamp, principal: context.principal, action: "handout", caseNumber: record.number,
                subcaseID: "", before: record.status.rawValue, after: record.status.rawValue,
                detail: recipient.idNumber == nil ? "recipient named" : "recipient named, ID number checked"))
        return transition
    }

    private func rate(_ record: CaseRecord, grade: Int, context: Context) throws(CaseEngineError) -> Transition {
        var transition = Transition(caseNumber: record.number)
        transition.rating = Rating(
            caseNumber: record.number, grade: grade, channelID: context.principal.id, at: context.timestamp)
        transition.events.append(
            AuditEvent(
                at: context.timestamp, principal: context.principal, action: "rate", caseNumber: record.number,
                subcaseID: "", before: "", after: "", detail: "grade=\(grade)"))
        return transition
    }

    private func followUp(_ record: CaseRecord, note: String, context: Context) throws(CaseEngineError) -> Transition {
        let text = note.trimmingWhitespace
        guard !text.isEmpty, text.count <= RatingFollowUp.maximumLength else {
            throw CaseEngineError.invalidStep(
                case: record.number, subcase: "", step: "follow up",
                problems: ["a follow-up says what was done, in 1 to \(RatingFollowUp.maximumLength) characters"])
        }
        var transition = Transition(caseNumber: record.number)
        transition.ratingFollowUp = RatingFollowUp(
            caseNumber: record.number, by: context.principal.id, at: context.timestamp, note: text)
        // The note stays out of the chain (it may name the citizen); its length says it was written.
        transition.events.append(
            AuditEvent(
                at: context.timestamp, principal: context.principal, action: "follow up", caseNumber: record.number,
                subcaseID: "", before: "", after: "", detail: "rating followed up, note of \(text.count) characters"))
        return transition
    }

    // MARK: - Shared rules

    private func checkOpen(_ record: CaseRecord, step: String) throws(CaseEngineError) {
        guard !record.status.isFinal else {
            throw CaseEngineError.caseNotOpen(case: record.number, step: step, status: record.status)
        }
    }

    /// Derives the case status from the sub-cases as they will be; records a change.
    @discardableResult
    private func refreshStatus(
        from before: CaseStatus, withdrawn: Bool, _ states: [SubcaseState], context: Context,
        into transition: inout Transition
    ) -> CaseStatus {
        let after = CaseStatus.derive(from: states, withdrawn: withdrawn)
        if after != before {
            transition.caseUpdate.status = after
            transition.caseUpdate.closedOn = after.isFinal ? context.today : nil
        }
        return after
    }

    private func replace(_ subcase: Subcase, in subcases: inout [Subcase]) {
        if let index = subcases.firstIndex(where: { $0.id == subcase.id }) { subcases[index] = subcase }
    }
}
