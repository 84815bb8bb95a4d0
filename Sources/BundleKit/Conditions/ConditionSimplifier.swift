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
            let merged = Self.merged(parts.map { $0.simplified(choices: choices) }, conjunction: true)
            return .conjunction(merged.map { $0.simplified(choices: choices) })
        case .any(let parts):
            let merged = Self.merged(parts.map { $0.simplified(choices: choices) }, conjunction: false)
            return .disjunction(merged.map { $0.simplified(choices: choices) })
        }
    }

    /// The parts of an `and` (`conjunction`) or an `or`, with nested parts of the same kind lifted
    /// up and the positive tests of one name combined into the first of them: their common values
    /// under `and`, all their values under `or`.
    private static func merged(_ parts: [ConditionExpression], conjunction: Bool) -> [ConditionExpression] {
        func combine(_ kept: [ConditionLiteral], _ next: [ConditionLiteral]) -> [ConditionLiteral] {
            conjunction ? kept.filter(next.contains) : kept + next.filter { !kept.contains($0) }
        }
        let flat = parts.flatMap { part -> [ConditionExpression] in
            switch part {
            case .all(let inner) where conjunction: inner
            case .any(let inner) where !conjunction: inner
            default: [part]
            }
        }
        var result: [ConditionExpression] = []
        var positions: [String: Int] = [:]
        for part in flat {
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
