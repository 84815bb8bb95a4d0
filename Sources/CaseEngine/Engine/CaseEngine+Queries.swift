import BundleKit
import GRDB
import JSONC
import WorkCalendar

extension CaseEngine {
    /// A case with its sub-cases, open corrections and materials; ID numbers masked.
    public func caseSummary(_ number: String) throws(CaseEngineError) -> CaseSummary {
        try store.read { db in try Self.loadSummary(number, in: db) }
    }

    /// A case as a citizen may see it: only with the right query code. A wrong code is answered
    /// exactly like an unknown case, so codes cannot be probed.
    public func caseSummary(number: String, queryCode: String) throws(CaseEngineError) -> CaseSummary {
        try store.read { db in
            guard
                let code = try String.fetchOne(
                    db, sql: "SELECT query_code FROM cases WHERE number = ?", arguments: [number]),
                code == queryCode
            else { throw CaseEngineError.unknownCase(number) }
            return try Self.loadSummary(number, in: db)
        }
    }

    /// Cases, newest first, optionally only those with a status.
    public func listCases(status: CaseStatus? = nil, limit: Int = 200) throws(CaseEngineError) -> [CaseSummary] {
        try store.read { db in
            let numbers: [String]
            if let status {
                numbers = try String.fetchAll(
                    db,
                    sql: "SELECT number FROM cases WHERE status = ? ORDER BY submitted_at DESC, number DESC LIMIT ?",
                    arguments: [status.rawValue, limit])
            } else {
                numbers = try String.fetchAll(
                    db, sql: "SELECT number FROM cases ORDER BY submitted_at DESC, number DESC LIMIT ?",
                    arguments: [limit])
            }
            return try numbers.map { try Self.loadSummary($0, in: db) }
        }
    }

