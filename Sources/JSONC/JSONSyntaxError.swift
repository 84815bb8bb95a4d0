/// A JSON text that OneGo does not accept, with the byte offset where the problem starts.
///
/// OneGo's bundle dialect is JSON plus `//` and `/* */` comments. Duplicate keys, single quotes,
/// `NaN`/`Infinity`, leading zeros, trailing commas, invalid UTF-8 and text after the value are
/// errors, although json-c alone accepts several of them.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    /// Byte offset (0-based) of the problem in the source text.
    public var offset: Int
    /// What is wrong, one sentence without a trailing period.
    public var message: String
    /// A second location the message refers to (the first occurrence of a duplicate key).
    public var relatedOffset: Int?

    /// Creates an error.
    public init(offset: Int, message: String, relatedOffset: Int? = nil) {
        self.offset = offset
        self.message = message
        self.relatedOffset = relatedOffset
    }
}
