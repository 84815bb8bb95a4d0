import BundleKit
import GRDB
import WorkCalendar

/// A sub-case that is due soon or past due (电子监察).
public struct DeadlineAlert: Sendable, Equatable {
    /// Warning: due within one working day. Overdue: past its due date.
    public enum Level: String, Sendable {
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

    /// Issued on time ÷ issued, or `nil` with none issued.
    public var onTimeRate: Double? { issued > 0 ? Double(issuedOnTime) / Double(issued) : nil }
    /// 1 − promised/legal, or `nil` without a legal limit.
    public var compression: Double? {
        legalDays.flatMap { $0 > 0 ? 1 - Double(promisedDays) / Double($0) : nil }
    }
}

extension CaseEngine {
    /// Open sub-cases due within one working day (warning) or past due (overdue). A sub-case
    /// awaiting correction is paused and never listed.
    public func deadlineAlerts() throws(CaseEngineError) -> [DeadlineAlert] {
        let today = clock.today()
        let nextWorkingDay = calendar.deadline(acceptedOn: today, workingDays: 1).date
        return try store.read { db in
            try db.fetch(
                .subcasesWithDueDates, row: SubcaseRecord.init
            ).compactMap { record -> DeadlineAlert? in
                guard let due = record.due else { return nil }
                let level: DeadlineAlert.Level
                if due.date < today {
                    level = .overdue
                } else if due.date <= nextWorkingDay {
                    level = .warning
                } else {
                    return nil
                }
                return DeadlineAlert(
                    level: level, caseNumber: record.caseNumber, subcase: record.id, item: record.item,
                    department: record.department, state: record.state, due: due)
            }
        }
    }

    /// Figures per department and item: counts by state, on-time rate, average working days taken,
    /// promised against legal limits.
    public func supervisionReport() throws(CaseEngineError) -> [SupervisionRow] {
        let calendar = self.calendar
        return try store.read { db in
            var rows: [String: SupervisionRow] = [:]
            var days: [String: [Int]] = [:]
            var order: [String] = []
            let records = try db.fetch(
                .allSubcases, row: SubcaseRecord.init)
            for record in records {
                let key = record.department + "\u{0}" + record.item
                if rows[key] == nil {
                    order.append(key)
                    rows[key] = SupervisionRow(
                        department: record.department, item: record.item, counts: [:], issuedOnTime: 0, issued: 0,
                        averageWorkingDays: nil, promisedDays: record.promisedDays, legalDays: record.legalDays)
                }
                rows[key]?.counts[record.state, default: 0] += 1
                if record.state == .issued, let finished = record.finishedOn {
                    rows[key]?.issued += 1
                    if let due = record.due, finished <= due.date { rows[key]?.issuedOnTime += 1 }
                    if let start = record.dispatchedOn {
                        days[key, default: []].append(
                            max(0, calendar.workingDays(after: start, through: finished) - record.pausedDays))
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
}

extension CaseEngine {
    /// Records a citizen's rating (好差评, GB/T 39734: 1 非常满意 … 5 非常不满意) of a case. The rating
    /// keeps no personal data; a second rating of the same case replaces the first.
    public func rate(caseNumber: String, grade: Int, actor: Actor) throws(CaseEngineError) {
        guard (1...5).contains(grade) else {
            throw CaseEngineError.invalidStep(
                case: caseNumber, subcase: "", step: "rate", problems: ["a grade is 1 to 5, not \(grade)"])
        }
        let timestamp = clock.timestamp()
        try store.write { db in
            guard try db.row("SELECT number FROM cases WHERE number = ?", [caseNumber]) != nil else {
                throw CaseEngineError.unknownCase(caseNumber)
            }
            try db.run(
                "INSERT OR REPLACE INTO ratings (case_number, grade, channel_id, rated_at) VALUES (?, ?, ?, ?)",
                [caseNumber, grade, actor.id, timestamp])
            try AuditLog.append(
                AuditEvent(
                    at: timestamp, actor: actor, action: "rate", caseNumber: caseNumber, subcaseID: "", before: "",
                    after: "", detail: "grade=\(grade)"), in: db, head: store.chainHead)
        }
    }

    /// How many cases got each grade, 1 to 5.
    public func ratingCounts() throws(CaseEngineError) -> [Int: Int] {
        try store.read { db in
            var counts: [Int: Int] = [:]
            for row in try db.rows("SELECT grade, COUNT(*) FROM ratings GROUP BY grade") {
                counts[row[0]] = row[1]
            }
            return counts
        }
    }
}
