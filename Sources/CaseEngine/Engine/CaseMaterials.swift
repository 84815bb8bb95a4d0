import BundleKit
import GRDB
import JSONC

/// A case's material checklist as stored: one JSON document in the case's row
/// (`cases.materials`), an array of `[material, name_zh, name_en, status, promised_by]` in the
/// checklist's order; `promised_by` is the date a material missing under 容缺 is promised for, or
/// `null`.
///
/// Written whole with the case at submission, read whole by the views, rewritten when the window
/// or kiosk supplies a material. One document instead of a row per material keeps submission to a
/// handful of writes, as `CaseForm` does for the form.
struct CaseMaterials {
    struct Entry {
        var material: String
        var name: LocalizedText
        /// `provided`, `shared` or `missing` (`MaterialStatus.word`).
        var status: String
        var promisedBy: String?
    }

    var entries: [Entry]

    init(entries: [Entry]) { self.entries = entries }

    /// The stored document, written directly as UTF-8.
    var json: String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(96 * entries.count + 2)
        for (index, entry) in entries.enumerated() {
            bytes.append(contentsOf: (index > 0 ? ",[" : "[").utf8)
            JSONValue.appendQuoted(entry.material, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            JSONValue.appendQuoted(entry.name.zh, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            JSONValue.appendQuoted(entry.name.en, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            JSONValue.appendQuoted(entry.status, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            if let promisedBy = entry.promisedBy {
                JSONValue.appendQuoted(promisedBy, to: &bytes)
            } else {
                bytes.append(contentsOf: "null".utf8)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The entry of a material, if the checklist has it.
    subscript(material: String) -> Entry? { entries.first { $0.material == material } }

    /// Records that a material was provided (a correction supplied it).
    mutating func markProvided(_ material: String) {
        for index in entries.indices where entries[index].material == material {
            entries[index].status = MaterialStatus.provided.word
            entries[index].promisedBy = nil
        }
    }

    /// The checklist of a case (empty if it has none).
    static func load(_ caseNumber: String, in db: Database) throws -> CaseMaterials {
        guard let text = try db.fetchFirst(.caseMaterials, .text(caseNumber), row: { $0.text(0) }) else {
            return CaseMaterials(entries: [])
        }
        let document = try JSONDocument(parsing: text, path: "cases/\(caseNumber)/materials")
        let entries = (document.root.value.elements ?? []).compactMap { node -> Entry? in
            guard let parts = node.value.elements, parts.count == 5, let material = parts[0].value.stringValue,
                let zh = parts[1].value.stringValue, let en = parts[2].value.stringValue,
                let status = parts[3].value.stringValue
            else { return nil }
            return Entry(
                material: material, name: LocalizedText(zh: zh, en: en), status: status,
                promisedBy: parts[4].value.stringValue)
        }
        return CaseMaterials(entries: entries)
    }

    /// Stores the checklist of a case that exists, replacing what was there.
    func save(_ caseNumber: String, in db: Database) throws {
        try db.execute(.saveCaseMaterials, .text(json), .text(caseNumber))
    }
}
