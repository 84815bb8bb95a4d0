/// Where a store keeps who may call the server: enrolled kiosks, and the wrong query codes tried
/// on each case. Implemented by every store next to ``CaseRepository``, in the same database.
public protocol AccessRepository: Sendable {
    /// Stores a new kiosk; false when a kiosk with that id is already enrolled (nothing changed).
    func enrol(_ kiosk: KioskEnrolment) async throws(CaseEngineError) -> Bool
    /// The kiosk with this id.
    func kiosk(_ id: String) async throws(CaseEngineError) -> KioskEnrolment?
    /// Every kiosk, by id.
    func kiosks() async throws(CaseEngineError) -> [KioskEnrolment]
    /// Revokes a kiosk; false when there is none with that id.
    func revokeKiosk(_ id: String) async throws(CaseEngineError) -> Bool
    /// Wrong query codes tried on a case since the last right one.
    func queryCodeFailures(caseNumber: String) async throws(CaseEngineError) -> QueryCodeFailures
    /// Counts one more wrong query code on a case, at `time` (Unix seconds); returns the new count.
    func recordQueryCodeFailure(caseNumber: String, at time: Int64) async throws(CaseEngineError) -> QueryCodeFailures
    /// Forgets the wrong tries on a case (after a right code, once the lock has passed).
    func clearQueryCodeFailures(caseNumber: String) async throws(CaseEngineError)
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
