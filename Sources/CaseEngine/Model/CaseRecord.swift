import BundleKit
import WorkCalendar

/// A case as stored: who applied through which channel, under which plan, with its form and
/// material checklist. Its sub-cases and corrections are stored beside it.
public struct CaseRecord: Sendable, Equatable, Codable {
    /// The case number, e.g. `OG20261123-000001`.
    public var number: String
    /// The citizen's 6-digit query code.
    public var queryCode: String
    /// The bundle id.
    public var bundle: String
    /// The pinned bundle version.
    public var version: String
    /// The bundle name.
    public var bundleName: LocalizedText
    /// The SHA-256 of the compiled plan the case was submitted under.
    public var planHash: String
    /// The derived status.
    public var status: CaseStatus
    /// Whether the applicant withdrew the case.
    public var withdrawn: Bool
    /// The applicant (the ID number in full: mask it wherever a person sees it).
    public var applicant: Applicant
    /// Kiosk or window, and its id.
    public var channel: Channel
    /// The submitting client's idempotency key.
    public var idempotencyKey: String
    /// The fingerprint of the application (``Application/fingerprint``).
    public var fingerprint: String
    /// The situation answers.
    public var answers: [String: String]
    /// The day it was accepted.
    public var submittedOn: CalendarDate
    /// The instant it was accepted (ISO 8601).
    public var submittedAt: String
    /// The promised completion date.
    public var promised: Deadline
    /// When the results were handed out.
    public var handedOutAt: String?
    /// Who collected them.
    public var handedOutTo: Recipient?
    /// The day the case reached a final status.
    public var closedOn: CalendarDate?
    /// The combined form's values, in form order.
    public var form: [FormEntry]
    /// The material checklist, in checklist order.
    public var materials: [CaseMaterial]

    /// Creates a record.
    public init(
        number: String, queryCode: String, bundle: String, version: String, bundleName: LocalizedText,
        planHash: String, status: CaseStatus, withdrawn: Bool, applicant: Applicant, channel: Channel,
        idempotencyKey: String, fingerprint: String, answers: [String: String], submittedOn: CalendarDate,
        submittedAt: String, promised: Deadline, handedOutAt: String?, handedOutTo: Recipient? = nil,
        closedOn: CalendarDate?, form: [FormEntry], materials: [CaseMaterial]
    ) {
        self.number = number
        self.queryCode = queryCode
        self.bundle = bundle
        self.version = version
        self.bundleName = bundleName
        self.planHash = planHash
        self.status = status
        self.withdrawn = withdrawn
        self.applicant = applicant
        self.channel = channel
        self.idempotencyKey = idempotencyKey
        self.fingerprint = fingerprint
        self.answers = answers
        self.submittedOn = submittedOn
        self.submittedAt = submittedAt
        self.promised = promised
        self.handedOutAt = handedOutAt
        self.handedOutTo = handedOutTo
        self.closedOn = closedOn
        self.form = form
        self.materials = materials
    }
}

/// A correction (补正) a department asked for, and what has been supplied of it.
public struct Correction: Sendable, Equatable, Codable {
    /// The stored id; `nil` until stored.
    public var id: Int64?
    /// The sub-case that asked.
    public var subcaseID: String
    /// The day it was asked.
    public var requestedOn: CalendarDate
    /// Materials asked for.
    public var materials: [String]
    /// Fields asked for.
    public var fields: [String]
    /// The department's note.
    public var note: String
    /// Materials supplied so far.
    public var suppliedMaterials: [String]
    /// Fields supplied so far.
    public var suppliedFields: [String]
    /// The day everything asked was supplied.
    public var resolvedOn: CalendarDate?

    /// Creates a correction.
    public init(
        id: Int64? = nil, subcaseID: String, requestedOn: CalendarDate, materials: [String], fields: [String],
        note: String, suppliedMaterials: [String] = [], suppliedFields: [String] = [], resolvedOn: CalendarDate? = nil
    ) {
        self.id = id
        self.subcaseID = subcaseID
        self.requestedOn = requestedOn
        self.materials = materials
        self.fields = fields
        self.note = note
        self.suppliedMaterials = suppliedMaterials
        self.suppliedFields = suppliedFields
        self.resolvedOn = resolvedOn
    }
}

