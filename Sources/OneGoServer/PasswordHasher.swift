import CaseEngine
import Crypto
import Foundation
import _CryptoExtras

/// Staff passwords, hashed with PBKDF2-HMAC-SHA256 and a random salt per account (swift-crypto);
/// the number of rounds is stored with each hash, so it can be raised without locking anyone out.
public struct PasswordHasher: Sendable {
    /// OWASP's recommendation for PBKDF2-HMAC-SHA256 (2023).
    public static let standardRounds = 600_000
    /// The shortest password accepted.
    public static let minimumLength = 10

    /// Rounds for new hashes.
    public let rounds: Int

    /// A hasher; tests pass fewer rounds to stay fast.
    public init(rounds: Int = standardRounds) {
        self.rounds = rounds
    }

    /// `pbkdf2-sha256$ROUNDS$SALT$HASH`, salt and hash in base64.
    public func hash(_ password: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let derived = try Self.derive(password, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(derived.base64EncodedString())"
    }

    /// Whether `password` matches a stored hash, compared in constant time; false for any
    /// malformed hash.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= 1,
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
            let derived = try? derive(password, salt: Array(salt), rounds: rounds)
        else { return false }
        return constantTimeEqual(derived.base64EncodedString(), expected.base64EncodedString())
    }

    /// A hash that matches no password, checked for unknown accounts so that they take as long as
    /// known ones.
    public static let decoy =
        "pbkdf2-sha256$\(standardRounds)$AAAAAAAAAAAAAAAAAAAAAA==$"
        + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> Data {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32,
            unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Data($0) }
    }
}
