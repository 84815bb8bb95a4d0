/// A literal in a condition: a quoted text, a number or a Boolean.
public enum ConditionLiteral: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)

    /// The literal as written in the condition language.
    public var source: String {
        switch self {
        case .string(let text): return "'\(text)'"
        case .number(let value):
            return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): return value ? "true" : "false"
        }
    }
}

/// One comparison of a situation answer or form value with literals: `x == 'a'`, `x != 'a'`,
/// `x in ['a', 'b']`.
public struct ConditionTest: Sendable, Equatable {
    /// The situation or element id.
    public var name: String
    /// `true` for `!=`.
    public var negated: Bool
    /// `true` for `in [...]`.
    public var isMembership: Bool
    /// The literals compared against.
    public var values: [ConditionLiteral]
    /// Where the name starts in the condition text (in characters).
    public var nameOffset: Int
    /// Where each literal starts in the condition text (in characters).
    public var valueOffsets: [Int]

    public static func == (lhs: ConditionTest, rhs: ConditionTest) -> Bool {
        lhs.name == rhs.name && lhs.negated == rhs.negated && lhs.isMembership == rhs.isMembership
            && lhs.values == rhs.values
    }
}

/// A parsed condition of the bundle condition language.
///
/// The language is small and safe: comparisons (`==`, `!=`, `in`), `and`, `or`, `not` and
/// parentheses over situation answers and form values. It has no calls, no loops and no side effects.
public enum ConditionExpression: Sendable, Equatable {
    case constant(Bool)
    case test(ConditionTest)
    indirect case not(ConditionExpression)
    case all([ConditionExpression])
    case any([ConditionExpression])

    /// Every comparison in the expression, in source order.
    public var tests: [ConditionTest] {
        switch self {
        case .constant: return []
        case .test(let test): return [test]
        case .not(let inner): return inner.tests
        case .all(let parts), .any(let parts): return parts.flatMap(\.tests)
        }
    }

    /// Evaluates with three values: `nil` when a name it needs is unknown.
    ///
    /// - Parameter value: the value of a name, or `nil` when it is not known yet.
    public func evaluate(_ value: (String) -> ConditionLiteral?) -> Bool? {
        switch self {
        case .constant(let truth):
            return truth
        case .test(let test):
            guard let actual = value(test.name) else { return nil }
            let matches = test.values.contains(actual)
            return test.negated ? !matches : matches
        case .not(let inner):
            return inner.evaluate(value).map { !$0 }
        case .all(let parts):
            var unknown = false
            for part in parts {
                switch part.evaluate(value) {
                case .some(false): return false
                case .none: unknown = true
                case .some(true): break
                }
            }
            return unknown ? nil : true
        case .any(let parts):
            var unknown = false
            for part in parts {
                switch part.evaluate(value) {
                case .some(true): return true
                case .none: unknown = true
                case .some(false): break
                }
            }
            return unknown ? nil : false
        }
    }

    /// The expression with every comparison over a known name replaced by its truth, then folded.
    public func specialized(_ value: (String) -> ConditionLiteral?) -> ConditionExpression {
        switch self {
        case .constant:
            return self
        case .test(let test):
            guard let actual = value(test.name) else { return self }
            let matches = test.values.contains(actual)
            return .constant(test.negated ? !matches : matches)
        case .not(let inner):
            let folded = inner.specialized(value)
            if case .constant(let truth) = folded { return .constant(!truth) }
            return .not(folded)
        case .all(let parts):
            return .conjunction(parts.map { $0.specialized(value) })
        case .any(let parts):
            return .disjunction(parts.map { $0.specialized(value) })
        }
    }

    /// `true` and the parts, flattened and folded.
    public static func conjunction(_ parts: [ConditionExpression]) -> ConditionExpression {
        var kept: [ConditionExpression] = []
        for part in parts {
            switch part {
            case .constant(true): continue
            case .constant(false): return .constant(false)
            case .all(let inner): kept.append(contentsOf: inner)
            default: if !kept.contains(part) { kept.append(part) }
            }
        }
        if kept.isEmpty { return .constant(true) }
        return kept.count == 1 ? kept[0] : .all(kept)
    }

    /// `false` or the parts, flattened and folded.
    public static func disjunction(_ parts: [ConditionExpression]) -> ConditionExpression {
        var kept: [ConditionExpression] = []
        for part in parts {
            switch part {
            case .constant(false): continue
            case .constant(true): return .constant(true)
            case .any(let inner): kept.append(contentsOf: inner)
            default: if !kept.contains(part) { kept.append(part) }
            }
        }
        if kept.isEmpty { return .constant(false) }
        return kept.count == 1 ? kept[0] : .any(kept)
    }

    /// The expression in the condition language, fully parenthesised where it matters.
    public var source: String {
        switch self {
        case .constant(let truth): return truth ? "true" : "false"
        case .test(let test):
            if test.isMembership {
                let list = test.values.map(\.source).joined(separator: ", ")
                return "\(test.name) \(test.negated ? "not in" : "in") [\(list)]"
            }
            return "\(test.name) \(test.negated ? "!=" : "==") \(test.values.first?.source ?? "")"
        case .not(let inner):
            return "not \(inner.parenthesisedSource)"
        case .all(let parts):
            return parts.map(\.parenthesisedSource).joined(separator: " and ")
        case .any(let parts):
            return parts.map(\.parenthesisedSource).joined(separator: " or ")
        }
    }

    private var parenthesisedSource: String {
        switch self {
        case .all, .any: return "(\(source))"
        default: return source
        }
    }
}

/// A condition as written in a file: the text, its parse and where it stands.
public struct Condition: Sendable {
    /// The parsed expression.
    public var expression: ConditionExpression
    /// The text as written.
    public var text: String
    /// Where the JSON string holding it starts.
    public var location: SourceLocation
    /// Whether characters of `text` map one-to-one onto the file (no escapes), so a
    /// diagnostic can point inside the string.
    public var mapsOntoSource: Bool

    /// The location of a character offset inside the condition text.
    public func location(ofCharacter offset: Int) -> SourceLocation {
        locator().location(ofCharacter: offset)
    }

    /// Locations of many character offsets, the text's byte offsets counted once (a condition of
    /// thousands of terms is located in linear time).
    public func locator() -> Locator {
        guard mapsOntoSource else { return Locator(start: location, byteOffsets: nil) }
        var offsets: [Int] = [0]
        offsets.reserveCapacity(text.unicodeScalars.count + 1)
        for scalar in text.unicodeScalars { offsets.append((offsets.last ?? 0) + scalar.utf8.count) }
        return Locator(start: location, byteOffsets: offsets)
    }

    /// Maps character offsets of a condition onto its file.
    public struct Locator: Sendable {
        let start: SourceLocation
        let byteOffsets: [Int]?

        /// The location of a character offset.
        public func location(ofCharacter offset: Int) -> SourceLocation {
            guard let byteOffsets else { return start }
            return start.advanced(by: 1 + byteOffsets[min(max(offset, 0), byteOffsets.count - 1)])
        }
    }
}