/// The person who collects a case's results at the window (统一出件): the applicant or someone they
/// sent. The ID number is shown masked.
public struct Recipient: Sendable, Equatable, Codable {
    /// The name.
    public var name: String
    /// The ID number, when shown (stored in full; masked wherever a person sees it).
    public var idNumber: String?

    /// Creates a recipient.
    public init(name: String, idNumber: String?) {
        self.name = name
        self.idNumber = idNumber
    }
}

/// A notice for a department, written to the outbox in the transaction of the change.
public struct Dispatch: Sendable, Equatable, Codable {
    /// What happened to the sub-case.
    public enum Kind: String, Sendable, Codable {
        case dispatched, resumed, cancelled
        /// The applicant withdrew the case: the sub-case is cancelled with it.
        case withdrawn
    }
    /// The receiving department.
    public var department: String
    /// The sub-case.
    public var subcase: String
    /// What happened.
    public var kind: Kind
    /// The sub-case's state after it happened.
    public var state: SubcaseState
    /// When (ISO 8601).
    public var at: String

    /// Creates a dispatch.
    public init(department: String, subcase: String, kind: Kind, state: SubcaseState, at: String) {
        self.department = department
        self.subcase = subcase
        self.kind = kind
        self.state = state
        self.at = at
    }
}

/// A citizen's rating of a case (好差评, GB/T 39734: 1 非常满意 … 5 非常不满意).
public struct Rating: Sendable, Equatable, Codable {
    /// The case.
    public var caseNumber: String
    /// 1 to 5.
    public var grade: Int
    /// The kiosk or window it came through.
    public var channelID: String
    /// When (ISO 8601).
    public var at: String

    /// Creates a rating.
    public init(caseNumber: String, grade: Int, channelID: String, at: String) {
        self.caseNumber = caseNumber
        self.grade = grade
        self.channelID = channelID
        self.at = at
    }

    /// Whether supervisors must follow it up: 4 不满意 or 5 非常不满意 (差评).
    public var isBad: Bool { grade >= 4 }
}

/// What a supervisor did about a bad rating (差评回访整改): who called the citizen back, when,
/// and what was done. A case may be followed up more than once; a new rating needs a new one.
public struct RatingFollowUp: Sendable, Equatable, Codable {
    /// The case.
    public var caseNumber: String
    /// The supervisor's account.
    public var by: String
    /// When (ISO 8601, server time).
    public var at: String
    /// What was done, in the supervisor's words.
    public var note: String

    /// The longest note, in characters.
    public static let maximumLength = 1000

    /// Creates a follow-up.
    public init(caseNumber: String, by: String, at: String, note: String) {
        self.caseNumber = caseNumber
        self.by = by
        self.at = at
        self.note = note
    }
}

/// The case-row changes of a transition.
public struct CaseUpdate: Sendable, Equatable {
    /// The new status and the day it became final, when it changed.
    public var status: CaseStatus?
    /// The day the case became final, with a final status.
    public var closedOn: CalendarDate?
    /// The applicant withdrew.
    public var withdrawn: Bool = false
    /// Results handed out at this instant.
    public var handedOutAt: String?
    /// To this person.
    public var handedOutTo: Recipient?
    /// The form, rewritten.
    public var form: [FormEntry]?
    /// The checklist, rewritten.
    public var materials: [CaseMaterial]?

    /// Whether nothing changes.
    public var isEmpty: Bool {
        status == nil && !withdrawn && handedOutAt == nil && form == nil && materials == nil
    }
}

/// Everything one step changes, as a value: decided by ``SubcaseMachine``, written by a
/// ``CaseRepository`` in one transaction.
public struct Transition: Sendable, Equatable {
    /// The case.
    public var caseNumber: String
    /// The sub-cases whose progress changes (the one acted on first), with their new progress.
    public var subcases: [Subcase] = []
    /// Changes to the case's row.
    public var caseUpdate = CaseUpdate()
    /// Corrections to insert (without id) or update (with id).
    public var corrections: [Correction] = []
    /// Scans to store with the case.
    public var attachments: [Attachment] = []
    /// Notices for departments (the outbox).
    public var dispatches: [Dispatch] = []
    /// A rating to store, replacing an earlier one.
    public var rating: Rating?
    /// A follow-up of a bad rating to store.
    public var ratingFollowUp: RatingFollowUp?
    /// The audit events, in order.
    public var events: [AuditEvent] = []

