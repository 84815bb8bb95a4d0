import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import HummingbirdAuth
import JSONC
import WorkCalendar

/// Cases as kiosks and windows work with them: bundles, submission, receipts, a citizen's progress
/// by query code, supplying materials, ratings; and for window staff search, case detail with its
/// timeline, handout and withdrawal. Handlers translate HTTP to the engine's operations; the engine
/// decides.
struct CaseRoutes {
    let engine: CaseEngine
    let queryGuard: QueryCodeGuard
    let keys: IdempotencyKeys
    let steps: IdempotentStep
    let snapshot: LibrarySnapshot

    func add(to router: Router<ServerContext>) {
        let v1 = router.group("v1")
        let counter = v1.group().add(middleware: AllowCallers(.kiosk, .window))
        counter.get("library", use: library)
        counter.get("bundles", use: bundles)
        counter.get("bundles/{bundle}/compiled", use: compiled)
        counter.post("cases", use: submit)
        counter.get("cases/{number}/receipt", use: receipt)
        counter.post("cases/{number}/supply", use: supply)
        let kiosk = v1.group().add(middleware: AllowCallers(.kiosk))
        kiosk.post("progress", use: progress)
        kiosk.post("cases/{number}/rating", use: rate)
        let staff = v1.group().add(middleware: AllowCallers(.window, .supervisor))
        staff.get("cases", use: search)
        staff.get("cases/{number}", use: detail)
        let supervisor = v1.group().add(middleware: AllowCallers(.supervisor))
        supervisor.get("ratings/awaiting-follow-up", use: ratingsAwaitingFollowUp)
        supervisor.post("cases/{number}/rating/follow-ups", use: followUp)
        let window = v1.group().add(middleware: AllowCallers(.window))
        window.post("cases/{number}/handout", use: handout)
        window.post("cases/{number}/withdraw", use: withdraw)
    }

    /// The files the engine runs on (catalog, bundles, calendar, kiosk strings), for kiosks.
    @Sendable func library(_ request: Request, context: ServerContext) async throws -> Response {
        var response = Response.json(snapshot.json)
        response.headers[.eTag] = "\"\(snapshot.version)\""
        return response
    }

    /// The bundles a citizen may start, by id.
    @Sendable func bundles(_ request: Request, context: ServerContext) async throws -> Response {
        let list = engine.library.bundles.sorted { $0.id < $1.id }.map { bundle in
            JSONValue.orderedObject([
                ("id", .string(bundle.id)), ("version", .string(bundle.version)),
                ("name", bundle.name.jsonValue),
            ])
        }
        return .json(.object(["bundles": .list(list)]))
    }

    /// A bundle compiled for the situation answers in the query (`?situation=choice&…`): the
    /// notice, form and checklist the kiosk shows (docs/compiled-bundle.md).
    @Sendable func compiled(_ request: Request, context: ServerContext) async throws -> Response {
        let id = try context.parameters.require("bundle")
        guard let bundle = engine.library.bundle(id) else { throw Problem.unknownBundle(id) }
        let result = BundleCompiler(catalog: engine.library.catalog).compile(bundle, answers: request.queryValues)
        guard let compiled = result.compiled else {
            let first = result.diagnostics.first { $0.severity == .error }
            throw Problem.invalidRequest(first?.message ?? "the answers do not fit the bundle")
        }
        return .json(compiled.jsonValue)
    }

