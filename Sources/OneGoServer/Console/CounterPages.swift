import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import WorkCalendar

/// What the window does with a case after intake: print the receipt (受理回执) and a correction
/// notice (补正告知书) on A4 with the centre's name, record materials that arrived (a correction's,
/// or one promised under 容缺), and hand out the results (统一出件) to a named recipient.
struct CounterPages {
    let engine: CaseEngine
    let session: ConsoleSession

    /// The forms under a case page, as the case's state allows.
    func actions(for summary: CaseSummary, viewer: ConsoleViewer) -> HTML {
        let l = viewer.language
        guard viewer.caller.kind == .window else { return .empty }
        var parts: [HTML] = [
            """
            <p><a href="/console/cases/\(summary.number)/receipt">\(l("打印受理回执", "Print the receipt"))</a>
            \(summary.corrections.isEmpty ? .empty : " · <a href=\"/console/cases/\(summary.number)/correction-notice\">\(l("打印补正告知书", "Print the correction notice"))</a>" as HTML)</p>
            """
        ]
        let asked = Set(summary.corrections.flatMap { $0.materials.map(\.id) })
        let awaited = summary.materials.filter { $0.status == MaterialStatus.missingWord || asked.contains($0.id) }
        if !awaited.isEmpty && !summary.status.isFinal {
            let boxes = awaited.map { material -> HTML in
                "<label><input type=\"checkbox\" name=\"material\" value=\"\(material.id)\"> \(l(material.name))</label> "
            }
            parts.append(
                """
                <form method="post" action="/console/cases/\(summary.number)/supply" id="supply"><h2>\(l("材料补交", "Materials that arrived"))</h2>
                <input type="hidden" name="csrf" value="\(viewer.csrf)">\(boxes)
                <button type="submit">\(l("登记收取", "Record as received"))</button></form>
                """)
        }
        if summary.status.isFinal && summary.handedOutAt == nil && summary.status != .withdrawn {
            parts.append(
                """
                <form method="post" action="/console/cases/\(summary.number)/handout" id="handout"><h2>\(l("统一出件", "Hand out the results"))</h2>
                <input type="hidden" name="csrf" value="\(viewer.csrf)">
                <label>\(l("领取人姓名", "Recipient's name")) <input type="text" name="name" required></label>
                <label>\(l("领取人身份证号(代领时)", "Recipient's ID number (when someone else collects)")) <input type="text" name="idNumber" autocomplete="off"></label>
                <button type="submit">\(l("确认出件", "Hand out"))</button></form>
                """)
        }
        if let handedOutAt = summary.handedOutAt {
            parts.append(
                "<p class=\"notice\">\(l("已出件", "Handed out")) \(handedOutAt) \(summary.handedOutTo.map { "\($0.name) \($0.idNumber.map(IDNumber.masked) ?? "")" } ?? "")</p>"
            )
        }
        return HTML(parts)
    }

    /// `GET /console/cases/{number}/receipt`.
    @Sendable func receipt(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.window])
        let l = viewer.language
        let number = try context.parameters.require("number")
        let receipt = try await engine.receipt(for: number)
        let lines = receipt.subcases.map { "<tr><td>\(l($0.department))</td><td>\(l($0.item))</td></tr>" as HTML }
        let body: HTML = """
            <section class="printable" id="receipt"><p class="centre">\(viewer.caller.scope)</p>
            <dl><dt>\(l("办件号", "Case"))</dt><dd>\(receipt.caseNumber)</dd>
            <dt>\(l("查询码", "Query code"))</dt><dd>\(receipt.queryCode)</dd>
            <dt>\(l("事项", "Bundle"))</dt><dd>\(l(receipt.bundleName))</dd>
            <dt>\(l("申请人", "Applicant"))</dt><dd>\(receipt.applicantName) \(receipt.applicantIDMasked)</dd>
            <dt>\(l("受理日期", "Accepted"))</dt><dd>\(receipt.submittedOn.description)</dd>
            <dt>\(l("承诺办结", "Promised"))</dt><dd>\(WindowPages.deadline(receipt.promised, l))</dd></dl>
            <table><thead><tr><th>\(l("部门", "Department"))</th><th>\(l("事项", "Item"))</th></tr></thead><tbody>\(lines)</tbody></table>
            <p class="muted">\(l("凭办件号和查询码在自助终端或窗口查询进度。", "Follow the case at a kiosk or window with its number and query code."))</p></section>
            <p><button type="button" data-print>\(l("打印", "Print"))</button> <a href="/console/cases/\(number)">\(l("返回办件", "Back to the case"))</a></p>
            """
        return ConsolePage.render(l("受理回执", "Receipt"), body: body, viewer: viewer, language: l)
    }

    /// `GET /console/cases/{number}/correction-notice`: everything the departments ask, in one notice.
    @Sendable func correctionNotice(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.window])
        let l = viewer.language
        let number = try context.parameters.require("number")
        let summary = try await engine.caseSummary(number)
        let items = summary.corrections.map { notice -> HTML in
            let asked = (notice.materials + notice.fields).map { "<li>\(l($0.name))</li>" as HTML }
            return """
                <h2>\(l(notice.department)) · \(notice.requestedOn.description)</h2><ul>\(asked)</ul>
                \(notice.note.isEmpty ? .empty : "<p>\(notice.note)</p>" as HTML)
                """
        }
        let body: HTML = """
            <section class="printable" id="correction-notice"><p class="centre">\(viewer.caller.scope)</p>
            <p>\(summary.applicantName) \(summary.applicantIDMasked) · \(l("办件号", "Case")) \(number)</p>
            <p>\(l("请补正以下材料或信息,补齐后各部门继续办理:", "Please supply the following; the departments continue once all of it is in:"))</p>
            \(items.isEmpty ? "<p>\(l("没有待补正的内容", "nothing to correct"))</p>" as HTML : HTML(items))</section>
            <p><button type="button" data-print>\(l("打印", "Print"))</button></p>
            """
        return ConsolePage.render(l("补正告知书", "Correction notice"), body: body, viewer: viewer, language: l)
    }

    /// `POST /console/cases/{number}/supply`.
    @Sendable func supply(_ request: Request, context: ServerContext) async throws -> Response {
        let (viewer, form) = try await session.postedForm(request, allowing: [.window])
        let number = try context.parameters.require("number")
        let materials = (form["material"] ?? "").split(separator: "\n").map(String.init)
        try await engine.supply(
            caseNumber: number, materials: materials, values: [:], actor: viewer.caller.principal(request: context.id))
        return ConsolePage.redirect(to: "/console/cases/\(number)")
    }

    /// `POST /console/cases/{number}/handout`.
    @Sendable func handout(_ request: Request, context: ServerContext) async throws -> Response {
        let (viewer, form) = try await session.postedForm(request, allowing: [.window])
        let number = try context.parameters.require("number")
        let idNumber = form["idNumber"].flatMap { $0.isEmpty ? nil : $0 }
        try await engine.handout(
            caseNumber: number, to: Recipient(name: form["name"] ?? "", idNumber: idNumber),
            actor: viewer.caller.principal(request: context.id))
        return ConsolePage.redirect(to: "/console/cases/\(number)")
    }
}
