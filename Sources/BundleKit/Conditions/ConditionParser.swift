/// A condition that does not parse: what was expected, and where (a character offset in its text).
public struct ConditionSyntaxError: Error, Sendable, Equatable {
    /// Character offset in the condition text.
    public var offset: Int
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}

/// Parses the bundle condition language.
///
/// ```text
/// condition  := or
/// or         := and ("or" and)*
/// and        := unary ("and" unary)*
/// unary      := "not" unary | "(" condition ")" | comparison
/// comparison := name ("==" | "!=") literal | name ["not"] "in" "[" literal ("," literal)* "]"
/// name       := letter (letter | digit | "_" | ".")*
/// literal    := 'text' | number | true | false
/// ```
///
/// ```swift
/// let expression = try ConditionParser.parse("hiresStaff == 'yes' and not (company.type in ['sole'])")
/// ```
public struct ConditionParser {
    private enum Token: Equatable {
        case name(String)
        case string(String)
        case number(Double)
        case symbol(String)
        case end
    }

    private var tokens: [(token: Token, offset: Int)] = []
    private var position = 0
    /// How many `not`s and parentheses enclose the current position.
    private var depth = 0

    /// The deepest nesting of `not` and parentheses accepted: a condition deeper than any person
    /// writes would otherwise exhaust the stack of every command that loads the library.
    public static let maximumDepth = 64

    /// Parses a condition text.
    public static func parse(_ text: String) throws(ConditionSyntaxError) -> ConditionExpression {
        var parser = ConditionParser()
        try parser.tokenize(Array(text.unicodeScalars))
        let expression = try parser.parseOr()
        guard case .end = parser.current.token else {
            throw ConditionSyntaxError(
                offset: parser.current.offset,
                message:
                    "expected 'and', 'or' or the end of the condition, found \(parser.describe(parser.current.token))"
            )
        }
        return expression
    }

    // MARK: - Grammar

    private var current: (token: Token, offset: Int) { tokens[position] }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private mutating func parseOr() throws(ConditionSyntaxError) -> ConditionExpression {
        var parts = [try parseAnd()]
        while current.token == .name("or") {
            advance()
            parts.append(try parseAnd())
        }
        return parts.count == 1 ? parts[0] : .any(parts)
    }

