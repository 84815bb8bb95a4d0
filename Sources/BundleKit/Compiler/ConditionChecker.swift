/// The names a condition may use: a bundle's situations and the elements in scope.
struct ConditionScope {
    var situations: [Situation]
    var elements: [Element]
    /// How the scope's elements are described in messages ("no item of this bundle asks for it").
    var outOfScopeReason: String

    /// Checks every comparison of a condition: the name exists, the literals fit its type and
    /// choices. Returns the problems found.
    func check(_ condition: Condition, catalog: Catalog) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let locator = condition.locator()
        for test in condition.expression.tests {
            let nameLocation = locator.location(ofCharacter: test.nameOffset)
            if let situation = situations.first(where: { $0.id == test.name }) {
                let choices = situation.choices.map(\.value)
                for (literal, offset) in zip(test.values, test.valueOffsets) {
                    let location = locator.location(ofCharacter: offset)
                    guard case .string(let value) = literal else {
                        diagnostics.append(
                            Diagnostic(
                                .error, .conditionType,
                                "situation '\(situation.id)' has text answers; compare it with a quoted choice, not \(literal.source)",
                                at: location))
                        continue
                    }
                    if !choices.contains(value) {
                        diagnostics.append(
                            Diagnostic(
                                .error, .conditionUnknownChoice,
                                "situation '\(situation.id)' has no choice '\(value)'", at: location,
                                suggestion: Suggestion.closest(to: value, among: choices),
                                notes: ["its choices are \(choices.map { "'\($0)'" }.joined(separator: ", "))"]))
                    }
                }
            } else if let element = elements.first(where: { $0.id == test.name }) {
                diagnostics += checkLiterals(test, of: element, in: condition, locator: locator)
            } else if catalog.elements[test.name] != nil {
                diagnostics.append(
                    Diagnostic(
                        .error, .conditionUnknownName,
                        "the condition uses element '\(test.name)', but \(outOfScopeReason)", at: nameLocation))
            } else {
                let names = situations.map(\.id) + elements.map(\.id)
                diagnostics.append(
                    Diagnostic(
                        .error, .conditionUnknownName,
                        "unknown situation or element '\(test.name)' in the condition", at: nameLocation,
                        suggestion: Suggestion.closest(to: test.name, among: names)))
            }
        }
        return diagnostics
    }

    private func checkLiterals(
        _ test: ConditionTest, of element: Element, in condition: Condition, locator: Condition.Locator
    ) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for (literal, offset) in zip(test.values, test.valueOffsets) {
            let location = locator.location(ofCharacter: offset)
            let fits: Bool
            switch literal {
            case .string: fits = element.type.isTextual
            case .number: fits = element.type.isNumeric
            case .bool: fits = element.type == .boolean
            }
            guard fits else {
                diagnostics.append(
                    Diagnostic(
                        .error, .conditionType,
                        "element '\(element.id)' is of type '\(element.type.rawValue)' and cannot equal \(literal.source)",
                        at: location))
                continue
            }
            if element.type == .choice, case .string(let value) = literal,
                !element.choices.contains(where: { $0.value == value })
            {
                let choices = element.choices.map(\.value)
                diagnostics.append(
                    Diagnostic(
                        .error, .conditionUnknownChoice, "element '\(element.id)' has no choice '\(value)'",
                        at: location, suggestion: Suggestion.closest(to: value, among: choices),
                        notes: ["its choices are \(choices.map { "'\($0)'" }.joined(separator: ", "))"]))
            }
        }
        return diagnostics
    }
}
