import Foundation
import PostgresTesting
import Testing

/// Several `onego` processes on one PostgreSQL database, and a centre moved from SQLite to it.
@Suite("onego processes sharing PostgreSQL", .serialized)
struct PostgresProcessTests {
    /// A temporary directory with the example application under several idempotency keys.
    struct Workspace {
        let directory: String
        let database: String
        var environment: [String: String] {
            ["ONEGO_DB": database, "ONEGO_AUDIT_KEY_FILE": directory + "/audit.key", "ONEGO_TEST_TODAY": "2026-11-23"]
        }

        init() async throws {
            directory = NSTemporaryDirectory() + "onego-pg-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: repositoryRoot.appendingPathComponent("docs/examples/lease-contract.pdf").path,
                toPath: directory + "/lease-contract.pdf")
            database = try await TestPostgres.newDatabase()
        }

        /// The example application saved under `key`; its path.
        func application(key: String) throws -> String {
            let text = try String(
                contentsOf: repositoryRoot.appendingPathComponent("docs/examples/company-opening-application.json"),
                encoding: .utf8
            ).replacingOccurrences(of: "window-023-20261123-0001", with: key)
            let path = directory + "/\(key).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func remove() {
            TestPostgres.drop(database)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Starts every command at once as its own process and waits for all: (status, stdout, stderr).
    func together(
        _ commands: [[String]], environment: [String: String]
    ) async throws -> [(Int32, String, String)] {
        try await offload { try togetherBlocking(commands, environment: environment) }
    }

    func togetherBlocking(
        _ commands: [[String]], environment: [String: String]
    ) throws -> [(Int32, String, String)] {
        let running = try commands.map { try OneGoRun($0, environment: environment) }
        return running.map { run in
            let result = run.finish()
            return (result.status, result.stdout, result.stderr)
        }
    }

    @Test("processes submitting at once get distinct numbers, one case per key; one of two clerks wins a step")
    func processesShareOneDatabase() async throws {
        let workspace = try await Workspace()
        defer { workspace.remove() }
        let environment = workspace.environment
        #expect(
            try await runOneGo(["db", "init"], environment: environment).stdout.hasSuffix(
                "is at schema v5-supervision-tally\n"))
        let keys = ["p-1", "p-2", "p-3", "p-4", "shared", "shared"]
        let submitted = try await together(
            try keys.map { ["window", "submit", "--application", try workspace.application(key: $0)] },
            environment: environment)
        let numbers = submitted.map { result in
            result.1.split(separator: "\n").first { $0.hasPrefix("案件编号 Case number: ") }.map {
                String($0.dropFirst("案件编号 Case number: ".count))
            } ?? "failed: \(result.2)"
        }
        #expect(Set(numbers).count == 5, "\(numbers)")
        #expect(numbers[4] == numbers[5])
        #expect(Set(numbers).allSatisfy { $0.hasPrefix("OG20261123-00000") })
        #expect(try await TestPostgres.query(workspace.database, "SELECT count(*) FROM cases") == "5")

        // Two clerks' processes accept the same sub-case at the same moment: one wins.
        let id = numbers[0] + "-01"
        let accepted = try await together(
            Array(repeating: ["dept", "accept", id, "--dept", "market-regulation"], count: 2), environment: environment)
        #expect(accepted.filter { $0.0 == 0 }.count == 1)
        let loser = accepted.first { $0.0 != 0 }
        #expect(loser?.2.contains(id) == true, "\(loser?.2 ?? "")")
        #expect(
            try await TestPostgres.query(workspace.database, "SELECT count(*) FROM events WHERE action = 'accept'")
                == "1")
        // An operator may keep every step on the locking path.
        let reviewed = try await runOneGo(
            ["dept", "review", id, "--dept", "market-regulation", "--db-locking-steps"], environment: environment)
        #expect(reviewed.status == 0, "\(reviewed.stderr)")
        let verified = try await runOneGo(["audit", "verify"], environment: environment)
        #expect(verified.stdout == "audit chain intact: 7 events\n")
    }

    @Test("with PostgreSQL down, a command says so at once and exits 75 (try again later)")
    func databaseDown() async throws {
        let empty = NSTemporaryDirectory() + "onego-down-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let result = try await runOneGo(
            ["case", "list", "--db", "postgres://onego@/onego?host=\(empty)&port=5432", "--audit-key", empty + "/key"])
        #expect(result.status == 75)
        #expect(
            result.stderr
                == "error: cannot reach the database server at postgres://onego@[\(empty)]:5432/onego; check that it is"
                + " running and the address is right, then try again\n")
    }

    @Test("onego db copy moves a SQLite centre into PostgreSQL; the audit verifies there with the same head")
    func copyFromSQLite() async throws {
        let workspace = try await Workspace()
        defer { workspace.remove() }
        let file = workspace.directory + "/centre.db"
        let local = [
            "ONEGO_DB": file, "ONEGO_TEST_TODAY": "2026-11-23",
            "ONEGO_AUDIT_KEY_FILE": workspace.directory + "/audit.key",
        ]
        #expect(try await runOneGo(["db", "init"], environment: local).status == 0)
        for key in ["c-1", "c-2"] {
            let result = try await runOneGo(
                ["window", "submit", "--application", try workspace.application(key: key)], environment: local)
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(
            try await runOneGo(
                ["dept", "accept", "OG20261123-000001-01", "--dept", "market-regulation"], environment: local
            )
            .status == 0)
        let sourceHead = try await runOneGo(["audit", "checkpoint"], environment: local).stdout.split(separator: " ")
            .prefix(3)

        let copied = try await runOneGo(
            ["db", "copy", "--from", file, "--to", workspace.database], environment: workspace.environment)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(
            copied.stdout.hasPrefix("copied 2 cases, 14 sub-cases, 3 audit events and 2 attachments into postgres://"))
        let verified = try await runOneGo(["audit", "verify"], environment: workspace.environment)
        #expect(verified.stdout == "audit chain intact: 3 events\n", "\(verified.stderr)")
        let targetHead = try await runOneGo(["audit", "checkpoint"], environment: workspace.environment).stdout.split(
            separator: " "
        ).prefix(3)
        #expect(targetHead == sourceHead)
        #expect(sourceHead.count == 3)

        // The copied centre goes on: the next case is numbered after the copied ones.
        let next = try await runOneGo(
            ["window", "submit", "--application", try workspace.application(key: "c-3")],
            environment: workspace.environment)
        #expect(next.stdout.contains("案件编号 Case number: OG20261123-000003"), "\(next.stderr)")
        // A second copy into a database that is no longer empty is refused, and changes nothing.
        let again = try await runOneGo(
            ["db", "copy", "--from", file, "--to", workspace.database], environment: workspace.environment)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds"))
        #expect(try await TestPostgres.query(workspace.database, "SELECT count(*) FROM cases") == "3")
    }
}

