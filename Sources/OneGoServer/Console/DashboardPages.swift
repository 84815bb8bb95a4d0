import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import WorkCalendar

/// The supervisor's dashboard: on-time rates per department (a chart drawn by the server as SVG,
/// its numbers in a table beside it) and per item with compression against legal limits, the
/// overdue and soon-due sub-cases, ratings, and webhook deliveries that died.
struct DashboardPages {
    let engine: CaseEngine
    let deliveries: (any DeliveryRepository)?
    let session: ConsoleSession

    /// `GET /console/dashboard`.
    @Sendable func dashboard(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.supervisor, .administrator])
        let l = viewer.language
        let parameters = request.uri.queryParameters
        let from = parameters["from"].map(String.init) ?? ""
        let through = parameters["through"].map(String.init) ?? ""
        var range: DayRange?
        if !from.isEmpty || !through.isEmpty {
            guard let first = CalendarDate(from), let last = CalendarDate(through),
                let chosen = DayRange(from: first, through: last)
            else {
                throw Problem(
                    .badRequest, code: "invalid-request",
                    title: LocalizedText(
                        zh: "日期范围应为两个 YYYY-MM-DD 日期，且开始不晚于结束",
                        en: "the range is two days written YYYY-MM-DD, the first not after the second"))
            }
            range = chosen
        }
        let rows = try await engine.supervisionReport(finishedIn: range, finishedOnly: true)
        let departments = Dictionary(grouping: rows, by: \.department).map { department, items in
            (
                department: department, issued: items.reduce(0) { $0 + $1.issued },
                onTime: items.reduce(0) { $0 + $1.issuedOnTime }
            )
        }.sorted { $0.department < $1.department }
        let catalog = engine.library.catalog
        func department(_ id: String) -> String { catalog.departments[id].map { l($0.name) } ?? id }
        func item(_ id: String) -> String { catalog.items[id].map { l($0.name) } ?? id }
        let alerts = try await engine.deadlineAlerts(after: nil, limit: 50)
        let ratings = try await engine.ratingCounts()
        let awaiting = try await engine.ratingsAwaitingFollowUp(limit: 20)
        let itemRows = rows.map { row -> HTML in
            """
            <tr><td>\(department(row.department))</td><td>\(item(row.item))</td><td class="number">\(row.issued)</td>
            <td class="number">\(Self.percent(row.onTimeRate))</td>
            <td class="number">\(row.averageWorkingDays.map { String(format: "%.1f", $0) } ?? "—")</td>
            <td class="number">\(row.promisedDays)</td><td class="number">\(row.legalDays.map(String.init) ?? "—")</td></tr>
            """
        }
        let alertRows = alerts.items.map { alert -> HTML in
            """
            <tr class="\(alert.level == .overdue ? "overdue" : "warning")"><td>\(alert.level == .overdue ? l("已超期", "overdue") : l("即将到期", "due soon"))</td>
            <td>\(alert.subcase)</td><td>\(department(alert.department))</td><td>\(item(alert.item))</td><td>\(WindowPages.deadline(alert.due, l))</td></tr>
            """
        }
        let ratingRows = (1...5).map { grade -> HTML in
            "<tr><td>\(grade)</td><td class=\"number\">\(ratings[grade] ?? 0)</td></tr>"
        }
        // Supervisors follow ratings up; administrators see the list only.
        let mayFollowUp = viewer.caller.kind == .supervisor
        let followUpRows = awaiting.items.map { rating -> HTML in
            let form: HTML =
                mayFollowUp
                ? """
                <form method="post" action="/console/ratings/\(rating.caseNumber)/follow-up" class="follow-up">
                <input type="hidden" name="csrf" value="\(viewer.csrf)">
                <textarea name="note" rows="2" cols="40" maxlength="\(RatingFollowUp.maximumLength)" required placeholder="\(l("回访情况与整改措施", "What the call-back found and what was done"))"></textarea>
                <button type="submit">\(l("记录回访", "Record follow-up"))</button></form>
                """ : .empty
            return """
                <tr><td><a href="/console/cases/\(rating.caseNumber)">\(rating.caseNumber)</a></td><td class="number">\(rating.grade)</td>
                <td>\(rating.at)</td><td>\(form)</td></tr>
                """
        }
        let followUps: HTML = """
            <h2>\(l("差评待回访", "Bad ratings to follow up"))</h2>
            \(followUpRows.isEmpty ? "<p class=\"muted\">\(l("无", "none"))</p>" as HTML : "<table id=\"follow-ups\"><thead><tr><th>\(l("办件编号", "Case"))</th><th>\(l("评价", "Grade"))</th><th>\(l("评价时间", "Rated at"))</th><th>\(l("回访整改", "Follow-up"))</th></tr></thead><tbody>\(followUpRows)</tbody></table>" as HTML)
            """
        var deliveryPart: HTML = .empty
        if let deliveries {
            let dead = try await deliveries.deliveries(in: [.dead], limit: 50)
            let disabled = try await deliveries.endpoints(department: nil).filter { $0.status == .disabled }
            let deadRows = dead.map { record -> HTML in
                """
                <tr><td>#\(String(record.id))</td><td>\(record.type.rawValue)</td><td>\(record.subcase)</td><td>\(record.department)</td>
                <td>\(record.lastError ?? "")</td></tr>
                """
            }
            let disabledRows = disabled.map { endpoint -> HTML in
                "<tr><td>\(endpoint.id)</td><td>\(endpoint.department)</td><td>\(endpoint.url)</td><td>\(endpoint.disabledReason ?? "")</td></tr>"
            }
            deliveryPart = """
                <h2>\(l("推送失败", "Dead webhook deliveries"))</h2>
                \(deadRows.isEmpty ? "<p class=\"muted\">\(l("无", "none"))</p>" as HTML : "<table id=\"dead-deliveries\"><tbody>\(deadRows)</tbody></table>")
                \(disabledRows.isEmpty ? .empty : "<h2>\(l("已停用的推送地址", "Disabled endpoints"))</h2><table><tbody>\(disabledRows)</tbody></table>" as HTML)
                """
        }
        let departmentRows = departments.map { entry -> HTML in
            let rate = entry.issued > 0 ? Double(entry.onTime) / Double(entry.issued) : nil
            return
                "<tr><td>\(department(entry.department))</td><td class=\"number\">\(entry.issued)</td><td class=\"number\">\(Self.percent(rate))</td></tr>"
        }
        let period: HTML = """
            <form class="search" method="get" action="/console/dashboard" id="period">
            <label>\(l("办结日期自", "Finished from")) <input type="text" name="from" value="\(from)" placeholder="YYYY-MM-DD"></label>
            <label>\(l("至", "through")) <input type="text" name="through" value="\(through)" placeholder="YYYY-MM-DD"></label>
            <button type="submit">\(l("统计", "Show"))</button>
            \(range == nil ? .empty : "<a href=\"/console/dashboard\">\(l("全部", "All time"))</a>" as HTML)</form>
            """
        let body: HTML = """
            \(period)
            <h2>\(l("各部门按时办结率", "On-time rate by department"))\(range.map { " · \($0.from.description) – \($0.through.description)" } ?? "")</h2>
            <div class="chart">\(Self.chart(departments.map { (department($0.department), $0.issued > 0 ? Double($0.onTime) / Double($0.issued) : nil) }, l))
            <table id="on-time"><thead><tr><th>\(l("部门", "Department"))</th><th>\(l("已办结", "Issued"))</th><th>\(l("按时率", "On time"))</th></tr></thead>
            <tbody>\(departmentRows)</tbody></table></div>
            <h2>\(l("超期预警", "Overdue and due soon"))</h2>
            \(alertRows.isEmpty ? "<p class=\"muted\">\(l("无", "none"))</p>" as HTML : "<table id=\"alerts\"><tbody>\(alertRows)</tbody></table>")
            <h2>\(l("各事项", "By item"))</h2>
            <table><thead><tr><th>\(l("部门", "Department"))</th><th>\(l("事项", "Item"))</th><th>\(l("已办结", "Issued"))</th>
            <th>\(l("按时率", "On time"))</th><th>\(l("平均工作日", "Average working days"))</th><th>\(l("承诺时限", "Promised"))</th>
            <th>\(l("法定时限", "Legal"))</th></tr></thead><tbody>\(itemRows)</tbody></table>
            <h2>\(l("好差评", "Ratings"))</h2>
            <table><thead><tr><th>\(l("评价(1 非常满意 … 5 非常不满意)", "Grade (1 very satisfied … 5 very dissatisfied)"))</th><th>\(l("件数", "Cases"))</th></tr></thead>
            <tbody>\(ratingRows)</tbody></table>
            \(followUps)
            \(deliveryPart)
            """
        return ConsolePage.render(l("监督", "Supervision"), body: body, viewer: viewer, language: l)
    }

    /// `POST /console/ratings/{number}/follow-up`: records what was done about a bad rating.
    @Sendable func followUp(_ request: Request, context: ServerContext) async throws -> Response {
        let (viewer, form) = try await session.postedForm(request, allowing: [.supervisor])
        let number = try context.parameters.require("number")
        try await engine.followUpRating(
            caseNumber: number, note: form["note"] ?? "", actor: viewer.caller.principal(request: context.id))
        return ConsolePage.redirect(to: "/console/dashboard#follow-ups")
    }

    /// A horizontal bar per department, drawn by the server; its numbers are in the table beside it.
    static func chart(_ bars: [(name: String, rate: Double?)], _ l: Language) -> HTML {
        let height = 28 * max(1, bars.count) + 10
        let shapes = bars.enumerated().map { index, bar -> HTML in
            let y = 10 + index * 28
            let width = Int((bar.rate ?? 0) * 260)
            return """
                <text x="0" y="\(y + 15)" font-size="12">\(bar.name)</text>
                <rect x="150" y="\(y)" width="\(width)" height="18" fill="#8c1c13"></rect>
                <text x="\(155 + width)" y="\(y + 14)" font-size="12">\(percent(bar.rate))</text>
                """
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="460" height="\(height)" role="img" aria-label="\(l("各部门按时办结率", "on-time rate by department"))">\(shapes)</svg>
            """
    }

    static func percent(_ value: Double?) -> String { value.map { String(format: "%.0f%%", $0 * 100) } ?? "—" }
}
