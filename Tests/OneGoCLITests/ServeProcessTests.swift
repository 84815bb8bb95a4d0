import Foundation
import PostgresTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `onego serve` as a process: enrolment on the command line, a request in flight when SIGTERM
/// arrives, and the exit.
@Suite("onego serve, the process", .serialized)
struct ServeProcessTests {
    @Test("SIGTERM lets a submission in flight finish and store its case, then the server exits 0")
    func gracefulShutdownMidRequest() async throws {
        let directory = NSTemporaryDirectory() + "onego-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["ONEGO_DB": directory + "/onego.db"]
        #expect(try await runOneGo(["db", "init"], environment: environment).status == 0)
        let enrolled = try await runOneGo(["kiosk", "enrol", "bank-01", "--site", "工行"], environment: environment)
        #expect(enrolled.status == 0)
        // The credential alone on standard output, so that it can go straight to a file.
        let credential = enrolled.stdout.trimmingCharacters(in: .newlines)
        #expect(enrolled.stdout.hasPrefix("ogk.bank-01.") && enrolled.stdout.filter { $0 == "\n" }.count == 1)

        let server = try ServerProcess(environment: environment)
        defer { server.stop() }
        let port = try await server.waitForPort()

        let body = Array(
            try Data(contentsOf: repositoryRoot.appendingPathComponent("docs/examples/api-application.json")))
        let connection = try RawConnection(port: port)
        let head =
            "POST /v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(credential)\r\n"
            + "Idempotency-Key: graceful-1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        try connection.send(Array(head.utf8) + body.prefix(body.count / 2))
        // Time for the server to take the request in (the machine may be busy with other tests).
        try await Task.sleep(for: .milliseconds(1500))
        server.terminate()
        try await Task.sleep(for: .milliseconds(300))
        try connection.send(Array(body.dropFirst(body.count / 2)))
        let response = try connection.receiveAll()
        #expect(response.hasPrefix("HTTP/1.1 201"), "\(response.prefix(300))")
        #expect(response.contains("\"caseNumber\":\"OG"))
        #expect(await server.waitForExit() == 0)
        let listed = try await runOneGo(["case", "list"], environment: environment)
        #expect(listed.stdout.contains("OG"))
    }
}

extension ServeProcessTests {
    @Test("staff commands work through the server with a signed-in session, as against a local file")
    func commandsThroughServer() async throws {
        let directory = NSTemporaryDirectory() + "onego-remote-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = ["ONEGO_DB": directory + "/onego.db", "ONEGO_SESSION_FILE": directory + "/session"]
        #expect(try await runOneGo(["db", "init"], environment: environment).status == 0)
        let password = "correct horse battery\n"
        for (id, role, dept) in [
            ("wang.fang", "window", ""), ("zhao", "department", "market-regulation"),
            ("qian", "department", "market-regulation"), ("chen", "supervisor", ""),
        ] {
            let added = try await runOneGo(
                ["staff", "add", id, "--name", id, "--role", role] + (dept.isEmpty ? [] : ["--dept", dept]),
                environment: environment, input: password)
            #expect(added.stdout == "added \(id) (\(role))\n", "\(added.stderr)")
        }
        let server = try ServerProcess(environment: environment)
        defer { server.stop() }
        let address = "http://127.0.0.1:\(try await server.waitForPort())"
        environment["ONEGO_SERVER"] = address
        // The application of the API guide, as a window's file.
        var text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("docs/examples/api-application.json"), encoding: .utf8)
        text = text.replacingOccurrences(
            of: "{\n  \"bundle\"",
            with: "{\n  \"idempotencyKey\": \"w-1\", \"channel\": {\"kind\": \"window\", \"id\": \"x\"},\n  \"bundle\"")
        try text.write(toFile: directory + "/application.json", atomically: true, encoding: .utf8)

