/// Renders a compiled bundle's fan-out plan as Graphviz DOT or as a text tree.
public struct DependencyGraph: Sendable {
    /// The compiled bundle.
    public let compiled: CompiledBundle

    /// Creates a renderer.
    public init(compiled: CompiledBundle) {
        self.compiled = compiled
    }

    /// Graphviz DOT: one box per sub-case, one edge per dependency labelled with what flows.
    public func dot(language: Language = .zh) -> String {
        var lines = ["digraph \"\(escape(compiled.bundle))\" {", "  rankdir=LR;", "  node [shape=box];"]
        for subcase in compiled.subcases {
            let days = subcase.kind == .immediate ? "0 wd" : "\(subcase.promisedDays) wd"
            let label = "\(subcase.name.text(in: language))\\n\(subcase.departmentName.text(in: language)) · \(days)"
            var attributes = "label=\"\(escape(label))\""
            if compiled.criticalPath.contains(subcase.item) { attributes += ", penwidth=2" }
            if subcase.condition != nil { attributes += ", style=dashed" }
            lines.append("  \"\(escape(subcase.item))\" [\(attributes)];")
        }
        for subcase in compiled.subcases {
            for before in subcase.after {
                let flowing = subcase.inputs.first { $0.from == before }?.elements ?? []
                let label = flowing.isEmpty ? "" : " [label=\"\(escape(flowing.joined(separator: ", ")))\"]"
                lines.append("  \"\(escape(before))\" -> \"\(escape(subcase.item))\"\(label);")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// A text tree from the sub-cases that start at once; an item with several predecessors
    /// appears under each, marked after the first time.
    public func tree() -> String {
        var lines: [String] = []
        var shown = Set<String>()
        let roots = compiled.subcases.filter { $0.after.isEmpty }
        func describe(_ subcase: PlannedSubcase, from parent: String?) -> String {
            let days = subcase.kind == .immediate ? "immediate" : "\(subcase.promisedDays) wd"
            var text = "\(subcase.item) [\(subcase.department), \(days)]"
            if let parent, let flow = subcase.inputs.first(where: { $0.from == parent }) {
                text += " ← " + flow.elements.joined(separator: ", ")
            }
            if subcase.condition != nil { text += " (conditional)" }
            return text
        }
        func walk(_ subcase: PlannedSubcase, parent: String?, prefix: String, isLast: Bool, isRoot: Bool) {
            let branch = isRoot ? "" : (isLast ? "└─ " : "├─ ")
            let repeated = shown.contains(subcase.item)
            lines.append(prefix + branch + describe(subcase, from: parent) + (repeated ? " (see above)" : ""))
            guard !repeated else { return }
            shown.insert(subcase.item)
            let children = compiled.subcases.filter { $0.after.contains(subcase.item) }
            let childPrefix = isRoot ? prefix : prefix + (isLast ? "   " : "│  ")
            for (index, child) in children.enumerated() {
                walk(
                    child, parent: subcase.item, prefix: childPrefix, isLast: index == children.count - 1, isRoot: false
                )
            }
        }
        for root in roots {
            walk(root, parent: nil, prefix: "", isLast: true, isRoot: true)
        }
        lines.append(
            "critical path: \(compiled.criticalPath.joined(separator: " → ")) (\(compiled.criticalPathDays) working days)"
        )
        return lines.joined(separator: "\n")
    }

    private func escape(_ text: String) -> String {
        text.map { $0 == "\"" ? "\\\"" : String($0) }.joined()
    }
}
