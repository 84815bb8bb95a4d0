import AsyncHTTPClient
import BundleKit
import CaseEngine
import Foundation
import JSONC
import NIOCore
import NIOHTTP1
import OneGoClient

/// The kiosk talking to `onego serve` (docs/api.md) with its enrolled credential.
///
/// A submission that cannot reach the server is retried with the same idempotency key — the
/// server stores each key with its case, so a retry never makes a second case — and when the
/// server stays unreachable the error is ``CaseEngineError/unreachable(_:)``: the kiosk then prints
/// a slip saying that nothing was submitted, never a receipt.
public final class HTTPKioskClient: KioskClient {
    let connection: APIConnection
    let retryDelays: [Duration]

    /// A client for `server` (`https://onego.example`), with the credential `onego kiosk enrol`
    /// printed; `retryDelays` are the waits between attempts of a submission, `timeout` bounds each
    /// attempt (async-http-client keeps trying to connect until then).
    public init(
        server: String, credential: String, http: HTTPClient = .shared,
        retryDelays: [Duration] = [.seconds(1), .seconds(2)], timeout: TimeAmount = .seconds(8)
    ) {
        connection = APIConnection(server: server, credential: credential, http: http, timeout: timeout)
        self.retryDelays = retryDelays
    }

    public func submit(_ application: Application) async throws(CaseEngineError) -> Receipt {
        let body = application.requestJSON.serialized(pretty: false)
        var attempt = 0
        while true {
            do throws(CaseEngineError) {
                return try await connection.call(
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
        return try await connection.call(
            .POST, "/v1/progress", body: body.serialized(pretty: false), as: CaseSummary.self)
    }

    public func supply(number: String, queryCode: String, materials: [String]) async throws(CaseEngineError) {
        let body = JSONValue.object(["queryCode": .string(queryCode), "materials": .strings(materials)])
        _ = try await connection.call(
            .POST, "/v1/cases/\(APIConnection.segment(number))/supply", body: body.serialized(pretty: false),
            idempotencyKey: "supply-" + UUID().uuidString, as: CaseSummary.self)
    }

    public func rate(number: String, queryCode: String, grade: Int) async throws(CaseEngineError) {
        let body = JSONValue.object(["queryCode": .string(queryCode), "grade": .integer(Int64(grade))])
        _ = try await connection.call(
            .POST, "/v1/cases/\(APIConnection.segment(number))/rating", body: body.serialized(pretty: false),
            idempotencyKey: "rating-\(number)", as: APIConnection.NoContent.self)
    }

    public func isOnline() async -> Bool {
        // Twice before calling the kiosk offline: one slow answer on a busy network is not an outage.
        for _ in 0..<2 where await connection.isHealthy(within: min(connection.timeout, .seconds(5))) {
            return true
        }
        return false
    }

    /// The files the server runs on, written under `directory/<version>` (kept between starts); returns
    /// that directory. Paths from the server are confined to it.
    public func fetchLibrary(into directory: String) async throws(CaseEngineError) -> String {
        let snapshot = try await connection.call(.GET, "/v1/library", body: nil, as: Snapshot.self)
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

}
