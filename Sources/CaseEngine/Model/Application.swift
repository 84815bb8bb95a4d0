import BundleKit
import WorkCalendar

/// Where an application came from: a kiosk, or a window where staff help or act for the
/// applicant (帮办代办).
public struct Channel: Sendable, Equatable, Codable {
    /// How it was submitted.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case kiosk, window
    }
    /// Kiosk or window.
    public var kind: Kind
    /// The kiosk id or the staff member's id.
    public var id: String

    /// Creates a channel.
    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }
}

/// The person who applies (the declaring party, also when staff act for them).
public struct Applicant: Sendable, Equatable, Codable {
    /// Full name.
    public var name: String
    /// 18-digit ID number (GB 11643); stored, masked everywhere it is shown.
    public var idNumber: String
    /// Mobile number.
    public var phone: String

    /// Creates an applicant.
    public init(name: String, idNumber: String, phone: String) {
        self.name = name
        self.idNumber = idNumber
        self.phone = phone
    }

    /// The part of the identity an element is filled from.
    public subscript(part: IdentityPart) -> String {
        switch part {
        case .name: return name
        case .idNumber: return idNumber
        case .phone: return phone
        }
    }
}

/// How one material of the checklist is handed in.
public enum MaterialStatus: Sendable, Equatable {
    /// Handed in (paper checked at the window, marked ready or scanned at a kiosk).
    case provided
    /// Supplied by shared data or an e-licence (免提交).
    case sharedData
    /// Missing under 容缺受理, with the date the applicant promises to bring it.
    case missing(promisedBy: CalendarDate)

    /// The stored word.
    public var word: String {
        switch self {
        case .provided: return "provided"
        case .sharedData: return "shared"
        case .missing: return Self.missingWord
        }
    }

    /// The word of a material missing under 容缺, as checklists store it.
    public static let missingWord = "missing"
}

/// A scanned file attached to a material.
public struct Attachment: Sendable, Equatable, Codable {
    /// The material it belongs to.
    public var material: String
    /// The file's bytes.
    public var content: [UInt8]
    /// The media type, e.g. `application/pdf`.
    public var mediaType: String

    /// Creates an attachment.
    public init(material: String, content: [UInt8], mediaType: String) {
        self.material = material
        self.content = content
        self.mediaType = mediaType
    }
}

/// One submitted bundle application: what the kiosk or window sends to the engine.
///
/// The same `idempotencyKey` again returns the same case; with a different body it is refused.
public struct Application: Sendable, Equatable {
    /// The bundle id.
    public var bundle: String
    /// Situation answers (situation → choice).
    public var answers: [String: String]
    /// Form values by element id.
    public var values: [String: String]
    /// Material statuses by material id; materials supplied by shared data may be left out.
    public var materials: [String: MaterialStatus]
    /// Scanned files.
    public var attachments: [Attachment]
    /// The applicant.
    public var applicant: Applicant
    /// Kiosk or window.
    public var channel: Channel
    /// The client's key for this submission; a retry sends the same key.
    public var idempotencyKey: String
    /// Fields whose value fails only a warning check (a credit code failing GB 32100 that the
    /// applicant or clerk has checked against the licence) and is confirmed as written.
    public var confirmedWarnings: Set<String> = []
    /// The client or session, and the request, that carried it (`onego serve`), for the audit; not
    /// part of the application's fingerprint.
    public var origin = Origin()

    /// Where a submission came from, beyond its channel.
    public struct Origin: Sendable, Equatable {
        /// The kiosk, client or session.
        public var via: String
        /// The HTTP request's id.
        public var requestID: String

        /// Creates an origin.
        public init(via: String = "", requestID: String = "") {
            self.via = via
            self.requestID = requestID
        }
    }

    /// Creates an application.
    public init(
        bundle: String,
        answers: [String: String],
        values: [String: String],
        materials: [String: MaterialStatus],
        attachments: [Attachment] = [],
        applicant: Applicant,
        channel: Channel,
        idempotencyKey: String
    ) {
        self.bundle = bundle
        self.answers = answers
        self.values = values
        self.materials = materials
        self.attachments = attachments
        self.applicant = applicant
        self.channel = channel
        self.idempotencyKey = idempotencyKey
    }

    /// Fills the fields that are the applicant's own (`"applicant"` in the catalog) from `applicant`
    /// where the application leaves them out: a kiosk never asks them again, and a window need not
    /// repeat them.
    mutating func fillApplicantFields(of compiled: CompiledBundle) {
        for field in compiled.fields where values[field.element] == nil {
            if let part = field.applicant { values[field.element] = applicant[part] }
        }
    }

    /// Writes the check character `x` of ID numbers as `X` (GB 11643), in the applicant and in the
    /// form's ID number fields, so that the same person is stored and matched one way.
    mutating func normalizeIDNumbers(of compiled: CompiledBundle) {
        applicant.idNumber = Self.normalizedIDNumber(applicant.idNumber)
        for field in compiled.fields where field.type == .idNumber {
            if let value = values[field.element] { values[field.element] = Self.normalizedIDNumber(value) }
        }
    }

    static func normalizedIDNumber(_ text: String) -> String {
        text.hasSuffix("x") ? String(text.dropLast()) + "X" : text
    }

    /// A fingerprint of everything but the key, to tell a retry from a different request: the
    /// SHA-256 of lines `bundle=…`, `a:answer=…`, `v:field=…`, `m:material=status`,
    /// `f:material=sha256:type`, `p:name|id|phone`, `c:kind|id` and `w:field` (none when nothing was confirmed), written as UTF-8 bytes (the
    /// stored fingerprints of earlier cases depend on this exact text).
    var fingerprint: String {
        var text = [UInt8]()
        text.reserveCapacity(1536)
        func line(_ tag: String, _ key: String, _ separator: String, _ value: String) {
            text.append(contentsOf: tag.utf8)
            text.append(contentsOf: key.utf8)
            text.append(contentsOf: separator.utf8)
            text.append(contentsOf: value.utf8)
            text.append(0x0A)
        }
        line("bundle=", bundle, "", "")
        for (key, value) in answers.sorted(by: { $0.key < $1.key }) { line("a:", key, "=", value) }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { line("v:", key, "=", value) }
        for (key, value) in materials.sorted(by: { $0.key < $1.key }) {
            if case .missing(let date) = value {
                line("m:", key, "=missing:", date.description)
            } else {
                line("m:", key, "=", value.word)
            }
        }
        for attachment in attachments {
            line("f:", attachment.material, "=", SHA256.hex(attachment.content) + ":" + attachment.mediaType)
        }
        line("p:", applicant.name, "|", applicant.idNumber + "|" + applicant.phone)
        line("c:", channel.kind.rawValue, "|", channel.id)
        for element in confirmedWarnings.sorted() { line("w:", element, "", "") }
        return SHA256.hex(text)
    }
}
