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

    /// The screen as terminal lines: a box around the body, the keys line, the input line.
    public func render(_ lines: [String], input: String) -> [String] {
        let inner = min(columns, 100) - 4
        var body: [String] = []
        for line in lines.dropLast() { body += wrap(line, width: inner) }
        let keys = lines.last ?? ""
        let top = "┌" + String(repeating: "─", count: inner + 2) + "┐"
        let bottom = "└" + String(repeating: "─", count: inner + 2) + "┘"
        var output = [top]
        let room = max(5, rows - 5)
        // Too tall for the terminal: keep the title and heading, and the end of the screen where the
        // choices are; the middle gives way to "…".
        let shown = body.count > room ? Array(body.prefix(3)) + ["…"] + Array(body.suffix(room - 4)) : body
        for (index, line) in shown.enumerated() {
            var text = DisplayWidth.padded(line, to: inner)
            if index == 0 && color { text = "\u{1B}[1m" + text + "\u{1B}[0m" }
            output.append("│ " + text + " │")
        }
        output.append(bottom)
        output += wrap(keys, width: inner + 4)
        output.append("> " + input)
        return output
    }

    /// Splits a line into pieces no wider than `width` columns.
    func wrap(_ line: String, width: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        var used = 0
        for character in line {
            let size = DisplayWidth.of(String(character))
            if used + size > width, !current.isEmpty {
                pieces.append(current)
                current = ""
                used = 0
            }
            current.append(character)
            used += size
        }
        pieces.append(current)
        return pieces
    }
}
