import BundleKit

/// Where a sub-case (子办件) stands in its department.
///
/// ```text
/// waiting ──(inputs issued)──▶ dispatched ─accept▶ accepted ─review▶ reviewed ─approve▶ approved ─issue▶ issued
///    │ (early start: accept, review before release)       │ correct ▲ supply          │
///    └────────────── reject / cancel ──────────────────────┴──────────────────────────┘
/// ```
/// `issued`, `rejected` and `cancelled` are final.
public enum SubcaseState: String, Sendable, CaseIterable, Codable {
    case waiting, dispatched, accepted, reviewed, approved, correcting, issued, rejected, cancelled

    /// Whether no step leads out of it.
    public var isFinal: Bool { self == .issued || self == .rejected || self == .cancelled }

    /// The state name as the window and kiosk show it.
    public var label: LocalizedText {
        switch self {
        case .waiting: return LocalizedText(zh: "等待前置事项", en: "waiting for inputs")
        case .dispatched: return LocalizedText(zh: "已分发", en: "dispatched")
        case .accepted: return LocalizedText(zh: "已受理", en: "accepted")
        case .reviewed: return LocalizedText(zh: "已审核", en: "reviewed")
        case .approved: return LocalizedText(zh: "已批准", en: "approved")
        case .correcting: return LocalizedText(zh: "待补正", en: "awaiting correction")
        case .issued: return LocalizedText(zh: "已办结", en: "issued")
        case .rejected: return LocalizedText(zh: "不予批准", en: "rejected")
        case .cancelled: return LocalizedText(zh: "已取消", en: "cancelled")
        }
    }
}

/// A step a department takes on a sub-case.
public enum SubcaseStep: String, Sendable, CaseIterable, Codable {
    case accept, review, approve, issue, correct, reject

    /// The steps allowed from a state. `released` tells whether the inputs have arrived;
    /// `earlyStart` whether the bundle lets the item start before (提前介入); `immediate`
    /// whether the item is decided on the spot (issue at once).
    public static func allowed(
        from state: SubcaseState,
        released: Bool,
        earlyStart: Bool,
        immediate: Bool
    ) -> [SubcaseStep] {
        switch state {
        case .waiting:
            return earlyStart ? [.accept, .reject] : []
        case .dispatched:
            return immediate ? [.accept, .issue, .correct, .reject] : [.accept, .correct, .reject]
        case .accepted:
            return (immediate && released ? [.review, .issue] : [.review]) + [.correct, .reject]
        case .reviewed:
            return (released ? (immediate ? [.approve, .issue] : [.approve]) : []) + [.correct, .reject]
        case .approved:
            return [.issue, .reject]
        case .correcting:
            return [.reject]
        case .issued, .rejected, .cancelled:
            return []
        }
    }
}
