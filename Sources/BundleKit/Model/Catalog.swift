/// The shared catalog under `Bundles/catalog/`: elements, materials, departments and items,
/// each defined once and referred to by id from every bundle.
public struct Catalog: Sendable {
    /// Canonical fields, by id (`applicant.idNumber`), in file order.
    public var elements: OrderedTable<Element> = OrderedTable()
    /// Documents applicants provide, by id.
    public var materials: OrderedTable<Material> = OrderedTable()
    /// Deciding bodies, by id.
    public var departments: OrderedTable<Department> = OrderedTable()
    /// Single services (单项事项), by id.
    public var items: OrderedTable<Item> = OrderedTable()

    /// Creates an empty catalog.
    public init() {}
}

/// Values keyed by id that keep the order they were defined in.
public struct OrderedTable<Value: Sendable>: Sendable {
    /// The ids in definition order.
    public private(set) var ids: [String] = []
    private var values: [String: Value] = [:]

    /// Creates an empty table.
    public init() {}

    /// The value with an id.
    public subscript(id: String) -> Value? { values[id] }

    /// Adds or replaces a value; a new id goes to the end.
    public mutating func set(_ id: String, _ value: Value) {
        if values.updateValue(value, forKey: id) == nil { ids.append(id) }
    }

    /// The values in definition order.
    public var all: [Value] { ids.compactMap { values[$0] } }

    /// The number of values.
    public var count: Int { ids.count }
}

// MARK: - Elements

/// The type of a canonical field, which decides its validator.
/// A part of the applicant's identity that can fill in an element: the kiosk reads name, ID number
/// and phone once and offers them for every element that declares it is filled from them.
public enum IdentityPart: String, Sendable, CaseIterable {
    case name, idNumber, phone

    /// The element type a part fits.
    public var elementType: ElementType {
        switch self {
        case .name: return .personName
        case .idNumber: return .idNumber
        case .phone: return .phone
        }
    }
}

public enum ElementType: String, Sendable, CaseIterable {
    case text, integer, decimal, date, boolean, choice, idNumber, creditCode, phone, divisionCode
    /// A person's name: Chinese characters (with `·` between the parts of a minority name) or,
    /// for a foreign name, Latin letters with spaces, hyphens and apostrophes; never both.
    case personName
    /// A name to be registered in Chinese (a newborn's): Chinese characters and `·` only.
    case chineseName
    /// A bank card number: 12 to 19 digits; one failing the Luhn check is a warning (confirmable).
    case bankCard
    /// A date that cannot be in the future (a birth or death date): `YYYY-MM-DD`, on or before today.
    case pastDate

    /// Whether values are numbers (compared with numeric literals in conditions).
    public var isNumeric: Bool { self == .integer || self == .decimal }
    /// Whether values are text (compared with quoted literals in conditions).
    public var isTextual: Bool { !isNumeric && self != .boolean }
}

/// One allowed answer of a choice element or situation question.
public struct Choice: Sendable, Equatable {
    /// The value stored and compared in conditions.
    public var value: String
    /// What the citizen reads.
    public var label: LocalizedText

    /// Creates a choice.
    public init(value: String, label: LocalizedText) {
        self.value = value
        self.label = label
    }
}

/// Limits on a field's value; `nil` means no limit.
public struct FieldConstraints: Sendable, Equatable {
    /// Fewest characters of a text.
    public var minLength: Int?
    /// Most characters of a text.
    public var maxLength: Int?
    /// Smallest number.
    public var minimum: Double?
    /// Largest number.
    public var maximum: Double?
    /// Allowed choice values; `nil` allows every choice of the element.
    public var choices: [String]?

    /// Creates constraints.
    public init(
        minLength: Int? = nil,
        maxLength: Int? = nil,
        minimum: Double? = nil,
        maximum: Double? = nil,
        choices: [String]? = nil
    ) {
        self.minLength = minLength
        self.maxLength = maxLength
        self.minimum = minimum
        self.maximum = maximum
        self.choices = choices
    }
}

/// A canonical field shared by items: asking for the same element asks for the same thing.
public struct Element: Sendable {
    /// The id, e.g. `applicant.idNumber`.
    public var id: String
    /// The label on the form.
    public var label: LocalizedText
    /// A hint shown under the label (format, unit).
    public var hint: LocalizedText?
    /// The type, which chooses the validator.
    public var type: ElementType
    /// The element's own limits; items may narrow them.
    public var constraints: FieldConstraints
    /// The allowed answers of a choice element, in display order.
    public var choices: [Choice]
    /// Personal data that screens and logs mask.
    public var sensitive: Bool
    /// The part of the applicant's identity (read at the kiosk or the window) that fills it in, if any;
    /// the citizen confirms or changes it (a legal representative may be someone else).
    public var identity: IdentityPart?
    /// The part of the applicant's identity this element *is* (the applicant in person): filled from
    /// the identity wherever the applicant applies, never asked again.
    public var applicant: IdentityPart?
    /// Where it is defined.
    public var location: SourceLocation
}

