import CaseEngine

/// What the kiosk needs from the case engine: in the same process (``EngineKioskClient``) or from
/// `onego serve` (``HTTPKioskClient``).
public protocol KioskClient: Sendable {
    /// Submits an application; the same idempotency key again returns the same receipt.
    func submit(_ application: Application) async throws(CaseEngineError) -> Receipt
    /// A case for a citizen who knows its number and query code.
    func progress(number: String, queryCode: String) async throws(CaseEngineError) -> CaseSummary
    /// Marks materials an open correction asked for as provided (the citizen gave the query code).
    func supply(number: String, queryCode: String, materials: [String]) async throws(CaseEngineError)
    /// Records the citizen's rating of a case, 1 (very satisfied) to 5 (very dissatisfied).
    func rate(number: String, queryCode: String, grade: Int) async throws(CaseEngineError)
    /// Whether the engine can be reached now; a kiosk that cannot offers no bundles.
    func isOnline() async -> Bool
}

extension KioskClient {
    public func isOnline() async -> Bool { true }
}

/// The kiosk talking to the engine in the same process (the embedded default).
public struct EngineKioskClient: KioskClient {
    let engine: CaseEngine
    let kioskID: String

    /// Creates a client for a kiosk.
    public init(engine: CaseEngine, kioskID: String) {
        self.engine = engine
        self.kioskID = kioskID
    }

    public func submit(_ application: Application) async throws(CaseEngineError) -> Receipt {
        try await engine.submit(application)
    }

    public func progress(number: String, queryCode: String) async throws(CaseEngineError) -> CaseSummary {
        try await engine.caseSummary(number: number, queryCode: queryCode)
    }

    public func supply(number: String, queryCode: String, materials: [String]) async throws(CaseEngineError) {
        _ = try await engine.caseSummary(number: number, queryCode: queryCode)
        _ = try await engine.supply(
            caseNumber: number, materials: materials, values: [:], actor: Principal(id: kioskID, role: .kiosk))
    }

    public func rate(number: String, queryCode: String, grade: Int) async throws(CaseEngineError) {
        _ = try await engine.caseSummary(number: number, queryCode: queryCode)
        try await engine.rate(caseNumber: number, grade: grade, actor: Principal(id: kioskID, role: .kiosk))
    }
}
