import ArgumentParser
import BundleKit
import CaseEngine
import Foundation
import OneGoClient
import WorkCalendar

/// `onego supervise …`: electronic supervision (电子监察).
struct SuperviseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervise", abstract: "Watch deadlines and on-time rates.",
        subcommands: [Overdue.self, Promises.self, Report.self, Ratings.self, FollowUp.self, DeliveriesCommand.self])

    struct Ratings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bad ratings (差评, grade 4 or 5) nobody has followed up since they were given.")
        @OptionGroup var options: EngineOptions
        @OptionGroup var paging: PagingOptions

        func run() async throws {
            let page = try await options.service().ratingsAwaitingFollowUp(after: paging.after, limit: paging.limit)
            if page.items.isEmpty && paging.after == nil { print("no bad rating awaits a follow-up") }
            for rating in page.items {
                print("\(rating.caseNumber)  grade \(rating.grade)  rated at \(rating.at)  via \(rating.channelID)")
            }
            paging.printMore(page.next)
        }
    }

    struct FollowUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "follow-up", abstract: "Record what was done about a bad rating (差评回访整改).")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The case number.") var caseNumber: String
        @Option(help: "What the call-back found and what was done.") var note: String
        @Option(help: "The supervisor's id (with --server, the signed-in account is recorded).")
        var staff: String = "supervisor"

        func run() async throws {
            try await options.service().followUpRating(
                caseNumber: caseNumber, note: note, actor: Principal(id: staff, role: .supervisor))
            print("follow-up recorded for \(caseNumber)")
        }
    }

    struct Promises: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Materials accepted under 容缺 that have not arrived, with their promised day.")
        @OptionGroup var options: EngineOptions
        @OptionGroup var paging: PagingOptions

        func run() async throws {
            let page = try await options.service().awaitedMaterials(after: paging.after, limit: paging.limit)
            if page.items.isEmpty && paging.after == nil { print("no material is awaited under 容缺") }
            for item in page.items {
                print(
                    "\(item.level?.rawValue ?? "awaited")  \(item.caseNumber)  \(item.material)  \(item.name.zh)  promised by \(item.promisedBy)"
                )
            }
            paging.printMore(page.next)
        }
    }

    struct Overdue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sub-cases due within one working day (warning) or past due (overdue).")
        @OptionGroup var options: EngineOptions
        @OptionGroup var paging: PagingOptions

        func run() async throws {
            let page = try await options.service().deadlineAlerts(after: paging.after, limit: paging.limit)
            let alerts = page.items
            if alerts.isEmpty && paging.after == nil { print("no sub-case is due within one working day or overdue") }
            defer { paging.printMore(page.next) }
            for alert in alerts {
                print(
                    "\(alert.level.rawValue)  \(alert.subcase)  \(alert.department)  \(alert.item)  \(alert.state.rawValue)  due \(alert.due)"
                )
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per department and item: counts by state, on-time rate, working days taken, compression.")
        @OptionGroup var options: EngineOptions
        @Option(help: "Output format: text or csv.") var format: OutputFormatCSV = .text

        func run() async throws {
            let report = try await options.service().report()
            let rows = report.rows
            let states = SubcaseState.allCases
            func percent(_ value: Double?) -> String { value.map { String(format: "%.0f%%", $0 * 100) } ?? "—" }
            func number(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "—" }
            switch format {
            case .csv:
                print(SupervisionRow.csv(rows), terminator: "")
            case .text:
                let grades = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
                print(
                    "ratings (好差评): "
                        + (1...5).map { "\(grades[$0 - 1]) \(report.count(ofGrade: $0))" }.joined(separator: ", "))
                if rows.isEmpty { print("no sub-cases yet") }
                for row in rows {
                    let counts = states.compactMap { state in row.counts[state].map { "\(state.rawValue) \($0)" } }
                    print(
                        "\(row.department)  \(row.item)  [\(counts.joined(separator: ", "))]  on time \(percent(row.onTimeRate)) (\(row.issuedOnTime)/\(row.issued))  avg \(number(row.averageWorkingDays)) wd  promised \(row.promisedDays) wd / legal \(row.legalDays.map(String.init) ?? "—") wd  compression \(percent(row.compression))"
                            + (row.provisionalDue > 0 ? "  provisional due dates \(row.provisionalDue)" : "")
                    )
                }
            }
        }
    }
}

