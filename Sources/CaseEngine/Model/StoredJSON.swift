import BundleKit
import JSONC

/// The JSON documents the stores keep in their columns (SQLite and PostgreSQL alike), each with its encoder and decoder
/// side by side: lists of ids (`["a","b"]`), maps of element to value (`{"a":"1"}`), input
/// flows (`[{"from":"item","elements":["a"]}]`), the form (`[[element, zh, en, sensitive, value]]`)
/// and the material checklist (`[[material, zh, en, status, promised_by]]`).
///
/// A document that does not decode to its shape is ``CaseEngineError/corruptRecord(_:)``, never a
/// plausible default.
public enum StoredJSON {
    // MARK: - Lists

    public static func encode(_ list: [String]) -> String {
        guard !list.isEmpty else { return "[]" }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, item) in list.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONValue.appendQuoted(item, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func list(_ text: String, _ what: @autoclosure () -> String) throws(CaseEngineError) -> [String] {
        if text == "[]" { return [] }
        if let compact = Compact.strings(text) { return compact }
        var result: [String] = []
        for element in try elements(text, what()) {
            guard let string = element.stringValue else { throw CaseEngineError.corruptRecord(what()) }
            result.append(string)
        }
        return result
    }

    // MARK: - Maps

    public static func encode(_ map: [String: String]) -> String {
        guard !map.isEmpty else { return "{}" }
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, entry) in map.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONValue.appendQuoted(entry.key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSONValue.appendQuoted(entry.value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func map(
        _ text: String, _ what: @autoclosure () -> String
    ) throws(CaseEngineError) -> [String: String] {
        if text == "{}" { return [:] }
        if let compact = Compact.pairs(text) {
            var result: [String: String] = [:]
            result.reserveCapacity(compact.count / 2)
            var index = 0
            while index + 1 < compact.count {
                result[compact[index]] = compact[index + 1]
                index += 2
            }
            return result
        }
        guard let members = try parse(text, what()).members else { throw CaseEngineError.corruptRecord(what()) }
        var result: [String: String] = [:]
        for member in members {
            guard let value = member.node.value.stringValue else { throw CaseEngineError.corruptRecord(what()) }
            result[member.key] = value
        }
        return result
    }

    // MARK: - Input flows

    public static func encode(_ flows: [InputFlow]) -> String {
        guard !flows.isEmpty else { return "[]" }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, flow) in flows.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: "{\"from\":".utf8)
            JSONValue.appendQuoted(flow.from, to: &bytes)
            bytes.append(contentsOf: ",\"elements\":".utf8)
            bytes.append(contentsOf: encode(flow.elements).utf8)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func flows(_ text: String, _ what: @autoclosure () -> String) throws(CaseEngineError) -> [InputFlow] {
        if text == "[]" { return [] }
        if let compact = Compact.flows(text) { return compact }
        var result: [InputFlow] = []
        for element in try elements(text, what()) {
            guard let members = element.members,
                let from = members.first(where: { $0.key == "from" })?.node.value.stringValue,
                let list = members.first(where: { $0.key == "elements" })?.node.value.elements
            else { throw CaseEngineError.corruptRecord(what()) }
            let names = list.compactMap(\.value.stringValue)
            guard names.count == list.count else { throw CaseEngineError.corruptRecord(what()) }
            result.append(InputFlow(from: from, elements: names))
        }
        return result
    }

    // MARK: - Form and checklist

    public static func encode(_ form: [FormEntry]) -> String {
        var writer = Writer(capacity: 64 * form.count + 2)
        for entry in form {
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

    public static func form(_ text: String, _ what: @autoclosure () -> String) throws(CaseEngineError) -> [FormEntry] {
        var result: [FormEntry] = []
        for entry in try elements(text, what()) {
            guard let parts = entry.elements?.map(\.value), parts.count == 5, let element = parts[0].stringValue,
                let zh = parts[1].stringValue, let en = parts[2].stringValue, let sensitive = parts[3].boolValue,
                let value = parts[4].stringValue
            else { throw CaseEngineError.corruptRecord(what()) }
            result.append(
                FormEntry(element: element, label: LocalizedText(zh: zh, en: en), sensitive: sensitive, value: value))
        }
        return result
    }

    public static func encode(_ materials: [CaseMaterial]) -> String {
        var writer = Writer(capacity: 96 * materials.count + 2)
        for entry in materials {
            writer.entry {
                $0.text(entry.id)
                $0.text(entry.name.zh)
                $0.text(entry.name.en)
                $0.text(entry.status)
                $0.optionalText(entry.promisedBy)
            }
        }
        return writer.finish()
    }

    public static func materials(
        _ text: String, _ what: @autoclosure () -> String
    ) throws(CaseEngineError) -> [CaseMaterial] {
        var result: [CaseMaterial] = []
        for entry in try elements(text, what()) {
            guard let parts = entry.elements?.map(\.value), parts.count == 5, let id = parts[0].stringValue,
                let zh = parts[1].stringValue, let en = parts[2].stringValue, let status = parts[3].stringValue
            else { throw CaseEngineError.corruptRecord(what()) }
            let promisedBy = parts[4].stringValue
            guard promisedBy != nil || parts[4] == .null else { throw CaseEngineError.corruptRecord(what()) }
            result.append(
                CaseMaterial(id: id, name: LocalizedText(zh: zh, en: en), status: status, promisedBy: promisedBy))
        }
        return result
    }

    // MARK: - Parsing

    /// The compact form the encoders above write — no whitespace, strings without escapes — read
    /// without json-c: a step reads a dozen of these documents, and json-c allocates a tokener and
    /// a locale for each. Anything else (escapes, spaces, another shape) returns `nil` and is read
    /// by `JSONDocument`, so every valid document decodes the same either way.
    enum Compact {
        /// `["a","b"]` → `["a", "b"]`.
        static func strings(_ text: String) -> [String]? {
            var text = text
            return text.withUTF8 { bytes in
                var reader = Reader(bytes: bytes)
                guard reader.take(UInt8(ascii: "[")) else { return nil }
                var result: [String] = []
                if reader.take(UInt8(ascii: "]")) { return reader.atEnd ? result : nil }
                repeat {
                    guard let string = reader.string() else { return nil }
                    result.append(string)
                } while reader.take(UInt8(ascii: ","))
                return reader.take(UInt8(ascii: "]")) && reader.atEnd ? result : nil
            }
        }

        /// `{"k":"v","l":"w"}` → `["k", "v", "l", "w"]`.
        static func pairs(_ text: String) -> [String]? {
            var text = text
            return text.withUTF8 { bytes in
                var reader = Reader(bytes: bytes)
                guard reader.take(UInt8(ascii: "{")) else { return nil }
                var result: [String] = []
                if reader.take(UInt8(ascii: "}")) { return reader.atEnd ? result : nil }
                repeat {
                    guard let key = reader.string(), reader.take(UInt8(ascii: ":")), let value = reader.string() else {
                        return nil
                    }
                    result.append(key)
                    result.append(value)
                } while reader.take(UInt8(ascii: ","))
                return reader.take(UInt8(ascii: "}")) && reader.atEnd ? result : nil
            }
        }

        /// `[{"from":"a","elements":["x"]}]` → its flows.
        static func flows(_ text: String) -> [InputFlow]? {
            var text = text
            return text.withUTF8 { bytes in
                var reader = Reader(bytes: bytes)
                guard reader.take(UInt8(ascii: "[")) else { return nil }
                var result: [InputFlow] = []
                if reader.take(UInt8(ascii: "]")) { return reader.atEnd ? result : nil }
                repeat {
                    guard reader.take(UInt8(ascii: "{")), reader.string() == "from", reader.take(UInt8(ascii: ":")),
                        let from = reader.string(), reader.take(UInt8(ascii: ",")), reader.string() == "elements",
                        reader.take(UInt8(ascii: ":")), reader.take(UInt8(ascii: "["))
                    else { return nil }
                    var elements: [String] = []
                    if !reader.take(UInt8(ascii: "]")) {
                        repeat {
                            guard let element = reader.string() else { return nil }
                            elements.append(element)
                        } while reader.take(UInt8(ascii: ","))
                        guard reader.take(UInt8(ascii: "]")) else { return nil }
                    }
                    guard reader.take(UInt8(ascii: "}")) else { return nil }
                    result.append(InputFlow(from: from, elements: elements))
                } while reader.take(UInt8(ascii: ","))
                return reader.take(UInt8(ascii: "]")) && reader.atEnd ? result : nil
            }
        }

        private struct Reader {
            let bytes: UnsafeBufferPointer<UInt8>
            var position = 0

            var atEnd: Bool { position == bytes.count }

            mutating func take(_ byte: UInt8) -> Bool {
                guard position < bytes.count, bytes[position] == byte else { return false }
                position += 1
                return true
            }

            /// A string without escapes or control characters.
            mutating func string() -> String? {
                guard take(UInt8(ascii: "\"")) else { return nil }
                let start = position
                var ascii = true
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte == UInt8(ascii: "\"") {
                        let content = UnsafeBufferPointer(rebasing: bytes[start..<position])
                        position += 1
                        // Ids are ASCII: decoded directly; other text is validated as UTF-8.
                        return ascii
                            ? String(decoding: content, as: UTF8.self) : String(validating: content, as: UTF8.self)
                    }
                    if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                    if byte >= 0x80 { ascii = false }
                    position += 1
                }
                return nil
            }
        }
    }

    private static func parse(_ text: String, _ what: String) throws(CaseEngineError) -> JSONValue {
        do {
            return try JSONDocument(parsing: text, path: what).root.value
        } catch {
            throw CaseEngineError.corruptRecord(what)
        }
    }

    private static func elements(_ text: String, _ what: String) throws(CaseEngineError) -> [JSONValue] {
        guard let elements = try parse(text, what).elements else { throw CaseEngineError.corruptRecord(what) }
        return elements.map(\.value)
    }

    /// Writes an array of arrays directly as UTF-8 (the form is written for every submission).
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

        mutating func finish() -> String {
            bytes.append(UInt8(ascii: "]"))
            return String(decoding: bytes, as: UTF8.self)
        }

        private mutating func separate() {
            if fields > 0 { bytes.append(UInt8(ascii: ",")) }
            fields += 1
        }
    }
}
