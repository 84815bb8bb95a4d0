import ArgumentParser
import BundleKit
import CaseEngine
import Foundation
import OneGoClient
import WorkCalendar

/// `onego window …`: the comprehensive window (综合窗口).
struct WindowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "window", abstract: "Accept applications at the comprehensive window.",
        subcommands: [Submit.self])

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit an application file (docs/case-engine.md) and print the receipt.")
        @OptionGroup var options: EngineOptions
        @Option(name: .long, help: "The application file (JSON).") var application: String
        @Option(
            name: .customLong("confirm"),
            help: "A field whose value fails only a warning check and was checked as written; repeat for more.")
        var confirmed: [String] = []

        func run() async throws {
            var parsed = try Application(contentsOf: application)
            parsed.confirmedWarnings.formUnion(confirmed)
            print(CaseText.receipt(try await options.service().submit(parsed)))
        }
    }
}

/// `onego case …`: follow and finish cases.
struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "List, show, supply, withdraw and hand out cases.",
        subcommands: [List.self, Show.self, Supply.self, Withdraw.self, Handout.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find cases, newest first, a page at a time (ID numbers matched in full, shown masked).")
        @OptionGroup var options: EngineOptions
        @OptionGroup var paging: PagingOptions
        @Option(help: "Only cases with this status.") var status: String?
        @Option(help: "A case number.") var number: String?
        @Option(help: "The applicant's name.") var name: String?
        @Option(help: "The applicant's full ID number (matched exactly).") var idNumber: String?
        @Option(help: "The applicant's phone.") var phone: String?
        @Option(help: "Submitted on or after this day, YYYY-MM-DD.") var from: String?
        @Option(help: "Submitted on or before this day, YYYY-MM-DD.") var to: String?
        @Option(help: "Cases with a sub-case at this department.") var dept: String?

        func run() async throws {
            var query = CaseQuery(
                number: number, applicantName: name, applicantIDNumber: idNumber, applicantPhone: phone,
                department: dept)
            if let status {
                guard let parsed = CaseStatus(rawValue: status) else {
                    throw UsageError(
                        description: "unknown status '\(status)'; use one of "
                            + CaseStatus.allCases.map(\.rawValue).joined(separator: ", "))
                }
                query.status = parsed
            }
            query.submittedFrom = try day(from, "--from")
            query.submittedThrough = try day(to, "--to")
            let page = try await options.service().findCases(query, after: paging.after, limit: paging.limit)
            if page.items.isEmpty { print("no cases") }
            for summary in page.items { print(CaseText.listLine(summary)) }
            paging.printMore(page.next)
        }

        private func day(_ text: String?, _ option: String) throws -> CalendarDate? {
            guard let text else { return nil }
            guard let date = CalendarDate(text) else {
                throw UsageError(description: "\(option) is a date written YYYY-MM-DD, not '\(text)'")
            }
            return date
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a case with each department's state and due date.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The case number.") var number: String

        func run() async throws {
            print(CaseText.summary(try await options.service().caseSummary(number)))
        }
    }

    struct Supply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Supply what an open correction asks for.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The case number.") var number: String
        @Option(name: .customLong("material"), help: "A material now provided; repeat for more.") var materials:
            [String] = []
        @Option(name: .customLong("field"), help: "A corrected value, ELEMENT=VALUE; repeat for more.") var fields:
            [String] = []
        @Option(name: .customLong("attach"), help: "A scan for a material, MATERIAL=FILE; repeat for more.")
        var attachments: [String] = []
        @Option(help: "The window staff member's id.") var staff: String = "window"

        func run() async throws {
            let values = try keyValues(fields, option: "--field")
            var files: [Attachment] = []
            for (material, file) in try keyValues(attachments, option: "--attach") {
                // Scans are read from the working directory only, their type from their content.
                let scan: (content: [UInt8], mediaType: String)
                do throws(AttachmentFile.Refusal) {
                    scan = try AttachmentFile.read(file, in: FileManager.default.currentDirectoryPath)
                } catch {
                    throw UsageError(description: error.description)
                }
                files.append(Attachment(material: material, content: scan.content, mediaType: scan.mediaType))
            }
            let provided = Array(Set(materials + files.map(\.material))).sorted()
            let summary = try await options.service().supply(
                caseNumber: number, materials: provided, values: values, attachments: files,
                actor: Principal(id: staff, role: .window))
            print(CaseText.summary(summary))
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a case at the applicant's request.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The case number.") var number: String
        @Option(help: "Why (kept in the audit log as given).") var reason: String
        @Option(help: "The window staff member's id.") var staff: String = "window"

        func run() async throws {
            print(
                CaseText.summary(
                    try await options.service().withdraw(
                        caseNumber: number, reason: reason, actor: Principal(id: staff, role: .window))))
        }
    }

    struct Handout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that the results were handed out (统一出件).")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The case number.") var number: String
        @Option(help: "The window staff member's id.") var staff: String = "window"
        @Option(help: "The name of the person who collects the results.") var recipient: String
        @Option(help: "Their ID number, as shown on their card (stored; shown masked).") var recipientId: String?

        func run() async throws {
            print(
                CaseText.summary(
                    try await options.service().handout(
                        caseNumber: number, to: Recipient(name: recipient, idNumber: recipientId),
                        actor: Principal(id: staff, role: .window))))
        }
    }
}
