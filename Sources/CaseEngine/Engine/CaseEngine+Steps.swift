import BundleKit
import WorkCalendar

extension CaseEngine {
    // MARK: - Department steps

    /// Accepts a sub-case (受理).
    @discardableResult
    public func accept(
        _ subcase: String, department: String, actor: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        try await departmentStep(.accept, subcase, department: department, by: actor)
    }

    /// Reviews a sub-case (审核).
    @discardableResult
    public func review(
        _ subcase: String, department: String, actor: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        try await departmentStep(.review, subcase, department: department, by: actor)
    }

    /// Approves a sub-case (批准); only once its inputs have arrived.
    @discardableResult
    public func approve(
        _ subcase: String, department: String, actor: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        try await departmentStep(.approve, subcase, department: department, by: actor)
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
        actor: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        try await departmentStep(
            .issue(outputs: outputs, overrideWarnings: overrideWarnings), subcase, department: department, by: actor)
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
        actor: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        try await departmentStep(
            .correct(materials: materials, fields: fields, note: note), subcase, department: department, by: actor)
    }

    /// Rejects a sub-case with a reason; dependants that can no longer proceed are cancelled,
    /// independent siblings go on.
    @discardableResult
    public func reject(
        _ subcase: String, department: String, reason: String, actor: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        try await departmentStep(.reject(reason: reason), subcase, department: department, by: actor)
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
        actor: Principal
    ) async throws(CaseEngineError) -> CaseSummary {
        let fieldTypes = values.isEmpty ? [:] : try await pinnedFieldTypes(of: caseNumber)
        _ = try await perform(
            .supply(materials: materials, values: values, attachments: attachments), on: caseNumber, by: actor,
            fieldTypes: fieldTypes)
        return try await caseSummary(caseNumber)
    }

    /// Withdraws a case at the applicant's request before it ends: every open sub-case is cancelled.
    @discardableResult
    public func withdraw(
        caseNumber: String, reason: String, actor: Principal
    ) async throws(CaseEngineError) -> CaseSummary {
        _ = try await perform(.withdraw(reason: reason), on: caseNumber, by: actor)
        return try await caseSummary(caseNumber)
    }

    /// Records that the results were handed out (统一出件) and to whom; the case must have ended with
    /// results, and not been handed out before.
    @discardableResult
    public func handout(
        caseNumber: String, to recipient: Recipient, actor: Principal
    ) async throws(CaseEngineError) -> CaseSummary {
        _ = try await perform(.handout(to: recipient), on: caseNumber, by: actor)
        return try await caseSummary(caseNumber)
    }

    /// Records a citizen's rating (好差评, GB/T 39734: 1 非常满意 … 5 非常不满意) of a case. The rating
    /// keeps no personal data; a second rating of the same case replaces the first.
    public func rate(caseNumber: String, grade: Int, actor: Principal) async throws(CaseEngineError) {
        guard (1...5).contains(grade) else {
            throw CaseEngineError.invalidStep(
                case: caseNumber, subcase: "", step: "rate", problems: ["a grade is 1 to 5, not \(grade)"])
        }
        _ = try await perform(.rate(grade: grade), on: caseNumber, by: actor)
    }

    /// Records what a supervisor did about a bad rating (差评回访整改): the case must have been rated
    /// 4 or 5. The note is kept with the rating; the audit chain records that it was written.
    public func followUpRating(caseNumber: String, note: String, actor: Principal) async throws(CaseEngineError) {
        guard let rating = try await repository.rating(caseNumber: caseNumber) else {
            throw CaseEngineError.invalidStep(
                case: caseNumber, subcase: "", step: "follow up", problems: ["the case has not been rated"])
        }
        guard rating.isBad else {
            throw CaseEngineError.invalidStep(
                case: caseNumber, subcase: "", step: "follow up",
                problems: ["only a bad rating (4 or 5) is followed up; this case was rated \(rating.grade)"])
        }
        _ = try await perform(.followUp(note: note), on: caseNumber, by: actor)
    }

    // MARK: - The one path

    private func departmentStep(
        _ step: Step, _ subcase: String, department: String, by principal: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        let transition = try await perform(step, on: subcase, by: principal, department: department)
        guard let acted = transition.subcases.first else { throw CaseEngineError.unknownSubcase(subcase) }
        return acted.summary
    }
}