    /// A department's open sub-cases, each with only what its item needs.
    public func inbox(department: String) throws(CaseEngineError) -> [DepartmentView] {
        let timestamp = clock.timestamp()
        return try store.write { db in
            let ids = try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM subcase_view WHERE department = ? AND state NOT IN ('issued', 'rejected', 'cancelled')
                    ORDER BY case_number, position
                    """, arguments: [department])
            try db.run(
                "UPDATE outbox SET delivered_at = ? WHERE department = ? AND delivered_at IS NULL",
                [timestamp, department])
            return try ids.map { try Self.loadDepartmentView($0, in: db) }
        }
    }

    /// One sub-case as its department sees it.
    public func departmentView(_ subcase: String, department: String) throws(CaseEngineError) -> DepartmentView {
        try store.read { db in
            guard
                let owner = try String.fetchOne(
                    db, sql: "SELECT department FROM subcases WHERE id = ?", arguments: [subcase])
            else { throw CaseEngineError.unknownSubcase(subcase) }
            guard owner == department else {
                throw CaseEngineError.wrongDepartment(subcase: subcase, department: department, owner: owner)
            }
            return try Self.loadDepartmentView(subcase, in: db)
        }
    }

    /// Checks the audit chain.
    public func verifyAudit() throws(CaseEngineError) -> AuditVerification {
        try store.read { db in try AuditLog.verify(in: db) }
    }

    /// Hands undelivered dispatches to a gateway and marks those it delivered.
    public func deliverPending(via gateway: any DepartmentGateway) throws(CaseEngineError) -> Int {
        let timestamp = clock.timestamp()
        let pending: [Dispatch] = try store.read { db in
            try db.rows("SELECT id, department, subcase_id, kind FROM outbox WHERE delivered_at IS NULL ORDER BY id")
                .map {
                    Dispatch(id: $0["id"], department: $0["department"], subcase: $0["subcase_id"], kind: $0["kind"])
                }
        }
        let delivered = gateway.deliver(pending)
        try store.write { db in
            for id in delivered { try db.run("UPDATE outbox SET delivered_at = ? WHERE id = ?", [timestamp, id]) }
        }
        return delivered.count
    }

    // MARK: - Loading

    static func loadSummary(_ number: String, in db: Database) throws -> CaseSummary {
        guard let row = try db.row("SELECT * FROM cases WHERE number = ?", [number]) else {
            throw CaseEngineError.unknownCase(number)
        }
        let subcases = try SubcaseRecord.all(ofCase: number, in: db)
        let bundleName = LocalizedText(zh: row["bundle_name_zh"], en: row["bundle_name_en"])
        let materials = try CaseMaterials.load(number, in: db).entries.map { entry in
            (id: entry.material, name: entry.name, status: entry.status, promisedBy: entry.promisedBy)
        }
        return CaseSummary(
            number: number, bundle: row["bundle"], version: row["version"], bundleName: bundleName,
            status: CaseStatus(rawValue: row["status"]) ?? .inProgress, applicantName: row["applicant_name"],
            applicantIDMasked: IDNumber.masked(row["applicant_id_number"]),
            channel: Channel(kind: Channel.Kind(rawValue: row["channel"]) ?? .window, id: row["channel_id"]),
            submittedOn: CalendarDate(row["submitted_on"] as String) ?? CalendarDate(dayNumber: 0),
            promised: Deadline(
                date: CalendarDate(row["promised_date"] as String) ?? CalendarDate(dayNumber: 0),
                provisional: row["promised_provisional"]),
            subcases: subcases.map(\.summary),
            corrections: try openCorrections(of: subcases, in: db, materials: materials),
            materials: materials, handedOutAt: row["handed_out_at"])
    }

    static func openCorrections(
        of subcases: [SubcaseRecord],
        in db: Database,
        materials: [(id: String, name: LocalizedText, status: String, promisedBy: String?)]
    ) throws -> [CorrectionNotice] {
        var notices: [CorrectionNotice] = []
        for record in subcases where record.state == .correcting {
            guard
                let row = try db.row(
                    "SELECT * FROM corrections WHERE subcase_id = ? AND resolved_on IS NULL ORDER BY id DESC LIMIT 1",
                    [record.id])
            else { continue }
            let form = try CaseForm.load(record.caseNumber, in: db)
            let supplied = Set(
                SubcaseRecord.list(row["supplied_materials"]) + SubcaseRecord.list(row["supplied_fields"]))
            notices.append(
                CorrectionNotice(
                    subcaseID: record.id, department: record.departmentName,
                    materials: SubcaseRecord.list(row["materials"]).filter { !supplied.contains($0) }.map { id in
                        (id, materials.first { $0.id == id }?.name ?? LocalizedText(zh: id, en: id))
                    },
                    fields: SubcaseRecord.list(row["fields"]).filter { !supplied.contains($0) }.map { element in
                        (element, form[element]?.label ?? LocalizedText(zh: element, en: element))
                    },
                    note: row["note"],
                    requestedOn: CalendarDate(row["requested_on"] as String) ?? CalendarDate(dayNumber: 0)))
        }
        return notices
    }

    static func loadDepartmentView(_ id: String, in db: Database) throws -> DepartmentView {
        guard let record = try SubcaseRecord.find(id, in: db) else { throw CaseEngineError.unknownSubcase(id) }
        let form = try CaseForm.load(record.caseNumber, in: db)
        let fields = record.fields.compactMap { element -> (String, LocalizedText, String)? in
            form[element].map { (element, $0.label, $0.value) }
        }
        let checklist = try CaseMaterials.load(record.caseNumber, in: db)
        let materials = try record.materials.compactMap {
            material -> (String, LocalizedText, String, [AttachmentInfo])? in
            guard let entry = checklist[material] else { return nil }
            let attachments = try db.rows(
                "SELECT sha256, size, media_type FROM attachments WHERE case_number = ? AND material = ? ORDER BY id",
                [record.caseNumber, material]
            ).map { AttachmentInfo(sha256: $0["sha256"], size: $0["size"], mediaType: $0["media_type"]) }
            return (material, entry.name, entry.status, attachments)
        }
        let inputs = record.inputFlows.flatMap { flow in
            flow.elements.map { (element: $0, value: record.inputs[$0] ?? "", from: flow.from) }
        }
        let correction = try openCorrections(
            of: [record], in: db,
            materials: materials.map { (id: $0.0, name: $0.1, status: $0.2, promisedBy: nil as String?) }
        ).first
        return DepartmentView(
            caseNumber: record.caseNumber, subcase: record.summary, fields: fields, materials: materials,
            inputs: inputs, correction: correction)
    }

    /// The types and merged constraints of a case's form fields, from the plan it was submitted under.
    func pinnedFieldTypes(of number: String) throws(CaseEngineError) -> [String: (ElementType, FieldConstraints)] {
        try store.read { db in
            guard
                let hash = try String.fetchOne(
                    db, sql: "SELECT plan_hash FROM cases WHERE number = ?", arguments: [number])
            else { throw CaseEngineError.unknownCase(number) }
            guard
                let json = try String.fetchOne(db, sql: "SELECT compiled FROM plans WHERE hash = ?", arguments: [hash]),
                let document = try? JSONDocument(parsing: json, path: "plan")
            else { return [:] }
            var result: [String: (ElementType, FieldConstraints)] = [:]
            let form = document.root.value.members?.first { $0.key == "form" }?.node.value.members
            for field in form?.first(where: { $0.key == "fields" })?.node.value.elements ?? [] {
                let members = field.value.members ?? []
                func value(_ key: String) -> JSONValue? { members.first { $0.key == key }?.node.value }
                guard let element = value("element")?.stringValue,
                    let type = value("type")?.stringValue.flatMap(ElementType.init(rawValue:))
                else { continue }
                result[element] = (
                    type,
                    FieldConstraints(
                        minLength: value("minLength")?.integerValue.map(Int.init),
                        maxLength: value("maxLength")?.integerValue.map(Int.init),
                        minimum: value("minimum")?.doubleValue, maximum: value("maximum")?.doubleValue,
                        choices: value("choices")?.elements?.compactMap(\.value.stringValue))
                )
            }
            return result
        }
    }
}

/// One notice for a department: a sub-case was dispatched, resumed or cancelled.
public struct Dispatch: Sendable, Equatable {
    /// The outbox row.
    public var id: Int64
    /// The receiving department.
    public var department: String
    /// The sub-case.
    public var subcase: String
    /// `dispatched`, `resumed` or `cancelled`.
    public var kind: String
}

/// How dispatches reach departments. The engine writes every dispatch to its outbox in the same
/// transaction as the state change; a gateway delivers them. The inbox gateway leaves them for
/// `onego dept inbox` to read; a webhook gateway can post them and report which arrived, without
/// changing the engine.
public protocol DepartmentGateway: Sendable {
    /// Delivers dispatches; returns the ids of those delivered.
    func deliver(_ dispatches: [Dispatch]) -> [Int64]
}

/// The inbox gateway: departments pull their sub-cases with `onego dept inbox`, which marks
/// their dispatches delivered. Pushing delivers nothing.
public struct InboxGateway: DepartmentGateway {
    /// Creates the gateway.
    public init() {}

    public func deliver(_ dispatches: [Dispatch]) -> [Int64] { [] }
}
