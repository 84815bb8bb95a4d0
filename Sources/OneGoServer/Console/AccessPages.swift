import BundleKit
import CaseEngine
import Foundation
import Hummingbird

/// Who signed in, who was refused and who signed out, from the audit chain: for supervisors and
/// administrators, newest first.
struct AccessPages {
    let engine: CaseEngine
    let session: ConsoleSession

    /// `GET /console/sign-ins[?before=SEQ]`.
    @Sendable func signIns(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.supervisor, .administrator])
        let l = viewer.language
        let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
        let pageSize = 50
        let events = try await engine.accessEvents(before: before, limit: pageSize)
        let rows = events.map { stored -> HTML in
            let event = stored.event
            let refused = event.action == AccessAction.signInRefused.rawValue
            return """
                <tr\(refused ? " class=\"overdue\"" as HTML : .empty)><td>\(event.at)</td><td>\(Self.label(event.action, l))</td>
                <td>\(event.principal.id.isEmpty ? "—" : event.principal.id)</td><td>\(l == .zh ? SignInDetail.chinese(event.detail) : event.detail)</td></tr>
                """
        }
        let more: HTML =
            events.count == pageSize
            ? "<p><a href=\"/console/sign-ins?before=\(String(events[events.count - 1].seq))\">\(l("更早", "Earlier"))</a></p>"
            : .empty
        let body: HTML = """
            <p class="muted">\(l("登录、登录失败与退出均记入防篡改审计链。", "Sign-ins, refused sign-ins and sign-outs are kept in the tamper-evident audit chain."))</p>
            \(rows.isEmpty ? "<p class=\"muted\">\(l("无", "none"))</p>" as HTML : "<table id=\"sign-ins\"><thead><tr><th>\(l("时间", "When"))</th><th>\(l("操作", "Action"))</th><th>\(l("账户", "Account"))</th><th>\(l("详情", "Detail"))</th></tr></thead><tbody>\(rows)</tbody></table>" as HTML)
            \(more)
            """
        return ConsolePage.render(l("登录记录", "Sign-ins"), body: body, viewer: viewer, language: l)
    }

    static func label(_ action: String, _ l: Language) -> String {
        switch AccessAction(rawValue: action) {
        case .signIn: return l("登录", "signed in")
        case .signInRefused: return l("登录失败", "sign-in refused")
        case .signOut: return l("退出", "signed out")
        case nil: return action
        }
    }
}
