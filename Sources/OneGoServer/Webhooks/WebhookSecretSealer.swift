import CaseEngine
import Crypto
import Foundation

/// Webhook secrets at rest: sealed with AES-256-GCM under a key derived from the audit key, which
/// lives outside the database. A copy of the database (a backup, a dump) holds no secret that
/// could sign a webhook. Stored as `sealed.v1.<base64 of nonce, ciphertext and tag>`; a secret
/// stored plainly (`whsec_…`, a store without an audit key) is used as it is.
public struct WebhookSecretSealer: Sendable {
    private static let prefix = "sealed.v1."
    private let keyBytes: [UInt8]

    /// The sealer of the servers and commands that share this audit key.
    public init(auditKey: AuditKey) {
        keyBytes = auditKey.derivedKeyBytes(for: "onego webhook secrets v1")
    }

    /// The stored form of a secret.
    public func seal(_ secret: String) -> String {
        guard let combined = try? AES.GCM.seal(Array(secret.utf8), using: SymmetricKey(data: keyBytes)).combined
        else { return secret }  // only a nonce of another size has no combined form; this one is 12 bytes
        return Self.prefix + combined.base64EncodedString()
    }

    /// The secret of a stored form; nil when it was sealed under another key (or altered).
    public func open(_ stored: String) -> String? {
        guard stored.hasPrefix(Self.prefix) else { return stored }
        guard let data = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))),
            let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: SymmetricKey(data: keyBytes))
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}
