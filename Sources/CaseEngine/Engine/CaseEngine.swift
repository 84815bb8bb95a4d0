import BundleKit
import Foundation
import JSONC
import WorkCalendar

/// The orchestrator: turns one submitted bundle application into department sub-cases and
/// carries them to one result, over a ``CaseRepository``.
///
/// Every step is decided by ``SubcaseMachine`` and written by the repository in one transaction
/// with its audit event, its outbox rows and the sub-cases it releases: all or nothing. Time and
/// query codes come from the injected clock and code source, so tests replay exactly.
///
/// ```swift
/// let engine = CaseEngine(repository: try SQLiteCaseStore(path: "onego.db"), library: library, calendar: calendar)
/// let receipt = try await engine.submit(application)
/// try await engine.accept(receipt.caseNumber + "-01", department: "market-regulation", by: clerk)
/// ```
public final class CaseEngine: Sendable {
    /// Where cases are stored.
    public let repository: any CaseRepository
    /// The bundles cases are submitted under.
    public let library: BundleLibrary
    /// The working-day calendar.
    public let calendar: WorkCalendar
    /// The state machine.
    public let machine: SubcaseMachine
    /// Rung after every committed change that notifies a department (the outbox relay listens).
    public let dispatches = Doorbell()
    let clock: any EngineClock
    let codes: any QueryCodeSource
    let plans = PlanCache()

    /// Creates an engine.
    public init(
        repository: any CaseRepository,
        library: BundleLibrary,
        calendar: WorkCalendar,
        clock: any EngineClock = SystemClock(),
        codes: any QueryCodeSource = RandomQueryCodes()
    ) {
        self.repository = repository
        self.library = library
        self.calendar = calendar
        self.machine = SubcaseMachine(calendar: calendar, catalog: library.catalog)
        self.clock = clock
        self.codes = codes
    }

    /// Today, from the injected clock.
    public var today: CalendarDate { clock.today() }

    // MARK: - Submission

    /// Validates and stores an application; opens one sub-case per active item and dispatches
    /// those with nothing to wait for.
    ///
    /// The same idempotency key again returns the first receipt — looked up before any validation,
    /// so a retry on a later day (a promise date now past, a bundle since changed) still finds its
    /// case; with a different application it is refused. An invalid application is answered with
    /// every problem at once and saves nothing.
    @discardableResult
    public func submit(_ submitted: Application) async throws(CaseEngineError) -> Receipt {
        let today = clock.today()
        let plans = self.plans
        let library = self.library
        // The plan for the bundle and answers asked for, looked up once: it completes the fields that
        // are the applicant's own, then the validator checks against it.
        let requested = library.bundle(submitted.bundle).map {
            plans.compiled($0, answers: submitted.answers, catalog: library.catalog)
        }
        var completed = submitted
        if let compiled = requested?.result.compiled {
            completed.fillApplicantFields(of: compiled)
            completed.normalizeIDNumbers(of: compiled)
        }
        let application = completed
        let fingerprint = application.fingerprint
        if let stored = try await repository.storedSubmission(idempotencyKey: application.idempotencyKey) {
            guard stored.fingerprint == fingerprint else {
                throw CaseEngineError.idempotencyConflict(key: application.idempotencyKey, existingCase: stored.number)
            }
            return try await receipt(for: stored.number)
        }
        let validator = ApplicationValidator(library: library, today: today, calendar: calendar) { bundle, answers in
            if let requested, answers == submitted.answers { return requested.result }
            return plans.compiled(bundle, answers: answers, catalog: library.catalog).result
        }
        let (bundle, compiled) = try validator.validate(application).get()
        let plan = requested ?? plans.compiled(bundle, answers: application.answers, catalog: library.catalog)
        let promised = calendar.deadline(acceptedOn: today, workingDays: compiled.criticalPathDays)
        let timestamp = clock.timestamp()
        let form = compiled.fields.compactMap { field -> FormEntry? in
            guard let value = application.values[field.element]?.trimmed, !value.isEmpty else { return nil }
            return FormEntry(element: field.element, label: field.label, sensitive: field.sensitive, value: value)
        }
        // A material whose condition rules it out is not on the checklist, even one that shared data
        // could supply: it was neither needed nor obtained.
        let evaluation = FormEvaluation(compiled, answers: application.answers, values: application.values)
        let materials = compiled.materials.filter(evaluation.isNeeded).compactMap { material -> CaseMaterial? in
            guard
                let status = application.materials[material.material] ?? (material.sharedData ? .sharedData : nil)
            else { return nil }
            var promisedBy: String?
            if case .missing(let date) = status { promisedBy = date.description }
            return CaseMaterial(id: material.material, name: material.name, status: status.word, promisedBy: promisedBy)
        }
        let subcases = plan.subcasePlans.map { template -> Subcase in
            let ready = template.after.isEmpty
            let due = ready ? calendar.deadline(acceptedOn: today, workingDays: template.promisedDays) : nil
            return Subcase(
                plan: template,
                progress: SubcaseProgress(
                    state: ready ? .dispatched : .waiting, released: ready, dispatchedOn: ready ? today : nil, due: due
                ))
        }
        let newCase = NewCase(
            day: today, queryCode: codes.nextQueryCode(), bundle: bundle.id, version: bundle.version,
            bundleName: bundle.name, planHash: plan.hash, planJSON: plan.json, applicant: application.applicant,
            channel: application.channel, idempotencyKey: application.idempotencyKey,
            fingerprint: fingerprint, answers: application.answers, submittedAt: timestamp,
            promised: promised, form: form, materials: materials, attachments: application.attachments,
            subcases: subcases,
            auditDetail:
                "bundle=\(bundle.id)@\(bundle.version) plan=\(plan.hash.prefix(16)) subcases=\(compiled.subcases.count)"
        )
        var origin = newCase
        origin.via = application.origin.via
        origin.requestID = application.origin.requestID
        switch try await repository.insert(origin) {
        case .existing(let number, let fingerprint):
            guard fingerprint == newCase.fingerprint else {
                throw CaseEngineError.idempotencyConflict(key: application.idempotencyKey, existingCase: number)
            }
            return try await receipt(for: number)
        case .inserted(let number):
            dispatches.ring()
            return Receipt(
                caseNumber: number, queryCode: newCase.queryCode, bundle: bundle.id, bundleName: bundle.name,
                applicantName: application.applicant.name,
                applicantIDMasked: IDNumber.masked(application.applicant.idNumber), submittedOn: today,
                promised: promised,
                subcases: compiled.subcases.map { ReceiptLine(department: $0.departmentName, item: $0.name) },
                submittedAt: timestamp)
        }
    }

