/// The text of one source file with a table of line starts, for turning byte offsets into
/// 1-based lines and columns.
///
/// Columns count Unicode scalars, so a Chinese character is one column, as editors count them.
public struct SourceFile: Sendable {
    /// The path as the user gave it; diagnostics print it unchanged.
    public let path: String
    /// The raw bytes of the file.
    public let bytes: [UInt8]

    /// Creates a source file from its bytes.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// Offsets where lines start. Worked out only when a diagnostic needs a line, so reading a
    /// file costs nothing for it.
    /// A line ends at LF, CR LF, or a CR alone (old Mac files).
    private var lineStarts: [Int] {
        var starts = [0]
        for (offset, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\n") {
                starts.append(offset + 1)
            } else if byte == UInt8(ascii: "\r"), offset + 1 >= bytes.count || bytes[offset + 1] != UInt8(ascii: "\n") {
                starts.append(offset + 1)
            }
        }
        return starts
    }

    /// The 1-based line and column of a byte offset.
    public func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        let clamped = max(0, min(offset, bytes.count))
        let lineStarts = self.lineStarts
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= clamped { low = middle } else { high = middle - 1 }
        }
        let start = lineStarts[low]
        var column = 1
        var position = start
        while position < clamped {
            // Count only the first byte of each UTF-8 sequence.
            if bytes[position] & 0xC0 != 0x80 { column += 1 }
            position += 1
        }
        return (low + 1, column)
    }

    /// The text of a 1-based line without its line break, or `nil` past the end.
    public func lineText(_ line: Int) -> String? {
        let lineStarts = self.lineStarts
        guard line >= 1, line <= lineStarts.count else { return nil }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if line < lineStarts.count, bytes[end] == UInt8(ascii: "\r") {
            // A CR alone ended the line: `end` is on it already.
        } else if end > start, bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }
}
