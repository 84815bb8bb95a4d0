import BundleKit
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
        let response = try await postLogin(client, login: login, account: account)
        #expect(response.status == .seeOther)
        return try #require(cookie("onego_session", in: response))
    }

    /// Posts the sign-in form with the token of the sign-in cookie `login` (and `csrf`, when another).
    static func postLogin(
        _ client: some TestClientProtocol, login: String, csrf: String? = nil, account: String = "wang.fang",
        password: String = "correct+horse+battery"
    ) async throws -> TestResponse {
        var fields = HTTPFields()
        fields[.contentType] = "application/x-www-form-urlencoded"
        fields[.cookie] = "onego_login=\(login)"
        return try await client.execute(
            uri: "/console/login", method: .post, headers: fields,
            body: ByteBuffer(string: "csrf=\(csrf ?? login)&account=\(account)&password=\(password)"))
    }

    /// The example company opening (docs/examples).
    static func exampleApplication() throws -> CitizenApplication {
        try CitizenApplication(
            contentsOf: repositoryRoot.appendingPathComponent("docs/examples/company-opening-application.json").path)
    }

    /// Takes a case's registration through the market regulator's two clerks to issued.
    static func issueRegistration(_ number: String, _ engine: CaseEngine) async throws {
        let id = number + "-01"
        try await engine.accept(id, department: "market-regulation", actor: clerk("a"))
        try await engine.review(id, department: "market-regulation", actor: clerk("a"))
        try await engine.approve(id, department: "market-regulation", actor: clerk("b"))
        try await engine.issue(
            id, department: "market-regulation", outputs: ["company.creditCode": "91512081MA62K0260E"],
            actor: clerk("a"))
    }

    static func clerk(_ name: String) -> Principal { Principal(id: name, role: .department) }

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
            let wrong = try await Self.postLogin(client, login: login, password: "nope")
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("账户或密码不正确"))
            let signedIn = try await Self.postLogin(client, login: login)
            let setCookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("onego_session=") })
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/console"))
            #expect(!setCookie.contains("Secure"), "plain HTTP on loopback in this test")
            let forged = try await Self.postLogin(client, login: login, csrf: "not-the-token")
            #expect(forged.status == .forbidden)
        }
    }

    @Test("the dashboard over a chosen period; a wrong period is answered with what to write")
    func dashboardPeriod() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let application = try Self.exampleApplication()
        let number = try await fixture.engine.submit(application).caseNumber
        let engine = fixture.engine
        try await Self.issueRegistration(number, engine)
        try await fixture.application().test(.router) { client in
            let supervisor = try await Self.signIn(client, "chen.sup")
            let (_, all) = try await Self.page(client, "/console/dashboard", session: supervisor)
            #expect(all.contains("<td>市场监督管理局</td><td class=\"number\">1</td><td class=\"number\">100%</td>"))
            let (_, later) = try await Self.page(
                client, "/console/dashboard?from=2026-12-01&through=2026-12-31", session: supervisor)
            #expect(later.contains("2026-12-01 – 2026-12-31"))
            #expect(!later.contains("<td>市场监督管理局</td><td class=\"number\">1</td>"))
            let (status, wrong) = try await Self.page(
                client, "/console/dashboard?from=2026-12-31&through=2026-12-01", session: supervisor)
            #expect(status == .badRequest)
            #expect(wrong.contains("日期范围应为两个 YYYY-MM-DD 日期，且开始不晚于结束"))
        }
    }

    @Test("under TLS the session cookie is Secure")
    func secureCookie() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        var server = fixture.server
        server.secureCookies = true
        try await Application(router: server.router()).test(.router) { client in
            let form = try await client.execute(uri: "/console/login", method: .get)
            let login = try #require(Self.cookie("onego_login", in: form))
            #expect(form.headers[values: .setCookie].first?.contains("Secure") == true)
            let signedIn = try await Self.postLogin(client, login: login)
            #expect(
                signedIn.headers[values: .setCookie].first { $0.hasPrefix("onego_session=") }?.contains("Secure")
                    == true)
        }
    }

    @Test(
        "a stored <script> shows as text; a form without its token is refused; another department's sub-case is not shown"
    )
    func safety() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        var application = try Self.exampleApplication()
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
        let application = try Self.exampleApplication()
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

