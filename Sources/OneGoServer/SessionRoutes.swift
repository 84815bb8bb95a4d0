import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import HummingbirdAuth
import JSONC
import Logging

/// Signing in and out with a staff account. Wrong passwords are counted per account: after
/// ``maximumFailures`` the account refuses every sign-in for ``lockSeconds``.
struct SessionRoutes {
    static let maximumFailures = 5
    static let lockSeconds: Int64 = 15 * 60
    /// A session lasts one working day.
    static let sessionSeconds: Int64 = 8 * 3600

    let access: any AccessRepository
    let engine: CaseEngine
    let now: @Sendable () -> Int64
    let throttle = SignInThrottle()

    func add(to router: Router<ServerContext>) {
        router.post("v1/sessions", use: signIn)
        router.group("v1/sessions").add(middleware: AllowCallers(.window, .department, .supervisor, .administrator))
            .delete("current", use: signOut)
    }

    struct Credentials: Decodable {
        var account: String
        var password: String
    }

    static let signInFailed = Problem(
        .unauthorized, code: "sign-in-failed",
        title: LocalizedText(zh: "账户或密码不正确", en: "wrong account or password"))

    static func locked(retryAfter: Int) -> Problem {
        Problem(
            .tooManyRequests, code: "account-locked",
            title: LocalizedText(
                zh: "密码输错次数过多，账户已暂时锁定;请 \(max(1, (retryAfter + 59) / 60)) 分钟后再试，或请管理员协助",
                en: "too many wrong passwords; the account is locked for \(max(1, (retryAfter + 59) / 60)) minutes,"
                    + " or ask an administrator"),
            retryable: true, retryAfter: retryAfter)
    }

    /// `POST /v1/sessions`: a session token for an account and its password.
    @Sendable func signIn(_ request: Request, context: ServerContext) async throws -> Response {
        let credentials = try await request.decodeSmall(as: Credentials.self, context: context)
        let (token, account) = try await openSession(
            account: credentials.account, password: credentials.password, through: "api", context: context)
        return .json(
            .object([
                "token": .string(token), "account": .string(account.id), "role": .string(account.role.rawValue),
                "expiresIn": .integer(Self.sessionSeconds),
            ]), status: .created)
    }

    /// Checks a password against the account's lockout and opens a session: its token (`ogs.…`).
    /// An unknown or disabled account is answered exactly like a wrong password. The API and the
    /// console (`through`) sign in through here; every sign-in and every refusal is in the audit.
    func openSession(
        account id: String, password: String, through channel: String, context: ServerContext
    ) async throws -> (token: String, account: StaffAccount) {
        let time = now()
        let address = context.clientAddress ?? "unknown"
        if let wait = await throttle.retryAfter(address, at: time) { throw SignInThrottle.refusal(retryAfter: wait) }
        let from = SignInDetail.via(channel, context)
        let stored = try await access.staff(id)
        guard let account = stored, !account.disabled else {
            await throttle.failed(address, at: time)
            _ = PasswordHasher.verify(password, against: PasswordHasher.decoy)
            // What was typed is not recorded for an unknown account: it may be a password.
            let known = stored != nil
            try await engine.recordAccess(
                .signInRefused, by: Principal(id: known ? id : "", role: .system, requestID: context.id),
                detail: (known ? SignInDetail.accountDisabled : SignInDetail.noSuchAccount) + " " + from)
            throw Self.signInFailed
        }
        let principal = Self.principal(account, context: context)
        if account.failedLogins >= Self.maximumFailures, time < account.lastFailureAt + Self.lockSeconds {
            await throttle.failed(address, at: time)
            try await engine.recordAccess(
                .signInRefused, by: principal, detail: SignInDetail.accountLocked + " " + from)
            throw Self.locked(retryAfter: Int(account.lastFailureAt + Self.lockSeconds - time))
        }
        guard PasswordHasher.verify(password, against: account.passwordHash) else {
            await throttle.failed(address, at: time)
            let failures = try await access.recordLoginFailure(account.id, at: time)
            try await engine.recordAccess(
                .signInRefused, by: principal, detail: SignInDetail.wrongPassword(failures) + " " + from)
            context.logger.notice("sign-in refused", metadata: ["account": "\(account.id)", "failures": "\(failures)"])
            throw Self.signInFailed
        }
        if account.failedLogins > 0 { try await access.clearLoginFailures(account.id) }
        let token = "ogs." + randomToken()
        let hash = SHA256.hex(token)
        try await access.openSession(
            StaffSession(tokenHash: hash, account: account.id, createdAt: time, expiresAt: time + Self.sessionSeconds))
        var opened = principal
        opened.via = "session:" + hash.prefix(8)
        try await engine.recordAccess(.signIn, by: opened, detail: from)
        context.logger.info("signed in", metadata: ["account": "\(account.id)"])
        return (token, account)
    }

    /// Ends a session and records it in the audit.
    func closeSession(token: String, caller: Caller, through channel: String, context: ServerContext) async throws {
        try await access.closeSession(tokenHash: SHA256.hex(token))
        try await engine.recordAccess(
            .signOut, by: caller.principal(request: context.id),
            detail: SignInDetail.via(channel, context))
    }

    /// An account as the audit names it.
    static func principal(_ account: StaffAccount, context: ServerContext) -> Principal {
        let role: Principal.Role
        switch account.role {
        case .window: role = .window
        case .department: role = .department
        case .supervisor, .administrator: role = .supervisor
        }
        return Principal(id: account.id, role: role, requestID: context.id)
    }

    /// `DELETE /v1/sessions/current`: ends the caller's session.
    @Sendable func signOut(_ request: Request, context: ServerContext) async throws -> Response {
        guard let token = request.headers.bearer?.token, token.hasPrefix("ogs.") else { throw Problem.forbidden }
        try await closeSession(token: token, caller: try context.requireIdentity(), through: "api", context: context)
        return Response(status: .noContent)
    }
}
