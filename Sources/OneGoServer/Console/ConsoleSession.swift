import BundleKit
import CaseEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Signing in to the console with a staff account: the session is the API's (same lockout, same
/// eight hours), carried in a cookie that scripts cannot read (`HttpOnly`), that no other site's
/// page sends (`SameSite=Strict`), `Secure` under TLS, and scoped to `/console`. Every form carries
/// a token derived from the session; a form without it is refused.
struct ConsoleSession {
    static let sessionCookie = "onego_session"
    static let loginCookie = "onego_login"
    static let languageCookie = "onego_lang"

    let sessions: SessionRoutes
    let authenticator: CallerAuthenticator
    let secureCookies: Bool

    /// The form token of a session: only its holder can compute it.
    static func csrfToken(session token: String) -> String {
        String(SHA256.hex("onego console form " + token).prefix(32))
    }

    /// The caller of the request's session cookie, if it is a live staff session.
    func caller(_ request: Request) async -> (Caller, token: String)? {
        guard let token = request.cookies[Self.sessionCookie]?.value, token.hasPrefix("ogs."),
            let caller = try? await authenticator.staff(token: token)
        else { return nil }
        return (caller, token)
    }

    /// The viewer of a console page: the signed-in staff member, or a redirect to the sign-in page.
    func viewer(_ request: Request, allowing kinds: Set<Caller.Kind>) async throws -> ConsoleViewer {
        guard let (caller, token) = await caller(request) else { throw ConsoleRedirect(to: "/console/login") }
        guard kinds.contains(caller.kind) else { throw Problem.forbidden }
        return ConsoleViewer(
            caller: caller, language: Language(request), csrf: Self.csrfToken(session: token))
    }

    /// Refuses a form whose token is not the session's.
    /// A form posted by a signed-in member of staff of one of `kinds`: the viewer and the fields,
    /// once the form's token has been checked against the session. Every console form comes in here.
    func postedForm(
        _ request: Request, allowing kinds: Set<Caller.Kind>
    ) async throws -> (viewer: ConsoleViewer, form: [String: String]) {
        let viewer = try await viewer(request, allowing: kinds)
        let form = try await ConsoleForm.read(request)
        try Self.check(form, viewer: viewer)
        return (viewer, form)
    }

    static func check(_ form: [String: String], viewer: ConsoleViewer) throws {
        guard let sent = form["csrf"], constantTimeEqual(sent, viewer.csrf) else { throw Self.formRefused }
    }

    static let formRefused = Problem(
        .forbidden, code: "form-token-invalid",
        title: LocalizedText(
            zh: "表单已失效或不是从本系统提交的;请刷新页面后重新提交",
            en: "the form has expired or did not come from this console; reload the page and send it again"
        ))

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/console", secure: secureCookies, httpOnly: true,
            sameSite: .strict)
    }

    // MARK: - Pages

    /// `GET /console/login`: the form, with a token in a cookie of its own (no session yet).
    @Sendable func loginPage(_ request: Request, context: ServerContext) async throws -> Response {
        let language = Language(request)
        if await caller(request) != nil { return ConsolePage.redirect(to: "/console") }
        return loginForm(language: language, error: nil, status: .ok)
    }

    private func loginForm(language l: Language, error: String?, status: HTTPResponse.Status) -> Response {
        let token = randomToken()
        let body: HTML = """
            <form class="login" method="post" action="/console/login">
            \(error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" as HTML } ?? .empty)
            <input type="hidden" name="csrf" value="\(token)">
            <label for="account">\(l("账户", "Account"))</label>
            <input type="text" id="account" name="account" autocomplete="username" required autofocus>
            <label for="password">\(l("密码", "Password"))</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <p><button type="submit" id="sign-in">\(l("登录", "Sign in"))</button></p>
            </form>
            """
        var response = ConsolePage.render(
            l("工作人员登录", "Staff sign-in"), body: body, viewer: nil, language: l, status: status)
        response.setCookie(cookie(Self.loginCookie, token, maxAge: 3600))
        return response
    }

    /// `POST /console/login`.
    @Sendable func login(_ request: Request, context: ServerContext) async throws -> Response {
        let language = Language(request)
        let form = try await ConsoleForm.read(request)
        guard let expected = request.cookies[Self.loginCookie]?.value, let sent = form["csrf"],
            constantTimeEqual(sent, expected)
        else { throw Self.formRefused }
        do {
            let (token, _) = try await sessions.openSession(
                account: form["account"] ?? "", password: form["password"] ?? "", through: "console", context: context)
            var response = ConsolePage.redirect(to: "/console")
            response.setCookie(cookie(Self.sessionCookie, token, maxAge: Int(SessionRoutes.sessionSeconds)))
            response.setCookie(cookie(Self.loginCookie, "", maxAge: 0))
            return response
        } catch let problem as Problem
            where ["sign-in-failed", "account-locked", "too-many-sign-ins"].contains(problem.code)
        {
            return loginForm(
                language: language, error: language(problem.title),
                status: problem.code == "sign-in-failed" ? .unauthorized : .tooManyRequests)
        }
    }

    /// `POST /console/logout`: ends the session.
    @Sendable func logout(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await postedForm(request, allowing: Set(Caller.Kind.allCases)).viewer
        if let token = request.cookies[Self.sessionCookie]?.value {
            try await sessions.closeSession(token: token, caller: viewer.caller, through: "console", context: context)
        }
        var response = ConsolePage.redirect(to: "/console/login")
        response.setCookie(cookie(Self.sessionCookie, "", maxAge: 0))
        return response
    }

    /// `GET /console`: each role's home.
    @Sendable func home(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await viewer(request, allowing: [.window, .department, .supervisor, .administrator])
        switch viewer.caller.kind {
        case .department: return ConsolePage.redirect(to: "/console/desk")
        case .supervisor, .administrator: return ConsolePage.redirect(to: "/console/dashboard")
        default: return ConsolePage.redirect(to: "/console/cases")
        }
    }
}

/// Sent to the sign-in page (the session ended, or there was none).
struct ConsoleRedirect: Error {
    var to: String
}

extension Language {
    /// The language a request asks for: `?lang=`, else the cookie the switch set, else Chinese.
    init(_ request: Request) {
        if let asked = request.uri.queryParameters["lang"].flatMap({ Language(rawValue: String($0)) }) {
            self = asked
        } else {
            self = request.cookies[ConsoleSession.languageCookie].flatMap { Language(rawValue: $0.value) } ?? .zh
        }
    }
}

/// An `application/x-www-form-urlencoded` body (at most 64 KiB) as names and values.
enum ConsoleForm {
    static func read(_ request: Request) async throws -> [String: String] {
        let body = try await request.smallBody()
        var fields: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first else { continue }
            let value = parts.count > 1 ? decoded(parts[1]) : ""
            let key = decoded(name)
            // A repeated name (a list of checkboxes) keeps every value, one per line.
            fields[key] = fields[key].map { $0 + "\n" + value } ?? value
        }
        return fields
    }
}
