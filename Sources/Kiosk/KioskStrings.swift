import BundleKit
import Foundation
import JSONC

/// Every text the kiosk shows, from `Bundles/kiosk/strings.json`: no kiosk text lives in code.
public struct KioskStrings: Sendable {
    private let table: [String: LocalizedText]

    /// Reads the table; `{0}`, `{1}` … in a text are filled by `text(_:_:_:)`.
    public init(contentsOf path: String) throws {
        let document: JSONDocument
        do throws(JSONFileError) {
            document = try JSONDocument(contentsOf: path)
        } catch {
            throw KioskSetupError(error.description)
        }
        var table: [String: LocalizedText] = [:]
        for member in document.root.value.members ?? [] {
            let fields = member.node.value.members ?? []
            guard let zh = fields.first(where: { $0.key == "zh" })?.node.value.stringValue,
                let en = fields.first(where: { $0.key == "en" })?.node.value.stringValue
            else { throw KioskSetupError("\(path): error: '\(member.key)' needs 'zh' and 'en'") }
            table[member.key] = LocalizedText(zh: zh, en: en)
        }
        self.table = table
    }

    /// Whether the table has a key.
    public func contains(_ key: String) -> Bool { table[key] != nil }

    /// The text for a key in a language with its placeholders filled; a missing key traps, since
    /// it is a programming error caught by the kiosk script tests.
    public func text(_ key: String, _ language: Language, _ arguments: String...) -> String {
        text(key, language, arguments: arguments)
    }

    /// The text for a key with placeholders filled from an array.
    public func text(_ key: String, _ language: Language, arguments: [String]) -> String {
        guard let entry = table[key] else { preconditionFailure("kiosk string '\(key)' is missing") }
        var text = entry.text(in: language)
        for (index, argument) in arguments.enumerated() {
            text = text.replacingOccurrences(of: "{\(index)}", with: argument)
        }
        return text
    }
}

/// The kiosk cannot start: a missing or broken strings, profile or bundles file.
public struct KioskSetupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
