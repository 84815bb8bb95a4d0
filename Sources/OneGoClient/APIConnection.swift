import AsyncHTTPClient
import BundleKit
import CaseEngine
import Foundation
import NIOCore
import NIOHTTP1

/// One caller's connection to `onego serve` (docs/api.md): its address, its bearer credential (a
/// kiosk's, a department system's or a staff session's), and the translation of answers back into
/// the engine's values and errors, so that a client over HTTP behaves like the engine in process.
public struct APIConnection: Sendable {
    /// The server, without a trailing slash.
    public let server: String
    let credential: String
    let http: HTTPClient
    /// Bounds each request (async-http-client keeps trying to connect until then).
    public let timeout: TimeAmount

    /// A connection to `server` (`https://onego.example`) with a bearer credential.
    public init(server: String, credential: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(8)) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.credential = credential.trimmingCharacters(in: .whitespacesAndNewlines)
        self.http = http
        self.timeout = timeout
    }

    /// A JSON request; a 2xx answer decoded as `T`, a problem document thrown as the engine error
    /// it carries, no answer thrown as ``CaseEngineError/unreachable(_:)``.
    public func call<T: Decodable>(
        _ method: HTTPMethod, _ path: String, body: String? = nil, idempotencyKey: String? = nil,
        as resultType: T.Type
    ) async throws(CaseEngineError) -> T {
        let (status, data) = try await raw(method, path, body: body, idempotencyKey: idempotencyKey)
        guard (200..<300).contains(status.code) else { throw Self.error(from: data, status: status) }
        if T.self == NoContent.self, let nothing = NoContent() as? T { return nothing }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw CaseEngineError.unreachable("the server's answer does not fit (\(status.code))")
        }
    }

    /// A request whose answer is returned as it came (status and bytes).
    public func raw(
        _ method: HTTPMethod, _ path: String, body: String? = nil, idempotencyKey: String? = nil
    ) async throws(CaseEngineError) -> (HTTPResponseStatus, Data) {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        if !credential.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(credential)") }
        request.headers.add(name: "Accept-Language", value: "zh")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        do {
            let response = try await http.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
            return (response.status, Data(bytes.readableBytesView))
        } catch {
            throw CaseEngineError.unreachable(String(describing: Swift.type(of: error)))
        }
    }

    /// Whether `GET /health` answers within `wait`.
    public func isHealthy(within wait: TimeAmount) async -> Bool {
        var request = HTTPClientRequest(url: server + "/health")
        request.method = .GET
        guard let response = try? await http.execute(request, timeout: wait) else { return false }
        _ = try? await response.body.collect(upTo: 4096)
        return response.status == .ok
    }

    /// A path segment, percent-encoded.
    public static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", "?", "#"])) ?? text
    }

    /// An answer with no body worth reading.
    public struct NoContent: Decodable {}

    struct ProblemDocument: Decodable {
        struct Localized: Decodable {
            var zh: String
            var en: String
        }
        struct Item: Decodable {
            var subject: String
            var confirmable: Bool?
            var localized: Localized
        }
        var code: String
        var retryable: Bool?
        var localized: Localized
        var problems: [Item]?
    }

    /// The engine error a problem document carries.
    static func error(from data: Data, status: HTTPResponseStatus) -> CaseEngineError {
        guard let problem = try? JSONDecoder().decode(ProblemDocument.self, from: data) else {
            return .unreachable("HTTP \(status.code)")
        }
        if problem.code == "invalid-application" {
            return .invalidApplication(
                (problem.problems ?? []).map {
                    ApplicationProblem(
                        subject: $0.subject, message: LocalizedText(zh: $0.localized.zh, en: $0.localized.en),
                        confirmable: $0.confirmable ?? false)
                })
        }
        return .remote(
            code: problem.code, message: LocalizedText(zh: problem.localized.zh, en: problem.localized.en),
            retryable: problem.retryable ?? false)
    }
}
