import CaseEngine
import CaseStoreSQLite
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneGoServer
import Testing

@Suite("Staff API")
struct StaffAPITests {
    @Test("five wrong passwords lock an account for 15 minutes; an unknown account is answered alike")
    func signInLockout() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            func attempt(_ account: String, _ password: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/sessions", method: .post,
                    body: ByteBuffer(string: #"{"account": "\#(account)", "password": "\#(password)"}"#))
            }
            let unknown = try await attempt("nobody", "whatever-it-is")
            let wrong = try await attempt("wang.fang", "not the password")
            #expect(unknown.status == .unauthorized && wrong.status == .unauthorized)
            #expect(String(buffer: unknown.body) == String(buffer: wrong.body))
            #expect(json(wrong)["title"] as? String == "账户或密码不正确")
            for _ in 2...5 { #expect(try await attempt("wang.fang", "not the password").status == .unauthorized) }
            let locked = try await attempt("wang.fang", ServerFixture.password)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "900")
            #expect(json(locked)["code"] as? String == "account-locked")
            fixture.seconds.advance(by: 15 * 60)
            #expect(try await attempt("wang.fang", ServerFixture.password).status == .created)
            // The right password cleared the count.
            #expect(try await attempt("wang.fang", "not the password").status == .unauthorized)
            #expect(try await attempt("wang.fang", ServerFixture.password).status == .created)
        }
    }

    @Test("a session ends after eight hours, at sign-out, and when its account is disabled")
    func sessionEnds() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let first = try await signIn(client, "wang.fang")
            #expect(
                try await client.execute(uri: "/v1/bundles", method: .get, headers: headers(token: first)).status == .ok
            )
            fixture.seconds.advance(by: 8 * 3600)
            #expect(
                try await client.execute(uri: "/v1/bundles", method: .get, headers: headers(token: first)).status
                    == .unauthorized)
            let second = try await signIn(client, "wang.fang")
            #expect(
                try await client.execute(uri: "/v1/sessions/current", method: .delete, headers: headers(token: second))
                    .status == .noContent)
            #expect(
                try await client.execute(uri: "/v1/bundles", method: .get, headers: headers(token: second)).status
                    == .unauthorized)
            let third = try await signIn(client, "wang.fang")
            _ = try await fixture.store.disableStaff("wang.fang")
            #expect(
                try await client.execute(uri: "/v1/bundles", method: .get, headers: headers(token: third)).status
                    == .unauthorized)
            await #expect(throws: SignInFailed.self) { try await signIn(client, "wang.fang") }
        }
    }

    @Test("a window submits; departments see only their own sub-cases; the reviewer may not approve")
    func departmentWork() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let window = try await signIn(client, "wang.fang")
            let zhao = try await signIn(client, "zhao.market")
            let qian = try await signIn(client, "qian.market")
            let tax = try await signIn(client, "li.tax")
            let receipt = try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(token: window, [idempotencyKey: "w-1"]),
                body: companyApplicationJSON()
            ) { json($0) }
            let number = try #require(receipt["caseNumber"] as? String)
            let registration = number + "-01"
            func step(_ token: String, _ name: String, key: String, body: String = "{}") async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/subcases/\(registration)/\(name)", method: .post,
                    headers: headers(token: token, [idempotencyKey: key]), body: ByteBuffer(string: body))
            }
            let accepted = try await step(zhao, "accept", key: "s-1")
            #expect(accepted.status == .ok)
            #expect(json(accepted)["state"] as? String == "accepted")
            // The same key and step again: the stored answer, and no second step.
            let replayed = try await step(zhao, "accept", key: "s-1")
            #expect(replayed.status == .ok)
            #expect(String(buffer: replayed.body) == String(buffer: accepted.body))
            #expect(try await step(zhao, "review", key: "s-1").status == .unprocessableContent)
            #expect(try await step(zhao, "review", key: "s-2").status == .ok)
            let refused = try await step(zhao, "approve", key: "s-3")
            #expect(refused.status == .forbidden)
            #expect(json(refused)["code"] as? String == "separation-of-duties")
            #expect(try await step(qian, "approve", key: "s-3").status == .ok)
            // The tax clerk cannot act on, or read the inbox of, the market regulator.
            let wrong = try await step(tax, "issue", key: "t-1")
            #expect(wrong.status == .forbidden)
            #expect(json(wrong)["code"] as? String == "wrong-department")
            try await client.execute(
                uri: "/v1/departments/market-regulation/inbox", method: .get, headers: headers(token: tax)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/v1/subcases/\(registration)", method: .get, headers: headers(token: tax)) {
                #expect($0.status == .forbidden)
            }
            // The tax sub-case waits for the licence: its data is withheld until then.
            try await client.execute(uri: "/v1/subcases/\(number)-03", method: .get, headers: headers(token: tax)) {
                #expect(json($0)["withheld"] as? Bool == true)
                #expect((json($0)["fields"] as? [Any])?.isEmpty == true)
            }
            let issued = try await client.execute(
                uri: "/v1/subcases/\(registration)/issue", method: .post,
                headers: headers(fixture.marketSystem, [idempotencyKey: "sys-1"]),
                body: ByteBuffer(string: #"{"outputs": {"company.creditCode": "91512081MA62K0260E"}}"#))
            #expect(issued.status == .ok)
            try await client.execute(uri: "/v1/subcases/\(number)-03", method: .get, headers: headers(token: tax)) {
                #expect(json($0)["withheld"] as? Bool == false)
            }

            // The timeline names who acted, through what, and the request.
            let detail = try await client.execute(
                uri: "/v1/cases/\(number)", method: .get, headers: headers(token: window)
            ) { json($0) }
            let timeline = try #require(detail["timeline"] as? [[String: Any]])
            #expect(timeline.map { $0["action"] as? String } == ["submit", "accept", "review", "approve", "issue"])
            #expect(
                timeline.map { $0["actor"] as? String } == [
                    "wang.fang", "zhao.market", "zhao.market", "qian.market", "market-backoffice",
                ])
            #expect((timeline[0]["via"] as? String)?.hasPrefix("session:") == true)
            #expect(timeline[4]["via"] as? String == "market-backoffice")
            #expect(timeline.allSatisfy { ($0["requestID"] as? String)?.isEmpty == false })
            #expect(!String(describing: detail["timeline"] ?? "").contains("11010519491231002X"))
        }
        // Five steps on the case and the four clerks' sign-ins.
        let verification = try await fixture.engine.verifyAudit()
        #expect(verification == .intact(events: 9))
        #expect(try await fixture.engine.accessEvents().map(\.event.action) == Array(repeating: "sign in", count: 4))
    }

    @Test("a supervisor gets the report as CSV and the audit's verdict")
    func supervision() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let window = try await signIn(client, "wang.fang")
            let supervisor = try await signIn(client, "chen.sup")
            try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(token: window, [idempotencyKey: "w-1"]),
                body: companyApplicationJSON())
            try await client.execute(
                uri: "/v1/supervision/report?format=csv", method: .get, headers: headers(token: supervisor)
            ) { response in
                #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                let lines = String(buffer: response.body).split(separator: "\n")
                #expect(lines.first?.hasPrefix("department,item,waiting,dispatched") == true)
                #expect(lines.count == 8)
            }
            try await client.execute(uri: "/v1/audit/verify", method: .get, headers: headers(token: supervisor)) {
                #expect(json($0)["intact"] as? Bool == true)
                #expect(
                    json($0)["verdict"] as? String == "audit chain intact: 3 events", "two sign-ins and a submission")
            }
        }
    }
}