    /// Submits an application — a citizen's at a kiosk, or one the window enters for them; the
    /// `Idempotency-Key` makes a retry return the first receipt.
    @Sendable func submit(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let key = try IdempotencyKeys.key(of: request, caller: caller)
        let body = try await request.body.collect(upTo: ServerLimits.maximumBodyBytes)
        var application: SubmittedApplication
        do throws(ApplicationFileError) {
            application = try SubmittedApplication(json: Array(body.readableBytesView), name: "request body")
        } catch {
            throw Problem.invalidRequest("\(error.place): \(error.message)")
        }
        let header = key.dropFirst(caller.idempotencyScope.count)
        guard application.idempotencyKey.isEmpty || application.idempotencyKey == header else {
            throw Problem.invalidRequest("the body's idempotencyKey differs from the Idempotency-Key header")
        }
        application.idempotencyKey = key
        application.channel = Channel(kind: caller.kind == .kiosk ? .kiosk : .window, id: caller.id)
        application.origin = .init(via: caller.via, requestID: context.id)
        let submitted = application
        let receipt = try await keys.exclusively(key) { try await engine.submit(submitted) }
        return try .json(receipt, status: .created)
    }

    /// A receipt again: for the kiosk that submitted the case, or any window.
    @Sendable func receipt(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let number = try context.parameters.require("number")
        guard let record = try await engine.repository.caseRecord(number),
            caller.kind == .window || record.channel == Channel(kind: .kiosk, id: caller.id)
        else { throw CaseEngineError.unknownCase(number) }
        return try .json(try await engine.receipt(for: number))
    }

    struct ProgressQuery: Decodable {
        var caseNumber: String
        var queryCode: String
    }

    /// A case's progress for a citizen with its query code; wrong codes lock the case for a while.
    @Sendable func progress(_ request: Request, context: ServerContext) async throws -> Response {
        let query = try await request.decodeSmall(as: ProgressQuery.self, context: context)
        return try .json(
            try await queryGuard.summary(number: query.caseNumber, queryCode: query.queryCode, engine: engine))
    }

    struct SupplyBody: Decodable {
        var queryCode: String?
        var materials: [String]
        var values: [String: String]?
    }

    /// Materials (and corrected values) an open correction asked for, or a material accepted under
    /// 容缺 arriving: at a kiosk with the case's query code, at a window without.
    @Sendable func supply(_ request: Request, context: ServerContext) async throws -> Response {
        try await caseStep(
            request, context, SupplyBody.self,
            check: { caller, number, body in
                if caller.kind == .kiosk {
                    _ = try await queryGuard.summary(number: number, queryCode: body.queryCode ?? "", engine: engine)
                }
            }
        ) { number, body, actor in
            try JSONReply(
                try await engine.supply(
                    caseNumber: number, materials: body.materials, values: body.values ?? [:], actor: actor))
        }
    }

    struct RatingBody: Decodable {
        var queryCode: String
        var grade: Int
    }

    /// Records the citizen's rating of a case.
    @Sendable func rate(_ request: Request, context: ServerContext) async throws -> Response {
        try await caseStep(
            request, context, RatingBody.self,
            check: { _, number, body in
                _ = try await queryGuard.summary(number: number, queryCode: body.queryCode, engine: engine)
            }
        ) { number, body, actor in
            try await engine.rate(caseNumber: number, grade: body.grade, actor: actor)
            return try JSONReply(["rated": body.grade])
        }
    }

    struct FollowUpBody: Decodable {
        var note: String
    }

    /// Bad ratings nobody has followed up since they were given, a page at a time.
    @Sendable func ratingsAwaitingFollowUp(_ request: Request, context: ServerContext) async throws -> Response {
        let page = request.page
        return try .json(try await engine.ratingsAwaitingFollowUp(after: page.after, limit: page.limit))
    }

    /// Records what a supervisor did about a bad rating (差评回访整改).
    @Sendable func followUp(_ request: Request, context: ServerContext) async throws -> Response {
        try await caseStep(request, context, FollowUpBody.self) { number, body, actor in
            try await engine.followUpRating(caseNumber: number, note: body.note, actor: actor)
            return try JSONReply(try await engine.rating(of: number).followUps, status: .created)
        }
    }

