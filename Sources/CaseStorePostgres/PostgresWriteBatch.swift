import BundleKit
import CaseEngine
import Logging
import NIOCore
import PostgresNIO
import WorkCalendar

/// The writes of one transition gathered into one statement: each write but the last becomes a
/// data-modifying `WITH` of the last, so a step costs one round trip to write, whatever it
/// changes. Values are bound parameters: ``value(_:)`` appends one and returns its placeholder.
///
/// Every write in a batch touches a different row (the case's row is written by one UPDATE with
/// every changed column), as PostgreSQL requires of one statement.
///
/// A *gated* batch (``init(gatedAfter:)``) is a whole step on its own, outside any transaction:
/// it locks the rows its step read, then the audit chain's head, each with `SKIP LOCKED`, and
/// moves the head only if every row was there unlocked and the head is still the one the step
/// read; every other write reads from that move (its rows are a `SELECT … FROM head`, its
/// updates join `head`). So the statement never waits on a lock, and when anything moved or is
/// held nothing is written and it answers 0 (``runGated(on:logger:)``).
final class WriteBatch {
    /// What a gated batch checks before it writes.
    struct Gate {
        /// The chain's head the step was decided after.
        var head: (seq: Int64, hash: String)
        /// `SELECT … FOR UPDATE SKIP LOCKED` statements locking the rows the step read, in locking
        /// order; each may read the one before as `lock<n-1>`.
        var locks: [String] = []
        /// How many rows the last lock must answer.
        var lockedRows = 0
    }

    private(set) var binds = PostgresBindings()
    private var statements: [String] = []
    private var gate: Gate?
    /// A gated batch's lock of the head and move of it (set by ``append(_:after:key:)``).
    private var headMove: (held: String, move: String)?
    /// The chain's head once this batch is written, if it appends events.
    private(set) var appendedHead: (seq: Int64, hash: String)?

    /// A batch to run inside a transaction that holds its locks.
    init() {}

    /// A batch that is a step on its own, written only if the chain's head is still `head` and the
    /// rows of its ``lock(_:rows:)`` statements are there.
    init(gatedAfter head: (seq: Int64, hash: String)) { gate = Gate(head: head) }

    /// Adds a gated batch's next lock (`lock<n>`, run before the head moves), which must answer
    /// `rows` rows if it is the last.
    func lock(_ sql: String, rows: Int) {
        gate?.locks.append(sql)
        gate?.lockedRows = rows
    }

    var isEmpty: Bool { statements.isEmpty }

    /// Where a row's values go: `VALUES (…)`, or, gated, a `SELECT` of them from the head's move
    /// (its `WHERE` keeps a following `ON CONFLICT` from reading as a join's `ON`).
    private func row(_ values: String) -> String {
        gate == nil ? "VALUES (\(values))" : "SELECT \(values) FROM head WHERE true"
    }

    /// The gate of an UPDATE: ` FROM head` when gated (written only once the head moved).
    private var fromHead: String { gate == nil ? "" : " FROM head" }

    /// Binds a value; its placeholder (`$n`). A missing value is no parameter but a `NULL` of its
    /// type in the text: postgres-nio sends a bound NULL untyped, and a prepared statement keeps
    /// the parameter types of its first run (``PreparedShapes``), so every bound value is typed
    /// and the text says which values are missing.
    func value<Value: PostgresNonThrowingEncodable>(_ value: Value?) -> String {
        guard let value else { return "NULL::\(Value.psqlType.knownSQLName ?? "text")" }
        binds.append(value)
        return "$\(binds.count)"
    }

    func add(_ sql: String) { statements.append(sql) }

