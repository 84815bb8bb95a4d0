import CaseEngine
import Foundation
import JSONC
import NIOHTTP1
import WorkCalendar

/// What window staff, department clerks and supervisors do with cases: the engine in process
/// (`CaseEngine`) or `onego serve` over HTTP (``HTTPStaffClient``), so that the `onego` commands
/// work the same on a local file and against a server.
///
/// Over HTTP the actor is the signed-in account; the `actor` passed here is what the local engine
/// records.
public protocol StaffService: Sendable {
    func submit(_ application: Application) async throws(CaseEngineError) -> Receipt
    func findCases(
        _ query: CaseQuery, after cursor: String?, limit: Int
    ) async throws(CaseEngineError)
        -> Page<CaseSummary>
    func caseSummary(_ number: String) async throws(CaseEngineError) -> CaseSummary
    func supply(
        caseNumber: String, materials: [String], values: [String: String], attachments: [Attachment], actor: Principal
    ) async throws(CaseEngineError) -> CaseSummary
    func withdraw(caseNumber: String, reason: String, actor: Principal) async throws(CaseEngineError) -> CaseSummary
    func handout(
        caseNumber: String, to recipient: Recipient, actor: Principal
    ) async throws(CaseEngineError)
        -> CaseSummary
    func inbox(
        department: String, after cursor: String?, limit: Int
    ) async throws(CaseEngineError)
        -> Page<DepartmentView>
    func acknowledge(department: String, subcases: [String]) async throws(CaseEngineError) -> Int
    func departmentView(_ id: String, department: String) async throws(CaseEngineError) -> DepartmentView
    func departmentStep(
        _ step: DepartmentStep, subcase: String, department: String, actor: Principal
    )
        async throws(CaseEngineError) -> SubcaseSummary
    func deadlineAlerts(after cursor: String?, limit: Int) async throws(CaseEngineError) -> Page<DeadlineAlert>
    func awaitedMaterials(after cursor: String?, limit: Int) async throws(CaseEngineError) -> Page<AwaitedMaterial>
    func report() async throws(CaseEngineError) -> SupervisionReport
    func ratingsAwaitingFollowUp(after cursor: String?, limit: Int) async throws(CaseEngineError) -> Page<Rating>
    func followUpRating(caseNumber: String, note: String, actor: Principal) async throws(CaseEngineError)
}

/// A department's step with what it carries.
public enum DepartmentStep: Sendable, Equatable {
    case accept, review, approve
    case issue(outputs: [String: String], overrideWarnings: Bool)
    case correct(materials: [String], fields: [String], note: String)
    case reject(reason: String)

    /// The step's name in the API path.
    public var name: String {
        switch self {
        case .accept: return "accept"
        case .review: return "review"
        case .approve: return "approve"
        case .issue: return "issue"
        case .correct: return "correct"
        case .reject: return "reject"
        }
    }

    /// The step's request body.
    var body: JSONValue {
        switch self {
        case .accept, .review, .approve: return .object([:])
        case .issue(let outputs, let overrideWarnings):
            return .object(["outputs": .stringMap(outputs), "overrideWarnings": .bool(overrideWarnings)])
        case .correct(let materials, let fields, let note):
            return .object(["materials": .strings(materials), "fields": .strings(fields), "note": .string(note)])
        case .reject(let reason): return .object(["reason": .string(reason)])
        }
    }
}

extension CaseEngine: StaffService {
    public func departmentStep(
        _ step: DepartmentStep, subcase: String, department: String, actor: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        switch step {
        case .accept: return try await accept(subcase, department: department, actor: actor)
        case .review: return try await review(subcase, department: department, actor: actor)
        case .approve: return try await approve(subcase, department: department, actor: actor)
        case .issue(let outputs, let overrideWarnings):
            return try await issue(
                subcase, department: department, outputs: outputs, overrideWarnings: overrideWarnings, actor: actor)
        case .correct(let materials, let fields, let note):
            return try await requestCorrection(
                subcase, department: department, materials: materials, fields: fields, note: note, actor: actor)
        case .reject(let reason): return try await reject(subcase, department: department, reason: reason, actor: actor)
        }
    }
}

/// Staff working through `onego serve` with a session (`onego login`).
public struct HTTPStaffClient: StaffService {
    let connection: APIConnection

    /// A client on a server with a session token.
    public init(connection: APIConnection) {
        self.connection = connection
    }

    /// Signs in and returns the session token.
    public static func signIn(
        server: String, account: String, password: String
    ) async throws(CaseEngineError)
        -> String
    {
        struct Session: Decodable { var token: String }
        let body = JSONValue.object(["account": .string(account), "password": .string(password)])
        let session = try await APIConnection(server: server, credential: "").call(
            .POST, "/v1/sessions", body: body.serialized(pretty: false), as: Session.self)
        return session.token
    }

    /// Ends the session.
    public func signOut() async throws(CaseEngineError) {
        _ = try await connection.call(.DELETE, "/v1/sessions/current", as: APIConnection.NoContent.self)
    }

    private static func key() -> String { "cli-" + UUID().uuidString }

