import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The secret that keys the audit chain (HMAC-SHA256), kept outside the database: whoever can edit
/// the database but not read this file cannot rewrite the chain so that it verifies.
///
/// The file holds 64 hexadecimal characters. ``loadOrCreate(at:)`` makes one with 32 random bytes
/// and owner-only rights (0600) on first use; `ONEGO_AUDIT_KEY_FILE` names it (default: beside the
/// database, `onego.db.audit-key`; put it on another volume or in a secret store for real separation).
public struct AuditKey: Sendable, Equatable {
    private let bytes: [UInt8]

    /// A key from its bytes (tests, a secret store).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Why a key file cannot be used.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, naming the file.
        public var description: String
    }

    /// The key in `path`, or `nil` when there is no such file.
    public static func load(at path: String) throws(Problem) -> AuditKey? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            text.count == 64, let bytes = Self.bytes(hex: text)
        else { throw Problem(description: "\(path): error: an audit key file holds 64 hexadecimal characters") }
        return AuditKey(bytes: bytes)
    }

    /// The key in `path`, created (32 random bytes, rights 0600) when there is none. Safe when
    /// several processes start at once on a new database: the key is written to a file of its own
    /// and linked into place only if no other process got there first (then that one's key is read),
    /// so every process hashes with the same key and nobody reads a half-written one.
    public static func loadOrCreate(at path: String) throws(Problem) -> (key: AuditKey, created: Bool) {
        if let key = try load(at: path) { return (key, false) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Hex.lowercase(bytes) + "\n"
        let draft = path + ".new-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        guard
            FileManager.default.createFile(
                atPath: draft, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw Problem(description: "\(path): error: cannot create the audit key file") }
        defer { unlink(draft) }
        if link(draft, path) != 0 {
            guard errno == EEXIST, let key = try load(at: path) else {
                throw Problem(description: "\(path): error: cannot create the audit key file")
            }
            return (key, false)
        }
        return (AuditKey(bytes: bytes), true)
    }

    /// HMAC-SHA256 of a message, hexadecimal.
    func authenticationCode(_ message: [UInt8]) -> String {
        HMAC<Crypto.SHA256>.authenticationCode(for: message, using: SymmetricKey(data: bytes))
            .withUnsafeBytes { Hex.lowercase($0) }
    }

    /// A key for another purpose derived from this one (HKDF-SHA256 with the purpose as its info):
    /// the key file stays the one secret kept outside the database, and no two uses share a key.
    public func derivedKeyBytes(for purpose: String) -> [UInt8] {
        HKDF<Crypto.SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes), info: Array(purpose.utf8), outputByteCount: 32
        ).withUnsafeBytes { Array($0) }
    }

    private static func bytes(hex: String) -> [UInt8]? {
        var result: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
            result.append(value)
        }
        return result.count == 32 ? result : nil
    }
}
