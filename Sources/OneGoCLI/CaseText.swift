import BundleKit
import CaseEngine
import WorkCalendar

/// Text renderings of engine values for staff terminals.
enum CaseText {
    /// A stored value as a terminal may show it.
    private static func e(_ text: String) -> String { TerminalText.escaped(text) }

    static func receipt(_ receipt: Receipt) -> String {
        var lines = [
            "受理回执 / Acceptance receipt",
            "案件编号 Case number: \(receipt.caseNumber)",
            "查询码 Query code:    \(receipt.queryCode)",
            "事项 Bundle:          \(receipt.bundleName.zh) (\(receipt.bundle))",
            "申请人 Applicant:     \(e(receipt.applicantName)) \(receipt.applicantIDMasked)",
            "受理日期 Accepted:    \(receipt.submittedOn)",
            "承诺办结 Promised:    \(receipt.promised)",
            "办理部门 Departments:",
        ]
        for (index, subcase) in receipt.subcases.enumerated() {
            lines.append("  \(index + 1). \(subcase.department.zh) — \(subcase.item.zh)")
        }
        return lines.joined(separator: "\n")
    }

    static func dueText(_ due: Deadline?) -> String { due.map(\.description) ?? "—" }

    static func summary(_ summary: CaseSummary) -> String {
        var lines = [
            "\(summary.number)  \(summary.bundleName.zh) (\(summary.bundle) \(summary.version))  \(summary.status.rawValue) \(summary.status.label.zh)",
            "applicant \(e(summary.applicantName)) \(summary.applicantIDMasked)  via \(summary.channel.kind.rawValue) \(e(summary.channel.id))",
            "accepted \(summary.submittedOn)  promised \(summary.promised)"
                + (summary.handedOutAt.map { "  handed out \($0)" } ?? "")
                + (summary.handedOutTo.map { " to \(e($0.name))" + ($0.idNumber.map { " \($0)" } ?? "") } ?? ""),
            "sub-cases:",
        ]
        let width = summary.subcases.map { DisplayWidth.of($0.departmentName.zh) }.max() ?? 0
        for subcase in summary.subcases {
            var line = "  \(subcase.id)  " + DisplayWidth.padded(subcase.departmentName.zh, to: width)
            line +=
                "  \(subcase.item)  \(subcase.state.rawValue) \(subcase.state.label.zh)  due \(dueText(subcase.due))"
            if let reason = subcase.reason { line += "  (\(e(reason)))" }
            lines.append(line)
            for output in subcase.outputs { lines.append("      issued \(output.element) = \(e(output.value))") }
        }
        for notice in summary.corrections {
            lines.append("correction asked by \(notice.department.zh) (\(notice.subcaseID)) on \(notice.requestedOn):")
            for material in notice.materials { lines.append("  material \(material.id): \(material.name.zh)") }
            for field in notice.fields { lines.append("  field \(field.element): \(field.label.zh)") }
            if !notice.note.isEmpty { lines.append("  note: \(e(notice.note))") }
        }
        lines.append("materials:")
        for material in summary.materials {
            lines.append(
                "  \(material.id)  \(material.name.zh)  \(material.status)"
                    + (material.promisedBy.map { " (promised by \($0))" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    static func listLine(_ summary: CaseSummary) -> String {
        "\(summary.number)  \(summary.status.rawValue)  \(summary.bundle)  \(e(summary.applicantName)) \(summary.applicantIDMasked)  promised \(summary.promised)"
    }

    static func departmentView(_ view: DepartmentView) -> String {
        let subcase = view.subcase
        var lines = [
            "\(subcase.id)  case \(view.caseNumber)  \(subcase.itemName.zh) (\(subcase.item))",
            "state \(subcase.state.rawValue)  due \(dueText(subcase.due))  next: "
                + (subcase.allowedSteps.isEmpty ? "—" : subcase.allowedSteps.map(\.rawValue).joined(separator: ", ")),
        ]
        if view.withheld {
            lines.append(
                view.subcase.state == .cancelled
                    ? "cancelled before it was dispatched: the case's data is not shown"
                    : "not dispatched yet: the case's data is shown once the items it waits for are issued")
            return lines.joined(separator: "\n")
        }
        if !view.inputs.isEmpty {
            lines.append("inputs:")
            for input in view.inputs { lines.append("  \(input.element) = \(e(input.value))  (from \(input.from))") }
        }
        lines.append("fields:")
        for field in view.fields { lines.append("  \(field.element)  \(field.label.zh): \(e(field.value))") }
        lines.append("materials:")
        for material in view.materials {
            var line = "  \(material.id)  \(material.name.zh)  \(material.status)"
            for attachment in material.attachments {
                line += "  [\(attachment.mediaType), \(attachment.size) bytes, sha256 \(attachment.sha256.prefix(16))…]"
            }
            lines.append(line)
        }
        if let correction = view.correction {
            lines.append(
                "open correction: "
                    + (correction.materials.map(\.id) + correction.fields.map(\.element)).joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
