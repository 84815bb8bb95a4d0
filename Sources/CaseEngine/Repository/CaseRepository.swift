import BundleKit
import WorkCalendar

/// The storage seam: the domain operations the engine needs, each one transaction.
///
/// The engine decides, a repository persists. A state change goes through ``transact(_:_:)``:
/// the repository reads a ``CaseSnapshot`` inside its transaction (with row locks where the
/// database has them), hands it to the engine's pure decision, writes the ``Transition`` it
/// returns — progress, corrections, the case's row, attachments, dispatches for the outbox and
/// audit events — and commits; if the decision throws, nothing is written. Submissions go through
/// ``insert(_:)``, which numbers the case inside the same transaction that checks the idempotency
/// key.
///
/// Every method is `async`, so a store on a network database (PostgreSQL through postgres-nio)
/// implements the same protocol as the embedded SQLite store; the engine's test suite runs
/// against each store through this protocol only.
public protocol CaseRepository: Sendable {
    // MARK: - Changes

    /// Stores a new case unless its idempotency key is known: then returns the existing case's
    /// number and fingerprint and writes nothing.
    func insert(_ newCase: NewCase) async throws(CaseEngineError) -> Insertion

    /// Reads what `scope` names, lets `decide` turn it into a transition, and writes the
    /// transition, all in one transaction.
    func transact(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) async throws(CaseEngineError) -> Transition

    /// Marks a department's undelivered dispatches of these sub-cases delivered: the department
    /// acknowledges what it received. Returns how many were marked.
    func acknowledgeDispatches(
        department: String, subcases: [String], at timestamp: String
    ) async throws(CaseEngineError) -> Int

    // MARK: - Reads

