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

    /// The chained hash: SHA-256 — or, with a key, HMAC-SHA256 — over the previous hash, a line feed
    /// and the event's fields separated by the unit separator (U+001F), written straight into one
    /// byte buffer.
    public func hash(after previous: String, key: AuditKey? = nil) -> String {
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
        // Since schema v14, for steps through `onego serve`; absent before, so older hashes verify.
        if !principal.via.isEmpty || !principal.requestID.isEmpty {
            field("via=" + principal.via)
            field("request=" + principal.requestID)
        }
        return key.map { $0.authenticationCode(bytes) } ?? SHA256.hex(bytes)
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
    ///
    /// Keyed events are checked with `key` (HMAC-SHA256); from `checkpoints.keyedFrom` on every event
    /// must be keyed, and every checkpoint's event must still be there with its hash.
    public static func verify(
        _ events: [StoredAuditEvent], key: AuditKey? = nil, checkpoints: AuditCheckpoints = AuditCheckpoints()
    ) -> AuditVerification {
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
            if stored.keyed {
                guard let key else { return .unverifiable(seq: seq) }
                if stored.event.hash(after: stored.previousHash, key: key) != stored.hash {
                    return .broken(seq: seq, problem: .edited)
                }
            } else {
                if let keyedFrom = checkpoints.keyedFrom, seq >= keyedFrom {
                    return .broken(seq: seq, problem: .unkeyed)
                }
                if stored.event.hash(after: stored.previousHash) != stored.hash {
                    return .broken(seq: seq, problem: .edited)
                }
            }
            hashBeforePrevious = previousHash
            previousHash = stored.hash
            previousSeq = seq
        }
        let hashes = Dictionary(events.map { ($0.seq, $0.hash) }, uniquingKeysWith: { first, _ in first })
        let last = events.last?.seq ?? 0
        for checkpoint in checkpoints.checkpoints {
            guard let hash = hashes[checkpoint.seq] else {
                return checkpoint.seq > last
                    ? .truncated(last: last, checkpoint: checkpoint.seq)
                    : .broken(seq: checkpoint.seq, problem: .rewritten)
            }
            if hash != checkpoint.hash { return .broken(seq: checkpoint.seq, problem: .rewritten) }
        }
        return .intact(events: events.count)
    }
}

extension AuditChain {
    /// Walks a chain in order without keeping it (constant memory): ``feed(_:)`` answers `false` at
    /// the first event that does not verify; the caller then names the problem with
    /// ``AuditChain/verify(_:key:checkpoints:)`` over the whole chain.
    public struct Walker: Sendable {
        let key: AuditKey?
        let keyedFrom: Int64?
        let checkpoints: [Int64: String]
        private var previousHash = AuditChain.genesis
        /// The events walked so far.
        public private(set) var count = 0
        /// The last event's sequence number.
        public private(set) var lastSeq: Int64 = 0

        /// A walker checking keyed events with `key` against `checkpoints`.
        public init(key: AuditKey?, checkpoints: AuditCheckpoints) {
            self.key = key
            keyedFrom = checkpoints.keyedFrom
            self.checkpoints = Dictionary(
                checkpoints.checkpoints.map { ($0.seq, $0.hash) }, uniquingKeysWith: { first, _ in first })
        }

        /// Whether the chain still verifies with this event.
        public mutating func feed(_ stored: StoredAuditEvent) -> Bool {
            guard stored.previousHash == previousHash else { return false }
            if stored.keyed {
                guard let key, stored.event.hash(after: stored.previousHash, key: key) == stored.hash else {
                    return false
                }
            } else {
                if let keyedFrom, stored.seq >= keyedFrom { return false }
                guard stored.event.hash(after: stored.previousHash) == stored.hash else { return false }
            }
            if let recorded = checkpoints[stored.seq], recorded != stored.hash { return false }
            previousHash = stored.hash
            lastSeq = stored.seq
            count += 1
            return true
        }

        /// Whether every checkpoint's event was walked.
        public var reachedCheckpoints: Bool { checkpoints.keys.allSatisfy { $0 <= lastSeq } }
    }
}

/// The result of checking the audit chain.
public enum AuditVerification: Sendable, Equatable, CustomStringConvertible {
    /// What was done to the chain.
    public enum Problem: String, Sendable {
        case edited, inserted, reordered
        case deletedBefore = "deleted before"
        /// Not keyed although keying had begun: rewritten without the key.
        case unkeyed
        /// It differs from, or lacks, the checkpoint recorded outside the database.
        case rewritten
    }
    /// Every event is where it was written, unchanged.
    case intact(events: Int)
    /// The first event where the chain breaks.
    case broken(seq: Int64, problem: Problem)
    /// The database file itself is damaged (its quick check failed): nothing it holds can be vouched for.
    case damaged(String)
    /// The chain holds, but the stored rows differ from what the events record.
    case differs(String)
    /// The chain ends before an event a checkpoint recorded: the newest events were deleted.
    case truncated(last: Int64, checkpoint: Int64)
    /// Keyed events cannot be checked without the audit key.
    case unverifiable(seq: Int64)

    public var description: String {
        switch self {
        case .intact(let count):
            return "audit chain intact: \(count) event\(count == 1 ? "" : "s")"
        case .broken(let seq, .deletedBefore):
            return "audit chain broken: an event before event \(seq) was deleted"
        case .broken(let seq, .inserted):
            return "audit chain broken: event \(seq) was inserted"
        case .broken(let seq, .unkeyed):
            return "audit chain broken: event \(seq) is not keyed: the chain was rewritten without the audit key"
        case .broken(let seq, .rewritten):
            return "audit chain broken: event \(seq) differs from its checkpoint: the chain was rewritten"
        case .broken(let seq, let problem):
            return "audit chain broken: event \(seq) was \(problem.rawValue)"
        case .truncated(let last, let checkpoint):
            return "audit chain broken: it ends at event \(last), but a checkpoint recorded event \(checkpoint):"
                + " the newest events were deleted"
        case .unverifiable(let seq):
            return
                "audit chain not verified: events from \(seq) on are keyed; give the audit key (ONEGO_AUDIT_KEY_FILE)"
        case .damaged(let problem):
            return "database damaged, audit chain not verified: \(problem)"
        case .differs(let problem):
            return "audit check failed: \(problem)"
        }
    }
}
