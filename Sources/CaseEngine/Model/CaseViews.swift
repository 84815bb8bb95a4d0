import BundleKit
import WorkCalendar

/// A department and the item it carries out, as a receipt lists them.
public struct ReceiptLine: Sendable, Equatable, Codable {
    /// The department name.
    public var department: LocalizedText
    /// The item name.
    public var item: LocalizedText

    /// Creates a line.
    public init(department: LocalizedText, item: LocalizedText) {
        self.department = department
        self.item = item
    }
}

/// The receipt (受理回执) a citizen takes home: case number, query code, promised completion and
/// each department with its item.
public struct Receipt: Sendable, Equatable, Codable {
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
    public var subcases: [ReceiptLine]
    /// The instant it was accepted (server time, ISO 8601); nil from servers before it was sent.
    public var submittedAt: String?
}

/// A material or field named in a correction notice.
public struct NamedEntry: Sendable, Equatable, Codable {
    /// The material id or element id.
    public var id: String
    /// Its name or label.
    public var name: LocalizedText

    /// Creates an entry.
    public init(id: String, name: LocalizedText) {
        self.id = id
        self.name = name
    }

    /// The element id, for a field.
    public var element: String { id }
    /// The label, for a field.
    public var label: LocalizedText { name }
}

/// What a correction notice (一次性补正通知) asks for.
public struct CorrectionNotice: Sendable, Equatable, Codable {
    /// The sub-case that asked.
    public var subcaseID: String
    /// The department that asked.
    public var department: LocalizedText
    /// Materials to bring again.
    public var materials: [NamedEntry]
    /// Fields to fill in again.
    public var fields: [NamedEntry]
    /// The department's note.
    public var note: String
    /// When it was asked.
    public var requestedOn: CalendarDate
}

/// One sub-case as the window, the kiosk and supervisors see it.
public struct SubcaseSummary: Sendable, Equatable, Codable {
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
    /// What was issued (the credit code, a filing number…), by element, once issued.
    public var outputs: [IssuedOutput]
}

/// An output a sub-case issued.
public struct IssuedOutput: Sendable, Equatable, Codable {
    /// The element.
    public var element: String
    /// The value.
    public var value: String

    /// Creates an output.
    public init(element: String, value: String) {
        self.element = element
        self.value = value
    }
}

/// A material of a case's checklist with its status.
public struct CaseMaterial: Sendable, Equatable, Codable {
    /// The material id.
    public var id: String
    /// The material name.
    public var name: LocalizedText
    /// `provided`, `shared` or `missing` (``MaterialStatus/word``).
    public var status: String
    /// The promised date of a material missing under 容缺 (`YYYY-MM-DD`).
    public var promisedBy: String?

    /// Creates an entry.
    public init(id: String, name: LocalizedText, status: String, promisedBy: String?) {
        self.id = id
        self.name = name
        self.status = status
        self.promisedBy = promisedBy
    }
}

/// A value of a case's combined form.
public struct FormEntry: Sendable, Equatable, Codable {
    /// The element id.
    public var element: String
    /// The field label.
    public var label: LocalizedText
    /// Whether the value is personal data to mask on screens.
    public var sensitive: Bool
    /// The value.
    public var value: String

    /// Creates an entry.
    public init(element: String, label: LocalizedText, sensitive: Bool, value: String) {
        self.element = element
        self.label = label
        self.sensitive = sensitive
        self.value = value
    }
}

/// A case as the window and supervisors see it (ID numbers masked).
public struct CaseSummary: Sendable, Equatable, Codable {
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
    /// Materials with their status.
    public var materials: [CaseMaterial]
    /// When the results were handed out (统一出件).
    public var handedOutAt: String?
    /// Who collected them (ID number masked).
    public var handedOutTo: Recipient?
}

/// A form value a department sees.
public struct DepartmentField: Sendable, Equatable, Codable {
    /// The element id.
    public var element: String
    /// The label.
    public var label: LocalizedText
    /// The value (unmasked: this is the department's own work).
    public var value: String
}

/// A material a department sees, with its scans.
public struct DepartmentMaterial: Sendable, Equatable, Codable {
    /// The material id.
    public var id: String
    /// The name.
    public var name: LocalizedText
    /// `provided`, `shared` or `missing`.
    public var status: String
    /// Stored scans.
    public var attachments: [AttachmentInfo]
}

/// An output of another item a sub-case received.
public struct ReceivedInput: Sendable, Equatable, Codable {
    /// The element.
    public var element: String
    /// The value.
    public var value: String
    /// The producing item.
    public var from: String
}

/// What one department sees of one sub-case: its item's fields, materials and inputs only, and
/// those only once the sub-case is dispatched to it (or its item may start early).
public struct DepartmentView: Sendable, Equatable, Codable {
    /// The case number.
    public var caseNumber: String
    /// The sub-case.
    public var subcase: SubcaseSummary
    /// Whether the case's data is withheld: the sub-case still waits for its inputs, or was cancelled
    /// before the department needed it. Fields, materials and inputs are then empty.
    public var withheld: Bool
    /// Its item's fields with values.
    public var fields: [DepartmentField]
    /// Its item's materials with status and attachments.
    public var materials: [DepartmentMaterial]
    /// Outputs received from the items it depends on.
    public var inputs: [ReceivedInput]
    /// The open correction, if any.
    public var correction: CorrectionNotice?
}

/// A stored scan with its content, for the department whose sub-case needs it.
public struct AttachmentContent: Sendable, Equatable {
    /// What it is.
    public var info: AttachmentInfo
    /// The bytes as handed in.
    public var bytes: [UInt8]

    /// Creates a scan with its bytes.
    public init(info: AttachmentInfo, bytes: [UInt8]) {
        self.info = info
        self.bytes = bytes
    }
}

/// A stored attachment's evidence: digest, size and type.
public struct AttachmentInfo: Sendable, Equatable, Codable {
    /// SHA-256 of the content, hexadecimal.
    public var sha256: String
    /// Size in bytes.
    public var size: Int
    /// Media type.
    public var mediaType: String

    /// Creates the evidence.
    public init(sha256: String, size: Int, mediaType: String) {
        self.sha256 = sha256
        self.size = size
        self.mediaType = mediaType
    }
}
