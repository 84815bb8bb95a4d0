import CaseEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneGoServer
import Testing

/// Every route × every kind of caller, with the answer expected: `allow` means the route ran
/// (whatever it then answered), `401` and `403` that the caller was stopped before it.
@Suite("Access matrix")
struct AccessMatrixTests {
    enum Answer: Equatable, CustomStringConvertible {
        case allow, unauthenticated, forbidden

        var description: String {
            switch self {
            case .allow: return "allow"
            case .unauthenticated: return "401"
            case .forbidden: return "403"
            }
        }
    }

    enum CallerKind: String, CaseIterable {
        case anonymous, malformed, revokedKiosk, kiosk, window, marketClerk, marketSystem, supervisor, administrator
    }

    struct Route: CustomStringConvertible {
        var method: HTTPRequest.Method
        /// The path as docs/openapi.yaml writes it.
        var template: String
        /// The path requested.
        var path: String
        var body: String?
        var description: String { "\(method) \(path)" }

        init(method: HTTPRequest.Method, path: String, template: String? = nil, body: String? = nil) {
            self.method = method
            self.path = path
            self.template = template ?? String(path.prefix { $0 != "?" })
            self.body = body
        }
    }

    /// Each route with the callers it lets through; every other authenticated caller gets 403 and
    /// every unauthenticated one 401 (except the open routes, which let everyone through).
    static let routes: [(Route, Set<CallerKind>)] = {
        let everyone = Set(CallerKind.allCases)
        let counter: Set<CallerKind> = [.kiosk, .window]
        let department: Set<CallerKind> = [.marketClerk, .marketSystem]
        return [
            (Route(method: .get, path: "/health"), everyone),
            (Route(method: .get, path: "/metrics"), everyone),
            (Route(method: .post, path: "/v1/sessions", body: #"{"account": "x", "password": "y"}"#), everyone),
            (Route(method: .get, path: "/v1/library"), counter),
            (Route(method: .get, path: "/v1/bundles"), counter),
            (
                Route(
                    method: .get, path: "/v1/bundles/company-opening/compiled?premises=rented",
                    template: "/v1/bundles/{bundle}/compiled"), counter
            ),
            (Route(method: .post, path: "/v1/cases", body: "{}"), counter),
            (
                Route(
                    method: .get, path: "/v1/cases/OG20261123-000001/receipt", template: "/v1/cases/{number}/receipt"),
                counter
            ),
            (
                Route(
                    method: .post, path: "/v1/cases/x/supply", template: "/v1/cases/{number}/supply",
                    body: #"{"materials": []}"#), counter
            ),
            (Route(method: .post, path: "/v1/progress", body: #"{"caseNumber": "x", "queryCode": "1"}"#), [.kiosk]),
            (
                Route(
                    method: .post, path: "/v1/cases/x/rating", template: "/v1/cases/{number}/rating",
                    body: #"{"queryCode": "1", "grade": 1}"#), [.kiosk]
            ),
            (Route(method: .get, path: "/v1/cases?applicantName=张三"), [.window, .supervisor]),
            (
                Route(method: .get, path: "/v1/cases/OG20261123-000001", template: "/v1/cases/{number}"),
                [.window, .supervisor]
            ),
            (
                Route(
                    method: .post, path: "/v1/cases/x/handout", template: "/v1/cases/{number}/handout",
                    body: #"{"name": "张三"}"#), [.window]
            ),
            (
                Route(
                    method: .post, path: "/v1/cases/x/withdraw", template: "/v1/cases/{number}/withdraw",
                    body: #"{"reason": "不办了"}"#), [.window]
            ),
            (
                Route(
                    method: .get, path: "/v1/departments/market-regulation/inbox",
                    template: "/v1/departments/{department}/inbox"), department
            ),
            (
                Route(
                    method: .post, path: "/v1/departments/market-regulation/acknowledgements",
                    template: "/v1/departments/{department}/acknowledgements",
                    body: #"{"subcases": []}"#),
                department
            ),
            (Route(method: .get, path: "/v1/subcases/OG20261123-000001-01", template: "/v1/subcases/{id}"), department),
            (
                Route(
                    method: .get, path: "/v1/subcases/OG20261123-000001-01/materials/id-card/scans/00",
                    template: "/v1/subcases/{id}/materials/{material}/scans/{sha256}"), department
            ),
            (
                Route(
                    method: .post, path: "/v1/subcases/OG20261123-000001-01/accept",
                    template: "/v1/subcases/{id}/{step}"), department
            ),
            (
                Route(
                    method: .get, path: "/v1/departments/market-regulation/events?after=0",
                    template: "/v1/departments/{department}/events"), department
            ),
            (
                Route(
                    method: .get, path: "/v1/departments/market-regulation/webhooks",
                    template: "/v1/departments/{department}/webhooks"), [.administrator]
            ),
            (
                Route(
                    method: .post, path: "/v1/departments/market-regulation/webhooks",
                    template: "/v1/departments/{department}/webhooks", body: #"{"url": "https://market.example/h"}"#),
                [.administrator]
            ),
            (
                Route(method: .post, path: "/v1/webhooks/we_0/rotate", template: "/v1/webhooks/{id}/{action}"),
                [.administrator]
            ),
            (Route(method: .delete, path: "/v1/webhooks/we_0", template: "/v1/webhooks/{id}"), [.administrator]),
            (Route(method: .get, path: "/v1/deliveries"), [.supervisor, .administrator]),
            (
                Route(method: .post, path: "/v1/deliveries/replay", body: #"{"selection": "1"}"#),
                [.supervisor, .administrator]
            ),
            (Route(method: .get, path: "/v1/supervision/overdue"), [.supervisor, .administrator]),
            (Route(method: .get, path: "/v1/supervision/promises"), [.supervisor, .administrator]),
            (Route(method: .get, path: "/v1/supervision/report"), [.supervisor, .administrator]),
            (Route(method: .get, path: "/v1/supervision/report?format=csv"), [.supervisor, .administrator]),
            (Route(method: .get, path: "/v1/audit/verify"), [.supervisor, .administrator]),
            (Route(method: .get, path: "/v1/ratings/awaiting-follow-up"), [.supervisor]),
            (
                Route(
                    method: .post, path: "/v1/cases/x/rating/follow-ups",
                    template: "/v1/cases/{number}/rating/follow-ups",
                    body: #"{"note": "回访"}"#), [.supervisor]
            ),
            // Last: it ends the sessions the rows above use.
            (
                Route(method: .delete, path: "/v1/sessions/current"),
                [.window, .marketClerk, .supervisor, .administrator]
            ),
        ]
    }()

    static let open: Set<String> = ["/health", "/metrics", "/v1/sessions"]

    @Test("every route answers every kind of caller as the matrix says")
    func matrix() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let seen = try await fixture.application().test(.router) { client in
            var seen: [String: Set<Int>] = [:]
            let window = try await signIn(client, "wang.fang")
            let clerk = try await signIn(client, "zhao.market")
            let supervisor = try await signIn(client, "chen.sup")
            let administrator = try await signIn(client, "root.admin")
            for (route, allowed) in Self.routes {
                for kind in CallerKind.allCases {
                    var fields = HTTPFields()
                    switch kind {
                    case .anonymous: break
                    case .malformed: fields[.authorization] = "Bearer not-a-credential"
                    case .revokedKiosk: fields[.authorization] = "Bearer \(fixture.revoked.text)"
                    case .kiosk: fields[.authorization] = "Bearer \(fixture.bank.text)"
                    case .window: fields[.authorization] = "Bearer \(window)"
                    case .marketClerk: fields[.authorization] = "Bearer \(clerk)"
                    case .marketSystem: fields[.authorization] = "Bearer \(fixture.marketSystem.text)"
                    case .supervisor: fields[.authorization] = "Bearer \(supervisor)"
                    case .administrator: fields[.authorization] = "Bearer \(administrator)"
                    }
                    fields[idempotencyKey] = "matrix-\(kind.rawValue)-\(route.path)"
                    let response = try await client.execute(
                        uri: route.path, method: route.method, headers: fields,
                        body: route.body.map { ByteBuffer(string: $0) })
                    let status = response.status
                    seen["\(route.method) \(route.template)", default: []].insert(Int(status.code))
                    if status.code >= 400 {
                        #expect(
                            response.headers[.contentType] == "application/problem+json; charset=utf-8",
                            "\(route) as \(kind.rawValue)")
                    }
                    let expected: Answer
                    if allowed.contains(kind) {
                        expected = .allow
                    } else if [.anonymous, .malformed, .revokedKiosk].contains(kind) {
                        expected = .unauthenticated
                    } else {
                        expected = .forbidden
                    }
                    let answer: Answer =
                        status == .unauthorized && !Self.open.contains(route.path)
                        ? .unauthenticated : status == .forbidden ? .forbidden : .allow
                    #expect(answer == expected, "\(route) as \(kind.rawValue): HTTP \(status.code)")
                }
            }
            return seen
        }
        // The contract: the routes are the documented ones, and every status met is documented.
        let documented = try OpenAPIDocument.load()
        #expect(Set(documented.responses.keys) == Set(seen.keys))
        for (operation, statuses) in seen {
            let undocumented = statuses.subtracting(documented.responses[operation] ?? [])
            #expect(undocumented.isEmpty, "\(operation) answered \(undocumented.sorted()), not in docs/openapi.yaml")
        }
    }

    @Test("a stolen credential with a wrong secret, and a revoked kiosk, are refused alike")
    func wrongSecret() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.remove() }
        let forged = try #require(ClientCredential(text: "ogk.bank-01." + String(repeating: "A", count: 43)))
        try await fixture.application().test(.router) { client in
            for credential in [forged, fixture.revoked] {
                try await client.execute(uri: "/v1/bundles", method: .get, headers: headers(credential)) { response in
                    #expect(response.status == .unauthorized)
                    #expect(
                        String(buffer: response.body)
                            == #"{"type":"https://onego.example/problems/unauthenticated","title":"请求没有有效的凭据;请检查终端或账户的凭据","status":401,"code":"unauthenticated","retryable":false,"instance":"/v1/bundles","localized":{"zh":"请求没有有效的凭据;请检查终端或账户的凭据","en":"the request carries no valid credential; check the credential"}}"#
                    )
                }
            }
        }
    }
}

@Suite("Server address")
struct ServerAddressTests {
    @Test("plain HTTP and test clocks stay on loopback")
    func refusals() throws {
        let loopback = try #require(ServerAddress("127.0.0.1:8080"))
        let network = try #require(ServerAddress("10.1.2.3:443"))
        #expect(ServerAddress("[::1]:8080")?.isLoopback == true)
        #expect(ServerAddress("8080") == nil)
        #expect(ServerAddress("host:99999") == nil)
        #expect(loopback.refusal(tls: false, plainHTTPAllowed: false, testClock: true) == nil)
        #expect(network.refusal(tls: true, plainHTTPAllowed: false, testClock: false) == nil)
        #expect(network.refusal(tls: false, plainHTTPAllowed: true, testClock: false) == nil)
        #expect(
            network.refusal(tls: false, plainHTTPAllowed: false, testClock: false)
                == "plain HTTP is allowed only on a loopback address; give --tls-cert and --tls-key, or"
                + " --insecure-plain-http-on-network if a TLS proxy stands in front")
        #expect(
            network.refusal(tls: true, plainHTTPAllowed: true, testClock: true)
                == "a test clock (--test-today or $ONEGO_TEST_TODAY) is for tests only; the server refuses it on"
                + " 10.1.2.3, which is not a loopback address")
    }
}
