import ArgumentParser
import CaseStorePostgres
import Foundation
import Logging
import PostgresNIO

/// `onego-bench pg-driver-floor`: raw-pg's W1 (../shared/bench/raw-pg/w1pg.c: the same tables, rows
/// and transactions, no audit chain, no engine) written through postgres-nio instead of libpq. It
/// measures what the driver the project is built on costs before any engine work: `--mode
/// statements` sends raw-pg's statements one round trip each, as raw-pg does; `--mode one` sends
/// each of the 29 transactions as one prepared statement (the fewest round trips a transaction can
/// take), `--mode one-unprepared` the same SQL unprepared. Prints raw-pg's line, so `w1 --against`
/// style comparisons read it alike.
struct DriverFloorBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg-driver-floor", abstract: "Run raw-pg's W1 through postgres-nio (the driver's own floor).")

    enum Mode: String, ExpressibleByArgument, CaseIterable { case statements, one, oneUnprepared = "one-unprepared" }

    @Option(help: "postgres://… of a database whose W1 tables may be dropped.") var db: String
    @Option(help: "Number of cases.") var cases: Int = 2000
    @Option(help: "synchronous_commit: on or off.") var synchronousCommit: String = "on"
    @Option(help: "statements, one or one-unprepared.") var mode: Mode = .one
    @Option(help: "raw-pg's schema.") var schema: String = "../shared/bench/raw-pg/schema.sql"

    func run() throws {
        let address = try PostgresAddress(db)
        let schemaSQL = try String(contentsOfFile: schema, encoding: .utf8)
        let (cases, mode, sync) = (self.cases, self.mode, synchronousCommit)
        let line = try runBlocking {
            var configuration = address.clientConfiguration
            configuration.options.maximumConnections = 1
            configuration.options.additionalStartupParameters = [("synchronous_commit", sync)]
            let client = PostgresClient(configuration: configuration)
            let runner = Task { await client.run() }
            defer { runner.cancel() }
            let start = DispatchTime.now().uptimeNanoseconds
            let (complete, events, transactions) = try await client.withConnection { connection in
                try await connection.query(PostgresQuery(unsafeSQL: "SET client_min_messages = warning"), logger: quiet)
                // One statement at a time: the extended protocol takes one.
                for statement in schemaSQL.split(separator: ";")
                where statement.split(separator: "\n").contains(where: { !$0.hasPrefix("--") && !$0.isEmpty }) {
                    try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: quiet)
                }
                var w1 = DriverW1(connection: connection, mode: mode)
                for id in 1...cases { try await w1.submit(Int64(id)) }
                for action in 0..<4 { for id in 1...cases { try await w1.act(Int64(id), item: 0, action: action) } }
                for action in 0..<4 {
                    for id in 1...cases {
                        for item in 1..<7 { try await w1.act(Int64(id), item: item, action: action) }
                    }
                }
                let rows = try await connection.query(
                    "SELECT (SELECT count(*) FROM cases WHERE status='complete'), (SELECT count(*) FROM events)",
                    logger: quiet)
                var counts = (0, 0)
                for try await (complete, events) in rows.decode((Int, Int).self) { counts = (complete, events) }
                return (counts.0, counts.1, w1.transactions)
            }
            let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let cpu =
                Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
            let verified = complete == cases && events == 29 * cases && transactions == 29 * cases
            return (
                String(
                    format:
                        "engine=nio-%@ n=%d synchronous_commit=%@ tx=%d inner_wall_s=%.3f complete=%d events=%d cpu_s=%.3f",
                    mode.rawValue, cases, sync, transactions, wall, complete, events, cpu), verified
            )
        }
        print(line.0)
        if !line.1 { throw BenchmarkError("verification failed: \(line.0)") }
    }
}

private let quiet = Logger(label: "onego.bench.driver-floor")
private let items = ["A", "B", "C", "D", "E", "F", "G"]
private let departments = [
    "market-regulation", "public-security", "tax", "human-resources", "medical-security", "provident-fund", "bank",
]
private let newStates = ["accepted", "reviewed", "approved", "issued"]
private let previousStates = ["dispatched", "accepted", "reviewed", "approved"]
private let actions = ["accept", "review", "approve", "issue"]

/// One connection's W1 in the chosen shape.
private struct DriverW1 {
    let connection: PostgresConnection
    let mode: DriverFloorBenchmark.Mode
    var transactions = 0