        func login(_ account: String) async throws {
            let result = try await runOneGo(
                ["login", "--server", address, "--account", account], environment: environment, input: password)
            #expect(result.stdout == "signed in to \(address) as \(account)\n", "\(result.stderr)")
        }
        #expect(try await runOneGo(["case", "list"], environment: environment).stderr.contains("not signed in to"))
        try await login("wang.fang")
        let receipt = try await runOneGo(
            ["window", "submit", "--application", directory + "/application.json"], environment: environment)
        #expect(receipt.status == 0, "\(receipt.stderr)")
        let number = try #require(
            receipt.stdout.split(separator: "\n").compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("OG2") }.map(String.init)
            }.first)
        let listed = try await runOneGo(["case", "list"], environment: environment)
        #expect(listed.stdout.hasPrefix(number + "  in-progress  company-opening  张三 110105********002X"))
        #expect(!listed.stdout.contains("11010519491231002X"))
        // Window staff cannot take a department's step.
        let refused = try await runOneGo(
            ["dept", "accept", number + "-01", "--dept", "market-regulation"], environment: environment)
        #expect(refused.stderr == "error: this credential may not do this\n")
        #expect(refused.status == 1)

        try await login("zhao")
        for step in ["accept", "review"] {
            let done = try await runOneGo(
                ["dept", step, number + "-01", "--dept", "market-regulation"], environment: environment)
            #expect(done.status == 0, "\(done.stderr)")
        }
        let same = try await runOneGo(
            ["dept", "approve", number + "-01", "--dept", "market-regulation"], environment: environment)
        #expect(same.stderr.contains("zhao reviewed this sub-case and may not also approve it"))
        try await login("qian")
        let approved = try await runOneGo(
            ["dept", "approve", number + "-01", "--dept", "market-regulation"], environment: environment)
        #expect(approved.stdout.hasPrefix(number + "-01  company-registration  approved"), "\(approved.stderr)")
        // Through the server and on the file itself, the same text.
        try await login("chen")
        var local = environment
        local["ONEGO_SERVER"] = nil
        for command in [["supervise", "report"], ["supervise", "overdue"], ["supervise", "promises"]] {
            let remote = try await runOneGo(command, environment: environment)
            #expect(remote.status == 0, "\(command): \(remote.stderr)")
            #expect(remote.stdout == (try await runOneGo(command, environment: local)).stdout, "\(command)")
        }
        try await login("wang.fang")
        #expect(
            try await runOneGo(["case", "show", number], environment: environment).stdout
                == (try await runOneGo(["case", "show", number], environment: local)).stdout)
        #expect(try await runOneGo(["logout"], environment: environment).stdout == "signed out\n")
        #expect(
            try await runOneGo(["audit", "verify"], environment: environment).stderr
                == "error: this command works on a local database only; it has no --server form\n")
    }
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// `onego serve --listen 127.0.0.1:0` running in the background; its log tells the port.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    init(environment: [String: String], arguments: [String] = []) throws {
        log = URL(fileURLWithPath: NSTemporaryDirectory() + "onego-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = repositoryRoot.appendingPathComponent(".build/debug/onego")
        process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// The port from "listening on 127.0.0.1:PORT", within 20 seconds. It waits with `Task.sleep`
    /// and ``waitForExit()`` on a thread of its own: a test that blocks one of the cooperative
    /// pool's threads (two on these machines) stalls every other test in the process.
    func waitForPort() async throws -> UInt16 {
        for _ in 0..<200 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on 127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = UInt16(digits) { return port }
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerNotStarted(log: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    func terminate() { kill(process.processIdentifier, SIGTERM) }

    func waitForExit() async -> Int32 {
        let process = process
        return
            (try? await offload {
                process.waitUntilExit()
                return process.terminationStatus
            }) ?? -1
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: log)
    }
}

struct ServerNotStarted: Error {
    var log: String
}

/// One TCP connection to a local port, written and read as bytes.
final class RawConnection {
    let socket: Int32

    init(port: UInt16) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(socket) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw POSIXError(.EPIPE) }
            sent += written
        }
    }

    /// Everything until the server closes the connection (or 10 seconds pass).
    func receiveAll() throws -> String {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}

extension ServeProcessTests {
    @Test("on SQLite, submissions waiting for another process's write lock hold no thread a health check needs")
    func waitingWritesHoldNoThreads() async throws {
        let directory = NSTemporaryDirectory() + "onego-serve-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/onego.db"
        let environment = ["ONEGO_DB": database, "ONEGO_TEST_TODAY": "2026-11-23"]
        #expect(try await runOneGo(["db", "init"], environment: environment).status == 0)
        let credential = try await runOneGo(["kiosk", "enrol", "bank-01", "--site", "工行"], environment: environment)
            .stdout.trimmingCharacters(in: .newlines)
        let server = try ServerProcess(environment: environment)
        defer { server.stop() }
        let port = try await server.waitForPort()
        // Another process (a script, a supervisor's command) holds the write lock for 8 s; the
        // server's writes wait for it (up to 10 s); before they waited on their threads.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import sqlite3, sys, time\n"
                + "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                + "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(8); c.execute('COMMIT')",
            database,
        ]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        defer { if holder.isRunning { holder.terminate() } }
        #expect(try await firstLine(of: output) == "held\n")
        let started = ContinuousClock.now
        async let first = submit(port: port, credential: credential, key: "lock-1")
        async let second = submit(port: port, credential: credential, key: "lock-2")
        async let third = submit(port: port, credential: credential, key: "lock-3")
        async let fourth = submit(port: port, credential: credential, key: "lock-4")
        try await Task.sleep(for: .milliseconds(1000))
        let health = try await offload {
            let connection = try RawConnection(port: port)
            try connection.send(Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
            return try connection.receiveAll()
        }
        let answeredAfter = ContinuousClock.now - started
        #expect(health.hasPrefix("HTTP/1.1 200"))
        // Answered while the lock is still held (it is let go 8 s after it was taken).
        #expect(answeredAfter < .seconds(5), "\(answeredAfter)")
        let answers = try await [first, second, third, fourth]
        #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 201") }, "\(answers.map { $0.prefix(200) })")
    }
}
