import JSONC

/// The members of one JSON object, checked against the keys the format allows.
struct ObjectFields {
    /// The node of the object itself.
    var node: JSONNode
    /// The allowed members, in order. Objects are small, so a linear search beats hashing.
    var members: [JSONMember]

    subscript(key: String) -> JSONMember? { members.first { $0.key == key } }
}

/// Reads the values of one parsed file into model values, collecting diagnostics as it goes.
///
/// Reading never stops at the first problem: a bad value is reported and skipped, so an author
/// sees every problem of a file at once.
final class DocumentReader {
    private static let languageKeys = ["zh", "en"]

    let path: String
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String) {
        self.path = path
    }

    // MARK: - Reporting

    func location(_ node: JSONNode) -> SourceLocation {
        SourceLocation(path: path, offset: node.offset)
    }

    func keyLocation(_ member: JSONMember) -> SourceLocation {
        SourceLocation(path: path, offset: member.keyOffset)
    }

    func report(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    func error(_ code: DiagnosticCode, _ message: String, at location: SourceLocation, suggestion: String? = nil) {
        diagnostics.append(Diagnostic(.error, code, message, at: location, suggestion: suggestion))
    }

    // MARK: - Objects

    /// Checks that `node` is an object with only `allowed` keys and every `required` key.
    func object(
        _ node: JSONNode,
        what: @autoclosure () -> String,
        allowed: [String],
        required: [String] = []
    ) -> ObjectFields? {
        guard let members = node.value.members else {
            error(
                .wrongType, "\(what()) must be an object, not \(node.value.kindDescription)", at: location(node))
            return nil
        }
        var table: [JSONMember] = []
        table.reserveCapacity(members.count)
        for member in members {
            if allowed.contains(member.key) || member.key == "$schema" || member.key == "$comment" {
                table.append(member)
            } else {
                error(
                    .unknownKey,
                    "unknown key '\(member.key)' in \(what())",
                    at: keyLocation(member),
                    suggestion: Suggestion.closest(to: member.key, among: allowed)
                )
            }
        }
        for key in required where !table.contains(where: { $0.key == key }) {
            error(.missingKey, "\(what()) needs the key '\(key)'", at: location(node))
        }
        return ObjectFields(node: node, members: table)
    }

    /// The members of an object used as a table keyed by id.
    func table(_ member: JSONMember?, in fields: ObjectFields, what: @autoclosure () -> String) -> [JSONMember] {
        guard let member else { return [] }
        guard let members = member.node.value.members else {
            error(
                .wrongType,
                "'\(member.key)' must be an object of \(what()) by id, not \(member.node.value.kindDescription)",
                at: location(member.node))
            return []
        }
        return members
    }

    // MARK: - Scalars

    func string(_ fields: ObjectFields, _ key: String) -> String? {
        guard let member = fields[key] else { return nil }
        guard let value = member.node.value.stringValue else {
            error(
                .wrongType, "'\(key)' must be a string, not \(member.node.value.kindDescription)",
                at: location(member.node))
            return nil
        }
        return value
    }

    func integer(_ fields: ObjectFields, _ key: String, minimum: Int = 0) -> Int? {
        guard let member = fields[key] else { return nil }
        guard let value = member.node.value.integerValue else {
            error(
                .wrongType, "'\(key)' must be a whole number, not \(member.node.value.kindDescription)",
                at: location(member.node))
            return nil
        }
        guard value >= minimum, value <= 1_000_000 else {
            error(
                .invalidValue, "'\(key)' must be between \(minimum) and 1000000, not \(value)",
                at: location(member.node))
            return nil
        }
        return Int(value)
    }

    func number(_ fields: ObjectFields, _ key: String) -> Double? {
        guard let member = fields[key] else { return nil }
        guard let value = member.node.value.doubleValue else {
            error(
                .wrongType, "'\(key)' must be a number, not \(member.node.value.kindDescription)",
                at: location(member.node))
            return nil
        }
        return value
    }

    func bool(_ fields: ObjectFields, _ key: String) -> Bool? {
        guard let member = fields[key] else { return nil }
        guard let value = member.node.value.boolValue else {
            error(
                .wrongType, "'\(key)' must be true or false, not \(member.node.value.kindDescription)",
                at: location(member.node))
            return nil
        }
        return value
    }

    /// A value from a fixed set of words, with did-you-mean.
    func word<Value: RawRepresentable & CaseIterable>(
        _ fields: ObjectFields, _ key: String, as type: Value.Type
    )
        -> Value? where Value.RawValue == String
    {
        guard let text = string(fields, key), let member = fields[key] else { return nil }
        if let value = Value(rawValue: text) { return value }
        let allowed = Value.allCases.map(\.rawValue)
        error(
            .invalidValue,
            "'\(text)' is not a valid \(key); use one of \(allowed.map { "'\($0)'" }.joined(separator: ", "))",
            at: location(member.node),
            suggestion: Suggestion.closest(to: text, among: allowed)
        )
        return nil
    }

    func localized(_ fields: ObjectFields, _ key: String) -> LocalizedText? {
        guard let member = fields[key] else { return nil }
        return localized(member.node, what: "'\(key)'")
    }

    func localized(_ node: JSONNode, what: @autoclosure () -> String) -> LocalizedText? {
        guard
            let text = object(
                node, what: "\(what()) (a text in Chinese and English)", allowed: Self.languageKeys,
                required: Self.languageKeys)
        else { return nil }
        guard let zh = string(text, "zh"), let en = string(text, "en") else { return nil }
        if let mark = Self.asciiPunctuation(inChinese: zh), let member = text["zh"] {
            report(
                Diagnostic(
                    .warning, .asciiPunctuation,
                    "the Chinese text puts the ASCII '\(mark.ascii)' inside Chinese; write '\(mark.chinese)'",
                    at: location(member.node)))
        }
        return LocalizedText(zh: zh, en: en)
    }

    /// The first ASCII mark written next to a Chinese character, with the Chinese mark to use.
    static func asciiPunctuation(inChinese text: String) -> (ascii: Character, chinese: Character)? {
        let marks: [Character: Character] = [
            ",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）",
        ]
        func isChinese(_ character: Character?) -> Bool {
            guard let scalar = character?.unicodeScalars.first else { return false }
            return (0x4E00...0x9FFF).contains(scalar.value) || (0x3000...0x303F).contains(scalar.value)
                || (0xFF00...0xFFEF).contains(scalar.value)
        }
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            guard let chinese = marks[character] else { continue }
            let before = index > 0 ? characters[index - 1] : nil
            let after = index + 1 < characters.count ? characters[index + 1] : nil
            if isChinese(before) || isChinese(after) { return (character, chinese) }
        }
        return nil
    }

    /// A list of strings, each with its location.
    func strings(_ fields: ObjectFields, _ key: String) -> [(String, SourceLocation)] {
        guard let member = fields[key] else { return [] }
        guard let elements = member.node.value.elements else {
            error(
                .wrongType, "'\(key)' must be a list of strings, not \(member.node.value.kindDescription)",
                at: location(member.node))
            return []
        }
        var result: [(String, SourceLocation)] = []
        for element in elements {
            guard let text = element.value.stringValue else {
                error(
                    .wrongType, "each entry of '\(key)' must be a string, not \(element.value.kindDescription)",
                    at: location(element))
                continue
            }
            result.append((text, location(element)))
        }
        return result
    }

    /// Choices written as an object of value → label.
    func choices(_ fields: ObjectFields, _ key: String) -> [Choice] {
        table(fields[key], in: fields, what: "choices").compactMap { member in
            return localized(member.node, what: "the choice '\(member.key)'").map {
                Choice(value: member.key, label: $0)
            }
        }
    }

    /// A condition, parsed; a syntax error is reported at its exact character.
    func condition(_ fields: ObjectFields, _ key: String = "when") -> Condition? {
        guard let text = string(fields, key), let member = fields[key] else { return nil }
        let stringLocation = location(member.node)
        let raw = rawStringLength(member.node)
        let maps = raw == text.utf8.count
        do throws(ConditionSyntaxError) {
            let expression = try ConditionParser.parse(text)
            return Condition(expression: expression, text: text, location: stringLocation, mapsOntoSource: maps)
        } catch {
            let condition = Condition(
                expression: .constant(false), text: text, location: stringLocation, mapsOntoSource: maps)
            self.error(.conditionSyntax, error.message, at: condition.location(ofCharacter: error.offset))
            return nil
        }
    }

    /// Set by the loader: the raw bytes of the file, to tell whether a string had escapes.
    var sourceBytes: [UInt8] = []

    private func rawStringLength(_ node: JSONNode) -> Int {
        var index = node.offset + 1
        while index < sourceBytes.count, sourceBytes[index] != UInt8(ascii: "\"") {
            if sourceBytes[index] == UInt8(ascii: "\\") { return -1 }
            index += 1
        }
        return index - node.offset - 1
    }
}
