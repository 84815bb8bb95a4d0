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

    /// The stored document, written directly as UTF-8 (it is built for every submission).
    var json: String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(64 * entries.count + 2)
        for (index, entry) in entries.enumerated() {
            bytes.append(contentsOf: (index > 0 ? ",[" : "[").utf8)
            JSONValue.appendQuoted(entry.element, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            JSONValue.appendQuoted(entry.label.zh, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            JSONValue.appendQuoted(entry.label.en, to: &bytes)
            bytes.append(contentsOf: (entry.sensitive ? ",true," : ",false,").utf8)
            JSONValue.appendQuoted(entry.value, to: &bytes)
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
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
        guard let text = try db.fetchFirst(.caseForm, .text(caseNumber), row: { $0.text(0) }) else {
            return CaseForm(entries: [])
        }
        let document = try JSONDocument(parsing: text, path: "cases/\(caseNumber)/form")
        let entries = (document.root.value.elements ?? []).compactMap { node -> Entry? in
            guard let parts = node.value.elements, parts.count == 5, let element = parts[0].value.stringValue,
                let zh = parts[1].value.stringValue, let en = parts[2].value.stringValue,
                let sensitive = parts[3].value.boolValue, let value = parts[4].value.stringValue
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
