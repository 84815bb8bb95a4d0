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
        // Thu 12-31, then 1 January (元旦, a holiday fixed by date even without 2027's schedule), Mon 1-4,
        // Tue 1-5. (Before issue 11 this said 2027-01-04, counting 1 January as a working day.)
        #expect(deadline.description == "2027-01-05 (provisional)")
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

@Suite("Provisional deadlines")
struct ProvisionalDeadlineTests {
    @Test(
        "in a year without a schedule the holidays fixed by date (元旦, 劳动节, 国庆) still count as days off",
        arguments: [
            ("2026-12-30", 2, "2027-01-04"),  // Thu 12-31, then Mon 1-4: 1 January is 元旦
            ("2028-04-28", 2, "2028-05-04"),  // Mon 5-1 and Tue 5-2 are 劳动节: Fri 4-28 accepted, Wed 5-3, Thu 5-4
            ("2027-09-29", 3, "2027-10-05"),  // Thu 9-30, Fri 10-1 is 国庆, Mon 10-4, Tue 10-5
        ])
    func fixedHolidays(accepted: String, days: Int, due: String) throws {
        let deadline = shippedCalendar.deadline(acceptedOn: try #require(CalendarDate(accepted)), workingDays: days)
        #expect(deadline.date.description == due)
        #expect(deadline.provisional)
    }
}
