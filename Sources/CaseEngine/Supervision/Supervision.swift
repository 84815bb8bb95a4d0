import BundleKit
import WorkCalendar

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
    public func supervisionReport() async throws(CaseEngineError) -> [SupervisionRow] {
        var rows: [String: SupervisionRow] = [:]
        var days: [String: [Int]] = [:]
        var order: [String] = []
        for subcase in try await repository.allSubcases() {
            let plan = subcase.plan
            let progress = subcase.progress
            let key = plan.department + "\u{0}" + plan.item
            if rows[key] == nil {
                order.append(key)
                rows[key] = SupervisionRow(
                    department: plan.department, item: plan.item, counts: [:], issuedOnTime: 0, issued: 0,
                    averageWorkingDays: nil, promisedDays: plan.promisedDays, legalDays: plan.legalDays)
            }
            rows[key]?.counts[progress.state, default: 0] += 1
            if !progress.state.isFinal, progress.due?.provisional == true { rows[key]?.provisionalDue += 1 }
            if progress.state == .issued, let finished = progress.finishedOn {
                rows[key]?.issued += 1
                if let due = progress.due, finished <= due.date { rows[key]?.issuedOnTime += 1 }
                if let start = progress.dispatchedOn {
                    days[key, default: []].append(
                        max(0, calendar.workingDays(after: start, through: finished) - progress.pausedDays))
                }
            }
        }
        return order.compactMap { key in
            guard var row = rows[key] else { return nil }
            if let taken = days[key], !taken.isEmpty {
                row.averageWorkingDays = Double(taken.reduce(0, +)) / Double(taken.count)
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
