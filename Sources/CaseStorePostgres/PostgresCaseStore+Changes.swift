import BundleKit
import CaseEngine
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import WorkCalendar

extension PostgresCaseStore {
    // MARK: - Submissions

    /// A submission: gated in one statement when this process numbered the day's last case and
    /// nothing has moved since (``gatedInsert(_:)``, in this process's ``WriteTurns``), else in a
    /// transaction that takes the day's counter row. One deadline bounds both tries.
    public func insert(_ newCase: NewCase) async throws(CaseEngineError) -> Insertion {
        try await bounded {
            if self.options.gatedSteps, self.stepCounts.withLock({ $0.tryGated() }),
                let insertion = try await self.turns.run({ try await self.gatedInsert(newCase) })
            {
                self.stepCounts.withLock { $0.paths.gatedSubmissions += 1 }
                return insertion
            }
            return try await self.lockingInsert(newCase)
        }
    }

    private func lockingInsert(_ newCase: NewCase) async throws(CaseEngineError) -> Insertion {
        typealias Inserted = (planID: Int64, numbered: NumberedCase, sequence: Int, heads: SubcaseMemory.Heads)
        let logger = self.logger
        let auditKey = self.auditKey
        let knownPlan = planIDs.id(newCase.planHash)
        let outcome: Inserted? = try await transaction(bounded: false) { connection -> Outcome<Inserted?> in
            // The day's counter row is locked until commit: numbers never repeat across processes.
            let sequence =
                try await connection.first(
                    """
                    INSERT INTO case_sequences (day, last) VALUES (\(newCase.day.description), 1)
                    ON CONFLICT (day) DO UPDATE SET last = case_sequences.last + 1 RETURNING last
                    """, logger: logger, { try $0.int(0) }) ?? 1
            let numbered = newCase.numbered(sequence)
            let record = numbered.record
            let batch = WriteBatch()
            let planID = try await Self.storePlan(
                newCase, numbered: numbered, known: knownPlan, batch: batch, on: connection, logger: logger)
            let caseRow = WriteBatch()
            caseRow.insert(record, "ON CONFLICT (idempotency_key) DO NOTHING RETURNING number")
            // A case under this key exists (another process may have committed it a moment ago):
            // this transaction is undone and that case returned.
            guard try await connection.first(caseRow.query, logger: logger, { try $0.text(0) }) != nil else {
                return .rollback(nil)
            }
            Self.add(numbered, planID: planID, to: batch)
            let head = try await WriteBatch.lockHead(on: connection, logger: logger)
            batch.append([numbered.event], after: head, key: auditKey)
            try await batch.run(on: connection, logger: logger)
            return .commit((planID, numbered, sequence, (head, batch.appendedHead)))
        }
        if let outcome {
            // Remembered only once committed: a plan row of a rolled-back transaction does not exist.
            planIDs.remember(newCase.planHash, outcome.planID)
            memory.withLock {
                $0.submitted(
                    outcome.numbered, sequence: outcome.sequence, from: outcome.heads.before, to: outcome.heads.after)
            }
            return .inserted(number: outcome.numbered.record.number)
        }
        guard let existing = try await storedSubmission(idempotencyKey: newCase.idempotencyKey) else {
            throw CaseEngineError.storage(.busy)
        }
        return .existing(number: existing.number, fingerprint: existing.fingerprint)
    }

    /// A submission's rows after its case's: scans, sub-cases and the first notices.
    static func add(_ numbered: NumberedCase, planID: Int64, to batch: WriteBatch) {
        let record = numbered.record
        for attachment in numbered.attachments {
            batch.insert(attachment, caseNumber: record.number, at: record.submittedAt)
        }
        for subcase in numbered.subcases { batch.insert(subcase, planID: planID) }
        for dispatch in numbered.dispatches { batch.insert(dispatch) }
    }

