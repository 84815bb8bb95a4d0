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
                lines.append("\(padded) | \(text)")
                let prefix = text.unicodeScalars.prefix(column - 1).map { $0 == "\t" ? "\t" : " " }.joined()
                lines.append("\(gutter) | \(prefix)^")
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
