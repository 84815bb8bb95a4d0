import ArgumentParser
import BundleKit
import CaseEngine
import CaseStorePostgres
import Foundation
import WorkCalendar

/// `onego-bench concurrent`: P engine processes × N different submissions against one PostgreSQL
/// database at once; every one must be stored once. Prints throughput and p50/p99 per submit, or,
/// with `--steps`, per step of the four steps each process then takes on the first item of each
/// of its cases (accept, review, approve, issue), with how many were written gated. Then the
/// audit chain must verify.
struct ConcurrencyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concurrent",
        abstract: "P processes × N company-opening submissions against one PostgreSQL database.")
    @Option(help: "The PostgreSQL database (its public schema is dropped first).") var db: String
    @Option(help: "Engine processes.") var processes: Int = 8
    @Option(help: "Submissions per process.") var cases: Int = 250
    @Option(help: "The bundles directory.") var bundles: String = "Bundles"
    @Flag(help: "Time the steps each process takes after its submissions, not the submissions.") var steps = false

    func run() throws {
        try resetPostgresSchema(db)
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let keyFile = NSTemporaryDirectory() + "onego-bench-\(getpid()).audit-key"
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        // The schema once, before the processes race (they would wait on the migration lock anyway).
        _ = try runProcess(me, ["submit-batch", "--db", db, "--prefix", "warm", "--count", "0", "--bundles", bundles])
        var children: [(Process, Pipe)] = []
        for index in 0..<processes {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: me)
            process.arguments =
                [
                    "submit-batch", "--db", db, "--prefix", "p\(index)-", "--count", String(cases), "--bundles",
                    bundles,
                    "--audit-key", keyFile,
                ] + (steps ? ["--steps"] : [])
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            children.append((process, pipe))
        }
        var latencies: [Double] = []
        var starts: [UInt64] = []
        var ends: [UInt64] = []
        var paths = StepPaths()
        for (process, pipe) in children {
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0, let line = text.split(separator: "\n").last else {
                throw BenchmarkError("a submitting process failed")
            }
            let fields = line.split(separator: " ")
            guard fields.count == 6, let start = UInt64(fields[0]), let end = UInt64(fields[1]),
                let gated = Int(fields[3]), let locking = Int(fields[4]), let remembered = Int(fields[5])
            else { throw BenchmarkError("cannot read a child's line: \(line)") }
            paths.gated += gated
            paths.locking += locking
            paths.remembered += remembered
            starts.append(start)
            ends.append(end)
            latencies += fields[2].split(separator: ",").compactMap { Double($0) }
        }
        let wall = Double((ends.max() ?? 0) - (starts.min() ?? 0)) / 1e9
        latencies.sort()
        let stored = try runProcess(
            "/usr/bin/psql",
            ["-X", "-q", "-tA", "-d", db, "-c", "SELECT count(*), count(DISTINCT idempotency_key) FROM cases"])
        let expected = "\(processes * cases)|\(processes * cases)"
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        let audit = try verifyAudit(keyFile: keyFile)
        let timed = steps ? "steps" : "submissions"
        print(
            String(
                format: "engine=onego processes=%d %@=%d wall_s=%.3f per_s=%.1f p50_ms=%.2f p99_ms=%.2f stored=%@",
                processes, timed, latencies.count, wall, Double(latencies.count) / wall, percentile(0.5),
                percentile(0.99), stored)
                + (steps
                    ? " steps_gated=\(paths.gated) steps_remembered=\(paths.remembered) steps_locking=\(paths.locking)"
                    : "")
                + "; \(audit)")
        if stored != expected { throw BenchmarkError("stored \(stored), expected \(expected)") }
        guard case .intact = audit else { throw BenchmarkError("the audit chain does not verify: \(audit)") }
    }

    /// The whole chain and every case replayed, with the processes' audit key.
    private func verifyAudit(keyFile: String) throws -> AuditVerification {
        let library = BundleLibrary.load(root: bundles)
        let calendar = try WorkCalendar(directory: (bundles as NSString).appendingPathComponent("calendar"))
        let (address, key) = (try PostgresAddress(db), try AuditKey.loadOrCreate(at: keyFile).key)
        return try runBlocking {
            let store = try await PostgresCaseStore.open(address, auditKey: key)
            let engine = CaseEngine(
                repository: store, library: library, calendar: calendar,
                clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)))
            let verdict = try await engine.verifyAudit(key: key)
            await store.close()
            return verdict
        }
    }
}

