import BundleKit
import Foundation
import GRDB
import JSONC
import WorkCalendar

/// The orchestrator: turns one submitted bundle application into department sub-cases and
/// carries them to one result.
///
/// Every method that changes state runs one transaction that writes the change, its audit event,
/// the outbox rows for departments and the sub-cases it releases: all or nothing. Time and query
/// codes come from the injected clock and code source, so tests replay exactly.
///
/// ```swift
/// let engine = CaseEngine(store: try CaseStore(path: "onego.db"), library: library, calendar: calendar)
/// let receipt = try engine.submit(application)
/// try engine.accept(receipt.caseNumber + "-01", department: "market-regulation", actor: clerk)
/// ```
public final class CaseEngine: Sendable {
    /// The case database.
    public let store: CaseStore
    /// The bundles cases are submitted under.
    public let library: BundleLibrary
    /// The working-day calendar.
    public let calendar: WorkCalendar
    let clock: any EngineClock
    let codes: any QueryCodeSource
    private let plans = PlanCache()

    /// Creates an engine.
    public init(
        store: CaseStore,
        library: BundleLibrary,
        calendar: WorkCalendar,
        clock: any EngineClock = SystemClock(),
        codes: any QueryCodeSource = RandomQueryCodes()
    ) {
        self.store = store
        self.library = library
        self.calendar = calendar
        self.clock = clock
        self.codes = codes
    }

    /// Today, from the injected clock.
    public var today: CalendarDate { clock.today() }

    // MARK: - Submission

