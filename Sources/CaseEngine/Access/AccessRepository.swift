/// Where a store keeps who may call the server: enrolled clients (kiosks, department systems),
/// staff accounts and their sessions, wrong query codes per case and the responses of idempotent
/// requests. Implemented by every store next to ``CaseRepository``, in the same database.
public protocol AccessRepository: Sendable {
    /// Stores a new client; false when one with that id is already enrolled (nothing changed).
    func enrol(_ client: ClientEnrolment) async throws(CaseEngineError) -> Bool
    /// The client with this id.
    func client(_ id: String) async throws(CaseEngineError) -> ClientEnrolment?
    /// Every client, by id.
    func clients() async throws(CaseEngineError) -> [ClientEnrolment]
    /// Revokes a client; false when there is none with that id.
    func revokeClient(_ id: String) async throws(CaseEngineError) -> Bool

    /// Stores a new account; false when one with that id exists (nothing changed).
    func addStaff(_ account: StaffAccount) async throws(CaseEngineError) -> Bool
    /// The account with this id.
    func staff(_ id: String) async throws(CaseEngineError) -> StaffAccount?
    /// Every account, by id.
    func staffAccounts() async throws(CaseEngineError) -> [StaffAccount]
    /// Counts a wrong password at `time` (Unix seconds); returns the account's new count.
    func recordLoginFailure(_ id: String, at time: Int64) async throws(CaseEngineError) -> Int
    /// Forgets the wrong passwords of an account.
    func clearLoginFailures(_ id: String) async throws(CaseEngineError)
    /// Disables an account and ends its sessions; false when there is none with that id.
    func disableStaff(_ id: String) async throws(CaseEngineError) -> Bool

    /// Stores a session (and forgets sessions that ended before `session.createdAt`).
    func openSession(_ session: StaffSession) async throws(CaseEngineError)
    /// The session whose token hashes to `tokenHash`.
    func session(tokenHash: String) async throws(CaseEngineError) -> StaffSession?
    /// Ends a session.
    func closeSession(tokenHash: String) async throws(CaseEngineError)

    /// Wrong query codes tried on a case since the last right one.
    func queryCodeFailures(caseNumber: String) async throws(CaseEngineError) -> QueryCodeFailures
    /// Counts one more wrong query code on a case, at `time` (Unix seconds); returns the new count.
    func recordQueryCodeFailure(caseNumber: String, at time: Int64) async throws(CaseEngineError) -> QueryCodeFailures
    /// Forgets the wrong tries on a case (after a right code, once the lock has passed).
    func clearQueryCodeFailures(caseNumber: String) async throws(CaseEngineError)

    /// The stored response of an idempotent request (a step), by its caller-scoped key.
    func storedResponse(key: String) async throws(CaseEngineError) -> StoredResponse?
    /// Stores the response of an idempotent request; the first one stored for a key stays.
    func storeResponse(_ response: StoredResponse) async throws(CaseEngineError)
}

/// The response of an idempotent request, kept so that a retry with the same key gets it again.
public struct StoredResponse: Sendable, Equatable {
    /// The caller-scoped key.
    public var key: String
    /// A fingerprint of the request (method, path and body).
    public var fingerprint: String
    /// The HTTP status.
    public var status: Int
    /// The body (JSON).
    public var body: String
    /// When it was stored (Unix seconds).
    public var storedAt: Int64

    /// Creates a stored response.
    public init(key: String, fingerprint: String, status: Int, body: String, storedAt: Int64) {
        self.key = key
        self.fingerprint = fingerprint
        self.status = status
        self.body = body
        self.storedAt = storedAt
    }
}

/// Wrong query codes tried on one case.
public struct QueryCodeFailures: Sendable, Equatable {
    /// How many in a row.
    public var count: Int
    /// When the last one was tried (Unix seconds; 0 when none).
    public var lastAt: Int64

    /// Creates a count.
    public init(count: Int, lastAt: Int64) {
        self.count = count
        self.lastAt = lastAt
    }
}

/// Locks a case against query-code guessing: a query code has six digits, so after
/// ``maximumFailures`` wrong tries the case answers no query (not even the right code) for
/// ``lockSeconds``. Time is the server's.
public struct QueryCodeGuard: Sendable {
    /// Wrong tries allowed before the lock.
    public static let maximumFailures = 5
    /// How long the lock holds after the last wrong try.
    public static let lockSeconds: Int64 = 30 * 60

    let access: any AccessRepository
    let now: @Sendable () -> Int64

    /// Creates a guard over a store, with the server's clock in Unix seconds.
    public init(access: any AccessRepository, now: @escaping @Sendable () -> Int64) {
        self.access = access
        self.now = now
    }

    /// The case summary for a number and query code, counting wrong codes and refusing while locked.
    /// A wrong code is answered like an unknown case; a locked case with ``CaseEngineError/queryLocked(case:retryAfter:)``.
    public func summary(
        number: String, queryCode: String, engine: CaseEngine
    ) async throws(CaseEngineError) -> CaseSummary {
        let failures = try await access.queryCodeFailures(caseNumber: number)
        let time = now()
        if failures.count >= Self.maximumFailures {
            let until = failures.lastAt + Self.lockSeconds
            if time < until { throw CaseEngineError.queryLocked(case: number, retryAfter: Int(until - time)) }
        }
        do {
            let summary = try await engine.caseSummary(number: number, queryCode: queryCode)
            if failures.count > 0 { try await access.clearQueryCodeFailures(caseNumber: number) }
            return summary
        } catch {
            // Only tries on a case that exists are counted: probing numbers leaves no rows behind.
            if case .unknownCase = error, try await engine.repository.caseRecord(number) != nil {
                _ = try await access.recordQueryCodeFailure(caseNumber: number, at: time)
            }
            throw error
        }
    }
}
