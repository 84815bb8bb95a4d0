extension ConditionExpression {
    /// The same condition for every answer a citizen can give, written the short way: tests of one
    /// situation joined by `or` become one membership test (`x in ['a', 'b']`), joined by `and` their
    /// common choices; a test that every choice (or none) passes becomes `true` (or `false`); a
    /// situation's `!=` becomes the choices it leaves. A notice then reads "情形:甲或乙", not
    /// "情形:甲,或情形:乙", and a material needed whatever the answer reads as unconditional.
    ///
    /// - Parameter choices: a situation's choices, or `nil` for a name that is not a situation
    ///   (a form value's tests are only merged: an optional field may have no value at all, so no
    ///   list of values covers every case).
    public func simplified(choices: (String) -> [ConditionLiteral]?) -> ConditionExpression {
        switch self {
        case .constant:
            return self
        case .test(let test):
            guard let all = choices(test.name) else { return self }
            let passing = all.filter { test.values.contains($0) != test.negated }
            if passing.isEmpty { return .constant(false) }
            if passing.count == all.count { return .constant(true) }
            return .test(test.with(values: passing))
        case .not(let inner):
            let folded = inner.simplified(choices: choices)
            if case .constant(let truth) = folded { return .constant(!truth) }
            return .not(folded)
        case .all(let parts):
            let flat = parts.map { $0.simplified(choices: choices) }.flatMap { part -> [ConditionExpression] in
                if case .all(let inner) = part { return inner }
                return [part]
            }
            let merged = Self.merged(flat) { kept, next in kept.filter(next.contains) }
            return .conjunction(merged.map { $0.simplified(choices: choices) })
        case .any(let parts):
            let flat = parts.map { $0.simplified(choices: choices) }.flatMap { part -> [ConditionExpression] in
                if case .any(let inner) = part { return inner }
                return [part]
            }
            let merged = Self.merged(flat) { kept, next in kept + next.filter { !kept.contains($0) } }
            return .disjunction(merged.map { $0.simplified(choices: choices) })
        }
    }

    /// The parts with the positive tests of one name combined into the first of them.
    private static func merged(
        _ parts: [ConditionExpression], combine: ([ConditionLiteral], [ConditionLiteral]) -> [ConditionLiteral]
    ) -> [ConditionExpression] {
        var result: [ConditionExpression] = []
        var positions: [String: Int] = [:]
        for part in parts {
            guard case .test(let test) = part, !test.negated else {
                result.append(part)
                continue
            }
            if let position = positions[test.name], case .test(let kept) = result[position] {
                let values = combine(kept.values, test.values)
                result[position] = values.isEmpty ? .constant(false) : .test(kept.with(values: values))
            } else {
                positions[test.name] = result.count
                result.append(part)
            }
        }
        return result
    }
}

extension ConditionTest {
    /// The same name, passing for exactly `values`.
    func with(values: [ConditionLiteral]) -> ConditionTest {
        var test = self
        test.negated = false
        test.values = values
        test.isMembership = values.count > 1
        test.valueOffsets = Array(repeating: valueOffsets.first ?? nameOffset, count: values.count)
        return test
    }
}
