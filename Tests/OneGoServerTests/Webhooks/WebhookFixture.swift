import BundleKit
import CaseEngine
import CaseStorePostgres
import CaseStoreSQLite
import Foundation
import OneGoServer
import PostgresTesting
import Testing
import WebhookTesting
import WorkCalendar

/// The two stores the webhook tests run on.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }
}

typealias WebhookStore = any CaseRepository & AccessRepository & DeliveryRepository

/// A real store (a SQLite file, or a new database in the test command's PostgreSQL cluster) with an
/// engine on 2026-11-23, for the outbox relay.
struct WebhookFixture {
    let kind: StoreKind
    let path: String
    let address: String
    let store: WebhookStore
    let engine: CaseEngine

    init(_ kind: StoreKind) async throws {
        self.kind = kind
        path = NSTemporaryDirectory() + "onego-webhooks-\(UUID().uuidString).db"
        switch kind {
        case .sqlite:
            address = ""
            store = try SQLiteCaseStore(path: path, create: true)
        case .postgres:
            address = try await TestPostgres.newDatabase()
            store = try await PostgresCaseStore.open(
                try PostgresAddress(address),
                options: .init(maximumConnections: 4, deadline: .seconds(60), connectTimeout: .seconds(30)))
        }
        engine = CaseEngine(
            repository: store, library: shippedLibrary, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate(year: 2026, month: 11, day: 23) ?? CalendarDate(dayNumber: 0)),
            codes: SeededQueryCodes(seed: 7))
    }

    /// Another store on the same PostgreSQL database: a second server's.
    func secondStore() async throws -> PostgresCaseStore {
        try await PostgresCaseStore.open(
            try PostgresAddress(address),
            options: .init(maximumConnections: 4, deadline: .seconds(60), connectTimeout: .seconds(30)))
    }

    /// Submits `count` company openings (each dispatches its first sub-case to market regulation);
    /// their case numbers.
    @discardableResult
    func submit(_ count: Int, from first: Int = 1) async throws -> [String] {
        var application = try Application(
            contentsOf: repositoryRoot.appendingPathComponent("docs/examples/company-opening-application.json").path)
        var numbers: [String] = []
        for index in first..<(first + count) {
            application.idempotencyKey = "webhook-test-\(index)"
            numbers.append(try await engine.submit(application).caseNumber)
        }
        return numbers
    }

    /// The sealer of this fixture's audit key.
    static let sealer = WebhookSecretSealer(auditKey: AuditKey(bytes: Array(repeating: 42, count: 32)))

    /// An endpoint for a department at a receiver's URL, with its secret in the clear (the store
    /// keeps it sealed).
    func endpoint(_ department: String = "market-regulation", url: String) async throws -> WebhookEndpoint {
        try await WebhookAdministration(store: store, departments: [department], sealer: Self.sealer).add(
            department: department, url: url, events: [])
    }

    /// An endpoint for market regulation and the reference receiver behind it, started with the
    /// endpoint's secret and `options`.
    func connectedReceiver(_ options: [String] = []) async throws -> (WebhookEndpoint, ReferenceReceiver) {
        let port = try PortReservation()
        let endpoint = try await endpoint(url: "http://127.0.0.1:\(port.port)/onego/events")
        let receiver = try await ReferenceReceiver(
            secrets: [endpoint.secret], on: port, log: temporaryLog(), options: options)
        return (endpoint, receiver)
    }

    /// Fast settings: attempts time out after `timeout`, retries follow `retries` (milliseconds).
    static func settings(
        timeout: Duration = .seconds(5), retries: [Int64] = [0, 150, 150, 150, 150, 150, 150]
    ) -> WebhookRelay.Settings {
        var settings = WebhookRelay.Settings()
        settings.timeout = timeout
        settings.lease = timeout * 2
        settings.poll = .milliseconds(50)
        settings.schedule = RetrySchedule(delays: retries, jitter: 0)
        return settings
    }

    /// Runs a relay over `store` until the returned task is cancelled.
    func run(_ settings: WebhookRelay.Settings, on other: (any DeliveryRepository)? = nil) -> Task<Void, Never> {
        let relay = WebhookRelay(
            store: other ?? store, settings: settings, bell: engine.dispatches, sealer: Self.sealer)
        return Task { try? await relay.run() }
    }

    /// Deliveries in these states.
    func deliveries(_ states: [Delivery.Status] = Delivery.Status.allCases) async throws -> [DeliveryRecord] {
        try await store.deliveries(in: states, limit: 10_000)
    }

    func remove() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        if let postgres = store as? PostgresCaseStore {
            postgres.stop()
            let address = self.address
            Thread.detachNewThread { TestPostgres.drop(address) }
        }
    }
}
