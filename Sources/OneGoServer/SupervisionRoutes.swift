import CaseEngine
import Foundation
import Hummingbird
import JSONC

/// What a supervisor may see: deadlines at risk, the report (JSON or CSV) and the audit's state.
struct SupervisionRoutes {
    let engine: CaseEngine
    let auditKey: AuditKey?
    let checkpointPath: String?

    func add(to router: Router<ServerContext>) {
        let supervisor = router.group("v1").add(middleware: AllowCallers(.supervisor, .administrator))
        supervisor.get("supervision/overdue", use: overdue)
        supervisor.get("supervision/report", use: report)
        supervisor.get("supervision/promises", use: promises)
        supervisor.get("audit/verify", use: verify)
    }

    /// Open sub-cases due within one working day or past due, a page at a time.
    @Sendable func overdue(_ request: Request, context: ServerContext) async throws -> Response {
        let page = request.page
        return try .json(try await engine.deadlineAlerts(after: page.after, limit: page.limit))
    }

    /// Materials accepted under 容缺 that have not arrived, against their promised day, a page at a time.
    @Sendable func promises(_ request: Request, context: ServerContext) async throws -> Response {
        let page = request.page
        return try .json(try await engine.awaitedMaterials(after: page.after, limit: page.limit))
    }

    /// Per department and item: counts by state, on-time rate, working days, compression. CSV with
    /// `?format=csv`.
    @Sendable func report(_ request: Request, context: ServerContext) async throws -> Response {
        if request.uri.queryParameters["format"] == "csv" {
            let rows = try await engine.supervisionReport()
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"onego-report.csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: SupervisionRow.csv(rows))))
        }
        return try .json(try await engine.report())
    }

    /// The whole audit chain checked, with the key and the checkpoints kept outside the database.
    @Sendable func verify(_ request: Request, context: ServerContext) async throws -> Response {
        let checkpoints = try checkpointPath.map { try AuditCheckpoints.read(from: $0) } ?? AuditCheckpoints()
        let result = try await engine.verifyAudit(key: auditKey, checkpoints: checkpoints)
        var intact = false
        if case .intact = result { intact = true }
        return .json(.object(["intact": .bool(intact), "verdict": .string(result.description)]))
    }
}
