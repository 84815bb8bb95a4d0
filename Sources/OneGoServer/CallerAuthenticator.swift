import CaseEngine
import Hummingbird
import HummingbirdAuth

/// Checks the bearer credential of a request and names its ``Caller``: `ogk.…` a kiosk, `ogd.…` a
/// department system, `ogs.…` a staff session.
///
/// No credential: the request goes on without a caller, and a route that needs one answers
/// `unauthenticated`. A credential that is malformed, unknown, revoked, expired or wrong is refused
/// at once, with the same answer for each, so a prober learns nothing.
struct CallerAuthenticator: AuthenticatorMiddleware {
    typealias Context = ServerContext

    let access: any AccessRepository
    let now: @Sendable () -> Int64

    func authenticate(request: Request, context: ServerContext) async throws -> Caller? {
        guard request.headers[.authorization] != nil else { return nil }
        guard let token = request.headers.bearer?.token else { throw Problem.unauthenticated }
        if token.hasPrefix("ogs.") {
            return try await staff(token: token)
        }
        guard let credential = ClientCredential(text: token),
            let client = try await access.client(credential.clientID), client.kind == credential.kind,
            !client.revoked, credential.matches(client.secretHash)
        else { throw Problem.unauthenticated }
        switch client.kind {
        case .kiosk: return Caller(kind: .kiosk, id: client.id, scope: client.scope)
        case .department: return Caller(kind: .department, id: client.id, scope: client.scope)
        }
    }

    /// The staff member a session token (`ogs.…`) belongs to: the API's bearer and the console's cookie.
    func staff(token: String) async throws -> Caller {
        let hash = SHA256.hex(token)
        guard let session = try await access.session(tokenHash: hash), session.expiresAt > now(),
            let account = try await access.staff(session.account), !account.disabled
        else { throw Problem.unauthenticated }
        let via = "session:" + hash.prefix(8)
        switch account.role {
        case .window: return Caller(kind: .window, id: account.id, scope: account.site, via: via)
        case .department: return Caller(kind: .department, id: account.id, scope: account.department, via: via)
        case .supervisor: return Caller(kind: .supervisor, id: account.id, scope: account.site, via: via)
        case .administrator: return Caller(kind: .administrator, id: account.id, scope: account.site, via: via)
        }
    }
}

/// Lets through only callers of the given kinds: `unauthenticated` without a caller, `forbidden`
/// for any other kind.
struct AllowCallers: RouterMiddleware {
    typealias Context = ServerContext

    let kinds: Set<Caller.Kind>

    init(_ kinds: Caller.Kind...) {
        self.kinds = Set(kinds)
    }

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        guard let caller = context.identity else { throw Problem.unauthenticated }
        guard kinds.contains(caller.kind) else { throw Problem.forbidden }
        return try await next(request, context)
    }
}
