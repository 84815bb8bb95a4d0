import BundleKit
import WorkCalendar

/// A department's part of a case (子办件): what the plan fixed at submission and how far the
/// department has come.
///
/// The plan part never changes after submission; ``progress`` changes with every step and is all a
/// store rewrites.
public struct Subcase: Sendable, Equatable, Codable {
    /// What the plan fixed for this sub-case when the case was submitted.
    public var plan: SubcasePlan
    /// Where it stands.
    public var progress: SubcaseProgress

    /// Creates a sub-case.
    public init(plan: SubcasePlan, progress: SubcaseProgress) {
        self.plan = plan
        self.progress = progress
    }

    /// The sub-case id, e.g. `OG20261123-000001-03`.
    public var id: String { plan.id }
    /// The case it belongs to.
    public var caseNumber: String { plan.caseNumber }
    /// The state.
    public var state: SubcaseState { progress.state }

    /// The steps the department may take now.
    public var allowedSteps: [SubcaseStep] {
        SubcaseStep.allowed(
            from: progress.state, released: progress.released, earlyStart: plan.earlyStart,
            immediate: plan.kind == .immediate)
    }

    /// The sub-case as the window, the kiosk and supervisors see it: no due date while a
    /// correction stops the clock.
    public var summary: SubcaseSummary {
        SubcaseSummary(
            id: plan.id, item: plan.item, itemName: plan.itemName, department: plan.department,
            departmentName: plan.departmentName, kind: plan.kind, state: progress.state,
            released: progress.released, due: progress.state == .correcting ? nil : progress.due,
            promisedDays: plan.promisedDays, reason: progress.reason, allowedSteps: allowedSteps)
    }
}

/// A producer item and the elements of its outputs a sub-case receives.
public struct InputFlow: Sendable, Equatable, Codable {
    /// The producing item.
    public var from: String
    /// The output elements handed over.
    public var elements: [String]

    /// Creates a flow.
    public init(from: String, elements: [String]) {
        self.from = from
        self.elements = elements
    }
}

/// What the compiled plan fixed for one sub-case at submission.
public struct SubcasePlan: Sendable, Equatable, Codable {
    /// The sub-case id: the case number, `-`, the position in two digits.
    public var id: String
    /// The case number.
    public var caseNumber: String
    /// 1-based position in the plan.
    public var position: Int
    /// The item id.
    public var item: String
    /// The item name.
    public var itemName: LocalizedText
    /// The department id.
    public var department: String
    /// The department name.
    public var departmentName: LocalizedText
    /// Immediate (decided on the spot) or committed.
    public var kind: ItemKind
    /// Promised working days.
    public var promisedDays: Int
    /// The legal limit in working days, when the law sets one.
    public var legalDays: Int?
    /// Whether the item may start before its inputs arrive (提前介入).
    public var earlyStart: Bool
    /// Items that must be issued before this one.
    public var after: [String]
    /// Outputs of other items this one receives.
    public var inputFlows: [InputFlow]
    /// Elements the item issues.
    public var outputElements: [String]
    /// Items of the case that wait for this one.
    public var dependants: [String]
    /// Elements of the combined form the department sees.
    public var fields: [String]
    /// Materials the department sees.
    public var materials: [String]

    /// Creates a plan entry.
    public init(
        id: String, caseNumber: String, position: Int, item: String, itemName: LocalizedText, department: String,
        departmentName: LocalizedText, kind: ItemKind, promisedDays: Int, legalDays: Int?, earlyStart: Bool,
        after: [String], inputFlows: [InputFlow], outputElements: [String], dependants: [String], fields: [String],
        materials: [String]
    ) {
        self.id = id
        self.caseNumber = caseNumber
        self.position = position
        self.item = item
        self.itemName = itemName
        self.department = department
        self.departmentName = departmentName
        self.kind = kind
        self.promisedDays = promisedDays
        self.legalDays = legalDays
        self.earlyStart = earlyStart
        self.after = after
        self.inputFlows = inputFlows
        self.outputElements = outputElements
        self.dependants = dependants
        self.fields = fields
        self.materials = materials
    }
}

/// How far a sub-case has come: the part of it every step changes.
public struct SubcaseProgress: Sendable, Equatable, Codable {
    /// The state.
    public var state: SubcaseState
    /// The state a correction interrupted, to resume to.
    public var resumeState: SubcaseState?
    /// Whether its inputs have arrived (it was dispatched).
    public var released: Bool
    /// Outputs received from predecessors.
    public var inputs: [String: String]
    /// Outputs issued.
    public var outputs: [String: String]
    /// The day it was dispatched.
    public var dispatchedOn: CalendarDate?
    /// The due date once dispatched.
    public var due: Deadline?
    /// Working days used before the current correction paused the clock.
    public var daysUsedBeforePause: Int
    /// Working days spent paused by corrections.
    public var pausedDays: Int
    /// The day the current correction paused it.
    public var pausedOn: CalendarDate?
    /// The day it reached a final state.
    public var finishedOn: CalendarDate?
    /// The reason of a rejection or cancellation.
    public var reason: String?

    /// Creates progress.
    public init(
        state: SubcaseState, resumeState: SubcaseState? = nil, released: Bool, inputs: [String: String] = [:],
        outputs: [String: String] = [:], dispatchedOn: CalendarDate? = nil, due: Deadline? = nil,
        daysUsedBeforePause: Int = 0, pausedDays: Int = 0, pausedOn: CalendarDate? = nil,
        finishedOn: CalendarDate? = nil, reason: String? = nil
    ) {
        self.state = state
        self.resumeState = resumeState
        self.released = released
        self.inputs = inputs
        self.outputs = outputs
        self.dispatchedOn = dispatchedOn
        self.due = due
        self.daysUsedBeforePause = daysUsedBeforePause
        self.pausedDays = pausedDays
        self.pausedOn = pausedOn
        self.finishedOn = finishedOn
        self.reason = reason
    }
}
