import CJSONC

/// A parsed JSON file: its source text and its root value, every value with its offset.
///
/// The dialect is JSON with `//` and `/* */` comments. json-c parses the text; a scan of our own
/// rejects what json-c would silently accept (see ``JSONSyntaxError``) and records where each
/// value starts.
///
/// ```swift
/// let document = try JSONDocument(parsing: Array(text.utf8), path: "Bundles/newborn.json")
/// let (line, column) = document.source.lineAndColumn(of: document.root.offset)
/// ```
public struct JSONDocument: Sendable {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 64

    /// The file's text.
    public let source: SourceFile
    /// The root value.
    public let root: JSONNode

    /// Parses a file's bytes.
    public init(parsing bytes: [UInt8], path: String) throws(JSONSyntaxError) {
        self.source = SourceFile(path: path, bytes: bytes)
        var scanner: DialectScanner? = nil
        let scanError: JSONSyntaxError? = bytes.withUnsafeBufferPointer { buffer in
            var local = DialectScanner(bytes: buffer, maxDepth: Self.maximumDepth)
            do throws(JSONSyntaxError) {
                try local.scan()
            } catch {
                return error
            }
            scanner = local
            return nil
        }
        if let scanError { throw scanError }
        guard let offsets = scanner?.offsets else {
            throw JSONSyntaxError(offset: 0, message: "the file could not be read as JSON")
        }
        self.root = try Self.buildWithJSONC(bytes: bytes, offsets: offsets)
    }

    /// Parses a string.
    public init(parsing text: String, path: String) throws(JSONSyntaxError) {
        try self.init(parsing: Array(text.utf8), path: path)
    }

    /// Parses bytes with json-c alone, as the benchmark's baseline does, and frees the result.
    ///
    /// Returns `false` when json-c reports an error.
    package static func parseWithJSONCOnly(_ bytes: [UInt8]) -> Bool {
        var terminated = bytes
        terminated.append(0)
        guard let tokener = json_tokener_new_ex(Int32(maximumDepth)) else { return false }
        defer { json_tokener_free(tokener) }
        json_tokener_set_flags(tokener, Int32(JSON_TOKENER_VALIDATE_UTF8))
        let object = terminated.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    json_tokener_parse_ex(tokener, $0, Int32(buffer.count))
                }
            } ?? nil
        }
        defer { json_object_put(object) }
        return json_tokener_get_error(tokener) == json_tokener_success
    }

    // MARK: - json-c

    private static func buildWithJSONC(bytes: [UInt8], offsets: [Int]) throws(JSONSyntaxError) -> JSONNode {
        var terminated = bytes
        terminated.append(0)
        guard let tokener = json_tokener_new_ex(Int32(maximumDepth)) else {
            throw JSONSyntaxError(offset: 0, message: "out of memory while parsing")
        }
        defer { json_tokener_free(tokener) }
        json_tokener_set_flags(tokener, Int32(JSON_TOKENER_VALIDATE_UTF8))
        let object: OpaquePointer? = terminated.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    json_tokener_parse_ex(tokener, $0, Int32(buffer.count))
                }
            } ?? nil
        }
        defer { json_object_put(object) }
        let status = json_tokener_get_error(tokener)
        guard status == json_tokener_success else {
            let message = String(cString: json_tokener_error_desc(status))
            throw JSONSyntaxError(offset: json_tokener_get_parse_end(tokener), message: message)
        }
        var cursor = 0
        return convert(object, offsets: offsets, cursor: &cursor)
    }

    private static func convert(_ object: OpaquePointer?, offsets: [Int], cursor: inout Int) -> JSONNode {
        let offset = cursor < offsets.count ? offsets[cursor] : 0
        cursor += 1
        switch json_object_get_type(object) {
        case json_type_boolean:
            return JSONNode(.bool(json_object_get_boolean(object) != 0), offset: offset)
        case json_type_int:
            return JSONNode(.integer(json_object_get_int64(object)), offset: offset)
        case json_type_double:
            return JSONNode(.double(json_object_get_double(object)), offset: offset)
        case json_type_string:
            let length = Int(json_object_get_string_len(object))
            guard let pointer = json_object_get_string(object) else { return JSONNode(.string(""), offset: offset) }
            let text = pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
            }
            return JSONNode(.string(text), offset: offset)
        case json_type_array:
            let count = json_object_array_length(object)
            var elements: [JSONNode] = []
            elements.reserveCapacity(count)
            for position in 0..<count {
                elements.append(convert(json_object_array_get_idx(object, position), offsets: offsets, cursor: &cursor))
            }
            return JSONNode(.array(elements), offset: offset)
        case json_type_object:
            var members: [JSONMember] = []
            members.reserveCapacity(Int(json_object_object_length(object)))
            var iterator = json_object_iter_begin(object)
            var end = json_object_iter_end(object)
            while json_object_iter_equal(&iterator, &end) == 0 {
                let key = String(cString: json_object_iter_peek_name(&iterator))
                let value = json_object_iter_peek_value(&iterator)
                let keyOffset = cursor < offsets.count ? offsets[cursor] : 0
                cursor += 1
                members.append(
                    JSONMember(key: key, keyOffset: keyOffset, node: convert(value, offsets: offsets, cursor: &cursor))
                )
                json_object_iter_next(&iterator)
            }
            return JSONNode(.object(members), offset: offset)
        default:
            return JSONNode(.null, offset: offset)
        }
    }
}
