import BundleKit
import CaseEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneGoServer
import Testing

@Suite("Staff console: supervision")
struct ConsoleSupervisionTests {
    @Test("a bad rating is listed on the dashboard until the supervisor records the follow-up; window staff may not")
    func ratingFollowUp() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let number = try await fixture.engine.submit(try ConsoleTests.exampleApplication()).caseNumber
        try await fixture.engine.rate(caseNumber: number, grade: 5, actor: Principal(id: "kiosk-1", role: .kiosk))
        try await fixture.application().test(.router) { client in
            let supervisor = try await ConsoleTests.signIn(client, "chen.sup")
            let (_, dashboard) = try await ConsoleTests.page(client, "/console/dashboard", session: supervisor)
            #expect(dashboard.contains("差评待回访"))
            #expect(dashboard.contains("action=\"/console/ratings/\(number)/follow-up\""))
            let token = try #require(ConsoleTests.csrf(in: dashboard))

            let window = try await ConsoleTests.signIn(client, "wang.fang")
            let (_, windowPage) = try await ConsoleTests.page(client, "/console/cases", session: window)
            let refused = try await ConsoleTests.post(
                client, "/console/ratings/\(number)/follow-up", session: window,
                token: try #require(ConsoleTests.csrf(in: windowPage)), [("note", "called back")])
            #expect(refused.status == .forbidden)

            let empty = try await ConsoleTests.post(
                client, "/console/ratings/\(number)/follow-up", session: supervisor, token: token, [("note", "  ")])
            #expect(empty.status == .unprocessableContent)
            #expect(String(buffer: empty.body).contains("a follow-up says what was done, in 1 to 1000 characters"))

            let note = "回访:等候太久 <script>alert(1)</script>"
            let recorded = try await ConsoleTests.post(
                client, "/console/ratings/\(number)/follow-up", session: supervisor, token: token, [("note", note)])
            #expect(recorded.status == .seeOther)
            let (_, after) = try await ConsoleTests.page(client, "/console/dashboard", session: supervisor)
            #expect(!after.contains("action=\"/console/ratings/\(number)/follow-up\""))
            #expect(try await fixture.engine.rating(of: number).followUps.map(\.note) == [note])
            #expect(try await fixture.engine.rating(of: number).followUps.map(\.by) == ["chen.sup"])
        }
    }

    @Test("every sign-in, refused sign-in and sign-out is in the audit; what an unknown account typed is not")
    func signIns() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let form = try await client.execute(uri: "/console/login", method: .get)
            let login = try #require(ConsoleTests.cookie("onego_login", in: form))
            let wrong = try await ConsoleTests.postLogin(client, login: login, account: "zhao.market", password: "nope")
            #expect(wrong.status == .unauthorized)
            let unknown = try await ConsoleTests.postLogin(
                client, login: login, account: "Secret-Pa55word", password: "x")
            #expect(unknown.status == .unauthorized)
            let clerk = try await ConsoleTests.signIn(client, "zhao.market")
            let (_, inbox) = try await ConsoleTests.page(client, "/console/desk", session: clerk)
            let out = try await ConsoleTests.post(
                client, "/console/logout", session: clerk, token: try #require(ConsoleTests.csrf(in: inbox)), [])
            #expect(out.status == .seeOther)

            let supervisor = try await ConsoleTests.signIn(client, "chen.sup")
            let (status, page) = try await ConsoleTests.page(client, "/console/sign-ins", session: supervisor)
            #expect(status == .ok)
            #expect(page.contains("<td>登录失败</td>\n<td>zhao.market</td><td>密码错误(连续 1 次) 经控制台 来自"))
            #expect(page.contains("<td>登录失败</td>\n<td>—</td><td>无此账户 经控制台 来自"))
            let (_, english) = try await ConsoleTests.page(client, "/console/sign-ins?lang=en", session: supervisor)
            #expect(english.contains("<td>wrong password (1 in a row) through console from "))
            #expect(page.contains("<td>退出</td>\n<td>zhao.market</td>"))
            #expect(page.contains("<td>登录</td>\n<td>chen.sup</td>"))
            #expect(!page.contains("Secret-Pa55word"))
            let actions = try await fixture.engine.accessEvents().map(\.event.action)
            #expect(actions == ["sign in", "sign out", "sign in", "sign in refused", "sign in refused"])
            #expect(try await fixture.engine.verifyAudit().description == "audit chain intact: 5 events")

            let window = try await ConsoleTests.signIn(client, "wang.fang")
            #expect(try await ConsoleTests.page(client, "/console/sign-ins", session: window).0 == .forbidden)
        }
    }
}

@Suite("Sign-ins limited per client address")
struct SignInThrottleTests {
    @Test(
        "twenty refused sign-ins from one address, on accounts that exist or not, make it wait before anything is written"
    )
    func throttled() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            func signIn(_ account: String, _ password: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"account": "\#(account)", "password": "\#(password)"}"#))
            }
            for index in 0..<20 {
                #expect(try await signIn("nobody-\(index)", "guess").status == .unauthorized)
            }
            let refused = try await signIn("chen.sup", "correct horse battery")
            #expect(refused.status == .tooManyRequests)
            #expect(String(buffer: refused.body).contains(#""code":"too-many-sign-ins""#))
            #expect(refused.headers[.retryAfter] != nil)
            #expect(try await fixture.engine.accessEvents(limit: 100).count == 20, "the refused try wrote nothing")
        }
    }
}
