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
final class WriteBatch {
    private(set) var binds = PostgresBindings()
    private var statements: [String] = []

    var isEmpty: Bool { statements.isEmpty }

    /// Binds a value; its placeholder (`$n`).
    func value<Value: PostgresDynamicTypeEncodable>(_ value: Value?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    func add(_ sql: String) { statements.append(sql) }

    /// The one statement.
    var query: PostgresQuery {
        let leading = statements.dropLast().enumerated().map { "w\($0.offset) AS (\($0.element))" }
        let sql = (leading.isEmpty ? "" : "WITH " + leading.joined(separator: ", ") + " ") + (statements.last ?? "")
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    func run(on connection: PostgresConnection, logger: Logger) async throws {
        guard !isEmpty else { return }
        try await connection.query(query, logger: logger)
    }

    // MARK: - Rows

    func insert(_ subcase: Subcase, planID: Int64) {
        let progress = subcase.progress
        add(
            """
            INSERT INTO subcases (id, case_number, plan_id, position, department, state, resume_state, released, inputs,
                outputs, dispatched_on, due_date, due_provisional, days_used_before_pause, paused_days, paused_on,
                finished_on, reason, reviewed_by)
            VALUES (\(value(subcase.id)), \(value(subcase.caseNumber)), \(value(planID)), \(value(subcase.plan.position)),
                \(value(subcase.plan.department)), \(value(progress.state.rawValue)),
                \(value(progress.resumeState?.rawValue)), \(value(progress.released)),
                \(value(StoredJSON.encode(progress.inputs))), \(value(StoredJSON.encode(progress.outputs))),
                \(value(progress.dispatchedOn?.description)), \(value(progress.due?.date.description)),
                \(value(progress.due?.provisional ?? false)), \(value(progress.daysUsedBeforePause)),
                \(value(progress.pausedDays)), \(value(progress.pausedOn?.description)),
                \(value(progress.finishedOn?.description)), \(value(progress.reason)), \(value(progress.reviewedBy)))
            """)
    }

    func insert(_ plan: SubcasePlan, planID: Int64) {
        add(
            """
            INSERT INTO plan_subcases (plan_id, \(PostgresPlanRow.columns))
            VALUES (\(value(planID)), \(value(plan.position)), \(value(plan.item)), \(value(plan.itemName.zh)),
                \(value(plan.itemName.en)), \(value(plan.department)), \(value(plan.departmentName.zh)),
                \(value(plan.departmentName.en)), \(value(plan.kind.rawValue)), \(value(plan.promisedDays)),
                \(value(plan.legalDays)), \(value(plan.earlyStart)), \(value(StoredJSON.encode(plan.after))),
                \(value(StoredJSON.encode(plan.inputFlows))), \(value(StoredJSON.encode(plan.outputElements))),
                \(value(StoredJSON.encode(plan.dependants))), \(value(StoredJSON.encode(plan.fields))),
                \(value(StoredJSON.encode(plan.materials))))
            ON CONFLICT DO NOTHING
            """)
    }

    /// A sub-case's progress; only its state when nothing else changed (accept, review, approve).
    func save(_ subcase: Subcase, before: Subcase?) {
        var stateOnly = subcase.progress
        if let before, before.id == subcase.id {
            stateOnly.state = before.progress.state
            if stateOnly == before.progress {
                add(
                    "UPDATE subcases SET state = \(value(subcase.progress.state.rawValue)) WHERE id = \(value(subcase.id))"
                )
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
                reason = \(value(progress.reason)), reviewed_by = \(value(progress.reviewedBy))
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
        add("UPDATE cases SET \(columns.joined(separator: ", ")) WHERE number = \(value(caseNumber))")
    }

    func save(_ correction: Correction) {
        if let id = correction.id {
            add(
                """
                UPDATE corrections SET supplied_materials = \(value(StoredJSON.encode(correction.suppliedMaterials))),
                    supplied_fields = \(value(StoredJSON.encode(correction.suppliedFields))),
                    resolved_on = \(value(correction.resolvedOn?.description))
                WHERE id = \(value(id))
                """)
        } else {
            add(
                """
                INSERT INTO corrections (subcase_id, requested_on, materials, fields, note, supplied_materials,
                    supplied_fields, resolved_on)
                VALUES (\(value(correction.subcaseID)), \(value(correction.requestedOn.description)),
                    \(value(StoredJSON.encode(correction.materials))), \(value(StoredJSON.encode(correction.fields))),
                    \(value(correction.note)), \(value(StoredJSON.encode(correction.suppliedMaterials))),
                    \(value(StoredJSON.encode(correction.suppliedFields))), \(value(correction.resolvedOn?.description)))
                """)
        }
    }

    func insert(_ attachment: Attachment, caseNumber: String, at timestamp: String) {
        add(
            """
            INSERT INTO attachments (case_number, material, sha256, size, media_type, content, added_at)
            VALUES (\(value(caseNumber)), \(value(attachment.material)), \(value(SHA256.hex(attachment.content))),
                \(value(attachment.content.count)), \(value(attachment.mediaType)),
                \(value(ByteBuffer(bytes: attachment.content))), \(value(timestamp)))
            """)
    }

    /// An outbox row and, from it, one delivery to each endpoint of its department that takes its
    /// type. The outbox row is never the batch's last statement, so the deliveries read its id
    /// from its `WITH`.
    func insert(_ dispatch: Dispatch) {
        let outbox = "w\(statements.count)"
        add(
            """
            INSERT INTO outbox (department, subcase_id, kind, state, created_at)
            VALUES (\(value(dispatch.department)), \(value(dispatch.subcase)), \(value(dispatch.kind.rawValue)),
                \(value(dispatch.state.rawValue)), \(value(dispatch.at)))
            RETURNING id
            """)
        add(
            """
            INSERT INTO deliveries (outbox_id, endpoint_id, subcase_id)
            SELECT (SELECT id FROM \(outbox)), id, \(value(dispatch.subcase)) FROM webhook_endpoints
            WHERE department = \(value(dispatch.department))
                AND (events = '*' OR strpos(',' || events || ',', \(value("," + DepartmentEvent.EventType(dispatch.kind).rawValue + ","))) > 0)
            """)
    }

    func save(_ followUp: RatingFollowUp) {
        add(
            """
            INSERT INTO rating_follow_ups (case_number, followed_up_by, followed_up_at, note)
            VALUES (\(value(followUp.caseNumber)), \(value(followUp.by)), \(value(followUp.at)), \(value(followUp.note)))
            """)
    }

    func save(_ rating: Rating) {
        add(
            """
            INSERT INTO ratings (case_number, grade, channel_id, rated_at)
            VALUES (\(value(rating.caseNumber)), \(value(rating.grade)), \(value(rating.channelID)), \(value(rating.at)))
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
            add(
                """
                INSERT INTO events (\(PostgresEventRow.columns))
                VALUES (\(value(seq)), \(value(event.at)), \(value(event.principal.id)),
                    \(value(event.principal.role.rawValue)), \(value(event.action)), \(value(event.caseNumber)),
                    \(value(event.subcaseID)), \(value(event.before)), \(value(event.after)), \(value(event.detail)),
                    \(value(previous)), \(value(hash)), \(value(key != nil)), \(value(event.principal.via)),
                    \(value(event.principal.requestID)))
                """)
            previous = hash
        }
        add("UPDATE audit_head SET seq = \(value(seq)), hash = \(value(previous))")
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