    /// Creates an empty transition for a case.
    public init(caseNumber: String) { self.caseNumber = caseNumber }
}

/// A case ready to store, lacking only its number: the store numbers it inside the transaction
/// that checks its idempotency key (``numbered(_:)``).
public struct NewCase: Sendable {
    /// The day the case is accepted on: its number counts within it.
    public var day: CalendarDate
    /// The citizen's query code.
    public var queryCode: String
    /// The bundle.
    public var bundle: String
    /// The bundle version.
    public var version: String
    /// The bundle name.
    public var bundleName: LocalizedText
    /// The compiled plan's hash and JSON (stored once per plan).
    public var planHash: String
    /// The compiled plan as JSON.
    public var planJSON: String
    /// The applicant.
    public var applicant: Applicant
    /// The channel.
    public var channel: Channel
    /// The idempotency key.
    public var idempotencyKey: String
    /// The application's fingerprint.
    public var fingerprint: String
    /// The situation answers.
    public var answers: [String: String]
    /// The instant of acceptance (ISO 8601).
    public var submittedAt: String
    /// The promised completion date.
    public var promised: Deadline
    /// The form.
    public var form: [FormEntry]
    /// The checklist.
    public var materials: [CaseMaterial]
    /// Scans handed in.
    public var attachments: [Attachment]
    /// The sub-cases with their first progress (their ids and case number are filled by ``numbered(_:)``).
    public var subcases: [Subcase]
    /// The detail of the `submit` audit event.
    public var auditDetail: String
    /// Which client or session and request carried the submission (`onego serve`); empty in process.
    public var via = ""
    /// The request's id.
    public var requestID = ""

    /// The case number for the `sequence`-th case of ``day``: `OG` + `YYYYMMDD` + `-` + six digits.
    public func number(_ sequence: Int) -> String {
        "OG" + day.description.filter { $0 != "-" } + "-" + Self.padded(sequence, to: 6)
    }

    /// The case as stored under its number: record, sub-cases, dispatches and audit event.
    public func numbered(_ sequence: Int) -> NumberedCase {
        let number = number(sequence)
        let record = CaseRecord(
            number: number, queryCode: queryCode, bundle: bundle, version: version, bundleName: bundleName,
            planHash: planHash, status: .inProgress, withdrawn: false, applicant: applicant, channel: channel,
            idempotencyKey: idempotencyKey, fingerprint: fingerprint, answers: answers, submittedOn: day,
            submittedAt: submittedAt, promised: promised, handedOutAt: nil, closedOn: nil, form: form,
            materials: materials)
        var numberedSubcases = subcases
        var dispatches: [Dispatch] = []
        for index in numberedSubcases.indices {
            numberedSubcases[index].plan.caseNumber = number
            numberedSubcases[index].plan.id = number + "-" + Self.padded(numberedSubcases[index].plan.position, to: 2)
            if numberedSubcases[index].progress.state == .dispatched {
                dispatches.append(
                    Dispatch(
                        department: numberedSubcases[index].plan.department, subcase: numberedSubcases[index].plan.id,
                        kind: .dispatched, state: .dispatched, at: submittedAt))
            }
        }
        let principal = Principal(
            id: channel.id, role: channel.kind == .kiosk ? .kiosk : .window, via: via, requestID: requestID)
        let event = AuditEvent(
            at: submittedAt, principal: principal, action: "submit", caseNumber: number, subcaseID: "", before: "",
            after: CaseStatus.inProgress.rawValue, detail: auditDetail
        ).recordingProgress(of: numberedSubcases)
        return NumberedCase(
            record: record, subcases: numberedSubcases, attachments: attachments, dispatches: dispatches,
            event: event)
    }

    /// `value` (not negative) in decimal with leading zeros to `width` digits (case numbers,
    /// sub-case ids, timestamps, query codes).
    static func padded(_ value: Int, to width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// A new case with its number: what a store writes for a submission.
public struct NumberedCase: Sendable {
    /// The case's row.
    public var record: CaseRecord
    /// Its sub-cases.
    public var subcases: [Subcase]
    /// Scans handed in.
    public var attachments: [Attachment]
    /// Dispatches of the sub-cases with nothing to wait for.
    public var dispatches: [Dispatch]
    /// The `submit` audit event.
    public var event: AuditEvent
}
