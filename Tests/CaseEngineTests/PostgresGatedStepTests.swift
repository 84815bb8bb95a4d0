import CaseEngine
import Foundation
import PostgresTesting
import Synchronization
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
        // The submission left the sub-case in this process's memory: neither step read it.
        #expect(store.stepPaths == StepPaths(gated: 2, locking: 0, remembered: 2))
        _ = try await engine.withdraw(
            caseNumber: number, reason: "the applicant changed their mind",
            actor: Principal(id: "window-1", role: .window))
        #expect(store.stepPaths == StepPaths(gated: 2, locking: 1, remembered: 2))
        #expect(try await engine.verifyAudit() == .intact(events: 4))
    }

    @Test("an issue while the case's row is held waits on the locking path, then releases its dependants once")
    func caseRowHeld() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let (number, id) = try await approvedFirstItem(engine)
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
        #expect(store.stepPaths == StepPaths(gated: 3, locking: 1, remembered: 3))
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

    @Test("a sub-case this process wrote is remembered as a read would answer it, and a step on it is one statement")
    func rememberedAsRead() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        let first = number + "-01"
        /// Every sub-case of the case the memory holds equals what the store reads now.
        func memoryMatchesReads() async throws {
            guard let remembered = store.memory.withLock({ memory in memory.head }) else {
                Issue.record("the memory holds no head")
                return
            }
            #expect(try await TestPostgres.query(fixture.address, "SELECT seq FROM audit_head") == "\(remembered.seq)")
            let stored = try await store.subcases(ofCase: number)
            for subcase in stored {
                let recalled = store.memory.withLock { $0.recall(subcase.id) }
                #expect(recalled?.subcase == subcase, "\(subcase.id)")
            }
            let record = try #require(try await store.caseRecord(number))
            let recalled = try #require(store.memory.withLock { $0.recall(inCase: first) })
            #expect(recalled.owner.status == record.status)
            #expect(recalled.owner.withdrawn == record.withdrawn)
            #expect(recalled.owner.materials == record.materials)
            #expect(recalled.all == stored)
        }
        try await memoryMatchesReads()
        try await engine.accept(first, department: "market-regulation", actor: officer("market"))
        try await engine.review(first, department: "market-regulation", actor: officer("market"))
        try await engine.approve(first, department: "market-regulation", actor: approver("market"))
        try await memoryMatchesReads()
        // The issue decides on the remembered case and sub-cases (it releases the dependants).
        try await engine.issue(
            first, department: "market-regulation", outputs: ["company.creditCode": "91350211M0000XUF46"],
            overrideWarnings: true, actor: officer("market"))
        try await memoryMatchesReads()
        #expect(store.stepPaths == StepPaths(gated: 4, locking: 0, remembered: 4))
        let released = try #require(try await store.subcases(ofCase: number).first { $0.state == .dispatched })
        try await engine.accept(released.id, department: released.plan.department, actor: officer("dept"))
        #expect(store.stepPaths == StepPaths(gated: 5, locking: 0, remembered: 5))
        try await memoryMatchesReads()
        #expect(try await engine.verifyAudit() == .intact(events: 6))
    }

    @Test(
        "a remembered sub-case that another process changed is not written over: the step is decided again on what is stored"
    )
    func rememberedButChanged() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let (id, other) = try await acceptedElsewhere(fixture, engine)
        defer { other.stop() }
        #expect(store.memory.withLock { $0.recall(id)?.subcase.state } == .dispatched)
        // Remembered as dispatched, the accept is decided again on the stored state and refused.
        let refused = await #expect(throws: CaseEngineError.self) {
            try await engine.accept(id, department: "market-regulation", actor: officer("market"))
        }
        #expect(refused?.code == "step-not-allowed")
        // The gated write found the row no longer dispatched and wrote nothing; the step, decided
        // again on the locking path, was refused there (a refused step counts on neither path).
        #expect(store.stepPaths == StepPaths())
        #expect(store.memory.withLock { $0.head } == nil)
        #expect(
            try await TestPostgres.query(fixture.address, "SELECT count(*) FROM events WHERE action = 'accept'") == "1")
        // Its review goes the locking way (contention was seen) and is written once.
        try await engine.review(id, department: "market-regulation", actor: officer("market"))
        #expect(try await store.subcase(id)?.state == .reviewed)
        #expect(try await engine.verifyAudit() == .intact(events: 3))
    }

    @Test(
        "a step that what is remembered would refuse is decided on what is stored: another process's accept lets this one review"
    )
    func rememberedBehind() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let (id, other) = try await acceptedElsewhere(fixture, engine)
        defer { other.stop() }
        #expect(store.memory.withLock { $0.recall(id)?.subcase.state } == .dispatched)
        // Remembered as dispatched, a review would be refused; stored as accepted, it is allowed.
        #expect(
            try await engine.review(id, department: "market-regulation", actor: officer("market")).state == .reviewed)
        #expect(store.stepPaths == StepPaths(gated: 0, locking: 1, remembered: 0))
        #expect(try await engine.verifyAudit() == .intact(events: 3))
    }

    @Test("a remembered case that another process withdrew is not issued: the issue is decided again and refused")
    func rememberedCaseWithdrawn() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let (number, id) = try await approvedFirstItem(engine)
        let other = try await PostgresCaseStore.open(try PostgresAddress(fixture.address))
        defer { other.stop() }
        _ = try await helpers.engine(other).withdraw(
            caseNumber: number, reason: "the applicant changed their mind",
            actor: Principal(id: "window-1", role: .window))
        #expect(store.memory.withLock { $0.recall(inCase: id)?.owner.withdrawn } == false)
        let refused = await #expect(throws: CaseEngineError.self) {
            try await engine.issue(
                id, department: "market-regulation", outputs: ["company.creditCode": "91350211M0000XUF46"],
                overrideWarnings: true, actor: officer("market"))
        }
        #expect(refused?.code == "step-not-allowed")
        #expect(try await store.subcase(id)?.state != .issued)
        #expect(
            try await TestPostgres.query(fixture.address, "SELECT count(*) FROM events WHERE action = 'issue'") == "0")
        #expect(try await engine.verifyAudit() == .intact(events: 5))
    }

    @Test(
        "a submission after this process's own is one statement with the next number; after another process's it is numbered on the locking path, and so are the next ones"
    )
    func gatedSubmissions() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.postgresStore
        let engine = fixture.engine()
        let other = try await PostgresCaseStore.open(try PostgresAddress(fixture.address))
        defer { other.stop() }
        let first = try await engine.submit(companyApplication(key: "k1")).caseNumber
        let second = try await engine.submit(companyApplication(key: "k2")).caseNumber
        #expect(store.stepPaths == StepPaths(gatedSubmissions: 1))
        // The sub-cases of a case submitted gated are remembered: its first step is one statement.
        try await engine.accept(second + "-01", department: "market-regulation", actor: officer("market"))
        #expect(store.stepPaths == StepPaths(gated: 1, remembered: 1, gatedSubmissions: 1))
        let third = try await helpers.engine(other).submit(companyApplication(key: "k3")).caseNumber
        // The day's counter moved elsewhere: the gated try writes nothing, the locking path numbers
        // it, and the next submissions go the locking way at once (contention was seen).
        let fourth = try await engine.submit(companyApplication(key: "k4")).caseNumber
        let fifth = try await engine.submit(companyApplication(key: "k5")).caseNumber
        #expect(store.stepPaths == StepPaths(gated: 1, remembered: 1, gatedSubmissions: 1))
        #expect(
            [first, second, third, fourth, fifth].map { $0.suffix(6) } == [
                "000001", "000002", "000003", "000004", "000005",
            ])
        #expect(try await TestPostgres.query(fixture.address, "SELECT max(last) FROM case_sequences") == "5")
        #expect(try await engine.verifyAudit() == .intact(events: 6))
    }

    /// Submits a company opening and takes its first item through accept, review and approve: the
    /// case's number and the item's sub-case id.
    private func approvedFirstItem(_ engine: CaseEngine) async throws -> (number: String, id: String) {
        let number = try await engine.submit(companyApplication()).caseNumber
        let id = number + "-01"
        for step in [engine.accept, engine.review] { _ = try await step(id, "market-regulation", officer("market")) }
        try await engine.approve(id, department: "market-regulation", actor: approver("market"))
        return (number, id)
    }

    /// Submits a company opening through `engine`, then another process (a store of its own on the
    /// same database) accepts its first item: the item's id, and the other store to stop.
    private func acceptedElsewhere(
        _ fixture: EngineFixture, _ engine: CaseEngine
    ) async throws -> (id: String, other: PostgresCaseStore) {
        let id = try await engine.submit(companyApplication()).caseNumber + "-01"
        let other = try await PostgresCaseStore.open(try PostgresAddress(fixture.address))
        try await helpers.engine(other).accept(id, department: "market-regulation", actor: officer("other"))
        return (id, other)
    }
}