    private static func query(_ items: [(String, String?)]) -> String {
        let parts = items.compactMap { name, value in
            value.map { name + "=" + ($0.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? $0) }
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    public func submit(_ application: Application) async throws(CaseEngineError) -> Receipt {
        try await connection.call(
            .POST, "/v1/cases", body: application.requestJSON.serialized(pretty: false),
            idempotencyKey: application.idempotencyKey, as: Receipt.self)
    }

    public func findCases(
        _ query: CaseQuery, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<CaseSummary> {
        let path =
            "/v1/cases"
            + Self.query([
                ("number", query.number), ("applicantName", query.applicantName),
                ("applicantIDNumber", query.applicantIDNumber), ("applicantPhone", query.applicantPhone),
                ("submittedFrom", query.submittedFrom?.description),
                ("submittedThrough", query.submittedThrough?.description), ("status", query.status?.rawValue),
                ("department", query.department), ("after", cursor), ("limit", String(limit)),
            ])
        return try await connection.call(.GET, path, as: Page<CaseSummary>.self)
    }

    public func caseSummary(_ number: String) async throws(CaseEngineError) -> CaseSummary {
        struct Detail: Decodable { var `case`: CaseSummary }
        return try await connection.call(.GET, "/v1/cases/" + APIConnection.segment(number), as: Detail.self).case
    }

    public func supply(
        caseNumber: String, materials: [String], values: [String: String], attachments: [Attachment], actor: Principal
    ) async throws(CaseEngineError) -> CaseSummary {
        guard attachments.isEmpty else {
            throw CaseEngineError.invalidStep(
                case: caseNumber, subcase: "", step: "supply",
                problems: ["scans are not sent with --server yet; attach them at the window's own machine"])
        }
        let body = JSONValue.object([
            "materials": .strings(materials),
            "values": .stringMap(values),
        ])
        return try await connection.call(
            .POST, "/v1/cases/\(APIConnection.segment(caseNumber))/supply", body: body.serialized(pretty: false),
            idempotencyKey: Self.key(), as: CaseSummary.self)
    }

    public func withdraw(
        caseNumber: String, reason: String, actor: Principal
    ) async throws(CaseEngineError) -> CaseSummary {
        try await connection.call(
            .POST, "/v1/cases/\(APIConnection.segment(caseNumber))/withdraw",
            body: JSONValue.object(["reason": .string(reason)]).serialized(pretty: false), idempotencyKey: Self.key(),
            as: CaseSummary.self)
    }

    public func handout(
        caseNumber: String, to recipient: Recipient, actor: Principal
    ) async throws(CaseEngineError) -> CaseSummary {
        var members: [(String, JSONValue)] = [("name", .string(recipient.name))]
        if let idNumber = recipient.idNumber { members.append(("idNumber", .string(idNumber))) }
        return try await connection.call(
            .POST, "/v1/cases/\(APIConnection.segment(caseNumber))/handout",
            body: JSONValue.orderedObject(members).serialized(pretty: false), idempotencyKey: Self.key(),
            as: CaseSummary.self)
    }

    public func inbox(
        department: String, after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<DepartmentView> {
        try await connection.call(
            .GET,
            "/v1/departments/\(APIConnection.segment(department))/inbox"
                + Self.query([("after", cursor), ("limit", String(limit))]), as: Page<DepartmentView>.self)
    }

    public func acknowledge(department: String, subcases: [String]) async throws(CaseEngineError) -> Int {
        struct Count: Decodable { var acknowledged: Int }
        return try await connection.call(
            .POST, "/v1/departments/\(APIConnection.segment(department))/acknowledgements",
            body: JSONValue.object(["subcases": .strings(subcases)]).serialized(pretty: false),
            idempotencyKey: Self.key(), as: Count.self
        ).acknowledged
    }

    public func departmentView(_ id: String, department: String) async throws(CaseEngineError) -> DepartmentView {
        try await connection.call(.GET, "/v1/subcases/" + APIConnection.segment(id), as: DepartmentView.self)
    }

    public func departmentStep(
        _ step: DepartmentStep, subcase: String, department: String, actor: Principal
    ) async throws(CaseEngineError) -> SubcaseSummary {
        try await connection.call(
            .POST, "/v1/subcases/\(APIConnection.segment(subcase))/\(step.name)",
            body: step.body.serialized(pretty: false), idempotencyKey: Self.key(), as: SubcaseSummary.self)
    }

    public func deadlineAlerts(after cursor: String?, limit: Int) async throws(CaseEngineError) -> Page<DeadlineAlert> {
        try await connection.call(
            .GET, "/v1/supervision/overdue" + Self.query([("after", cursor), ("limit", String(limit))]),
            as: Page<DeadlineAlert>.self)
    }

    public func awaitedMaterials(
        after cursor: String?, limit: Int
    ) async throws(CaseEngineError) -> Page<AwaitedMaterial> {
        try await connection.call(
            .GET, "/v1/supervision/promises" + Self.query([("after", cursor), ("limit", String(limit))]),
            as: Page<AwaitedMaterial>.self)
    }

    public func ratingsAwaitingFollowUp(after cursor: String?, limit: Int) async throws(CaseEngineError) -> Page<Rating>
    {
        try await connection.call(
            .GET, "/v1/ratings/awaiting-follow-up" + Self.query([("after", cursor), ("limit", String(limit))]),
            as: Page<Rating>.self)
    }

    public func followUpRating(caseNumber: String, note: String, actor: Principal) async throws(CaseEngineError) {
        _ = try await connection.call(
            .POST, "/v1/cases/\(APIConnection.segment(caseNumber))/rating/follow-ups",
            body: JSONValue.object(["note": .string(note)]).serialized(pretty: false), idempotencyKey: Self.key(),
            as: [RatingFollowUp].self)
    }

    public func report() async throws(CaseEngineError) -> SupervisionReport {
        try await connection.call(.GET, "/v1/supervision/report", as: SupervisionReport.self)
    }
}

extension CharacterSet {
    /// What may stand unescaped in a query value.
    static let urlQueryValueAllowed = CharacterSet.urlQueryAllowed.subtracting(["&", "=", "+", "?", "#"])
}
