/// Something done to a case or one of its sub-cases: the input of ``SubcaseMachine``.
///
/// Adding a kind of step is one case here, one branch in ``SubcaseMachine/apply(_:to:in:)``
/// (and, for a department step, one ``SubcaseStep`` with the states it is allowed from), plus
/// its words in the CLI and the kiosk.
public enum Step: Sendable, Equatable {
    /// Accept a sub-case (受理).
    case accept
    /// Review it (审核).
    case review
    /// Approve it (批准), once its inputs have arrived.
    case approve
    /// Issue its result with its item's outputs (发证/办结); `overrideWarnings` accepts outputs
    /// that only fail a warning check.
    case issue(outputs: [String: String], overrideWarnings: Bool)
    /// Ask for a correction (补正): every material and field at once.
    case correct(materials: [String], fields: [String], note: String)
    /// Refuse a sub-case with a reason.
    case reject(reason: String)
    /// Supply what open corrections ask for.
    case supply(materials: [String], values: [String: String], attachments: [Attachment])
    /// Withdraw the case at the applicant's request.
    case withdraw(reason: String)
    /// Hand out the results (统一出件) to the person who collects them.
    case handout(to: Recipient)
    /// Record a citizen's rating, 1 to 5.
    case rate(grade: Int)
    /// Record what a supervisor did about a bad rating (差评回访整改).
    case followUp(note: String)

    /// The department step this is, for a step on one sub-case.
    public var subcaseStep: SubcaseStep? {
        switch self {
        case .accept: return .accept
        case .review: return .review
        case .approve: return .approve
        case .issue: return .issue
        case .correct: return .correct
        case .reject: return .reject
        case .supply, .withdraw, .handout, .rate, .followUp: return nil
        }
    }

    /// The step's name, as errors and the audit log say it.
    public var name: String {
        switch self {
        case .supply: return "supply"
        case .withdraw: return "withdraw"
        case .handout: return "hand out"
        case .rate: return "rate"
        case .followUp: return "follow up"
        default: return subcaseStep?.rawValue ?? ""
        }
    }

    /// What a store must read for the machine to decide this step on `target` (a sub-case id for
    /// department steps, a case number otherwise).
    public func scope(_ target: String) -> SnapshotScope {
        switch self {
        case .accept, .review, .approve: return .subcase(target)
        case .issue, .correct, .reject: return .subcaseInCase(target)
        case .supply, .withdraw, .handout, .rate, .followUp: return .wholeCase(target)
        }
    }
}
