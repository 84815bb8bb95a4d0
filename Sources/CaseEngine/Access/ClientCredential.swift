import Foundation

/// A machine enrolled to call `onego serve`: a kiosk, or a department's back-office system. The
/// server keeps only a hash of its secret: a stolen database does not let anyone act as it.
public struct ClientEnrolment: Sendable, Equatable, Codable {
    /// What kind of machine.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A self-service kiosk; its scope is the site where it stands.
        case kiosk
        /// A department's system; its scope is the department it acts for.
        case department

        /// The credential's prefix.
        public var prefix: String { self == .kiosk ? "ogk" : "ogd" }
    }

    /// The client's id (`bank-xuhui-01`, `tax-backoffice`): letters, digits and hyphens.
    public var id: String
    /// The kind.
    public var kind: Kind
    /// A kiosk's site (`工行漕溪北路支行`) or a department system's department id (`tax`).
    public var scope: String
    /// SHA-256 of the client's secret, in hex.
    public var secretHash: String
    /// When it was enrolled (server time).
    public var enrolledAt: String
    /// A revoked client is refused.
    public var revoked: Bool

    /// Creates an enrolment.
    public init(
        id: String, kind: Kind, scope: String, secretHash: String, enrolledAt: String, revoked: Bool = false
    ) {
        self.id = id
        self.kind = kind
        self.scope = scope
        self.secretHash = secretHash
        self.enrolledAt = enrolledAt
        self.revoked = revoked
    }

    /// Whether `id` may name a client or an account: 1–64 letters, digits, hyphens and dots,
    /// starting with a letter or digit.
    public static func isValidID(_ id: String) -> Bool {
        isIdentifier(id, punctuation: "-_")
    }
}

/// Whether `id` is 1–64 ASCII letters, digits and the given punctuation, starting with a letter or
/// digit: the shape of client ids and sign-in names.
func isIdentifier(_ id: String, punctuation: String) -> Bool {
    func alphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && CharacterSet.alphanumerics.contains(scalar)
    }
    guard let first = id.unicodeScalars.first, alphanumeric(first), id.unicodeScalars.count <= 64 else {
        return false
    }
    return id.unicodeScalars.allSatisfy { alphanumeric($0) || punctuation.unicodeScalars.contains($0) }
}

/// The bearer credential a client presents: `ogk.<kiosk id>.<secret>` or `ogd.<client id>.<secret>`,
/// the secret 32 random bytes in base64url. It is printed once at enrolment; only ``secretHash`` is
/// stored.
public struct ClientCredential: Sendable, Equatable {
    /// The kind of client.
    public var kind: ClientEnrolment.Kind
    /// The client it belongs to.
    public var clientID: String
    /// The secret part.
    public var secret: String

    /// The credential as the client sends it after `Bearer `.
    public var text: String { "\(kind.prefix).\(clientID).\(secret)" }

    /// SHA-256 of the secret, in hex: what the server stores. (The secret has 256 random bits, so a
    /// slow password hash would add nothing.)
    public var secretHash: String { SHA256.hex(secret) }

    /// Reads a credential as written by ``text``; nil when it is not one.
    public init?(text: String) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let kind = ClientEnrolment.Kind.allCases.first(where: { $0.prefix == parts[0] }),
            ClientEnrolment.isValidID(String(parts[1])), (20...128).contains(parts[2].count)
        else { return nil }
        self.kind = kind
        clientID = String(parts[1])
        secret = String(parts[2])
    }

    /// A new random credential for a client.
    public static func generate(_ kind: ClientEnrolment.Kind, id: String) -> ClientCredential {
        ClientCredential(kind: kind, clientID: id, secret: randomToken())
    }

    private init(kind: ClientEnrolment.Kind, clientID: String, secret: String) {
        self.kind = kind
        self.clientID = clientID
        self.secret = secret
    }

    /// Whether this credential's secret hashes to `storedHash`, compared in constant time.
    public func matches(_ storedHash: String) -> Bool {
        constantTimeEqual(secretHash, storedHash)
    }
}

/// 32 random bytes from the system's generator, in base64url without padding.
public func randomToken() -> String {
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// Compares two texts in time that depends only on their length.
public func constantTimeEqual(_ left: String, _ right: String) -> Bool {
    let mine = Array(left.utf8)
    let theirs = Array(right.utf8)
    guard mine.count == theirs.count else { return false }
    var difference: UInt8 = 0
    for index in mine.indices { difference |= mine[index] ^ theirs[index] }
    return difference == 0
}
