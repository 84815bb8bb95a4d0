/// A case's status, derived from its sub-cases (never set by hand).
///
/// | status | when |
/// |---|---|
/// | `inProgress` | some sub-case is not final and none awaits a correction |
/// | `awaitingCorrection` | some sub-case awaits a correction (补正) |
/// | `completed` | every sub-case issued |
/// | `partiallyCompleted` | all final, some issued, some rejected or cancelled |
/// | `rejected` | all final, none issued |
/// | `withdrawn` | the applicant withdrew before the end |
public enum CaseStatus: String, Sendable, CaseIterable {
    case inProgress = "in-progress"
    case awaitingCorrection = "awaiting-correction"
    case completed
    case partiallyCompleted = "partially-completed"
    case rejected
    case withdrawn

    /// Whether the case has ended.
    public var isFinal: Bool {
        switch self {
        case .inProgress, .awaitingCorrection: return false
        default: return true
        }
    }

    /// The status from the sub-cases' states.
    public static func derive(from states: [SubcaseState], withdrawn: Bool) -> CaseStatus {
        if withdrawn { return .withdrawn }
        if states.contains(.correcting) { return .awaitingCorrection }
        if !states.allSatisfy(\.isFinal) { return .inProgress }
        let issued = states.filter { $0 == .issued }.count
        if issued == states.count { return .completed }
        return issued > 0 ? .partiallyCompleted : .rejected
    }

    /// The status as the window and kiosk show it.
    public var label: (zh: String, en: String) {
        switch self {
        case .inProgress: return ("办理中", "in progress")
        case .awaitingCorrection: return ("待补正", "awaiting correction")
        case .completed: return ("已办结", "completed")
        case .partiallyCompleted: return ("部分办结", "partially completed")
        case .rejected: return ("不予办理", "rejected")
        case .withdrawn: return ("已撤回", "withdrawn")
        }
    }
}
