import CaseEngine
import Foundation
import Testing

@Suite("Sign-ins in the audit chain")
struct AccessAuditTests {
    @Test(
        "sign-ins chain with the steps on cases; the chain stays verifiable; newest first, a page at a time",
        arguments: StoreKind.allCases)
    func chained(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let clerk = Principal(id: "zhao.market", role: .department)
        try await engine.recordAccess(.signInRefused, by: clerk, detail: "wrong password (1 in a row) through console")
        try await engine.recordAccess(.signIn, by: clerk, detail: "through console")
        let number = try await engine.submit(companyApplication()).caseNumber
        try await engine.accept(number + "-01", department: "market-regulation", actor: clerk)
        try await engine.recordAccess(.signOut, by: clerk, detail: "through console")

        let newest = try await engine.accessEvents(limit: 2)
        #expect(newest.map(\.event.action) == ["sign out", "sign in"])
        let older = try await engine.accessEvents(before: newest.last?.seq, limit: 2)
        #expect(older.map(\.event.action) == ["sign in refused"])
        #expect(older.first?.event.detail == "wrong password (1 in a row) through console")
        #expect(try await engine.repository.auditEvents(ofCase: number).count == 2, "a case's timeline has no sign-ins")
        #expect(try await engine.verifyAudit() == .intact(events: 5))
    }
}