    private var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    mutating func submit(_ id: Int64) async throws {
        let at = now
        let form =
            "{"
            + (1...30).map { String(format: "\"f%02d\":\"%02d-%09lld-abcdefg\"", $0, $0, id) }
            .joined(separator: ",") + "}"
        let number = String(format: "W1-%08lld", id)
        let materials = (1...10).map {
            (String(format: "M%02d", $0), String(format: "material-%02d-name", $0), 1 + $0 % 3, $0 % 4 != 3)
        }
        switch mode {
        case .statements:
            try await connection.query("BEGIN", logger: quiet)
            try await connection.query(
                "INSERT INTO cases(id, case_no, status, form, created_at, updated_at) VALUES(\(id), \(number), 'open', \(form), \(at), \(at))",
                logger: quiet)
            for (code, name, count, provided) in materials {
                try await connection.query(
                    "INSERT INTO materials(case_id, code, name, count, provided) VALUES(\(id),\(code),\(name),\(count),\(provided))",
                    logger: quiet)
            }
            for item in 0..<7 {
                let state = item == 0 ? "dispatched" : "waiting"
                try await connection.query(
                    "INSERT INTO subcases(case_id, item, dept, state, updated_at) VALUES(\(id),\(items[item]),\(departments[item]),\(state),\(at))",
                    logger: quiet)
            }
            try await connection.query(
                "INSERT INTO events(case_id, item, action, at) VALUES(\(id), NULL, 'submit', \(at))", logger: quiet)
            try await connection.query("COMMIT", logger: quiet)
        case .one, .oneUnprepared:
            let statement = SubmitW1(
                id: id, number: number, form: form, at: at, codes: materials.map(\.0), names: materials.map(\.1),
                counts: materials.map(\.2), provided: materials.map(\.3))
            try await run(statement)
        }
        transactions += 1
    }

    mutating func act(_ id: Int64, item: Int, action: Int) async throws {
        let at = now
        let output: String? =
            action == 3
            ? (item == 0 ? String(format: "91110000%09lldX", id) : String(format: "%@-%09lld-done", items[item], id))
            : nil
        switch mode {
        case .statements:
            try await connection.query("BEGIN", logger: quiet)
            let changed: Int
            if let output {
                changed = try await count(
                    "UPDATE subcases SET state=\(newStates[action]), output=\(output), updated_at=\(at) WHERE case_id=\(id) AND item=\(items[item]) AND state=\(previousStates[action]) RETURNING 1"
                )
            } else {
                changed = try await count(
                    "UPDATE subcases SET state=\(newStates[action]), updated_at=\(at) WHERE case_id=\(id) AND item=\(items[item]) AND state=\(previousStates[action]) RETURNING 1"
                )
            }
            guard changed == 1 else {
                throw BenchmarkError("case \(id) item \(items[item]): \(actions[action]) not allowed")
            }
            if let output, item == 0 {
                try await connection.query(
                    "UPDATE cases SET credit_code=\(output), updated_at=\(at) WHERE id=\(id)", logger: quiet)
                let released = try await count(
                    "UPDATE subcases SET state='dispatched', input_code=\(output), updated_at=\(at) WHERE case_id=\(id) AND item<>'A' AND state='waiting' RETURNING 1"
                )
                guard released == 6 else { throw BenchmarkError("dispatch B..G") }
            } else if output != nil {
                let open = try await count("SELECT 1 FROM subcases WHERE case_id=\(id) AND state<>'issued'")
                if open == 0 {
                    try await connection.query(
                        "UPDATE cases SET status='complete', updated_at=\(at) WHERE id=\(id)", logger: quiet)
                }
            }
            try await connection.query(
                "INSERT INTO events(case_id, item, action, at) VALUES(\(id), \(items[item]), \(actions[action]), \(at))",
                logger: quiet)
            try await connection.query("COMMIT", logger: quiet)
        case .one, .oneUnprepared:
            let changed: Int
            if let output, item == 0 {
                changed = try await run(IssueFirstW1(id: id, output: output, at: at))
            } else if let output {
                changed = try await run(IssueW1(id: id, item: items[item], output: output, at: at))
            } else {
                changed = try await run(
                    StepW1(
                        id: id, item: items[item], to: newStates[action], from: previousStates[action],
                        action: actions[action], at: at))
            }
            guard changed == 1 else {
                throw BenchmarkError("case \(id) item \(items[item]): \(actions[action]) not allowed")
            }
        }
        transactions += 1
    }

    private func count(_ query: PostgresQuery) async throws -> Int {
        var rows = 0
        for try await _ in try await connection.query(query, logger: quiet) { rows += 1 }
        return rows
    }

    /// One transaction as one statement: prepared (the driver's best) or unnamed.
    @discardableResult
    private func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> Int
    where Statement.Row == Int {
        var result = 0
        if mode == .one {
            for try await value in try await connection.execute(statement, logger: quiet) { result = value }
        } else {
            var query = PostgresQuery(unsafeSQL: Statement.sql)
            query.binds = try statement.makeBindings()
            for try await (value) in try await connection.query(query, logger: quiet).decode(Int.self) {
                result = value
            }
        }
        return result
    }
}

