import AsyncHTTPClient
import BundleKit
import CaseEngine
import Foundation
import JSONC
import NIOCore
import NIOHTTP1

/// The kiosk talking to `onego serve` (docs/api.md) with its enrolled credential.
///
/// A submission that cannot reach the server is retried with the same idempotency key — the
/// server stores each key with its case, so a retry never makes a second case — and when the
/// server stays unreachable the error is ``CaseEngineError/unreachable(_:)``: the kiosk then prints
/// a slip saying that nothing was submitted, never a receipt.
public final class HTTPKioskClient: KioskClient {
    let server: String
    let credential: String
    let http: HTTPClient
    let retryDelays: [Duration]
    let timeout: TimeAmount

    /// A client for `server` (`https://onego.example`), with the credential `onego kiosk enrol`
    /// printed; `retryDelays` are the waits between attempts of a submission, `timeout` bounds each
    /// attempt (async-http-client keeps trying to connect until then).
    public init(
        server: String, credential: String, http: HTTPClient = .shared,
        retryDelays: [Duration] = [.seconds(1), .seconds(2)], timeout: TimeAmount = .seconds(8)
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.credential = credential.trimmingCharacters(in: .whitespacesAndNewlines)
        self.http = http
        self.retryDelays = retryDelays
        self.timeout = timeout
    }

    public func submit(_ application: Application) async throws(CaseEngineError) -> Receipt {
        let body = application.requestJSON.serialized(pretty: false)
        var attempt = 0
        while true {
            do throws(CaseEngineError) {
                return try await call(
                    .POST, "/v1/cases", body: body, idempotencyKey: application.idempotencyKey, as: Receipt.self)
            } catch {
                // Unreachable, 409 (the first attempt still runs), 5xx that may pass: the same key again.
                guard error.retryable, attempt < retryDelays.count else { throw error }
                try? await Task.sleep(for: retryDelays[attempt])
                attempt += 1
            }
        }
    }

    public func progress(number: String, queryCode: String) async throws(CaseEngineError) -> CaseSummary {
        let body = JSONValue.object(["caseNumber": .string(number), "queryCode": .string(queryCode)])
        return try await call(.POST, "/v1/progress", body: body.serialized(pretty: false), as: CaseSummary.self)
    }

    public func supply(number: String, queryCode: String, materials: [String]) async throws(CaseEngineError) {
        let body = JSONValue.object(["queryCode": .string(queryCode), "materials": .strings(materials)])
        _ = try await call(
            .POST, "/v1/cases/\(Self.escaped(number))/supply", body: body.serialized(pretty: false),
            idempotencyKey: "supply-" + UUID().uuidString, as: CaseSummary.self)
    }

    public func rate(number: String, queryCode: String, grade: Int) async throws(CaseEngineError) {
        let body = JSONValue.object(["queryCode": .string(queryCode), "grade": .integer(Int64(grade))])
        _ = try await call(
            .POST, "/v1/cases/\(Self.escaped(number))/rating", body: body.serialized(pretty: false),
            idempotencyKey: "rating-\(number)", as: IgnoredBody.self)
    }

    public func isOnline() async -> Bool {
        var request = HTTPClientRequest(url: server + "/health")
        request.method = .GET
        let wait = min(timeout, .seconds(3))
        guard let response = try? await http.execute(request, timeout: wait) else { return false }
        _ = try? await response.body.collect(upTo: 4096)
        return response.status == .ok
    }

    /// The files the server runs on, written under `directory/<version>` (kept between starts); returns
    /// that directory. Paths from the server are confined to it.
    public func fetchLibrary(into directory: String) async throws(CaseEngineError) -> String {
        let snapshot = try await call(.GET, "/v1/library", body: nil, as: Snapshot.self)
        guard snapshot.version.allSatisfy({ $0.isHexDigit }), !snapshot.version.isEmpty else {
            throw CaseEngineError.unreachable("the server sent a library without a version")
        }
        let root = (directory as NSString).appendingPathComponent(snapshot.version)
        for file in snapshot.files {
            guard Self.isConfined(file.path) else {
                throw CaseEngineError.unreachable("the server sent a library file outside it: \(file.path)")
            }
            let path = (root as NSString).appendingPathComponent(file.path)
            do {
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(file.content.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw CaseEngineError.unreachable("cannot write the library to \(root): \(error.localizedDescription)")
            }
        }
        return root
    }

    /// A relative path of letters, digits, `-`, `_` and `.` segments, none of them `..`, under the
    /// catalog, calendar or kiosk folders or at the top (bundles).
    public static func isConfined(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), (1...2).contains(segments.count), path.hasSuffix(".json") else { return false }
        if segments.count == 2, !["catalog", "calendar", "kiosk"].contains(segments[0]) { return false }
        return segments.allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.unicodeScalars.allSatisfy {
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0))
                }
        }
    }

    struct Snapshot: Decodable {
        struct File: Decodable {
            var path: String
            var content: String
        }
        var version: String
        var files: [File]
    }

    struct IgnoredBody: Decodable {}

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

    private static func escaped(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? segment
    }

    /// One request; a problem document comes back as the engine error it carries.
    private func call<T: Decodable>(
        _ method: HTTPMethod, _ path: String, body: String?, idempotencyKey: String? = nil, as type: T.Type
    ) async throws(CaseEngineError) -> T {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(credential)")
        request.headers.add(name: "Accept-Language", value: "zh")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let status: HTTPResponseStatus
        let bytes: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = response.status
            bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        } catch {
            throw CaseEngineError.unreachable(String(describing: Swift.type(of: error)))
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status.code) else { throw Self.error(from: data, status: status) }
        if T.self == IgnoredBody.self, let ignored = IgnoredBody() as? T { return ignored }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw CaseEngineError.unreachable("the server's answer does not fit (\(status.code))")
        }
    }

    static func error(from data: Data, status: HTTPResponseStatus) -> CaseEngineError {
        guard let problem = try? JSONDecoder().decode(ProblemDocument.self, from: data) else {
            return .unreachable("HTTP \(status.code)")
        }
        let message = LocalizedText(zh: problem.localized.zh, en: problem.localized.en)
        if problem.code == "invalid-application" {
            return .invalidApplication(
                (problem.problems ?? []).map {
                    ApplicationProblem(
                        subject: $0.subject, message: LocalizedText(zh: $0.localized.zh, en: $0.localized.en),
                        confirmable: $0.confirmable ?? false)
                })
        }
        return .remote(code: problem.code, message: message, retryable: problem.retryable ?? false)
    }
}
