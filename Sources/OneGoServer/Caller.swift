import CaseEngine
import HummingbirdAuth

/// Who is calling the server, once their credential has been checked: an enrolled kiosk or
/// department system, or a person signed in with a staff account.
public struct Caller: Sendable, Equatable, RoleProviding {
    /// What kind of caller, which decides the routes it may use.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case kiosk, window, department, supervisor, administrator
    }

    /// The kind.
    public var kind: Kind
    /// The kiosk's, client's or account's id.
    public var id: String
    /// A department's id for department clerks and systems; a site for kiosks and windows.
    public var scope: String
    /// The kiosk, client or session it came through, for the audit (`session:1a2b3c4d`).
    public var via: String

    /// Creates a caller.
    public init(kind: Kind, id: String, scope: String = "", via: String = "") {
        self.kind = kind
        self.id = id
        self.scope = scope
        self.via = via.isEmpty ? id : via
    }

    /// The caller's roles, for hummingbird-auth's `RolePolicy`.
    public var roles: Set<Kind> { [kind] }

    /// The caller as the audit log names it, with the request that carried the step.
    public func principal(request: String) -> Principal {
        let role: Principal.Role
        switch kind {
        case .kiosk: role = .kiosk
        case .window: role = .window
        case .department: role = .department
        case .supervisor, .administrator: role = .supervisor
        }
        return Principal(id: id, role: role, via: via, requestID: request)
    }

    /// The namespace of the caller's idempotency keys: one caller cannot replay another's.
    var idempotencyScope: String { "\(kind.rawValue):\(id):" }
}
