import ArgumentParser
import BundleKit
import CaseEngine
import CaseStorePostgres
import CaseStoreSQLite
import Foundation
import HTTPTypes
import Hummingbird
import OneGoServer
import WorkCalendar

/// `onego-bench webhooks`: the outbox relay to a fast local receiver (issue 14's speed figures).
///
/// The receiver runs in this process (Hummingbird, `POST /hook`), checks each signature and notes
/// the `webhook-id`, the sub-case and when it arrived. Throughput: `--events` company openings are
/// submitted with the relay stopped, then the relay is started and timed until the receiver has
/// every event. Latency: with the relay running, `--latency-events` openings are submitted one every
/// `--interval-ms`; each one's latency runs from the return of its submission (the commit) to its
/// arrival at the receiver.
struct WebhookBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Webhook deliveries/s and commit-to-receiver latency, in process.")

    @Option(help: "A SQLite file (made anew) or a PostgreSQL database (its schema is dropped).") var db: String
    @Option(help: "Events for the throughput run.") var events = 5000
    @Option(help: "Events for the latency run.") var latencyEvents = 500
    @Option(help: "Milliseconds between submissions in the latency run.") var intervalMs = 10
    @Option(help: "The bundles directory.") var bundles = "Bundles"
    @Option(help: "The receiver's port.") var port = 18_766

    func run() throws {
        let store = try openBenchmarkStore(db)
        let engine = try exampleEngine(store, bundles: bundles)
        let receiver = BenchReceiver()
        let secret = WebhookSignature.newSecret()
        let serving = try receiver.serve(port: port, secret: secret)
        defer { serving.cancel() }
        let events = self.events
        let latencyEvents = self.latencyEvents
        let interval = self.intervalMs
        let url = "http://127.0.0.1:\(port)/hook"
        let report = try runBlocking {
            var endpoint = WebhookEndpoint(
                id: "we_bench", department: "market-regulation", url: url, events: [], secret: secret,
                createdAt: 0)
            endpoint.status = .enabled
            _ = try await store.addEndpoint(endpoint)
            let template = try Application(contentsOf: "docs/examples/company-opening-application.json")
            func submit(_ key: String) async throws -> String {
                var application = template
                application.idempotencyKey = key
                return try await engine.submit(application).caseNumber + "-01"
            }
            // Throughput: everything due at once.
            for index in 0..<events { _ = try await submit("t-\(index)") }
            let relay = WebhookRelay(store: store, bell: engine.dispatches)
            let start = DispatchTime.now().uptimeNanoseconds
            let relaying = Task { try await relay.run() }
            while receiver.count < events { try await Task.sleep(for: .milliseconds(5)) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            // Latency: one submission every `interval` ms while the relay runs.
            var committed: [String: UInt64] = [:]
            for index in 0..<latencyEvents {
                let subcase = try await submit("l-\(index)")
                committed[subcase] = DispatchTime.now().uptimeNanoseconds
                try await Task.sleep(for: .milliseconds(interval))
            }
            while receiver.count < events + latencyEvents { try await Task.sleep(for: .milliseconds(5)) }
            relaying.cancel()
            let arrivals = receiver.arrivals()
            var latencies = committed.compactMap { subcase, at in
                arrivals[subcase].map { Double(Int64($0) - Int64(at)) / 1e6 }
            }
            latencies.sort()
            return (seconds, latencies, receiver.duplicates, receiver.refused)
        }
        let (seconds, latencies, duplicates, refused) = report
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print("store: \(PostgresAddress.isAddress(db) ? "PostgreSQL" : "SQLite")")
        print(
            "throughput: \(events) deliveries in \(String(format: "%.2f", seconds)) s = "
                + "\(Int(Double(events) / seconds)) deliveries/s (target ≥ 2,000)")
        print(
            "latency commit→receiver over \(latencies.count) events, one every \(intervalMs) ms: "
                + String(
                    format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", percentile(0.5), percentile(0.99),
                    latencies.last ?? 0)
                + " (targets p50 < 50 ms, p99 < 500 ms)")
        print("duplicates: \(duplicates), refused signatures: \(refused)")
    }
}

/// An engine on the day of the example application's dates (2026-11-23).
func exampleEngine(_ store: any CaseRepository, bundles: String) throws -> CaseEngine {
    CaseEngine(
        repository: store, library: BundleLibrary.load(root: bundles),
        calendar: try WorkCalendar(directory: (bundles as NSString).appendingPathComponent("calendar")),
        clock: FixedClock(day: CalendarDate(year: 2026, month: 11, day: 23) ?? CalendarDate(dayNumber: 0)))
}

/// The store a webhook benchmark runs on, made empty.
func openBenchmarkStore(_ db: String) throws -> any CaseRepository & DeliveryRepository {
    if PostgresAddress.isAddress(db) {
        try resetPostgresSchema(db)
        let address = try PostgresAddress(db)
        return try runBlocking { try await PostgresCaseStore.open(address, options: .init(maximumConnections: 8)) }
    }
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    return try SQLiteCaseStore(path: db, create: true)
}

/// A fast receiver for the benchmarks: verifies each signature and notes arrivals.
final class BenchReceiver: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String: UInt64] = [:]
    private var bySubcase: [String: UInt64] = [:]
    private(set) var duplicates = 0
    private(set) var refused = 0

    var count: Int { lock.withLock { seen.count } }
    func arrivals() -> [String: UInt64] { lock.withLock { bySubcase } }

    func serve(port: Int, secret: String) throws -> Task<Void, any Error> {
        guard WebhookSignature.key(of: secret) != nil else { throw BenchmarkError("a bad secret") }
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 65_536)
            let bytes = Array(body.readableBytesView)
            guard let idName = HTTPField.Name("webhook-id"), let timestampName = HTTPField.Name("webhook-timestamp"),
                let signatureName = HTTPField.Name("webhook-signature"), let id = request.headers[idName],
                let timestamp = request.headers[timestampName].flatMap({ Int64($0) }),
                let signatures = request.headers[signatureName],
                signatures.split(separator: " ").contains(
                    Substring(WebhookSignature.header(id: id, timestamp: timestamp, body: bytes, secrets: [secret])))
            else {
                self.lock.withLock { self.refused += 1 }
                return .unauthorized
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let subcase = text.range(of: "\"subcase\":\"").map { String(text[$0.upperBound...].prefix { $0 != "\"" }) }
            let now = DispatchTime.now().uptimeNanoseconds
            self.lock.withLock {
                if self.seen[id] != nil {
                    self.duplicates += 1
                } else {
                    self.seen[id] = now
                    if let subcase { self.bySubcase[subcase] = now }
                }
            }
            return .noContent
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let task = Task { try await app.run() }
        Thread.sleep(forTimeInterval: 0.5)
        return task
    }
}
