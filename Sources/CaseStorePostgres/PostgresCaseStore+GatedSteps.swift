import CaseEngine
import Logging
import PostgresNIO
import Synchronization

/// Steps on a sub-case in two round trips instead of BEGIN, row locks, the head's lock, the writes
/// and COMMIT (five to seven): one statement reads what the step decides on together with the
/// audit chain's head, and one statement, its own transaction, writes it all only if the head has
/// not moved meanwhile (``WriteBatch/init(gatedAfter:)``).
///
/// The head is the whole database's version: every change to a case or sub-case appends to the
/// chain in the transaction that makes it, so a head that has not moved means that nothing the
/// step read has changed. Before the head moves, the statement locks the rows the step read, then
/// the head, each `SKIP LOCKED`: it never waits on a lock, so it never deadlocks with the locking
/// path and never commits after its caller's deadline has passed. When the head has moved, or a
/// row is gone or held by another transaction, nothing is written and the step is decided again
/// on the locking path: a step pays two round trips more, never a retry loop, and the next
/// ``StepCounts/lockingRun`` steps go the locking way at once, as they would mostly find the head
/// moved by the other writers too.
extension PostgresCaseStore {
    /// How a gated try ended.
    enum GatedOutcome: Sendable {
        /// Decided and written (`remembered`: decided on a sub-case this process remembered).
        case written(Transition, remembered: Bool)
        /// Nothing written: the chain's head moved, or a row read changed or was held.
        case moved
        /// Not for a gated write: the sub-case was not found, or the step appends no event.
        case notGated
    }

    /// The step, decided and written gated, or why it must go the locking way. Its caller bounds
    /// it with the store's deadline.
    func gatedStep(
        _ scope: SnapshotScope, _ decide: @escaping @Sendable (CaseSnapshot) throws(CaseEngineError) -> Transition
    ) async throws(CaseEngineError) -> GatedOutcome {
        let (logger, key, plans) = (self.logger, auditKey, planEntries)
        return try await withConnection(bounded: false) { connection -> GatedOutcome in
            let remembered = self.remembered(scope)
            let read: GatedRead
            if let remembered {
                read = remembered
            } else if let fresh = try await Self.gatedRead(scope, plans: plans, on: connection, logger: logger) {
                read = fresh
            } else {
                return .notGated
            }
            let transition: Transition
            do {
                transition = try decide(read.snapshot)
            } catch  where remembered != nil {
                // Refused on what was remembered, which may be behind what is stored: only a
                // decision on what is stored may refuse a step.
                return .notGated
            }
            guard !transition.events.isEmpty else { return .notGated }
            let batch = WriteBatch(gatedAfter: read.head)
            read.locks(batch)
            Self.add(transition, after: read.snapshot, head: read.head, key: key, to: batch)
            // A caller that gave up gets no step behind its back (this statement commits).
            try Task.checkCancellation()
            guard try await batch.runGated(on: connection, logger: logger) else {
                self.memory.withLock { $0.forget() }
                return .moved
            }
            self.memory.withLock { $0.wrote(transition, from: read.head, to: batch.appendedHead) }
            return .written(transition, remembered: remembered != nil)
        }
    }

    /// A step this process can decide on what it remembers, without reading: the gated write
    /// locks the rows and checks the head remembered, as after a read.
    private func remembered(_ scope: SnapshotScope) -> GatedRead? {
        switch scope {
        case .subcase(let id):
            guard let (subcase, head) = memory.withLock({ $0.recall(id) }) else { return nil }
            return GatedRead(snapshot: CaseSnapshot(subcase: subcase), head: head) { batch in
                Self.lockSubcase(id, in: subcase.state, batch: batch)
            }
        case .subcaseInCase(let id):
            guard let (owner, all, head) = memory.withLock({ $0.recall(inCase: id) }) else { return nil }
            let snapshot = Self.inCaseSnapshot(
                of: id, among: all, status: owner.status, withdrawn: owner.withdrawn, materials: owner.materials)
            let number = all[0].caseNumber
            return GatedRead(snapshot: snapshot, head: head) { batch in
                Self.lockCase(
                    number, status: owner.status, withdrawn: owner.withdrawn, subcases: all.count, batch: batch)
            }
        case .wholeCase:
            return nil
        }
    }

