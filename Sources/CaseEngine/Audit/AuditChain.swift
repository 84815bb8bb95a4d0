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
/// covering the previous hash and the event. Stores append; a ``Walker`` checks what they hold.
public enum AuditChain {
    /// The previous hash of the first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// Checks a chain given in sequence order, one event at a time, keeping only the last two
    /// hashes and the checkpoints' events: constant memory whatever the length of the chain.
    ///
    /// ``feed(_:)`` answers `false` at the first event that breaks the chain; ``problem(at:hashFoundAt:)``
    /// then names what was done there:
    /// - the event names the hash of the event two back: the event in between was inserted;
    /// - it names the hash of a later event: the events were reordered;
    /// - it names no stored event and the sequence numbers jump: an event before it was deleted;
    /// - it names no stored event and the numbers run on: the event before it was edited (and its
    ///   hash recomputed);
    /// - its own hash does not match its content: it was edited.
    /// Keyed events are checked with the key (HMAC-SHA256); from `checkpoints.keyedFrom` on every
    /// event must be keyed. A chain that holds to its end is then held against the checkpoints
    /// (``finish()``): every checkpoint's event must still be there with its hash.
    public struct Walker: Sendable {
        let key: AuditKey?
        let keyedFrom: Int64?
        let checkpoints: [AuditCheckpoints.Checkpoint]
        let checkpointed: Set<Int64>
        private var previousHash = AuditChain.genesis
        private var hashBeforePrevious = AuditChain.genesis
        /// The hashes the checkpointed events have here.
        private var checkpointedHashes: [Int64: String] = [:]
        /// The events walked so far.
        public private(set) var count = 0
        /// The last event's sequence number.
        public private(set) var lastSeq: Int64 = 0

        /// A walker checking keyed events with `key` against `checkpoints`.
        public init(key: AuditKey?, checkpoints: AuditCheckpoints) {
            self.key = key
            keyedFrom = checkpoints.keyedFrom
            self.checkpoints = checkpoints.checkpoints
            checkpointed = Set(checkpoints.checkpoints.map(\.seq))
        }

        /// Whether the chain still holds with this event (checkpoints are held at ``finish()``).
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
            if checkpointed.contains(stored.seq) { checkpointedHashes[stored.seq] = stored.hash }
            hashBeforePrevious = previousHash
            previousHash = stored.hash
            lastSeq = stored.seq
            count += 1
            return true
        }

        /// The hash an event refused by ``feed(_:)`` names as its previous one, when that is not the
        /// last event's: where it is stored is needed to name the break.
        public func unexpectedPreviousHash(of stored: StoredAuditEvent) -> String? {
            stored.previousHash == previousHash ? nil : stored.previousHash
        }

        /// What was done at `stored`, the event ``feed(_:)`` refused; `hashFoundAt` is the sequence
        /// number of the newest stored event whose hash is ``unexpectedPreviousHash(of:)``, if any.
        public func problem(at stored: StoredAuditEvent, hashFoundAt: Int64?) -> AuditVerification {
            let seq = stored.seq
            if stored.previousHash != previousHash {
                if count >= 1, stored.previousHash == hashBeforePrevious {
                    return .broken(seq: lastSeq, problem: .inserted)
                }
                if let other = hashFoundAt, other > seq { return .broken(seq: seq, problem: .reordered) }
                if hashFoundAt == nil, stored.previousHash != AuditChain.genesis {
                    return seq != lastSeq + 1
                        ? .broken(seq: seq, problem: .deletedBefore) : .broken(seq: lastSeq, problem: .edited)
                }
                return .broken(seq: seq, problem: .reordered)
            }
            if stored.keyed { return key == nil ? .unverifiable(seq: seq) : .broken(seq: seq, problem: .edited) }
            if let keyedFrom, seq >= keyedFrom { return .broken(seq: seq, problem: .unkeyed) }
            return .broken(seq: seq, problem: .edited)
        }

        /// The verdict on a chain walked to its end: held against the checkpoints, in the order
        /// they were recorded.
        public func finish() -> AuditVerification {
            for checkpoint in checkpoints {
                guard let hash = checkpointedHashes[checkpoint.seq] else {
                    return checkpoint.seq > lastSeq
                        ? .truncated(last: lastSeq, checkpoint: checkpoint.seq)
                        : .broken(seq: checkpoint.seq, problem: .rewritten)
                }
                if hash != checkpoint.hash { return .broken(seq: checkpoint.seq, problem: .rewritten) }
            }
            return .intact(events: count)
        }
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
