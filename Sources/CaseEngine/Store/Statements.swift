import Foundation

/// The statements of the engine's hot path (submit and the department steps), prepared once per
/// connection; see `SQL`.
extension SQL {
    static let begin = SQL("BEGIN IMMEDIATE")
    static let commit = SQL("COMMIT")
    static let caseByIdempotencyKey = SQL("SELECT number, fingerprint FROM cases WHERE idempotency_key = ?")
    static let nextCaseSequence = SQL(
        """
            INSERT INTO case_sequences (day, last) VALUES (?, 1)
            ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last
        """)
    static let insertCase = SQL(
        """
            INSERT INTO cases (number, query_code, bundle, version, bundle_name_zh, bundle_name_en, plan_hash,
                status, applicant_name, applicant_id_number, applicant_phone, channel, channel_id,
                idempotency_key, fingerprint, answers, submitted_on, submitted_at, promised_date,
                promised_provisional, form, materials)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    static let caseForm = SQL("SELECT form FROM cases WHERE number = ?")
    static let saveCaseForm = SQL("UPDATE cases SET form = ? WHERE number = ?")
    static let caseMaterials = SQL("SELECT materials FROM cases WHERE number = ?")
    static let saveCaseMaterials = SQL("UPDATE cases SET materials = ? WHERE number = ?")
    static let insertSubcase = SQL(
        """
            INSERT INTO subcases (id, case_number, position, item, item_name_zh, item_name_en, department,
                department_name_zh, department_name_en, kind, promised_days, legal_days, early_start,
                after_items, input_flows, output_elements, dependant_items, fields, materials)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    static let insertSubcaseProgress = SQL(
        """
            INSERT INTO subcase_progress (id, state, released, dispatched_on, due_date, due_provisional)
            VALUES (?, ?, ?, ?, ?, ?)
        """)
    static let insertOutbox = SQL("INSERT INTO outbox (department, subcase_id, kind, created_at) VALUES (?, ?, ?, ?)")
    static let caseStatusAndWithdrawal = SQL("SELECT status, withdrawn FROM cases WHERE number = ?")
    static let subcaseStatesOfCase = SQL("SELECT state FROM subcase_progress WHERE id > ? || '-' AND id < ? || '.'")
    static let updateCaseStatus = SQL("UPDATE cases SET status = ?, closed_on = ? WHERE number = ?")
    static let updateSubcaseState = SQL("UPDATE subcase_progress SET state = ? WHERE id = ?")
    static let issueSubcase = SQL(
        "UPDATE subcase_progress SET state = ?, outputs = ?, finished_on = ? WHERE id = ?")
    /// (Comparisons rather than `NOT IN (…)`, for which SQLite builds a temporary index on every run.)
    static let openSubcaseCount = SQL(
        """
            SELECT count(*) FROM subcase_progress
            WHERE id > ? || '-' AND id < ? || '.' AND state <> 'issued' AND state <> 'rejected' AND state <> 'cancelled'
        """)
    static let siblingsForRelease = SQL(
        """
            SELECT id, item, department, state, released, promised_days, after_items, input_flows, outputs
            FROM subcase_view WHERE id > ? || '-' AND id < ? || '.' ORDER BY id
        """)
    static let releaseSubcase = SQL(
        """
            UPDATE subcase_progress SET state = ?, released = 1, inputs = ?, dispatched_on = ?, due_date = ?,
                due_provisional = ?
            WHERE id = ?
        """)
    static let caseStatus = SQL("SELECT status FROM cases WHERE number = ?")
    static let subcasesOfCase = SQL(
        "SELECT \(SubcaseRecord.columns) FROM subcase_view WHERE id > ? || '-' AND id < ? || '.' ORDER BY id")
    static let subcaseHead = SQL("SELECT \(SubcaseHead.columns) FROM subcase_view WHERE id = ?")
    static let subcase = SQL("SELECT \(SubcaseRecord.columns) FROM subcase_view WHERE id = ?")
    static let saveSubcase = SQL(
        """
            UPDATE subcase_progress SET state = ?, resume_state = ?, released = ?, inputs = ?, outputs = ?, dispatched_on = ?,
                due_date = ?, due_provisional = ?, days_used_before_pause = ?, paused_days = ?, paused_on = ?,
                finished_on = ?, reason = ?
            WHERE id = ?
        """)
    static let lastEventHash = SQL("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")
    static let insertEvent = SQL(
        """
            INSERT INTO events (at, actor, role, action, case_number, subcase_id, before, after, detail, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
    static let subcasesWithDueDates = SQL(
        """
            SELECT \(SubcaseRecord.columns) FROM subcase_view
            WHERE state IN ('dispatched', 'accepted', 'reviewed', 'approved') AND due_date IS NOT NULL
            ORDER BY due_date, id
        """)
    static let allSubcases = SQL("SELECT \(SubcaseRecord.columns) FROM subcase_view ORDER BY department, item")
}
