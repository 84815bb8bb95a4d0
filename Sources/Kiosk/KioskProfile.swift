import BundleKit
import Foundation
import JSONC

/// A kiosk's profile (JSON): who it is, where it stands, what it offers, its language and timeouts.
public struct KioskProfile: Sendable {
    /// The kiosk id, written on every case it submits.
    public var id: String
    /// Where it stands, shown on every screen.
    public var location: String
    /// The bundle ids it offers, in menu order.
    public var bundles: [String]
    /// The language a new citizen starts in.
    public var language: Language
    /// Seconds without a keystroke before the countdown.
    public var idleWarning: Int
    /// Seconds without a keystroke before the session is wiped.
    public var idleTimeout: Int
    /// Where results are collected (统一出件), printed on the receipt.
    public var collection: String
    /// The hotline printed on the receipt (12345, the government service hotline).
    public var hotline: String
    /// The kiosk has an ID card reader (`--card-reader`): identity comes from the card.
    public var cardReader: Bool
    /// With a card reader, whether a citizen may type name and ID number instead.
    public var typedIdentity: Bool

    /// Creates a profile.
    public init(
        id: String, location: String, bundles: [String], language: Language = .zh, idleWarning: Int = 60,
        idleTimeout: Int = 90, collection: String = "", hotline: String = "", cardReader: Bool = false,
        typedIdentity: Bool = true
    ) {
        self.id = id
        self.location = location
        self.bundles = bundles
        self.language = language
        self.idleWarning = idleWarning
        self.idleTimeout = idleTimeout
        self.collection = collection
        self.hotline = hotline
        self.cardReader = cardReader
        self.typedIdentity = typedIdentity
    }

    /// Reads a profile file.
    public init(contentsOf path: String) throws {
        let document: JSONDocument
        do throws(JSONFileError) {
            document = try JSONDocument(contentsOf: path)
        } catch {
            throw KioskSetupError(error.description)
        }
        guard let members = document.root.value.members else {
            throw KioskSetupError("\(path): error: a kiosk profile is a JSON object")
        }
        func value(_ key: String) -> JSONValue? { members.first { $0.key == key }?.node.value }
        guard let id = value("id")?.stringValue,
            let bundles = value("bundles")?.elements?.compactMap(\.value.stringValue)
        else { throw KioskSetupError("\(path): error: a kiosk profile needs 'id' and 'bundles'") }
        self.init(
            id: id, location: value("location")?.stringValue ?? "", bundles: bundles,
            language: value("language")?.stringValue.flatMap(Language.init(rawValue:)) ?? .zh,
            idleWarning: value("idleWarning")?.integerValue.map(Int.init) ?? 60,
            idleTimeout: value("idleTimeout")?.integerValue.map(Int.init) ?? 90,
            collection: value("collection")?.stringValue ?? "", hotline: value("hotline")?.stringValue ?? "",
            cardReader: value("cardReader")?.boolValue ?? false,
            typedIdentity: value("typedIdentity")?.boolValue ?? true)
    }
}
