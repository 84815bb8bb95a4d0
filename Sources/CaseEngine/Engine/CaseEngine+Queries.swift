import BundleKit
import JSONC
import WorkCalendar

extension CaseEngine {
    /// A case with its sub-cases, open corrections and materials; ID numbers masked.
    public func caseSummary(_ number: String) async throws(CaseEngineError) -> CaseSummary {
        guard let record = try await repository.caseRecord(number) else { throw CaseEngineError.unknownCase(number) }
        return try await summary(of: record)
    }

    /// A case as a citizen may see it: only with the right query code. A wrong code is answered
    /// exactly like an unknown case, so codes cannot be probed.
    public func caseSummary(number: String, queryCode: String) async throws(CaseEngineError) -> CaseSummary {
        guard let record = try await repository.caseRecord(number), record.queryCode == queryCode else {
            throw CaseEngineError.unknownCase(number)
        }
        return try await summary(of: record)
    }

    /// Cases matching a search, newest first, one page at a time (`limit` at most
    /// ``maximumPageSize``); pass the page's `next` as `after` for the next page.
    public func findCases(
        _ query: CaseQuery = CaseQuery(), after cursor: String? = nil, limit: Int = 50
    ) async throws(CaseEngineError) -> Page<CaseSummary> {
        var normalized = query
        normalized.applicantIDNumber = query.applicantIDNumber.map {
            Application.normalizedIDNumber($0.trimmingWhitespace)
        }
        let numbers = try await repository.caseNumbers(
            matching: normalized, after: cursor, limit: Self.pageSize(limit))
        var summaries: [CaseSummary] = []
        for number in numbers.items { summaries.append(try await caseSummary(number)) }
        return Page(items: summaries, next: numbers.next)
    }

    /// Cases, newest first, optionally only those with a status: the first page of ``findCases(_:after:limit:)``.
    public func listCases(
        status: CaseStatus? = nil, limit: Int = 200
    ) async throws(CaseEngineError) -> [CaseSummary] {
        try await findCases(CaseQuery(status: status), limit: limit).items
    }

    /// A department's open sub-cases, each with only what its item needs, one page at a time. Reading
    /// marks nothing: the department acknowledges what it received with ``acknowledge(department:subcases:)``.
    public func inbox(
        department: String, after cursor: String? = nil, limit: Int = 50
    ) async throws(CaseEngineError) -> Page<DepartmentView> {
        let page = try await repository.openSubcases(department: department, after: cursor, limit: Self.pageSize(limit))
        var views: [DepartmentView] = []
        for subcase in page.items { views.append(try await departmentView(of: subcase)) }
        return Page(items: views, next: page.next)
    }

    /// Records that a department received the dispatches of these sub-cases; returns how many
    /// undelivered dispatches that marked.
    @discardableResult
    public func acknowledge(department: String, subcases: [String]) async throws(CaseEngineError) -> Int {
        try await repository.acknowledgeDispatches(department: department, subcases: subcases, at: clock.timestamp())
    }

    static func pageSize(_ limit: Int) -> Int { min(max(limit, 1), maximumPageSize) }

    /// One sub-case as its department sees it (its data withheld until it is dispatched to it).
    public func departmentView(_ id: String, department: String) async throws(CaseEngineError) -> DepartmentView {
        guard let subcase = try await repository.subcase(id) else { throw CaseEngineError.unknownSubcase(id) }
        guard subcase.plan.department == department else {
            throw CaseEngineError.wrongDepartment(subcase: id, department: department, owner: subcase.plan.department)
        }
        return try await departmentView(of: subcase)
    }

    /// A scan of one of a sub-case's materials, for its department to view: only the materials its
    /// item needs, only once the sub-case is dispatched to it, never after it was cancelled. Any
    /// other scan is answered as unknown, whether or not it exists.
    public func departmentAttachment(
        _ id: String, department: String, material: String, sha256: String
    ) async throws(CaseEngineError) -> AttachmentContent {
        guard let subcase = try await repository.subcase(id) else { throw CaseEngineError.unknownSubcase(id) }
        guard subcase.plan.department == department else {
            throw CaseEngineError.wrongDepartment(subcase: id, department: department, owner: subcase.plan.department)
        }
        let dispatched = subcase.progress.released || subcase.plan.earlyStart
        guard dispatched, subcase.state != .cancelled, subcase.plan.materials.contains(material),
            let content = try await repository.attachmentContent(
                caseNumber: subcase.caseNumber, material: material, sha256: sha256)
        else { throw CaseEngineError.unknownAttachment(subcase: id, material: material) }
        return content
    }

