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
            promisedDays: plan.promisedDays, reason: progress.reason, allowedSteps: allowedSteps,
            outputs: progress.outputs.sorted { $0.key < $1.key }.map { IssuedOutput(element: $0.key, value: $0.value) })
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
///
/// Everything but the sub-case's id and case number is the same for every case submitted under the
/// same plan, and never changes: it is held in one shared, immutable entry, so copying a sub-case
/// (a store reads hundreds per second) copies two strings and a reference.
public struct SubcasePlan: Sendable, Equatable, Codable {
    /// The sub-case id: the case number, `-`, the position in two digits.
    public var id: String
    /// The case number.
    public var caseNumber: String
    private let entry: Entry

    /// 1-based position in the plan.
    public var position: Int { entry.position }
    /// The item id.
    public var item: String { entry.item }
    /// The item name.
    public var itemName: LocalizedText { entry.itemName }
    /// The department id.
    public var department: String { entry.department }
    /// The department name.
    public var departmentName: LocalizedText { entry.departmentName }
    /// Immediate (decided on the spot) or committed.
    public var kind: ItemKind { entry.kind }
    /// Promised working days.
    public var promisedDays: Int { entry.promisedDays }
    /// The legal limit in working days, when the law sets one.
    public var legalDays: Int? { entry.legalDays }
    /// Whether the item may start before its inputs arrive (提前介入).
    public var earlyStart: Bool { entry.earlyStart }
    /// Items that must be issued before this one.
    public var after: [String] { entry.after }
    /// Outputs of other items this one receives.
    public var inputFlows: [InputFlow] { entry.inputFlows }
    /// Elements the item issues.
    public var outputElements: [String] { entry.outputElements }
    /// Items of the case that wait for this one.
    public var dependants: [String] { entry.dependants }
    /// Elements of the combined form the department sees.
    public var fields: [String] { entry.fields }
    /// Materials the department sees.
    public var materials: [String] { entry.materials }

    /// Creates a plan entry.
    public init(
        id: String, caseNumber: String, position: Int, item: String, itemName: LocalizedText, department: String,
        departmentName: LocalizedText, kind: ItemKind, promisedDays: Int, legalDays: Int?, earlyStart: Bool,
        after: [String], inputFlows: [InputFlow], outputElements: [String], dependants: [String], fields: [String],
        materials: [String]
    ) {
        self.id = id
        self.caseNumber = caseNumber
        entry = Entry(
            position: position, item: item, itemName: itemName, department: department, departmentName: departmentName,
            kind: kind, promisedDays: promisedDays, legalDays: legalDays, earlyStart: earlyStart, after: after,
            inputFlows: inputFlows, outputElements: outputElements, dependants: dependants, fields: fields,
            materials: materials)
    }

    /// The shared part.
    private final class Entry: Sendable {
        let position: Int
        let item: String
        let itemName: LocalizedText
        let department: String
        let departmentName: LocalizedText
        let kind: ItemKind
        let promisedDays: Int
        let legalDays: Int?
        let earlyStart: Bool
        let after: [String]
        let inputFlows: [InputFlow]
        let outputElements: [String]
        let dependants: [String]
        let fields: [String]
        let materials: [String]

        init(
            position: Int, item: String, itemName: LocalizedText, department: String, departmentName: LocalizedText,
            kind: ItemKind, promisedDays: Int, legalDays: Int?, earlyStart: Bool, after: [String],
            inputFlows: [InputFlow], outputElements: [String], dependants: [String], fields: [String],
            materials: [String]
        ) {
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

    public static func == (lhs: SubcasePlan, rhs: SubcasePlan) -> Bool {
        lhs.id == rhs.id && lhs.caseNumber == rhs.caseNumber
            && (lhs.entry === rhs.entry
                || (lhs.position == rhs.position && lhs.item == rhs.item && lhs.itemName == rhs.itemName
                    && lhs.department == rhs.department && lhs.departmentName == rhs.departmentName
                    && lhs.kind == rhs.kind && lhs.promisedDays == rhs.promisedDays && lhs.legalDays == rhs.legalDays
                    && lhs.earlyStart == rhs.earlyStart && lhs.after == rhs.after && lhs.inputFlows == rhs.inputFlows
                    && lhs.outputElements == rhs.outputElements && lhs.dependants == rhs.dependants
                    && lhs.fields == rhs.fields && lhs.materials == rhs.materials))
    }

    private enum CodingKeys: String, CodingKey {
        case id, caseNumber, position, item, itemName, department, departmentName, kind, promisedDays, legalDays,
            earlyStart, after, inputFlows, outputElements, dependants, fields, materials
    }

    /// Decodes the plan entry's fields.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let position = try container.decode(Int.self, forKey: .position)
        let item = try container.decode(String.self, forKey: .item)
        let itemName = try container.decode(LocalizedText.self, forKey: .itemName)
        let department = try container.decode(String.self, forKey: .department)
        let departmentName = try container.decode(LocalizedText.self, forKey: .departmentName)
        let kind = try container.decode(ItemKind.self, forKey: .kind)
        let promisedDays = try container.decode(Int.self, forKey: .promisedDays)
        let legalDays = try container.decodeIfPresent(Int.self, forKey: .legalDays)
        let earlyStart = try container.decode(Bool.self, forKey: .earlyStart)
        let after = try container.decode([String].self, forKey: .after)
        let inputFlows = try container.decode([InputFlow].self, forKey: .inputFlows)
        let outputElements = try container.decode([String].self, forKey: .outputElements)
        let dependants = try container.decode([String].self, forKey: .dependants)
        let fields = try container.decode([String].self, forKey: .fields)
        let materials = try container.decode([String].self, forKey: .materials)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            caseNumber: try container.decode(String.self, forKey: .caseNumber), position: position, item: item,
            itemName: itemName, department: department, departmentName: departmentName, kind: kind,
            promisedDays: promisedDays, legalDays: legalDays, earlyStart: earlyStart, after: after,
            inputFlows: inputFlows, outputElements: outputElements, dependants: dependants, fields: fields,
            materials: materials)
    }

