import Foundation
import JSONC

/// The outcome of one golden case.
public struct GoldenTestOutcome: Sendable {
    /// The test file.
    public var path: String
    /// The case name.
    public var name: String
    /// The bundle tested.
    public var bundle: String
    /// What did not match, one line each; empty when the case passed.
    public var failures: [String]
    /// Where the case stands in its file, for failures: line and column of its name (1-based).
    public var line = 0
    /// The column of the case's name.
    public var column = 0

    /// Whether the case passed.
    public var passed: Bool { failures.isEmpty }
}

/// Runs golden tests under `Bundles/tests/`: situation answers in, expected items, fields,
/// materials and promised days out.
///
/// ```json
/// { "bundle": "newborn",
///   "cases": { "both parents local": { "answers": { "householdWith": "mother" },
///                                      "expect": { "items": ["birth-certificate"], "promisedDays": 5 } } } }
/// ```
/// Lists compare as sets; a missing or extra entry is named.
public struct GoldenTestRunner: Sendable {
    /// The library the bundles come from.
    public let library: BundleLibrary

    /// Creates a runner.
    public init(library: BundleLibrary) {
        self.library = library
    }

    /// Runs every test file in `ROOT/tests/` (or just `files`); returns outcomes and problems reading
    /// the files.
    public func run(
        only bundle: String? = nil, files: [String]? = nil
    ) -> (outcomes: [GoldenTestOutcome], diagnostics: [Diagnostic], sources: [String: SourceFile]) {
        var outcomes: [GoldenTestOutcome] = []
        var diagnostics: [Diagnostic] = []
        var sources: [String: SourceFile] = [:]
        let directory = (library.root as NSString).appendingPathComponent("tests")
        for path in files ?? BundleLibrary.jsonFiles(in: directory) {
            guard let bytes = SourceFiles.read(path, reportingTo: &diagnostics) else { continue }
            sources[path] = SourceFile(path: path, bytes: bytes)
            let document: JSONDocument
            do throws(JSONSyntaxError) {
                document = try JSONDocument(parsing: bytes, path: path)
            } catch {
                diagnostics.append(
                    Diagnostic(
                        .error, .jsonSyntax, error.message,
                        at: SourceLocation(path: path, offset: error.offset)))
                continue
            }
            let reader = DocumentReader(path: path)
            reader.sourceBytes = bytes
            outcomes += runFile(document, reader: reader, only: bundle)
            diagnostics += reader.diagnostics
        }
        return (outcomes, diagnostics, sources)
    }

    private func runFile(_ document: JSONDocument, reader: DocumentReader, only: String?) -> [GoldenTestOutcome] {
        let path = document.source.path
        guard
            let file = reader.object(
                document.root, what: "a golden test file", allowed: ["bundle", "cases"],
                required: ["bundle", "cases"]),
            let bundleID = reader.string(file, "bundle")
        else { return [] }
        if let only, only != bundleID { return [] }
        guard let bundle = library.bundle(bundleID) else {
            reader.error(
                .unknownReference, "unknown bundle '\(bundleID)'",
                at: reader.location(file["bundle"]?.node ?? document.root),
                suggestion: Suggestion.closest(to: bundleID, among: library.bundles.map(\.id)))
            return []
        }
        let compiler = BundleCompiler(catalog: library.catalog)
        var outcomes: [GoldenTestOutcome] = []
        for member in reader.table(file["cases"], in: file, what: "cases") {
            let errorsBefore = reader.diagnostics.filter { $0.severity == .error }.count
            guard
                let entry = reader.object(
                    member.node, what: "case '\(member.key)'", allowed: ["answers", "expect"],
                    required: ["expect"]),
                let expectMember = entry["expect"],
                let expect = reader.object(
                    expectMember.node, what: "the expectation",
                    allowed: [
                        "items", "fields", "materials", "sharedMaterials", "promisedDays", "criticalPathDays",
                        "departments",
                    ])
            else { continue }
            var answers: [String: String] = [:]
            for answer in reader.table(entry["answers"], in: entry, what: "answers") {
                if let value = answer.node.value.stringValue { answers[answer.key] = value }
            }
            var failures: [String] = []
            let result = compiler.compile(bundle, answers: answers)
            if let compiled = result.compiled {
                compare("items", expect, compiled.subcases.map(\.item), reader, &failures)
                compare("fields", expect, compiled.fields.map(\.element), reader, &failures)
                compare("materials", expect, compiled.materials.map(\.material), reader, &failures)
                compare(
                    "sharedMaterials", expect, compiled.materials.filter(\.sharedData).map(\.material), reader,
                    &failures)
                compare("departments", expect, compiled.departments, reader, &failures)
                if let days = reader.integer(expect, "promisedDays"), days != compiled.promisedDays {
                    failures.append("promisedDays: expected \(days), got \(compiled.promisedDays)")
                }
                if let days = reader.integer(expect, "criticalPathDays"), days != compiled.criticalPathDays {
                    failures.append("criticalPathDays: expected \(days), got \(compiled.criticalPathDays)")
                }
            } else {
                let renderer = DiagnosticRenderer(sources: library.sources)
                failures += result.diagnostics.filter { $0.severity == .error }.map {
                    "does not compile: " + renderer.headline($0)
                }
            }
            // An expectation that does not read (a wrong key or type) is a failure, not a pass.
            if reader.diagnostics.filter({ $0.severity == .error }).count > errorsBefore {
                failures.append("the expectation has errors (reported above)")
            }
            let (line, column) = document.source.lineAndColumn(of: member.keyOffset)
            outcomes.append(
                GoldenTestOutcome(
                    path: path, name: member.key, bundle: bundleID, failures: failures, line: line, column: column))
        }
        return outcomes
    }

    private func compare(
        _ key: String, _ expect: ObjectFields, _ actual: [String], _ reader: DocumentReader, _ failures: inout [String]
    ) {
        guard expect[key] != nil else { return }
        let expected = reader.strings(expect, key).map(\.0)
        let missing = expected.filter { !actual.contains($0) }
        let extra = actual.filter { !expected.contains($0) }
        if !missing.isEmpty { failures.append("\(key): missing \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { failures.append("\(key): unexpected \(extra.joined(separator: ", "))") }
    }
}
