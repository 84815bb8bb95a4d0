import CaseEngine
import PostgresNIO
import Synchronization
import WorkCalendar

/// Submissions in one round trip instead of seven, when this process numbered the day's last case
/// and the audit chain's head has not moved since (``SubcaseMemory``): the next number is known,
/// and one statement, a transaction of its own, locks the day's counter row in the remembered
/// state and then the head, each `SKIP LOCKED`, checks that no case holds the idempotency key,
/// and writes the case, its sub-cases, notices and event and the counter only if all of that
/// held. Otherwise it writes nothing, the memory is dropped, and the submission takes the locking
/// path (which waits for a case under the same key being written elsewhere and returns it).
extension PostgresCaseStore {
    /// The submission written gated, or nil when it must go the locking way.
    func gatedInsert(_ newCase: NewCase) async throws -> Insertion? {
        guard let planID = planIDs.id(newCase.planHash),
            let (last, head) = memory.withLock({ $0.recall(sequenceOf: newCase.day) })
        else { return nil }
        let numbered = newCase.numbered(last + 1)
        let (logger, key) = (self.logger, auditKey)
        let written = try await withConnection(bounded: false) { connection -> SubcaseMemory.Head? in
            let batch = WriteBatch(gatedAfter: head)
            batch.lock(
                """
                SELECT day FROM case_sequences
                WHERE day = \(batch.value(newCase.day.description)) AND last = \(batch.value(last))
                FOR UPDATE SKIP LOCKED
                """, rows: 1)
            batch.lock(
                """
                SELECT day FROM lock0
                WHERE NOT EXISTS (SELECT FROM cases WHERE idempotency_key = \(batch.value(newCase.idempotencyKey)))
                """, rows: 1)
            batch.count(newCase.day, to: last + 1)
            batch.insert(numbered.record)
            Self.add(numbered, planID: planID, to: batch)
            batch.append([numbered.event], after: head, key: key)
            // A caller that gave up gets no case behind its back (this statement commits).
            try Task.checkCancellation()
            do {
                return try await batch.runGated(on: connection, logger: logger) ? batch.appendedHead : nil
            } catch {
                // The key was taken by a submission that committed after the check: that one answers.
                guard (error as? PSQLError)?.serverInfo?[.sqlState] == "23505" else { throw error }
                return nil
            }
        }
        guard let after = written else {
            // Another process moved the head: the next steps and submissions go the locking way at once.
            memory.withLock { $0.forget() }
            stepCounts.withLock { $0.lockingLeft = StepCounts.lockingRun }
            return nil
        }
        memory.withLock { $0.submitted(numbered, sequence: last + 1, from: head, to: after) }
        return .inserted(number: numbered.record.number)
    }
}
