import BundleKit
import CaseEngine
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
        let missing = Self.requiredKeys.filter { table[$0] == nil }
        guard missing.isEmpty else {
            throw KioskSetupError("\(path): error: missing kiosk strings: " + missing.joined(separator: ", "))
        }
        self.table = table
    }

    /// Every key the kiosk shows, checked when the table loads so that a missing text stops the
    /// kiosk at start, not in front of a citizen. A test keeps the list in step with the code.
    /// (`validation.*` keys are optional: a validator's own message is shown without one.)
    public static let requiredKeys: [String] =
        [
            "bring.done", "bring.heading", "deadline.provisional", "error.submit", "field.chooseNumber",
            "field.heading",
            "field.keep", "field.optional", "field.required", "help", "leave.no", "leave.question", "leave.yes",
            "home.heading", "home.language", "home.offline", "home.progress", "offline.notSubmitted",
            "offline.tryLater", "progress.locked", "slip.heading", "slip.notSubmitted", "slip.whereToGo", "submit.busy",
            "receipt.time", "receipt.place",
            "receipt.applicant", "receipt.received", "receipt.shared", "receipt.collect", "receipt.hotline",
            "gaps.heading", "gaps.case", "gaps.close", "card.place", "card.orType", "card.none", "card.unreadable",
            "card.expired", "card.required", "card.locked", "zero.question", "zero.value", "zero.back",
            "identity.idNumber", "identity.name", "identity.nameTooShort", "identity.phone", "idle.warning", "keys",
            "material.detail", "material.gap", "material.heading", "material.missing", "material.noScan",
            "material.promise", "material.promiseInvalid", "material.promiseTooLate", "material.ready", "material.scan",
            "material.scanned",
            "material.produced", "progress.awaited", "material.shared", "no", "notice.heading", "notice.items",
            "notice.prepare",
            "notice.promised",
            "notice.start", "progress.code", "progress.correction", "progress.due", "progress.heading",
            "progress.notFound", "progress.output", "progress.reason", "progress.number", "progress.supplied",
            "progress.supply", "rating.1", "rating.2",
            "rating.3", "rating.4", "rating.5", "rating.heading", "rating.skip", "rating.thanks", "receipt.bringLater",
            "receipt.code", "receipt.heading", "receipt.next", "receipt.number", "receipt.promised", "review.heading",
            "review.idNumber", "review.name", "review.page", "review.phone", "review.promised", "review.ready",
            "review.submit", "situation.heading", "title", "yes",
        ]
        + SubcaseState.allCases.map { "state." + $0.rawValue } + CaseStatus.allCases.map { "status." + $0.rawValue }

    /// Whether the table has a key.
    public func contains(_ key: String) -> Bool { table[key] != nil }

    /// The text for a key in a language with its placeholders filled; every key the kiosk uses is
    /// checked when the table loads (`requiredKeys`), so a missing one here is a programming error.
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
