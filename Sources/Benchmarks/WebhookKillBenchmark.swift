import ArgumentParser
import BundleKit
import CaseEngine
import CaseStorePostgres
import Foundation
import OneGoServer
import WorkCalendar

/// `onego-bench webhook-kills`: `--events` dispatches delivered by `onego serve` to the reference
/// receiver (scripts/webhook-receiver.py) while the server is killed with SIGKILL `--kills` times
/// at random moments and started again; counts the distinct `webhook-id`s received (every one
/// must arrive: at least once) and the repeats the receiver de-duplicated.
struct WebhookKillBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-kills", abstract: "Deliveries with onego serve killed at random: none may be lost.")

    @Option(help: "A SQLite file (made anew) or a PostgreSQL database (its schema is dropped).") var db: String
    @Option(help: "Events to deliver.") var events = 10_000
    @Option(help: "Times the server is killed.") var kills = 5
    @Option(help: "The onego binary.") var onego = ".build/debug/onego"
    @Option(help: "The bundles directory.") var bundles = "Bundles"

    func run() throws {
        let directory = NSTemporaryDirectory() + "onego-webhook-kills-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try openBenchmarkStore(db)
        let engine = try exampleEngine(store, bundles: bundles)
        let secret = WebhookSignature.newSecret()
        let log = directory + "/received.jsonl"
        let receiver = Process()
        receiver.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        receiver.arguments = ["python3", "scripts/webhook-receiver.py", "--secret", secret, "--log", log]
        let output = Pipe()
        receiver.standardOutput = output
        try receiver.run()
        defer { kill(receiver.processIdentifier, SIGKILL) }
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard
            let port = Int(
                line.replacingOccurrences(of: "listening on ", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            )
        else {
            throw BenchmarkError("the receiver did not start: \(line)")
        }
        let events = self.events
        let submitted = try runBlocking {
            _ = try await store.addEndpoint(
                WebhookEndpoint(
                    id: "we_kills", department: "market-regulation", url: "http://127.0.0.1:\(port)/hook", events: [],
                    secret: secret, createdAt: 0))
            let template = try Application(contentsOf: "docs/examples/company-opening-application.json")
            let start = Date()
            for index in 0..<events {
                var application = template
                application.idempotencyKey = "kill-\(index)"
                _ = try await engine.submit(application)
            }
            return Date().timeIntervalSince(start)
        }
        (store as? PostgresCaseStore)?.stop()
        print("submitted \(events) openings in \(String(format: "%.1f", submitted)) s")
        var environment = ProcessInfo.processInfo.environment
        environment["ONEGO_DB"] = db
        environment["ONEGO_AUDIT_KEY_FILE"] = directory + "/audit.key"
        func serve() throws -> Process {
            let server = Process()
            server.executableURL = URL(fileURLWithPath: onego)
            server.arguments = ["serve", "--listen", "127.0.0.1:0", "--webhook-timeout", "2"]
            server.environment = environment
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            try server.run()
            return server
        }
        func received() -> (distinct: Int, repeats: Int) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            var ids = Set<String>()
            var repeats = 0
            for line in text.split(separator: "\n") {
                guard let start = line.range(of: "\"webhook_id\": \"") else { continue }
                ids.insert(String(line[start.upperBound...].prefix { $0 != "\"" }))
                if line.contains("\"duplicate\": true") { repeats += 1 }
            }
            return (ids.count, repeats)
        }
        let start = Date()
        for round in 1...kills {
            let server = try serve()
            Thread.sleep(forTimeInterval: Double.random(in: 0.5...3))
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            print("killed the server (\(round) of \(kills)); received so far: \(received().distinct)")
        }
        let server = try serve()
        defer { kill(server.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(600)
        while received().distinct < events && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let (distinct, repeats) = received()
        print(
            "\(events) events, \(kills) kills: \(distinct) distinct webhook-ids received, \(events - distinct) lost, "
                + "\(repeats) repeats de-duplicated by the receiver, in \(String(format: "%.1f", Date().timeIntervalSince(start))) s"
        )
        if distinct < events { throw BenchmarkError("\(events - distinct) events were not delivered") }
    }
}
