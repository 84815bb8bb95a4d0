import JSONC

/// Reads a bundle file (`Bundles/ID.json`) into a ``BundleDefinition``.
struct BundleReader {
    private let reader: DocumentReader

    init(reader: DocumentReader) {
        self.reader = reader
    }

    func read(_ root: JSONNode) -> BundleDefinition? {
        guard
            let file = reader.object(
                root, what: "a bundle",
                allowed: [
                    "id", "version", "name", "description", "situations", "items", "fields", "materials",
                    "promisedDays", "sections",
                ],
                required: ["id", "version", "name", "items", "promisedDays"])
        else { return nil }
        let id = reader.string(file, "id")
        let version = reader.string(file, "version")
        let name = reader.localized(file, "name")
        if let name, let member = file["name"] { checkWidth(of: name, at: member.node) }
        let description = reader.localized(file, "description") ?? LocalizedText(zh: "", en: "")
        let promisedDays = reader.integer(file, "promisedDays")

        var situations: [Situation] = []
        for member in reader.table(file["situations"], in: file, what: "situations") {
            guard
                let entry = reader.object(
                    member.node, what: "situation '\(member.key)'", allowed: ["question", "choices"],
                    required: ["question", "choices"]),
                let question = reader.localized(entry, "question")
            else { continue }
            let choices = reader.choices(entry, "choices")
            if choices.count < 2, let choicesMember = entry["choices"] {
                reader.error(
                    .invalidValue, "situation '\(member.key)' needs at least two choices",
                    at: reader.location(choicesMember.node))
            }
            situations.append(
                Situation(
                    id: member.key, question: question, choices: choices,
                    location: SourceLocation(path: reader.path, offset: member.keyOffset)))
        }

        var items: [BundleItem] = []
        for member in reader.table(file["items"], in: file, what: "items") {
            guard
                let entry = reader.object(
                    member.node, what: "bundle item '\(member.key)'",
                    allowed: ["when", "after", "earlyStart"])
            else { continue }
            let after = reader.strings(entry, "after")
            items.append(
                BundleItem(
                    item: member.key, condition: reader.condition(entry), after: after.map(\.0),
                    earlyStart: reader.bool(entry, "earlyStart") ?? false,
                    location: SourceLocation(path: reader.path, offset: member.keyOffset),
                    afterLocations: after.map(\.1)))
        }
        if let itemsMember = file["items"], items.isEmpty, itemsMember.node.value.members != nil {
            reader.error(
                .invalidValue, "a bundle needs at least one item", at: reader.location(itemsMember.node))
        }

        let fieldSwitches = switches(file, "fields")
        let materialSwitches = switches(file, "materials")

        var sections: [FormSection] = []
        for member in reader.table(file["sections"], in: file, what: "sections") {
            guard
                let entry = reader.object(
                    member.node, what: "section '\(member.key)'", allowed: ["title", "elements"],
                    required: ["title", "elements"]),
                let title = reader.localized(entry, "title")
            else { continue }
            let elements = reader.strings(entry, "elements")
            sections.append(
                FormSection(
                    id: member.key, title: title, elements: elements.map(\.0), elementLocations: elements.map(\.1)))
        }

        guard let id, let version, let name, let promisedDays, let promisedMember = file["promisedDays"] else {
            return nil
        }
        return BundleDefinition(
            id: id, version: version, name: name, description: description, situations: situations, items: items,
            fieldSwitches: fieldSwitches, materialSwitches: materialSwitches, promisedDays: promisedDays,
            sections: sections, location: reader.location(root),
            promisedDaysLocation: reader.location(promisedMember.node))
    }

    private func switches(_ file: ObjectFields, _ key: String) -> [BundleSwitch] {
        reader.table(file[key], in: file, what: key).compactMap { member in
            guard
                let entry = reader.object(
                    member.node, what: "switch '\(member.key)'", allowed: ["when"], required: ["when"]),
                let condition = reader.condition(entry)
            else { return nil }
            return BundleSwitch(
                target: member.key, condition: condition,
                location: SourceLocation(path: reader.path, offset: member.keyOffset))
        }
    }

    /// The most columns a bundle's name may take: half an 80-column kiosk screen, less the box, the
    /// number and the gap between the columns of the home screen.
    static let maximumNameColumns = 33

    /// Warns of a name wider than ``maximumNameColumns`` in either language.
    private func checkWidth(of name: LocalizedText, at node: JSONNode) {
        guard case .object(let members) = node.value else { return }
        for member in members {
            let text = member.key == "zh" ? name.zh : member.key == "en" ? name.en : nil
            guard let text, DisplayWidth.of(text) > Self.maximumNameColumns else { continue }
            reader.report(
                Diagnostic(
                    .warning, .longBundleName,
                    "the bundle's name takes \(DisplayWidth.of(text)) columns; at most \(Self.maximumNameColumns) fit"
                        + " the kiosk's home screen in two columns",
                    at: reader.location(member.node)))
        }
    }
}
