/// A JSON value that keeps object members in source order.
///
/// Parsed values carry the byte offset where they start (see ``JSONNode``), so that a
/// diagnostic can point at the exact line and column of a bad value in a bundle file.
///
/// ```swift
/// let document = try JSONDocument(parsing: "{\"a\": [1, 2]}", path: "x.json")
/// if case .object(let members) = document.root.value { print(members[0].key) }  // "a"
/// ```
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONNode])
    case object([JSONMember])
}

/// A JSON value together with the byte offset of its first character in the source text.
public struct JSONNode: Sendable, Equatable {
    /// The value.
    public var value: JSONValue
    /// Byte offset (0-based) of the value's first character in the source, or 0 for built values.
    public var offset: Int

    /// Creates a node.
    public init(_ value: JSONValue, offset: Int = 0) {
        self.value = value
        self.offset = offset
    }
}

/// One member of a JSON object: its key, where the key starts, and its value.
public struct JSONMember: Sendable, Equatable {
    /// The decoded key.
    public var key: String
    /// Byte offset (0-based) of the key's opening quote in the source.
    public var keyOffset: Int
    /// The member's value.
    public var node: JSONNode

    /// Creates a member.
    public init(key: String, keyOffset: Int = 0, node: JSONNode) {
        self.key = key
        self.keyOffset = keyOffset
        self.node = node
    }
}

// MARK: - Building values

extension JSONValue {
    /// Builds an object from key–value pairs, keeping their order.
    public static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.key, node: JSONNode($0.value)) })
    }

    /// Builds an object from an ordered list of key–value pairs.
    public static func orderedObject(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.0, node: JSONNode($0.1)) })
    }

    /// Builds an array from values.
    public static func list(_ values: [JSONValue]) -> JSONValue {
        .array(values.map { JSONNode($0) })
    }

    /// Builds an array of strings.
    public static func strings(_ values: [String]) -> JSONValue {
        .array(values.map { JSONNode(.string($0)) })
    }

    /// Builds an object of strings, its keys sorted (a stable text for the same map).
    public static func stringMap(_ map: [String: String]) -> JSONValue {
        .orderedObject(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }
}

// MARK: - Reading values

extension JSONValue {
    /// The members of an object, or `nil` for any other value.
    public var members: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements of an array, or `nil` for any other value.
    public var elements: [JSONNode]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The string, or `nil` for any other value.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The integer, or `nil` for any other value (a double with no fraction counts).
    public var integerValue: Int64? {
        switch self {
        case .integer(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9e15: return Int64(value)
        default: return nil
        }
    }

    /// The number as a double, or `nil` for any other value.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The Boolean, or `nil` for any other value.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A short name of the value's kind for messages: "an object", "a string" …
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a Boolean"
        case .integer: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
