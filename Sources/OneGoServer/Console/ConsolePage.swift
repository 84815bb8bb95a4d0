import BundleKit
import CaseEngine
import Foundation
import HTTPTypes
import Hummingbird

/// What every console page knows: who is looking, in which language, and the form token.
struct ConsoleViewer: Sendable {
    var caller: Caller
    var language: Language
    /// The CSRF token every form of this session carries.
    var csrf: String
}

/// The console's pages: one shell (header, navigation by role, language switch), a stylesheet
/// served by the server itself (no CDN: the government network has no internet), and the headers
/// that keep pages from being framed, sniffed, cached or given scripts from elsewhere.
enum ConsolePage {
    /// A whole page.
    static func render(
        _ title: String, body: HTML, viewer: ConsoleViewer?, language: Language,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let l = language
        let navigation: HTML
        if let viewer {
            var links: [HTML] = []
            switch viewer.caller.kind {
            case .window:
                links.append("<a href=\"/console/cases\">\(l("办件查询", "Cases"))</a>")
                links.append("<a href=\"/console/intake\">\(l("受理申请", "New application"))</a>")
            case .department: links.append("<a href=\"/console/desk\">\(l("待办", "Inbox"))</a>")
            case .supervisor, .administrator:
                links.append("<a href=\"/console/dashboard\">\(l("监督", "Dashboard"))</a>")
                links.append("<a href=\"/console/sign-ins\">\(l("登录记录", "Sign-ins"))</a>")
                links.append("<a href=\"/console/cases\">\(l("办件查询", "Cases"))</a>")
            case .kiosk: break
            }
            navigation = """
                <nav>\(links)</nav>
                <form class="signout" method="post" action="/console/logout">
                <input type="hidden" name="csrf" value="\(viewer.csrf)">
                <span>\(viewer.caller.id)</span> <button type="submit">\(l("退出", "Sign out"))</button></form>
                """
        } else {
            navigation = .empty
        }
        let other = language == .zh ? "en" : "zh"
        let page: HTML = """
            <!doctype html>
            <html lang="\(language == .zh ? "zh-CN" : "en")">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · OneGo</title><link rel="stylesheet" href="/console/assets/console.css">
            <script src="/console/assets/console.js" defer></script></head>
            <body><header><a class="brand" href="/console">OneGo \(l("一件事一次办", "one thing, one go"))</a>
            \(navigation)<a class="language" href="?lang=\(other)">\(language == .zh ? "English" : "中文")</a></header>
            <main><h1>\(title)</h1>
            \(body)</main></body></html>
            """
        return Response(
            status: status, headers: securityHeaders(contentType: "text/html; charset=utf-8"),
            body: .init(byteBuffer: ByteBuffer(string: page.text)))
    }

    /// A redirect after a form (303) or to the sign-in page.
    static func redirect(to location: String) -> Response {
        var headers = securityHeaders(contentType: "text/plain; charset=utf-8")
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func securityHeaders(contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        if let name = HTTPField.Name("X-Content-Type-Options") { headers[name] = "nosniff" }
        if let name = HTTPField.Name("Referrer-Policy") { headers[name] = "no-referrer" }
        return headers
    }

    /// The one script: a print button (the pages work without it; the browser's own print does the same).
    static let script = """
        document.addEventListener("click", function (event) {
          if (event.target.closest("[data-print]")) { window.print(); }
        });
        """

    /// The stylesheet: plain CSS for a 1366×768 window PC, and A4 for printing.
    static let stylesheet = """
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; color: #1d2733; background: #f4f6f8; }
        header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.5rem; background: #8c1c13; color: #fff; }
        header a { color: #fff; text-decoration: none; } header .brand { font-weight: 700; }
        header nav { display: flex; gap: 1rem; flex: 1; } header .language { margin-left: auto; }
        header form.signout { display: flex; gap: .5rem; align-items: center; margin: 0; }
        main { max-width: 1300px; margin: 1rem auto; padding: 0 1.5rem; }
        h1 { font-size: 1.4rem; margin: .5rem 0 1rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 1rem; }
        th, td { border: 1px solid #d5dbe1; padding: .35rem .6rem; text-align: left; vertical-align: top; }
        th { background: #eef1f4; font-weight: 600; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        form.inline { display: inline; } form.search { display: flex; gap: .5rem; margin-bottom: 1rem; }
        input[type=text], input[type=password], input[type=search], textarea { padding: .35rem .5rem; border: 1px solid #aab4be; border-radius: 3px; font: inherit; }
        input[type=search] { width: 28rem; }
        button { padding: .35rem .9rem; border: 1px solid #8c1c13; background: #8c1c13; color: #fff; border-radius: 3px; font: inherit; cursor: pointer; }
        button.secondary { background: #fff; color: #8c1c13; }
        .notice { padding: .6rem 1rem; background: #fff7e0; border: 1px solid #e8c56b; margin-bottom: 1rem; }
        .error { padding: .6rem 1rem; background: #fdecea; border: 1px solid #e0998f; margin-bottom: 1rem; }
        .muted { color: #5d6b78; } .overdue { color: #a3261a; font-weight: 600; } .warning { color: #9a6a00; }
        .login { max-width: 24rem; margin: 3rem auto; background: #fff; padding: 1.5rem; border: 1px solid #d5dbe1; }
        .login label { display: block; margin: .6rem 0 .2rem; } .login input { width: 100%; }
        .chart { display: flex; gap: 1.5rem; align-items: flex-start; } .chart svg { flex: none; background: #fff; border: 1px solid #d5dbe1; }
        .steps { display: flex; gap: .5rem; flex-wrap: wrap; margin: 1rem 0; }
        dl { display: grid; grid-template-columns: 12rem 1fr; gap: .2rem 1rem; background: #fff; padding: .8rem; border: 1px solid #d5dbe1; }
        dt { color: #5d6b78; }
        .field { display: grid; grid-template-columns: 14rem 1fr; gap: .2rem 1rem; align-items: center; margin: .3rem 0; }
        .field-error { grid-column: 2; color: #a3261a; } fieldset { background: #fff; border: 1px solid #d5dbe1; margin: .6rem 0; }
        pre.notice-text { background: #fff; padding: 1rem; border: 1px solid #d5dbe1; white-space: pre-wrap; font-family: inherit; }
        .printable { background: #fff; padding: 1rem 1.5rem; border: 1px solid #d5dbe1; } .centre { font-weight: 700; font-size: 1.2rem; }
        @media print { header, form, .steps, nav, button { display: none; } .printable, pre.notice-text { border: none; } body { background: #fff; font-size: 12pt; } main { max-width: none; margin: 0; } @page { size: A4; margin: 18mm; } }
        """
}
