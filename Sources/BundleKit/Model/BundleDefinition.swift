/// A situation question (情形) whose answer switches items, fields and materials on and off.
public struct Situation: Sendable {
    /// The id used in conditions, e.g. `hiresStaff`.
    public var id: String
    /// The question.
    public var question: LocalizedText
    /// The answers, in display order.
    public var choices: [Choice]
    /// Where it is defined.
    public var location: SourceLocation
}

/// One item as a bundle uses it.
public struct BundleItem: Sendable {
    /// The catalog item's id.
    public var item: String
    /// When the bundle includes it; `nil` always.
    public var condition: Condition?
    /// Items that must be issued before this one starts, besides those implied by inputs.
    public var after: [String]
    /// Whether it may accept and review before its inputs are issued (提前介入).
    public var earlyStart: Bool
    /// Where it is written.
    public var location: SourceLocation
    /// Where each `after` entry is written.
    public var afterLocations: [SourceLocation]
}

/// A bundle's extra condition on a field or material, over its situations.
public struct BundleSwitch: Sendable {
    /// The element or material id.
    public var target: String
    /// The condition.
    public var condition: Condition
    /// Where it is written.
    public var location: SourceLocation
}

/// A titled group of form fields, for ordering the combined form.
public struct FormSection: Sendable {
    /// The section id.
    public var id: String
    /// The title.
    public var title: LocalizedText
    /// Element ids in display order.
    public var elements: [String]
    /// Where each element entry is written.
    public var elementLocations: [SourceLocation]
}

/// A bundle (一件事) as written in `Bundles/ID.json`.
public struct BundleDefinition: Sendable {
    /// The id, e.g. `company-opening`.
    public var id: String
    /// The version; cases pin it.
    public var version: String
    /// The name.
    public var name: LocalizedText
    /// A description for the notice.
    public var description: LocalizedText
    /// Situation questions, in the order asked.
    public var situations: [Situation]
    /// The items, in order.
    public var items: [BundleItem]
    /// Extra conditions on fields, by element.
    public var fieldSwitches: [BundleSwitch]
    /// Extra conditions on materials, by material.
    public var materialSwitches: [BundleSwitch]
    /// The bundle's promise in working days.
    public var promisedDays: Int
    /// Optional form sections.
    public var sections: [FormSection]
    /// Where the bundle's file starts.
    public var location: SourceLocation
    /// Where `promisedDays` is written.
    public var promisedDaysLocation: SourceLocation

    /// The situation with an id.
    public func situation(_ id: String) -> Situation? {
        situations.first { $0.id == id }
    }
}
