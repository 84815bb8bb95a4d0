import AsyncHTTPClient
import CaseEngine
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// The outbox relay: claims due deliveries, posts them to the departments' endpoints outside any
/// transaction (Standard Webhooks 1.0), and records each outcome. It runs inside `onego serve` as
/// a service: on SIGTERM it stops claiming, lets the deliveries in flight finish (each within the
/// timeout) and records them. A relay killed mid-delivery loses nothing: its deliveries are
/// claimable again once their lease has passed (at least once; a receiver de-duplicates by
/// `webhook-id`).
public final class WebhookRelay: Service, Sendable {
    /// How the relay works; the defaults are the production values.
    public struct Settings: Sendable {
        /// How long one attempt may take.
        public var timeout: Duration = .seconds(15)
        /// How long connecting to an endpoint may take (a host that drops the connection's first
        /// packet). A refused connection is a failed attempt at once, whatever this says.
        public var connectTimeout: Duration = .seconds(5)
        /// How long a claim holds a delivery (longer than the timeout, so that only a dead relay's
        /// deliveries are claimed again).
        public var lease: Duration = .seconds(60)
        /// How often the store is asked for due deliveries when nothing rang.
        public var poll: Duration = .milliseconds(100)
        /// Deliveries claimed at once.
        public var claimLimit = 100
        /// Deliveries in flight at once, and per endpoint: a receiver that hangs holds only its own.
        public var maximumInFlight = 256
        public var maximumPerEndpoint = 32
        /// When failed attempts are retried.
        public var schedule = RetrySchedule.standard

        /// The production settings.
        public init() {}
    }

    let store: any DeliveryRepository
    let settings: Settings
    let bell: Doorbell
    let sealer: WebhookSecretSealer?
    let observe: @Sendable (DeliveryOutcome.Result) -> Void
    let now: @Sendable () -> Int64
    let random: @Sendable () -> Double
    let logger: Logger
    let client: HTTPClient
    let ledger: RelayLedger