/// A submission: the case, its ten materials, seven sub-cases and the event.
private struct SubmitW1: PostgresPreparedStatement {
    static let sql = """
        WITH c AS (INSERT INTO cases(id, case_no, status, form, created_at, updated_at) VALUES($1, $2, 'open', $3, $4, $4)),
        m AS (INSERT INTO materials(case_id, code, name, count, provided) SELECT $1, * FROM unnest($5::text[], $6::text[], $7::int[], $8::bool[])),
        s AS (INSERT INTO subcases(case_id, item, dept, state, updated_at)
              SELECT $1, i, d, CASE WHEN i = 'A' THEN 'dispatched' ELSE 'waiting' END, $4
              FROM unnest(ARRAY['A','B','C','D','E','F','G'], ARRAY['market-regulation','public-security','tax','human-resources','medical-security','provident-fund','bank']) AS u(i, d)),
        e AS (INSERT INTO events(case_id, item, action, at) VALUES($1, NULL, 'submit', $4))
        SELECT 1
        """
    typealias Row = Int
    var id: Int64, number: String, form: String, at: Int64
    var codes: [String], names: [String], counts: [Int32], provided: [Bool]
    init(
        id: Int64, number: String, form: String, at: Int64, codes: [String], names: [String], counts: [Int],
        provided: [Bool]
    ) {
        (self.id, self.number, self.form, self.at) = (id, number, form, at)
        (self.codes, self.names, self.counts, self.provided) = (codes, names, counts.map(Int32.init), provided)
    }
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        bindings.append(number)
        bindings.append(form)
        bindings.append(at)
        bindings.append(codes)
        bindings.append(names)
        bindings.append(counts)
        bindings.append(provided)
        return bindings
    }
    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}

/// Accept, review or approve: the sub-case's state if it is the expected one, and the event.
private struct StepW1: PostgresPreparedStatement {
    static let sql = """
        WITH u AS (UPDATE subcases SET state=$3, updated_at=$6 WHERE case_id=$1 AND item=$2 AND state=$4 RETURNING 1),
        e AS (INSERT INTO events(case_id, item, action, at) SELECT $1, $2, $5, $6 FROM u)
        SELECT count(*)::int8 FROM u
        """
    typealias Row = Int
    var id: Int64, item: String, to: String, from: String, action: String, at: Int64
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        bindings.append(item)
        bindings.append(to)
        bindings.append(from)
        bindings.append(action)
        bindings.append(at)
        return bindings
    }
    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}

/// Item A issued: its output on the case, and B…G dispatched with it.
private struct IssueFirstW1: PostgresPreparedStatement {
    static let sql = """
        WITH u AS (UPDATE subcases SET state='issued', output=$2, updated_at=$3 WHERE case_id=$1 AND item='A' AND state='approved' RETURNING 1),
        c AS (UPDATE cases SET credit_code=$2, updated_at=$3 WHERE id=$1 AND EXISTS (SELECT FROM u)),
        d AS (UPDATE subcases SET state='dispatched', input_code=$2, updated_at=$3
              WHERE case_id=$1 AND item<>'A' AND state='waiting' AND EXISTS (SELECT FROM u)),
        e AS (INSERT INTO events(case_id, item, action, at) SELECT $1, 'A', 'issue', $3 FROM u)
        SELECT count(*)::int8 FROM u
        """
    typealias Row = Int
    var id: Int64, output: String, at: Int64
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        bindings.append(output)
        bindings.append(at)
        return bindings
    }
    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}

/// Another item issued: the case completes when no other sub-case is open.
private struct IssueW1: PostgresPreparedStatement {
    static let sql = """
        WITH u AS (UPDATE subcases SET state='issued', output=$3, updated_at=$4 WHERE case_id=$1 AND item=$2 AND state='approved' RETURNING 1),
        c AS (UPDATE cases SET status='complete', updated_at=$4 WHERE id=$1 AND EXISTS (SELECT FROM u)
              AND NOT EXISTS (SELECT FROM subcases WHERE case_id=$1 AND item<>$2 AND state<>'issued')),
        e AS (INSERT INTO events(case_id, item, action, at) SELECT $1, $2, 'issue', $4 FROM u)
        SELECT count(*)::int8 FROM u
        """
    typealias Row = Int
    var id: Int64, item: String, output: String, at: Int64
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        bindings.append(item)
        bindings.append(output)
        bindings.append(at)
        return bindings
    }
    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}
