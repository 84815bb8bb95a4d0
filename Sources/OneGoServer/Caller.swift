import CaseEngine
import HummingbirdAuth

/// Who is calling the server, once their credential has been checked: an enrolled kiosk today;
/// staff accounts and department clients take the same shape.
public struct Caller: Sendable, Equatable, RoleProviding {
    /// What kind of caller, which decides the routes it may use.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case kiosk, window, department, supervisor, administrator
    }

    /// The kind.
    public var kind: Kind
    /// The kiosk's, account's or client's id.
    public var id: String
    /// Where the caller stands (a kiosk's site), for the log.
    public var site: String

    /// Creates a caller.
    public init(kind: Kind, id: String, site: String = "") {
        self.kind = kind
        self.id = id
        self.site = site
    }

    /// The caller's roles, for hummingbird-auth's `RolePolicy`.
    public var roles: Set<Kind> { [kind] }

    /// The caller as the audit log names it.
    public var principal: Principal {
        switch kind {
        case .kiosk: return Principal(id: id, role: .kiosk)
        case .window: return Principal(id: id, role: .window)
        case .department: return Principal(id: id, role: .department)
        case .supervisor, .administrator: return Principal(id: id, role: .supervisor)
        }
    }

    /// The namespace of the caller's idempotency keys: one caller cannot replay another's.
    var idempotencyScope: String { "\(kind.rawValue):\(id):" }
}
