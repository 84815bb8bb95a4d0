/// What compiling a bundle gives: the compiled value when there are no errors, and every diagnostic.
public struct CompilationResult: Sendable {
    /// The compiled bundle, or `nil` when an error was found.
    public var compiled: CompiledBundle?
    /// Errors and warnings, in the order found.
    public var diagnostics: [Diagnostic]

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// Compiles a bundle over the catalog into a ``CompiledBundle``.
///
/// Situations answered are fixed; those left open keep their conditions in the result, so that
/// compiling with no answers shows everything a bundle may ask. The compiler checks references,
/// conditions, cycles, merged constraints, inputs, promises; every combination of situation
/// answers (up to ``maximumCombinations``) is tried for items that can never be active and inputs
/// that no active item produces.
///
/// ```swift
/// let result = BundleCompiler(catalog: library.catalog)
///     .compile(bundle, answers: ["hiresStaff": "yes"])
/// print(result.compiled?.fields.count ?? 0)
/// ```
public struct BundleCompiler: Sendable {
    /// The most combinations of situation answers tried when looking for dead items and missing inputs.
    public static let maximumCombinations = 4096

    /// The catalog the bundle's references resolve in.
    public let catalog: Catalog

    /// Creates a compiler.
    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    /// Compiles `bundle` for the given situation answers (situation id → choice value).
    public func compile(_ bundle: BundleDefinition, answers: [String: String] = [:]) -> CompilationResult {
        var run = CompilationRun(catalog: catalog, bundle: bundle, answers: answers)
        let compiled = run.compile()
        let hasErrors = run.diagnostics.contains { $0.severity == .error }
        return CompilationResult(compiled: hasErrors ? nil : compiled, diagnostics: run.diagnostics)
    }
}

/// One compilation's working state.
struct CompilationRun {
    let catalog: Catalog
    let bundle: BundleDefinition
    let answers: [String: String]
    var diagnostics: [Diagnostic] = []
    /// The sets of items some answers (consistent with those given) make active at once; `nil` when
    /// there were too many combinations to try them all.
    var activeTogether: [Set<String>]? = []

    /// Bundle items whose catalog item exists, with that item.
    private var entries: [(use: BundleItem, item: Item)] = []

    init(catalog: Catalog, bundle: BundleDefinition, answers: [String: String]) {
        self.catalog = catalog
        self.bundle = bundle
        self.answers = answers
    }

    /// A condition in its shortest form over the bundle's situations (see `simplified(choices:)`).
    func simplify(_ condition: ConditionExpression) -> ConditionExpression {
        condition.simplified { name in bundle.situations.first { $0.id == name }?.choices.map { .string($0.value) } }
    }

    func known(_ name: String) -> ConditionLiteral? {
        answers[name].map { .string($0) }
    }

    mutating func compile() -> CompiledBundle {
        checkAnswers()
        resolveItems()
        checkReferencesAndConditions(asked: askedElements)
        analyseCombinations()
        let active = entries.compactMap { entry -> (use: BundleItem, item: Item, condition: ConditionExpression)? in
            let residual = simplify(entry.use.condition?.expression.specialized(known) ?? .constant(true))
            if case .constant(false) = residual { return nil }
            return (entry.use, entry.item, residual)
        }
        let (fields, fieldsSeparately) = mergeFields(active)
        let (materials, materialsSeparately, produced) = mergeMaterials(active)
        let subcases = plan(active)
        let (criticalDays, criticalPath) = criticalPath(subcases) { $0.promisedDays }
        let (legalPathDays, _) = self.criticalPath(subcases) { $0.legalDays ?? $0.promisedDays }
        if bundle.promisedDays < criticalDays {
            diagnostics.append(
                Diagnostic(
                    .error, .promiseBelowCriticalPath,
                    "bundle '\(bundle.id)' promises \(bundle.promisedDays) working days, but its critical path takes \(criticalDays)",
                    at: bundle.promisedDaysLocation,
                    notes: ["critical path: " + criticalPath.joined(separator: " → ")]))
        }
        let legalTotal = active.reduce(0) { $0 + ($1.item.legalDays ?? $1.item.promisedDays) }
        return CompiledBundle(
            bundle: bundle.id, version: bundle.version, name: bundle.name, description: bundle.description,
            answers: bundle.situations.compactMap { situation in answers[situation.id].map { (situation.id, $0) } },
            openSituations: bundle.situations.filter { answers[$0.id] == nil },
            fields: fields,
            sections: bundle.sections.map { ($0.id, $0.title) },
            materials: materials, producedMaterials: produced, subcases: subcases,
            promisedDays: bundle.promisedDays,
            criticalPathDays: criticalDays, criticalPath: criticalPath, legalDaysTotal: legalTotal,
            legalCriticalPathDays: legalPathDays,
            projections: projections(subcases, active: active, fields: fields, materials: materials),
            fieldsAskedSeparately: fieldsSeparately, materialsNeededSeparately: materialsSeparately)
    }

