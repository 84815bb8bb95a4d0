import ArgumentParser
import BundleKit
import Foundation
import JSONC

/// `onego bundle …`: list, lint, compile, show, graph and test bundles.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write, check and preview bundles.",
        subcommands: [List.self, Lint.self, Compile.self, Show.self, Graph.self, Test.self, Report.self]
    )
}

extension BundleCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the bundles.")
        @OptionGroup var library: LibraryOptions

        func run() throws {
            let loaded = try library.load()
            let width = loaded.bundles.map { $0.id.count }.max() ?? 0
            for bundle in loaded.bundles {
                let id = bundle.id.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(id)  \(bundle.version)  \(bundle.items.count) items  \(bundle.name.zh) / \(bundle.name.en)")
            }
            try failOnErrors(loaded.diagnostics, loaded)
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check catalog and bundle files.",
            discussion: "Exit status: 0 clean, 1 errors (or warnings with --warnings-as-errors), 2 usage.")
        @OptionGroup var library: LibraryOptions
        @Flag(help: "Treat warnings as errors.") var warningsAsErrors = false
        @Argument(help: "Bundle files to check against the library's catalog (default: the whole library).")
        var paths: [String] = []

        func run() throws {
            var library = self.library
            var files = paths
            if files.count == 1, SourceFiles.kind(of: files[0]) == .directory {
                library.bundles = files[0]  // a directory is a library: lint it whole
                files = []
            }
            for path in files {
                switch SourceFiles.kind(of: path) {
                case .missing: throw UsageError(description: "no such file: \(path)")
                case .directory:
                    throw UsageError(
                        description: "\(path) is a directory; lint a library on its own: onego bundle lint \(path)")
                default: break  // other reasons are reported against the file, with the rest
                }
            }
            let kinds = LintedFiles(root: library.root, paths: files)
            let loaded = try library.load(bundleFiles: files.isEmpty ? nil : kinds.libraryBundles + kinds.bundles)
            var diagnostics = Linter(library: loaded).lint(reportUnused: files.isEmpty)
            if !files.isEmpty { diagnostics = kinds.reported(diagnostics) }
            var sources = loaded.sources
            var failures: [String] = []
            if !kinds.tests.isEmpty {
                let run = GoldenTestRunner(library: loaded).run(files: kinds.tests)
                diagnostics += run.diagnostics
                sources.merge(run.sources) { a, _ in a }
                for outcome in run.outcomes where !outcome.passed {
                    failures += outcome.failures.map {
                        "\(outcome.path):\(outcome.line):\(outcome.column): error: \($0)"
                    }
                }
            }
            if !diagnostics.isEmpty { print(DiagnosticRenderer(sources: sources).renderAll(diagnostics)) }
            failures.forEach { print($0) }
            if diagnostics.isEmpty && failures.isEmpty {
                print("\(loaded.bundles.count) bundles and \(loaded.catalog.items.count) items: no problems")
            }
            let failing =
                !failures.isEmpty || diagnostics.contains { $0.severity == .error || warningsAsErrors }
            if failing { throw ExitCode(1) }
        }
    }

    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compile a bundle for situation answers.")
        @OptionGroup var library: LibraryOptions
        @Argument(help: "The bundle id.") var id: String
        @Option(name: .customLong("answer"), help: "A situation answer, KEY=VALUE; repeat for more.")
        var answers: [String] = []
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() throws {
            let (loaded, bundle) = try loadBundle(library, id)
            let result = BundleCompiler(catalog: loaded.catalog).compile(bundle, answers: try parseAnswers(answers))
            guard let compiled = try compiledOrFail(result, loaded) else { return }
            switch format {
            case .text: print(compiled.textSummary())
            case .json: print(compiled.jsonValue.serialized(), terminator: "")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the one-time notice (一次告知单) a citizen would read.")
        @OptionGroup var library: LibraryOptions
        @Argument(help: "The bundle id.") var id: String
        @Option(name: .customLong("answer"), help: "A situation answer, KEY=VALUE; repeat for more.")
        var answers: [String] = []
        @Option(help: "Language: zh or en.") var lang: Language = .zh

        func run() throws {
            let (loaded, bundle) = try loadBundle(library, id)
            let result = BundleCompiler(catalog: loaded.catalog).compile(bundle, answers: try parseAnswers(answers))
            guard let compiled = try compiledOrFail(result, loaded) else { return }
            print(OneTimeNotice(compiled: compiled, bundle: bundle, catalog: loaded.catalog).render(language: lang))
        }
    }

    struct Graph: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draw a bundle's dependency graph.")
        @OptionGroup var library: LibraryOptions
        @Argument(help: "The bundle id.") var id: String
        @Option(name: .customLong("answer"), help: "A situation answer, KEY=VALUE; repeat for more.")
        var answers: [String] = []
        @Option(help: "Output format: text (a tree) or dot (Graphviz).") var format: GraphFormat = .text

        func run() throws {
            let (loaded, bundle) = try loadBundle(library, id)
            let result = BundleCompiler(catalog: loaded.catalog).compile(bundle, answers: try parseAnswers(answers))
            guard let compiled = try compiledOrFail(result, loaded) else { return }
            let graph = DependencyGraph(compiled: compiled)
            print(format == .dot ? graph.dot() : graph.tree())
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the golden tests under Bundles/tests/.")
        @OptionGroup var library: LibraryOptions
        @Argument(help: "Only this bundle's tests.") var id: String?

        func run() throws {
            let loaded = try library.load()
            if let id, loaded.bundle(id) == nil { _ = try loadBundle(library, id) }  // says why, with a did-you-mean
            let (outcomes, diagnostics, sources) = GoldenTestRunner(library: loaded).run(only: id)
            if !diagnostics.isEmpty {
                var all = loaded.sources
                all.merge(sources) { a, _ in a }
                print(DiagnosticRenderer(sources: all).renderAll(diagnostics))
            }
            for outcome in outcomes {
                print("\(outcome.passed ? "PASS" : "FAIL") \(outcome.bundle): \(outcome.name)")
                for failure in outcome.failures {
                    print("    \(outcome.path):\(outcome.line):\(outcome.column): \(failure)")
                }
            }
            let failed = outcomes.filter { !$0.passed }.count
            print("\(outcomes.count - failed) passed, \(failed) failed")
            if failed > 0 || diagnostics.contains(where: { $0.severity == .error }) || outcomes.isEmpty {
                throw ExitCode(1)
            }
        }
    }
}

