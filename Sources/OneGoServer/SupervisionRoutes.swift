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
        supervisor.get("audit/verify", use: verify)
    }

    /// Open sub-cases due within one working day or past due, a page at a time.
    @Sendable func overdue(_ request: Request, context: ServerContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let limit = parameters["limit"].flatMap { Int(String($0)) } ?? 50
        return try .json(
            try await engine.deadlineAlerts(after: parameters["after"].map(String.init), limit: limit))
    }

    /// Per department and item: counts by state, on-time rate, working days, compression. CSV with
    /// `?format=csv`.
    @Sendable func report(_ request: Request, context: ServerContext) async throws -> Response {
        let rows = try await engine.supervisionReport()
        if request.uri.queryParameters["format"] == "csv" {
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"onego-report.csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: SupervisionRow.csv(rows))))
        }
        return try .json(rows.map(ReportRow.init))
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

/// A report row as JSON.
struct ReportRow: Encodable {
    var department: String
    var item: String
    var counts: [String: Int]
    var issued: Int
    var issuedOnTime: Int
    var onTimeRate: Double?
    var averageWorkingDays: Double?
    var promisedDays: Int
    var legalDays: Int?
    var compression: Double?
    var provisionalDue: Int

    init(_ row: SupervisionRow) {
        department = row.department
        item = row.item
        counts = Dictionary(uniqueKeysWithValues: row.counts.map { ($0.key.rawValue, $0.value) })
        issued = row.issued
        issuedOnTime = row.issuedOnTime
        onTimeRate = row.onTimeRate
        averageWorkingDays = row.averageWorkingDays
        promisedDays = row.promisedDays
        legalDays = row.legalDays
        compression = row.compression
        provisionalDue = row.provisionalDue
    }
}
