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
}