extension BundleCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What each bundle saves the citizen: items, departments, fields, materials, days.")
        @OptionGroup var library: LibraryOptions
        @Option(help: "Output format: text (a Markdown table) or csv.") var format: OutputFormatCSV = .text

        func run() throws {
            let loaded = try library.load()
            try failOnErrors(loaded.diagnostics, loaded)
            let report = BundleReport(library: loaded)
            print(format == .csv ? report.csv : report.table)
        }
    }
}

// MARK: - Shared pieces

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum GraphFormat: String, ExpressibleByArgument, CaseIterable {
    case text, dot
}

extension Language: ExpressibleByArgument {}

private func loadBundle(_ options: LibraryOptions, _ id: String) throws -> (BundleLibrary, BundleDefinition) {
    let loaded = try options.load()
    if loaded.clashingBundleIDs.contains(id) {
        // Two files claim the id: serving either would be a guess.
        let clashes = loaded.diagnostics.filter { $0.code == .duplicateDefinition && $0.message.contains("'\(id)'") }
        printError(DiagnosticRenderer(sources: loaded.sources).renderAll(clashes))
        throw ExitCode(1)
    }
    guard let bundle = loaded.bundle(id) else {
        // Its file may be there but not read: say so, and where, instead of "unknown bundle".
        let broken = loaded.diagnostics.filter {
            $0.severity == .error && ($0.location.map { ($0.path as NSString).lastPathComponent } == id + ".json")
        }
        if !broken.isEmpty {
            printError("error: the file of bundle '\(id)' has errors; fix them first:")
            printError(DiagnosticRenderer(sources: loaded.sources).renderAll(broken))
            throw ExitCode(1)
        }
        let suggestion = Suggestion.closest(to: id, among: loaded.bundles.map(\.id))
        throw UsageError(
            description: "unknown bundle '\(id)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
                + "\n(see 'onego bundle list')")
    }
    return (loaded, bundle)
}

private func parseAnswers(_ answers: [String]) throws -> [String: String] {
    var result: [String: String] = [:]
    for answer in answers {
        let parts = answer.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else {
            throw UsageError(description: "an answer is written KEY=VALUE, not '\(answer)'")
        }
        result[String(parts[0])] = String(parts[1])
    }
    return result
}

/// The compiled bundle; prints the diagnostics and fails with status 1 when there are errors
/// (or status 2 when only the answers were wrong).
private func compiledOrFail(_ result: CompilationResult, _ library: BundleLibrary) throws -> CompiledBundle? {
    let renderer = DiagnosticRenderer(sources: library.sources)
    let errors = result.diagnostics.filter { $0.severity == .error }
    if let compiled = result.compiled {
        for warning in result.diagnostics { printError(renderer.render(warning)) }
        return compiled
    }
    printError(renderer.renderAll(result.diagnostics))
    if errors.allSatisfy({ $0.location == nil }) { throw ExitCode(2) }
    throw ExitCode(1)
}

private func failOnErrors(_ diagnostics: [Diagnostic], _ library: BundleLibrary) throws {
    guard diagnostics.contains(where: { $0.severity == .error }) else { return }
    printError(DiagnosticRenderer(sources: library.sources).renderAll(diagnostics))
    throw ExitCode(1)
}
