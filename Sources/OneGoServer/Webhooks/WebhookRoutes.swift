import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import HummingbirdAuth

/// Department systems' side of the webhooks: the pull feed for departments, endpoints for
/// administrators, dead deliveries and replays for supervisors (docs/departments.md).
struct WebhookRoutes {
    let store: any DeliveryRepository
    let administration: WebhookAdministration

    /// The longest page of the pull feed.
    static let maximumPage = 500

    func add(to router: Router<ServerContext>) {
        let department = router.group("v1").add(middleware: AllowCallers(.department))
        department.get("departments/{department}/events", use: feed)
        let administrator = router.group("v1").add(middleware: AllowCallers(.administrator))
        administrator.get("departments/{department}/webhooks", use: list)
        administrator.post("departments/{department}/webhooks", use: create)
        administrator.post("webhooks/{id}/{action}", use: change)
        administrator.delete("webhooks/{id}", use: remove)
        let supervisor = router.group("v1").add(middleware: AllowCallers(.supervisor, .administrator))
        supervisor.get("deliveries", use: deliveries)
        supervisor.post("deliveries/replay", use: replay)
    }

    // MARK: - Pull feed

    /// The department's events after a cursor, in order: what the webhooks carry, for a system
    /// that was down or prefers to poll.
    @Sendable func feed(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let department = try context.parameters.require("department")
        guard department == caller.scope else { throw Problem.forbidden }
        let parameters = request.uri.queryParameters
        let after =
            try parameters["after"].map { text -> Int64 in
                guard let value = Int64(String(text)), value >= 0 else {
                    throw Problem.invalidRequest("after is a cursor from an earlier page (a number), not '\(text)'")
                }
                return value
            } ?? 0
        let limit = min(Self.maximumPage, max(1, parameters["limit"].flatMap { Int(String($0)) } ?? 100))
        let events = try await store.departmentEvents(department: department, after: after, limit: limit)
        return try .json(Feed(events: events.map(EventView.init), next: String(events.last?.sequence ?? after)))
    }

    // MARK: - Endpoints

    @Sendable func list(_ request: Request, context: ServerContext) async throws -> Response {
        let department = try context.parameters.require("department")
        return try .json(try await store.endpoints(department: department).map { EndpointView($0) })
    }

    struct NewEndpoint: Decodable {
        var url: String
        var events: [String]?
    }

    @Sendable func create(_ request: Request, context: ServerContext) async throws -> Response {
        let department = try context.parameters.require("department")
        let body = try Request.decode(NewEndpoint.self, from: try await request.smallBody())
        let endpoint = try await refusing {
            try await administration.add(department: department, url: body.url, events: body.events ?? [])
        }
        return try .json(EndpointView(endpoint, showingSecret: true), status: .created)
    }

    /// `disable`, `enable` or `rotate` (the new secret is in the answer, once).
    @Sendable func change(_ request: Request, context: ServerContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let action = try context.parameters.require("action")
        let endpoint: WebhookEndpoint
        switch action {
        case "disable": endpoint = try await refusing { try await administration.setEnabled(id, false) }
        case "enable": endpoint = try await refusing { try await administration.setEnabled(id, true) }
        case "rotate": endpoint = try await refusing { try await administration.rotate(id) }
        default:
            throw Problem(
                .notFound, code: "no-such-action",
                title: LocalizedText(
                    zh: "没有操作“\(action)”;可用:disable, enable, rotate",
                    en: "no action '\(action)'; actions are disable, enable, rotate"))
        }
        return try .json(EndpointView(endpoint, showingSecret: action == "rotate"))
    }

    @Sendable func remove(_ request: Request, context: ServerContext) async throws -> Response {
        let id = try context.parameters.require("id")
        try await refusing { try await administration.remove(id) }
        return Response(status: .noContent)
    }

    // MARK: - Deliveries

