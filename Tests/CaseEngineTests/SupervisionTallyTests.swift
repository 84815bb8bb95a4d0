import CaseEngine
import Foundation
import Testing
import WorkCalendar

/// The report's figures are kept as sub-cases change (a tally the stores maintain); here they are
/// checked against a count made from the sub-cases themselves after every kind of step.
@Suite("Supervision figures kept as sub-cases change")
struct SupervisionTallyTests {
    struct Figures: Equatable, CustomStringConvertible {
        var counts: [String: Int] = [:]
        var description: String {
            counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    /// The report's figures, and the same counted from every sub-case.
    static func both(
        _ engine: CaseEngine, _ repository: any CaseRepository, range: DayRange? = nil, finishedOnly: Bool = false
    ) async throws -> (report: Figures, counted: Figures) {
        var report = Figures()
        for row in try await engine.supervisionReport(finishedIn: range, finishedOnly: finishedOnly) {
            for (state, count) in row.counts { report.counts["\(row.item) \(state.rawValue)", default: 0] += count }
            report.counts["\(row.item) on-time"] = row.issuedOnTime
            report.counts["\(row.item) provisional"] = row.provisionalDue
        }
        var counted = Figures()
        for subcase in try await repository.allSubcases() {
            let finished = subcase.progress.finishedOn
            if let range, !(finished.map { $0 >= range.from && $0 <= range.through } ?? false) { continue }
            if finishedOnly && finished == nil { continue }
            let item = subcase.plan.item
            counted.counts["\(item) \(subcase.state.rawValue)", default: 0] += 1
            counted.counts["\(item) on-time", default: 0] +=
                subcase.state == .issued
                    && (finished.flatMap { day in subcase.progress.due.map { day <= $0.date } } ?? false)
                ? 1 : 0
            counted.counts["\(item) provisional", default: 0] +=
                !subcase.state.isFinal && subcase.progress.due?.provisional == true ? 1 : 0
        }
        return (report, counted)
    }

    @Test(
        "after submissions, steps, corrections, rejection and withdrawal the figures match a recount",
        arguments: StoreKind.allCases)
    func matchesRecount(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let monday = fixture.engine(on: "2026-11-23")
        let issued = try await monday.submit(companyApplication(key: "t-1")).caseNumber
        let corrected = try await monday.submit(companyApplication(key: "t-2")).caseNumber
        let rejected = try await monday.submit(companyApplication(key: "t-3")).caseNumber
        let withdrawn = try await monday.submit(companyApplication(key: "t-4")).caseNumber
        // Due in 2027, a year without a published schedule: provisional.
        _ = try await fixture.engine(on: "2026-12-31").submit(companyApplication(key: "t-5"))
        var (report, counted) = try await Self.both(monday, fixture.repository)
        #expect(report == counted)

        try await fixture.engine(on: "2026-11-24").issueRegistration(issued)
        let market = officer("market")
        try await monday.accept(corrected + "-01", department: "market-regulation", actor: market)
        try await monday.requestCorrection(
            corrected + "-01", department: "market-regulation", materials: ["lease-contract"], fields: [], note: "看不清",
            actor: market)
        (report, counted) = try await Self.both(monday, fixture.repository)
        #expect(report == counted)
        try await fixture.engine(on: "2026-11-26").supply(
            caseNumber: corrected, materials: ["lease-contract"], values: [:], actor: Principal(id: "w", role: .window))
        try await fixture.engine(on: "2026-11-27").reject(
            rejected + "-01", department: "market-regulation", reason: "名称重复", actor: market)
        try await monday.withdraw(caseNumber: withdrawn, reason: "不办了", actor: Principal(id: "w", role: .window))
        let friday = fixture.engine(on: "2026-11-30")
        try await friday.review(corrected + "-01", department: "market-regulation", actor: market)
        try await friday.approve(corrected + "-01", department: "market-regulation", actor: approver("market"))
        try await friday.issue(
            corrected + "-01", department: "market-regulation", outputs: ["company.creditCode": "91512081MA62K0260E"],
            actor: market)

        (report, counted) = try await Self.both(monday, fixture.repository)
        #expect(report == counted)
        #expect(report.counts["company-registration issued"] == 2)
        (report, counted) = try await Self.both(monday, fixture.repository, finishedOnly: true)
        #expect(report == counted)
        #expect(report.counts["company-registration accepted"] == nil)
        let first = try #require(CalendarDate("2026-11-24"))
        let last = try #require(CalendarDate("2026-11-27"))
        let november = try #require(DayRange(from: first, through: last))
        (report, counted) = try await Self.both(monday, fixture.repository, range: november)
        #expect(report == counted)
        #expect(report.counts["company-registration issued"] == 1)
    }
}
