import ArgumentParser
import BundleKit
import CaseEngine
import CaseStorePostgres
import CaseStoreSQLite
import Foundation
import Hummingbird
import OneGoServer
import WorkCalendar

/// `onego-bench api`: `POST /v1/cases` (company opening, full validation) through `onego serve`
/// against the same submissions in process, in one run (issue 12's speed figure).
///
/// In process: the application submitted `--count` times, one after another, on a fresh SQLite
/// file. Over HTTP: the server runs in this process on another fresh file, and `wrk` (Debian's
/// package) sends the same body with `--clients` connections for `--seconds`, each request with its
/// own `Idempotency-Key`. Prints submissions/s both ways, their ratio, and wrk's latency percentiles.
/// With `--db postgres://…` both run on that database instead (its public schema dropped first),
/// through one store with the server's default pool.
struct APIBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "POST /v1/cases over HTTP against the engine in process.")

    @Option(help: "Submissions in process.") var count = 3000
    @Option(help: "Concurrent HTTP connections.") var clients = 32
    @Option(help: "Seconds of HTTP load.") var seconds = 20
    @Option(help: "The bundles directory.") var bundles = "Bundles"
    @Option(help: "A directory for the two databases.") var directory = NSTemporaryDirectory()
    @Option(help: "The port to serve on.") var port = 18_765
    @Option(help: "postgres://… to run both on PostgreSQL (its public schema is dropped first).") var db: String?

    func run() throws {
        let library = BundleLibrary.load(root: bundles)
        let calendar = try WorkCalendar(directory: (bundles as NSString).appendingPathComponent("calendar"))
        let body = try Data(contentsOf: URL(fileURLWithPath: "docs/examples/api-application.json"))
        let template = try Application(json: Array(body), name: "api-application.json")
        let postgres: PostgresCaseStore? = try db.map { db in
            try resetPostgresSchema(db)
            let address = try PostgresAddress(db)
            return try runBlocking { try await PostgresCaseStore.open(address) }
        }
        defer { postgres?.stop() }
        func engine(_ name: String) throws -> (CaseEngine, any AccessRepository) {
            if let postgres {
                return (CaseEngine(repository: postgres, library: library, calendar: calendar), postgres)
            }
            let path = (directory as NSString).appendingPathComponent(name)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let store = try SQLiteCaseStore(path: path, create: true)
            return (CaseEngine(repository: store, library: library, calendar: calendar), store)
        }

        // In process.
        let (local, _) = try engine("api-bench-local.db")
        let count = self.count
        let inProcessSeconds = try runBlocking {
            let start = DispatchTime.now().uptimeNanoseconds
            for index in 0..<count {
                var application = template
                application.idempotencyKey = "local-\(index)"
                application.channel = Channel(kind: .kiosk, id: "bench")
                _ = try await local.submit(application)
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let inProcessRate = Double(count) / inProcessSeconds

        // Over HTTP.
        let (remote, store) = try engine("api-bench-http.db")
        let credential = ClientCredential.generate(.kiosk, id: "bench-kiosk")
        _ = try runBlocking {
            try await store.enrol(
                ClientEnrolment(
                    id: "bench-kiosk", kind: .kiosk, scope: "bench", secretHash: credential.secretHash,
                    enrolledAt: "2026-12-01T00:00:00.000+08:00"))
        }
        let server = OneGoServer(engine: remote, access: store)
        let app = Application(
            router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        let serving = Task { try await app.run() }
        defer { serving.cancel() }
        Thread.sleep(forTimeInterval: 1)
        let script = (directory as NSString).appendingPathComponent("api-bench.lua")
        let bodyFile = (directory as NSString).appendingPathComponent("api-bench-body.json")
        try body.write(to: URL(fileURLWithPath: bodyFile))
        try """
        local counter = 0
        local body = io.open("\(bodyFile)"):read("*a")
        function setup(thread) thread:set("id", tostring(math.random(1, 1e9))) end
        request = function()
          counter = counter + 1
          return wrk.format("POST", "/v1/cases", {
            ["Authorization"] = "Bearer \(credential.text)",
            ["Content-Type"] = "application/json",
            ["Idempotency-Key"] = "wrk-" .. id .. "-" .. counter }, body)
        end
        response = function(status, headers, body)
          if status ~= 201 then io.stderr:write("status " .. status .. "\\n") end
        end
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let wrk = Process()
        wrk.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        wrk.arguments = [
            "-t2", "-c\(clients)", "-d\(seconds)s", "--latency", "-s", script, "http://127.0.0.1:\(port)",
        ]
        let output = Pipe()
        wrk.standardOutput = output
        try wrk.run()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        wrk.waitUntilExit()
        let stored = try runBlocking { try await remote.listCases(limit: 1).first?.number ?? "none" }
        let httpRate =
            report.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        print(report)
        print(String(format: "in process: %d submissions in %.2f s = %.0f/s", count, inProcessSeconds, inProcessRate))
        print(String(format: "HTTP: %.0f/s with %d connections; last case %@", httpRate, clients, stored))
        print(String(format: "ratio HTTP/in-process: %.2f", httpRate / inProcessRate))
    }
}
