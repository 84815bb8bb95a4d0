import BundleKit
import CaseEngine
import WorkCalendar

/// A sub-case as its row and progress store it: the case, the plan and position (the plan entry
/// itself is stored once per plan, see `PlanEntries`) and the progress. The column list and its
/// decoder side by side.
struct SubcaseRow {
    var id: String
    var caseNumber: String
    var planID: Int64
    var position: Int
    var progress: SubcaseProgress

    /// The columns of `subcases s`, in `decode` order.
    static let columns = """
        s.id, s.case_number, s.plan_id, s.position, s.state, s.resume_state, s.released, s.inputs, s.outputs,
        s.dispatched_on, s.due_date, s.due_provisional, s.days_used_before_pause, s.paused_days, s.paused_on,
        s.finished_on, s.reason, s.reviewed_by
        """
    /// The table `columns` reads.
    static let tables = "subcases s"

    static func decode(_ row: SQLRow) throws(CaseEngineError) -> SubcaseRow {
        let id = row.text(0)
        let what = "sub-case \(id)"
        guard let state = SubcaseState(rawValue: row.text(4)) else { throw CaseEngineError.corruptRecord(what) }
        let progress = SubcaseProgress(
            state: state, resumeState: try optionalState(row.optionalText(5), what), released: row.bool(6),
            inputs: try StoredJSON.map(row.text(7), what), outputs: try StoredJSON.map(row.text(8), what),
            dispatchedOn: try date(row.optionalText(9), what),
            due: try date(row.optionalText(10), what).map { Deadline(date: $0, provisional: row.bool(11)) },
            daysUsedBeforePause: row.int(12), pausedDays: row.int(13), pausedOn: try date(row.optionalText(14), what),
            finishedOn: try date(row.optionalText(15), what), reason: row.optionalText(16),
            reviewedBy: row.optionalText(17))
        return SubcaseRow(
            id: id, caseNumber: row.text(1), planID: Int64(row.int(2)), position: row.int(3), progress: progress)
    }

    /// The progress columns, in the order ``changedProgress(from:to:id:)`` gives their values; the
    /// insert and the updates are built from this list.
    static let progressColumns = [
        "state", "resume_state", "released", "inputs", "outputs", "dispatched_on", "due_date", "due_provisional",
        "days_used_before_pause", "paused_days", "paused_on", "finished_on", "reason", "reviewed_by",
    ]

    /// The progress columns a transition changed (all of them without `before`), as a mask (bit `i`
    /// for `progressColumns[i]`), and their values in column order, the id last. SQLite rewrites
    /// the entries of every index whose columns an `UPDATE` assigns, changed or not: a step that
    /// assigns only what changed leaves the department and due-date indexes alone (two pages less
    /// written a step). Compared field by field: closures per column cost W1 1.3 % more.
    static func changedProgress(
        from before: SubcaseProgress?, to after: SubcaseProgress, id: String
    ) -> (mask: UInt16, values: [SQLValue]) {
        var mask: UInt16 = 0
        var values: [SQLValue] = []
        values.reserveCapacity(progressColumns.count + 1)
        func column(_ index: Int, _ changed: (SubcaseProgress) -> Bool, _ value: @autoclosure () -> SQLValue) {
            guard before.map(changed) ?? true else { return }
            mask |= 1 << index
            values.append(value())
        }
        column(0, { $0.state != after.state }, .text(after.state.rawValue))
        column(1, { $0.resumeState != after.resumeState }, .text(after.resumeState?.rawValue))
        column(2, { $0.released != after.released }, .bool(after.released))
        column(3, { $0.inputs != after.inputs }, .text(StoredJSON.encode(after.inputs)))
        column(4, { $0.outputs != after.outputs }, .text(StoredJSON.encode(after.outputs)))
        column(5, { $0.dispatchedOn != after.dispatchedOn }, .text(after.dispatchedOn?.description))
        column(6, { $0.due?.date != after.due?.date }, .text(after.due?.date.description))
        column(7, { $0.due?.provisional != after.due?.provisional }, .bool(after.due?.provisional ?? false))
        column(8, { $0.daysUsedBeforePause != after.daysUsedBeforePause }, .int(after.daysUsedBeforePause))
        column(9, { $0.pausedDays != after.pausedDays }, .int(after.pausedDays))
        column(10, { $0.pausedOn != after.pausedOn }, .text(after.pausedOn?.description))
        column(11, { $0.finishedOn != after.finishedOn }, .text(after.finishedOn?.description))
        column(12, { $0.reason != after.reason }, .text(after.reason))
        column(13, { $0.reviewedBy != after.reviewedBy }, .text(after.reviewedBy))
        values.append(.text(id))
        return (mask, values)
    }

    /// Every progress column's value, in `progressColumns` order (the id last).
    static func progressValues(_ subcase: Subcase) -> [SQLValue] {
        changedProgress(from: nil, to: subcase.progress, id: subcase.id).values
    }

