import GRDB
import JSONC

/// The JSON documents a case's row holds (`cases.form`, `cases.materials`): an array of entries,
/// each an array of fields. `CaseForm` and `CaseMaterials` say what the fields are; this writes
/// and reads the common shape.
///
/// ```swift
/// var writer = CaseDocument.Writer(capacity: 1024)
/// writer.entry { $0.text("id-card"); $0.text("居民身份证"); $0.optionalText(nil) }
/// let json = writer.finish()   // [["id-card","居民身份证",null]]
/// ```
enum CaseDocument {
    /// Writes a document directly as UTF-8 (the form is written for every submission).
    struct Writer {
        private var bytes: [UInt8] = [UInt8(ascii: "[")]
        private var fields = 0

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        /// Appends one entry whose fields `body` writes in order.
        mutating func entry(_ body: (inout Writer) -> Void) {
            bytes.append(contentsOf: (bytes.count > 1 ? ",[" : "[").utf8)
            fields = 0
            body(&self)
            bytes.append(UInt8(ascii: "]"))
        }

        mutating func text(_ value: String) {
            separate()
            JSONValue.appendQuoted(value, to: &bytes)
        }

        mutating func optionalText(_ value: String?) {
            guard let value else {
                separate()
                bytes.append(contentsOf: "null".utf8)
                return
            }
            text(value)
        }

        mutating func bool(_ value: Bool) {
            separate()
            bytes.append(contentsOf: (value ? "true" : "false").utf8)
        }

        /// The document.
        mutating func finish() -> String {
            bytes.append(UInt8(ascii: "]"))
            return String(decoding: bytes, as: UTF8.self)
        }

        private mutating func separate() {
            if fields > 0 { bytes.append(UInt8(ascii: ",")) }
            fields += 1
        }
    }

    /// The entries of the document `sql` selects for a case, each as its fields; empty when the
    /// case has none. `name` labels the document in a parse error (`cases/NUMBER/NAME`).
    static func entries(_ sql: SQL, of caseNumber: String, name: String, in db: Database) throws -> [[JSONValue]] {
        guard let text = try db.fetchFirst(sql, .text(caseNumber), row: { $0.text(0) }) else { return [] }
        let document = try JSONDocument(parsing: text, path: "cases/\(caseNumber)/\(name)")
        return (document.root.value.elements ?? []).map { entry in (entry.value.elements ?? []).map(\.value) }
    }
}
