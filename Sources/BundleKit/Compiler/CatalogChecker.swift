/// Checks the catalog's own references and limits, independent of any bundle.
public struct CatalogChecker: Sendable {
    /// The catalog to check.
    public let catalog: Catalog

    /// Creates a checker.
    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    /// Every problem in the catalog's items.
    public func check() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var codes: [String: Item] = [:]
        for item in catalog.items.all {
            diagnostics += check(item)
            // A government catalogue code names one item: two items with one code are one service
            // entered twice (often across catalog files).
            guard let code = item.code, !code.isEmpty else { continue }
            if let first = codes[code] {
                diagnostics.append(
                    Diagnostic(
                        .error, .duplicateDefinition,
                        "items '\(first.id)' and '\(item.id)' have the same catalogue code '\(code)'",
                        at: location(of: item, "code"), notes: ["'\(first.id)' is in \(first.location.path)"]))
            } else {
                codes[code] = item
            }
        }
        return diagnostics
    }

    private func check(_ item: Item) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if catalog.departments[item.department] == nil {
            diagnostics.append(
                Diagnostic(
                    .error, .unknownReference, "item '\(item.id)' names an unknown department '\(item.department)'",
                    at: location(of: item, "department"),
                    suggestion: Suggestion.closest(to: item.department, among: catalog.departments.ids)))
        }
        if item.kind == .immediate, item.promisedDays != 0 {
            diagnostics.append(
                Diagnostic(
                    .error, .invalidValue,
                    "item '\(item.id)' is immediate (即办件) and is done on the spot; set 'promisedDays' to 0",
                    at: location(of: item, "promisedDays")))
        }
        if let legal = item.legalDays, item.promisedDays > legal {
            diagnostics.append(
                Diagnostic(
                    .error, .promisedAboveLegal,
                    "item '\(item.id)' promises \(item.promisedDays) working days, more than its legal limit of \(legal)",
                    at: location(of: item, "promisedDays"),
                    notes: ["a promised limit must lie inside the legal limit"]))
        }
        var scope: [Element] = []
        for field in item.fields {
            guard let element = catalog.elements[field.element] else {
                diagnostics.append(
                    Diagnostic(
                        .error, .unknownReference, "item '\(item.id)' asks for an unknown element '\(field.element)'",
                        at: field.location,
                        suggestion: Suggestion.closest(to: field.element, among: catalog.elements.ids)))
                continue
            }
            scope.append(element)
            diagnostics += checkConstraints(field, of: element, in: item)
        }
        for material in item.materials where catalog.materials[material.material] == nil {
            diagnostics.append(
                Diagnostic(
                    .error, .unknownReference, "item '\(item.id)' needs an unknown material '\(material.material)'",
                    at: material.location,
                    suggestion: Suggestion.closest(to: material.material, among: catalog.materials.ids)))
        }
        for id in item.outputs + item.inputs where catalog.elements[id] == nil {
            diagnostics.append(
                Diagnostic(
                    .error, .unknownReference, "item '\(item.id)' names an unknown element '\(id)'",
                    at: item.referenceLocations[id] ?? item.location,
                    suggestion: Suggestion.closest(to: id, among: catalog.elements.ids)))
        }
        for id in item.producedMaterials where catalog.materials[id] == nil {
            diagnostics.append(
                Diagnostic(
                    .error, .unknownReference, "item '\(item.id)' produces an unknown material '\(id)'",
                    at: item.referenceLocations[id] ?? item.location,
                    suggestion: Suggestion.closest(to: id, among: catalog.materials.ids)))
        }
        let conditionScope = ConditionScope(
            situations: [], elements: scope,
            outOfScopeReason: "item '\(item.id)' does not ask for it; an item's conditions use its own fields")
        for field in item.fields {
            if let condition = field.condition { diagnostics += conditionScope.check(condition, catalog: catalog) }
        }
        for material in item.materials {
            if let condition = material.condition { diagnostics += conditionScope.check(condition, catalog: catalog) }
        }
        return diagnostics
    }

    private func checkConstraints(_ field: ItemField, of element: Element, in item: Item) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let constraints = field.constraints
        let lengthAllowed = [.text, .personName, .chineseName].contains(element.type)
        if !lengthAllowed, constraints.minLength != nil || constraints.maxLength != nil {
            diagnostics.append(
                Diagnostic(
                    .error, .invalidValue,
                    "'minLength' and 'maxLength' apply to text elements; '\(element.id)' is '\(element.type.rawValue)'",
                    at: field.location))
        }
        if !element.type.isNumeric, constraints.minimum != nil || constraints.maximum != nil {
            diagnostics.append(
                Diagnostic(
                    .error, .invalidValue,
                    "'minimum' and 'maximum' apply to number elements; '\(element.id)' is '\(element.type.rawValue)'",
                    at: field.location))
        }
        if let choices = constraints.choices {
            if element.type != .choice {
                diagnostics.append(
                    Diagnostic(
                        .error, .invalidValue,
                        "'choices' applies to choice elements; '\(element.id)' is '\(element.type.rawValue)'",
                        at: field.location))
            } else {
                let known = element.choices.map(\.value)
                for choice in choices where !known.contains(choice) {
                    diagnostics.append(
                        Diagnostic(
                            .error, .unknownReference,
                            "item '\(item.id)' allows choice '\(choice)', which element '\(element.id)' does not have",
                            at: field.location, suggestion: Suggestion.closest(to: choice, among: known)))
                }
            }
        }
        return diagnostics
    }

    private func location(of item: Item, _ key: String) -> SourceLocation {
        item.referenceLocations[key] ?? item.location
    }
}
