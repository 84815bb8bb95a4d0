import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import WorkCalendar

/// The window workstation: find a walk-in citizen's case by whatever they bring (number, name,
/// full ID number, phone) and see all of it — every sub-case, the corrections asked, the 容缺
/// promises and who did what when. ID numbers are shown masked.
struct WindowPages {
    let engine: CaseEngine
    let session: ConsoleSession

    static let viewers: Set<Caller.Kind> = [.window, .supervisor, .administrator]

    /// `GET /console/cases?q=…`.
    @Sendable func search(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: Self.viewers)
        let l = viewer.language
        let text = request.uri.queryParameters["q"].map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        var results: HTML = .empty
        if !text.isEmpty {
            let page = try await engine.findCases(Self.query(text), after: nil, limit: 50)
            let rows = page.items.map { item -> HTML in
                """
                <tr><td><a href="/console/cases/\(item.number)">\(item.number)</a></td><td>\(item.applicantName)</td>
                <td>\(item.applicantIDMasked)</td><td>\(l(item.bundleName))</td><td>\(l(item.status.label))</td>
                <td>\(item.submittedOn.description)</td><td>\(Self.deadline(item.promised, l))</td></tr>
                """
            }
            results =
                rows.isEmpty
                ? "<p class=\"notice\">\(l("没有找到办件;请核对后重试,或换用身份证号、手机号查询", "no case found; check and try again, or search by ID number or phone"))</p>"
                : """
                <table id="results"><thead><tr><th>\(l("办件号", "Case"))</th><th>\(l("申请人", "Applicant"))</th>
                <th>\(l("身份证号", "ID number"))</th><th>\(l("事项", "Bundle"))</th><th>\(l("状态", "Status"))</th>
                <th>\(l("受理日期", "Accepted"))</th><th>\(l("承诺办结", "Promised"))</th></tr></thead>
                <tbody>\(rows)</tbody></table>
                """
        }
        let body: HTML = """
            <form class="search" method="get" action="/console/cases">
            <input type="search" name="q" value="\(text)" placeholder="\(l("办件号、申请人姓名、完整身份证号或手机号", "case number, applicant's name, full ID number or phone"))" autofocus>
            <button type="submit">\(l("查询", "Search"))</button></form>
            \(results)
            """
        return ConsolePage.render(l("办件查询", "Find a case"), body: body, viewer: viewer, language: l)
    }

    /// What a search box holds: a case number, an ID number, a phone, or else a name.
    static func query(_ text: String) -> CaseQuery {
        var query = CaseQuery()
        let upper = text.uppercased()
        if upper.hasPrefix("OG") {
            query.number = upper
        } else if text.count == 18, text.dropLast().allSatisfy(\.isNumber) {
            query.applicantIDNumber = upper
        } else if text.count == 11, text.allSatisfy(\.isNumber) {
            query.applicantPhone = text
        } else {
            query.applicantName = text
        }
        return query
    }

    /// `GET /console/cases/{number}`: the case, its sub-cases, corrections, materials and timeline.
    @Sendable func casePage(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: Self.viewers)
        let l = viewer.language
        let number = try context.parameters.require("number")
        let summary = try await engine.caseSummary(number)
        let events = try await engine.repository.auditEvents(ofCase: number)
        let subcases = summary.subcases.map { subcase -> HTML in
            """
            <tr><td>\(subcase.id)</td><td>\(l(subcase.itemName))</td><td>\(l(subcase.departmentName))</td>
            <td>\(l(subcase.state.label))</td><td>\(subcase.due.map { Self.deadline($0, l) } ?? "—")</td>
            <td>\(subcase.reason ?? "")</td></tr>
            """
        }
        let corrections = summary.corrections.map { notice -> HTML in
            let asked = (notice.materials + notice.fields).map { l($0.name) }.joined(separator: "、")
            return "<li>\(l(notice.department)) \(notice.requestedOn.description): \(asked) \(notice.note)</li>"
        }
        let materials = summary.materials.map { material -> HTML in
            """
            <tr><td>\(l(material.name))</td><td>\(material.status)</td><td>\(material.promisedBy ?? "")</td></tr>
            """
        }
        let timeline = events.map { stored -> HTML in
            let event = stored.event
            return """
                <tr><td>\(event.at)</td><td>\(event.action)</td><td>\(event.principal.id) (\(event.principal.role.rawValue), \(event.principal.via))</td>
                <td>\(event.subcaseID)</td><td>\(event.before) → \(event.after)</td></tr>
                """
        }
        let body: HTML = """
            <dl>
            <dt>\(l("事项", "Bundle"))</dt><dd>\(l(summary.bundleName)) (\(summary.bundle)@\(summary.version))</dd>
            <dt>\(l("申请人", "Applicant"))</dt><dd>\(summary.applicantName) \(summary.applicantIDMasked)</dd>
            <dt>\(l("状态", "Status"))</dt><dd id="case-status">\(l(summary.status.label))</dd>
            <dt>\(l("受理渠道", "Channel"))</dt><dd>\(summary.channel.kind.rawValue) \(summary.channel.id)</dd>
            <dt>\(l("受理日期", "Accepted"))</dt><dd>\(summary.submittedOn.description)</dd>
            <dt>\(l("承诺办结", "Promised"))</dt><dd>\(Self.deadline(summary.promised, l))</dd>
            </dl>
            <h2>\(l("分办事项", "Sub-cases"))</h2>
            <table id="subcases"><thead><tr><th>\(l("编号", "Id"))</th><th>\(l("事项", "Item"))</th><th>\(l("部门", "Department"))</th>
            <th>\(l("状态", "State"))</th><th>\(l("办理时限", "Due"))</th><th>\(l("说明", "Reason"))</th></tr></thead>
            <tbody>\(subcases)</tbody></table>
            \(corrections.isEmpty ? .empty : "<h2>\(l("待补正", "Corrections asked"))</h2><ul>\(corrections)</ul>" as HTML)
            <h2>\(l("材料", "Materials"))</h2>
            <table><thead><tr><th>\(l("材料", "Material"))</th><th>\(l("状态", "Status"))</th><th>\(l("容缺承诺日期", "Promised by"))</th></tr></thead>
            <tbody>\(materials)</tbody></table>
            <h2>\(l("办理记录", "Timeline"))</h2>
            <table id="timeline"><thead><tr><th>\(l("时间", "When"))</th><th>\(l("操作", "Action"))</th><th>\(l("操作人", "Who"))</th>
            <th>\(l("分办事项", "Sub-case"))</th><th>\(l("状态变化", "State"))</th></tr></thead>
            <tbody>\(timeline)</tbody></table>
            """
        let actions = CounterPages(engine: engine, session: session).actions(for: summary, viewer: viewer)
        return ConsolePage.render(
            "\(l("办件", "Case")) \(number)", body: HTML([actions, body]), viewer: viewer, language: l)
    }

    static func deadline(_ deadline: Deadline, _ l: Language) -> String {
        deadline.provisional ? "\(deadline.date) \(l("(暂定)", "(provisional)"))" : deadline.date.description
    }
}