/// `onego-bench submit-batch`: one process of `concurrent`: submits N applications with keys
/// PREFIX0 … (then, with `--steps`, takes four steps on each case's first item) and prints `START
/// END LATENCIES GATED LOCKING` (monotonic nanoseconds; milliseconds, comma-separated, of the
/// submissions or the steps; how many steps were written gated and on the locking path).
struct SubmitBatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit-batch", abstract: "One process of 'concurrent'.")
    @Option var db: String
    @Option var prefix: String
    @Option var count: Int
    @Option var bundles: String = "Bundles"
    @Option var auditKey: String?
    @Flag var steps = false

    func run() throws {
        let library = BundleLibrary.load(root: bundles)
        let calendar = try WorkCalendar(directory: (bundles as NSString).appendingPathComponent("calendar"))
        let address = try PostgresAddress(db)
        let (prefix, count, timeSteps) = (self.prefix, self.count, steps)
        let key = try auditKey.map { path throws -> AuditKey in try AuditKey.loadOrCreate(at: path).key }
        let line = try runBlocking {
            let store = try await PostgresCaseStore.open(address, auditKey: key, options: .init(maximumConnections: 2))
            let engine = CaseEngine(
                repository: store, library: library, calendar: calendar,
                clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)))
            var latencies: [String] = []
            func timed(_ work: () async throws -> Void) async throws {
                let before = DispatchTime.now().uptimeNanoseconds
                try await work()
                latencies.append(String(format: "%.3f", Double(DispatchTime.now().uptimeNanoseconds - before) / 1e6))
            }
            var start = DispatchTime.now().uptimeNanoseconds
            var numbers: [String] = []
            for index in 0..<count {
                try await timed {
                    numbers.append(
                        try await engine.submit(W1Workload.companyApplication(key: prefix + String(index))).caseNumber)
                }
            }
            if timeSteps {
                latencies = []
                start = DispatchTime.now().uptimeNanoseconds
                let (department, clerk) = ("market-regulation", Principal(id: "market-1", role: .department))
                let approver = Principal(id: "market-2", role: .department)
                for id in numbers.map({ $0 + "-01" }) {
                    try await timed { try await engine.accept(id, department: department, actor: clerk) }
                    try await timed { try await engine.review(id, department: department, actor: clerk) }
                    try await timed { try await engine.approve(id, department: department, actor: approver) }
                    try await timed {
                        try await engine.issue(
                            id, department: department, outputs: ["company.creditCode": "91350211M0000XUF46"],
                            overrideWarnings: true, actor: clerk)
                    }
                }
            }
            let end = DispatchTime.now().uptimeNanoseconds
            let paths = store.stepPaths
            await store.close()
            return
                "\(start) \(end) \(latencies.joined(separator: ",")) \(paths.gated) \(paths.locking) \(paths.remembered)"
        }
        print(line)
    }
}

/// `onego-bench pg-roundtrip`: the cost of one statement through the PostgreSQL store's pool and
/// deadline, and of a transaction of the engine's shape, to see where W1's time goes.
struct PostgresRoundTrip: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg-roundtrip", abstract: "Time N trivial reads through the PostgreSQL store.")
    @Option var db: String
    @Option var count: Int = 5000

    func run() throws {
        let address = try PostgresAddress(db)
        let count = self.count
        let line = try runBlocking {
            let store = try await PostgresCaseStore.open(address, options: .init(maximumConnections: 1))
            func time(_ work: () async throws -> Void) async throws -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<count { try await work() }
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(count)
            }
            let read = try await time { _ = try await store.lastEventSeq() }
            let bounded = try await time { try await store.ping(bounded: true) }
            let direct = try await time { try await store.ping(bounded: false) }
            await store.close()
            return String(
                format: "statements=%d us_per_read=%.1f us_per_select1_bounded=%.1f us_per_select1_direct=%.1f", count,
                read, bounded, direct)
        }
        print(line)
    }
}
