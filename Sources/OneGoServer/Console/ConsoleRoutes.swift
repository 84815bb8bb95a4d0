import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import Logging

/// The staff console under `/console`: server-rendered pages over the same engine, accounts and
/// sessions as the API (docs/console.md).
struct ConsoleRoutes {
    let engine: CaseEngine
    let deliveries: (any DeliveryRepository)?
    let session: ConsoleSession

    func add(to router: Router<ServerContext>) {
        let console = router.group("console").add(middleware: ConsoleErrorPages(session: session))
        console.get("assets/console.css") { _, _ in Self.asset(ConsolePage.stylesheet, type: "text/css") }
        console.get("assets/console.js") { _, _ in Self.asset(ConsolePage.script, type: "text/javascript") }
        console.get("login", use: session.loginPage)
        console.post("login", use: session.login)
        console.post("logout", use: session.logout)
        console.get("", use: session.home)
        let window = WindowPages(engine: engine, session: session)
        console.get("cases", use: window.search)
        console.get("cases/{number}", use: window.casePage)
        let counter = CounterPages(engine: engine, session: session)
        console.get("cases/{number}/receipt", use: counter.receipt)
        console.get("cases/{number}/correction-notice", use: counter.correctionNotice)
        console.post("cases/{number}/supply", use: counter.supply)
        console.post("cases/{number}/handout", use: counter.handout)
        let intake = IntakePages(engine: engine, session: session)
        console.get("intake", use: intake.bundles)
        console.get("intake/{bundle}", use: intake.form)
        console.post("intake/{bundle}", use: intake.submit)
        console.get("intake/{bundle}/notice", use: intake.notice)
        let desk = DeskPages(engine: engine, session: session)
        console.get("desk", use: desk.inbox)
        console.get("desk/{id}", use: desk.subcasePage)
        console.get("desk/{id}/materials/{material}/scans/{sha256}", use: desk.scan)
        console.post("desk/{id}/{step}", use: desk.step)
        let dashboard = DashboardPages(engine: engine, deliveries: deliveries, session: session)
        console.get("dashboard", use: dashboard.dashboard)
        console.post("ratings/{number}/follow-up", use: dashboard.followUp)
        console.get("sign-ins", use: AccessPages(engine: engine, session: session).signIns)
    }
}

extension ConsoleRoutes {
    /// A stylesheet or script the server itself serves (no CDN on the government network).
    static func asset(_ text: String, type: String) -> Response {
        var headers = ConsolePage.securityHeaders(contentType: type + "; charset=utf-8")
        headers[.cacheControl] = "max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Every console error as a page, in the viewer's language: no session → the sign-in page; a
/// refused form, a forbidden page, an engine error → the message naming the case or step and
/// whether trying again can help. The language switch (`?lang=`) is remembered in a cookie.
struct ConsoleErrorPages: RouterMiddleware {
    typealias Context = ServerContext
    let session: ConsoleSession

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        let language = Language(request)
        var response: Response
        do {
            response = try await next(request, context)
        } catch let redirect as ConsoleRedirect {
            response = ConsolePage.redirect(to: redirect.to)
        } catch {
            let problem: Problem
            switch error {
            case let known as Problem: problem = known
            case let engine as CaseEngineError: problem = Problem(engine)
            case let http as HTTPError where http.status == .notFound: problem = .noSuchRoute
            default:
                context.logger.error("console page failed: \(String(describing: type(of: error)))")
                problem = Problem(
                    .internalServerError, code: "internal",
                    title: LocalizedText(zh: "服务器出错;请稍后重试", en: "the server failed; try again later"), retryable: true)
            }
            let l = language
            let again: String =
                problem.retryable
                ? l("稍后重试可能成功。", "Trying again later may work.") : l("重试不会改变结果。", "Trying again will not change this.")
            let viewer = await session.caller(request).map { caller, token in
                ConsoleViewer(caller: caller, language: l, csrf: ConsoleSession.csrfToken(session: token))
            }
            response = ConsolePage.render(
                l("无法完成", "Could not be done"),
                body:
                    "<p class=\"error\" role=\"alert\">\(l(problem.title))</p><p class=\"muted\">\(again) (\(problem.code))</p>",
                viewer: viewer, language: l, status: problem.status)
        }
        if let asked = request.uri.queryParameters["lang"].flatMap({ Language(rawValue: String($0)) }) {
            response.setCookie(session.cookie(ConsoleSession.languageCookie, asked.rawValue, maxAge: 365 * 86400))
        }
        return response
    }
}
