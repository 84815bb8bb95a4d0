/// A text in Chinese and English; Chinese is the kiosk's and the notice's default.
public struct LocalizedText: Sendable, Equatable, Hashable, Codable {
    /// The Chinese text.
    public var zh: String
    /// The English text.
    public var en: String

    /// Creates a text.
    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    /// The text in a language.
    public func text(in language: Language) -> String {
        language == .zh ? zh : en
    }
}

/// A language OneGo speaks to citizens and staff.
public enum Language: String, Sendable, CaseIterable {
    case zh
    case en
}
