import CaseEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneGoServer
import Testing

@Suite("Webhook API")
struct WebhookAPITests {
    @Test("an administrator adds an endpoint and sees its secret once; bad input is refused word for word")
    func endpoints() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let administrator = try await signIn(client, "root.admin")
            func post(_ path: String, _ body: String) async throws -> TestResponse {
                try await client.execute(
                    uri: path, method: .post, headers: headers(token: administrator), body: ByteBuffer(string: body))
            }
            let created = try await post(
                "/v1/departments/tax/webhooks",
                #"{"url": "https://tax.example.gov.cn/onego", "events": ["subcase.dispatched"]}"#)
            #expect(created.status == .created)
            let id = try #require(json(created)["id"] as? String)
            #expect((json(created)["secret"] as? String)?.hasPrefix("whsec_") == true)
            #expect(json(created)["events"] as? [String] == ["subcase.dispatched"])
            let listed = try await client.execute(
                uri: "/v1/departments/tax/webhooks", method: .get, headers: headers(token: administrator))
            #expect(!String(buffer: listed.body).contains("whsec_"), "a list never shows a secret")
            #expect(String(buffer: listed.body).contains(id))
            let rotated = try await post("/v1/webhooks/\(id)/rotate", "{}")
            #expect(json(rotated)["rotating"] as? Bool == true)
            #expect(json(rotated)["secret"] as? String != json(created)["secret"] as? String)
            let typo = try await post("/v1/departments/taxx/webhooks", #"{"url": "https://tax.example.gov.cn/onego"}"#)
            #expect(typo.status == .unprocessableContent)
            #expect(json(typo)["code"] as? String == "unknown-department")
            #expect(json(typo)["title"] as? String == "no department 'taxx' in the catalog; did you mean 'tax'?")
            let plain = try await post("/v1/departments/tax/webhooks", #"{"url": "http://tax.example.gov.cn/onego"}"#)
            #expect(json(plain)["code"] as? String == "invalid-url")
            #expect(
                json(plain)["title"] as? String
                    == "plain http:// is allowed only on this machine (127.0.0.1); use https://")
            let event = try await post(
                "/v1/departments/tax/webhooks",
                #"{"url": "https://tax.example.gov.cn/onego", "events": ["subcase.issued"]}"#)
            #expect(
                json(event)["title"] as? String
                    == "no event 'subcase.issued'; events are subcase.dispatched, subcase.correction-supplied, subcase.cancelled, case.withdrawn"
            )
            let missing = try await post("/v1/webhooks/we_nothing/disable", "{}")
            #expect(missing.status == .notFound)
            #expect(json(missing)["code"] as? String == "unknown-endpoint")
            let removed = try await client.execute(
                uri: "/v1/webhooks/\(id)", method: .delete, headers: headers(token: administrator))
            #expect(removed.status == .noContent)
        }
    }

    @Test("the pull feed gives a department its own events in order, a page at a time")
    func pullFeed() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        var application = try Application(
            contentsOf: repositoryRoot.appendingPathComponent("docs/examples/company-opening-application.json").path)
        for key in ["feed-1", "feed-2", "feed-3"] {
            application.idempotencyKey = key
            _ = try await fixture.engine.submit(application)
        }
        try await fixture.application().test(.router) { client in
            func page(_ query: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/departments/market-regulation/events" + query, method: .get,
                    headers: headers(fixture.marketSystem))
            }
            let first = try await page("?limit=2")
            #expect(first.status == .ok)
            let events = try #require(json(first)["events"] as? [[String: Any]])
            #expect(events.map { $0["id"] as? String } == ["evt_1", "evt_2"])
            #expect(events.first?["type"] as? String == "subcase.dispatched")
            #expect(events.first?["subcase"] as? String == "OG20261123-000001-01")
            #expect(events.first?["state"] as? String == "dispatched")
            #expect(json(first)["next"] as? String == "2")
            let rest = try await page("?after=2")
            #expect((json(rest)["events"] as? [[String: Any]])?.map { $0["id"] as? String } == ["evt_3"])
            let empty = try await page("?after=3")
            #expect((json(empty)["events"] as? [Any])?.isEmpty == true)
            #expect(json(empty)["next"] as? String == "3")
            let bad = try await page("?after=yesterday")
            #expect(bad.status == .badRequest)
            #expect(json(bad)["code"] as? String == "invalid-request")
            let other = try await client.execute(
                uri: "/v1/departments/tax/events", method: .get, headers: headers(fixture.marketSystem))
            #expect(other.status == .forbidden)
        }
    }
}
