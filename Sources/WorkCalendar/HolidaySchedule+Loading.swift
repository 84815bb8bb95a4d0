import Foundation
import JSONC

/// A calendar file that cannot be used, with the file and what is wrong.
public struct CalendarFileError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong.
    public var message: String

    public var description: String { "\(path): error: \(message)" }
}

extension HolidaySchedule {
    /// Reads one yearly file (`Bundles/calendar/YYYY.json`): the year, its source, and holiday
    /// periods `from`–`to` with their make-up working days.
    public init(contentsOf path: String) throws(CalendarFileError) {
        let document: JSONDocument
        do throws(JSONFileError) {
            document = try JSONDocument(contentsOf: path)
        } catch {
            throw CalendarFileError(path: error.place, message: error.message)
        }
        func fail(_ message: String) -> CalendarFileError { CalendarFileError(path: path, message: message) }
        guard let members = document.root.value.members,
            let year = members.first(where: { $0.key == "year" })?.node.value.integerValue,
            let periods = members.first(where: { $0.key == "holidays" })?.node.value.elements
        else { throw fail("a calendar file needs 'year' and 'holidays'") }
        var holidays = Set<CalendarDate>()
        var workdays = Set<CalendarDate>()
        for period in periods {
            let fields = period.value.members ?? []
            func date(_ key: String) throws(CalendarFileError) -> CalendarDate {
                guard let text = fields.first(where: { $0.key == key })?.node.value.stringValue,
                    let date = CalendarDate(text)
                else { throw fail("each holiday needs '\(key)' as YYYY-MM-DD") }
                return date
            }
            let from = try date("from")
            let to = try date("to")
            guard from <= to, from.year == Int(year), to.year == Int(year) else {
                throw fail("holiday \(from)–\(to) is not inside \(year)")
            }
            var day = from
            while day <= to {
                holidays.insert(day)
                day = day.adding(days: 1)
            }
            for node in fields.first(where: { $0.key == "workdays" })?.node.value.elements ?? [] {
                guard let text = node.value.stringValue, let workday = CalendarDate(text), workday.year == Int(year)
                else { throw fail("make-up working days are dates in \(year) as YYYY-MM-DD") }
                workdays.insert(workday)
            }
        }
        let source = members.first(where: { $0.key == "source" })?.node.value.stringValue ?? ""
        self.init(year: Int(year), holidays: holidays, workdays: workdays, source: source)
    }
}

extension WorkCalendar {
    /// Reads every `YYYY.json` in a directory.
    public init(directory: String) throws(CalendarFileError) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var schedules: [HolidaySchedule] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            schedules.append(try HolidaySchedule(contentsOf: (directory as NSString).appendingPathComponent(name)))
        }
        self.init(schedules: schedules)
    }
}
