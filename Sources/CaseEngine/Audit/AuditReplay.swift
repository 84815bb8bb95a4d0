import Foundation

/// What a case's row says about its audit: compared with its events by ``AuditReplay``.
public struct CaseAuditHeader: Sendable, Equatable {
    /// The case number.
    public var number: String
    /// The stored status.
    public var status: CaseStatus
    /// Whether the stored row says the applicant withdrew.
    public var withdrawn: Bool
    /// Whether the stored row says the results were handed out.
    public var handedOut: Bool

    /// Creates a header.
    public init(number: String, status: CaseStatus, withdrawn: Bool, handedOut: Bool) {
        self.number = number
        self.status = status
        self.withdrawn = withdrawn
        self.handedOut = handedOut
    }
}

/// What the replay needs of one audit event: its case, what it did and its detail (for the progress
/// digests). Stores hand out only the events that matter to it: submissions, withdrawals, handouts
/// and every event that records progress.
public struct AuditTrace: Sendable, Equatable {
    /// The event's sequence number.
    public var seq: Int64
    /// The case it belongs to.
    public var caseNumber: String
    /// What was done (`submit`, `withdraw`, `handout`, a step's name).
    public var action: String
    /// The event's detail, with `progress=ID:DIGEST,…` where it records progress.
    public var detail: String

    /// Creates a trace.
    public init(seq: Int64, caseNumber: String, action: String, detail: String) {
        self.seq = seq
        self.caseNumber = caseNumber
        self.action = action
        self.detail = detail
    }

    /// The detail marker before the progress digests.
    public static let progressMarker = "progress="
}

/// Replays one case's audit events against its stored row and sub-cases: every change a step makes
/// is recorded in its event (sub-case progress digests, withdrawals, handouts), so a row changed, or
/// an event deleted, outside OneGo shows as a difference even where the hash chain itself still
/// holds. Verification replays the cases one after another, so its memory is one case's, whatever
/// the number of cases.
///
/// Cases whose submission event carries no progress digests (submitted before digests were
/// recorded) are checked for their status only.
public struct AuditReplay: Sendable {
    /// The last digest recorded for each sub-case (by its number within the case) and its event.
    private var digests: [Substring: (digest: Substring, seq: Int64)] = [:]
    /// Whether a submission event was seen, and whether it recorded digests.
    private var submitted: Bool?
    private var withdrawn = false
    private var handedOut = false

    /// An empty replay; feed it one case's events in chain order.
    public init() {}

    /// Whether a submission of the case was among the events: a case with one has a row.
    public var sawSubmission: Bool { submitted != nil }

    /// Takes one event of the case into account.
    public mutating func add(_ trace: AuditTrace) {
        let entries = Self.progressEntries(in: trace.detail)
        switch trace.action {
        case "submit": submitted = entries != nil
        case "withdraw": withdrawn = true
        case "handout": handedOut = true
        default: break
        }
        for entry in entries ?? [] { digests[entry.id] = (entry.digest, trace.seq) }
    }

    /// The `ID:DIGEST` entries after `progress=` in a detail, up to the next space; nil when it has
    /// no marker. Read byte by byte: the digests are ASCII, and this runs for every event of every
    /// case (a generic string search here was a quarter of verification's time).
    static func progressEntries(in detail: String) -> [(id: Substring, digest: Substring)]? {
        let bytes = detail.utf8
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index] != marker[0] || !bytes[index...].starts(with: marker) {
            index = bytes.index(after: index)
        }
        guard index < bytes.endIndex else { return nil }
        var entries: [(id: Substring, digest: Substring)] = []
        var entryStart = bytes.index(index, offsetBy: marker.count)
        var colon: String.Index?
        var position = entryStart
        while true {
            let atEnd = position == bytes.endIndex || bytes[position] == UInt8(ascii: " ")
            if atEnd || bytes[position] == UInt8(ascii: ",") {
                if let colon, colon > entryStart, bytes.index(after: colon) < position {
                    entries.append(
                        (Substring(bytes[entryStart..<colon]), Substring(bytes[bytes.index(after: colon)..<position])))
                }
                if atEnd { return entries }
                entryStart = bytes.index(after: position)
                colon = nil
            } else if colon == nil, bytes[position] == UInt8(ascii: ":") {
                colon = position
            }
            position = bytes.index(after: position)
        }
    }

    private static let marker = Array(AuditTrace.progressMarker.utf8)

    /// The first difference between the case's events and its stored row and sub-cases.
    public func difference(in header: CaseAuditHeader, subcases own: [Subcase]) -> String? {
        guard let recordsDigests = submitted else {
            return "case \(header.number) has no submission event: its events were deleted"
        }
        if recordsDigests {
            let prefix = header.number + "-"
            for subcase in own.sorted(by: { $0.id < $1.id }) {
                let number = subcase.id.hasPrefix(prefix) ? subcase.id.dropFirst(prefix.count) : Substring(subcase.id)
                guard let recorded = digests[number] else {
                    return "sub-case \(subcase.id) has no audit event recording it: events were deleted"
                }
                if recorded.digest != subcase.progress.digest {
                    return "sub-case \(subcase.id) (its state, dates, inputs or outputs) differs from what event"
                        + " \(recorded.seq) recorded: changed outside OneGo, or later events were deleted"
                }
            }
        }
        if header.withdrawn != withdrawn {
            return "case \(header.number) is stored as \(header.withdrawn ? "" : "not ")withdrawn, but its events say"
                + " otherwise"
        }
        if header.handedOut && !handedOut {
            return "case \(header.number) is stored as handed out, but no event records the handout"
        }
        let derived = CaseStatus.derive(from: own.map(\.state), withdrawn: header.withdrawn)
        if derived != header.status {
            return "case \(header.number) is stored as \(header.status.rawValue), but its sub-cases make it"
                + " \(derived.rawValue)"
        }
        return nil
    }

    /// What a case that has events but no row says: deleted, when its submission is among them.
    public static func deleted(_ number: String) -> String {
        "case \(number) has audit events but no stored case: it was deleted"
    }
}
