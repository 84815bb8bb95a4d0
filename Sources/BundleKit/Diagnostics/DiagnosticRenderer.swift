import JSONC

/// Renders diagnostics the way compilers do, for authors and their editors.
///
/// ```text
/// Bundles/company-opening.json:14:19: error: unknown item 'seal-engravng'; did you mean 'seal-engraving'? [unknown-reference]
///    14 |     "after": ["seal-engravng"]
///       |               ^
///       = at /items/bank-account/after/0
/// ```
public struct DiagnosticRenderer: Sendable {
    /// The source files diagnostics may point into, by path.
    public var sources: [String: SourceFile]

    /// Creates a renderer over the given files.
    public init(sources: [String: SourceFile]) {
        self.sources = sources
    }

    /// The first line alone: `path:line:column: severity: message [code]`.
    public func headline(_ diagnostic: Diagnostic) -> String {
        var text = ""
        if let location = diagnostic.location {
            if let source = sources[location.path] {
                let (line, column) = source.lineAndColumn(of: location.offset)
                text += "\(location.path):\(line):\(column): "
            } else {
                text += "\(location.path): "
            }
        }
        text += "\(diagnostic.severity.rawValue): \(diagnostic.message)"
        if let suggestion = diagnostic.suggestion {
            text += "; did you mean '\(suggestion)'?"
        }
        text += " [\(diagnostic.code.rawValue)]"
        return text
    }

    /// The headline, the source line with a caret under the offending part, the JSON pointer and notes.
    public func render(_ diagnostic: Diagnostic) -> String {
        var lines = [headline(diagnostic)]
        if let location = diagnostic.location, let source = sources[location.path] {
            let (line, column) = source.lineAndColumn(of: location.offset)
            if let text = source.lineText(line) {
                let number = String(line)
                let gutter = String(repeating: " ", count: max(4, number.count + 1))
                let padded = String(repeating: " ", count: gutter.count - number.count) + number
                let (shown, caret) = Self.window(text, column: column)
                lines.append("\(padded) | \(shown)")
                lines.append("\(gutter) | \(caret)^")
                if let document = try? JSONDocument(parsing: source.bytes, path: source.path) {
                    let pointer = JSONPointer.locate(offset: location.offset, in: document.root)
                    lines.append("\(gutter) = at \(pointer.isEmpty ? "/" : pointer)")
                }
            }
        }
        for note in diagnostic.notes {
            lines.append("    note: \(note)")
        }
        return lines.joined(separator: "\n")
    }

    /// The widest source line echoed, in terminal columns: a longer line is cut around the column.
    public static let maximumEchoWidth = 100

    /// The part of a source line to echo and the spaces that put the caret under `column` (a
    /// Unicode scalar count), both by terminal width: a Chinese character takes two columns.
    public static func window(_ text: String, column: Int) -> (shown: String, caret: String) {
        let scalars = Array(text.unicodeScalars)
        let target = min(max(column - 1, 0), scalars.count)
        var start = 0
        var end = scalars.count
        let total = scalars.reduce(0) { $0 + DisplayWidth.width(of: $1) }
        if total > maximumEchoWidth {
            // About a third of the window before the column, the rest after.
            var width = 0
            start = target
            while start > 0, width + DisplayWidth.width(of: scalars[start - 1]) <= maximumEchoWidth / 3 {
                start -= 1
                width += DisplayWidth.width(of: scalars[start])
            }
            end = target
            while end < scalars.count, width + DisplayWidth.width(of: scalars[end]) <= maximumEchoWidth {
                width += DisplayWidth.width(of: scalars[end])
                end += 1
            }
        }
        var shown = String.UnicodeScalarView()
        shown.append(contentsOf: scalars[start..<end])
        var caret = ""
        for scalar in scalars[start..<target] {
            caret += scalar == "\t" ? "\t" : String(repeating: " ", count: DisplayWidth.width(of: scalar))
        }
        let before = start > 0 ? "…" : ""
        return (before + String(shown) + (end < scalars.count ? "…" : ""), (start > 0 ? " " : "") + caret)
    }

    /// All diagnostics rendered, sorted by file and position, followed by a count line.
    public func renderAll(_ diagnostics: [Diagnostic]) -> String {
        var blocks = sorted(diagnostics).map(render)
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        blocks.append("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        return blocks.joined(separator: "\n")
    }

    /// Diagnostics ordered by path, then offset, then message.
    public func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.sorted { lhs, rhs in
            let left = (lhs.location?.path ?? "", lhs.location?.offset ?? -1)
            let right = (rhs.location?.path ?? "", rhs.location?.offset ?? -1)
            if left != right { return left < right }
            return lhs.message < rhs.message
        }
    }
}
