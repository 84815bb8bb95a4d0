/// One state change as the audit log records it: who, what, before and after. Never raw personal
/// data: ID numbers, names and form values stay out.
public struct AuditEvent: Sendable, Equatable, Codable {
    /// The instant (ISO 8601, server time).
    public var at: String
    /// Who acted.
    public var principal: Principal
    /// The step (`submit`, `accept`, … `handout`, `rate`).
    public var action: String
    /// The case.
    public var caseNumber: String
    /// The sub-case, or empty for a step on the whole case.
    public var subcaseID: String
    /// The state or status before.
    public var before: String
    /// The state or status after.
    public var after: String
    /// What else the step recorded (outputs named, sub-cases released; never their values).
    public var detail: String

    /// Creates an event.
    public init(
        at: String, principal: Principal, action: String, caseNumber: String, subcaseID: String, before: String,
        after: String, detail: String
    ) {
        self.at = at
        self.principal = principal
        self.action = action
        self.caseNumber = caseNumber
        self.subcaseID = subcaseID
        self.before = before
        self.after = after
        self.detail = detail
    }

    /// The chained hash: SHA-256 over the previous hash, a line feed and the event's fields
    /// separated by the unit separator (U+001F), written straight into one byte buffer.
    public func hash(after previous: String) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(previous.utf8.count + 192 + detail.utf8.count)
        bytes.append(contentsOf: previous.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: at.utf8)
        func field(_ part: String) {
            bytes.append(0x1F)
            bytes.append(contentsOf: part.utf8)
        }
        field(principal.id)
        field(principal.role.rawValue)
        field(action)
        field(caseNumber)
        field(subcaseID)
        field(before)
        field(after)
        field(detail)
        return SHA256.hex(bytes)
    }
}

/// The audit log's rules: an append-only sequence of events chained by SHA-256, each hash
/// covering the previous hash and the event. Stores append; ``verify(_:)`` checks what they hold.
public enum AuditChain {
    /// The previous hash of the first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// Checks a whole chain, given in sequence order.
    ///
    /// At the first event whose stored previous hash does not match the event before it:
    /// - it names the hash of the event two back: the event in between was inserted;
    /// - it names the hash of a later event: the events were reordered;
    /// - it names no stored event and the sequence numbers jump: an event before it was deleted;
    /// - it names no stored event and the numbers run on: the event before it was edited (and its
    ///   hash recomputed).
    /// An event whose own hash does not match its content was edited.
    public static func verify(_ events: [StoredAuditEvent]) -> AuditVerification {
        var positionOfHash: [String: Int] = [:]
        for (position, stored) in events.enumerated() { positionOfHash[stored.hash] = position }
        var previousHash = genesis
        var hashBeforePrevious = genesis
        var previousSeq: Int64 = 0
        for (position, stored) in events.enumerated() {
            let seq = stored.seq
            if stored.previousHash != previousHash {
                if position >= 1, stored.previousHash == hashBeforePrevious {
                    return .broken(seq: previousSeq, problem: .inserted)
                }
                if let other = positionOfHash[stored.previousHash], other > position {
                    return .broken(seq: seq, problem: .reordered)
                }
                if positionOfHash[stored.previousHash] == nil, stored.previousHash != genesis {
                    if seq != previousSeq + 1 { return .broken(seq: seq, problem: .deletedBefore) }
                    return .broken(seq: previousSeq, problem: .edited)
                }
                return .broken(seq: seq, problem: .reordered)
            }
            if stored.event.hash(after: stored.previousHash) != stored.hash {
                return .broken(seq: seq, problem: .edited)
            }
            hashBeforePrevious = previousHash
            previousHash = stored.hash
            previousSeq = seq
        }
        return .intact(events: events.count)
    }
}

/// The result of checking the audit chain.
public enum AuditVerification: Sendable, Equatable, CustomStringConvertible {
    /// What was done to the chain.
    public enum Problem: String, Sendable {
        case edited, inserted, reordered
        case deletedBefore = "deleted before"
    }
    /// Every event is where it was written, unchanged.
    case intact(events: Int)
    /// The first event where the chain breaks.
    case broken(seq: Int64, problem: Problem)
    /// The database file itself is damaged (its quick check failed): nothing it holds can be vouched for.
    case damaged(String)
    /// The chain holds, but the stored rows differ from what the events record.
    case differs(String)

    public var description: String {
        switch self {
        case .intact(let count):
            return "audit chain intact: \(count) event\(count == 1 ? "" : "s")"
        case .broken(let seq, .deletedBefore):
            return "audit chain broken: an event before event \(seq) was deleted"
        case .broken(let seq, .inserted):
            return "audit chain broken: event \(seq) was inserted"
        case .broken(let seq, let problem):
            return "audit chain broken: event \(seq) was \(problem.rawValue)"
        case .damaged(let problem):
            return "database damaged, audit chain not verified: \(problem)"
        case .differs(let problem):
            return "audit check failed: \(problem)"
        }
    }
}