    /// Checks the database's structure, then the audit chain: a damaged file is reported as such,
    /// never as intact.
    ///
    /// - Parameters:
    ///   - key: the audit key, to check keyed events.
    ///   - checkpoints: what was recorded outside the database (where keying began, heads kept).
    ///   - caseBatch: how many cases the replay reads at a time (tests cross batches with few cases).
    public func verifyAudit(
        key: AuditKey? = nil, checkpoints: AuditCheckpoints = AuditCheckpoints(), caseBatch: Int = auditCaseBatch
    ) async throws(CaseEngineError) -> AuditVerification {
        if let problem = try await repository.structuralProblems().first { return .damaged(problem) }
        // The replay reads the cases while the chain is walked (on a store that reads concurrently,
        // two cores do twice the work); a broken chain is answered first, whatever the replay says.
        let cases = max(1, caseBatch)
        let replay = Task { () async -> Result<String?, CaseEngineError> in
            do throws(CaseEngineError) { return .success(try await replayDifference(batch: cases)) } catch {
                return .failure(error)
            }
        }
        defer { replay.cancel() }
        // The chain is walked in batches, keeping only its last hashes; a break is named from the
        // event where it shows and, if it names another event's hash, where that event is stored.
        var walker = AuditChain.Walker(key: key, checkpoints: checkpoints)
        var after: Int64 = 0
        while true {
            let batch = try await repository.auditEvents(after: after, limit: Self.auditBatch)
            guard let last = batch.last else { break }
            for stored in batch where !walker.feed(stored) {
                let named = walker.unexpectedPreviousHash(of: stored)
                let found = if let named { try await repository.auditEventSeq(hash: named) } else { Int64?.none }
                return walker.problem(at: stored, hashFoundAt: found)
            }
            after = last.seq
        }
        let verdict = walker.finish()
        guard case .intact = verdict else { return verdict }
        if let difference = try await replay.value.get() { return .differs(difference) }
        return verdict
    }

    /// The first difference, in case order, between what the events record and the stored rows:
    /// the cases are read a batch at a time, each batch with its events and sub-cases, so memory
    /// holds one batch whatever the number of cases.
    func replayDifference(batch: Int) async throws(CaseEngineError) -> String? {
        var after = ""
        // Cancelled when the chain itself is broken: that answer needs no replay.
        while !Task.isCancelled {
            let headers = try await repository.caseAuditHeaders(after: after, limit: batch)
            // A full batch ends at its last case; the last one takes every event after it too, so
            // that a case whose row was deleted past the last row is found.
            let through = headers.count == batch ? headers.last?.number : nil
            var replays: [String: AuditReplay] = [:]
            for trace in try await repository.auditTraces(ofCasesAfter: after, through: through) {
                replays[trace.caseNumber, default: AuditReplay()].add(trace)
            }
            let subcases =
                if let last = headers.last {
                    Dictionary(
                        grouping: try await repository.subcases(ofCasesAfter: after, through: last.number),
                        by: \.caseNumber)
                } else { [String: [Subcase]]() }
            let rows = Dictionary(uniqueKeysWithValues: headers.map { ($0.number, $0) })
            for number in Set(rows.keys).union(replays.keys).sorted() {
                let replay = replays[number] ?? AuditReplay()
                guard let header = rows[number] else {
                    if replay.sawSubmission { return AuditReplay.deleted(number) }
                    continue
                }
                if let difference = replay.difference(in: header, subcases: subcases[number] ?? []) {
                    return difference
                }
            }
            guard let through else { return nil }
            after = through
        }
        return nil
    }

    /// How many events verification reads at a time.
    static let auditBatch = 10_000
    /// How many cases the replay reads at a time, with their events and sub-cases.
    public static let auditCaseBatch = 1_000

    /// The chain's newest event: its sequence number and hash, to keep as a checkpoint.
    public func auditHead() async throws(CaseEngineError) -> AuditCheckpoints.Checkpoint? {
        try await repository.lastAuditEvent().map { AuditCheckpoints.Checkpoint(seq: $0.seq, hash: $0.hash) }
    }

    /// How many cases got each grade, 1 to 5.
    public func ratingCounts() async throws(CaseEngineError) -> [Int: Int] {
        try await repository.ratingCounts()
    }

    /// Bad ratings (差评) nobody has followed up since they were given, one page at a time.
    public func ratingsAwaitingFollowUp(
        after cursor: String? = nil, limit: Int = 50
    ) async throws(CaseEngineError) -> Page<Rating> {
        try await repository.ratingsAwaitingFollowUp(after: cursor, limit: Self.pageSize(limit))
    }

    /// A case's rating and what was done about it.
    public func rating(
        of caseNumber: String
    ) async throws(CaseEngineError) -> (
        rating: Rating?, followUps: [RatingFollowUp]
    ) {
        (
            try await repository.rating(caseNumber: caseNumber),
            try await repository.ratingFollowUps(caseNumber: caseNumber)
        )
    }

