/// Who came in and went out: sign-ins, refused sign-ins and sign-outs of staff accounts, kept in
/// the same tamper-evident chain as the steps on cases (under no case). A refused sign-in names the
/// account only when it exists: what was typed into the account box may be a password.
public enum AccessAction: String, Sendable, CaseIterable {
    case signIn = "sign in"
    case signInRefused = "sign in refused"
    case signOut = "sign out"
}

extension CaseEngine {
    /// Records a sign-in, a refused one or a sign-out in the audit chain at the engine's clock;
    /// `detail` says through what (console or API), from where, and why a refusal was refused.
    public func recordAccess(
        _ action: AccessAction, by principal: Principal, detail: String
    ) async throws(CaseEngineError) {
        try await repository.appendAuditEvents([
            AuditEvent(
                at: clock.timestamp(), principal: principal, action: action.rawValue, caseNumber: "", subcaseID: "",
                before: "", after: "", detail: detail)
        ])
    }

    /// Sign-ins, refused sign-ins and sign-outs, newest first, a page at a time (`before` the
    /// sequence number the previous page ended at).
    public func accessEvents(
        before seq: Int64? = nil, limit: Int = 50
    ) async throws(CaseEngineError) -> [StoredAuditEvent] {
        try await repository.accessEvents(before: seq, limit: Self.pageSize(limit))
    }
}
