import BundleKit
import CaseEngine
import Logging
import NIOCore
import PostgresNIO
import WorkCalendar

/// A row read by column position, each cell decoded to what its column holds.
struct Cells {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func text(_ column: Int) throws -> String { try row[column].decode(String.self) }
    func optionalText(_ column: Int) throws -> String? { try row[column].decode(String?.self) }
    func int(_ column: Int) throws -> Int { try row[column].decode(Int.self) }
    func int64(_ column: Int) throws -> Int64 { try row[column].decode(Int64.self) }
    func optionalInt(_ column: Int) throws -> Int? { try row[column].decode(Int?.self) }
    func optionalInt64(_ column: Int) throws -> Int64? { try row[column].decode(Int64?.self) }
    func bool(_ column: Int) throws -> Bool { try row[column].decode(Bool.self) }
    func bytes(_ column: Int) throws -> [UInt8] {
        var buffer = try row[column].decode(ByteBuffer.self)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

extension PostgresConnection {
    /// Every row of `query`, mapped.
    func rows<T>(
        _ query: PostgresQuery, logger: Logger, _ transform: (Cells) throws -> T
    ) async throws -> [T] {
        var result: [T] = []
        for try await row in try await self.query(query, logger: logger) { result.append(try transform(Cells(row))) }
        return result
    }

    /// The first row of `query`, mapped, if any.
    func first<T>(_ query: PostgresQuery, logger: Logger, _ transform: (Cells) throws -> T) async throws -> T? {
        try await rows(query, logger: logger, transform).first
    }

    /// Runs a statement that returns no rows.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        try await self.query(query, logger: logger)
    }
}

/// A sub-case's row: its case, plan entry and progress (the entry is stored once per plan).
struct PostgresSubcaseRow {
    var id: String
    var caseNumber: String
    var planID: Int64
    var position: Int
    var progress: SubcaseProgress

    /// The columns of `subcases`, in `decode` order.
    static let columns = """
        id, case_number, plan_id, position, state, resume_state, released, inputs, outputs, dispatched_on,
        due_date, due_provisional, days_used_before_pause, paused_days, paused_on, finished_on, reason, reviewed_by
        """
    /// How many columns `columns` names.
    static let columnCount = columns.split(separator: ",").count

    static func decode(_ row: Cells) throws -> PostgresSubcaseRow {
        let id = try row.text(0)
        let what = "sub-case \(id)"
        guard let state = SubcaseState(rawValue: try row.text(4)) else { throw CaseEngineError.corruptRecord(what) }
        let progress = SubcaseProgress(
            state: state, resumeState: try optionalState(row.optionalText(5), what), released: try row.bool(6),
            inputs: try StoredJSON.map(row.text(7), what), outputs: try StoredJSON.map(row.text(8), what),
            dispatchedOn: try date(row.optionalText(9), what),
            due: try date(row.optionalText(10), what).map { Deadline(date: $0, provisional: try row.bool(11)) },
            daysUsedBeforePause: try row.int(12), pausedDays: try row.int(13),
            pausedOn: try date(row.optionalText(14), what), finishedOn: try date(row.optionalText(15), what),
            reason: try row.optionalText(16), reviewedBy: try row.optionalText(17))
        return PostgresSubcaseRow(
            id: id, caseNumber: try row.text(1), planID: try row.int64(2), position: try row.int(3), progress: progress)
    }

    static func date(_ text: String?, _ what: @autoclosure () -> String) throws(CaseEngineError) -> CalendarDate? {
        guard let text else { return nil }
        guard let date = CalendarDate(text) else { throw CaseEngineError.corruptRecord(what()) }
        return date
    }

    private static func optionalState(_ text: String?, _ what: String) throws(CaseEngineError) -> SubcaseState? {
        guard let text else { return nil }
        guard let state = SubcaseState(rawValue: text) else { throw CaseEngineError.corruptRecord(what) }
        return state
    }
}

/// A row of `plan_subcases`.
enum PostgresPlanRow {
    static let columns = """
        position, item, item_name_zh, item_name_en, department, department_name_zh, department_name_en, kind,
        promised_days, legal_days, early_start, after_items, input_flows, output_elements, dependant_items, fields,
        materials
        """

