import Foundation
import Testing
import WorkCalendar

let shippedCalendar: WorkCalendar = {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Bundles/calendar").path
    do {
        return try WorkCalendar(directory: directory)
    } catch {
        fatalError("cannot load the shipped calendar: \(error)")
    }
}()

@Suite("Working-day calendar")
struct WorkCalendarTests {
    @Test("2026 has 248 working days")
    func workingDaysIn2026() async {
        #expect(shippedCalendar.workingDays(inYear: 2026) == 248)
    }

    @Test(
        "deadlines count from the day after acceptance, across holidays and make-up days",
        arguments: [
            ("2026-02-12", 3, "2026-02-24"),
            ("2026-09-30", 5, "2026-10-13"),
            ("2026-11-23", 0, "2026-11-23"),
            ("2026-11-27", 1, "2026-11-30"),
            ("2025-01-24", 1, "2025-01-26"),
        ])
    func deadlines(accepted: String, days: Int, due: String) throws {
        let start = try #require(CalendarDate(accepted))
        let deadline = shippedCalendar.deadline(acceptedOn: start, workingDays: days)
        #expect(deadline.date.description == due)
        #expect(deadline.provisional == false)
    }

    @Test(
        "make-up days are working days and holidays are not",
        arguments: [
            ("2025-01-26", true), ("2026-02-14", true), ("2026-10-10", true), ("2026-10-01", false),
            ("2026-02-23", false),
            ("2026-11-22", false), ("2026-11-23", true),
        ])
    func workingDay(date: String, working: Bool) throws {
        let day = try #require(CalendarDate(date))
        #expect(shippedCalendar.isWorkingDay(day) == (working, true))
    }

    @Test("a deadline reaching into a year without data is provisional, never a silent guess")
    func provisional() async throws {
        let deadline = shippedCalendar.deadline(acceptedOn: try #require(CalendarDate("2026-12-30")), workingDays: 3)
        #expect(deadline.provisional)
        #expect(deadline.description == "2027-01-04 (provisional)")
    }

    @Test("day numbers round-trip and weekdays are right")
    func dates() async throws {
        let date = try #require(CalendarDate("2026-11-22"))
        #expect(date.weekday == 7)
        #expect(CalendarDate(dayNumber: date.dayNumber) == date)
        #expect(date.adding(days: 10).description == "2026-12-02")
        #expect(CalendarDate("2026-02-29") == nil)
    }
}
