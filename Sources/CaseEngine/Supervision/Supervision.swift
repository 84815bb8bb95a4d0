import BundleKit
import Foundation
import WorkCalendar

/// Days from one to another, both included (a report's period).
public struct DayRange: Sendable, Equatable {
    /// The first day.
    public var from: CalendarDate
    /// The last day.
    public var through: CalendarDate

    /// Creates a range; nil when `through` comes before `from`.
    public init?(from: CalendarDate, through: CalendarDate) {
        guard from <= through else { return nil }
        self.from = from
        self.through = through
    }
}

/// A sub-case that is due soon or past due (电子监察).
public struct DeadlineAlert: Sendable, Equatable, Codable {
    /// Warning: due within one working day. Overdue: past its due date.
    public enum Level: String, Sendable, Codable {
        case warning, overdue
    }
    /// How urgent.
    public var level: Level
    /// The case number.
    public var caseNumber: String
    /// The sub-case id.
    public var subcase: String
    /// The item id.
    public var item: String
    /// The department id.
    public var department: String
    /// The state.
    public var state: SubcaseState
    /// The due date.
    public var due: Deadline
}

/// One row of the supervision report: a department's item with its figures.
public struct SupervisionRow: Sendable, Equatable {
    /// The department id.
    public var department: String
    /// The item id.
    public var item: String
    /// Sub-cases by state.
    public var counts: [SubcaseState: Int]
    /// Issued sub-cases finished on or before their due date.
    public var issuedOnTime: Int
    /// Issued sub-cases.
    public var issued: Int
    /// Average working days from dispatch to issue, corrections excluded; `nil` with none issued.
    public var averageWorkingDays: Double?
    /// Promised limit in working days.
    public var promisedDays: Int
    /// Legal limit in working days, if the law sets one.
    public var legalDays: Int?
    /// Open sub-cases whose due date is provisional (a year without a published holiday schedule).
    public var provisionalDue: Int = 0

    /// Issued on time ÷ issued, or `nil` with none issued.
    public var onTimeRate: Double? { issued > 0 ? Double(issuedOnTime) / Double(issued) : nil }
    /// 1 − promised/legal, or `nil` without a legal limit.
    public var compression: Double? {
        legalDays.flatMap { $0 > 0 ? 1 - Double(promisedDays) / Double($0) : nil }
    }
}

extension SupervisionRow: Codable {
    enum CodingKeys: String, CodingKey {
        case department, item, counts, issuedOnTime, issued, averageWorkingDays, promisedDays, legalDays
        case provisionalDue, onTimeRate, compression
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        department = try container.decode(String.self, forKey: .department)
        item = try container.decode(String.self, forKey: .item)
        let named = try container.decode([String: Int].self, forKey: .counts)
        counts = Dictionary(
            uniqueKeysWithValues: named.compactMap { key, value in SubcaseState(rawValue: key).map { ($0, value) } })
        issuedOnTime = try container.decode(Int.self, forKey: .issuedOnTime)
        issued = try container.decode(Int.self, forKey: .issued)
        averageWorkingDays = try container.decodeIfPresent(Double.self, forKey: .averageWorkingDays)
        promisedDays = try container.decode(Int.self, forKey: .promisedDays)
        legalDays = try container.decodeIfPresent(Int.self, forKey: .legalDays)
        provisionalDue = try container.decodeIfPresent(Int.self, forKey: .provisionalDue) ?? 0
    }

    /// The row with its counts by state name, and the on-time rate and compression worked out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(department, forKey: .department)
        try container.encode(item, forKey: .item)
        try container.encode(
            Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }), forKey: .counts)
        try container.encode(issuedOnTime, forKey: .issuedOnTime)
        try container.encode(issued, forKey: .issued)
        try container.encodeIfPresent(averageWorkingDays, forKey: .averageWorkingDays)
        try container.encode(promisedDays, forKey: .promisedDays)
        try container.encodeIfPresent(legalDays, forKey: .legalDays)
        try container.encode(provisionalDue, forKey: .provisionalDue)
        try container.encodeIfPresent(onTimeRate, forKey: .onTimeRate)
        try container.encodeIfPresent(compression, forKey: .compression)
    }
}

/// The supervision report as supervisors read it: the rows, and the citizens' ratings by grade.
public struct SupervisionReport: Sendable, Equatable, Codable {
    /// Per department and item.
    public var rows: [SupervisionRow]
    /// Ratings by grade, 1 (very satisfied) to 5 (very dissatisfied); keyed by the grade's digit,
    /// as JSON keys are text.
    public var ratings: [String: Int]

    /// Creates a report.
    public init(rows: [SupervisionRow], ratings: [Int: Int]) {
        self.rows = rows
        self.ratings = Dictionary(uniqueKeysWithValues: ratings.map { (String($0.key), $0.value) })
    }

    /// How many ratings gave `grade`.
    public func count(ofGrade grade: Int) -> Int { ratings[String(grade)] ?? 0 }
}

extension CaseEngine {
    /// The report with the ratings.
    public func report() async throws(CaseEngineError) -> SupervisionReport {
        SupervisionReport(rows: try await supervisionReport(), ratings: try await ratingCounts())
    }
}