    static func decode(_ row: Cells, planID: Int64) throws -> SubcasePlan {
        let what = "plan \(planID), position \(try row.int(0))"
        guard let kind = ItemKind(rawValue: try row.text(7)) else { throw CaseEngineError.corruptRecord(what) }
        return SubcasePlan(
            id: "", caseNumber: "", position: try row.int(0), item: try row.text(1),
            itemName: LocalizedText(zh: try row.text(2), en: try row.text(3)), department: try row.text(4),
            departmentName: LocalizedText(zh: try row.text(5), en: try row.text(6)), kind: kind,
            promisedDays: try row.int(8), legalDays: try row.optionalInt(9), earlyStart: try row.bool(10),
            after: try StoredJSON.list(row.text(11), what), inputFlows: try StoredJSON.flows(row.text(12), what),
            outputElements: try StoredJSON.list(row.text(13), what),
            dependants: try StoredJSON.list(row.text(14), what), fields: try StoredJSON.list(row.text(15), what),
            materials: try StoredJSON.list(row.text(16), what))
    }
}

/// A row of `cases` read into a `CaseRecord`.
enum PostgresCaseRow {
    static let columns = """
        number, query_code, bundle, version, bundle_name_zh, bundle_name_en, plan_hash, status, withdrawn,
        applicant_name, applicant_id_number, applicant_phone, channel, channel_id, idempotency_key, fingerprint,
        answers, submitted_on, submitted_at, promised_date, promised_provisional, handed_out_at, closed_on, form,
        materials, handed_out_to_name, handed_out_to_id_number
        """

    static func decode(_ row: Cells) throws -> CaseRecord {
        let number = try row.text(0)
        let what = "case \(number)"
        guard let status = CaseStatus(rawValue: try row.text(7)),
            let channel = Channel.Kind(rawValue: try row.text(12)),
            let submittedOn = try PostgresSubcaseRow.date(row.text(17), what),
            let promised = try PostgresSubcaseRow.date(row.text(19), what)
        else { throw CaseEngineError.corruptRecord(what) }
        let recipient = try row.optionalText(25)
        let recipientID = try row.optionalText(26)
        return CaseRecord(
            number: number, queryCode: try row.text(1), bundle: try row.text(2), version: try row.text(3),
            bundleName: LocalizedText(zh: try row.text(4), en: try row.text(5)), planHash: try row.text(6),
            status: status, withdrawn: try row.bool(8),
            applicant: Applicant(name: try row.text(9), idNumber: try row.text(10), phone: try row.text(11)),
            channel: Channel(kind: channel, id: try row.text(13)), idempotencyKey: try row.text(14),
            fingerprint: try row.text(15), answers: try StoredJSON.map(row.text(16), what), submittedOn: submittedOn,
            submittedAt: try row.text(18), promised: Deadline(date: promised, provisional: try row.bool(20)),
            handedOutAt: try row.optionalText(21),
            handedOutTo: recipient.map { Recipient(name: $0, idNumber: recipientID) },
            closedOn: try PostgresSubcaseRow.date(row.optionalText(22), what),
            form: try StoredJSON.form(row.text(23), what), materials: try StoredJSON.materials(row.text(24), what))
    }
}

/// A row of `corrections` read into a `Correction`.
enum PostgresCorrectionRow {
    static let columns = """
        c.id, c.subcase_id, c.requested_on, c.materials, c.fields, c.note, c.supplied_materials, c.supplied_fields,
        c.resolved_on
        """

    static func decode(_ row: Cells) throws -> Correction {
        let what = "correction \(try row.int64(0))"
        guard let requested = try PostgresSubcaseRow.date(row.text(2), what) else {
            throw CaseEngineError.corruptRecord(what)
        }
        return Correction(
            id: try row.int64(0), subcaseID: try row.text(1), requestedOn: requested,
            materials: try StoredJSON.list(row.text(3), what), fields: try StoredJSON.list(row.text(4), what),
            note: try row.text(5), suppliedMaterials: try StoredJSON.list(row.text(6), what),
            suppliedFields: try StoredJSON.list(row.text(7), what),
            resolvedOn: try PostgresSubcaseRow.date(row.optionalText(8), what))
    }
}

/// A row of `events`.
enum PostgresEventRow {
    static let columns = """
        seq, at, actor, role, action, case_number, subcase_id, before, after, detail, prev_hash, hash, keyed, via,
        request_id
        """

    static func decode(_ row: Cells) throws -> StoredAuditEvent {
        guard let role = Principal.Role(rawValue: try row.text(3)) else {
            throw CaseEngineError.corruptRecord("audit event \(try row.int64(0))")
        }
        return StoredAuditEvent(
            seq: try row.int64(0),
            event: AuditEvent(
                at: try row.text(1),
                principal: Principal(
                    id: try row.text(2), role: role, via: try row.text(13), requestID: try row.text(14)),
                action: try row.text(4), caseNumber: try row.text(5), subcaseID: try row.text(6),
                before: try row.text(7), after: try row.text(8), detail: try row.text(9)),
            previousHash: try row.text(10), hash: try row.text(11), keyed: try row.bool(12))
    }
}
