import Foundation

/// A kiosk enrolled to submit cases through `onego serve`. The server keeps only a hash of the
/// kiosk's secret: a stolen database does not let anyone act as a kiosk.
public struct KioskEnrolment: Sendable, Equatable, Codable {
    /// The kiosk's id (`bank-xuhui-01`): letters, digits and hyphens.
    public var id: String
    /// Where the kiosk stands (`徐汇区工商银行漕溪北路支行`), as staff and the audit see it.
    public var site: String
    /// SHA-256 of the kiosk's secret, in hex.
    public var secretHash: String
    /// When it was enrolled (server time).
    public var enrolledAt: String
    /// A revoked kiosk is refused.
    public var revoked: Bool

    /// Creates an enrolment.
    public init(id: String, site: String, secretHash: String, enrolledAt: String, revoked: Bool = false) {
        self.id = id
        self.site = site
        self.secretHash = secretHash
        self.enrolledAt = enrolledAt
        self.revoked = revoked
    }

    /// Whether `id` may name a kiosk: 1–64 letters, digits and hyphens, starting with a letter or digit.
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.unicodeScalars.count <= 64 else { return false }
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-")
        }
        return first != "-" && id.unicodeScalars.allSatisfy(allowed)
    }
}

/// The bearer credential a kiosk presents: `ogk.<kiosk id>.<secret>`, the secret 32 random bytes
/// in base64url. It is printed once at enrolment; only ``secretHash`` is stored.
public struct KioskCredential: Sendable, Equatable {
    /// The kiosk it belongs to.
    public var kioskID: String
    /// The secret part.
    public var secret: String

    /// The credential as the kiosk sends it after `Bearer `.
    public var text: String { "ogk.\(kioskID).\(secret)" }

    /// SHA-256 of the secret, in hex: what the server stores. (The secret has 256 random bits, so a
    /// slow password hash would add nothing.)
    public var secretHash: String {
        SHA256.hex(secret)
    }

    /// Reads a credential as written by ``text``; nil when it is not one.
    public init?(text: String) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "ogk", KioskEnrolment.isValidID(String(parts[1])),
            (20...128).contains(parts[2].count)
        else { return nil }
        kioskID = String(parts[1])
        secret = String(parts[2])
    }

    /// A new random credential for a kiosk.
    public static func generate(kioskID: String) -> KioskCredential {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return KioskCredential(kioskID: kioskID, secret: secret)
    }

    private init(kioskID: String, secret: String) {
        self.kioskID = kioskID
        self.secret = secret
    }

    /// Whether this credential's secret hashes to `storedHash`, compared in constant time.
    public func matches(_ storedHash: String) -> Bool {
        let mine = Array(secretHash.utf8)
        let theirs = Array(storedHash.utf8)
        guard mine.count == theirs.count else { return false }
        var difference: UInt8 = 0
        for index in mine.indices { difference |= mine[index] ^ theirs[index] }
        return difference == 0
    }
}
