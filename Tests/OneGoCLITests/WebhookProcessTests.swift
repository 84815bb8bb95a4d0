import Foundation
import PostgresTesting
import Testing
import WebhookTesting

/// `onego dept webhook add` and `onego serve` killed with SIGKILL in the middle of deliveries.
@Suite("Webhooks across processes", .serialized)
struct WebhookProcessTests {
    enum Store: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }
    }

    @Test("onego serve killed during deliveries and restarted: every event arrives", arguments: Store.allCases)
    func killedDuringDeliveries(store: Store) async throws {
        let directory = NSTemporaryDirectory() + "onego-webhooks-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = store == .sqlite ? directory + "/onego.db" : try await TestPostgres.newDatabase()
        defer { if store == .postgres { TestPostgres.drop(database) } }
        let environment = [
            "ONEGO_DB": database, "ONEGO_AUDIT_KEY_FILE": directory + "/audit.key", "ONEGO_TEST_TODAY": "2026-11-23",
        ]
        #expect(try await runOneGo(["db", "init"], environment: environment).status == 0)
        let credential = try await runOneGo(["kiosk", "enrol", "bank-01", "--site", "工行"], environment: environment)
            .stdout.trimmingCharacters(in: .newlines)
        let reservation = try PortReservation()
        let port = reservation.port
        let url = "http://127.0.0.1:\(port)/onego/events"
        let added = try await runOneGo(["dept", "webhook", "add", "market-regulation", url], environment: environment)
        let lines = added.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(added.stderr)")
        #expect(lines.first?.hasPrefix("added we_") == true)
        #expect(lines.first?.hasSuffix(" for market-regulation: \(url)") == true)
        #expect(lines.dropFirst().first == "events: all")
        let secretLine = try #require(lines.last)
        let prefix = "secret (shown once; give it to the department system): "
        #expect(secretLine.hasPrefix(prefix + "whsec_"))
        let receiver = try await ReferenceReceiver(
            secrets: [String(secretLine.dropFirst(prefix.count))], on: reservation, log: directory + "/received.jsonl",
            options: ["--delay-ms", "1500"])
        defer { receiver.stop() }
        let serveArguments = ["--webhook-timeout", "5", "--test-webhook-retries", "0,100,100,100,100,100,100,100"]
        let first = try ServerProcess(environment: environment, arguments: serveArguments)
        defer { first.stop() }
        let firstPort = try await first.waitForPort()
        // More events than the relay keeps in flight to one endpoint (32), each answered 1.5 s after
        // it arrives: however fast or slow the submissions, the last ones are still on their way
        // when the first answer has come and the server is killed.
        for index in 1...40 {
            #expect(
                try await submit(port: firstPort, credential: credential, key: "k-\(index)").hasPrefix("HTTP/1.1 201"))
        }
        #expect(try await eventually { !receiver.accepted().isEmpty })
        kill(first.process.processIdentifier, SIGKILL)
        _ = await first.waitForExit()
        let beforeRestart = receiver.accepted().count
        #expect(beforeRestart < 40, "the kill came after every delivery: nothing was tested")
        let second = try ServerProcess(environment: environment, arguments: serveArguments)
        defer { second.stop() }
        _ = try await second.waitForPort()
        #expect(try await eventually(within: 60) { receiver.accepted().count == 40 })
        #expect(receiver.accepted() == Set((1...40).map { "evt_\($0)" }))
        // Every outcome recorded: nothing pending, nothing dead.
        #expect(
            try await eventually {
                try await runOneGo(["supervise", "deliveries", "--status", "pending,dead"], environment: environment)
                    .stdout == "no pending or dead deliveries\n"
            })
    }
}

