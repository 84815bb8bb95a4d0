import CaseEngine
import Hummingbird
import HummingbirdAuth

/// Checks the bearer credential of a request and names its ``Caller``.
///
/// No credential: the request goes on without a caller, and a route that needs one answers
/// `unauthenticated`. A credential that is malformed, unknown, revoked or wrong is refused at
/// once, with the same answer for each, so a prober learns nothing.
struct CallerAuthenticator: AuthenticatorMiddleware {
    typealias Context = ServerContext

    let access: any AccessRepository

    func authenticate(request: Request, context: ServerContext) async throws -> Caller? {
        guard request.headers[.authorization] != nil else { return nil }
        guard let token = request.headers.bearer?.token, let credential = KioskCredential(text: token),
            let kiosk = try await access.kiosk(credential.kioskID), !kiosk.revoked,
            credential.matches(kiosk.secretHash)
        else {
            throw Problem.unauthenticated
        }
        return Caller(kind: .kiosk, id: kiosk.id, site: kiosk.site)
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