extension SupervisionRow {
    /// The report as CSV (RFC 4180): a header, then one line per department and item.
    public static func csv(_ rows: [SupervisionRow]) -> String {
        let states = SubcaseState.allCases
        var lines = [
            (["department", "item"] + states.map(\.rawValue)
                + [
                    "issued_on_time", "on_time_rate", "average_working_days", "promised_days", "legal_days",
                    "compression", "provisional_due",
                ])
                .joined(separator: ",")
        ]
        for row in rows {
            let counts: [String] = states.map { String(row.counts[$0] ?? 0) }
            let onTime: String = row.onTimeRate.map { String(format: "%.3f", $0) } ?? ""
            let average: String = row.averageWorkingDays.map { String(format: "%.2f", $0) } ?? ""
            let legal: String = row.legalDays.map(String.init) ?? ""
            let compression: String = row.compression.map { String(format: "%.3f", $0) } ?? ""
            let figures: [String] = [
                String(row.issuedOnTime), onTime, average, String(row.promisedDays), legal, compression,
                String(row.provisionalDue),
            ]
            lines.append(([csvField(row.department), csvField(row.item)] + counts + figures).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A value made safe for a CSV cell: quoted when it holds a comma, quote or line break, and
/// prefixed with `'` when a spreadsheet would run it as a formula (`=`, `+`, `-`, `@`).
public func csvField(_ value: String) -> String {
    var text = value
    if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

extension CaseEngine {
    /// Open sub-cases due within one working day (warning) or past due (overdue), by due date, one
    /// page at a time. A sub-case awaiting correction is paused and never listed.
    public func deadlineAlerts(
        after cursor: String? = nil, limit: Int = 50
    ) async throws(CaseEngineError) -> Page<DeadlineAlert> {
        let today = clock.today()
        let nextWorkingDay = calendar.deadline(acceptedOn: today, workingDays: 1).date
        let page = try await repository.subcasesDue(through: nextWorkingDay, after: cursor, limit: Self.pageSize(limit))
        let alerts = page.items.compactMap { subcase -> DeadlineAlert? in
            guard let due = subcase.progress.due else { return nil }
            let level: DeadlineAlert.Level
            if due.date < today {
                level = .overdue
            } else if due.date <= nextWorkingDay {
                level = .warning
            } else {
                return nil
            }
            return DeadlineAlert(
                level: level, caseNumber: subcase.caseNumber, subcase: subcase.id, item: subcase.plan.item,
                department: subcase.plan.department, state: subcase.state, due: due)
        }
        return Page(items: alerts, next: page.next)
    }

    /// Figures per department and item: counts by state, on-time rate, average working days taken,
    /// promised against legal limits.
    /// Computed from figures the store aggregates, so its time and memory do not grow with the
    /// number of sub-cases (only with the number of departments, items and distinct working spans).
    /// With a range, only sub-cases that finished within it count: the on-time rate of a month.
    /// `finishedOnly` leaves out the open sub-cases' counts by state (the dashboard shows finished
    /// figures only, and then reads the kept tally alone).
    public func supervisionReport(
        finishedIn range: DayRange? = nil, finishedOnly: Bool = false
    ) async throws(CaseEngineError) -> [SupervisionRow] {
        let figures = try await repository.supervisionFigures(finishedIn: range, open: range == nil && !finishedOnly)
        var rows: [String: SupervisionRow] = [:]
        var order: [String] = []
        for figure in figures.counts {
            let key = figure.department + "\u{0}" + figure.item
            if rows[key] == nil {
                order.append(key)
                rows[key] = SupervisionRow(
                    department: figure.department, item: figure.item, counts: [:], issuedOnTime: 0, issued: 0,
                    averageWorkingDays: nil, promisedDays: figure.promisedDays, legalDays: figure.legalDays)
            }
            rows[key]?.counts[figure.state, default: 0] += figure.count
            rows[key]?.provisionalDue += figure.provisionalDue
            if figure.state == .issued {
                rows[key]?.issued += figure.count
                rows[key]?.issuedOnTime += figure.onTime
            }
        }
        var days: [String: (total: Int, count: Int)] = [:]
        for span in figures.spans {
            let key = span.department + "\u{0}" + span.item
            let taken = max(
                0, calendar.workingDays(after: span.dispatchedOn, through: span.finishedOn) - span.pausedDays)
            days[key, default: (0, 0)].total += taken * span.count
            days[key, default: (0, 0)].count += span.count
        }
        return order.compactMap { key in
            guard var row = rows[key] else { return nil }
            if let taken = days[key], taken.count > 0 {
                row.averageWorkingDays = Double(taken.total) / Double(taken.count)
            }
            return row
        }
    }
}

/// A material accepted under 容缺 that has not arrived: due soon or overdue against its promise.
public struct AwaitedMaterial: Sendable, Equatable, Codable {
    /// The case.
    public var caseNumber: String
    /// The material.
    public var material: String
    /// Its name.
    public var name: LocalizedText
    /// The promised day.
    public var promisedBy: CalendarDate
    /// Overdue once the promised day has passed; a warning within one working day of it.
    public var level: DeadlineAlert.Level?
}

extension CaseEngine {
    /// Materials accepted under 容缺 that have not arrived, by case, one page at a time, each marked
    /// overdue or due soon (warning) against its promise.
    public func awaitedMaterials(
        after cursor: String? = nil, limit: Int = 50
    ) async throws(CaseEngineError) -> Page<AwaitedMaterial> {
        let today = clock.today()
        let nextWorkingDay = calendar.deadline(acceptedOn: today, workingDays: 1).date
        let page = try await repository.casesAwaitingMaterials(after: cursor, limit: Self.pageSize(limit))
        var items: [AwaitedMaterial] = []
        for record in page.items {
            for material in record.materials where material.status == MaterialStatus.missingWord {
                guard let promised = material.promisedBy.flatMap(CalendarDate.init) else { continue }
                let level: DeadlineAlert.Level? =
                    promised < today ? .overdue : (promised <= nextWorkingDay ? .warning : nil)
                items.append(
                    AwaitedMaterial(
                        caseNumber: record.number, material: material.id, name: material.name, promisedBy: promised,
                        level: level))
            }
        }
        return Page(items: items, next: page.next)
    }
}
