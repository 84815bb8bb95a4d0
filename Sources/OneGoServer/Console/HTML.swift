import BundleKit

/// HTML escaped by construction: the literal parts are the template's own markup; a `String`
/// interpolated into it is always text, escaped for element content and quoted attribute values
/// alike; an `HTML` interpolated is markup already made the same way. There is no other way in:
/// a stored value (a name, a company, a reason typed by a clerk) can never become markup.
///
/// ```swift
/// let row: HTML = "<td class=\"name\">\(record.applicantName)</td>"   // "<script>" shows as text
/// ```
///
/// Chosen over a template engine (swift-mustache) to add no dependency and to make an unescaped
/// value impossible to write by mistake: the compiler checks every page.
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation {
    private(set) var text: String

    init(stringLiteral literal: String) { text = literal }

    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    /// Markup joined.
    init(_ parts: [HTML]) { text = parts.map(\.text).joined() }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        mutating func appendLiteral(_ literal: String) { text += literal }
        mutating func appendInterpolation(_ value: String) { text += HTML.escaped(value) }
        mutating func appendInterpolation(_ value: Int) { text += String(value) }
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { text += part.text } }
    }

    /// `& < > " '` as character references.
    static func escaped(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    static let empty: HTML = ""
}

extension Language {
    /// The text in this language (the console is Chinese first, English by the switch).
    func callAsFunction(_ zh: String, _ en: String) -> String { self == .zh ? zh : en }

    func callAsFunction(_ text: LocalizedText) -> String { text.text(in: self) }
}