    /// Cases matching a search, newest first, a page at a time (`?after=` the previous page's `next`).
    @Sendable func search(_ request: Request, context: ServerContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        func text(_ name: String) -> String? { parameters[name[...]].map(String.init) }
        func date(_ name: String) throws -> CalendarDate? {
            guard let value = text(name) else { return nil }
            guard let date = CalendarDate(value) else { throw Problem.invalidRequest("'\(name)' is YYYY-MM-DD") }
            return date
        }
        var query = CaseQuery()
        query.number = text("number")
        query.applicantName = text("applicantName")
        query.applicantIDNumber = text("applicantIDNumber")
        query.applicantPhone = text("applicantPhone")
        query.submittedFrom = try date("submittedFrom")
        query.submittedThrough = try date("submittedThrough")
        query.department = text("department")
        if let status = text("status") {
            guard let value = CaseStatus(rawValue: status) else {
                throw Problem.invalidRequest("no status '\(status)'")
            }
            query.status = value
        }
        let limit = Int(text("limit") ?? "") ?? 50
        return try .json(try await engine.findCases(query, after: text("after"), limit: limit))
    }

    /// A case with its sub-cases and its timeline: who did what, when, and through what.
    @Sendable func detail(_ request: Request, context: ServerContext) async throws -> Response {
        let number = try context.parameters.require("number")
        let summary = try await engine.caseSummary(number)
        let events = try await engine.repository.auditEvents(ofCase: number)
        return try .json(CaseDetail(case: summary, timeline: events.map(TimelineEntry.init)))
    }

    struct HandoutBody: Decodable {
        var name: String
        var idNumber: String?
    }

    /// Hands the results out to the applicant or the person they sent (统一出件).
    @Sendable func handout(_ request: Request, context: ServerContext) async throws -> Response {
        try await caseStep(request, context, HandoutBody.self) { number, body, actor in
            try JSONReply(
                try await engine.handout(
                    caseNumber: number, to: Recipient(name: body.name, idNumber: body.idNumber), actor: actor))
        }
    }

    struct WithdrawBody: Decodable {
        var reason: String
    }

    /// Withdraws a case at the applicant's request.
    @Sendable func withdraw(_ request: Request, context: ServerContext) async throws -> Response {
        try await caseStep(request, context, WithdrawBody.self) { number, body, actor in
            try JSONReply(try await engine.withdraw(caseNumber: number, reason: body.reason, actor: actor))
        }
    }

    /// A step on the case the path names: its JSON body decoded and `check`ed (a kiosk's query code),
    /// then run once per `Idempotency-Key` as the caller.
    private func caseStep<Body: Decodable>(
        _ request: Request, _ context: ServerContext, _ type: Body.Type,
        check: (Caller, String, Body) async throws -> Void = { _, _, _ in },
        _ work: (String, Body, Principal) async throws -> JSONReply
    ) async throws -> Response {
        let caller = try context.requireIdentity()
        let number = try context.parameters.require("number")
        let raw = try await request.smallBody()
        let body = try Request.decode(Body.self, from: raw)
        try await check(caller, number, body)
        let actor = caller.principal(request: context.id)
        return try await steps.run(request, body: raw, caller: caller) { try await work(number, body, actor) }
    }
}

/// A case and its timeline, as window staff and supervisors see it.
struct CaseDetail: Encodable {
    var `case`: CaseSummary
    var timeline: [TimelineEntry]
}

/// One audited event of a case: never personal data (the audit holds none).
struct TimelineEntry: Encodable {
    var seq: Int64
    var at: String
    var action: String
    var actor: String
    var role: String
    var via: String
    var requestID: String
    var subcase: String
    var before: String
    var after: String
    var detail: String

    init(_ stored: StoredAuditEvent) {
        let event = stored.event
        seq = stored.seq
        at = event.at
        action = event.action
        actor = event.principal.id
        role = event.principal.role.rawValue
        via = event.principal.via
        requestID = event.principal.requestID
        subcase = event.subcaseID
        before = event.before
        after = event.after
        detail = event.detail
    }
}
