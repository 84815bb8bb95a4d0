import AsyncHTTPClient
import CaseEngine
import Foundation
import NIOCore
import NIOHTTP1
import OneGoServer
import Testing
import WebhookTesting

@Suite("Webhook signing, schedule and the reference receiver")
struct WebhookSigningTests {
    @Test("the signature of Standard Webhooks' own example")
    func standardVector() throws {
        let key = try #require(WebhookSignature.key(of: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8),
            key: key)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(WebhookSignature.key(of: "whsec_c2hvcnQ=") == nil, "5 bytes is too short a secret")
        #expect(WebhookSignature.key(of: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
        #expect(WebhookSignature.key(of: WebhookSignature.newSecret()) != nil)
    }

    @Test("while a secret rotates both sign, for a day")
    func rotation() {
        let endpoint = WebhookEndpoint(
            id: "we_1", department: "tax", url: "https://tax.example/h", events: [],
            secret: WebhookSignature.newSecret(),
            previousSecret: WebhookSignature.newSecret(), previousSecretUntil: 1000, createdAt: 0)
        #expect(endpoint.signingSecrets(at: 999).count == 2)
        #expect(endpoint.signingSecrets(at: 1000) == [endpoint.secret])
        let header = WebhookSignature.header(
            id: "evt_1", timestamp: 1, body: [], secrets: endpoint.signingSecrets(at: 0))
        #expect(header.split(separator: " ").count == 2)
    }

    @Test("secrets are sealed at rest under the audit key; another key cannot open them")
    func sealing() {
        let sealer = WebhookSecretSealer(auditKey: AuditKey(bytes: Array(repeating: 7, count: 32)))
        let secret = WebhookSignature.newSecret()
        let stored = sealer.seal(secret)
        #expect(stored.hasPrefix("sealed.v1."))
        #expect(!stored.contains(secret.dropFirst(6)))
        #expect(sealer.seal(secret) != stored, "a fresh nonce each time")
        #expect(sealer.open(stored) == secret)
        #expect(sealer.open(secret) == secret, "a secret stored plainly is used as it is")
        let other = WebhookSecretSealer(auditKey: AuditKey(bytes: Array(repeating: 8, count: 32)))
        #expect(other.open(stored) == nil)
        #expect(sealer.open(String(stored.dropLast(4)) + "AAA=") == nil)
    }

    @Test("the thin payload: ids and state, no personal data")
    func payload() {
        let event = DepartmentEvent(
            sequence: 12, department: "tax", subcase: "OG20261123-000001-03", type: .subcaseDispatched,
            state: "dispatched", at: "2026-11-23T09:00:00.000+08:00")
        #expect(
            event.payload
                == #"{"type":"subcase.dispatched","timestamp":"2026-11-23T09:00:00.000+08:00","data":{"id":"evt_12","#
                + #""sequence":12,"department":"tax","case":"OG20261123-000001","subcase":"OG20261123-000001-03","#
                + #""state":"dispatched"}}"#)
        #expect(event.webhookID == "evt_12")
    }

    @Test("the standard retry schedule, its jitter, Retry-After and its end")
    func schedule() {
        let schedule = RetrySchedule.standard
        #expect(schedule.attempts == 10)
        #expect(schedule.next(after: 1, now: 0, random: 0.5) == 5000)
        #expect(schedule.next(after: 2, now: 0, random: 0.5) == 300_000)
        #expect(schedule.next(after: 9, now: 0, random: 0.5) == 86_400_000)
        #expect(schedule.next(after: 10, now: 0, random: 0.5) == nil)
        #expect(schedule.next(after: 1, now: 0, random: 0) == 4500)
        #expect(schedule.next(after: 1, now: 0, random: 1) == 5500)
        #expect(schedule.next(after: 1, now: 0, retryAfter: 120_000, random: 0.5) == 120_000)
        #expect(schedule.next(after: 1, now: 0, retryAfter: 999_999_999, random: 0.5) == 86_400_000)
    }

    @Test("webhook URLs: https, or http on this machine only; no credentials")
    func urls() {
        #expect(WebhookURL.refusal("https://tax.example.gov.cn/onego") == nil)
        #expect(WebhookURL.refusal("http://127.0.0.1:9000/h") == nil)
        #expect(
            WebhookURL.refusal("http://tax.example.gov.cn/h")
                == "plain http:// is allowed only on this machine (127.0.0.1); use https://")
        #expect(WebhookURL.refusal("http://tax.example.gov.cn/h", plainHTTPAllowed: true) == nil)
        #expect(WebhookURL.refusal("ftp://tax.example/h") == "a webhook URL is https://, not ftp://")
        #expect(
            WebhookURL.refusal("https://user:pw@tax.example/h")
                == "a webhook URL carries no user name or password: the signature authenticates OneGo")
        #expect(
            WebhookURL.refusal("tax")
                == "'tax' is not a URL such as https://tax.example.gov.cn/onego/events")
    }

    @Test("replay selections: one, a range, everything since a time")
    func selections() {
        #expect(WebhookAdministration.selection("12") == .one(12))
        #expect(WebhookAdministration.selection("10-20") == .range(10, 20))
        #expect(WebhookAdministration.selection("2026-11-23") == .since("2026-11-23"))
        #expect(WebhookAdministration.selection("2026-11-23T14:00") == .since("2026-11-23T14:00"))
        #expect(WebhookAdministration.selection("20-10") == nil)
        #expect(WebhookAdministration.selection("yesterday") == nil)
    }

    @Test("the reference receiver refuses a wrong signature and an old timestamp, and de-duplicates")
    func receiverRefuses() async throws {
        let secret = WebhookSignature.newSecret()
        let receiver = try await ReferenceReceiver(secrets: [secret], log: temporaryLog())
        defer { receiver.stop() }
        let body = DepartmentEvent(
            sequence: 1, department: "tax", subcase: "OG20261123-000001-03", type: .subcaseDispatched,
            state: "dispatched", at: "2026-11-23T09:00:00.000+08:00"
        ).payload
        /// Posts the event signed with `key`, stamped `offset` seconds from now.
        func post(signedWith key: String, offset: Int64 = 0) async throws -> UInt {
            let timestamp = Int64(Date().timeIntervalSince1970) + offset
            var request = HTTPClientRequest(url: receiver.url)
            request.method = .POST
            request.headers.add(name: "webhook-id", value: "evt_1")
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            request.headers.add(
                name: "webhook-signature",
                value: WebhookSignature.header(
                    id: "evt_1", timestamp: timestamp, body: Array(body.utf8), secrets: [key]))
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return response.status.code
        }
        #expect(try await post(signedWith: WebhookSignature.newSecret()) == 401)
        #expect(try await post(signedWith: secret, offset: -330) == 401)
        #expect(try await post(signedWith: secret, offset: 330) == 401)
        #expect(receiver.entries().isEmpty)
        #expect(try await post(signedWith: secret) == 200)
        #expect(try await post(signedWith: secret) == 200)
        #expect(receiver.entries().map(\.duplicate) == [false, true])
    }
}
