import BundleKit

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
public enum CaseStatus: String, Sendable, CaseIterable, Codable {
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
    public var label: LocalizedText {
        switch self {
        case .inProgress: return LocalizedText(zh: "办理中", en: "in progress")
        case .awaitingCorrection: return LocalizedText(zh: "待补正", en: "awaiting correction")
        case .completed: return LocalizedText(zh: "已办结", en: "completed")
        case .partiallyCompleted: return LocalizedText(zh: "部分办结", en: "partially completed")
        case .rejected: return LocalizedText(zh: "不予办理", en: "rejected")
        case .withdrawn: return LocalizedText(zh: "已撤回", en: "withdrawn")
        }
    }
}
