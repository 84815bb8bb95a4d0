import BundleKit
import CaseEngine
import Foundation
import Testing
import WorkCalendar

@Suite("Supervision report over a period")
struct ReportPeriodTests {
    @Test("with a range, only sub-cases finished within it count", arguments: StoreKind.allCases)
    func period(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let monday = fixture.engine(on: "2026-11-23")
        let first = try await monday.submit(companyApplication(key: "p-1")).caseNumber
        let second = try await monday.submit(companyApplication(key: "p-2")).caseNumber
        try await monday.issueRegistration(first)
        try await fixture.engine(on: "2026-11-25").issueRegistration(second)
        func day(_ text: String) throws -> CalendarDate { try #require(CalendarDate(text)) }
        func issued(_ from: String, _ through: String) async throws -> Int? {
            let range = try #require(DayRange(from: try day(from), through: try day(through)))
            return try await monday.supervisionReport(finishedIn: range).first { $0.item == "company-registration" }?
                .issued
        }
        #expect(try await monday.supervisionReport().first { $0.item == "company-registration" }?.issued == 2)
        #expect(try await issued("2026-11-23", "2026-11-23") == 1)
        #expect(try await issued("2026-11-24", "2026-11-30") == 1)
        #expect(try await issued("2026-12-01", "2026-12-31") == nil, "nothing finished then: no row")
        #expect(
            DayRange(from: try #require(CalendarDate("2026-11-30")), through: try #require(CalendarDate("2026-11-01")))
                == nil)
    }
}