    static func date(_ text: String?, _ what: @autoclosure () -> String) throws(CaseEngineError) -> CalendarDate? {
        guard let text else { return nil }
        guard let date = CalendarDate(text) else { throw CaseEngineError.corruptRecord(what()) }
        return date
    }

    private static func optionalState(
        _ text: String?, _ what: @autoclosure () -> String
    ) throws(CaseEngineError) -> SubcaseState? {
        guard let text else { return nil }
        guard let state = SubcaseState(rawValue: text) else { throw CaseEngineError.corruptRecord(what()) }
        return state
    }
}

/// A row of `plan_subcases`: what a plan fixed for the sub-case at one position.
enum PlanSubcaseRow {
    static let columns = """
        position, item, item_name_zh, item_name_en, department, department_name_zh, department_name_en, kind,
        promised_days, legal_days, early_start, after_items, input_flows, output_elements, dependant_items, fields,
        materials
        """

    /// The plan entry, with an empty id and case number (a sub-case fills them in).
    static func decode(_ row: SQLRow, planID: Int64) throws(CaseEngineError) -> SubcasePlan {
        let what = "plan \(planID), position \(row.int(0))"
        guard let kind = ItemKind(rawValue: row.text(7)) else { throw CaseEngineError.corruptRecord(what) }
        return SubcasePlan(
            id: "", caseNumber: "", position: row.int(0), item: row.text(1),
            itemName: LocalizedText(zh: row.text(2), en: row.text(3)), department: row.text(4),
            departmentName: LocalizedText(zh: row.text(5), en: row.text(6)), kind: kind, promisedDays: row.int(8),
            legalDays: row.optionalInt(9), earlyStart: row.bool(10), after: try StoredJSON.list(row.text(11), what),
            inputFlows: try StoredJSON.flows(row.text(12), what),
            outputElements: try StoredJSON.list(row.text(13), what),
            dependants: try StoredJSON.list(row.text(14), what), fields: try StoredJSON.list(row.text(15), what),
            materials: try StoredJSON.list(row.text(16), what))
    }
}

/// A row of `cases` read into a `CaseRecord`.
enum CaseRow {
    static let columns = """
        number, query_code, bundle, version, bundle_name_zh, bundle_name_en, plan_hash, status, withdrawn,
        applicant_name, applicant_id_number, applicant_phone, channel, channel_id, idempotency_key, fingerprint,
        answers, submitted_on, submitted_at, promised_date, promised_provisional, handed_out_at, closed_on, form,
        materials, handed_out_to_name, handed_out_to_id_number
        """

    static func decode(_ row: SQLRow) throws(CaseEngineError) -> CaseRecord {
        let number = row.text(0)
        let what = "case \(number)"
        guard let status = CaseStatus(rawValue: row.text(7)), let channel = Channel.Kind(rawValue: row.text(12)),
            let submittedOn = try SubcaseRow.date(row.text(17), what),
            let promised = try SubcaseRow.date(row.text(19), what)
        else { throw CaseEngineError.corruptRecord(what) }
        return CaseRecord(
            number: number, queryCode: row.text(1), bundle: row.text(2), version: row.text(3),
            bundleName: LocalizedText(zh: row.text(4), en: row.text(5)), planHash: row.text(6), status: status,
            withdrawn: row.bool(8),
            applicant: Applicant(name: row.text(9), idNumber: row.text(10), phone: row.text(11)),
            channel: Channel(kind: channel, id: row.text(13)), idempotencyKey: row.text(14), fingerprint: row.text(15),
            answers: try StoredJSON.map(row.text(16), what), submittedOn: submittedOn, submittedAt: row.text(18),
            promised: Deadline(date: promised, provisional: row.bool(20)), handedOutAt: row.optionalText(21),
            handedOutTo: row.optionalText(25).map { Recipient(name: $0, idNumber: row.optionalText(26)) },
            closedOn: try SubcaseRow.date(row.optionalText(22), what), form: try StoredJSON.form(row.text(23), what),
            materials: try StoredJSON.materials(row.text(24), what))
    }
}

/// A row of `corrections` read into a `Correction`.
enum CorrectionRow {
    static func decode(_ row: SQLRow) throws(CaseEngineError) -> Correction {
        let what = "correction \(row.int(0))"
        guard let requested = try SubcaseRow.date(row.text(2), what) else { throw CaseEngineError.corruptRecord(what) }
        return Correction(
            id: Int64(row.int(0)), subcaseID: row.text(1), requestedOn: requested,
            materials: try StoredJSON.list(row.text(3), what), fields: try StoredJSON.list(row.text(4), what),
            note: row.text(5), suppliedMaterials: try StoredJSON.list(row.text(6), what),
            suppliedFields: try StoredJSON.list(row.text(7), what),
            resolvedOn: try SubcaseRow.date(row.optionalText(8), what))
    }
}