    /// Creates a relay over a store. `bell` wakes it (the engine rings it after a dispatch);
    /// `sealer` opens the secrets the store keeps sealed; `now` is the server's clock in Unix
    /// milliseconds.
    public init(
        store: any DeliveryRepository, settings: Settings = Settings(), bell: Doorbell = Doorbell(),
        sealer: WebhookSecretSealer? = nil, observe: @escaping @Sendable (DeliveryOutcome.Result) -> Void = { _ in },
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger = Logger(label: "onego.webhooks")
    ) {
        self.store = store
        self.settings = settings
        self.bell = bell
        self.sealer = sealer
        self.observe = observe
        self.now = now
        self.random = random
        self.logger = logger
        self.ledger = RelayLedger()
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(settings.connectTimeout.milliseconds)))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.maximumPerEndpoint)
        // A connection that fails fails the attempts waiting for it, at once: the relay's own
        // schedule is the back-off. (The client would otherwise try again and again until its
        // connect timeout, so that a receiver that is down held each attempt for the whole of it.)
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Relays until cancelled or shut down gracefully.
    public func run() async throws {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.isSet && !Task.isCancelled {
                    let worked = await flush()
                    let claimed = await claim()
                    for delivery in claimed {
                        group.addTask {
                            let outcome = await self.attempt(delivery)
                            self.observe(outcome.result)
                            await self.ledger.finished(outcome)
                        }
                    }
                    if claimed.isEmpty && !worked { await bell.wait(upTo: settings.poll) }
                }
            }
            _ = await flush()
        } onGracefulShutdown: {
            stopping.set()
            self.bell.ring()
        }
        try? await client.shutdown()
    }

    /// Records the outcomes gathered since the last flush, in one transaction; true when there were any.
    private func flush() async -> Bool {
        let outcomes = await ledger.takeOutcomes()
        guard !outcomes.isEmpty else { return false }
        do {
            try await store.finish(outcomes, at: now())
        } catch {
            await ledger.putBack(outcomes)
            if Task.isCancelled { return true }
            // Kept for the next turn; if the store stays down past the lease, the deliveries are
            // claimed and sent again (same webhook-id).
            logger.warning("webhook outcomes not recorded, will retry: \(error.description)")
            try? await Task.sleep(for: .milliseconds(500))
        }
        return true
    }

    /// Claims as many due deliveries as there is room for.
    private func claim() async -> [Delivery] {
        let (free, busy) = await ledger.room(
            total: settings.maximumInFlight, perEndpoint: settings.maximumPerEndpoint)
        guard free > 0 else { return [] }
        let time = now()
        do {
            let claimed = try await store.claimDeliveries(
                ClaimRequest(
                    now: time, leaseUntil: time + settings.lease.milliseconds, limit: min(free, settings.claimLimit),
                    busyEndpoints: busy))
            for delivery in claimed { await ledger.started(delivery.endpoint.id) }
            return claimed
        } catch {
            if Task.isCancelled { return [] }
            logger.warning("webhook deliveries not claimed, will retry: \(error.description)")
            try? await Task.sleep(for: .milliseconds(500))
            return []
        }
    }

    /// One attempt, and what it means for the delivery.
    func attempt(_ delivery: Delivery) async -> DeliveryOutcome {
        defer { bell.ring() }
        let event = delivery.event
        let body = Array(event.payload.utf8)
        let sentAt = now()
        let timestamp = sentAt / 1000
        let stored = delivery.endpoint.signingSecrets(at: sentAt)
        let secrets = sealer.map { sealer in stored.compactMap(sealer.open) } ?? stored
        // Never a delivery without a valid signature: every secret must open and be well formed.
        guard secrets.count == stored.count, secrets.allSatisfy({ WebhookSignature.key(of: $0) != nil }) else {
            return failed(
                delivery, status: nil, error: "the endpoint's secret is sealed under another audit key", retryAfter: nil
            )
        }
        var request = HTTPClientRequest(url: delivery.endpoint.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "OneGo-Webhooks/1.0")
        request.headers.add(name: "webhook-id", value: event.webhookID)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(
            name: "webhook-signature",
            value: WebhookSignature.header(id: event.webhookID, timestamp: timestamp, body: body, secrets: secrets))
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: Int
        let retryAfter: Int64?
        do {
            let response = try await client.execute(request, timeout: .milliseconds(settings.timeout.milliseconds))
            status = Int(response.status.code)
            retryAfter = response.headers.first(name: "retry-after").flatMap { Int64($0) }.map { $0 * 1000 }
            _ = try? await response.body.collect(upTo: 64 * 1024)
        } catch {
            return failed(delivery, status: nil, error: Self.describe(error), retryAfter: nil)
        }
        switch status {
        case 200..<300:
            return DeliveryOutcome(
                id: delivery.id, endpointID: delivery.endpoint.id, result: .delivered, status: status, error: nil)
        case 410:
            logger.warning("webhook endpoint \(delivery.endpoint.id) answered 410 Gone: disabled")
            return DeliveryOutcome(
                id: delivery.id, endpointID: delivery.endpoint.id, result: .endpointGone, status: status,
                error: "HTTP 410: the endpoint is gone; disabled")
        default:
            let honoured = status == 429 || status == 503 ? retryAfter : nil
            return failed(delivery, status: status, error: "HTTP \(status)", retryAfter: honoured)
        }
    }

    private func failed(_ delivery: Delivery, status: Int?, error: String, retryAfter: Int64?) -> DeliveryOutcome {
        let result: DeliveryOutcome.Result
        if let next = settings.schedule.next(
            after: delivery.attempts, now: now(), retryAfter: retryAfter, random: random())
        {
            result = .retry(at: next)
        } else {
            result = .dead
            logger.error(
                "webhook delivery \(delivery.id) of \(delivery.event.webhookID) to \(delivery.endpoint.id) is dead after \(delivery.attempts) attempts: \(error)"
            )
        }
        return DeliveryOutcome(
            id: delivery.id, endpointID: delivery.endpoint.id, result: result, status: status, error: error)
    }

    /// What went wrong, in words a supervisor reads (no payload, no personal data).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection was closed"
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("timeout") || text.contains("Timeout") { return "timed out" }
        return String(text.prefix(200))
    }
}

/// What the relay has in flight and the outcomes it has yet to record.
actor RelayLedger {
    private var inFlight: [String: Int] = [:]
    private var total = 0
    private var outcomes: [DeliveryOutcome] = []

    func started(_ endpoint: String) {
        inFlight[endpoint, default: 0] += 1
        total += 1
    }

    func finished(_ outcome: DeliveryOutcome) {
        outcomes.append(outcome)
        inFlight[outcome.endpointID, default: 1] -= 1
        if inFlight[outcome.endpointID] == 0 { inFlight[outcome.endpointID] = nil }
        total -= 1
    }

    func takeOutcomes() -> [DeliveryOutcome] {
        defer { outcomes = [] }
        return outcomes
    }

    func putBack(_ earlier: [DeliveryOutcome]) { outcomes = earlier + outcomes }

    /// Room for more deliveries, and the endpoints that have their share.
    func room(total limit: Int, perEndpoint: Int) -> (free: Int, busy: [String]) {
        (max(0, limit - total), inFlight.filter { $0.value >= perEndpoint }.map(\.key).sorted())
    }
}

/// Set once, read from any task.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