    /// The one statement.
    var query: PostgresQuery {
        guard let gate, let headMove else {
            let leading = statements.dropLast().enumerated().map { "w\($0.offset) AS (\($0.element))" }
            let sql =
                (leading.isEmpty ? "" : "WITH " + leading.joined(separator: ", ") + " ") + (statements.last ?? "")
            return PostgresQuery(unsafeSQL: sql, binds: binds)
        }
        let locks = gate.locks.enumerated().map { "lock\($0.offset) AS (\($0.element))" }
        let writes = statements.enumerated().map { "w\($0.offset) AS (\($0.element))" }
        let sql =
            "WITH "
            + (locks + ["held AS (\(headMove.held))", "head AS (\(headMove.move))"] + writes).joined(separator: ", ")
            + " SELECT count(*) FROM head"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    func run(on connection: PostgresConnection, logger: Logger) async throws {
        guard !isEmpty else { return }
        _ = try await PreparedShapes.rows(query, on: connection, logger: logger)
    }

    /// Runs a gated batch as its own transaction: whether it wrote (false: the head had moved or a
    /// locked row was gone, and nothing was written).
    func runGated(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        precondition(gate != nil && headMove != nil, "a gated batch writes events")
        let rows = try await PreparedShapes.rows(query, on: connection, logger: logger)
        return try rows.first.map { try Cells($0).int(0) } == 1
    }

    // MARK: - Rows

    /// A case's row; `suffix` follows the row's values (`ON CONFLICT …`).
    func insert(_ record: CaseRecord, _ suffix: String = "") {
        let values = """
            \(value(record.number)), \(value(record.queryCode)), \(value(record.bundle)), \(value(record.version)),
            \(value(record.bundleName.zh)), \(value(record.bundleName.en)), \(value(record.planHash)),
            \(value(record.status.rawValue)), \(value(record.applicant.name)), \(value(record.applicant.idNumber)),
            \(value(record.applicant.phone)), \(value(record.channel.kind.rawValue)), \(value(record.channel.id)),
            \(value(record.idempotencyKey)), \(value(record.fingerprint)), \(value(StoredJSON.encode(record.answers))),
            \(value(record.submittedOn.description)), \(value(record.submittedAt)),
            \(value(record.promised.date.description)), \(value(record.promised.provisional)),
            \(value(StoredJSON.encode(record.form))), \(value(StoredJSON.encode(record.materials)))
            """
        add(
            """
            INSERT INTO cases (number, query_code, bundle, version, bundle_name_zh, bundle_name_en, plan_hash,
                status, applicant_name, applicant_id_number, applicant_phone, channel, channel_id,
                idempotency_key, fingerprint, answers, submitted_on, submitted_at, promised_date,
                promised_provisional, form, materials)
            \(row(values)) \(suffix)
            """)
    }

    /// The day's counter of case numbers moved on to `last`.
    func count(_ day: CalendarDate, to last: Int) {
        add("UPDATE case_sequences SET last = \(value(last))\(fromHead) WHERE day = \(value(day.description))")
    }

    func insert(_ subcase: Subcase, planID: Int64) {
        let progress = subcase.progress
        let values = """
            \(value(subcase.id)), \(value(subcase.caseNumber)), \(value(planID)), \(value(subcase.plan.position)),
            \(value(subcase.plan.department)), \(value(progress.state.rawValue)),
            \(value(progress.resumeState?.rawValue)), \(value(progress.released)),
            \(value(StoredJSON.encode(progress.inputs))), \(value(StoredJSON.encode(progress.outputs))),
            \(value(progress.dispatchedOn?.description)), \(value(progress.due?.date.description)),
            \(value(progress.due?.provisional ?? false)), \(value(progress.daysUsedBeforePause)),
            \(value(progress.pausedDays)), \(value(progress.pausedOn?.description)),
            \(value(progress.finishedOn?.description)), \(value(progress.reason)), \(value(progress.reviewedBy))
            """
        add(
            """
            INSERT INTO subcases (id, case_number, plan_id, position, department, state, resume_state, released, inputs,
                outputs, dispatched_on, due_date, due_provisional, days_used_before_pause, paused_days, paused_on,
                finished_on, reason, reviewed_by)
            \(row(values))
            """)
    }

    func insert(_ plan: SubcasePlan, planID: Int64) {
        let values = """
            \(value(planID)), \(value(plan.position)), \(value(plan.item)), \(value(plan.itemName.zh)),
            \(value(plan.itemName.en)), \(value(plan.department)), \(value(plan.departmentName.zh)),
            \(value(plan.departmentName.en)), \(value(plan.kind.rawValue)), \(value(plan.promisedDays)),
            \(value(plan.legalDays)), \(value(plan.earlyStart)), \(value(StoredJSON.encode(plan.after))),
            \(value(StoredJSON.encode(plan.inputFlows))), \(value(StoredJSON.encode(plan.outputElements))),
            \(value(StoredJSON.encode(plan.dependants))), \(value(StoredJSON.encode(plan.fields))),
            \(value(StoredJSON.encode(plan.materials)))
            """
        add("INSERT INTO plan_subcases (plan_id, \(PostgresPlanRow.columns)) \(row(values)) ON CONFLICT DO NOTHING")
    }

    /// A sub-case's progress; only its state when nothing else changed (accept, review, approve).
    func save(_ subcase: Subcase, before: Subcase?) {
        var stateOnly = subcase.progress
        if let before, before.id == subcase.id {
            stateOnly.state = before.progress.state
            if stateOnly == before.progress {
                add(
                    """
                    UPDATE subcases SET state = \(value(subcase.progress.state.rawValue))\(fromHead)
                    WHERE id = \(value(subcase.id))
                    """)
                return
            }
        }
        let progress = subcase.progress
        add(
            """
            UPDATE subcases SET state = \(value(progress.state.rawValue)),
                resume_state = \(value(progress.resumeState?.rawValue)), released = \(value(progress.released)),
                inputs = \(value(StoredJSON.encode(progress.inputs))), outputs = \(value(StoredJSON.encode(progress.outputs))),
                dispatched_on = \(value(progress.dispatchedOn?.description)),
                due_date = \(value(progress.due?.date.description)),
                due_provisional = \(value(progress.due?.provisional ?? false)),
                days_used_before_pause = \(value(progress.daysUsedBeforePause)), paused_days = \(value(progress.pausedDays)),
                paused_on = \(value(progress.pausedOn?.description)), finished_on = \(value(progress.finishedOn?.description)),
                reason = \(value(progress.reason)), reviewed_by = \(value(progress.reviewedBy))\(fromHead)
            WHERE id = \(value(subcase.id))
            """)
    }

    /// Every change to the case's row in one UPDATE.
    func save(_ update: CaseUpdate, caseNumber: String) {
        var columns: [String] = []
        if let status = update.status {
            columns.append("status = \(value(status.rawValue))")
            columns.append("closed_on = \(value(update.closedOn?.description))")
        }
        if update.withdrawn { columns.append("withdrawn = true") }
        if let handedOutAt = update.handedOutAt {
            columns.append("handed_out_at = \(value(handedOutAt))")
            columns.append("handed_out_to_name = \(value(update.handedOutTo?.name))")
            columns.append("handed_out_to_id_number = \(value(update.handedOutTo?.idNumber))")
        }
        if let form = update.form { columns.append("form = \(value(StoredJSON.encode(form)))") }
        if let materials = update.materials { columns.append("materials = \(value(StoredJSON.encode(materials)))") }
        guard !columns.isEmpty else { return }
        add("UPDATE cases SET \(columns.joined(separator: ", "))\(fromHead) WHERE number = \(value(caseNumber))")
    }

    func save(_ correction: Correction) {
        if let id = correction.id {
            add(
                """
                UPDATE corrections SET supplied_materials = \(value(StoredJSON.encode(correction.suppliedMaterials))),
                    supplied_fields = \(value(StoredJSON.encode(correction.suppliedFields))),
                    resolved_on = \(value(correction.resolvedOn?.description))\(fromHead)
                WHERE id = \(value(id))
                """)
        } else {
            let values = """
                \(value(correction.subcaseID)), \(value(correction.requestedOn.description)),
                \(value(StoredJSON.encode(correction.materials))), \(value(StoredJSON.encode(correction.fields))),
                \(value(correction.note)), \(value(StoredJSON.encode(correction.suppliedMaterials))),
                \(value(StoredJSON.encode(correction.suppliedFields))), \(value(correction.resolvedOn?.description))
                """
            add(
                """
                INSERT INTO corrections (subcase_id, requested_on, materials, fields, note, supplied_materials,
                    supplied_fields, resolved_on) \(row(values))
                """)
        }
    }

    func insert(_ attachment: Attachment, caseNumber: String, at timestamp: String) {
        let values = """
            \(value(caseNumber)), \(value(attachment.material)), \(value(SHA256.hex(attachment.content))),
            \(value(attachment.content.count)), \(value(attachment.mediaType)),
            \(value(ByteBuffer(bytes: attachment.content))), \(value(timestamp))
            """
        add(
            "INSERT INTO attachments (case_number, material, sha256, size, media_type, content, added_at) \(row(values))"
        )
    }

    /// An outbox row and, from it, one delivery to each endpoint of its department that takes its
    /// type. The outbox row is never the batch's last statement, so the deliveries read its id
    /// from its `WITH`.
    func insert(_ dispatch: Dispatch) {
        let outbox = "w\(statements.count)"
        let values = """
            \(value(dispatch.department)), \(value(dispatch.subcase)), \(value(dispatch.kind.rawValue)),
            \(value(dispatch.state.rawValue)), \(value(dispatch.at))
            """
        add(
            """
            INSERT INTO outbox (department, subcase_id, kind, state, created_at) \(row(values)) RETURNING id
            """)
        add(
            """
            INSERT INTO deliveries (outbox_id, endpoint_id, subcase_id)
            SELECT \(outbox).id, endpoint.id, \(value(dispatch.subcase)) FROM \(outbox), webhook_endpoints AS endpoint
            WHERE department = \(value(dispatch.department))
                AND (events = '*' OR strpos(',' || events || ',', \(value("," + DepartmentEvent.EventType(dispatch.kind).rawValue + ","))) > 0)
            """)
    }

    func save(_ followUp: RatingFollowUp) {
        let values =
            "\(value(followUp.caseNumber)), \(value(followUp.by)), \(value(followUp.at)), \(value(followUp.note))"
        add("INSERT INTO rating_follow_ups (case_number, followed_up_by, followed_up_at, note) \(row(values))")
    }

    func save(_ rating: Rating) {
        let values =
            "\(value(rating.caseNumber)), \(value(rating.grade)), \(value(rating.channelID)), \(value(rating.at))"
        add(
            """
            INSERT INTO ratings (case_number, grade, channel_id, rated_at) \(row(values))
            ON CONFLICT (case_number) DO UPDATE
                SET grade = excluded.grade, channel_id = excluded.channel_id, rated_at = excluded.rated_at
            """)
    }

    /// Appends events to the one audit chain after `head` (read with its row lock by the caller,
    /// as the transaction's last lock), and moves the head: sequence numbers have no gaps.
    func append(_ events: [AuditEvent], after head: (seq: Int64, hash: String), key: AuditKey?) {
        guard !events.isEmpty else { return }
        var (seq, previous) = head
        for event in events {
            seq += 1
            let hash = event.hash(after: previous, key: key)
            let values = """
                \(value(seq)), \(value(event.at)), \(value(event.principal.id)),
                \(value(event.principal.role.rawValue)), \(value(event.action)), \(value(event.caseNumber)),
                \(value(event.subcaseID)), \(value(event.before)), \(value(event.after)), \(value(event.detail)),
                \(value(previous)), \(value(hash)), \(value(key != nil)), \(value(event.principal.via)),
                \(value(event.principal.requestID))
                """
            add("INSERT INTO events (\(PostgresEventRow.columns)) \(row(values))")
            previous = hash
        }
        appendedHead = (seq, previous)
        let move = "UPDATE audit_head SET seq = \(value(seq)), hash = \(value(previous))"
        guard let gate else { return add(move) }
        precondition(!gate.locks.isEmpty && head == gate.head, "a gated batch locks what it read and appends after it")
        let held = """
            SELECT seq FROM audit_head
            WHERE seq = \(value(gate.head.seq))
                AND (SELECT count(*) FROM lock\(gate.locks.count - 1)) = \(value(gate.lockedRows))
            FOR UPDATE SKIP LOCKED
            """
        headMove = (held, "\(move) WHERE seq = (SELECT seq FROM held) RETURNING seq")
    }

    /// The chain's head, locked until the transaction ends.
    static func lockHead(on connection: PostgresConnection, logger: Logger) async throws -> (seq: Int64, hash: String) {
        guard
            let head = try await connection.first(
                "SELECT seq, hash FROM audit_head FOR UPDATE", logger: logger, { (try $0.int64(0), try $0.text(1)) })
        else { throw CaseEngineError.corruptRecord("the audit chain's head row is missing") }
        return head
    }
}