extension ConsoleTests {
    /// Posts a console form with the session's cookie and the page's token.
    static func post(
        _ client: some TestClientProtocol, _ path: String, session: String, token: String, _ fields: [(String, String)]
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        headers[.cookie] = "onego_session=\(session)"
        let body = ([("csrf", token)] + fields).map { name, value in
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._"))
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test("intake at the window: questions, the combined form, errors next to the field, then the receipt; handout")
    func intake() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let example =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: repositoryRoot.appendingPathComponent("docs/examples/company-opening-application.json"))
            )
            as? [String: Any]
        let values = try #require(example?["values"] as? [String: String])
        let materials = try #require((example?["materials"] as? [String: Any]).map { Array($0.keys).sorted() })
        try await fixture.application().test(.router) { client in
            let window = try await Self.signIn(client, "wang.fang")
            let (_, questions) = try await Self.page(client, "/console/intake/company-opening", session: window)
            #expect(questions.contains("id=\"situations\""))
            let answers = "a.applicantRole=legal-rep&a.premises=rented&a.hiresStaff=yes&a.needsBankAccount=yes"
            let (status, form) = try await Self.page(
                client, "/console/intake/company-opening?\(answers)", session: window)
            #expect(status == .ok)
            #expect(form.contains("name=\"v.company.name\""))
            #expect(form.contains("<tr><td>居民身份证</td><td>原件</td><td>1</td>"), "the window sees what form to take")
            let token = try #require(Self.csrf(in: form))
            var fields: [(String, String)] = [
                ("a.applicantRole", "legal-rep"), ("a.premises", "rented"), ("a.hiresStaff", "yes"),
                ("a.needsBankAccount", "yes"), ("key", "console-test-1"), ("applicant.name", "张三"),
                ("applicant.idNumber", "11010519491231002X"), ("applicant.phone", "13812345678"),
            ]
            fields += values.filter { $0.key != "company.divisionCode" }.sorted { $0.key < $1.key }.map {
                ("v.\($0.key)", $0.value)
            }
            fields += materials.map { ("m.\($0)", $0 == "employee-list" ? "missing" : "provided") }
            fields.append(("d.employee-list", "2026-11-24"))
            fields.append(("v.company.divisionCode", "999999"))
            let refused = try await Self.post(
                client, "/console/intake/company-opening", session: window, token: token, fields)
            #expect(refused.status == .unprocessableContent)
            let page = String(buffer: refused.body)
            #expect(page.contains("申请未保存;请按提示修改后再提交"))
            #expect(page.contains("class=\"field-error\""), "the message stands next to the field")
            #expect(page.contains("value=\"console-test-1\""), "the same key on the second try")
            fields.removeLast()
            fields.append(("v.company.divisionCode", "410502"))
            let accepted = try await Self.post(
                client, "/console/intake/company-opening", session: window, token: token, fields)
            #expect(accepted.status == .seeOther)
            let location = try #require(accepted.headers[.location])
            #expect(location.hasSuffix("/receipt"))
            let (_, receipt) = try await Self.page(client, location, session: window)
            #expect(receipt.contains("OG20261123-000001"))
            #expect(receipt.contains("110105********002X"))
            let summary = try await fixture.engine.caseSummary("OG20261123-000001")
            #expect(summary.channel == Channel(kind: .window, id: "wang.fang"))
            #expect(summary.materials.first { $0.id == "employee-list" }?.promisedBy == "2026-11-24")
            // The 容缺 material arrives: recorded from the case page.
            let (_, casePage) = try await Self.page(client, "/console/cases/OG20261123-000001", session: window)
            #expect(casePage.contains("id=\"supply\""))
            let supplied = try await Self.post(
                client, "/console/cases/OG20261123-000001/supply", session: window, token: token,
                [("material", "employee-list")])
            #expect(supplied.status == .seeOther)
            #expect(
                try await fixture.engine.caseSummary("OG20261123-000001").materials.first { $0.id == "employee-list" }?
                    .status == "provided")
        }
    }
}

extension ConsoleTests {
    @Test("the window hands out a finished case to a named recipient, whose ID number is shown masked")
    func handout() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let application = try Self.exampleApplication()
        let engine = fixture.engine
        let number = try await engine.submit(application).caseNumber
        try await engine.supply(
            caseNumber: number, materials: ["employee-list"], values: [:], actor: Principal(id: "w", role: .window))
        try await Self.issueRegistration(number, engine)
        for subcase in try await engine.caseSummary(number).subcases.dropFirst() {
            try await engine.accept(subcase.id, department: subcase.department, actor: Self.clerk("a"))
            try await engine.review(subcase.id, department: subcase.department, actor: Self.clerk("a"))
            try await engine.approve(subcase.id, department: subcase.department, actor: Self.clerk("b"))
            let outputs = (engine.library.catalog.items[subcase.item]?.outputs ?? []).map { ($0, "1234567890") }
            try await engine.issue(
                subcase.id, department: subcase.department, outputs: Dictionary(uniqueKeysWithValues: outputs),
                actor: Self.clerk("a"))
        }
        try await fixture.application().test(.router) { client in
            let window = try await Self.signIn(client, "wang.fang")
            let (_, page) = try await Self.page(client, "/console/cases/\(number)", session: window)
            #expect(page.contains("id=\"handout\""))
            let token = try #require(Self.csrf(in: page))
            let handed = try await Self.post(
                client, "/console/cases/\(number)/handout", session: window, token: token,
                [("name", "李四"), ("idNumber", "11010519491231002X")])
            #expect(handed.status == .seeOther)
            let (_, after) = try await Self.page(client, "/console/cases/\(number)", session: window)
            #expect(after.contains("李四 110105********002X"))
            #expect(!after.contains("id=\"handout\""))
        }
    }
}
