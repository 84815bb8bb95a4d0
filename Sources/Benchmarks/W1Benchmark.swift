import ArgumentParser
import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import WorkCalendar

/// `onego-bench w1`: workload W1 (../shared/bench/WORKLOAD.md), 7-item company opening, 29
/// transactions a case, breadth first, through the same engine calls the kiosk and `onego dept` use.
struct W1Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "w1", abstract: "Run workload W1 and print one line like ../shared/bench/raw-c/w1.",
        discussion: """
            With --against FLOOR, runs FLOOR and this benchmark alternately, each in its own process, \
            and prints the median wall-time ratio.
            """)
    @Option(help: "Number of cases.") var cases: Int = 2000
    @Option(help: "normal or full.") var sync: SQLiteCaseStore.Synchronous = .normal
    @Option(
        help: """
            The database file (deleted first), or postgres://… (its public schema dropped first; the floor gets the \
            database named DB_floor on the same server, created if missing).
            """)
    var db: String = "/tmp/onego-w1.db"
    @Option(help: "PostgreSQL: synchronous_commit on or off.") var synchronousCommit: String = "on"
    @Option(
        help:
            "The floor program to compare with: ../shared/bench/raw-c/w1, or ../shared/bench/raw-pg/w1pg with postgres://."
    )
    var against: String?
    @Option(help: "Alternating runs with --against.") var runs: Int = 5
    @Flag(help: "PostgreSQL: every step on the locking path (no gated steps).") var lockingSteps = false
    @Flag(help: "PostgreSQL, with --against: each round also runs the engine with --locking-steps.")
    var alsoLocking = false
    @Flag(help: "PostgreSQL: remember no sub-case (every gated step reads first).") var forgetful = false
    @Flag(help: "PostgreSQL, with --against: each round also runs the engine with --forgetful.")
    var alsoForgetful = false
    @Flag(help: "PostgreSQL, with --against: each round also runs raw-pg's W1 through postgres-nio (pg-driver-floor).")
    var alsoDriver = false

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases must be positive") }
    }

    func run() throws {
        if let against {
            try compare(floor: against)
            return
        }
        var workload = W1Workload(cases: cases, sync: sync, path: db)
        workload.synchronousCommit = synchronousCommit != "off"
        workload.gatedSteps = !lockingSteps
        workload.rememberedSubcases = forgetful ? 0 : 16_384
        let configured = workload
        let result = try runBlocking { try await configured.run() }
        print(result.line)
        if !result.verified { throw BenchmarkError("W1 verification failed: \(result.line)") }
    }

    private func compare(floor: String) throws {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let postgres = db.hasPrefix("postgres")
        var floorArguments = [db + ".floor", String(cases), sync.rawValue]
        var ownArguments = ["w1", "--cases", String(cases), "--sync", sync.rawValue, "--db", db]
        // What runs after the floor in each round: the engine, and the variants asked for.
        var variants: [(name: String, arguments: [String])] = []
        if postgres {
            // The floor's tables have the engine's names: it gets a database of its own.
            let floorDatabase = try floorAddress()
            _ = try? runProcess("/usr/bin/psql", ["-X", "-q", "-d", db, "-c", "CREATE DATABASE \(floorDatabase.name)"])
            floorArguments = [floorDatabase.url, String(cases), synchronousCommit]
            ownArguments += ["--synchronous-commit", synchronousCommit]
            if alsoDriver {
                let driver = ["pg-driver-floor", "--db", floorDatabase.url, "--cases", String(cases)]
                variants.append(("nio-one", driver + ["--synchronous-commit", synchronousCommit, "--mode", "one"]))
            }
        }
        variants.append(("onego", ownArguments))
        if postgres, alsoForgetful { variants.append(("onego-forgetful", ownArguments + ["--forgetful"])) }
        if postgres, alsoLocking { variants.append(("onego-locking", ownArguments + ["--locking-steps"])) }
        var floorTimes: [Double] = []
        var times = Array(repeating: [Double](), count: variants.count)
        for _ in 0..<runs {
            let floorLine = try runProcess(floor, floorArguments)
            print(floorLine)
            guard let floorWall = wall(in: floorLine) else { throw BenchmarkError("cannot read inner_wall_s") }
            floorTimes.append(floorWall)
            for (index, variant) in variants.enumerated() {
                let line = try runProcess(me, variant.arguments)
                print(line)
                guard let own = wall(in: line) else { throw BenchmarkError("cannot read inner_wall_s from \(line)") }
                times[index].append(own)
            }
        }
        for (index, variant) in variants.enumerated() {
            let ratios = zip(times[index], floorTimes).map { $0 / $1 }.sorted()
            print(
                String(
                    format: "median ratio %@/floor = %.2f (runs %@)", variant.name, ratios[ratios.count / 2],
                    ratios.map { String(format: "%.2f", $0) }.joined(separator: " ")))
        }
    }

    /// The floor's database beside `--db` (name + `_floor`), as a libpq URL and name.
    private func floorAddress() throws -> (url: String, name: String) {
        guard var components = URLComponents(string: db), components.path.count > 1 else {
            throw ValidationError("--db must name a database: postgres://user@host:port/database")
        }
        let name = String(components.path.dropFirst()) + "_floor"
        components.path = "/" + name
        return (components.string ?? db, name)
    }

    private func wall(in line: String) -> Double? {
        line.split(separator: " ").first { $0.hasPrefix("inner_wall_s=") }
            .flatMap { Double($0.dropFirst("inner_wall_s=".count)) }
    }
}

/// `onego-bench submissions`: submits many applications with keys `crash-0` … and prints
/// `ack KEY CASE` after each one the engine acknowledged: the child process of the crash test.
struct Submissions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit N company-opening applications with fixed idempotency keys (crash tests).")
    @Option(help: "Number of applications.") var count: Int = 1000
    @Option(help: "The database file.") var db: String
    @Option(help: "The bundles directory.") var bundles: String = "Bundles"

    func run() throws {
        let library = BundleLibrary.load(root: bundles)
        let calendar = try WorkCalendar(directory: (bundles as NSString).appendingPathComponent("calendar"))
        let store = try SQLiteCaseStore(path: db, create: true)
        let engine = CaseEngine(
            repository: store, library: library, calendar: calendar,
            clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)))
        let count = self.count
        try runBlocking {
            for index in 0..<count {
                let receipt = try await engine.submit(W1Workload.companyApplication(key: "crash-\(index)"))
                print("ack crash-\(index) \(receipt.caseNumber)")
                fflush(nil)
            }
        }
    }
}

extension SQLiteCaseStore.Synchronous: ExpressibleByArgument {}
