/// The statutory holidays and make-up working days (调休) of one year, as the State Council
/// publishes them each year (国务院办公厅关于YYYY年部分节假日安排的通知).
public struct HolidaySchedule: Sendable, Equatable {
    /// The year.
    public var year: Int
    /// Days off that would otherwise be working days (holidays on weekdays, and the weekend days
    /// inside a holiday period, which are listed too for clarity).
    public var holidays: Set<CalendarDate>
    /// Weekend days that are working days (调休上班).
    public var workdays: Set<CalendarDate>
    /// Where the schedule comes from.
    public var source: String

    /// Creates a schedule.
    public init(year: Int, holidays: Set<CalendarDate>, workdays: Set<CalendarDate>, source: String) {
        self.year = year
        self.holidays = holidays
        self.workdays = workdays
        self.source = source
    }
}

/// A deadline in working days, flagged when it passes through a year without holiday data.
public struct Deadline: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The last day to finish on.
    public var date: CalendarDate
    /// Whether some day counted lies in a year with no published schedule: the date assumes
    /// Monday–Friday and may move when the schedule is published.
    public var provisional: Bool

    /// Creates a deadline.
    public init(date: CalendarDate, provisional: Bool) {
        self.date = date
        self.provisional = provisional
    }

    /// `2026-02-24`, or `2027-01-05 (provisional)`.
    public var description: String {
        provisional ? "\(date) (provisional)" : date.description
    }
}

/// Working days (工作日): Monday to Friday, minus statutory holidays, plus make-up working days.
///
/// Time limits count from the day after acceptance: accepted on Thursday 2026-02-12 with 3 working
/// days, a case is due on Tuesday 2026-02-24 (Spring Festival in between). A year without a
/// published schedule gives a provisional deadline, never a silent guess.
///
/// ```swift
/// let calendar = WorkCalendar(schedules: [schedule2026])
/// calendar.deadline(acceptedOn: CalendarDate("2026-02-12")!, workingDays: 3)  // 2026-02-24
/// ```
public struct WorkCalendar: Sendable {
    /// The schedules by year.
    public let schedules: [Int: HolidaySchedule]

    /// Creates a calendar from yearly schedules.
    public init(schedules: [HolidaySchedule]) {
        self.schedules = Dictionary(schedules.map { ($0.year, $0) }) { first, _ in first }
    }

    /// The years with published data, ascending.
    public var years: [Int] { schedules.keys.sorted() }

    /// The public holidays fixed by calendar date in 《全国年节及纪念日放假办法》 (4th revision, effective
    /// 2025): 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October, as (month, day). The lunar ones
    /// (春节, 清明, 端午, 中秋) and the make-up days come only with a year's published schedule.
    public static let holidaysFixedByDate: Set<Int> = [101, 501, 502, 1001, 1002, 1003]

    /// Whether the date is a working day, and whether that is known (`known` is false in a year
    /// without data, where weekends and the holidays fixed by date count as days off).
    public func isWorkingDay(_ date: CalendarDate) -> (working: Bool, known: Bool) {
        guard let schedule = schedules[date.year] else {
            return (!date.isWeekend && !Self.holidaysFixedByDate.contains(date.month * 100 + date.day), false)
        }
        if schedule.workdays.contains(date) { return (true, true) }
        if schedule.holidays.contains(date) { return (false, true) }
        return (!date.isWeekend, true)
    }

    /// The day `workingDays` working days after `start`, counting from the day after. With 0 the
    /// deadline is `start` itself (an immediate item is due the same day).
    public func deadline(acceptedOn start: CalendarDate, workingDays: Int) -> Deadline {
        var date = start
        var provisional = false
        var remaining = workingDays
        while remaining > 0 {
            date = date.adding(days: 1)
            let (working, known) = isWorkingDay(date)
            if !known { provisional = true }
            if working { remaining -= 1 }
        }
        return Deadline(date: date, provisional: provisional)
    }

    /// Working days in the range after `start` up to and including `end` (0 when `end` ≤ `start`).
    public func workingDays(after start: CalendarDate, through end: CalendarDate) -> Int {
        guard end > start else { return 0 }
        var count = 0
        var date = start.adding(days: 1)
        while date <= end {
            if isWorkingDay(date).working { count += 1 }
            date = date.adding(days: 1)
        }
        return count
    }

    /// Working days in a whole year; `nil` when the year has no data.
    public func workingDays(inYear year: Int) -> Int? {
        guard schedules[year] != nil, let first = CalendarDate(year: year, month: 1, day: 1),
            let last = CalendarDate(year: year, month: 12, day: 31)
        else { return nil }
        return workingDays(after: first.adding(days: -1), through: last)
    }
}
