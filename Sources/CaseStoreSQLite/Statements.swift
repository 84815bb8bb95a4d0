import CaseEngine
import Foundation
import GRDB
import Synchronization

/// The store's statements, prepared once per connection; see `SQL`. State lists inside the SQL
/// are built from `SubcaseState`, not written out again.
extension SQL {
    static let begin = SQL("BEGIN IMMEDIATE")
    static let commit = SQL("COMMIT")

    // MARK: - Cases

    static let caseByIdempotencyKey = SQL("SELECT number, fingerprint FROM cases WHERE idempotency_key = ?")
    static let nextCaseSequence = SQL(
        """
            INSERT INTO case_sequences (day, last) VALUES (?, 1)
            ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last
        """)
    static let insertPlan = SQL("INSERT OR IGNORE INTO plans (hash, bundle, version, compiled) VALUES (?, ?, ?, ?)")
    static let planID = SQL("SELECT id FROM plans WHERE hash = ?")
    static let insertCase = SQL(
        """
            INSERT INTO cases (number, query_code, bundle, version, bundle_name_zh, bundle_name_en, plan_hash,
                status, applicant_name, applicant_id_number, applicant_phone, channel, channel_id,
                idempotency_key, fingerprint, answers, submitted_on, submitted_at, promised_date,
                promised_provisional, form, materials)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    static let caseRecord = SQL("SELECT \(CaseRow.columns) FROM cases WHERE number = ?")
    /// A case's status, withdrawal and — only when it awaits a material under 容缺 — its checklist.
    static let caseStatusAndWithdrawal = SQL(
        """
            SELECT status, withdrawn,
                CASE WHEN instr(materials, '"\(MaterialStatus.missingWord)"') > 0 THEN materials ELSE '[]' END
            FROM cases WHERE number = ?
        """)
    /// Open cases whose checklist holds a material missing under 容缺 (the checklist's status word).
    static let casesAwaitingMaterials = SQL(
        """
            SELECT \(CaseRow.columns) FROM cases
            WHERE status IN (\(CaseStatus.allCases.filter { !$0.isFinal }.map { "'\($0.rawValue)'" }.joined(separator: ", ")))
                AND materials LIKE '%"\(MaterialStatus.missingWord)"%' AND number > ?
            ORDER BY number LIMIT ?
        """)
    static let updateCaseStatus = SQL("UPDATE cases SET status = ?, closed_on = ? WHERE number = ?")
    static let withdrawCase = SQL("UPDATE cases SET withdrawn = 1 WHERE number = ?")
    static let handOutCase = SQL(
        "UPDATE cases SET handed_out_at = ?, handed_out_to_name = ?, handed_out_to_id_number = ? WHERE number = ?")
    static let saveCaseForm = SQL("UPDATE cases SET form = ? WHERE number = ?")
    static let saveCaseMaterials = SQL("UPDATE cases SET materials = ? WHERE number = ?")
    static let insertAttachment = SQL(
        """
            INSERT INTO attachments (case_number, material, sha256, size, media_type, content, added_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
    static let saveRatingFollowUp = SQL(
        "INSERT INTO rating_follow_ups (case_number, followed_up_by, followed_up_at, note) VALUES (?, ?, ?, ?)")
    static let ratingOfCase = SQL("SELECT case_number, grade, channel_id, rated_at FROM ratings WHERE case_number = ?")
    static let ratingsAwaitingFollowUp = SQL(
        """
            SELECT r.case_number, r.grade, r.channel_id, r.rated_at FROM ratings r
            WHERE r.grade >= 4 AND r.case_number > ?1
                AND NOT EXISTS (
                    SELECT 1 FROM rating_follow_ups f
                    WHERE f.case_number = r.case_number AND f.followed_up_at >= r.rated_at)
            ORDER BY r.case_number LIMIT ?2
        """)
    static let ratingFollowUpsOfCase = SQL(
        """
            SELECT case_number, followed_up_by, followed_up_at, note FROM rating_follow_ups
            WHERE case_number = ? ORDER BY id
        """)
    static let saveRating = SQL(
        "INSERT OR REPLACE INTO ratings (case_number, grade, channel_id, rated_at) VALUES (?, ?, ?, ?)")

    // MARK: - Sub-cases

    static let insertSubcase = SQL(
        """
            INSERT INTO subcases (id, case_number, plan_id, position, department,
                \(SubcaseRow.progressColumns.joined(separator: ", ")))
            VALUES (?, ?, ?, ?, ?, \(databaseQuestionMarks(count: SubcaseRow.progressColumns.count)))
        """)
    static let insertPlanSubcase = SQL(
        """
            INSERT OR IGNORE INTO plan_subcases (plan_id, \(PlanSubcaseRow.columns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    static let planSubcases = SQL(
        "SELECT \(PlanSubcaseRow.columns) FROM plan_subcases WHERE plan_id = ? ORDER BY position")
    /// `UPDATE subcases` of the progress columns in `mask` (see `SubcaseRow.changedProgress`), one
    /// statement per mask that occurs (a handful: each step kind changes the same columns).
    static func saveSubcaseColumns(_ mask: UInt16) -> SQL {
        subcaseUpdates.withLock { statements in
            if let statement = statements[mask] { return statement }
            let assigned = SubcaseRow.progressColumns.enumerated().filter { mask & 1 << $0.offset != 0 }
                .map { "\($0.element) = ?" }
            let statement = SQL("UPDATE subcases SET \(assigned.joined(separator: ", ")) WHERE id = ?")
            statements[mask] = statement
            return statement
        }
    }
    private static let subcaseUpdates = Mutex<[UInt16: SQL]>([:])
    static let subcase = SQL("SELECT \(SubcaseRow.columns) FROM \(SubcaseRow.tables) WHERE s.id = ?")
    static let subcaseStatesOfCase = SQL(
        "SELECT id, state FROM subcases WHERE case_number = ? ORDER BY position")
    static let subcasesOfCase = SQL(
        "SELECT \(SubcaseRow.columns) FROM \(SubcaseRow.tables) WHERE s.case_number = ? ORDER BY s.position")
    /// A department's open sub-cases after an id, by id (which orders by case, then position).
    static let openSubcasesOfDepartment = SQL(
        """
            SELECT \(SubcaseRow.columns) FROM subcases s INDEXED BY subcases_by_department
            WHERE s.department = ? AND s.finished_on IS NULL AND s.id > ?
                AND s.state IN (\(SubcaseState.sqlList(of: { !$0.isFinal })))
            ORDER BY s.id LIMIT ?
        """)
    /// Running sub-cases due on or before a day, after a (due date, id) cursor, by due date and id.
    static let subcasesDue = SQL(
        """
            SELECT \(SubcaseRow.columns) FROM subcases s INDEXED BY subcases_by_due_date
            WHERE s.finished_on IS NULL AND s.due_date <= ? AND (s.due_date > ? OR (s.due_date = ? AND s.id > ?))
                AND s.state IN (\(SubcaseState.sqlList(of: { !$0.isFinal && $0 != .waiting && $0 != .correcting })))
            ORDER BY s.due_date, s.id LIMIT ?
        """)
    /// Finished sub-cases by department, item and state, from the kept tally (``SupervisionTally``).
    static let supervisionCounts = SQL(
        """
            SELECT department, item, promised_days, legal_days, state, sum(count), sum(on_time * count)
            FROM subcase_tally WHERE ?1 IS NULL OR finished_on BETWEEN ?1 AND ?2
            GROUP BY department, item, promised_days, legal_days, state HAVING sum(count) > 0
        """)
    /// Open sub-cases (not finished) by department, plan entry and state, from their rows.
    static let supervisionOpenCounts = SQL(
        """
            SELECT department, plan_id, position, state, count(*),
                sum(state IN (\(SubcaseState.sqlList(of: { !$0.isFinal }))) AND due_provisional = 1)
            FROM subcases INDEXED BY subcases_by_department WHERE finished_on IS NULL
            GROUP BY department, plan_id, position, state
        """)
    /// Issued sub-cases grouped by the days they ran over (working days are counted from these).
    static let supervisionSpans = SQL(
        """
            SELECT department, item, dispatched_on, finished_on, paused_days, sum(count)
            FROM subcase_tally
            WHERE state = 'issued' AND dispatched_on <> '' AND (?1 IS NULL OR finished_on BETWEEN ?1 AND ?2)
            GROUP BY department, item, dispatched_on, finished_on, paused_days HAVING sum(count) > 0
        """)
    static let addToTally = SQL(
        """
            INSERT INTO subcase_tally (\(SupervisionTally.keyColumns), count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (\(SupervisionTally.keyColumns)) DO UPDATE SET count = count + excluded.count
        """)
    static let allSubcases = SQL(
        """
            SELECT \(SubcaseRow.columns) FROM \(SubcaseRow.tables)
            JOIN plan_subcases p ON p.plan_id = s.plan_id AND p.position = s.position
            ORDER BY s.department, p.item
        """)

    // MARK: - Corrections, outbox, events

    static let openCorrectionsOfCase = SQL(
        """
            SELECT c.id, c.subcase_id, c.requested_on, c.materials, c.fields, c.note, c.supplied_materials,
                c.supplied_fields, c.resolved_on
            FROM corrections c JOIN subcases s ON s.id = c.subcase_id
            WHERE s.case_number = ? AND c.resolved_on IS NULL ORDER BY c.id
        """)
    static let insertCorrection = SQL(
        """
            INSERT INTO corrections (subcase_id, requested_on, materials, fields, note, supplied_materials,
                supplied_fields, resolved_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """)
    static let saveCorrection = SQL(
        "UPDATE corrections SET supplied_materials = ?, supplied_fields = ?, resolved_on = ? WHERE id = ?")
    static let insertOutbox = SQL(
        "INSERT INTO outbox (department, subcase_id, kind, state, created_at) VALUES (?, ?, ?, ?, ?)")
    /// One delivery of the outbox row just inserted to each endpoint of its department that takes its type.
    static let insertDeliveries = SQL(
        """
            INSERT INTO deliveries (outbox_id, endpoint_id, subcase_id)
            SELECT ?, id, ? FROM webhook_endpoints
            WHERE department = ? AND (events = '*' OR instr(',' || events || ',', ?) > 0)
        """)
    static let acknowledgeDispatch = SQL(
        """
            UPDATE outbox INDEXED BY outbox_pending SET delivered_at = ?
            WHERE department = ? AND subcase_id = ? AND delivered_at IS NULL
        """)
    static let lastEventHash = SQL("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")
    static let insertEvent = SQL(
        """
            INSERT INTO events (at, actor, role, action, case_number, subcase_id, before, after, detail, prev_hash, hash,
                keyed, via, request_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    /// An audit event's columns, in `SQLiteCaseStore.decodeEvent` order.
    static let eventColumns =
        "seq, at, actor, role, action, case_number, subcase_id, before, after, detail, prev_hash, hash, keyed, via, request_id"
    static let lastEvent = SQL("SELECT \(eventColumns) FROM events ORDER BY seq DESC LIMIT 1")
    static let eventSeqOfHash = SQL("SELECT seq FROM events WHERE hash = ? ORDER BY seq DESC LIMIT 1")
    static let eventsAfter = SQL("SELECT \(eventColumns) FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
    /// Events of no case (sign-ins and sign-outs), newest first; the case index keeps them by seq.
    static let accessEvents = SQL(
        "SELECT \(eventColumns) FROM events WHERE case_number = '' AND seq < ? ORDER BY seq DESC LIMIT ?")
    static let eventsOfCase = SQL("SELECT \(eventColumns) FROM events WHERE case_number = ? ORDER BY seq")
    /// The sub-cases of a range of cases (after, through], through the case index.
    static let subcasesOfCases = SQL(
        """
            SELECT \(SubcaseRow.columns) FROM \(SubcaseRow.tables)
            WHERE s.case_number > ? AND s.case_number <= ? ORDER BY s.case_number, s.position
        """)
    /// What the replay needs of the events of a range of cases, through the case index: only the
    /// events it looks at (see `AuditTrace`).
    static let tracesOfCases = SQL(
        """
            SELECT seq, case_number, action, detail FROM events
            WHERE case_number > ? AND case_number <= ?
                AND (action IN ('submit', 'withdraw', 'handout') OR instr(detail, '\(AuditTrace.progressMarker)') > 0)
            ORDER BY case_number, seq
        """)
    static let caseAuditHeaders = SQL(
        """
            SELECT number, status, withdrawn, handed_out_at IS NOT NULL FROM cases
            WHERE number > ? ORDER BY number LIMIT ?
        """)
}

extension SubcaseState {
    /// The quoted raw values of the states that satisfy `include`, for an SQL `IN (…)`.
    static func sqlList(of include: (SubcaseState) -> Bool) -> String {
        allCases.filter(include).map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }
}