extension PostgresProcessTests {
    @Test(
        "two onego serve on one PostgreSQL database: kiosks on either get distinct cases, a retry on the other the same"
    )
    func twoServers() async throws {
        let workspace = try await Workspace()
        defer { workspace.remove() }
        let environment = workspace.environment
        #expect(try await runOneGo(["db", "init"], environment: environment).status == 0)
        let enrolled = try await runOneGo(["kiosk", "enrol", "bank-01", "--site", "工行"], environment: environment)
        let credential = enrolled.stdout.trimmingCharacters(in: .newlines)
        #expect(credential.hasPrefix("ogk.bank-01."), "\(enrolled.stderr)")
        let first = try ServerProcess(environment: environment)
        defer { first.stop() }
        let second = try ServerProcess(environment: environment)
        defer { second.stop() }
        let ports = [try await first.waitForPort(), try await second.waitForPort()]
        let a = try await submit(port: ports[0], credential: credential, key: "bank-01-a")
        let b = try await submit(port: ports[1], credential: credential, key: "bank-01-b")
        let retry = try await submit(port: ports[1], credential: credential, key: "bank-01-a")
        #expect(a.hasPrefix("HTTP/1.1 201"), "\(a.prefix(400))")
        #expect(b.hasPrefix("HTTP/1.1 201"), "\(b.prefix(400))")
        #expect(caseNumber(in: a) == "OG20261123-000001")
        #expect(caseNumber(in: b) == "OG20261123-000002")
        #expect(caseNumber(in: retry) == caseNumber(in: a), "\(retry.prefix(400))")
        #expect(try await TestPostgres.query(workspace.database, "SELECT count(*) FROM cases") == "2")
        let verified = try await runOneGo(["audit", "verify"], environment: environment)
        #expect(verified.stdout == "audit chain intact: 2 events\n", "\(verified.stderr)")
    }
}

/// Posts an application to a server as a kiosk; the response's text.
func submit(port: UInt16, credential: String, key: String) async throws -> String {
    let body = Array(
        try Data(contentsOf: repositoryRoot.appendingPathComponent("docs/examples/api-application.json")))
    let head =
        "POST /v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(credential)\r\n"
        + "Idempotency-Key: \(key)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        + "Connection: close\r\n\r\n"
    return try await offload {
        let connection = try RawConnection(port: port)
        try connection.send(Array(head.utf8) + body)
        return try connection.receiveAll()
    }
}

func caseNumber(in response: String) -> String? {
    guard let range = response.range(of: "\"caseNumber\":\"") else { return nil }
    return String(response[range.upperBound...].prefix { $0 != "\"" })
}