extension WebhookProcessTests {
    @Test("onego dept webhook: add, list, disable, enable, rotate, remove; mistakes answered with what to do")
    func administration() async throws {
        let directory = NSTemporaryDirectory() + "onego-webhooks-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["ONEGO_DB": directory + "/onego.db", "ONEGO_TEST_TODAY": "2026-11-23"]
        #expect(try await runOneGo(["db", "init"], environment: environment).status == 0)
        let url = "https://tax.example.gov.cn/onego/events"
        let added = try await runOneGo(
            ["dept", "webhook", "add", "tax", url, "--events", "subcase.dispatched,case.withdrawn"],
            environment: environment)
        let id = try #require(added.stdout.split(separator: " ").dropFirst().first.map(String.init))
        #expect(added.stdout.hasPrefix("added \(id) for tax: \(url)\nevents: subcase.dispatched,case.withdrawn\n"))
        let listed = try await runOneGo(["dept", "webhook", "list"], environment: environment)
        #expect(listed.stdout == "\(id)  tax  enabled  subcase.dispatched,case.withdrawn  \(url)\n")
        let disabled = try await runOneGo(["dept", "webhook", "disable", id], environment: environment)
        #expect(
            disabled.stdout
                == "\(id)  tax  disabled (disabled by an administrator)  subcase.dispatched,case.withdrawn  \(url)\n")
        let deliveries = try await runOneGo(["supervise", "deliveries"], environment: environment)
        #expect(
            deliveries.stdout
                == "no dead deliveries\ndisabled endpoints:\n  \(id)  tax  disabled (disabled by an administrator)"
                + "  subcase.dispatched,case.withdrawn  \(url)\n")
        #expect(
            try await runOneGo(["dept", "webhook", "enable", id], environment: environment).stdout
                == "\(id)  tax  enabled  subcase.dispatched,case.withdrawn  \(url)\n")
        let rotated = try await runOneGo(["dept", "webhook", "rotate", id], environment: environment)
        #expect(
            rotated.stdout.hasPrefix("rotated \(id): both secrets sign for 24 hours\nnew secret (shown once): whsec_"))
        #expect(
            try await runOneGo(["dept", "webhook", "remove", id], environment: environment).stdout == "removed \(id)\n")
        #expect(
            try await runOneGo(["dept", "webhook", "list", "tax"], environment: environment).stdout
                == "no webhook endpoints\n")
        let typo = try await runOneGo(["dept", "webhook", "add", "taxx", url], environment: environment)
        #expect(typo.status == 1)
        #expect(typo.stderr == "error: no department 'taxx' in the catalog; did you mean 'tax'?\n")
        let plain = try await runOneGo(
            ["dept", "webhook", "add", "tax", "http://tax.example.gov.cn/h"], environment: environment)
        #expect(plain.stderr == "error: plain http:// is allowed only on this machine (127.0.0.1); use https://\n")
        let unknown = try await runOneGo(["dept", "webhook", "rotate", "we_nothing"], environment: environment)
        #expect(
            unknown.stderr == "error: no webhook endpoint 'we_nothing'; 'onego dept webhook list' lists them\n")
        let replay = try await runOneGo(["supervise", "deliveries", "--replay", "soon"], environment: environment)
        #expect(replay.status == 64 || replay.status == 2)
        #expect(
            replay.stderr.contains(
                "--replay is a delivery id, a range FIRST-LAST, or a time such as 2026-11-23T14:00, not 'soon'"))
        #expect(
            try await runOneGo(["supervise", "deliveries", "--replay", "2026-11-23"], environment: environment).stdout
                == "replayed 0 deliveries\n")
    }
}

extension WebhookProcessTests {
    @Test("SIGTERM lets a delivery in flight finish and records it before onego serve exits")
    func gracefulShutdown() async throws {
        let directory = NSTemporaryDirectory() + "onego-webhooks-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["ONEGO_DB": directory + "/onego.db", "ONEGO_TEST_TODAY": "2026-11-23"]
        #expect(try await runOneGo(["db", "init"], environment: environment).status == 0)
        let credential = try await runOneGo(["kiosk", "enrol", "bank-01", "--site", "工行"], environment: environment)
            .stdout.trimmingCharacters(in: .newlines)
        let reservation = try PortReservation()
        let port = reservation.port
        let added = try await runOneGo(
            ["dept", "webhook", "add", "market-regulation", "http://127.0.0.1:\(port)/onego/events"],
            environment: environment)
        let secret = try #require(added.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .newlines) })
        let receiver = try await ReferenceReceiver(
            secrets: [secret], on: reservation, log: directory + "/received.jsonl", options: ["--delay-ms", "1500"])
        defer { receiver.stop() }
        let server = try ServerProcess(environment: environment)
        defer { server.stop() }
        #expect(
            try await submit(port: try await server.waitForPort(), credential: credential, key: "k-1").hasPrefix(
                "HTTP/1.1 201"))
        // Claimed and on its way (the receiver takes 1.5 s to answer).
        #expect(
            try await eventually {
                try await runOneGo(["supervise", "deliveries", "--status", "pending"], environment: environment)
                    .stdout.contains("  pending  1 attempt  ")
            })
        server.terminate()
        #expect(await server.waitForExit() == 0)
        #expect(receiver.accepted() == ["evt_1"])
        let done = try await runOneGo(["supervise", "deliveries", "--status", "done"], environment: environment)
        #expect(done.stdout.contains("  evt_1  subcase.dispatched  OG20261123-000001-01  "), "\(done.stdout)")
        #expect(done.stdout.contains("  done  1 attempt  —  "))
    }
}