    // MARK: - References

    private mutating func checkAnswers() {
        for (key, value) in answers.sorted(by: { $0.key < $1.key }) {
            guard let situation = bundle.situation(key) else {
                diagnostics.append(
                    Diagnostic(
                        .error, .unknownReference, "bundle '\(bundle.id)' has no situation '\(key)'", at: nil,
                        suggestion: Suggestion.closest(to: key, among: bundle.situations.map(\.id))))
                continue
            }
            let choices = situation.choices.map(\.value)
            if !choices.contains(value) {
                diagnostics.append(
                    Diagnostic(
                        .error, .unknownReference, "situation '\(key)' has no choice '\(value)'", at: nil,
                        suggestion: Suggestion.closest(to: value, among: choices),
                        notes: ["its choices are \(choices.map { "'\($0)'" }.joined(separator: ", "))"]))
            }
        }
    }

    private mutating func resolveItems() {
        for use in bundle.items {
            guard let item = catalog.items[use.item] else {
                diagnostics.append(
                    Diagnostic(
                        .error, .unknownReference, "unknown item '\(use.item)'", at: use.location,
                        suggestion: Suggestion.closest(to: use.item, among: catalog.items.ids)))
                continue
            }
            entries.append((use, item))
        }
    }

    /// Elements the bundle's items ask for, in first-asked order.
    private var askedElements: [Element] {
        var seen = Set<String>()
        var result: [Element] = []
        for entry in entries {
            for field in entry.item.fields where !seen.contains(field.element) {
                seen.insert(field.element)
                if let element = catalog.elements[field.element] { result.append(element) }
            }
        }
        return result
    }

    private mutating func checkReferencesAndConditions(asked: [Element]) {
        let itemIDs = bundle.items.map(\.item)
        for use in bundle.items {
            for (after, location) in zip(use.after, use.afterLocations) where !itemIDs.contains(after) {
                diagnostics.append(
                    Diagnostic(
                        .error, .unknownReference,
                        "item '\(use.item)' waits for '\(after)', which is not an item of this bundle", at: location,
                        suggestion: Suggestion.closest(to: after, among: itemIDs)))
            }
        }
        let scope = ConditionScope(
            situations: bundle.situations, elements: asked, outOfScopeReason: "no item of this bundle asks for it")
        for use in bundle.items {
            if let condition = use.condition { diagnostics += scope.check(condition, catalog: catalog) }
        }
        let askedIDs = asked.map(\.id)
        for entry in bundle.fieldSwitches {
            diagnostics += scope.check(entry.condition, catalog: catalog)
            if !askedIDs.contains(entry.target) {
                diagnostics.append(
                    Diagnostic(
                        .error, .unknownReference, "no item of this bundle asks for the field '\(entry.target)'",
                        at: entry.location, suggestion: Suggestion.closest(to: entry.target, among: askedIDs)))
            }
        }
        let neededMaterials = entries.flatMap { $0.item.materials.map(\.material) }
        for entry in bundle.materialSwitches {
            diagnostics += scope.check(entry.condition, catalog: catalog)
            if !neededMaterials.contains(entry.target) {
                diagnostics.append(
                    Diagnostic(
                        .error, .unknownReference, "no item of this bundle needs the material '\(entry.target)'",
                        at: entry.location, suggestion: Suggestion.closest(to: entry.target, among: neededMaterials)))
            }
            if let producer = entries.first(where: { $0.item.producedMaterials.contains(entry.target) }) {
                diagnostics.append(
                    Diagnostic(
                        .warning, .producedMaterialAsked,
                        "the material '\(entry.target)' is produced by this bundle's item '\(producer.item.id)'",
                        at: entry.location,
                        notes: [
                            "while that item is in the case the citizen is not asked for it (the one-time notice says"
                                + " it is produced); remove this entry unless the material is needed when the item is not"
                        ]))
            }
        }
        for section in bundle.sections {
            for (element, location) in zip(section.elements, section.elementLocations)
            where !askedIDs.contains(element) {
                diagnostics.append(
                    Diagnostic(
                        .error, .unknownReference,
                        "section '\(section.id)' lists '\(element)', which no item of this bundle asks for",
                        at: location, suggestion: Suggestion.closest(to: element, among: askedIDs)))
            }
        }
    }

