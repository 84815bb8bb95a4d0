import ArgumentParser
import BundleKit
import CaseEngine
import Foundation
import OneGoClient

/// `onego dept …`: what a department's back office does with its sub-cases.
struct DepartmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dept", abstract: "Work a department's sub-cases.",
        subcommands: [
            Inbox.self, Acknowledge.self, Show.self, Accept.self, Review.self, Approve.self, Issue.self, Correct.self,
            Reject.self, DepartmentEnrol.self, WebhookCommand.self,
        ])

    struct Inbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A department's open sub-cases, each with only its item's fields, materials and inputs.")
        @OptionGroup var options: EngineOptions
        @OptionGroup var paging: PagingOptions
        @Argument(help: "The department id.") var department: String

        func run() async throws {
            if options.serverAddress == nil {
                let catalog = try options.library.load().catalog
                guard catalog.departments[department] != nil else {
                    let suggestion = Suggestion.closest(to: department, among: catalog.departments.ids)
                    throw UsageError(
                        description: "unknown department '\(department)'"
                            + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
                }
            }
            let page = try await options.service().inbox(
                department: department, after: paging.after, limit: paging.limit)
            if page.items.isEmpty { print("no open sub-cases for \(department)") }
            print(page.items.map(CaseText.departmentView).joined(separator: "\n\n"))
            paging.printMore(page.next)
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack",
            abstract: "Acknowledge the sub-cases the department received: their dispatches count as delivered.",
            discussion: "Reading the inbox marks nothing; a department system acknowledges what it actually took in.")
        @OptionGroup var options: EngineOptions
        @Argument(help: "The department id.") var department: String
        @Argument(help: "The sub-cases received.") var subcases: [String]

        func run() async throws {
            let count = try await options.service().acknowledge(department: department, subcases: subcases)
            print("acknowledged \(count) dispatch\(count == 1 ? "" : "es") for \(department)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One sub-case as its department sees it.")
        @OptionGroup var step: StepOptions

        func run() async throws {
            let view = try await step.options.service().departmentView(step.subcase, department: step.dept)
            print(CaseText.departmentView(view))
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a sub-case (受理).")
        @OptionGroup var step: StepOptions
        func run() async throws {
            try await step.run(.accept)
        }
    }

    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Review a sub-case (审核).")
        @OptionGroup var step: StepOptions
        func run() async throws {
            try await step.run(.review)
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a sub-case (批准).")
        @OptionGroup var step: StepOptions
        func run() async throws {
            try await step.run(.approve)
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue the result (发证/办结) with the item's outputs; releases the items waiting for them.")
        @OptionGroup var step: StepOptions
        @Option(name: .customLong("output"), help: "An output, ELEMENT=VALUE; repeat for more.") var outputs: [String] =
            []
        @Flag(help: "Accept outputs that only fail a warning check (a genuine credit code that fails GB 32100).")
        var overrideWarnings = false

        func run() async throws {
            let values = try keyValues(outputs, option: "--output")
            try await step.run(.issue(outputs: values, overrideWarnings: overrideWarnings))
        }
    }

    struct Correct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask for a correction (补正): every material and field to fix, in one notice.")
        @OptionGroup var step: StepOptions
        @Option(name: .customLong("material"), help: "A material to bring again; repeat for more.") var materials:
            [String] = []
        @Option(name: .customLong("field"), help: "A field to fill in again; repeat for more.") var fields: [String] =
            []
        @Option(help: "What is wrong, for the applicant.") var note: String = ""

        func run() async throws {
            try await step.run(.correct(materials: materials, fields: fields, note: note))
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a sub-case; items that depend on it are cancelled.")
        @OptionGroup var step: StepOptions
        @Option(help: "The reason, for the applicant.") var reason: String

        func run() async throws {
            try await step.run(.reject(reason: reason))
        }
    }
}

/// What every department step takes: the sub-case, the department and who acts.
struct StepOptions: ParsableArguments {
    @OptionGroup var options: EngineOptions
    @Argument(help: "The sub-case id, e.g. OG20261123-000001-01.") var subcase: String
    @Option(help: "The department acting (must own the sub-case).") var dept: String
    @Option(help: "The staff member's id (default: the department).") var staff: String?

    /// Takes the step on the local engine (as `--staff`) or through the server (as the signed-in
    /// account), and prints the sub-case's new state.
    func run(_ step: DepartmentStep) async throws {
        let actor = Principal(id: staff ?? dept, role: .department)
        let summary = try await options.service().departmentStep(
            step, subcase: subcase, department: dept, actor: actor)
        print(
            "\(summary.id)  \(summary.item)  \(summary.state.rawValue)  due \(CaseText.dueText(summary.due))  next: "
                + (summary.allowedSteps.isEmpty ? "—" : summary.allowedSteps.map(\.rawValue).joined(separator: ", ")))
    }
}
