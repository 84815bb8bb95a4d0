import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import HummingbirdAuth

/// What a department's clerk or system may do: read its inbox and its own sub-cases' projections,
/// acknowledge what it received, and take steps. The caller's department is its credential's scope:
/// a department never sees another's sub-cases.
struct DepartmentRoutes {
    let engine: CaseEngine
    let steps: IdempotentStep

    func add(to router: Router<ServerContext>) {
        let department = router.group("v1").add(middleware: AllowCallers(.department))
        department.get("departments/{department}/inbox", use: inbox)
        department.post("departments/{department}/acknowledgements", use: acknowledge)
        department.get("subcases/{id}", use: subcase)
        department.get("subcases/{id}/materials/{material}/scans/{sha256}", use: scan)
        department.post("subcases/{id}/{step}", use: step)
    }

    /// The caller's department, which must be the one the path names.
    private func ownDepartment(_ context: ServerContext) throws -> (Caller, String) {
        let caller = try context.requireIdentity()
        let named = try context.parameters.require("department")
        guard named == caller.scope else { throw Problem.forbidden }
        return (caller, named)
    }

    /// Open sub-cases dispatched to the department, each with only what its item needs.
    @Sendable func inbox(_ request: Request, context: ServerContext) async throws -> Response {
        let (_, department) = try ownDepartment(context)
        let page = request.page
        return try .json(try await engine.inbox(department: department, after: page.after, limit: page.limit))
    }

    struct Acknowledgement: Decodable {
        var subcases: [String]
    }

    /// Records that the department received these sub-cases' dispatches.
    @Sendable func acknowledge(_ request: Request, context: ServerContext) async throws -> Response {
        let (caller, department) = try ownDepartment(context)
        let raw = try await request.smallBody()
        let body = try Request.decode(Acknowledgement.self, from: raw)
        return try await steps.run(request, body: raw, caller: caller) {
            try JSONReply([
                "acknowledged": try await engine.acknowledge(department: department, subcases: body.subcases)
            ])
        }
    }

    /// One sub-case as the department sees it (its projection only), once dispatched to it.
    @Sendable func subcase(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        return try .json(
            try await engine.departmentView(try context.parameters.require("id"), department: caller.scope))
    }

    /// A scan of one of the sub-case's materials, once the sub-case is dispatched to the department.
    @Sendable func scan(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let material = try context.parameters.require("material")
        let scan = try await engine.departmentAttachment(
            try context.parameters.require("id"), department: caller.scope, material: material,
            sha256: try context.parameters.require("sha256"))
        return ScanResponse.make(scan, material: material)
    }

    struct StepBody: Decodable {
        var outputs: [String: String]?
        var overrideWarnings: Bool?
        var materials: [String]?
        var fields: [String]?
        var note: String?
        var reason: String?
    }

    /// `accept`, `review`, `approve`, `issue` (outputs), `correct` (materials, fields, note) or
    /// `reject` (reason). The server's clock dates it; no caller can.
    @Sendable func step(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let name = try context.parameters.require("step")
        let raw = try await request.smallBody()
        let body = try Request.decode(StepBody.self, from: raw)
        let department = caller.scope
        let actor = caller.principal(request: context.id)
        let engine = self.engine
        let work: () async throws -> SubcaseSummary
        switch name {
        case "accept": work = { try await engine.accept(id, department: department, actor: actor) }
        case "review": work = { try await engine.review(id, department: department, actor: actor) }
        case "approve": work = { try await engine.approve(id, department: department, actor: actor) }
        case "issue":
            work = {
                try await engine.issue(
                    id, department: department, outputs: body.outputs ?? [:],
                    overrideWarnings: body.overrideWarnings ?? false, actor: actor)
            }
        case "correct":
            work = {
                try await engine.requestCorrection(
                    id, department: department, materials: body.materials ?? [], fields: body.fields ?? [],
                    note: body.note ?? "", actor: actor)
            }
        case "reject":
            work = { try await engine.reject(id, department: department, reason: body.reason ?? "", actor: actor) }
        default:
            throw Problem(
                .notFound, code: "no-such-step",
                title: LocalizedText(
                    zh: "没有步骤“\(name)”;可用:accept, review, approve, issue, correct, reject",
                    en: "no step '\(name)'; steps are accept, review, approve, issue, correct, reject"))
        }
        return try await steps.run(request, body: raw, caller: caller) { try JSONReply(try await work()) }
    }
}
