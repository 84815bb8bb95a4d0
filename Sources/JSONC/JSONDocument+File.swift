import Foundation

/// A JSON file that cannot be read or parsed, with its place (`path`, or `path:line:column`).
public struct JSONFileError: Error, Sendable, CustomStringConvertible {
    /// Where: the path, with line and column when the text is at fault.
    public var place: String
    /// What is wrong.
    public var message: String

    public var description: String { "\(place): error: \(message)" }
}

extension JSONDocument {
    /// Reads and parses a file; a syntax error carries its line and column.
    public init(contentsOf path: String) throws(JSONFileError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JSONFileError(place: path, message: "cannot read the file")
        }
        let bytes = [UInt8](data)
        do throws(JSONSyntaxError) {
            try self.init(parsing: bytes, path: path)
        } catch {
            let (line, column) = SourceFile(path: path, bytes: bytes).lineAndColumn(of: error.offset)
            throw JSONFileError(place: "\(path):\(line):\(column)", message: error.message)
        }
    }
}