    static func submission(
        _ key: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> StoredSubmission? {
        try await connection.first(
            "SELECT number, fingerprint FROM cases WHERE idempotency_key = \(key)", logger: logger,
            { StoredSubmission(number: try $0.text(0), fingerprint: try $0.text(1)) })
    }

    /// The plan's id, storing the plan the first time (its sub-case entries go into `batch`); a
    /// second process storing the same plan at once waits on the unique hash and then finds it.
    /// `known` is the id this process saw committed before: a plan never changes once stored.
    private static func storePlan(
        _ newCase: NewCase, numbered: NumberedCase, known: Int64?, batch: WriteBatch, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Int64 {
        if let known { return known }
        if let id = try await connection.first(
            "SELECT id FROM plans WHERE hash = \(newCase.planHash)", logger: logger, { try $0.int64(0) })
        {
            return id
        }
        let record = numbered.record
        guard
            let id = try await connection.first(
                """
                INSERT INTO plans (hash, bundle, version, compiled)
                VALUES (\(newCase.planHash), \(record.bundle), \(record.version), \(newCase.planJSON))
                ON CONFLICT (hash) DO NOTHING RETURNING id
                """, logger: logger, { try $0.int64(0) })
        else {
            guard
                let id = try await connection.first(
                    "SELECT id FROM plans WHERE hash = \(newCase.planHash)", logger: logger, { try $0.int64(0) })
            else { throw CaseEngineError.corruptRecord("plan \(newCase.planHash.prefix(16))") }
            return id
        }
        for subcase in numbered.subcases { batch.insert(subcase.plan, planID: id) }
        return id
    }

    // MARK: - Steps

    /// A step: gated in two round trips when it can be (``gatedStep(_:_:)``, in this process's
    /// ``WriteTurns``), else in a transaction that locks what it read. One deadline bounds both
    /// tries.
    public func transact(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) async throws(CaseEngineError) -> Transition {
        try await bounded {
            if self.options.gatedSteps, scope.isGated, self.stepCounts.withLock({ $0.tryGated() }) {
                switch try await self.turns.run({ try await self.gatedStep(scope, decide) }) {
                case .written(let transition, let remembered):
                    self.stepCounts.withLock {
                        $0.paths.gated += 1
                        if remembered { $0.paths.remembered += 1 }
                    }
                    return transition
                case .moved:
                    self.stepCounts.withLock { $0.lockingLeft = StepCounts.lockingRun }
                case .notGated:
                    break
                }
            }
            let transition = try await self.lockingStep(scope, decide)
            self.stepCounts.withLock { $0.paths.locking += 1 }
            return transition
        }
    }

    private func lockingStep(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) async throws(CaseEngineError) -> Transition {
        let logger = self.logger
        let auditKey = self.auditKey
        let plans = planEntries
        let (transition, heads) = try await transaction(bounded: false) { connection in
            let snapshot = try await Self.snapshot(scope, plans: plans, on: connection, logger: logger)
            let transition = try decide(snapshot)
            let heads = try await Self.persist(
                transition, after: snapshot, key: auditKey, on: connection, logger: logger)
            return (transition, heads)
        }
        memory.withLock { $0.wrote(transition, from: heads.before, to: heads.after) }
        return transition
    }

    /// Reads what a step decides on, locking what it may change: the case's row first (for the
    /// scopes that read the case), then its sub-cases' rows, always in that order.
    private static func snapshot(
        _ scope: SnapshotScope, plans: PostgresPlanCache, on connection: PostgresConnection, logger: Logger
    ) async throws -> CaseSnapshot {
        switch scope {
        case .subcase(let id):
            let rows = try await connection.rows(
                "SELECT \(unescaped: PostgresSubcaseRow.columns) FROM subcases WHERE id = \(id) FOR UPDATE",
                logger: logger, PostgresSubcaseRow.decode)
            return CaseSnapshot(subcase: try await subcases(rows, plans: plans, on: connection, logger: logger).first)
        case .subcaseInCase(let id):
            guard
                let number = try await connection.first(
                    "SELECT case_number FROM subcases WHERE id = \(id)", logger: logger, { try $0.text(0) })
            else { return CaseSnapshot() }
            guard
                let (status, withdrawn, materials) = try await connection.first(
                    "SELECT status, withdrawn, materials FROM cases WHERE number = \(number) FOR UPDATE",
                    logger: logger, { (try $0.text(0), try $0.bool(1), try $0.text(2)) })
            else { throw CaseEngineError.unknownCase(number) }
            guard let status = CaseStatus(rawValue: status) else {
                throw CaseEngineError.corruptRecord("case \(number)")
            }
            let all = try await subcases(ofCase: number, locking: true, plans: plans, on: connection, logger: logger)
            return inCaseSnapshot(
                of: id, among: all, status: status, withdrawn: withdrawn,
                materials: try StoredJSON.materials(materials, "case \(number)"))
        case .wholeCase(let number):
            guard
                let record = try await connection.first(
                    "SELECT \(unescaped: PostgresCaseRow.columns) FROM cases WHERE number = \(number) FOR UPDATE",
                    logger: logger, PostgresCaseRow.decode)
            else { return CaseSnapshot() }
            let all = try await subcases(ofCase: number, locking: true, plans: plans, on: connection, logger: logger)
            return CaseSnapshot(
                subcases: all, status: record.status, withdrawn: record.withdrawn, record: record,
                openCorrections: try await openCorrections(ofCase: number, on: connection, logger: logger))
        }
    }

    /// What a step on a sub-case in its case decides on, from the case's sub-cases in plan order.
    static func inCaseSnapshot(
        of id: String, among all: [Subcase], status: CaseStatus, withdrawn: Bool, materials: [CaseMaterial]
    ) -> CaseSnapshot {
        guard let subcase = all.first(where: { $0.id == id }) else { return CaseSnapshot() }
        return CaseSnapshot(
            subcase: subcase, subcases: subcase.plan.dependants.isEmpty ? [] : all,
            siblingStates: Dictionary(all.map { ($0.id, $0.state) }, uniquingKeysWith: { first, _ in first }),
            status: status, withdrawn: withdrawn, caseMaterials: materials)
    }

    /// Appends events that belong to no case (sign-ins) in a transaction of their own.
    public func appendAuditEvents(_ events: [AuditEvent]) async throws(CaseEngineError) {
        guard !events.isEmpty else { return }
        let (logger, key) = (self.logger, auditKey)
        let (before, after) = try await transaction { connection in
            let batch = WriteBatch()
            let head = try await WriteBatch.lockHead(on: connection, logger: logger)
            batch.append(events, after: head, key: key)
            try await batch.run(on: connection, logger: logger)
            return (head, batch.appendedHead)
        }
        memory.withLock { $0.appended(from: before, to: after) }
    }

    /// Writes a transition: the chain's head is locked last, after every row the snapshot locked,
    /// then every write and the events go in one statement. Outbox rows are numbered only under
    /// the head's lock (taken last, held to COMMIT), so they commit in the order of their numbers:
    /// the pull feed's cursor never skips a late one.
    private static func persist(
        _ transition: Transition, after snapshot: CaseSnapshot, key: AuditKey?, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> SubcaseMemory.Heads {
        let batch = WriteBatch()
        let head =
            transition.events.isEmpty && transition.dispatches.isEmpty
            ? nil : try await WriteBatch.lockHead(on: connection, logger: logger)
        add(transition, after: snapshot, head: head, key: key, to: batch)
        try await batch.run(on: connection, logger: logger)
        return (head, batch.appendedHead)
    }

    /// Every write of `transition` into `batch`, its events appended after `head`.
    static func add(
        _ transition: Transition, after snapshot: CaseSnapshot, head: (seq: Int64, hash: String)?, key: AuditKey?,
        to batch: WriteBatch
    ) {
        let number = transition.caseNumber
        for subcase in transition.subcases { batch.save(subcase, before: snapshot.subcase) }
        batch.save(transition.caseUpdate, caseNumber: number)
        for correction in transition.corrections { batch.save(correction) }
        let timestamp = transition.events.first?.at ?? ""
        for attachment in transition.attachments { batch.insert(attachment, caseNumber: number, at: timestamp) }
        for dispatch in transition.dispatches { batch.insert(dispatch) }
        if let rating = transition.rating { batch.save(rating) }
        if let followUp = transition.ratingFollowUp { batch.save(followUp) }
        if let head { batch.append(transition.events, after: head, key: key) }
    }

    // MARK: - Outbox

    public func acknowledgeDispatches(
        department: String, subcases: [String], at timestamp: String
    ) async throws(CaseEngineError) -> Int {
        let logger = self.logger
        return try await transaction { connection in
            try await connection.rows(
                """
                UPDATE outbox SET delivered_at = \(timestamp)
                WHERE department = \(department) AND subcase_id = ANY(\(subcases)) AND delivered_at IS NULL
                RETURNING id
                """, logger: logger, { try $0.int64(0) }
            ).count
        }
    }
}
