import BundleKit

/// One problem with a submitted application, by field or material (one-time notice: all at once).
public struct ApplicationProblem: Sendable, Equatable {
    /// The element, material or part (`applicant`, `answers`) it concerns.
    public var subject: String
    /// What to do, in Chinese and English. Never contains an ID number.
    public var message: LocalizedText

    /// Creates a problem.
    public init(subject: String, message: LocalizedText) {
        self.subject = subject
        self.message = message
    }
}

/// An error from the case engine: each names the case and step, and what may be done instead.
public enum CaseEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The application has problems; nothing was saved.
    case invalidApplication([ApplicationProblem])
    /// The idempotency key was used before with a different application.
    case idempotencyConflict(key: String, existingCase: String)
    /// No case with this number.
    case unknownCase(String)
    /// No sub-case with this id.
    case unknownSubcase(String)
    /// A department acted on another department's sub-case.
    case wrongDepartment(subcase: String, department: String, owner: String)
    /// A step the sub-case's state does not allow.
    case stepNotAllowed(
        case: String, subcase: String, item: String, step: String, state: SubcaseState, allowed: [String])
    /// A step on a case that has ended or does not allow it.
    case caseNotOpen(case: String, step: String, status: CaseStatus)
    /// Outputs or corrections that do not fit.
    case invalidStep(case: String, subcase: String, step: String, problems: [String])
    /// The database could not be read or written; nothing was half-written.
    case storage(String)
    /// The bundle the case was submitted under is not loadable.
    case bundleUnavailable(String)

    public var description: String {
        switch self {
        case .invalidApplication(let problems):
            return "the application was not saved; fix these and submit again:\n"
                + problems.map { "  \($0.subject): \($0.message.en)" }.joined(separator: "\n")
        case .idempotencyConflict(let key, let existing):
            return "idempotency key '\(key)' was already used for case \(existing) with a different application"
        case .unknownCase(let number):
            return "no case \(number)"
        case .unknownSubcase(let id):
            return "no sub-case \(id)"
        case .wrongDepartment(let subcase, let department, let owner):
            return "sub-case \(subcase) belongs to \(owner), not \(department)"
        case .stepNotAllowed(let number, let subcase, let item, let step, let state, let allowed):
            let next = allowed.isEmpty ? "none (the sub-case is \(state.rawValue))" : allowed.joined(separator: ", ")
            return
                "case \(number), sub-case \(subcase) (\(item)): cannot \(step) while \(state.rawValue); allowed next steps: \(next)"
        case .caseNotOpen(let number, let step, let status):
            return "case \(number): cannot \(step) while the case is \(status.rawValue)"
        case .invalidStep(let number, let subcase, let step, let problems):
            let place = subcase.isEmpty ? "case \(number)" : "case \(number), sub-case \(subcase)"
            return "\(place): cannot \(step): " + problems.joined(separator: "; ")
        case .storage(let message):
            return "storage error: \(message)"
        case .bundleUnavailable(let message):
            return message
        }
    }
}
