import ArgumentParser
import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import WorkCalendar

/// `onego-bench scale`: the engine's queries on large files (issue 11): a database of completed W1
/// cases and one of open company-opening cases; one page of `case list`, `dept inbox` and
/// `supervise overdue`, the whole `supervise report` and `audit verify`, with peak memory and bytes
/// per case.
struct ScaleBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale", abstract: "Query times, memory and file size on large databases.")

    @Option(help: "Completed W1 cases.") var completed = 100_000
    @Option(help: "Open company-opening cases.") var open = 20_000
    @Option(help: "Where the databases go (kept, reused when they exist).") var directory = "/tmp/onego-scale"
    @Option(help: "The bundles directory (company opening).") var bundles = "Bundles"
    @Option(help: "Timed runs of each query (median).") var runs = 5

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let settings = self
        try runBlocking { try await settings.measure() }
    }

    private func measure() async throws {
        let completedPath = directory + "/completed-\(completed).db"
        if !FileManager.default.fileExists(atPath: completedPath) {
            let result = try await W1Workload(cases: completed, sync: .normal, path: completedPath).run()
            guard result.verified else { throw BenchmarkError("W1 did not complete: \(result.line)") }
        }
        let openPath = directory + "/open-\(open).db"
        if !FileManager.default.fileExists(atPath: openPath) { try await submitOpenCases(to: openPath) }

        let calendar = try WorkCalendar(directory: (bundles as NSString).appendingPathComponent("calendar"))
        let library = BundleLibrary.load(root: bundles)
        for (label, path, cases, department) in [
            ("completed W1", completedPath, completed, "market-regulation"),
            ("open company opening", openPath, open, "market-regulation"),
        ] {
            let store = try SQLiteCaseStore(path: path)
            let engine = CaseEngine(
                repository: store, library: library, calendar: calendar,
                clock: FixedClock(day: CalendarDate("2027-03-01") ?? CalendarDate(dayNumber: 0)))
            let list = try await median { _ = try await engine.findCases(limit: 50) }
            let search = try await median {
                _ = try await engine.findCases(CaseQuery(applicantIDNumber: "11010519491231002X"), limit: 50)
            }
            let inbox = try await median { _ = try await engine.inbox(department: department, limit: 50) }
            let overdue = try await median { _ = try await engine.deadlineAlerts(limit: 50) }
            let report = try await median { _ = try await engine.supervisionReport() }
            let events = try store.eventCount()
            let start = DispatchTime.now().uptimeNanoseconds
            let verdict = try await engine.verifyAudit()
            let verify = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let bytes = Self.size(path)
            print(
                String(
                    format:
                        "%@: cases=%d list_ms=%.1f search_ms=%.1f inbox_ms=%.1f overdue_ms=%.1f report_ms=%.1f"
                        + " verify_s=%.2f events=%d events_per_s=%.0f bytes_per_case=%.0f peak_rss_mb=%.0f %@",
                    label, cases, list * 1000, search * 1000, inbox * 1000, overdue * 1000, report * 1000, verify,
                    events, Double(events) / verify, Double(bytes) / Double(cases), Double(usage.ru_maxrss) / 1024,
                    verdict.description))
        }
    }

    private func submitOpenCases(to path: String) async throws {
        let library = BundleLibrary.load(root: bundles)
        let calendar = try WorkCalendar(directory: (bundles as NSString).appendingPathComponent("calendar"))
        let engine = CaseEngine(
            repository: try SQLiteCaseStore(path: path, create: true), library: library, calendar: calendar,
            clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)),
            codes: SeededQueryCodes(seed: 5))
        for index in 0..<open {
            _ = try await engine.submit(W1Workload.companyApplication(key: "open-\(index)"))
        }
    }

    private func median(_ work: () async throws -> Void) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            try await work()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// The database file with its WAL.
    private static func size(_ path: String) -> Int {
        ["", "-wal"].reduce(0) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: path + $1)[.size] as? Int) ?? 0)
        }
    }
}
