import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import Logging

/// The department desk: the department's inbox a page at a time; a sub-case with only its item's
/// projection (nothing until it is dispatched to the department); the steps it may take now,
/// each confirmed; outputs with the engine's validation; a correction asking for everything at once.
struct DeskPages {
    let engine: CaseEngine
    let session: ConsoleSession

    /// `GET /console/desk?after=…`.
    @Sendable func inbox(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.department])
        let l = viewer.language
        let after = request.uri.queryParameters["after"].map(String.init)
        let page = try await engine.inbox(department: viewer.caller.scope, after: after, limit: 50)
        let rows = page.items.map { view -> HTML in
            let subcase = view.subcase
            return """
                <tr><td><a href="/console/desk/\(subcase.id)">\(subcase.id)</a></td><td>\(l(subcase.itemName))</td>
                <td>\(l(subcase.state.label))</td><td>\(subcase.due.map { WindowPages.deadline($0, l) } ?? "—")</td>
                <td>\(subcase.allowedSteps.map { Self.stepName($0, l) }.joined(separator: "、"))</td></tr>
                """
        }
        let more: HTML =
            page.next.map { "<p><a href=\"/console/desk?after=\($0)\">\(l("下一页", "Next page"))</a></p>" } ?? .empty
        let body: HTML =
            rows.isEmpty
            ? "<p class=\"notice\">\(l("没有待办的分办事项", "no open sub-cases"))</p>"
            : """
            <table id="inbox"><thead><tr><th>\(l("分办事项", "Sub-case"))</th><th>\(l("事项", "Item"))</th>
            <th>\(l("状态", "State"))</th><th>\(l("办理时限", "Due"))</th><th>\(l("可做", "Next steps"))</th></tr></thead>
            <tbody>\(rows)</tbody></table>\(more)
            """
        return ConsolePage.render(
            l("待办", "Inbox") + " · " + viewer.caller.scope, body: body, viewer: viewer, language: l)
    }

    /// `GET /console/desk/{id}/materials/{material}/scans/{sha256}`: a scan handed in for one of the
    /// sub-case's materials, to view in the browser; the engine decides whether the clerk's
    /// department may see it.
    @Sendable func scan(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.department])
        let id = try context.parameters.require("id")
        let material = try context.parameters.require("material")
        let scan = try await engine.departmentAttachment(
            id, department: viewer.caller.scope, material: material, sha256: try context.parameters.require("sha256"))
        context.logger.info("scan viewed", metadata: ["account": "\(viewer.caller.id)", "subcase": "\(id)"])
        return ScanResponse.make(scan, material: material)
    }

    /// A size in bytes as people read it.
    static func size(_ bytes: Int) -> String {
        bytes < 1024
            ? "\(bytes) B"
            : bytes < 1024 * 1024 ? "\(bytes / 1024) KB" : String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }

    /// `GET /console/desk/{id}`: the sub-case as its department sees it, and its step forms.
    @Sendable func subcasePage(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.department])
        let id = try context.parameters.require("id")
        return try await page(id, viewer: viewer, message: nil)
    }

    private func page(_ id: String, viewer: ConsoleViewer, message: HTML?) async throws -> Response {
        let l = viewer.language
        let view = try await engine.departmentView(id, department: viewer.caller.scope)
        let subcase = view.subcase
        let catalog = engine.library.catalog
        let fields = view.fields.map { "<dt>\(l($0.label))</dt><dd>\($0.value)</dd>" as HTML }
        let inputs = view.inputs.map { "<dt>\($0.element) (\($0.from))</dt><dd>\($0.value)</dd>" as HTML }
        let materials = view.materials.map { material -> HTML in
            let scans = material.attachments.enumerated().map { index, scan -> HTML in
                """
                <a href="/console/desk/\(id)/materials/\(material.id)/scans/\(scan.sha256)" target="_blank" rel="noopener">\(l("扫描件", "Scan")) \(String(index + 1))</a> (\(scan.mediaType), \(Self.size(scan.size)))\(index + 1 < material.attachments.count ? "<br>" as HTML : .empty)
                """
            }
            let links: HTML = scans.isEmpty ? "—" : HTML(scans)
            return "<tr><td>\(l(material.name))</td><td>\(material.status)</td><td>\(links)</td></tr>"
        }
        var forms: [HTML] = []
        for step in subcase.allowedSteps {
            var extra: HTML = .empty
            switch step {
            case .issue:
                let outputs = catalog.items[subcase.item]?.outputs ?? []
                let fields = outputs.map { element -> HTML in
                    let label = catalog.elements[element].map { l($0.label) } ?? element
                    return "<label>\(label) <input type=\"text\" name=\"output.\(element)\" required></label>"
                }
                extra = """
                    \(fields)<label><input type="checkbox" name="override" value="yes"> \(l("已人工核实，代码无误(校验警告仍办结)", "checked by hand: issue despite a check warning"))</label>
                    """
            case .correct:
                let item = catalog.items[subcase.item]
                let materialBoxes = (item?.materials ?? []).map { material -> HTML in
                    let name = catalog.materials[material.material].map { l($0.name) } ?? material.material
                    return
                        "<label><input type=\"checkbox\" name=\"material\" value=\"\(material.material)\"> \(name)</label>"
                }
                let fieldBoxes = view.fields.map { field -> HTML in
                    "<label><input type=\"checkbox\" name=\"field\" value=\"\(field.element)\"> \(l(field.label))</label>"
                }
                extra = """
                    <fieldset><legend>\(l("需补正的材料与信息", "What to correct"))</legend>\(materialBoxes)\(fieldBoxes)
                    <label>\(l("说明", "Note")) <input type="text" name="note"></label></fieldset>
                    """
            case .reject:
                extra = "<label>\(l("理由", "Reason")) <input type=\"text\" name=\"reason\" required></label>"
            default: break
            }
            forms.append(
                """
                <form method="post" action="/console/desk/\(subcase.id)/\(step.rawValue)" class="step" id="step-\(step.rawValue)">
                <input type="hidden" name="csrf" value="\(viewer.csrf)">\(extra)
                <label><input type="checkbox" name="confirm" value="yes" required> \(l("确认", "Confirm"))</label>
                <button type="submit">\(Self.stepName(step, l))</button></form>
                """)
        }
        let body: HTML = """
            \(message ?? .empty)
            <dl><dt>\(l("事项", "Item"))</dt><dd>\(l(subcase.itemName))</dd>
            <dt>\(l("办件", "Case"))</dt><dd>\(view.caseNumber)</dd>
            <dt>\(l("状态", "State"))</dt><dd id="subcase-state">\(l(subcase.state.label))</dd>
            <dt>\(l("办理时限", "Due"))</dt><dd>\(subcase.due.map { WindowPages.deadline($0, l) } ?? "—")</dd></dl>
            \(view.withheld ? "<p class=\"notice\">\(l("前置事项办结后才能查看申请信息", "the application is shown once the items this one waits for are issued"))</p>" as HTML : .empty)
            \(fields.isEmpty ? .empty : "<h2>\(l("申请信息", "Application"))</h2><dl>\(fields)</dl>" as HTML)
            \(inputs.isEmpty ? .empty : "<h2>\(l("其他事项的结果", "From other items"))</h2><dl>\(inputs)</dl>" as HTML)
            \(materials.isEmpty ? .empty : "<h2>\(l("材料", "Materials"))</h2><table><thead><tr><th>\(l("材料", "Material"))</th><th>\(l("状态", "Status"))</th><th>\(l("扫描件", "Scans"))</th></tr></thead><tbody>\(materials)</tbody></table>" as HTML)
            <div class="steps">\(forms)</div>
            """
        return ConsolePage.render(
            "\(l("分办事项", "Sub-case")) \(subcase.id)", body: body, viewer: viewer, language: l)
    }

    /// `POST /console/desk/{id}/{step}`: the step, confirmed; the page again with what happened.
    @Sendable func step(_ request: Request, context: ServerContext) async throws -> Response {
        let (viewer, form) = try await session.postedForm(request, allowing: [.department])
        let id = try context.parameters.require("id")
        let name = try context.parameters.require("step")
        let l = viewer.language
        guard form["confirm"] == "yes" else {
            return try await page(
                id, viewer: viewer,
                message: "<p class=\"error\">\(l("请勾选“确认”后再提交", "tick Confirm, then send it again"))</p>")
        }
        guard let step = SubcaseStep(rawValue: name) else { throw Problem.noSuchRoute }
        let department = viewer.caller.scope
        let actor = viewer.caller.principal(request: context.id)
        do throws(CaseEngineError) {
            try await perform(step, on: id, form: form, department: department, actor: actor)
        } catch {
            if error.retryable { throw error }
            return try await page(
                id, viewer: viewer,
                message:
                    "<p class=\"error\" role=\"alert\">\(Self.stepName(step, l)) \(id): \(l(Problem(error).title))</p>")
        }
        return ConsolePage.redirect(to: "/console/desk/\(id)")
    }

    private func perform(
        _ step: SubcaseStep, on id: String, form: [String: String], department: String, actor: Principal
    ) async throws(CaseEngineError) {
        func list(_ name: String) -> [String] { form[name].map { $0.split(separator: "\n").map(String.init) } ?? [] }
        switch step {
        case .accept: _ = try await engine.accept(id, department: department, actor: actor)
        case .review: _ = try await engine.review(id, department: department, actor: actor)
        case .approve: _ = try await engine.approve(id, department: department, actor: actor)
        case .issue:
            var outputs: [String: String] = [:]
            for (key, value) in form where key.hasPrefix("output.") { outputs[String(key.dropFirst(7))] = value }
            _ = try await engine.issue(
                id, department: department, outputs: outputs, overrideWarnings: form["override"] == "yes", actor: actor)
        case .correct:
            _ = try await engine.requestCorrection(
                id, department: department, materials: list("material"), fields: list("field"),
                note: form["note"] ?? "", actor: actor)
        case .reject:
            _ = try await engine.reject(id, department: department, reason: form["reason"] ?? "", actor: actor)
        }
    }

    static func stepName(_ step: SubcaseStep, _ l: Language) -> String {
        switch step {
        case .accept: return l("受理", "Accept")
        case .review: return l("审核", "Review")
        case .approve: return l("批准", "Approve")
        case .issue: return l("办结出证", "Issue")
        case .correct: return l("要求补正", "Ask for a correction")
        case .reject: return l("不予批准", "Reject")
        }
    }
}
