import CaseEngine
import CaseStoreSQLite
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import OneGoServer

@Suite("Kiosk API")
struct KioskAPITests {
    @Test("health answers without a credential; an unknown route is a problem document")
    func healthAndUnknownRoute() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/v2/nothing", method: .get, headers: headers(fixture.bank)) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json; charset=utf-8")
                #expect(json(response)["code"] as? String == "no-such-route")
            }
        }
    }

    @Test("a submission needs an Idempotency-Key; the same key and body return the first receipt")
    func idempotentSubmission() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.bank), body: companyApplicationJSON()
            ) { response in
                #expect(response.status == .badRequest)
                #expect(json(response)["code"] as? String == "idempotency-key-missing")
            }
            let first = try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.bank, [idempotencyKey: "k-1"]),
                body: companyApplicationJSON()
            ) { response in
                #expect(response.status == .created)
                return json(response)
            }
            let number = try #require(first["caseNumber"] as? String)
            #expect(first["applicantIDMasked"] as? String == "110105********002X")
            let again = try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.bank, [idempotencyKey: "k-1"]),
                body: companyApplicationJSON()
            ) { json($0) }
            #expect(again["caseNumber"] as? String == number)
            try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.bank, [idempotencyKey: "k-1"]),
                body: companyApplicationJSON(companyName: "安阳市另一家有限公司")
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(json(response)["code"] as? String == "idempotency-conflict")
            }
            // Keys are scoped by caller: another kiosk's "k-1" is its own submission.
            let other = try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.police, [idempotencyKey: "k-1"]),
                body: companyApplicationJSON()
            ) { json($0) }
            #expect(other["caseNumber"] as? String != number)
        }
        let first = try #require(try await fixture.engine.listCases().last?.number)
        let record = try await fixture.store.caseRecord(first)
        #expect(record?.channel == Channel(kind: .kiosk, id: "bank-01"))
    }

    @Test("an invalid application is answered with every problem, in the caller's language, and saves nothing")
    func invalidApplication() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            var body = String(buffer: companyApplicationJSON())
            body = body.replacingOccurrences(of: "\"13812345678\"}", with: "\"12\"}")
            try await client.execute(
                uri: "/v1/cases", method: .post,
                headers: headers(fixture.bank, [idempotencyKey: "k-2", .acceptLanguage: "en-GB, zh;q=0.5"]),
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .unprocessableContent)
                let document = json(response)
                #expect(document["code"] as? String == "invalid-application")
                #expect(document["retryable"] as? Bool == false)
                let problems = try #require(document["problems"] as? [[String: Any]])
                #expect(problems.map { $0["subject"] as? String } == ["applicant.phone"])
                #expect((document["title"] as? String)?.hasPrefix("the application was not saved") == true)
                #expect(!String(buffer: response.body).contains("11010519491231002X"))
            }
            try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.bank, [idempotencyKey: "k-3"]),
                body: ByteBuffer(string: "{\"bundle\": \"company-opening\",\n \"applicant\": 3}")
            ) { response in
                #expect(response.status == .badRequest)
                #expect(
                    json(response)["title"] as? String
                        == "请求有误:request body:1:1: missing 'applicant' ({\"name\", \"idNumber\", \"phone\"})")
            }
        }
        #expect(try await fixture.engine.listCases().isEmpty)
    }

    @Test("a receipt is reprinted only for the kiosk that submitted the case")
    func receiptForOwnKioskOnly() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let receipt = try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.bank, [idempotencyKey: "k-1"]),
                body: companyApplicationJSON()
            ) { json($0) }
            let number = try #require(receipt["caseNumber"] as? String)
            try await client.execute(uri: "/v1/cases/\(number)/receipt", method: .get, headers: headers(fixture.bank)) {
                #expect($0.status == .ok)
                #expect(json($0)["queryCode"] as? String == receipt["queryCode"] as? String)
            }
            try await client.execute(uri: "/v1/cases/\(number)/receipt", method: .get, headers: headers(fixture.police))
            {
                #expect($0.status == .notFound)
                #expect(json($0)["code"] as? String == "unknown-case")
            }
        }
    }

    @Test("five wrong query codes lock a case for 30 minutes, even against the right code")
    func queryCodeLockout() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let receipt = try await client.execute(
                uri: "/v1/cases", method: .post, headers: headers(fixture.bank, [idempotencyKey: "k-1"]),
                body: companyApplicationJSON()
            ) { json($0) }
            let number = try #require(receipt["caseNumber"] as? String)
            let code = try #require(receipt["queryCode"] as? String)
            let wrong = code == "000000" ? "000001" : "000000"
            func ask(_ queryCode: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/progress", method: .post, headers: headers(fixture.police),
                    body: ByteBuffer(string: #"{"caseNumber": "\#(number)", "queryCode": "\#(queryCode)"}"#))
            }
            #expect(try await ask(code).status == .ok)
            for _ in 1...5 { #expect(try await ask(wrong).status == .notFound) }
            let locked = try await ask(code)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "1800")
            #expect(json(locked)["code"] as? String == "query-code-locked")
            #expect(json(locked)["retryable"] as? Bool == true)
            #expect(
                json(locked)["title"] as? String
                    == "办件 \(number) 的查询码输错次数过多，请 30 分钟后再试，或到窗口凭身份证查询")
            fixture.seconds.advance(by: 30 * 60)
            let open = try await ask(code)
            #expect(open.status == .ok)
            #expect(json(open)["number"] as? String == number)
            // The right code cleared the count: one wrong try does not lock again.
            #expect(try await ask(wrong).status == .notFound)
            #expect(try await ask(code).status == .ok)
        }
    }

    @Test("a small body over its limit is refused with body-too-large")
    func bodyLimit() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let padding = String(repeating: " ", count: ServerLimits.maximumSmallBodyBytes)
            try await client.execute(
                uri: "/v1/progress", method: .post, headers: headers(fixture.bank),
                body: ByteBuffer(string: #"{"caseNumber": "x", "queryCode": "1"\#(padding)}"#)
            ) { response in
                #expect(response.status == .contentTooLarge)
                #expect(json(response)["code"] as? String == "body-too-large")
            }
        }
    }

    @Test("metrics count requests by route template, never by case number")
    func metricsWithoutPersonalData() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.execute(
                uri: "/v1/cases/20261123-000001/receipt", method: .get, headers: headers(fixture.bank))
            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(
                text.contains(
                    #"onego_http_requests_total{method="GET",route="/v1/cases/{number}/receipt",status="404"} 1"#))
            #expect(!text.contains("20261123"))
        }
    }

    @Test("a second request with a running key is refused with request-in-progress")
    func requestInProgress() async throws {
        let keys = IdempotencyKeys()
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        async let first: Void = keys.exclusively("kiosk:bank-01:k-1") {
            startedSignal.yield()
            for await _ in release {}
        }
        for await _ in started { break }
        await #expect(throws: Problem.requestInProgress) { try await keys.exclusively("kiosk:bank-01:k-1") {} }
        releaseSignal.finish()
        try await first
        try await keys.exclusively("kiosk:bank-01:k-1") {}
    }
}
