import BundleKit
import WorkCalendar

/// The receipt (受理回执) a citizen takes home: case number, query code, promised completion and
/// each department with its item.
public struct Receipt: Sendable, Equatable {
    /// The case number, e.g. `OG20261123-000001`.
    public var caseNumber: String
    /// The 6-digit code the citizen uses with the case number to check progress.
    public var queryCode: String
    /// The bundle id.
    public var bundle: String
    /// The bundle name.
    public var bundleName: LocalizedText
    /// The applicant's name.
    public var applicantName: String
    /// The applicant's ID number, masked.
    public var applicantIDMasked: String
    /// The day the case was accepted.
    public var submittedOn: CalendarDate
    /// The promised completion date from the plan's critical path.
    public var promised: Deadline
    /// Each department with its item, in plan order.
    public var subcases: [(department: LocalizedText, item: LocalizedText)]

    public static func == (lhs: Receipt, rhs: Receipt) -> Bool {
        lhs.caseNumber == rhs.caseNumber && lhs.queryCode == rhs.queryCode && lhs.promised == rhs.promised
            && lhs.subcases.map(\.item) == rhs.subcases.map(\.item)
    }
}

/// What a correction notice (一次性补正通知) asks for.
public struct CorrectionNotice: Sendable, Equatable {
    /// The sub-case that asked.
    public var subcaseID: String
    /// The department that asked.
    public var department: LocalizedText
    /// Materials to bring again: id and name.
    public var materials: [(id: String, name: LocalizedText)]
    /// Fields to fill in again: element and label.
    public var fields: [(element: String, label: LocalizedText)]
    /// The department's note.
    public var note: String
    /// When it was asked.
    public var requestedOn: CalendarDate

    public static func == (lhs: CorrectionNotice, rhs: CorrectionNotice) -> Bool {
        lhs.subcaseID == rhs.subcaseID && lhs.materials.map(\.id) == rhs.materials.map(\.id)
            && lhs.fields.map(\.element) == rhs.fields.map(\.element) && lhs.note == rhs.note
    }
}

/// One sub-case as the window, the kiosk and supervisors see it.
public struct SubcaseSummary: Sendable {
    /// The sub-case id, e.g. `OG20261123-000001-03`.
    public var id: String
    /// The item id.
    public var item: String
    /// The item name.
    public var itemName: LocalizedText
    /// The department id.
    public var department: String
    /// The department name.
    public var departmentName: LocalizedText
    /// Immediate or committed.
    public var kind: ItemKind
    /// The state.
    public var state: SubcaseState
    /// Whether its inputs have arrived.
    public var released: Bool
    /// The due date once dispatched; `nil` while waiting or paused.
    public var due: Deadline?
    /// Promised working days.
    public var promisedDays: Int
    /// The reason of a rejection or cancellation.
    public var reason: String?
    /// Steps the department may take now.
    public var allowedSteps: [SubcaseStep]
}

/// A case as the window and supervisors see it (ID numbers masked).
public struct CaseSummary: Sendable {
    /// The case number.
    public var number: String
    /// The bundle id and version it was submitted under.
    public var bundle: String
    /// The pinned version.
    public var version: String
    /// The bundle name.
    public var bundleName: LocalizedText
    /// The derived status.
    public var status: CaseStatus
    /// The applicant's name.
    public var applicantName: String
    /// The applicant's ID number, masked.
    public var applicantIDMasked: String
    /// Kiosk or window, and its id.
    public var channel: Channel
    /// The day it was accepted.
    public var submittedOn: CalendarDate
    /// The promised completion date.
    public var promised: Deadline
    /// The sub-cases in plan order.
    public var subcases: [SubcaseSummary]
    /// Open correction notices.
    public var corrections: [CorrectionNotice]
    /// Materials with their status: id, name, status word, promised date under 容缺.
    public var materials: [(id: String, name: LocalizedText, status: String, promisedBy: String?)]
    /// When the results were handed out (统一出件).
    public var handedOutAt: String?
}

/// What one department sees of one sub-case: its item's fields, materials and inputs only.
public struct DepartmentView: Sendable {
    /// The case number.
    public var caseNumber: String
    /// The sub-case.
    public var subcase: SubcaseSummary
    /// Its item's fields with values (unmasked: this is the department's own work).
    public var fields: [(element: String, label: LocalizedText, value: String)]
    /// Its item's materials with status and attachments.
    public var materials: [(id: String, name: LocalizedText, status: String, attachments: [AttachmentInfo])]
    /// Outputs received from the items it depends on.
    public var inputs: [(element: String, value: String, from: String)]
    /// The open correction, if any.
    public var correction: CorrectionNotice?
}

/// A stored attachment's evidence: digest, size and type.
public struct AttachmentInfo: Sendable, Equatable {
    /// SHA-256 of the content, hexadecimal.
    public var sha256: String
    /// Size in bytes.
    public var size: Int
    /// Media type.
    public var mediaType: String
}