enum OutputFormatCSV: String, ExpressibleByArgument, CaseIterable {
    case text, csv
}

/// `onego audit verify`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the tamper-evident audit log.",
        subcommands: [Verify.self, Checkpoint.self, SignIns.self])

    struct SignIns: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign-ins",
            abstract: "Sign-ins, refused sign-ins and sign-outs from the audit chain, newest first.")
        @OptionGroup var options: EngineOptions
        @Option(help: "Only events before this sequence number (the previous page's last).") var before: Int64?
        @Option(help: "How many (1 to 200).") var limit = 50

        func run() async throws {
            let events = try await options.engine(onlyReads: true).accessEvents(before: before, limit: limit)
            if events.isEmpty && before == nil { print("no sign-in has been recorded") }
            for stored in events {
                let event = stored.event
                print(
                    "\(stored.seq)  \(event.at)  \(event.action)  \(event.principal.id.isEmpty ? "—" : TerminalText.escaped(event.principal.id))  \(TerminalText.escaped(event.detail))"
                )
            }
            if events.count == limit, let last = events.last { print("more: --before \(last.seq)") }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the whole hash chain; name the first event edited, deleted, inserted or reordered.",
            discussion: "Exit status 0 when intact, 1 when broken.")
        @OptionGroup var options: EngineOptions

        func run() async throws {
            let engine = try await options.engine(onlyReads: true)
            let result = try await engine.verifyAudit(
                key: try AuditKey.load(at: options.auditKeyPath),
                checkpoints: try AuditCheckpoints.read(from: options.checkpointPath))
            print(result.description)
            if case .intact = result { return }
            throw ExitCode(1)
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the chain's head outside the database, and print it to keep elsewhere too.",
            discussion: """
                Appends 'checkpoint SEQ HASH AT' to the checkpoint file; a later verify then notices if events \
                up to SEQ were deleted or the chain rewritten.
                """)
        @OptionGroup var options: EngineOptions

        func run() async throws {
            let engine = try await options.engine()
            guard let head = try await engine.auditHead() else {
                print("the audit chain is empty: nothing to checkpoint")
                return
            }
            let line = "checkpoint \(head.seq) \(head.hash) \(SystemClock().timestamp())"
            try AuditCheckpoints.append(line, to: options.checkpointPath)
            print(line)
        }
    }
}

/// `onego calendar …`: working days.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar", abstract: "Working days from Bundles/calendar/.",
        subcommands: [Check.self, AddDays.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say which years have holiday data; warn about dates and years without it.",
            discussion: "Exit status 0 when every year asked about has data, 1 otherwise.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "Dates to check, YYYY-MM-DD (default: today and the next 60 days).") var dates: [String] = []

        func run() async throws {
            let calendar = try options.calendar()
            let today = try options.clock().today()
            print(
                "holiday data for: "
                    + (calendar.years.isEmpty ? "no year" : calendar.years.map(String.init).joined(separator: ", ")))
            var days: [CalendarDate] = []
            for text in dates {
                guard let date = CalendarDate(text) else {
                    throw UsageError(description: "'\(text)' is not a date written YYYY-MM-DD")
                }
                days.append(date)
            }
            var missing = false
            if days.isEmpty {
                let horizon = today.adding(days: 60)
                for year in Set([today.year, horizon.year]).sorted() where calendar.schedules[year] == nil {
                    print("warning: no holiday data for \(year); deadlines that reach into it are provisional")
                    missing = true
                }
                if !missing { print("ok: deadlines for the next 60 days use published schedules") }
            }
            for date in days {
                let (working, known) = calendar.isWorkingDay(date)
                let kind = working ? "working day" : "day off"
                print("\(date): \(kind)" + (known ? "" : " (provisional: no holiday data for \(date.year))"))
                if !known { missing = true }
            }
            if missing { throw ExitCode(1) }
        }
    }

    struct AddDays: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-days", abstract: "The deadline N working days after DATE (counting from the day after).")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The day of acceptance, YYYY-MM-DD.") var date: String
        @Argument(help: "Working days.") var days: Int

        func run() async throws {
            guard let start = CalendarDate(date) else {
                throw UsageError(description: "'\(date)' is not a date written YYYY-MM-DD")
            }
            guard days >= 0 else { throw UsageError(description: "working days cannot be negative") }
            print(try options.calendar().deadline(acceptedOn: start, workingDays: days).description)
        }
    }
}