    /// The case stored under an idempotency key, with the fingerprint of its application.
    func storedSubmission(idempotencyKey: String) async throws(CaseEngineError) -> StoredSubmission?
    /// A case's stored record, if it exists.
    func caseRecord(_ number: String) async throws(CaseEngineError) -> CaseRecord?
    /// The sub-cases of a case in plan order.
    func subcases(ofCase number: String) async throws(CaseEngineError) -> [Subcase]
    /// One sub-case, if it exists.
    func subcase(_ id: String) async throws(CaseEngineError) -> Subcase?
    /// The open (unresolved) corrections of a case, oldest first.
    func openCorrections(ofCase number: String) async throws(CaseEngineError) -> [Correction]
    /// Case numbers matching a query, newest first, `limit` at most, after the cursor of a previous page.
    func caseNumbers(
        matching query: CaseQuery, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<String>
    /// A department's open sub-cases by id (case, then position), `limit` at most, after a cursor.
    func openSubcases(
        department: String, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<Subcase>
    /// Open cases with a material still awaited under 容缺, by case number, `limit` at most, after a cursor.
    func casesAwaitingMaterials(after cursor: String?, limit: Int) async throws(CaseEngineError) -> Page<CaseRecord>
    /// Open, running sub-cases due on or before a day, by due date, `limit` at most, after a cursor.
    func subcasesDue(
        through day: CalendarDate, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<Subcase>
    /// Every sub-case, by department and item.
    func allSubcases() async throws(CaseEngineError) -> [Subcase]
    /// The supervision report's figures, aggregated by the store (not one row per sub-case); with a
    /// range, only the sub-cases that finished within it.
    /// (`open`: with the open sub-cases' counts by state too; never with a range, since only a
    /// finished sub-case has a day it finished on.)
    func supervisionFigures(finishedIn range: DayRange?, open: Bool) async throws(CaseEngineError) -> SupervisionFigures
    /// Brings the kept figures up to date where a store gathers them apart first (PostgreSQL's
    /// deltas); a store that keeps them exact as it writes does nothing.
    func foldSupervisionFigures() async throws(CaseEngineError)
    /// The scans stored for a material of a case.
    func attachments(caseNumber: String, material: String) async throws(CaseEngineError) -> [AttachmentInfo]
    /// One scan of a case's material with its content, by its SHA-256.
    func attachmentContent(
        caseNumber: String, material: String, sha256: String
    ) async throws(CaseEngineError) -> AttachmentContent?
    /// The compiled plan (JSON, as ``NewCase/planJSON``) with this hash.
    func plan(hash: String) async throws(CaseEngineError) -> String?
    /// What a quick check of the database's own structure finds wrong; empty when it is sound.
    func structuralProblems() async throws(CaseEngineError) -> [String]
    /// What the rows of the cases numbered after `number` say about their audit (status,
    /// withdrawal, handout), by number, `limit` at most (verification pages through the cases).
    func caseAuditHeaders(after number: String, limit: Int) async throws(CaseEngineError) -> [CaseAuditHeader]
    /// The audit events the replay needs (``AuditTrace``) of the cases numbered after `after` up to
    /// `through` (to the last when nil), by case number and then in chain order.
    func auditTraces(ofCasesAfter after: String, through: String?) async throws(CaseEngineError) -> [AuditTrace]
    /// The sub-cases of the cases numbered after `after` up to `through`, by case number.
    func subcases(ofCasesAfter after: String, through: String) async throws(CaseEngineError) -> [Subcase]
    /// One case's audit events, in order: its timeline.
    func auditEvents(ofCase number: String) async throws(CaseEngineError) -> [StoredAuditEvent]
    /// Audit events after a sequence number, in chain order, `limit` at most (verification streams
    /// the chain in batches).
    func auditEvents(after seq: Int64, limit: Int) async throws(CaseEngineError) -> [StoredAuditEvent]
    /// The sequence number of the newest audit event with this hash, if any (naming a broken
    /// chain: a stored event named as the previous one; a full scan, run only then).
    func auditEventSeq(hash: String) async throws(CaseEngineError) -> Int64?
    /// The chain's newest event, if any.
    func lastAuditEvent() async throws(CaseEngineError) -> StoredAuditEvent?
    /// How many cases got each grade, 1 to 5.
    func ratingCounts() async throws(CaseEngineError) -> [Int: Int]
    /// The case's rating, if the citizen rated it.
    func rating(caseNumber: String) async throws(CaseEngineError) -> Rating?
    /// Bad ratings (4 and 5) with no follow-up since they were given, by case number.
    func ratingsAwaitingFollowUp(after cursor: String?, limit: Int) async throws(CaseEngineError) -> Page<Rating>
    /// The follow-ups recorded for a case, oldest first.
    func ratingFollowUps(caseNumber: String) async throws(CaseEngineError) -> [RatingFollowUp]
    /// Appends events that belong to no case (sign-ins, refused sign-ins, sign-outs) to the one
    /// audit chain, in their own transaction.
    func appendAuditEvents(_ events: [AuditEvent]) async throws(CaseEngineError)
    /// Events of no case before a sequence number (all, with `nil`), newest first, `limit` at most.
    func accessEvents(before seq: Int64?, limit: Int) async throws(CaseEngineError) -> [StoredAuditEvent]
}

/// What a transaction reads before the engine decides.
public enum SnapshotScope: Sendable, Equatable {
    /// One sub-case only (accept, review, approve: nothing else can change).
    case subcase(String)
    /// A sub-case, the states of every sub-case of its case, the case's status, and the sub-cases in
    /// full when it has dependants (issue, correct, reject).
    case subcaseInCase(String)
    /// A whole case: its record, sub-cases and open corrections (supply, withdraw, hand out, rate).
    case wholeCase(String)
}

/// What a repository read for a decision.
public struct CaseSnapshot: Sendable {
    /// The sub-case acted on (sub-case scopes).
    public var subcase: Subcase?
    /// Every sub-case of the case in full, in plan order: for ``SnapshotScope/wholeCase(_:)``, and for
    /// ``SnapshotScope/subcaseInCase(_:)`` when the sub-case has dependants (a step may release or
    /// cancel them); empty otherwise.
    public var subcases: [Subcase]
    /// The case's material checklist (``SnapshotScope/subcaseInCase(_:)`` and
    /// ``SnapshotScope/wholeCase(_:)``): an item may not be issued while a material it needs is still
    /// awaited under 容缺.
    public var caseMaterials: [CaseMaterial]
    /// The state of every sub-case of the case by id (not for ``SnapshotScope/subcase(_:)``): what
    /// the case's status is derived from.
    public var siblingStates: [String: SubcaseState]
    /// The case's status and whether it was withdrawn (not for ``SnapshotScope/subcase(_:)``).
    public var status: CaseStatus?
    /// Whether the applicant withdrew the case.
    public var withdrawn: Bool
    /// The case's record (``SnapshotScope/wholeCase(_:)`` only).
    public var record: CaseRecord?
    /// The open corrections (``SnapshotScope/wholeCase(_:)`` only).
    public var openCorrections: [Correction]

    /// Creates a snapshot.
    public init(
        subcase: Subcase? = nil, subcases: [Subcase] = [], siblingStates: [String: SubcaseState]? = nil,
        status: CaseStatus? = nil, withdrawn: Bool = false, record: CaseRecord? = nil,
        openCorrections: [Correction] = [], caseMaterials: [CaseMaterial]? = nil
    ) {
        self.caseMaterials = caseMaterials ?? record?.materials ?? []
        self.subcase = subcase
        self.subcases = subcases
        self.siblingStates =
            siblingStates ?? Dictionary(subcases.map { ($0.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        self.status = status
        self.withdrawn = withdrawn
        self.record = record
        self.openCorrections = openCorrections
    }
}

/// The outcome of ``CaseRepository/insert(_:)``.
public enum Insertion: Sendable, Equatable {
    /// The case was stored under this number.
    case inserted(number: String)
    /// A case with the same idempotency key exists.
    case existing(number: String, fingerprint: String)
}

/// A case found by its submission's idempotency key.
public struct StoredSubmission: Sendable, Equatable {
    /// The case number.
    public var number: String
    /// The fingerprint of the application it was submitted with.
    public var fingerprint: String

    /// Creates the pair.
    public init(number: String, fingerprint: String) {
        self.number = number
        self.fingerprint = fingerprint
    }
}

/// An audit event as stored: its place in the chain and the hashes that chain it.
public struct StoredAuditEvent: Sendable, Equatable {
    /// The sequence number.
    public var seq: Int64
    /// The event.
    public var event: AuditEvent
    /// The hash stored as the previous event's.
    public var previousHash: String
    /// The hash stored as this event's.
    public var hash: String
    /// Whether the hash is keyed (HMAC-SHA256 with the audit key).
    public var keyed: Bool

    /// Creates a stored event.
    public init(seq: Int64, event: AuditEvent, previousHash: String, hash: String, keyed: Bool = false) {
        self.seq = seq
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
        self.keyed = keyed
    }
}

/// What the supervision report is computed from, aggregated by department and item.
public struct SupervisionFigures: Sendable, Equatable {
    /// Sub-cases of one department's item in one state.
    public struct StateCount: Sendable, Equatable {
        public var department: String
        public var item: String
        public var promisedDays: Int
        public var legalDays: Int?
        public var state: SubcaseState
        public var count: Int
        /// Issued on or before the due date (for `issued`).
        public var onTime: Int
        /// Open with a provisional due date.
        public var provisionalDue: Int

        public init(
            department: String, item: String, promisedDays: Int, legalDays: Int?, state: SubcaseState, count: Int,
            onTime: Int, provisionalDue: Int
        ) {
            self.department = department
            self.item = item
            self.promisedDays = promisedDays
            self.legalDays = legalDays
            self.state = state
            self.count = count
            self.onTime = onTime
            self.provisionalDue = provisionalDue
        }
    }

    /// Issued sub-cases of one department's item that ran over the same days.
    public struct IssueSpan: Sendable, Equatable {
        public var department: String
        public var item: String
        public var dispatchedOn: CalendarDate
        public var finishedOn: CalendarDate
        public var pausedDays: Int
        public var count: Int

        public init(
            department: String, item: String, dispatchedOn: CalendarDate, finishedOn: CalendarDate, pausedDays: Int,
            count: Int
        ) {
            self.department = department
            self.item = item
            self.dispatchedOn = dispatchedOn
            self.finishedOn = finishedOn
            self.pausedDays = pausedDays
            self.count = count
        }
    }

    /// Counts by department, item and state, by department and item.
    public var counts: [StateCount]
    /// Spans of issued sub-cases.
    public var spans: [IssueSpan]

    public init(counts: [StateCount], spans: [IssueSpan]) {
        self.counts = counts
        self.spans = spans
    }
}