    /// Encodes the plan entry's fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(caseNumber, forKey: .caseNumber)
        try container.encode(position, forKey: .position)
        try container.encode(item, forKey: .item)
        try container.encode(itemName, forKey: .itemName)
        try container.encode(department, forKey: .department)
        try container.encode(departmentName, forKey: .departmentName)
        try container.encode(kind, forKey: .kind)
        try container.encode(promisedDays, forKey: .promisedDays)
        try container.encodeIfPresent(legalDays, forKey: .legalDays)
        try container.encode(earlyStart, forKey: .earlyStart)
        try container.encode(after, forKey: .after)
        try container.encode(inputFlows, forKey: .inputFlows)
        try container.encode(outputElements, forKey: .outputElements)
        try container.encode(dependants, forKey: .dependants)
        try container.encode(fields, forKey: .fields)
        try container.encode(materials, forKey: .materials)
    }
}

/// How far a sub-case has come: the part of it every step changes.
public struct SubcaseProgress: Sendable, Equatable, Codable {
    /// Whether its department knows of it: released to it, or started early. Only such a
    /// sub-case's cancellation is a notice for the department; it never heard of the others.
    public var isKnownToDepartment: Bool { released || state != .waiting }

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
    /// Who reviewed it (a staff or client id): by default they may not also approve it.
    public var reviewedBy: String?

    /// Creates progress.
    public init(
        state: SubcaseState, resumeState: SubcaseState? = nil, released: Bool, inputs: [String: String] = [:],
        outputs: [String: String] = [:], dispatchedOn: CalendarDate? = nil, due: Deadline? = nil,
        daysUsedBeforePause: Int = 0, pausedDays: Int = 0, pausedOn: CalendarDate? = nil,
        finishedOn: CalendarDate? = nil, reason: String? = nil, reviewedBy: String? = nil
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
        self.reviewedBy = reviewedBy
    }
}

extension SubcaseProgress {
    /// A short digest of everything a step can change (state, dates, inputs, outputs, pauses,
    /// reason): the audit event of each change records it, so that `audit verify` can tell a
    /// sub-case changed outside OneGo. 16 hexadecimal characters of a SHA-256.
    public var digest: String {
        var text = state.rawValue + "\u{1F}" + (resumeState?.rawValue ?? "") + "\u{1F}" + (released ? "1" : "0")
        for (key, value) in inputs.sorted(by: { $0.key < $1.key }) { text += "\u{1F}i:" + key + "=" + value }
        for (key, value) in outputs.sorted(by: { $0.key < $1.key }) { text += "\u{1F}o:" + key + "=" + value }
        text += "\u{1F}" + (dispatchedOn?.description ?? "") + "\u{1F}" + (due?.description ?? "")
        text += "\u{1F}\(daysUsedBeforePause)\u{1F}\(pausedDays)\u{1F}" + (pausedOn?.description ?? "")
        text += "\u{1F}" + (finishedOn?.description ?? "") + "\u{1F}" + (reason ?? "")
        // Added in schema v13; absent before, so digests recorded earlier still verify.
        if let reviewedBy { text += "\u{1F}r:" + reviewedBy }
        return String(SHA256.hex(text).prefix(16))
    }
}

extension AuditEvent {
    /// The event with the digests of the sub-cases its transaction left changed appended to its
    /// detail: ` progress=01:…,04:…` (sub-case position, ``SubcaseProgress/digest``).
    func recordingProgress(of subcases: [Subcase]) -> AuditEvent {
        guard !subcases.isEmpty else { return self }
        var event = self
        let digests = subcases.map { String($0.id.suffix(2)) + ":" + $0.progress.digest }
        event.detail += (detail.isEmpty ? "" : " ") + AuditTrace.progressMarker + digests.joined(separator: ",")
        return event
    }
}