    // MARK: - Combinations

    /// Tries every combination of situation answers: finds items no answer switches on, and inputs
    /// that no active item produces under the given answers.
    private mutating func analyseCombinations() {
        let situations = bundle.situations.filter { !$0.choices.isEmpty }
        var everActive = Set<String>()
        /// (entry index, input) pairs already reported, so each missing input is named once.
        var reported: [(entry: Int, input: String)] = []
        var combination = [Int](repeating: 0, count: situations.count)
        var tried = 0
        repeat {
            var values: [String: String] = [:]
            for (situation, choice) in zip(situations, combination) {
                values[situation.id] = situation.choices[choice].value
            }
            let consistent = answers.allSatisfy { values[$0.key] == nil || values[$0.key] == $0.value }
            let possible = entries.map { entry in
                entry.use.condition?.expression.evaluate { values[$0].map { .string($0) } } != false
            }
            if consistent {
                let together = Set(zip(entries, possible).filter(\.1).map(\.0.use.item))
                if activeTogether?.contains(together) == false { activeTogether?.append(together) }
            }
            for (entry, isPossible) in zip(entries, possible) where isPossible {
                everActive.insert(entry.use.item)
            }
            if consistent {
                for (position, entry) in entries.enumerated() where possible[position] {
                    for input in entry.item.inputs
                    where !reported.contains(where: { $0.entry == position && $0.input == input }) {
                        let produced = zip(entries, possible).contains { $0.1 && $0.0.item.outputs.contains(input) }
                        if !produced {
                            reported.append((position, input))
                            let when = situations.map { "\($0.id) = \(values[$0.id] ?? "")" }.joined(separator: ", ")
                            diagnostics.append(
                                Diagnostic(
                                    .error, .inputNotProduced,
                                    "item '\(entry.use.item)' needs '\(input)', but no active item produces it"
                                        + (when.isEmpty ? "" : " when \(when)"),
                                    at: entry.use.location,
                                    notes: producersNote(of: input)))
                        }
                    }
                }
            }
            tried += 1
        } while tried < BundleCompiler.maximumCombinations && Self.next(&combination, situations)
        if tried == BundleCompiler.maximumCombinations, Self.next(&combination, situations) { activeTogether = nil }
        for entry in entries where !everActive.contains(entry.use.item) {
            diagnostics.append(
                Diagnostic(
                    .error, .itemNeverActive,
                    "item '\(entry.use.item)' is never included: no answer to the situations makes its condition true",
                    at: entry.use.condition?.location ?? entry.use.location,
                    notes: ["condition: \(entry.use.condition?.text ?? "")"]))
        }
    }

    /// Whether some answers make all of `items` active at once (`true` when that is not known):
    /// limits or dependencies of items that exclude each other never meet in a real case.
    func canBeActiveTogether(_ items: [String]) -> Bool {
        guard let activeTogether else { return true }
        return activeTogether.contains { set in items.allSatisfy(set.contains) }
    }

    func producersNote(of element: String) -> [String] {
        let producers = catalog.items.all.filter { $0.outputs.contains(element) }.map(\.id)
        if producers.isEmpty { return ["no item in the catalog produces '\(element)'"] }
        return ["produced by \(producers.map { "'\($0)'" }.joined(separator: ", ")) in the catalog"]
    }

    private static func next(_ combination: inout [Int], _ situations: [Situation]) -> Bool {
        for position in combination.indices.reversed() {
            combination[position] += 1
            if combination[position] < situations[position].choices.count { return true }
            combination[position] = 0
        }
        return false
    }
}
