import ArgumentParser
import AsyncHTTPClient
import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import OneGoServer
import WorkCalendar

/// `onego-bench console`: the staff console's pages on the scale databases of `onego-bench scale`
/// (100,000 completed W1 cases; 20,000 open company openings), timed on the server: each page is
/// requested `--runs` times over loopback and its time is read from the server's own `/metrics`
/// (seconds spent answering, by route), so the client's share is not counted.
struct ConsoleBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console", abstract: "Console page times on the scale databases (run `scale` first).")

    @Option(help: "Where `onego-bench scale` left its databases.") var directory = "/tmp/onego-scale"
    @Option(help: "The bundles directory.") var bundles = "Bundles"
    @Option(help: "Requests of each page.") var runs = 20
    @Option(help: "The port to serve on.") var port = 18_767

    func run() throws {
        let settings = self
        try runBlocking { try await settings.measure() }
    }

    private func measure() async throws {
        let calendar = try WorkCalendar(directory: (bundles as NSString).appendingPathComponent("calendar"))
        let library = BundleLibrary.load(root: bundles)
        for (label, file) in [("completed W1", "completed-100000.db"), ("open company opening", "open-20000.db")] {
            let path = directory + "/" + file
            guard FileManager.default.fileExists(atPath: path) else {
                throw BenchmarkError("\(path) is missing: run `onego-bench scale` first")
            }
            let store = try SQLiteCaseStore(path: path)
            let engine = CaseEngine(
                repository: store, library: library, calendar: calendar,
                clock: FixedClock(day: CalendarDate("2027-03-01") ?? CalendarDate(dayNumber: 0)))
            let hasher = PasswordHasher(rounds: 1000)
            for (id, role, department) in [
                ("bench.window", StaffAccount.Role.window, ""), ("bench.market", .department, "market-regulation"),
                ("bench.sup", .supervisor, ""),
            ] {
                _ = try await store.addStaff(
                    StaffAccount(
                        id: id, name: id, role: role, department: department, site: "bench",
                        passwordHash: try hasher.hash("bench password 1")))
            }
            let server = OneGoServer(engine: engine, access: store, deliveries: store)
            let app = Application(
                router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
            let serving = Task { try await app.run() }
            try await Task.sleep(for: .milliseconds(500))
            defer { serving.cancel() }
            let base = "http://127.0.0.1:\(port)"
            let number = try await engine.findCases(limit: 1).items.first?.number ?? ""
            let subcase = try await engine.inbox(department: "market-regulation", limit: 1).items.first?.subcase.id
            let pages: [(String, String, [String])] = [
                ("bench.window", "search by name", ["/console/cases?q=%E5%BC%A0%E4%B8%89"]),
                ("bench.window", "search by ID number", ["/console/cases?q=11010519491231002X"]),
                ("bench.window", "case page", ["/console/cases/\(number)"]),
                ("bench.market", "inbox page", ["/console/desk"]),
                ("bench.market", "sub-case page", subcase.map { ["/console/desk/\($0)"] } ?? []),
                ("bench.sup", "dashboard", ["/console/dashboard"]),
            ]
            var line = "\(label):"
            for (account, name, paths) in pages where !paths.isEmpty {
                let cookie = try await Self.signIn(base: base, account: account)
                let before = try await Self.serverSeconds(base: base)
                for _ in 0..<runs {
                    for path in paths { _ = try await Self.get(base + path, cookie: cookie) }
                }
                let after = try await Self.serverSeconds(base: base)
                let spent = after.seconds - before.seconds
                let requests = after.requests - before.requests
                line += String(
                    format: " %@=%.1fms", name.replacingOccurrences(of: " ", with: "_"),
                    spent / Double(max(1, requests)) * 1000)
            }
            print(line)
        }
    }

    /// A client that does not follow redirects: the sign-in answers with one, carrying the cookie.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    static func signIn(base: String, account: String) async throws -> String {
        let page = try await client.execute(
            HTTPClientRequest(url: base + "/console/login"), timeout: .seconds(30))
        let login =
            page.headers["set-cookie"].first { $0.hasPrefix("onego_login=") }.map { String($0.prefix { $0 != ";" }) }
            ?? ""
        var request = HTTPClientRequest(url: base + "/console/login")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "cookie", value: login)
        let token = login.split(separator: "=", maxSplits: 1).last.map(String.init) ?? ""
        request.body = .bytes(ByteBuffer(string: "csrf=\(token)&account=\(account)&password=bench+password+1"))
        let response = try await client.execute(request, timeout: .seconds(60))
        guard let session = response.headers["set-cookie"].first(where: { $0.hasPrefix("onego_session=") }) else {
            throw BenchmarkError("\(account) could not sign in (HTTP \(response.status.code))")
        }
        return String(session.prefix { $0 != ";" })
    }

    static func get(_ url: String, cookie: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "cookie", value: cookie)
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        guard response.status == .ok else { throw BenchmarkError("\(url): HTTP \(response.status.code)") }
        return body.readableBytes
    }

    /// Console requests answered and seconds spent on them, from the server's `/metrics`.
    static func serverSeconds(base: String) async throws -> (requests: Int, seconds: Double) {
        let response = try await client.execute(
            HTTPClientRequest(url: base + "/metrics"), timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 4 * 1024 * 1024))
        var requests = 0
        var seconds = 0.0
        for line in text.split(separator: "\n") where line.contains("route=\"/console/") && !line.contains("/login") {
            guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            if line.hasPrefix("onego_http_requests_total") { requests += Int(value) }
            if line.hasPrefix("onego_http_request_seconds_total") { seconds += value }
        }
        return (requests, seconds)
    }
}
