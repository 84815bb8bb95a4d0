import BundleKit
import CaseEngine
import Foundation
import Hummingbird

/// Runs a step (a POST that changes a case) at most once per `Idempotency-Key`.
///
/// The key is required. A retry with the same key and the same request gets the stored response;
/// with another request, `idempotency-conflict`; while the first still runs, `request-in-progress`.
/// The response is stored right after the step's transaction: should the server stop between the
/// two, the retry runs the step again and the state machine refuses the repeat
/// (`step-not-allowed`), so a step never takes effect twice.
struct IdempotentStep {
    let access: any AccessRepository
    let keys: IdempotencyKeys
    let now: @Sendable () -> Int64

    func run(
        _ request: Request, body: ByteBuffer, caller: Caller, _ step: () async throws -> JSONReply
    ) async throws -> Response {
        let key = try IdempotencyKeys.key(of: request, caller: caller)
        let fingerprint = SHA256.hex(
            Array((request.method.rawValue + " " + request.uri.path + "\n").utf8) + Array(body.readableBytesView))
        if let stored = try await access.storedResponse(key: key) {
            guard stored.fingerprint == fingerprint else { throw Self.conflict(key) }
            return Self.replay(stored)
        }
        return try await keys.exclusively(key) {
            if let stored = try await access.storedResponse(key: key) {
                guard stored.fingerprint == fingerprint else { throw Self.conflict(key) }
                return Self.replay(stored)
            }
            let reply = try await step()
            let stored = StoredResponse(
                key: key, fingerprint: fingerprint, status: Int(reply.status.code), body: reply.body, storedAt: now())
            try await access.storeResponse(stored)
            return Self.replay(stored)
        }
    }

    static func conflict(_ key: String) -> Problem {
        Problem(
            .unprocessableContent, code: "idempotency-conflict",
            title: LocalizedText(
                zh: "此 Idempotency-Key 已用于另一个请求;新的请求请使用新的键",
                en: "this Idempotency-Key was used for a different request; use a new key for a new request"))
    }

    static func replay(_ stored: StoredResponse) -> Response {
        Response(
            status: HTTPResponse.Status(code: stored.status),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: stored.body)))
    }
}

/// A JSON answer of a step, kept as text so that it can be stored and replayed.
struct JSONReply {
    var status: HTTPResponse.Status
    var body: String

    init(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.status = status
        body = String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
