import BundleKit
import CaseEngine
import CaseStorePostgres
import CaseStoreSQLite
import Foundation
import WorkCalendar

/// Workload W1 through the engine: a generated 7-item bundle (A issues a credit code that B–G
/// need), a 30-field form and 10 materials, N cases submitted, then A's four steps for every case,
/// then B–G's, breadth first. Every engine call is one durable transaction: 29 a case.
struct W1Workload: Sendable {
    let cases: Int
    let sync: SQLiteCaseStore.Synchronous
    /// A SQLite file (deleted first) or a PostgreSQL database (its tables dropped first).
    let path: String
    /// `synchronous_commit` on PostgreSQL.
    var synchronousCommit = true
    /// PostgreSQL: steps tried gated first (the store's default).
    var gatedSteps = true
    var rememberedSubcases = 16_384

    struct Result {
        var line: String
        var verified: Bool
    }

    static let departments = [
        "market-regulation", "public-security", "tax", "human-resources", "medical-security", "provident-fund", "bank",
    ]
    static let items = ["A", "B", "C", "D", "E", "F", "G"]

    func run() async throws -> Result {
        let root = NSTemporaryDirectory() + "onego-w1-library-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.writeLibrary(at: root)
        let library = BundleLibrary.load(root: root)
        guard !library.diagnostics.contains(where: { $0.severity == .error }) else {
            throw BenchmarkError("the generated W1 library has errors")
        }
        let postgres = PostgresAddress.isAddress(path)
        if postgres {
            try resetPostgresSchema(path)
        } else {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let sqlite = postgres ? nil : try SQLiteCaseStore(path: path, create: true, synchronous: sync)
        let pg =
            postgres
            ? try await PostgresCaseStore.open(
                try PostgresAddress(path),
                options: .init(
                    maximumConnections: 1, synchronousCommit: synchronousCommit, gatedSteps: gatedSteps,
                    rememberedSubcases: rememberedSubcases))
            : nil
        guard let store: any CaseRepository = sqlite ?? pg else { throw BenchmarkError("no store") }
        let engine = CaseEngine(
            repository: store, library: library, calendar: WorkCalendar(schedules: []),
            clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)),
            codes: SeededQueryCodes(seed: 1))
        var numbers: [String] = []
        numbers.reserveCapacity(cases)
        var transactions = 0
        for index in 1...cases {
            let receipt = try await engine.submit(Self.application(index))
            numbers.append(receipt.caseNumber)
            transactions += 1
        }
        let submitted = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        func act(_ item: Int, _ step: Int, _ number: String) async throws {
            let id = number + "-0\(item + 1)"
            let department = Self.departments[item]
            let actor = Principal(id: department, role: .department)
            switch step {
            case 0: try await engine.accept(id, department: department, actor: actor)
            case 1: try await engine.review(id, department: department, actor: actor)
            case 2:
                // Separation of duties: another member of staff approves what was reviewed.
                try await engine.approve(
                    id, department: department, actor: Principal(id: department + "-approver", role: .department))
            default:
                let outputs = item == 0 ? ["w1.creditCode": Self.creditCode(number)] : [:]
                try await engine.issue(id, department: department, outputs: outputs, actor: actor)
            }
            transactions += 1
        }
        for step in 0..<4 { for number in numbers { try await act(0, step, number) } }
        for step in 0..<4 { for number in numbers { for item in 1..<7 { try await act(item, step, number) } } }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var complete = 0
        var events = 0
        var paths = ""
        if let sqlite {
            complete = try sqlite.caseCount(status: .completed)
            events = try sqlite.eventCount()
        } else if let pg {
            complete = try await pg.caseCount(status: .completed)
            events = try await pg.eventCount()
            let steps = pg.stepPaths
            paths =
                " steps_gated=\(steps.gated) steps_remembered=\(steps.remembered) steps_locking=\(steps.locking)"
                + " submissions_gated=\(steps.gatedSubmissions)"
            await pg.close()
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let durability = postgres ? "synchronous_commit=" + (synchronousCommit ? "on" : "off") : "sync=" + sync.rawValue
        let cpu =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let line =
            String(
                format: "engine=onego n=%d %@ tx=%d inner_wall_s=%.3f complete=%d events=%d peak_rss_kb=%ld"
                    + " submit_s=%.3f cpu_s=%.3f",
                cases, durability, transactions, wall, complete, events, usage.ru_maxrss, submitted, cpu) + paths
        return Result(line: line, verified: complete == cases && events == 29 * cases && transactions == 29 * cases)
    }

    /// A valid unified social credit code for a case.
    static func creditCode(_ number: String) -> String {
        let digits = number.filter(\.isNumber).suffix(9)
        let body = "91410500" + String(repeating: "0", count: 9 - digits.count) + digits
        return body + String(CreditCode.checkCharacter(for: body) ?? "0")
    }