    /// The gated locks of a case's row (there, with this status and withdrawal) and then of its
    /// `subcases` sub-cases' rows.
    private static func lockCase(
        _ number: String, status: CaseStatus, withdrawn: Bool, subcases: Int, batch: WriteBatch
    ) {
        batch.lock(
            """
            SELECT number FROM cases
            WHERE number = \(batch.value(number)) AND status = \(batch.value(status.rawValue))
                AND withdrawn = \(batch.value(withdrawn))
            FOR UPDATE SKIP LOCKED
            """, rows: 1)
        batch.lock(
            """
            SELECT 1 FROM subcases WHERE case_number = (SELECT number FROM lock0) ORDER BY position
            FOR UPDATE SKIP LOCKED
            """, rows: subcases)
    }

    /// The gated lock of one sub-case's row, there and still in `state`.
    private static func lockSubcase(_ id: String, in state: SubcaseState, batch: WriteBatch) {
        batch.lock(
            "SELECT 1 FROM subcases WHERE id = \(batch.value(id)) AND state = \(batch.value(state.rawValue))"
                + " FOR UPDATE SKIP LOCKED",
            rows: 1)
    }

    /// What a gated step read: its snapshot, the head it saw, and the locks that re-take its rows.
    private struct GatedRead {
        var snapshot: CaseSnapshot
        var head: (seq: Int64, hash: String)
        var locks: (WriteBatch) -> Void
    }

    /// Reads the snapshot of `scope` and the chain's head in one statement, locking nothing; nil
    /// for a sub-case not found (the locking path answers for it).
    private static func gatedRead(
        _ scope: SnapshotScope, plans: PostgresPlanCache, on connection: PostgresConnection, logger: Logger
    ) async throws -> GatedRead? {
        let width = PostgresSubcaseRow.columnCount
        switch scope {
        case .subcase(let id):
            guard
                let (row, head) = try await connection.first(
                    """
                    SELECT mine.*, head.seq, head.hash
                    FROM (SELECT \(unescaped: PostgresSubcaseRow.columns) FROM subcases WHERE id = \(id)) AS mine
                    CROSS JOIN audit_head AS head
                    """, logger: logger,
                    { (try PostgresSubcaseRow.decode($0), (try $0.int64(width), try $0.text(width + 1))) })
            else { return nil }
            let subcase = try await subcases([row], plans: plans, on: connection, logger: logger).first
            let state = row.progress.state
            return GatedRead(snapshot: CaseSnapshot(subcase: subcase), head: head) { batch in
                lockSubcase(id, in: state, batch: batch)
            }
        case .subcaseInCase(let id):
            let rows = try await connection.rows(
                """
                WITH sibling AS (
                    SELECT \(unescaped: PostgresSubcaseRow.columns) FROM subcases
                    WHERE case_number = (SELECT case_number FROM subcases WHERE id = \(id)))
                SELECT sibling.*, owner.status, owner.withdrawn,
                    -- The case's checklist once, on the first row, not on every sibling's.
                    CASE WHEN row_number() OVER (ORDER BY sibling.position) = 1 THEN owner.materials END,
                    head.seq, head.hash
                FROM sibling JOIN cases AS owner ON owner.number = sibling.case_number CROSS JOIN audit_head AS head
                ORDER BY sibling.position
                """, logger: logger,
                {
                    (
                        try PostgresSubcaseRow.decode($0), try $0.text(width), try $0.bool(width + 1),
                        try $0.optionalText(width + 2), (try $0.int64(width + 3), try $0.text(width + 4))
                    )
                })
            guard let (first, status, withdrawn, materials, head) = rows.first else { return nil }
            let number = first.caseNumber
            guard let caseStatus = CaseStatus(rawValue: status), let materials else {
                throw CaseEngineError.corruptRecord("case \(number)")
            }
            let all = try await subcases(rows.map(\.0), plans: plans, on: connection, logger: logger)
            let snapshot = inCaseSnapshot(
                of: id, among: all, status: caseStatus, withdrawn: withdrawn,
                materials: try StoredJSON.materials(materials, "case \(number)"))
            return GatedRead(snapshot: snapshot, head: head) { batch in
                lockCase(number, status: caseStatus, withdrawn: withdrawn, subcases: all.count, batch: batch)
            }
        case .wholeCase:
            return nil
        }
    }
}

extension SnapshotScope {
    /// Whether a step of this scope may be written gated: a whole case's record, corrections and
    /// rows go the locking way.
    var isGated: Bool {
        if case .wholeCase = self { return false }
        return true
    }
}
