extension CompiledBundle {
    /// A plain summary for authors: the form, the checklist, the plan and the figures.
    public func textSummary(language: Language = .en) -> String {
        var lines = ["\(bundle) \(version): \(name.text(in: language))"]
        if !answers.isEmpty {
            lines.append("answers: " + answers.map { "\($0.situation)=\($0.choice)" }.joined(separator: " "))
        }
        lines.append("")
        lines.append("form: \(fields.count) fields (\(fieldsAskedSeparately) asked separately)")
        for field in fields {
            var line = "  \(field.element) [\(field.type.rawValue)\(field.required ? ", required" : "")]"
            if let condition = field.condition { line += " when \(condition.source)" }
            line += " ← " + field.items.joined(separator: ", ")
            lines.append(line)
        }
        lines.append("materials: \(materials.count) (\(materialsNeededSeparately) needed separately)")
        for material in materials {
            var line = "  \(material.material) [\(material.form.rawValue) ×\(material.copies)"
            line += material.sharedData ? ", shared data]" : "]"
            if let condition = material.condition { line += " when \(condition.source)" }
            line += " ← " + material.items.joined(separator: ", ")
            lines.append(line)
        }
        lines.append("subcases: \(subcases.count)")
        for subcase in subcases {
            var line = "  \(subcase.item) [\(subcase.department), \(subcase.promisedDays) wd"
            if let legal = subcase.legalDays { line += ", legal \(legal)" }
            line += "]"
            if !subcase.after.isEmpty { line += " after " + subcase.after.joined(separator: ", ") }
            if let condition = subcase.condition { line += " when \(condition.source)" }
            lines.append(line)
        }
        lines.append(
            "promised \(promisedDays) wd, critical path \(criticalPathDays) wd (\(criticalPath.joined(separator: " → "))), legal critical path \(legalCriticalPathDays) wd, legal total \(legalDaysTotal) wd"
        )
        if let compression {
            lines.append("compression \(Int((compression * 100).rounded()))%")
        }
        return lines.joined(separator: "\n")
    }
}
