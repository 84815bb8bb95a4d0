import ArgumentParser
import BundleKit
import CaseEngine
import Foundation

/// `onego dept …`: what a department's back office does with its sub-cases.
struct DepartmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dept", abstract: "Work a department's sub-cases.",
        subcommands: [
            Inbox.self, Acknowledge.self, Show.self, Accept.self, Review.self, Approve.self, Issue.self, Correct.self,
            Reject.self, DepartmentEnrol.self,
        ])

    struct Inbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A department's open sub-cases, each with only its item's fields, materials and inputs.")
        @OptionGroup var options: EngineOptions
        @OptionGroup var paging: PagingOptions
        @Argument(help: "The department id.") var department: String

        func run() async throws {
            let engine = try options.engine()
            guard engine.library.catalog.departments[department] != nil else {
                let suggestion = Suggestion.closest(to: department, among: engine.library.catalog.departments.ids)
                throw UsageError(
                    description: "unknown department '\(department)'"
                        + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
            }
            let page = try await engine.inbox(department: department, after: paging.after, limit: paging.limit)
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
            let engine = try options.engine()
            let count = try await engine.acknowledge(department: department, subcases: subcases)
            print("acknowledged \(count) dispatch\(count == 1 ? "" : "es") for \(department)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One sub-case as its department sees it.")
        @OptionGroup var step: StepOptions

        func run() async throws {
            let engine = try step.options.engine()
            let view = try await engine.departmentView(step.subcase, department: step.dept)
            print(CaseText.departmentView(view))
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a sub-case (受理).")
        @OptionGroup var step: StepOptions
        func run() async throws {
            try await step.run { engine, actor throws(CaseEngineError) in
                try await engine.accept(step.subcase, department: step.dept, actor: actor)
            }
        }
    }

    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Review a sub-case (审核).")
        @OptionGroup var step: StepOptions
        func run() async throws {
            try await step.run { engine, actor throws(CaseEngineError) in
                try await engine.review(step.subcase, department: step.dept, actor: actor)
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a sub-case (批准).")
        @OptionGroup var step: StepOptions
        func run() async throws {
            try await step.run { engine, actor throws(CaseEngineError) in
                try await engine.approve(step.subcase, department: step.dept, actor: actor)
            }
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
            try await step.run { engine, actor throws(CaseEngineError) in
                try await engine.issue(
                    step.subcase, department: step.dept, outputs: values, overrideWarnings: overrideWarnings,
                    actor: actor)
            }
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
            try await step.run { engine, actor throws(CaseEngineError) in
                try await engine.requestCorrection(
                    step.subcase, department: step.dept, materials: materials, fields: fields, note: note, actor: actor)
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a sub-case; items that depend on it are cancelled.")
        @OptionGroup var step: StepOptions
        @Option(help: "The reason, for the applicant.") var reason: String

        func run() async throws {
            try await step.run { engine, actor throws(CaseEngineError) in
                try await engine.reject(step.subcase, department: step.dept, reason: reason, actor: actor)
            }
        }
    }
}

/// What every department step takes: the sub-case, the department and who acts.
struct StepOptions: ParsableArguments {
    @OptionGroup var options: EngineOptions
    @Argument(help: "The sub-case id, e.g. OG20261123-000001-01.") var subcase: String
    @Option(help: "The department acting (must own the sub-case).") var dept: String
    @Option(help: "The staff member's id (default: the department).") var staff: String?

    func run(_ work: (CaseEngine, Principal) async throws(CaseEngineError) -> SubcaseSummary) async throws {
        let engine = try options.engine()
        let actor = Principal(id: staff ?? dept, role: .department)
        let summary = try await work(engine, actor)
        print(
            "\(summary.id)  \(summary.item)  \(summary.state.rawValue)  due \(CaseText.dueText(summary.due))  next: "
                + (summary.allowedSteps.isEmpty ? "—" : summary.allowedSteps.map(\.rawValue).joined(separator: ", ")))
    }
}
