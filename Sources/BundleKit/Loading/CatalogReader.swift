import JSONC

/// Reads catalog files (`Bundles/catalog/*.json`) into a ``Catalog``.
///
/// A catalog file is an object with any of `departments`, `elements`, `materials` and `items`,
/// each an object of entries by id. Several files merge into one catalog; an id defined twice
/// is an error.
struct CatalogReader {
    private static let elementKeys = [
        "label", "hint", "type", "minLength", "maxLength", "minimum", "maximum", "choices", "sensitive", "identity",
        "applicant",
    ]
    private static let itemKeys = [
        "code", "name", "department", "kind", "legalDays", "promisedDays", "fields", "materials", "outputs", "inputs",
        "producesMaterials", "sameReviewerMayApprove", "issueWhileAwaiting",
    ]
    private static let itemFieldKeys = ["required", "minLength", "maxLength", "minimum", "maximum", "choices", "when"]
    private static let itemMaterialKeys = ["copies", "form", "when", "acceptWithGaps", "sharedData"]
    private static let materialKeys = ["name", "form", "copies", "sharedData"]
    private static let nameKey = ["name"]

    private let reader: DocumentReader

    init(reader: DocumentReader) {
        self.reader = reader
    }

    /// Adds the file's entries to `catalog`.
    func read(_ root: JSONNode, into catalog: inout Catalog) {
        guard
            let file = reader.object(
                root, what: "a catalog file", allowed: ["departments", "elements", "materials", "items"])
        else { return }
        add(file, "departments", kind: "department", into: &catalog.departments, read: readDepartment)
        for member in reader.table(file["elements"], in: file, what: "elements") {
            guard let element = readElement(member) else { continue }
            if let existing = catalog.elements[element.id], existing.type != element.type {
                reader.report(
                    Diagnostic(
                        .error, .conflictingElementType,
                        "element '\(element.id)' is defined as '\(element.type.rawValue)' here and as '\(existing.type.rawValue)' in \(existing.location.path)",
                        at: element.location,
                        notes: ["an element has one type everywhere; give the other meaning its own id"]))
            } else {
                insert(element, id: element.id, kind: "element", location: element.location, into: &catalog.elements)
            }
        }
        add(file, "materials", kind: "material", into: &catalog.materials, read: readMaterial)
        add(file, "items", kind: "item", into: &catalog.items, read: readItem)
    }

    /// Reads every entry of one table of the file and adds it to the catalog's table.
    private func add<Entry: CatalogEntry>(
        _ file: ObjectFields,
        _ key: String,
        kind: String,
        into table: inout OrderedTable<Entry>,
        read: (JSONMember) -> Entry?
    ) {
        for member in reader.table(file[key], in: file, what: key) {
            guard let entry = read(member) else { continue }
            insert(entry, id: entry.id, kind: kind, location: entry.location, into: &table)
        }
    }

    /// Adds an entry, or reports that its id is already defined.
    private func insert<Entry: CatalogEntry>(
        _ entry: Entry,
        id: String,
        kind: String,
        location: SourceLocation,
        into table: inout OrderedTable<Entry>
    ) {
        if let existing = table[id] {
            duplicate(kind, id, at: location, first: existing.location)
        } else {
            table.set(id, entry)
        }
    }

    private func duplicate(_ kind: String, _ id: String, at location: SourceLocation, first: SourceLocation) {
        reader.report(
            Diagnostic(
                .error, .duplicateDefinition, "\(kind) '\(id)' is defined twice",
                at: location, notes: ["first defined in \(first.path)"]))
    }

    // MARK: - Entries

    private func readDepartment(_ member: JSONMember) -> Department? {
        guard
            let fields = reader.object(
                member.node, what: "department '\(member.key)'", allowed: ["name"], required: ["name"]),
            let name = reader.localized(fields, "name")
        else { return nil }
        return Department(id: member.key, name: name, location: reader.keyLocation(member))
    }

    private func readElement(_ member: JSONMember) -> Element? {
        guard
            let fields = reader.object(
                member.node, what: "element '\(member.key)'",
                allowed: Self.elementKeys,
                required: ["label", "type"])
        else { return nil }
        let label = reader.localized(fields, "label")
        let hint = reader.localized(fields, "hint")
        let type = reader.word(fields, "type", as: ElementType.self)
        let choices = reader.choices(fields, "choices")
        if let type, type == .choice, choices.isEmpty {
            reader.error(
                .missingKey, "element '\(member.key)' of type 'choice' needs 'choices'",
                at: reader.location(member.node))
        }
        if let type, type != .choice, let choicesMember = fields["choices"] {
            reader.error(
                .invalidValue, "'choices' is only for elements of type 'choice'",
                at: reader.location(choicesMember.node))
        }
        let identity = reader.word(fields, "identity", as: IdentityPart.self)
        let applicant = reader.word(fields, "applicant", as: IdentityPart.self)
        for (key, part) in [("identity", identity), ("applicant", applicant)] {
            if let part, let type, part.elementType != type, let partMember = fields[key] {
                reader.error(
                    .invalidValue,
                    "an element filled from the identity's \(part.rawValue) must have type '\(part.elementType.rawValue)', not '\(type.rawValue)'",
                    at: reader.location(partMember.node))
            }
        }
        if identity != nil, applicant != nil, let applicantMember = fields["applicant"] {
            reader.error(
                .invalidValue,
                "an element is either the applicant's own ('applicant') or prefilled ('identity'), not both",
                at: reader.location(applicantMember.node))
        }
        guard let label, let type else { return nil }
        let constraints = FieldConstraints(
            minLength: reader.integer(fields, "minLength"),
            maxLength: reader.integer(fields, "maxLength"),
            minimum: reader.number(fields, "minimum"),
            maximum: reader.number(fields, "maximum"),
            choices: nil)
        return Element(
            id: member.key, label: label, hint: hint, type: type, constraints: constraints, choices: choices,
            sensitive: reader.bool(fields, "sensitive") ?? false, identity: identity, applicant: applicant,
            location: reader.keyLocation(member))
    }

