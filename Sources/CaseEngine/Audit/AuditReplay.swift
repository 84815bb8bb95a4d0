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

/// Replays the audit events against the stored rows: every change a step makes is recorded in its
/// event (sub-case progress digests, withdrawals, handouts), so a row changed, or an event deleted,
/// outside OneGo shows as a difference even where the hash chain itself still holds.
///
/// Cases whose submission event carries no progress digests (submitted before digests were
/// recorded) are checked for their status only.
public struct AuditReplay: Sendable {
    private var digests: [String: (digest: String, seq: Int64)] = [:]
    private var submitted: [String: Bool] = [:]  // case → its submission recorded digests
    private var withdrawn: Set<String> = []
    private var handedOut: Set<String> = []

    /// An empty replay; feed it the events in chain order.
    public init() {}

    /// Takes one event into account.
    public mutating func add(_ stored: StoredAuditEvent) {
        let event = stored.event
        switch event.action {
        case "submit": submitted[event.caseNumber] = event.detail.contains("progress=")
        case "withdraw": withdrawn.insert(event.caseNumber)
        case "handout": handedOut.insert(event.caseNumber)
        default: break
        }
        guard let range = event.detail.range(of: "progress=") else { return }
        let list = event.detail[range.upperBound...].prefix { $0 != " " }
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            digests[event.caseNumber + "-" + parts[0]] = (String(parts[1]), stored.seq)
        }
    }

    /// A case the events know but the rows do not (its row was deleted), given every stored case.
    public func deletedCase(among numbers: Set<String>) -> String? {
        submitted.keys.sorted().first { !numbers.contains($0) }.map {
            "case \($0) has audit events but no stored case: it was deleted"
        }
    }

    /// The first difference between the events and one case's stored row and sub-cases.
    public func difference(in header: CaseAuditHeader, subcases own: [Subcase]) -> String? {
        guard let recordsDigests = submitted[header.number] else {
            return "case \(header.number) has no submission event: its events were deleted"
        }
        if recordsDigests {
            for subcase in own.sorted(by: { $0.id < $1.id }) {
                guard let recorded = digests[subcase.id] else {
                    return "sub-case \(subcase.id) has no audit event recording it: events were deleted"
                }
                if recorded.digest != subcase.progress.digest {
                    return "sub-case \(subcase.id) (its state, dates, inputs or outputs) differs from what event"
                        + " \(recorded.seq) recorded: changed outside OneGo, or later events were deleted"
                }
            }
        }
        if header.withdrawn != withdrawn.contains(header.number) {
            return "case \(header.number) is stored as \(header.withdrawn ? "" : "not ")withdrawn, but its events say"
                + " otherwise"
        }
        if header.handedOut && !handedOut.contains(header.number) {
            return "case \(header.number) is stored as handed out, but no event records the handout"
        }
        let derived = CaseStatus.derive(from: own.map(\.state), withdrawn: header.withdrawn)
        if derived != header.status {
            return "case \(header.number) is stored as \(header.status.rawValue), but its sub-cases make it"
                + " \(derived.rawValue)"
        }
        return nil
    }

    /// The first difference between events and rows, in case order; `nil` when they agree.
    public static func firstDifference(
        events: [StoredAuditEvent], cases: [CaseAuditHeader], subcases: [Subcase]
    ) -> String? {
        var replay = AuditReplay()
        for event in events { replay.add(event) }
        if let deleted = replay.deletedCase(among: Set(cases.map(\.number))) { return deleted }
        let subcasesByCase = Dictionary(grouping: subcases, by: \.caseNumber)
        for header in cases.sorted(by: { $0.number < $1.number }) {
            if let difference = replay.difference(in: header, subcases: subcasesByCase[header.number] ?? []) {
                return difference
            }
        }
        return nil
    }
}