// MARK: - Materials and departments

/// The form in which a material is handed in; original is the strongest.
public enum MaterialForm: String, Sendable, CaseIterable, Comparable {
    case electronic, copy, original

    private var rank: Int {
        switch self {
        case .electronic: return 0
        case .copy: return 1
        case .original: return 2
        }
    }

    public static func < (lhs: MaterialForm, rhs: MaterialForm) -> Bool { lhs.rank < rhs.rank }

    /// How the form is named on a notice.
    public var label: LocalizedText {
        switch self {
        case .electronic: return LocalizedText(zh: "电子版", en: "electronic")
        case .copy: return LocalizedText(zh: "复印件", en: "copy")
        case .original: return LocalizedText(zh: "原件", en: "original")
        }
    }
}

/// A document an applicant provides (材料).
public struct Material: Sendable {
    /// The id, e.g. `id-card`.
    public var id: String
    /// The name on the checklist.
    public var name: LocalizedText
    /// The default form.
    public var form: MaterialForm
    /// The default number of copies.
    public var copies: Int
    /// Whether shared data or an electronic licence supplies it instead (免提交).
    public var sharedData: Bool
    /// Where it is defined.
    public var location: SourceLocation
}

/// A deciding body (部门).
public struct Department: Sendable {
    /// The id, e.g. `market-regulation`.
    public var id: String
    /// The name.
    public var name: LocalizedText
    /// Where it is defined.
    public var location: SourceLocation
}

// MARK: - Items

/// Whether an item is decided on the spot (即办件) or within a promised limit (承诺件).
public enum ItemKind: String, Sendable, CaseIterable, Codable {
    case immediate, committed
}

/// One field an item asks for, with the item's own requirement, limits and condition.
public struct ItemField: Sendable {
    /// The element asked for.
    public var element: String
    /// Whether the item needs a value.
    public var required: Bool
    /// The item's limits on top of the element's.
    public var constraints: FieldConstraints
    /// When the item asks it; `nil` always.
    public var condition: Condition?
    /// Where it is written.
    public var location: SourceLocation
}

/// One material an item needs.
public struct ItemMaterial: Sendable {
    /// The material.
    public var material: String
    /// Copies, overriding the material's default.
    public var copies: Int?
    /// Form, overriding the material's default.
    public var form: MaterialForm?
    /// When the item needs it; `nil` always.
    public var condition: Condition?
    /// Whether 容缺受理 may accept the case without it against a promise to supply it.
    public var acceptWithGaps: Bool
    /// `false` when shared data cannot stand in for it here (originals to surrender, for example).
    public var sharedData: Bool?
    /// Where it is written.
    public var location: SourceLocation
}

/// A single administrative service of one department (单项事项).
public struct Item: Sendable {
    /// The id, e.g. `company-registration`.
    public var id: String
    /// The code in the government catalogue, if known.
    public var code: String?
    /// The name.
    public var name: LocalizedText
    /// The deciding department's id.
    public var department: String
    /// Immediate or committed.
    public var kind: ItemKind
    /// The legal limit in working days, when the law sets one.
    public var legalDays: Int?
    /// The centre's promised limit in working days (0 for an immediate item).
    public var promisedDays: Int
    /// Fields asked, in order.
    public var fields: [ItemField]
    /// Materials needed, in order.
    public var materials: [ItemMaterial]
    /// Elements the item issues (e.g. `company.creditCode`).
    public var outputs: [String]
    /// Elements the item needs from other items' outputs.
    public var inputs: [String]
    /// Materials the item makes (a seal, a certificate): in a bundle with this item, other items
    /// get them from it and the citizen does not bring them.
    public var producedMaterials: [String] = []
    /// Whether the clerk who reviewed a sub-case of this item may also approve it (separation of
    /// duties is the default; a one-person office's item relaxes it with `sameReviewerMayApprove`).
    public var sameReviewerMayApprove = false
    /// Whether a sub-case of this item may be issued while a material it needs is still awaited
    /// under 容缺 (the default waits for it: the item's result rests on what it checked; an item
    /// whose result does not, a registration the law lets follow up, sets `issueWhileAwaiting`).
    public var issueWhileAwaiting = false
    /// Where it is defined.
    public var location: SourceLocation
    /// Where each output and input is written, by element id, and where `department` and
    /// `promisedDays` are written, by key.
    public var referenceLocations: [String: SourceLocation]
}
