import CaseEngine
import CaseStorePostgres
import Foundation
import OneGoServer
import PostgresTesting
import Testing
import WebhookTesting

/// The outbox relay against the reference receiver (scripts/webhook-receiver.py), on both stores:
/// the faults issue 14 names.
@Suite("Webhook deliveries", .serialized)
struct WebhookDeliveryTests {
    @Test("a receiver down for a while, then back: everything arrives, each event once", arguments: StoreKind.allCases)
    func receiverDownThenBack(kind: StoreKind) async throws {
        let fixture = try await WebhookFixture(kind)
        defer { fixture.remove() }
        let log = temporaryLog()
        let reservation = try PortReservation()  // refuses connections until the receiver starts
        let port = reservation.port
        let endpoint = try await fixture.endpoint(url: "http://127.0.0.1:\(port)/onego/events")
        try await fixture.submit(3)
        // A refused attempt fails at once, so the schedule is long enough for the receiver to start.
        let relay = fixture.run(WebhookFixture.settings(retries: [0] + Array(repeating: 200, count: 500)))
        defer { relay.cancel() }
        // Refused at least twice while the receiver is down; nothing is lost or given up.
        #expect(
            try await eventually {
                let pending = try await fixture.deliveries([.pending])
                return pending.count == 3
                    && pending.allSatisfy { $0.attempts >= 2 && $0.lastError == "connection refused" }
            })
        let waiting = try await fixture.deliveries()
        #expect(waiting.count == 3)
        #expect(waiting.allSatisfy { $0.status == .pending && $0.lastError == "connection refused" }, "\(waiting)")
        #expect(try await fixture.store.endpoint(endpoint.id)?.secret.hasPrefix("sealed.v1.") == true)
        let receiver = try await ReferenceReceiver(secrets: [endpoint.secret], on: reservation, log: log)
        defer { receiver.stop() }
        #expect(try await eventually { try await fixture.deliveries([.done]).count == 3 })
        #expect(receiver.accepted() == ["evt_1", "evt_2", "evt_3"])
        try await expectRepeatsAreRetries(receiver, fixture.store)
    }

    @Test("a refused connection fails the attempt at once, not at the connect timeout", arguments: StoreKind.allCases)
    func refusedAtOnce(kind: StoreKind) async throws {
        let fixture = try await WebhookFixture(kind)
        defer { fixture.remove() }
        let reservation = try PortReservation()
        _ = try await fixture.endpoint(url: "http://127.0.0.1:\(reservation.port)/onego/events")
        try await fixture.submit(1)
        // Timeouts far beyond the wait below: only a refusal answered at once is recorded in time.
        var settings = WebhookFixture.settings(timeout: .seconds(300), retries: [0, 600_000])
        settings.connectTimeout = .seconds(300)
        let relay = fixture.run(settings)
        defer { relay.cancel() }
        #expect(
            try await eventually {
                try await fixture.deliveries([.pending]).first?.lastError == "connection refused"
            })
        let refused = try await fixture.deliveries()
        #expect(refused.map(\.attempts) == [1])
        #expect(refused.map(\.status) == [.pending])
    }

    @Test("a receiver answering 500, then 200: retried, then done", arguments: StoreKind.allCases)
    func serverErrorThenSuccess(kind: StoreKind) async throws {
        let fixture = try await WebhookFixture(kind)
        defer { fixture.remove() }
        let (_, receiver) = try await fixture.connectedReceiver(["--fail-first", "2"])
        defer { receiver.stop() }
        try await fixture.submit(2)
        let relay = fixture.run(WebhookFixture.settings())
        defer { relay.cancel() }
        #expect(try await eventually { try await fixture.deliveries([.done]).count == 2 })
        let done = try await fixture.deliveries([.done])
        #expect(done.map(\.attempts).reduce(0, +) == 4)
        #expect(done.allSatisfy { $0.lastStatus == 200 && $0.lastError == nil })
        #expect(receiver.accepted() == ["evt_1", "evt_2"])
    }

    @Test("a receiver that hangs holds only its own deliveries", arguments: StoreKind.allCases)
    func hangingReceiver(kind: StoreKind) async throws {
        let fixture = try await WebhookFixture(kind)
        defer { fixture.remove() }
        let hanging = try await ReferenceReceiver(secrets: [], log: temporaryLog(), options: ["--hang"])
        defer { hanging.stop() }
        let stuck = try await fixture.endpoint(url: hanging.url)
        let (_, receiver) = try await fixture.connectedReceiver()
        defer { receiver.stop() }
        try await fixture.submit(3)
        let relay = fixture.run(WebhookFixture.settings(timeout: .seconds(60)))
        defer { relay.cancel() }
        #expect(try await eventually { receiver.accepted().count == 3 })
        // The hanging endpoint's deliveries are still in their first attempt.
        let held = try await fixture.deliveries().filter { $0.endpointID == stuck.id }
        #expect(held.count == 3)
        #expect(held.allSatisfy { $0.status == .pending && $0.attempts == 1 && $0.lastError == nil })
    }

    @Test(
        "one sub-case's events reach an endpoint in order, a failed first one included", arguments: StoreKind.allCases)
    func orderPerSubcase(kind: StoreKind) async throws {
        let fixture = try await WebhookFixture(kind)
        defer { fixture.remove() }
        let (_, receiver) = try await fixture.connectedReceiver(["--fail-first", "1"])
        defer { receiver.stop() }
        let number = try #require(try await fixture.submit(1).first)
        try await fixture.engine.withdraw(
            caseNumber: number, reason: "changed plans", actor: Principal(id: "wang.fang", role: .window))
        let relay = fixture.run(WebhookFixture.settings())
        defer { relay.cancel() }
        #expect(try await eventually { receiver.accepted().count == 2 })
        #expect(receiver.entries().map(\.type) == ["subcase.dispatched", "case.withdrawn"])
        #expect(receiver.entries().map(\.subcase) == ["\(number)-01", "\(number)-01"])
    }

    @Test(
        "410 Gone disables the endpoint; a spent schedule leaves a dead delivery a supervisor replays",
        arguments: StoreKind.allCases)
    func goneAndDead(kind: StoreKind) async throws {
        let fixture = try await WebhookFixture(kind)
        defer { fixture.remove() }
        let gone = try await ReferenceReceiver(secrets: [], log: temporaryLog(), options: ["--status", "410"])
        defer { gone.stop() }
        let failing = try await ReferenceReceiver(secrets: [], log: temporaryLog(), options: ["--status", "503"])
        defer { failing.stop() }
        let goneEndpoint = try await fixture.endpoint(url: gone.url)
        let failingEndpoint = try await fixture.endpoint(url: failing.url)
        try await fixture.submit(1)
        let relay = fixture.run(WebhookFixture.settings(retries: [0, 50, 50]))
        #expect(try await eventually { try await fixture.deliveries([.dead]).count == 1 })
        #expect(try await eventually { try await fixture.store.endpoint(goneEndpoint.id)?.status == .disabled })
        relay.cancel()
        let dead = try #require(try await fixture.deliveries([.dead]).first)
        #expect(dead.endpointID == failingEndpoint.id)
        #expect(dead.attempts == 3)
        #expect(dead.lastStatus == 503)
        #expect(dead.lastError == "HTTP 503")
        let waiting = try #require(try await fixture.deliveries([.pending]).first)
        #expect(waiting.endpointID == goneEndpoint.id)
        #expect(waiting.lastStatus == 410)
        #expect(try await fixture.store.endpoint(goneEndpoint.id)?.disabledReason == "410 Gone")
        #expect(try await fixture.store.replay(.one(dead.id), at: 0) == 1)
        let replayed = try #require(try await fixture.deliveries([.pending]).first { $0.id == dead.id })
        #expect(replayed.attempts == 0)
    }

    @Test("a server with another audit key cannot open the secrets: it sends nothing unsigned, and says why")
    func anotherAuditKey() async throws {
        let fixture = try await WebhookFixture(.sqlite)
        defer { fixture.remove() }
        let receiver = try await ReferenceReceiver(secrets: [], log: temporaryLog(), options: ["--status", "200"])
        defer { receiver.stop() }
        _ = try await fixture.endpoint(url: receiver.url)
        try await fixture.submit(1)
        let relay = WebhookRelay(
            store: fixture.store, settings: WebhookFixture.settings(retries: [0, 50]), bell: fixture.engine.dispatches,
            sealer: WebhookSecretSealer(auditKey: AuditKey(bytes: Array(repeating: 1, count: 32))))
        let running = Task { try? await relay.run() }
        defer { running.cancel() }
        #expect(try await eventually { try await fixture.deliveries([.dead]).count == 1 })
        #expect(
            try await fixture.deliveries([.dead]).first?.lastError
                == "the endpoint's secret is sealed under another audit key")
        #expect(receiver.entries().isEmpty)
    }

    @Test("two relays on one PostgreSQL database never claim the same delivery")
    func twoRelaysOnePostgres() async throws {
        let fixture = try await WebhookFixture(.postgres)
        defer { fixture.remove() }
        let other = try await fixture.secondStore()
        defer { other.stop() }
        let (endpoint, receiver) = try await fixture.connectedReceiver()
        defer { receiver.stop() }
        try await fixture.submit(40)
        // Claims straight from the two stores first: disjoint, and together everything.
        let request = ClaimRequest(now: 1, leaseUntil: Int64.max, limit: 7)
        async let firstClaims = claimAll(fixture.store, request)
        async let secondClaims = claimAll(other, request)
        let (a, b) = try await (firstClaims, secondClaims)
        #expect(Set(a).isDisjoint(with: b))
        #expect(Set(a).union(b).count == 40)
        // Released again, then two relays deliver them.
        try await fixture.store.finish(
            (a + b).map {
                DeliveryOutcome(id: $0, endpointID: endpoint.id, result: .retry(at: 0), status: nil, error: nil)
            },
            at: 0)
        let first = fixture.run(WebhookFixture.settings())
        let second = fixture.run(WebhookFixture.settings(), on: other)
        defer {
            first.cancel()
            second.cancel()
        }
        #expect(try await eventually { receiver.accepted().count == 40 })
        #expect(try await eventually { try await fixture.deliveries([.done]).count == 40 })
        try await expectRepeatsAreRetries(receiver, fixture.store, earlier: 1)
    }

    /// A receiver may see an event twice only when a delivery was tried again (an answer lost to a
    /// timeout on a loaded machine): never because two relays held it at once.
    /// `earlier`: attempts counted before the relays ran (claims made by the test itself).
    private func expectRepeatsAreRetries(
        _ receiver: ReferenceReceiver, _ store: any DeliveryRepository, earlier: Int = 0
    ) async throws {
        let attempts = Dictionary(
            try await store.deliveries(in: Delivery.Status.allCases, limit: 10_000).map {
                ("evt_\($0.sequence)", $0.attempts)
            },
            uniquingKeysWith: max)
        for repeated in receiver.entries().filter(\.duplicate) {
            #expect(
                (attempts[repeated.webhookID] ?? 0) > earlier + 1,
                "\(repeated.webhookID) arrived twice from one attempt")
        }
    }

    private func claimAll(_ store: any DeliveryRepository, _ request: ClaimRequest) async throws -> [Int64] {
        var claimed: [Int64] = []
        while true {
            let batch = try await store.claimDeliveries(request)
            if batch.isEmpty { return claimed }
            claimed += batch.map(\.id)
        }
    }
}
