import Foundation
import HTTPTypes
import Hummingbird

/// The `Idempotency-Key` of a request, and the keys whose first request is still running.
///
/// The engine stores each key with its case in the same transaction, so a completed request is
/// replayed from the database (same key, same body: the same receipt; another body: 422). This
/// only answers the third case of the IETF draft: a retry that arrives while the first request
/// with its key is still running gets 409 instead of racing it.
final class IdempotencyKeys: Sendable {
    private let running = LockedSet()

    /// The request's key, scoped to its caller; `idempotency-key-missing` when there is none.
    static func key(of request: Request, caller: Caller) throws -> String {
        guard let key = request.headers[.idempotencyKey],
            (1...ServerLimits.maximumIdempotencyKeyLength).contains(key.utf8.count),
            key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { throw Problem.idempotencyKeyMissing }
        return caller.idempotencyScope + key
    }

    /// Runs `work` as the only request with `key`; `request-in-progress` while another runs.
    func exclusively<T>(_ key: String, _ work: () async throws -> T) async throws -> T {
        guard running.insert(key) else { throw Problem.requestInProgress }
        defer { running.remove(key) }
        return try await work()
    }
}

/// A set of strings behind a lock.
final class LockedSet: @unchecked Sendable {
    private let lock = NSLock()
    private var members: Set<String> = []

    func insert(_ member: String) -> Bool {
        lock.withLock { members.insert(member).inserted }
    }

    func remove(_ member: String) {
        _ = lock.withLock { members.remove(member) }
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header).
    static let idempotencyKey: HTTPField.Name = {
        guard let name = HTTPField.Name("Idempotency-Key") else { preconditionFailure("a valid field name") }
        return name
    }()
}
