import Foundation
import WorkCalendar

/// The engine's source of "now", injected so tests replay exactly.
public protocol EngineClock: Sendable {
    /// The current day in the service centre's time zone.
    func today() -> CalendarDate
    /// The current instant as an ISO 8601 text, for the audit log.
    func timestamp() -> String
}

/// The engine's source of query codes, injected so tests replay exactly.
public protocol QueryCodeSource: Sendable {
    /// A new 6-digit query code for a citizen.
    func nextQueryCode() -> String
}

/// The wall clock in China Standard Time (UTC+8).
public struct SystemClock: EngineClock {
    /// Creates the clock.
    public init() {}

    public func today() -> CalendarDate {
        let seconds = Int(Date().timeIntervalSince1970) + 8 * 3600
        return CalendarDate(dayNumber: seconds / 86400)
    }

    public func timestamp() -> String {
        let now = Date().timeIntervalSince1970
        let milliseconds = Int((now * 1000).rounded())
        let date = CalendarDate(dayNumber: (milliseconds / 1000 + 8 * 3600) / 86400)
        let secondsOfDay = (milliseconds / 1000 + 8 * 3600) % 86400
        let fraction = milliseconds % 1000
        // Padded by hand: `String(format:)` costs two dynamic casts and a Foundation formatter a
        // call, more than the rest of a timestamp.
        return "\(date)T" + two(secondsOfDay / 3600) + ":" + two(secondsOfDay / 60 % 60) + ":"
            + two(secondsOfDay % 60) + "." + NewCase.padded(fraction, to: 3) + "+08:00"
    }

    private func two(_ value: Int) -> String { NewCase.padded(value, to: 2) }
}

/// A clock fixed on one day: for tests and demos only (`--test-today`).
public struct FixedClock: EngineClock {
    /// The day.
    public let day: CalendarDate

    /// Creates the clock.
    public init(day: CalendarDate) {
        self.day = day
    }

    public func today() -> CalendarDate { day }
    public func timestamp() -> String { "\(day)T09:00:00.000+08:00" }
}

/// Random query codes from the system's generator.
public struct RandomQueryCodes: QueryCodeSource {
    /// Creates the source.
    public init() {}

    public func nextQueryCode() -> String {
        NewCase.padded(Int.random(in: 0..<1_000_000), to: 6)
    }
}

/// Query codes from a seeded sequence, for tests.
public final class SeededQueryCodes: QueryCodeSource, @unchecked Sendable {
    private var state: UInt64
    private let lock = NSLock()

    /// Creates the source with a seed.
    public init(seed: UInt64) {
        self.state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    public func nextQueryCode() -> String {
        lock.lock()
        defer { lock.unlock() }
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return NewCase.padded(Int(state % 1_000_000), to: 6)
    }
}