    /// Dead deliveries (or `?status=pending,done,dead`) and the endpoints that are disabled.
    @Sendable func deliveries(_ request: Request, context: ServerContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let names = parameters["status"].map { $0.split(separator: ",").map(String.init) } ?? ["dead"]
        let states = try names.map { name in
            guard let state = Delivery.Status(rawValue: name) else {
                throw Problem.invalidRequest("status is pending, done or dead, not '\(name)'")
            }
            return state
        }
        let limit = min(1000, max(1, parameters["limit"].flatMap { Int(String($0)) } ?? 100))
        let records = try await store.deliveries(in: states, limit: limit)
        let disabled = try await store.endpoints(department: nil).filter { $0.status == .disabled }
        return try .json(
            DeliveriesView(
                deliveries: records.map(DeliveryView.init), disabledEndpoints: disabled.map { EndpointView($0) }))
    }

    struct Replay: Decodable {
        var selection: String
    }

    /// Makes deliveries due again: `{"selection": "12"}`, `"10-20"` or `"2026-11-23T14:00"`.
    @Sendable func replay(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try Request.decode(Replay.self, from: try await request.smallBody())
        guard let selection = WebhookAdministration.selection(body.selection) else {
            throw Problem.invalidRequest(
                "selection is a delivery id, a range FIRST-LAST, or a time such as 2026-11-23T14:00, not '\(body.selection)'"
            )
        }
        let count = try await store.replay(selection, at: administration.now())
        return try .json(["replayed": count])
    }

    /// Runs an administration change, turning its refusals into problems.
    private func refusing<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let refusal as WebhookAdministration.Refusal {
            throw Problem(
                refusal.code == "unknown-endpoint" ? .notFound : .unprocessableContent, code: refusal.code,
                title: LocalizedText(zh: refusal.description, en: refusal.description))
        }
    }
}

// MARK: - Views

struct EventView: Encodable {
    var id: String
    var sequence: Int64
    var type: String
    var timestamp: String
    var department: String
    var `case`: String
    var subcase: String
    var state: String

    init(_ event: DepartmentEvent) {
        id = event.webhookID
        sequence = event.sequence
        type = event.type.rawValue
        timestamp = event.at
        department = event.department
        `case` = event.caseNumber
        subcase = event.subcase
        state = event.state
    }
}

struct Feed: Encodable {
    var events: [EventView]
    /// The cursor of the next page (`after=`): the last event's sequence.
    var next: String
}

struct EndpointView: Encodable {
    var id: String
    var department: String
    var url: String
    var events: [String]
    var status: String
    var disabledReason: String?
    var createdAt: Int64
    var rotating: Bool
    /// Only in the answer that created or rotated it.
    var secret: String?

    init(_ endpoint: WebhookEndpoint, showingSecret: Bool = false) {
        id = endpoint.id
        department = endpoint.department
        url = endpoint.url
        events = endpoint.events.isEmpty ? ["*"] : endpoint.events.map(\.rawValue)
        status = endpoint.status.rawValue
        disabledReason = endpoint.disabledReason
        createdAt = endpoint.createdAt
        rotating = endpoint.previousSecret != nil
        secret = showingSecret ? endpoint.secret : nil
    }
}

struct DeliveryView: Encodable {
    var id: Int64
    var endpoint: String
    var department: String
    var webhookID: String
    var type: String
    var subcase: String
    var status: String
    var attempts: Int
    var lastStatus: Int?
    var lastError: String?
    var eventAt: String

    init(_ record: DeliveryRecord) {
        id = record.id
        endpoint = record.endpointID
        department = record.department
        webhookID = "evt_\(record.sequence)"
        type = record.type.rawValue
        subcase = record.subcase
        status = record.status.rawValue
        attempts = record.attempts
        lastStatus = record.lastStatus
        lastError = record.lastError
        eventAt = record.createdAt
    }
}

struct DeliveriesView: Encodable {
    var deliveries: [DeliveryView]
    var disabledEndpoints: [EndpointView]
}