    static let fieldIDs = (1...30).map { "w1.f" + padded($0, 2) }
    static let materialIDs = (1...10).map { "w1-m" + padded($0, 2) }

    /// `value` with leading zeros to `width` digits (no Foundation formatting on the timed path).
    static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func application(_ index: Int) -> Application {
        var values: [String: String] = [:]
        let suffix = "-" + padded(index, 9) + "-abcdefg"
        for (position, field) in fieldIDs.enumerated() { values[field] = padded(position + 1, 2) + suffix }
        var materials: [String: MaterialStatus] = [:]
        for material in materialIDs { materials[material] = .provided }
        return Application(
            bundle: "w1", answers: [:], values: values, materials: materials,
            applicant: Applicant(name: "测试", idNumber: "11010519491231002X", phone: "13812345678"),
            channel: Channel(kind: .kiosk, id: "bench"), idempotencyKey: "w1-\(index)")
    }

    static func writeLibrary(at root: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/catalog", withIntermediateDirectories: true)
        func text(_ value: String) -> String { "{ \"zh\": \"\(value)\", \"en\": \"\(value)\" }" }
        var catalog = "{ \"departments\": {"
        catalog += departments.map { "\"\($0)\": { \"name\": \(text($0)) }" }.joined(separator: ", ")
        catalog +=
            "}, \"elements\": { \"w1.creditCode\": { \"label\": \(text("credit code")), \"type\": \"creditCode\" }"
        for field in 1...30 {
            catalog += String(
                format: ", \"w1.f%02d\": { \"label\": %@, \"type\": \"text\", \"maxLength\": 40 }", field,
                text("f\(field)"))
        }
        catalog += "}, \"materials\": {"
        catalog += (1...10).map { String(format: "\"w1-m%02d\": { \"name\": %@ }", $0, text("material \($0)")) }
            .joined(separator: ", ")
        catalog += "}, \"items\": {"
        var entries: [String] = []
        for (index, item) in items.enumerated() {
            let fields =
                index == 0 ? Array(1...30) : Array(((index - 1) * 5 + 1)...((index - 1) * 5 + 5))
            let materials = index == 0 ? Array(1...10) : [index, index + 3]
            var entry = "\"\(item)\": { \"name\": \(text(item)), \"department\": \"\(departments[index])\", "
            entry += "\"kind\": \"committed\", \"legalDays\": 5, \"promisedDays\": 1, \"fields\": {"
            entry += fields.map { String(format: "\"w1.f%02d\": {}", $0) }.joined(separator: ", ")
            entry +=
                "}, \"materials\": {" + materials.map { String(format: "\"w1-m%02d\": {}", $0) }.joined(separator: ", ")
            entry += "}, " + (index == 0 ? "\"outputs\": [\"w1.creditCode\"] }" : "\"inputs\": [\"w1.creditCode\"] }")
            entries.append(entry)
        }
        catalog += entries.joined(separator: ", ") + "} }"
        try catalog.write(toFile: root + "/catalog/w1.json", atomically: true, encoding: .utf8)
        let bundle = """
            { "id": "w1", "version": "1", "name": \(text("W1")),
              "items": { \(items.map { "\"\($0)\": {}" }.joined(separator: ", ")) }, "promisedDays": 2 }
            """
        try bundle.write(toFile: root + "/w1.json", atomically: true, encoding: .utf8)
    }

    /// A valid company-opening application for the shipped bundle.
    static func companyApplication(key: String) -> Application {
        Application(
            bundle: "company-opening",
            answers: ["applicantRole": "legal-rep", "premises": "owned", "hiresStaff": "no", "needsBankAccount": "no"],
            values: [
                "company.name": "安阳市示例科技有限公司", "company.type": "llc", "company.registeredCapital": "100",
                "company.businessScope": "软件开发", "company.address": "河南省安阳市文峰区中华路 1 号",
                "company.divisionCode": "410502", "legalRep.name": "张三", "legalRep.idNumber": "11010519491231002X",
                "legalRep.phone": "13812345678", "taxOfficer.name": "李四", "taxOfficer.phone": "13912345678",
                "seal.set": "basic", "invoice.type": "ordinary", "invoice.monthlyQuantity": "50",
            ],
            materials: [
                "registration-application": .provided, "articles-of-association": .provided,
                "appointment-documents": .provided, "id-card": .provided,
            ],
            applicant: Applicant(name: "张三", idNumber: "11010519491231002X", phone: "13812345678"),
            channel: Channel(kind: .kiosk, id: "crash-test"), idempotencyKey: key)
    }
}
