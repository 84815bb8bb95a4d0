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
        var seen: [String] = []
        return diagnostics.filter { diagnostic in
            let key = "\(diagnostic.location?.path ?? ""):\(diagnostic.location?.offset ?? -1):\(diagnostic.message)"
            if seen.contains(key) { return false }
            seen.append(key)
            return true
        }
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