    private func readMaterial(_ member: JSONMember) -> Material? {
        guard
            let fields = reader.object(
                member.node, what: "material '\(member.key)'",
                allowed: Self.materialKeys, required: Self.nameKey),
            let name = reader.localized(fields, "name")
        else { return nil }
        return Material(
            id: member.key, name: name, form: reader.word(fields, "form", as: MaterialForm.self) ?? .original,
            copies: reader.integer(fields, "copies", minimum: 1) ?? 1,
            sharedData: reader.bool(fields, "sharedData") ?? false, location: reader.keyLocation(member))
    }

    private func readItem(_ member: JSONMember) -> Item? {
        guard
            let fields = reader.object(
                member.node, what: "item '\(member.key)'",
                allowed: Self.itemKeys,
                required: ["name", "department", "kind", "promisedDays"])
        else { return nil }
        let name = reader.localized(fields, "name")
        let department = reader.string(fields, "department")
        // An invalid kind is reported; the item still exists so bundles using it do not cascade.
        let kind = reader.word(fields, "kind", as: ItemKind.self) ?? (fields["kind"] == nil ? nil : .committed)
        let promisedDays = reader.integer(fields, "promisedDays")
        var itemFields: [ItemField] = []
        for field in reader.table(fields["fields"], in: fields, what: "fields") {
            guard
                let entry = reader.object(
                    field.node, what: "field '\(field.key)' of item '\(member.key)'",
                    allowed: Self.itemFieldKeys)
            else { continue }
            let allowed = reader.strings(entry, "choices").map(\.0)
            itemFields.append(
                ItemField(
                    element: field.key, required: reader.bool(entry, "required") ?? true,
                    constraints: FieldConstraints(
                        minLength: reader.integer(entry, "minLength"), maxLength: reader.integer(entry, "maxLength"),
                        minimum: reader.number(entry, "minimum"), maximum: reader.number(entry, "maximum"),
                        choices: entry["choices"] == nil ? nil : allowed),
                    condition: reader.condition(entry),
                    location: SourceLocation(path: reader.path, offset: field.keyOffset)))
        }
        var itemMaterials: [ItemMaterial] = []
        for material in reader.table(fields["materials"], in: fields, what: "materials") {
            guard
                let entry = reader.object(
                    material.node, what: "material '\(material.key)' of item '\(member.key)'",
                    allowed: Self.itemMaterialKeys)
            else { continue }
            itemMaterials.append(
                ItemMaterial(
                    material: material.key, copies: reader.integer(entry, "copies", minimum: 1),
                    form: reader.word(entry, "form", as: MaterialForm.self), condition: reader.condition(entry),
                    acceptWithGaps: reader.bool(entry, "acceptWithGaps") ?? false,
                    sharedData: reader.bool(entry, "sharedData"),
                    location: SourceLocation(path: reader.path, offset: material.keyOffset)))
        }
        var referenceLocations: [String: SourceLocation] = [:]
        let outputs = reader.strings(fields, "outputs")
        let inputs = reader.strings(fields, "inputs")
        for (id, location) in outputs + inputs where referenceLocations[id] == nil {
            referenceLocations[id] = location
        }
        for key in ["department", "promisedDays"] {
            if let value = fields[key] { referenceLocations[key] = reader.location(value.node) }
        }
        let produced = reader.strings(fields, "producesMaterials")
        for (id, location) in produced where referenceLocations[id] == nil { referenceLocations[id] = location }
        guard let name, let department, let kind, let promisedDays else { return nil }
        var item = Item(
            id: member.key, code: reader.string(fields, "code"), name: name, department: department, kind: kind,
            legalDays: reader.integer(fields, "legalDays"), promisedDays: promisedDays, fields: itemFields,
            materials: itemMaterials, outputs: outputs.map(\.0), inputs: inputs.map(\.0),
            location: reader.keyLocation(member), referenceLocations: referenceLocations)
        item.producedMaterials = produced.map(\.0)
        item.sameReviewerMayApprove = reader.bool(fields, "sameReviewerMayApprove") ?? false
        item.issueWhileAwaiting = reader.bool(fields, "issueWhileAwaiting") ?? false
        return item
    }
}

/// A catalog entry: something with an id and a place where it is defined.
protocol CatalogEntry: Sendable {
    var id: String { get }
    var location: SourceLocation { get }
}

extension Department: CatalogEntry {}
extension Element: CatalogEntry {}
extension Material: CatalogEntry {}
extension Item: CatalogEntry {}
