import CaseEngine
import Foundation
import PostgresTesting
import Testing

@testable import CaseStorePostgres

/// Steps on PostgreSQL in two round trips (a read, then one statement that writes only if nothing
/// it read has moved), and the locking path they fall back to.
@Suite("PostgreSQL store: steps in two round trips")
struct PostgresGatedStepTests {
    let helpers = PostgresStoreTests()

    @Test("a step nobody else touches is written gated; a scope that reads the whole case goes the locking way")
    func gatedWhenAlone() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        let id = number + "-01"
        try await engine.accept(id, department: "market-regulation", actor: officer("market"))
        try await engine.review(id, department: "market-regulation", actor: officer("market"))
        #expect(store.stepPaths == StepPaths(gated: 2, locking: 0))
        _ = try await engine.withdraw(
            caseNumber: number, reason: "the applicant changed their mind",
            actor: Principal(id: "window-1", role: .window))
        #expect(store.stepPaths == StepPaths(gated: 2, locking: 1))
        #expect(try await engine.verifyAudit() == .intact(events: 4))
    }

    @Test("an issue while the case's row is held waits on the locking path, then releases its dependants once")
    func caseRowHeld() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        let id = number + "-01"
        for step in [engine.accept, engine.review] { try await step(id, "market-regulation", officer("market")) }
        try await engine.approve(id, department: "market-regulation", actor: approver("market"))
        let dispatched = "SELECT count(*) FROM subcases WHERE state = 'dispatched'"
        #expect(try await TestPostgres.query(fixture.address, dispatched) == "0")
        let holder = try await helpers.holding("cases WHERE number = '\(number)'", in: fixture.address)
        defer { holder.end() }
        async let issued = engine.issue(
            id, department: "market-regulation", outputs: ["company.creditCode": "91350211M0000XUF46"],
            overrideWarnings: true, actor: officer("market"))
        try await helpers.waitForLockWaiter(fixture.address)
        try await offload { holder.end() }
        #expect(try await issued.state == .issued)
        #expect(store.stepPaths == StepPaths(gated: 3, locking: 1))
        let released = try await TestPostgres.query(fixture.address, dispatched)
        #expect(released != "0")
        // One notice per dispatched sub-case (the first item's at submission, then each released one).
        #expect(
            try await TestPostgres.query(fixture.address, "SELECT count(*) FROM outbox WHERE kind = 'dispatched'")
                == String((Int(released) ?? 0) + 1))
        let events = try #require(Int(try await TestPostgres.query(fixture.address, "SELECT count(*) FROM events")))
        #expect(try await engine.verifyAudit() == .intact(events: events))
    }

    @Test("with gated steps turned off, every step goes the locking way")
    func gatedOff() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let number = try await fixture.engine().submit(companyApplication()).caseNumber
        let store = try await PostgresCaseStore.open(
            try PostgresAddress(fixture.address),
            options: .init(
                maximumConnections: 2, deadline: .seconds(60), connectTimeout: .seconds(30), gatedSteps: false))
        defer { store.stop() }
        let engine = PostgresStoreTests().engine(store)
        try await engine.accept(number + "-01", department: "market-regulation", actor: officer("market"))
        #expect(store.stepPaths == StepPaths(gated: 0, locking: 1))
        #expect(try await engine.verifyAudit() == .intact(events: 2))
    }

    @Test("a step while the chain's head is held waits for it on the locking path; the next steps go that way at once")
    func headHeld() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        let holder = try await helpers.holding("audit_head", in: fixture.address)
        defer { holder.end() }
        async let step = engine.accept(number + "-01", department: "market-regulation", actor: officer("market"))
        try await helpers.waitForLockWaiter(fixture.address)
        try await offload { holder.end() }
        #expect(try await step.state == .accepted)
        #expect(store.stepPaths == StepPaths(gated: 0, locking: 1))
        // Contention seen: the next steps go the locking way at once, without a gated try.
        try await engine.review(number + "-01", department: "market-regulation", actor: officer("market"))
        #expect(store.stepPaths == StepPaths(gated: 0, locking: 2))
        #expect(try await engine.verifyAudit() == .intact(events: 3))
    }

    @Test(
        "a gated write decided after an older head, on a changed row, or on a held row writes nothing and waits for nothing"
    )
    func gateHolds() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let number = try await fixture.engine().submit(companyApplication()).caseNumber
        let id = number + "-01"
        let seq = try #require(Int64(try await TestPostgres.query(fixture.address, "SELECT seq FROM audit_head")))
        let current = (seq: seq, hash: try await TestPostgres.query(fixture.address, "SELECT hash FROM audit_head"))
        let event = AuditEvent(
            at: "2026-11-23T09:00:00+08:00", principal: officer("market"), action: "accept", caseNumber: number,
            subcaseID: id, before: "dispatched", after: "accepted", detail: "")
        /// Accepts the sub-case if the head is still `head` and its state `state`.
        func write(after head: (seq: Int64, hash: String), expecting state: String) async throws -> Bool {
            try await store.withConnection { connection in
                let batch = WriteBatch(gatedAfter: head)
                batch.lock(
                    """
                    SELECT 1 FROM subcases WHERE id = \(batch.value(id)) AND state = \(batch.value(state))
                    FOR UPDATE SKIP LOCKED
                    """, rows: 1)
                batch.add("UPDATE subcases SET state = 'accepted' FROM head WHERE id = \(batch.value(id))")
                batch.append([event], after: head, key: nil)
                return try await batch.runGated(on: connection, logger: store.logger)
            }
        }
        let state = "SELECT state FROM subcases WHERE id = '\(id)'"
        let events = "SELECT count(*) FROM events"
        #expect(try await write(after: (current.seq - 1, "an older head"), expecting: "dispatched") == false)
        #expect(try await write(after: current, expecting: "accepted") == false)
        for held in ["subcases WHERE id = '\(id)'", "audit_head"] {
            let holder = try await helpers.holding(held, in: fixture.address)
            let started = ContinuousClock.now
            #expect(try await write(after: current, expecting: "dispatched") == false)
            #expect(ContinuousClock.now - started < .seconds(10))
            try await offload { holder.end() }
        }
        #expect(try await TestPostgres.query(fixture.address, state) == "dispatched")
        #expect(try await TestPostgres.query(fixture.address, events) == "1")
        #expect(try await write(after: current, expecting: "dispatched") == true)
        #expect(try await TestPostgres.query(fixture.address, state) == "accepted")
        #expect(try await TestPostgres.query(fixture.address, events) == "2")
    }
}