    /// Validates and stores an application; opens one sub-case per active item and dispatches
    /// those with nothing to wait for.
    ///
    /// The same idempotency key again returns the first receipt; with a different application it
    /// is refused. An invalid application is answered with every problem at once and saves nothing.
    @discardableResult
    public func submit(_ submitted: Application) throws(CaseEngineError) -> Receipt {
        let today = clock.today()
        let plans = self.plans
        let library = self.library
        // The plan for the bundle and answers asked for, looked up once: it completes the fields that
        // are the applicant's own, then the validator checks against it.
        let requested = library.bundle(submitted.bundle).map {
            plans.compiled($0, answers: submitted.answers, catalog: library.catalog)
        }
        var completed = submitted
        if let compiled = requested?.result.compiled { completed.fillApplicantFields(of: compiled) }
        let application = completed
        let validator = ApplicationValidator(library: library, today: today) { bundle, answers in
            requested?.result ?? plans.compiled(bundle, answers: answers, catalog: library.catalog).result
        }
        let (bundle, compiled) = try validator.validate(application).get()
        let plan = requested ?? plans.compiled(bundle, answers: application.answers, catalog: library.catalog)
        let (planJSON, planHash) = (plan.json, plan.hash)
        let promised = calendar.deadline(acceptedOn: today, workingDays: compiled.criticalPathDays)
        let timestamp = clock.timestamp()
        let queryCode = codes.nextQueryCode()
        let fingerprint = application.fingerprint
        let calendar = self.calendar
        let planStored = plans.isStored(planHash)
        let form = CaseForm(
            entries: compiled.fields.compactMap { field in
                guard let value = application.values[field.element]?.trimmed, !value.isEmpty else { return nil }
                return CaseForm.Entry(
                    element: field.element, label: field.label, sensitive: field.sensitive, value: value)
            }
        ).json
        let materials = CaseMaterials(
            entries: compiled.materials.compactMap { material in
                guard
                    let status = application.materials[material.material]
                        ?? (material.sharedData ? .sharedData : nil)
                else { return nil }
                var promisedBy: String?
                if case .missing(let date) = status { promisedBy = date.description }
                return CaseMaterials.Entry(
                    material: material.material, name: material.name, status: status.word, promisedBy: promisedBy)
            }
        ).json
        let (number, isNew): (String, Bool) = try store.write { db in
            if let (existing, storedFingerprint) = try db.fetchFirst(
                .caseByIdempotencyKey, .text(application.idempotencyKey),
                row: { ($0.text(0), $0.text(1)) })
            {
                guard storedFingerprint == fingerprint else {
                    throw CaseEngineError.idempotencyConflict(key: application.idempotencyKey, existingCase: existing)
                }
                return (existing, false)
            }
            let prefix = "OG" + today.description.filter { $0 != "-" } + "-"
            let sequence =
                try db.fetchFirst(
                    .nextCaseSequence, .text(today.description), row: { $0.int(0) }) ?? 1
            let number = prefix + Self.padded(sequence, to: 6)
            if !planStored {
                try db.run(
                    "INSERT OR IGNORE INTO plans (hash, bundle, version, compiled) VALUES (?, ?, ?, ?)",
                    [planHash, bundle.id, bundle.version, planJSON])
            }
            let answers = JSONValue.orderedObject(
                application.answers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }
            ).serialized(pretty: false)
            try db.execute(
                .insertCase,
                .text(number), .text(queryCode), .text(bundle.id), .text(bundle.version), .text(bundle.name.zh),
                .text(bundle.name.en), .text(planHash), .text(CaseStatus.inProgress.rawValue),
                .text(application.applicant.name), .text(application.applicant.idNumber),
                .text(application.applicant.phone), .text(application.channel.kind.rawValue),
                .text(application.channel.id), .text(application.idempotencyKey), .text(fingerprint), .text(answers),
                .text(today.description), .text(timestamp), .text(promised.date.description),
                .bool(promised.provisional), .text(form), .text(materials))
            for attachment in application.attachments {
                try Self.storeAttachment(attachment, caseNumber: number, at: timestamp, in: db)
            }
            for (index, subcase) in compiled.subcases.enumerated() {
                let lists = plan.subcaseLists[index]
                let ready = subcase.after.isEmpty
                let due = ready ? calendar.deadline(acceptedOn: today, workingDays: subcase.promisedDays) : nil
                let id = number + "-" + Self.padded(index + 1, to: 2)
                try db.execute(
                    .insertSubcase,
                    .text(id), .text(number), .int(index + 1), .text(subcase.item), .text(subcase.name.zh),
                    .text(subcase.name.en), .text(subcase.department), .text(subcase.departmentName.zh),
                    .text(subcase.departmentName.en), .text(subcase.kind.rawValue), .int(subcase.promisedDays),
                    .int(lists.legalDays), .bool(subcase.earlyStart), .text(lists.after), .text(lists.inputFlows),
                    .text(lists.outputs), .text(lists.dependants), .text(lists.fields), .text(lists.materials))
                try db.execute(
                    .insertSubcaseProgress, .text(id), .text((ready ? SubcaseState.dispatched : .waiting).rawValue),
                    .bool(ready), .text(ready ? today.description : nil), .text(due?.date.description),
                    .bool(due?.provisional ?? false))
                if ready {
                    try Self.enqueue(
                        department: subcase.department, subcase: id, kind: "dispatched", at: timestamp, in: db)
                }
            }
            let actor = Actor(id: application.channel.id, role: application.channel.kind == .kiosk ? .kiosk : .window)
            try AuditLog.append(
                AuditEvent(
                    at: timestamp, actor: actor, action: "submit", caseNumber: number, subcaseID: "", before: "",
                    after: CaseStatus.inProgress.rawValue,
                    detail:
                        "bundle=\(bundle.id)@\(bundle.version) plan=\(planHash.prefix(16)) subcases=\(compiled.subcases.count)"
                ), in: db, head: store.chainHead)
            return (number, true)
        }
        plans.markStored(planHash)
        guard isNew else { return try receipt(for: number) }
        return Receipt(
            caseNumber: number, queryCode: queryCode, bundle: bundle.id, bundleName: bundle.name,
            applicantName: application.applicant.name,
            applicantIDMasked: IDNumber.masked(application.applicant.idNumber),
            submittedOn: today, promised: promised,
            subcases: compiled.subcases.map { ($0.departmentName, $0.name) })
    }

    /// The receipt of a stored case.
    public func receipt(for number: String) throws(CaseEngineError) -> Receipt {
        let summary = try caseSummary(number)
        let queryCode: String = try store.read { db in
            try String.fetchOne(db, sql: "SELECT query_code FROM cases WHERE number = ?", arguments: [number]) ?? ""
        }
        return Receipt(
            caseNumber: number, queryCode: queryCode, bundle: summary.bundle, bundleName: summary.bundleName,
            applicantName: summary.applicantName, applicantIDMasked: summary.applicantIDMasked,
            submittedOn: summary.submittedOn, promised: summary.promised,
            subcases: summary.subcases.map { ($0.departmentName, $0.itemName) })
    }

    // MARK: - Shared pieces

    static func padded(_ value: Int, to width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func enqueue(department: String, subcase: String, kind: String, at timestamp: String, in db: Database) throws
    {
        try db.execute(
            .insertOutbox, .text(department),
            .text(subcase), .text(kind), .text(timestamp))
    }

    static func storeAttachment(
        _ attachment: Attachment, caseNumber: String, at timestamp: String, in db: Database
    )
        throws
    {
        try db.run(
            """
            INSERT INTO attachments (case_number, material, sha256, size, media_type, content, added_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                caseNumber, attachment.material, SHA256.hex(attachment.content), attachment.content.count,
                attachment.mediaType, Data(attachment.content), timestamp,
            ])
    }

    /// Recomputes and stores the case status from its sub-cases; returns (before, after).
    @discardableResult
    static func refreshStatus(
        of number: String, on today: CalendarDate, in db: Database
    ) throws -> (CaseStatus, CaseStatus) {
        guard
            let (before, withdrawn) = try db.fetchFirst(
                .caseStatusAndWithdrawal, .text(number),
                row: { (CaseStatus(rawValue: $0.text(0)) ?? .inProgress, $0.bool(1)) })
        else { throw CaseEngineError.unknownCase(number) }
        let states = try db.fetch(
            .subcaseStatesOfCase, .text(number), .text(number),
            row: { SubcaseState(rawValue: $0.text(0)) }
        ).compactMap { $0 }
        let after = CaseStatus.derive(from: states, withdrawn: withdrawn)
        if after != before {
            try db.execute(
                .updateCaseStatus, .text(after.rawValue),
                .text(after.isFinal ? today.description : nil), .text(number))
        }
        return (before, after)
    }
}

/// A compiled bundle as submissions use it: the compilation, its JSON and hash (stored once per
/// plan), and each sub-case's lists as the `subcases` table stores them.
struct CachedPlan {
    /// What a sub-case row stores about its item's place in the plan, joined once per plan.
    struct SubcaseLists {
        var legalDays: Int?
        var after: String
        var inputFlows: String
        var outputs: String
        var dependants: String
        var fields: String
        var materials: String
    }

    var result: CompilationResult
    var json: String
    var hash: String
    var subcaseLists: [SubcaseLists]

    init(_ result: CompilationResult, catalog: Catalog) {
        self.result = result
        json = result.compiled?.jsonValue.serialized(pretty: false) ?? ""
        hash = SHA256.hex(json)
        guard let compiled = result.compiled else {
            subcaseLists = []
            return
        }
        subcaseLists = compiled.subcases.map { subcase in
            SubcaseLists(
                legalDays: catalog.items[subcase.item]?.legalDays,
                after: subcase.after.joined(separator: ","),
                inputFlows: subcase.inputs.map { $0.from + ":" + $0.elements.joined(separator: "|") }.joined(
                    separator: ","),
                outputs: subcase.outputs.joined(separator: ","),
                dependants: compiled.subcases.filter { $0.after.contains(subcase.item) }.map(\.item).joined(
                    separator: ","),
                fields: compiled.fields.filter { $0.items.contains(subcase.item) }.map(\.element).joined(
                    separator: ","),
                materials: compiled.materials.filter { $0.items.contains(subcase.item) }.map(\.material).joined(
                    separator: ","))
        }
    }
}

/// Compiled bundles by bundle, version and answers: compiling, hashing and laying out once per
/// combination instead of once per submission.
final class PlanCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: CachedPlan] = [:]
    private var stored: Set<String> = []

    /// Whether this process has already committed the plan with this hash.
    func isStored(_ hash: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return stored.contains(hash)
    }

    /// Records that the plan with this hash is in the database (after the commit).
    func markStored(_ hash: String) {
        lock.lock()
        stored.insert(hash)
        lock.unlock()
    }

    func compiled(_ bundle: BundleDefinition, answers: [String: String], catalog: Catalog) -> CachedPlan {
        let key =
            bundle.id + "@" + bundle.version + "?"
            + answers.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }.joined(separator: "&")
        lock.lock()
        if let entry = entries[key] {
            lock.unlock()
            return entry
        }
        lock.unlock()
        let entry = CachedPlan(BundleCompiler(catalog: catalog).compile(bundle, answers: answers), catalog: catalog)
        lock.lock()
        if entries.count > 4096 { entries.removeAll() }
        entries[key] = entry
        lock.unlock()
        return entry
    }
}
