import CaseEngine

/// The supervision report's figures for finished sub-cases, kept as they finish (the SQLite
/// store's `subcase_tally`): one row per department, plan entry, final state and finishing day, and —
/// for issued sub-cases — the days they ran over and whether on time. Open sub-cases are counted from
/// their rows.
///
/// Here a trigger only appends (+1 for the new key, −1 for the old) to `subcase_tally_delta`, and
/// only when a finished row appears, changes or goes: no row is shared between writers, so
/// concurrent steps never wait on each other or deadlock on a counter. The report folds the deltas
/// into `subcase_tally` under an advisory lock, then reads both (deltas committed after the fold
/// count too); `onego serve` folds every minute.
enum PostgresSupervisionTally {
    static let keyColumns = "department, plan_id, position, state, finished_on, dispatched_on, paused_days, on_time"
    /// The advisory lock key the fold is taken under ("tally" in ASCII).
    static let foldLock: Int64 = 0x74_616C_6C79

    static func key(_ row: String) -> String {
        """
        \(row).department, \(row).plan_id, \(row).position, \(row).state, \(row).finished_on,
        CASE WHEN \(row).state = 'issued' THEN coalesce(\(row).dispatched_on, '') ELSE '' END,
        CASE WHEN \(row).state = 'issued' THEN \(row).paused_days ELSE 0 END,
        (\(row).state = 'issued' AND coalesce(\(row).finished_on <= \(row).due_date, false))
        """
    }

    static var schema: [String] {
        let columns = """
            department text NOT NULL, plan_id bigint NOT NULL, position integer NOT NULL, state text NOT NULL,
            finished_on text NOT NULL, dispatched_on text NOT NULL, paused_days integer NOT NULL,
            on_time boolean NOT NULL, count bigint NOT NULL
            """
        return [
            "CREATE TABLE subcase_tally (\(columns), PRIMARY KEY (\(keyColumns)))",
            "CREATE TABLE subcase_tally_delta (\(columns))",
            """
            INSERT INTO subcase_tally (\(keyColumns), count)
            SELECT \(key("s")), count(*) FROM subcases s WHERE s.finished_on IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            """,
            """
            CREATE FUNCTION subcase_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.finished_on IS NOT NULL THEN
                    INSERT INTO subcase_tally_delta (\(keyColumns), count) VALUES (\(key("OLD")), -1);
                END IF;
                IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.finished_on IS NOT NULL THEN
                    INSERT INTO subcase_tally_delta (\(keyColumns), count) VALUES (\(key("NEW")), 1);
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER subcase_tally_insert AFTER INSERT ON subcases
            FOR EACH ROW WHEN (NEW.finished_on IS NOT NULL) EXECUTE FUNCTION subcase_tally_change()
            """,
            """
            CREATE TRIGGER subcase_tally_delete AFTER DELETE ON subcases
            FOR EACH ROW WHEN (OLD.finished_on IS NOT NULL) EXECUTE FUNCTION subcase_tally_change()
            """,
            // The WHEN compares plain columns: cheap on the many updates of open sub-cases.
            """
            CREATE TRIGGER subcase_tally_update AFTER UPDATE ON subcases
            FOR EACH ROW WHEN ((OLD.finished_on IS NOT NULL OR NEW.finished_on IS NOT NULL)
                AND (OLD.state, OLD.finished_on, OLD.dispatched_on, OLD.paused_days, OLD.due_date)
                    IS DISTINCT FROM (NEW.state, NEW.finished_on, NEW.dispatched_on, NEW.paused_days, NEW.due_date))
            EXECUTE FUNCTION subcase_tally_change()
            """,
        ]
    }

    /// Moves the deltas into the tally, summed per key (after ``foldLock``: one fold at a time).
    static let fold = """
        WITH moved AS (DELETE FROM subcase_tally_delta RETURNING \(keyColumns), count)
        INSERT INTO subcase_tally AS t (\(keyColumns), count)
        SELECT \(keyColumns), sum(count) FROM moved GROUP BY \(keyColumns)
        ON CONFLICT (\(keyColumns)) DO UPDATE SET count = t.count + excluded.count
        """

    /// The tally with the deltas not yet folded, as one relation.
    static let current = """
        (SELECT \(keyColumns), count FROM subcase_tally
         UNION ALL SELECT \(keyColumns), count FROM subcase_tally_delta) AS tally
        """
}
