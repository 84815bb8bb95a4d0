import BundleKit
import GRDB
import JSONC

/// A case's form as stored: one JSON document in the case's row (`cases.form`), an array of
/// `[element, label_zh, label_en, sensitive, value]` in the combined form's order.
///
/// The form is written whole with the case at submission and read whole by the views; a
/// correction rewrites it. One document instead of one row per field keeps submission to a
/// handful of inserts.
struct CaseForm {
    struct Entry {
        var element: String
        var label: LocalizedText
        var sensitive: Bool
        var value: String
    }

    var entries: [Entry]

    init(entries: [Entry]) { self.entries = entries }

    /// The stored document (see `CaseDocument`).
    var json: String {
        var writer = CaseDocument.Writer(capacity: 64 * entries.count + 2)
        for entry in entries {
            writer.entry {
                $0.text(entry.element)
                $0.text(entry.label.zh)
                $0.text(entry.label.en)
                $0.bool(entry.sensitive)
                $0.text(entry.value)
            }
        }
        return writer.finish()
    }

    /// The value of an element, if the form has it.
    subscript(element: String) -> Entry? { entries.first { $0.element == element } }

    /// Sets a value, adding the element (labelled with its id) if the form lacked it.
    mutating func set(_ element: String, to value: String) {
        if let index = entries.firstIndex(where: { $0.element == element }) {
            entries[index].value = value
        } else {
            entries.append(
                Entry(element: element, label: LocalizedText(zh: element, en: element), sensitive: false, value: value))
        }
    }

    /// The form of a case (empty if it has none).
    static func load(_ caseNumber: String, in db: Database) throws -> CaseForm {
        let entries = try CaseDocument.entries(.caseForm, of: caseNumber, name: "form", in: db).compactMap {
            parts -> Entry? in
            guard parts.count == 5, let element = parts[0].stringValue, let zh = parts[1].stringValue,
                let en = parts[2].stringValue, let sensitive = parts[3].boolValue, let value = parts[4].stringValue
            else { return nil }
            return Entry(element: element, label: LocalizedText(zh: zh, en: en), sensitive: sensitive, value: value)
        }
        return CaseForm(entries: entries)
    }

    /// Stores the form of a case that exists, replacing what was there.
    func save(_ caseNumber: String, in db: Database) throws {
        try db.execute(.saveCaseForm, .text(json), .text(caseNumber))
    }
}
