import CaseEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneGoServer
import Testing

/// The console over the router: sessions in cookies, form tokens, escaping, departments kept apart.
@Suite("Staff console")
struct ConsoleTests {
    /// Signs in through the form; the session cookie's value.
    static func signIn(_ client: some TestClientProtocol, _ account: String) async throws -> String {
        let form = try await client.execute(uri: "/console/login", method: .get)
        let login = try #require(cookie("onego_login", in: form))
        var fields = HTTPFields()
        fields[.contentType] = "application/x-www-form-urlencoded"
        fields[.cookie] = "onego_login=\(login)"
        let response = try await client.execute(
            uri: "/console/login", method: .post, headers: fields,
            body: ByteBuffer(string: "csrf=\(login)&account=\(account)&password=correct+horse+battery"))
        #expect(response.status == .seeOther)
        return try #require(cookie("onego_session", in: response))
    }

    static func cookie(_ name: String, in response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
            .map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
    }

    static func page(
        _ client: some TestClientProtocol, _ path: String, session: String
    ) async throws -> (HTTPResponse.Status, String) {
        var fields = HTTPFields()
        fields[.cookie] = "onego_session=\(session)"
        let response = try await client.execute(uri: path, method: .get, headers: fields)
        return (response.status, String(buffer: response.body))
    }

    /// The form token on a page.
    static func csrf(in page: String) -> String? {
        page.range(of: "name=\"csrf\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) }
    }

    @Test("the session cookie is HttpOnly, SameSite=Strict and scoped to /console; no session goes to sign-in")
    func cookies() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let anonymous = try await client.execute(uri: "/console/cases", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/console/login")
            let form = try await client.execute(uri: "/console/login", method: .get)
            #expect(form.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let login = try #require(Self.cookie("onego_login", in: form))
            var fields = HTTPFields()
            fields[.contentType] = "application/x-www-form-urlencoded"
            fields[.cookie] = "onego_login=\(login)"
            let wrong = try await client.execute(
                uri: "/console/login", method: .post, headers: fields,
                body: ByteBuffer(string: "csrf=\(login)&account=wang.fang&password=nope"))
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("账户或密码不正确"))
            let signedIn = try await client.execute(
                uri: "/console/login", method: .post, headers: fields,
                body: ByteBuffer(string: "csrf=\(login)&account=wang.fang&password=correct+horse+battery"))
            let setCookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("onego_session=") })
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/console"))
            #expect(!setCookie.contains("Secure"), "plain HTTP on loopback in this test")
            let forged = try await client.execute(
                uri: "/console/login", method: .post, headers: fields,
                body: ByteBuffer(string: "csrf=not-the-token&account=wang.fang&password=correct+horse+battery"))
            #expect(forged.status == .forbidden)
        }
    }

    @Test(
        "a stored <script> shows as text; a form without its token is refused; another department's sub-case is not shown"
    )
    func safety() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        var application = try Application(
            contentsOf: repositoryRoot.appendingPathComponent("docs/examples/company-opening-application.json").path)
        application.values["company.businessScope"] = "软件开发<script>alert(1)</script>"
        let number = try await fixture.engine.submit(application).caseNumber
        try await fixture.application().test(.router) { client in
            let clerk = try await Self.signIn(client, "zhao.market")
            let (status, page) = try await Self.page(client, "/console/desk/\(number)-01", session: clerk)
            #expect(status == .ok)
            #expect(page.contains("软件开发&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.contains("<script>"))
            let token = try #require(Self.csrf(in: page))
            var fields = HTTPFields()
            fields[.contentType] = "application/x-www-form-urlencoded"
            fields[.cookie] = "onego_session=\(clerk)"
            let forged = try await client.execute(
                uri: "/console/desk/\(number)-01/accept", method: .post, headers: fields,
                body: ByteBuffer(string: "confirm=yes"))
            #expect(forged.status == .forbidden)
            #expect(String(buffer: forged.body).contains("表单已失效或不是从本系统提交的"))
            let accepted = try await client.execute(
                uri: "/console/desk/\(number)-01/accept", method: .post, headers: fields,
                body: ByteBuffer(string: "csrf=\(token)&confirm=yes"))
            #expect(accepted.status == .seeOther)
            #expect(try await fixture.engine.caseSummary(number).subcases.first?.state == .accepted)
            let tax = try await Self.signIn(client, "li.tax")
            let (other, refused) = try await Self.page(client, "/console/desk/\(number)-01", session: tax)
            #expect(other == .forbidden)
            #expect(!refused.contains("软件开发"))
            let (window, _) = try await Self.page(
                client, "/console/desk", session: try await Self.signIn(client, "wang.fang"))
            #expect(window == .forbidden)
        }
    }

    @Test("a window finds a case by name, ID number or phone, masked, and sees its timeline")
    func windowSearch() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let application = try Application(
            contentsOf: repositoryRoot.appendingPathComponent("docs/examples/company-opening-application.json").path)
        let number = try await fixture.engine.submit(application).caseNumber
        try await fixture.application().test(.router) { client in
            let window = try await Self.signIn(client, "wang.fang")
            for query in ["张三", "11010519491231002X", "13812345678", number] {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                let (status, page) = try await Self.page(client, "/console/cases?q=\(encoded)", session: window)
                #expect(status == .ok)
                #expect(page.contains("<a href=\"/console/cases/\(number)\">\(number)</a>"), "\(query)")
                #expect(page.contains("110105********002X"))
                #expect(!page.contains("11010519491231002X<"), "the full ID number is never shown")
            }
            let (_, detail) = try await Self.page(client, "/console/cases/\(number)", session: window)
            #expect(detail.contains("<td>submit</td>"))
            #expect(detail.contains("id=\"subcases\""))
        }
    }
}