    private mutating func parseAnd() throws(ConditionSyntaxError) -> ConditionExpression {
        var parts = [try parseUnary()]
        while current.token == .name("and") {
            advance()
            parts.append(try parseUnary())
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private mutating func parseUnary() throws(ConditionSyntaxError) -> ConditionExpression {
        switch current.token {
        case .name("not"), .symbol("("):
            guard depth < Self.maximumDepth else {
                throw ConditionSyntaxError(
                    offset: current.offset,
                    message:
                        "the condition nests 'not' and parentheses more than \(Self.maximumDepth) deep; simplify it")
            }
            depth += 1
            defer { depth -= 1 }
            return try parseNested()
        case .name(let name) where !Self.keywords.contains(name):
            return try parseComparison(name: name, offset: current.offset)
        default:
            throw ConditionSyntaxError(
                offset: current.offset,
                message: "expected a situation or element name, found \(describe(current.token))"
            )
        }
    }

    /// `not …` or `( … )`, one level deeper.
    private mutating func parseNested() throws(ConditionSyntaxError) -> ConditionExpression {
        if current.token == .name("not") {
            advance()
            return .not(try parseUnary())
        }
        advance()
        let inner = try parseOr()
        guard current.token == .symbol(")") else {
            throw ConditionSyntaxError(
                offset: current.offset,
                message: "expected ')', found \(describe(current.token))"
            )
        }
        advance()
        return inner
    }

    private mutating func parseComparison(
        name: String, offset: Int
    ) throws(ConditionSyntaxError)
        -> ConditionExpression
    {
        advance()
        var negated = false
        switch current.token {
        case .symbol("=="), .symbol("!="):
            negated = current.token == .symbol("!=")
            advance()
            let (literal, literalOffset) = try parseLiteral()
            return .test(
                ConditionTest(
                    name: name, negated: negated, isMembership: false, values: [literal],
                    nameOffset: offset, valueOffsets: [literalOffset]
                )
            )
        case .name("not"), .name("in"):
            if current.token == .name("not") {
                negated = true
                advance()
                guard current.token == .name("in") else {
                    throw ConditionSyntaxError(offset: current.offset, message: "expected 'in' after 'not'")
                }
            }
            advance()
            guard current.token == .symbol("[") else {
                throw ConditionSyntaxError(
                    offset: current.offset,
                    message: "expected '[' to start the list after 'in', found \(describe(current.token))"
                )
            }
            advance()
            var values: [ConditionLiteral] = []
            var offsets: [Int] = []
            while true {
                let (literal, literalOffset) = try parseLiteral()
                values.append(literal)
                offsets.append(literalOffset)
                if current.token == .symbol(",") {
                    advance()
                } else if current.token == .symbol("]") {
                    advance()
                    break
                } else {
                    throw ConditionSyntaxError(
                        offset: current.offset,
                        message: "expected ',' or ']' in the list, found \(describe(current.token))"
                    )
                }
            }
            return .test(
                ConditionTest(
                    name: name, negated: negated, isMembership: true, values: values,
                    nameOffset: offset, valueOffsets: offsets
                )
            )
        default:
            throw ConditionSyntaxError(
                offset: current.offset,
                message: "expected '==', '!=' or 'in' after '\(name)', found \(describe(current.token))"
            )
        }
    }

    private mutating func parseLiteral() throws(ConditionSyntaxError) -> (ConditionLiteral, Int) {
        let offset = current.offset
        switch current.token {
        case .string(let text):
            advance()
            return (.string(text), offset)
        case .number(let value):
            advance()
            return (.number(value), offset)
        case .name("true"):
            advance()
            return (.bool(true), offset)
        case .name("false"):
            advance()
            return (.bool(false), offset)
        case .name(let word):
            throw ConditionSyntaxError(
                offset: offset,
                message: "expected a value such as 'text', 42 or true, found '\(word)'; put text in single quotes"
            )
        default:
            throw ConditionSyntaxError(
                offset: offset,
                message: "expected a value such as 'text', 42 or true, found \(describe(current.token))"
            )
        }
    }

    private static let keywords: Set<String> = ["and", "or", "not", "in", "true", "false"]

    private func describe(_ token: Token) -> String {
        switch token {
        case .name(let name): return "'\(name)'"
        case .string(let text): return "'\(text)'"
        case .number(let value): return ConditionLiteral.number(value).source
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "the end of the condition"
        }
    }

    // MARK: - Tokens

    private mutating func tokenize(_ scalars: [Unicode.Scalar]) throws(ConditionSyntaxError) {
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let start = index
            if scalar == " " || scalar == "\t" || scalar == "\n" {
                index += 1
            } else if scalar.properties.isAlphabetic || scalar == "_" {
                while index < scalars.count,
                    scalars[index].properties.isAlphabetic || scalars[index].properties.numericType != nil
                        || scalars[index] == "_" || scalars[index] == "."
                {
                    index += 1
                }
                tokens.append((.name(String(String.UnicodeScalarView(scalars[start..<index]))), start))
            } else if ("0"..."9").contains(scalar) || scalar == "-" {
                index += 1
                while index < scalars.count, ("0"..."9").contains(scalars[index]) || scalars[index] == "." {
                    index += 1
                }
                let text = String(String.UnicodeScalarView(scalars[start..<index]))
                guard let value = Double(text) else {
                    throw ConditionSyntaxError(offset: start, message: "'\(text)' is not a number")
                }
                tokens.append((.number(value), start))
            } else if scalar == "'" || scalar == "\"" {
                index += 1
                while index < scalars.count, scalars[index] != scalar { index += 1 }
                guard index < scalars.count else {
                    throw ConditionSyntaxError(offset: start, message: "the quoted text is not closed")
                }
                tokens.append((.string(String(String.UnicodeScalarView(scalars[(start + 1)..<index]))), start))
                index += 1
            } else if scalar == "=" || scalar == "!" {
                guard index + 1 < scalars.count, scalars[index + 1] == "=" else {
                    throw ConditionSyntaxError(
                        offset: start,
                        message: scalar == "=" ? "use '==' to compare" : "use '!=' or 'not'"
                    )
                }
                tokens.append((.symbol(scalar == "=" ? "==" : "!="), start))
                index += 2
            } else if "()[],".unicodeScalars.contains(scalar) {
                tokens.append((.symbol(String(scalar)), start))
                index += 1
            } else if scalar == "&" || scalar == "|" {
                throw ConditionSyntaxError(offset: start, message: "use 'and' and 'or' instead of '&&' and '||'")
            } else {
                throw ConditionSyntaxError(offset: start, message: "unexpected character '\(scalar)'")
            }
        }
        tokens.append((.end, scalars.count))
    }
}
