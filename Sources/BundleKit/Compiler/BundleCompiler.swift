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
private struct CompilationRun {
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
    private func simplify(_ condition: ConditionExpression) -> ConditionExpression {
        condition.simplified { name in bundle.situations.first { $0.id == name }?.choices.map { .string($0.value) } }
    }

    private func known(_ name: String) -> ConditionLiteral? {
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
    private func canBeActiveTogether(_ items: [String]) -> Bool {
        guard let activeTogether else { return true }
        return activeTogether.contains { set in items.allSatisfy(set.contains) }
    }

    private func producersNote(of element: String) -> [String] {
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

    // MARK: - Combined form

    private struct FieldDraft {
        var element: Element
        var conditions: [ConditionExpression] = []
        var requiring: [ConditionExpression] = []
        var constraints: FieldConstraints
        var choices: [String]
        var items: [String] = []
        /// Which item set each limit; `nil` when it is the element's own.
        var minLengthFrom: String?, maxLengthFrom: String?
        var minimumFrom: String?, maximumFrom: String?
        var choicesFrom: String?
    }

    /// How a limit's origin reads in a message.
    private static func origin(_ item: String?) -> String {
        item.map { "item '\($0)'" } ?? "the element"
    }

    private mutating func mergeFields(
        _ active: [(use: BundleItem, item: Item, condition: ConditionExpression)]
    ) -> ([CompiledField], Int) {
        var drafts: [FieldDraft] = []
        var index: [String: Int] = [:]
        var separately = 0
        let switches = Dictionary(bundle.fieldSwitches.map { ($0.target, $0.condition.expression) }) { a, _ in a }
        for entry in active {
            for field in entry.item.fields {
                guard let element = catalog.elements[field.element] else { continue }
                let condition = ConditionExpression.conjunction([
                    entry.condition,
                    switches[field.element]?.specialized(known) ?? .constant(true),
                    field.condition?.expression.specialized(known) ?? .constant(true),
                ])
                if case .constant(false) = condition { continue }
                separately += 1
                let position =
                    index[field.element]
                    ?? {
                        drafts.append(
                            FieldDraft(
                                element: element, constraints: element.constraints,
                                choices: element.choices.map(\.value)))
                        index[field.element] = drafts.count - 1
                        return drafts.count - 1
                    }()
                drafts[position].conditions.append(condition)
                if field.required { drafts[position].requiring.append(condition) }
                if !drafts[position].items.contains(entry.item.id) { drafts[position].items.append(entry.item.id) }
                merge(field, of: entry.item, into: &drafts[position])
            }
        }
        var sectionOf: [String: String] = [:]
        var ordered: [String] = []
        for section in bundle.sections {
            for element in section.elements where index[element] != nil && sectionOf[element] == nil {
                sectionOf[element] = section.id
                ordered.append(element)
            }
        }
        ordered += drafts.map(\.element.id).filter { sectionOf[$0] == nil }
        let fields = ordered.compactMap { id -> CompiledField? in
            guard let position = index[id] else { return nil }
            let draft = drafts[position]
            let condition = simplify(.disjunction(draft.conditions))
            let requiredWhen = simplify(.disjunction(draft.requiring))
            return CompiledField(
                element: id, label: draft.element.label, hint: draft.element.hint, type: draft.element.type,
                required: !draft.requiring.isEmpty,
                requiredWhen: draft.requiring.isEmpty || requiredWhen == condition ? nil : requiredWhen,
                condition: condition == .constant(true) ? nil : condition,
                constraints: FieldConstraints(
                    minLength: draft.constraints.minLength, maxLength: draft.constraints.maxLength,
                    minimum: draft.constraints.minimum, maximum: draft.constraints.maximum,
                    choices: draft.element.type == .choice ? draft.choices : nil),
                choices: draft.element.choices.filter { draft.choices.contains($0.value) },
                sensitive: draft.element.sensitive, identity: draft.element.identity,
                applicant: draft.element.applicant, items: draft.items,
                section: sectionOf[id])
        }
        return (fields, separately)
    }

    /// Narrows a draft by one item's limits and reports limits no value can meet.
    private mutating func merge(_ field: ItemField, of item: Item, into draft: inout FieldDraft) {
        let source = item.id
        let limits = field.constraints
        let before = draft
        /// Whether a clash with the item that set a limit can happen: `false` for items no answers
        /// make active together, whose limits then stay as they were.
        func meets(_ other: String?) -> Bool {
            guard let other, other != source else { return true }
            return canBeActiveTogether([other, source])
        }
        if let value = limits.minLength, value > (draft.constraints.minLength ?? Int.min) {
            draft.constraints.minLength = value
            draft.minLengthFrom = source
        }
        if let value = limits.maxLength, value < (draft.constraints.maxLength ?? Int.max) {
            draft.constraints.maxLength = value
            draft.maxLengthFrom = source
        }
        if let value = limits.minimum, value > (draft.constraints.minimum ?? -Double.infinity) {
            draft.constraints.minimum = value
            draft.minimumFrom = source
        }
        if let value = limits.maximum, value < (draft.constraints.maximum ?? Double.infinity) {
            draft.constraints.maximum = value
            draft.maximumFrom = source
        }
        let id = draft.element.id
        if let minimum = draft.constraints.minLength, let maximum = draft.constraints.maxLength, minimum > maximum {
            if meets(draft.minLengthFrom == source ? draft.maxLengthFrom : draft.minLengthFrom) {
                clash(
                    "field '\(id)' cannot be filled: \(Self.origin(draft.minLengthFrom)) asks at least \(minimum) characters and \(Self.origin(draft.maxLengthFrom)) at most \(maximum)",
                    at: field.location)
                draft.constraints.minLength = nil
            } else {
                (draft.constraints.minLength, draft.minLengthFrom) = (
                    before.constraints.minLength, before.minLengthFrom
                )
                (draft.constraints.maxLength, draft.maxLengthFrom) = (
                    before.constraints.maxLength, before.maxLengthFrom
                )
            }
        }
        if let minimum = draft.constraints.minimum, let maximum = draft.constraints.maximum, minimum > maximum {
            if meets(draft.minimumFrom == source ? draft.maximumFrom : draft.minimumFrom) {
                clash(
                    "field '\(id)' cannot be filled: \(Self.origin(draft.minimumFrom)) asks at least \(ConditionLiteral.number(minimum).source) and \(Self.origin(draft.maximumFrom)) at most \(ConditionLiteral.number(maximum).source)",
                    at: field.location)
                draft.constraints.minimum = nil
            } else {
                (draft.constraints.minimum, draft.minimumFrom) = (before.constraints.minimum, before.minimumFrom)
                (draft.constraints.maximum, draft.maximumFrom) = (before.constraints.maximum, before.maximumFrom)
            }
        }
        if let allowed = limits.choices {
            let narrowed = draft.choices.filter { allowed.contains($0) }
            if narrowed.isEmpty, !draft.choices.isEmpty {
                // Items never active together each keep their own choices in a real case.
                guard meets(draft.choicesFrom) else { return }
                clash(
                    "field '\(id)' cannot be filled: \(Self.origin(draft.choicesFrom)) allows only \(draft.choices.map { "'\($0)'" }.joined(separator: ", ")) and \(Self.origin(source)) only \(allowed.map { "'\($0)'" }.joined(separator: ", "))",
                    at: field.location)
            } else {
                draft.choices = narrowed
                draft.choicesFrom = source
            }
        }
    }

    private mutating func clash(_ message: String, at location: SourceLocation) {
        diagnostics.append(
            Diagnostic(
                .error, .unsatisfiableConstraints, message, at: location,
                notes: ["in bundle '\(bundle.id)', both items ask for the same element, so one value must meet both"]))
    }

    // MARK: - Material checklist

    private func mergeMaterials(
        _ active: [(use: BundleItem, item: Item, condition: ConditionExpression)]
    ) -> ([CompiledMaterial], Int, [ProducedMaterial]) {
        var drafts: [(material: CompiledMaterial, conditions: [ConditionExpression])] = []
        // What an item certainly in this case makes, no other item of it asks the citizen for.
        var producers: [String: Item] = [:]
        for entry in active where entry.condition == .constant(true) {
            for material in entry.item.producedMaterials where producers[material] == nil {
                producers[material] = entry.item
            }
        }
        var produced: [ProducedMaterial] = []
        var index: [String: Int] = [:]
        var separately = 0
        let switches = Dictionary(bundle.materialSwitches.map { ($0.target, $0.condition.expression) }) { a, _ in a }
        for entry in active {
            for need in entry.item.materials {
                guard let material = catalog.materials[need.material] else { continue }
                let condition = ConditionExpression.conjunction([
                    entry.condition,
                    switches[need.material]?.specialized(known) ?? .constant(true),
                    need.condition?.expression.specialized(known) ?? .constant(true),
                ])
                if case .constant(false) = condition { continue }
                separately += 1
                if let producer = producers[need.material], producer.id != entry.item.id {
                    if let position = produced.firstIndex(where: { $0.material == need.material }) {
                        produced[position].items.append(entry.item.id)
                    } else {
                        produced.append(
                            ProducedMaterial(
                                material: material.id, name: material.name, producer: producer.id,
                                producerName: producer.name, items: [entry.item.id]))
                    }
                    continue
                }
                let position =
                    index[need.material]
                    ?? {
                        drafts.append(
                            (
                                CompiledMaterial(
                                    material: material.id, name: material.name, form: .electronic, copies: 0,
                                    sharedData: material.sharedData, acceptWithGaps: true, condition: nil, items: [],
                                    departments: []), []
                            ))
                        index[need.material] = drafts.count - 1
                        return drafts.count - 1
                    }()
                drafts[position].material.form = max(drafts[position].material.form, need.form ?? material.form)
                drafts[position].material.copies = max(drafts[position].material.copies, need.copies ?? material.copies)
                drafts[position].material.acceptWithGaps =
                    drafts[position].material.acceptWithGaps && need.acceptWithGaps
                drafts[position].material.sharedData =
                    drafts[position].material.sharedData && (need.sharedData ?? true)
                if !drafts[position].material.items.contains(entry.item.id) {
                    drafts[position].material.items.append(entry.item.id)
                }
                if !drafts[position].material.departments.contains(entry.item.department) {
                    drafts[position].material.departments.append(entry.item.department)
                }
                drafts[position].conditions.append(condition)
            }
        }
        let materials = drafts.map { draft -> CompiledMaterial in
            var draft = draft
            let condition = simplify(.disjunction(draft.conditions))
            draft.material.condition = condition == .constant(true) ? nil : condition
            return draft.material
        }
        return (materials, separately, produced)
    }

    // MARK: - Fan-out plan

    private mutating func plan(
        _ active: [(use: BundleItem, item: Item, condition: ConditionExpression)]
    ) -> [PlannedSubcase] {
        let activeIDs = active.map(\.item.id)
        var subcases = active.map { entry -> PlannedSubcase in
            var after = entry.use.after.filter { activeIDs.contains($0) }
            var inputs: [PlannedInput] = []
            for input in entry.item.inputs {
                for producer in active where producer.item.id != entry.item.id && producer.item.outputs.contains(input)
                {
                    if !after.contains(producer.item.id) { after.append(producer.item.id) }
                    if let index = inputs.firstIndex(where: { $0.from == producer.item.id }) {
                        inputs[index].elements.append(input)
                    } else {
                        inputs.append(PlannedInput(from: producer.item.id, elements: [input]))
                    }
                }
            }
            // A material another item of the case makes (the seal for the bank) is waited for like an input.
            for need in entry.item.materials {
                for producer in active
                where producer.condition == .constant(true) && producer.item.id != entry.item.id
                    && producer.item.producedMaterials.contains(need.material) && !after.contains(producer.item.id)
                {
                    after.append(producer.item.id)
                }
            }
            return PlannedSubcase(
                item: entry.item.id, name: entry.item.name, department: entry.item.department,
                departmentName: catalog.departments[entry.item.department]?.name
                    ?? LocalizedText(zh: entry.item.department, en: entry.item.department),
                kind: entry.item.kind, promisedDays: entry.item.promisedDays, legalDays: entry.item.legalDays,
                condition: entry.condition == .constant(true) ? nil : entry.condition, after: after, inputs: inputs,
                outputs: entry.item.outputs, earlyStart: entry.use.earlyStart)
        }
        if let cycle = findCycle(subcases) {
            // A cycle through items no answers make active together never forms in a real case.
            if canBeActiveTogether(cycle) {
                let location = bundle.items.first { $0.item == cycle[0] }?.location
                diagnostics.append(
                    Diagnostic(
                        .error, .dependencyCycle, "dependency cycle: " + cycle.joined(separator: " → "),
                        at: location, notes: ["each item waits for the next to be issued, so none can start"]))
            }
            for index in subcases.indices { subcases[index].after.removeAll { cycle.contains($0) } }
        }
        return subcases
    }

    /// A cycle in the `after` graph, as a path whose last entry repeats the first.
    private func findCycle(_ subcases: [PlannedSubcase]) -> [String]? {
        let graph = Dictionary(subcases.map { ($0.item, $0.after) }) { a, _ in a }
        var state: [String: Int] = [:]
        var stack: [String] = []
        func visit(_ node: String) -> [String]? {
            state[node] = 1
            stack.append(node)
            for next in graph[node] ?? [] {
                if state[next] == 1, let start = stack.firstIndex(of: next) {
                    return Array(stack[start...]) + [next]
                }
                if state[next] == nil, let cycle = visit(next) { return cycle }
            }
            stack.removeLast()
            state[node] = 2
            return nil
        }
        for subcase in subcases where state[subcase.item] == nil {
            if let cycle = visit(subcase.item) { return cycle }
        }
        return nil
    }

    /// The longest chain of promised days, assuming the graph has no cycle.
    /// The longest chain of the plan, each item taking `days`, and its items.
    private func criticalPath(_ subcases: [PlannedSubcase], days: (PlannedSubcase) -> Int) -> (Int, [String]) {
        let byID = Dictionary(subcases.map { ($0.item, $0) }) { a, _ in a }
        var finish: [String: Int] = [:]
        var previous: [String: String] = [:]
        func finishDay(_ id: String, depth: Int) -> Int {
            if let known = finish[id] { return known }
            guard let subcase = byID[id], depth <= subcases.count else { return 0 }
            var start = 0
            for before in subcase.after {
                let day = finishDay(before, depth: depth + 1)
                if day > start || previous[id] == nil {
                    start = max(start, day)
                    previous[id] = before
                }
            }
            finish[id] = start + days(subcase)
            return start + days(subcase)
        }
        var best: (days: Int, id: String)?
        for subcase in subcases {
            let day = finishDay(subcase.item, depth: 0)
            if best == nil || day > (best?.days ?? 0) { best = (day, subcase.item) }
        }
        guard let best else { return (0, []) }
        var path = [best.id]
        while let before = previous[path[0]], !path.contains(before) { path.insert(before, at: 0) }
        return (best.days, path)
    }

    // MARK: - Projections

    private func projections(
        _ subcases: [PlannedSubcase],
        active: [(use: BundleItem, item: Item, condition: ConditionExpression)],
        fields: [CompiledField],
        materials: [CompiledMaterial]
    ) -> [DepartmentProjection] {
        var result: [DepartmentProjection] = []
        for subcase in subcases {
            var projection =
                result.first { $0.department == subcase.department }
                ?? DepartmentProjection(
                    department: subcase.department, items: [], fields: [], materials: [], inputs: [])
            projection.items.append(subcase.item)
            for field in fields where field.items.contains(subcase.item) && !projection.fields.contains(field.element) {
                projection.fields.append(field.element)
            }
            for material in materials
            where material.items.contains(subcase.item) && !projection.materials.contains(material.material) {
                projection.materials.append(material.material)
            }
            projection.inputs += subcase.inputs
            if let index = result.firstIndex(where: { $0.department == subcase.department }) {
                result[index] = projection
            } else {
                result.append(projection)
            }
        }
        return result
    }
}
