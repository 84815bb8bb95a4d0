import Foundation

/// Checks a whole library: every file's syntax and keys, the catalog, every bundle compiled with
/// no answers (so every combination of situations is tried), and catalog entries no bundle uses.
public struct Linter: Sendable {
    /// The library to check.
    public let library: BundleLibrary

    /// Creates a linter.
    public init(library: BundleLibrary) {
        self.library = library
    }

    /// Every diagnostic; unused-entry warnings only when `reportUnused` (linting the whole library).
    public func lint(reportUnused: Bool = true) -> [Diagnostic] {
        var diagnostics = library.diagnostics
        diagnostics += CatalogChecker(catalog: library.catalog).check()
        let compiler = BundleCompiler(catalog: library.catalog)
        for bundle in library.bundles {
            diagnostics += compiler.compile(bundle).diagnostics
        }
        // Unused entries mean something only when every file was read.
        let loadFailed = library.diagnostics.contains { $0.severity == .error }
        if reportUnused, !loadFailed { diagnostics += unusedEntries() }
        diagnostics = withoutCascade(diagnostics)
        var seen: Set<String> = []
        return diagnostics.filter { diagnostic in
            let key = "\(diagnostic.location?.path ?? ""):\(diagnostic.location?.offset ?? -1):\(diagnostic.message)"
            return seen.insert(key).inserted
        }
    }

    /// With a catalog file that does not parse, every reference into it looks unknown (hundreds of
    /// errors with wrong did-you-means). Its syntax error is reported; what may follow from it — the
    /// bundles' problems and unknown references — is counted in one line instead.
    private func withoutCascade(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        let catalogDirectory = (library.root as NSString).appendingPathComponent("catalog")
        let broken = Set(
            library.diagnostics.filter { $0.code == .jsonSyntax }.compactMap(\.location?.path)
                .filter { $0.hasPrefix(catalogDirectory + "/") })
        guard !broken.isEmpty else { return diagnostics }
        let catalogPaths = Set(diagnostics.compactMap(\.location?.path).filter { $0.hasPrefix(catalogDirectory + "/") })
        var kept: [Diagnostic] = []
        var withheld = 0
        for diagnostic in diagnostics {
            let inCatalog = diagnostic.location.map { catalogPaths.contains($0.path) } ?? true
            let followsFromReferences: Set<DiagnosticCode> = [
                .unknownReference, .conditionUnknownName, .conditionType, .conditionUnknownChoice,
            ]
            if diagnostic.code == .jsonSyntax || (inCatalog && !followsFromReferences.contains(diagnostic.code)) {
                kept.append(diagnostic)
            } else {
                withheld += 1
            }
        }
        if withheld > 0 {
            kept.append(
                Diagnostic(
                    .error, .jsonSyntax,
                    "\(withheld) more problem\(withheld == 1 ? "" : "s") (references into the catalog, the bundles)"
                        + " not reported: they may follow from \(broken.sorted().joined(separator: ", ")), which does"
                        + " not parse; fix it first",
                    at: nil))
        }
        return kept
    }

    private func unusedEntries() -> [Diagnostic] {
        let catalog = library.catalog
        let usedItems = Set(library.bundles.flatMap { $0.items.map(\.item) })
        let items = catalog.items.all
        let usedElements = Set(items.flatMap { $0.fields.map(\.element) + $0.outputs + $0.inputs })
        let usedMaterials = Set(items.flatMap { $0.materials.map(\.material) })
        let usedDepartments = Set(items.map(\.department))
        var diagnostics: [Diagnostic] = []
        func warn(_ kind: String, _ id: String, _ location: SourceLocation, _ by: String) {
            diagnostics.append(
                Diagnostic(.warning, .unusedCatalogEntry, "\(kind) '\(id)' is not used by any \(by)", at: location))
        }
        for item in items where !usedItems.contains(item.id) { warn("item", item.id, item.location, "bundle") }
        for element in catalog.elements.all where !usedElements.contains(element.id) {
            warn("element", element.id, element.location, "item")
        }
        for material in catalog.materials.all where !usedMaterials.contains(material.id) {
            warn("material", material.id, material.location, "item")
        }
        for department in catalog.departments.all where !usedDepartments.contains(department.id) {
            warn("department", department.id, department.location, "item")
        }
        return diagnostics
    }
}
