/// A person who signs in to `onego serve`: window staff, a department's clerk, a supervisor or an
/// administrator, with a role and a scope.
public struct StaffAccount: Sendable, Equatable {
    /// What the account may do.
    public enum Role: String, Sendable, Codable, CaseIterable {
        case window, department, supervisor, administrator
    }

    /// The sign-in name (`wang.fang`).
    public var id: String
    /// The person's name, as colleagues see it.
    public var name: String
    /// The role.
    public var role: Role
    /// A department clerk's department; empty for other roles.
    public var department: String
    /// A window's or supervisor's site; empty when the account serves every site.
    public var site: String
    /// The password's slow hash (`pbkdf2-sha256$ROUNDS$SALT$HASH`), never the password.
    public var passwordHash: String
    /// Wrong passwords since the last right one.
    public var failedLogins: Int
    /// When the last wrong one was tried (Unix seconds).
    public var lastFailureAt: Int64
    /// A disabled account cannot sign in; its sessions are refused.
    public var disabled: Bool

    /// Creates an account.
    public init(
        id: String, name: String, role: Role, department: String = "", site: String = "", passwordHash: String,
        failedLogins: Int = 0, lastFailureAt: Int64 = 0, disabled: Bool = false
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.department = department
        self.site = site
        self.passwordHash = passwordHash
        self.failedLogins = failedLogins
        self.lastFailureAt = lastFailureAt
        self.disabled = disabled
    }

    /// Whether `id` may be a sign-in name: 1–64 letters, digits, dots, hyphens and underscores,
    /// starting with a letter or digit.
    public static func isValidID(_ id: String) -> Bool {
        isIdentifier(id, punctuation: "._-")
    }
}

/// A signed-in session: the server keeps a hash of its token and when it ends.
public struct StaffSession: Sendable, Equatable {
    /// SHA-256 of the session token, in hex.
    public var tokenHash: String
    /// The account.
    public var account: String
    /// When it was opened (Unix seconds).
    public var createdAt: Int64
    /// When it ends (Unix seconds); it is refused from then on.
    public var expiresAt: Int64

    /// Creates a session.
    public init(tokenHash: String, account: String, createdAt: Int64, expiresAt: Int64) {
        self.tokenHash = tokenHash
        self.account = account
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
