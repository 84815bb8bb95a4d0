/// The one-time notice (一次性告知单) a citizen reads before applying: the items and departments,
/// the promised completion, what to fill in and what to bring, with the saving over applying
/// item by item.
public struct OneTimeNotice: Sendable {
    /// The compiled bundle.
    public let compiled: CompiledBundle
    /// The catalog, for labels.
    public let catalog: Catalog
    /// The bundle, for situation wording.
    public let bundle: BundleDefinition

    /// Creates a notice.
    public init(compiled: CompiledBundle, bundle: BundleDefinition, catalog: Catalog) {
        self.compiled = compiled
        self.bundle = bundle
        self.catalog = catalog
    }

    /// The notice as text in a language.
    public func render(language: Language) -> String {
        let zh = language == .zh
        var lines: [String] = []
        let name = compiled.name.text(in: language)
        lines.append(zh ? "\(name) · 一次告知单" : "\(name) · one-time notice")
        let description = compiled.description.text(in: language)
        if !description.isEmpty { lines.append(description) }
        lines.append("")
        let departments = compiled.departments.count
        lines.append(
            zh
                ? "办理事项:\(compiled.subcases.count) 项,涉及 \(departments) 个部门"
                : "Items: \(compiled.subcases.count), from \(departments) department\(departments == 1 ? "" : "s")")
        let names = compiled.subcases.map { $0.name.text(in: language) }
        let nameWidth = min(36, (names.map(DisplayWidth.of).max() ?? 0))
        let departmentNames = compiled.subcases.map { $0.departmentName.text(in: language) }
        let departmentWidth = min(30, (departmentNames.map(DisplayWidth.of).max() ?? 0))
        for (index, subcase) in compiled.subcases.enumerated() {
            var line = "  \(index + 1). " + DisplayWidth.padded(names[index], to: nameWidth) + "  "
            line += DisplayWidth.padded(departmentNames[index], to: departmentWidth) + "  "
            line += days(subcase, zh: zh)
            if let condition = subcase.condition {
                line += zh ? "(视情形:\(word(condition, language)))" : " (only if \(word(condition, language)))"
            }
            lines.append(line)
        }
        lines.append("")
        var promise =
            zh
            ? "承诺办结:\(compiled.promisedDays) 个工作日"
            : "Promised completion: \(compiled.promisedDays) working day\(compiled.promisedDays == 1 ? "" : "s")"
        if let compression = compiled.compression {
            let percent = Int((compression * 100).rounded())
            promise +=
                zh
                ? "(法定时限下最长的办理链为 \(compiled.legalCriticalPathDays) 个工作日,压缩 \(percent)%;各事项法定时限相加为 \(compiled.legalDaysTotal) 个工作日)"
                : " (at their legal limits the longest chain of items takes \(compiled.legalCriticalPathDays) working days: \(percent)% shorter; the items' legal limits added one after another come to \(compiled.legalDaysTotal))"
        }
        lines.append(promise)
        lines.append(
            zh
                ? "一表申请:填写 \(compiled.fields.count) 项信息(分别办理需填写 \(compiled.fieldsAskedSeparately) 项)"
                : "One form: \(compiled.fields.count) fields to fill in (\(compiled.fieldsAskedSeparately) if each item were applied for separately)"
        )
        let shared = compiled.materials.filter(\.sharedData).count
        lines.append(
            zh
                ? "一套材料:\(compiled.materials.count) 项材料(分别办理需提交 \(compiled.materialsNeededSeparately) 项),其中 \(shared) 项通过数据共享获取,无需提交"
                : "One set of materials: \(compiled.materials.count) (\(compiled.materialsNeededSeparately) if applied for separately), \(shared) of them obtained from shared data"
        )
        lines.append("")
        lines.append(zh ? "需准备的材料:" : "Materials to bring:")
        let toBring = compiled.materials.filter { !$0.sharedData }
        let materialWidth = min(36, toBring.map { DisplayWidth.of($0.name.text(in: language)) }.max() ?? 0)
        for (index, material) in toBring.enumerated() {
            var line = "  \(index + 1). " + DisplayWidth.padded(material.name.text(in: language), to: materialWidth)
            line +=
                zh
                ? "  \(material.form.label.zh) \(material.copies) 份"
                : "  \(material.form.label.en), \(material.copies) cop\(material.copies == 1 ? "y" : "ies")"
            let departmentList = material.departments.map { catalog.departments[$0]?.name.text(in: language) ?? $0 }
            line +=
                zh ? "  (\(departmentList.joined(separator: "、")))" : "  (\(departmentList.joined(separator: ", ")))"
            if material.acceptWithGaps { line += zh ? " 可容缺" : " may follow later" }
            if let condition = material.condition {
                line += zh ? " 视情形:\(word(condition, language))" : " only if \(word(condition, language))"
            }
            lines.append(line)
        }
        let obtained = compiled.materials.filter(\.sharedData)
        if !obtained.isEmpty {
            lines.append(zh ? "无需提交(已通过数据共享获取):" : "Not needed (obtained from shared data):")
            for material in obtained {
                lines.append("  - " + material.name.text(in: language))
            }
        }
        if !compiled.producedMaterials.isEmpty {
            lines.append(zh ? "由本次办理产生,无需提交:" : "Made in this application, no need to bring:")
            for material in compiled.producedMaterials {
                lines.append(
                    "  - " + material.name.text(in: language)
                        + (zh ? "(由“\(material.producerName.zh)”产生)" : " (made by \(material.producerName.en))"))
            }
        }
        if !compiled.openSituations.isEmpty {
            lines.append("")
            lines.append(zh ? "办理时将询问:" : "You will be asked:")
            for situation in compiled.openSituations {
                let choices = situation.choices.map { $0.label.text(in: language) }.joined(separator: " / ")
                lines.append("  - \(situation.question.text(in: language)) (\(choices))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func days(_ subcase: PlannedSubcase, zh: Bool) -> String {
        if subcase.kind == .immediate { return zh ? "即办" : "on the spot" }
        return zh
            ? "\(subcase.promisedDays) 个工作日"
            : "\(subcase.promisedDays) working day\(subcase.promisedDays == 1 ? "" : "s")"
    }

    private func word(_ condition: ConditionExpression, _ language: Language) -> String {
        condition.wording(situations: bundle.situations, catalog: catalog, language: language)
    }
}
