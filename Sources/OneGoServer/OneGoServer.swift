import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import HummingbirdAuth
import JSONC
import Logging

/// `onego serve`: one engine for every kiosk, window and department of a city, over HTTP.
///
/// ```swift
/// let server = OneGoServer(engine: engine, access: store)
/// let app = Application(router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()   // SIGTERM/SIGINT: in-flight requests finish
/// ```
public struct OneGoServer: Sendable {
    /// The engine every route works through.
    public let engine: CaseEngine
    /// Enrolled kiosks and query-code locks.
    public let access: any AccessRepository
    /// The server's clock in Unix seconds (lockouts, sessions); injected by tests.
    public let now: @Sendable () -> Int64
    /// The audit key and the checkpoint file, for `GET /v1/audit/verify`.
    public let auditKey: AuditKey?
    public let checkpointPath: String?
    /// Seals and opens webhook secrets with the audit key (none without one).
    let sealer: WebhookSecretSealer?
    /// Webhook endpoints and deliveries, when the store keeps them (both stores do).
    public let deliveries: (any DeliveryRepository)?
    /// How the outbox relay inside ``run(at:certificate:key:)`` works.
    public var relaySettings = WebhookRelay.Settings()
    /// Whether the console's cookies are `Secure` (the server speaks TLS).
    public var secureCookies = false
    let metrics = ServerMetrics()
    let keys = IdempotencyKeys()

    /// Creates a server over an engine and the access records of the same store.
    public init(
        engine: CaseEngine, access: any AccessRepository, deliveries: (any DeliveryRepository)? = nil,
        auditKey: AuditKey? = nil, checkpointPath: String? = nil,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.engine = engine
        self.access = access
        self.deliveries = deliveries
        self.auditKey = auditKey
        self.sealer = auditKey.map(WebhookSecretSealer.init)
        self.checkpointPath = checkpointPath
        self.now = now
    }

    /// Every route, behind the problem renderer, the metrics and the authenticator.
    public func router() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware())
        router.get("health") { _, _ in Response.json(.object(["status": .string("ok")])) }
        router.get("metrics") { [metrics] _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        let authenticator = CallerAuthenticator(access: access, now: now)
        let sessions = SessionRoutes(access: access, engine: engine, now: now)
        ConsoleRoutes(
            engine: engine, deliveries: deliveries,
            session: ConsoleSession(sessions: sessions, authenticator: authenticator, secureCookies: secureCookies)
        ).add(to: router)
        router.add(middleware: authenticator)
        let steps = IdempotentStep(access: access, keys: keys, now: now)
        sessions.add(to: router)
        CaseRoutes(
            engine: engine, queryGuard: QueryCodeGuard(access: access, now: now), keys: keys, steps: steps,
            snapshot: LibrarySnapshot(library: engine.library)
        ).add(to: router)
        DepartmentRoutes(engine: engine, steps: steps).add(to: router)
        SupervisionRoutes(engine: engine, auditKey: auditKey, checkpointPath: checkpointPath).add(to: router)
        if let deliveries {
            let now = self.now
            WebhookRoutes(
                store: deliveries,
                administration: WebhookAdministration(
                    store: deliveries, departments: Set(engine.library.catalog.departments.ids),
                    sealer: sealer, now: { now() * 1000 })
            ).add(to: router)
        }
        return router
    }

    /// Serves until SIGTERM or SIGINT, then lets requests in flight finish (swift-service-lifecycle);
    /// the outbox relay runs beside the server and stops with it.
    public func run(at address: ServerAddress, certificate: String?, key: String?) async throws {
        var logger = Logger(label: "onego.server")
        logger.logLevel = .info
        var server = self
        server.secureCookies = certificate != nil
        var app = Hummingbird.Application(
            router: server.router(), server: try ServerAddress.serverBuilder(certificate: certificate, key: key),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "OneGo"),
            logger: logger)
        if let deliveries {
            app.addServices(
                WebhookRelay(
                    store: deliveries, settings: relaySettings, bell: engine.dispatches,
                    sealer: sealer, observe: { [metrics] in metrics.recordWebhook($0) })
            )
        }
        app.addServices(SupervisionFolding(repository: engine.repository, interval: .seconds(60), logger: logger))
        try await app.runService()  // graceful shutdown on SIGTERM and SIGINT
    }
}
