import CaseEngine
import GRDB
import WorkCalendar

/// The supervision report's figures for finished sub-cases, kept as they finish: one row per
/// department, item (with its promised and legal limits), final state and finishing day, and — for
/// issued sub-cases — the days they ran over and whether on time. Open sub-cases are counted from
/// their rows (few, by the index on `finished_on`). A row that drops to zero stays, and is skipped.
///
/// The store writes it in the transaction that finishes a sub-case (one upsert per sub-case in its
/// life: W1 pays 7 a case, not one per step). Triggers would keep it for any writer, but on this
/// SQLite every `UPDATE subcases` then pays for them, fired or not: +15 % on W1 (BENCHMARKS.md).
struct SupervisionTally: Hashable {
    var department: String
    var item: String
    var promisedDays: Int
    var legalDays: Int?
    var state: SubcaseState
    var finishedOn: String
    var dispatchedOn: String
    var pausedDays: Int
    var onTime: Bool

    /// The key a sub-case counts under, or `nil` while it is open.
    init?(_ plan: SubcasePlan, _ progress: SubcaseProgress) {
        guard let finished = progress.finishedOn else { return nil }
        let issued = progress.state == .issued
        department = plan.department
        item = plan.item
        promisedDays = plan.promisedDays
        legalDays = plan.legalDays
        state = progress.state
        finishedOn = finished.description
        dispatchedOn = issued ? progress.dispatchedOn?.description ?? "" : ""
        pausedDays = issued ? progress.pausedDays : 0
        onTime = issued && progress.due.map { finished <= $0.date } == true
    }

    /// Counts a sub-case's change: out of the key it had, into the one it has.
    static func record(before: SubcaseProgress?, after subcase: Subcase, in db: Database) throws {
        let old = before.flatMap { SupervisionTally(subcase.plan, $0) }
        let new = SupervisionTally(subcase.plan, subcase.progress)
        guard old != new else { return }
        if let old { try old.add(-1, in: db) }
        if let new { try new.add(1, in: db) }
    }

    private func add(_ count: Int, in db: Database) throws {
        try db.execute(
            .addToTally, .text(department), .text(item), .int(promisedDays), .int(legalDays ?? -1),
            .text(state.rawValue),
            .text(finishedOn), .text(dispatchedOn), .int(pausedDays), .bool(onTime), .int(count))
    }

    static let keyColumns =
        "department, item, promised_days, legal_days, state, finished_on, dispatched_on, paused_days, on_time"

    /// Migration v18: the table, filled from the sub-cases that have finished.
    static let schema = """
        CREATE TABLE subcase_tally (
            department TEXT NOT NULL, item TEXT NOT NULL, promised_days INTEGER NOT NULL,
            legal_days INTEGER NOT NULL, state TEXT NOT NULL, finished_on TEXT NOT NULL,
            dispatched_on TEXT NOT NULL, paused_days INTEGER NOT NULL, on_time INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (\(keyColumns))
        ) WITHOUT ROWID;
        INSERT INTO subcase_tally (\(keyColumns), count)
            SELECT s.department, p.item, p.promised_days, coalesce(p.legal_days, -1), s.state, s.finished_on,
                CASE WHEN s.state = 'issued' THEN coalesce(s.dispatched_on, '') ELSE '' END,
                CASE WHEN s.state = 'issued' THEN s.paused_days ELSE 0 END,
                CASE WHEN s.state = 'issued' AND s.finished_on <= s.due_date THEN 1 ELSE 0 END,
                count(*)
            FROM subcases s JOIN plan_subcases p ON p.plan_id = s.plan_id AND p.position = s.position
            WHERE s.finished_on IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
        """
}