    // MARK: - Views

    func summary(of record: CaseRecord) async throws(CaseEngineError) -> CaseSummary {
        let subcases = try await repository.subcases(ofCase: record.number)
        let corrections =
            subcases.contains { $0.state == .correcting }
            ? try await repository.openCorrections(ofCase: record.number) : []
        return CaseSummary(
            number: record.number, bundle: record.bundle, version: record.version, bundleName: record.bundleName,
            status: record.status, applicantName: record.applicant.name,
            applicantIDMasked: IDNumber.masked(record.applicant.idNumber), channel: record.channel,
            submittedOn: record.submittedOn, promised: record.promised, subcases: subcases.map(\.summary),
            corrections: Self.notices(for: subcases, corrections: corrections, record: record),
            materials: record.materials, handedOutAt: record.handedOutAt,
            handedOutTo: record.handedOutTo.map { Recipient(name: $0.name, idNumber: $0.idNumber.map(IDNumber.masked)) }
        )
    }

    /// The latest open correction of each sub-case awaiting one, less what was already supplied.
    static func notices(for subcases: [Subcase], corrections: [Correction], record: CaseRecord) -> [CorrectionNotice] {
        subcases.filter { $0.state == .correcting }.compactMap { subcase in
            guard let correction = corrections.last(where: { $0.subcaseID == subcase.id }) else { return nil }
            let supplied = Set(correction.suppliedMaterials + correction.suppliedFields)
            return CorrectionNotice(
                subcaseID: subcase.id, department: subcase.plan.departmentName,
                materials: correction.materials.filter { !supplied.contains($0) }.map { id in
                    NamedEntry(
                        id: id, name: record.materials.first { $0.id == id }?.name ?? LocalizedText(zh: id, en: id))
                },
                fields: correction.fields.filter { !supplied.contains($0) }.map { element in
                    NamedEntry(
                        id: element,
                        name: record.form.first { $0.element == element }?.label
                            ?? LocalizedText(zh: element, en: element))
                },
                note: correction.note, requestedOn: correction.requestedOn)
        }
    }

    func departmentView(of subcase: Subcase) async throws(CaseEngineError) -> DepartmentView {
        // Personal data goes to a department only once its sub-case is dispatched to it (or the
        // bundle lets its item start early), and not after it was cancelled.
        let dispatched = subcase.progress.released || subcase.plan.earlyStart
        guard dispatched, subcase.state != .cancelled else {
            return DepartmentView(
                caseNumber: subcase.caseNumber, subcase: subcase.summary, withheld: true, fields: [], materials: [],
                inputs: [], correction: nil)
        }
        guard let record = try await repository.caseRecord(subcase.caseNumber) else {
            throw CaseEngineError.unknownCase(subcase.caseNumber)
        }
        let fields = subcase.plan.fields.compactMap { element -> DepartmentField? in
            record.form.first { $0.element == element }.map {
                DepartmentField(element: element, label: $0.label, value: $0.value)
            }
        }
        var materials: [DepartmentMaterial] = []
        for material in subcase.plan.materials {
            guard let entry = record.materials.first(where: { $0.id == material }) else { continue }
            let attachments = try await repository.attachments(caseNumber: record.number, material: material)
            materials.append(
                DepartmentMaterial(id: material, name: entry.name, status: entry.status, attachments: attachments))
        }
        let inputs = subcase.plan.inputFlows.flatMap { flow in
            flow.elements.map { ReceivedInput(element: $0, value: subcase.progress.inputs[$0] ?? "", from: flow.from) }
        }
        let corrections =
            subcase.state == .correcting ? try await repository.openCorrections(ofCase: subcase.caseNumber) : []
        var visible = record
        visible.materials = record.materials.filter { subcase.plan.materials.contains($0.id) }
        return DepartmentView(
            caseNumber: subcase.caseNumber, subcase: subcase.summary, withheld: false, fields: fields,
            materials: materials,
            inputs: inputs, correction: Self.notices(for: [subcase], corrections: corrections, record: visible).first)
    }

    /// The types and merged constraints of a case's form fields, from the plan it was submitted under.
    func pinnedFieldTypes(of number: String) async throws(CaseEngineError) -> [String: SubcaseMachine.FieldType] {
        guard let record = try await repository.caseRecord(number) else { throw CaseEngineError.unknownCase(number) }
        guard let json = try await repository.plan(hash: record.planHash) else { return [:] }
        guard let form = try? CompiledBundle.formFields(fromJSON: json) else {
            throw CaseEngineError.corruptRecord("the plan of case \(number)")
        }
        var result: [String: SubcaseMachine.FieldType] = [:]
        for field in form {
            result[field.element] = SubcaseMachine.FieldType(type: field.type, constraints: field.constraints)
        }
        return result
    }
}
