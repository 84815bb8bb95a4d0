extension ConditionExpression {
    /// The condition in words a citizen reads, using the situations' questions and choice labels
    /// and the elements' labels: `是否招用员工:是`.
    public func wording(situations: [Situation], catalog: Catalog, language: Language) -> String {
        switch self {
        case .constant(let truth):
            return truth ? (language == .zh ? "总是" : "always") : (language == .zh ? "从不" : "never")
        case .test(let test):
            let values: [String]
            let name: String
            if let situation = situations.first(where: { $0.id == test.name }) {
                name = String(situation.question.text(in: language).reversed().drop { "?？".contains($0) }.reversed())
                values = test.values.map { literal in
                    if case .string(let value) = literal,
                        let choice = situation.choices.first(where: { $0.value == value })
                    {
                        return choice.label.text(in: language)
                    }
                    return literal.source
                }
            } else if let element = catalog.elements[test.name] {
                name = element.label.text(in: language)
                values = test.values.map { literal in
                    if case .string(let value) = literal,
                        let choice = element.choices.first(where: { $0.value == value })
                    {
                        return choice.label.text(in: language)
                    }
                    if case .string(let value) = literal { return value }
                    return literal.source
                }
            } else {
                name = test.name
                values = test.values.map(\.source)
            }
            let list = values.joined(separator: language == .zh ? "或" : " or ")
            if language == .zh {
                return test.negated ? "\(name)不是\(list)" : "\(name):\(list)"
            }
            return test.negated ? "\(name): not \(list)" : "\(name): \(list)"
        case .not(let inner):
            let text = inner.wording(situations: situations, catalog: catalog, language: language)
            return language == .zh ? "并非(\(text))" : "not (\(text))"
        case .all(let parts):
            return parts.map { $0.wordingInGroup(situations, catalog, language) }
                .joined(separator: language == .zh ? ",且" : ", and ")
        case .any(let parts):
            return parts.map { $0.wordingInGroup(situations, catalog, language) }
                .joined(separator: language == .zh ? ",或" : ", or ")
        }
    }

    private func wordingInGroup(_ situations: [Situation], _ catalog: Catalog, _ language: Language) -> String {
        let text = wording(situations: situations, catalog: catalog, language: language)
        switch self {
        case .all, .any: return "(\(text))"
        default: return text
        }
    }
}
