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

    /// The stored document (see `CaseDocument`).
    var json: String {
        var writer = CaseDocument.Writer(capacity: 96 * entries.count + 2)
        for entry in entries {
            writer.entry {
                $0.text(entry.material)
                $0.text(entry.name.zh)
                $0.text(entry.name.en)
                $0.text(entry.status)
                $0.optionalText(entry.promisedBy)
            }
        }
        return writer.finish()
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
        let entries = try CaseDocument.entries(.caseMaterials, of: caseNumber, name: "materials", in: db).compactMap {
            parts -> Entry? in
            guard parts.count == 5, let material = parts[0].stringValue, let zh = parts[1].stringValue,
                let en = parts[2].stringValue, let status = parts[3].stringValue
            else { return nil }
            return Entry(
                material: material, name: LocalizedText(zh: zh, en: en), status: status,
                promisedBy: parts[4].stringValue)
        }
        return CaseMaterials(entries: entries)
    }

    /// Stores the checklist of a case that exists, replacing what was there.
    func save(_ caseNumber: String, in db: Database) throws {
        try db.execute(.saveCaseMaterials, .text(json), .text(caseNumber))
    }
}
