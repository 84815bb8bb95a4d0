/// The combined form (each field once, its limits merged from every active item) and the
/// material checklist (each material once).
extension CompilationRun {
    // MARK: - Combined form

    struct FieldDraft {
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
    static func origin(_ item: String?) -> String {
        item.map { "item '\($0)'" } ?? "the element"
    }

    /// When an active item asks for a field or a material: while the item is active, the bundle's
    /// switch for it holds and its own condition holds, with the answers given so far.
    func askedWhen(
        _ active: ConditionExpression, switched: ConditionExpression?, own: Condition?
    ) -> ConditionExpression {
        .conjunction([
            active, switched?.specialized(known) ?? .constant(true),
            own?.expression.specialized(known) ?? .constant(true),
        ])
    }

    mutating func mergeFields(
        _ active: [(use: BundleItem, item: Item, condition: ConditionExpression)]
    ) -> ([CompiledField], Int) {
        var drafts: [FieldDraft] = []
        var index: [String: Int] = [:]
        var separately = 0
        let switches = Dictionary(bundle.fieldSwitches.map { ($0.target, $0.condition.expression) }) { a, _ in a }
        for entry in active {
            for field in entry.item.fields {
                guard let element = catalog.elements[field.element] else { continue }
                let condition = askedWhen(entry.condition, switched: switches[field.element], own: field.condition)
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
    mutating func merge(_ field: ItemField, of item: Item, into draft: inout FieldDraft) {
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

    mutating func clash(_ message: String, at location: SourceLocation) {
        diagnostics.append(
            Diagnostic(
                .error, .unsatisfiableConstraints, message, at: location,
                notes: ["in bundle '\(bundle.id)', both items ask for the same element, so one value must meet both"]))
    }

    // MARK: - Material checklist

    func mergeMaterials(
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
                let condition = askedWhen(entry.condition, switched: switches[need.material], own: need.condition)
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
}
