import BundleKit

/// Lays screen lines out in a box that fits the terminal, measuring by display width (a Chinese
/// character takes two columns), wrapping long lines.
public struct ScreenLayout: Sendable {
    /// Terminal columns.
    public var columns: Int
    /// Terminal rows.
    public var rows: Int
    /// Whether bold and reverse video may be used (`NO_COLOR` unset).
    public var color: Bool

    /// Creates a layout for a terminal size.
    public init(columns: Int, rows: Int, color: Bool) {
        self.columns = max(30, columns)
        self.rows = max(10, rows)
        self.color = color
    }

    /// The columns inside the box.
    public var inner: Int { min(columns, 100) - 4 }

    /// The rows the box holds: the terminal's, less the box's top and bottom, `keys` (as wrapped)
    /// and the input line.
    public func bodyRows(keys: String) -> Int {
        max(5, rows - 3 - wrap(keys, width: inner + 4).count)
    }

    /// The screen as terminal lines: a box around the body, the keys line, the input line.
    public func render(_ lines: [String], input: String) -> [String] {
        var body: [String] = []
        for line in lines.dropLast() { body += wrap(line, width: inner) }
        let keys = lines.last ?? ""
        let top = "┌" + String(repeating: "─", count: inner + 2) + "┐"
        let bottom = "└" + String(repeating: "─", count: inner + 2) + "┘"
        var output = [top]
        let keysRows = wrap(keys, width: inner + 4)
        let room = bodyRows(keys: keys)
        // Too tall for the terminal: keep the title and heading, and the end of the screen where the
        // choices are; the middle gives way to "…".
        let shown = body.count > room ? Array(body.prefix(3)) + ["…"] + Array(body.suffix(room - 4)) : body
        for (index, line) in shown.enumerated() {
            var text = DisplayWidth.padded(line, to: inner)
            if index == 0 && color { text = "\u{1B}[1m" + text + "\u{1B}[0m" }
            output.append("│ " + text + " │")
        }
        output.append(bottom)
        output += keysRows
        output.append("> " + input)
        return output
    }

    /// The screen cut into pages that fit the terminal, when it is too tall for one: each page has
    /// the title lines, a part of the body (wrapped as ``render(_:input:)`` wraps it) and room for
    /// a page line and the keys. One page when it fits.
    public func pages(_ lines: [String]) -> [[String]] {
        var body: [String] = []
        for line in lines.dropLast() { body += wrap(line, width: inner) }
        let room = bodyRows(keys: lines.last ?? "")
        guard body.count > room else { return [Array(lines.dropLast())] }
        // The title and the blank line under it, however they wrap, head every page.
        let headingRows = lines.prefix(2).reduce(0) { $0 + wrap($1, width: inner).count }
        let heading = Array(body.prefix(headingRows))
        let rest = Array(body.dropFirst(headingRows))
        // Each page: the heading, its share, and one row for the page line.
        let share = max(1, room - heading.count - 1)
        return stride(from: 0, to: rest.count, by: share).map { start in
            heading + Array(rest[start..<min(start + share, rest.count)])
        }
    }

    /// Splits a line into pieces no wider than `width` columns: between words where a line has
    /// spaces (English is not cut mid-word), anywhere in Chinese, and inside a word only when the
    /// word alone is wider than the line.
    public func wrap(_ line: String, width: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        var used = 0
        // Where the current piece could be cut: after its last space.
        var lastSpace: String.Index?
        for character in line {
            let size = DisplayWidth.of(String(character))
            if used + size > width, !current.isEmpty {
                if let space = lastSpace, character != " ", !Self.breaksAnywhere(character) {
                    let head = String(current[..<space])
                    let tail = String(current[current.index(after: space)...])
                    pieces.append(head)
                    current = tail
                    used = DisplayWidth.of(tail)
                } else {
                    pieces.append(current)
                    current = ""
                    used = 0
                }
                lastSpace = nil
                if character == " " && current.isEmpty { continue }
            }
            if character == " " { lastSpace = current.endIndex }
            current.append(character)
            used += size
        }
        pieces.append(current)
        return pieces
    }

    /// Characters a line may break before without a space: CJK ideographs and full-width forms.
    static func breaksAnywhere(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        return (0x2E80...0x9FFF).contains(scalar.value) || (0xF900...0xFAFF).contains(scalar.value)
            || (0xFF00...0xFFEF).contains(scalar.value)
    }
}