    /// The receipt of a stored case.
    public func receipt(for number: String) async throws(CaseEngineError) -> Receipt {
        guard let record = try await repository.caseRecord(number) else { throw CaseEngineError.unknownCase(number) }
        let subcases = try await repository.subcases(ofCase: number)
        return Receipt(
            caseNumber: number, queryCode: record.queryCode, bundle: record.bundle, bundleName: record.bundleName,
            applicantName: record.applicant.name, applicantIDMasked: IDNumber.masked(record.applicant.idNumber),
            submittedOn: record.submittedOn, promised: record.promised,
            subcases: subcases.map { ReceiptLine(department: $0.plan.departmentName, item: $0.plan.itemName) },
            submittedAt: record.submittedAt)
    }

    // MARK: - Applying steps

    /// Decides `step` on `target` with the state machine inside the repository's transaction.
    func perform(
        _ step: Step, on target: String, by principal: Principal, department: String = "",
        fieldTypes: [String: SubcaseMachine.FieldType] = [:]
    ) async throws(CaseEngineError) -> Transition {
        let context = SubcaseMachine.Context(
            today: clock.today(), timestamp: clock.timestamp(), principal: principal, department: department,
            fieldTypes: fieldTypes)
        let machine = self.machine
        let transition = try await repository.transact(step.scope(target)) { snapshot throws(CaseEngineError) in
            try machine.apply(step, to: target, in: snapshot, context: context)
        }
        if !transition.dispatches.isEmpty { dispatches.ring() }
        return transition
    }
}

/// A compiled bundle as submissions use it: the compilation, its JSON and hash (stored once per
/// plan), and each sub-case's plan entry laid out once per plan.
struct CachedPlan {
    var result: CompilationResult
    var json: String
    var hash: String
    var subcasePlans: [SubcasePlan]

    init(_ result: CompilationResult, catalog: Catalog) {
        self.result = result
        json = result.compiled?.jsonValue.serialized(pretty: false) ?? ""
        hash = SHA256.hex(json)
        guard let compiled = result.compiled else {
            subcasePlans = []
            return
        }
        subcasePlans = compiled.subcases.enumerated().map { index, subcase in
            SubcasePlan(
                id: "", caseNumber: "", position: index + 1, item: subcase.item, itemName: subcase.name,
                department: subcase.department, departmentName: subcase.departmentName, kind: subcase.kind,
                promisedDays: subcase.promisedDays, legalDays: catalog.items[subcase.item]?.legalDays,
                earlyStart: subcase.earlyStart, after: subcase.after,
                inputFlows: subcase.inputs.map { InputFlow(from: $0.from, elements: $0.elements) },
                outputElements: subcase.outputs,
                dependants: compiled.subcases.filter { $0.after.contains(subcase.item) }.map(\.item),
                fields: compiled.fields.filter { $0.items.contains(subcase.item) }.map(\.element),
                materials: compiled.materials.filter { $0.items.contains(subcase.item) }.map(\.material))
        }
    }
}

/// Compiled bundles by bundle, version and answers: compiling, hashing and laying out once per
/// combination instead of once per submission.
final class PlanCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: CachedPlan] = [:]

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
